"""Named random streams: one seed, split with ``numpy.random.SeedSequence``.

Each process of the model draws from its own stream, so that changing how often one
process draws (say, more reports under a policy) never shifts another process's draws.
In particular the issue *arrival* stream depends on the seed alone: two scenarios run with
the same seed see the same issues at the same times and places (common random numbers).
"""

from __future__ import annotations

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "layout",
    "arrivals",
    "movement",
    "detection",
    "decisions",
    "service",
    "turnover",
    "population",
    "mesa",
    "tickets",
)
"""Stream names; a stream's spawn key is its position here, so never reorder, only append."""


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """Create one independent generator per named process.

    Args:
        seed: the run's seed (non-negative integer).

    Returns:
        A mapping from stream name to a ``numpy.random.Generator`` (PCG64).
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(index,)))
        )
        for index, name in enumerate(STREAM_NAMES)
    }


def replicate_seed(base_seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate``, derived from the base seed and the index alone.

    Every arm of an experiment uses this seed for its replicate ``replicate``, which gives
    common random numbers across arms.

    Args:
        base_seed: the experiment's base seed.
        replicate: replicate index, 0-based.

    Returns:
        A 63-bit non-negative integer seed.
    """
    sequence = np.random.SeedSequence(entropy=base_seed, spawn_key=(1_000_003, replicate))
    return int(sequence.generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> np.uint64(1))

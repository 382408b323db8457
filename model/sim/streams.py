"""Random numbers: named streams from one seed, and keyed draws that hold across arms.

Two kinds of randomness serve common random numbers (CRN), so that two arms run with the
same seed differ only where a lever makes them differ:

- **Named streams** (``numpy.random.Generator``, PCG64), one per submodel and one per lever
  (:data:`STREAM_NAMES`), split from the run's seed with ``numpy.random.SeedSequence``. Each
  is drawn in blocks whose size does not depend on what happened elsewhere (a number per
  worker slot per day, every issue up front), or it belongs to one lever alone, so that
  changing one process never shifts another process's draws. The issue *arrival* stream
  depends on the seed alone: two arms see the same issues at the same times and places.
- **Keyed draws** (:class:`KeyedDraws`) for events whose number depends on the state of
  the street (a detection, a report decision, a reporter learning the outcome): each
  uniform is a pure function of the run's seed, a purpose and the event's identity (issue,
  observer, slot, hour, ...), a counter-based generator (SplitMix64 mixing). The same event
  gets the same number in every arm, whatever else happened, and no draw shifts another.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.special import ndtri

from model.sim.compiled_arithmetic import keyed_step, keyed_unit

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
    "registration",
    "own_problems",
    "stations",
    "posts",
    "insurance",
    "deliberation",
    "keyed",
)
"""Stream names; a stream's spawn key is its position here, so never reorder, only append.

``detection``, ``decisions`` and ``service`` are no longer drawn from as generators (their
events use keyed draws, whose key comes from ``keyed``); they stay so that the positions,
and with them every other stream, are unchanged."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53

PURPOSES: tuple[str, ...] = (
    "notice",
    "notice_time",
    "pick_base",
    "pick_agent",
    "decide",
    "channel",
    "false_report",
    "told",
    "seen",
    "satisfied",
    "newcomer",
    "relay",
)
"""What a keyed draw is for (its position is mixed into the key: append only)."""


_MASK = (1 << 64) - 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrap-around arithmetic), in place.

    ``z`` must be an array of its own (it is overwritten); returns it.
    """
    z ^= z >> np.uint64(30)
    z *= _MIX_1
    z ^= z >> np.uint64(27)
    z *= _MIX_2
    z ^= z >> np.uint64(31)
    return z


def _mix_int(z: int) -> int:
    """:func:`_mix` on one Python integer (the same numbers, much faster for scalars)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _step_int(h: int, part: int) -> int:
    """One mixing step of a scalar part into a scalar state."""
    return _mix_int((h + ((part + 1) & _MASK) * 0x9E3779B97F4A7C15) & _MASK)


class KeyedDraws:
    """Counter-based uniform draws: each a pure function of the run's key and an event.

    Args:
        key: 64-bit key of the run (from the ``keyed`` stream's seed sequence).
    """

    def __init__(self, key: int) -> None:
        """Keep the run's key."""
        self.key = np.uint64(key)
        self._purpose_state = {
            name: _mix_int((key + (index + 1) * 0x9E3779B97F4A7C15) & _MASK)
            for index, name in enumerate(PURPOSES)
        }
        self._purpose_uint64 = {
            name: np.uint64(state) for name, state in self._purpose_state.items()
        }

    def state(self, purpose: str) -> np.uint64:
        """The mixed state of a purpose, before any part (for the compiled kernels).

        :func:`model.sim.compiled_arithmetic.keyed_step` mixes parts into it as
        :meth:`uniform` does; :func:`~model.sim.compiled_arithmetic.keyed_unit` turns the
        result into the uniform.
        """
        return self._purpose_uint64[purpose]

    def uniform(self, purpose: str, *parts: np.ndarray | int | float) -> np.ndarray:
        """Uniforms in [0, 1), one per element of the broadcast ``parts``.

        Args:
            purpose: one of :data:`PURPOSES` (different purposes give independent draws).
            *parts: integer identities of the event (issue, observer, slot, hour, ...),
                arrays broadcast against each other, mixed in order (put scalars first: it
                is faster); negative values are allowed.

        Returns:
            Array of the broadcast shape (float64); the same event gives the same number
            in every call, every arm and every process.
        """
        h = self._purpose_state[purpose]
        first = 0
        for part in parts:  # leading scalars: plain integer arithmetic
            if not isinstance(part, int | np.integer):
                break
            h = _step_int(h, int(part))
            first += 1
        rest = parts[first:]
        if not rest:
            return np.float64((h >> 11) * _TO_UNIT)
        with np.errstate(over="ignore"):
            # each part: state <- mix(state + (code + 1) * golden), written as
            # mix((state + golden) + code * golden): the same number modulo 2**64
            state: np.ndarray | int = (h + 0x9E3779B97F4A7C15) & _MASK
            for part in rest:
                code = np.asarray(part)
                if code.dtype != np.int64:
                    code = code.astype(np.int64)
                z = code.view(np.uint64) * _GOLDEN
                if isinstance(state, int):
                    z += np.uint64(state)
                else:
                    z = z + state
                    z += _GOLDEN
                state = _mix(np.asarray(z))
        state >>= np.uint64(11)
        return state * _TO_UNIT

    def uniform_of(self, purpose: str, first: int, second: int, third: int) -> float:
        """:meth:`uniform` of one event of three integer parts, as a Python float.

        The same number as ``uniform(purpose, first, second, third)``, computed by a
        compiled kernel (:func:`uniform_of_three`): some ten times faster for the single
        draws of the hourly events (a report, a reporter learning an outcome).
        """
        return uniform_of_three(self._purpose_uint64[purpose], int(first), int(second), int(third))

    def normal(self, purpose: str, *parts: np.ndarray | int | float) -> np.ndarray:
        """Standard normal draws by inverse CDF of :meth:`uniform`."""
        u = self.uniform(purpose, *parts)
        return ndtri(np.clip(u, 1e-12, 1.0 - 1e-12))


@njit(cache=True)
def uniform_of_three(state: np.uint64, first: int, second: int, third: int) -> float:
    """A purpose's mixed state and three integer parts mixed in: their uniform."""
    return keyed_unit(keyed_step(keyed_step(keyed_step(state, first), second), third))


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
        name: np.random.Generator(np.random.PCG64(_sequence(seed, index)))
        for index, name in enumerate(STREAM_NAMES)
    }


def _sequence(seed: int, index: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=seed, spawn_key=(index,))


def keyed_draws(seed: int) -> KeyedDraws:
    """The keyed draws of a run (their key comes from the ``keyed`` stream's sequence)."""
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    state = _sequence(seed, STREAM_NAMES.index("keyed")).generate_state(2, dtype=np.uint32)
    return KeyedDraws(int(state.view(np.uint64)[0]))


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

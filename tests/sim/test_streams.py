"""Named random streams: independent, reproducible, seed-only."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.streams import STREAM_NAMES, keyed_draws, make_streams, replicate_seed


def test_every_named_stream_exists() -> None:
    streams = make_streams(3)
    assert tuple(streams) == STREAM_NAMES
    for rng in streams.values():
        assert isinstance(rng, np.random.Generator)
    for required in ("arrivals", "movement", "detection", "decisions", "service", "turnover"):
        assert required in streams


def test_same_seed_same_draws() -> None:
    a, b = make_streams(42), make_streams(42)
    for name in STREAM_NAMES:
        assert np.array_equal(a[name].random(8), b[name].random(8)), name


def test_different_seeds_differ() -> None:
    a, b = make_streams(1), make_streams(2)
    for name in STREAM_NAMES:
        assert not np.array_equal(a[name].random(8), b[name].random(8)), name


def test_streams_are_distinct_from_each_other() -> None:
    draws = {name: rng.random(8) for name, rng in make_streams(7).items()}
    values = list(draws.values())
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            assert not np.array_equal(values[i], values[j])


def test_drawing_from_one_stream_never_shifts_another() -> None:
    a, b = make_streams(11), make_streams(11)
    a["decisions"].random(10_000)  # one arm makes many more decisions
    a["service"].standard_normal(777)
    assert np.array_equal(a["arrivals"].random(16), b["arrivals"].random(16))
    assert np.array_equal(a["turnover"].random(16), b["turnover"].random(16))


def test_no_global_random_state_is_used() -> None:
    np.random.seed(0)  # noqa: NPY002
    first = make_streams(5)["arrivals"].random(4)
    np.random.seed(12345)  # noqa: NPY002
    np.random.random(100)  # noqa: NPY002
    second = make_streams(5)["arrivals"].random(4)
    assert np.array_equal(first, second)


def test_negative_seed_is_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        make_streams(-1)


def test_replicate_seed_is_deterministic_and_distinct() -> None:
    seeds = [replicate_seed(2024, r) for r in range(50)]
    assert seeds == [replicate_seed(2024, r) for r in range(50)]
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)
    assert all(isinstance(s, int) for s in seeds)
    assert replicate_seed(2025, 0) != replicate_seed(2024, 0)
    make_streams(seeds[0])  # usable as a run seed


def test_keyed_uniforms_of_arrays_are_those_of_each_event_alone() -> None:
    """The vectorised draw (in-place mixing) gives, element by element, the number the
    plain-integer arithmetic gives for that event alone: broadcasting, negative parts,
    other integer types and leading scalars included."""
    draws = keyed_draws(20260121)
    rng = np.random.default_rng(3)
    hours = np.arange(4)[:, None, None]
    issues = rng.integers(0, 10**6, (1, 5, 1))
    observers = np.arange(3, dtype=np.int32)[None, None, :]
    slots = rng.integers(-50, 3000, (4, 5, 3))
    batch = draws.uniform("decide", hours, issues, observers, slots)
    assert batch.shape == (4, 5, 3)
    for h, i, o in np.ndindex(4, 5, 3):
        alone = draws.uniform("decide", h, int(issues[0, i, 0]), o, int(slots[h, i, o]))
        assert batch[h, i, o] == alone
    mixed = draws.uniform("channel", 7, np.array([-3, 0, 9]), 2)
    assert [float(u) for u in mixed] == [draws.uniform("channel", 7, k, 2) for k in (-3, 0, 9)]
    assert np.all((batch >= 0.0) & (batch < 1.0))

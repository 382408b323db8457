"""The compiled numbers of the daily record (model/sim/record_kernels.py) equal their
vectorised form (model.sim.recorder.day_numbers_of) bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import Role
from model.sim.recorder import day_numbers_compiled, day_numbers_of


def tables(n_workers: int, n_residents: int, seed: int) -> dict[str, object]:
    """Random worker and resident tables, with the edges mixed in."""
    rng = np.random.default_rng(seed)
    hours = np.where(rng.random(n_workers) < 0.3, 0.0, rng.random(n_workers) * 16.0)
    last_report_at = np.where(rng.random(n_workers) < 0.5, -np.inf, rng.random(n_workers) * 2000.0)
    last_report_at[::9] = 1000.0  # exactly at the start of the window: active
    return {
        "hours": hours,
        "is_rider": rng.random(n_workers) < rng.random(),
        "last_report_at": last_report_at,
        "active_since": 1000.0,
        "registered": rng.random(n_workers) < rng.random(),
        "insured": rng.random(n_workers) < rng.random(),
        "role": rng.integers(0, len(Role), n_workers).astype(np.int8),
        "belonging": rng.random(n_workers) * rng.choice([1e-3, 1.0, 1e6]),
        "trust": rng.random(n_workers),
        "satisfaction": rng.random(n_residents),
    }


def assert_same_numbers(got: dict[str, float], want: dict[str, float]) -> None:
    assert list(got) == list(want)
    for key, value in want.items():
        assert type(got[key]) is type(value), key
        # bit for bit: NaN where NaN
        assert np.float64(got[key]).view(np.uint64) == np.float64(value).view(np.uint64), key


@settings(max_examples=60, deadline=None)
@given(
    n_workers=st.integers(0, 1500),
    n_residents=st.integers(0, 3000),
    seed=st.integers(0, 2**32 - 1),
)
def test_day_numbers_equal_the_vectorised_form(n_workers, n_residents, seed) -> None:
    # lengths across numpy's pairwise blocks (8, 128, longer rows cut in halves)
    numbers = tables(n_workers, n_residents, seed)
    assert_same_numbers(day_numbers_compiled(**numbers), day_numbers_of(**numbers))


def test_the_means_add_pairwise_as_numpy_does() -> None:
    # a left-to-right sum of these rounds differently from numpy's pairwise sum
    numbers = tables(400, 400, 0)
    numbers["belonging"] = np.array([1.0, 1e-16] * 200)
    numbers["hours"] = np.array([1.0, 1e-16] * 200)
    numbers["is_rider"] = np.ones(400, dtype=bool)
    left_to_right = 0.0
    for value in numbers["belonging"]:
        left_to_right += value
    want = day_numbers_of(**numbers)
    assert left_to_right / 400 != want["mean_belonging"]
    assert_same_numbers(day_numbers_compiled(**numbers), want)


def test_no_rider_online_gives_nan_hours() -> None:
    numbers = tables(50, 10, 1)
    numbers["hours"] = np.zeros(50)
    got = day_numbers_compiled(**numbers)
    assert np.isnan(got["rider_online_hours"])
    assert_same_numbers(got, day_numbers_of(**numbers))

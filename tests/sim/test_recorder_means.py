"""The recorder's means and shares are numpy's ``mean``, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.sim.recorder import mean, share


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-3, 1.0, 1e6])
)
def test_mean_and_share_are_numpys_mean(n: int, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    values = rng.random(n) * scale  # lengths across numpy's pairwise blocks (8, 128, more)
    flags = rng.random(n) < rng.random()
    if n == 0:
        assert np.isnan(mean(values)) and np.isnan(share(flags))
        return
    assert np.float64(mean(values)).view(np.uint64) == np.float64(values.mean()).view(np.uint64)
    assert np.float64(share(flags)).view(np.uint64) == np.float64(flags.mean()).view(np.uint64)
    assert type(mean(values)) is float and type(share(flags)) is float


def test_mean_adds_pairwise_as_numpy_does() -> None:
    # a left-to-right sum of these rounds differently from numpy's pairwise sum
    values = np.array([1.0, 1e-16] * 200)
    left_to_right = 0.0
    for v in values:
        left_to_right += v
    assert left_to_right / len(values) != values.mean()
    assert mean(values) == values.mean()

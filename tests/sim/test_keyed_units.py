"""A row of keyed draws at once (:func:`model.sim.compiled_arithmetic.keyed_units`).

The day's noticing draws (:func:`model.sim.detection_kernels.notice_hits`) add each part's
``(part + 1) * golden`` to the hour's state once per hour and mix a whole row of them in a
loop of its own; each number must be the one :class:`~model.sim.streams.KeyedDraws` draws
for that hour and part, bit for bit, whatever the part (negative, the largest, zero).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.sim.compiled_arithmetic import GOLDEN, keyed_step, keyed_unit, keyed_units
from model.sim.streams import PURPOSES, KeyedDraws

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def bits(x: float) -> int:
    """The float's 64 bits (tells -0.0 from 0.0 and any last-bit difference)."""
    return int(np.float64(x).view(np.uint64))


def added_parts(parts: np.ndarray) -> np.ndarray:
    """Each part's ``(part + 1) * GOLDEN``, wrapping as ``keyed_step`` adds it."""
    with np.errstate(over="ignore"):
        return (parts.astype(np.int64).view(np.uint64) + np.uint64(1)) * GOLDEN


@settings(max_examples=200, deadline=None)
@given(
    key=st.integers(0, 2**64 - 1),
    purpose=st.sampled_from(PURPOSES),
    hour=st.integers(-5, 2**40),
    parts=st.lists(
        st.one_of(
            st.integers(INT64_MIN, INT64_MAX),
            st.integers(-10, 10**7),
            st.sampled_from([0, -1, -2, INT64_MIN, INT64_MAX]),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_keyed_units_equal_keyed_draws_of_the_hour_and_each_part(key, purpose, hour, parts):
    draws = KeyedDraws(key)
    parts = np.array(parts, dtype=np.int64)
    hour_state = np.uint64(keyed_step(draws.state(purpose), np.int64(hour)))
    got = np.full(len(parts), np.nan)
    keyed_units(hour_state, added_parts(parts), got)
    expected = draws.uniform(purpose, hour, parts)
    assert [bits(x) for x in got] == [bits(x) for x in expected]
    one_at_a_time = [keyed_unit(np.uint64(keyed_step(hour_state, p))) for p in parts]
    assert [bits(x) for x in got] == [bits(x) for x in one_at_a_time]


def test_keyed_units_of_the_noticing_keys_reach_the_top_bits() -> None:
    """Draws of the noticing keys (issue * 8 + class) close to 1 and close to 0 alike: the
    top 53 bits converted whole (a state with its top bit set is not read as negative)."""
    draws = KeyedDraws(0xDEADBEEF12345678)
    keys = np.arange(200_000, dtype=np.int64) * 8 + 3
    state = draws.state("notice")
    got = np.empty(len(keys))
    keyed_units(state, added_parts(keys), got)
    expected = draws.uniform("notice", keys)  # the purpose's state and the key alone
    assert got.max() > 0.9999 and got.min() < 0.0001
    assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))

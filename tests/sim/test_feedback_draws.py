"""The compiled draws of a report are the keyed draws of the four purposes, bit for bit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from model.sim.feedback_draws import FeedbackDraws
from model.sim.streams import keyed_draws

PARTS = st.integers(min_value=-(2**40), max_value=2**40)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**31), issue=PARTS, observer=PARTS, slot=PARTS)
def test_four_draws_are_the_keyed_uniforms(seed: int, issue: int, observer: int, slot: int):
    """(false_report, told, seen, satisfied) equal ``KeyedDraws.uniform`` of each purpose.

    The false-report draw is the one ``KeyedDraws.uniform_of`` gives.
    """
    draws = keyed_draws(seed)
    expected = tuple(
        float(draws.uniform(purpose, issue, observer, slot))
        for purpose in ("false_report", "told", "seen", "satisfied")
    )
    four = FeedbackDraws(draws).with_false(issue, observer, slot)
    assert four == expected
    assert four[0] == draws.uniform_of("false_report", issue, observer, slot)

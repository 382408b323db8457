"""Property tests: the run invariants hold for any seed and any combination of levers."""

from __future__ import annotations

import math

from conftest import REPORT_CHANNELS, check_invariants, column, make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.sim.model import run_model

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

levers = st.fixed_dictionaries(
    {
        "posts": st.booleans(),
        "points": st.booleans(),
        "crowding_out": st.booleans(),
        "honours": st.booleans(),
        "insurance": st.booleans(),
        "waiver": st.booleans(),
        "one_stop": st.booleans(),
        "mini_program": st.booleans(),
        "routing_automation": st.booleans(),
        "feedback": st.booleans(),
        "upgraded": st.booleans(),
        "deliberation": st.booleans(),
        "stations": st.integers(0, 4),
    }
)


def lever_overrides(lv: dict) -> dict:
    return {
        "policies": {
            "posts": {"enabled": lv["posts"]},
            "points": {"enabled": lv["points"], "crowding_out": lv["crowding_out"]},
            "honours": {"enabled": lv["honours"]},
            "insurance": {"enabled": lv["insurance"]},
            "waiver": {"enabled": lv["waiver"]},
            "one_stop": {"enabled": lv["one_stop"]},
            "mini_program": {
                "enabled": lv["mini_program"],
                "routing_automation": lv["routing_automation"],
                "feedback": lv["feedback"],
            },
            "stations": {"upgraded": lv["upgraded"], "count": lv["stations"]},
            "deliberation": {"enabled": lv["deliberation"], "activities_per_month": 1.0},
        }
    }


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), lv=levers, days=st.integers(3, 12))
def test_invariants_hold_for_any_levers(seed: int, lv: dict, days: int) -> None:
    output = run_model(make_config(lever_overrides(lv)), seed=seed, days=days)
    check_invariants(output, days=days)
    if not lv["points"]:
        assert output.outcomes["points_paid_yuan"] == 0.0


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), lv=levers)
def test_month_boundary_keeps_the_invariants(seed: int, lv: dict) -> None:
    """Runs past day 30 go through honours, council meetings and activities."""
    output = run_model(make_config(lever_overrides(lv)), seed=seed, days=32)
    check_invariants(output, days=32)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    closed=st.sets(st.sampled_from(REPORT_CHANNELS)),
    staff=st.integers(0, 8),
    residents=st.sampled_from([0, 50, 400]),
)
def test_invariants_with_channels_and_people_varied(seed, closed, staff, residents) -> None:
    overrides = {
        "channels": {name: {"enabled": name not in closed} for name in REPORT_CHANNELS},
        "population": {"staff_per_community": staff, "residents": residents},
    }
    output = run_model(make_config(overrides), seed=seed, days=6)
    check_invariants(output, days=6)
    used = set(column(output.reports, "channel").astype(str))
    assert not used & closed  # a closed channel is never used
    if residents == 0:
        assert "resident" not in set(column(output.reports, "reporter_kind").astype(str))
    if staff == 0:
        assert "staff_patrol" not in used


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), lv=levers)
def test_same_seed_same_outcomes(seed: int, lv: dict) -> None:
    config = make_config(lever_overrides(lv))
    a = run_model(config, seed=seed, days=4)
    b = run_model(config, seed=seed, days=4)
    assert all(
        (math.isnan(a.outcomes[k]) and math.isnan(b.outcomes[k])) or a.outcomes[k] == b.outcomes[k]
        for k in a.outcomes
    )
    assert a.issues.equals(b.issues) and a.reports.equals(b.reports) and a.daily.equals(b.daily)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), lv=levers)
def test_arrivals_do_not_depend_on_the_levers(seed: int, lv: dict) -> None:
    a = run_model(make_config(), seed=seed, days=4)
    b = run_model(make_config(lever_overrides(lv)), seed=seed, days=4)
    for name in ("issue_id", "type", "community", "x", "y", "severity", "indoor", "opened_at"):
        assert a.issues.column(name).equals(b.issues.column(name)), name

"""The outcome contract on a hand-built run: every definition, every window edge, every denominator.

The run below is small enough to work out by hand; each expected value is derived in the
comments next to it. Several issues sit exactly on a window edge (opened at the window's
start, opened exactly a week before the end, fixed after exactly 168 hours, reported exactly
a week before the end), so moving any edge by an hour changes an outcome and fails a test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from outcome_logs import issues_table, reports_table, run_record, workers_table

from model.outcomes.contract import (
    OUTCOME_NAMES,
    SHARE_OUTCOMES,
    RunRecord,
    compute_outcomes,
)
from model.outcomes.registry import OUTCOMES

NAN = float("nan")

# window [100, 500) hours; a week is 168 h, so issues opened at or before 332 are "due"
START, END = 100.0, 500.0

# name: type, channel, status, then the times (None = never)
ISSUES = {
    # opened before the window: counts nowhere
    "A": ("environment", "hotline", "resolved", dict(opened_at=50, first_detected_at=51,
          reported_at=52, acknowledged_at=53, triaged_at=53, resolved_at=60)),
    # opened exactly at the window start; fixed after exactly 168 h (counts as within a week);
    # a person took the ticket up 20 h after the report
    "B": ("environment", "hotline", "resolved", dict(opened_at=100, first_detected_at=105,
          reported_at=110, acknowledged_at=111, triaged_at=130, resolved_at=268)),
    # fixed after 168.5 h (not within a week); acknowledged automatically, taken up after 39 h
    "C": ("damaged_facility", "mini_program", "resolved", dict(opened_at=200,
          first_detected_at=200.5, reported_at=201, acknowledged_at=201, triaged_at=240,
          resolved_at=368.5)),
    # closed unfixed, then an incident at 400 (the clock runs on after the close)
    "D": ("safety_hazard", "station", "closed_unresolved", dict(opened_at=250,
          first_detected_at=255, reported_at=260, acknowledged_at=300, triaged_at=300,
          incident_at=400)),
    # noticed, never reported, went away on its own at 350
    "E": ("environment", None, "expired", dict(opened_at=300, first_detected_at=310,
          lapse_at=350)),
    # opened exactly a week before the end; never noticed; an incident at 340
    "F": ("environment", None, "escalated", dict(opened_at=332, incident_at=340)),
    # opened an hour too late to be due for the week; fixed after 7 h
    "G": ("opinion", "in_person", "resolved", dict(opened_at=333, first_detected_at=333.5,
          reported_at=334, acknowledged_at=335, triaged_at=335, resolved_at=340)),
    # reported 10 h before the end: too late to count for the response rates; still open
    "H": ("environment", "hotline", "reported", dict(opened_at=480, first_detected_at=485,
          reported_at=490)),
    # the staff's own patrol ticket: not an appeal, never in a response rate
    "J": ("environment", "staff_patrol", "resolved", dict(opened_at=150, first_detected_at=150,
          reported_at=150, acknowledged_at=150, triaged_at=190, resolved_at=200)),
    # opened at the end of the run: outside the window [100, 500)
    "K": ("environment", None, "open", dict(opened_at=500)),
}  # fmt: skip

# reporter kind, reporter id, time, channel, satisfied (None = the issue is still open)
REPORTS = [
    ("resident", 900, 90.0, "hotline", True),  # before the window
    ("rider", 11, 110.0, "hotline", True),  # counted, satisfied
    ("resident", 901, 201.0, "mini_program", False),  # counted, not satisfied
    ("courier", 12, 260.0, "station", True),  # counted, satisfied
    ("staff", None, 150.0, "staff_patrol", None),  # staff: never counted
    ("resident", 902, 332.0, "hotline", None),  # exactly a week before the end: counted, open
    ("rider", 11, 334.0, "in_person", True),  # too late for satisfaction, in the window
    ("rider", 13, 490.0, "hotline", None),  # too late for satisfaction, in the window
]

# worker id, kind, entered at, left at (None = present at the end)
WORKERS = [(11, "rider", 0.0, None), (12, "courier", 0.0, 250.0), (13, "rider", 250.0, None),
           (14, "driver", 0.0, None)]  # fmt: skip


def record(**changes) -> RunRecord:
    window = {"start": changes.pop("window_start", START), "end": changes.pop("end", END)}
    return run_record(**window, **changes)


# A second run: window [0, 1800) = two whole 30-day blocks [0, 720) and [720, 1440) and a
# remainder [1440, 1800) that participation leaves out
BLOCK_WORKERS = [(1, "rider", 0.0, None), (2, "rider", 0.0, 700.0), (3, "courier", 710.0, None)]
BLOCK_REPORTS = [
    ("rider", 1, 10.0, "hotline", None),  # worker 1, block 0
    ("rider", 1, 20.0, "hotline", None),  # a second report in the same block
    ("courier", 3, 1500.0, "hotline", None),  # after the last whole block: left out
    ("resident", 7, 800.0, "hotline", None),  # not a worker
]


def run_hand_built() -> dict[str, float]:
    return compute_outcomes(
        issues_table(ISSUES), reports_table(REPORTS), workers_table(WORKERS), record()
    )


def run_whole_blocks() -> dict[str, float]:
    return compute_outcomes(
        issues_table({}),
        reports_table(BLOCK_REPORTS),
        workers_table(BLOCK_WORKERS),
        record(window_start=0.0, end=1800.0, turnover_days=1800 / 24 - 1),
    )


KNOWN_ANSWERS: dict[str, dict[str, float]] = {
    # every outcome of the hand-built run; the tests below derive each value step by step
    "hand_built": {
        "fixed_within_7d_share": 2 / 6,
        "median_hours_to_fix": 168.5,
        "incidents_total": 2,
        "incident_share": 2 / 8,
        "harm_yuan": 1050,
        "satisfaction_rate": 2 / 4,
        "worker_participation_rate": NAN,  # no whole 30-day block in 400 hours
        "worker_reports_per_100_worker_months": 4 * 100 / (1200 / 720),
        "worker_monthly_turnover": 3 / (400 / 24 / 30) / 4,
        "public_cost_yuan": 1300,
        "issues_total": 8,
        "measured_days": 400 / 24,
        "detected_share": 7 / 8,
        "reported_share": 6 / 8,
        "resolved_share": 4 / 5,
        "response_rate": 2 / 4,
        "response_rate_auto": 3 / 4,
        "response_rate_hotline": 1.0,
        "response_rate_mini_program": 0.0,
        "response_rate_station": 0.0,
        "response_rate_in_person": 1.0,
        "median_hours_to_report": 5.5,
        "median_hours_to_fix_among_fixed": (50 + 168) / 2,
        "worker_reports_total": 4,
        "registered_share": 0.5,
        "mean_belonging": 0.5,
        "program_cost_yuan": 350,
        "points_paid_yuan": 80,
        "forgone_revenue_yuan": 50,
        "net_social_cost_yuan": 1300 + 50 + 1050,
    },
    # the worker outcomes over whole blocks (test_participation_over_whole_blocks)
    "whole_blocks": {
        "worker_participation_rate": 1 / 5,
        "worker_reports_per_100_worker_months": 3 * 100 / (3590 / 720),
        "worker_reports_total": 3,
        "measured_days": 1800 / 24,
        "issues_total": 0,
        "incident_share": NAN,
    },
}
"""Known answers per hand-built run: outcome name -> value worked out by hand (NaN allowed)."""

RUNS = {"hand_built": run_hand_built, "whole_blocks": run_whole_blocks}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, float]:
    return run_hand_built()


def test_every_outcome_has_a_known_answer():
    # a new outcome in the registry fails here until a hand-built run states its value
    for name in OUTCOMES:
        finite = [case for case, answers in KNOWN_ANSWERS.items() if name in answers
                  and math.isfinite(answers[name])]  # fmt: skip
        assert finite, f"{name}: no known-answer test with a finite value"
    for answers in KNOWN_ANSWERS.values():
        assert set(answers) <= set(OUTCOMES)
    assert set(KNOWN_ANSWERS["hand_built"]) == set(OUTCOMES)


@pytest.mark.parametrize(
    ("case", "name"), [(case, name) for case, answers in KNOWN_ANSWERS.items() for name in answers]
)
def test_known_answer(case, name):
    expected = KNOWN_ANSWERS[case][name]
    value = RUNS[case]()[name]
    if math.isnan(expected):
        assert math.isnan(value), f"{case}: {name} = {value}, expected NaN"
    else:
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-12), case


def test_names_and_order_follow_the_registry(outcomes):
    assert tuple(outcomes) == OUTCOME_NAMES == tuple(OUTCOMES)
    assert all(isinstance(v, float) for v in outcomes.values())


def test_issue_counts_cover_the_window_only(outcomes):
    # B, C, D, E, F, G, H, J opened in [100, 500); A before, K at the end
    assert outcomes["issues_total"] == 8
    assert outcomes["measured_days"] == pytest.approx(400 / 24)
    assert outcomes["detected_share"] == pytest.approx(7 / 8)  # all but F
    assert outcomes["reported_share"] == pytest.approx(6 / 8)  # B, C, D, G, H, J


def test_fixed_within_a_week_edges(outcomes):
    # due: opened at or before 332 -> B, C, D, E, F, J (G at 333 is not due);
    # fixed within 168 h: B (exactly 168) and J (50 h); C at 168.5 h is not
    assert outcomes["fixed_within_7d_share"] == pytest.approx(2 / 6)


def test_kaplan_meier_median_time_to_fix(outcomes):
    # events: G 7, J 50, B 168, C 168.5; censored: H 20 (end), E 50 (went away at 350),
    # F 168 (end), D 250 (end; closed unfixed). S: 7/8 at 7; x5/6 at 50 (J; E censored after
    # the event at the same time); x3/4 at 168 (B; F censored) = 0.547; x1/2 at 168.5 = 0.273
    assert outcomes["median_hours_to_fix"] == pytest.approx(168.5)
    # the old conditional median over fixed issues only: G 7, J 50, B 168, C 168.5
    assert outcomes["median_hours_to_fix_among_fixed"] == pytest.approx((50 + 168) / 2)


def test_incidents_include_tickets_closed_unfixed(outcomes):
    assert outcomes["incidents_total"] == 2  # D (closed unfixed, later) and F
    assert outcomes["incident_share"] == pytest.approx(2 / 8)
    assert outcomes["harm_yuan"] == pytest.approx(1000 + 50)


def test_resolution_rate_is_ticket_based(outcomes):
    # tickets with an outcome: B, C, G, J fixed; D closed unfixed; H still open is left out
    assert outcomes["resolved_share"] == pytest.approx(4 / 5)


def test_response_rates(outcomes):
    # appeals reported at least 24 h before the end: B, C, D, G (H too late; J is staff's)
    # a person within 24 h: B (20 h), G (1 h); C (39 h) and D (40 h) too slow
    assert outcomes["response_rate"] == pytest.approx(2 / 4)
    # automatic acknowledgement counts here: B (1 h), C (0 h), G (1 h); D (40 h)
    assert outcomes["response_rate_auto"] == pytest.approx(3 / 4)
    assert outcomes["response_rate_hotline"] == 1.0  # B
    assert outcomes["response_rate_mini_program"] == 0.0  # C
    assert outcomes["response_rate_station"] == 0.0  # D
    assert outcomes["response_rate_in_person"] == 1.0  # G


def test_median_hours_to_report_is_conditional(outcomes):
    # B 10, C 1, D 10, G 1, H 10, J 0 -> median of 0, 1, 1, 10, 10, 10
    assert outcomes["median_hours_to_report"] == pytest.approx(5.5)


def test_satisfaction_counts_everyone_who_reported(outcomes):
    # reports by residents and workers filed in [100, 332]: 110 (yes), 201 (no), 260 (yes),
    # 332 (still open: not satisfied); the staff ticket and later reports do not count
    assert outcomes["satisfaction_rate"] == pytest.approx(2 / 4)


def test_worker_reports_and_exposure(outcomes):
    # worker reports in the window: 110, 260, 334, 490
    assert outcomes["worker_reports_total"] == 4
    # presence in [100, 500): 400 + 150 + 250 + 400 = 1,200 h = 1.667 worker-months
    assert outcomes["worker_reports_per_100_worker_months"] == pytest.approx(4 * 100 / (1200 / 720))
    # a 400-hour window holds no whole 30-day block: participation is undefined
    assert math.isnan(outcomes["worker_participation_rate"])


def test_turnover_registration_belonging(outcomes):
    # 3 leavers over 400/24 days of turnover, 4 places
    assert outcomes["worker_monthly_turnover"] == pytest.approx(3 / (400 / 24 / 30) / 4)
    assert outcomes["registered_share"] == pytest.approx(0.5)
    assert outcomes["mean_belonging"] == pytest.approx(0.5)


def test_costs_reconcile(outcomes):
    assert outcomes["program_cost_yuan"] == pytest.approx(350)
    assert outcomes["points_paid_yuan"] == pytest.approx(80)
    assert outcomes["forgone_revenue_yuan"] == pytest.approx(50)
    # measures without the waiver + 10 staff hours x 40 + 3 department attempts x 200
    assert outcomes["public_cost_yuan"] == pytest.approx(300 + 400 + 600)
    assert outcomes["net_social_cost_yuan"] == pytest.approx(1300 + 50 + 1050)


def test_participation_over_whole_blocks():
    out = run_whole_blocks()
    # present worker-months: block 0: workers 1, 2, 3 (from 710); block 1: workers 1, 3;
    # active: worker 1 in block 0 (two reports count once); the 1500 h report is in no block
    assert out["worker_participation_rate"] == pytest.approx(1 / 5)
    # reports in the window by workers: 3 (the 1500 h one counts here); presence
    # 1800 + 700 + 1090 = 3,590 h
    assert out["worker_reports_per_100_worker_months"] == pytest.approx(3 * 100 / (3590 / 720))


def test_empty_denominators_are_nan_not_zero():
    out = compute_outcomes(
        issues_table({}), reports_table([]), workers_table([]), record(registered=np.array([]))
    )
    for name in (*SHARE_OUTCOMES, "median_hours_to_fix", "median_hours_to_report"):
        if name in ("worker_monthly_turnover",):
            continue  # defined by the number of places, not by issues
        assert math.isnan(out[name]), name
    assert out["issues_total"] == 0
    assert out["incidents_total"] == 0


def test_median_not_reached_is_nan():
    issues = {
        "a": ("environment", "hotline", "closed_unresolved", dict(opened_at=100, reported_at=101)),
        "b": ("environment", "hotline", "resolved", dict(opened_at=100, reported_at=101,
              resolved_at=110)),
        "c": ("environment", "hotline", "reported", dict(opened_at=100, reported_at=101)),
    }  # fmt: skip
    out = compute_outcomes(issues_table(issues), reports_table([]), workers_table([]), record())
    # one fix of three, the others censored at the end: S never falls to one half
    assert math.isnan(out["median_hours_to_fix"])
    assert out["median_hours_to_fix_among_fixed"] == pytest.approx(10)


def test_registry_states_every_definition():
    for spec in OUTCOMES.values():
        assert spec.label and spec.unit and spec.numerator, spec.name
        assert spec.direction in (-1, 0, 1)
    headline = [name for name, spec in OUTCOMES.items() if spec.headline]
    assert headline == list(OUTCOME_NAMES[: len(headline)])

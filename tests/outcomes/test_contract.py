"""The outcome contract on a hand-built run: every definition, every window edge, every denominator.

The run below is small enough to work out by hand; each expected value is derived in the
comments next to it. Several issues sit exactly on a window edge (opened at the window's
start, opened exactly a week before the end, fixed after exactly 168 hours, reported exactly
a week before the end), so moving any edge by an hour changes an outcome and fails a test.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from outcome_logs import issues_table, reports_table, run_record, workers_table

from model.config.codes import OBSERVERS
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

# name: type, channel, first reporter kind, status, then the times (None = never)
ISSUES = {
    # opened before the window: counts nowhere (not even as a driver's first report)
    "A": ("environment", "hotline", "driver", "resolved", dict(opened_at=50, first_detected_at=51,
          reported_at=52, acknowledged_at=53, triaged_at=53, resolved_at=60)),
    # opened exactly at the window start; fixed after exactly 168 h (counts as within a week);
    # a person took the ticket up 20 h after the report
    "B": ("environment", "hotline", "rider", "resolved", dict(opened_at=100, first_detected_at=105,
          reported_at=110, acknowledged_at=111, triaged_at=130, resolved_at=268)),
    # fixed after 168.5 h (not within a week); acknowledged automatically, taken up after 39 h
    "C": ("damaged_facility", "mini_program", "resident", "resolved", dict(opened_at=200,
          first_detected_at=200.5, reported_at=201, acknowledged_at=201, triaged_at=240,
          resolved_at=368.5)),
    # closed unfixed, then an incident at 400 (the clock runs on after the close)
    "D": ("safety_hazard", "station", "courier", "closed_unresolved", dict(opened_at=250,
          first_detected_at=255, reported_at=260, acknowledged_at=300, triaged_at=300,
          incident_at=400)),
    # noticed, never reported, went away on its own at 350
    "E": ("environment", None, None, "expired", dict(opened_at=300, first_detected_at=310,
          lapse_at=350)),
    # opened exactly a week before the end; never noticed; an incident at 340
    "F": ("environment", None, None, "escalated", dict(opened_at=332, incident_at=340)),
    # opened an hour too late to be due for the week; fixed after 7 h
    "G": ("opinion", "in_person", "rider", "resolved", dict(opened_at=333, first_detected_at=333.5,
          reported_at=334, acknowledged_at=335, triaged_at=335, resolved_at=340)),
    # reported 10 h before the end: too late to count for the response rates; still open
    "H": ("environment", "hotline", "driver", "reported", dict(opened_at=480, first_detected_at=485,
          reported_at=490)),
    # the staff's own patrol ticket: not an appeal, never in a response rate
    "J": ("environment", "staff_patrol", "staff", "resolved", dict(opened_at=150,
          first_detected_at=150, reported_at=150, acknowledged_at=150, triaged_at=190,
          resolved_at=200)),
    # opened at the end of the run: outside the window [100, 500)
    "K": ("environment", None, None, "open", dict(opened_at=500)),
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
    ("driver", 14, 490.0, "hotline", None),  # too late for satisfaction, in the window
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
    # the points budget was spent at the end of 5 of the window's 400 / 24 days
    return compute_outcomes(
        issues_table(ISSUES),
        reports_table(REPORTS),
        workers_table(WORKERS),
        record(points_budget_exhausted_days=5.0),
    )


def run_whole_blocks() -> dict[str, float]:
    return compute_outcomes(
        issues_table({}),
        reports_table(BLOCK_REPORTS),
        workers_table(BLOCK_WORKERS),
        record(window_start=0.0, end=1800.0, turnover_days=1800 / 24 - 1),
    )


# A third run for the first-report outcomes, window [100, 500). "Detection" is
# first_detected_at: the first time ANYONE noticed the problem (model.sim.model's `noticed`
# keeps the earliest notice over every observer), not the hour the first reporter noticed it.
FIRST_REPORT_ISSUES = {
    # three riders' first reports, 2, 4 and 10 h after the first notice: median 4 (mean 5.3)
    "rider_2h": ("environment", "hotline", "rider", "reported", dict(opened_at=200,
                 first_detected_at=201, reported_at=203)),
    "rider_4h": ("environment", "mini_program", "rider", "reported", dict(opened_at=210,
                 first_detected_at=212, reported_at=216)),
    "rider_10h": ("environment", "station", "rider", "reported", dict(opened_at=220,
                  first_detected_at=220, reported_at=230)),
    # two couriers', 1 and 8 h: median 4.5 (an even count takes the midpoint)
    "courier_1h": ("environment", "hotline", "courier", "reported", dict(opened_at=300,
                   first_detected_at=300, reported_at=301)),
    "courier_8h": ("environment", "hotline", "courier", "reported", dict(opened_at=300,
                   first_detected_at=302, reported_at=310)),
    # a rider noticed at 245 and did not report; the resident who reported at 265 first
    # noticed it herself at 250: 15 h, her own delay (20 h from the first notice by anyone,
    # 25 h from opening)
    "resident_15h": ("opinion", "hotline", "resident", "reported", dict(opened_at=240,
                     first_detected_at=245, first_reporter_noticed_at=250, reported_at=265)),
    # the staff notice and file their patrol ticket in the same instant: 0 h
    "staff_0h": ("environment", "staff_patrol", "staff", "reported", dict(opened_at=150,
                 first_detected_at=150.25, reported_at=150.25)),
    # noticed, never reported; never noticed: in the window, but no first report
    "noticed_unreported": ("environment", None, None, "detected", dict(opened_at=260,
                           first_detected_at=261)),
    "unnoticed": ("environment", None, None, "open", dict(opened_at=270)),
    # a driver's first report, in the window, of an issue opened before it: not counted
    "driver_before_window": ("environment", "hotline", "driver", "reported", dict(
                             opened_at=90, first_detected_at=95, reported_at=120)),
}  # fmt: skip

# the report log: each first report, and residents' later reports (duplicates) of the riders'
# issues, which must not move any share (only the FIRST report of an issue counts)
FIRST_REPORT_LOG = [
    ("rider", 11, 203.0, "hotline", None),
    ("rider", 11, 216.0, "mini_program", None),
    ("rider", 13, 230.0, "station", None),
    ("courier", 12, 301.0, "hotline", None),
    ("courier", 12, 310.0, "hotline", None),
    ("resident", 905, 265.0, "hotline", None),
    ("staff", None, 150.25, "staff_patrol", None),
    ("driver", 14, 120.0, "hotline", None),
    *[("resident", 950 + i, 204.0 + i, "hotline", None) for i in range(6)],
]


# every worker who files above present throughout
FIRST_REPORT_WORKERS = [(11, "rider", 0.0, None), (12, "courier", 0.0, None),
                        (13, "rider", 0.0, None), (14, "driver", 0.0, None)]  # fmt: skip


def run_first_reports(reports: list[tuple] = FIRST_REPORT_LOG) -> dict[str, float]:
    return compute_outcomes(
        issues_table(FIRST_REPORT_ISSUES),
        reports_table(reports),
        workers_table(FIRST_REPORT_WORKERS),
        record(),
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
        "points_budget_exhausted_share": 5 / (400 / 24),
        "forgone_revenue_yuan": 50,
        "net_social_cost_yuan": 1300 + 50 + 1050,
        # first reports in the window: B, G rider; H driver; D courier; C resident; J staff
        # (A, a driver's, opened before the window)
        "first_report_share_rider": 2 / 6,
        "first_report_share_courier": 1 / 6,
        "first_report_share_driver": 1 / 6,
        "first_report_share_resident": 1 / 6,
        "first_report_share_staff": 1 / 6,
        # first noticed to first report: B 5, G 0.5; D 5; H 5; C 0.5; J 0
        "median_hours_detection_to_report_rider": (5 + 0.5) / 2,
        "median_hours_detection_to_report_courier": 5,
        "median_hours_detection_to_report_driver": 5,
        "median_hours_detection_to_report_resident": 0.5,
        "median_hours_detection_to_report_staff": 0,
    },
    # the worker outcomes over whole blocks (test_participation_over_whole_blocks)
    "whole_blocks": {
        "worker_participation_rate": 1 / 5,
        "worker_reports_per_100_worker_months": 3 * 100 / (3590 / 720),
        "worker_reports_total": 3,
        "measured_days": 1800 / 24,
        "issues_total": 0,
        "incident_share": NAN,
        # no issue, so no first report: undefined, not zero
        **{f"first_report_share_{kind}": NAN for kind in OBSERVERS},
        **{f"median_hours_detection_to_report_{kind}": NAN for kind in OBSERVERS},
    },
    # the first-report outcomes on a run built for them (test_first_report_shares)
    "first_reports": {
        "first_report_share_rider": 3 / 7,
        "first_report_share_courier": 2 / 7,
        "first_report_share_driver": 0.0,
        "first_report_share_resident": 1 / 7,
        "first_report_share_staff": 1 / 7,
        "median_hours_detection_to_report_rider": 4,
        "median_hours_detection_to_report_courier": 4.5,
        "median_hours_detection_to_report_driver": NAN,
        "median_hours_detection_to_report_resident": 15,
        "median_hours_detection_to_report_staff": 0,
        "reported_share": 7 / 9,
        "issues_total": 9,
    },
}
"""Known answers per hand-built run: outcome name -> value worked out by hand (NaN allowed)."""

RUNS = {
    "hand_built": run_hand_built,
    "whole_blocks": run_whole_blocks,
    "first_reports": run_first_reports,
}


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
    medians = [name for name in OUTCOME_NAMES if name.startswith("median_hours")]
    for name in (*SHARE_OUTCOMES, *medians):
        if name in ("worker_monthly_turnover", "points_budget_exhausted_share"):
            continue  # defined by the number of places or of days, not by issues
        assert math.isnan(out[name]), name
    assert out["issues_total"] == 0
    assert out["incidents_total"] == 0


def test_median_not_reached_is_nan():
    issues = {
        "a": ("environment", "hotline", "resident", "closed_unresolved", dict(opened_at=100,
              reported_at=101)),
        "b": ("environment", "hotline", "resident", "resolved", dict(opened_at=100,
              reported_at=101, resolved_at=110)),
        "c": ("environment", "hotline", "resident", "reported", dict(opened_at=100,
              reported_at=101)),
    }  # fmt: skip
    out = compute_outcomes(issues_table(issues), reports_table([]), workers_table([]), record())
    # one fix of three, the others censored at the end: S never falls to one half
    assert math.isnan(out["median_hours_to_fix"])
    assert out["median_hours_to_fix_among_fixed"] == pytest.approx(10)


def test_first_report_shares():
    out = run_first_reports()
    # denominator: the 7 issues opened in [100, 500) with a first report (not the 9 opened,
    # not the driver's issue opened at 90); riders 3, couriers 2, a resident, the staff
    expected = {"rider": 3 / 7, "courier": 2 / 7, "driver": 0.0, "resident": 1 / 7, "staff": 1 / 7}
    for kind, value in expected.items():
        assert out[f"first_report_share_{kind}"] == pytest.approx(value), kind
    shares = [out[f"first_report_share_{kind}"] for kind in OBSERVERS]
    assert sum(shares) == pytest.approx(1.0)
    assert all(0.0 <= value <= 1.0 for value in shares)
    # the driver filed a first report only for an issue opened before the window: share 0
    # (the class had reported issues to share), median undefined (no hours to take it over)
    assert out["first_report_share_driver"] == 0.0
    assert math.isnan(out["median_hours_detection_to_report_driver"])


def test_first_report_share_counts_first_reports_not_report_volume():
    # six later resident reports of the riders' issues, or no report log at all: the same
    # shares, because an issue counts once, for the class of its first reporter
    with_duplicates = run_first_reports()
    without_log = run_first_reports(reports=[])
    for kind in OBSERVERS:
        name = f"first_report_share_{kind}"
        assert without_log[name] == with_duplicates[name], name


def test_detection_to_report_starts_at_the_reporters_own_first_notice():
    out = run_first_reports()
    assert out["median_hours_detection_to_report_rider"] == pytest.approx(4.0)  # 2, 4, 10
    assert out["median_hours_detection_to_report_courier"] == pytest.approx(4.5)  # 1, 8
    # a rider noticed at 245 and kept quiet; the resident noticed at 250, reported at 265:
    # her own 15 h (not the 20 h since anyone noticed, not the 25 h since opening)
    assert out["median_hours_detection_to_report_resident"] == pytest.approx(15.0)
    assert out["median_hours_detection_to_report_staff"] == 0.0
    # from opening instead: 3, 6, 10, 1, 10, 25, 0.25 -> median 6 (the old outcome)
    assert out["median_hours_to_report"] == pytest.approx(6.0)


def test_first_report_outcomes_are_nan_without_a_report():
    # issues in the window, noticed or not, none reported: no first report to share out
    issues = {name: row for name, row in FIRST_REPORT_ISSUES.items() if row[2] is None} | {
        "early": FIRST_REPORT_ISSUES["driver_before_window"]
    }
    out = compute_outcomes(issues_table(issues), reports_table([]), workers_table([]), record())
    assert out["issues_total"] == 2
    assert out["reported_share"] == 0.0
    for kind in OBSERVERS:
        assert math.isnan(out[f"first_report_share_{kind}"]), kind
        assert math.isnan(out[f"median_hours_detection_to_report_{kind}"]), kind


FIRST_REPORT_ROW = st.tuples(
    st.sampled_from([50.0, 99.5, 100.0, 250.0, 499.5]),  # opened at (window [100, 500))
    st.sampled_from([None, *OBSERVERS]),  # first reporter kind (None: never reported)
    st.floats(0.0, 50.0),  # hours from opening to the first notice
    st.floats(0.0, 100.0),  # hours from the first notice to the first report
)


@settings(max_examples=100, deadline=None)
@given(st.lists(FIRST_REPORT_ROW, max_size=12))
def test_first_report_shares_partition_the_reported_issues(rows):
    issues = {
        str(i): (
            "environment",
            None if kind is None else "staff_patrol" if kind == "staff" else "hotline",
            kind,
            "open" if kind is None else "reported",
            dict(opened_at=opened, first_detected_at=opened + notice,
                 reported_at=None if kind is None else opened + notice + delay),
        )
        for i, (opened, kind, notice, delay) in enumerate(rows)
    }  # fmt: skip
    out = compute_outcomes(issues_table(issues), reports_table([]), workers_table([]), record())
    counted = [(k, d) for opened, k, _, d in rows if START <= opened < END and k is not None]
    shares = np.array([out[f"first_report_share_{kind}"] for kind in OBSERVERS])
    if not counted:
        assert np.isnan(shares).all()
    else:
        assert shares.sum() == pytest.approx(1.0)
        assert ((shares >= 0.0) & (shares <= 1.0)).all()
    for kind in OBSERVERS:
        delays = [d for k, d in counted if k == kind]
        if counted:
            assert out[f"first_report_share_{kind}"] * len(counted) == pytest.approx(len(delays))
        median_name = f"median_hours_detection_to_report_{kind}"
        if delays:
            assert out[median_name] == pytest.approx(statistics.median(delays), abs=1e-9)
        else:
            assert math.isnan(out[median_name]), kind


def test_registry_states_every_definition():
    for spec in OUTCOMES.values():
        assert spec.label and spec.unit and spec.numerator, spec.name
        assert spec.direction in (-1, 0, 1)
    headline = [name for name, spec in OUTCOMES.items() if spec.headline]
    assert headline == list(OUTCOME_NAMES[: len(headline)])

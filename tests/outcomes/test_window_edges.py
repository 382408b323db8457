"""Every window edge of the outcome contract, one small hand-built run per edge.

Each test puts cases exactly on an edge and half an hour either side of it, so moving the
edge (``<`` for ``<=``, a window shifted by an hour, a denominator taken over the wrong
issues) changes the expected value. The window is ``[100, 500)`` hours unless stated; a week
is 168 hours and the response limit 24 hours.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from outcome_logs import issues_table, reports_table, run_record, workers_table

from model.outcomes.contract import compute_outcomes

START, END = 100.0, 500.0


def outcomes_of(issues=None, reports=(), workers=(), **record_changes) -> dict[str, float]:
    start = record_changes.pop("start", START)
    end = record_changes.pop("end", END)
    return compute_outcomes(
        issues_table(issues or {}),
        reports_table(list(reports)),
        workers_table(list(workers)),
        run_record(start, end, **record_changes),
    )


def issue(opened, status="open", channel=None, kind="environment", reporter=None, **times):
    """An issue-log row; ``reporter`` is the observer class of its first report."""
    return (kind, channel, reporter, status, {"opened_at": opened, **times})


def test_issue_window_is_half_open():
    issues = {
        # half an hour before the window: neither counted nor its incident in the window
        "early": issue(99.5, "escalated", kind="safety_hazard", incident_at=150.0),
        "at_start": issue(100.0, "escalated", kind="safety_hazard", incident_at=160.0),
        "last": issue(499.5, first_detected_at=499.75),
        "at_end": issue(500.0, first_detected_at=500.0),
    }
    out = outcomes_of(issues)
    assert out["issues_total"] == 2  # at_start and last
    assert out["incidents_total"] == 1  # at_start only
    assert out["harm_yuan"] == 1000.0
    assert out["incident_share"] == pytest.approx(1 / 2)
    assert out["detected_share"] == pytest.approx(1 / 2)  # last


def test_measured_days_is_the_window_length():
    assert outcomes_of(start=60 * 24.0, end=425 * 24.0)["measured_days"] == 365.0
    assert outcomes_of(start=0.0, end=24.0)["measured_days"] == 1.0


def test_fixed_within_a_week_edges():
    # due: opened at or before 500 - 168 = 332
    issues = {
        "due_exactly_fixed_at_168h": issue(332.0, "resolved", resolved_at=500.0),
        "fixed_at_168h": issue(200.0, "resolved", resolved_at=368.0),
        "fixed_at_168.5h": issue(200.0, "resolved", resolved_at=368.5),
        "never_fixed": issue(150.0, "closed_unresolved"),
        "not_due_fixed_at_once": issue(332.5, "resolved", resolved_at=333.0),
    }
    assert outcomes_of(issues)["fixed_within_7d_share"] == pytest.approx(2 / 4)


def test_fixed_within_a_week_is_nan_when_no_issue_is_due():
    # issues, but all opened within the last week: nothing to measure, not zero
    issues = {"a": issue(333.0, "resolved", resolved_at=334.0), "b": issue(400.0)}
    out = outcomes_of(issues)
    assert out["issues_total"] == 2
    assert math.isnan(out["fixed_within_7d_share"])


def test_response_rate_edges():
    ticket = dict(status="reported", channel="hotline", reporter="resident")
    issues = {
        # reported exactly 24 h before the end, taken up exactly 24 h later: counted, in time
        "limit_both": issue(470.0, reported_at=476.0, acknowledged_at=476.0, triaged_at=500.0,
                            **ticket),
        # reported 23.5 h before the end: not yet due, left out
        "too_late": issue(470.0, reported_at=476.5, acknowledged_at=476.5, **ticket),
        # taken up after 24.5 h: counted, too slow; acknowledged at once
        "slow": issue(200.0, reported_at=300.0, acknowledged_at=300.0, triaged_at=324.5,
                      **ticket),
        # never taken up by anyone: counted, not responded to
        "ignored": issue(200.0, reported_at=300.0, **ticket),
        # the staff's own patrol ticket and an unreported issue: never in the denominator
        "patrol": issue(200.0, "reported", "staff_patrol", reporter="staff", reported_at=200.0,
                        acknowledged_at=200.0, triaged_at=201.0),
        "unreported": issue(200.0, "detected", first_detected_at=201.0),
    }  # fmt: skip
    out = outcomes_of(issues)
    assert out["response_rate"] == pytest.approx(1 / 3)
    assert out["response_rate_auto"] == pytest.approx(2 / 3)
    assert out["response_rate_hotline"] == pytest.approx(1 / 3)
    for channel in ("mini_program", "station", "in_person"):
        assert math.isnan(out[f"response_rate_{channel}"]), channel


def test_response_rate_follows_the_configured_limit():
    issues = {
        "a": issue(200.0, "reported", "station", reporter="courier", reported_at=300.0,
                   triaged_at=330.0)
    }  # fmt: skip
    assert outcomes_of(issues, response_limit_hours=24.0)["response_rate"] == 0.0
    assert outcomes_of(issues, response_limit_hours=30.0)["response_rate"] == 1.0
    # reported 30 h before the end: due for a 30-hour limit, not for a 30.5-hour one
    assert outcomes_of(issues, end=330.0, response_limit_hours=30.0)["response_rate"] == 1.0
    assert math.isnan(outcomes_of(issues, end=330.0, response_limit_hours=30.5)["response_rate"])


def test_satisfaction_window_edges():
    # counted: filed in [100, 332] by residents and workers
    reports = [
        ("resident", 1, 99.5, "hotline", True),  # before the window
        ("resident", 2, 100.0, "hotline", True),  # at the opening: counted, satisfied
        ("rider", 3, 332.0, "hotline", False),  # exactly a week before the end: counted
        ("courier", 4, 332.5, "hotline", True),  # not yet settled: left out
        ("staff", None, 200.0, "staff_patrol", True),  # the staff's own: never counted
        ("resident", 5, 250.0, "hotline", None),  # issue still open: counted, not satisfied
    ]
    assert outcomes_of(reports=reports)["satisfaction_rate"] == pytest.approx(1 / 3)
    assert math.isnan(outcomes_of(reports=reports[3:5])["satisfaction_rate"])


def test_worker_report_window_is_half_open():
    reports = [
        ("rider", 1, 99.5, "hotline", None),
        ("rider", 1, 100.0, "hotline", None),
        ("driver", 2, 499.5, "hotline", None),
        ("courier", 3, 500.0, "hotline", None),
        ("resident", 9, 200.0, "hotline", None),
        ("staff", None, 200.0, "staff_patrol", None),
    ]
    workers = [(1, "rider", 0.0, None), (2, "driver", 0.0, None), (3, "courier", 0.0, None)]
    out = outcomes_of(reports=reports, workers=workers)
    assert out["worker_reports_total"] == 2
    # presence: 3 workers x 400 h in the window = 1,200 h
    assert out["worker_reports_per_100_worker_months"] == pytest.approx(2 * 100 / (1200 / 720))


def test_exposure_counts_presence_inside_the_window_only():
    workers = [
        (1, "rider", 0.0, 50.0),  # gone before the window: no exposure
        (2, "rider", 50.0, 300.0),  # 200 h inside
        (3, "rider", 450.0, None),  # 50 h inside
        (4, "rider", 500.0, None),  # arrives at the end: no exposure
    ]
    reports = [("rider", 2, 200.0, "hotline", None)]
    out = outcomes_of(reports=reports, workers=workers)
    assert out["worker_reports_per_100_worker_months"] == pytest.approx(100 / (250 / 720))
    nobody = outcomes_of(reports=reports, workers=[(1, "rider", 0.0, 50.0)])
    assert math.isnan(nobody["worker_reports_per_100_worker_months"])


def test_participation_block_edges():
    # window [100, 1540) + a 100-hour remainder to 1640: blocks [100, 820) and [820, 1540)
    workers = [
        (1, "rider", 0.0, None),  # present in both blocks
        (2, "courier", 0.0, 820.0),  # leaves exactly at the start of block 1: block 0 only
        (3, "driver", 820.0, None),  # arrives exactly at the start of block 1: block 1 only
        (4, "rider", 1540.0, None),  # arrives in the remainder: no worker-month
    ]
    reports = [
        ("rider", 1, 99.5, "hotline", None),  # before the window
        ("rider", 1, 820.0, "hotline", None),  # exactly at block 1's start: block 1
        ("courier", 2, 819.5, "hotline", None),  # block 0
        ("rider", 4, 1540.0, "hotline", None),  # the remainder: no block
    ]
    out = outcomes_of(reports=reports, workers=workers, start=100.0, end=1640.0)
    # worker-months: 1 x 2, 2 x 1, 3 x 1 = 4; with a report: 1 in block 1, 2 in block 0
    assert out["worker_participation_rate"] == pytest.approx(2 / 4)
    short = outcomes_of(reports=reports, workers=workers, start=100.0, end=819.5)
    assert math.isnan(short["worker_participation_rate"])  # not one whole block
    exact = outcomes_of(reports=reports, workers=workers, start=100.0, end=820.0)
    # one block: workers 1 and 2 present (3 arrives at its end), 2 reported at 819.5
    assert exact["worker_participation_rate"] == pytest.approx(1 / 2)


def test_kaplan_meier_lapse_edges():
    issues = {
        # fixed after 30 h, no lapse: an event at 30
        "fixed": issue(100.0, "resolved", resolved_at=130.0),
        # fixed exactly at the hour its problem would have gone away: an event at 50
        "fixed_at_lapse": issue(100.0, "resolved", resolved_at=150.0, lapse_at=150.0),
        # went away at 140, "fixed" only at 160: censored at 40, no event
        "gone_first": issue(100.0, "resolved", resolved_at=160.0, lapse_at=140.0),
        # would go away after the end: censored at the end (400)
        "lapse_after_end": issue(100.0, "reported", lapse_at=600.0),
    }
    # S: 3/4 at 30; (gone_first censored at 40); 3/4 x 1/2 = 3/8 at 50 -> median 50
    out = outcomes_of(issues)
    assert out["median_hours_to_fix"] == pytest.approx(50.0)
    # among fixed, conditional: 30, 50, 60
    assert out["median_hours_to_fix_among_fixed"] == pytest.approx(50.0)
    # without the fix at the lapse hour the estimate never reaches one half
    del issues["fixed_at_lapse"]
    assert math.isnan(outcomes_of(issues)["median_hours_to_fix"])


def test_resolution_rate_counts_ended_tickets_only():
    hotline = dict(channel="hotline", reporter="resident")
    issues = {
        "fixed": issue(200.0, "resolved", **hotline, reported_at=201.0, resolved_at=220.0),
        "closed": issue(200.0, "closed_unresolved", **hotline, reported_at=201.0),
        "incident_while_open": issue(200.0, "escalated", **hotline, reported_at=201.0,
                                     incident_at=300.0),
        "still_open": issue(200.0, "reported", **hotline, reported_at=201.0),
        "gone_after_report": issue(200.0, "expired", **hotline, reported_at=201.0,
                                   lapse_at=250.0),
        "incident_unreported": issue(200.0, "escalated", incident_at=300.0),
    }  # fmt: skip
    out = outcomes_of(issues)
    assert out["resolved_share"] == pytest.approx(1 / 3)
    assert out["reported_share"] == pytest.approx(5 / 6)
    assert out["incidents_total"] == 2
    assert out["median_hours_to_report"] == 1.0


def test_first_reports_count_issues_opened_in_the_window():
    # an issue counts for the window it was OPENED in, wherever its report falls
    issues = {
        # opened half an hour before the window, a rider reported it inside: not counted
        "early": issue(99.5, "reported", "hotline", reporter="rider", first_detected_at=99.75,
                       reported_at=100.5),
        "at_start": issue(100.0, "reported", "station", reporter="courier",
                          first_detected_at=100.0, reported_at=101.0),
        "last": issue(499.5, "reported", "hotline", reporter="resident",
                      first_detected_at=499.75, reported_at=499.875),
        "at_end": issue(500.0, "detected", first_detected_at=500.0),
    }  # fmt: skip
    out = outcomes_of(issues)
    assert out["first_report_share_rider"] == 0.0  # 1/3 if windowed by the report's hour
    assert out["first_report_share_courier"] == pytest.approx(1 / 2)
    assert out["first_report_share_resident"] == pytest.approx(1 / 2)
    assert math.isnan(out["median_hours_detection_to_report_rider"])
    assert out["median_hours_detection_to_report_courier"] == pytest.approx(1.0)
    assert out["median_hours_detection_to_report_resident"] == pytest.approx(0.125)
    # the window opened half an hour earlier takes the rider's issue in
    wider = outcomes_of(issues, start=99.5)
    for kind in ("rider", "courier", "resident"):
        assert wider[f"first_report_share_{kind}"] == pytest.approx(1 / 3), kind
    assert wider["median_hours_detection_to_report_rider"] == pytest.approx(0.75)


def test_detection_to_report_is_conditional_on_a_report_not_censored():
    # a median over the issues the class DID first report: an issue noticed and still
    # unreported at the end is left out (not censored at the end as the time to fix is),
    # and a long wait counts in full once the report comes, even just before the end
    reported = dict(status="reported", channel="hotline", reporter="rider")
    issues = {
        "2h": issue(200.0, **reported, first_detected_at=200.0, reported_at=202.0),
        "6h": issue(200.0, **reported, first_detected_at=201.0, reported_at=207.0),
    }
    assert outcomes_of(issues)["median_hours_detection_to_report_rider"] == pytest.approx(4.0)
    waiting = issues | {"waiting": issue(100.0, "detected", first_detected_at=110.0)}
    out = outcomes_of(waiting)
    assert out["median_hours_detection_to_report_rider"] == pytest.approx(4.0)
    assert out["first_report_share_rider"] == 1.0  # 2 of the 2 reported, not 2 of 3
    late = issues | {
        "390h": issue(100.0, **reported, first_detected_at=110.0, reported_at=499.75),
    }
    assert outcomes_of(late)["median_hours_detection_to_report_rider"] == pytest.approx(6.0)


def test_worker_outcomes_with_empty_denominators():
    out = outcomes_of(worker_slots=0, leavers=0, registered=np.array([], dtype=bool),
                      belonging=np.array([]))  # fmt: skip
    assert math.isnan(out["worker_monthly_turnover"])
    assert math.isnan(out["registered_share"])
    assert math.isnan(out["mean_belonging"])
    assert math.isnan(out["worker_participation_rate"])
    assert math.isnan(out["worker_reports_per_100_worker_months"])
    assert out["worker_reports_total"] == 0


def test_turnover_is_per_30_days_of_turnover():
    # 6 leavers over 60 turnover days, 10 places: 0.3 a month
    out = outcomes_of(worker_slots=10, leavers=6, turnover_days=60.0)
    assert out["worker_monthly_turnover"] == pytest.approx(0.3)


def test_costs_without_a_waiver_or_service_work():
    out = outcomes_of(
        spent_yuan={"stations": 300.0, "points": 20.0},
        points_paid_yuan=15.0,
        staff_hours=0.0,
        department_attempts=0,
    )
    assert out["program_cost_yuan"] == 320.0
    assert out["forgone_revenue_yuan"] == 0.0
    assert out["public_cost_yuan"] == 320.0
    assert out["points_paid_yuan"] == 15.0
    assert out["net_social_cost_yuan"] == 320.0  # no incidents, nothing waived
    priced = outcomes_of(
        spent_yuan={}, staff_hours=2.5, department_attempts=4, staff_yuan_per_hour=30.0,
        department_yuan_per_ticket=150.0,
    )  # fmt: skip
    assert priced["public_cost_yuan"] == 2.5 * 30 + 4 * 150
    assert priced["program_cost_yuan"] == 0.0


def test_harm_by_type_of_incident_in_the_window():
    issues = {
        "hazard": issue(200.0, "escalated", kind="safety_hazard", incident_at=300.0),
        "env": issue(200.0, "closed_unresolved", kind="environment", incident_at=400.0),
        "unpriced": issue(200.0, "escalated", kind="opinion", incident_at=300.0),
        "no_incident": issue(200.0, "resolved", kind="safety_hazard", resolved_at=210.0),
    }
    out = outcomes_of(issues, spent_yuan={}, staff_hours=0.0, department_attempts=0)
    assert out["harm_yuan"] == 1050.0
    assert out["net_social_cost_yuan"] == 1050.0
    assert out["incident_share"] == pytest.approx(3 / 4)


def test_a_problem_gone_on_its_own_is_censored_when_it_went():
    issues = {
        "fixed": issue(100.0, "resolved", resolved_at=110.0),  # an event at 10
        "gone": issue(100.0, "expired", lapse_at=105.0),  # censored at 5, not at the end
        "open": issue(100.0, "reported"),  # censored at the end (400)
    }
    # at risk at 10: fixed and open -> S = 1/2 -> median 10 (censoring "gone" at the end
    # would leave three at risk, S = 2/3, and no median)
    assert outcomes_of(issues)["median_hours_to_fix"] == pytest.approx(10.0)


def test_kaplan_meier_median_of_a_single_issue():
    issues = {"only": issue(100.0, "resolved", resolved_at=124.0)}
    out = outcomes_of(issues)
    assert out["median_hours_to_fix"] == pytest.approx(24.0)
    assert out["median_hours_to_fix_among_fixed"] == pytest.approx(24.0)


def test_participation_of_a_single_worker_with_id_zero():
    # Mesa ids are whatever the roster holds: id 0 is a worker like any other
    workers = [(0, "rider", 0.0, None)]
    reports = [("rider", 0, 10.0, "hotline", None)]
    out = outcomes_of(reports=reports, workers=workers, start=0.0, end=1440.0)
    assert out["worker_participation_rate"] == pytest.approx(1 / 2)  # block 0 of two
    assert out["worker_reports_total"] == 1

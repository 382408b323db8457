"""The outcome contract, computed from hand-made tables: every definition, every denominator."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from model.outcomes.contract import OUTCOME_NAMES, SHARE_OUTCOMES, RunRecord, compute_outcomes

NAN = float("nan")


def issues_table(rows: list[dict]) -> pa.Table:
    """An issue log with the columns the definitions read (times in hours, None = never)."""
    names = ("opened_at", "first_detected_at", "reported_at", "acknowledged_at", "resolved_at")
    columns = {name: pa.array([r.get(name) for r in rows], type=pa.float64()) for name in names}
    columns["status"] = pa.array([r["status"] for r in rows], type=pa.string())
    return pa.table(columns)


def reports_table(kinds: list[str]) -> pa.Table:
    return pa.table({"reporter_kind": pa.array(kinds, type=pa.string())})


def record(**changes) -> RunRecord:
    values = {
        "hours": 240.0,
        "workers_seen": 10,
        "participants": 4,
        "leavers": 3,
        "informed": 5,
        "satisfied": 4,
        "registered": np.array([True, False, False, True]),
        "belonging": np.array([0.2, 0.4, 0.6, 0.8]),
        "program_cost_yuan": 120.0,
        "points_paid_yuan": 20.0,
    }
    values.update(changes)
    return RunRecord(**values)


ROWS = [
    # fixed 30 h after opening, reported at 5 h, acknowledged within 24 h
    {"opened_at": 0.0, "first_detected_at": 2.0, "reported_at": 5.0, "acknowledged_at": 6.0,
     "resolved_at": 30.0, "status": "resolved"},
    # reported at 11 h, acknowledged 40 h later, closed unfixed
    {"opened_at": 10.0, "first_detected_at": 10.5, "reported_at": 11.0, "acknowledged_at": 51.0,
     "status": "closed_unresolved"},
    # reported, then an incident
    {"opened_at": 20.0, "first_detected_at": 21.0, "reported_at": 22.0, "status": "escalated"},
    # detected only
    {"opened_at": 30.0, "first_detected_at": 31.0, "status": "detected"},
    # never seen, became an incident
    {"opened_at": 40.0, "status": "escalated"},
    # reported 20 h before the end: not yet due for the response rate
    {"opened_at": 210.0, "first_detected_at": 215.0, "reported_at": 220.0, "status": "reported"},
]  # fmt: skip


def test_every_definition_on_a_hand_made_run() -> None:
    out = compute_outcomes(
        issues_table(ROWS), reports_table(["rider", "resident", "staff", "driver"]), record()
    )
    assert tuple(out) == OUTCOME_NAMES
    assert out["issues_total"] == 6
    assert out["detected_share"] == pytest.approx(5 / 6)
    assert out["reported_share"] == pytest.approx(4 / 6)
    assert out["escalated_share"] == pytest.approx(2 / 6)
    # of the 3 reported issues that ended (fixed, closed unfixed, escalated), 1 was fixed
    assert out["resolved_share"] == pytest.approx(1 / 3)
    assert out["median_hours_to_report"] == pytest.approx(np.median([5.0, 1.0, 2.0, 10.0]))
    assert out["median_hours_to_resolve"] == pytest.approx(30.0)
    # due: reported at least 24 h before the end (240 h): 3 issues, 1 acknowledged within 24 h
    assert out["response_rate"] == pytest.approx(1 / 3)
    assert out["satisfaction_rate"] == pytest.approx(4 / 5)
    assert out["worker_reports_total"] == 2
    assert out["worker_participation_rate"] == pytest.approx(4 / 10)
    assert out["registered_share"] == pytest.approx(0.5)
    months = (240.0 / 24.0 - 1.0) / 30.0  # turnover runs from day 1
    assert out["worker_monthly_turnover"] == pytest.approx(3 / months / 4)
    assert out["mean_belonging"] == pytest.approx(0.5)
    assert out["program_cost_yuan"] == 120.0 and out["points_paid_yuan"] == 20.0


def test_empty_denominators_give_nan_not_errors() -> None:
    out = compute_outcomes(
        issues_table([]),
        reports_table([]),
        record(
            informed=0,
            satisfied=0,
            workers_seen=0,
            participants=0,
            leavers=0,
            registered=np.zeros(0, bool),
            belonging=np.zeros(0),
        ),
    )
    assert out["issues_total"] == 0 and out["worker_reports_total"] == 0
    for name in SHARE_OUTCOMES:
        assert math.isnan(out[name]), name
    for name in ("median_hours_to_report", "median_hours_to_resolve", "mean_belonging"):
        assert math.isnan(out[name]), name
    assert math.isnan(out["worker_monthly_turnover"])


def test_an_issue_not_due_does_not_count_for_the_response_rate() -> None:
    due_only = compute_outcomes(issues_table(ROWS[:3]), reports_table([]), record())
    with_late = compute_outcomes(issues_table(ROWS), reports_table([]), record())
    assert due_only["response_rate"] == with_late["response_rate"]

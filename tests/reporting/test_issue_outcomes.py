"""Outcome definitions on hand-built issue logs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.reporting import issue_outcomes as io

NAN = math.nan
END = 100 * 24.0  # a 100-day run
START = 10 * 24.0  # 10 days of warm-up


def log(rows: list[tuple]) -> pd.DataFrame:
    """Issues as (opened_at, resolved_at, closed_at, status, incident_at) in hours."""
    frame = pd.DataFrame(
        rows, columns=["opened_at", "resolved_at", "closed_at", "status", "incident_at"]
    )
    for column in ("first_detected_at", "reported_at", "feedback_at"):
        frame[column] = frame["resolved_at"]
    return frame


def test_fixed_within_a_week_counts_eligible_issues_only():
    issues = log(
        [
            (START - 1, START, NAN, "resolved", NAN),  # opened in warm-up: not counted
            (START, START + 168, NAN, "resolved", NAN),  # exactly 168 h: fixed within a week
            (START + 5, START + 5 + 169, NAN, "resolved", NAN),  # 169 h: not within a week
            (START + 9, NAN, NAN, "open", NAN),  # never fixed
            (
                END - 100,
                END - 99,
                NAN,
                "resolved",
                NAN,
            ),  # under 7 days before the end: not eligible
        ]
    )
    assert io.fixed_within_7d_share(issues, START, END) == pytest.approx(1 / 3)


def test_fixed_within_a_week_is_nan_without_eligible_issues():
    issues = log([(END - 10, END - 9, NAN, "resolved", NAN)])
    assert math.isnan(io.fixed_within_7d_share(issues, START, END))


def test_time_to_fix_censors_never_fixed_at_the_end_and_lapsed_at_the_lapse():
    issues = log(
        [
            (START, START + 10, NAN, "resolved", NAN),
            (START, NAN, START + 20, "expired", NAN),  # went away on its own after 20 h
            (START, NAN, START + 30, "closed_unresolved", NAN),  # closed unfixed: keeps the clock
            (START, START + 40, NAN, "resolved", NAN),
            (START - 5, START, NAN, "resolved", NAN),  # warm-up: ignored
        ]
    )
    durations, fixed = io.fix_durations(issues, START, END)
    np.testing.assert_allclose(durations, [10, 20, END - START, 40])
    np.testing.assert_array_equal(fixed, [True, False, False, True])
    # KM: S(10) = 3/4; censoring at 20; S(40) = 3/4 * (1 - 1/2) = 3/8 <= 0.5 -> median 40
    assert io.median_hours_to_fix(issues, START, END) == pytest.approx(40.0)


def test_median_not_reached_is_infinite_and_empty_is_nan():
    issues = log(
        [
            (START, NAN, NAN, "open", NAN),
            (START, START + 5, NAN, "resolved", NAN),
            (START, NAN, NAN, "open", NAN),
        ]
    )
    assert io.median_hours_to_fix(issues, START, END) == math.inf
    assert math.isnan(io.median_hours_to_fix(issues.iloc[:0], START, END))


def test_a_fix_after_the_end_counts_as_not_fixed():
    issues = log([(START, END + 5, NAN, "resolved", NAN)])
    durations, fixed = io.fix_durations(issues, START, END)
    assert not fixed[0] and durations[0] == END - START


def test_incidents_and_funnel_counts():
    issues = log(
        [
            (START, START + 300, NAN, "resolved", START + 240),
            (START, NAN, NAN, "open", END + 1),  # incident after the end: not counted
            (START, START + 5, NAN, "resolved", NAN),
            (START - 1, NAN, NAN, "open", START + 239),  # warm-up issue
        ]
    )
    assert io.incidents_total(issues, START, END) == 1
    counts = io.funnel_counts(issues, START, END)
    assert counts == {"arising": 3, "detected": 2, "reported": 2, "resolved": 2, "feedback": 2}
    assert list(counts) == list(io.FUNNEL_STAGES)

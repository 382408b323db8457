"""The contract's outcome definitions on hand-built pandas issue logs, with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.reporting import issue_outcomes as io

NAN = math.nan
END = 100 * 24.0  # a run of 10 warm-up days and 90 measured days
START = 10 * 24.0


def log(rows: list[tuple]) -> pd.DataFrame:
    """Issues as (opened_at, resolved_at, incident_at, lapse_at) in hours."""
    frame = pd.DataFrame(rows, columns=["opened_at", "resolved_at", "incident_at", "lapse_at"])
    fixed = frame["resolved_at"].notna()
    frame["type"] = pd.Categorical(["environment"] * len(frame))  # as the model stores names
    frame["status"] = np.where(fixed, "resolved", "open")
    frame["channel"] = np.where(fixed, "hotline", None)
    for column in ("first_detected_at", "reported_at", "acknowledged_at", "triaged_at"):
        frame[column] = frame["resolved_at"] - 1.0
    frame["feedback_at"] = frame["resolved_at"]
    return frame


def test_every_column_the_definitions_read_is_required():
    issues = log([(START, START + 5, NAN, NAN)]).drop(columns="lapse_at")
    with pytest.raises(KeyError, match="lapse_at"):
        io.median_hours_to_fix(issues, START, END)


def test_fixed_within_a_week_counts_eligible_issues_only():
    issues = log(
        [
            (START - 1, START, NAN, NAN),  # opened in the warm-up: not counted
            (START, START + 168, NAN, NAN),  # exactly 168 h: fixed within a week
            (START + 5, START + 5 + 169, NAN, NAN),  # 169 h: not within a week
            (START + 9, NAN, NAN, NAN),  # never fixed
            (END - 100, END - 99, NAN, NAN),  # under 7 days before the end: not eligible
        ]
    )
    assert io.fixed_within_7d_share(issues, START, END) == pytest.approx(1 / 3)


def test_fixed_within_a_week_is_nan_without_eligible_issues():
    issues = log([(END - 10, END - 9, NAN, NAN)])
    assert math.isnan(io.fixed_within_7d_share(issues, START, END))


def test_time_to_fix_censors_never_fixed_at_the_end_and_lapsed_at_the_lapse():
    issues = log(
        [
            (START, START + 10, NAN, NAN),
            (START, NAN, NAN, START + 20),  # went away on its own after 20 h
            (START, NAN, START + 30, NAN),  # an incident keeps its clock: censored at the end
            (START, START + 40, NAN, NAN),
            (START - 5, START, NAN, NAN),  # warm-up: ignored
        ]
    )
    durations, fixed = io.definitions.fix_durations(io.window_arrays(issues, START, END), END)
    np.testing.assert_allclose(durations, [10, 20, END - START, 40])
    np.testing.assert_array_equal(fixed, [True, False, False, True])
    # KM: S(10) = 3/4; censoring at 20; S(40) = 3/4 * (1 - 1/2) = 3/8 <= 0.5 -> median 40
    assert io.median_hours_to_fix(issues, START, END) == pytest.approx(40.0)


def test_median_not_reached_and_empty_are_nan():
    issues = log([(START, NAN, NAN, NAN), (START, START + 5, NAN, NAN), (START, NAN, NAN, NAN)])
    assert math.isnan(io.median_hours_to_fix(issues, START, END))
    assert math.isnan(io.median_hours_to_fix(issues.iloc[:0], START, END))


def test_incidents_and_funnel_counts():
    issues = log(
        [
            (START, START + 300, START + 240, NAN),
            (START, NAN, NAN, NAN),
            (START, START + 5, NAN, NAN),
            (START - 1, NAN, START + 239, NAN),  # warm-up issue
        ]
    )
    assert io.incidents_total(issues, START, END) == 1
    counts = io.funnel_counts(issues, START, END)
    assert counts == {"arising": 3, "detected": 2, "reported": 2, "resolved": 2, "feedback": 2}
    assert list(counts) == list(io.FUNNEL_STAGES)


def test_names_read_as_text_with_missing_as_empty():
    issues = log([(START, START + 5, NAN, NAN), (START, NAN, NAN, NAN)])
    arrays = io.issue_arrays(issues)
    assert list(arrays.channel) == ["hotline", ""] and list(arrays.type) == ["environment"] * 2
    assert arrays.opened_at.dtype == float


@pytest.mark.parametrize(
    "names",
    [
        pd.Series(pd.Categorical(["a", None, "b"])),
        pd.Series(["a", pd.NA, "c"], dtype="string"),
        pd.Series(["a", None, "c"], dtype="string[pyarrow]"),
        pd.Series([1, None, "x"], dtype=object),
        pd.Series([], dtype="string"),
    ],
    ids=["categorical", "string", "arrow", "mixed", "empty"],
)
def test_names_of_any_storage_read_as_str_of_each_value_or_empty(names):
    issues = log([(START, START + 5, NAN, NAN)] * len(names))
    issues["channel"] = names.to_numpy()
    issues["channel"] = issues["channel"].astype(names.dtype)
    got = io.issue_arrays(issues).channel
    assert list(got) == ["" if pd.isna(value) else str(value) for value in names]
    assert all(type(value) is str for value in got)

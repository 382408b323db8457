"""The contract's outcome definitions on any subset of a run's issue log (a community, a type).

The whole-street values of these outcomes are columns of ``runs.parquet``; the report needs
the same outcomes for one community or one issue type. They come from the definitions
the run itself used (:mod:`model.outcomes.definitions`), applied to the pandas issue log of a
results folder, so an outcome means the same on every page and at every level (a test checks
that on a whole run they reproduce the run's columns). Times are hours since the start of
the run, warm-up included:

- the measurement window is ``[start_hour, end_hour)``; only issues opened in it count;
- *fixed within a week* (:func:`model.outcomes.definitions.fixed_within_share`): among
  issues opened at least 168 hours before the end of the run, the share fixed within 168
  hours of opening;
- *median time from opening to fix* (:func:`model.outcomes.definitions.median_hours_to_fix`):
  Kaplan-Meier median over all issues opened in the window; an issue never fixed is censored
  at the end of the run, one whose problem went away on its own first at its lapse
  (``lapse_at``); NaN when the estimate never falls to one half;
- *incidents*: issues opened in the window that became incidents (``incident_at`` set).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from model.outcomes import definitions
from model.outcomes.contract import FIX_WINDOW_HOURS

HOURS_PER_DAY = 24.0

IssueArrays = definitions.IssueArrays
"""The columns the definitions read, as arrays (:class:`model.outcomes.definitions.IssueArrays`)."""

ISSUE_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(IssueArrays))
"""Issue-log columns the definitions read."""


def in_window(issues: pd.DataFrame, start_hour: float, end_hour: float) -> pd.DataFrame:
    """Issues opened in ``[start_hour, end_hour)`` (hours since the start of the run)."""
    opened = issues["opened_at"].astype(float)
    return issues[(opened >= start_hour) & (opened < end_hour)]


def issue_arrays(issues: pd.DataFrame) -> IssueArrays:
    """The columns of an issue log (pandas) as the definitions read them.

    Names (issue type, channel, status) become text with "" where missing, as
    :meth:`model.outcomes.definitions.IssueArrays.from_table` reads them; times become
    floats with NaN where a stage never happened.

    Raises:
        KeyError: a column the definitions read is missing.
    """
    columns = {}
    for name in ISSUE_FIELDS:
        if name not in issues.columns:
            raise KeyError(f"issue log has no column {name!r}")
        column = issues[name]
        if pd.api.types.is_numeric_dtype(column):
            columns[name] = column.to_numpy(dtype=float, na_value=np.nan)
        else:
            # "" where missing, else str(value): whole columns at once (a loop over the
            # values of a year's log took a fifth of the compare page's build)
            text = column.astype(object).where(column.notna(), "").astype(str)
            columns[name] = text.to_numpy(dtype=object)
    return IssueArrays(**columns)


def window_arrays(issues: pd.DataFrame, start_hour: float, end_hour: float) -> IssueArrays:
    """The issues opened in the window, as the definitions read them."""
    return issue_arrays(issues).opened_between(start_hour, end_hour)


def fixed_within_7d_share(issues: pd.DataFrame, start_hour: float, end_hour: float) -> float:
    """Share of the eligible issues of the window fixed within 168 hours of opening.

    Args:
        issues: issue log(s) with the columns of :data:`ISSUE_FIELDS`.
        start_hour: start of the measurement window (hours).
        end_hour: end of the run (hours).

    Returns:
        The share (NaN when no issue was opened at least 7 days before the end).
    """
    log = window_arrays(issues, start_hour, end_hour)
    return definitions.fixed_within_share(log, end_hour, FIX_WINDOW_HOURS)


def median_hours_to_fix(issues: pd.DataFrame, start_hour: float, end_hour: float) -> float:
    """Kaplan-Meier median hours from opening to fix over the issues of the window.

    NaN when there are no issues or when the estimate never falls to one half.
    """
    return definitions.median_hours_to_fix(window_arrays(issues, start_hour, end_hour), end_hour)


def incidents_total(issues: pd.DataFrame, start_hour: float, end_hour: float) -> int:
    """Issues opened in the window that became incidents."""
    return int(np.count_nonzero(window_arrays(issues, start_hour, end_hour).incident))


FUNNEL_STAGES: tuple[str, ...] = (
    "arising",
    "detected",
    "reported",
    "resolved",
    "feedback",
)
"""Stages of the reporting funnel, in order."""

_STAGE_COLUMNS = {
    "detected": "first_detected_at",
    "reported": "reported_at",
    "resolved": "resolved_at",
    "feedback": "feedback_at",
}


def funnel_counts(issues: pd.DataFrame, start_hour: float, end_hour: float) -> dict[str, int]:
    """Issues opened in the window that reached each funnel stage before the end of the run.

    Returns:
        ``{stage: count}`` for :data:`FUNNEL_STAGES`; "arising" counts every issue opened
        in the window.
    """
    window = in_window(issues, start_hour, end_hour)
    counts = {"arising": len(window)}
    for stage, column in _STAGE_COLUMNS.items():
        counts[stage] = int((window[column].astype(float) <= end_hour).sum())
    return counts

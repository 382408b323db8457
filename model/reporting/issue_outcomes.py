"""Outcome definitions applied to any subset of one run's issue log (a community, a type).

The whole-street values of these outcomes are columns of ``runs.parquet``; the report needs
the same definitions on subsets of issues, so they are computed here from the issue log with
the outcome contract's rules (times in hours since the start of the run):

- the measurement window is ``[start_hour, end_hour)``; only issues opened in it count;
- *fixed within a week*: among issues opened at least 7 days (168 hours) before the end of
  the run, the share with ``resolved_at - opened_at <= 168``;
- *median time from opening to fix*: Kaplan-Meier median of ``resolved_at - opened_at`` over
  all issues opened in the window; an issue never fixed is censored at the end of the run,
  an issue that went away on its own (status ``expired``) at its lapse (``closed_at``);
- *incidents*: issues whose ``incident_at`` falls before the end of the run.

These are the definitions of the outcome contract (:mod:`model.outcomes`, plan of issue 9)
written for pandas subsets; a test checks that on a whole run they reproduce the run's
outcome columns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from model.analysis.survival import median_time

WEEK_HOURS = 168.0
HOURS_PER_DAY = 24.0
LAPSED = "expired"
"""Status of an issue that went away on its own."""


def in_window(issues: pd.DataFrame, start_hour: float, end_hour: float) -> pd.DataFrame:
    """Issues opened in ``[start_hour, end_hour)`` (hours since the start of the run)."""
    opened = issues["opened_at"].astype(float)
    return issues[(opened >= start_hour) & (opened < end_hour)]


def share_fixed_within_week(
    opened: np.ndarray, resolved: np.ndarray, start_hour: float, end_hour: float
) -> float:
    """Share of eligible issues fixed within 168 hours, from arrays of hours.

    Args:
        opened: hour each issue opened.
        resolved: hour each issue was fixed (NaN = never).
        start_hour: start of the measurement window (hours).
        end_hour: end of the run (hours).

    Returns:
        The share (NaN when no issue was opened at least 7 days before the end).
    """
    eligible = (opened >= start_hour) & (opened <= end_hour - WEEK_HOURS)
    if not eligible.any():
        return math.nan
    with np.errstate(invalid="ignore"):
        fixed = (resolved - opened <= WEEK_HOURS) & (resolved <= end_hour)
    return float(fixed[eligible].mean())


def fixed_within_7d_share(issues: pd.DataFrame, start_hour: float, end_hour: float) -> float:
    """Share of eligible issues fixed within 168 hours of opening.

    Args:
        issues: one run's issue log (``opened_at``, ``resolved_at`` in hours; NaN = never).
        start_hour: start of the measurement window (hours).
        end_hour: end of the run (hours).

    Returns:
        The share (NaN when no issue was opened at least 7 days before the end).
    """
    return share_fixed_within_week(
        issues["opened_at"].to_numpy(dtype=float),
        issues["resolved_at"].to_numpy(dtype=float),
        start_hour,
        end_hour,
    )


def durations_to_fix(
    opened: np.ndarray,
    resolved: np.ndarray,
    closed: np.ndarray,
    lapsed: np.ndarray,
    end_hour: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Hours from opening to fix with event flags, from arrays of issues opened in the window.

    Args:
        opened: hour each issue opened.
        resolved: hour it was fixed (NaN = never).
        closed: hour it was closed (NaN = not closed).
        lapsed: it went away on its own (status ``expired``).
        end_hour: end of the run (hours).

    Returns:
        ``(durations, fixed)``: hours to the fix where ``fixed``; otherwise hours to the lapse
        or to the end of the run.
    """
    fixed = np.isfinite(resolved) & (resolved <= end_hour)
    lapsed = lapsed & np.isfinite(closed) & ~fixed
    censor_time = np.where(lapsed, np.minimum(closed, end_hour), end_hour)
    durations = np.where(fixed, resolved, censor_time) - opened
    return np.maximum(durations, 0.0), fixed


def fix_durations(
    issues: pd.DataFrame, start_hour: float, end_hour: float
) -> tuple[np.ndarray, np.ndarray]:
    """Hours from opening to fix with event flags, censored as the contract says.

    Returns:
        ``(durations, fixed)`` for the issues opened in the window: hours to the fix where
        ``fixed``; otherwise hours to the lapse (status ``expired``) or to the end of the run.
    """
    window = in_window(issues, start_hour, end_hour)
    return durations_to_fix(
        window["opened_at"].to_numpy(dtype=float),
        window["resolved_at"].to_numpy(dtype=float),
        window["closed_at"].to_numpy(dtype=float),
        window["status"].to_numpy() == LAPSED,
        end_hour,
    )


def median_of_durations(durations: np.ndarray, fixed: np.ndarray) -> float:
    """Kaplan-Meier median of durations (``inf`` if not reached, NaN if there are none)."""
    if durations.size == 0:
        return math.nan
    return median_time(durations, fixed).median


def median_hours_to_fix(issues: pd.DataFrame, start_hour: float, end_hour: float) -> float:
    """Kaplan-Meier median hours from opening to fix (``inf`` if not reached, NaN if empty)."""
    return median_of_durations(*fix_durations(issues, start_hour, end_hour))


def incidents_total(issues: pd.DataFrame, start_hour: float, end_hour: float) -> int:
    """Issues opened in the window that became incidents before the end of the run."""
    window = in_window(issues, start_hour, end_hour)
    if "incident_at" not in window.columns:
        raise KeyError("issue log has no column 'incident_at'")
    return int((window["incident_at"].astype(float) <= end_hour).sum())


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

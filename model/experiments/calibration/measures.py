"""Calibration measures: the simulated value of every target, from one run's tables.

Each measure is computed from a run's daily series, issue log and report log the way the
source measured it (:func:`measure`); the report-to-close time of the 311 literature and
the repeat-report lift of Sjoberg, Mellon & Peixoto (2017) have their own functions.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from scipy import stats

from model.outcomes.tables import times as _times
from model.outcomes.tables import values as _column


def repeat_report_lift(
    reports: pa.Table, issues: pa.Table, horizon_hours: float, window_days: float = 90.0
) -> float:
    """Relative chance of a second report after a fixed first report vs an unfixed one.

    As in Sjoberg, Mellon & Peixoto (2017): reporters are grouped by the outcome of their
    first report; a reporter's first report counts when its outcome (fixed, closed unfixed
    or escalated) came at least ``window_days`` before the end, and a second report counts
    when it came within ``window_days`` after that outcome. Staff tickets are excluded.

    Returns:
        The ratio, NaN when either group is empty or has no second reports.
    """
    kind = _column(reports, "reporter_kind")
    keep = kind != "staff"
    reporter = _column(reports, "reporter_id")[keep]
    time = _column(reports, "time")[keep]
    issue = _column(reports, "issue_id")[keep]
    if len(reporter) == 0:
        return float("nan")
    status = _column(issues, "status")
    resolved_at = _times(issues, "resolved_at")
    closed_at = _times(issues, "closed_at")
    outcome_at = np.where(np.isnan(resolved_at), closed_at, resolved_at)
    order = np.lexsort((time, reporter))
    reporter, time, issue = reporter[order], time[order], issue[order]
    first = np.r_[True, reporter[1:] != reporter[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(reporter)]
    window = window_days * 24.0
    fixed_n = fixed_again = other_n = other_again = 0
    for s, e in zip(starts, ends, strict=True):
        i = issue[s]
        when = outcome_at[i]
        if np.isnan(when) or when > horizon_hours - window:
            continue
        again = bool(np.any((time[s + 1 : e] > when) & (time[s + 1 : e] <= when + window)))
        if status[i] == "resolved":
            fixed_n += 1
            fixed_again += again
        else:
            other_n += 1
            other_again += again
    if fixed_n == 0 or other_n == 0 or other_again == 0:
        return float("nan")
    return (fixed_again / fixed_n) / (other_again / other_n)


def time_to_close_days(issues: pa.Table) -> np.ndarray:
    """Days from the first report to the close (fixed or closed unfixed) of each ticket.

    Escalated issues are left out (an incident is not a closed ticket).
    """
    reported = _times(issues, "reported_at")
    resolved = _times(issues, "resolved_at")
    closed = np.where(np.isnan(resolved), _times(issues, "closed_at"), resolved)
    status = _column(issues, "status")
    done = ~np.isnan(reported) & ~np.isnan(closed) & (status != "escalated")
    return (closed[done] - reported[done]) / 24.0


def lognormal_reference(median_days: float = 2.9, share_within_7: float = 0.857):
    """The lognormal time-to-close implied by the NYC 311 figures.

    Source: ``service_system.time_to_close_days`` (median 2.9 days, 85.7 % within 7 days;
    shape lognormal- or gamma-like). ``mu = ln(median)``; ``sigma`` solves
    ``P(T <= 7) = share_within_7``.

    Returns:
        ``(mu, sigma)`` of log-days.
    """
    mu = math.log(median_days)
    sigma = (math.log(7.0) - mu) / float(stats.norm.ppf(share_within_7))
    return mu, sigma


def measure(output, days: int) -> dict[str, float]:
    """Simulated value of every target for one run, over its measurement window.

    The daily rows of the warm-up are left out, and so are the issues opened and the
    reports filed before the window opened.

    Args:
        output: a :class:`model.sim.output.RunOutput` or a
            :class:`model.experiments.executors.RunResult` with its issue and report logs.
        days: the run's measured days (after the warm-up).

    Returns:
        Target name -> simulated value (NaN when undefined).
    """
    daily = output.daily.filter(output.daily.column("measured"))
    first_day = int(_column(daily, "day")[0]) if daily.num_rows else 0
    start = first_day * 24.0
    end = start + days * 24.0
    opened = _times(output.issues, "opened_at")
    issues = output.issues.filter(pa.array(opened >= start))
    reports = output.reports.filter(pa.array(_times(output.reports, "time") >= start))
    last = {name: _column(daily, name)[-1] for name in ("registered_share", "insured_share")}
    rider_leavers = _column(daily, "rider_leavers").sum()
    riders = _column(daily, "riders").mean()
    turnover_days = days - (1 if first_day == 0 else 0)
    kind = _column(reports, "reporter_kind")
    registered_years = (
        _column(daily, "registered_share") * _column(daily, "workforce")
    ).sum() / 365.0
    # reports filed by workers who were registered when they filed (daily series)
    registered_reports = _column(daily, "registered_worker_reports").sum()
    resident_ids = _column(reports, "reporter_id")[kind == "resident"]
    _, per_resident = np.unique(resident_ids, return_counts=True)
    reported = _times(issues, "reported_at")
    resolved = _times(issues, "resolved_at")
    closed_any = np.where(np.isnan(resolved), _times(issues, "closed_at"), resolved)
    status = _column(issues, "status")
    done = ~np.isnan(reported) & ~np.isnan(closed_any) & (status != "escalated")
    close_days = time_to_close_days(issues)
    channel = _column(issues, "channel")
    hotline_done = done & (channel == "hotline")
    # the 12345 satisfaction rate: hotline reporters called back (told the outcome)
    called_back = (_column(reports, "channel") == "hotline") & reports.column("told").fill_null(
        False
    ).to_numpy(zero_copy_only=False).astype(bool)
    satisfied = reports.column("satisfied").fill_null(False).to_numpy(zero_copy_only=False)
    return {
        "registered_share": float(last["registered_share"]),
        "rider_online_hours": float(np.nanmean(_column(daily, "rider_online_hours"))),
        "rider_orders": float(np.nanmean(_column(daily, "rider_orders"))),
        "rider_km": float(np.nanmean(_column(daily, "rider_km"))),
        "rider_monthly_turnover": float(
            rider_leavers / max(riders, 1) / (max(turnover_days, 1) / 30.0)
        ),
        "no_insurance_share": float(1.0 - last["insured_share"]),
        "reports_per_enrolled_worker_year": float(registered_reports / registered_years)
        if registered_years > 0
        else float("nan"),
        "repeat_report_lift": repeat_report_lift(reports, output.issues, end),
        "one_time_reporter_share": float(np.mean(per_resident == 1))
        if len(per_resident)
        else float("nan"),
        "median_days_to_close": float(np.median(close_days)) if len(close_days) else float("nan"),
        "share_closed_within_7_days": float(np.mean(close_days <= 7.0))
        if len(close_days)
        else float("nan"),
        "hotline_resolution_rate": float(np.mean(status[hotline_done] == "resolved"))
        if hotline_done.any()
        else float("nan"),
        "hotline_satisfaction_rate": float(np.mean(satisfied[called_back].astype(bool)))
        if called_back.any()
        else float("nan"),
    }

"""Calibration targets: what the model simulates for each anchor of ``targets.yaml``.

Each measure is computed from one run's outputs (outcomes, daily series, issue and report
logs) the way the source measured it, so that the comparison is like with like. The bands
are read from the shared ``calibration/targets.yaml`` when it is available, and from the
copy below (identical values, with their source keys) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from model.config import WORKER_KINDS

WORKERS = set(WORKER_KINDS)


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: short name used in tables.
        key: dotted key in targets.yaml (the source).
        low: lower end of the band (inclusive).
        high: upper end of the band (inclusive).
        meaning: what it measures.
    """

    name: str
    key: str
    low: float
    high: float
    meaning: str


TARGETS: tuple[Target, ...] = (
    Target("registered_share", "workers.registered_share", 0.02, 0.05,
           "share of workers registered (报到)"),
    Target("rider_online_hours", "workers.daily_online_hours_rider", 6.0, 10.0,
           "hours online per rider working day"),
    Target("rider_orders", "workers.daily_orders_rider", 20, 30,
           "orders per rider working day"),
    Target("rider_km", "workers.daily_km_rider", 50, 70, "km per rider working day"),
    Target("rider_monthly_turnover", "workers.monthly_turnover_crowdsourced", 0.10, 0.30,
           "share of riders leaving per month"),
    Target("no_insurance_share", "workers.no_insurance_share", 0.15, 0.35,
           "share of workers without insurance"),
    Target("reports_per_enrolled_worker_year",
           "participation.reports_per_enrolled_worker_year", 0.5, 3.0,
           "reports per registered worker per year"),
    Target("repeat_report_lift", "reporting_behaviour.repeat_report_lift_after_success",
           1.2, 2.0, "P(second report | first fixed) / P(second report | first not fixed)"),
    Target("one_time_reporter_share", "reporting_behaviour.one_time_reporter_share", 0.6, 0.85,
           "share of resident reporters with exactly one report"),
    Target("median_days_to_close", "service_system.time_to_close_days.median", 2.0, 4.0,
           "median days from report to close (band: assumption around 2.9)"),
    Target("share_closed_within_7_days", "service_system.time_to_close_days.share_within_7_days",
           0.78, 0.93, "share of closed tickets closed within 7 days (band: assumption "
           "around 0.857)"),
    Target("hotline_resolution_rate", "service_system.hotline_resolution_rate_early", 0.40, 0.75,
           "share of closed hotline tickets that were fixed"),
    Target("satisfaction_rate", "service_system.hotline_satisfaction_rate_early", 0.61, 0.87,
           "share of reporters told the outcome who are satisfied"),
)  # fmt: skip
"""The targets the model has a counterpart for."""


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _times(table: pa.Table, name: str) -> np.ndarray:
    return pc.fill_null(table.column(name), np.nan).to_numpy(zero_copy_only=False)


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


def measure(output, days: int) -> dict[str, float]:
    """Simulated value of every target for one run.

    Args:
        output: a :class:`model.simulation.RunOutput`.
        days: the run's horizon, days.

    Returns:
        Target name -> simulated value (NaN when undefined).
    """
    daily = output.daily
    issues = output.issues
    reports = output.reports
    last = {name: _column(daily, name)[-1] for name in ("registered_share", "insured_share")}
    rider_leavers = _column(daily, "rider_leavers").sum()
    riders = _column(daily, "riders").mean()
    kind = _column(reports, "reporter_kind")
    registered_years = (
        _column(daily, "registered_share") * _column(daily, "workforce")
    ).sum() / 365.0
    # reports by registered workers are not tagged; use worker reports scaled by the
    # registered share of reports from the daily series
    registered_reports = _column(daily, "registered_worker_reports").sum()
    resident_ids = _column(reports, "reporter_id")[kind == "resident"]
    _, per_resident = np.unique(resident_ids, return_counts=True)
    reported = _times(issues, "reported_at")
    resolved = _times(issues, "resolved_at")
    closed = _times(issues, "closed_at")
    status = _column(issues, "status")
    closed_any = np.where(np.isnan(resolved), closed, resolved)
    done = ~np.isnan(reported) & ~np.isnan(closed_any) & (status != "escalated")
    close_days = (closed_any[done] - reported[done]) / 24.0
    channel = _column(issues, "channel")
    hotline_done = done & (channel == "hotline")
    return {
        "registered_share": float(last["registered_share"]),
        "rider_online_hours": float(np.nanmean(_column(daily, "rider_online_hours"))),
        "rider_orders": float(np.nanmean(_column(daily, "rider_orders"))),
        "rider_km": float(np.nanmean(_column(daily, "rider_km"))),
        "rider_monthly_turnover": float(rider_leavers / max(riders, 1) / (days / 30.0)),
        "no_insurance_share": float(1.0 - last["insured_share"]),
        "reports_per_enrolled_worker_year": float(registered_reports / registered_years)
        if registered_years > 0
        else float("nan"),
        "repeat_report_lift": repeat_report_lift(reports, issues, days * 24.0),
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
        "satisfaction_rate": float(output.outcomes["satisfaction_rate"]),
    }

"""The outcome contract: every outcome of a run, computed from the run's tables.

Each outcome is a function of the run's issue log, report log and worker roster (the Arrow
tables written as ``issues.parquet``, ``reports.parquet`` and ``workers.parquet``) and of a
:class:`RunRecord`: the measurement window and what the run counted that no table holds
(leavers, money spent, staff hours, department work) and the workforce at the end. Nothing
here reads a live model, so the same definitions apply to stored results and to subsets of
them (one community, one issue type; :mod:`model.outcomes.definitions`).

Every outcome covers the **measurement window** ``[window_start, end)``: the run's days after
its warm-up. Issue outcomes count the issues *opened* in the window; report outcomes the
reports *filed* in it; worker outcomes the worker-time *in* it; costs what was booked in it.
Each definition (numerator, denominator, window, censoring, unit) is written once, in
:data:`model.outcomes.registry.OUTCOMES`, which also generates the outcome table of
docs/ODD.md; the functions below follow it and each has a known-answer test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from model.config.codes import OBSERVERS, REPORTER_CHANNELS, WORKER_KINDS
from model.outcomes import definitions as d
from model.outcomes.registry import OUTCOMES
from model.outcomes.tables import times, values

OUTCOME_NAMES: tuple[str, ...] = tuple(OUTCOMES)
"""The outcome contract: exactly these names, in this order (the registry's order)."""

SHARE_OUTCOMES: tuple[str, ...] = tuple(
    name for name, spec in OUTCOMES.items() if spec.unit == "share"
)
"""Outcomes that are shares in [0, 1]."""

FIX_WINDOW_HOURS = 168.0
"""A week: the horizon of ``fixed_within_7d_share``, hours."""

MONTH_HOURS = 30 * 24.0
"""A worker-month: 30 days, hours."""


@dataclass(frozen=True)
class RunRecord:
    """What a run recorded besides its tables, for its measurement window.

    Attributes:
        window_start: opening of the measurement window (the end of the warm-up), hours.
        end: end of the run, hours.
        worker_slots: workers present at any time (slots are refilled after turnover).
        leavers: workers who left during the window.
        turnover_days: days of the window on which turnover ran (it runs from day 1).
        registered: (worker_slots,) registered (报到) at the end.
        belonging: (worker_slots,) belonging at the end, share 0-1.
        spent_yuan: yuan booked per lever during the window (points paid included).
        points_paid_yuan: yuan paid as points during the window.
        staff_hours: staff hours spent on tickets during the window.
        department_attempts: department service attempts started during the window.
        staff_yuan_per_hour: cost of one staff hour, yuan (``service.staff_yuan_per_hour``).
        department_yuan_per_ticket: cost of one department attempt, yuan
            (``service.department_yuan_per_ticket``).
        harm_yuan_by_type: harm of one incident by issue type, yuan.
        response_limit_hours: the contact limit of the response rates, hours
            (``service.response_limit_hours``).
        points_budget_exhausted_days: days of the window that ended with the year's points
            budget spent (points then earn nothing until the next year).
    """

    window_start: float
    end: float
    worker_slots: int
    leavers: int
    turnover_days: float
    registered: np.ndarray
    belonging: np.ndarray
    spent_yuan: dict[str, float]
    points_paid_yuan: float
    staff_hours: float
    department_attempts: int
    staff_yuan_per_hour: float
    department_yuan_per_ticket: float
    harm_yuan_by_type: dict[str, float]
    response_limit_hours: float
    points_budget_exhausted_days: float = 0.0


def compute_outcomes(
    issues: pa.Table, reports: pa.Table, workers: pa.Table, record: RunRecord
) -> dict[str, float]:
    """The contract outcomes of a finished (or interrupted) run.

    Args:
        issues: the issue log (one row per issue opened, ``IssueLog.to_table``).
        reports: the report log (one row per report, duplicates included).
        workers: the worker roster (one row per worker ever present).
        record: the run's window, counters and workforce at the end.

    Returns:
        Every outcome of :data:`OUTCOME_NAMES`, in that order (NaN where undefined).
    """
    start, end = record.window_start, record.end
    log = d.IssueArrays.from_table(issues).opened_between(start, end)
    opened = times(issues, "opened_at")
    opened_in_window = (opened >= start) & (opened < end)
    first_kind = values(issues, "first_reporter_kind")[opened_in_window]
    reporter_noticed = times(issues, "first_reporter_noticed_at")[opened_in_window]
    harm = np.array([record.harm_yuan_by_type.get(t, 0.0) for t in log.type], dtype=float)
    limit = record.response_limit_hours
    kinds = values(reports, "reporter_kind")
    report_time = times(reports, "time")
    in_window = (report_time >= start) & (report_time < end)
    by_worker = np.isin(kinds, WORKER_KINDS) & in_window
    presence = d.WorkerSpans.from_table(workers)
    reporter = values(reports, "reporter_id")
    worker_reporter = np.where(by_worker, np.nan_to_num(reporter.astype(float), nan=-1), -1)
    spent = sum(record.spent_yuan.values())
    forgone = record.spent_yuan.get("waiver", 0.0)
    public = (
        spent
        - forgone
        + record.staff_hours * record.staff_yuan_per_hour
        + record.department_attempts * record.department_yuan_per_ticket
    )
    incident_harm = float(harm[log.incident].sum())
    n_workers = len(record.registered)
    outcomes = {
        "fixed_within_7d_share": d.fixed_within_share(log, end, FIX_WINDOW_HOURS),
        "median_hours_to_fix": d.median_hours_to_fix(log, end),
        "incidents_total": float(np.count_nonzero(log.incident)),
        "incident_share": d.share(np.count_nonzero(log.incident), len(log)),
        "harm_yuan": incident_harm,
        "satisfaction_rate": d.satisfaction_rate(reports, start, end, FIX_WINDOW_HOURS),
        "worker_participation_rate": d.participation_rate(
            presence, worker_reporter.astype(np.int64), report_time, start, end, MONTH_HOURS
        ),
        "worker_reports_per_100_worker_months": d.share(
            100.0 * np.count_nonzero(by_worker), presence.hours_within(start, end) / MONTH_HOURS
        ),
        "worker_monthly_turnover": d.share(
            record.leavers / max(record.turnover_days / 30.0, 1e-9), record.worker_slots
        ),
        "public_cost_yuan": public,
        "issues_total": float(len(log)),
        "measured_days": (end - start) / 24.0,
        "detected_share": d.share(np.count_nonzero(log.detected), len(log)),
        "reported_share": d.share(np.count_nonzero(log.reported), len(log)),
        "resolved_share": d.resolution_rate(log),
        "response_rate": d.response_rate(log, end, limit, human=True),
        "response_rate_auto": d.response_rate(log, end, limit, human=False),
        **{
            f"response_rate_{channel}": d.response_rate(
                log, end, limit, human=True, channel=channel
            )
            for channel in REPORTER_CHANNELS
        },
        "median_hours_to_report": d.median(
            log.reported_at[log.reported] - log.opened_at[log.reported]
        ),
        "median_hours_to_fix_among_fixed": d.median(
            log.resolved_at[log.fixed] - log.opened_at[log.fixed]
        ),
        "worker_reports_total": float(np.count_nonzero(by_worker)),
        "registered_share": d.share(np.count_nonzero(record.registered), n_workers),
        "mean_belonging": float(record.belonging.mean()) if n_workers else float("nan"),
        "program_cost_yuan": spent,
        "points_paid_yuan": record.points_paid_yuan,
        "points_budget_exhausted_share": d.share(
            record.points_budget_exhausted_days, (end - start) / 24.0
        ),
        "forgone_revenue_yuan": forgone,
        "net_social_cost_yuan": public + forgone + incident_harm,
        **{
            f"first_report_share_{kind}": d.first_report_share(log, first_kind, kind)
            for kind in OBSERVERS
        },
        **{
            f"median_hours_detection_to_report_{kind}": d.median_hours_detection_to_report(
                log, first_kind, reporter_noticed, kind
            )
            for kind in OBSERVERS
        },
    }
    return {name: float(outcomes[name]) for name in OUTCOME_NAMES}

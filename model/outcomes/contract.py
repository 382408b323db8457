"""The outcome contract: every outcome of a run, defined once on the run's tables.

Each outcome is a function of the run's issue log and report log (the Arrow tables written
as ``issues.parquet`` and ``reports.parquet``) and of a :class:`RunRecord`: what the run
counted that no table holds (workers seen, leavers, reporters told the outcome) and the
workforce and ledger at the end. Nothing here reads a live model, so the same definitions
apply to stored results and to subsets of them.

Definitions (all shares in [0, 1]; NaN, written as null, when the denominator is empty):

- ``issues_total``: issues opened during the run.
- ``detected_share`` / ``reported_share`` / ``escalated_share``: of all issues, the share
  ever detected / ever reported / that became incidents.
- ``resolved_share``: of reported issues that reached an outcome (fixed, closed unfixed or
  escalated after the report), the share fixed — the analogue of the 12345 resolution rate.
- ``median_hours_to_report``: median hours from opening to the first report.
- ``median_hours_to_resolve``: median hours from the issue's opening to its fix (like
  ``median_hours_to_report``, counted from when the problem appeared: how long residents
  live with it). The report-to-close time of the 311 literature is a calibration measure
  (``model/experiments/calibration/``).
- ``response_rate``: of issues reported at least 24 h before the end, the share
  acknowledged within 24 h of the report.
- ``satisfaction_rate``: of reporters told the outcome, the share satisfied.
- ``worker_reports_total``: reports filed by workers, duplicates included.
- ``worker_participation_rate``: of all workers present at some time, the share who filed
  at least one report.
- ``registered_share``: share of workers registered (报到) at the end.
- ``worker_monthly_turnover``: leavers per 30 days over the workforce (turnover runs from
  day 1, so a run of D days has D - 1 days of it).
- ``mean_belonging``: mean belonging of the workers present at the end.
- ``program_cost_yuan``: yuan spent on all levers (points included).
- ``points_paid_yuan``: yuan paid as points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from model.config.codes import WORKER_KINDS
from model.outcomes.tables import times, values

OUTCOME_NAMES: tuple[str, ...] = (
    "issues_total",
    "detected_share",
    "reported_share",
    "resolved_share",
    "escalated_share",
    "median_hours_to_report",
    "median_hours_to_resolve",
    "response_rate",
    "satisfaction_rate",
    "worker_reports_total",
    "worker_participation_rate",
    "registered_share",
    "worker_monthly_turnover",
    "mean_belonging",
    "program_cost_yuan",
    "points_paid_yuan",
)
"""The outcome contract: exactly these names, in this order."""

SHARE_OUTCOMES: tuple[str, ...] = tuple(
    name for name in OUTCOME_NAMES if name.endswith(("_share", "_rate"))
)
"""Outcomes that are shares in [0, 1]."""


def share(numerator: float, denominator: float) -> float:
    """Numerator / denominator, NaN when the denominator is zero."""
    return float(numerator) / float(denominator) if denominator > 0 else float("nan")


def median(values: np.ndarray) -> float:
    """Median, NaN for an empty array."""
    return float(np.median(values)) if len(values) else float("nan")


@dataclass(frozen=True)
class RunRecord:
    """What a run recorded besides its issue and report logs.

    Attributes:
        hours: hours simulated (the end of the run).
        workers_seen: workers present at some time (the initial workforce plus newcomers).
        participants: of those, the workers who filed at least one report.
        leavers: workers who left (turnover).
        informed: reporters told the outcome of their report.
        satisfied: of those, the reporters who were satisfied.
        registered: (n_workers,) registered (报到) at the end, per worker slot.
        belonging: (n_workers,) belonging at the end, share 0-1, per worker slot.
        program_cost_yuan: yuan spent on all levers.
        points_paid_yuan: yuan paid as points.
    """

    hours: float
    workers_seen: int
    participants: int
    leavers: int
    informed: int
    satisfied: int
    registered: np.ndarray
    belonging: np.ndarray
    program_cost_yuan: float
    points_paid_yuan: float


def compute_outcomes(issues: pa.Table, reports: pa.Table, record: RunRecord) -> dict[str, float]:
    """The contract outcomes of a finished (or interrupted) run.

    Args:
        issues: the issue log (one row per issue opened, ``IssueLog.to_table``).
        reports: the report log (one row per report, duplicates included).
        record: the run's counters and its workforce and ledger at the end.

    Returns:
        Every outcome of :data:`OUTCOME_NAMES`, in that order (NaN where undefined).
    """
    n = issues.num_rows
    t = {name: times(issues, name) for name in _TIMES}
    status = values(issues, "status")
    end = record.hours
    reported = ~np.isnan(t["reported_at"])
    resolved = status == "resolved"
    ended = reported & (resolved | (status == "closed_unresolved") | (status == "escalated"))
    due = reported & (t["reported_at"] <= end - 24.0)
    ack_hours = t["acknowledged_at"] - t["reported_at"]
    n_workers = len(record.registered)
    months = max((end / 24.0 - 1.0) / 30.0, 1e-9)  # turnover runs from day 1
    outcomes = {
        "issues_total": float(n),
        "detected_share": share(np.count_nonzero(~np.isnan(t["first_detected_at"])), n),
        "reported_share": share(np.count_nonzero(reported), n),
        "resolved_share": share(np.count_nonzero(resolved & reported), np.count_nonzero(ended)),
        "escalated_share": share(np.count_nonzero(status == "escalated"), n),
        "median_hours_to_report": median(t["reported_at"][reported] - t["opened_at"][reported]),
        "median_hours_to_resolve": median(t["resolved_at"][resolved] - t["opened_at"][resolved]),
        "response_rate": share(np.count_nonzero(due & (ack_hours <= 24.0)), np.count_nonzero(due)),
        "satisfaction_rate": share(record.satisfied, record.informed),
        "worker_reports_total": float(
            np.count_nonzero(np.isin(values(reports, "reporter_kind"), WORKER_KINDS))
        ),
        "worker_participation_rate": share(record.participants, record.workers_seen),
        "registered_share": share(np.count_nonzero(record.registered), n_workers),
        "worker_monthly_turnover": share(record.leavers / months, n_workers),
        "mean_belonging": float(record.belonging.mean()) if n_workers else float("nan"),
        "program_cost_yuan": record.program_cost_yuan,
        "points_paid_yuan": record.points_paid_yuan,
    }
    return {name: outcomes[name] for name in OUTCOME_NAMES}


_TIMES = ("opened_at", "first_detected_at", "reported_at", "acknowledged_at", "resolved_at")
"""Issue-log times the definitions read."""

"""Outcomes of a run (the contract names of DESIGN.md) and the daily series.

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
  (``model/calibration.py``).
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

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from model.config.codes import CHANNELS, WORKER_KINDS
from model.issues import Status

if TYPE_CHECKING:
    from model.simulation import StreetModel

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


def compute_outcomes(model: StreetModel) -> dict[str, float]:
    """The contract outcomes of a finished (or interrupted) run."""
    log = model.issues
    n = model.arrived
    t = {name: values[:n] for name, values in log.times.items()}
    status = log.status[:n]
    end = model.now
    reported = ~np.isnan(t["reported_at"])
    resolved = status == Status.RESOLVED
    ended = reported & (
        resolved | (status == Status.CLOSED_UNRESOLVED) | (status == Status.ESCALATED)
    )
    due = reported & (t["reported_at"] <= end - 24.0)
    ack_hours = t["acknowledged_at"] - t["reported_at"]
    wf = model.workforce
    reporters = model.service.report_log()
    months = max((end / 24.0 - 1.0) / 30.0, 1e-9)  # turnover runs from day 1
    participants = model.participants_gone + int(model.reported_any.sum())
    outcomes = {
        "issues_total": float(n),
        "detected_share": share(np.count_nonzero(~np.isnan(t["first_detected_at"])), n),
        "reported_share": share(np.count_nonzero(reported), n),
        "resolved_share": share(np.count_nonzero(resolved & reported), np.count_nonzero(ended)),
        "escalated_share": share(np.count_nonzero(status == Status.ESCALATED), n),
        "median_hours_to_report": median(t["reported_at"][reported] - t["opened_at"][reported]),
        "median_hours_to_resolve": median(t["resolved_at"][resolved] - t["opened_at"][resolved]),
        "response_rate": share(np.count_nonzero(due & (ack_hours <= 24.0)), np.count_nonzero(due)),
        "satisfaction_rate": share(model.service.satisfied, model.service.informed),
        "worker_reports_total": float(
            np.count_nonzero(reporters["reporter_kind"] < len(WORKER_KINDS))
        ),
        "worker_participation_rate": share(participants, model.workers_seen),
        "registered_share": share(np.count_nonzero(wf.registered), len(wf)),
        "worker_monthly_turnover": share(model.leavers_total / months, len(wf)),
        "mean_belonging": float(wf.belonging.mean()) if len(wf) else float("nan"),
        "program_cost_yuan": model.ledger.total,
        "points_paid_yuan": model.ledger.points_paid,
    }
    return {name: outcomes[name] for name in OUTCOME_NAMES}


class DailyRecorder:
    """Collects one row per day; counts are for the day, ``*_to_date`` are cumulative."""

    def __init__(self) -> None:
        """Start with no rows."""
        self.rows: list[dict[str, float]] = []
        self._reports_seen = 0
        self._terminal_before = np.zeros(len(Status), dtype=np.int64)
        self._false_before = 0
        self._leavers_before = 0
        self._leavers_kind_before = np.zeros(len(WORKER_KINDS), dtype=np.int64)
        self._arrived_before = 0
        self._detections_before = 0
        self._registered_reports_before = 0

    def record(self, model: StreetModel, day: int) -> None:
        """Append the row of ``day`` (called at the end of the day)."""
        log = model.issues
        counts = log.status_counts(model.arrived)
        reports = model.service.reports
        new_channels = np.asarray(reports.channel[self._reports_seen :], dtype=np.int64)
        new_kinds = np.asarray(reports.observer[self._reports_seen :], dtype=np.int64)
        new_dups = np.asarray(reports.duplicate[self._reports_seen :], dtype=bool)
        self._reports_seen = len(reports.channel)
        by_channel = np.bincount(new_channels, minlength=len(CHANNELS))
        wf = model.workforce
        shifts = model.shifts
        riders = (wf.kind == 0) & (shifts.hours > 0)
        rider_hours = float(shifts.hours[riders].mean()) if riders.any() else float("nan")
        rider = model.config.workers.rider
        end = (day + 1) * 24.0
        leavers_kind = model.leavers_by_kind - self._leavers_kind_before
        row: dict[str, float] = {
            "day": day,
            "new_issues": model.arrived - self._arrived_before,
            "open_issues": int(counts[: Status.RESOLVED].sum()),
            "detections": model.detections_total - self._detections_before,
            "reports_total": len(new_channels),
            **{f"reports_{name}": int(by_channel[i]) for i, name in enumerate(CHANNELS)},
            "worker_reports": int(np.count_nonzero(new_kinds < len(WORKER_KINDS))),
            "registered_worker_reports": model.registered_reports_total
            - self._registered_reports_before,
            "duplicate_reports": int(new_dups.sum()),
            "false_reports": model.service.false_reports - self._false_before,
            "resolutions": int(counts[Status.RESOLVED] - self._terminal_before[Status.RESOLVED]),
            "closed_unresolved": int(
                counts[Status.CLOSED_UNRESOLVED] - self._terminal_before[Status.CLOSED_UNRESOLVED]
            ),
            "escalations": int(counts[Status.ESCALATED] - self._terminal_before[Status.ESCALATED]),
            "expired": int(counts[Status.EXPIRED] - self._terminal_before[Status.EXPIRED]),
            "staff_queue": model.service.queue_length(),
            "workforce": len(wf),
            "leavers": model.leavers_total - self._leavers_before,
            "rider_leavers": int(leavers_kind[0]),
            "riders": int(np.count_nonzero(wf.kind == 0)),
            "active_participants": int(np.count_nonzero(wf.last_report_at >= end - 30 * 24.0)),
            "registered_share": float(wf.registered.mean()) if len(wf) else float("nan"),
            "insured_share": float(wf.insured.mean()) if len(wf) else float("nan"),
            "post_holders": int(np.count_nonzero(wf.role > 0)),
            "mean_belonging": float(wf.belonging.mean()) if len(wf) else float("nan"),
            "mean_worker_trust": float(wf.trust.mean()) if len(wf) else float("nan"),
            "mean_resident_satisfaction": float(model.residents.satisfaction.mean())
            if len(model.residents)
            else float("nan"),
            "rider_online_hours": rider_hours,
            "rider_orders": rider_hours * rider.orders_per_hour,
            "rider_km": rider_hours * rider.speed_kmh,
            "cost_to_date_yuan": model.ledger.total,
            "harm_to_date_yuan": model.harm_yuan,
            "points_paid_to_date_yuan": model.ledger.points_paid,
        }
        self.rows.append(row)
        self._terminal_before = counts
        self._false_before = model.service.false_reports
        self._leavers_before = model.leavers_total
        self._leavers_kind_before = model.leavers_by_kind.copy()
        self._arrived_before = model.arrived
        self._detections_before = model.detections_total
        self._registered_reports_before = model.registered_reports_total

    def table(self) -> pa.Table:
        """The daily series as an Arrow table (empty with no rows)."""
        if not self.rows:
            return pa.table({"day": pa.array([], type=pa.int64())})
        columns = {key: [row[key] for row in self.rows] for key in self.rows[0]}
        return pa.table(
            {
                key: pa.array(values, type=pa.int64() if key == "day" else None)
                for key, values in columns.items()
            }
        )

"""The run's recorder: the counters no table holds, and the daily series.

The model tells the recorder what happens (detections, worker reports, leavers, harm of
incidents); at the end of every day the recorder appends one row of the daily series from
the issue log, the service chain, the workforce, the residents and the ledger. At the end of
the run it hands the outcome definitions (:mod:`model.outcomes.contract`) a
:class:`~model.outcomes.contract.RunRecord`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from model.config.codes import (
    CHANNELS,
    ISSUE_TYPES,
    WORKER_KINDS,
    IssueStatus,
    Role,
    WorkerKind,
)
from model.config.people import KindProfile
from model.config.service import ServiceConfig
from model.outcomes import definitions
from model.outcomes.contract import RunRecord
from model.sim.costs import Ledger
from model.sim.issues import IssueLog
from model.sim.record_kernels import day_numbers
from model.sim.residents import ResidentTable
from model.sim.service import ServiceChain
from model.sim.workforce import Shifts, WorkerTable


def mean(values: np.ndarray) -> float:
    """``float(values.mean())`` of a float array, NaN for none, without ``mean``'s wrapper.

    ``ndarray.mean`` adds with ``np.add.reduce`` (pairwise) and divides by the count, as
    here; its Python wrapper costs more than the sum of a thousand numbers.
    """
    n = len(values)
    return float(np.add.reduce(values)) / n if n else float("nan")


def share(flags: np.ndarray) -> float:
    """``float(flags.mean())`` of a boolean array (share true), NaN for none.

    ``ndarray.mean`` adds the flags as floats, which counts them exactly, and divides by
    the number of flags: the count over the number, as here.
    """
    n = len(flags)
    return float(np.count_nonzero(flags)) / n if n else float("nan")


ACTIVE_WINDOW_HOURS = 30 * 24.0
"""A worker who reported within this many hours before the end of a day is an active
participant that day, hours."""


def day_numbers_of(
    hours: np.ndarray,
    is_rider: np.ndarray,
    last_report_at: np.ndarray,
    active_since: float,
    registered: np.ndarray,
    insured: np.ndarray,
    role: np.ndarray,
    belonging: np.ndarray,
    trust: np.ndarray,
    satisfaction: np.ndarray,
) -> dict[str, float]:
    """The day's numbers of the workers and residents, vectorised (see :meth:`Recorder.record_day`).

    The model runs the compiled form, :func:`day_numbers_compiled`.

    Args:
        hours: (n_workers,) hours online today.
        is_rider: (n_workers,) the slot is a rider's.
        last_report_at: (n_workers,) hour of each worker's latest report (-inf = none).
        active_since: hour from which a report makes a worker an active participant.
        registered: (n_workers,) registered (报到).
        insured: (n_workers,) insured.
        role: (n_workers,) designated post code.
        belonging: (n_workers,) belonging, share.
        trust: (n_workers,) workers' trust, share.
        satisfaction: (n_residents,) residents' satisfaction, share.

    Returns:
        In the order of the daily series' columns: ``active_participants`` (workers who
        reported since ``active_since``), ``registered_share``, ``insured_share``,
        ``post_holders``, ``mean_belonging``, ``mean_worker_trust``,
        ``mean_resident_satisfaction`` and ``rider_online_hours`` (mean hours of the riders
        online today, NaN for none).
    """
    return {
        "active_participants": int(np.count_nonzero(last_report_at >= active_since)),
        "registered_share": share(registered),
        "insured_share": share(insured),
        "post_holders": int(np.count_nonzero(role != Role.NONE)),
        "mean_belonging": mean(belonging),
        "mean_worker_trust": mean(trust),
        "mean_resident_satisfaction": mean(satisfaction),
        "rider_online_hours": mean(hours[is_rider & (hours > 0)]),
    }


def day_numbers_compiled(
    hours: np.ndarray,
    is_rider: np.ndarray,
    last_report_at: np.ndarray,
    active_since: float,
    registered: np.ndarray,
    insured: np.ndarray,
    role: np.ndarray,
    belonging: np.ndarray,
    trust: np.ndarray,
    satisfaction: np.ndarray,
) -> dict[str, float]:
    """:func:`day_numbers_of`, from the compiled :func:`model.sim.record_kernels.day_numbers`.

    The kernel reads the tables in one pass and gives the sums and counts; the means and
    shares are divided out here, as ``ndarray.mean`` divides: the same numbers.
    """
    (
        rider_hours,
        riders_working,
        active,
        n_registered,
        n_insured,
        post_holders,
        belonging_sum,
        trust_sum,
        satisfaction_sum,
    ) = day_numbers(
        hours,
        is_rider,
        last_report_at,
        active_since,
        registered,
        insured,
        role,
        int(Role.NONE),
        belonging,
        trust,
        satisfaction,
    )
    n_workers, n_residents = len(hours), len(satisfaction)
    return {
        "active_participants": active,
        "registered_share": definitions.share(n_registered, n_workers),
        "insured_share": definitions.share(n_insured, n_workers),
        "post_holders": post_holders,
        "mean_belonging": definitions.share(belonging_sum, n_workers),
        "mean_worker_trust": definitions.share(trust_sum, n_workers),
        "mean_resident_satisfaction": definitions.share(satisfaction_sum, n_residents),
        "rider_online_hours": definitions.share(rider_hours, riders_working),
    }


class Recorder:
    """Counters of one run and its daily series (counts per day; ``*_to_date`` cumulative).

    Args:
        issues: the run's issue log.
        service: the service chain (report log, false reports, queue, satisfaction).
        workforce: the worker table.
        residents: the resident table.
        ledger: the cost ledger.
        harm_yuan_by_type: harm of an incident by issue type, yuan
            (``issues.types.<type>.harm_yuan``).
        rider: the rider profile (orders per hour and speed, for the rider series).
        service_config: the ``service`` block (cost bases of staff time and department work,
            the response limit).

    Attributes:
        leavers_total: workers who left.
        detections_total: detections (an observer noticing an issue).
        registered_reports_total: reports filed by workers registered when filing.
        harm_yuan: harm of the incidents so far, yuan.
        incidents_total: incidents so far (tickets closed unfixed included).
    """

    def __init__(
        self,
        issues: IssueLog,
        service: ServiceChain,
        workforce: WorkerTable,
        residents: ResidentTable,
        ledger: Ledger,
        harm_yuan_by_type: np.ndarray,
        rider: KindProfile,
        service_config: ServiceConfig,
    ) -> None:
        """Start with nothing counted and no rows."""
        self.issues = issues
        self.service = service
        self.workforce = workforce
        self.residents = residents
        self.ledger = ledger
        self.harm_by_type = harm_yuan_by_type
        self._harm_of_type: list[float] = harm_yuan_by_type.tolist()
        self.rider = rider
        self.service_config = service_config
        self.leavers_total = 0
        self._leavers_by_kind = [0] * len(WORKER_KINDS)  # Python ints, read each day
        self.detections_total = 0
        self.registered_reports_total = 0
        self.harm_yuan = 0.0
        self.incidents_total = 0
        self.points_budget_exhausted_days = 0
        self._incidents_before = 0
        self.rows: list[dict[str, float]] = []
        self.window_start = 0.0
        self._at_window_start = self._totals()
        self._reports_seen = 0
        self._terminal_before = [0] * len(IssueStatus)  # issues per status, as ints
        self._false_before = 0
        self._leavers_before = 0
        self._rider_leavers_before = 0  # rider leavers up to the last row
        self._channel_keys = [f"reports_{name}" for name in CHANNELS]
        self._arrived_before = 0
        self._detections_before = 0
        self._registered_reports_before = 0
        # a slot keeps its kind for the whole run: the riders' slots are fixed
        self._is_rider = workforce.kind == WorkerKind.RIDER
        self._riders = int(np.count_nonzero(self._is_rider))

    # ------------------------------------------------------------------ the window

    def _totals(self) -> dict[str, float]:
        """Running totals that the outcomes count from the opening of the window."""
        return {
            **{f"spent_{lever}": yuan for lever, yuan in self.ledger.spent.items()},
            "points_paid": self.ledger.points_paid,
            "staff_minutes": float(self.service.minutes_worked.sum()),
            "department_attempts": float(self.service.department_attempts),
            "leavers": float(self.leavers_total),
            "points_budget_exhausted_days": float(self.points_budget_exhausted_days),
        }

    def open_window(self, now: float) -> None:
        """The measurement window opens at hour ``now`` (the end of the warm-up)."""
        self.window_start = now
        self._at_window_start = self._totals()

    # ------------------------------------------------------------------ events

    def count_detections(self, n: int) -> None:
        """``n`` observers noticed an issue this hour."""
        self.detections_total += n

    def count_worker_report(self, slot: int, registered: bool) -> None:
        """The worker in ``slot`` filed a report (``registered``: registered when filing)."""
        self.registered_reports_total += int(registered)

    def count_leavers(self, slots: np.ndarray) -> None:
        """The workers in ``slots`` leave; their slots are refilled by newcomers.

        Counted one leaver at a time: a day's handful adds faster so than by ``np.bincount``.
        """
        self.leavers_total += len(slots)
        by_kind = self._leavers_by_kind
        for kind in self.workforce.kind[slots].tolist():
            by_kind[kind] += 1

    def count_incidents(self, types: list[int]) -> None:
        """Issues of these types became incidents: add their harm.

        The harm of several is their sum as numpy adds it (``ndarray.sum``); of one, its
        type's harm read from a Python list (the same number, without numpy's cost).
        """
        if len(types) == 1:
            self.harm_yuan += self._harm_of_type[types[0]]
        else:
            self.harm_yuan += float(self.harm_by_type[types].sum())
        self.incidents_total += len(types)

    # ------------------------------------------------------------------ the daily series

    def record_day(self, day: int, arrived: int, shifts: Shifts) -> None:
        """Append the row of ``day`` (called at the end of the day).

        Args:
            day: the day, 0-based.
            arrived: issues opened so far.
            shifts: the day's shifts.
        """
        exhausted = bool(
            self.ledger.policies.points.enabled and self.ledger.points_budget_left() <= 0
        )
        log = self.issues
        # the day's numbers as Python ints and lists (a day's few reports and the handful of
        # statuses and channels are counted faster so than as numpy scalars)
        counts = log.status_counts(arrived).tolist()
        reports = self.service.reports
        new_channels = reports.channel[self._reports_seen :]
        new_kinds = reports.observer[self._reports_seen :]
        new_dups = reports.duplicate[self._reports_seen :]
        self._reports_seen = len(reports.channel)
        by_channel = [new_channels.count(code) for code in range(len(CHANNELS))]
        n_kinds = len(WORKER_KINDS)
        wf = self.workforce
        end = (day + 1) * 24.0
        numbers = day_numbers_compiled(
            shifts.hours,
            self._is_rider,
            wf.last_report_at,
            end - ACTIVE_WINDOW_HOURS,
            wf.registered,
            wf.insured,
            wf.role,
            wf.belonging,
            wf.trust,
            self.residents.satisfaction,
        )
        rider_hours = numbers["rider_online_hours"]
        rider = self.rider
        rider_leavers = self._leavers_by_kind[WorkerKind.RIDER]
        resolved = IssueStatus.RESOLVED
        terminal = self._terminal_before
        row: dict[str, float] = {
            "day": day,
            "new_issues": arrived - self._arrived_before,
            "open_issues": sum(counts[:resolved]),
            "detections": self.detections_total - self._detections_before,
            "reports_total": len(new_channels),
            **dict(zip(self._channel_keys, by_channel, strict=True)),
            "worker_reports": sum(1 for observer in new_kinds if observer < n_kinds),
            "registered_worker_reports": self.registered_reports_total
            - self._registered_reports_before,
            "duplicate_reports": sum(1 for duplicate in new_dups if duplicate),
            "false_reports": self.service.false_reports - self._false_before,
            "resolutions": counts[resolved] - terminal[resolved],
            "closed_unresolved": counts[IssueStatus.CLOSED_UNRESOLVED]
            - terminal[IssueStatus.CLOSED_UNRESOLVED],
            "escalations": counts[IssueStatus.ESCALATED] - terminal[IssueStatus.ESCALATED],
            "expired": counts[IssueStatus.EXPIRED] - terminal[IssueStatus.EXPIRED],
            "incidents": self.incidents_total - self._incidents_before,
            "staff_queue": self.service.queue_length(),
            "workforce": len(wf),
            "leavers": self.leavers_total - self._leavers_before,
            "rider_leavers": rider_leavers - self._rider_leavers_before,
            "riders": self._riders,
            **numbers,  # active_participants ... rider_online_hours, in the series' order
            "rider_orders": rider_hours * rider.orders_per_hour,
            "rider_km": rider_hours * rider.speed_kmh,
            "cost_to_date_yuan": self.ledger.total,
            "harm_to_date_yuan": self.harm_yuan,
            "points_paid_to_date_yuan": self.ledger.points_paid,
            "points_budget_exhausted": exhausted,
        }
        self.points_budget_exhausted_days += int(exhausted)
        self.rows.append(row)
        self._terminal_before = counts
        self._false_before = self.service.false_reports
        self._leavers_before = self.leavers_total
        self._rider_leavers_before = rider_leavers
        self._arrived_before = arrived
        self._detections_before = self.detections_total
        self._incidents_before = self.incidents_total
        self._registered_reports_before = self.registered_reports_total

    def daily_table(self, warmup_days: int = 0) -> pa.Table:
        """The daily series as an Arrow table (empty with no rows).

        Args:
            warmup_days: days of warm-up; their rows have ``measured`` false.
        """
        if not self.rows:
            return pa.table(
                {"day": pa.array([], type=pa.int64()), "measured": pa.array([], pa.bool_())}
            )
        columns = {key: [row[key] for row in self.rows] for key in self.rows[0]}
        days = pa.array(columns.pop("day"), type=pa.int64())
        measured = pa.array(np.asarray(days) >= warmup_days)
        return pa.table(
            {
                "day": days,
                "measured": measured,
                **{key: pa.array(values) for key, values in columns.items()},
            }
        )

    # ------------------------------------------------------------------ the end

    def run_record(self, hours: float) -> RunRecord:
        """What the outcome definitions need besides the run's tables.

        Args:
            hours: hours simulated (the end of the run).
        """
        wf = self.workforce
        now, then = self._totals(), self._at_window_start
        gained = {key: now[key] - then[key] for key in now}
        sv = self.service_config
        return RunRecord(
            window_start=self.window_start,
            end=hours,
            worker_slots=len(wf),
            leavers=int(gained["leavers"]),
            turnover_days=(hours - max(self.window_start, 24.0)) / 24.0,
            registered=wf.registered.copy(),
            belonging=wf.belonging.copy(),
            spent_yuan={lever: gained[f"spent_{lever}"] for lever in self.ledger.spent},
            points_paid_yuan=gained["points_paid"],
            points_budget_exhausted_days=gained["points_budget_exhausted_days"],
            staff_hours=gained["staff_minutes"] / 60.0,
            department_attempts=int(gained["department_attempts"]),
            staff_yuan_per_hour=sv.staff_yuan_per_hour,
            department_yuan_per_ticket=sv.department_yuan_per_ticket,
            harm_yuan_by_type=dict(zip(ISSUE_TYPES, self.harm_by_type.tolist(), strict=True)),
            response_limit_hours=sv.response_limit_hours,
        )

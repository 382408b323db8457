"""The outcome definitions as functions of arrays, so they apply to any subset of a run.

:func:`model.outcomes.contract.compute_outcomes` calls these for a whole run; analysis
calls the same functions for one community, one issue type or one arm's pooled issue logs,
so that an outcome means the same wherever it appears. Times are hours since the start of
the run; NaN marks a stage that never happened. Shares are NaN when their denominator is
empty.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from model.outcomes.survival import median_time
from model.outcomes.tables import times, values


def share(numerator: float, denominator: float) -> float:
    """Numerator / denominator, NaN when the denominator is zero."""
    return float(numerator) / float(denominator) if denominator > 0 else float("nan")


def median(sample: np.ndarray) -> float:
    """Median, NaN for an empty array."""
    return float(np.median(sample)) if len(sample) else float("nan")


@dataclass(frozen=True)
class IssueArrays:
    """The columns of an issue log that the definitions read (one entry per issue).

    Attributes:
        type: issue type names.
        channel: channel name of the first report ("" when never reported).
        opened_at, first_detected_at, reported_at, acknowledged_at, triaged_at,
            resolved_at, incident_at, lapse_at: hours (NaN = never; ``lapse_at`` NaN =
            the problem never goes away on its own).
        status: status names.
    """

    type: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    opened_at: np.ndarray
    first_detected_at: np.ndarray
    reported_at: np.ndarray
    acknowledged_at: np.ndarray
    triaged_at: np.ndarray
    resolved_at: np.ndarray
    incident_at: np.ndarray
    lapse_at: np.ndarray

    @classmethod
    def from_table(cls, issues: pa.Table) -> IssueArrays:
        """Read the columns from an issue-log table."""
        columns = {}
        for field in fields(cls):
            if field.name in ("type", "channel", "status"):
                raw = values(issues, field.name)
                columns[field.name] = np.array(["" if v is None else v for v in raw], dtype=object)
            else:
                columns[field.name] = times(issues, field.name)
        return cls(**columns)

    def __len__(self) -> int:
        return len(self.opened_at)

    def subset(self, mask: np.ndarray) -> IssueArrays:
        """The issues where ``mask`` is true."""
        return IssueArrays(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def opened_between(self, start: float, end: float) -> IssueArrays:
        """The issues opened in ``[start, end)`` (the measurement window)."""
        return self.subset((self.opened_at >= start) & (self.opened_at < end))

    @property
    def detected(self) -> np.ndarray:
        """Noticed by someone."""
        return ~np.isnan(self.first_detected_at)

    @property
    def reported(self) -> np.ndarray:
        """Reported at least once."""
        return ~np.isnan(self.reported_at)

    @property
    def fixed(self) -> np.ndarray:
        """Fixed through the service chain."""
        return ~np.isnan(self.resolved_at)

    @property
    def incident(self) -> np.ndarray:
        """Became an incident (a ticket closed unfixed included)."""
        return ~np.isnan(self.incident_at)


def fixed_within_share(log: IssueArrays, end: float, hours: float) -> float:
    """``fixed_within_7d_share``: share fixed within ``hours`` of opening.

    Of the issues opened at least ``hours`` before ``end``.

    Args:
        log: issues opened in the window.
        end: end of the run, hours.
        hours: the horizon (168 for a week).
    """
    due = log.opened_at <= end - hours
    quick = log.fixed & (log.resolved_at - log.opened_at <= hours)
    return share(np.count_nonzero(quick & due), np.count_nonzero(due))


def fix_durations(log: IssueArrays, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Hours from opening to fix, right-censored, for a Kaplan-Meier estimate.

    An issue fixed before its problem went away on its own is an event at its fix. One whose
    problem went away first (its lapse hour, drawn up front and the same in every arm) is
    censored there: it no longer needs fixing. Every other issue — still open, closed
    unfixed, or an incident — is censored at the end of the run.

    Returns:
        ``(durations, observed)`` in hours.
    """
    lapse = np.where(np.isnan(log.lapse_at), np.inf, log.lapse_at)
    fixed = log.fixed & (log.resolved_at <= lapse)
    gone = ~fixed & (lapse < end)
    stop = np.where(fixed, log.resolved_at, np.where(gone, lapse, end))
    return stop - log.opened_at, fixed


def median_hours_to_fix(log: IssueArrays, end: float) -> float:
    """``median_hours_to_fix``: Kaplan-Meier median hours from opening to fix.

    Over every issue of ``log`` (see :func:`fix_durations` for the censoring); NaN when
    there are no issues or when the estimate never falls to one half (more than half of
    the issues would stay unfixed beyond the longest follow-up).
    """
    if len(log) == 0:
        return float("nan")
    durations, observed = fix_durations(log, end)
    estimate = median_time(durations, observed).median
    return float(estimate) if np.isfinite(estimate) else float("nan")


def resolution_rate(log: IssueArrays) -> float:
    """``resolved_share``: the 12345 resolution rate, ticket-based.

    Of the reported issues whose ticket reached an outcome (fixed, closed unfixed, or ended
    by an incident while open), the share fixed.
    """
    ended = log.reported & np.isin(log.status, ("resolved", "closed_unresolved", "escalated"))
    return share(np.count_nonzero(ended & log.fixed), np.count_nonzero(ended))


def response_rate(
    log: IssueArrays, end: float, limit: float, *, human: bool, channel: str | None = None
) -> float:
    """Response rates: tickets taken up within ``limit`` hours of the report.

    The tickets are the issues first reported through a reporter's channel (the staff's
    own patrol tickets are not appeals) at least ``limit`` hours before ``end``.

    Args:
        log: issues opened in the window.
        end: end of the run, hours.
        limit: the contact limit, hours.
        human: count only a person taking the ticket up (``triaged_at``); otherwise an
            automatic acknowledgement on arrival counts too (``acknowledged_at``).
        channel: only tickets of this channel (None: every reporter channel).
    """
    tickets = log.reported & (log.channel != "staff_patrol") & (log.reported_at <= end - limit)
    if channel is not None:
        tickets &= log.channel == channel
    taken_up = log.triaged_at if human else log.acknowledged_at
    quick = tickets & (taken_up - log.reported_at <= limit)
    return share(np.count_nonzero(quick), np.count_nonzero(tickets))


def satisfaction_rate(reports: pa.Table, start: float, end: float, settle_hours: float) -> float:
    """``satisfaction_rate``: share of reporters satisfied, all who reported.

    Over the reports filed by residents and workers (not the staff's own tickets) in the
    window at least ``settle_hours`` before ``end``, duplicates included (each is a person
    who reported). A reporter is satisfied per the modelled state of
    :meth:`model.sim.service.ServiceChain.inform_reporters`; one whose issue is still open at
    the end counts as not satisfied.
    """
    kind = values(reports, "reporter_kind")
    filed = times(reports, "time")
    counted = (kind != "staff") & (filed >= start) & (filed <= end - settle_hours)
    satisfied = reports.column("satisfied").fill_null(False).to_numpy(zero_copy_only=False)
    return share(np.count_nonzero(counted & satisfied.astype(bool)), np.count_nonzero(counted))


def first_report_share(log: IssueArrays, first_reporter_kind: np.ndarray, kind: str) -> float:
    """``first_report_share_<kind>``: share of the reported issues first reported by ``kind``.

    Args:
        log: issues opened in the window.
        first_reporter_kind: observer class of each issue's first reporter ("" or None when
            never reported), aligned with ``log``.
        kind: an observer class (rider, courier, driver, resident, staff).
    """
    mine = log.reported & (first_reporter_kind == kind)
    return share(np.count_nonzero(mine), np.count_nonzero(log.reported))


def median_hours_detection_to_report(
    log: IssueArrays, first_reporter_kind: np.ndarray, reporter_noticed_at: np.ndarray, kind: str
) -> float:
    """``median_hours_detection_to_report_<kind>``: the first reporter's own delay.

    The median, over the issues first reported by ``kind``, of the hours from the time the
    first reporter himself first noticed the problem to his report (NaN when ``kind`` first
    reported none). Someone else's earlier, unreported noticing does not count against
    him: this is how fast each kind acts on what it sees, not how long the problem waited
    (that is ``median_hours_to_report``).

    Args:
        log: issues opened in the window.
        first_reporter_kind: observer class of each issue's first reporter, aligned with
            ``log``.
        reporter_noticed_at: when each issue's first reporter first noticed it, hours,
            aligned with ``log`` (NaN when never reported).
        kind: an observer class.
    """
    mine = log.reported & (first_reporter_kind == kind)
    return median(log.reported_at[mine] - reporter_noticed_at[mine])


@dataclass(frozen=True)
class WorkerSpans:
    """When each worker was present (one entry per worker ever present).

    Attributes:
        worker_id: Mesa id (as ``reporter_id`` of the report log), sorted ascending.
        entered_at: hour of arrival.
        left_at: hour of leaving (``inf`` = present at the end).
    """

    worker_id: np.ndarray
    entered_at: np.ndarray
    left_at: np.ndarray

    @classmethod
    def from_table(cls, workers: pa.Table) -> WorkerSpans:
        """Read the spans from a worker roster."""
        ids = values(workers, "worker_id").astype(np.int64)
        order = np.argsort(ids, kind="stable")
        left = times(workers, "left_at")
        return cls(
            worker_id=ids[order],
            entered_at=times(workers, "entered_at")[order],
            left_at=np.where(np.isnan(left), np.inf, left)[order],
        )

    def hours_within(self, start: float, end: float) -> float:
        """Worker-hours of presence within ``[start, end)``."""
        overlap = np.minimum(self.left_at, end) - np.maximum(self.entered_at, start)
        return float(np.clip(overlap, 0.0, None).sum())


def participation_rate(
    spans: WorkerSpans,
    reporter_id: np.ndarray,
    report_time: np.ndarray,
    start: float,
    end: float,
    month_hours: float,
) -> float:
    """``worker_participation_rate``: share of present worker-months with a report.

    The window is cut into whole 30-day blocks from its start (a remainder shorter than a
    block is left out); a worker-month is a worker present for some of a block, and it
    counts when the worker filed at least one report in that block.

    Args:
        spans: presence of every worker.
        reporter_id: per report, the worker's id, or -1 for reports not by a worker (or
            outside the window).
        report_time: per report, hours.
        start: opening of the window, hours.
        end: end of the run, hours.
        month_hours: block length, hours (720).
    """
    blocks = int((end - start) // month_hours)
    if blocks == 0 or len(spans.worker_id) == 0:
        return float("nan")
    lo = start + month_hours * np.arange(blocks)
    present = (spans.entered_at[:, None] < lo + month_hours) & (spans.left_at[:, None] > lo)
    block = np.floor((report_time - start) / month_hours)
    mine = (reporter_id >= 0) & (block >= 0) & (block < blocks)
    who = np.searchsorted(spans.worker_id, reporter_id[mine])
    active = np.zeros_like(present)
    active[who, block[mine].astype(np.int64)] = True
    return share(np.count_nonzero(active & present), np.count_nonzero(present))

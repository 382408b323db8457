"""Issues (治理问题) and their Open311-like lifecycle.

All issues of a run are drawn up front from the ``arrivals`` stream: type, time, place,
severity, whether indoors, and the ages at which the issue would escalate into an incident
or lapse (go away unreported, e.g. routine cleaning). Drawing these from the arrival stream
alone makes them identical across policy arms with the same seed (common random numbers):
a policy changes *whether the issue is fixed before* its escalation age, never the age.

Whether a problem would become an incident is a property of the problem: it escalates at its
escalation age unless it is fixed first or goes away on its own first (its lapse age, e.g.
routine cleaning). Reporting does not stop a problem from going away, and closing a ticket
without a fix does not stop its clock: a ticket closed unfixed can still become an incident.
So with nothing ever fixed, every arm with the same seed has exactly the same incidents.

The lifecycle is held column-wise in :class:`IssueLog`: one numpy array per field, times in
hours since the start (NaN where a stage never happened).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from model.config.codes import (
    CHANNELS,
    DEPARTMENTS,
    ISSUE_TYPES,
    OBSERVERS,
    STATUS_NAMES,
    IssueStatus,
)
from model.config.issue_types import IssuesConfig
from model.sim.compiled_arithmetic import code_counts
from model.sim.space import Layout

TIME_FIELDS: tuple[str, ...] = (
    "opened_at",
    "first_detected_at",
    "reported_at",
    "acknowledged_at",
    "dispatched_at",
    "resolved_at",
    "feedback_at",
)
"""Lifecycle times in their required order (each <= the next where both exist)."""

# IssueStatus codes as plain ints, for the hourly events, which read and write one issue's
# status at a time: storing an enum member in a numpy array, or comparing with one, costs
# about twice as much as a plain int (the same code)
OPEN_CODE = int(IssueStatus.OPEN)
DETECTED_CODE = int(IssueStatus.DETECTED)
REPORTED_CODE = int(IssueStatus.REPORTED)
ACKNOWLEDGED_CODE = int(IssueStatus.ACKNOWLEDGED)
DISPATCHED_CODE = int(IssueStatus.DISPATCHED)
RESOLVED_CODE = int(IssueStatus.RESOLVED)
CLOSED_UNRESOLVED_CODE = int(IssueStatus.CLOSED_UNRESOLVED)
ESCALATED_CODE = int(IssueStatus.ESCALATED)
EXPIRED_CODE = int(IssueStatus.EXPIRED)
N_STATUSES = len(IssueStatus)
"""How many status codes there are (the length of :meth:`IssueLog.status_counts`)."""


def escalation_age(
    base_per_1000h: np.ndarray, doubling_h: np.ndarray, budget: np.ndarray
) -> np.ndarray:
    """Age (hours) at which an issue escalates, for an exponentially growing hazard.

    The hazard is ``h(a) = h0 * 2 ** (a / d)`` per hour (``h0 = base / 1000``), so the
    cumulative hazard is ``H(a) = h0 * d / ln 2 * (2 ** (a / d) - 1)``. The issue escalates
    when ``H`` reaches its unit-exponential ``budget``; solving gives the age. Assumption:
    an unresolved hazard grows more dangerous with age (design brief).

    Args:
        base_per_1000h: base hazard per 1000 hours, per issue.
        doubling_h: hours for the hazard to double, per issue.
        budget: unit-exponential draws, per issue.

    Returns:
        Escalation age in hours (``inf`` where the base hazard is zero).
    """
    h0 = base_per_1000h / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        age = doubling_h * np.log2(1.0 + budget * np.log(2.0) / (h0 * doubling_h))
    return np.where(h0 > 0, age, np.inf)


def location_weights(kind: str, layout: Layout) -> np.ndarray:
    """Relative chance that an issue of a location kind appears in each cell (assumption)."""
    if kind == "residential" or kind == "elderly_home":
        return layout.residential.copy()
    if kind == "merchant":
        return layout.merchant.astype(float)
    if kind == "road":
        return layout.road.astype(float)
    return layout.residential + 0.5 * layout.road + 1.0 * layout.merchant


@dataclass
class ClosingHours:
    """The issues to look at in each clock hour: those whose incident or lapse hour it is.

    An issue is listed in the clock hour its ``incident_due`` falls in and in the one its
    ``lapse_at`` falls in (once where both fall in the same hour; never before the hour it
    arrives), in issue order within an hour, each with whether its incident hour has come
    by the end of that hour (then it escalates if still open, else it may lapse). The hours
    of every issue are known up front, so the whole calendar is built at once.

    Attributes:
        issue: the listed issues, hour by hour.
        escalates: whether each listed issue's incident hour has come.
        first_row: the first row of each listed hour, and then the number of rows.
        place: the place of each listed clock hour in ``first_row`` (hours with no
            issue are left out).
        by_hour: the (issue, escalates) rows of each listed clock hour, as the
            hourly events read them (hours with no issue are left out).
    """

    issue: list[int]
    escalates: list[bool]
    first_row: list[int]
    place: dict[int, int]
    by_hour: dict[int, list[tuple[int, bool]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rows = list(zip(self.issue, self.escalates, strict=True))
        self.by_hour = {
            hour: rows[self.first_row[place] : self.first_row[place + 1]]
            for hour, place in self.place.items()
        }

    def in_hour(self, hour: int) -> Sequence[tuple[int, bool]]:
        """(issue, escalates) of the issues whose incident or lapse hour is ``hour``."""
        return self.by_hour.get(hour, ())


def closing_hours(
    opened_at: np.ndarray, incident_due: np.ndarray, lapse_at: np.ndarray
) -> ClosingHours:
    """The calendar of every issue's incident and lapse hours (:class:`ClosingHours`).

    Args:
        opened_at: opening hour of each issue.
        incident_due: hour each issue becomes an incident unless fixed (``inf``: never).
        lapse_at: hour each issue lapses (``inf``: never).
    """
    n = len(opened_at)
    issue = np.tile(np.arange(n), 2)
    arrival_hour = np.maximum(np.floor(opened_at), 0.0)
    hour = np.maximum(np.floor(np.concatenate([incident_due, lapse_at])), arrival_hour[issue])
    escalates = incident_due[issue] < hour + 1.0
    listed = np.isfinite(hour)
    issue, hour, escalates = issue[listed], hour[listed].astype(np.int64), escalates[listed]
    order = np.lexsort((issue, hour))
    issue, hour, escalates = issue[order], hour[order], escalates[order]
    once = np.ones(len(issue), dtype=bool)  # an issue's two hours may be one
    once[1:] = (hour[1:] != hour[:-1]) | (issue[1:] != issue[:-1])
    issue, hour, escalates = issue[once], hour[once], escalates[once]
    first_row = np.flatnonzero(np.diff(hour, prepend=-1) != 0)
    return ClosingHours(
        issue=issue.tolist(),
        escalates=escalates.tolist(),
        first_row=[*first_row.tolist(), len(issue)],
        place=dict(zip(hour[first_row].tolist(), range(len(first_row)), strict=True)),
    )


@dataclass
class IssueLog:
    """Column-wise record of every issue of a run.

    Attributes:
        type: issue type index (into ISSUE_TYPES).
        cell: flat cell index.
        community: community index.
        grid: grid (网格) index.
        x, y: grid coordinates, cells.
        severity: share of the maximum, 0-1.
        indoor: inside a building.
        escalate_at: hour the issue would become an incident if still unfixed.
        lapse_at: hour the problem goes away on its own (an unreported issue ends then).
        incident_due: hour the issue becomes an incident unless fixed before: its escalation
            hour where that comes no later than its lapse (same clock hour: escalation
            first), else ``inf``.
        closing: the issues whose incident or lapse hour falls in each clock hour.
        incident_at: hour it became an incident, NaN = never.
        triaged_at: hour a person first took up its ticket (human acknowledgement; an
            automatic acknowledgement on arrival is ``acknowledged_at``), NaN = never.
        times: lifecycle times by name (TIME_FIELDS), hours, NaN = never.
        closed_at: hour of a terminal status other than resolved, NaN = never.
        status: ``IssueStatus`` code.
        channel: channel index of the first report (-1 = none).
        department: department index it is (or would be) served by.
        first_reporter_kind: observer index of the first reporter (-1 = none).
        first_reporter_id: Mesa unique_id of the first reporter (-1 = none or staff).
        first_reporter_noticed_at: hour the first reporter himself first noticed the problem
            (a worker: when he noticed it; a resident: her first noticing of it, however
            often she saw it since; a council seat holder: the session where he heard it;
            staff: the patrol pass), NaN = never reported.
        n_reports: reports received, duplicates included.
        type_of, incident_due_of, lapse_at_of: ``type``, ``incident_due`` and ``lapse_at``
            as Python lists, for the hourly events (which read one issue at a time).
    """

    type: np.ndarray
    opened_at: np.ndarray
    cell: np.ndarray
    community: np.ndarray
    x: np.ndarray
    y: np.ndarray
    severity: np.ndarray
    indoor: np.ndarray
    escalate_at: np.ndarray
    lapse_at: np.ndarray
    department: np.ndarray
    grid: np.ndarray = field(default=None)  # type: ignore[assignment]
    times: dict[str, np.ndarray] = field(default_factory=dict)
    closed_at: np.ndarray = field(default=None)  # type: ignore[assignment]
    status: np.ndarray = field(default=None)  # type: ignore[assignment]
    channel: np.ndarray = field(default=None)  # type: ignore[assignment]
    first_reporter_kind: np.ndarray = field(default=None)  # type: ignore[assignment]
    first_reporter_id: np.ndarray = field(default=None)  # type: ignore[assignment]
    first_reporter_noticed_at: np.ndarray = field(default=None)  # type: ignore[assignment]
    n_reports: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.type)
        if self.grid is None:
            self.grid = np.zeros(n, dtype=np.int64)
        escalates = np.floor(self.escalate_at) <= np.floor(self.lapse_at)
        self.incident_due = np.where(escalates, self.escalate_at, np.inf)
        self.closing = closing_hours(self.opened_at, self.incident_due, self.lapse_at)
        self.type_of: list[int] = self.type.tolist()
        self.incident_due_of: list[float] = self.incident_due.tolist()
        self.lapse_at_of: list[float] = self.lapse_at.tolist()
        self.incident_at = np.full(n, np.nan)
        self.triaged_at = np.full(n, np.nan)
        self.times = {"opened_at": self.opened_at}
        for name in TIME_FIELDS[1:]:
            self.times[name] = np.full(n, np.nan)
        self.closed_at = np.full(n, np.nan)
        self.status = np.zeros(n, dtype=np.int8)
        self.channel = np.full(n, -1, dtype=np.int8)
        self.first_reporter_kind = np.full(n, -1, dtype=np.int8)
        self.first_reporter_id = np.full(n, -1, dtype=np.int64)
        self.first_reporter_noticed_at = np.full(n, np.nan)
        self.n_reports = np.zeros(n, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.type)

    def close(self, issue: int, status: int) -> float:
        """End an issue unfixed: it escalates (``ESCALATED``) or lapses (``EXPIRED``).

        The issue closes at its ``incident_due`` hour (escalation, which makes it an
        incident then) or its ``lapse_at`` hour, or at its latest lifecycle time where that
        comes later in the same hour. Numbers one issue at a time: an hour closes a few.

        Args:
            issue: the issue.
            status: its ``IssueStatus`` code (a plain int stores faster than the enum).

        Returns:
            The closing hour (``closed_at``).
        """
        escalates = status == ESCALATED_CODE
        when = self.incident_due_of[issue] if escalates else self.lapse_at_of[issue]
        latest = math.nan  # the latest lifecycle time, NaN where none happened
        for times in self.times.values():
            value = times.item(issue)  # a Python float
            if value > latest or latest != latest:  # later, or the first (NaN != NaN)
                latest = value
        closed = latest if latest > when else when
        self.closed_at[issue] = closed
        self.status[issue] = status
        if escalates:
            self.incident_at[issue] = when
        return closed

    def status_counts(self, arrived: int) -> np.ndarray:
        """Issues per status among the first ``arrived`` issues (those opened so far).

        ``np.bincount(self.status[:arrived], minlength=len(IssueStatus))``, counted by the
        compiled :func:`model.sim.compiled_arithmetic.code_counts` (the same numbers in one pass).

        Returns:
            (len(IssueStatus),) issues per ``IssueStatus`` code, int64.
        """
        return code_counts(self.status, arrived, N_STATUSES)

    def to_table(self, arrived: int) -> pa.Table:
        """The issue log of the issues opened so far, one row per issue.

        Times are hours since the start; null where the stage never happened.
        """
        idx = slice(0, arrived)

        def times(name: str) -> pa.Array:
            values = self.times[name][idx]
            return pa.array(values, mask=np.isnan(values), type=pa.float64())

        def category(codes: np.ndarray, names: tuple[str, ...]) -> pa.Array:
            codes = codes[idx]
            labels = np.array(names, dtype=object)[np.maximum(codes, 0)]
            return pa.array(labels, mask=codes < 0, type=pa.string())

        columns = {
            "issue_id": pa.array(np.arange(arrived, dtype=np.int64)),
            "type": category(self.type, ISSUE_TYPES),
            "community": pa.array(self.community[idx].astype(np.int32)),
            "grid": pa.array(self.grid[idx].astype(np.int32)),
            "x": pa.array(self.x[idx].astype(np.int32)),
            "y": pa.array(self.y[idx].astype(np.int32)),
            "severity": pa.array(self.severity[idx]),
            "indoor": pa.array(self.indoor[idx]),
            "opened_at": times("opened_at"),
            "first_detected_at": times("first_detected_at"),
            "reported_at": times("reported_at"),
            "first_reporter_kind": category(self.first_reporter_kind, OBSERVERS),
            "first_reporter_id": pa.array(
                self.first_reporter_id[idx], mask=self.first_reporter_id[idx] < 0
            ),
            "first_reporter_noticed_at": times_from(self.first_reporter_noticed_at[idx]),
            "channel": category(self.channel, CHANNELS),
            "acknowledged_at": times("acknowledged_at"),
            "triaged_at": times_from(self.triaged_at[idx]),
            "dispatched_at": times("dispatched_at"),
            "department": category(self.department, DEPARTMENTS),
            "resolved_at": times("resolved_at"),
            "feedback_at": times("feedback_at"),
            "closed_at": times_from(self.closed_at[idx]),
            "incident_at": times_from(self.incident_at[idx]),
            "lapse_at": times_from(
                np.where(np.isinf(self.lapse_at[idx]), np.nan, self.lapse_at[idx])
            ),
            "status": category(self.status.astype(np.int16), STATUS_NAMES),
            "n_reports": pa.array(self.n_reports[idx]),
        }
        return pa.table(columns)


def times_from(values: np.ndarray) -> pa.Array:
    """A float64 Arrow array with NaN turned into null."""
    return pa.array(values, mask=np.isnan(values), type=pa.float64())


def generate_issues(
    issues: IssuesConfig, layout: Layout, days: int, rng: np.random.Generator
) -> IssueLog:
    """Draw every issue of the run from the arrival stream.

    Counts per type are Poisson with mean ``arrivals_per_day * days``; the day is uniform,
    the hour follows ``arrival_hour_profile`` and the minute is uniform; places follow
    :func:`location_weights`. Severity is Beta with the type's mean (concentration 4).

    Args:
        issues: the ``issues`` block (types and the arrival hour profile).
        layout: the street layout.
        days: horizon, days.
        rng: the ``arrivals`` stream.

    Returns:
        The issue log, sorted by opening time.
    """
    profile = np.asarray(issues.arrival_hour_profile, dtype=float)
    hour_p = profile / profile.sum() if profile.sum() > 0 else np.full(24, 1 / 24)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "type", "cell", "sev", "in")}
    parts["esc"], parts["lapse"] = [], []
    for t_index, name in enumerate(ISSUE_TYPES):
        spec = issues.types[name]
        n = int(rng.poisson(spec.arrivals_per_day * days))
        day = rng.integers(0, days, size=n)
        hour = rng.choice(24, size=n, p=hour_p)
        opened = day * 24.0 + hour + rng.random(n)
        weights = location_weights(spec.location, layout)
        if weights.sum() <= 0:
            weights = np.ones(layout.n_cells)
        cells = rng.choice(layout.n_cells, size=n, p=weights / weights.sum())
        a = 4.0 * max(spec.severity_mean, 1e-3)
        b = 4.0 * max(1.0 - spec.severity_mean, 1e-3)
        severity = rng.beta(a, b, size=n)
        indoor = rng.random(n) < spec.indoor_share
        esc_age = escalation_age(
            np.full(n, spec.escalation_per_1000h),
            np.full(n, spec.escalation_age_scale_h),
            rng.exponential(1.0, size=n),
        )
        lapse_rate = spec.lapse_per_1000h / 1000.0
        lapse_draw = rng.exponential(1.0, size=n)
        lapse_age = lapse_draw / lapse_rate if lapse_rate > 0 else np.full(n, np.inf)
        parts["t"].append(opened)
        parts["type"].append(np.full(n, t_index, dtype=np.int8))
        parts["cell"].append(cells)
        parts["sev"].append(severity)
        parts["in"].append(indoor)
        parts["esc"].append(opened + esc_age)
        parts["lapse"].append(opened + lapse_age)

    opened = np.concatenate(parts["t"])
    order = np.argsort(opened, kind="stable")

    def take(key: str) -> np.ndarray:
        return np.concatenate(parts[key])[order]

    types = take("type")
    cells = take("cell").astype(np.int64)
    x, y = layout.xy(cells)
    department_of_type = np.array(
        [DEPARTMENTS.index(issues.types[t].department) for t in ISSUE_TYPES],
        dtype=np.int8,
    )
    return IssueLog(
        type=types,
        opened_at=opened[order],
        cell=cells,
        community=layout.community[cells],
        grid=layout.grid[cells],
        x=x,
        y=y,
        severity=take("sev"),
        indoor=take("in"),
        escalate_at=take("esc"),
        lapse_at=take("lapse"),
        department=department_of_type[types],
    )

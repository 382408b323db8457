"""Detection: who notices which open issue in an hour, for all issues at once.

Each observer class (riders, couriers, drivers, residents, staff on patrol) produces an
hourly field of *passes* per cell. For an issue of type ``t`` at cell ``c`` the chance that
class ``o`` notices it in the hour is ``1 - exp(-passes_o(c) * visibility[t, o])``, with
workers' passes on indoor issues scaled by their building access. Residents' opinions
reach workers at the door instead: for opinion issues a worker's passes are his door
contacts with the household (:func:`model.sim.space.door_contacts`), times the relay
factor of residents' trust in workers. One uniform draw per issue and class decides; for
each detection the noticing agent is then drawn in proportion to its share of the passes
(workers: base community by exposure, then among the online workers of that kind and base
by the share of the hour each is online; residents: by activity within the watch window).
All draws are keyed on the hour, the issue and the observer class
(:class:`model.sim.streams.KeyedDraws`), so an issue is noticed at the same hours in every
arm for as long as it stays open in both.

The day's draw (:meth:`Detector.detect_day`, used by :mod:`model.sim.dayplan`) computes a
worker class's intensity only where the draw falls below a bound of it (its passes at the
day's peak online counts); :meth:`Detector.passes_hours` with :meth:`Detector.detect_hours`
is the plain form it is tested against, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.codes import ISSUE_TYPES, OBSERVERS, WORKER_KINDS, IssueType, Observer
from model.config.issue_types import IssuesConfig
from model.config.people import ResidentsConfig, StaffConfig, WorkersConfig
from model.sim import detection_kernels, pick_kernels
from model.sim.residents import ResidentTable
from model.sim.space import Layout, door_contacts, exposure_matrices
from model.sim.streams import KeyedDraws
from model.sim.workforce import WorkerTable


@dataclass
class Detections:
    """Detections of an hour, or of the hours of a day.

    Attributes:
        issue: issue index of each detection.
        observer: observer class index (OBSERVERS).
        slot: worker or resident slot of the observer (-1 for staff).
        hour: hour of each detection, hours since the start.
    """

    issue: np.ndarray
    observer: np.ndarray
    slot: np.ndarray
    hour: np.ndarray

    def __len__(self) -> int:
        return len(self.issue)

    def take(self, rows: np.ndarray | slice) -> Detections:
        """The detections at ``rows`` (indices, a mask or a slice), in that order."""
        return Detections(self.issue[rows], self.observer[rows], self.slot[rows], self.hour[rows])


class Detector:
    """Precomputed exposure fields and the hourly detection draw."""

    def __init__(
        self,
        layout: Layout,
        workforce: WorkerTable,
        residents: ResidentTable,
        *,
        workers: WorkersConfig,
        issues: IssuesConfig,
        residents_config: ResidentsConfig,
        staff: StaffConfig,
        staff_per_community: int,
        worker_passes: np.ndarray | None = None,
    ) -> None:
        """Precompute per-cell exposure fields.

        Args:
            layout: street layout.
            workforce: worker table (kinds and bases).
            residents: resident table (homes and activity).
            workers: the ``workers`` block (routes, speed, zones, building access).
            issues: the ``issues`` block (visibility per type and observer).
            residents_config: the ``residents`` block (outdoor hours, trust in workers).
            staff: the ``staff`` block (patrol).
            staff_per_community: ``population.staff_per_community``.
            worker_passes: the exposure matrices when already computed
                (:func:`model.sim.space.exposure_matrices`).
        """
        self.layout = layout
        self.workforce = workforce
        self.residents = residents
        if worker_passes is None:
            worker_passes = exposure_matrices(workers, layout)
        self.worker_passes = worker_passes  # (K, B, C)
        households = np.bincount(residents.home, minlength=layout.n_cells)
        self.worker_doors = door_contacts(workers, layout, households)  # (K, B, C)
        # both fields by cell, for picking a worker's base: (2, K, C, B), [1] at the door
        self._field_by_cell = np.ascontiguousarray(
            np.stack([self.worker_passes, self.worker_doors]).transpose(0, 1, 3, 2)
        )
        self.resident_looks = residents.looks_per_hour()  # (C,)
        cells_per_community = np.bincount(layout.community, minlength=layout.n_communities)
        patrol = staff_per_community * staff.patrol_share * staff.patrol_cells_per_hour
        self.staff_looks = patrol / cells_per_community[layout.community]  # (C,)
        self.visibility = np.array(
            [[issues.types[t].visibility.get(o, 0.0) for o in OBSERVERS] for t in ISSUE_TYPES]
        )
        self.access = np.array([getattr(workers, k).building_access for k in WORKER_KINDS])
        self.resident_access = residents_config.building_access
        self.staff_access = staff.patrol_building_access
        r = residents_config
        self.relay_baseline = r.trust_in_workers_initial
        hours = np.arange(24)
        outdoor = (hours >= r.outdoor_start_hour) & (hours < r.outdoor_end_hour)
        self.resident_hour_factor = np.where(outdoor, 1.0, r.night_activity)
        self.relay_factor = np.ones(layout.n_communities)
        self._day_order: tuple[np.ndarray, np.ndarray] | None = None

    def prepare(self, issues) -> None:
        """Precompute the per-issue parts of :meth:`passes` for the fast hourly path.

        For every issue of the run: its cell's row of worker passes per (kind, base),
        scaled by building access and visibility, the resident and staff looks times
        visibility, and the field a noticing worker's base is picked by (:meth:`detect_day`).

        Args:
            issues: the run's :class:`model.sim.issues.IssueLog`.
        """
        cells, types, indoor = issues.cell, issues.type, issues.indoor
        n_kinds, n_bases = len(WORKER_KINDS), self.layout.n_communities
        vis = self.visibility[types]  # (N, O)
        access = np.where(indoor[:, None], self.access[None, :], 1.0)  # (N, K)
        opinion = types == IssueType.OPINION
        rows = self.worker_passes[:, :, cells].transpose(2, 0, 1)  # (N, K, B)
        rows = rows * access[:, :, None]
        if opinion.any():
            doors = self.worker_doors[:, :, cells[opinion]].transpose(2, 0, 1)
            rows[opinion] = doors
        rows = rows * vis[:, :n_kinds, None]
        self._issue_worker_rows = np.ascontiguousarray(rows.reshape(len(cells), n_kinds * n_bases))
        resident_inside = np.where(indoor, self.resident_access, 1.0)
        staff_inside = np.where(indoor, self.staff_access, 1.0)
        self._issue_resident = (
            self.resident_looks[cells] * resident_inside * vis[:, Observer.RESIDENT]
        )
        self._issue_staff = self.staff_looks[cells] * staff_inside * vis[:, Observer.STAFF]
        self._issue_opinion = opinion
        self._issue_community = issues.community
        door, kinds = opinion.astype(np.intp)[:, None], np.arange(n_kinds)  # (N, K, B):
        self._issue_pick_field = self._field_by_cell[door, kinds, cells[:, None]]  # base picks

    def passes_fast(
        self, issue_idx: np.ndarray, online_counts: np.ndarray, hour: int, staff_on_duty: bool
    ) -> np.ndarray:
        """Same as :meth:`passes` for issues of the prepared log, using the precomputed parts.

        Args:
            issue_idx: issue indices (into the prepared IssueLog).
            online_counts: (n_kinds, n_communities) online workers this hour.
            hour: hour of day, 0-23.
            staff_on_duty: the community offices are open.

        Returns:
            (n_issues, n_observers) noticing intensity for the hour.
        """
        return self.passes_hours(
            issue_idx, online_counts[None], np.array([hour]), np.array([staff_on_duty])
        )[0]

    def passes_hours(
        self,
        issue_idx: np.ndarray,
        online_counts: np.ndarray,
        hours_of_day: np.ndarray,
        staff_on_duty: np.ndarray,
    ) -> np.ndarray:
        """:meth:`passes_fast` for several hours at once (the hours of a day).

        Args:
            issue_idx: issue indices (into the prepared IssueLog).
            online_counts: (n_hours, n_kinds, n_communities) online workers in each hour.
            hours_of_day: (n_hours,) hour of day of each, 0-23.
            staff_on_duty: (n_hours,) the community offices are open.

        Returns:
            (n_hours, n_issues, n_observers) noticing intensity, each hour's slice exactly
            what :meth:`passes_fast` gives for that hour alone.
        """
        n_kinds, n_hours, n = len(WORKER_KINDS), len(hours_of_day), len(issue_idx)
        rows = self._issue_worker_rows[issue_idx]  # (n, K*B)
        counts = online_counts.reshape(n_hours, 1, -1)
        weighted = (rows[None] * counts).reshape(n_hours, n, n_kinds, self.layout.n_communities)
        rate = np.empty((n_hours, n, len(OBSERVERS)))
        rate[:, :, :n_kinds] = weighted.sum(axis=3)
        rate[:, :, Observer.RESIDENT] = (
            self._issue_resident[issue_idx][None, :]
            * self.resident_hour_factor[hours_of_day][:, None]
        )
        rate[:, :, Observer.STAFF] = (
            self._issue_staff[issue_idx][None, :] * np.asarray(staff_on_duty)[:, None]
        )
        opinion = self._issue_opinion[issue_idx]
        if opinion.any():
            community = self._issue_community[issue_idx[opinion]]
            rate[:, opinion, :n_kinds] *= self.relay_factor[community][None, :, None]
        return rate

    def set_relay(self, trust_in_workers_by_community: np.ndarray) -> None:
        """Residents' trust in workers scales how readily they tell workers their opinions.

        Args:
            trust_in_workers_by_community: mean trust per community, share 0-1.
        """
        initial = max(self.relay_baseline, 1e-9)
        self.relay_factor = trust_in_workers_by_community / initial

    def passes(
        self,
        cells: np.ndarray,
        types: np.ndarray,
        indoor: np.ndarray,
        community: np.ndarray,
        online_counts: np.ndarray,
        hour: int,
        staff_on_duty: bool,
    ) -> np.ndarray:
        """Expected passes per observer class at each issue, weighted by visibility.

        Args:
            cells: flat cell of each issue.
            types: issue type index of each issue.
            indoor: issue is inside a building.
            community: community of each issue.
            online_counts: (n_kinds, n_communities) online workers this hour.
            hour: hour of day, 0-23.
            staff_on_duty: the community offices are open.

        Returns:
            (n_issues, n_observers) noticing intensity for the hour.
        """
        n = len(cells)
        rate = np.empty((n, len(OBSERVERS)))
        opinion = types == IssueType.OPINION
        for k in range(len(WORKER_KINDS)):
            worker = online_counts[k] @ self.worker_passes[k][:, cells]
            doors = online_counts[k] @ self.worker_doors[k][:, cells]
            rate[:, k] = np.where(opinion, doors, worker * np.where(indoor, self.access[k], 1.0))
        rate[:, Observer.RESIDENT] = (
            self.resident_looks[cells]
            * self.resident_hour_factor[hour]
            * np.where(indoor, self.resident_access, 1.0)
        )
        rate[:, Observer.STAFF] = (
            self.staff_looks[cells] * np.where(indoor, self.staff_access, 1.0) * staff_on_duty
        )
        rate *= self.visibility[types]
        if opinion.any():
            rate[opinion, : len(WORKER_KINDS)] *= self.relay_factor[community[opinion], None]
        return rate

    def detect(
        self,
        issue_idx: np.ndarray,
        cells: np.ndarray,
        intensity: np.ndarray,
        online_counts: np.ndarray,
        online_now: np.ndarray,
        draws: KeyedDraws,
        hour_index: int,
    ) -> Detections:
        """Draw one hour's detections and the agents who made them.

        Args:
            issue_idx: issue indices, one per row of ``intensity``.
            cells: flat cell of each issue.
            intensity: (n_issues, n_observers) output of :meth:`passes_fast`.
            online_counts: (n_kinds, n_communities) online workers this hour.
            online_now: (n_workers,) share of this hour each worker is online (0-1; a
                boolean array counts every online worker fully).
            draws: the run's keyed draws.
            hour_index: hours since the start (the key of this hour's draws).

        Returns:
            The detections.
        """
        return self.detect_hours(
            issue_idx,
            cells,
            intensity[None],
            online_counts[None],
            np.asarray(online_now, dtype=float)[:, None],
            draws,
            np.array([hour_index], dtype=np.int64),
        )

    def detect_hours(
        self,
        issue_idx: np.ndarray,
        cells: np.ndarray,
        intensity: np.ndarray,
        online_counts: np.ndarray,
        online: np.ndarray,
        draws: KeyedDraws,
        hour_index: np.ndarray,
    ) -> Detections:
        """Draw the detections of several hours at once (the hours of a day).

        The draws are keyed on the hour, so the detections of each hour are exactly those
        :meth:`detect` draws for that hour alone, in the same order.

        Args:
            issue_idx: issue indices, one per column of ``intensity``.
            cells: flat cell of each issue.
            intensity: (n_hours, n_issues, n_observers) output of :meth:`passes_hours`.
            online_counts: (n_hours, n_kinds, n_communities) online workers in each hour.
            online: (n_workers, n_hours) share of each hour each worker is online (0-1).
            draws: the run's keyed draws.
            hour_index: (n_hours,) hours since the start of each hour.

        Returns:
            The detections in order of hour, then issue (as in ``issue_idx``), then
            observer class; ``hour`` holds each one's hour since the start.
        """
        n_observers = len(OBSERVERS)
        u = self._notice_draws(
            issue_idx,
            draws,
            np.repeat(hour_index, n_observers),
            np.tile(np.arange(n_observers), len(hour_index)),
        )
        u = u.reshape(len(hour_index), n_observers, len(issue_idx)).transpose(0, 2, 1)
        hit_hour, hit_issue, hit_observer = np.nonzero(u < -np.expm1(-intensity))
        return self._noticers(
            issue_idx,
            cells,
            online_counts,
            online,
            draws,
            hour_index,
            hit_hour,
            hit_issue,
            hit_observer,
        )

    def detect_day(
        self,
        issue_idx: np.ndarray,
        cells: np.ndarray,
        online_counts: np.ndarray,
        online: np.ndarray,
        hours_of_day: np.ndarray,
        staff_on_duty: np.ndarray,
        draws: KeyedDraws,
        hour_index: np.ndarray,
    ) -> Detections:
        """:meth:`detect_hours` of :meth:`passes_hours`, compiled (:mod:`.detection_kernels`).

        The same detections, bit for bit: each (hour, issue, class) intensity is summed as
        :meth:`passes_hours` sums it and drawn with the same keyed uniform, and the
        noticing agents are picked as :meth:`_noticers` picks them; only no draw is made
        where an intensity is 0 all day (it could not fall below it, and the draws are
        keyed, so the others are the same numbers). The kernels read the prepared tables
        at the issues' rows, and the relay factor by community, as they are (no copies).

        Args:
            issue_idx: issue indices (into the prepared IssueLog).
            cells: flat cell of each issue.
            online_counts: (n_hours, n_kinds, n_communities) online workers in each hour.
            online: (n_workers, n_hours) share of each hour each worker is online (0-1).
            hours_of_day: (n_hours,) hour of day of each, 0-23.
            staff_on_duty: (n_hours,) the community offices are open.
            draws: the run's keyed draws.
            hour_index: (n_hours,) hours since the start of each hour.

        Returns:
            The detections, as :meth:`detect_hours` gives them.
        """
        n_kinds, n_bases = len(WORKER_KINDS), self.layout.n_communities
        counts = np.asarray(online_counts, dtype=float).reshape(len(hour_index), n_kinds, n_bases)
        hit_hour, hit_issue, hit_observer = detection_kernels.notice_hits(
            issue_idx,
            issue_idx,
            hour_index,
            self._issue_worker_rows.reshape(-1, n_kinds, n_bases),
            self._issue_opinion,
            self._issue_community,
            self.relay_factor,
            counts,
            self._issue_resident,
            self.resident_hour_factor[hours_of_day],
            self._issue_staff,
            staff_on_duty,
            draws.state("notice"),
        )
        order, starts = self._order_by_group()
        res = self.residents
        issue, observer, slot, hour = pick_kernels.pick_noticers(
            hit_hour,
            hit_issue,
            hit_observer,
            issue_idx,
            cells,
            hour_index,
            self._issue_pick_field,
            counts,
            np.asarray(online, dtype=float),
            order,
            starts,
            res.window_cells,
            res.window_cum,
            res.cell_start,
            res.cum_activity,
            draws.state("pick_base"),
            draws.state("pick_agent"),
        )
        return Detections(issue=issue, observer=observer, slot=slot, hour=hour)

    def _notice_draws(
        self,
        issue_idx: np.ndarray,
        draws: KeyedDraws,
        row_hour_index: np.ndarray,
        row_observer: np.ndarray,
    ) -> np.ndarray:
        """Keyed uniforms of the noticing draws, one row per (hour, observer class) given.

        Args:
            issue_idx: issue indices, one per column.
            draws: the run's keyed draws.
            row_hour_index: (n_rows,) hour since the start of each row.
            row_observer: (n_rows,) observer class of each row.

        Returns:
            (n_rows, n_issues) uniforms; each depends on its hour, issue and observer
            alone, not on which other rows are drawn.
        """
        keys = issue_idx[None, :] * 8 + row_observer[:, None]
        return draws.uniform("notice", row_hour_index[:, None], keys)

    def _noticers(
        self,
        issue_idx: np.ndarray,
        cells: np.ndarray,
        online_counts: np.ndarray,
        online: np.ndarray,
        draws: KeyedDraws,
        hour_index: np.ndarray,
        hit_hour: np.ndarray,
        hit_issue: np.ndarray,
        hit_observer: np.ndarray,
    ) -> Detections:
        """The agents who made the hits (positions in the hours, issues and observers)."""
        slots = np.full(len(hit_issue), -1, dtype=np.int64)
        issue = issue_idx[hit_issue]
        hours = hour_index[hit_hour]
        u_first = draws.uniform("pick_base", hours, issue, hit_observer)
        u_second = draws.uniform("pick_agent", hours, issue, hit_observer)
        mine = np.flatnonzero(hit_observer < len(WORKER_KINDS))
        if len(mine):
            slots[mine] = self._pick_workers(
                hit_observer[mine],
                cells[hit_issue[mine]],
                online_counts,
                online,
                hit_hour[mine],
                u_first[mine],
                u_second[mine],
                self._issue_opinion[issue[mine]],
            )
        mine = np.flatnonzero(hit_observer == Observer.RESIDENT)
        if len(mine):
            slots[mine] = self.residents.pick_watcher(
                cells[hit_issue[mine]], u_first[mine], u_second[mine]
            )
        keep = (slots >= 0) | (hit_observer == Observer.STAFF)
        return Detections(
            issue=issue[keep], observer=hit_observer[keep], slot=slots[keep], hour=hours[keep]
        )

    def new_day(self) -> None:
        """Forget the order of workers by kind and base (turnover may have changed it)."""
        self._day_order = None

    def _order_by_group(self) -> tuple[np.ndarray, np.ndarray]:
        """Worker slots in order of kind and base, and where each group starts (kept a day)."""
        if self._day_order is None:  # a counting sort, compiled (the order of a stable sort)
            n_bases = self.layout.n_communities
            self._day_order = pick_kernels.order_by_group(
                self.workforce.kind, self.workforce.base, n_bases, len(WORKER_KINDS) * n_bases
            )
        return self._day_order

    def _pick_workers(
        self,
        kind: np.ndarray,
        cells: np.ndarray,
        online_counts: np.ndarray,
        online: np.ndarray,
        hour: np.ndarray,
        u_base: np.ndarray,
        u_worker: np.ndarray,
        at_the_door: np.ndarray,
    ) -> np.ndarray:
        """Pick the online worker who noticed each issue.

        The base community is drawn by its share of the passes at the issue's cell (of the
        door contacts, for an opinion heard at the door), then a worker of that kind and
        base in proportion to the share of the hour it is online (a worker in the last,
        partial hour of a shift makes fewer passes).

        Args:
            kind: worker kind of each detection.
            cells: flat cell of each detected issue.
            online_counts: (n_hours, n_kinds, n_communities) online workers per hour.
            online: (n_workers, n_hours) share of each hour each worker is online.
            hour: position of each detection's hour in the hours given (0 to n_hours - 1).
            u_base: one uniform per detection for the base community.
            u_worker: one uniform per detection for the worker.
            at_the_door: per detection, the issue is an opinion heard at the door.

        Returns:
            Worker slots, -1 where no worker of that kind covers the cell.
        """
        n_bases = self.layout.n_communities
        field = self._field_by_cell[at_the_door.astype(np.intp), kind, cells]  # (n, B)
        weights = online_counts[hour, kind] * field
        cum = np.cumsum(weights, axis=1)
        u = u_base * cum[:, -1]
        base = np.minimum((u[:, None] >= cum).sum(axis=1), n_bases - 1)
        order, starts = self._order_by_group()
        # each hour's cumulative share of the hour online, workers in order of kind and base
        # (one row per hour that has a detection; the sums run in the same order, so each
        # row holds the same numbers whatever hours are left out)
        has_detection = np.bincount(hour, minlength=online.shape[1]) > 0
        hour_row = (np.cumsum(has_detection) - 1)[hour]
        by_hour = np.take(np.asarray(online, dtype=float), order, axis=0).T  # (n_hours, n)
        cum_share = np.zeros((int(has_detection.sum()), len(order) + 1))
        np.cumsum(by_hour[has_detection], axis=1, out=cum_share[:, 1:])
        g = kind * n_bases + base
        lo, hi = starts[g], starts[g + 1]
        low, high = cum_share[hour_row, lo], cum_share[hour_row, hi]
        total = high - low
        target = low + u_worker * total
        pick = last_at_or_below(cum_share, hour_row, lo, hi, target)
        found = (hi > lo) & (total > 0)
        # pick is at most hi - 1 <= n_workers - 1, and -1 only for an empty first group
        return np.where(found, order[np.maximum(pick, 0)], -1)


def last_at_or_below(
    cumulative: np.ndarray, row: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """For each query, the last position of its row whose value is <= its target, in a group.

    Equals ``np.clip(np.searchsorted(cumulative[row[i]], target[i], side="right") - 1,
    lo[i], hi[i] - 1)`` for every query ``i`` (the pick of a weighted choice by inverse
    cumulative distribution), for nondecreasing rows, with one search for all the queries
    instead of one per row.

    How: numpy orders complex numbers lexicographically, by real part and then by
    imaginary part, in sorting and in searching alike. With the row number as the real part
    and the stored value as the imaginary part (both copied, no arithmetic on them), the
    rows laid end to end are one sorted array; a search for ``(row, target)`` counts every
    position of the earlier rows and then the row's own values that are <= the target:
    the per-row search, offset by the row's start.

    Args:
        cumulative: (n_rows, n_positions) nondecreasing rows (cumulative shares).
        row: (n,) row of each query.
        lo: (n,) first position of each query's group.
        hi: (n,) one past the group's last position.
        target: (n,) value searched.

    Returns:
        (n,) positions from ``lo`` to ``hi - 1`` (``lo - 1`` for an empty group, as the clip
        gives).
    """
    n_rows, n_positions = cumulative.shape
    keys = np.empty((n_rows, n_positions), dtype=complex)
    keys.real = np.arange(n_rows)[:, None]
    keys.imag = cumulative
    query = np.empty(len(row), dtype=complex)
    query.real = row
    query.imag = target
    found = np.searchsorted(keys.ravel(), query, side="right") - 1 - row * n_positions
    return np.minimum(np.maximum(found, lo), hi - 1)  # np.clip's definition, cheaper

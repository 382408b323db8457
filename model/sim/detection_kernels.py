"""The day's detections, compiled: who notices which issue in each hour of a day.

:meth:`model.sim.detection.Detector.detect_day` calls these once a day. They draw exactly
what :meth:`~model.sim.detection.Detector.passes_hours` with
:meth:`~model.sim.detection.Detector.detect_hours` (the plain vectorised form) draws, bit for
bit, one (hour, issue, observer class) at a time instead of a few dozen numpy calls on
whole arrays; ``tests/sim/test_dayplan.py`` and ``tests/sim/test_detection.py`` hold them to
it. The model is the one described in :mod:`model.sim.detection`:

- :func:`notice_hits`: the intensity of each observer class at each issue in each hour
  (workers: their passes at the issue's cell times the online counts by kind and base,
  summed as numpy sums, times the relay factor for opinions heard at the door; residents and
  staff: their looks), and the keyed noticing draw ``u < 1 - exp(-intensity)``. No draw is
  made where the intensity is 0 (it could not fall below it; every draw is keyed on its
  hour, issue and class, so the others are the same numbers).
- :func:`pick_noticers`: the agent of each hit, with :func:`pick_worker` (the base community
  by its share of the passes at the cell, then the worker of that kind and base by the share
  of the hour each is online) and :func:`pick_resident` (the home cell within the watch
  window by activity, then the resident of that cell by activity).
- :func:`take_hour`: an hour's rows of the day's plan, of issues still open, marked as
  detections.

Arrays only (numba compiles them, cached on disk beside this file); the caller gathers the
inputs from the detector, the worker table and the resident table.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import (
    GOLDEN,
    keyed_step,
    keyed_unit,
    keyed_units,
    last_at_or_below,
    numpy_sum,
)

KEY_STRIDE = 8
"""An issue's key in the noticing draw is ``issue * 8 + observer class``."""


@njit(cache=True)
def notice_hits(
    issue_idx: np.ndarray,
    hour_index: np.ndarray,
    worker_rows: np.ndarray,
    relay: np.ndarray,
    counts: np.ndarray,
    resident_looks: np.ndarray,
    resident_hour_factor: np.ndarray,
    staff_looks: np.ndarray,
    staff_on_duty: np.ndarray,
    notice_state: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The noticing draws of a day's hours: which (hour, issue, class) notice.

    Args:
        issue_idx: (n,) issue indices (the draws' keys).
        hour_index: (n_hours,) hours since the start (the draws' keys).
        worker_rows: (n, n_kinds, n_bases) each issue's worker passes per kind and base,
            scaled by building access and visibility (the detector's prepared rows).
        relay: (n,) the relay factor of opinions heard at the door, 1 for other issues.
        counts: (n_hours, n_kinds, n_bases) online workers per hour, kind and base.
        resident_looks: (n,) residents' looks at each issue, times visibility and access.
        resident_hour_factor: (n_hours,) residents' activity in each hour.
        staff_looks: (n,) staff patrol looks at each issue, times visibility and access.
        staff_on_duty: (n_hours,) 1.0 where the offices are open (staff on patrol), else 0.0.
        notice_state: the keyed state of the ``notice`` purpose.

    Returns:
        ``(hour, issue, observer)``: positions in ``hour_index`` and ``issue_idx`` and the
        observer class of each hit (worker kinds first, then residents, then staff), in
        order of hour, then issue, then class.
    """
    n_hours, n = len(hour_index), len(issue_idx)
    n_kinds, n_bases = worker_rows.shape[1], worker_rows.shape[2]
    n_observers = n_kinds + 2
    staff = n_kinds + 1
    # A draw notices where u < 1 - exp(-intensity), which is never more than the intensity,
    # and a kind's intensity in any hour is at most its passes at the day's peak online
    # counts (floating-point sums and products of larger nonnegative terms are never
    # smaller). So the exact intensity and its exp are worked out only where the draw falls
    # below that bound, a few draws in a hundred. The margin covers the last bit of exp.
    margin = 1.0 + 1e-9
    peak = np.zeros((n_kinds, n_bases))
    online = np.zeros((n_hours, n_kinds), dtype=np.bool_)  # any worker of the kind online
    for h in range(n_hours):
        for k in range(n_kinds):
            for b in range(n_bases):
                peak[k, b] = max(peak[k, b], counts[h, k, b])
                online[h, k] = online[h, k] or counts[h, k, b] > 0.0
    products = np.empty(n_bases)
    ceiling = np.empty((n_kinds, n))
    for i in range(n):
        for k in range(n_kinds):
            for b in range(n_bases):
                products[b] = worker_rows[i, k, b] * peak[k, b]
            ceiling[k, i] = numpy_sum(products, 0, n_bases) * relay[i] * margin
    # Each draw is keyed_unit(keyed_step(hour's state, issue * 8 + class)): the part each
    # (class, issue) adds to the hour's state, (key + 1) * golden, is worked out once, and
    # an hour's draws of one class are made in a loop of their own over the issues (plain
    # arithmetic the compiler runs several issues at a time), before any is compared.
    added = np.empty((n_observers, n), dtype=np.uint64)
    for observer in range(n_observers):
        for i in range(n):
            key = np.uint64(issue_idx[i] * KEY_STRIDE + observer)
            added[observer, i] = (key + np.uint64(1)) * GOLDEN
    u = np.empty(n)
    hit_hour = np.empty(256, dtype=np.int64)
    hit_issue = np.empty(256, dtype=np.int64)
    hit_observer = np.empty(256, dtype=np.int64)
    hour_hits = np.empty(n * n_observers, dtype=np.int64)  # issue * n_observers + class
    hits = 0
    for h in range(n_hours):
        hour_state = keyed_step(notice_state, hour_index[h])
        n_hour_hits = 0
        for observer in range(n_observers):
            if observer == staff and not staff_on_duty[h] > 0.0:
                continue  # off duty: every staff intensity is 0, no draw
            if observer < n_kinds and not online[h, observer]:
                continue  # nobody of the kind online: every intensity of the kind is 0
            keyed_units(hour_state, added[observer], u)
            for i in range(n):
                if observer < n_kinds:
                    bound = ceiling[observer, i]
                elif observer == n_kinds:
                    bound = resident_looks[i] * resident_hour_factor[h]
                else:
                    bound = staff_looks[i] * staff_on_duty[h]
                if not bound > 0.0:
                    continue  # no draw can fall below an intensity of 0
                if observer < n_kinds:
                    if not u[i] < bound:
                        continue
                    for b in range(n_bases):
                        products[b] = worker_rows[i, observer, b] * counts[h, observer, b]
                    intensity = numpy_sum(products, 0, n_bases) * relay[i]
                else:
                    intensity = bound
                    if not u[i] < intensity * margin:
                        continue
                if u[i] < -math.expm1(-intensity):
                    hour_hits[n_hour_hits] = i * n_observers + observer
                    n_hour_hits += 1
        # the hour's hits were found class by class: put them in order of issue, then class
        hour_hits[:n_hour_hits].sort()
        for j in range(n_hour_hits):
            if hits == len(hit_hour):
                hit_hour = _grown(hit_hour)
                hit_issue = _grown(hit_issue)
                hit_observer = _grown(hit_observer)
            hit_hour[hits] = h
            hit_issue[hits] = hour_hits[j] // n_observers
            hit_observer[hits] = hour_hits[j] % n_observers
            hits += 1
    return hit_hour[:hits].copy(), hit_issue[:hits].copy(), hit_observer[:hits].copy()


@njit(cache=True)
def pick_noticers(
    hit_hour: np.ndarray,
    hit_issue: np.ndarray,
    hit_observer: np.ndarray,
    issue_idx: np.ndarray,
    cells: np.ndarray,
    hour_index: np.ndarray,
    pick_field: np.ndarray,
    counts: np.ndarray,
    online: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    window_cells: np.ndarray,
    window_cum: np.ndarray,
    cell_start: np.ndarray,
    cum_activity: np.ndarray,
    base_state: np.uint64,
    agent_state: np.uint64,
) -> np.ndarray:
    """The agent who made each hit of :func:`notice_hits`: a worker, a resident or staff.

    Two keyed uniforms per hit (``pick_base`` and ``pick_agent``, keyed on the hour, the
    issue and the observer class) pick a worker (:func:`pick_worker`) or a resident
    (:func:`pick_resident`); staff are not picked one by one.

    Args:
        hit_hour: (m,) position of each hit's hour in ``hour_index``.
        hit_issue: (m,) position of each hit's issue in ``issue_idx``.
        hit_observer: (m,) observer class of each hit (worker kinds, residents, staff).
        issue_idx: (n,) issue indices.
        cells: (n,) flat cell of each issue.
        hour_index: (n_hours,) hours since the start.
        pick_field: (n, n_kinds, n_bases) each base's passes at each issue's cell (its door
            contacts there, for an opinion heard at the door), by kind: the rows of the
            issues alone, gathered beside each other (the street's whole field by cell is
            some megabytes, read a few hundred times a day at random).
        counts: (n_hours, n_kinds, n_bases) online workers per hour, kind and base.
        online: (n_workers, n_hours) share of each hour each worker is online.
        order: (n_workers,) worker slots in order of kind and base (a stable sort).
        starts: (n_kinds * n_bases + 1,) where each group (kind, base) starts in ``order``.
        window_cells: (n_cells, width) the home cells within each cell's watch window.
        window_cum: (n_cells, width) cumulative activity living in them.
        cell_start: (n_cells + 1,) where each cell's residents start (residents by home).
        cum_activity: (n_residents + 1,) cumulative activity of the residents, from 0.
        base_state: the keyed state of the ``pick_base`` purpose.
        agent_state: the keyed state of the ``pick_agent`` purpose.

    Returns:
        (m,) the slot of each hit's worker or resident; -1 for staff, and where nobody of the
        class covers the cell.
    """
    m, n_kinds = len(hit_issue), counts.shape[1]
    cum_share = np.empty((counts.shape[0], len(order) + 1))
    ready = np.zeros(counts.shape[0], dtype=np.bool_)  # the hours whose row is worked out
    cum = np.empty(counts.shape[2])
    slots = np.full(m, -1, dtype=np.int64)
    for j in range(m):
        h, at, observer = hit_hour[j], hit_issue[j], hit_observer[j]
        if observer > n_kinds:
            continue  # staff
        key = keyed_step(keyed_step(base_state, hour_index[h]), issue_idx[at])
        u_first = keyed_unit(keyed_step(key, observer))
        key = keyed_step(keyed_step(agent_state, hour_index[h]), issue_idx[at])
        u_second = keyed_unit(keyed_step(key, observer))
        if observer < n_kinds:
            if not ready[h]:
                cumulative_share(online, order, h, cum_share[h])
                ready[h] = True
            slots[j] = pick_worker(
                observer,
                pick_field[at, observer],
                counts[h, observer],
                cum_share[h],
                order,
                starts,
                u_first,
                u_second,
                cum,
            )
        else:
            slots[j] = pick_resident(
                cells[at], window_cells, window_cum, cell_start, cum_activity, u_first, u_second
            )
    return slots


@njit(cache=True)
def cumulative_share(online: np.ndarray, order: np.ndarray, hour: int, out: np.ndarray) -> None:
    """An hour's cumulative share of the hour online, workers in ``order``, from 0.

    Args:
        online: (n_workers, n_hours) share of each hour each worker is online.
        order: (n_workers,) worker slots in order of kind and base.
        hour: the hour (a column of ``online``).
        out: (n_workers + 1,) where to write it, added left to right as ``np.cumsum`` adds.
    """
    total = 0.0
    out[0] = 0.0
    for w in range(len(order)):
        total += online[order[w], hour]
        out[w + 1] = total


@njit(cache=True)
def pick_worker(
    kind: int,
    field: np.ndarray,
    counts: np.ndarray,
    cum_share: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    u_base: float,
    u_worker: float,
    cum: np.ndarray,
) -> int:
    """The online worker of ``kind`` who noticed an issue (:meth:`Detector._pick_workers`).

    The base community by its share of the passes at the issue's cell (or of the door
    contacts), then a worker of that kind and base by the share of the hour each is online.

    Args:
        kind: the worker kind.
        field: (n_bases,) the passes (or door contacts) of each base at the issue's cell.
        counts: (n_bases,) online workers of the kind per base, this hour.
        cum_share: (n_workers + 1,) this hour's cumulative share online, in ``order``.
        order: (n_workers,) worker slots in order of kind and base.
        starts: (n_kinds * n_bases + 1,) where each group starts in ``order``.
        u_base: the uniform for the base community.
        u_worker: the uniform for the worker.
        cum: (n_bases,) scratch space.

    Returns:
        The worker's slot, -1 where nobody of the kind covers the cell.
    """
    n_bases = len(field)
    running = 0.0
    for b in range(n_bases):
        running += counts[b] * field[b]
        cum[b] = running
    target = u_base * cum[n_bases - 1]
    base = 0
    for b in range(n_bases):
        if target >= cum[b]:
            base += 1
    group = kind * n_bases + min(base, n_bases - 1)
    lo, hi = starts[group], starts[group + 1]
    low = cum_share[lo]
    share = cum_share[hi] - low
    if hi > lo and share > 0:
        pick = last_at_or_below(cum_share, low + u_worker * share, lo, hi)
        return order[max(pick, 0)]
    return -1


@njit(cache=True)
def pick_resident(
    cell: int,
    window_cells: np.ndarray,
    window_cum: np.ndarray,
    cell_start: np.ndarray,
    cum_activity: np.ndarray,
    u_home: float,
    u_resident: float,
) -> int:
    """The resident who noticed an issue at ``cell`` (:meth:`.ResidentTable.pick_watcher`).

    The home cell within the watch window by the activity living there, then a resident of
    that cell by activity.

    Args:
        cell: the flat cell of the issue.
        window_cells: (n_cells, width) the home cells within each cell's watch window.
        window_cum: (n_cells, width) cumulative activity living in them.
        cell_start: (n_cells + 1,) where each cell's residents start (residents by home).
        cum_activity: (n_residents + 1,) cumulative activity of the residents, from 0.
        u_home: the uniform for the home cell.
        u_resident: the uniform for the resident.

    Returns:
        The resident's slot, -1 where nobody lives within reach.
    """
    width = window_cells.shape[1]
    total = window_cum[cell, width - 1]
    target = u_home * total
    pick = 0
    for w in range(width):
        if target >= window_cum[cell, w]:
            pick += 1
    home = window_cells[cell, min(pick, width - 1)]
    start, stop = cell_start[home], cell_start[home + 1]
    if not (total > 0 and stop > start):
        return -1
    low = cum_activity[start]
    wanted = low + u_resident * (cum_activity[stop] - low)
    slot = last_at_or_below(cum_activity, wanted, start, stop)
    return min(slot, len(cum_activity) - 2)


@njit(cache=True)
def order_by_group(
    kind: np.ndarray, base: np.ndarray, n_bases: int, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Worker slots in order of group (kind, then base), and where each group starts.

    A counting sort: the order of a stable sort of ``kind * n_bases + base`` (slots of a
    group in increasing order), and ``starts[g]`` the number of slots of the groups
    before ``g``, as ``np.searchsorted(sorted_groups, np.arange(n_groups + 1))`` gives.

    Args:
        kind: (n_workers,) each slot's kind.
        base: (n_workers,) each slot's base community, 0 to ``n_bases - 1``.
        n_bases: communities.
        n_groups: kinds times communities.

    Returns:
        ``(order, starts)``: (n_workers,) slots, and (n_groups + 1,) group starts in it.
    """
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    for w in range(len(kind)):
        starts[np.int64(kind[w]) * n_bases + base[w] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    next_place = starts[:n_groups].copy()
    order = np.empty(len(kind), dtype=np.int64)
    for w in range(len(kind)):
        g = np.int64(kind[w]) * n_bases + base[w]
        order[next_place[g]] = w
        next_place[g] += 1
    return order, starts


@njit(cache=True)
def _grown(values: np.ndarray) -> np.ndarray:
    """A copy twice as long (the first half ``values``)."""
    longer = np.empty(2 * len(values), dtype=values.dtype)
    longer[: len(values)] = values
    return longer


@njit(cache=True)
def take_hour(
    first: int,
    end: int,
    issue: np.ndarray,
    noticed_at: np.ndarray,
    status: np.ndarray,
    first_detected_at: np.ndarray,
    resolved: int,
    open_: int,
    detected: int,
    out: np.ndarray,
) -> int:
    """An hour's rows of the day's plan, of issues still open, each marked as a detection.

    The rows ``first`` to ``end - 1`` of the plan are the hour's; those of issues fixed,
    escalated or lapsed since (status ``resolved`` or later) are dropped. Each row kept is
    a detection: the issue's first detection time is the earliest noticing so far, and an
    open issue becomes detected.

    Args:
        first: the hour's first row.
        end: one past its last row.
        issue: (n_rows,) the plan's issue of each row.
        noticed_at: (n_rows,) when each row's noticing happened, hours since the start.
        status: (n_issues,) the issue log's status (updated in place).
        first_detected_at: (n_issues,) the issue log's first detection time, hours (updated
            in place).
        resolved: the status code from which an issue is closed (``IssueStatus.RESOLVED``).
        open_: the status code of an issue nobody has noticed (``IssueStatus.OPEN``).
        detected: the status code of a noticed issue (``IssueStatus.DETECTED``).
        out: (n_rows,) where the rows kept are written, in order, from ``out[first]`` on
            (the hour's own part: an array handed back costs a few microseconds, a count
            almost nothing).

    Returns:
        How many rows are kept (``out[first:first + kept]``).
    """
    kept = 0
    for r in range(first, end):
        if status[issue[r]] < resolved:
            out[first + kept] = r
            kept += 1
    for r in out[first : first + kept]:
        i = issue[r]
        when = noticed_at[r]
        # np.fmin: NaN loses to a number
        if when < first_detected_at[i] or math.isnan(first_detected_at[i]):
            first_detected_at[i] = when
        if status[i] == open_:
            status[i] = detected
    return kept

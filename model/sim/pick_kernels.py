"""The day's noticing agents, compiled: who, of the class that noticed, made each hit.

:meth:`model.sim.detection.Detector.detect_day` calls :func:`pick_noticers` once a day, on
the hits :func:`model.sim.detection_kernels.notice_hits` drew. It picks exactly the agents
:meth:`~model.sim.detection.Detector._noticers` (the numpy form) picks, bit for bit;
``tests/sim/test_kernels.py`` and ``tests/sim/test_detection.py`` hold it to that form:

- :func:`pick_noticers`: the agent of each hit, with :func:`pick_worker` (the base community
  by its share of the passes at the cell, then the worker of that kind and base by the share
  of the hour each is online) and :func:`pick_resident` (the home cell within the watch
  window by activity, then the resident of that cell by activity); the hits nobody made
  (no worker or resident of the class within reach) are dropped, and the detections come
  back as one array.
- :func:`cumulative_shares` (every hour's online shares in one pass; :func:`cumulative_share`
  is one hour's, its plain form) and :func:`order_by_group` (the workers ordered by kind and
  base, a counting sort).

Arrays only (numba compiles them, cached on disk beside this file). :func:`pick_worker` and
:func:`pick_resident` are inlined: a call that passes arrays costs more than their work.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import keyed_step, keyed_unit, last_at_or_below


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
    """The agent who made each hit of ``notice_hits``: a worker, a resident or staff.

    The hits are those :func:`model.sim.detection_kernels.notice_hits` drew.

    Two keyed uniforms per hit (``pick_base`` and ``pick_agent``, keyed on the hour, the
    issue and the observer class) pick a worker (:func:`pick_worker`) or a resident
    (:func:`pick_resident`); staff are not picked one by one. A hit by a worker or a
    resident where nobody of the class covers the cell is no detection.

    Args:
        hit_hour: (m,) position of each hit's hour in ``hour_index``.
        hit_issue: (m,) position of each hit's issue in ``issue_idx``.
        hit_observer: (m,) observer class of each hit (worker kinds, residents, staff).
        issue_idx: (n,) issue indices.
        cells: (n,) flat cell of each issue.
        hour_index: (n_hours,) hours since the start.
        pick_field: (N, n_kinds, n_bases) each base's passes at each issue's cell (its door
            contacts there, for an opinion heard at the door), by kind, for the whole log
            (the street's whole field by cell is some megabytes, read a few hundred times a
            day at random; the rows of the log's issues are beside each other).
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
        (4, m') the detections: the hits in their order, less those by a worker or a
        resident where nobody of the class covers the cell; rows the issue index, the
        observer class, the slot of the worker or resident (-1 for staff) and the hour
        since the start.
    """
    m, n_hours, n_kinds = len(hit_issue), counts.shape[0], counts.shape[1]
    cum_share = np.empty((len(order) + 1, n_hours))  # by worker, then hour
    cumulative_shares(online, order, cum_share)
    base_hour = np.empty(n_hours, dtype=np.uint64)  # each hour's part of the keys, mixed
    agent_hour = np.empty(n_hours, dtype=np.uint64)
    for h in range(n_hours):
        base_hour[h] = keyed_step(base_state, hour_index[h])
        agent_hour[h] = keyed_step(agent_state, hour_index[h])
    cum = np.empty(counts.shape[2])
    out = np.empty((4, m), dtype=np.int64)
    kept = 0
    for j in range(m):
        h, at, observer = hit_hour[j], hit_issue[j], hit_observer[j]
        slot = -1
        if observer <= n_kinds:  # not staff
            key = keyed_step(base_hour[h], issue_idx[at])
            u_first = keyed_unit(keyed_step(key, observer))
            key = keyed_step(agent_hour[h], issue_idx[at])
            u_second = keyed_unit(keyed_step(key, observer))
            if observer < n_kinds:
                slot = pick_worker(
                    observer,
                    pick_field[issue_idx[at], observer],
                    counts[h, observer],
                    cum_share[:, h],
                    order,
                    starts,
                    u_first,
                    u_second,
                    cum,
                )
            else:
                slot = pick_resident(
                    cells[at], window_cells, window_cum, cell_start, cum_activity, u_first, u_second
                )
            if slot < 0:
                continue  # nobody of the class covers the cell
        out[0, kept] = issue_idx[at]
        out[1, kept] = observer
        out[2, kept] = slot
        out[3, kept] = hour_index[h]
        kept += 1
    return out[:, :kept].copy()


@njit(cache=True)
def cumulative_shares(online: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """:func:`cumulative_share` of every hour at once, in one pass over the workers.

    Each worker's row of ``online`` is read once (its hours are beside each other) and
    added to the running sums of all the hours together; each hour's column is added left
    to right as :func:`cumulative_share` adds it.

    Args:
        online: (n_workers, n_hours) share of each hour each worker is online.
        order: (n_workers,) worker slots in order of kind and base.
        out: (n_workers + 1, n_hours) where to write them: ``out[:, h]`` is the hour's.
    """
    n_hours = online.shape[1]
    total = np.zeros(n_hours)
    out[0] = 0.0
    for w in range(len(order)):
        worker = order[w]
        for h in range(n_hours):  # (two loops, each the compiler runs several hours at a time)
            total[h] += online[worker, h]
        for h in range(n_hours):
            out[w + 1, h] = total[h]


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


@njit(cache=True, inline="always")
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
    """The online worker of ``kind`` who noticed an issue.

    The compiled :meth:`model.sim.detection.Detector._pick_workers`.

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


@njit(cache=True, inline="always")
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

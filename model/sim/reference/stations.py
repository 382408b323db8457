"""Per-worker references for the worker stations of :mod:`model.sim.stations`.

Station by station, cell by cell and worker by worker: :func:`station_reach` (each
station's pull on a route and each route's reach, shares of the passes within
``reach_minutes`` at the kind's speed), :func:`station_visits` (who stops at a station
today, within each station's capacity in visits per day, on the fast code's draws) and
:func:`station_registration` (the extra registration hazard per day of today's visitors).
"""

from __future__ import annotations

import numpy as np

from model.config.codes import WORKER_KINDS
from model.config.people import WorkersConfig
from model.config.policies import StationsPolicy
from model.sim.reference.space import distance_m
from model.sim.reference.workforce import bump_belonging
from model.sim.space import Layout
from model.sim.workforce import WorkerTable


def station_reach(
    worker_passes: np.ndarray, layout: Layout, workers: WorkersConfig, stations: StationsPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Station by station, cell by cell: how far each station reaches into each route.

    A cell is within reach of a station at most ``reach_minutes`` away at the kind's speed
    (straight line between cell centres). A station's pull on a worker of kind ``k`` based
    in ``b`` is the share of his passes on cells within its reach; his reach is the share of
    his passes on cells within reach of at least one station (a cell two stations reach
    counts once: a second station next to the first adds nothing to it).

    Returns:
        ``(pull, reach)``: (n_kinds, n_communities, n_stations) and (n_kinds, n_communities).
    """
    n_kinds, n_bases, n_cells = worker_passes.shape
    stations_at = [int(c) for c in layout.station_cells]
    pull = np.zeros((n_kinds, n_bases, len(stations_at)))
    reach = np.zeros((n_kinds, n_bases))
    for k, kind in enumerate(WORKER_KINDS):
        radius_m = stations.reach_minutes / 60.0 * getattr(workers, kind).speed_kmh * 1000.0
        near = [
            [distance_m(layout, station_cell, c) <= radius_m for c in range(n_cells)]
            for station_cell in stations_at
        ]
        for b in range(n_bases):
            total = sum(worker_passes[k, b, c] for c in range(n_cells))
            if total <= 0:
                continue
            for s in range(len(stations_at)):
                within = sum(worker_passes[k, b, c] for c in range(n_cells) if near[s][c])
                pull[k, b, s] = within / total
            covered = sum(
                worker_passes[k, b, c]
                for c in range(n_cells)
                if any(near[s][c] for s in range(len(stations_at)))
            )
            reach[k, b] = min(covered / total, 1.0)
    return pull, reach


def station_visits(
    wf: WorkerTable,
    works: np.ndarray,
    pull: np.ndarray,
    reach: np.ndarray,
    stations: StationsPolicy,
    rng: np.random.Generator,
) -> list[int]:
    """Worker by worker: who stops at a station today, with the belonging gain.

    A working worker wants to stop with probability ``visit_daily_probability x reach``, at
    station ``s`` in proportion to its pull on him (``u_station`` against the running share).
    A station's expected visitors (the sum of everybody's wishes for it) beyond
    ``capacity_visits_per_day`` are turned away in proportion: he stops when ``u_visit <
    wish x min(1, capacity / expected visitors)`` of the station he heads for.

    Draws (as ``stations.station_visits``): a row of ``u_visit``, then a row of ``u_station``,
    one per worker each, whatever happens.

    Args:
        wf: the worker table.
        works: (n_workers,) the worker works today.
        pull: (n_kinds, n_communities, n_stations) from :func:`station_reach`.
        reach: (n_kinds, n_communities) from :func:`station_reach`.
        stations: ``policies.stations``.
        rng: generator seeded like the fast code's ``stations`` stream.
    """
    n, n_stations = len(wf), pull.shape[2]
    u_visit, u_station = rng.random((2, n))
    if n_stations == 0 or n == 0:
        return []
    wish = [0.0] * n
    share = [[0.0] * n_stations for _ in range(n)]
    for w in range(n):
        mine = [float(p) for p in pull[wf.kind[w], wf.base[w]]]
        total = sum(mine)
        if total > 0:
            share[w] = [p / total for p in mine]
            wish[w] = stations.visit_daily_probability * reach[wf.kind[w], wf.base[w]] * works[w]
    room = []
    for s in range(n_stations):
        expected = sum(wish[w] * share[w][s] for w in range(n))
        room.append(min(1.0, stations.capacity_visits_per_day / max(expected, 1e-12)))
    bump = (
        stations.upgraded_belonging_per_visit if stations.upgraded else stations.belonging_per_visit
    )
    visits = []
    for w in range(n):
        if sum(share[w]) <= 0:
            continue
        heading, running = n_stations - 1, 0.0
        for s in range(n_stations):
            running += share[w][s]
            if u_station[w] < running:
                heading = s
                break
        if u_visit[w] < wish[w] * room[heading]:
            visits.append(w)
            bump_belonging(wf, w, bump)
    return visits


def station_registration(extra: np.ndarray, visits: list[int], stations: StationsPolicy) -> None:
    """Visitor by visitor: an upgraded station's registration chance (in place)."""
    if stations.upgraded:
        for w in visits:
            extra[w] += stations.registration_per_visit

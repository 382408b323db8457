"""The worker stations (暖蜂驿站): their reach into each route, daily visits, registration.

The stations lever (``policies.stations``) acts here:

- once, at the start of a run: :func:`station_reach` (which stations each worker can
  reach, from distance along his route: the share of his passes within ``reach_minutes``
  of each station at his kind's speed);
- at the start of each day (:meth:`model.sim.model.StreetModel.start_day` calls them
  around the posts drive, see :mod:`model.sim.levers`): :func:`station_visits` (who stops
  at a station today, within each station's ``capacity_visits_per_day``, and the belonging
  a visit brings) and :func:`station_registration` (the extra registration hazard per day
  of today's visitors at an upgraded station).

A station in reach also opens its report desk (upgraded stations only) to the worker
(:func:`model.sim.channels.channel_rules`, :class:`model.sim.perception.Perception`); what
stations cost is :class:`model.sim.costs.Ledger`. Every magnitude is a parameter of
``policies.stations`` with its unit and source (docs/ODD.md, section 8); the visits draw
from the ``stations`` stream, two uniforms per worker a day whatever happens, so a station
lever at zero strength never shifts another submodel's random numbers. The per-worker
reference versions are in :mod:`model.sim.reference.stations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.codes import WorkerKind
from model.config.people import WorkersConfig
from model.config.policies import StationsPolicy
from model.sim.daily_kernels import station_visitors
from model.sim.space import Layout, distance_m
from model.sim.workforce import WorkerTable


@dataclass(frozen=True)
class StationReach:
    """Which stations a worker can reach, by kind and base community.

    Attributes:
        pull: (n_kinds, n_communities, n_stations) share of a worker's passes that fall
            within reach of each station (0 with no stations).
        reach: (n_kinds, n_communities) share of a worker's passes within reach of at least
            one station: a second station adds only the part of its catchment the first
            does not already cover (nothing when it stands next to the first: diminishing
            returns), while it adds its full capacity.
        reach_by_group: (n_kinds * n_communities,) ``reach`` by worker group (kind x base,
            :attr:`model.sim.workforce.WorkerTable.group`), share.
        share_by_group: (n_groups, n_stations) each station's part of the group's summed
            pull (0 for a group no station pulls), share.
        cumulative_share_by_station: (n_stations, n_groups) running sum of
            ``share_by_group`` over the stations, station by station (a row per station: the
            daily visits compare one station at a time), share; a visitor heads for the
            first station whose running share exceeds his uniform.
        pulled_by_group: (n_groups,) some station pulls the group (summed pull > 0).

    The ``*_by_group`` tables are derived from ``pull`` and ``reach`` when the reach is made
    (they depend on a worker's kind and base alone, so the daily visits gather them per
    worker instead of recomputing them for every worker every day).
    """

    pull: np.ndarray
    reach: np.ndarray
    reach_by_group: np.ndarray = field(init=False, repr=False, compare=False)
    share_by_group: np.ndarray = field(init=False, repr=False, compare=False)
    cumulative_share_by_station: np.ndarray = field(init=False, repr=False, compare=False)
    pulled_by_group: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Derive the per-group tables (the arithmetic the daily visits did per worker)."""
        n_kinds, n_bases, n_stations = self.pull.shape
        pull = self.pull.reshape(n_kinds * n_bases, n_stations)  # row k * n_bases + b
        total = pull.sum(axis=1)
        share = np.divide(pull, total[:, None], out=np.zeros_like(pull), where=total[:, None] > 0)
        derived = {
            "reach_by_group": self.reach.reshape(n_kinds * n_bases),
            "share_by_group": share,
            "cumulative_share_by_station": np.ascontiguousarray(np.cumsum(share, axis=1).T),
            "pulled_by_group": total > 0,
        }
        for name, table in derived.items():
            object.__setattr__(self, name, table)  # frozen: set once, here

    def visitors(
        self,
        u_visit: np.ndarray,
        u_station: np.ndarray,
        group: np.ndarray,
        works: np.ndarray,
        visit_daily_probability: float,
        capacity_visits_per_day: float,
        belonging: np.ndarray,
        bump: float,
    ) -> np.ndarray:
        """The day's visitors over these reach tables, their belonging bumped in place.

        :func:`model.sim.daily_kernels.station_visitors` with this reach's per-group tables.

        Args:
            u_visit: (n_workers,) uniform of each worker's wish to visit.
            u_station: (n_workers,) uniform of the station he heads for.
            group: (n_workers,) each worker's group (kind x base).
            works: (n_workers,) the worker is online today.
            visit_daily_probability: ``policies.stations.visit_daily_probability``.
            capacity_visits_per_day: ``policies.stations.capacity_visits_per_day``.
            belonging: (n_workers,) belonging, share 0-1 (visitors' raised by ``bump``).
            bump: belonging a visit adds, share.

        Returns:
            Slots of the workers who visited.
        """
        return station_visitors(
            u_visit,
            u_station,
            group,
            works,
            self.reach_by_group,
            self.share_by_group,
            self.cumulative_share_by_station,
            self.pulled_by_group,
            visit_daily_probability,
            capacity_visits_per_day,
            belonging,
            bump,
        )


def station_reach(
    worker_passes: np.ndarray,
    layout: Layout,
    workers: WorkersConfig,
    stations: StationsPolicy,
) -> StationReach:
    """How far each station reaches into each worker's route (the stations' catchment).

    A station is within reach of a cell at most ``reach_minutes`` away at the kind's speed
    (``reach_minutes / 60 x speed_kmh`` km, straight line). Its pull on a worker of kind
    ``k`` based in ``b`` is the share of his passes (``worker_passes[k, b]``) on such cells.
    Source: the article's stations (暖蜂驿站); reach and capacity are assumptions.

    Args:
        worker_passes: (n_kinds, n_communities, n_cells) exposure matrices.
        layout: the street layout (cells of the stations).
        workers: the ``workers`` block (speed of each kind).
        stations: ``policies.stations``.

    Returns:
        The pulls and reaches.
    """
    n_kinds, n_bases, n_cells = worker_passes.shape
    cells = layout.station_cells
    pull = np.zeros((n_kinds, n_bases, len(cells)))
    reach = np.zeros((n_kinds, n_bases))
    if len(cells):
        distance = distance_m(layout, cells[:, None], np.arange(n_cells)[None, :])  # (S, C)
        totals = worker_passes.sum(axis=2)
        has_passes = totals > 0
        for k, kind in enumerate(WorkerKind):
            speed = getattr(workers, kind.name.lower()).speed_kmh
            radius = stations.reach_minutes / 60.0 * speed * 1000.0
            near = distance <= radius  # (S, C)
            within = worker_passes[k] @ near.T.astype(float)  # (B, S)
            covered = worker_passes[k] @ near.any(axis=0).astype(float)  # (B,)
            pull[k] = np.divide(
                within, totals[k][:, None], out=np.zeros_like(within), where=has_passes[k][:, None]
            )
            reach[k] = np.divide(
                covered, totals[k], out=np.zeros_like(covered), where=has_passes[k]
            )
    return StationReach(pull=pull, reach=np.clip(reach, 0.0, 1.0))


def station_visits(
    wf: WorkerTable,
    works: np.ndarray,
    reach: StationReach,
    stations: StationsPolicy,
    rng: np.random.Generator,
) -> np.ndarray:
    """Workers stop at a station in reach: rest, charging, water (upgraded: more).

    A working worker wants to stop at station ``s`` with probability
    ``visit_daily_probability x reach x pull_s / sum(pull)`` (his reach over the stations in
    proportion to their pull); a station expecting more visitors than
    ``capacity_visits_per_day`` turns the surplus away in proportion. A visitor gains
    belonging (``upgraded_belonging_per_visit`` at upgraded stations, else
    ``belonging_per_visit``). Source: the article's worker stations (暖蜂驿站), upgraded with
    publicity, training and deliberation; rates, reach and capacity are assumptions.

    Args:
        wf: the worker table.
        works: (n_workers,) the worker works today.
        reach: the stations' reach (:func:`station_reach`).
        stations: ``policies.stations``.
        rng: the ``stations`` stream (two draws per worker, whatever happens).

    Returns:
        Slots of the workers who visited.
    """
    u_visit, u_station = rng.random((2, len(wf)))
    n_stations = reach.pull.shape[2]
    if n_stations == 0 or len(wf) == 0:
        return np.zeros(0, dtype=np.int64)
    bump = (
        stations.upgraded_belonging_per_visit if stations.upgraded else stations.belonging_per_visit
    )
    # the compiled form of station_demand and visitors, followed by wf.bump_belonging(visits,
    # bump): the same numbers (tests/sim/test_daily_kernels.py)
    return reach.visitors(
        u_visit,
        u_station,
        wf.group,
        works,
        stations.visit_daily_probability,
        stations.capacity_visits_per_day,
        wf.belonging,
        bump,
    )


def station_demand(
    group: np.ndarray, works: np.ndarray, reach: StationReach, stations: StationsPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Each worker's wish to stop today, and the room each station has for the wishes.

    Args:
        group: (n_workers,) worker group (kind x base, ``WorkerTable.group``).
        works: (n_workers,) the worker works today.
        reach: the stations' reach (:func:`station_reach`).
        stations: ``policies.stations``.

    Returns:
        ``(wants, room)``: (n_workers,) chance to want to stop, share; (n_stations,) share
        of the wishes for the station that it has room for (at most 1).
    """
    # each worker's row of the per-group tables (StationReach): the same numbers as the
    # shares of his own row of pull (a worker's pull is his group's)
    share = reach.share_by_group[group]  # (n, S)
    wants = stations.visit_daily_probability * reach.reach_by_group[group] * works
    # expected visitors per station, a sum over the (n, S) table: numpy adds it row after
    # row with two stations or more, pairwise with one (the compiled form does the same)
    demand = (wants[:, None] * share).sum(axis=0)
    room = np.minimum(1.0, np.divide(stations.capacity_visits_per_day, np.maximum(demand, 1e-12)))
    return wants, room


def visitors(
    u_visit: np.ndarray,
    u_station: np.ndarray,
    group: np.ndarray,
    wants: np.ndarray,
    room: np.ndarray,
    reach: StationReach,
) -> np.ndarray:
    """Slots of today's visitors, vectorised.

    The model runs the compiled form, :func:`model.sim.daily_kernels.station_visitors`,
    which also raises the visitors' belonging.

    Args:
        u_visit: (n_workers,) uniforms: stops or not.
        u_station: (n_workers,) uniforms: the station he heads for.
        group: (n_workers,) worker group (kind x base).
        wants: (n_workers,) chance to want to stop (:func:`station_demand`), share.
        room: (n_stations,) room for the wishes (:func:`station_demand`), share.
        reach: the stations' reach.
    """
    # the station he heads for: how many running shares his uniform reaches, at most the
    # last station. The running shares never decrease (sums of non-negative shares), so
    # counting the first S - 1 of them gives that capped count; counted one station at a
    # time (the same integer as over a (n, S) table)
    station = np.zeros(len(group), dtype=np.int64)
    for station_running in reach.cumulative_share_by_station[:-1]:
        station += u_station >= station_running[group]
    return np.flatnonzero(reach.pulled_by_group[group] & (u_visit < wants * room[station]))


def station_registration(extra: np.ndarray, visits: np.ndarray, stations: StationsPolicy) -> None:
    """A visit to an upgraded station may lead to registration (报到) there.

    Adds ``registration_per_visit`` to the day's extra hazard of today's visitors (in place).
    Source: the article's upgraded stations (policy publicity at the station); the chance is
    an assumption.
    """
    if stations.upgraded and len(visits):
        extra[visits] += stations.registration_per_visit

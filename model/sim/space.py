"""The street (街道) as space: a Mesa grid of ~50 m cells with communities, grids and places.

The layout is drawn from the ``layout`` stream, so every arm of an experiment with the same
seed shares it. Cell attributes (road flag, residential density, merchants, community and
grid) are plain numpy arrays indexed by the *flat cell index* ``x * cells_y + y``; fixed
places (merchants, residential buildings, community offices, stations) are Mesa
``FixedAgent`` objects on the ``OrthogonalMooreGrid``. No submodel reads the grid or the
places: the hot path works on the flat arrays. The grid and the places are what the
interactive explorer draws (``model.explore.state.street_plan`` reads each place's
``cell.coordinate`` from ``agents_by_type``), and workers and residents stand in their cells
(``Worker.cell``: the base community's office; ``Resident.cell``: the home).

The exposure matrices turn "workers online per home community" into "passes per cell per
hour" with one matrix product, which keeps the hourly hot path vectorised.
"""

from __future__ import annotations

import copyreg
import weakref
from dataclasses import dataclass

import numpy as np
from mesa.discrete_space import FixedAgent, OrthogonalMooreGrid

from model.config.codes import WORKER_KINDS
from model.config.people import KindProfile, WorkersConfig
from model.config.street import StreetConfig


class Place(FixedAgent):
    """A fixed place on the street grid."""

    kind: str = "place"

    def __init__(self, model, cell, community: int) -> None:
        """Create a place.

        Args:
            model: the StreetModel.
            cell: the Mesa grid cell it stands on.
            community: index of the community it belongs to.
        """
        super().__init__(model)
        self.cell = cell
        self.community = community


class Merchant(Place):
    """A shop or restaurant (商户); food-safety issues occur here."""

    kind = "merchant"


class ResidentialBuilding(Place):
    """A residential building; residents live here."""

    kind = "residential_building"


class CommunityOffice(Place):
    """The community (社区) office where staff work and in-person reports arrive."""

    kind = "community_office"


class Station(Place):
    """A worker station (暖蜂驿站).

    Rest, charging and water; when upgraded also publicity, training, deliberation and a
    report desk.
    """

    kind = "station"


@dataclass
class Layout:
    """Cell attributes of the street, flat-indexed (``x * cells_y + y``).

    Attributes:
        cells_x: grid width, cells.
        cells_y: grid height, cells.
        cell_size_m: cell side, metres.
        road: True where the cell is a road.
        residential: residential density (relative, 0 where no housing).
        merchant: True where the cell has merchants.
        community: community index of each cell.
        grid: grid (网格) index of each cell.
        n_communities: number of communities.
        communities_x: communities across (the community grid's width).
        n_grids: number of grids.
        office_cells: flat cell of each community office.
        station_cells: flat cell of each station.
        station_community: community of each station.
    """

    cells_x: int
    cells_y: int
    cell_size_m: float
    road: np.ndarray
    residential: np.ndarray
    merchant: np.ndarray
    community: np.ndarray
    grid: np.ndarray
    n_communities: int
    communities_x: int
    n_grids: int
    office_cells: np.ndarray
    station_cells: np.ndarray
    station_community: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.cells_x * self.cells_y

    def xy(self, cells: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates of flat cell indices."""
        return np.divmod(cells, self.cells_y)

    def community_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Column and row of each community on the community grid."""
        ids = np.arange(self.n_communities)
        return ids % self.communities_x, ids // self.communities_x


def generate_layout(street: StreetConfig, n_stations: int, rng: np.random.Generator) -> Layout:
    """Draw the street's layout.

    Roads every ``road_spacing_cells`` (assumption: 200 m blocks); merchants on road cells,
    concentrated around commercial centres; residential density elsewhere, lower near the
    centres; one community office near each community's centre; stations on road cells
    nearest the merchant clusters, spread over communities.

    Args:
        street: the ``street`` block.
        n_stations: worker stations in the street (``policies.stations.count``).
        rng: the ``layout`` stream.

    Returns:
        The layout.
    """
    s = street
    nx, ny = s.cells_x, s.cells_y
    x, y = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x, y = x.ravel(), y.ravel()
    road = (x % s.road_spacing_cells == 0) | (y % s.road_spacing_cells == 0)

    centres = rng.uniform([0, 0], [nx, ny], size=(s.commercial_centres, 2))
    dist = np.min(np.hypot(x[:, None] - centres[:, 0], y[:, None] - centres[:, 1]), axis=1)
    attraction = np.exp(-dist / (0.15 * max(nx, ny)))
    merchant_p = np.clip(attraction / attraction[road].mean() * s.merchant_cell_share, 0, 1)
    merchant = road & (rng.random(nx * ny) < merchant_p)

    noise = rng.gamma(shape=4.0, scale=0.25, size=nx * ny)
    residential = np.where(road, 0.0, noise * (1.2 - 0.6 * attraction))
    residential[residential < np.quantile(residential[~road], 0.15)] = 0.0

    cx = np.minimum(x * s.communities_x // nx, s.communities_x - 1)
    cy = np.minimum(y * s.communities_y // ny, s.communities_y - 1)
    community = cy * s.communities_x + cx
    g = s.grids_per_community_side
    gx = np.minimum(x * s.communities_x * g // nx, s.communities_x * g - 1)
    gy = np.minimum(y * s.communities_y * g // ny, s.communities_y * g - 1)
    grid = gy * (s.communities_x * g) + gx
    n_communities = s.communities_x * s.communities_y

    office_cells = np.empty(n_communities, dtype=np.int64)
    for c in range(n_communities):
        members = np.flatnonzero(community == c)
        mx, my = x[members].mean(), y[members].mean()
        office_cells[c] = members[np.argmin(np.hypot(x[members] - mx, y[members] - my))]

    appeal = attraction + 0.01 * rng.random(nx * ny)
    by_appeal = np.bincount(community, weights=attraction, minlength=n_communities)
    community_order = np.argsort(-by_appeal, kind="stable")
    ranked_roads = [
        np.flatnonzero(road & (community == c))[
            np.argsort(-appeal[road & (community == c)], kind="stable")
        ]
        for c in range(n_communities)
    ]
    station_cells_arr = np.array(
        [
            ranked_roads[community_order[i % n_communities]][i // n_communities]
            for i in range(n_stations)
            if i // n_communities < len(ranked_roads[community_order[i % n_communities]])
        ],
        dtype=np.int64,
    )

    return Layout(
        cells_x=nx,
        cells_y=ny,
        cell_size_m=s.cell_size_m,
        road=road,
        residential=residential,
        merchant=merchant,
        community=community.astype(np.int64),
        grid=grid.astype(np.int64),
        n_communities=n_communities,
        communities_x=s.communities_x,
        n_grids=n_communities * g * g,
        office_cells=office_cells,
        station_cells=station_cells_arr,
        station_community=community[station_cells_arr].astype(np.int64),
    )


def zone_membership(layout: Layout, profile: KindProfile) -> np.ndarray:
    """Which cells a worker based in each community covers.

    A worker's zone is its base community plus the communities within
    ``zone_radius_communities`` steps (Chebyshev distance on the community grid).

    Returns:
        Boolean array (n_communities, n_cells).
    """
    col, row = layout.community_xy()
    near = (np.abs(col[:, None] - col[None, :]) <= profile.zone_radius_communities) & (
        np.abs(row[:, None] - row[None, :]) <= profile.zone_radius_communities
    )
    return near[:, layout.community]


def pass_weights(layout: Layout, kind: str, profile: KindProfile) -> np.ndarray:
    """Relative chance that a pass of a worker of ``kind`` falls on each cell.

    Riders shuttle between merchants and homes; couriers walk residential buildings;
    drivers keep to roads (assumption: route patterns of the design brief).
    """
    res = layout.residential / max(layout.residential.max(), 1e-12)
    if kind == "rider":
        weights = 0.4 * layout.road + 1.5 * layout.merchant + 0.8 * res
    elif kind == "courier":
        weights = 0.3 * layout.road + 1.2 * res
    else:
        weights = 1.0 * layout.road + 0.05 * res
    if profile.roads_only:
        weights = weights * layout.road
    return weights.astype(float)


def exposure_matrices(workers: WorkersConfig, layout: Layout) -> np.ndarray:
    """Passes per cell per hour produced by one online worker of each kind and base.

    ``M[k, b, c]`` is the expected number of times an online worker of kind ``k`` based in
    community ``b`` passes cell ``c`` in one hour: cells travelled per hour
    (speed x 1000 / cell size) spread over the zone by :func:`pass_weights`.

    Args:
        workers: the ``workers`` block (route, speed and zone of each kind).
        layout: the street layout.

    Returns:
        Array (n_kinds, n_communities, n_cells), passes per hour.
    """
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile: KindProfile = getattr(workers, kind)
        cells_per_hour = profile.speed_kmh * 1000.0 / layout.cell_size_m
        zone = zone_membership(layout, profile)
        weights = zone * pass_weights(layout, kind, profile)[None, :]
        totals = weights.sum(axis=1, keepdims=True)
        out[k] = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        out[k] *= cells_per_hour
    return out


def door_contacts(workers: WorkersConfig, layout: Layout, households: np.ndarray) -> np.ndarray:
    """Door contacts per hour with one household of each cell, by one online worker.

    An online worker of kind ``k`` hands over ``orders_per_hour`` orders (parcels, trips) an
    hour at homes in his zone, spread in proportion to residential density (drop-offs and
    pick-ups are at homes, roads-only drivers included). A household of cell ``c`` is met
    ``D[k, b, c] = orders_per_hour x share of the zone's homes in c / households in c``
    times an hour: the residents' ties of the source article, where opinions are heard.

    Args:
        workers: the ``workers`` block (orders per hour and zone of each kind).
        layout: the street layout.
        households: (n_cells,) resident households living in each cell.

    Returns:
        Array (n_kinds, n_communities, n_cells), contacts per household per hour.
    """
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    per_household = 1.0 / np.maximum(households, 1)
    for k, kind in enumerate(WORKER_KINDS):
        profile: KindProfile = getattr(workers, kind)
        weights = zone_membership(layout, profile) * layout.residential[None, :]
        totals = weights.sum(axis=1, keepdims=True)
        share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        out[k] = share * profile.orders_per_hour * per_household[None, :]
    return out


def distance_m(layout: Layout, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Straight-line distance between the centres of flat cells, metres.

    Args:
        layout: the street layout.
        a: flat cells (any shape).
        b: flat cells, broadcast against ``a``.

    Returns:
        Distances of the broadcast shape, metres.
    """
    ax, ay = layout.xy(np.asarray(a))
    bx, by = layout.xy(np.asarray(b))
    return np.hypot(ax - bx, ay - by) * layout.cell_size_m


def window_sum(values: np.ndarray, layout: Layout, radius: int) -> np.ndarray:
    """Sum of a cell field over the square window of ``radius`` cells around each cell.

    Args:
        values: flat per-cell values.
        layout: the street layout.
        radius: half-width of the window, cells.

    Returns:
        Flat per-cell window sums.
    """
    field = values.reshape(layout.cells_x, layout.cells_y)
    padded = np.pad(field, radius)
    csum = padded.cumsum(0).cumsum(1)
    csum = np.pad(csum, ((1, 0), (1, 0)))
    w = 2 * radius + 1
    total = csum[w:, w:] - csum[:-w, w:] - csum[w:, :-w] + csum[:-w, :-w]
    return total.ravel()


def build_grid(model, layout: Layout) -> OrthogonalMooreGrid:
    """Create the Mesa grid and place the fixed places as agents on it.

    Mesa gives every grid a cell class of its own and registers it for pickling in the
    process-wide ``copyreg`` table, which would keep every run's class (and its cells'
    shared state) alive for as long as the process lives: a worker running hundreds of runs
    would grow by each of them. The registration is dropped when the model is collected.

    Returns:
        The ``OrthogonalMooreGrid`` with merchants, residential buildings, community
        offices and stations placed.
    """
    grid = OrthogonalMooreGrid((layout.cells_x, layout.cells_y), torus=False, random=model.random)
    weakref.finalize(model, copyreg.dispatch_table.pop, grid.cell_klass, None)
    cells = grid.all_cells.cells
    for c in np.flatnonzero(layout.merchant):
        Merchant(model, cells[c], int(layout.community[c]))
    for c in np.flatnonzero(layout.residential > 0):
        ResidentialBuilding(model, cells[c], int(layout.community[c]))
    for comm, c in enumerate(layout.office_cells):
        CommunityOffice(model, cells[c], comm)
    for c in layout.station_cells:
        Station(model, cells[c], int(layout.community[c]))
    return grid

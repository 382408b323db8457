"""Per-agent references for space: route pass weights, exposure, door contacts, windows.

Cell by cell and worker kind by worker kind, from docs/ODD.md (section 7.4), for
:mod:`model.sim.space`: :func:`pass_weight` (relative pass weight of a cell),
:func:`exposure` (passes per hour of one online worker, by kind, base community and cell),
:func:`door_contacts` (door contacts per hour with one household of a cell),
:func:`distance_m` (metres between cell centres) and :func:`window_sum` (a cell field summed
over the square window around each cell). Distances on the grid are in cells
(:func:`chebyshev`) or metres.
"""

from __future__ import annotations

import math

import numpy as np

from model.config.codes import WORKER_KINDS
from model.config.people import WorkersConfig
from model.sim.residents import ResidentTable
from model.sim.space import Layout


def chebyshev(layout: Layout, a: int, b: int) -> int:
    """Chessboard distance between two flat cells, cells."""
    ax, ay = divmod(int(a), layout.cells_y)
    bx, by = divmod(int(b), layout.cells_y)
    return max(abs(ax - bx), abs(ay - by))


def pass_weight(layout: Layout, kind: str, roads_only: bool, cell: int) -> float:
    """Relative pass weight of one cell for a worker kind (the route patterns, section 7.4)."""
    res_max = max(float(layout.residential.max()), 1e-12)
    road = float(layout.road[cell])
    merchant = float(layout.merchant[cell])
    res = float(layout.residential[cell]) / res_max
    if kind == "rider":
        weight = 0.4 * road + 1.5 * merchant + 0.8 * res
    elif kind == "courier":
        weight = 0.3 * road + 1.2 * res
    else:
        weight = 1.0 * road + 0.05 * res
    return weight * road if roads_only else weight


def in_zone(layout: Layout, radius_communities: int, base: int, cell: int) -> bool:
    """The cell lies in the route zone of a worker based in community ``base``."""
    n_x = layout.communities_x
    bx, by = base % n_x, base // n_x
    community = int(layout.community[cell])
    cx, cy = community % n_x, community // n_x
    return max(abs(bx - cx), abs(by - cy)) <= radius_communities


def exposure(workers: WorkersConfig, layout: Layout) -> np.ndarray:
    """``M[k, b, c]`` cell by cell: cells per hour spread over the zone by pass weight.

    Returns:
        (n_kinds, n_communities, n_cells) passes per hour of one online worker.
    """
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(workers, kind)
        cells_per_hour = profile.speed_kmh * 1000.0 / layout.cell_size_m
        for b in range(layout.n_communities):
            weights = []
            for c in range(layout.n_cells):
                mine = in_zone(layout, profile.zone_radius_communities, b, c)
                w = pass_weight(layout, kind, profile.roads_only, c) if mine else 0.0
                weights.append(w)
            total = sum(weights)
            for c in range(layout.n_cells):
                out[k, b, c] = weights[c] / total * cells_per_hour if total > 0 else 0.0
    return out


def door_contacts(workers: WorkersConfig, layout: Layout, residents: ResidentTable) -> np.ndarray:
    """``D[k, b, c]`` cell by cell: door contacts per hour with one household of cell ``c``.

    An online worker hands over ``orders_per_hour`` orders an hour at homes in his zone,
    spread over the zone's cells in proportion to residential density; a cell's share is
    shared among the households (residents) living there (at least one).

    Returns:
        (n_kinds, n_communities, n_cells) contacts per household per hour.
    """
    households = [0] * layout.n_cells
    for slot in range(len(residents)):
        households[int(residents.home[slot])] += 1
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(workers, kind)
        for b in range(layout.n_communities):
            homes = [
                float(layout.residential[c])
                if in_zone(layout, profile.zone_radius_communities, b, c)
                else 0.0
                for c in range(layout.n_cells)
            ]
            total = sum(homes)
            if total <= 0:
                continue
            for c in range(layout.n_cells):
                share = homes[c] / total
                out[k, b, c] = share * profile.orders_per_hour / max(households[c], 1)
    return out


def distance_m(layout: Layout, a: int, b: int) -> float:
    """Straight-line distance between the centres of two flat cells, metres."""
    ax, ay = divmod(int(a), layout.cells_y)
    bx, by = divmod(int(b), layout.cells_y)
    return math.hypot(ax - bx, ay - by) * layout.cell_size_m


def window_sum(values: np.ndarray, layout: Layout, radius: int) -> np.ndarray:
    """Sum of a cell field over the square window around each cell, cell by cell."""
    out = np.zeros(layout.n_cells)
    for c in range(layout.n_cells):
        out[c] = sum(values[d] for d in range(layout.n_cells) if chebyshev(layout, c, d) <= radius)
    return out

"""The street layout, route zones, exposure matrices and window sums."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bare_layout, make_config

from model.config.codes import WORKER_KINDS
from model.sim.space import (
    Layout,
    exposure_matrices,
    generate_layout,
    pass_weights,
    window_sum,
    zone_membership,
)
from model.sim.streams import make_streams


def layout_for(config, seed: int = 0) -> Layout:
    return generate_layout(
        config.street, config.policies.stations.count, make_streams(seed)["layout"]
    )


@pytest.fixture(scope="module")
def layout(small_config) -> Layout:
    return layout_for(small_config)


def test_shapes_and_ranges(small_config, layout: Layout) -> None:
    s = small_config.street
    n = s.cells_x * s.cells_y
    assert layout.n_cells == n
    for name in ("road", "residential", "merchant", "community", "grid"):
        assert getattr(layout, name).shape == (n,), name
    assert layout.n_communities == s.communities_x * s.communities_y == 4
    assert layout.n_grids == 4 * s.grids_per_community_side**2
    assert set(np.unique(layout.community)) == set(range(layout.n_communities))
    assert set(np.unique(layout.grid)) == set(range(layout.n_grids))
    assert np.all(layout.residential >= 0)


def test_roads_every_spacing_cells(small_config, layout: Layout) -> None:
    spacing = small_config.street.road_spacing_cells
    x, y = layout.xy(np.arange(layout.n_cells))
    assert np.array_equal(layout.road, (x % spacing == 0) | (y % spacing == 0))


def test_merchants_on_roads_and_homes_off_roads(layout: Layout) -> None:
    assert not np.any(layout.merchant & ~layout.road)
    assert np.all(layout.residential[layout.road] == 0)
    assert layout.merchant.any()
    assert (layout.residential > 0).any()


def test_communities_are_contiguous_quadrants(layout: Layout) -> None:
    x, y = layout.xy(np.arange(layout.n_cells))
    expected = (y >= 10).astype(int) * 2 + (x >= 10).astype(int)
    assert np.array_equal(layout.community, expected)


def test_each_grid_lies_in_one_community(layout: Layout) -> None:
    for g in range(layout.n_grids):
        assert len(np.unique(layout.community[layout.grid == g])) == 1


def test_offices_and_stations(small_config, layout: Layout) -> None:
    assert np.array_equal(layout.community[layout.office_cells], np.arange(layout.n_communities))
    count = small_config.policies.stations.count
    assert len(layout.station_cells) == count
    assert np.all(layout.road[layout.station_cells])
    assert len(np.unique(layout.station_cells)) == count
    assert np.array_equal(layout.station_community, layout.community[layout.station_cells])


def test_stations_spread_over_communities() -> None:
    layout = layout_for(make_config({"policies": {"stations": {"count": 4}}}))
    assert len(np.unique(layout.station_community)) == 4


def test_no_stations() -> None:
    layout = layout_for(make_config({"policies": {"stations": {"count": 0}}}))
    assert len(layout.station_cells) == 0


def test_layout_depends_on_seed_only(small_config) -> None:
    a, b, c = layout_for(small_config, 3), layout_for(small_config, 3), layout_for(small_config, 4)
    assert np.array_equal(a.merchant, b.merchant)
    assert np.array_equal(a.residential, b.residential)
    assert not np.array_equal(a.residential, c.residential)
    # a policy lever does not move the street
    other = layout_for(make_config({"policies": {"points": {"enabled": True}}}), 3)
    assert np.array_equal(a.residential, other.residential)
    assert np.array_equal(a.merchant, other.merchant)


def test_zone_radius_zero_is_own_community(small_config, layout: Layout) -> None:
    profile = small_config.workers.courier.model_copy(update={"zone_radius_communities": 0})
    zone = zone_membership(layout, profile)
    assert zone.shape == (4, layout.n_cells)
    for b in range(4):
        assert np.array_equal(zone[b], layout.community == b)


def test_zone_radius_one_covers_neighbours(small_config, layout: Layout) -> None:
    profile = small_config.workers.rider.model_copy(update={"zone_radius_communities": 1})
    zone = zone_membership(layout, profile)
    assert zone.all()  # on a 2 x 2 street every community neighbours every other


def test_pass_weights_drivers_keep_to_roads(small_config, layout: Layout) -> None:
    weights = pass_weights(layout, "driver", small_config.workers.driver)
    assert np.all(weights[~layout.road] == 0)
    assert np.all(weights[layout.road] > 0)


def test_exposure_rows_sum_to_cells_per_hour(small_config, layout: Layout) -> None:
    m = exposure_matrices(small_config.workers, layout)
    assert m.shape == (len(WORKER_KINDS), layout.n_communities, layout.n_cells)
    assert np.all(m >= 0)
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(small_config.workers, kind)
        expected = profile.speed_kmh * 1000.0 / layout.cell_size_m
        assert np.allclose(m[k].sum(axis=1), expected), kind
        zone = zone_membership(layout, profile)
        assert np.all(m[k][~zone] == 0), kind


def brute_window_sum(values: np.ndarray, nx: int, ny: int, r: int) -> np.ndarray:
    field = values.reshape(nx, ny)
    out = np.zeros((nx, ny))
    for i in range(nx):
        for j in range(ny):
            out[i, j] = field[max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1].sum()
    return out.ravel()


@pytest.mark.parametrize(("nx", "ny", "radius"), [(5, 7, 0), (5, 7, 1), (6, 4, 2), (4, 4, 6)])
def test_window_sum_matches_brute_force(nx: int, ny: int, radius: int) -> None:
    rng = np.random.default_rng(nx * 100 + ny * 10 + radius)
    values = rng.random(nx * ny)
    layout = bare_layout(nx, ny)
    got = window_sum(values, layout, radius)
    assert got.shape == (nx * ny,)
    assert np.allclose(got, brute_window_sum(values, nx, ny, radius))


def test_runs_one_after_another_leave_no_grid_class_registered(small_config) -> None:
    """Mesa registers each grid's cell class for pickling; a finished run's is dropped."""
    import copyreg
    import gc

    from model.sim.model import StreetModel, run_model

    run_model(small_config, seed=1, days=1)
    gc.collect()
    before = len(copyreg.dispatch_table)
    for seed in range(12):
        run_model(small_config, seed=seed, days=1)
    gc.collect()
    assert len(copyreg.dispatch_table) == before
    model = StreetModel(small_config, seed=3, days=1)  # a live model keeps its registration
    assert model.grid.cell_klass in copyreg.dispatch_table
    klass = model.grid.cell_klass
    del model
    gc.collect()
    assert klass not in copyreg.dispatch_table

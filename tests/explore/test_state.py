"""The explorer's adapter without a browser: schema-driven controls, the daily series, the
snapshots, and the display sampler's independence from the simulation's streams."""

from __future__ import annotations

import math
import os
import shlex
import subprocess
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from conftest import SMALL

from model.config.codes import IssueStatus
from model.config.errors import ConfigError
from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.explore import drawing, serve, state
from model.explore.state import ExplorerStreet
from model.sim.model import StreetModel
from model.sim.space import (
    CommunityOffice,
    Merchant,
    ResidentialBuilding,
    Station,
    exposure_matrices,
)
from model.sim.streams import STREAM_NAMES


def dotted(section: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested scenario mapping as dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    flat: dict[str, Any] = {}
    for key, value in section.items():
        if isinstance(value, dict):
            flat.update(dotted(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


SMALL_STREET: dict[str, Any] = {
    **dotted({key: value for key, value in SMALL.items() if key != "name"}),
    "days": 8,
}
"""The reduced street of the model tests (``tests/conftest.py``), 8 days, as explorer keyword
parameters (dotted scenario keys)."""


@pytest.fixture(scope="module")
def small_street() -> ExplorerStreet:
    """A small street with the points lever on, stepped 3 days and 10 hours."""
    model = ExplorerStreet(seed=5, **SMALL_STREET, **{"policies.points.enabled": True})
    for _ in range(3 * 24 + 10):
        model.step()
    return model


# --------------------------------------------------------------------------- controls


def test_control_ranges_and_defaults_come_from_the_schema():
    specs = {s.key: s for s in state.control_specs()}
    rider = specs["population.workers.rider"]  # ge=0, no upper bound
    rider_default = ScenarioConfig().population.workers.rider
    assert (rider.kind, rider.default, rider.minimum, rider.capped) == (
        "int",
        rider_default,
        0.0,
        True,
    )
    assert rider.maximum == state.UNBOUNDED_CAP * rider_default
    coverage = specs["policies.insurance.coverage_target"]  # ge=0, le=1
    assert (coverage.kind, coverage.minimum, coverage.maximum) == ("float", 0.0, 1.0)
    assert coverage.default == ScenarioConfig().policies.insurance.coverage_target
    assert not coverage.capped
    assert specs["days"].minimum == 1.0 and specs["days"].maximum == 3650.0  # ge=1, le=3650
    assert specs["policies.stations.count"].maximum == 200.0  # le=200
    assert specs["policies.mini_program.feedback"].default is True
    assert specs["policies.posts.enabled"].kind == "bool"
    assert set(state.LEVER_KEYS) | set(state.POPULATION_KEYS) | {"seed"} == set(specs)


def test_every_control_accepts_its_bounds_and_default():
    for spec in state.control_specs():
        if spec.key == "seed" or spec.kind == "bool":
            continue
        assert spec.minimum <= spec.default <= spec.maximum, spec.key
        for value in (spec.minimum, spec.maximum):
            value = int(value) if spec.kind == "int" else value
            config = state.explorer_config({spec.key: value})
            assert state.config_value(config, spec.key) == value


def test_a_lower_bound_that_excludes_its_value_starts_one_step_above(monkeypatch):
    from pydantic import Field

    from model.config.section import Section

    class Block(Section):
        rate: float = Field(0.5, gt=0, le=2.0)

    class Scenario(Section):
        block: Block = Block()

    monkeypatch.setattr(state, "ScenarioConfig", Scenario)
    spec = state.control_spec("block.rate")
    assert spec.step == 0.01 and spec.minimum == pytest.approx(0.01) and spec.maximum == 2.0


def test_control_spec_rejects_non_numeric_fields():
    with pytest.raises(TypeError, match="bool, int and float"):
        state.control_spec("policies.points.points_per_report")
    with pytest.raises(KeyError):
        state.control_spec("policies.points.no_such_field")
    with pytest.raises(KeyError, match="not a section"):
        state.control_spec("days.more")


def test_explorer_config_rejects_out_of_range_values_naming_the_key():
    with pytest.raises(ConfigError, match=r"policies\.insurance\.coverage_target"):
        state.explorer_config({"policies.insurance.coverage_target": 1.5})


def test_explorer_street_takes_the_levers_and_ignores_mesas_scenario():
    from mesa.experimental.scenarios import Scenario

    model = ExplorerStreet(
        seed=7, scenario=Scenario(rng=None), **SMALL_STREET, **{"policies.stations.count": 4}
    )
    assert model.seed == 7 and model.config.days == 8
    assert model.plan.days == model.days  # the simulated horizon, days
    assert model.config.policies.stations.count == 4
    assert len(model.plan.station_xy) == 4


def test_run_command_reproduces_the_explorer_configuration():
    model = ExplorerStreet(
        seed=11,
        **{
            "population.workers.rider": 300,
            "policies.points.enabled": True,
            "policies.points.yuan_per_point": 1.25,
            "days": 30,
        },
    )
    tokens = shlex.split(state.run_command(model))
    assert tokens[:3] == ["streetwise", "run", "scenarios/baseline.yaml"]
    seed = int(tokens[tokens.index("--seed") + 1])
    days = int(tokens[tokens.index("--days") + 1])
    sets = [tokens[i + 1] for i, token in enumerate(tokens) if token == "--set"]
    assert sorted(sets) == [
        "policies.points.enabled=true",
        "policies.points.yuan_per_point=1.25",
        "population.workers.rider=300",
    ]
    cli = load_scenario(REPO_ROOT / "scenarios" / "baseline.yaml", sets)
    ignore = {"name", "description", "days"}

    def strip(config: ScenarioConfig) -> dict[str, Any]:
        return {k: v for k, v in config.resolved().items() if k not in ignore}

    assert strip(cli) == strip(model.config)
    assert (seed, days) == (11, 30)


# --------------------------------------------------------------------------- the run is unchanged


def _tables_equal(a: pa.Table, b: pa.Table) -> bool:
    return a.schema == b.schema and a.equals(b)


def test_watching_a_run_does_not_change_it():
    """Snapshots and pictures every hour for a day, then daily, against an unwatched run."""
    overrides = {
        **SMALL_STREET,
        "policies.points.enabled": True,
        "policies.mini_program.enabled": True,
    }
    watched = ExplorerStreet(seed=3, **overrides)
    unwatched = StreetModel(state.explorer_config(overrides), seed=3)
    street_map = drawing.MapFigure(watched.plan)
    plots = drawing.SeriesFigure(watched.plan.days)
    while watched.running:
        watched.step()
        if watched.hours_elapsed <= 24 or watched.hours_elapsed % 24 == 0:
            street_map.png(watched.snapshot())
            plots.png(watched.series)
    unwatched.run()
    assert watched.hours_elapsed == unwatched.hours_elapsed == watched.days * 24
    for name, stream in watched.streams.items():
        assert stream.bit_generator.state == unwatched.streams[name].bit_generator.state, name
    assert watched.rng.bit_generator.state == unwatched.rng.bit_generator.state
    assert watched.random.getstate() == unwatched.random.getstate()
    a, b = watched.results(), unwatched.results()
    assert a.outcomes.keys() == b.outcomes.keys()
    for name, value in a.outcomes.items():
        assert value == b.outcomes[name] or (math.isnan(value) and math.isnan(b.outcomes[name]))
    assert _tables_equal(a.daily, b.daily)
    assert _tables_equal(a.issues, b.issues)
    assert _tables_equal(a.reports, b.reports)
    assert len(watched.series) == watched.days  # one point per simulated day
    # the series' last rates are the run's own outcomes
    for series_name, outcome in (
        ("response_rate", "response_rate"),
        ("resolution_rate", "resolved_share"),
        ("satisfaction_rate", "satisfaction_rate"),
        ("participation_to_date", "worker_participation_rate"),
    ):
        last = getattr(watched.series, series_name)[-1]
        assert last == pytest.approx(b.outcomes[outcome], nan_ok=True), series_name


def test_the_servers_single_blas_thread_gives_the_same_run():
    """The explorer's server runs with one OpenBLAS thread (serve.SERVER_ENV)."""
    script = (
        "from model.explore.state import ExplorerStreet\n"
        f"model = ExplorerStreet(seed=4, **{SMALL_STREET!r})\n"
        "out = model.run()\n"
        "print(sorted(out.outcomes.items()), out.daily.to_pylist(), out.issues.to_pylist())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env=extra,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for extra in (env, {**env, **serve.SERVER_ENV})
    ]
    assert runs[0] == runs[1] and len(runs[0]) > 1000


def test_the_display_stream_is_none_of_the_simulation_streams():
    assert state.DISPLAY_SPAWN_KEY >= len(STREAM_NAMES)
    assert state.DISPLAY_SPAWN_KEY != 1_000_003  # replicate seeds
    first = state.display_stream(4, 10).random(3)
    assert np.array_equal(first, state.display_stream(4, 10).random(3))
    assert not np.array_equal(first, state.display_stream(4, 11).random(3))
    assert not np.array_equal(first, state.display_stream(5, 10).random(3))


def test_a_snapshot_draws_from_no_simulation_stream(small_street: ExplorerStreet):
    before = {n: s.bit_generator.state for n, s in small_street.streams.items()}
    mesa_rng = small_street.rng.bit_generator.state
    first = small_street.snapshot()
    again = small_street.snapshot()
    assert {n: s.bit_generator.state for n, s in small_street.streams.items()} == before
    assert small_street.rng.bit_generator.state == mesa_rng
    # the picture of an hour depends on the seed and the hour only
    assert np.array_equal(first.worker_xy, again.worker_xy)
    other_seed = state.DisplaySampler(small_street.config, small_street.layout, seed=6)
    moved = state.street_now(small_street, other_seed)
    assert np.array_equal(moved.worker_kind, first.worker_kind)
    assert not np.array_equal(moved.worker_xy, first.worker_xy)


# --------------------------------------------------------------------------- snapshots


def test_snapshot_shows_the_online_workers_and_the_open_issues(small_street: ExplorerStreet):
    now = small_street.snapshot()
    hour = small_street.hours_elapsed - 1
    assert now.hour_shown == hour
    days = small_street.days
    assert now.clock == f"day 4 of {days}, {hour % 24:02d}:00-{hour % 24 + 1:02d}:00"
    online = small_street.shifts.online[:, hour % 24] > 0
    kinds = small_street.workforce.kind[online]
    assert np.array_equal(
        np.bincount(now.worker_kind, minlength=3), np.bincount(kinds, minlength=3)
    )
    assert now.workers_total == len(small_street.workforce)
    # display positions lie inside the street, in the interior of their cell
    cells_x, cells_y = small_street.plan.community.shape
    frac = now.worker_xy - np.floor(now.worker_xy)
    assert np.all((now.worker_xy >= 0) & (now.worker_xy < [cells_x, cells_y]))
    assert np.all((frac >= 0.15) & (frac <= 0.85))
    log = small_street.issues
    open_ = np.flatnonzero(log.status[: small_street.arrived] < IssueStatus.RESOLVED)
    assert len(open_) > 0
    assert np.array_equal(now.issue_status, log.status[open_])
    assert np.array_equal(now.issue_type, log.type[open_])
    assert np.array_equal(now.issue_xy, np.column_stack([log.x[open_], log.y[open_]]))
    assert set(now.issue_status) <= set(range(len(state.OPEN_STATUS_NAMES)))
    assert state.OPEN_STATUS_NAMES == ("open", "detected", "reported", "acknowledged", "dispatched")


def test_the_plan_holds_the_street_places(small_street: ExplorerStreet):
    plan, layout = small_street.plan, small_street.layout
    assert plan.community.shape == (layout.cells_x, layout.cells_y) == (20, 20)
    assert plan.n_communities == layout.n_communities == 4
    x, y = layout.xy(layout.office_cells)
    assert np.array_equal(plan.office_xy, np.column_stack([x, y]))
    assert np.array_equal(plan.community[x, y], np.arange(4))  # each office in its community
    assert len(plan.station_xy) == small_street.config.policies.stations.count
    assert plan.road.sum() == layout.road.sum() > 0


def test_before_the_first_hour_no_worker_is_shown():
    model = ExplorerStreet(seed=1, **SMALL_STREET)
    now = model.snapshot()
    assert now.clock == "start" and len(now.worker_kind) == 0 and now.worker_xy.shape == (0, 2)


def test_display_cells_follow_the_pass_weights():
    model = ExplorerStreet(seed=2, **SMALL_STREET)
    sampler = model.sampler
    passes = exposure_matrices(model.config.workers, model.layout)
    rng = np.random.default_rng(0)
    n = 40_000
    for kind in range(3):
        for base in (0, 3):
            cells = sampler.cells(np.full(n, kind), np.full(n, base), rng)
            expected = passes[kind, base] / passes[kind, base].sum()
            observed = np.bincount(cells, minlength=len(expected)) / n
            assert np.all(expected[observed > 0] > 0), (kind, base)  # never off the route
            assert 0.5 * np.abs(observed - expected).sum() < 0.06, (kind, base)
    # drivers keep to roads; couriers (zone radius 0) to their own community
    drivers = sampler.cells(np.full(500, 2), np.full(500, 1), rng)
    assert model.layout.road[drivers].all()
    couriers = sampler.cells(np.full(500, 1), np.full(500, 2), rng)
    assert np.all(model.layout.community[couriers] == 2)


def test_day_series_agrees_with_the_recorder_and_the_outcomes(small_street: ExplorerStreet):
    series = small_street.series
    rows = small_street.recorder.rows
    assert len(series) == len(rows) == 3
    assert series.day == [1, 2, 3]
    reports = series.column("reports_to_date")
    for c, name in enumerate(state.CHANNEL_NAMES):
        assert np.array_equal(reports[:, c], np.cumsum([r[f"reports_{name}"] for r in rows]))
    assert reports[-1].sum() > 0
    assert series.open_issues == [r["open_issues"] for r in rows]
    assert series.cost_to_date_yuan == [r["cost_to_date_yuan"] for r in rows]
    assert series.registered_share == [r["registered_share"] for r in rows]
    active = [r["active_participants"] / r["workforce"] for r in rows]
    assert series.active_share == pytest.approx(active)
    for name in ("response_rate", "resolution_rate", "satisfaction_rate", "participation_to_date"):
        values = series.column(name)
        assert np.all(np.isnan(values) | ((values >= 0) & (values <= 1))), name


def test_the_plan_reads_the_places_from_the_mesa_grid(small_street: ExplorerStreet):
    """The map's places are where the grid holds the place agents (their job in the model)."""
    layout = small_street.layout
    assert len(small_street.plan.merchant_xy) == np.count_nonzero(layout.merchant) > 0
    assert len(small_street.plan.building_xy) == np.count_nonzero(layout.residential > 0) > 0
    corner = next(c for c in small_street.grid.all_cells.cells if c.coordinate == (0, 0))
    added = Station(small_street, corner, 0)  # a station placed on the grid appears on the map
    try:
        moved = state.street_plan(small_street)
    finally:
        added.remove()
    assert len(moved.station_xy) == len(small_street.plan.station_xy) + 1
    assert [0, 0] in moved.station_xy.tolist()
    for place, xy in (
        (CommunityOffice, moved.office_xy),
        (Merchant, moved.merchant_xy),
        (ResidentialBuilding, moved.building_xy),
    ):
        cells = sorted(tuple(a.cell.coordinate) for a in small_street.agents_by_type[place])
        assert sorted(map(tuple, xy.tolist())) == cells

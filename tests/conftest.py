"""Shared fixtures and checks for the model-core tests.

``make_config`` builds a small street (400 residents, 60/30/30 workers, 20 x 20 cells in
2 x 2 communities) by deep-merging overrides into the *fully resolved* default scenario, so
a test can change one field of a channel, a department or an issue type without restating
the whole block (and without depending on the schema's handling of partial blocks, which
``test_config.py`` tests on its own).

``check_invariants`` asserts every structural invariant of one run's output; the simulation
and hypothesis tests share it.
"""

from __future__ import annotations

import copy
import itertools
import math
import subprocess
from functools import cache
from typing import Any

import model as _streetwise  # noqa: F401 - its environment settings precede numpy's import

# isort: split
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from model.config.codes import CHANNELS, OBSERVERS, STATUS_NAMES, WORKER_KINDS
from model.config.scenario import ScenarioConfig
from model.outcomes.contract import OUTCOME_NAMES, SHARE_OUTCOMES
from model.sim.channels import ChannelRules, channel_rules
from model.sim.issues import TIME_FIELDS
from model.sim.model import StreetModel, run_model
from model.sim.output import RunOutput
from model.sim.space import Layout, generate_layout

SMALL: dict[str, Any] = {
    "name": "small",
    "days": 20,
    "warmup_days": 0,
    "population": {
        "residents": 400,
        "workers": {"rider": 60, "courier": 30, "driver": 30},
        "staff_per_community": 6,
    },
    "street": {"cells_x": 20, "cells_y": 20, "communities_x": 2, "communities_y": 2},
}
"""The reduced street every simulation test starts from."""

EXPERIMENT_OVERRIDES: dict[str, Any] = {
    "warmup_days": 0,
    "population.residents": 300,
    "population.workers.rider": 40,
    "population.workers.courier": 20,
    "population.workers.driver": 20,
    "street.cells_x": 24,
    "street.cells_y": 24,
}
"""A reduced street as experiment overrides (dotted keys), shared by the experiment tests."""

REPORT_CHANNELS: tuple[str, ...] = ("hotline", "mini_program", "station", "in_person")
"""Channels a reporter can choose (everything but the staff's own patrol ticket)."""

SMALL_YAML = """\
name: small
days: 5
warmup_days: 0
population:
  residents: 400
  workers: {rider: 60, courier: 30, driver: 30}
street: {cells_x: 20, cells_y: 20, communities_x: 2, communities_y: 2}
"""
"""The small street as a scenario file (partial blocks only, as a user would write it)."""


def assert_bad_input(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The CLI refused bad input: exit 2, one line on stderr naming each needle, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def detect_both_ways(detector, issues, counts, online, hours, duty, draws, hour_index):
    """A day's detections drawn both ways: ``detect_hours`` of every intensity
    (``passes_hours``) and the bounded ``detect_day``, each after ``new_day``; the tests
    compare them row for row."""
    idx = np.arange(len(issues))
    detector.new_day()
    intensity = detector.passes_hours(idx, counts, hours, duty)
    every = detector.detect_hours(
        idx, issues.cell[idx], intensity, counts, online, draws, hour_index
    )
    detector.new_day()
    bounded = detector.detect_day(
        idx, issues.cell[idx], counts, online, hours, duty, draws, hour_index
    )
    return every, bounded


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``extra`` merged in, nested mappings merged key by key."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@cache
def _resolved_defaults() -> dict[str, Any]:
    return ScenarioConfig().resolved()


def make_config(*overrides: dict[str, Any]) -> ScenarioConfig:
    """The small street with ``overrides`` deep-merged into the full default scenario."""
    data = deep_merge(_resolved_defaults(), SMALL)
    for extra in overrides:
        data = deep_merge(data, extra)
    return ScenarioConfig.model_validate(data)


def layout_of(config: ScenarioConfig, rng: np.random.Generator) -> Layout:
    """The street layout of a scenario, drawn from ``rng``."""
    return generate_layout(config.street, config.policies.stations.count, rng)


def bare_layout(nx: int, ny: int) -> Layout:
    """A street of ``nx`` x ``ny`` empty cells in one community (for window sums)."""
    n = nx * ny
    return Layout(
        cells_x=nx,
        cells_y=ny,
        cell_size_m=50.0,
        road=np.zeros(n, bool),
        residential=np.zeros(n),
        merchant=np.zeros(n, bool),
        community=np.zeros(n, np.int64),
        grid=np.zeros(n, np.int64),
        n_communities=1,
        communities_x=1,
        n_grids=1,
        office_cells=np.array([0]),
        station_cells=np.array([], np.int64),
        station_community=np.array([], np.int64),
    )


def rules_of(config: ScenarioConfig) -> ChannelRules:
    """The effective channel rules of a scenario."""
    return channel_rules(config.channels, config.policies)


def all_channels_closed() -> dict[str, Any]:
    """Overrides that close every reporter channel."""
    return {"channels": {name: {"enabled": False} for name in REPORT_CHANNELS}}


def every_lever_on() -> dict[str, Any]:
    """Overrides that switch every policy lever on."""
    return {
        "policies": {
            "posts": {"enabled": True},
            "points": {"enabled": True, "crowding_out": True},
            "honours": {"enabled": True},
            "insurance": {"enabled": True},
            "waiver": {"enabled": True},
            "one_stop": {"enabled": True},
            "mini_program": {"enabled": True},
            "stations": {"upgraded": True, "count": 4},
            "deliberation": {"enabled": True, "activities_per_month": 2.0},
        }
    }


@pytest.fixture(scope="session")
def small_config() -> ScenarioConfig:
    return make_config()


@pytest.fixture(scope="module")
def model(small_config: ScenarioConfig) -> StreetModel:
    """The small street, seed 3, built for four days and never stepped (a module may
    define its own ``model``)."""
    return StreetModel(small_config, seed=3, days=4)


@pytest.fixture(scope="module")
def shifts(model: StreetModel):
    """One day's shifts of ``model``'s workers, drawn from a generator of their own."""
    return model.workforce.draw_shifts(np.random.default_rng(0))


@pytest.fixture(scope="session")
def small_run(small_config: ScenarioConfig) -> RunOutput:
    """One 20-day run of the small status-quo street, seed 1."""
    return run_model(small_config, seed=1, days=20)


@pytest.fixture(scope="session")
def levers_run() -> RunOutput:
    """One 35-day run of the small street with every lever on, seed 2 (covers a month)."""
    return run_model(make_config(every_lever_on()), seed=2, days=35)


# --------------------------------------------------------------------------- checks


def column(table: pa.Table, name: str) -> np.ndarray:
    """A column as numpy; nulls of float columns become NaN."""
    col = table.column(name)
    if pa.types.is_floating(col.type):
        return pc.fill_null(col, np.nan).to_numpy(zero_copy_only=False)
    return col.to_numpy(zero_copy_only=False)


def _present(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values)


def check_invariants(output: RunOutput, days: int) -> None:
    """Assert every structural invariant of one run's output."""
    outcomes, issues, reports, daily = output.outcomes, output.issues, output.reports, output.daily
    n = issues.num_rows
    eps = 1e-9

    # ---- outcomes: the contract names, shares in [0, 1], counts consistent
    assert tuple(outcomes) == OUTCOME_NAMES
    for name in SHARE_OUTCOMES:
        value = outcomes[name]
        assert math.isnan(value) or 0.0 <= value <= 1.0, (name, value)
    # undefined (NaN) exactly when there are no workers
    no_workers = math.isnan(outcomes["registered_share"])
    for name in ("mean_belonging", "worker_monthly_turnover"):
        assert math.isnan(outcomes[name]) == no_workers, name
    # participation needs a whole 30-day block of the window
    short = outcomes["measured_days"] < 30
    assert math.isnan(outcomes["worker_participation_rate"]) == (no_workers or short)
    assert no_workers or 0 <= outcomes["mean_belonging"] <= 1
    assert no_workers or outcomes["worker_monthly_turnover"] >= 0.0
    assert outcomes["issues_total"] == n
    assert outcomes["program_cost_yuan"] >= outcomes["points_paid_yuan"] - eps
    assert outcomes["points_paid_yuan"] >= 0.0
    for name in ("median_hours_to_report", "median_hours_to_fix_among_fixed"):
        assert math.isnan(outcomes[name]) or outcomes[name] >= 0.0, name
    # the Kaplan-Meier median counts unfixed issues as still waiting: never below the
    # median over fixed issues only
    km, among_fixed = outcomes["median_hours_to_fix"], outcomes["median_hours_to_fix_among_fixed"]
    assert math.isnan(km) or km >= among_fixed - eps
    assert outcomes["incidents_total"] <= outcomes["issues_total"]
    assert outcomes["public_cost_yuan"] >= 0.0
    assert outcomes["net_social_cost_yuan"] == pytest.approx(
        outcomes["public_cost_yuan"] + outcomes["forgone_revenue_yuan"] + outcomes["harm_yuan"]
    )

    # ---- the issue log
    assert np.array_equal(column(issues, "issue_id"), np.arange(n))
    opened = column(issues, "opened_at")
    assert np.all(np.diff(opened) >= 0)
    assert np.all((opened >= 0) & (opened < days * 24.0))
    times = {name: column(issues, name) for name in TIME_FIELDS}
    closed = column(issues, "closed_at")
    status = column(issues, "status").astype(str)
    assert set(status) <= set(STATUS_NAMES)

    # per issue: opened <= detected <= reported <= acknowledged <= dispatched <= resolved
    # <= feedback, wherever both stages happened
    for i, early in enumerate(TIME_FIELDS):
        for late in TIME_FIELDS[i + 1 :]:
            both = _present(times[early]) & _present(times[late])
            bad = np.flatnonzero(both & (times[late] < times[early] - eps))
            assert len(bad) == 0, f"{late} before {early} for issues {bad[:5]}"
    for name in TIME_FIELDS[:-1]:  # feedback may follow the closing
        both = _present(times[name]) & _present(closed)
        assert np.all(closed[both] >= times[name][both] - eps), f"closed_at before {name}"
    # a stage happened only if every earlier stage of the main chain happened
    chain = TIME_FIELDS[:6]
    for early, late in itertools.pairwise(chain):
        assert np.all(_present(times[early])[_present(times[late])]), f"{late} without {early}"
    # no report without a detection; feedback only to a reported issue
    assert np.all(_present(times["first_detected_at"])[_present(times["reported_at"])])
    assert np.all(_present(times["reported_at"])[_present(times["feedback_at"])])

    # status agrees with the times
    det, rep = _present(times["first_detected_at"]), _present(times["reported_at"])
    ack, dis = _present(times["acknowledged_at"]), _present(times["dispatched_at"])
    res, clo = _present(times["resolved_at"]), _present(closed)
    expect = {
        "open": ~det & ~clo,
        "detected": det & ~rep & ~clo,
        "reported": rep & ~ack & ~clo,
        "acknowledged": ack & ~dis & ~clo,
        "dispatched": dis & ~res & ~clo,
        "resolved": res & ~clo,
        "closed_unresolved": dis & ~res & clo,
        "escalated": ~res & clo,
        "expired": ~rep & ~res & clo,
    }
    for name, ok in expect.items():
        mine = status == name
        assert np.all(ok[mine]), f"status {name} disagrees with the times"
    # incidents: every escalated issue, some tickets closed unfixed, never a fixed or
    # expired one; never before the issue opened, nor before a closed ticket's close
    incident = column(issues, "incident_at")
    had = _present(incident)
    assert np.all(had[status == "escalated"])
    assert not np.any(had[np.isin(status, ("resolved", "expired"))])
    assert np.all(incident[had] >= opened[had])
    late = had & (status == "closed_unresolved")
    assert np.all(incident[late] >= closed[late] - eps)
    assert column(daily, "incidents").sum() == np.count_nonzero(had)
    for name in ("channel", "first_reporter_kind"):
        valid = pc.is_valid(issues.column(name)).to_numpy(zero_copy_only=False)
        assert np.array_equal(valid, rep), name

    # ---- conservation: every issue has exactly one status, and the daily flows add up
    counts = {name: int(np.count_nonzero(status == name)) for name in STATUS_NAMES}
    assert sum(counts.values()) == n
    assert daily.num_rows == days
    assert np.array_equal(column(daily, "day"), np.arange(days))
    warmup = days - round(outcomes["measured_days"])
    assert np.array_equal(column(daily, "measured"), np.arange(days) >= warmup)
    assert column(daily, "new_issues").sum() == n
    assert column(daily, "resolutions").sum() == counts["resolved"]
    assert column(daily, "closed_unresolved").sum() == counts["closed_unresolved"]
    assert column(daily, "escalations").sum() == counts["escalated"]
    assert column(daily, "expired").sum() == counts["expired"]
    live = n - counts["resolved"] - counts["closed_unresolved"]
    live -= counts["escalated"] + counts["expired"]
    assert column(daily, "open_issues")[-1] == live
    assert column(daily, "reports_total").sum() == reports.num_rows
    by_channel = sum(column(daily, f"reports_{name}") for name in CHANNELS)
    assert np.array_equal(by_channel, column(daily, "reports_total"))
    for name in ("registered_share", "insured_share", "mean_belonging", "mean_worker_trust"):
        values = column(daily, name)
        values = values[~np.isnan(values)]  # undefined without workers
        assert np.all((values >= 0) & (values <= 1)), name

    # ---- the report log agrees with the issue log
    r_issue = column(reports, "issue_id")
    r_time = column(reports, "time")
    r_kind = column(reports, "reporter_kind").astype(str)
    r_channel = column(reports, "channel").astype(str)
    r_dup = column(reports, "duplicate").astype(bool)
    assert set(r_kind) <= set(OBSERVERS)
    assert set(r_channel) <= set(CHANNELS)
    assert np.all((r_issue >= 0) & (r_issue < n))
    # no report without a detection, never before the issue opened or was first detected
    assert np.all(det[r_issue])
    assert np.all(r_time >= times["first_detected_at"][r_issue] - eps)
    assert np.all(r_time >= opened[r_issue] - eps)
    assert np.array_equal(np.bincount(r_issue, minlength=n), column(issues, "n_reports"))
    firsts = r_issue[~r_dup]
    assert len(np.unique(firsts)) == len(firsts), "an issue has two first reports"
    assert np.array_equal(np.sort(firsts), np.flatnonzero(rep))
    first_row = np.flatnonzero(~r_dup)
    assert np.allclose(r_time[first_row], times["reported_at"][firsts])
    issue_channel = column(issues, "channel").astype(str)
    issue_kind = column(issues, "first_reporter_kind").astype(str)
    assert np.array_equal(r_channel[first_row], issue_channel[firsts])
    assert np.array_equal(r_kind[first_row], issue_kind[firsts])
    # duplicates come after the first report
    dup_rows = np.flatnonzero(r_dup)
    assert np.all(r_time[dup_rows] >= times["reported_at"][r_issue[dup_rows]] - eps)
    # workers and residents never use the staff's ticket; staff use nothing else
    assert np.array_equal(r_kind == "staff", r_channel == "staff_patrol")
    # a person reports an issue at most once
    rid = column(reports, "reporter_id")
    person = r_kind != "staff"
    pairs = np.stack([r_issue[person], rid[person].astype(np.int64)], axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs), "someone reported an issue twice"
    workers = np.isin(r_kind, WORKER_KINDS)
    assert outcomes["worker_reports_total"] == np.count_nonzero(workers)
    assert column(daily, "worker_reports").sum() == np.count_nonzero(workers)
    assert column(daily, "duplicate_reports").sum() == np.count_nonzero(r_dup)

    # ---- outcome shares recomputed from the logs
    if n:
        assert outcomes["detected_share"] == pytest.approx(np.count_nonzero(det) / n)
        assert outcomes["reported_share"] == pytest.approx(np.count_nonzero(rep) / n)
        assert outcomes["incident_share"] == pytest.approx(np.count_nonzero(had) / n)

    # ---- how each report ended for its reporter: known once the issue ended, never before
    ended_at = column(reports, "outcome_at")
    satisfied = pc.is_valid(reports.column("satisfied")).to_numpy(zero_copy_only=False)
    assert np.array_equal(satisfied, _present(ended_at) & person)
    assert np.all(ended_at[_present(ended_at)] >= r_time[_present(ended_at)] - eps)
    fixed = reports.column("fixed").fill_null(False).to_numpy(zero_copy_only=False)
    assert np.all(status[r_issue[fixed.astype(bool)]] == "resolved")

    # ---- the worker roster: every worker once, present spans in order, reports add up
    workers = output.workers
    ids = column(workers, "worker_id")
    assert len(np.unique(ids)) == len(ids)
    entered, left = column(workers, "entered_at"), column(workers, "left_at")
    assert np.all(left[_present(left)] >= entered[_present(left)])
    assert np.count_nonzero(~_present(left)) == outcomes_slots(output)
    per_worker = sum(column(workers, f"reports_{name}") for name in REPORT_CHANNELS)
    worker_rows = np.isin(r_kind, WORKER_KINDS)
    reporters, filed = np.unique(rid[worker_rows].astype(np.int64), return_counts=True)
    by_id = dict(zip(ids.tolist(), per_worker.tolist(), strict=True))
    assert all(by_id[r] == c for r, c in zip(reporters.tolist(), filed.tolist(), strict=True))
    assert per_worker.sum() == np.count_nonzero(worker_rows)


def outcomes_slots(output: RunOutput) -> int:
    """Worker places of a run (the workforce of its last day)."""
    return int(column(output.daily, "workforce")[-1]) if output.daily.num_rows else 0

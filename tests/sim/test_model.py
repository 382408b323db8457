"""Whole runs: invariants, determinism, common random numbers and comparative statics."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from conftest import (
    REPORT_CHANNELS,
    all_channels_closed,
    check_invariants,
    column,
    every_lever_on,
    make_config,
)

from model.config.codes import DEPARTMENTS, ISSUE_TYPES, OBSERVERS, WORKER_KINDS
from model.outcomes.contract import OUTCOME_NAMES
from model.sim.agents import CommunityStaff, Resident, Worker
from model.sim.model import StreetModel, run_model

SEEDS = (11, 12, 13)
ARRIVAL_COLUMNS = ("issue_id", "type", "community", "x", "y", "severity", "indoor", "opened_at")
NO_WORKERS = {"population": {"workers": {"rider": 0, "courier": 0, "driver": 0}}}
NO_PATROL = {"staff": {"patrol_share": 0.0}}


def same_outcomes(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a
    )


# ------------------------------------------------------------------ invariants


def test_status_quo_run_invariants(small_run) -> None:
    check_invariants(small_run, days=20)
    assert small_run.issues.num_rows > 100
    assert small_run.reports.num_rows > 0
    assert small_run.outcomes["worker_reports_total"] > 0
    assert tuple(small_run.outcomes) == OUTCOME_NAMES


def test_every_lever_run_invariants(levers_run) -> None:
    check_invariants(levers_run, days=35)
    o = levers_run.outcomes
    assert o["program_cost_yuan"] > 0
    assert o["points_paid_yuan"] > 0  # verified worker reports were paid
    channels = set(column(levers_run.reports, "channel").astype(str))
    assert "mini_program" in channels


@pytest.mark.parametrize(
    "overrides",
    [
        NO_WORKERS,
        all_channels_closed(),
        {"population": {"residents": 0}},
        {"population": {"staff_per_community": 0}},
        {"issues": {"types": {name: {"arrivals_per_day": 0.0} for name in ISSUE_TYPES}}},
    ],
    ids=["no-workers", "channels-closed", "no-residents", "no-staff", "no-issues"],
)
def test_edge_case_runs_keep_the_invariants(overrides) -> None:
    output = run_model(make_config(overrides), seed=5, days=8)
    check_invariants(output, days=8)


def test_no_issues_gives_undefined_shares_not_errors() -> None:
    none = {"issues": {"types": {name: {"arrivals_per_day": 0.0} for name in ISSUE_TYPES}}}
    o = run_model(make_config(none), seed=1, days=3).outcomes
    assert o["issues_total"] == 0
    for name in (
        "detected_share",
        "reported_share",
        "resolved_share",
        "incident_share",
        "fixed_within_7d_share",
        "median_hours_to_fix",
        "satisfaction_rate",
        "response_rate",
    ):
        assert math.isnan(o[name]), name
    assert o["incidents_total"] == 0 and o["harm_yuan"] == 0


def test_staff_patrol_files_one_ticket_per_issue(small_run) -> None:
    """Staff do not re-file their own ticket every time a patrol passes the issue again."""
    kind = column(small_run.reports, "reporter_kind").astype(str)
    issue = column(small_run.reports, "issue_id")
    staff_issues = issue[kind == "staff"]
    assert len(staff_issues) > 0
    assert len(np.unique(staff_issues)) == len(staff_issues)


def test_agents_and_tables_agree(small_config) -> None:
    model = StreetModel(small_config, seed=3, days=40)
    model.run()
    workers = list(model.agents_by_type[Worker])
    assert len(workers) == len(model.workforce) == 120  # slots are refilled after turnover
    assert model.recorder.leavers_total > 0
    assert sorted(w.slot for w in workers) == list(range(120))
    assert all(model.workforce.agent_id[w.slot] == w.unique_id for w in workers)
    assert set(model.workers_by_id) == {w.unique_id for w in workers}
    assert len(model.agents_by_type[Resident]) == 400
    assert len(model.agents_by_type[CommunityStaff]) == 4 * 6
    counts = np.bincount(model.workforce.kind, minlength=3)
    assert list(counts) == [60, 30, 30]  # the kind mix stays constant


def test_daily_series_and_outcome_definitions(small_run) -> None:
    o, issues = small_run.outcomes, small_run.issues
    reported = column(issues, "reported_at")
    opened = column(issues, "opened_at")
    resolved = column(issues, "resolved_at")
    has = ~np.isnan(reported)
    assert o["median_hours_to_report"] == pytest.approx(np.median(reported[has] - opened[has]))
    fixed = ~np.isnan(resolved)
    assert o["median_hours_to_fix_among_fixed"] == pytest.approx(
        np.median(resolved[fixed] - opened[fixed])
    )
    status = column(issues, "status").astype(str)
    ended = has & np.isin(status, ["resolved", "closed_unresolved", "escalated"])
    assert o["resolved_share"] == pytest.approx(np.count_nonzero(fixed) / np.count_nonzero(ended))
    daily = small_run.daily
    assert column(daily, "workforce")[-1] == 120
    assert np.all(column(daily, "cost_to_date_yuan")[1:] >= column(daily, "cost_to_date_yuan")[:-1])
    assert o["program_cost_yuan"] == pytest.approx(column(daily, "cost_to_date_yuan")[-1])


# ------------------------------------------------------------------ determinism and CRN


def test_same_config_and_seed_same_everything(small_config, small_run) -> None:
    random.seed(99)
    np.random.seed(99)  # noqa: NPY002 - global state must not matter
    again = run_model(small_config, seed=1, days=20)
    assert same_outcomes(small_run.outcomes, again.outcomes)
    for name in ("daily", "issues", "reports"):
        assert getattr(small_run, name).equals(getattr(again, name)), name


def test_a_mesa_step_is_a_day_of_hours(small_config, small_run) -> None:
    """``step`` (Mesa's time unit: a day) runs 24 ``advance_hour`` calls, nothing else."""
    by_day = StreetModel(small_config, seed=1, days=20)
    by_day.step()
    assert (by_day.hours_elapsed, by_day.time) == (24, 1.0)
    by_hour = StreetModel(small_config, seed=1, days=20)
    for _ in range(24):
        by_hour.advance_hour()
    assert by_hour.hours_elapsed == 24 and by_hour.time == 0.0  # Mesa's clock not moved
    while by_hour.running:
        by_hour.advance_hour()
    hourly, daily = by_hour.results(), by_day.run()
    assert by_day.time == 20.0 and by_day.hours_elapsed == by_hour.hours_elapsed == 20 * 24
    for run in (hourly, daily):
        assert same_outcomes(small_run.outcomes, run.outcomes)
        for name in ("daily", "issues", "reports", "workers"):
            assert getattr(small_run, name).equals(getattr(run, name)), name


def test_different_seeds_differ(small_config, small_run) -> None:
    other = run_model(small_config, seed=2, days=20)
    assert not small_run.issues.equals(other.issues)
    assert not same_outcomes(small_run.outcomes, other.outcomes)


@pytest.mark.parametrize(
    "overrides",
    [
        every_lever_on(),
        NO_WORKERS,
        all_channels_closed(),
        {"population": {"staff_per_community": 12, "residents": 900}},
        {"behaviour": {"worker_intercept": 5.0}},
    ],
    ids=["every-lever", "no-workers", "channels-closed", "more-people", "eager-workers"],
)
def test_issue_arrivals_depend_on_the_seed_only(small_config, overrides) -> None:
    """Common random numbers: same seed, different levers -> same issues, times and places."""
    a = StreetModel(small_config, seed=7, days=15)
    b = StreetModel(make_config(overrides), seed=7, days=15)
    out_a, out_b = a.run(), b.run()
    assert out_a.issues.num_rows == out_b.issues.num_rows > 0
    for name in ARRIVAL_COLUMNS:
        assert out_a.issues.column(name).equals(out_b.issues.column(name)), name
    assert np.array_equal(a.issues.escalate_at, b.issues.escalate_at)
    assert np.array_equal(a.issues.lapse_at, b.issues.lapse_at)
    assert np.array_equal(a.layout.residential, b.layout.residential)


# ------------------------------------------------------------------ comparative statics


@pytest.mark.parametrize("seed", SEEDS)
def test_no_workers_no_worker_reports(seed) -> None:
    output = run_model(make_config(NO_WORKERS), seed=seed, days=25)
    kinds = set(column(output.reports, "reporter_kind").astype(str))
    assert not kinds & set(WORKER_KINDS)
    assert output.outcomes["worker_reports_total"] == 0
    assert "resident" in kinds  # the street still reports


@pytest.mark.parametrize("seed", SEEDS)
def test_all_channels_closed_nothing_reported(seed) -> None:
    closed = run_model(make_config(all_channels_closed()), seed=seed, days=25)
    kinds = set(column(closed.reports, "reporter_kind").astype(str))
    assert kinds <= {"staff"}  # only the staff's own patrol tickets remain
    channels = set(column(closed.reports, "channel").astype(str))
    assert not channels & set(REPORT_CHANNELS)
    assert closed.outcomes["worker_reports_total"] == 0
    assert closed.outcomes["detected_share"] > 0  # issues are still seen
    # and without the staff's own patrol, nothing at all is reported
    silent = run_model(make_config(all_channels_closed(), NO_PATROL), seed=seed, days=25)
    assert silent.reports.num_rows == 0
    assert silent.outcomes["reported_share"] == 0.0
    assert math.isnan(silent.outcomes["median_hours_to_report"])
    assert set(column(silent.issues, "status").astype(str)) <= {
        "open",
        "detected",
        "escalated",
        "expired",
    }


FAST_DEPARTMENTS = {
    "service": {
        "departments": {
            name: {
                "crews": 50,
                "service_median_hours": 2.0,
                "service_sigma": 0.1,
                "resolution_probability": 1.0,
            }
            for name in DEPARTMENTS
        }
    },
    "channels": {name: {"routing_accuracy": 1.0} for name in REPORT_CHANNELS},
}


def median_resolve(staff: int, seed: int, *extra) -> float:
    """Kaplan-Meier median hours to fix with ``staff`` per community (inf: not reached)."""
    config = make_config({"population": {"staff_per_community": staff}}, *extra)
    median = run_model(config, seed=seed, days=20).outcomes["median_hours_to_fix"]
    return math.inf if math.isnan(median) else median


@pytest.mark.parametrize("seed", SEEDS)
def test_more_staff_resolves_no_slower_when_staff_are_the_bottleneck(seed) -> None:
    medians = [median_resolve(staff, seed, FAST_DEPARTMENTS) for staff in (1, 2, 6, 12)]
    assert all(np.isfinite(medians))
    assert all(b <= a for a, b in itertools.pairwise(medians)), medians
    assert medians[-1] < medians[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_more_staff_resolves_no_slower_in_the_status_quo(seed) -> None:
    few, many = median_resolve(1, seed), median_resolve(12, seed)
    assert math.isfinite(many) and many <= few, (few, many)


@pytest.mark.parametrize("seed", SEEDS)
def test_invisible_issues_are_never_detected(seed) -> None:
    zero = {o: 0.0 for o in OBSERVERS}
    blind = {"issues": {"types": {name: {"visibility": zero} for name in ISSUE_TYPES}}}
    output = run_model(make_config(blind), seed=seed, days=10)
    assert output.outcomes["detected_share"] == 0.0
    assert output.reports.num_rows == 0

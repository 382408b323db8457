"""Cost reconciliation: a run's cost outcomes equal what its ledger booked in the window.

For every scenario in ``scenarios/`` (on the reduced street, a few days, with and without a
warm-up), every booking of the ledger is recorded with the hour it was made, and

- ``program_cost_yuan``, ``points_paid_yuan``, ``forgone_revenue_yuan``, ``public_cost_yuan``
  and ``net_social_cost_yuan`` equal the sums of the bookings made in the measurement window
  (plus staff hours and department attempts counted from end-of-day snapshots, and the harm
  of the window's incidents read from the issue log);
- the daily series' ``cost_to_date_yuan`` equals the bookings up to the end of each day;
- each lever's running cost per day matches its documented basis (docs/ODD.md section 7.13:
  yearly costs / 365 and monthly costs / 30, stations ``count x (yuan_per_station_year +
  upgrade_yuan_per_station_year if upgraded)``, stipends per post holder, subsidies per
  subsidised worker), so that annualised it is the yearly figure of the scenario; event costs
  are whole multiples of their unit (training per post given, a waived penalty per report,
  meetings and activities only on monthly days); a lever that is off books nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow.compute as pc
import pytest
from conftest import make_config

from model.config.codes import ISSUE_TYPES
from model.config.loading import read_yaml
from model.config.paths import REPO_ROOT, scenario_files
from model.config.scenario import ScenarioConfig
from model.sim.costs import LEVERS
from model.sim.model import StreetModel
from model.sim.output import RunOutput

SCENARIOS = scenario_files()
MONTHLY_DAY = 30
"""Council meetings and activities happen on days 30, 60, ... (``StreetModel.monthly``)."""
REL = 1e-11
"""Outcomes keep 12 significant digits (``model.sim.output.round_significant``)."""


@dataclass
class Booking:
    hour: int
    lever: str
    yuan: float
    kind: str  # "running" | "points_paid" | "event"

    @property
    def day(self) -> int:
        return self.hour // 24


@dataclass
class BookedRun:
    """A run with every booking of its ledger and its end-of-day snapshots."""

    config: ScenarioConfig
    output: RunOutput
    warmup_days: int
    days: int
    bookings: list[Booking] = field(default_factory=list)
    running_args: dict[int, tuple[int, int]] = field(default_factory=dict)
    staff_minutes: dict[int, float] = field(default_factory=dict)
    department_attempts: dict[int, int] = field(default_factory=dict)
    posts_given: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def in_window(self, booking: Booking) -> bool:
        return booking.hour >= self.warmup_days * 24

    def window_sum(self, lever: str | None = None, kind: str | None = None) -> float:
        return sum(
            b.yuan
            for b in self.bookings
            if self.in_window(b)
            and (lever is None or b.lever == lever)
            and (kind is None or b.kind == kind)
        )

    def before_window(self, counts: dict[int, float]) -> float:
        return counts[self.warmup_days - 1] if self.warmup_days > 0 else 0.0


def booked_run(config: ScenarioConfig, seed: int, warmup_days: int, days: int) -> BookedRun:
    """Run ``config`` recording every ledger booking (hour, lever, yuan, kind)."""
    config = config.model_copy(update={"warmup_days": warmup_days})
    model = StreetModel(config, seed=seed, days=days)
    run = BookedRun(config, None, warmup_days, days)  # type: ignore[arg-type]
    ledger, recorder, wf = model.ledger, model.recorder, model.workforce
    kind = ["event"]
    book, pay_points = ledger.book, ledger.pay_points
    running, record_day, assign_posts = (
        ledger.book_daily_running_costs,
        recorder.record_day,
        wf.assign_posts,
    )

    def booking(lever: str, yuan: float) -> None:
        run.bookings.append(Booking(model.hours_elapsed, lever, float(yuan), kind[0]))
        book(lever, yuan)

    def paying(yuan: float) -> float:
        kind[0] = "points_paid"
        try:
            return pay_points(yuan)
        finally:
            kind[0] = "event"

    def daily_running(subsidized: int, post_holders: int) -> None:
        run.running_args[model.hours_elapsed // 24] = (subsidized, post_holders)
        assert subsidized == int(wf.subsidized.sum())
        kind[0] = "running"
        try:
            running(subsidized, post_holders)
        finally:
            kind[0] = "event"

    def end_of_day(day: int, *args) -> None:
        record_day(day, *args)
        run.staff_minutes[day] = float(model.service.minutes_worked.sum())
        run.department_attempts[day] = int(model.service.department_attempts)

    def giving_posts(*args, **kwargs) -> np.ndarray:
        chosen = assign_posts(*args, **kwargs)
        run.posts_given[model.hours_elapsed // 24] += len(chosen)
        return chosen

    ledger.book = booking
    ledger.pay_points = paying
    ledger.book_daily_running_costs = daily_running
    recorder.record_day = end_of_day
    wf.assign_posts = giving_posts
    run.output = model.run()
    return run


def scenario_config(path) -> ScenarioConfig:
    data = read_yaml(path)
    data.pop("days", None)
    data.pop("warmup_days", None)
    return make_config(data)


def windows_for(config: ScenarioConfig) -> list[tuple[int, int]]:
    """(warm-up days, measured days): none and a short warm-up; with monthly costs also a
    window holding day 30 and one that opens just after it."""
    windows = [(0, 5), (3, 4)]
    if config.policies.deliberation.enabled:
        windows += [(27, 5), (31, 3)]
    return windows


CASES = [
    pytest.param(path, warmup, days, id=f"{path.stem}-warmup{warmup}-days{days}")
    for path in SCENARIOS
    for warmup, days in windows_for(scenario_config(path))
]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, int, int], BookedRun]:
    return {}


def get_run(runs, path, warmup, days) -> BookedRun:
    key = (path.stem, warmup, days)
    if key not in runs:
        runs[key] = booked_run(scenario_config(path), seed=7, warmup_days=warmup, days=days)
    return runs[key]


def test_every_scenario_is_reconciled():
    assert len(SCENARIOS) >= 10
    names = {case.values[0].stem for case in CASES}
    assert names == {path.stem for path in SCENARIOS}
    # monthly costs are reconciled in a window that holds day 30 and one that does not
    assert {(27, 5), (31, 3)} <= {(c.values[1], c.values[2]) for c in CASES}


@pytest.mark.parametrize(("path", "warmup", "days"), CASES)
def test_cost_outcomes_equal_the_bookings_in_the_window(runs, path, warmup, days):
    run = get_run(runs, path, warmup, days)
    out = run.output.outcomes
    service = run.config.service
    program = run.window_sum()
    forgone = run.window_sum("waiver")
    assert out["program_cost_yuan"] == pytest.approx(program, rel=REL, abs=1e-9)
    assert out["points_paid_yuan"] == pytest.approx(
        run.window_sum("points", "points_paid"), rel=REL, abs=1e-9
    )
    assert out["forgone_revenue_yuan"] == pytest.approx(forgone, rel=REL, abs=1e-9)
    last = warmup + days - 1
    staff_hours = (run.staff_minutes[last] - run.before_window(run.staff_minutes)) / 60.0
    attempts = run.department_attempts[last] - run.before_window(run.department_attempts)
    public = (
        program
        - forgone
        + staff_hours * service.staff_yuan_per_hour
        + attempts * service.department_yuan_per_ticket
    )
    assert out["public_cost_yuan"] == pytest.approx(public, rel=REL, abs=1e-9)
    issues = run.output.issues
    opened = issues.column("opened_at").to_numpy()
    incident = pc.is_valid(issues.column("incident_at")).to_numpy(zero_copy_only=False)
    types = issues.column("type").to_pylist()
    inside = (opened >= warmup * 24) & incident
    harm = sum(
        run.config.issues.types[t].harm_yuan for t, i in zip(types, inside, strict=True) if i
    )
    assert out["harm_yuan"] == pytest.approx(harm)
    assert out["net_social_cost_yuan"] == pytest.approx(public + forgone + harm, rel=REL)
    assert out["measured_days"] == days
    # the window holds bookings of the warm-up's days in none of these sums
    if warmup > 0:
        assert any(not run.in_window(b) for b in run.bookings)


@pytest.mark.parametrize(("path", "warmup", "days"), CASES)
def test_daily_cost_series_is_the_running_sum_of_bookings(runs, path, warmup, days):
    run = get_run(runs, path, warmup, days)
    daily = run.output.daily.to_pydict()
    by_day: dict[int, float] = defaultdict(float)
    for booking in run.bookings:
        by_day[booking.day] += booking.yuan
    running = np.cumsum([by_day[d] for d in range(warmup + days)])
    assert daily["day"] == list(range(warmup + days))
    np.testing.assert_allclose(daily["cost_to_date_yuan"], running, rtol=1e-12, atol=1e-9)
    assert all(b.day < warmup + days for b in run.bookings)


@pytest.mark.parametrize(("path", "warmup", "days"), CASES)
def test_each_lever_books_its_documented_basis(runs, path, warmup, days):
    run = get_run(runs, path, warmup, days)
    p = run.config.policies
    daily = run.output.daily.to_pydict()
    per_station_year = p.stations.yuan_per_station_year + (
        p.stations.upgrade_yuan_per_station_year if p.stations.upgraded else 0.0
    )
    yearly = {
        "stations": p.stations.count * per_station_year,
        "points": p.points.admin_yuan_per_year if p.points.enabled else 0.0,
        "honours": p.honours.yuan_per_month * 365 / 30 if p.honours.enabled else 0.0,
        "one_stop": p.one_stop.yuan_per_year if p.one_stop.enabled else 0.0,
        "mini_program": p.mini_program.yuan_per_year if p.mini_program.enabled else 0.0,
    }
    running: dict[tuple[int, str], float] = defaultdict(float)
    for booking in run.bookings:
        if booking.kind == "running":
            running[booking.day, booking.lever] += booking.yuan
    for day in range(warmup + days):
        subsidized, holders = run.running_args[day]
        assert holders == daily["post_holders"][day]
        for lever, per_year in yearly.items():
            assert running[day, lever] == pytest.approx(per_year / 365), (day, lever)
        stipend = holders * p.posts.stipend_yuan_per_post_month / 30 if p.posts.enabled else 0.0
        assert running[day, "posts"] == pytest.approx(stipend), day
        subsidy = p.insurance.subsidy_yuan_per_worker_month / 30
        assert running[day, "insurance"] == pytest.approx(
            subsidized * subsidy if p.insurance.enabled else 0.0
        )
        if not p.insurance.enabled:
            assert subsidized == 0
        assert running[day, "waiver"] == running[day, "deliberation"] == 0.0
    # annualised over the window, each fixed running cost is the scenario's yearly figure
    for lever, per_year in yearly.items():
        annual = run.window_sum(lever, "running") * 365 / days
        assert annual == pytest.approx(per_year), lever


@pytest.mark.parametrize(("path", "warmup", "days"), CASES)
def test_event_costs_are_whole_units(runs, path, warmup, days):
    run = get_run(runs, path, warmup, days)
    p = run.config.policies
    events = [b for b in run.bookings if b.kind == "event"]
    training: dict[int, float] = defaultdict(float)
    for booking in events:
        if booking.lever == "posts":
            training[booking.day] += booking.yuan
        elif booking.lever == "waiver":
            assert booking.yuan == p.waiver.yuan_per_waived_report
        elif booking.lever == "deliberation":
            assert booking.day > 0 and booking.day % MONTHLY_DAY == 0
            units = (p.deliberation.yuan_per_meeting, p.deliberation.yuan_per_activity)
            assert any(
                unit > 0 and booking.yuan / unit == round(booking.yuan / unit) >= 1
                for unit in units
            ), booking
        else:
            pytest.fail(f"unexpected event booking {booking}")
    for day, given in run.posts_given.items():
        assert training[day] == pytest.approx(given * p.posts.training_yuan_per_post), day
    assert set(training) <= set(run.posts_given)
    paid = [b for b in run.bookings if b.kind == "points_paid"]
    top = max(p.points.points_per_report.values()) * p.points.yuan_per_point
    assert all(b.lever == "points" and 0 <= b.yuan <= top for b in paid)
    assert sum(b.yuan for b in paid) <= p.points.annual_budget_yuan
    # a lever that is off books nothing
    on = {
        "posts": p.posts.enabled,
        "points": p.points.enabled,
        "honours": p.honours.enabled,
        "insurance": p.insurance.enabled,
        "waiver": p.waiver.enabled,
        "one_stop": p.one_stop.enabled,
        "mini_program": p.mini_program.enabled,
        "stations": p.stations.count > 0,
        "deliberation": p.deliberation.enabled,
    }
    assert set(on) == set(LEVERS)
    for lever, enabled in on.items():
        if not enabled:
            assert not [b for b in run.bookings if b.lever == lever and b.yuan != 0], lever


def test_the_window_cuts_monthly_costs_at_its_opening(runs):
    path = REPO_ROOT / "scenarios" / "deliberation.yaml"
    inside = get_run(runs, path, 27, 5)
    outside = get_run(runs, path, 31, 3)
    monthly_inside = inside.window_sum("deliberation")
    booked_day_30 = sum(b.yuan for b in outside.bookings if b.lever == "deliberation")
    assert monthly_inside > 0 and booked_day_30 > 0
    assert outside.window_sum("deliberation") == 0.0
    assert outside.output.outcomes["program_cost_yuan"] < sum(b.yuan for b in outside.bookings)


def test_issue_types_of_the_harm_table_are_known():
    assert set(ScenarioConfig().issues.types) == set(ISSUE_TYPES)

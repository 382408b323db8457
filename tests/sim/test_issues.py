"""Issue generation, the escalation age and the issue log."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from conftest import layout_of, make_config
from scipy import integrate, stats

from model.config.codes import DEPARTMENTS, ISSUE_TYPES, STATUS_NAMES, IssueStatus
from model.sim.issues import (
    TIME_FIELDS,
    IssueLog,
    closing_hours,
    escalation_age,
    generate_issues,
    location_weights,
)
from model.sim.space import generate_layout
from model.sim.streams import make_streams


def test_status_order_is_the_lifecycle() -> None:
    assert [s.name.lower() for s in IssueStatus][:6] == [
        "open",
        "detected",
        "reported",
        "acknowledged",
        "dispatched",
        "resolved",
    ]
    assert STATUS_NAMES == tuple(s.name.lower() for s in IssueStatus)
    assert TIME_FIELDS[0] == "opened_at" and TIME_FIELDS[-1] == "feedback_at"


@pytest.mark.parametrize(
    ("base", "doubling", "budget"),
    [(1.0, 168.0, 1.0), (2.0, 72.0, 0.1), (0.4, 336.0, 3.0), (50.0, 10.0, 0.5)],
)
def test_escalation_age_matches_closed_form_and_integral(base, doubling, budget) -> None:
    age = float(escalation_age(np.array([base]), np.array([doubling]), np.array([budget]))[0])
    h0 = base / 1000.0
    closed = doubling * np.log2(1 + budget * np.log(2) / (h0 * doubling))
    assert age == pytest.approx(closed, rel=1e-12)
    # the cumulative hazard up to that age equals the exponential budget
    cumulative, _ = integrate.quad(lambda a: h0 * 2 ** (a / doubling), 0, age)
    assert cumulative == pytest.approx(budget, rel=1e-7)


def test_escalation_age_is_infinite_without_hazard() -> None:
    age = escalation_age(np.array([0.0, 1.0]), np.array([100.0, 100.0]), np.array([1.0, 1.0]))
    assert np.isinf(age[0]) and np.isfinite(age[1])


def test_escalation_age_is_monotone_in_budget_and_hazard() -> None:
    budget = np.linspace(0.01, 5, 50)
    ages = escalation_age(np.full(50, 1.0), np.full(50, 168.0), budget)
    assert np.all(np.diff(ages) > 0)
    ages = escalation_age(np.linspace(0.1, 10, 50), np.full(50, 168.0), np.ones(50))
    assert np.all(np.diff(ages) < 0)


def test_escalation_ages_follow_the_hazard_distribution() -> None:
    # P(age > a) = exp(-H(a)) for a unit-exponential budget
    rng = np.random.default_rng(0)
    h0, d = 2.0 / 1000.0, 72.0
    ages = escalation_age(np.full(40_000, 2.0), np.full(40_000, d), rng.exponential(size=40_000))
    for a in (24.0, 100.0, 300.0):
        survival = np.exp(-h0 * d / np.log(2) * (2 ** (a / d) - 1))
        assert np.mean(ages > a) == pytest.approx(survival, abs=0.01)


@pytest.fixture(scope="module")
def generated(small_config):
    streams = make_streams(5)
    layout = generate_layout(
        small_config.street, small_config.policies.stations.count, streams["layout"]
    )
    return layout, generate_issues(small_config.issues, layout, 60, streams["arrivals"])


def test_generated_issues_are_sorted_and_consistent(small_config, generated) -> None:
    layout, log = generated
    n = len(log)
    assert n > 0
    assert np.all(np.diff(log.opened_at) >= 0)
    assert np.all((log.opened_at >= 0) & (log.opened_at < 60 * 24))
    assert np.array_equal(log.community, layout.community[log.cell])
    x, y = layout.xy(log.cell)
    assert np.array_equal(log.x, x) and np.array_equal(log.y, y)
    assert np.all((log.severity > 0) & (log.severity < 1))
    assert np.all(log.escalate_at >= log.opened_at)
    assert np.all(log.lapse_at >= log.opened_at)
    for t, name in enumerate(ISSUE_TYPES):
        dept = small_config.issues.types[name].department
        assert np.all(log.department[log.type == t] == DEPARTMENTS.index(dept))
    # fresh lifecycle
    assert np.all(log.status == IssueStatus.OPEN)
    assert np.all(log.channel == -1) and np.all(log.n_reports == 0)
    for name in TIME_FIELDS[1:]:
        assert np.all(np.isnan(log.times[name]))
    assert np.all(np.isnan(log.closed_at))


def test_counts_per_type_are_poisson(small_config, generated) -> None:
    _, log = generated
    for t, name in enumerate(ISSUE_TYPES):
        mean = small_config.issues.types[name].arrivals_per_day * 60
        count = np.count_nonzero(log.type == t)
        lo, hi = stats.poisson.ppf([0.0005, 0.9995], mean)
        assert lo <= count <= hi, (name, count, mean)


def test_issues_appear_only_where_their_location_allows(small_config, generated) -> None:
    layout, log = generated
    for t, name in enumerate(ISSUE_TYPES):
        weights = location_weights(small_config.issues.types[name].location, layout)
        assert np.all(weights[log.cell[log.type == t]] > 0), name
    merchant_type = ISSUE_TYPES.index("food_safety")
    assert np.all(layout.merchant[log.cell[log.type == merchant_type]])
    road_type = ISSUE_TYPES.index("damaged_facility")
    assert np.all(layout.road[log.cell[log.type == road_type]])


def test_arrival_hours_follow_the_profile() -> None:
    profile = [0.0] * 24
    profile[10] = 1.0
    config = make_config({"issues": {"arrival_hour_profile": profile}})
    streams = make_streams(1)
    layout = layout_of(config, streams["layout"])
    log = generate_issues(config.issues, layout, 10, streams["arrivals"])
    assert np.all(np.floor(log.opened_at % 24) == 10)


def test_zero_arrivals_and_no_escalation() -> None:
    types = {name: {"arrivals_per_day": 0.0} for name in ISSUE_TYPES}
    types["environment"] = {"arrivals_per_day": 20.0, "escalation_per_1000h": 0.0}
    types["opinion"] = {"arrivals_per_day": 0.0, "lapse_per_1000h": 0.0}
    config = make_config({"issues": {"types": types}})
    streams = make_streams(2)
    layout = layout_of(config, streams["layout"])
    log = generate_issues(config.issues, layout, 10, streams["arrivals"])
    assert set(np.unique(log.type)) == {ISSUE_TYPES.index("environment")}
    assert np.all(np.isinf(log.escalate_at))


def test_same_seed_same_issues(small_config) -> None:
    def draw(seed):
        streams = make_streams(seed)
        layout = generate_layout(
            small_config.street, small_config.policies.stations.count, streams["layout"]
        )
        return generate_issues(small_config.issues, layout, 15, streams["arrivals"])

    a, b, c = draw(9), draw(9), draw(10)
    for name in ("type", "opened_at", "cell", "severity", "indoor", "escalate_at", "lapse_at"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert len(a) != len(c) or not np.array_equal(a.opened_at, c.opened_at)


def test_status_counts_and_table(generated) -> None:
    _, log = generated
    log = IssueLog(
        type=log.type[:5].copy(),
        opened_at=log.opened_at[:5].copy(),
        cell=log.cell[:5],
        community=log.community[:5],
        x=log.x[:5],
        y=log.y[:5],
        severity=log.severity[:5],
        indoor=log.indoor[:5],
        escalate_at=log.escalate_at[:5],
        lapse_at=log.lapse_at[:5],
        department=log.department[:5],
    )
    log.status[:] = [
        IssueStatus.OPEN,
        IssueStatus.DETECTED,
        IssueStatus.RESOLVED,
        IssueStatus.RESOLVED,
        IssueStatus.EXPIRED,
    ]
    assert list(log.status_counts(5)) == [1, 1, 0, 0, 0, 2, 0, 0, 1]
    assert list(log.status_counts(2)) == [1, 1, 0, 0, 0, 0, 0, 0, 0]
    log.times["reported_at"][2] = 7.5
    log.channel[2] = 0
    table = log.to_table(4)
    assert table.num_rows == 4
    assert table.column("status").to_pylist() == ["open", "detected", "resolved", "resolved"]
    assert table.column("reported_at").to_pylist() == [None, None, 7.5, None]
    assert table.column("channel").to_pylist() == [None, None, "hotline", None]
    assert table.column("issue_id").to_pylist() == [0, 1, 2, 3]


@pytest.mark.parametrize("status", [IssueStatus.ESCALATED, IssueStatus.EXPIRED])
def test_close_ends_an_issue_at_its_hour_or_its_latest_stage(status) -> None:
    """An issue closes at its incident or lapse hour, or at a later stage of the same hour."""
    n = 400
    rng = np.random.default_rng(11)
    opened = rng.uniform(0, 100, n)
    escalate = opened + rng.uniform(0, 5, n)
    lapse = opened + rng.uniform(0, 5, n)
    log = IssueLog(
        type=np.zeros(n, dtype=np.int8),
        opened_at=opened,
        cell=np.zeros(n, dtype=np.int64),
        community=np.zeros(n, dtype=np.int64),
        x=np.zeros(n, dtype=np.int64),
        y=np.zeros(n, dtype=np.int64),
        severity=np.full(n, 0.5),
        indoor=np.zeros(n, dtype=bool),
        escalate_at=escalate,
        lapse_at=lapse,
        department=np.zeros(n, dtype=np.int8),
    )
    for name in TIME_FIELDS[1:]:  # each stage happened or not, before or after the hour
        happened = rng.random(n) < 0.5
        log.times[name][happened] = (opened + rng.uniform(0, 6, n))[happened]
    when = log.incident_due if status == IssueStatus.ESCALATED else log.lapse_at
    issues = np.flatnonzero(np.isfinite(when))
    assert len(issues) > n // 4
    latest = np.fmax.reduce([log.times[name][issues] for name in TIME_FIELDS], axis=0)
    expected = np.fmax(when[issues], latest)
    assert np.any(expected > when[issues]) and np.any(expected == when[issues])
    closed = [log.close(int(issue), status) for issue in issues]
    assert np.array_equal(closed, expected)
    assert np.array_equal(log.closed_at[issues], expected)
    assert np.all(log.status[issues] == status)
    if status == IssueStatus.ESCALATED:
        assert np.array_equal(log.incident_at[issues], when[issues])
    else:
        assert np.all(np.isnan(log.incident_at))


def test_closing_hours_list_what_an_hourly_queue_of_the_hours_would() -> None:
    """The calendar is what a queue of each arrived issue's incident and lapse hours gives.

    The queue: an issue's finite hours are queued when it arrives (the hour it opens in),
    and every hour takes out those before the hour's end, each issue once an hour.
    """
    rng = np.random.default_rng(5)
    n, horizon = 300, 120
    opened = np.sort(rng.uniform(0, 100, n))
    escalate = opened + rng.choice([0.0, 0.3, 2.0, 30.0, np.inf], n) * rng.random(n)
    lapse = opened + rng.choice([0.0, 0.5, 3.0, 40.0, np.inf], n) * rng.random(n)
    escalate[:10] = lapse[:10] = opened[:10]  # both in the hour it opens
    escalate[10:20], lapse[10:20] = np.floor(opened[10:20]) + 5.9, np.floor(opened[10:20]) + 5.1
    lapse[20:25] = opened[20:25] - 3.0  # an hour before it opens: looked at when it arrives
    incident_due = np.where(np.floor(escalate) <= np.floor(lapse), escalate, np.inf)
    calendar = closing_hours(opened, incident_due, lapse)

    queue: list[tuple[float, int]] = []
    arrived = 0
    for hour in range(horizon):
        while arrived < n and opened[arrived] < hour + 1:
            for when in (incident_due[arrived], lapse[arrived]):
                if when < np.inf:
                    heapq.heappush(queue, (float(when), arrived))
            arrived += 1
        expected: dict[int, bool] = {}
        while queue and queue[0][0] < hour + 1:
            issue = heapq.heappop(queue)[1]
            expected.setdefault(issue, bool(incident_due[issue] < hour + 1))
        listed = list(calendar.in_hour(hour))
        assert listed == sorted(expected.items()), hour
    assert list(calendar.in_hour(-1)) == [] and list(calendar.in_hour(10**9)) == []
    both = [dict(calendar.in_hour(int(np.floor(opened[i])))) for i in range(10)]
    assert all(b[i] for i, b in enumerate(both))  # listed once, escalating
    lapse_first = [dict(calendar.in_hour(int(np.floor(opened[i])) + 5)) for i in range(10, 20)]
    assert all(b[i] for i, b in zip(range(10, 20), lapse_first, strict=True))

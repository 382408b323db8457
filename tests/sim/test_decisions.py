"""The report decision (logit) and the channel choice."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config, rules_of

from model.config.codes import CHANNELS, NO_CHANNEL, Channel
from model.sim.channels import channel_rules
from model.sim.decisions import (
    ReportDecision,
    choose_channel,
    expected_cost,
    resident_channels,
    sigmoid,
    worker_channels,
)
from model.sim.levers import points_scheme
from model.sim.model import build_decision

NC = len(CHANNELS)
HOT, MINI, STATION, IN_PERSON, PATROL = Channel


def test_sigmoid() -> None:
    assert sigmoid(np.array([0.0]))[0] == 0.5
    assert sigmoid(np.array([np.log(3.0)]))[0] == pytest.approx(0.75)
    assert sigmoid(np.array([-50.0]))[0] < 1e-20


def test_expected_cost_is_the_log_sum() -> None:
    cost = np.array([[8.0, 3.0, 5.0, 10.0, 0.0], [8.0, 3.0, 5.0, 10.0, 0.0]])
    available = np.array([[True, True, False, True, False], [True, False, False, False, False]])
    scale = 2.0
    got = expected_cost(cost, available, scale)
    manual0 = -scale * np.log(np.exp(-8 / 2) + np.exp(-3 / 2) + np.exp(-10 / 2))
    assert got[0] == pytest.approx(manual0)
    assert got[1] == pytest.approx(8.0)  # one channel: its own cost
    assert got[0] <= 3.0  # never above the cheapest open channel


def test_expected_cost_is_infinite_without_channels() -> None:
    got = expected_cost(np.ones((3, NC)), np.zeros((3, NC), dtype=bool), 2.0)
    assert np.all(np.isinf(got))


def test_expected_cost_is_stable_for_large_costs() -> None:
    cost = np.array([[1000.0, 1001.0, 0, 0, 0]])
    available = np.array([[True, True, False, False, False]])
    got = expected_cost(cost, available, 0.5)
    assert got[0] == pytest.approx(1000.0 - 0.5 * np.log(1 + np.exp(-2.0)))


def test_choose_channel_frequencies_follow_the_logit() -> None:
    n = 40_000
    cost = np.tile([8.0, 3.0, 5.0, 10.0, 0.0], (n, 1))
    available = np.tile([True, True, True, False, False], (n, 1))
    choice = choose_channel(cost, available, 2.0, np.random.default_rng(0))
    weights = np.exp(-np.array([8.0, 3.0, 5.0]) / 2.0)
    expected = weights / weights.sum()
    freq = np.bincount(choice, minlength=NC) / n
    assert np.allclose(freq[:3], expected, atol=0.01)
    assert freq[3] == 0 and freq[4] == 0


def test_choose_channel_none_open() -> None:
    choice = choose_channel(np.ones((4, NC)), np.zeros((4, NC), bool), 2.0, np.random.default_rng())
    assert np.all(choice == NO_CHANNEL)


def test_worker_channels_respect_registration_adoption_station_and_hours() -> None:
    config = make_config(
        {
            "policies": {
                "mini_program": {"enabled": True},
                "stations": {"upgraded": True},
                "posts": {"enabled": True},
            }
        }
    )
    rules = channel_rules(config.channels, config.policies)
    registered = np.array([True, False, True, True])
    adopted = np.array([True, True, False, True])
    station = np.array([True, True, True, False])
    ok = worker_channels(rules, registered, adopted, station, office_open=True)
    assert ok.shape == (4, NC)
    assert ok[:, HOT].all()
    assert list(ok[:, MINI]) == [True, True, False, True]
    assert list(ok[:, STATION]) == [True, True, True, False]
    assert list(ok[:, IN_PERSON]) == [True, False, True, True]  # registered only
    assert not ok[:, PATROL].any()
    closed = worker_channels(rules, registered, adopted, station, office_open=False)
    assert not closed[:, IN_PERSON].any()
    assert np.array_equal(closed[:, :IN_PERSON], ok[:, :IN_PERSON])


def test_resident_channels(small_config) -> None:
    rules = rules_of(make_config({"policies": {"mini_program": {"enabled": True}}}))
    adopted = np.array([True, False])
    ok = resident_channels(rules, adopted, office_open=True)
    assert list(ok[0]) == [True, True, False, True, False]
    assert list(ok[1]) == [True, False, False, True, False]
    assert not resident_channels(rules, adopted, office_open=False)[:, IN_PERSON].any()
    status_quo = resident_channels(
        channel_rules(small_config.channels, small_config.policies), adopted, True
    )
    assert not status_quo[:, MINI].any()


def worker_batch(n: int, available: np.ndarray, **overrides):
    args = {
        "kind": np.zeros(n, dtype=np.int64),
        "motivation": np.full(n, 0.3),
        "belonging": np.full(n, 0.3),
        "trust": np.full(n, 0.35),
        "registered": np.zeros(n, bool),
        "insured": np.zeros(n, bool),
        "role": np.zeros(n, np.int8),
        "role_match": np.zeros(n, bool),
        "severity": np.full(n, 0.5),
        "reward": np.zeros(n),
        "available": available,
    }
    args.update(overrides)
    return args


def decision_for(*overrides) -> ReportDecision:
    config = make_config(*overrides)
    return build_decision(config, rules_of(config), points_scheme(config.policies.points))


@pytest.mark.parametrize(("intercept", "always"), [(1e6, True), (-1e6, False)])
def test_huge_or_tiny_intercept(intercept, always) -> None:
    decision = decision_for({"behaviour": {"worker_intercept": intercept}})
    n = 2000
    available = np.tile([True, False, False, False, False], (n, 1))
    available[::4] = False  # a quarter have no open channel
    chosen = decision.workers(**worker_batch(n, available), rng=np.random.default_rng(1))
    if always:
        assert np.all(chosen[available.any(axis=1)] == HOT)
    else:
        assert np.all(chosen[available.any(axis=1)] == NO_CHANNEL)
    assert np.all(chosen[~available.any(axis=1)] == NO_CHANNEL)


@pytest.mark.parametrize(("intercept", "always"), [(1e6, True), (-1e6, False)])
def test_resident_huge_or_tiny_intercept(intercept, always) -> None:
    decision = decision_for({"behaviour": {"resident_intercept": intercept}})
    n = 1000
    available = np.tile([True, False, False, True, False], (n, 1))
    chosen = decision.residents(
        propensity=np.full(n, 0.2),
        trust=np.full(n, 0.3),
        severity=np.full(n, 0.5),
        available=available,
        rng=np.random.default_rng(2),
    )
    if always:
        assert set(chosen) == {HOT, IN_PERSON}
    else:
        assert np.all(chosen == NO_CHANNEL)


def test_worker_report_probability_matches_the_utility(small_config) -> None:
    decision = decision_for()
    b = small_config.behaviour
    n = 60_000
    available = np.tile([True, False, False, False, False], (n, 1))
    batch = worker_batch(
        n,
        available,
        registered=np.ones(n, bool),
        insured=np.ones(n, bool),
        role=np.full(n, 2, np.int8),
        role_match=np.ones(n, bool),
        reward=np.full(n, 10.0),
    )
    chosen = decision.workers(**batch, rng=np.random.default_rng(3))
    cost = small_config.channels.hotline.report_minutes * small_config.workers.rider.time_pressure
    u = (
        b.worker_intercept
        + b.motivation * 0.3
        + b.belonging * 0.3
        + b.trust * 0.35
        + b.severity * 0.5
        + b.registered
        + b.role
        + b.role_match
        + b.security
        + b.reward_per_yuan * 10.0
        - b.cost_per_yuan * cost
    )
    p = 1 / (1 + np.exp(-u))
    freq = np.mean(chosen == HOT)
    assert freq == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 1e-3)
    assert set(chosen) <= {HOT, NO_CHANNEL}


def test_resident_report_probability_matches_the_utility(small_config) -> None:
    decision = decision_for()
    b = small_config.behaviour
    n = 60_000
    available = np.tile([True, False, False, True, False], (n, 1))
    chosen = decision.residents(
        propensity=np.full(n, 0.5),
        trust=np.full(n, 0.4),
        severity=np.full(n, 0.6),
        available=available,
        rng=np.random.default_rng(4),
    )
    ch = small_config.channels
    value = small_config.residents.time_value_yuan_per_minute
    costs = np.array([ch.hotline.report_minutes, ch.in_person.report_minutes]) * value
    scale = b.channel_choice_scale_yuan
    c = -scale * np.log(np.exp(-costs / scale).sum())
    u = b.resident_intercept + b.resident_propensity * 0.5 + b.trust * 0.4 + b.severity * 0.6
    p = 1 / (1 + np.exp(-(u - b.cost_per_yuan * c)))
    freq = np.mean(chosen != NO_CHANNEL)
    assert freq == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 1e-3)
    share_hotline = np.mean(chosen[chosen != NO_CHANNEL] == HOT)
    w = np.exp(-costs / scale)
    assert share_hotline == pytest.approx(w[0] / w.sum(), abs=0.03)


def test_waiver_cuts_time_pressure(small_config) -> None:
    base = decision_for()
    waived = decision_for({"policies": {"waiver": {"enabled": True, "cost_reduction": 0.8}}})
    assert np.allclose(waived.pressure, base.pressure * 0.2)


def test_crowding_out_only_with_points_and_flag() -> None:
    assert decision_for().motivation_kept == 1.0
    flag_only = decision_for({"policies": {"points": {"crowding_out": True}}})
    assert flag_only.motivation_kept == 1.0
    on = decision_for(
        {
            "policies": {
                "points": {"enabled": True, "crowding_out": True, "crowding_out_strength": 0.6}
            }
        }
    )
    assert on.motivation_kept == pytest.approx(0.4)


def test_more_motivation_more_reports() -> None:
    decision = decision_for()
    n = 30_000
    available = np.tile([True, False, False, False, False], (n, 1))
    low = decision.workers(
        **worker_batch(n, available, motivation=np.zeros(n)), rng=np.random.default_rng(5)
    )
    high = decision.workers(
        **worker_batch(n, available, motivation=np.ones(n)), rng=np.random.default_rng(5)
    )
    assert np.mean(high != NO_CHANNEL) > np.mean(low != NO_CHANNEL)
    # common random numbers: everyone who reports at low motivation also reports at high
    assert np.all(high[low != NO_CHANNEL] != NO_CHANNEL)

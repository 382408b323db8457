"""The report decision (logit), the worker's now-or-later choice, and the channel choice."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import every_lever_on, make_config, rules_of
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import CHANNELS, NO_CHANNEL, Channel, Observer
from model.sim import decision_forms, decision_kernels
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
from model.sim.streams import KeyedDraws

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


def uniforms(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(u_decide, u_channel)`` for ``n`` rows."""
    rng = np.random.default_rng(seed)
    return rng.random(n), rng.random((n, NC))


def test_choose_channel_frequencies_follow_the_logit() -> None:
    n = 40_000
    cost = np.tile([8.0, 3.0, 5.0, 10.0, 0.0], (n, 1))
    available = np.tile([True, True, True, False, False], (n, 1))
    choice = choose_channel(cost, available, 2.0, uniforms(0, n)[1])
    weights = np.exp(-np.array([8.0, 3.0, 5.0]) / 2.0)
    expected = weights / weights.sum()
    freq = np.bincount(choice, minlength=NC) / n
    assert np.allclose(freq[:3], expected, atol=0.01)
    assert freq[3] == 0 and freq[4] == 0


def test_choose_channel_none_open() -> None:
    u = uniforms(1, 4)[1]
    choice = choose_channel(np.ones((4, NC)), np.zeros((4, NC), bool), 2.0, u)
    assert np.all(choice == NO_CHANNEL)


def test_choose_channel_is_a_function_of_the_uniforms() -> None:
    """The same uniforms give the same channel; the Gumbel-max picks the largest score."""
    cost = np.tile([8.0, 3.0, 5.0, 10.0, 0.0], (3, 1))
    available = np.tile([True, True, True, False, False], (3, 1))
    u = np.array([[0.999, 0.01, 0.01, 0.5, 0.5], [0.01, 0.999, 0.01, 0.5, 0.5], [0.5] * NC])
    choice = choose_channel(cost, available, 2.0, u)
    assert list(choice[:2]) == [HOT, MINI]
    assert choice[2] == MINI  # equal noise: the cheapest open channel
    assert np.array_equal(choice, choose_channel(cost, available, 2.0, u.copy()))


def post_rules():
    config = make_config(
        {
            "policies": {
                "mini_program": {"enabled": True},
                "stations": {"upgraded": True},
                "posts": {"enabled": True},
            }
        }
    )
    return rules_of(config)


def test_worker_channels_respect_registration_adoption_station_and_hours() -> None:
    rules = post_rules()
    registered = np.array([True, False, True, True])
    adopted = np.array([True, True, False, True])
    station = np.array([True, True, True, False])
    holds = np.array([True, True, False, False])
    ok = worker_channels(rules, registered, adopted, station, True, holds)
    assert ok.shape == (4, NC)
    assert ok[:, HOT].all()
    assert list(ok[:, MINI]) == [True, True, False, True]
    assert list(ok[:, STATION]) == [True, True, True, False]
    assert list(ok[:, IN_PERSON]) == [True, True, False, False]  # post holders only
    assert not ok[:, PATROL].any()
    closed = worker_channels(rules, registered, adopted, station, False, holds)
    assert not closed[:, IN_PERSON].any()
    assert np.array_equal(closed[:, :IN_PERSON], ok[:, :IN_PERSON])


def test_in_person_opens_only_to_post_or_seat_holders_not_to_every_registered_worker() -> None:
    n = 6
    registered = np.ones(n, dtype=bool)  # everyone registered: registration alone is not enough
    holds = np.array([True, False, True, False, False, True])
    args = (registered, np.ones(n, bool), np.ones(n, bool), True)
    for lever in ("posts", "deliberation"):
        rules = rules_of(make_config({"policies": {lever: {"enabled": True}}}))
        assert rules.open_to_post_holders[IN_PERSON] and rules.open_workers[IN_PERSON] == 0
        ok = worker_channels(rules, *args, holds)
        assert np.array_equal(ok[:, IN_PERSON], holds), lever
        assert not worker_channels(rules, *args)[:, IN_PERSON].any(), lever  # nobody holds
    status_quo = rules_of(make_config())
    assert not status_quo.open_to_post_holders.any()
    assert not worker_channels(status_quo, *args, holds)[:, IN_PERSON].any()


def test_a_closed_office_closes_office_hours_channels_worker_by_worker() -> None:
    rules = post_rules()
    n = 5
    everyone = np.ones(n, dtype=bool)
    office_open = np.array([True, False, True, False, False])
    ok = worker_channels(rules, everyone, everyone, everyone, office_open, everyone)
    assert rules.office_hours_only[IN_PERSON] and rules.office_hours_only.sum() == 1
    assert np.array_equal(ok[:, IN_PERSON], office_open)
    all_open = worker_channels(rules, everyone, everyone, everyone, True, everyone)
    hours = rules.office_hours_only
    assert np.array_equal(ok[:, ~hours], all_open[:, ~hours])  # the rest stay open
    assert all_open[:, IN_PERSON].all()
    assert not worker_channels(rules, everyone, everyone, everyone, False, everyone)[
        :, IN_PERSON
    ].any()


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


TRAIT_DEFAULTS = {
    "kind": lambda n: np.zeros(n, dtype=np.int64),
    "motivation": lambda n: np.full(n, 0.3),
    "belonging": lambda n: np.full(n, 0.3),
    "trust": lambda n: np.full(n, 0.35),
    "registered": lambda n: np.zeros(n, bool),
    "insured": lambda n: np.zeros(n, bool),
    "role": lambda n: np.zeros(n, np.int8),
    "role_match": lambda n: np.zeros(n, bool),
    "severity": lambda n: np.full(n, 0.5),
    "reward": lambda n: np.zeros(n),
}


def worker_traits(n: int, **overrides) -> dict[str, np.ndarray]:
    traits = {key: make(n) for key, make in TRAIT_DEFAULTS.items()}
    traits.update(overrides)
    return traits


def decide_workers(decision, n, available, available_later, seed, **overrides):
    """``(channel_now, later)`` of ``n`` noticing workers."""
    utility, cost = decision.worker_terms(**worker_traits(n, **overrides))
    u_decide, u_channel = uniforms(seed, n)
    return decision.decide_now_or_later(
        utility, cost, available, decision.off_shift_cost(n), available_later, u_decide, u_channel
    )


def decision_for(*overrides) -> ReportDecision:
    config = make_config(*overrides)
    return build_decision(config, rules_of(config), points_scheme(config.policies.points))


def hotline_only(n: int) -> np.ndarray:
    return np.tile([True, False, False, False, False], (n, 1))


@pytest.mark.parametrize(("intercept", "always"), [(1e6, True), (-1e6, False)])
def test_huge_or_tiny_intercept(intercept, always) -> None:
    decision = decision_for({"behaviour": {"worker_intercept": intercept}})
    n = 2000
    available = hotline_only(n)
    available[::4] = False  # a quarter have no open channel now
    closed_later = np.zeros((n, NC), dtype=bool)
    chosen, later = decide_workers(decision, n, available, closed_later, 1)
    assert not later.any()  # nothing open at the end of the shift
    if always:
        assert np.all(chosen[available.any(axis=1)] == HOT)
    else:
        assert np.all(chosen[available.any(axis=1)] == NO_CHANNEL)
    assert np.all(chosen[~available.any(axis=1)] == NO_CHANNEL)
    # with the hotline open later too, nobody lets it go when the utility is huge
    chosen, later = decide_workers(decision, n, available, hotline_only(n), 2)
    reports = (chosen != NO_CHANNEL) | later
    assert np.all(reports) if always else not reports.any()
    assert np.all(later[~available.any(axis=1)] == always)  # closed now: later or never


@pytest.mark.parametrize(("intercept", "always"), [(1e6, True), (-1e6, False)])
def test_resident_huge_or_tiny_intercept(intercept, always) -> None:
    decision = decision_for({"behaviour": {"resident_intercept": intercept}})
    n = 1000
    available = np.tile([True, False, False, True, False], (n, 1))
    utility, cost = decision.resident_terms(
        propensity=np.full(n, 0.2), trust=np.full(n, 0.3), severity=np.full(n, 0.5)
    )
    chosen = decision.decide(utility, cost, available, *uniforms(2, n))
    if always:
        assert set(chosen) == {HOT, IN_PERSON}
    else:
        assert np.all(chosen == NO_CHANNEL)


def hand_utility(b, reward: float) -> float:
    """The utility of a registered, insured rider holding a matching post, by hand."""
    bounded = b.reward_max_logit * (1 - math.exp(-b.reward_per_yuan * reward / b.reward_max_logit))
    return (
        b.worker_intercept
        + b.motivation * 0.3
        + b.belonging * 0.3
        + b.trust * 0.35
        + b.severity * 0.5
        + b.registered
        + b.role
        + b.role_match
        + b.security
        + bounded
    )


def posted_rider(n: int, reward: float) -> dict[str, np.ndarray]:
    return {
        "registered": np.ones(n, bool),
        "insured": np.ones(n, bool),
        "role": np.full(n, 2, np.int8),
        "role_match": np.ones(n, bool),
        "reward": np.full(n, reward),
    }


def test_worker_report_probability_matches_the_utility(small_config) -> None:
    """Nothing open at the end of the shift: report now with ``sigmoid(u - cost)``."""
    decision = decision_for()
    b = small_config.behaviour
    n = 60_000
    closed_later = np.zeros((n, NC), dtype=bool)
    chosen, later = decide_workers(
        decision, n, hotline_only(n), closed_later, 3, **posted_rider(n, 10.0)
    )
    cost = small_config.channels.hotline.report_minutes * small_config.workers.rider.time_pressure
    p = 1 / (1 + np.exp(-(hand_utility(b, 10.0) - b.cost_per_yuan * cost)))
    freq = np.mean(chosen == HOT)
    assert freq == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 1e-3)
    assert set(chosen) <= {HOT, NO_CHANNEL} and not later.any()


@pytest.mark.parametrize("recall", [0.2, 0.5, 1.0])
def test_now_later_never_probabilities_match_a_hand_computation(small_config, recall) -> None:
    decision = decision_for({"behaviour": {"shift_end_recall": recall, "worker_intercept": -1.0}})
    b = decision.b
    n = 60_000
    now_open = hotline_only(n)
    later_open = np.tile([True, False, False, True, False], (n, 1))  # hotline, in person
    traits = worker_traits(n, **posted_rider(n, 25.0))
    utility, cost = decision.worker_terms(**traits)
    p_now, p_later = decision.now_or_later_probabilities(
        utility, cost, now_open, decision.off_shift_cost(n), later_open
    )
    ch, workers = small_config.channels, small_config.workers
    u = hand_utility(b, 25.0)
    v_now = u - b.cost_per_yuan * ch.hotline.report_minutes * workers.rider.time_pressure
    minutes = np.array([ch.hotline.report_minutes, ch.in_person.report_minutes])
    scale = b.channel_choice_scale_yuan
    c_later = -scale * np.log(np.exp(-minutes * workers.off_shift_minute_value / scale).sum())
    v_later = u - b.cost_per_yuan * c_later + math.log(recall)
    total = 1 + math.exp(v_now) + math.exp(v_later)
    assert p_now[0] == pytest.approx(math.exp(v_now) / total, rel=1e-12)
    assert p_later[0] == pytest.approx(math.exp(v_later) / total, rel=1e-12)
    assert np.all(p_now + p_later <= 1.0)
    assert 0.05 < p_now[0] < 0.95 and 0.05 < p_later[0] < 0.95  # all three options matter
    # the draws follow the probabilities
    u_decide, u_channel = uniforms(4, n)
    chosen, later = decision.decide_now_or_later(
        utility, cost, now_open, decision.off_shift_cost(n), later_open, u_decide, u_channel
    )
    for freq, p in ((np.mean(chosen == HOT), p_now[0]), (np.mean(later), p_later[0])):
        assert freq == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n)), recall
    assert not (later & (chosen != NO_CHANNEL)).any()  # one decision: now, later or never


def test_without_recall_nobody_reports_at_the_end_of_the_shift() -> None:
    decision = decision_for({"behaviour": {"shift_end_recall": 0.0, "worker_intercept": 2.0}})
    n = 20_000
    everything = np.ones((n, NC), dtype=bool)
    traits = worker_traits(n, motivation=np.linspace(0, 1, n))
    utility, cost = decision.worker_terms(**traits)
    p_now, p_later = decision.now_or_later_probabilities(
        utility, cost, hotline_only(n), decision.off_shift_cost(n), everything
    )
    assert np.all(p_later == 0.0)
    assert np.allclose(p_now, decision.report_probability(utility, cost, hotline_only(n)))
    chosen, later = decide_workers(
        decision, n, hotline_only(n), everything, 5, motivation=np.linspace(0, 1, n)
    )
    assert not later.any() and (chosen == HOT).any() and (chosen == NO_CHANNEL).any()
    # and with recall, the same workers do put some off
    recalling = decision_for({"behaviour": {"shift_end_recall": 1.0, "worker_intercept": 2.0}})
    _, later = decide_workers(
        recalling, n, hotline_only(n), everything, 5, motivation=np.linspace(0, 1, n)
    )
    assert later.any()


def test_closed_now_means_later_or_never() -> None:
    decision = decision_for({"behaviour": {"shift_end_recall": 1.0, "worker_intercept": 1.0}})
    n = 5000
    closed = np.zeros((n, NC), dtype=bool)
    utility, cost = decision.worker_terms(**worker_traits(n))
    p_now, p_later = decision.now_or_later_probabilities(
        utility, cost, closed, decision.off_shift_cost(n), hotline_only(n)
    )
    assert np.all(p_now == 0.0)
    off = decision.off_shift_cost(n)
    assert np.allclose(p_later, decision.report_probability(utility, off, hotline_only(n)))
    chosen, later = decide_workers(decision, n, closed, hotline_only(n), 6)
    assert np.all(chosen == NO_CHANNEL) and later.any()


def bare_decision(**behaviour) -> ReportDecision:
    config = make_config()
    return ReportDecision(
        config.behaviour.model_copy(update=behaviour),
        rules_of(config),
        time_pressure=np.ones(3),
        motivation_kept=1.0,
        honours_on=False,
        resident_minute_value=0.3,
        off_shift_minute_value=0.3,
    )


@settings(max_examples=200, deadline=None)
@given(
    utility=st.floats(-60.0, 60.0),
    costs=st.lists(st.floats(0.0, 500.0), min_size=NC, max_size=NC),
    open_now=st.lists(st.booleans(), min_size=NC, max_size=NC),
    open_later=st.lists(st.booleans(), min_size=NC, max_size=NC),
    recall=st.floats(0.0, 1.0),
    off_shift=st.floats(0.0, 5.0),
)
def test_now_and_later_probabilities_are_probabilities(
    utility, costs, open_now, open_later, recall, off_shift
) -> None:
    decision = bare_decision(shift_end_recall=recall)
    decision.off_shift_minute_value = off_shift
    cost = np.array([costs])
    now, later_ok = np.array([open_now]), np.array([open_later])
    p_now, p_later = decision.now_or_later_probabilities(
        np.array([utility]), cost, now, decision.off_shift_cost(1), later_ok
    )
    assert 0.0 <= p_now[0] <= 1.0 and 0.0 <= p_later[0] <= 1.0
    assert p_now[0] + p_later[0] <= 1.0 + 1e-12
    if not any(open_now):
        assert p_now[0] == 0.0
    if not any(open_later) or recall == 0.0:
        assert p_later[0] == 0.0
    # never more likely to report now than when reporting now is the only option
    assert p_now[0] <= decision.report_probability(np.array([utility]), cost, now)[0] + 1e-12


@settings(max_examples=300, deadline=None)
@given(
    per_yuan=st.floats(0.0, 2.0),
    max_logit=st.floats(0.01, 10.0),
    rewards=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=20),
)
def test_reward_term_is_bounded_with_the_given_slope_at_zero(per_yuan, max_logit, rewards) -> None:
    decision = bare_decision(reward_per_yuan=per_yuan, reward_max_logit=max_logit)
    reward = np.sort(np.array(rewards))
    term = decision.reward_term(reward)
    assert np.all(term >= 0.0) and np.all(term <= max_logit)
    assert np.all(np.diff(term) >= -1e-12)  # more reward, never less pull
    assert np.all(term <= per_yuan * reward + 1e-12)  # never above the tangent at zero
    assert decision.reward_term(np.array([0.0]))[0] == 0.0
    h = 1e-6 * max_logit / max(per_yuan, 1e-9)  # small against the term's curvature
    slope = decision.reward_term(np.array([h]))[0] / h
    assert slope == pytest.approx(per_yuan, rel=1e-5, abs=1e-12)


def test_reward_term_saturates_at_the_evidence_bound(small_config) -> None:
    decision = decision_for()
    b = small_config.behaviour
    huge = decision.reward_term(np.array([1e9]))[0]
    assert huge == pytest.approx(b.reward_max_logit, rel=1e-9)
    small = decision.reward_term(np.array([1.0]))[0]
    assert small == pytest.approx(b.reward_per_yuan, rel=0.05)  # nearly linear for 1 yuan
    # the reward enters the utility through the bounded term
    n = 3
    base, _ = decision.worker_terms(**worker_traits(n))
    paid, _ = decision.worker_terms(**worker_traits(n, reward=np.array([0.0, 100.0, 1e9])))
    assert np.allclose(paid - base, decision.reward_term(np.array([0.0, 100.0, 1e9])))
    assert (paid - base).max() <= b.reward_max_logit + 1e-12  # up to rounding in the sum


def test_resident_report_probability_matches_the_utility(small_config) -> None:
    decision = decision_for()
    b = small_config.behaviour
    n = 60_000
    available = np.tile([True, False, False, True, False], (n, 1))
    utility, cost = decision.resident_terms(
        propensity=np.full(n, 0.5), trust=np.full(n, 0.4), severity=np.full(n, 0.6)
    )
    chosen = decision.decide(utility, cost, available, *uniforms(4, n))
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
    decision = decision_for({"behaviour": {"shift_end_recall": 0.5}})
    n = 30_000
    open_later = np.tile([True, False, False, True, False], (n, 1))
    low_now, low_later = decide_workers(
        decision, n, hotline_only(n), open_later, 5, motivation=np.zeros(n)
    )
    high_now, high_later = decide_workers(
        decision, n, hotline_only(n), open_later, 5, motivation=np.ones(n)
    )
    low, high = low_now != NO_CHANNEL, high_now != NO_CHANNEL
    assert np.mean(high) > np.mean(low)
    assert np.mean(high | high_later) > np.mean(low | low_later)
    # common random numbers: everyone who reports now at low motivation also does at high,
    # and everyone who reports at all at low motivation also reports at high
    assert np.all(high[low])
    assert np.all((high | high_later)[low | low_later])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), hour=st.integers(0, 20_000), scale=st.floats(0.5, 20.0))
def test_compiled_end_of_shift_channels_equal_the_numpy_choice(seed, hour, scale) -> None:
    """The compiled channel choice of end-of-shift reports: numpy's, with the same draws."""
    rng = np.random.default_rng(seed)
    n_workers, m = 30, 25
    with_office = rng.random((n_workers, NC)) < 0.6
    without_office = with_office & (rng.random((n_workers, NC)) < 0.7)
    week = rng.random(168) < 0.4
    cost = rng.uniform(0.0, 12.0, NC)
    slots = rng.integers(0, n_workers, m)
    issues = rng.integers(0, 5_000, m)
    when = hour + rng.random(m) * 3.0
    draws = KeyedDraws(int(rng.integers(0, 2**63)))
    open_then = week[np.floor(when).astype(np.int64) % 168]
    available = np.where(open_then[:, None], with_office[slots], without_office[slots])
    u = draws.uniform("channel", -1 - hour, issues[:, None], slots[:, None], np.arange(NC)[None])
    expected = choose_channel(np.repeat(cost[None], m, axis=0), available, scale, u)
    got = decision_kernels.end_of_shift_channels(
        slots,
        issues,
        when,
        hour,
        with_office,
        without_office,
        week,
        cost,
        scale,
        draws.state("channel"),
    )
    assert np.array_equal(got, expected)
    assert (got == NO_CHANNEL).sum() == (~available.any(axis=1)).sum()


@pytest.mark.parametrize(
    "behaviour",
    [
        {},
        {"shift_end_recall": 0.0},  # nobody reports later
        {"shift_end_recall": 1.0, "worker_intercept": 6.0},  # nearly everybody reports
        {"worker_intercept": -9.0, "resident_intercept": -9.0},  # nearly nobody does
    ],
    ids=["defaults", "no-recall", "eager", "reluctant"],
)
def test_compiled_choices_equal_the_numpy_choices(behaviour) -> None:
    """Perception._choose (compiled) decides every row as the numpy form does, bit for bit.

    The rows are the detections of each day's plan of the small street with every lever on
    (eight days); the offices are open for some rows and closed for others, and the points
    reward is on.
    """
    from model.sim.decision_tables import ExpectedDecisions
    from model.sim.model import StreetModel

    model = StreetModel(make_config(every_lever_on(), {"behaviour": behaviour}), seed=9, days=8)
    reward = np.full(len(model.config.issues.types), 4.0)
    office_rng = np.random.default_rng(0)
    compared = {"workers": 0, "residents": 0, "reporting": 0, "later": 0}
    while model.running:
        model.advance_hour()
        if model.hours_elapsed % 24 != 1:
            continue  # the hour after midnight: a fresh plan
        planned, perception = model.day_plan.planned, model.perception
        det, when, n = planned.detections, planned.noticed_at, len(planned)
        rows = np.flatnonzero(det.observer != Observer.STAFF)
        office = office_rng.random(n) < 0.5
        got = ExpectedDecisions(
            np.full(n, NO_CHANNEL), np.zeros(n, bool), np.full(n, np.nan), None, None, reward, None
        )
        perception._choose(det, when, rows, office, model.shifts, reward, got)
        draws = decision_forms.decision_draws(perception, det)
        workers = rows[det.observer[rows] < 3]
        channel, later, shift_end = decision_forms.worker_choices(
            perception,
            workers,
            det,
            when,
            office[workers],
            model.shifts,
            reward,
            draws.take(workers),
        )
        assert np.array_equal(got.channel[workers], channel)
        assert np.array_equal(got.later[workers], later)
        assert np.array_equal(got.shift_end[workers], shift_end)
        residents = rows[det.observer[rows] == Observer.RESIDENT]
        chosen = decision_forms.resident_choices(
            perception, det, residents, office[residents], draws.take(residents)
        )
        assert np.array_equal(got.channel[residents], chosen)
        compared["workers"] += len(workers)
        compared["residents"] += len(residents)
        compared["reporting"] += int((channel != NO_CHANNEL).sum() + (chosen != NO_CHANNEL).sum())
        compared["later"] += int(later.sum())
    assert compared["workers"] > 300 and compared["residents"] > 30, compared
    if behaviour.get("shift_end_recall") == 0.0:
        assert compared["later"] == 0
    else:
        assert compared["later"] > 0
    if behaviour.get("worker_intercept", 0) > 0:
        assert compared["reporting"] + compared["later"] > 0.5 * compared["workers"]

"""Per-agent references for the channels open to each reporter and the report decisions.

Reporter by reporter and channel by channel, from docs/ODD.md (section 7.5), for
:mod:`model.sim.decisions`: which channels a worker or resident can use now
(:func:`worker_channels`, :func:`resident_channels`); the costs of the channels (yuan:
minutes x time pressure on shift, :func:`worker_costs_now`, or x the off-shift minute
value, :func:`worker_costs_off_shift`) and their smooth minimum (:func:`expected_cost`); the
logit choice of a channel (:func:`choose_channel`); the report utility
(:func:`worker_utility`, with the bounded :func:`reward_term`); the chances of reporting
(:func:`report_probability`, :func:`now_or_later_probabilities`); and the decisions row by
row against uniforms passed in (:func:`worker_decisions`, :func:`resident_decisions`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from model.config.behaviour import BehaviourConfig
from model.config.codes import CHANNELS, NO_CHANNEL, WORKER_KINDS, Access, Channel, Role
from model.config.scenario import ScenarioConfig
from model.sim.channels import ChannelRules


def worker_channels(
    rules: ChannelRules,
    registered: np.ndarray,
    adopted_mini_program: np.ndarray,
    station_in_reach: np.ndarray,
    office_open: np.ndarray,
    holds_post_or_seat: np.ndarray,
) -> np.ndarray:
    """Which channels each worker can use now, worker by worker and channel by channel.

    A channel is open to a worker when it is open to all workers, or to registered workers
    and he is registered, or to post and seat holders and he holds one; the mini-program
    needs his adoption, the station desk a station in reach, office-hours channels his
    office open (``office_open`` per worker).
    """
    n = len(registered)
    ok = np.zeros((n, len(rules.minutes)), dtype=bool)
    for w in range(n):
        for ch in range(len(rules.minutes)):
            access = rules.open_workers[ch]
            allowed = (
                access == Access.ALL
                or (access == Access.REGISTERED and bool(registered[w]))
                or (bool(rules.open_to_post_holders[ch]) and bool(holds_post_or_seat[w]))
            )
            if ch == Channel.MINI_PROGRAM and not adopted_mini_program[w]:
                allowed = False
            if rules.needs_station[ch] and not station_in_reach[w]:
                allowed = False
            if rules.office_hours_only[ch] and not office_open[w]:
                allowed = False
            ok[w, ch] = allowed
    return ok


def resident_channels(
    rules: ChannelRules, adopted_mini_program: np.ndarray, office_open: bool
) -> np.ndarray:
    """Which channels each resident can use now, resident by resident."""
    n = len(adopted_mini_program)
    ok = np.zeros((n, len(rules.minutes)), dtype=bool)
    for r in range(n):
        for ch in range(len(rules.minutes)):
            allowed = bool(rules.open_residents[ch])
            if ch == Channel.MINI_PROGRAM and not adopted_mini_program[r]:
                allowed = False
            if rules.office_hours_only[ch] and not office_open:
                allowed = False
            ok[r, ch] = allowed
    return ok


def expected_cost(cost_row, available_row, scale: float) -> float:
    """Smooth minimum of the open channels' costs, ``-scale * log(sum(exp(-cost / scale)))``."""
    open_costs = [c for c, ok in zip(cost_row, available_row, strict=True) if ok]
    if not open_costs:
        return math.inf
    low = min(open_costs)
    return low - scale * math.log(math.fsum(math.exp(-(c - low) / scale) for c in open_costs))


def choose_channel(cost_row, available_row, scale: float, u_row) -> int:
    """The open channel with the largest ``-cost / scale + Gumbel(u)`` (logit choice)."""
    best, best_score = NO_CHANNEL, -math.inf
    for ch in range(len(cost_row)):
        if available_row[ch]:
            score = -cost_row[ch] / scale - math.log(-math.log(u_row[ch]))
            if score > best_score:
                best, best_score = ch, score
    return best


def reward_term(behaviour: BehaviourConfig, reward: float) -> float:
    """Logit shift of an expected reward (yuan), bounded: slope ``reward_per_yuan`` at 0.

    ``reward_max_logit x (1 - exp(-reward_per_yuan x reward / reward_max_logit))``.
    """
    b = behaviour
    return b.reward_max_logit * (1.0 - math.exp(-b.reward_per_yuan * reward / b.reward_max_logit))


def worker_utility(config: ScenarioConfig, data: dict[str, Any], i: int) -> float:
    """The report utility (logit, before the cost) of detecting worker ``i`` (section 7.5).

    Written out from the definitions: the levers are read from ``config`` (crowding out,
    honours), not from the fast code's precomputed terms.
    """
    b, pol = config.behaviour, config.policies
    crowding = pol.points.enabled and pol.points.crowding_out
    kept = 1.0 - (pol.points.crowding_out_strength if crowding else 0.0)
    registered = bool(data["registered"][i])
    return (
        b.worker_intercept
        + b.motivation * data["motivation"][i] * kept
        + b.belonging * data["belonging"][i]
        + b.trust * data["trust"][i]
        + b.severity * data["severity"][i]
        + b.registered * registered
        + b.role * (data["role"][i] != Role.NONE)
        + b.role_match * bool(data["role_match"][i])
        + b.honours * (registered and pol.honours.enabled)
        + b.security * bool(data["insured"][i])
        + reward_term(b, float(data["reward"][i]))
    )


def worker_costs_now(config: ScenarioConfig, rules: ChannelRules, kind: int) -> list[float]:
    """Cost of each channel for a worker on shift: minutes x time pressure (less the waiver)."""
    pol = config.policies
    pressure = getattr(config.workers, WORKER_KINDS[kind]).time_pressure
    if pol.waiver.enabled:
        pressure *= 1.0 - pol.waiver.cost_reduction
    return [rules.minutes[ch] * pressure for ch in range(len(CHANNELS))]


def worker_costs_off_shift(config: ScenarioConfig, rules: ChannelRules) -> list[float]:
    """Cost of each channel for a worker off shift: minutes x off-shift minute value."""
    value = config.workers.off_shift_minute_value
    return [rules.minutes[ch] * value for ch in range(len(CHANNELS))]


def report_probability(config: ScenarioConfig, utility: float, costs, available) -> float:
    """``sigmoid(utility - cost_per_yuan x expected cost)``; 0 with no open channel."""
    b = config.behaviour
    c = expected_cost(costs, available, b.channel_choice_scale_yuan)
    if math.isinf(c):
        return 0.0
    x = utility - b.cost_per_yuan * c
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def now_or_later_probabilities(
    config: ScenarioConfig,
    utility: float,
    cost_now,
    available_now,
    cost_later,
    available_later,
) -> tuple[float, float]:
    """A noticing worker's chances of reporting now and at the end of his shift.

    Three options, a logit: now ``V_now = u - cost_per_yuan x C_now`` (the channels open
    now), later ``V_later = u - cost_per_yuan x C_later + ln(shift_end_recall)`` (the
    channels open then, off-shift costs), never ``0``. An option without an open channel
    (or later with no recall) is not there.

    Returns:
        ``(p_now, p_later)``.
    """
    b = config.behaviour
    scale = b.channel_choice_scale_yuan
    c_now = expected_cost(cost_now, available_now, scale)
    c_later = expected_cost(cost_later, available_later, scale)
    v_now = None if math.isinf(c_now) else utility - b.cost_per_yuan * c_now
    v_later = None
    if not math.isinf(c_later) and b.shift_end_recall > 0:
        v_later = utility - b.cost_per_yuan * c_later + math.log(b.shift_end_recall)
    top = max(v for v in (0.0, v_now, v_later) if v is not None)  # for exp() without overflow
    never = math.exp(-top)
    now = 0.0 if v_now is None else math.exp(v_now - top)
    later = 0.0 if v_later is None else math.exp(v_later - top)
    total = never + now + later
    return now / total, later / total


def worker_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    u_decide: np.ndarray,
    u_channel: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each noticing worker's one decision, row by row: now, at the end of the shift, never.

    Row ``i`` reports now when ``u_decide[i] < p_now`` (its channel the logit choice over the
    channels open now, with ``u_channel[i]``), at the end of the shift when ``p_now <=
    u_decide[i] < p_now + p_later`` (:func:`now_or_later_probabilities`).

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per worker: ``kind``, ``motivation``, ``belonging``,
            ``trust``, ``registered``, ``insured``, ``role``, ``role_match``, ``severity``,
            ``reward`` (yuan), ``available`` (n, n_channels; open now) and
            ``available_later`` (n, n_channels; open at the end of the shift).
        u_decide: (n,) uniforms of the decision.
        u_channel: (n, n_channels) uniforms of the channel.

    Returns:
        ``(channel_now, later)``: (n,) channel of a report filed now (``NO_CHANNEL`` when
        none) and (n,) whether the worker reports at the end of his shift.
    """
    scale = config.behaviour.channel_choice_scale_yuan
    later_cost = worker_costs_off_shift(config, rules)
    n = len(data["kind"])
    channel = np.full(n, NO_CHANNEL, dtype=np.int64)
    later = np.zeros(n, dtype=bool)
    for i in range(n):
        now_cost = worker_costs_now(config, rules, int(data["kind"][i]))
        p_now, p_later = now_or_later_probabilities(
            config,
            worker_utility(config, data, i),
            now_cost,
            data["available"][i],
            later_cost,
            data["available_later"][i],
        )
        if u_decide[i] < p_now:
            channel[i] = choose_channel(now_cost, data["available"][i], scale, u_channel[i])
        elif u_decide[i] < p_now + p_later:
            later[i] = True
    return channel, later


def resident_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    u_decide: np.ndarray,
    u_channel: np.ndarray,
) -> np.ndarray:
    """Report decision and channel of each noticing resident, row by row (section 7.5).

    Row ``i`` reports when ``u_decide[i] < report_probability`` (her propensity for
    motivation, the value of her time for the cost), over the channel chosen with
    ``u_channel[i]``.

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per resident: ``propensity``, ``trust``, ``severity`` and
            ``available`` (n, n_channels).
        u_decide: (n,) uniforms of the decision.
        u_channel: (n, n_channels) uniforms of the channel.
    """
    b = config.behaviour
    value = config.residents.time_value_yuan_per_minute
    cost = [rules.minutes[ch] * value for ch in range(len(CHANNELS))]
    n = len(data["propensity"])
    chosen = np.full(n, NO_CHANNEL, dtype=np.int64)
    for i in range(n):
        utility = (
            b.resident_intercept
            + b.resident_propensity * data["propensity"][i]
            + b.trust * data["trust"][i]
            + b.severity * data["severity"][i]
        )
        if u_decide[i] < report_probability(config, utility, cost, data["available"][i]):
            chosen[i] = choose_channel(
                cost, data["available"][i], b.channel_choice_scale_yuan, u_channel[i]
            )
    return chosen

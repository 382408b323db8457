"""The report decision and the channel choice, for a batch of detections at once.

A detector reports with probability ``sigmoid(u)``. For a worker (all weights in
``behaviour``; assumptions fitted in calibration)::

    u = intercept + motivation * m * (1 - crowding out) + belonging * b + trust * tau
        + severity * s + registered + role (+ role_match) + honours + security
        + reward_per_yuan * reward - cost_per_yuan * C

where ``C`` is the expected cost of the cheapest open channel (log-sum over channels of
``minutes * time pressure``, the time pressure cut by the platform waiver; see
:mod:`model.sim.levers` for what the levers pass in). Residents use
their propensity for motivation, their trust, and the value of their time for the cost.
The channel is then chosen by a logit on cost (Gumbel-max draw). A batch with no open
channel reports nothing.
"""

from __future__ import annotations

import numpy as np

from model.config.behaviour import BehaviourConfig
from model.config.codes import NO_CHANNEL, Access, Channel, Role
from model.sim.channels import ChannelRules


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))


def expected_cost(cost: np.ndarray, available: np.ndarray, scale: float) -> np.ndarray:
    """Smooth minimum of channel costs: ``-scale * log(sum(exp(-cost / scale)))``.

    Args:
        cost: (n, n_channels) cost per channel, yuan.
        available: (n, n_channels) channel open to this reporter now.
        scale: logit scale, yuan.

    Returns:
        (n,) expected cost, yuan; ``inf`` where no channel is open.
    """
    open_cost = np.where(available, cost, np.inf)
    low = open_cost.min(axis=1, keepdims=True)
    total = np.exp(-(open_cost - np.where(np.isfinite(low), low, 0.0)) / scale).sum(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(total > 0, low[:, 0] - scale * np.log(total), np.inf)


def choose_channel(
    cost: np.ndarray, available: np.ndarray, scale: float, rng: np.random.Generator
) -> np.ndarray:
    """Logit choice of channel on cost (Gumbel-max).

    Returns:
        (n,) channel index, NO_CHANNEL where none is open.
    """
    gumbel = -np.log(-np.log(rng.random(cost.shape)))
    score = np.where(available, -cost / scale + gumbel, -np.inf)
    choice = score.argmax(axis=1)
    return np.where(available.any(axis=1), choice, NO_CHANNEL)


def worker_channels(
    rules: ChannelRules,
    registered: np.ndarray,
    adopted_mini_program: np.ndarray,
    station_in_reach: np.ndarray,
    office_open: bool,
) -> np.ndarray:
    """Which channels each worker can use now: (n, n_channels) booleans."""
    open_to = rules.open_workers[None, :]
    ok = (open_to == Access.ALL) | ((open_to == Access.REGISTERED) & registered[:, None])
    ok[:, Channel.MINI_PROGRAM] &= adopted_mini_program
    ok[:, rules.needs_station] &= station_in_reach[:, None]
    if not office_open:
        ok[:, rules.office_hours_only] = False
    return ok


def resident_channels(
    rules: ChannelRules, adopted_mini_program: np.ndarray, office_open: bool
) -> np.ndarray:
    """Which channels each resident can use now: (n, n_channels) booleans."""
    ok = np.repeat(rules.open_residents[None, :], len(adopted_mini_program), axis=0)
    ok[:, Channel.MINI_PROGRAM] &= adopted_mini_program
    if not office_open:
        ok[:, rules.office_hours_only] = False
    return ok


class ReportDecision:
    """Vectorised report decision and channel choice."""

    def __init__(
        self,
        behaviour: BehaviourConfig,
        rules: ChannelRules,
        *,
        time_pressure: np.ndarray,
        motivation_kept: float,
        honours_on: bool,
        resident_minute_value: float,
    ) -> None:
        """Keep the coefficients and what the levers set.

        Args:
            behaviour: the ``behaviour`` block (logit weights).
            rules: the effective channel rules.
            time_pressure: (n_kinds,) yuan a worker of each kind loses per minute away from
                work, after the waiver (:func:`model.sim.levers.report_time_pressure`).
            motivation_kept: share of intrinsic motivation left after crowding out
                (:class:`model.sim.levers.PointsScheme`).
            honours_on: the honours lever is on (registered workers get its logit shift).
            resident_minute_value: what a minute spent reporting costs a resident, yuan.
        """
        self.rules = rules
        self.b = behaviour
        self.pressure = time_pressure
        self.motivation_kept = motivation_kept
        self.honours_on = honours_on
        self.resident_minute_value = resident_minute_value

    def workers(
        self, *, available: np.ndarray, rng: np.random.Generator, **traits: np.ndarray
    ) -> np.ndarray:
        """Decide for detecting workers.

        Args:
            available: (n, n_channels) open channels.
            rng: the ``decisions`` stream.
            **traits: the arguments of :meth:`worker_terms`, one array entry per worker.

        Returns:
            (n,) chosen channel, NO_CHANNEL where the worker does not report.
        """
        utility, cost = self.worker_terms(**traits)
        return self.decide(utility, cost, available, rng)

    def worker_terms(
        self,
        *,
        kind: np.ndarray,
        motivation: np.ndarray,
        belonging: np.ndarray,
        trust: np.ndarray,
        registered: np.ndarray,
        insured: np.ndarray,
        role: np.ndarray,
        role_match: np.ndarray,
        severity: np.ndarray,
        reward: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Utility (logit) and per-channel cost (yuan) of detecting workers.

        :meth:`decide` turns the terms into choices, so workers and residents of one hour
        can be decided in one batch.

        Args:
            kind: worker kind index of each detecting worker.
            motivation: intrinsic motivation, share 0-1.
            belonging: belonging, share 0-1.
            trust: trust that reports get fixed, share 0-1.
            registered: registered (报到).
            insured: socially insured.
            role: designated post (``Role`` code).
            role_match: the post targets this issue type.
            severity: severity of each detected issue, share 0-1.
            reward: expected points reward for a verified report, yuan.

        Returns:
            ``(utility, cost)``: (n,) logits and (n, n_channels) yuan.
        """
        b = self.b
        cost = self.rules.minutes[None, :] * self.pressure[kind][:, None]
        utility = (
            b.worker_intercept
            + b.motivation * motivation * self.motivation_kept
            + b.belonging * belonging
            + b.trust * trust
            + b.severity * severity
            + b.registered * registered
            + b.role * (role != Role.NONE)
            + b.role_match * role_match
            + b.honours * (registered & self.honours_on)
            + b.security * insured
            + b.reward_per_yuan * reward
        )
        return utility, cost

    def resident_terms(
        self, *, propensity: np.ndarray, trust: np.ndarray, severity: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Utility (logit) and per-channel cost (yuan) of detecting residents."""
        b = self.b
        value = self.resident_minute_value
        cost = np.repeat(self.rules.minutes[None, :] * value, len(propensity), axis=0)
        utility = (
            b.resident_intercept
            + b.resident_propensity * propensity
            + b.trust * trust
            + b.severity * severity
        )
        return utility, cost

    def residents(
        self,
        *,
        propensity: np.ndarray,
        trust: np.ndarray,
        severity: np.ndarray,
        available: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Decide for detecting residents (see :meth:`workers`)."""
        utility, cost = self.resident_terms(propensity=propensity, trust=trust, severity=severity)
        return self.decide(utility, cost, available, rng)

    def decide(
        self,
        utility: np.ndarray,
        cost: np.ndarray,
        available: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Report with probability ``sigmoid(utility - cost_per_yuan * expected cost)``.

        Args:
            utility: (n,) logit before the cost of reporting.
            cost: (n, n_channels) cost of each channel, yuan.
            available: (n, n_channels) channel open to this reporter now.
            rng: the ``decisions`` stream.

        Returns:
            (n,) chosen channel (logit on cost), NO_CHANNEL where nobody reports.
        """
        scale = self.b.channel_choice_scale_yuan
        c = expected_cost(cost, available, scale)
        u = rng.random(len(utility))
        with np.errstate(invalid="ignore"):
            p = np.where(np.isfinite(c), sigmoid(utility - self.b.cost_per_yuan * c), 0.0)
        channel = np.full(len(utility), NO_CHANNEL, dtype=np.int64)
        reporting = np.flatnonzero(u < p)
        if len(reporting):  # the channel is drawn for reporters only
            channel[reporting] = choose_channel(cost[reporting], available[reporting], scale, rng)
        return channel

"""The report decision and the channel choice, for a batch of detections at once.

A worker decides once about a problem, when he first notices it (instant perception): he
reports it at once, or at the end of his shift, or not at all. With the utility (all
weights in ``behaviour``)::

    u = intercept + motivation * m * (1 - crowding out) + belonging * b + trust * tau
        + severity * s + registered + role (+ role_match) + honours + security
        + reward_max_logit * (1 - exp(-reward_per_yuan * reward / reward_max_logit))

reporting now is worth ``V_now = u - cost_per_yuan * C_now``, with ``C_now`` the expected
cost of the cheapest channel open now (log-sum over channels of ``minutes * time
pressure``, the time pressure cut by the platform waiver), and reporting at the end of the
shift ``V_later = u - cost_per_yuan * C_later + ln(shift_end_recall)``, the minutes then
valued off shift over the channels open then. The choice is a logit over the three
options: ``P(now) = e^V_now / (1 + e^V_now + e^V_later)``. Residents (who live with the
problem) decide each time they notice it, reporting with probability ``sigmoid(u - cost)``
with their propensity for motivation and the value of their time for the cost. The channel
is chosen by a logit on cost (Gumbel-max). No open channel, no report. Every uniform comes
from keyed draws (:class:`model.sim.streams.KeyedDraws`), so the same decision gets the
same number in every arm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.config.behaviour import BehaviourConfig
from model.config.codes import NO_CHANNEL, Access, Channel, Role
from model.sim.channels import ChannelRules
from model.sim.daily_kernels import channel_rows
from model.sim.decision_kernels import ResidentWeights, WorkerWeights

if TYPE_CHECKING:
    from model.sim.workforce import WorkerTable


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
    cost: np.ndarray, available: np.ndarray, scale: float, u: np.ndarray
) -> np.ndarray:
    """Logit choice of channel on cost (Gumbel-max).

    Args:
        cost: (n, n_channels) cost per channel, yuan.
        available: (n, n_channels) channel open.
        scale: logit scale, yuan.
        u: (n, n_channels) uniforms.

    Returns:
        (n,) channel index, NO_CHANNEL where none is open.
    """
    gumbel = -np.log(-np.log(np.clip(u, 1e-300, 1.0 - 1e-16)))
    score = np.where(available, -cost / scale + gumbel, -np.inf)
    choice = score.argmax(axis=1)
    return np.where(available.any(axis=1), choice, NO_CHANNEL)


def worker_channels(
    rules: ChannelRules,
    registered: np.ndarray,
    adopted_mini_program: np.ndarray,
    station_in_reach: np.ndarray,
    office_open: bool | np.ndarray,
    holds_post_or_seat: np.ndarray | None = None,
) -> np.ndarray:
    """Which channels each worker can use now: (n, n_channels) booleans.

    Args:
        rules: the effective channel rules.
        registered: (n,) registered (报到).
        adopted_mini_program: (n,) would use the mini-program.
        station_in_reach: (n,) a station lies within reach of the worker's route.
        office_open: the community office is open (one value, or one per worker).
        holds_post_or_seat: (n,) holds a designated post or a council seat (channels open to
            them, :attr:`ChannelRules.open_to_post_holders`); none when omitted.
    """
    n = len(registered)
    open_to = rules.open_workers[None, :]
    ok = (open_to == Access.ALL) | ((open_to == Access.REGISTERED) & registered[:, None])
    if holds_post_or_seat is not None:
        ok |= rules.open_to_post_holders[None, :] & holds_post_or_seat[:, None]
    ok = np.broadcast_to(ok, (n, len(rules.minutes))).copy()
    ok[:, Channel.MINI_PROGRAM] &= adopted_mini_program
    ok[:, rules.needs_station] &= station_in_reach[:, None]
    closed = ~np.broadcast_to(np.asarray(office_open, dtype=bool), (n,))
    ok[np.ix_(closed, rules.office_hours_only)] = False
    return ok


class WorkerChannelTable:
    """Which channels each worker can use, with the offices open and with them closed.

    What decides it (registration, the mini-program, a station in reach, a post or a council
    seat, the slot's occupant) changes only at midnight, in the daily submodels, so the
    table is worked out for every worker once a day (:meth:`refresh`) and read by every
    decision of the day (:meth:`of`); it equals :func:`worker_channels` row for row.

    The four things that decide a worker's row are yes-or-no, so there are 16 possible
    rows: they are worked out once, by :func:`worker_channels` itself, and each day every
    worker gets the rows of his combination.

    Args:
        rules: the effective channel rules.
        station_in_reach: (n_kinds, n_communities) a station lies within reach of the route
            of a worker of that kind and base.
    """

    def __init__(self, rules: ChannelRules, station_in_reach: np.ndarray) -> None:
        """Keep the rules and work out the row of every combination.

        The table itself comes with :meth:`refresh`.
        """
        self.rules = rules
        self.station_in_reach = station_in_reach
        # a station in reach by worker group (kind * n_communities + base)
        self._station_by_group = np.ascontiguousarray(station_in_reach.ravel(), dtype=bool)
        # combination code = 8 * registered + 4 * adopted + 2 * station in reach + holds
        code = np.arange(16)
        self._rows_office_open = worker_channels(
            rules, code & 8 > 0, code & 4 > 0, code & 2 > 0, True, code & 1 > 0
        )
        # with the offices closed, the same less the channels of office hours
        self._rows_office_closed = self._rows_office_open.copy()
        self._rows_office_closed[:, rules.office_hours_only] = False
        self._office_open = np.zeros((0, len(rules.minutes)), dtype=bool)
        self._office_closed = self._office_open

    def refresh(self, workforce: WorkerTable) -> None:
        """Work the table out anew from the workers' state now.

        Each worker gets the rows of his combination, picked by the compiled
        :func:`model.sim.daily_kernels.channel_rows` (one call instead of a dozen numpy
        operations on the whole table).
        """
        wf = workforce
        self._office_open, self._office_closed = channel_rows(
            wf.registered,
            wf.adopted_mini_program,
            self._station_by_group,
            wf.group,
            wf.role,
            wf.seat,
            int(Role.NONE),
            self._rows_office_open,
            self._rows_office_closed,
        )

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(n_workers, n_channels) the channels of every worker, offices open and closed."""
        return self._office_open, self._office_closed

    def of(self, slots: np.ndarray, office_open: bool | np.ndarray) -> np.ndarray:
        """(len(slots), n_channels) the channels these workers can use.

        Args:
            slots: worker slots.
            office_open: the offices are open (one value, or one per slot).
        """
        if np.ndim(office_open) == 0:
            return (self._office_open if office_open else self._office_closed)[slots]
        return np.where(
            np.asarray(office_open, dtype=bool)[:, None],
            self._office_open[slots],
            self._office_closed[slots],
        )


def resident_channels(
    rules: ChannelRules, adopted_mini_program: np.ndarray, office_open: bool | np.ndarray
) -> np.ndarray:
    """Which channels each resident can use now: (n, n_channels) booleans.

    Args:
        rules: the effective channel rules.
        adopted_mini_program: (n,) would use the mini-program.
        office_open: the community office is open (one value, or one per resident).
    """
    ok = np.repeat(rules.open_residents[None, :], len(adopted_mini_program), axis=0)
    ok[:, Channel.MINI_PROGRAM] &= adopted_mini_program
    if np.ndim(office_open):
        ok[np.ix_(~np.asarray(office_open, dtype=bool), rules.office_hours_only)] = False
    elif not office_open:
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
        off_shift_minute_value: float,
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
            off_shift_minute_value: what a minute spent reporting costs a worker off shift
                (``workers.off_shift_minute_value``), yuan.
        """
        self.rules = rules
        self.b = behaviour
        self.pressure = time_pressure
        self.motivation_kept = motivation_kept
        self.honours_on = honours_on
        self.resident_minute_value = resident_minute_value
        self.off_shift_minute_value = off_shift_minute_value

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
            + self.reward_term(reward)
        )
        return utility, cost

    def worker_weights(self) -> WorkerWeights:
        """The weights of a worker's decision, for :func:`decision_kernels.worker_choices`."""
        b = self.b
        recall = b.shift_end_recall
        return WorkerWeights(
            intercept=float(b.worker_intercept),
            motivation=float(b.motivation),
            motivation_kept=float(self.motivation_kept),
            belonging=float(b.belonging),
            trust=float(b.trust),
            severity=float(b.severity),
            registered=float(b.registered),
            role=float(b.role),
            role_match=float(b.role_match),
            honours=float(b.honours),
            honours_on=bool(self.honours_on),
            security=float(b.security),
            cost_per_yuan=float(b.cost_per_yuan),
            scale_yuan=float(b.channel_choice_scale_yuan),
            recall_positive=bool(recall > 0),
            # np.log, as the plain form takes it (0 stands in where it is not used)
            log_recall=float(np.log(recall)) if recall > 0 else 0.0,
            off_shift_minute_value=float(self.off_shift_minute_value),
        )

    def resident_weights(self) -> ResidentWeights:
        """The weights of a resident's decision, for :func:`decision_kernels.resident_choices`."""
        b = self.b
        return ResidentWeights(
            intercept=float(b.resident_intercept),
            propensity=float(b.resident_propensity),
            trust=float(b.trust),
            severity=float(b.severity),
            cost_per_yuan=float(b.cost_per_yuan),
            scale_yuan=float(b.channel_choice_scale_yuan),
            minute_value=float(self.resident_minute_value),
        )

    def reward_term(self, reward: np.ndarray) -> np.ndarray:
        """Logit shift of an expected reward (yuan), bounded by the evidence.

        ``reward_max_logit x (1 - exp(-reward_per_yuan x reward / reward_max_logit))``: the
        slope at zero is ``reward_per_yuan``, the shift never exceeds ``reward_max_logit``.
        """
        b = self.b
        return b.reward_max_logit * -np.expm1(
            -b.reward_per_yuan * np.asarray(reward, dtype=float) / b.reward_max_logit
        )

    def off_shift_cost(self, n: int) -> np.ndarray:
        """(n, n_channels) cost of each channel for a worker off shift, yuan."""
        return np.repeat(self.rules.minutes[None, :] * self.off_shift_minute_value, n, axis=0)

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

    def report_probability(
        self, utility: np.ndarray, cost: np.ndarray, available: np.ndarray
    ) -> np.ndarray:
        """``sigmoid(utility - cost_per_yuan * expected cost)``, 0 with no open channel."""
        c = expected_cost(cost, available, self.b.channel_choice_scale_yuan)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(c), sigmoid(utility - self.b.cost_per_yuan * c), 0.0)

    def decide(
        self,
        utility: np.ndarray,
        cost: np.ndarray,
        available: np.ndarray,
        u_decide: np.ndarray,
        u_channel: np.ndarray,
    ) -> np.ndarray:
        """Report now with probability :meth:`report_probability` (residents, relays).

        Args:
            utility: (n,) logit before the cost of reporting.
            cost: (n, n_channels) cost of each channel, yuan.
            available: (n, n_channels) channel open to this reporter now.
            u_decide: (n,) uniforms for the decision.
            u_channel: (n, n_channels) uniforms for the channel.

        Returns:
            (n,) chosen channel (logit on cost), NO_CHANNEL where nobody reports.
        """
        p = self.report_probability(utility, cost, available)
        channel = np.full(len(utility), NO_CHANNEL, dtype=np.int64)
        reporting = np.flatnonzero(u_decide < p)
        if len(reporting):  # the channel matters for reporters only
            channel[reporting] = choose_channel(
                cost[reporting],
                available[reporting],
                self.b.channel_choice_scale_yuan,
                u_channel[reporting],
            )
        return channel

    def now_or_later_probabilities(
        self,
        utility: np.ndarray,
        cost_now: np.ndarray,
        available_now: np.ndarray,
        cost_later: np.ndarray,
        available_later: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Chances that a noticing worker reports now and at the end of his shift.

        A logit over three options: report now (``V_now``), at the end of the shift
        (``V_later``, off-shift minutes, the channels open then, times
        ``shift_end_recall``), or never (0).

        Returns:
            ``(p_now, p_later)``, each (n,).
        """
        b = self.b
        scale = b.channel_choice_scale_yuan
        c_now = expected_cost(cost_now, available_now, scale)
        c_later = expected_cost(cost_later, available_later, scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            v_now = np.where(np.isfinite(c_now), utility - b.cost_per_yuan * c_now, -np.inf)
            v_later = np.where(
                np.isfinite(c_later) & (b.shift_end_recall > 0),
                utility - b.cost_per_yuan * c_later + np.log(b.shift_end_recall),
                -np.inf,
            )
            log_total = np.logaddexp(0.0, np.logaddexp(v_now, v_later))
            return np.exp(v_now - log_total), np.exp(v_later - log_total)

    def decide_now_or_later(
        self,
        utility: np.ndarray,
        cost_now: np.ndarray,
        available_now: np.ndarray,
        cost_later: np.ndarray,
        available_later: np.ndarray,
        u_decide: np.ndarray,
        u_channel: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A noticing worker's one decision: report now, at the end of his shift, or never.

        Args:
            utility: (n,) logit before the cost of reporting.
            cost_now: (n, n_channels) cost of each channel now, yuan.
            available_now: (n, n_channels) channels open now.
            cost_later: (n, n_channels) cost of each channel at the end of the shift.
            available_later: (n, n_channels) channels open at the end of the shift.
            u_decide: (n,) uniforms for the decision.
            u_channel: (n, n_channels) uniforms for the channel chosen now.

        Returns:
            ``(channel_now, later)``: the channel of a report filed now (NO_CHANNEL when
            none), and whether the worker reports at the end of his shift instead (its
            channel is chosen then, over the channels open then).
        """
        p_now, p_later = self.now_or_later_probabilities(
            utility, cost_now, available_now, cost_later, available_later
        )
        channel = np.full(len(utility), NO_CHANNEL, dtype=np.int64)
        now = np.flatnonzero(u_decide < p_now)
        if len(now):
            channel[now] = choose_channel(
                cost_now[now],
                available_now[now],
                self.b.channel_choice_scale_yuan,
                u_channel[now],
            )
        later = (u_decide >= p_now) & (u_decide < p_now + p_later)
        return channel, later

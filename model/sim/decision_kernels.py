"""The report decisions of a day's plan, compiled: each noticing agent's choice, row by row.

:meth:`model.sim.perception.Perception.expect` (the day's plan) and
:meth:`~model.sim.perception.Perception.decide_planned` (rows decided anew within the day)
call these. They decide exactly as :class:`model.sim.decisions.ReportDecision` does on whole
arrays (the plain form :func:`model.sim.decision_forms.decide` uses), bit for bit:
the same terms added in the same order, numpy's ``logaddexp`` and ``clip`` written out, and
``exp``/``log`` from the same C library numpy calls for float64 on these machines
(``tests/sim/test_dayplan.py`` and ``tests/sim/test_decisions.py`` hold them to it). The
model is the one described in :mod:`model.sim.decisions`:

- :func:`worker_choices`: a worker reports now (over the channels open now, valued at his
  time pressure), at the end of his shift (the channels open then, valued off shift, times
  the recall) or never: a logit over the three, then a logit on cost (Gumbel-max) for the
  channel of a report filed now.
- :func:`resident_choices`: a resident reports with probability ``sigmoid(u - cost)``, then
  chooses the channel the same way.

Arrays and numbers only (numba compiles them, cached on disk beside this file); the caller
hands over the agents' tables whole and the rows to decide, so a batch is one call.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from model.config.codes import NO_CHANNEL, Role
from model.sim.compiled_arithmetic import keyed_step, keyed_unit, numpy_sum

_LOG_2 = 0.693147180559945309417232121458176568  # numpy's NPY_LOGE2
# how the choice kernels read ``office_open``
OFFICE_ONE_VALUE = 0  # office_open[0] for every row
OFFICE_BY_ROW = 1  # office_open[row]
OFFICE_BY_HOUR_OF_WEEK = 2  # office_open[hour of the row % 168]: the week's office hours


class WorkerWeights(NamedTuple):
    """The logit weights of a worker's decision (:meth:`ReportDecision.worker_terms`)."""

    intercept: float
    motivation: float
    motivation_kept: float
    belonging: float
    trust: float
    severity: float
    registered: float
    role: float
    role_match: float
    honours: float
    honours_on: bool
    security: float
    cost_per_yuan: float
    scale_yuan: float
    recall_positive: bool
    log_recall: float
    off_shift_minute_value: float


class ResidentWeights(NamedTuple):
    """The logit weights of a resident's decision (:meth:`ReportDecision.resident_terms`)."""

    intercept: float
    propensity: float
    trust: float
    severity: float
    cost_per_yuan: float
    scale_yuan: float
    minute_value: float


@njit(cache=True)
def keyed_decision_draw(
    state: np.uint64, hour_index: int, issue: int, observer: int, slot: int
) -> float:
    """The ``decide`` uniform of a noticing, one number.

    As :func:`~model.sim.decision_forms.decision_draws` draws it.
    """
    state = keyed_step(keyed_step(state, hour_index), issue)
    return keyed_unit(keyed_step(keyed_step(state, observer), slot))


@njit(cache=True)
def keyed_channel_draws(
    state: np.uint64, hour_index: int, issue: int, who: int, out: np.ndarray
) -> None:
    """The ``channel`` uniforms of a noticing, one per channel, written into ``out``.

    ``who`` is the worker's slot, or ``-1 - slot`` for a resident
    (:func:`~model.sim.decision_forms.decision_draws`).
    """
    state = keyed_step(keyed_step(keyed_step(state, hour_index), issue), who)
    for c in range(len(out)):
        out[c] = keyed_unit(keyed_step(state, c))


@njit(cache=True)
def closed_term(scale: float) -> float:
    """A closed channel's term of :func:`smooth_minimum`: ``exp(-(inf - shift) / scale)``.

    The same for every (finite) shift: ``inf - shift`` is ``inf``.
    """
    return math.exp(-math.inf / scale)


@njit(cache=True)
def smooth_minimum(
    cost: np.ndarray, available: np.ndarray, scale: float, terms: np.ndarray, closed: float
) -> float:
    """:func:`model.sim.decisions.expected_cost` of one reporter: a smooth minimum, yuan.

    The kernels deciding row after row hand the same scratch row to each call (an array
    made per call costs more than the arithmetic of a few channels), and a closed channel's
    term worked out once.

    Args:
        cost: (n_channels,) cost of each channel, yuan.
        available: (n_channels,) the channel is open.
        scale: logit scale, yuan.
        terms: (n_channels,) scratch row the terms are written into.
        closed: :func:`closed_term` of ``scale``.

    Returns:
        ``low - scale * log(sum(exp(-(cost - low) / scale)))`` over the open channels, with
        ``low`` their lowest cost; ``inf`` where none is open.
    """
    low = math.inf
    for c in range(len(cost)):
        if available[c] and cost[c] < low:
            low = cost[c]
    shift = low if math.isfinite(low) else 0.0
    for c in range(len(cost)):
        terms[c] = math.exp(-(cost[c] - shift) / scale) if available[c] else closed
    total = numpy_sum(terms, 0, len(cost))
    if total > 0:
        return low - scale * math.log(total)
    return math.inf


@njit(cache=True)
def choose_channel(cost: np.ndarray, available: np.ndarray, scale: float, u: np.ndarray) -> int:
    """:func:`model.sim.decisions.choose_channel` of one reporter: Gumbel-max on cost.

    Returns:
        The open channel with the highest ``-cost / scale + gumbel`` (the first of equal
        ones), ``NO_CHANNEL`` where none is open.
    """
    best, best_score = NO_CHANNEL, -math.inf
    for c in range(len(cost)):
        if not available[c]:
            continue
        clipped = min(max(u[c], 1e-300), 1.0 - 1e-16)
        score = -cost[c] / scale + -math.log(-math.log(clipped))
        if best == NO_CHANNEL or score > best_score:
            best, best_score = c, score
    return best


@njit(cache=True)
def logaddexp(x: float, y: float) -> float:
    """``np.logaddexp`` (numpy's ``npy_logaddexp``, step for step)."""
    if x == y:
        return x + _LOG_2
    tmp = x - y
    if tmp > 0:
        return x + math.log1p(math.exp(-tmp))
    if tmp <= 0:
        return y + math.log1p(math.exp(tmp))
    return tmp  # NaN


@njit(cache=True)
def office_open_now(office_open: np.ndarray, office_mode: int, row: int, hour: int) -> bool:
    """The offices are open in a row's hour, read from ``office_open`` as ``office_mode`` says."""
    if office_mode == OFFICE_BY_ROW:
        return office_open[row]
    if office_mode == OFFICE_BY_HOUR_OF_WEEK:
        return office_open[hour % 168]
    return office_open[0]


@njit(cache=True)
def worker_choices(
    rows: np.ndarray,
    observer: np.ndarray,
    det_slot: np.ndarray,
    det_issue: np.ndarray,
    det_hour: np.ndarray,
    det_when: np.ndarray,
    office_open: np.ndarray,
    office_mode: int,
    decide_state: np.uint64,
    channel_state: np.uint64,
    kind: np.ndarray,
    motivation: np.ndarray,
    belonging: np.ndarray,
    trust: np.ndarray,
    registered: np.ndarray,
    insured: np.ndarray,
    role: np.ndarray,
    shift_end_hour: np.ndarray,
    open_with_office: np.ndarray,
    open_without_office: np.ndarray,
    issue_type: np.ndarray,
    severity: np.ndarray,
    role_match: np.ndarray,
    reward_logit: np.ndarray,
    pressure: np.ndarray,
    minutes: np.ndarray,
    office_hours_of_week: np.ndarray,
    weights: WorkerWeights,
    channel: np.ndarray,
    later: np.ndarray,
    shift_end: np.ndarray,
) -> None:
    """Each noticing worker's one decision: report now, at the end of his shift, or never.

    The rows of the detections are read and the decisions written in place (arrays handed
    back, or gathered and scattered around the call, cost microseconds each); rows of
    other observer classes are left alone.

    Args:
        rows: the rows of the detections to decide (the workers' among them are decided).
        observer: (n_det,) the detections' observer class (below ``len(pressure)``: a
            worker kind).
        det_slot: (n_det,) the worker's slot.
        det_issue: (n_det,) the issue noticed.
        det_hour: (n_det,) the hour of the noticing, hours since the start.
        det_when: (n_det,) the time of the noticing, hours since the start.
        office_open: the offices are open in the row's hour: (n_det,) by row
            (``office_mode`` ``OFFICE_BY_ROW``), (168,) by hour of the week
            (``OFFICE_BY_HOUR_OF_WEEK``: ``office_open[det_hour % 168]``), or one value for
            all, ``office_open[0]`` (``OFFICE_ONE_VALUE``).
        office_mode: how ``office_open`` is read.
        decide_state: the keyed state of the ``decide`` purpose: the row's uniform of the
            decision is keyed on its hour, issue, kind (observer class) and slot.
        channel_state: the keyed state of the ``channel`` purpose: the row's uniform of each
            channel is keyed on its hour, issue, slot and the channel.
        kind: (n_workers,) the worker table by slot: kind.
        motivation: (n_workers,) intrinsic motivation, share 0-1.
        belonging: (n_workers,) belonging, share 0-1.
        trust: (n_workers,) trust that reports get fixed, share 0-1.
        registered: (n_workers,) registered (报到).
        insured: (n_workers,) socially insured.
        role: (n_workers,) designated post (``Role`` code).
        shift_end_hour: (n_workers,) today's shift end, hour of day (NaN: off today).
        open_with_office: (n_workers, n_channels) the channels each worker can use with the
            offices open (:class:`model.sim.decisions.WorkerChannelTable`).
        open_without_office: (n_workers, n_channels) the same with the offices closed.
        issue_type: (n_issues,) the issue log by issue: type.
        severity: (n_issues,) severity, share 0-1.
        role_match: (n_roles, n_issue_types) the post targets the issue type.
        reward_logit: (n_issue_types,) the logit shift of the expected reward.
        pressure: (n_kinds,) yuan a worker of each kind loses per minute away from work.
        minutes: (n_channels,) minutes to file on each channel.
        office_hours_of_week: (168,) the offices are open in each hour of the week.
        weights: the decision's weights.

        channel: (n_det,) written at the worker rows: the channel of a report filed now
            (``NO_CHANNEL``: none now).
        later: (n_det,) written there: he reports at the end of his shift instead.
        shift_end: (n_det,) written there: when that is (hours since the start, never
            before the noticing).
    """
    w = weights
    n_kinds, n_channels = len(pressure), len(minutes)
    cost_now = np.empty(n_channels)
    cost_later = np.empty(n_channels)
    u_channel = np.empty(n_channels)
    terms = np.empty(n_channels)  # smooth_minimum's scratch row
    closed = closed_term(w.scale_yuan)
    for c in range(n_channels):
        cost_later[c] = minutes[c] * w.off_shift_minute_value
    for j in rows:
        if observer[j] >= n_kinds:
            continue  # a resident or staff
        s, i = det_slot[j], det_issue[j]
        k, t = kind[s], issue_type[i]
        utility = (
            w.intercept
            + w.motivation * motivation[s] * w.motivation_kept
            + w.belonging * belonging[s]
            + w.trust * trust[s]
            + w.severity * severity[i]
            + w.registered * (1.0 if registered[s] else 0.0)
            + w.role * (1.0 if role[s] != Role.NONE else 0.0)
            + w.role_match * (1.0 if role_match[role[s], t] else 0.0)
            + w.honours * (1.0 if registered[s] and w.honours_on else 0.0)
            + w.security * (1.0 if insured[s] else 0.0)
            + reward_logit[t]
        )
        for c in range(n_channels):
            cost_now[c] = minutes[c] * pressure[k]
        end_of_day = shift_end_hour[s]
        day_start = (det_hour[j] // 24) * 24.0
        shift_end[j] = max(
            day_start + (end_of_day if not math.isnan(end_of_day) else 0.0), det_when[j]
        )
        open_now = office_open_now(office_open, office_mode, j, det_hour[j])
        available_now = open_with_office[s] if open_now else open_without_office[s]
        open_later = office_hours_of_week[np.int64(math.floor(shift_end[j])) % 168]
        available_later = open_with_office[s] if open_later else open_without_office[s]
        c_now = smooth_minimum(cost_now, available_now, w.scale_yuan, terms, closed)
        v_now = utility - w.cost_per_yuan * c_now if math.isfinite(c_now) else -math.inf
        v_later = -math.inf  # no recall, or no channel open then
        if w.recall_positive:
            c_later = smooth_minimum(cost_later, available_later, w.scale_yuan, terms, closed)
            if math.isfinite(c_later):
                v_later = utility - w.cost_per_yuan * c_later + w.log_recall
        log_total = logaddexp(0.0, logaddexp(v_now, v_later))
        p_now = math.exp(v_now - log_total)
        p_later = math.exp(v_later - log_total)
        u = keyed_decision_draw(decide_state, det_hour[j], i, k, s)
        channel[j] = NO_CHANNEL
        if u < p_now:
            keyed_channel_draws(channel_state, det_hour[j], i, s, u_channel)
            channel[j] = choose_channel(cost_now, available_now, w.scale_yuan, u_channel)
        later[j] = u >= p_now and u < p_now + p_later


@njit(cache=True)
def end_of_shift_channels(
    slot: np.ndarray,
    issue: np.ndarray,
    when: np.ndarray,
    hour_index: int,
    open_with_office: np.ndarray,
    open_without_office: np.ndarray,
    office_hours_of_week: np.ndarray,
    cost: np.ndarray,
    scale: float,
    channel_state: np.uint64,
) -> np.ndarray:
    """The channel of each end-of-shift report due in an hour (:meth:`Perception.due`).

    Over the channels open to the worker at the report's time, valued off shift, by a logit
    on cost; the uniforms are keyed on ``-1 - hour_index``, the issue, the slot and the
    channel.

    Args:
        slot: (m,) the reporting workers' slots.
        issue: (m,) the issues reported.
        when: (m,) when each report is filed (the end of the shift), hours since the start.
        hour_index: the hour, hours since the start.
        open_with_office: (n_workers, n_channels) the channels each worker can use with the
            offices open.
        open_without_office: (n_workers, n_channels) the same with the offices closed.
        office_hours_of_week: (168,) the offices are open in each hour of the week.
        cost: (n_channels,) the cost of each channel off shift, yuan.
        scale: the logit scale, yuan.
        channel_state: the keyed state of the ``channel`` purpose.

    Returns:
        (m,) the channel of each report, ``NO_CHANNEL`` where none is open.
    """
    m = len(slot)
    channel = np.empty(m, dtype=np.int64)
    u = np.empty(len(cost))
    for j in range(m):
        s = slot[j]
        open_then = office_hours_of_week[np.int64(math.floor(when[j])) % 168]
        available = open_with_office[s] if open_then else open_without_office[s]
        keyed_channel_draws(channel_state, -1 - hour_index, issue[j], s, u)
        channel[j] = choose_channel(cost, available, scale, u)
    return channel


@njit(cache=True)
def resident_choices(
    rows: np.ndarray,
    observer: np.ndarray,
    det_slot: np.ndarray,
    det_issue: np.ndarray,
    det_hour: np.ndarray,
    office_open: np.ndarray,
    office_mode: int,
    resident: int,
    decide_state: np.uint64,
    channel_state: np.uint64,
    propensity: np.ndarray,
    trust: np.ndarray,
    adopted_mini_program: np.ndarray,
    severity: np.ndarray,
    open_residents: np.ndarray,
    office_hours_only: np.ndarray,
    mini_program: int,
    minutes: np.ndarray,
    weights: ResidentWeights,
    channel: np.ndarray,
) -> None:
    """Each noticing resident's channel: she reports with ``sigmoid(u - cost)``.

    The rows of the detections are read and the channels written in place, as
    :func:`worker_choices` does; rows of other observer classes are left alone.

    Args:
        rows: the rows of the detections to decide (the residents' among them are decided).
        observer: (n_det,) the detections' observer class.
        det_slot: (n_det,) the resident's slot.
        det_issue: (n_det,) the issue noticed.
        det_hour: (n_det,) the hour of the noticing, hours since the start.
        office_open: the offices are open in the row's hour: (n_det,) by row
            (``office_mode`` ``OFFICE_BY_ROW``), (168,) by hour of the week
            (``OFFICE_BY_HOUR_OF_WEEK``: ``office_open[det_hour % 168]``), or one value for
            all, ``office_open[0]`` (``OFFICE_ONE_VALUE``).
        office_mode: how ``office_open`` is read.
        resident: the residents' observer class (a key of the decision's draw).
        decide_state: the keyed state of the ``decide`` purpose: the row's uniform of the
            decision is keyed on its hour, issue, observer class and slot.
        channel_state: the keyed state of the ``channel`` purpose: the row's uniform of each
            channel is keyed on its hour, issue, ``-1 - slot`` and the channel.
        propensity: (n_residents,) the resident table by slot: propensity to report.
        trust: (n_residents,) trust that reports get fixed, share 0-1.
        adopted_mini_program: (n_residents,) would use the mini-program.
        severity: (n_issues,) the issue log's severity, by issue, share 0-1.
        open_residents: (n_channels,) residents may use the channel.
        office_hours_only: (n_channels,) the channel is usable only in office hours.
        mini_program: the mini-program's channel code (only for those who adopted it).
        minutes: (n_channels,) minutes to file on each channel.
        weights: the decision's weights.
        channel: (n_det,) written at the resident rows: the chosen channel, ``NO_CHANNEL``
            where she does not report.
    """
    w = weights
    n_channels = len(minutes)
    cost = np.empty(n_channels)
    for c in range(n_channels):
        cost[c] = minutes[c] * w.minute_value
    available = np.empty(n_channels, dtype=np.bool_)
    u_channel = np.empty(n_channels)
    terms = np.empty(n_channels)  # smooth_minimum's scratch row
    closed = closed_term(w.scale_yuan)
    for j in rows:
        if observer[j] != resident:
            continue
        s = det_slot[j]
        open_now = office_open_now(office_open, office_mode, j, det_hour[j])
        for c in range(n_channels):
            available[c] = (
                open_residents[c]
                and (c != mini_program or adopted_mini_program[s])
                and (open_now or not office_hours_only[c])
            )
        utility = (
            w.intercept
            + w.propensity * propensity[s]
            + w.trust * trust[s]
            + w.severity * severity[det_issue[j]]
        )
        channel[j] = NO_CHANNEL
        expected = smooth_minimum(cost, available, w.scale_yuan, terms, closed)
        if not math.isfinite(expected):
            continue  # no open channel: she cannot report
        x = min(max(utility - w.cost_per_yuan * expected, -500.0), 500.0)
        u = keyed_decision_draw(decide_state, det_hour[j], det_issue[j], resident, s)
        if u < 1.0 / (1.0 + math.exp(-x)):
            keyed_channel_draws(channel_state, det_hour[j], det_issue[j], -1 - s, u_channel)
            channel[j] = choose_channel(cost, available, w.scale_yuan, u_channel)

"""The numpy forms of the report decisions that the model runs compiled.

:class:`~model.sim.perception.Perception` plans a day's decisions and files each hour's
reports through compiled kernels (:mod:`model.sim.decision_kernels`,
:mod:`model.sim.plan_kernels`). These functions are the same steps written plainly with
numpy on the same tables and the same keyed draws: :func:`decide` is the hour-by-hour form
of the whole plan, the others are one step each. The tests hold every kernel to its form
here, bit for bit (``tests/sim/test_decisions.py``, ``test_dayplan.py``,
``test_plan_kernels.py``); the model itself never calls them.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import NO_CHANNEL, WORKER_KINDS, Channel, Observer
from model.sim.decision_tables import (
    DecisionDraws,
    ExpectedDecisions,
    PlannedDetections,
    ReportEvents,
)
from model.sim.decisions import resident_channels
from model.sim.detection import Detections
from model.sim.perception import Perception
from model.sim.workforce import Shifts


def decide(
    perception: Perception,
    det: Detections,
    when: np.ndarray,
    hour_index: int,
    office_open: bool,
    shifts: Shifts,
    reward: np.ndarray,
) -> ReportEvents:
    """Decisions of this hour's noticing agents, decided in the hour: the reports to file now.

    The readable hour-by-hour form of :meth:`Perception.plan` and
    :meth:`Perception.decide_planned`, which the model uses and which are tested to give
    exactly these reports, in order of noticing time (ties in the order of the rows).
    Workers who decide to report at the end of their shift are kept
    (:class:`~model.sim.shift_end_reports.ShiftEndReports`).

    Args:
        perception: the model's perception (its tables are read and marked).
        det: this hour's detections.
        when: time of each detection, hours.
        hour_index: hours since the start.
        office_open: the community offices are open this hour.
        shifts: today's shifts (when each worker's shift ends).
        reward: (n_issue_types,) expected reward of a verified report, yuan (0 once
            the year's points budget is spent).
    """
    draws = decision_draws(perception, det)
    channel = np.full(len(det), NO_CHANNEL, dtype=np.int64)
    channel[det.observer == Observer.STAFF] = Channel.STAFF_PATROL
    rows = np.flatnonzero(det.observer < len(WORKER_KINDS))
    if len(rows):
        rows = rows[first_decisions(perception, det.slot[rows], det.issue[rows], when[rows])]
    if len(rows):
        channel[rows], later, shift_end = worker_choices(
            perception, rows, det, when, office_open, shifts, reward, draws.take(rows)
        )
        perception.shift_end.keep(det, rows[later], shift_end[later], when)
    noticed = when.copy()
    rows = np.flatnonzero(det.observer == Observer.RESIDENT)
    if len(rows):
        noticed[rows] = resident_first_notice(
            perception, det.slot[rows], det.issue[rows], when[rows]
        )
        channel[rows] = resident_choices(perception, det, rows, office_open, draws.take(rows))
    filed = np.flatnonzero(channel != NO_CHANNEL)
    filed = filed[np.argsort(when[filed], kind="stable")]
    return ReportEvents(
        det.issue[filed],
        det.observer[filed],
        det.slot[filed],
        channel[filed],
        when[filed],
        noticed[filed],
    )


def decision_draws(perception: Perception, det: Detections) -> DecisionDraws:
    """The keyed uniforms of the decisions of these detections (any hours)."""
    draws = perception.draws
    who = np.where(det.observer == Observer.RESIDENT, -1 - det.slot, det.slot)
    return DecisionDraws(
        decide=draws.uniform("decide", det.hour, det.issue, det.observer, det.slot),
        channel=draws.uniform(
            "channel",
            det.hour[:, None],
            det.issue[:, None],
            who[:, None],
            perception.channels[None, :],
        ),
    )


def worker_choices(
    perception: Perception,
    rows: np.ndarray,
    det: Detections,
    when: np.ndarray,
    office_open: bool | np.ndarray,
    shifts: Shifts,
    reward: np.ndarray,
    draws: DecisionDraws,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each noticing worker's choice: channel now, report at the shift's end, its hour.

    The numpy form of :func:`model.sim.decision_kernels.worker_choices`.

    Args:
        perception: the model's perception.
        rows: the rows of ``det`` to decide (workers, all of one day).
        det: the detections.
        when: time of each detection, hours.
        office_open: the offices are open at each row's hour (one value or per row).
        shifts: today's shifts.
        reward: (n_issue_types,) expected reward of a verified report, yuan.
        draws: the decision draws of ``rows``.

    Returns:
        ``(channel_now, later, shift_end)`` per row (see
        :meth:`ReportDecision.decide_now_or_later`); ``shift_end`` in hours since the
        start, never before the noticing.
    """
    slots, issues = det.slot[rows], det.issue[rows]
    utility, cost_now = perception.worker_terms(slots, issues, reward)
    day_start = (det.hour[rows] // 24) * 24.0
    shift_end = np.maximum(day_start + np.nan_to_num(shifts.end[slots], nan=0.0), when[rows])
    later_open = perception.open_channels.of(slots, perception.offices_open(np.floor(shift_end)))
    channel, later = perception.decision.decide_now_or_later(
        utility,
        cost_now,
        perception.open_channels.of(slots, office_open),
        perception.decision.off_shift_cost(len(rows)),
        later_open,
        draws.decide,
        draws.channel,
    )
    return channel, later, shift_end


def resident_choices(
    perception: Perception,
    det: Detections,
    rows: np.ndarray,
    office_open: bool | np.ndarray,
    draws: DecisionDraws,
) -> np.ndarray:
    """Each noticing resident's channel (NO_CHANNEL: she does not report).

    The numpy form of :func:`model.sim.decision_kernels.resident_choices`.
    """
    res, log = perception.residents, perception.issues
    slots, issues = det.slot[rows], det.issue[rows]
    utility, cost = perception.decision.resident_terms(
        propensity=res.propensity[slots], trust=res.trust[slots], severity=log.severity[issues]
    )
    available = resident_channels(perception.rules, res.adopted_mini_program[slots], office_open)
    return perception.decision.decide(utility, cost, available, draws.decide, draws.channel)


def first_decisions(
    perception: Perception, slots: np.ndarray, issues: np.ndarray, when: np.ndarray
) -> np.ndarray:
    """Which (worker, issue) pairs are decided for the first time; marks them decided.

    Args:
        perception: the model's perception (its decided pairs are read and marked).
        slots: the workers' slots.
        issues: the issues.
        when: when each pair is decided, hours.
    """
    decided_before, _ = perception.decided.first_values(
        perception.decision_keys(slots, issues), when
    )
    return ~decided_before


def resident_first_notice(
    perception: Perception, slots: np.ndarray, issues: np.ndarray, when: np.ndarray
) -> np.ndarray:
    """When each noticing resident first noticed her issue (now, the first time)."""
    keys = slots * len(perception.issues) + issues
    _, first = perception.resident_first_notice.first_values(keys, when)
    return first


def plan_decisions(
    perception: Perception, det: Detections, when: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which of a day's rows decide, and each row's first noticing (marks both tables).

    The numpy form of :func:`model.sim.plan_kernels.plan_decisions`: each (worker, problem)
    pair's first row of the day, looked up among the decided pairs
    (:func:`first_decisions`); each resident row's first noticing
    (:func:`resident_first_notice`).
    """
    decides = det.observer == Observer.RESIDENT
    first_noticed = when.copy()
    workers = np.flatnonzero(det.observer < len(WORKER_KINDS))
    if len(workers):
        keys = perception.decision_keys(det.slot[workers], det.issue[workers])
        _, first = np.unique(keys, return_index=True)
        first = workers[np.sort(first)]  # each pair's first row of the day
        fresh = first_decisions(perception, det.slot[first], det.issue[first], when[first])
        decides[first[fresh]] = True
    residents = np.flatnonzero(decides & (det.observer == Observer.RESIDENT))
    if len(residents):
        first_noticed[residents] = resident_first_notice(
            perception, det.slot[residents], det.issue[residents], when[residents]
        )
    return decides, first_noticed


def expected_before_choosing(
    perception: Perception, det: Detections, decides: np.ndarray, reward: np.ndarray
) -> ExpectedDecisions:
    """The expected decisions of a day's rows before any is chosen (:meth:`Perception.expect`).

    The numpy form of :func:`model.sim.plan_kernels.expected_before_choosing`.
    """
    n = len(det)
    channel = np.full(n, NO_CHANNEL, dtype=np.int64)
    channel[det.observer == Observer.STAFF] = Channel.STAFF_PATROL
    expected = ExpectedDecisions(
        channel=channel,
        later=np.zeros(n, dtype=bool),
        shift_end=np.full(n, np.nan),
        trust=np.full(n, np.nan),
        belonging=np.full(n, np.nan),
        reward=reward,
        agent=perception.changed.places(det.observer, det.slot),
    )
    rows = np.flatnonzero(decides)
    mine = rows[det.observer[rows] < len(WORKER_KINDS)]
    expected.trust[mine] = perception.workforce.trust[det.slot[mine]]
    expected.belonging[mine] = perception.workforce.belonging[det.slot[mine]]
    mine = rows[det.observer[rows] == Observer.RESIDENT]
    expected.trust[mine] = perception.residents.trust[det.slot[mine]]
    return expected


def stale_rows(
    perception: Perception,
    det: Detections,
    rows: np.ndarray,
    expected: ExpectedDecisions,
    reward: np.ndarray,
) -> np.ndarray:
    """The deciding rows whose planned decision no longer holds (state changed).

    The numpy form of the stale rows of :func:`model.sim.plan_kernels.hour_rows`.

    Within a day only the reward (once the points budget is spent) and the trust and
    belonging of reporters who learn an outcome change (:class:`ChangedAgents`, which
    the model fills), so only those agents' rows are compared.
    """
    if expected.reward is not reward and not np.array_equal(expected.reward, reward):
        return rows
    if not perception.changed.any():
        return rows[:0]
    rows = rows[perception.changed.at(expected.agent[rows])]
    if len(rows) == 0:
        return rows
    worker = det.observer[rows] < len(WORKER_KINDS)
    changed = np.zeros(len(rows), dtype=bool)
    mine = rows[worker]
    if len(mine):
        slots = det.slot[mine]
        changed[worker] = (expected.trust[mine] != perception.workforce.trust[slots]) | (
            expected.belonging[mine] != perception.workforce.belonging[slots]
        )
    mine = rows[~worker]
    if len(mine):
        changed[~worker] = expected.trust[mine] != perception.residents.trust[det.slot[mine]]
    return rows[changed]


def filed_in_time_order(planned: PlannedDetections, rows: np.ndarray) -> np.ndarray:
    """The rows that file a report now, in order of noticing time (ties: row order).

    The numpy form of the rows :meth:`Perception.decide_planned` files (compiled,
    :func:`model.sim.plan_kernels.hour_rows`).

    Args:
        planned: the day's plan, its decisions taken.
        rows: rows of it, in order.
    """
    filed = rows[planned.expected.channel[rows] != NO_CHANNEL]
    return filed[np.argsort(planned.noticed_at[filed], kind="stable")]

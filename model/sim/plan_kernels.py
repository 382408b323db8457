"""The bookkeeping of a day's plan, compiled: which rows decide, and the hour's reports.

- :func:`noticing_times`: the day's detections of issues already there in their hour, and
  when each happened (:func:`model.sim.dayplan.plan_day`; the plain form is
  :func:`model.sim.dayplan.plain_noticing_times`);
- :func:`plan_decisions`: at midnight, which of the day's rows bring a report decision (a
  worker's first noticing of a problem he has not decided about, every noticing of a
  resident) and each resident's first noticing of her problem, marking both in the
  run's tables (:class:`model.sim.key_table.KeyTable`), for
  :meth:`~model.sim.perception.Perception.plan`; the plain form is
  :func:`model.sim.decision_forms.plan_decisions`;
- :func:`expected_before_choosing`: the columns of the day's expected decisions before
  the choices are drawn into them (:meth:`~model.sim.perception.Perception.expect`); the
  plain form is :func:`model.sim.decision_forms.expected_before_choosing`;
- :func:`hour_rows`: each hour, the planned decisions that no longer hold and, once none
  is left, the rows that report at the end of the shift and those that file now, in order
  of time, for :meth:`~model.sim.perception.Perception.decide_planned`; the plain form is
  :func:`model.sim.decision_forms.stale_rows` and
  :func:`model.sim.decision_forms.filed_in_time_order`;
- :func:`take_hour_rows`: each hour in one call, its rows taken from the plan and marked
  as detections (:func:`model.sim.detection_kernels.take_hour`), then :func:`hour_rows` of
  them, the reports filed now written into the day's report columns, for
  :meth:`~model.sim.dayplan.DayPlan.take_hour_decided`; :func:`day_columns` stacks the
  columns it reads once a day (:class:`model.sim.dayplan.DayPlan`).

Each does in one call what the plain form does in a dozen numpy calls or a Python loop;
``tests/sim/test_plan_kernels.py`` holds them to it, row for row. Arrays and numbers only
(numba compiles them, cached on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.config.codes import NO_CHANNEL, WORKER_KINDS, Channel, Observer
from model.sim.compiled_arithmetic import keyed_step, keyed_unit
from model.sim.detection_kernels import take_hour
from model.sim.issues import DETECTED_CODE, OPEN_CODE, RESOLVED_CODE
from model.sim.key_table import first_value

NOBODY_CHANGED = 0  # no planned decision can be stale
ANNOUNCED_CHANGED = 1  # compare the rows of the agents announced as changed
EVERY_ROW_STALE = 2  # the reward changed: every deciding row is decided anew
N_WORKER_KINDS = len(WORKER_KINDS)  # observer classes below this are workers
RESIDENT = int(Observer.RESIDENT)
STAFF = int(Observer.STAFF)
STAFF_PATROL = int(Channel.STAFF_PATROL)
# the rows of take_hour_rows' stacked columns
ISSUE, OBSERVER, SLOT, AGENT = 0, 1, 2, 3  # fixed (int64)
NOTICED_AT, FIRST_NOTICED, TRUST, BELONGING = 0, 1, 2, 3  # times (float64)


@njit(cache=True)
def hour_rows(
    rows: np.ndarray,
    decides: np.ndarray,
    observer: np.ndarray,
    slot: np.ndarray,
    noticed_at: np.ndarray,
    channel: np.ndarray,
    later: np.ndarray,
    expected_trust: np.ndarray,
    expected_belonging: np.ndarray,
    expected_agent: np.ndarray,
    announced: np.ndarray,
    worker_trust: np.ndarray,
    worker_belonging: np.ndarray,
    resident_trust: np.ndarray,
    compare: int,
    out: np.ndarray,
) -> tuple[int, int, int]:
    """The stale rows of an hour of the plan; once there are none, the rows that report.

    A deciding row is stale where its agent's state is no longer the one its decision was
    drawn with: every deciding row when ``compare`` is ``EVERY_ROW_STALE``; the rows of
    agents announced as changed whose trust (and a worker's belonging) differs from the
    row's when it is ``ANNOUNCED_CHANGED``; none when it is ``NOBODY_CHANGED``. Stale rows
    are returned alone (the caller decides them anew and calls again with
    ``NOBODY_CHANGED``). Otherwise the deciding rows that report at the end of the shift
    are returned, and the rows that file a report now (a channel), in order of noticing
    time (ties in the order of the rows).

    Args:
        rows: the hour's rows of the plan, in order.
        decides: (n_plan,) the row brings a report decision.
        observer: (n_plan,) observer class of each row.
        slot: (n_plan,) worker or resident slot of each row.
        noticed_at: (n_plan,) noticing time of each row, hours.
        channel: (n_plan,) the planned channel of a report filed now (``NO_CHANNEL``: none).
        later: (n_plan,) the worker reports at the end of his shift instead.
        expected_trust: (n_plan,) the trust each decision was drawn with.
        expected_belonging: (n_plan,) the belonging each worker's decision was drawn with.
        expected_agent: (n_plan,) the deciding agent's place among the announced.
        announced: (n_places,) the agent has been announced as changed today.
        worker_trust: (n_worker_slots,) the workers' trust now.
        worker_belonging: (n_worker_slots,) the workers' belonging now.
        resident_trust: (n_residents,) the residents' trust now.
        compare: ``NOBODY_CHANGED``, ``ANNOUNCED_CHANGED`` or ``EVERY_ROW_STALE``.
        out: (3, at least len(rows)) where the three lists of rows are written, each from
            the start of its row of ``out`` (arrays handed back cost a few microseconds
            each, counts almost nothing; the caller reads them before the next call).

    Returns:
        ``(n_stale, n_later, n_filed)``: how many rows ``out[0]`` (the stale rows), then
        (none if there are stale rows) ``out[1]`` (the rows that report at the end of the
        shift) and ``out[2]`` (those that file now, in order of noticing time) hold.
    """
    n = len(rows)
    stale = out[0]
    n_stale = 0
    if compare != NOBODY_CHANGED:
        for r in rows:
            if not decides[r]:
                continue
            if compare == ANNOUNCED_CHANGED:
                if not announced[expected_agent[r]]:
                    continue
                s = slot[r]
                if observer[r] < N_WORKER_KINDS:
                    if (
                        expected_trust[r] == worker_trust[s]
                        and expected_belonging[r] == worker_belonging[s]
                    ):
                        continue
                elif expected_trust[r] == resident_trust[s]:
                    continue
            stale[n_stale] = r
            n_stale += 1
    n_out = n if n_stale == 0 else 0
    later_rows = out[1]
    filed = out[2]
    n_later = 0
    n_filed = 0
    for r in rows[:n_out]:
        if decides[r] and later[r]:
            later_rows[n_later] = r
            n_later += 1
        if channel[r] != NO_CHANNEL:
            filed[n_filed] = r
            n_filed += 1
    if n_filed > 1:
        order = np.argsort(noticed_at[filed[:n_filed]], kind="mergesort")
        filed[:n_filed] = filed[:n_filed][order]
    return n_stale, n_later, n_filed


@njit(cache=True)
def take_hour_rows(
    first: int,
    end: int,
    fixed: np.ndarray,
    times: np.ndarray,
    decides: np.ndarray,
    channel: np.ndarray,
    later: np.ndarray,
    status: np.ndarray,
    first_detected_at: np.ndarray,
    announced: np.ndarray,
    worker_trust: np.ndarray,
    worker_belonging: np.ndarray,
    resident_trust: np.ndarray,
    compare: int,
    work: np.ndarray,
    report_times: np.ndarray,
) -> tuple[int, int, int, int]:
    """An hour of the day's plan in one call: its rows taken, then :func:`hour_rows` of them.

    The rows ``first`` to ``end - 1`` of the plan are the hour's: those of issues still open
    are kept and marked as detections (:func:`model.sim.detection_kernels.take_hour`, into
    ``work[0, first:]``), then sorted as :func:`hour_rows` sorts them (into ``work[1:4]``).
    Once no row is stale, the reports filed now are written, in order of noticing time,
    into the day's report columns from ``first`` on (the hour's own part of them: each hour
    of the plan is taken once, so an hour's reports stay as written all day), as
    :meth:`model.sim.decision_tables.PlannedDetections.reports` gives them. The plan's
    columns come stacked (one array each for the columns fixed at midnight, a call costs
    about a tenth of a microsecond per array handed over).

    Args:
        first: the hour's first row of the plan.
        end: one past its last row.
        fixed: (4, n_plan) the plan's columns fixed at midnight: ``ISSUE``, ``OBSERVER``,
            ``SLOT`` of each row and the deciding agent's place among the announced
            (``AGENT``).
        times: (4, n_plan) ``NOTICED_AT`` (noticing time of each row, hours),
            ``FIRST_NOTICED`` (when the reporter first noticed the problem, hours), and the
            trust (``TRUST``) and a worker's belonging (``BELONGING``) each decision was
            drawn with.
        decides: (n_plan,) the row brings a report decision.
        channel: (n_plan,) the planned channel of a report filed now (``NO_CHANNEL``: none).
        later: (n_plan,) the worker reports at the end of his shift instead.
        status: (n_issues,) the issue log's status (updated in place).
        first_detected_at: (n_issues,) the issue log's first detection time (updated).
        announced: (n_places,) the agent has been announced as changed today.
        worker_trust: (n_worker_slots,) the workers' trust now.
        worker_belonging: (n_worker_slots,) the workers' belonging now.
        resident_trust: (n_residents,) the residents' trust now.
        compare: ``NOBODY_CHANGED``, ``ANNOUNCED_CHANGED`` or ``EVERY_ROW_STALE``.
        work: (8, n_plan) written: ``work[0]`` the day's rows kept (each hour from its
            ``first`` on), ``work[1:4]`` the hour's three lists of rows of
            :func:`hour_rows`, ``work[4:8]`` the day's reports' issue, observer class, slot
            and channel (each hour from its ``first`` on).
        report_times: (2, n_plan) written likewise: the reports' time (the noticing) and
            when the reporter first noticed the problem, hours.

    Returns:
        ``(kept, n_stale, n_later, n_filed)``: the rows kept (``work[0, first:first +
        kept]``), and the counts of :func:`hour_rows` (the reports are
        ``work[4:8, first:first + n_filed]`` and ``report_times[:, first:first +
        n_filed]``; none written if some row is stale).
    """
    issue, observer, slot, agent = fixed[ISSUE], fixed[OBSERVER], fixed[SLOT], fixed[AGENT]
    noticed_at = times[NOTICED_AT]
    taken = work[0]
    kept = take_hour(
        first,
        end,
        issue,
        noticed_at,
        status,
        first_detected_at,
        RESOLVED_CODE,
        OPEN_CODE,
        DETECTED_CODE,
        taken,
    )
    if kept == 0:
        return 0, 0, 0, 0
    n_stale, n_later, n_filed = hour_rows(
        taken[first : first + kept],
        decides,
        observer,
        slot,
        noticed_at,
        channel,
        later,
        times[TRUST],
        times[BELONGING],
        agent,
        announced,
        worker_trust,
        worker_belonging,
        resident_trust,
        compare,
        work[1:4],
    )
    first_noticed = times[FIRST_NOTICED]
    for k in range(n_filed):
        r = work[3, k]
        work[4, first + k] = issue[r]
        work[5, first + k] = observer[r]
        work[6, first + k] = slot[r]
        work[7, first + k] = channel[r]
        report_times[0, first + k] = noticed_at[r]
        report_times[1, first + k] = first_noticed[r]
    return kept, n_stale, n_later, n_filed


@njit(cache=True)
def day_columns(
    first_hour: int,
    n_hours: int,
    hour: np.ndarray,
    issue: np.ndarray,
    observer: np.ndarray,
    slot: np.ndarray,
    agent: np.ndarray,
    noticed_at: np.ndarray,
    first_noticed: np.ndarray,
    trust: np.ndarray,
    belonging: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each hour's rows of a day's plan start, and the columns :func:`take_hour_rows` reads.

    Args:
        first_hour: the day's first hour, hours since the start.
        n_hours: hours in the day.
        hour: (n,) the plan's hour of each row, in increasing order.
        issue: (n,) issue of each row.
        observer: (n,) observer class of each row.
        slot: (n,) worker or resident slot of each row.
        agent: (n,) the deciding agent's place among the announced.
        noticed_at: (n,) noticing time of each row, hours.
        first_noticed: (n,) when the reporter first noticed the problem, hours.
        trust: (n,) the trust each decision was drawn with.
        belonging: (n,) the belonging each worker's decision was drawn with.

    Returns:
        ``(bounds, fixed, times)``: (n_hours + 1,) the first row of each hour and one past
        the last (``np.searchsorted(hour, first_hour + arange(n_hours + 1), "left")``), and
        the stacked columns of :func:`take_hour_rows` (``fixed``: ``ISSUE``, ``OBSERVER``,
        ``SLOT``, ``AGENT``; ``times``: ``NOTICED_AT``, ``FIRST_NOTICED``, ``TRUST``,
        ``BELONGING``).
    """
    n = len(hour)
    bounds = np.empty(n_hours + 1, dtype=np.int64)
    r = 0
    for h in range(n_hours + 1):
        while r < n and hour[r] < first_hour + h:
            r += 1
        bounds[h] = r
    fixed = np.empty((4, n), dtype=np.int64)
    times = np.empty((4, n), dtype=np.float64)
    for r in range(n):
        fixed[ISSUE, r] = issue[r]
        fixed[OBSERVER, r] = observer[r]
        fixed[SLOT, r] = slot[r]
        fixed[AGENT, r] = agent[r]
        times[NOTICED_AT, r] = noticed_at[r]
        times[FIRST_NOTICED, r] = first_noticed[r]
        times[TRUST, r] = trust[r]
        times[BELONGING, r] = belonging[r]
    return bounds, fixed, times


@njit(cache=True)
def plan_decisions(
    observer: np.ndarray,
    slot: np.ndarray,
    issue: np.ndarray,
    when: np.ndarray,
    agent_id: np.ndarray,
    n_issues: int,
    decided_keys: np.ndarray,
    decided_at: np.ndarray,
    first_notice_keys: np.ndarray,
    first_notice_at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Which of a day's rows bring a decision, and when each resident first noticed hers.

    In order of the rows: a worker's row decides if his (worker, problem) pair has not been
    decided (``decided_keys``, keyed ``agent_id * n_issues + issue``), and the pair is then
    decided (at its noticing time); a resident's row always decides, and her first noticing
    of the problem (``first_notice_keys``, keyed ``slot * n_issues + issue``) is the
    earliest kept, this one if none is; staff rows decide nothing. Both tables are
    :class:`model.sim.key_table.KeyTable` arrays with room for every row.

    Args:
        observer: (n,) observer class of each row.
        slot: (n,) worker or resident slot of each row.
        issue: (n,) issue of each row.
        when: (n,) noticing time of each row, hours.
        agent_id: (n_worker_slots,) each worker slot's agent.
        n_issues: issues in the log.
        decided_keys: the decided pairs' table keys (added to).
        decided_at: its values (when each pair was decided, hours).
        first_notice_keys: the residents' first noticings' table keys (added to).
        first_notice_at: its values (when each was first noticed, hours).

    Returns:
        ``(decides, first_noticed, n_decided, n_first_noticed)``: per row, and the keys
        added to each table.
    """
    n = len(observer)
    decides = np.zeros(n, dtype=np.bool_)
    first_noticed = when.copy()
    n_decided = 0
    n_first_noticed = 0
    for r in range(n):
        if observer[r] < N_WORKER_KINDS:
            key = agent_id[slot[r]] * n_issues + issue[r]
            found, _ = first_value(decided_keys, decided_at, key, when[r])
            if not found:
                decides[r] = True
                n_decided += 1
        elif observer[r] == RESIDENT:
            decides[r] = True
            key = slot[r] * n_issues + issue[r]
            found, first_noticed[r] = first_value(first_notice_keys, first_notice_at, key, when[r])
            if not found:
                n_first_noticed += 1
    return decides, first_noticed, n_decided, n_first_noticed


@njit(cache=True)
def expected_before_choosing(
    observer: np.ndarray,
    slot: np.ndarray,
    decides: np.ndarray,
    n_worker_slots: int,
    worker_trust: np.ndarray,
    worker_belonging: np.ndarray,
    resident_trust: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The columns of a day's expected decisions before any is chosen.

    Staff rows file on patrol, other rows nothing yet; each deciding row keeps the trust
    (and a worker's belonging) of now; each row its agent's place among those announced
    as changed (:meth:`model.sim.decision_tables.ChangedAgents.places`).

    Args:
        observer: (n,) observer class of each row.
        slot: (n,) worker or resident slot of each row.
        decides: (n,) the row brings a report decision.
        n_worker_slots: the street's worker slots (a resident's place follows them).
        worker_trust: (n_worker_slots,) the workers' trust now.
        worker_belonging: (n_worker_slots,) the workers' belonging now.
        resident_trust: (n_residents,) the residents' trust now.

    Returns:
        ``(channel, later, shift_end, trust, belonging, agent)`` per row, as in
        :class:`model.sim.decision_tables.ExpectedDecisions` (NaN where unknown).
    """
    n = len(observer)
    channel = np.full(n, NO_CHANNEL, dtype=np.int64)
    later = np.zeros(n, dtype=np.bool_)
    shift_end = np.full(n, np.nan)
    trust = np.full(n, np.nan)
    belonging = np.full(n, np.nan)
    agent = np.empty(n, dtype=np.int64)
    for r in range(n):
        o, s = observer[r], slot[r]
        if o < N_WORKER_KINDS:
            agent[r] = s
            if decides[r]:
                trust[r] = worker_trust[s]
                belonging[r] = worker_belonging[s]
        elif o == STAFF:
            agent[r] = -1
            channel[r] = STAFF_PATROL
        else:
            agent[r] = n_worker_slots + s
            if decides[r] and o == RESIDENT:
                trust[r] = resident_trust[s]
    return channel, later, shift_end, trust, belonging, agent


@njit(cache=True)
def noticing_times(
    issue: np.ndarray,
    observer: np.ndarray,
    hour: np.ndarray,
    opened_at: np.ndarray,
    notice_time_state: np.uint64,
) -> tuple[np.ndarray, np.ndarray]:
    """The day's detections of issues already there in their hour, and when each happened.

    An issue is noticed from the hour it arrives on: a row is kept where the issue opened
    before the end of its hour. Its noticing time is uniform over the part of the hour the
    issue was there, drawn with the keyed ``notice_time`` uniform of (hour, issue,
    observer class), as :func:`model.sim.dayplan.plain_noticing_times` draws it.

    Args:
        issue: (n,) issue of each detection.
        observer: (n,) observer class of each detection.
        hour: (n,) hour of each detection, hours since the start.
        opened_at: (n_issues,) when each issue arrived, hours.
        notice_time_state: the ``notice_time`` purpose's state
            (:meth:`model.sim.streams.KeyedDraws.state`).

    Returns:
        ``(kept, noticed_at)``: the rows kept, in order, and their noticing times, hours.
    """
    n = len(issue)
    kept = np.empty(n, dtype=np.int64)
    noticed_at = np.empty(n, dtype=np.float64)
    n_kept = 0
    for r in range(n):
        opened = opened_at[issue[r]]
        end = hour[r] + 1.0
        if not opened < end:
            continue
        start = max(opened, float(hour[r]))
        state = keyed_step(
            keyed_step(keyed_step(notice_time_state, hour[r]), issue[r]), observer[r]
        )
        kept[n_kept] = r
        noticed_at[n_kept] = start + (end - start) * keyed_unit(state)
        n_kept += 1
    return kept[:n_kept], noticed_at[:n_kept]

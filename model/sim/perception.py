"""What people do with what they notice: the report events of an hour.

The workers' *instant perception* (信息感知即时化) is a mechanism here, not a daily lottery:

- a **worker** decides once about a problem, when he first notices it: he reports it at
  once (channels open now, minutes at his delivery time pressure), at the end of his shift
  (channels open then, minutes valued off shift, if he still remembers:
  ``behaviour.shift_end_recall``), or not at all (:meth:`ReportDecision.decide_now_or_later`).
  Noticing the same problem again does not bring a new decision;
- a **resident** lives with the problem and decides each time she notices it;
- **staff** on patrol always file their own ticket;
- a **council seat holder** hears residents' opinions at the council session (an office
  hour) and weighs each with the same report decision over the channels open then
  (:func:`model.sim.deliberation.relay_opinions`).

Every decision draws keyed uniforms (the hour, the issue, the observer, the slot), so the
same person noticing the same problem in the same hour decides alike in every arm.

The schedule plans a day's decisions at midnight (:meth:`Perception.plan`) and files each
hour's from the plan (:meth:`model.sim.dayplan.DayPlan.take_hour_decided`: the hour's rows
taken and their reports sorted in one compiled call; :meth:`Perception.decide_planned` where
some are stale), through compiled kernels;
:mod:`model.sim.decision_forms` holds their numpy forms, :func:`~model.sim.decision_forms.decide`
the hour-by-hour form they are tested against. The tables they read and write are in
:mod:`model.sim.decision_tables`; the reports kept for the end of a shift in
:mod:`model.sim.shift_end_reports`.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import NO_CHANNEL, Channel, Observer
from model.config.people import StaffConfig
from model.sim import decision_kernels, plan_kernels
from model.sim.channels import ChannelRules
from model.sim.decision_tables import (
    ChangedAgents,
    ExpectedDecisions,
    PlannedDetections,
    ReportEvents,
)
from model.sim.decisions import (
    ReportDecision,
    WorkerChannelTable,
)
from model.sim.detection import Detections
from model.sim.issues import IssueLog
from model.sim.key_table import KeyTable
from model.sim.residents import ResidentTable
from model.sim.shift_end_reports import ShiftEndReports
from model.sim.streams import KeyedDraws
from model.sim.workforce import Shifts, WorkerTable

HOURS_PER_WEEK = 7 * 24
_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_ROWS.flags.writeable = False
_OPEN, _CLOSED = np.array([True]), np.array([False])  # one value for all rows
_OPEN.flags.writeable = _CLOSED.flags.writeable = False
_BY_HOUR_OF_WEEK = "by hour of the week"  # _choose: the offices as in each row's hour


def office_hours_of_week(staff: StaffConfig) -> np.ndarray:
    """(168,) the community offices are open in each hour of the week (:func:`office_open_at`)."""
    return office_open_at(staff, np.arange(HOURS_PER_WEEK))


def office_open_at(staff: StaffConfig, hour_index: np.ndarray) -> np.ndarray:
    """The community offices are open in these hours (hours since the start)."""
    day, hour = np.divmod(np.asarray(hour_index, dtype=np.int64), 24)
    return (day % 7 < staff.workdays_per_week) & (
        (hour >= staff.workday_start_hour) & (hour < staff.workday_end_hour)
    )


class Perception:
    """The report decisions of the noticing agents, and the reports they plan for later.

    Args:
        decision: the report decision.
        rules: the effective channel rules.
        workforce: the worker table.
        residents: the resident table.
        issues: the issue log.
        office_hours_of_week: (168,) the community offices are open in each hour of the
            week (:func:`office_hours_of_week`).
        station_in_reach: (n_kinds, n_communities) a station lies within reach of the route
            of a worker of that kind and base (:class:`model.sim.stations.StationReach`).
        role_match: (n_roles, n_issue_types) the post targets the issue type.
        draws: the run's keyed draws.
    """

    def __init__(
        self,
        decision: ReportDecision,
        rules: ChannelRules,
        workforce: WorkerTable,
        residents: ResidentTable,
        issues: IssueLog,
        office_hours_of_week: np.ndarray,
        station_in_reach: np.ndarray,
        role_match: np.ndarray,
        draws: KeyedDraws,
    ) -> None:
        """Nothing decided, nothing planned."""
        self.decision = decision
        self.rules = rules
        self.workforce = workforce
        self.residents = residents
        self.issues = issues
        self.station_in_reach = station_in_reach
        self.role_match = role_match
        self.draws = draws
        # the (worker, problem) pairs decided (agent_id * n_issues + issue): when, hours
        self.decided = KeyTable()
        # when each resident first noticed each problem (slot * n_issues + issue), hours
        self.resident_first_notice = KeyTable()
        # whose planned decisions may no longer hold (the model announces them)
        self.changed = ChangedAgents(len(workforce), len(residents))
        self.open_channels = WorkerChannelTable(rules, station_in_reach)
        self.open_channels.refresh(workforce)
        self.channels = np.arange(len(rules.minutes))
        self.office_hours_of_week = office_hours_of_week
        self._decide_state = draws.state("decide")
        self._channel_state = draws.state("channel")
        self._worker_weights = decision.worker_weights()
        self._resident_weights = decision.resident_weights()
        self._hour_scratch = np.empty((3, 64), dtype=np.int64)  # hour_rows' lists of rows
        # the reward's logit term and the reward it is of (_reward_term)
        self._reward_key: tuple | None = None
        self._reward_logit = np.zeros(0)
        self.shift_end = ShiftEndReports(
            workforce,
            self.open_channels,
            office_hours_of_week,
            decision.off_shift_cost(1)[0],
            decision.b.channel_choice_scale_yuan,
            self._channel_state,
        )

    # ------------------------------------------------------------------ terms

    def worker_terms(
        self, slots: np.ndarray, issues: np.ndarray, reward: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A noticing worker's utility of reporting and his cost of a report now (yuan).

        :meth:`model.sim.decisions.ReportDecision.worker_terms` of these workers and issues.
        """
        wf, log = self.workforce, self.issues
        types = log.type[issues]
        return self.decision.worker_terms(
            kind=wf.kind[slots],
            motivation=wf.motivation[slots],
            belonging=wf.belonging[slots],
            trust=wf.trust[slots],
            registered=wf.registered[slots],
            insured=wf.insured[slots],
            role=wf.role[slots],
            role_match=self.role_match[wf.role[slots], types],
            severity=log.severity[issues],
            reward=reward[types],
        )

    def offices_open(self, hour_index: np.ndarray) -> np.ndarray:
        """:func:`office_open_at` these hours (hours since the start), read from the week."""
        return self.office_hours_of_week[np.asarray(hour_index, dtype=np.int64) % HOURS_PER_WEEK]

    def refresh_worker_channels(self) -> None:
        """Work out anew which channels each worker can use (:class:`WorkerChannelTable`).

        The model calls this at the end of the daily submodels, which are the only code
        that changes what the table depends on.
        """
        self.open_channels.refresh(self.workforce)

    # ------------------------------------------------------------------ the hour

    def decision_keys(self, slots: np.ndarray, issues: np.ndarray) -> np.ndarray:
        """Key of each (worker, problem) pair: a worker decides once per key."""
        return self.workforce.agent_id[slots] * len(self.issues) + issues

    def plan(
        self, det: Detections, when: np.ndarray, shifts: Shifts, reward: np.ndarray
    ) -> PlannedDetections:
        """The decisions a day's detections bring, planned at midnight.

        Which rows decide is settled now, in order of the rows (of the hours): a worker's
        first noticing of a problem he has not decided about (later noticings of the same
        problem decide nothing), and every noticing of a resident, with her first noticing
        of the problem. Both are marked as they would be hour by hour: a row of an issue
        fixed, escalated or lapsed before its hour is never used, and neither is any later
        row of that issue (an issue's status never goes back), so marking it changes no
        decision. The decisions themselves are drawn with the state of now
        (:meth:`expect`); :meth:`decide_planned` uses them while that state holds.

        Args:
            det: detections of the hours of one day, in order of hour.
            when: time of each detection, hours.
            shifts: today's shifts.
            reward: (n_issue_types,) expected reward of a verified report now, yuan.
        """
        self.changed.clear()
        decides, first_noticed = self._plan_decisions(det, when)
        expected = self.expect(det, when, shifts, reward, decides)
        return PlannedDetections(det, when, first_noticed, decides, expected)

    def _plan_decisions(self, det: Detections, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of a day's rows decide, and each row's first noticing (marks both).

        Compiled (:func:`model.sim.plan_kernels.plan_decisions`): what
        :func:`model.sim.decision_forms.plan_decisions` gives, row for row.

        Args:
            det: detections of the hours of one day, in order of hour.
            when: time of each detection, hours.

        Returns:
            ``(decides, first_noticed)`` per row (see :class:`PlannedDetections`).
        """
        self.decided.reserve(len(det))
        self.resident_first_notice.reserve(len(det))
        decides, first_noticed, n_decided, n_first_noticed = plan_kernels.plan_decisions(
            det.observer,
            det.slot,
            det.issue,
            when,
            self.workforce.agent_id,
            len(self.issues),
            self.decided.keys,
            self.decided.values,
            self.resident_first_notice.keys,
            self.resident_first_notice.values,
        )
        self.decided.added(n_decided)
        self.resident_first_notice.added(n_first_noticed)
        return decides, first_noticed

    def expect(
        self,
        det: Detections,
        when: np.ndarray,
        shifts: Shifts,
        reward: np.ndarray,
        decides: np.ndarray,
    ) -> ExpectedDecisions:
        """The decisions these detections would bring with the agents' state as it is now.

        Drawn for the whole day at midnight (:meth:`plan`); an hour uses a row only while
        what can change within a day (the agent's trust and belonging, the reward once the
        points budget is spent) is as it was (:meth:`decide_planned`).

        Args:
            det: detections of any hours of today.
            when: time of each detection, hours.
            shifts: today's shifts.
            reward: (n_issue_types,) expected reward of a verified report now, yuan.
            decides: the rows that bring a decision; staff rows file on patrol, other
                rows file nothing.
        """
        wf = self.workforce
        channel, later, shift_end, trust, belonging, agent = plan_kernels.expected_before_choosing(
            det.observer,
            det.slot,
            decides,
            self.changed.n_worker_slots,
            wf.trust,
            wf.belonging,
            self.residents.trust,
        )
        expected = ExpectedDecisions(
            channel,
            later,
            shift_end,
            trust,
            belonging,
            reward,  # never written to: the hour compares it with its own
            agent,
        )
        # the offices are open or not in each row's hour: the kernels read the week's hours
        rows = np.flatnonzero(decides)
        self._choose(det, when, rows, _BY_HOUR_OF_WEEK, shifts, reward, expected)
        return expected

    def decide_planned(
        self,
        planned: PlannedDetections,
        rows: np.ndarray,
        office_open: bool,
        shifts: Shifts,
        reward: np.ndarray,
    ) -> ReportEvents:
        """The reports to file now from this hour's rows of the day's plan.

        A planned decision is used where the agent's trust and belonging and the reward
        are still those it was drawn with; the others are decided now, with the same
        draws, and written over the plan's (each row is used once, in its hour). Workers
        who decide to report at the end of their shift are kept (:attr:`shift_end`). The
        reports are exactly those :func:`~model.sim.decision_forms.decide` gives for the
        hour, in order of noticing time (ties in the order of the rows).

        Args:
            planned: the day's plan (:meth:`plan`).
            rows: this hour's rows of it, in order.
            office_open: the community offices are open this hour.
            shifts: today's shifts (when each worker's shift ends).
            reward: (n_issue_types,) expected reward of a verified report, yuan (0 once
                the year's points budget is spent).
        """
        det, expected = planned.detections, planned.expected
        stale, later, reports = self._hour_rows(planned, rows, self.may_be_stale(expected, reward))
        if len(stale):
            self._choose(det, planned.noticed_at, stale, office_open, shifts, reward, expected)
            _, later, reports = self._hour_rows(planned, rows, plan_kernels.NOBODY_CHANGED)
        if len(later):
            self.shift_end.keep(det, later, expected.shift_end[later], planned.noticed_at)
        return reports

    def may_be_stale(self, expected: ExpectedDecisions, reward: np.ndarray) -> int:
        """Which planned decisions may no longer hold.

        As :func:`~model.sim.decision_forms.stale_rows` compares them.

        Returns:
            ``plan_kernels.EVERY_ROW_STALE`` when the reward differs from the plan's,
            ``plan_kernels.ANNOUNCED_CHANGED`` when some agent has been announced as
            changed, else ``plan_kernels.NOBODY_CHANGED``.
        """
        if expected.reward is not reward and not np.array_equal(expected.reward, reward):
            return plan_kernels.EVERY_ROW_STALE
        if self.changed.any():
            return plan_kernels.ANNOUNCED_CHANGED
        return plan_kernels.NOBODY_CHANGED

    def _hour_rows(
        self, planned: PlannedDetections, rows: np.ndarray, compare: int
    ) -> tuple[np.ndarray, np.ndarray, ReportEvents]:
        """The stale rows; if none, the rows that report later and the reports filed now.

        Compiled (:func:`model.sim.plan_kernels.hour_rows`): the rows
        :func:`~model.sim.decision_forms.stale_rows` gives (``compare``: which rows may be
        stale), and the rows
        :func:`~model.sim.decision_forms.filed_in_time_order` gives.
        """
        det, expected = planned.detections, planned.expected
        if self._hour_scratch.shape[1] < len(rows):
            self._hour_scratch = np.empty((3, 2 * len(rows)), dtype=np.int64)
        out = self._hour_scratch
        n_stale, n_later, n_filed = plan_kernels.hour_rows(
            rows,
            planned.decides,
            det.observer,
            det.slot,
            planned.noticed_at,
            expected.channel,
            expected.later,
            expected.trust,
            expected.belonging,
            expected.agent,
            self.changed.announced,
            self.workforce.trust,
            self.workforce.belonging,
            self.residents.trust,
            compare,
            out,
        )
        # copies (the scratch rows are written again at the next call); the filed rows are
        # read at once
        stale = out[0, :n_stale].copy() if n_stale else _NO_ROWS
        later = out[1, :n_later].copy() if n_later else _NO_ROWS
        return stale, later, planned.reports(out[2, :n_filed])

    def _choose(
        self,
        det: Detections,
        when: np.ndarray,
        rows: np.ndarray,
        office_open: bool | np.ndarray | str,
        shifts: Shifts,
        reward: np.ndarray,
        expected: ExpectedDecisions,
    ) -> None:
        """Decide ``rows`` of ``det`` with the state of now, writing into ``expected``.

        Compiled (:mod:`model.sim.decision_kernels`): the same choices as
        :func:`~model.sim.decision_forms.worker_choices` and
        :func:`~model.sim.decision_forms.resident_choices` make with the draws of
        :func:`~model.sim.decision_forms.decision_draws`, bit for bit (the kernels draw the
        same keyed uniforms).

        Args:
            det: the detections.
            when: time of each detection, hours.
            rows: the rows to decide (workers and residents).
            office_open: the offices are open (one value, or one per row of ``det``, or
                ``_BY_HOUR_OF_WEEK``: in each row's hour, :meth:`offices_open`).
            shifts: today's shifts.
            reward: (n_issue_types,) expected reward of a verified report, yuan.
            expected: the decisions to write (channel, later, shift_end).
        """
        wf, res, log, rules = self.workforce, self.residents, self.issues, self.rules
        if office_open is _BY_HOUR_OF_WEEK:
            office_open, office_mode = (
                self.office_hours_of_week,
                decision_kernels.OFFICE_BY_HOUR_OF_WEEK,
            )
        elif isinstance(office_open, np.ndarray) and office_open.ndim:
            office_mode = decision_kernels.OFFICE_BY_ROW
        else:
            office_open = _OPEN if office_open else _CLOSED
            office_mode = decision_kernels.OFFICE_ONE_VALUE
        # the kernels read the rows of det and write the decisions into expected in place
        decision_kernels.worker_choices(
            rows,
            det.observer,
            det.slot,
            det.issue,
            det.hour,
            when,
            office_open,
            office_mode,
            self._decide_state,
            self._channel_state,
            wf.kind,
            wf.motivation,
            wf.belonging,
            wf.trust,
            wf.registered,
            wf.insured,
            wf.role,
            shifts.end,
            *self.open_channels.tables(),
            log.type,
            log.severity,
            self.role_match,
            self._reward_term(reward),
            self.decision.pressure,
            rules.minutes,
            self.office_hours_of_week,
            self._worker_weights,
            expected.channel,
            expected.later,
            expected.shift_end,
        )
        decision_kernels.resident_choices(
            rows,
            det.observer,
            det.slot,
            det.issue,
            det.hour,
            office_open,
            office_mode,
            int(Observer.RESIDENT),
            self._decide_state,
            self._channel_state,
            res.propensity,
            res.trust,
            res.adopted_mini_program,
            log.severity,
            rules.open_residents,
            rules.office_hours_only,
            int(Channel.MINI_PROGRAM),
            rules.minutes,
            self._resident_weights,
            expected.channel,
        )

    def _reward_term(self, reward: np.ndarray) -> np.ndarray:
        """:meth:`ReportDecision.reward_term` of ``reward``, kept while the reward is the same.

        The reward changes at most once a run (when the points budget is spent); the term
        is worked out again for any other values (compared byte for byte, with the dtype).
        """
        reward = np.asarray(reward)
        key = (reward.dtype.str, reward.shape, reward.tobytes())
        if key != self._reward_key:
            self._reward_key = key
            self._reward_logit = self.decision.reward_term(reward)
        return self._reward_logit

    def council_session(
        self,
        heard: list[tuple[int, int]],
        hour_index: int,
        office_open: bool,
        reward: np.ndarray,
    ) -> ReportEvents:
        """Seat holders weigh the opinions heard at the council session (off shift, now).

        Args:
            heard: ``(issue, slot)`` pairs (:func:`model.sim.deliberation.relay_opinions`).
            hour_index: the hour of the session.
            office_open: the offices are open (the session is held in office hours).
            reward: (n_issue_types,) expected reward of a verified report, yuan.
        """
        if not heard:
            return ReportEvents.empty()
        issues = np.array([h[0] for h in heard], dtype=np.int64)
        slots = np.array([h[1] for h in heard], dtype=np.int64)
        self.decided.first_values(
            self.decision_keys(slots, issues), np.full(len(heard), float(hour_index))
        )
        utility, _ = self.worker_terms(slots, issues, reward)
        channel = self.decision.decide(
            utility,
            self.decision.off_shift_cost(len(heard)),
            self.open_channels.of(slots, office_open),
            self.draws.uniform("relay", hour_index, issues, slots, -1),
            self.draws.uniform(
                "relay", hour_index, issues[:, None], slots[:, None], self.channels[None, :]
            ),
        )
        when = hour_index + self.draws.uniform("relay", hour_index, issues, slots, -2)
        keep = channel != NO_CHANNEL
        return ReportEvents(
            issues[keep],
            self.workforce.kind[slots[keep]].astype(np.int64),
            slots[keep],
            channel[keep],
            when[keep],
            when[keep],  # heard at the session, weighed there
        )

"""The service chain: intake, staff triage queue, verification, routing, departments, feedback.

A report of a new issue becomes a ticket that reaches the community's staff after the
channel's intake delay. Staff work tickets first-in first-out within their office hours and
their ticket share of time (``staff.triage_share``); duplicates and false reports eat the
same minutes. Triage acknowledges a ticket (unless the channel acknowledged it on arrival),
an optional site visit verifies it, and it is dispatched. A ticket routed to the wrong
department loses ``misroute_delay_hours`` and may be dropped. Departments are multi-crew
queues with lognormal service times; a handled ticket is fixed with the department's
resolution probability. A ticket closed unfixed is reopened once when its reporter is
called back (the channel's feedback), is not satisfied, and rejects the closure (the
12345 callback, 回访); a dropped ticket is lost, so nobody calls back and it is never
reopened. Reporters then learn the outcome: told (channel feedback; never for a dropped
ticket), seen by chance, or inferred from silence. Every ticket's draws are taken up front
(``tickets`` stream) and every reporter's are keyed on the issue and the reporter, so that
an issue and its reporters are served alike in every arm. The points and the waived penalty
a verified report earns are paid by :mod:`model.sim.levers` from the issues
:meth:`ServiceChain.work_hour` dispatches.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
from scipy.special import ndtri

from model.config.channels import ChannelsConfig
from model.config.codes import DEPARTMENTS, ISSUE_TYPES, Channel, Observer
from model.config.issue_types import IssuesConfig
from model.config.people import StaffConfig
from model.config.service import ServiceConfig
from model.sim.channels import ChannelRules
from model.sim.feedback_draws import FeedbackDraws
from model.sim.issues import (
    ACKNOWLEDGED_CODE,
    CLOSED_UNRESOLVED_CODE,
    DETECTED_CODE,
    DISPATCHED_CODE,
    REPORTED_CODE,
    RESOLVED_CODE,
    IssueLog,
)
from model.sim.report_log import ReportRecord
from model.sim.streams import KeyedDraws

Reporter = tuple[int, int, int, int, int]
"""Who filed a report of an issue, and through which channel: (observer class, table slot,
Mesa unique_id, channel, row of the report log). A plain tuple: a report builds one far
faster than a dataclass instance (9 ns against some 500), and its readers unpack it."""


TICKET_DRAWS: tuple[str, ...] = (
    "intake",
    "visit",
    "route",
    "drop",
    "service_0",
    "fix_0",
    "service_1",
    "fix_1",
    "callback",
    "reject",
)
"""Uniform draws taken per issue up front: intake delay, site visit, routing, drop, service
time and fix of the first attempt and of the reopened second one, and whether the first
reporter is called back about a closure unfixed and rejects it."""


STAFF = int(Observer.STAFF)  # a plain int compares faster than the enum member
STAFF_PATROL = int(Channel.STAFF_PATROL)
heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace


def normals(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of uniform draws (inverse-CDF sampling)."""
    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))


class ServiceChain:
    """Everything between a report and the reporter learning the outcome."""

    def __init__(
        self,
        issues: IssueLog,
        rules: ChannelRules,
        *,
        service: ServiceConfig,
        channels: ChannelsConfig,
        issue_types: IssuesConfig,
        staff: StaffConfig,
        staff_per_community: int,
        silence_signal: float,
        false_report_factor: float,
        n_communities: int,
        draws: KeyedDraws,
        ticket_rng: np.random.Generator,
    ) -> None:
        """Set up empty queues.

        Args:
            issues: the run's issue log (updated in place).
            rules: effective channel rules.
            service: the ``service`` block (verification, departments, feedback).
            channels: the ``channels`` block (misrouting, outcomes seen without feedback).
            issue_types: the ``issues`` block (verification and false-report shares).
            staff: the ``staff`` block (share of staff time on tickets).
            staff_per_community: ``population.staff_per_community``.
            silence_signal: outcome value a reporter infers from silence
                (``behaviour.silence_signal``).
            false_report_factor: false reports per genuine report are multiplied by this
                (points lever; :class:`model.sim.levers.PointsScheme`).
            n_communities: number of communities (one triage queue each).
            draws: the run's keyed draws (per report: false reports, feedback, outcome seen,
                satisfaction; keyed on the issue and the reporter).
            ticket_rng: the ``tickets`` stream; every issue's ticket draws (intake delay,
                site visit, routing, service time, fix, callback) are taken from it up
                front, so an issue is served alike in every arm with the same seed (common
                random numbers).
        """
        self.issues = issues
        self.rules = rules
        self.service = service
        self.channels = channels
        self.silence_signal = silence_signal
        self.feedback_draws = FeedbackDraws(draws)
        table = ticket_rng.random((len(issues), len(TICKET_DRAWS)))
        column = {name: table[:, i] for i, name in enumerate(TICKET_DRAWS)}
        # the events read one number at a time: Python floats (a numpy scalar costs more)
        self.draws = {name: draws.tolist() for name, draws in column.items()}
        self.visit_draw = self.draws["visit"]
        self.route_draw = self.draws["route"]
        self.drop_draw = self.draws["drop"]
        self.fix_draw = (self.draws["fix_0"], self.draws["fix_1"])
        self.callback_draw = self.draws["callback"]
        self.served = [0] * len(issues)  # department attempts per issue (lists: read one at a time)
        self.dropped = [False] * len(issues)
        # each community's triage queue holds issues (an issue has one ticket at most); what
        # staff read from a ticket is kept by issue: when it reached them and the minutes it
        # still needs (its channel, report time, triage and acknowledgement are the log's)
        self.queues: list[deque[int]] = [deque() for _ in range(n_communities)]
        self.reached_staff_at = [math.nan] * len(issues)
        self.minutes_left = [0.0] * len(issues)
        self.overhead_minutes = [0.0] * n_communities  # minutes owed, per community
        self._minutes_worked = [0.0] * n_communities
        # (arrival time, seq, issue, channel, reported at) of the tickets on their way
        self.intake: list[tuple[float, int, int, int, float]] = []
        self.completions: list[tuple[float, int, int, bool]] = []  # (time, seq, issue, fixed)
        self.crews_free = {
            d: [0.0] * service.departments[name].crews for d, name in enumerate(DEPARTMENTS)
        }
        self.reporters: dict[int, list[Reporter]] = {}
        self.reported_by: set[tuple[int, int]] = set()  # (issue, agent_id) of every report
        self.reports = ReportRecord()
        # each report's (false report, told, seen, satisfied) keyed draws, by report-log row
        # (None for staff): all four are keyed on the issue and the reporter, so they are
        # taken in one compiled call when the report is filed (FeedbackDraws.with_false)
        self.report_draws: list[tuple[float, float, float, float] | None] = []
        # communities whose staff have minutes owed or tickets queued (the others have
        # nothing to do in an hour), and the issues a person has taken up (``triaged_at``
        # set: the chain is its only writer)
        self.busy: set[int] = set()
        self.triaged = [False] * len(issues)
        # the log's columns the chain alone writes and reads back one issue at a time, kept
        # beside them as Python lists (the same numbers; a list reads faster than ``item``)
        self.reported_time = [math.nan] * len(issues)  # ``reported_at``
        self.acknowledged_time = [math.nan] * len(issues)  # ``acknowledged_at``
        self.channel_of = [-1] * len(issues)  # ``channel``
        self.seq = 0
        self.false_reports = 0
        self.duplicates = 0
        self.department_attempts = 0
        self.staff_capacity_per_hour = staff_per_community * 60.0 * staff.triage_share
        self.verify_needed = [issue_types.types[t].verification_share for t in ISSUE_TYPES]
        self.false_share: list[float] = (
            np.array([issue_types.types[t].false_report_share for t in ISSUE_TYPES])
            * false_report_factor
        ).tolist()
        self.dept_params = [service.departments[name] for name in DEPARTMENTS]
        self.resolution_probability = [d.resolution_probability for d in self.dept_params]
        # what the events read per issue and per channel, as Python numbers
        self.issue_type: list[int] = issues.type.tolist()
        self.community_of: list[int] = issues.community.tolist()
        self.department_of: list[int] = issues.department.tolist()
        self.triage_minutes: list[float] = rules.triage_minutes.tolist()
        self.intake_delay_hours: list[float] = rules.intake_delay_hours.tolist()
        self.feedback_probability: list[float] = rules.feedback_probability.tolist()
        self.routing_accuracy: list[float] = rules.routing_accuracy.tolist()
        self.auto_acknowledge: list[bool] = rules.auto_acknowledge.tolist()
        # the intake delay and service times the ticket draws give, for every issue at once
        # (the same numbers as one at a time): a ticket's intake delay is its channel's
        # median times ``intake_spread``; attempt ``a`` takes ``service_hours[a]``
        self.intake_spread: list[float] = np.exp(0.5 * normals(column["intake"])).tolist()
        median = np.array([d.service_median_hours for d in self.dept_params])[issues.department]
        sigma = np.array([d.service_sigma for d in self.dept_params])[issues.department]
        self.service_hours: tuple[list[float], list[float]] = (
            (median * np.exp(sigma * normals(column["service_0"]))).tolist(),
            (median * np.exp(sigma * normals(column["service_1"]))).tolist(),
        )
        # the log's time columns the chain writes (changed in place)
        self.reported_at = issues.times["reported_at"]
        self.acknowledged_at = issues.times["acknowledged_at"]
        self.dispatched_at = issues.times["dispatched_at"]
        self.resolved_at = issues.times["resolved_at"]
        self.feedback_at = issues.times["feedback_at"]
        self.reopened: set[int] = set()
        self.reopen_chance = service.reopen_share_of_dissatisfied * (
            1.0 - service.satisfied_if_unresolved
        )

    @property
    def minutes_worked(self) -> np.ndarray:
        """Staff minutes spent on tickets so far, per community (a new array of the sums)."""
        return np.array(self._minutes_worked)

    # ------------------------------------------------------------------ reports

    def already_reported_by(self, issue: int, agent_id: int) -> bool:
        """The agent has already reported this issue."""
        return (issue, agent_id) in self.reported_by

    def submit(
        self,
        issue: int,
        observer: int,
        slot: int,
        agent_id: int,
        channel: int,
        t: float,
        noticed: float | None = None,
    ) -> bool:
        """File one report.

        The first report of an issue opens a ticket; later ones are duplicates that cost
        staff ``duplicate_minutes``. Each genuine report may come with a false or low-value
        one (``false_report_share``) that costs triage and verification minutes.

        Args:
            issue: issue index (must be detected already).
            observer: observer class of the reporter.
            slot: reporter's table row (-1 for staff).
            agent_id: reporter's Mesa unique_id (-1 for staff).
            channel: channel index.
            t: time of the report, hours.
            noticed: when this reporter first noticed the problem, hours (``t`` when
                omitted).

        Returns:
            Whether the report was filed (not for an issue closed, not yet detected, or
            already reported by this agent, nor a staff report of a ticket they have).
        """
        log = self.issues
        status = log.status.item(issue)  # a plain int (status codes: see model.sim.issues)
        if status >= RESOLVED_CODE or status < DETECTED_CODE:
            return False
        staff = observer == STAFF
        if staff and status >= REPORTED_CODE:
            return False  # staff see the ticket is already in their system
        if agent_id >= 0 and self.already_reported_by(issue, agent_id):
            return False
        self.reported_by.add((issue, agent_id))
        community = self.community_of[issue]
        duplicate = status >= REPORTED_CODE
        rec = self.reports
        row = len(rec.issue)
        rec.issue.append(issue)
        rec.time.append(t)
        rec.observer.append(observer)
        rec.agent_id.append(agent_id)
        rec.channel.append(channel)
        rec.duplicate.append(duplicate)
        rec.outcome_at.append(math.nan)
        rec.fixed.append(False)
        rec.told.append(False)
        rec.satisfied.append(False)
        reporter = (observer, slot, agent_id, channel, row)  # a Reporter
        reporters = self.reporters.get(issue)
        if reporters is None:
            reporters = self.reporters[issue] = [reporter]
        else:
            reporters.append(reporter)
        # every report filed is one of the issue's reporters: storing the count is cheaper
        # than adding one to the array's element (a numpy scalar read, added and written)
        log.n_reports[issue] = len(reporters)
        if duplicate:
            self.duplicates += 1
            self.overhead_minutes[community] += self.service.duplicate_minutes
            self.busy.add(community)
        else:
            log.status[issue] = REPORTED_CODE
            self.reported_at[issue] = self.reported_time[issue] = t
            log.channel[issue] = self.channel_of[issue] = channel
            log.first_reporter_kind[issue] = observer
            log.first_reporter_id[issue] = agent_id
            # min(noticed, t) written out (NaN-alike: ``noticed`` unless ``t`` is smaller)
            first_noticed = t if noticed is None or t < noticed else noticed
            log.first_reporter_noticed_at[issue] = first_noticed
            delay = self._intake_delay(issue, channel)
            self.seq += 1
            heappush(self.intake, (t + delay, self.seq, issue, channel, t))
        if staff:
            self.report_draws.append(None)
            return True
        draws = self.feedback_draws.with_false(issue, observer, slot)
        self.report_draws.append(draws)
        if draws[0] < self.false_share[self.issue_type[issue]]:
            self.false_reports += 1
            self.overhead_minutes[community] += (
                self.triage_minutes[channel] + self.service.verification_minutes
            )
            self.busy.add(community)
        return True

    def _intake_delay(self, issue: int, channel: int) -> float:
        """Hours until a ticket reaches staff.

        Lognormal around the channel's median, log-sd 0.5 (assumption).
        """
        median = self.intake_delay_hours[channel]
        if median <= 0:
            return 0.0
        return median * self.intake_spread[issue]

    # ------------------------------------------------------------------ hourly work

    def work_hour(self, t: float, office_open: bool) -> list[int]:
        """Advance the chain through the hour ``[t, t + 1)``.

        Tickets whose intake delay has passed join their community queue (and are
        acknowledged at once where the channel does that); during office hours staff spend
        their ticket minutes on overhead first, then on tickets first-in first-out.

        Args:
            t: start of the hour, hours since the start.
            office_open: community offices are open this hour.

        Returns:
            Issues dispatched this hour.
        """
        intake = self.intake
        busy = self.busy
        if intake and intake[0][0] < t + 1.0:
            self._take_in(t)
        if not busy or not office_open or self.staff_capacity_per_hour <= 0:
            return []  # nothing to do this hour (or no staff at work)
        log = self.issues
        status_of = log.status
        dispatched: list[int] = []
        rate = self.staff_capacity_per_hour  # minutes per hour
        overhead = self.overhead_minutes
        triaged, triaged_at = self.triaged, log.triaged_at
        reported_time = self.reported_time
        reached_staff_at, minutes_left = self.reached_staff_at, self.minutes_left
        queues = self.queues
        # max(a, b) and min(a, b) are written out below as ``b if b > a else a`` and
        # ``b if b < a else a``: the same numbers (NaN too), without a builtin call per ticket
        # the busy communities in community order (those with nothing queued and no minutes
        # owed spend nothing)
        for community in sorted(busy) if len(busy) > 1 else tuple(busy):
            queue = queues[community]
            budget = rate
            owed = overhead[community]
            spend = owed if owed < budget else budget
            overhead[community] -= spend
            budget -= spend
            while queue and budget > 0:
                issue = queue[0]
                status = status_of.item(issue)
                if status >= RESOLVED_CODE:
                    queue.popleft()
                    continue
                arrival = reached_staff_at[issue]
                now = t + (rate - budget) / rate
                if arrival > now:
                    now = arrival
                if not triaged[issue]:  # a person takes the ticket up now
                    triaged[issue] = True
                    reported_at = reported_time[issue]
                    triaged_at[issue] = reported_at if reported_at > now else now
                if status < ACKNOWLEDGED_CODE:
                    self._acknowledge(issue, now)
                left = minutes_left[issue]
                work = left if left < budget else budget
                minutes_left[issue] = left = left - work
                budget -= work
                if left <= 1e-9:
                    queue.popleft()
                    done_at = t + (rate - budget) / rate
                    self._dispatch(issue, arrival if arrival > done_at else done_at)
                    dispatched.append(issue)
            self._minutes_worked[community] += rate - budget
            if not queue and overhead[community] == 0:
                busy.discard(community)
        return dispatched

    def _take_in(self, t: float) -> None:
        """Tickets whose intake delay has passed by ``t + 1`` join their community queue."""
        status_of = self.issues.status
        intake = self.intake
        busy = self.busy
        while intake and intake[0][0] < t + 1.0:
            arrival, _, issue, channel, reported_at = heappop(intake)
            if status_of.item(issue) >= RESOLVED_CODE:
                continue
            self.reached_staff_at[issue] = arrival
            self.minutes_left[issue] = self._ticket_minutes(issue, channel)
            if self.auto_acknowledge[channel]:
                self._acknowledge(issue, reported_at if reported_at > arrival else arrival)
            community = self.community_of[issue]
            self.queues[community].append(issue)
            busy.add(community)

    def _ticket_minutes(self, issue: int, channel: int) -> float:
        """Staff minutes a ticket needs: triage plus, for some, a site visit."""
        minutes = self.triage_minutes[channel]
        if self.visit_draw[issue] < self.verify_needed[self.issue_type[issue]]:
            minutes += self.service.verification_minutes
        return float(minutes)

    def _acknowledge(self, issue: int, now: float) -> None:
        """The issue's ticket is acknowledged at ``now`` (never before it was reported)."""
        log = self.issues
        if log.status.item(issue) < ACKNOWLEDGED_CODE:
            log.status[issue] = ACKNOWLEDGED_CODE
            reported_at = self.reported_time[issue]
            self.acknowledged_at[issue] = self.acknowledged_time[issue] = (
                reported_at if reported_at > now else now  # max()
            )

    def _dispatch(self, issue: int, now: float) -> None:
        """Verified: dispatch the issue's ticket to a department and schedule the outcome."""
        log = self.issues
        acknowledged_at = self.acknowledged_time[issue]
        if acknowledged_at > now:  # max(now, acknowledged_at): NaN (never) leaves ``now``
            now = acknowledged_at
        log.status[issue] = DISPATCHED_CODE
        self.dispatched_at[issue] = now
        if self.route_draw[issue] < self.routing_accuracy[self.channel_of[issue]]:
            self._serve(issue, now, 0)
            return
        dropped = self.drop_draw[issue] < self.channels.misroute_drop_share
        self.dropped[issue] = dropped
        self._serve(issue, now + self.channels.misroute_delay_hours, 0, dropped)

    def _serve(self, issue: int, start: float, attempt: int, dropped: bool = False) -> None:
        """Queue a ticket at its department from ``start`` and schedule its outcome.

        The department works ``crews`` tickets at once; service time is lognormal around
        its median; the ticket is fixed with its resolution probability (never if dropped).
        ``attempt`` is 0 for the first, 1 for the one after a reopening.
        """
        dept = self.department_of[issue]
        crews = self.crews_free[dept]
        crew_free_at = crews[0]  # the crew free first
        begin = crew_free_at if crew_free_at > start else start
        self.served[issue] = attempt + 1
        self.department_attempts += 1
        done = begin + self.service_hours[attempt][issue]
        heapreplace(crews, done)  # that crew is busy until ``done``
        fixed = (not dropped) and (
            self.fix_draw[attempt][issue] < self.resolution_probability[dept]
        )
        self.seq += 1
        heappush(self.completions, (done, self.seq, issue, fixed))

    # ------------------------------------------------------------------ outcomes

    def complete_until(self, t_end: float) -> list[tuple[int, float, bool]]:
        """Apply every department outcome due before ``t_end``.

        A ticket that comes back unfixed, and was not dropped, is reopened once when its
        first reporter (not a staff patrol) is called back (the channel's
        ``feedback_probability``), is not satisfied (``1 - satisfied_if_unresolved``) and
        rejects the closure (``reopen_share_of_dissatisfied``): it goes back to its
        department ``feedback_delay_hours`` after it came back.

        Returns:
            (issue, time, fixed) for each issue that reached an outcome.
        """
        done: list[tuple[int, float, bool]] = []
        completions = self.completions
        if not completions or completions[0][0] >= t_end:
            return done  # nothing due
        log = self.issues
        while completions and completions[0][0] < t_end:
            when, _, issue, fixed = heappop(completions)
            if log.status.item(issue) >= RESOLVED_CODE:
                continue
            if not fixed and self.reopens(issue):
                self.reopened.add(issue)
                self._serve(issue, when + self.service.feedback_delay_hours, 1)
                continue
            if fixed:
                log.status[issue] = RESOLVED_CODE
                self.resolved_at[issue] = when
            else:
                log.status[issue] = CLOSED_UNRESOLVED_CODE
                log.closed_at[issue] = when
            done.append((issue, when, fixed))
        return done

    def reopens(self, issue: int) -> bool:
        """The first reporter rejects the closure of this unfixed ticket, which reopens it.

        Never for a dropped ticket (nobody calls back about a lost ticket), a staff patrol
        ticket (nobody to call back), or a ticket reopened before.
        """
        if self.dropped[issue] or issue in self.reopened:
            return False
        channel = self.channel_of[issue]
        if channel == STAFF_PATROL:
            return False
        called_back = self.callback_draw[issue] < self.feedback_probability[channel]
        return bool(called_back and self.draws["reject"][issue] < self.reopen_chance)

    def inform_reporters(self, issue: int, when: float, fixed: bool) -> list[tuple]:
        """Tell (or not) each reporter of an issue how it ended, and whether they are satisfied.

        A reporter is told with its channel's feedback probability (never about a dropped
        ticket); one not told sees the outcome by chance (``outcome_seen_without_feedback``)
        or infers little from silence (``silence_signal``). Each reporter is then satisfied
        with a chance that depends on what they know (told of a fix, told of no fix, saw the
        fix untold, saw nothing or no fix) and halves with every
        ``satisfaction_halving_hours`` from their report to the outcome. Three keyed draws
        per reporter (issue, reporter class and slot; :class:`FeedbackDraws`), whatever
        happens; whether the first reporter is told is the ticket's callback draw, the same
        that decides a reopening, so a reporter who rejected a closure is always one who was
        told.

        Returns:
            (observer, slot, agent_id, signal, fixed_known) per non-staff reporter.
        """
        reporters = self.reporters.get(issue)
        learned: list[tuple] = []
        if reporters is None or (len(reporters) == 1 and reporters[0][0] == STAFF):
            return learned  # nobody, or a staff patrol alone: nobody to tell
        sv = self.service
        rec = self.reports
        report_draws = self.report_draws
        told_possible = not self.dropped[issue]
        feedback_probability = self.feedback_probability
        seen_untold = self.channels.outcome_seen_without_feedback
        halving = sv.satisfaction_halving_hours
        outcome_at, fixed_col, told_col, satisfied_col = (
            rec.outcome_at,
            rec.fixed,
            rec.told,
            rec.satisfied,
        )
        first = True
        for observer, slot, agent_id, channel, row in reporters:
            if observer == STAFF:
                first = False
                continue
            # the reporter's keyed (told, seen, satisfied) draws, taken with the report's
            # false-report draw (FeedbackDraws.with_false); the first reporter's told is
            # the one the ticket's callback reaches (see reopens)
            _, u_told, u_seen, u_satisfied = report_draws[row]
            if first:
                u_told = self.callback_draw[issue]
            told = told_possible and u_told < feedback_probability[channel]
            seen = told or u_seen < seen_untold
            if told:
                if first:
                    self.feedback_at[issue] = when + sv.feedback_delay_hours
                chance = sv.satisfied_if_resolved if fixed else sv.satisfied_if_unresolved
            elif seen and fixed:
                chance = sv.satisfied_if_fixed_untold
            else:
                chance = sv.satisfied_if_unfixed_untold
            first = False
            # a report filed later in the hour the issue ended learns the outcome at once
            reported_at = rec.time[row]
            learned_at = reported_at if reported_at > when else when  # max(when, reported_at)
            chance *= 0.5 ** ((learned_at - reported_at) / halving)
            outcome_at[row] = learned_at
            fixed_col[row] = fixed
            told_col[row] = told
            satisfied_col[row] = u_satisfied < chance
            if seen:
                learned.append((observer, slot, agent_id, 1.0 if fixed else 0.0, True))
            else:
                learned.append((observer, slot, agent_id, self.silence_signal, False))
        return learned

    def queue_length(self) -> int:
        """Tickets waiting for staff, all communities."""
        return sum(len(q) for q in self.queues) + len(self.intake)

    def report_log(self) -> dict[str, np.ndarray]:
        """The report log as arrays (:meth:`ReportRecord.arrays`)."""
        return self.reports.arrays()

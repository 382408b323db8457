"""The Mesa model of one street: its build, its hourly schedule, and ``run_model``.

:class:`StreetModel` is the one place that reads the whole scenario: it builds every part
of the street and hands each the blocks of the configuration it needs. One Mesa step is one
day of 24 hours (:meth:`StreetModel.step`); :meth:`StreetModel.advance_hour` reads as the
hour's schedule:

1. at midnight, :meth:`~StreetModel.start_day`: turnover and replacement, shifts, then the
   levers' daily submodels (station visits, registration, posts, insurance, own problems,
   belonging) and, every 30 days, honours, council meetings and activities
   (:mod:`model.sim.levers`, :mod:`model.sim.stations`, :mod:`model.sim.deliberation`);
   running costs;
2. new issues arrive; unresolved issues escalate or lapse when their drawn age comes;
3. workers, residents and staff on patrol notice issues (vectorised detection);
4. those who notice decide whether, when and through which channel to report (vectorised
   decision, :mod:`model.sim.perception`: a worker once per problem, now or at the end of
   his shift); with the reports planned for the end of shifts due in this hour and the
   opinions weighed at a council session, each report is an event handled in Python;
5. staff triage, verify and dispatch (verified reports earn points and waived penalties);
   departments finish work; reporters learn outcomes;
6. at the end of the day, the recorder appends one row of the daily series.

The ``build_*`` functions at the end hand each part its blocks of the configuration; they
stay beside the class so that the wiring of the scenario into the model is read in one
file, which takes the module to some 670 lines, past the package's ~500-line guideline:
the class alone (the build and the schedule) is about 500.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from mesa import Model

from model.config.codes import (
    ISSUE_TYPES,
    WORKER_KINDS,
    IssueStatus,
    Observer,
    Role,
)
from model.config.scenario import ScenarioConfig
from model.outcomes.contract import compute_outcomes
from model.sim import deliberation, levers, stations
from model.sim.agents import CommunityStaff, Resident, Worker
from model.sim.channels import ChannelRules, channel_rules
from model.sim.costs import Ledger
from model.sim.daily_kernels import newcomer_uniforms
from model.sim.dayplan import HOURS_PER_DAY, DayPlan, plan_day
from model.sim.decision_tables import ReportEvents
from model.sim.decisions import ReportDecision
from model.sim.detection import Detector
from model.sim.issues import (
    CLOSED_UNRESOLVED_CODE,
    DETECTED_CODE,
    ESCALATED_CODE,
    EXPIRED_CODE,
    RESOLVED_CODE,
    IssueLog,
    generate_issues,
)
from model.sim.output import RunOutput, report_table, worker_table
from model.sim.perception import Perception, office_hours_of_week
from model.sim.recorder import Recorder
from model.sim.residents import ResidentTable
from model.sim.service import ServiceChain
from model.sim.space import Layout, build_grid, exposure_matrices, generate_layout
from model.sim.streams import KeyedDraws, keyed_draws, make_streams
from model.sim.workforce import NEWCOMER_DRAWS, WorkerTable


class StreetModel(Model):
    """One street (街道) with its gig workers, residents, staff and service chain.

    Args:
        config: validated scenario configuration.
        seed: run seed; all randomness flows from it through named streams.
        days: measured days after the warm-up (defaults to ``config.days``); the model
            simulates ``config.warmup_days + days`` days and every outcome covers the last
            ``days`` of them (the measurement window).
    """

    def __init__(self, config: ScenarioConfig, seed: int, days: int | None = None) -> None:
        """Build the street, its people, its issues and its service chain."""
        streams = make_streams(seed)
        super().__init__(rng=streams["mesa"])
        self.draws = keyed_draws(seed)
        self.config = config
        self.seed = seed
        self.measured_days = int(days if days is not None else config.days)
        self.warmup_days = int(config.warmup_days)
        self.days = self.warmup_days + self.measured_days  # simulated, warm-up included
        self.streams = streams
        self.hours_elapsed = 0
        pol, pop = config.policies, config.population

        # space and issues (the same for every arm with this seed: common random numbers)
        self.layout = generate_layout(config.street, pol.stations.count, streams["layout"])
        self.grid = build_grid(self, self.layout)
        exposure = exposure_matrices(config.workers, self.layout)
        self.issues = generate_issues(config.issues, self.layout, self.days, streams["arrivals"])
        self.arrived = 0
        # issues opened before the end of each hour (an index into the log, hour by hour)
        hour_ends = np.arange(1, self.days * 24 + 1, dtype=float)
        self.arrived_by_hour = np.searchsorted(self.issues.opened_at, hour_ends).tolist()
        # arrived issues, pruned by open_issues(); those arrived since it last ran
        # (``live_through`` on) join it there
        self.live = np.zeros(0, dtype=np.int64)
        self.live_through = 0
        self.day_plan: DayPlan | None = None  # the day's detections (model.sim.dayplan)
        self.incident_watch: list[tuple[float, int]] = []  # (incident hour, closed issue)

        # people
        self.workforce = build_workforce(config, self.layout, streams["population"])
        self.residents = ResidentTable(
            config.residents, pop, config.behaviour, self.layout, streams["population"]
        )

        # the levers' terms, the channels, the ledger and the service chain
        self.points = levers.points_scheme(pol.points)
        # the reward a verified report is expected to earn, while the year's points budget
        # lasts and once it is spent: the same two arrays every hour, so that a decision
        # planned at midnight sees at once whether the reward has changed since
        self.reward_while_budget_lasts = self.points.reward_yuan.copy()
        self.reward_once_budget_spent = np.zeros_like(self.points.reward_yuan)
        self.rules = channel_rules(config.channels, pol)
        self.ledger = Ledger(pol)
        self.service = build_service(
            config,
            self.issues,
            self.rules,
            self.points,
            self.layout.n_communities,
            streams,
            self.draws,
        )
        self.station_reach = stations.station_reach(
            exposure, self.layout, config.workers, pol.stations
        )

        # Mesa agents: thin views over the tables (docs/ODD.md, section 2.2)
        cells = self.grid.all_cells.cells
        office = self.layout.office_cells
        for slot in range(len(self.workforce)):
            Worker(self, self.workforce, slot, cells[office[self.workforce.base[slot]]])
        for slot in range(len(self.residents)):
            Resident(self, self.residents, slot, cells[self.residents.home[slot]])
        for community in range(self.layout.n_communities):
            for _ in range(pop.staff_per_community):
                CommunityStaff(self, self.service, community, pop.staff_per_community)
        self.workers_by_id = {a.unique_id: a for a in self.agents_by_type.get(Worker, [])}
        self.residents_by_slot = list(self.agents_by_type.get(Resident, []))

        # who notices, who reports
        self.decision = build_decision(config, self.rules, self.points)
        self.detector = build_detector(
            config, self.layout, self.workforce, self.residents, exposure
        )
        self.detector.prepare(self.issues)
        self.role_match = levers.role_match_table()
        office_week = office_hours_of_week(config.staff)  # (168,) offices open, by hour
        self.perception = Perception(
            self.decision,
            self.rules,
            self.workforce,
            self.residents,
            self.issues,
            office_week,
            self.station_reach.reach > 0,
            self.role_match,
            self.draws,
        )
        self.council: tuple[int, int] | None = None  # (session hour, meetings)
        self.office_hours_of_week = office_week.tolist()  # read hour by hour as scalars
        self.shifts = None

        self.recorder = Recorder(
            self.issues,
            self.service,
            self.workforce,
            self.residents,
            self.ledger,
            harm_yuan_by_type=np.array([config.issues.types[t].harm_yuan for t in ISSUE_TYPES]),
            rider=config.workers.rider,
            service_config=config.service,
        )
        self.running = True

    # ------------------------------------------------------------------ clock

    @property
    def now(self) -> float:
        """Start of the current hour, hours since the start."""
        return float(self.hours_elapsed)

    def office_open(self, hour: int, day: int) -> bool:
        """Community offices are open (staff hours; weekdays are the first days of a week)."""
        return self.office_hours_of_week[(day % 7) * 24 + hour]

    # ------------------------------------------------------------------ the schedule

    def step(self) -> None:
        """Advance one day: its 24 hours, each by :meth:`advance_hour`.

        A Mesa step is a day because Mesa's own step machinery (its event list and step
        wrapper, about 11 us a call) would otherwise cost about 5-10 % of a run when paid
        every hour; the hours run in the same order either way. The explorer
        (:mod:`model.explore.state`) steps by the hour instead.
        """
        advance_hour = self.advance_hour
        for _ in range(HOURS_PER_DAY):
            advance_hour()
            if not self.running:
                break

    def advance_hour(self) -> None:
        """Advance one hour (the hour's schedule; see the module docstring)."""
        t = self.hours_elapsed
        day, hour = divmod(t, 24)
        if hour == 0:
            if day == self.warmup_days:
                self.recorder.open_window(self.now)
            self.start_day(day)
        self.arrive(t)
        self.escalate_and_lapse(t)
        office_open = self.office_open(hour, day)
        self.detect_and_report(t, hour, office_open)
        verified = self.service.work_hour(float(t), office_open)
        if verified:
            self.reward_verified(verified)
        for issue, when, fixed in self.service.complete_until(t + 1.0):
            if not fixed:
                self.watch_closed_unfixed(issue)
            self.learn_outcome(issue, when, fixed)
        if hour == 23:
            self.recorder.record_day(day, self.arrived, self.shifts)
        self.hours_elapsed += 1
        if self.hours_elapsed >= self.days * 24:
            self.running = False

    def arrive(self, t: int) -> None:
        """Issues opened before the end of this hour arrive.

        The live set takes them in when :meth:`open_issues` next reads it.
        """
        self.arrived = self.arrived_by_hour[t]

    def escalate_and_lapse(self, t: int) -> None:
        """Incidents of unfixed issues, and lapse of unreported ones.

        An issue becomes an incident at its ``incident_due`` hour unless it was fixed before
        (the ages are drawn in :mod:`model.sim.issues`). An open issue or an open ticket
        ends there (status ``escalated``; its reporters learn it was not fixed); a ticket
        already closed unfixed keeps its status and its clock, and becomes an incident all
        the same (``incident_at``). Unreported issues whose lapse hour has come go away.

        Each issue is looked at in the hour its incident or lapse hour falls in (the
        calendar ``IssueLog.closing``): an issue's status never goes back, so one that is
        fixed or reported by then neither escalates nor lapses later.
        """
        watched = self.incident_watch
        if watched and watched[0][0] < t + 1.0:
            self.closed_unfixed_incidents(t)
        log = self.issues
        listed = log.closing.in_hour(t)
        if not listed:
            return  # no issue's incident or lapse hour
        status_of = log.status
        escalating: list[int] = []  # in issue order, as the calendar lists them
        lapsing: list[int] = []
        for issue, escalates in listed:
            status = status_of.item(issue)  # a plain int (status codes: see model.sim.issues)
            if status >= RESOLVED_CODE:
                continue  # fixed or closed since: neither escalates nor lapses
            if escalates:
                escalating.append(issue)
            elif status <= DETECTED_CODE:
                lapsing.append(issue)
        if escalating:
            closed = [log.close(issue, ESCALATED_CODE) for issue in escalating]
            self.recorder.count_incidents([log.type_of[issue] for issue in escalating])
            for issue, when in zip(escalating, closed, strict=True):
                if log.n_reports.item(issue) > 0:
                    self.learn_outcome(issue, when, False)
        for issue in lapsing:
            log.close(issue, EXPIRED_CODE)

    def closed_unfixed_incidents(self, t: int) -> None:
        """Tickets closed unfixed whose incident hour has come become incidents."""
        log = self.issues
        while self.incident_watch and self.incident_watch[0][0] < t + 1.0:
            when, issue = heapq.heappop(self.incident_watch)
            if log.status.item(issue) == CLOSED_UNRESOLVED_CODE:
                log.incident_at[issue] = when
                self.recorder.count_incidents([log.type_of[issue]])

    def watch_closed_unfixed(self, issue: int) -> None:
        """A ticket closed unfixed keeps its incident clock."""
        due = self.issues.incident_due_of[issue]
        if math.isfinite(due):
            heapq.heappush(self.incident_watch, (due, issue))

    def detect_and_report(self, t: int, hour: int, office_open: bool) -> None:
        """Vectorised detection and report decisions; reports are filed one by one in time order.

        The reports of the hour are those decided now, those planned for the end of a shift
        that ends in this hour, and those of a council session held in this hour.
        """
        if self.ledger.points_budget_left() > 0:
            reward = self.reward_while_budget_lasts
        else:
            reward = self.reward_once_budget_spent
        on_the_spot = self.noticed(t, hour, office_open, reward)
        due = self.perception.shift_end.due(t)
        events = [on_the_spot, due]
        if self.council is not None and self.council[0] == t:
            heard = deliberation.relay_opinions(
                self.workforce,
                self.issues,
                self.open_issues(),
                self.config.policies.deliberation,
                self.council[1],
            )
            self.recorder.count_detections(len(heard))
            events.append(self.perception.council_session(heard, t, office_open, reward))
            if heard and self.day_plan is not None:
                issues = np.array([issue for issue, _ in heard], dtype=np.int64)
                slots = np.array([slot for _, slot in heard], dtype=np.int64)
                keys = self.perception.decision_keys(slots, issues)
                self.day_plan.decided_at(keys, t, self.perception)
            self.council = None
        if len(events) == 2 and len(due) == 0:  # in order of time: what joining would give
            reports = on_the_spot
        else:
            reports = ReportEvents.joined(events)
        if len(reports) == 0:
            return
        for issue, observer, slot, channel, when, noticed in zip(
            reports.issue.tolist(),
            reports.observer.tolist(),
            reports.slot.tolist(),
            reports.channel.tolist(),
            reports.when.tolist(),
            reports.noticed.tolist(),
            strict=True,
        ):
            self.file_report(issue, observer, slot, channel, when, noticed)

    def noticed(self, t: int, hour: int, office_open: bool, reward: np.ndarray) -> ReportEvents:
        """This hour's detections (from the day's plan), and the reports decided on the spot.

        The day's detections and the decisions they bring are planned at the first hour of
        the day (:mod:`model.sim.dayplan`). The reports come in order of noticing time
        (:meth:`detect_and_report` files them as they are when nothing else is due).
        """
        log = self.issues
        day = t // 24
        if self.day_plan is None or self.day_plan.day != day:
            self.day_plan = self.plan_day(day, reward)
        # the hour's rows, marked as detections (mark_detected), and the reports filed now
        kept, reports = self.day_plan.take_hour_decided(
            t, log, self.perception, office_open, self.shifts, reward
        )
        if kept:
            self.recorder.count_detections(kept)
        return reports

    def mark_detected(self, issues: np.ndarray, when: np.ndarray) -> None:
        """Count this hour's detections (their issues, when noticed); the first detects."""
        log = self.issues
        self.recorder.count_detections(len(issues))
        np.fmin.at(log.times["first_detected_at"], issues, when)
        newly = issues[log.status[issues] == int(IssueStatus.OPEN)]
        log.status[newly] = int(IssueStatus.DETECTED)

    def open_issues(self) -> np.ndarray:
        """The live issues not yet fixed, escalated or lapsed (``live`` pruned of the others).

        The issues arrived since the last call join ``live`` first, in issue order.
        """
        if self.arrived > self.live_through:
            arrived = np.arange(self.live_through, self.arrived, dtype=np.int64)
            self.live = np.concatenate([self.live, arrived])
            self.live_through = self.arrived
        self.live = self.live[self.issues.status[self.live] < IssueStatus.RESOLVED]
        return self.live

    def plan_day(self, day: int, reward: np.ndarray) -> DayPlan:
        """Draw the detections of the day: issues open now and those arriving today."""
        log = self.issues
        end = int(np.searchsorted(log.opened_at, (day + 1) * 24.0, side="left"))
        arriving = np.arange(max(self.arrived, 0), max(end, self.arrived), dtype=np.int64)
        candidates = np.concatenate([self.open_issues(), arriving])
        return plan_day(
            day,
            candidates,
            log,
            self.detector,
            self.perception,
            self.shifts,
            self.draws,
            reward,
        )

    def agent_id_of(self, observer: int, slot: int) -> int:
        """Mesa unique_id of a worker or resident slot (-1 for staff)."""
        if observer < len(WORKER_KINDS):
            return self.workforce.agent_id.item(slot)  # a Python int
        if observer == Observer.RESIDENT:
            return self.residents.agent_id.item(slot)
        return -1

    def file_report(
        self,
        issue: int,
        observer: int,
        slot: int,
        channel: int,
        when: float,
        noticed: float | None = None,
    ):
        """One report event: hand it to the service chain and count it for the reporter.

        ``noticed`` is when the reporter first noticed the problem (``when`` if omitted).
        """
        agent_id = self.agent_id_of(observer, slot)
        if not self.service.submit(issue, observer, slot, agent_id, channel, when, noticed):
            return
        if observer < len(WORKER_KINDS):
            wf = self.workforce
            wf.reports_made[slot] += 1
            wf.reports_by_channel[slot, channel] += 1
            wf.reports_month[slot] += 1
            wf.last_report_at[slot] = when
            self.recorder.count_worker_report(slot, wf.registered.item(slot))
        elif observer == Observer.RESIDENT:
            self.residents.reports_made[slot] += 1

    def reward_verified(self, verified: list[int]) -> None:
        """Verified (dispatched) reports earn points and the waived delivery penalty."""
        reporters = self.service.reporters
        waiver = self.config.policies.waiver
        levers.pay_points(
            verified, reporters, self.issues.type_of, self.points, self.ledger, self.workforce
        )
        levers.waive_penalties(verified, reporters, waiver, self.ledger)

    def learn_outcome(self, issue: int, when: float, fixed: bool) -> None:
        """Reporters of an issue learn how it ended (trust, belonging, satisfaction)."""
        learned = self.service.inform_reporters(issue, when, fixed)
        if not learned:
            return
        n_worker_kinds = len(WORKER_KINDS)
        resident = Observer.RESIDENT
        announce = self.perception.changed.announce
        for observer, slot, agent_id, signal, _known in learned:
            if observer < n_worker_kinds:
                worker = self.workers_by_id.get(agent_id)
                if worker is not None:
                    worker.learn_outcome(signal)
                    announce(observer, worker.slot)
            elif observer == resident:
                self.residents_by_slot[slot].learn_outcome(signal)
                announce(observer, slot)

    # ------------------------------------------------------------------ daily and monthly

    def start_day(self, day: int) -> None:
        """Daily submodels, run at midnight.

        The levers' part is in :mod:`model.sim.levers` and :mod:`model.sim.stations`.

        Each submodel draws from a stream of its own, a fixed number of numbers a day, so
        that a lever never shifts another submodel's draws.
        """
        pol, wf, streams = self.config.policies, self.workforce, self.streams
        if day > 0 and day % 365 == 0:
            self.ledger.new_year()
        self.turnover(day)
        self.detector.new_day()
        self.shifts = wf.draw_shifts(streams["movement"])
        works = self.shifts.hours > 0
        wf.days_online += works
        visits = stations.station_visits(
            wf, works, self.station_reach, pol.stations, streams["stations"]
        )
        extra = levers.posts_registration_drive(
            wf, pol.posts, self.config.workers.registration_daily_hazard, wf.n_communities
        )
        stations.station_registration(extra, visits, pol.stations)
        joined = wf.register(streams["registration"], extra)
        if day == 0:  # posts go to those registered before the programme too
            joined = np.flatnonzero(wf.registered)
        levers.designated_posts(wf, joined, pol.posts, self.ledger, streams["posts"])
        levers.insurance_enrolment(wf, pol.insurance, streams["insurance"])
        levers.own_problems(
            wf, self.config.workers, pol.one_stop, self.config.behaviour, streams["own_problems"]
        )
        wf.update_belonging(levers.honours_spillover(pol.honours))
        if day > 0 and day % 30 == 0:
            self.monthly(day)
        # Python ints (count_nonzero gives numpy's): the ledger's yuan stay Python floats
        self.ledger.book_daily_running_costs(
            int(np.count_nonzero(wf.subsidized)), int(np.count_nonzero(wf.role != Role.NONE))
        )
        self.perception.refresh_worker_channels()

    def turnover(self, day: int) -> None:
        """Workers leave; each slot is refilled by a newcomer (a new Mesa agent)."""
        if day == 0:
            return
        wf = self.workforce
        # the leavers' records kept and their slots refilled in the table (the newcomers'
        # traits from the keyed draws of newcomer_draws); the Mesa agents follow
        leaving = wf.turn_over(
            self.streams["turnover"], self.draws.state("newcomer"), day, self.now
        )
        if len(leaving) == 0:
            return
        self.recorder.count_leavers(leaving)
        for agent_id in wf.agent_id[leaving].tolist():  # the leavers' ids: no newcomer yet
            self.workers_by_id.pop(agent_id).leave()
        levers.designated_posts(
            wf,
            leaving[wf.registered[leaving]],
            self.config.policies.posts,
            self.ledger,
            self.streams["posts"],
        )
        cells = self.grid.all_cells.cells
        offices = self.layout.office_cells[wf.base[leaving]].tolist()
        for slot, office in zip(leaving.tolist(), offices, strict=True):
            worker = Worker(self, wf, slot, cells[office])
            self.workers_by_id[worker.unique_id] = worker

    def monthly(self, day: int) -> None:
        """Honours, council meetings with worker seats, and community activities.

        Deliberation (the council and the activities) is in :mod:`model.sim.deliberation`.

        The council session, where seat holders hear residents' opinions, is held in the
        middle of the first office day from today on.
        """
        pol, wf = self.config.policies, self.workforce
        levers.honours_awards(self.agents_by_type.get(Worker), wf, pol.honours)
        wf.reports_month[:] = 0
        if not pol.deliberation.enabled:
            return
        rng = self.streams["deliberation"]
        meetings = deliberation.council_meetings(wf, pol.deliberation, self.ledger, rng)
        if meetings > 0:
            self.council = (deliberation.council_session_hour(self.config.staff, day), meetings)
        trust = deliberation.community_activities(
            wf, self.residents, pol.deliberation, self.ledger, rng
        )
        self.detector.set_relay(trust)

    # ------------------------------------------------------------------ results

    def run(self) -> RunOutput:
        """Run to the horizon and collect the results."""
        while self.running:
            self.step()
        return self.results()

    def results(self) -> RunOutput:
        """The run's outcomes, daily series, issue log, report log and worker roster."""
        issues = self.issues.to_table(self.arrived)
        reports = report_table(self.service.report_log())
        workers = worker_table(self.workforce.roster())
        record = self.recorder.run_record(self.now)
        return RunOutput(
            outcomes=compute_outcomes(issues, reports, workers, record),
            daily=self.recorder.daily_table(self.warmup_days),
            issues=issues,
            reports=reports,
            workers=workers,
        )


def newcomer_draws(draws: KeyedDraws, day: int, slots: np.ndarray) -> np.ndarray:
    """Uniforms of the newcomers who fill ``slots`` on ``day`` (keyed on slot and day).

    A slot refilled on the same day gets the same newcomer in every arm. The run draws them
    inside :meth:`WorkerTable.turn_over <model.sim.workforce.WorkerTable.turn_over>`; the
    tests hold that call to these draws.

    Returns:
        (len(slots), ``NEWCOMER_DRAWS``) uniforms.
    """
    # the compiled form of draws.uniform("newcomer", day, slots[:, None],
    # np.arange(NEWCOMER_DRAWS)[None, :]), the same numbers (tests/sim/test_daily_kernels.py)
    slots = np.asarray(slots, dtype=np.int64)
    return newcomer_uniforms(draws.state("newcomer"), day, slots, NEWCOMER_DRAWS)


def run_model(config: ScenarioConfig, seed: int, days: int | None = None) -> RunOutput:
    """Run one street for ``days`` days from ``seed``.

    Args:
        config: validated scenario configuration.
        seed: run seed (non-negative).
        days: horizon in days; ``config.days`` when None.

    Returns:
        The run's outcomes, daily series, issue log and report log.
    """
    return StreetModel(config, seed=seed, days=days).run()


# --------------------------------------------------------------------------- the build
# Each part of the street gets the blocks of the scenario it reads, here and only here.


def build_workforce(
    config: ScenarioConfig, layout: Layout, rng: np.random.Generator
) -> WorkerTable:
    """The initial workforce of the street (``rng``: the ``population`` stream)."""
    return WorkerTable(
        config.workers,
        config.population.workers,
        config.behaviour,
        levers.mini_program_adoption(config.channels, config.policies.mini_program),
        layout,
        rng,
    )


def build_service(
    config: ScenarioConfig,
    issues: IssueLog,
    rules: ChannelRules,
    points: levers.PointsScheme,
    n_communities: int,
    streams: dict[str, np.random.Generator],
    draws: KeyedDraws,
) -> ServiceChain:
    """The service chain.

    ``streams`` are the run's named streams (it uses ``tickets``), ``draws`` its keyed draws.
    """
    return ServiceChain(
        issues,
        rules,
        service=config.service,
        channels=config.channels,
        issue_types=config.issues,
        staff=config.staff,
        staff_per_community=config.population.staff_per_community,
        silence_signal=config.behaviour.silence_signal,
        false_report_factor=points.false_report_factor,
        n_communities=n_communities,
        draws=draws,
        ticket_rng=streams["tickets"],
    )


def build_decision(
    config: ScenarioConfig, rules: ChannelRules, points: levers.PointsScheme
) -> ReportDecision:
    """The report decision with the terms the levers set."""
    return ReportDecision(
        config.behaviour,
        rules,
        time_pressure=levers.report_time_pressure(config.workers, config.policies.waiver),
        motivation_kept=points.motivation_kept,
        honours_on=config.policies.honours.enabled,
        resident_minute_value=config.residents.time_value_yuan_per_minute,
        off_shift_minute_value=config.workers.off_shift_minute_value,
    )


def build_detector(
    config: ScenarioConfig,
    layout: Layout,
    workforce: WorkerTable,
    residents: ResidentTable,
    worker_passes: np.ndarray | None = None,
) -> Detector:
    """The detector with its precomputed exposure fields (not yet prepared for the issues)."""
    return Detector(
        layout,
        workforce,
        residents,
        workers=config.workers,
        issues=config.issues,
        residents_config=config.residents,
        staff=config.staff,
        staff_per_community=config.population.staff_per_community,
        worker_passes=worker_passes,
    )

"""The Mesa model of one street, its hourly schedule, and ``run_model`` for one run.

Hourly schedule (one Mesa step = one hour):

1. at midnight, the daily submodels (shifts, turnover and replacement, registration,
   posts, insurance, station visits, workers' own problems, belonging; monthly honours,
   council meetings and activities; running costs);
2. new issues arrive; unresolved issues escalate or lapse when their drawn age comes;
3. workers, residents and staff on patrol notice issues (vectorised detection);
4. detectors decide whether and through which channel to report (vectorised decision);
   each report is an event handled in Python;
5. staff triage, verify and dispatch; departments finish work; reporters learn outcomes;
6. at the end of the day, one row of the daily series is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from mesa import Model

from model.agents import CommunityStaff, Resident, Worker
from model.config.codes import CHANNELS, ISSUE_TYPES, OBSERVERS, WORKER_KINDS
from model.config.scenario import ScenarioConfig
from model.decisions import NO_CHANNEL, ReportDecision, resident_channels, worker_channels
from model.detection import RESIDENT, STAFF, Detector
from model.district import build_grid, generate_layout
from model.issues import IssueLog, Status, generate_issues
from model.outcomes import DailyRecorder, compute_outcomes
from model.policies import Ledger, channel_rules, reward_yuan, role_match_table
from model.residents import ResidentTable
from model.service import ServiceChain
from model.streams import make_streams
from model.workforce import WorkerTable

STAFF_PATROL = CHANNELS.index("staff_patrol")
IN_PERSON = CHANNELS.index("in_person")
OPINION = ISSUE_TYPES.index("opinion")


@dataclass
class RunOutput:
    """Everything one run produces.

    Attributes:
        outcomes: the contract outcomes (DESIGN.md "Outcomes"), floats, NaN if undefined.
        daily: one row per day.
        issues: one row per issue (the issue log).
        reports: one row per report, duplicates included.
    """

    outcomes: dict[str, float]
    daily: pa.Table
    issues: pa.Table
    reports: pa.Table


class StreetModel(Model):
    """One street (街道) with its gig workers, residents, staff and service chain.

    Args:
        config: validated scenario configuration.
        seed: run seed; all randomness flows from it through named streams.
        days: horizon in days (defaults to ``config.days``).
    """

    def __init__(self, config: ScenarioConfig, seed: int, days: int | None = None) -> None:
        """Build the street, its people and its issues."""
        streams = make_streams(seed)
        super().__init__(rng=streams["mesa"])
        self.config = config
        self.seed = seed
        self.days = int(days if days is not None else config.days)
        self.streams = streams
        self.hours_elapsed = 0

        self.layout = generate_layout(config, streams["layout"])
        self.grid = build_grid(self, self.layout)
        self.issues: IssueLog = generate_issues(config, self.layout, self.days, streams["arrivals"])
        self.arrived = 0
        self.live = np.zeros(0, dtype=np.int64)
        self.next_close = np.inf  # earliest escalation or lapse time among live issues

        self.workforce = WorkerTable(config, self.layout, streams["population"])
        self.residents = ResidentTable(config, self.layout, streams["population"])
        cells = self.grid.all_cells.cells
        office = self.layout.office_cells
        for slot in range(len(self.workforce)):
            Worker(self, slot, cells[office[self.workforce.base[slot]]])
        for slot in range(len(self.residents)):
            Resident(self, slot, cells[self.residents.home[slot]])
        for community in range(self.layout.n_communities):
            for _ in range(config.population.staff_per_community):
                CommunityStaff(self, community)
        self.workers_by_id = {a.unique_id: a for a in self.agents_by_type.get(Worker, [])}
        self.residents_by_slot = list(self.agents_by_type.get(Resident, []))

        self.rules = channel_rules(config)
        self.ledger = Ledger(config)
        self.decision = ReportDecision(config, self.rules)
        self.detector = Detector(config, self.layout, self.workforce, self.residents)
        self.detector.prepare(self.issues)
        self.service = ServiceChain(
            config,
            self.issues,
            self.rules,
            self.ledger,
            self.workforce,
            self.layout.n_communities,
            streams["service"],
            streams["tickets"],
        )
        self.role_match = role_match_table()
        self.reward = reward_yuan(config)
        self.shifts = None
        self.workers_seen = len(self.workforce)
        self.participants_gone = 0
        self.reported_any = np.zeros(len(self.workforce), dtype=bool)
        self.leavers_total = 0
        self.leavers_by_kind = np.zeros(len(WORKER_KINDS), dtype=np.int64)
        self.detections_total = 0
        self.registered_reports_total = 0
        self.harm_yuan = 0.0
        self.harm_by_type = np.array([config.issues.types[t].harm_yuan for t in ISSUE_TYPES])
        self.recorder = DailyRecorder()
        self.running = True

    # ------------------------------------------------------------------ clock

    @property
    def now(self) -> float:
        """Start of the current hour, hours since the start."""
        return float(self.hours_elapsed)

    def office_open(self, hour: int, day: int) -> bool:
        """Community offices are open (staff hours; weekdays are the first days of a week)."""
        s = self.config.staff
        return (day % 7) < s.workdays_per_week and s.workday_start_hour <= hour < (
            s.workday_end_hour
        )

    # ------------------------------------------------------------------ the schedule

    def step(self) -> None:
        """Advance one hour."""
        t = self.hours_elapsed
        day, hour = divmod(t, 24)
        if hour == 0:
            self.start_day(day)
        self.arrive(t)
        self.escalate_and_lapse(t)
        office_open = self.office_open(hour, day)
        self.detect_and_report(t, hour, office_open)
        self.service.work_hour(float(t), office_open)
        for issue, when, fixed in self.service.complete_until(t + 1.0):
            self.learn_outcome(issue, when, fixed)
        if hour == 23:
            self.end_day(day)
        self.hours_elapsed += 1
        if self.hours_elapsed >= self.days * 24:
            self.running = False

    def arrive(self, t: int) -> None:
        """Issues opened before the end of this hour join the live set."""
        end = int(np.searchsorted(self.issues.opened_at, t + 1.0, side="left"))
        if end > self.arrived:
            fresh = np.arange(self.arrived, end, dtype=np.int64)
            self.live = np.concatenate([self.live, fresh])
            self.arrived = end
            self.next_close = min(self.next_close, float(self.issues.next_close_at[fresh].min()))

    def escalate_and_lapse(self, t: int) -> None:
        """Escalation of unresolved issues and lapse of unreported ones.

        Open issues (not fixed, not closed) whose escalation age has come become incidents;
        unreported ones whose lapse age has come go away (the ages are drawn in
        model.issues). A ticket closed without a fix ends the issue's record, so such an
        issue no longer escalates (docs/ODD.md, section 11, item 4).
        """
        log = self.issues
        live = self.live
        if t + 1.0 <= self.next_close:
            return
        status = log.status[live]
        esc = live[(log.escalate_at[live] < t + 1.0) & (status < Status.RESOLVED)]
        lapse = live[(log.lapse_at[live] < t + 1.0) & (status <= Status.DETECTED)]
        lapse = np.setdiff1d(lapse, esc, assume_unique=True)
        for group, status_code, when in (
            (esc, Status.ESCALATED, log.escalate_at),
            (lapse, Status.EXPIRED, log.lapse_at),
        ):
            if len(group) == 0:
                continue
            latest = np.fmax.reduce([log.times[name][group] for name in log.times], axis=0)
            log.closed_at[group] = np.fmax(when[group], latest)
            log.status[group] = status_code
            if status_code == Status.ESCALATED:
                self.harm_yuan += float(self.harm_by_type[log.type[group]].sum())
                for issue in group[log.n_reports[group] > 0]:
                    self.learn_outcome(int(issue), float(log.closed_at[issue]), False)
        if len(esc) or len(lapse):
            self.live = self.live[log.status[self.live] < Status.RESOLVED]
        self.next_close = np.inf
        if len(self.live):
            open_ = log.status[self.live] <= Status.DETECTED
            due = np.where(open_, log.next_close_at[self.live], log.escalate_at[self.live])
            self.next_close = float(due.min())

    def detect_and_report(self, t: int, hour: int, office_open: bool) -> None:
        """Vectorised detection and report decision; reports are handled one by one."""
        log = self.issues
        self.live = live = self.live[log.status[self.live] < Status.RESOLVED]
        if len(live) == 0:
            return
        counts = self.shifts.counts[hour]
        self.detector.new_hour()
        intensity = self.detector.passes_fast(live, counts, hour, office_open)
        rng = self.streams["detection"]
        det = self.detector.detect(
            live, log.cell[live], intensity, counts, self.shifts.online[:, hour], rng
        )
        if len(det) == 0:
            return
        self.detections_total += len(det)
        opened = log.opened_at[det.issue]
        lo = np.maximum(opened, float(t))
        when = lo + (t + 1.0 - lo) * rng.random(len(det))
        first = log.times["first_detected_at"]
        np.fmin.at(first, det.issue, when)
        newly = det.issue[log.status[det.issue] == Status.OPEN]
        log.status[newly] = Status.DETECTED

        channel = self.decide(det, office_open)
        reporting = np.flatnonzero(channel != NO_CHANNEL)
        for i in reporting[np.argsort(when[reporting], kind="stable")]:
            self.file_report(
                int(det.issue[i]),
                int(det.observer[i]),
                int(det.slot[i]),
                int(channel[i]),
                float(when[i]),
            )

    def decide(self, det, office_open: bool) -> np.ndarray:
        """Report decisions of this hour's detecting workers and residents, in one batch.

        Returns:
            (n_detections,) chosen channel; staff always file a patrol ticket; NO_CHANNEL
            where the detector does not report.
        """
        channel = np.full(len(det), NO_CHANNEL, dtype=np.int64)
        channel[det.observer == STAFF] = STAFF_PATROL
        wf, res, log = self.workforce, self.residents, self.issues
        workers = np.flatnonzero(det.observer < len(WORKER_KINDS))
        residents = np.flatnonzero(det.observer == RESIDENT)
        if len(workers) + len(residents) == 0:
            return channel
        slots = det.slot[workers]
        types = log.type[det.issue[workers]]
        budget_left = self.ledger.points_budget_left() > 0
        w_utility, w_cost = self.decision.worker_terms(
            kind=wf.kind[slots],
            motivation=wf.motivation[slots],
            belonging=wf.belonging[slots],
            trust=wf.trust[slots],
            registered=wf.registered[slots],
            insured=wf.insured[slots],
            role=wf.role[slots],
            role_match=self.role_match[wf.role[slots], types],
            severity=log.severity[det.issue[workers]],
            reward=self.reward[types] * budget_left,
        )
        w_available = worker_channels(
            self.rules,
            wf.registered[slots],
            wf.adopted_mini_program[slots],
            wf.station_in_reach[wf.kind[slots], wf.base[slots]],
            office_open,
        )
        r_slots = det.slot[residents]
        r_utility, r_cost = self.decision.resident_terms(
            propensity=res.propensity[r_slots],
            trust=res.trust[r_slots],
            severity=log.severity[det.issue[residents]],
        )
        r_available = resident_channels(self.rules, res.adopted_mini_program[r_slots], office_open)
        who = np.concatenate([workers, residents])
        channel[who] = self.decision.decide(
            np.concatenate([w_utility, r_utility]),
            np.concatenate([w_cost, r_cost]),
            np.concatenate([w_available, r_available]),
            self.streams["decisions"],
        )
        return channel

    def agent_id_of(self, observer: int, slot: int) -> int:
        """Mesa unique_id of a worker or resident slot (-1 for staff)."""
        if observer < len(WORKER_KINDS):
            return int(self.workforce.agent_id[slot])
        if observer == RESIDENT:
            return int(self.residents.agent_id[slot])
        return -1

    def file_report(self, issue: int, observer: int, slot: int, channel: int, when: float):
        """One report event: hand it to the service chain and count it for the reporter."""
        agent_id = self.agent_id_of(observer, slot)
        before = self.service.reports.issue.__len__()
        self.service.submit(issue, observer, slot, agent_id, channel, when)
        if len(self.service.reports.issue) == before:
            return
        if observer < len(WORKER_KINDS):
            self.workforce.reports_made[slot] += 1
            self.workforce.reports_month[slot] += 1
            self.workforce.last_report_at[slot] = when
            self.registered_reports_total += int(self.workforce.registered[slot])
            self.reported_any[slot] = True
        elif observer == RESIDENT:
            self.residents.reports_made[slot] += 1

    def learn_outcome(self, issue: int, when: float, fixed: bool) -> None:
        """Reporters of an issue learn how it ended (trust, belonging, satisfaction)."""
        for observer, slot, agent_id, signal, _known in self.service.inform_reporters(
            issue, when, fixed
        ):
            if observer < len(WORKER_KINDS):
                worker = self.workers_by_id.get(agent_id)
                if worker is not None:
                    worker.learn_outcome(signal)
            elif observer == RESIDENT:
                self.residents_by_slot[slot].learn_outcome(signal)

    # ------------------------------------------------------------------ daily and monthly

    def start_day(self, day: int) -> None:
        """Daily submodels, run at midnight."""
        pol = self.config.policies
        wf = self.workforce
        if day > 0 and day % 365 == 0:
            self.ledger.new_year()
        self.turnover(day)
        self.detector.new_day()
        self.shifts = wf.draw_shifts(self.streams["movement"])
        rng = self.streams["population"]
        works = self.shifts.hours > 0

        # station visits (rest, charging, water; upgraded: also publicity and training)
        reach = wf.station_in_reach[wf.kind, wf.base]
        visits = np.flatnonzero(
            works & reach & (rng.random(len(wf)) < pol.stations.visit_daily_probability)
        )
        bump = (
            pol.stations.upgraded_belonging_per_visit
            if pol.stations.upgraded
            else pol.stations.belonging_per_visit
        )
        wf.bump_belonging(visits, bump)

        # registration (报到): base hazard, posts drive, publicists, upgraded stations
        extra = np.zeros(len(wf))
        if pol.posts.enabled:
            extra += pol.posts.registration_drive_hazard
            publicists = np.bincount(
                wf.base[wf.role == 3], minlength=self.layout.n_communities
            ).astype(float)
            extra += (
                self.config.workers.registration_daily_hazard
                * pol.posts.publicist_registration_boost
                * np.minimum(1.0, publicists[wf.base] / 5.0)
            )
        if pol.stations.upgraded and len(visits):
            extra[visits] += pol.stations.registration_per_visit
        joined = wf.register(rng, extra)
        if day == 0:  # posts go to those registered before the programme too
            joined = np.flatnonzero(wf.registered)
        if pol.posts.enabled and len(joined):
            posted = wf.assign_posts(
                joined, rng, pol.posts.share_of_registered, pol.posts.skill_matching
            )
            self.ledger.book("posts", len(posted) * pol.posts.training_yuan_per_post)

        # insurance enrolment under the guarantee policy
        if pol.insurance.enabled:
            current = wf.insured.mean() if len(wf) else 1.0
            gap = max(0.0, pol.insurance.coverage_target - current) / max(1e-9, 1.0 - current)
            enrol = (~wf.insured) & (rng.random(len(wf)) < min(1.0, gap) * 0.2)
            wf.insured |= enrol
            wf.subsidized |= enrol

        # workers' own problems (arrears, schooling, medical care) and the one-stop platform
        problem = np.flatnonzero(rng.random(len(wf)) < self.config.workers.own_problem_monthly / 30)
        if len(problem):
            solve_p = (
                pol.one_stop.solve_probability
                if pol.one_stop.enabled
                else self.config.workers.own_problem_solved_without_platform
            )
            solved = rng.random(len(problem)) < solve_p
            bump = self.config.behaviour.belonging_own_problem_bump
            wf.bump_belonging(problem[solved], bump)
            wf.bump_belonging(problem[~solved], -bump / 2)

        spill = pol.honours.publicity_spillover if pol.honours.enabled else 0.0
        wf.update_belonging(spill)
        if day > 0 and day % 30 == 0:
            self.monthly(rng)
        self.ledger.book_daily_running_costs(int(wf.subsidized.sum()), int((wf.role > 0).sum()))

    def turnover(self, day: int) -> None:
        """Workers leave; each slot is refilled by a newcomer (a new Mesa agent)."""
        if day == 0:
            return
        wf = self.workforce
        rng = self.streams["turnover"]
        leaving = wf.leaving(rng)
        if len(leaving) == 0:
            return
        self.leavers_total += len(leaving)
        self.leavers_by_kind += np.bincount(wf.kind[leaving], minlength=len(WORKER_KINDS))
        self.participants_gone += int(self.reported_any[leaving].sum())
        self.reported_any[leaving] = False
        self.workers_seen += len(leaving)
        for slot in leaving:
            agent = self.workers_by_id.pop(int(wf.agent_id[slot]))
            agent.leave()
        wf.renew(leaving, rng, now=self.now)
        posts = self.config.policies.posts
        if posts.enabled:
            arrived_registered = leaving[wf.registered[leaving]]
            posted = wf.assign_posts(
                arrived_registered, rng, posts.share_of_registered, posts.skill_matching
            )
            self.ledger.book("posts", len(posted) * posts.training_yuan_per_post)
        cells = self.grid.all_cells.cells
        for slot in leaving:
            worker = Worker(self, int(slot), cells[self.layout.office_cells[wf.base[slot]]])
            self.workers_by_id[worker.unique_id] = worker

    def monthly(self, rng: np.random.Generator) -> None:
        """Honours, council meetings with worker seats, and community activities."""
        pol = self.config.policies
        wf = self.workforce
        workers = self.agents_by_type.get(Worker)
        if pol.honours.enabled and workers is not None:
            candidates = workers.select(lambda w: w.registered and w.reports_this_month > 0)
            ranked = sorted(candidates, key=lambda w: (-w.reports_this_month, w.unique_id))[
                : pol.honours.awards_per_month
            ]
            wf.bump_belonging(
                np.array([w.slot for w in ranked], dtype=np.int64), pol.honours.belonging_bump
            )
        wf.reports_month[:] = 0
        if pol.deliberation.enabled:
            self.council_meetings(rng)
            self.community_activities(rng)

    def council_meetings(self, rng: np.random.Generator) -> None:
        """Worker seats on residents' councils: fill seats, meet, relay opinions."""
        d = self.config.policies.deliberation
        wf = self.workforce
        log = self.issues
        meetings = int(rng.poisson(d.meetings_per_month))
        for community in range(self.layout.n_communities):
            seated = np.flatnonzero(wf.seat & (wf.base == community))
            free = d.seats_per_community - len(seated)
            if free > 0:
                pool = np.flatnonzero(wf.registered & ~wf.seat & (wf.base == community))
                if len(pool):
                    new = rng.choice(pool, size=min(free, len(pool)), replace=False)
                    wf.seat[new] = True
                    seated = np.concatenate([seated, new])
            if meetings == 0 or len(seated) == 0:
                continue
            self.ledger.book("deliberation", meetings * d.yuan_per_meeting)
            wf.bump_belonging(seated, meetings * d.belonging_bump)
            if self.rules.open_workers[IN_PERSON] == 0:
                continue
            waiting = self.live[
                (log.type[self.live] == OPINION)
                & (log.community[self.live] == community)
                & (log.status[self.live] == Status.DETECTED)
            ]
            n_relay = round(d.opinions_relayed_per_meeting * meetings * len(seated))
            for k, issue in enumerate(waiting[:n_relay]):
                slot = int(seated[k % len(seated)])
                self.file_report(int(issue), int(wf.kind[slot]), slot, IN_PERSON, self.now)

    def community_activities(self, rng: np.random.Generator) -> None:
        """Cultural and mutual-help activities weave workers into the community."""
        d = self.config.policies.deliberation
        wf = self.workforce
        res = self.residents
        for community in range(self.layout.n_communities):
            events = int(rng.poisson(d.activities_per_month))
            if events == 0:
                continue
            self.ledger.book("deliberation", events * d.yuan_per_activity)
            members = np.flatnonzero(wf.base == community)
            joined = members[
                rng.random(len(members)) < 1 - (1 - d.activity_participation) ** events
            ]
            wf.bump_belonging(joined, d.activity_belonging_bump)
            mine = res.community == community
            res.trust_in_workers[mine] += (
                d.resident_trust_gain * events * (1.0 - res.trust_in_workers[mine])
            )
        trust = np.bincount(
            res.community, weights=res.trust_in_workers, minlength=self.layout.n_communities
        ) / np.maximum(1, np.bincount(res.community, minlength=self.layout.n_communities))
        self.detector.set_relay(trust)

    def end_day(self, day: int) -> None:
        """Record the day's row of the daily series."""
        self.recorder.record(self, day)

    # ------------------------------------------------------------------ results

    def run(self) -> RunOutput:
        """Run to the horizon and collect the results."""
        while self.running:
            self.step()
        return self.results()

    def results(self) -> RunOutput:
        """The run's outcomes, daily series, issue log and report log."""
        return RunOutput(
            outcomes=compute_outcomes(self),
            daily=self.recorder.table(),
            issues=self.issues.to_table(self.arrived),
            reports=self.report_table(),
        )

    def report_table(self) -> pa.Table:
        """The report log: one row per report, duplicates included."""
        log = self.service.report_log()
        return pa.table(
            {
                "issue_id": log["issue_id"],
                "time": log["time"],
                "reporter_kind": pa.array(
                    np.array(OBSERVERS, dtype=object)[log["reporter_kind"]], type=pa.string()
                ),
                "reporter_id": pa.array(log["reporter_id"], mask=log["reporter_id"] < 0),
                "channel": pa.array(
                    np.array(CHANNELS, dtype=object)[log["channel"]], type=pa.string()
                ),
                "duplicate": log["duplicate"],
            }
        )


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

"""The service chain: intake, FIFO triage with capacity, duplicates, routing, departments,
feedback and the reopen of a ticket closed unfixed whose reporter rejects the closure."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config
from scipy.special import ndtri

from model.config.codes import DEPARTMENTS, ISSUE_TYPES, Channel, IssueStatus, IssueType, Observer
from model.sim import levers
from model.sim.channels import channel_rules
from model.sim.costs import Ledger
from model.sim.issues import IssueLog
from model.sim.model import build_service, build_workforce
from model.sim.space import generate_layout
from model.sim.streams import keyed_draws, make_streams

HOT, MINI, STATION, IN_PERSON, PATROL = Channel
RIDER, RESIDENT, STAFF = Observer.RIDER, Observer.RESIDENT, Observer.STAFF
ENV = IssueType.ENVIRONMENT

CHANNEL_NAMES = ("hotline", "mini_program", "station", "in_person")


def deterministic(**extra) -> dict:
    """A chain with known numbers: 60 staff minutes an hour, no delays, no noise."""
    return {
        "population": {"staff_per_community": 1},
        "staff": {"triage_share": 1.0},
        "channels": {
            **{
                name: {"intake_delay_hours": 0.0, "routing_accuracy": 1.0, "triage_minutes": 20.0}
                for name in CHANNEL_NAMES
            },
            "misroute_delay_hours": 48.0,
            "misroute_drop_share": 0.0,
        },
        "issues": {
            "types": {
                name: {"verification_share": 0.0, "false_report_share": 0.0} for name in ISSUE_TYPES
            }
        },
        "service": {
            "reopen_share_of_dissatisfied": 0.0,  # no reopen unless a test asks for it
            "verification_minutes": 30.0,
            "duplicate_minutes": 5.0,
            "feedback_delay_hours": 4.0,
            "departments": {
                name: {
                    "crews": 1,
                    "service_median_hours": 10.0,
                    "service_sigma": 1e-9,
                    "resolution_probability": 1.0,
                }
                for name in DEPARTMENTS
            },
        },
    }


class Setup:
    def __init__(self, *overrides, n: int = 6, community=0, types=ENV, seed: int = 0):
        config = make_config(deterministic(), *overrides)
        layout = generate_layout(
            config.street, config.policies.stations.count, make_streams(seed)["layout"]
        )
        self.config = config
        self.workforce = build_workforce(config, layout, np.random.default_rng(seed))
        self.workforce.agent_id[:] = 1000 + np.arange(len(self.workforce))
        types = np.broadcast_to(np.asarray(types, dtype=np.int8), (n,)).copy()
        comm = np.broadcast_to(np.asarray(community, dtype=np.int64), (n,)).copy()
        cell = np.array([np.flatnonzero(layout.community == c)[0] for c in comm], dtype=np.int64)
        x, y = layout.xy(cell)
        dept = np.array(
            [DEPARTMENTS.index(config.issues.types[ISSUE_TYPES[t]].department) for t in types],
            dtype=np.int8,
        )
        self.log = IssueLog(
            type=types,
            opened_at=np.zeros(n),
            cell=cell,
            community=comm,
            x=x,
            y=y,
            severity=np.full(n, 0.5),
            indoor=np.zeros(n, dtype=bool),
            escalate_at=np.full(n, np.inf),
            lapse_at=np.full(n, np.inf),
            department=dept,
        )
        self.log.status[:] = IssueStatus.DETECTED
        self.log.times["first_detected_at"][:] = 0.0
        self.rules = channel_rules(config.channels, config.policies)
        self.ledger = Ledger(config.policies)
        self.points = levers.points_scheme(config.policies.points)
        streams = {"tickets": np.random.default_rng(seed)}
        self.chain = build_service(
            config,
            self.log,
            self.rules,
            self.points,
            layout.n_communities,
            streams,
            keyed_draws(seed),
        )

    def work_and_pay(self, t: float) -> list[int]:
        """One hour of the chain; verified reports earn points and waived penalties."""
        verified = self.chain.work_hour(t, True)
        reporters = self.chain.reporters
        levers.pay_points(
            verified, reporters, self.log.type_of, self.points, self.ledger, self.workforce
        )
        levers.waive_penalties(verified, reporters, self.config.policies.waiver, self.ledger)
        return verified

    def resident(self, issue: int, t: float, who: int = 0, channel: int = HOT) -> None:
        self.chain.submit(issue, RESIDENT, who, 5000 + who, channel, t)

    def worker(self, issue: int, t: float, slot: int = 0, channel: int = HOT) -> None:
        self.chain.submit(issue, RIDER, slot, int(self.workforce.agent_id[slot]), channel, t)


def test_first_report_opens_a_ticket() -> None:
    s = Setup()
    s.resident(0, 2.5)
    log = s.log
    assert log.status[0] == IssueStatus.REPORTED
    assert log.times["reported_at"][0] == 2.5
    assert log.channel[0] == HOT and log.first_reporter_kind[0] == RESIDENT
    assert log.first_reporter_id[0] == 5000 and log.n_reports[0] == 1
    assert s.chain.reports.duplicate == [False]


def test_triage_is_fifo_with_capacity() -> None:
    s = Setup(n=5)
    for i in range(5):
        s.resident(i, 0.1 * i, who=i)
    assert s.chain.work_hour(0.0, office_open=True) == [0, 1, 2]
    disp, ack = s.log.times["dispatched_at"], s.log.times["acknowledged_at"]
    assert np.allclose(disp[:3], [1 / 3, 2 / 3, 1.0])
    assert np.allclose(ack[:3], [0.0, 1 / 3, 2 / 3])
    assert np.all(s.log.status[:3] == IssueStatus.DISPATCHED)
    assert np.all(s.log.status[3:] == IssueStatus.REPORTED)  # not yet touched
    assert s.chain.work_hour(1.0, office_open=True) == [3, 4]
    assert np.allclose(disp[3:], [4 / 3, 5 / 3])


def test_partial_work_carries_over() -> None:
    s = Setup(n=2)
    s.resident(0, 0.0, who=0)
    s.resident(1, 0.0, who=1)
    s.resident(1, 0.0, who=2)  # duplicate: 5 minutes of overhead, spent first
    assert s.chain.work_hour(0.0, True) == [0, 1]
    assert np.allclose(s.log.times["dispatched_at"][:2], [25 / 60, 45 / 60])


def test_ticket_longer_than_an_hour_spans_hours() -> None:
    s = Setup({"channels": {"hotline": {"triage_minutes": 90.0}}}, n=1)
    s.resident(0, 0.0)
    assert s.chain.work_hour(0.0, True) == []
    assert s.log.status[0] == IssueStatus.ACKNOWLEDGED
    assert s.chain.work_hour(1.0, True) == [0]
    assert s.log.times["dispatched_at"][0] == pytest.approx(1.5)


def test_no_work_when_the_office_is_closed() -> None:
    s = Setup(n=2)
    s.resident(0, 0.0)
    assert s.chain.work_hour(0.0, office_open=False) == []
    assert s.log.status[0] == IssueStatus.REPORTED
    assert s.chain.queue_length() == 1
    assert s.chain.work_hour(5.0, office_open=True) == [0]
    assert s.log.times["acknowledged_at"][0] == pytest.approx(5.0)


def test_no_staff_no_dispatch() -> None:
    s = Setup({"population": {"staff_per_community": 0}}, n=1)
    s.resident(0, 0.0)
    for t in range(48):
        assert s.chain.work_hour(float(t), True) == []
    assert s.log.status[0] == IssueStatus.REPORTED


def test_communities_have_their_own_queues() -> None:
    s = Setup(n=6, community=[0, 0, 0, 0, 1, 1])
    for i in range(6):
        s.resident(i, 0.0, who=i)
    assert sorted(s.chain.work_hour(0.0, True)) == [0, 1, 2, 4, 5]


def test_intake_delay_holds_the_ticket_back() -> None:
    s = Setup({"channels": {"hotline": {"intake_delay_hours": 6.0}}}, n=1, seed=3)
    s.resident(0, 0.0)
    arrival = s.chain.intake[0][0]
    assert arrival > 0
    t = 0.0
    while t + 1.0 <= arrival:
        assert s.chain.work_hour(t, True) == []
        t += 1.0
    assert s.chain.work_hour(t, True) == [0]
    assert s.log.times["dispatched_at"][0] >= s.log.times["reported_at"][0]


def test_intake_delays_and_service_times_are_the_lognormals_of_their_draws() -> None:
    """Worked out for every issue at once, they are the numbers one at a time would give."""
    n = 60
    s = Setup(
        {"channels": {"hotline": {"intake_delay_hours": 6.0}}},
        {
            "service": {
                "departments": {
                    "sanitation": {"service_median_hours": 12.0, "service_sigma": 0.8},
                    "housing": {"service_median_hours": 3.0, "service_sigma": 0.4},
                }
            }
        },
        n=n,
        types=np.arange(n) % len(ISSUE_TYPES),
        seed=5,
    )

    def normal(u: float) -> float:
        return float(ndtri(min(max(u, 1e-12), 1 - 1e-12)))

    draws, departments = s.chain.draws, s.config.service.departments
    assert len(set(s.log.department.tolist())) == len(DEPARTMENTS)
    for i in range(n):
        delay = float(6.0 * np.exp(0.5 * normal(draws["intake"][i])))
        assert s.chain._intake_delay(i, HOT) == delay
        assert s.chain._intake_delay(i, IN_PERSON) == 0.0
        dept = departments[DEPARTMENTS[s.log.department[i]]]
        for attempt in (0, 1):
            z = normal(draws[f"service_{attempt}"][i])
            hours = float(dept.service_median_hours * np.exp(dept.service_sigma * z))
            assert s.chain.service_hours[attempt][i] == hours, (i, attempt)


def test_auto_acknowledged_channel() -> None:
    s = Setup(n=1)
    s.resident(0, 3.25, channel=IN_PERSON)
    s.chain.work_hour(3.0, office_open=False)
    assert s.log.status[0] == IssueStatus.ACKNOWLEDGED
    assert s.log.times["acknowledged_at"][0] == 3.25


def test_a_ticket_worked_over_two_hours_is_triaged_and_acknowledged_once() -> None:
    """Staff take a ticket up once: its triage and acknowledgement keep their first time."""
    s = Setup({"issues": {"types": {"environment": {"verification_share": 1.0}}}}, n=3)
    s.resident(0, 0.0, who=0)
    s.resident(1, 0.0, who=1)  # 50 minutes each, 60 an hour: taken up at 0:50, done at 1:40
    s.resident(2, 0.5, who=2, channel=IN_PERSON)  # acknowledged when it arrives
    assert s.chain.work_hour(0.0, True) == [0]
    assert s.chain.work_hour(1.0, True) == [1]
    log = s.log
    assert log.triaged_at[1] == pytest.approx(50 / 60)
    assert log.times["acknowledged_at"][1] == pytest.approx(50 / 60)
    assert log.times["dispatched_at"][1] == pytest.approx(1 + 40 / 60)
    assert log.times["acknowledged_at"][2] == 0.5
    assert log.triaged_at[2] == pytest.approx(1 + 40 / 60)  # a person took it up later
    assert s.chain.work_hour(2.0, True) == [2]
    assert log.times["dispatched_at"][2] == pytest.approx(2 + 30 / 60)  # 20 min left at 1:40
    assert log.triaged_at[2] == pytest.approx(1 + 40 / 60)
    assert log.times["acknowledged_at"][2] == 0.5


def test_verification_adds_a_site_visit() -> None:
    s = Setup({"issues": {"types": {"environment": {"verification_share": 1.0}}}}, n=1)
    s.resident(0, 0.0)
    assert s.chain.work_hour(0.0, True) == [0]
    assert s.log.times["dispatched_at"][0] == pytest.approx(50 / 60)


def test_duplicates_attach_and_cost_staff_minutes() -> None:
    s = Setup(n=1)
    s.resident(0, 1.0, who=0)
    s.worker(0, 2.0, slot=0)
    s.resident(0, 3.0, who=1)
    assert s.log.n_reports[0] == 3
    assert s.chain.reports.duplicate == [False, True, True]
    assert s.chain.duplicates == 2
    assert s.chain.overhead_minutes[0] == 10.0
    assert s.log.times["reported_at"][0] == 1.0 and s.log.first_reporter_kind[0] == RESIDENT
    assert len(s.chain.intake) == 1  # one ticket only


def test_same_person_never_reports_twice() -> None:
    s = Setup(n=1)
    s.resident(0, 1.0, who=7)
    s.resident(0, 2.0, who=7)
    assert s.log.n_reports[0] == 1 and len(s.chain.reports.issue) == 1
    assert s.chain.already_reported_by(0, 5007)
    assert not s.chain.already_reported_by(0, 5008)


def test_staff_patrol_files_one_ticket_per_issue() -> None:
    """The staff's own ticket is not filed again each time a patrol passes the issue."""
    s = Setup(n=1)
    s.chain.submit(0, STAFF, -1, -1, PATROL, 1.0)
    s.chain.submit(0, STAFF, -1, -1, PATROL, 2.0)
    s.chain.submit(0, STAFF, -1, -1, PATROL, 3.0)
    assert s.log.n_reports[0] == 1
    assert s.chain.duplicates == 0
    assert s.chain.overhead_minutes[0] == 0.0


def test_submit_says_whether_the_report_was_filed() -> None:
    s = Setup(n=3)
    s.log.status[2] = IssueStatus.OPEN
    chain = s.chain
    assert chain.submit(0, RESIDENT, 1, 5001, HOT, 1.0)
    assert chain.submit(0, RESIDENT, 2, 5002, HOT, 1.0)  # a duplicate is filed too
    assert not chain.submit(0, RESIDENT, 1, 5001, HOT, 2.0)  # the same agent again
    assert chain.submit(1, STAFF, -1, -1, PATROL, 1.0)
    assert not chain.submit(1, STAFF, -1, -1, PATROL, 2.0)  # staff have their ticket
    assert not chain.submit(2, RESIDENT, 1, 5001, HOT, 1.0)  # not detected yet
    assert len(chain.reports.issue) == 3


def test_reports_need_a_detected_unresolved_issue() -> None:
    s = Setup(n=3)
    s.log.status[0] = IssueStatus.OPEN
    s.log.status[1] = IssueStatus.RESOLVED
    s.log.status[2] = IssueStatus.ESCALATED
    for i in range(3):
        s.resident(i, 1.0, who=i)
    assert len(s.chain.reports.issue) == 0
    assert np.all(s.log.n_reports == 0)


def test_false_reports_cost_minutes_but_not_for_staff() -> None:
    s = Setup({"issues": {"types": {"environment": {"false_report_share": 1.0}}}}, n=2)
    s.resident(0, 0.0)
    assert s.chain.false_reports == 1
    assert s.chain.overhead_minutes[0] == 20.0 + 30.0
    s.chain.submit(1, STAFF, -1, -1, PATROL, 0.0)
    assert s.chain.false_reports == 1


def test_points_raise_false_reports() -> None:
    share = {"issues": {"types": {"environment": {"false_report_share": 0.2}}}}
    plain = Setup(share, n=1)
    paid = Setup(
        share, {"policies": {"points": {"enabled": True, "false_report_multiplier": 2.0}}}, n=1
    )
    assert paid.chain.false_share[ENV] == pytest.approx(2 * plain.chain.false_share[ENV])


def test_department_crews_serve_in_turn() -> None:
    s = Setup(n=3)
    for i in range(3):
        s.resident(i, 0.0, who=i)
    s.chain.work_hour(0.0, True)
    done = s.chain.complete_until(100.0)
    assert [d[0] for d in done] == [0, 1, 2]
    assert np.allclose([d[1] for d in done], [1 / 3 + 10, 1 / 3 + 20, 1 / 3 + 30])
    assert all(d[2] for d in done)
    assert np.all(s.log.status[:3] == IssueStatus.RESOLVED)
    assert np.allclose(s.log.times["resolved_at"][:3], [d[1] for d in done])


def test_complete_until_respects_the_time() -> None:
    s = Setup(n=1)
    s.resident(0, 0.0)
    s.chain.work_hour(0.0, True)
    assert s.chain.complete_until(10.0) == []
    assert s.log.status[0] == IssueStatus.DISPATCHED
    assert len(s.chain.complete_until(10.34)) == 1


def test_unfixed_tickets_close_unresolved() -> None:
    dept = {"service": {"departments": {"sanitation": {"resolution_probability": 0.0}}}}
    s = Setup(dept, n=1)
    s.resident(0, 0.0)
    s.chain.work_hour(0.0, True)
    (_issue, when, fixed), *_ = s.chain.complete_until(100.0)
    assert not fixed and s.log.status[0] == IssueStatus.CLOSED_UNRESOLVED
    assert s.log.closed_at[0] == pytest.approx(when)
    assert np.isnan(s.log.times["resolved_at"][0])


@pytest.mark.parametrize(("drop", "fixed"), [(0.0, True), (1.0, False)])
def test_misrouted_tickets_lose_time_or_are_dropped(drop, fixed) -> None:
    s = Setup(
        {"channels": {"hotline": {"routing_accuracy": 0.0}, "misroute_drop_share": drop}}, n=1
    )
    s.resident(0, 0.0)
    s.chain.work_hour(0.0, True)
    (_, when, ok), *_ = s.chain.complete_until(1000.0)
    assert bool(ok) == fixed
    assert when == pytest.approx(1 / 3 + 48.0 + 10.0)


def test_routing_accuracy_frequency() -> None:
    s = Setup(
        {"channels": {"hotline": {"routing_accuracy": 0.7}, "misroute_drop_share": 1.0}},
        {"service": {"departments": {"sanitation": {"crews": 50}}}},
        {"population": {"staff_per_community": 100}},
        n=2000,
    )
    for i in range(2000):
        s.resident(i, 0.0, who=i)
    for t in range(10):
        s.chain.work_hour(float(t), True)
    done = s.chain.complete_until(1e9)
    assert len(done) == 2000
    assert np.mean([d[2] for d in done]) == pytest.approx(0.7, abs=0.04)


def test_escalated_ticket_leaves_the_queue() -> None:
    s = Setup(n=2)
    s.resident(0, 0.0, who=0)
    s.resident(1, 0.0, who=1)
    s.log.status[0] = IssueStatus.ESCALATED
    assert s.chain.work_hour(0.0, True) == [1]
    assert np.isnan(s.log.times["acknowledged_at"][0])
    assert s.log.times["dispatched_at"][1] == pytest.approx(1 / 3)


def test_feedback_tells_reporters_and_counts_satisfaction() -> None:
    s = Setup(
        {"channels": {"hotline": {"feedback_probability": 1.0}}},
        {"service": {"satisfied_if_resolved": 1.0}},
        n=1,
    )
    s.resident(0, 0.0, who=0)
    s.worker(0, 0.5, slot=3)
    s.chain.submit(0, STAFF, -1, -1, PATROL, 0.6)
    s.chain.work_hour(0.0, True)
    (issue, when, fixed), *_ = s.chain.complete_until(100.0)
    learned = s.chain.inform_reporters(issue, when, fixed)
    assert [(o, slot, signal, known) for o, slot, _, signal, known in learned] == [
        (RESIDENT, 0, 1.0, True),
        (RIDER, 3, 1.0, True),
    ]
    assert s.log.times["feedback_at"][0] == pytest.approx(when + 4.0)
    rec = s.chain.reports
    assert rec.told[:2] == [True, True] and rec.satisfied[:2] == [True, True]
    assert rec.outcome_at[:2] == [when, when] and rec.fixed[:2] == [True, True]


def test_silence_when_nobody_is_told() -> None:
    s = Setup(
        {
            "channels": {
                "hotline": {"feedback_probability": 0.0},
                "outcome_seen_without_feedback": 0,
            }
        },
        n=1,
    )
    s.resident(0, 0.0)
    s.chain.work_hour(0.0, True)
    (issue, when, fixed), *_ = s.chain.complete_until(100.0)
    learned = s.chain.inform_reporters(issue, when, fixed)
    silence = s.config.behaviour.silence_signal
    assert [(signal, known) for *_, signal, known in learned] == [(silence, False)]
    assert np.isnan(s.log.times["feedback_at"][0])
    assert s.chain.reports.told == [False]


POINTS = {"policies": {"points": {"enabled": True, "yuan_per_point": 0.5}}}


def test_points_paid_to_the_first_worker_reporter_at_dispatch() -> None:
    s = Setup(POINTS, n=1)
    s.worker(0, 0.0, slot=2)
    s.worker(0, 0.1, slot=4)  # duplicate: not paid
    s.resident(0, 0.2)
    assert s.ledger.points_paid == 0.0
    s.work_and_pay(0.0)
    points = s.config.policies.points.points_per_report["environment"]
    assert s.ledger.points_paid == pytest.approx(points * 0.5)
    assert s.workforce.points[2] == pytest.approx(points)
    assert s.workforce.points[4] == 0.0


def test_duplicates_paid_when_the_scheme_says_so() -> None:
    s = Setup(POINTS, {"policies": {"points": {"duplicates_paid": True}}}, n=1)
    s.worker(0, 0.0, slot=2)
    s.worker(0, 0.1, slot=4)
    s.work_and_pay(0.0)
    points = s.config.policies.points.points_per_report["environment"]
    assert s.workforce.points[4] == pytest.approx(points)
    assert s.ledger.points_paid == pytest.approx(points)  # 2 x 0.5 yuan x points


def test_points_budget_caps_payments() -> None:
    s = Setup(POINTS, {"policies": {"points": {"annual_budget_yuan": 15.0}}}, n=2)
    s.worker(0, 0.0, slot=2)
    s.worker(1, 0.0, slot=3)
    s.work_and_pay(0.0)
    assert s.ledger.points_paid == pytest.approx(15.0)
    assert s.workforce.points[2] + s.workforce.points[3] == pytest.approx(30.0)


def test_residents_and_departed_workers_earn_nothing() -> None:
    s = Setup(POINTS, n=2)
    s.resident(0, 0.0)
    s.worker(1, 0.0, slot=2)
    s.workforce.agent_id[2] = 99_999  # the reporter left; a newcomer holds the slot
    s.work_and_pay(0.0)
    assert s.workforce.points[2] == 0.0


def test_waiver_booked_once_per_verified_worker_report() -> None:
    s = Setup({"policies": {"waiver": {"enabled": True, "yuan_per_waived_report": 8.0}}}, n=2)
    s.worker(0, 0.0, slot=2)
    s.worker(0, 0.1, slot=3)
    s.resident(1, 0.0)
    s.work_and_pay(0.0)
    assert s.ledger.spent["waiver"] == pytest.approx(8.0)


def test_report_log_columns() -> None:
    s = Setup(n=2)
    s.resident(0, 1.0)
    s.worker(0, 2.0, slot=1)
    log = s.chain.report_log()
    assert list(log["issue_id"]) == [0, 0]
    assert list(log["time"]) == [1.0, 2.0]
    assert list(log["reporter_kind"]) == [RESIDENT, RIDER]
    assert list(log["duplicate"]) == [False, True]


# ---------------------------------------------------------------- reopen of an unfixed closure

UNFIXED = {"service": {"departments": {"sanitation": {"resolution_probability": 0.0}}}}


def rejecting(share: float = 1.0, feedback: float = 1.0, satisfied: float = 0.0) -> dict:
    """Every channel calls back with ``feedback``; a reporter told of no fix is satisfied
    with ``satisfied`` and, if not, rejects the closure with ``share``."""
    return {
        "channels": {name: {"feedback_probability": feedback} for name in CHANNEL_NAMES},
        "service": {
            "reopen_share_of_dissatisfied": share,
            "satisfied_if_unresolved": satisfied,
        },
    }


def serve_to_the_end(s: Setup) -> dict[int, tuple[float, bool]]:
    """Work the queue, then every department outcome: issue -> (time, fixed)."""
    for t in range(5):
        s.chain.work_hour(float(t), True)
    return {i: (when, fixed) for i, when, fixed in s.chain.complete_until(1e9)}


@pytest.mark.parametrize("channel", [HOT, MINI, IN_PERSON])
def test_a_rejected_closure_is_reopened_once(channel) -> None:
    """Called back, not satisfied, rejects: served again feedback_delay_hours later, once."""
    s = Setup(rejecting(), UNFIXED, {"policies": {"mini_program": {"enabled": True}}}, n=1)
    s.resident(0, 0.0, channel=channel)
    s.chain.work_hour(0.0, True)
    dispatched = s.log.times["dispatched_at"][0]
    first_closure = dispatched + 10.0
    assert s.chain.complete_until(first_closure + 1.0) == []  # sent back, not closed
    assert s.log.status[0] == IssueStatus.DISPATCHED
    assert s.chain.reopened == {0}
    assert s.chain.served[0] == 2 and s.chain.department_attempts == 2
    ((issue, when, fixed),) = s.chain.complete_until(1e9)
    assert issue == 0 and not fixed
    assert when == pytest.approx(first_closure + 4.0 + 10.0)  # feedback delay, then service
    assert s.log.status[0] == IssueStatus.CLOSED_UNRESOLVED
    assert s.log.closed_at[0] == pytest.approx(when)
    assert s.chain.served[0] == 2 and s.chain.department_attempts == 2  # never a third time
    assert s.chain.complete_until(1e12) == []


def test_a_reopened_ticket_gets_its_own_second_attempt() -> None:
    """The second attempt has its own service and fix draws: fixed then or closed for good."""
    n = 400
    s = Setup(
        rejecting(),
        {"service": {"departments": {"sanitation": {"resolution_probability": 0.5, "crews": n}}}},
        {"population": {"staff_per_community": 100}},
        n=n,
    )
    for i in range(n):
        s.resident(i, 0.0, who=i)
    done = serve_to_the_end(s)
    assert done.keys() == set(range(n))
    draws, dispatched = s.chain.draws, s.log.times["dispatched_at"]
    for i in range(n):
        first_fixed = draws["fix_0"][i] < 0.5
        expected_fixed = first_fixed or draws["fix_1"][i] < 0.5
        expected_at = dispatched[i] + 10.0 if first_fixed else dispatched[i] + 24.0
        assert done[i][1] == expected_fixed, i
        assert done[i][0] == pytest.approx(expected_at), i
        assert (i in s.chain.reopened) == (not first_fixed), i
    assert 0 < len(s.chain.reopened) < n
    fixed_on_reopen = [i for i in s.chain.reopened if done[i][1]]
    assert fixed_on_reopen  # the reopen rule does fix tickets
    assert np.all(s.log.status[fixed_on_reopen] == IssueStatus.RESOLVED)
    assert np.allclose(
        s.log.times["resolved_at"][fixed_on_reopen], dispatched[fixed_on_reopen] + 24
    )


def test_a_fixed_ticket_is_never_reopened() -> None:
    s = Setup(rejecting(), n=1)
    s.resident(0, 0.0)
    done = serve_to_the_end(s)
    assert done[0][1] and s.chain.reopened == set() and s.chain.served[0] == 1


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(rejecting(feedback=0.0), id="no_feedback"),
        pytest.param(rejecting(share=0.0), id="nobody_rejects"),
        pytest.param(rejecting(satisfied=1.0), id="everybody_satisfied"),
    ],
)
def test_no_reopen_without_a_callback_a_rejection_or_dissatisfaction(overrides) -> None:
    s = Setup(overrides, UNFIXED, n=1)
    s.resident(0, 0.0)
    done = serve_to_the_end(s)
    assert done[0] == (pytest.approx(s.log.times["dispatched_at"][0] + 10.0), False)
    assert s.chain.reopened == set() and s.chain.served[0] == 1
    assert s.log.status[0] == IssueStatus.CLOSED_UNRESOLVED


@pytest.mark.parametrize(("feedback", "reopened"), [(True, True), (False, False)])
def test_mini_program_without_feedback_never_reopens(feedback, reopened) -> None:
    s = Setup(
        rejecting(),
        UNFIXED,
        {"policies": {"mini_program": {"enabled": True, "feedback": feedback}}},
        n=1,
    )
    s.resident(0, 0.0, channel=MINI)
    done = serve_to_the_end(s)
    assert (0 in s.chain.reopened) is reopened
    assert done[0][0] == pytest.approx(s.log.times["dispatched_at"][0] + (24.0 if reopened else 10))


def test_the_callback_follows_the_first_reporter_channel() -> None:
    """A later reporter on a channel with feedback does not reopen the ticket."""
    s = Setup(rejecting(), UNFIXED, {"channels": {"hotline": {"feedback_probability": 0.0}}}, n=1)
    s.resident(0, 0.0, who=0, channel=HOT)
    s.resident(0, 0.1, who=1, channel=IN_PERSON)  # told the outcome, but not the first reporter
    serve_to_the_end(s)
    assert s.chain.reopened == set()


MISROUTED_AND_DROPPED = {
    "channels": {
        name: {"routing_accuracy": 0.0, "feedback_probability": 1.0} for name in CHANNEL_NAMES
    },
}


def test_a_dropped_ticket_is_never_reopened_fixed_or_told() -> None:
    """Misrouted and dropped: lost, so nobody calls back, nobody is told, nothing is fixed
    (departments here fix every ticket they do handle)."""
    s = Setup(
        rejecting(),
        MISROUTED_AND_DROPPED,
        {"channels": {"misroute_drop_share": 1.0, "outcome_seen_without_feedback": 0.0}},
        n=1,
    )
    s.resident(0, 0.0, who=0)
    s.worker(0, 0.2, slot=1, channel=MINI)
    s.resident(0, 0.3, who=2, channel=IN_PERSON)
    done = serve_to_the_end(s)
    assert s.chain.dropped[0]
    when, fixed = done[0]
    assert not fixed
    assert when == pytest.approx(s.log.times["dispatched_at"][0] + 48.0 + 10.0)
    assert s.chain.reopened == set() and s.chain.served[0] == 1
    assert s.log.status[0] == IssueStatus.CLOSED_UNRESOLVED
    assert np.isnan(s.log.times["resolved_at"][0])
    learned = s.chain.inform_reporters(0, when, fixed)
    silence = s.config.behaviour.silence_signal
    assert [(signal, known) for *_, signal, known in learned] == [(silence, False)] * 3
    assert s.chain.reports.told == [False, False, False]
    assert np.isnan(s.log.times["feedback_at"][0])


def test_a_misrouted_ticket_that_is_not_dropped_can_be_reopened() -> None:
    """The drop, not the misrouting, is what rules the reopen out."""
    s = Setup(rejecting(), UNFIXED, MISROUTED_AND_DROPPED, n=1)  # drop share 0 (deterministic)
    s.resident(0, 0.0)
    done = serve_to_the_end(s)
    assert not s.chain.dropped[0] and s.chain.reopened == {0}
    assert done[0][0] == pytest.approx(s.log.times["dispatched_at"][0] + 48.0 + 10.0 + 4.0 + 10.0)


def test_a_staff_patrol_ticket_is_never_reopened() -> None:
    """Nobody to call back, even when a resident with feedback reports it later."""
    s = Setup(rejecting(), UNFIXED, n=2)
    s.chain.submit(0, STAFF, -1, -1, PATROL, 0.0)
    s.chain.submit(1, STAFF, -1, -1, PATROL, 0.0)
    s.resident(1, 0.5, who=0, channel=HOT)  # duplicate, told the outcome
    done = serve_to_the_end(s)
    assert s.chain.reopened == set()
    assert list(s.chain.served) == [1, 1]
    first_done = s.log.times["dispatched_at"][0] + 10.0
    assert done == {
        0: (pytest.approx(first_done), False),
        1: (pytest.approx(first_done + 10), False),
    }
    learned = s.chain.inform_reporters(1, *done[1])
    assert [(o, known) for o, _, _, _, known in learned] == [(RESIDENT, True)]
    assert s.chain.reports.told[-1]


def test_reopen_frequency_is_callback_times_dissatisfied_times_rejecting() -> None:
    n = 3000
    s = Setup(
        rejecting(share=0.5, feedback=0.6, satisfied=0.2),
        {"service": {"departments": {"sanitation": {"resolution_probability": 0.0, "crews": n}}}},
        {"population": {"staff_per_community": 200}},
        n=n,
    )
    for i in range(n):
        s.resident(i, 0.0, who=i)
    done = serve_to_the_end(s)
    assert len(done) == n
    assert len(s.chain.reopened) / n == pytest.approx(0.6 * 0.8 * 0.5, abs=0.03)
    assert np.all(np.array(s.chain.served)[sorted(s.chain.reopened)] == 2)


def test_reporter_draws_are_keyed_on_the_issue_and_the_reporter() -> None:
    """Common random numbers: a reporter's told, seen and satisfied do not depend on which
    reports were filed before (an arm with more reports leaves the others' draws alone)."""
    coin = {
        "channels": {
            "hotline": {"feedback_probability": 0.5},
            "outcome_seen_without_feedback": 0.5,
        },
        "service": {
            "satisfied_if_unresolved": 0.5,
            "satisfied_if_unfixed_untold": 0.5,
            "satisfied_if_fixed_untold": 0.5,
        },
        "issues": {"types": {"environment": {"false_report_share": 0.5}}},
    }
    residents = list(range(200))

    def outcomes(order: list[int], others_first: bool) -> tuple[dict, int]:
        s = Setup(coin, n=4, seed=5)
        if others_first:
            for who in range(300, 340):  # other reporters, other issues and the same issue
                s.resident(1 + who % 3, 0.0, who=who)
                s.worker(0, 0.0, slot=who - 300)
        for who in order:
            s.resident(0, 0.0, who=who)
        learned = s.chain.inform_reporters(0, 0.0, False)
        rec = s.chain.reports
        told = {rec.agent_id[r]: (rec.told[r], rec.satisfied[r]) for r in range(len(rec.issue))}
        seen = {agent: known for observer, _, agent, _, known in learned if observer == RESIDENT}
        return {who: (*told[5000 + who], seen[5000 + who]) for who in residents}, s

    alone, _ = outcomes(residents, others_first=False)
    crowded, _ = outcomes(residents[::-1], others_first=True)
    assert alone == crowded
    for column in range(3):  # each draw does vary across reporters
        assert 0 < sum(v[column] for v in alone.values()) < len(residents)


def test_false_reports_are_keyed_on_the_reporter() -> None:
    share = {"issues": {"types": {"environment": {"false_report_share": 0.5}}}}
    alone = Setup(share, n=2, seed=9)
    alone.resident(0, 0.0, who=42)
    crowded = Setup(share, n=2, seed=9)
    for who in range(30):
        crowded.resident(1, 0.0, who=who)
    before = crowded.chain.false_reports
    crowded.resident(0, 0.0, who=42)
    assert crowded.chain.false_reports - before == alone.chain.false_reports
    assert 0 < before < 30


def test_an_issue_is_served_alike_whatever_the_staffing() -> None:
    """Common random numbers in the chain: staffing changes when, not how, a ticket is served."""
    noisy = {
        "channels": {
            "hotline": {"routing_accuracy": 0.7, "feedback_probability": 0.6},
            "misroute_drop_share": 0.5,
        },
        "issues": {"types": {"environment": {"verification_share": 0.5}}},
        "service": {
            "reopen_share_of_dissatisfied": 0.8,
            "departments": {
                "sanitation": {"crews": 500, "service_sigma": 1.0, "resolution_probability": 0.6}
            },
        },
    }
    runs = []
    for staff in (1, 10):
        s = Setup(noisy, {"population": {"staff_per_community": staff}}, n=300, seed=21)
        for i in range(300):
            s.resident(i, 0.0, who=i)
        for t in range(200):
            s.chain.work_hour(float(t), True)
        runs.append((s, {i: (w, f) for i, w, f in s.chain.complete_until(1e9)}))
    (slow, slow_done), (fast, fast_done) = runs
    assert slow_done.keys() == fast_done.keys() == set(range(300))
    assert slow.chain.reopened == fast.chain.reopened != set()  # the callback too
    slow_disp = slow.log.times["dispatched_at"]
    fast_disp = fast.log.times["dispatched_at"]
    assert np.all(fast_disp <= slow_disp + 1e-9)  # more staff: dispatched no later
    for i in range(300):
        assert bool(slow_done[i][1]) == bool(fast_done[i][1]), i
        assert slow_done[i][0] - slow_disp[i] == pytest.approx(fast_done[i][0] - fast_disp[i]), i


# ---------------------------------------------------------------- event arithmetic


def test_first_reporter_noticed_at_is_the_earlier_of_noticing_and_reporting() -> None:
    """The first reporter's noticing time is ``min(noticed, reported)``; reported if unknown."""
    s = Setup(n=3)
    s.chain.submit(0, RESIDENT, 0, 5000, HOT, 5.0, noticed=2.0)
    s.chain.submit(1, RESIDENT, 1, 5001, HOT, 5.0, noticed=7.0)
    s.chain.submit(2, RESIDENT, 2, 5002, HOT, 5.0)
    s.chain.submit(0, RESIDENT, 3, 5003, HOT, 6.0, noticed=1.0)  # a duplicate: no change
    assert list(s.log.first_reporter_noticed_at) == [2.0, 5.0, 5.0]


@pytest.mark.parametrize("crews", [2, 3])
def test_a_ticket_waits_for_the_crew_free_first(crews: int) -> None:
    """Each ticket starts when it reaches the department or the first crew comes free.

    Tickets dispatched over a few days with service times of their own go to a
    ``crews``-crew department; their completion times are those of a plain simulation that
    keeps each crew's free time and hands every ticket to the crew free first.
    """
    n = 12
    s = Setup(
        {"service": {"departments": {"sanitation": {"crews": crews, "service_sigma": 0.8}}}},
        n=n,
    )
    for i in range(n):
        s.resident(i, 2.5 * i, who=i)  # some find every crew busy, some find one idle
    done = {}
    for hour in range(24 * 60):
        s.chain.work_hour(float(hour), True)
        done.update({issue: when for issue, when, _ in s.chain.complete_until(hour + 1.0)})
    assert done.keys() == set(range(n))
    free_at = [0.0] * crews
    dispatched = s.log.times["dispatched_at"]
    for i in np.argsort(dispatched, kind="stable"):
        crew = int(np.argmin(free_at))
        free_at[crew] = max(free_at[crew], dispatched[i]) + s.chain.service_hours[0][i]
        assert done[int(i)] == pytest.approx(free_at[crew], abs=0), i
    assert any(done[i] - dispatched[i] > s.chain.service_hours[0][i] + 1e-9 for i in range(n))

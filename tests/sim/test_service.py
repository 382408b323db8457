"""The service chain: intake, FIFO triage with capacity, duplicates, routing, departments."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config

from model.config.codes import DEPARTMENTS, ISSUE_TYPES, Channel, IssueStatus, IssueType, Observer
from model.sim import levers
from model.sim.channels import channel_rules
from model.sim.costs import Ledger
from model.sim.issues import IssueLog
from model.sim.model import build_service, build_workforce
from model.sim.space import generate_layout
from model.sim.streams import make_streams

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
        rng = np.random.default_rng(seed)  # one generator: ticket draws first, then reports
        streams = {"service": rng, "tickets": rng}
        self.chain = build_service(
            config, self.log, self.rules, self.points, layout.n_communities, streams
        )

    def work_and_pay(self, t: float) -> list[int]:
        """One hour of the chain; verified reports earn points and waived penalties."""
        verified = self.chain.work_hour(t, True)
        reporters = self.chain.reporters
        levers.pay_points(
            verified, reporters, self.log.type, self.points, self.ledger, self.workforce
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


def test_auto_acknowledged_channel() -> None:
    s = Setup(n=1)
    s.resident(0, 3.25, channel=IN_PERSON)
    s.chain.work_hour(3.0, office_open=False)
    assert s.log.status[0] == IssueStatus.ACKNOWLEDGED
    assert s.log.times["acknowledged_at"][0] == 3.25


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


@pytest.mark.parametrize(
    ("reopen", "feedback", "closes_at"), [(True, True, 20), (False, True, 10), (True, False, 10)]
)
def test_mini_program_closed_loop_sends_an_unfixed_ticket_back_once(
    reopen, feedback, closes_at
) -> None:
    s = Setup(
        {
            "policies": {
                "mini_program": {
                    "enabled": True,
                    "reopen_unresolved": reopen,
                    "feedback": feedback,
                }
            }
        },
        {"service": {"departments": {"sanitation": {"resolution_probability": 0.0, "crews": 5}}}},
        n=2,
    )
    s.resident(0, 0.0, channel=MINI)
    s.resident(1, 0.0, who=1, channel=HOT)
    s.chain.work_hour(0.0, True)
    done = {i: w for i, w, _ in s.chain.complete_until(1000.0)}
    start = s.log.times["dispatched_at"][0]
    assert done[0] == pytest.approx(start + closes_at, abs=1e-6)
    assert s.log.status[0] == IssueStatus.CLOSED_UNRESOLVED
    # the hotline ticket is never sent back
    assert done[1] == pytest.approx(s.log.times["dispatched_at"][1] + 10.0, abs=1e-6)
    assert s.log.status[1] == IssueStatus.CLOSED_UNRESOLVED


def test_an_issue_is_served_alike_whatever_the_staffing() -> None:
    """Common random numbers in the chain: staffing changes when, not how, a ticket is served."""
    noisy = {
        "channels": {"hotline": {"routing_accuracy": 0.7}, "misroute_drop_share": 0.5},
        "issues": {"types": {"environment": {"verification_share": 0.5}}},
        "service": {
            "departments": {
                "sanitation": {"crews": 500, "service_sigma": 1.0, "resolution_probability": 0.6}
            }
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
    slow_disp = slow.log.times["dispatched_at"]
    fast_disp = fast.log.times["dispatched_at"]
    assert np.all(fast_disp <= slow_disp + 1e-9)  # more staff: dispatched no later
    for i in range(300):
        assert bool(slow_done[i][1]) == bool(fast_done[i][1]), i
        assert slow_done[i][0] - slow_disp[i] == pytest.approx(fast_done[i][0] - fast_disp[i]), i

"""The day's plan: detections drawn for 24 hours at once are those each hour draws alone.

The hot path draws a day's detections, noticing times and decision uniforms at midnight
(:mod:`model.sim.dayplan`) and the decisions they would bring with the state at midnight
(:meth:`Perception.expect`). These tests hold that batch to the hour-by-hour draw, row for
row and bit for bit, and the expected decisions to the decisions taken at the hour.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import detect_both_ways, every_lever_on, make_config

from model.config.codes import (
    NO_CHANNEL,
    WORKER_KINDS,
    Channel,
    IssueStatus,
    IssueType,
    Observer,
    Role,
)
from model.sim import decision_forms
from model.sim import deliberation as deliberation_module
from model.sim.dayplan import DayPlan
from model.sim.decision_tables import ExpectedDecisions, PlannedDetections, ReportEvents
from model.sim.decisions import worker_channels
from model.sim.model import StreetModel, run_model
from model.sim.perception import office_open_at

K = len(WORKER_KINDS)


def test_passes_hours_equal_passes_fast_hour_by_hour(model, shifts) -> None:
    detector, idx = model.detector, np.arange(len(model.issues))
    hours = np.arange(24)
    duty = office_open_at(model.config.staff, 3 * 24 + hours)
    assert duty.any() and not duty.all()
    day = detector.passes_hours(idx, shifts.counts, hours, duty)
    for hour in hours:
        one = detector.passes_fast(idx, shifts.counts[hour], int(hour), bool(duty[hour]))
        assert np.array_equal(day[hour], one), hour


def test_detect_hours_equals_detect_hour_by_hour(model, shifts) -> None:
    detector, log, draws = model.detector, model.issues, model.draws
    idx = np.arange(len(log))
    hours = np.arange(24)
    hour_index = 2 * 24 + hours
    duty = office_open_at(model.config.staff, hour_index)
    counts = shifts.counts * 3.0  # many hits
    intensity = detector.passes_hours(idx, counts, hours, duty)
    detector.new_day()
    day = detector.detect_hours(
        idx, log.cell[idx], intensity, counts, shifts.online, draws, hour_index
    )
    assert len(day) > 100 and len(np.unique(day.hour)) >= 12
    assert np.all(np.diff(day.hour) >= 0)
    for h in hours:
        one = detector.detect(
            idx,
            log.cell[idx],
            intensity[h],
            counts[h],
            shifts.online[:, h],
            draws,
            int(hour_index[h]),
        )
        mine = day.take(day.hour == hour_index[h])
        for name in ("issue", "observer", "slot"):
            assert np.array_equal(getattr(mine, name), getattr(one, name)), (h, name)
        assert np.all(one.hour == hour_index[h])


@pytest.mark.parametrize("scale", [0.2, 1.0, 3.0])
def test_detect_day_equals_detect_hours_of_every_intensity(model, shifts, scale) -> None:
    """Bounding the workers' intensities first gives the same detections, row for row."""
    detector, log, draws = model.detector, model.issues, model.draws
    hours = np.arange(24)
    relay = detector.relay_factor.copy()
    detector.set_relay(np.linspace(0.2, 1.4, len(relay)) * detector.relay_baseline)
    assert (log.type == IssueType.OPINION).any()
    try:
        for day in (1, 2, 3):
            hour_index = day * 24 + hours
            duty = office_open_at(model.config.staff, hour_index)
            counts = shifts.counts * scale
            every, bounded = detect_both_ways(
                detector, log, counts, shifts.online, hours, duty, draws, hour_index
            )
            assert len(every) > 20
            for name in ("issue", "observer", "slot", "hour"):
                assert np.array_equal(getattr(bounded, name), getattr(every, name)), name
            assert (every.observer < K).any() and (every.observer >= K).any()
    finally:
        detector.relay_factor = relay


def draw_hour_alone(model: StreetModel, t: int, hour: int, office_open: bool):
    """The detections an hour draws on its own (``Detector.detect``), with their times."""
    log = model.issues
    live = model.open_issues()
    counts = model.shifts.counts[hour]
    intensity = model.detector.passes_fast(live, counts, hour, office_open)
    det = model.detector.detect(
        live, log.cell[live], intensity, counts, model.shifts.online[:, hour], model.draws, t
    )
    lo = np.maximum(log.opened_at[det.issue], float(t))
    u = model.draws.uniform("notice_time", t, det.issue, det.observer)
    return det, lo + (t + 1.0 - lo) * u


class HourByHour(StreetModel):
    """The model, checking each hour's planned detections against a draw of the hour alone."""

    checked_hours = 0
    checked_rows = 0

    def noticed(self, t, hour, office_open, reward):
        alone, when_alone = draw_hour_alone(self, t, hour, office_open)
        events = super().noticed(t, hour, office_open, reward)
        planned = self.day_plan.planned.take(self.day_plan.rows_at(t, self.issues.status))
        for name in ("issue", "observer", "slot"):
            assert np.array_equal(getattr(planned.detections, name), getattr(alone, name))
        assert np.array_equal(planned.noticed_at, when_alone)
        HourByHour.checked_hours += 1
        HourByHour.checked_rows += len(alone)
        return events


def test_each_hour_of_a_run_takes_exactly_the_detections_it_would_draw_alone() -> None:
    """Arrivals within the day, fixes, escalations and lapses since midnight all drop rows."""
    config = make_config(every_lever_on())
    model = HourByHour(config, seed=5, days=12)
    model.run()
    assert HourByHour.checked_hours == model.days * 24
    assert HourByHour.checked_rows > 500
    assert (model.issues.status >= IssueStatus.RESOLVED).sum() > 20  # rows were dropped


def outputs_equal(a, b) -> None:
    assert a.outcomes.keys() == b.outcomes.keys()
    for name, value in a.outcomes.items():
        other = b.outcomes[name]
        assert value == other or (np.isnan(value) and np.isnan(other)), name
    for table in ("issues", "reports", "daily"):
        assert getattr(a, table).equals(getattr(b, table)), table


class DecidedHourByHour(StreetModel):
    """The readable reference: each hour draws its own detections and decides them then."""

    def noticed(self, t, hour, office_open, reward):
        det, when = draw_hour_alone(self, t, hour, office_open)
        if len(det) == 0:
            return ReportEvents.empty()
        self.mark_detected(det.issue, when)
        return decision_forms.decide(
            self.perception, det, when, t, office_open, self.shifts, reward
        )


@pytest.mark.parametrize(
    "overrides",
    [
        every_lever_on(),
        # a budget that runs out within the run: the reward changes within a day
        {
            "policies": {
                "points": {"enabled": True, "annual_budget_yuan": 300.0},
                "mini_program": {"enabled": True},
            }
        },
    ],
    ids=["every-lever", "points-budget-runs-out"],
)
def test_the_planned_day_gives_the_run_of_hours_decided_one_by_one(overrides) -> None:
    """Detections and decisions drawn each hour alone give the same output, bit for bit."""
    config = make_config(overrides)
    planned = run_model(config, seed=7, days=40)
    model = DecidedHourByHour(config, seed=7, days=40)
    outputs_equal(planned, model.run())
    assert model.day_plan is None  # the reference planned nothing
    assert len(planned.reports) > 50
    if "annual_budget_yuan" in str(overrides):
        assert 0 < planned.outcomes["points_budget_exhausted_share"] < 1


def first_hour_with_workers(model: StreetModel):
    """Step a fresh model to the first hour whose planned detections include workers."""
    while True:
        t = model.hours_elapsed
        model.advance_hour()
        if model.day_plan is None:
            continue
        rows = model.day_plan.rows_at(t, np.zeros_like(model.issues.status))
        now = model.day_plan.planned.take(rows)
        if np.any(now.detections.observer < K):
            return t, now


def with_expected(now: PlannedDetections, **changed) -> PlannedDetections:
    """A copy of ``now`` whose expected decisions have ``changed`` fields (deciding anew
    writes over the expected decisions, so every array is a copy)."""
    fields = ("channel", "later", "shift_end", "trust", "belonging", "reward", "agent")
    expected = ExpectedDecisions(
        **{f: np.array(changed.get(f, getattr(now.expected, f)), copy=True) for f in fields}
    )
    return PlannedDetections(
        now.detections, now.noticed_at, now.first_noticed, now.decides, expected
    )


def test_a_stale_expectation_is_decided_anew_and_a_fresh_one_is_used(small_config) -> None:
    """Rows decided with another trust are decided at the hour; the others are taken as is."""
    model = StreetModel(small_config, seed=11, days=5)
    t, now = first_hour_with_workers(model)
    det, perception = now.detections, model.perception
    workers = np.flatnonzero(now.decides & (det.observer < K))
    assert len(workers)
    reward = np.zeros(len(model.config.issues.types))
    shifts, office = model.shifts, model.office_open(t % 24, t // 24)

    def decide(planned):
        perception.shift_end.pending.clear()
        rows = np.arange(len(planned))
        return perception.decide_planned(planned, rows, office, shifts, reward)

    truth = decide(with_expected(now))
    # an expectation that says "report now on channel 0" for every deciding worker row,
    # drawn with the workers' trust and belonging as they are: it is used as it is
    deciding_worker = now.decides & (det.observer < K)
    trusted = with_expected(
        now,
        channel=np.where(deciding_worker, 0, now.expected.channel),
        later=np.zeros(len(det), bool),
        reward=reward.copy(),
    )
    used = decide(trusted)
    filed_workers = np.isin(used.observer, np.arange(K))
    assert np.all(used.channel[filed_workers] == 0)
    assert filed_workers.sum() == len(workers)  # each deciding row, on channel 0
    assert not np.array_equal(used.channel, truth.channel)
    # the same expectation drawn with another trust is stale: every worker decides anew
    # (trust and belonging change within a day only as reporters learn outcomes, which the
    # model announces; only the announced agents' rows are compared)
    for slot in det.slot[workers].tolist():
        perception.changed.announce(int(Observer.RIDER), slot)
    for changed in (
        {"trust": trusted.expected.trust + 0.25},
        {"belonging": trusted.expected.belonging + 0.1},
        {"reward": reward + 1.0},
    ):
        anew = decide(with_expected(trusted, **changed))
        for name in ("issue", "observer", "slot", "channel", "when", "noticed"):
            assert np.array_equal(getattr(anew, name), getattr(truth, name)), (changed, name)


def test_a_worker_decides_once_per_problem_in_the_plan(small_config) -> None:
    """Only a worker's first noticing of a problem decides, and never one decided before."""
    model = StreetModel(small_config, seed=11, days=5)
    first_hour_with_workers(model)
    planned, perception = model.day_plan.planned, model.perception
    det = planned.detections
    workers = np.flatnonzero(det.observer < K)
    keys = perception.decision_keys(det.slot[workers], det.issue[workers])
    deciding = planned.decides[workers]
    assert len(np.unique(keys)) < len(keys)  # a problem noticed twice by one worker
    # exactly one deciding row per pair, and it is the pair's first row of the day
    _, first = np.unique(keys, return_index=True)
    assert np.array_equal(np.flatnonzero(deciding), np.sort(first))
    assert all(int(k) in perception.decided for k in keys)
    # a pair already decided before the plan decides nothing in it
    perception.decided.clear()
    perception.decided.first_values(keys[:1], np.zeros(1))
    again = perception.plan(det, planned.noticed_at, model.shifts, np.zeros(5))
    assert not again.decides[workers[keys == keys[0]]].any()
    assert again.decides[workers].sum() == len(np.unique(keys)) - 1
    # residents decide at every noticing, staff never (they file on patrol)
    seen = {Observer.RESIDENT: 0, Observer.STAFF: 0}
    while model.running:
        model.advance_hour()
        det, decides = model.day_plan.planned.detections, model.day_plan.planned.decides
        for observer, expected in ((Observer.RESIDENT, True), (Observer.STAFF, False)):
            rows = det.observer == observer
            assert np.all(decides[rows] == expected), observer
            seen[observer] += rows.sum()
    assert min(seen.values()) > 0


def test_a_council_session_settles_the_seat_holders_later_noticings(small_config) -> None:
    """A pair decided at the session decides nothing at a later noticing the same day."""
    model = StreetModel(small_config, seed=11, days=5)
    first_hour_with_workers(model)
    plan, perception = model.day_plan, model.perception
    det = plan.planned.detections
    rows = np.flatnonzero(plan.planned.decides & (det.observer < K))
    late, early = rows[-1], rows[0]
    assert det.hour[late] > det.hour[early]
    keys = perception.decision_keys(det.slot[[early, late]], det.issue[[early, late]])
    plan.decided_at(keys, int(det.hour[early]), perception)
    assert plan.planned.decides[early]  # in the session's hour or before: as planned
    assert not plan.planned.decides[late]
    assert plan.planned.expected.channel[late] == NO_CHANNEL
    assert not plan.planned.expected.later[late]


def test_a_council_that_hears_everything_gives_the_run_of_hours(monkeypatch) -> None:
    """Every worker hears every open problem at the session: later noticings decide nothing.

    The session is made to put every live issue to every worker, so that workers notice
    problems they were asked about earlier the same day; the planned day must then give the
    run decided hour by hour, bit for bit.
    """

    def every_pair(wf, issues, live, deliberation, meetings):
        return [(int(i), int(s)) for i in live for s in range(len(wf.agent_id))]

    monkeypatch.setattr(deliberation_module, "relay_opinions", every_pair)
    flipped = []
    decided_at = DayPlan.decided_at

    def counted(self, keys, hour_index, perception):
        before = int(self.planned.decides.sum())
        decided_at(self, keys, hour_index, perception)
        flipped.append(before - int(self.planned.decides.sum()))

    monkeypatch.setattr(DayPlan, "decided_at", counted)
    config = make_config(every_lever_on())
    planned = run_model(config, seed=7, days=40)
    assert sum(flipped) > 0  # later noticings of problems heard at the session
    outputs_equal(planned, DecidedHourByHour(config, seed=7, days=40).run())


def test_reporters_who_learn_an_outcome_have_their_later_rows_decided_anew(small_config) -> None:
    """The model announces whose trust changed within the day; only their rows are compared."""
    model = StreetModel(small_config, seed=11, days=5)
    while True:  # an hour with deciding rows of a resident and a worker later that day
        t = model.hours_elapsed
        model.advance_hour()
        day = model.day_plan.planned
        det = day.detections
        later = np.flatnonzero(day.decides & (det.hour > t))
        if np.any(det.observer[later] == Observer.RESIDENT) and np.any(det.observer[later] < K):
            break
    perception, expected = model.perception, day.expected
    resident_row = later[det.observer[later] == Observer.RESIDENT][0]
    worker_row = later[det.observer[later] < K][0]
    rows = np.array([resident_row, worker_row])
    assert len(decision_forms.stale_rows(perception, det, rows, expected, expected.reward)) == 0
    for row in rows:  # each reporter files a report and learns that it was fixed
        issue, observer, slot = int(det.issue[row]), int(det.observer[row]), int(det.slot[row])
        model.mark_detected(np.array([issue]), np.array([float(t)]))
        model.file_report(issue, observer, slot, int(Channel.HOTLINE), float(t))
        model.learn_outcome(issue, float(t), True)
    assert perception.changed.has_changed(Observer.RESIDENT, int(det.slot[resident_row]))
    assert perception.changed.has_changed(int(det.observer[worker_row]), int(det.slot[worker_row]))
    assert not perception.changed.has_changed(Observer.RESIDENT, int(det.slot[resident_row]) + 1)
    assert np.array_equal(
        decision_forms.stale_rows(perception, det, rows, expected, expected.reward), rows
    )
    # a new day's plan starts with nobody changed
    model.plan_day(t // 24 + 1, expected.reward)
    assert not perception.changed.has_changed(Observer.RESIDENT, int(det.slot[resident_row]))
    assert not perception.changed.has_changed(
        int(det.observer[worker_row]), int(det.slot[worker_row])
    )


def test_the_channels_a_worker_can_use_are_worked_out_anew_every_midnight() -> None:
    """After each day's submodels, the table of open channels is what the workers' state
    gives (registration, posts and council seats change at midnight; so do the newcomers)."""
    model = StreetModel(make_config(every_lever_on()), seed=5, days=40)
    perception, wf = model.perception, model.workforce
    slots = np.arange(len(wf))
    registered_before = wf.registered.copy()
    for day in range(40):
        model.start_day(day)
        for office_open in (True, False):
            direct = worker_channels(
                model.rules,
                wf.registered,
                wf.adopted_mini_program,
                perception.station_in_reach[wf.kind, wf.base],
                office_open,
                (wf.role != Role.NONE) | wf.seat,
            )
            assert np.array_equal(perception.open_channels.of(slots, office_open), direct)
        per_row = np.arange(len(wf)) % 2 == 0
        mixed = perception.open_channels.of(slots, per_row)
        assert np.array_equal(mixed[per_row], perception.open_channels.of(slots, True)[per_row])
        assert np.array_equal(mixed[~per_row], perception.open_channels.of(slots, False)[~per_row])
    assert (wf.registered != registered_before).any()  # the state did change meanwhile


def test_take_hour_keeps_the_open_issues_rows_and_marks_them_as_mark_detected_does(
    small_config,
) -> None:
    """The compiled take of an hour equals rows_at followed by mark_detected, issue log and all."""
    model = StreetModel(small_config, seed=5, days=3)
    t = 0
    while model.day_plan is None or len(model.day_plan.planned) < 40:
        model.advance_hour()
        t = model.hours_elapsed
    plan, log = model.day_plan, model.issues
    checked = 0
    for hour_index in range(plan.day * 24, plan.day * 24 + 24):
        first, end = (
            plan.bounds[hour_index - plan.day * 24],
            plan.bounds[hour_index - plan.day * 24 + 1],
        )
        issues = plan.planned.detections.issue[first:end]
        if len(issues) < 2:
            continue
        # one issue closed, one issue never noticed before, one with an earlier first detection
        status, times = log.status.copy(), log.times["first_detected_at"].copy()
        status[issues] = IssueStatus.OPEN
        status[issues[0]] = IssueStatus.RESOLVED
        times[issues[-1]] = -1.0
        times[issues[1]] = np.nan
        expected_status, expected_times = status.copy(), times.copy()
        rows = plan.rows_at(hour_index, expected_status)
        np.fmin.at(
            expected_times, plan.planned.detections.issue[rows], plan.planned.noticed_at[rows]
        )
        marked = plan.planned.detections.issue[rows]
        expected_status[marked[expected_status[marked] == IssueStatus.OPEN]] = IssueStatus.DETECTED
        log.status[:], log.times["first_detected_at"][:] = status, times
        taken = plan.take_hour(hour_index, log)
        assert np.array_equal(taken, rows)
        assert first not in taken.tolist()  # the closed issue's rows are dropped
        assert np.array_equal(log.status, expected_status)
        assert np.array_equal(log.times["first_detected_at"], expected_times, equal_nan=True)
        assert (log.status[marked] == IssueStatus.DETECTED).all()
        checked += 1
    assert checked >= 3
    assert t > 0

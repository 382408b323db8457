"""The day's plan: detections drawn for 24 hours at once are those each hour draws alone.

The hot path draws a day's detections, noticing times and decision uniforms at midnight
(:mod:`model.sim.dayplan`) and the decisions they would bring with the state at midnight
(:meth:`Perception.expect`). These tests hold that batch to the hour-by-hour draw, row for
row and bit for bit, and the expected decisions to the decisions taken at the hour.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import every_lever_on, make_config

from model.config.codes import NO_CHANNEL, WORKER_KINDS, IssueStatus
from model.sim.model import StreetModel, run_model
from model.sim.perception import ExpectedDecisions, Perception, office_open_at

K = len(WORKER_KINDS)


@pytest.fixture(scope="module")
def model(small_config) -> StreetModel:
    return StreetModel(small_config, seed=3, days=4)


@pytest.fixture(scope="module")
def shifts(model):
    return model.workforce.draw_shifts(np.random.default_rng(0))


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


class HourByHour(StreetModel):
    """The model, checking each hour's planned detections against a draw of the hour alone."""

    checked_hours = 0
    checked_rows = 0

    def noticed(self, t, hour, office_open, reward):
        log = self.issues
        live = self.live[log.status[self.live] < IssueStatus.RESOLVED]
        counts = self.shifts.counts[hour]
        intensity = self.detector.passes_fast(live, counts, hour, office_open)
        alone = self.detector.detect(
            live, log.cell[live], intensity, counts, self.shifts.online[:, hour], self.draws, t
        )
        lo = np.maximum(log.opened_at[alone.issue], float(t))
        u = self.draws.uniform("notice_time", t, alone.issue, alone.observer)
        when_alone = lo + (t + 1.0 - lo) * u
        events = super().noticed(t, hour, office_open, reward)
        planned = self.day_plan.at_hour(t, log.status)
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
def test_expected_decisions_are_the_decisions_taken_at_the_hour(monkeypatch, overrides) -> None:
    """A run that decides every detection at its hour gives the same output, bit for bit."""
    config = make_config(overrides)
    planned = run_model(config, seed=7, days=40)
    decide = Perception.decide

    def at_the_hour(self, *args, **kwargs):
        kwargs.pop("expected", None)
        return decide(self, *args[:7], **kwargs)

    monkeypatch.setattr(Perception, "decide", at_the_hour)
    outputs_equal(planned, run_model(config, seed=7, days=40))
    if "annual_budget_yuan" in str(overrides):
        assert 0 < planned.outcomes["points_budget_exhausted_share"] < 1


def first_hour_with_workers(model: StreetModel):
    """Step a fresh model to the first hour whose planned detections include workers."""
    while True:
        t = model.hours_elapsed
        model.step()
        if model.day_plan is None:
            continue
        now = model.day_plan.at_hour(t, np.zeros_like(model.issues.status))
        if np.any(now.detections.observer < K):
            return t, now


def test_a_stale_expectation_is_decided_anew_and_a_fresh_one_is_used(small_config) -> None:
    """Rows decided with another trust are decided at the hour; the others are taken as is."""
    model = StreetModel(small_config, seed=11, days=5)
    t, now = first_hour_with_workers(model)
    det, perception = now.detections, model.perception
    workers = np.flatnonzero(det.observer < K)
    reward = np.zeros(len(model.config.issues.types))
    shifts, office = model.shifts, model.office_open(t % 24, t // 24)

    def decide(expected):
        perception.decided.clear()
        perception.planned.clear()
        return perception.decide(
            det, now.noticed_at, t, office, shifts, reward, now.draws, expected
        )

    truth = decide(None)
    # an expectation that says "report now on channel 0" for every worker row, drawn with
    # the workers' trust and belonging as they are: it is used as it is
    trusted = ExpectedDecisions(
        channel=np.where(det.observer < K, 0, NO_CHANNEL),
        later=np.zeros(len(det), bool),
        shift_end=np.zeros(len(det)),
        trust=np.where(det.observer < K, model.workforce.trust[det.slot], np.nan),
        belonging=np.where(det.observer < K, model.workforce.belonging[det.slot], np.nan),
        reward=reward.copy(),
    )
    used = decide(trusted)
    filed_workers = np.isin(used.observer, np.arange(K))
    assert np.all(used.channel[filed_workers] == 0)
    pairs = np.unique(det.slot[workers] * len(model.issues) + det.issue[workers])
    assert filed_workers.sum() == len(pairs)  # each worker's first noticing, on channel 0
    assert not np.array_equal(used.channel, truth.channel)
    # the same expectation drawn with another trust is stale: every worker decides anew
    fields = ("channel", "later", "shift_end", "trust", "belonging", "reward")
    for changed in (
        {"trust": trusted.trust + 0.25},
        {"belonging": trusted.belonging + 0.1},
        {"reward": reward + 1.0},
    ):
        stale = ExpectedDecisions(**{f: changed.get(f, getattr(trusted, f)) for f in fields})
        anew = decide(stale)
        for name in ("issue", "observer", "slot", "channel", "when", "noticed"):
            assert np.array_equal(getattr(anew, name), getattr(truth, name)), (changed, name)

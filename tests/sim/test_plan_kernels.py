"""The compiled bookkeeping of a day's plan equals its plain numpy form, row for row.

:func:`model.sim.plan_kernels.plan_decisions` settles at midnight which of the day's rows
decide and when each resident first noticed her problem, marking the run's tables, as
:func:`model.sim.decision_forms.plan_decisions` does (``np.unique`` of the pairs, then lookups).
:func:`model.sim.plan_kernels.hour_rows` finds an hour's stale planned decisions, the rows
that report at the end of the shift and those that file now, in order of noticing time;
:func:`~model.sim.decision_forms.stale_rows`, ``decides & later`` and
:func:`~model.sim.decision_forms.filed_in_time_order`
are the plain form it must give exactly.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import NO_CHANNEL, WORKER_KINDS, IssueStatus, Observer
from model.sim import dayplan, decision_forms, plan_kernels
from model.sim.decision_tables import PlannedDetections, ReportEvents
from model.sim.key_table import EMPTY, KeyTable
from model.sim.model import StreetModel
from model.sim.perception import Perception

K = len(WORKER_KINDS)


def plain_hour_rows(
    perception: Perception, planned: PlannedDetections, rows: np.ndarray, reward: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numpy form: stale rows; if none, the rows reporting later and filing now."""
    deciding = rows[planned.decides[rows]]
    stale = decision_forms.stale_rows(
        perception, planned.detections, deciding, planned.expected, reward
    )
    if len(stale):
        return stale, rows[:0], rows[:0]
    later = deciding[planned.expected.later[deciding]]
    return stale, later, decision_forms.filed_in_time_order(planned, rows)


def compiled_hour_rows(
    perception: Perception, planned: PlannedDetections, rows: np.ndarray, reward: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    compare = perception.may_be_stale(planned.expected, reward)
    stale, later, reports = perception._hour_rows(planned, rows, compare)
    out = np.full((3, len(rows)), -7, dtype=np.int64)
    _, _, n_filed = plan_kernels.hour_rows(
        rows,
        planned.decides,
        planned.detections.observer,
        planned.detections.slot,
        planned.noticed_at,
        planned.expected.channel,
        planned.expected.later,
        planned.expected.trust,
        planned.expected.belonging,
        planned.expected.agent,
        perception.changed.announced,
        perception.workforce.trust,
        perception.workforce.belonging,
        perception.residents.trust,
        compare,
        out,
    )
    filed = out[2, :n_filed]
    assert np.array_equal(reports.when, planned.noticed_at[filed])
    assert np.array_equal(reports.issue, planned.detections.issue[filed])
    return stale, later, filed


def assert_same(perception, planned, rows, reward) -> tuple[int, int, int]:
    plain = plain_hour_rows(perception, planned, rows, reward)
    compiled = compiled_hour_rows(perception, planned, rows, reward)
    for name, a, b in zip(("stale", "later", "filed"), plain, compiled, strict=True):
        assert np.array_equal(a, b), name
        assert b.dtype == np.int64, name
    return tuple(len(part) for part in plain)


def a_day_with_a_plan(small_config) -> StreetModel:
    model = StreetModel(small_config, seed=11, days=8)
    for _ in range(3 * 24):  # three days in: reporters have trust and belonging to change
        model.advance_hour()
    model.plan_day(model.hours_elapsed // 24, model.reward_while_budget_lasts)
    return model


def test_hour_rows_equal_the_numpy_form_as_agents_change_within_the_day(small_config) -> None:
    """Stale rows (trust, belonging, reward), later and filed rows, hour by hour."""
    model = a_day_with_a_plan(small_config)
    perception, plan = model.perception, model.day_plan
    planned, reward = plan.planned, plan.planned.expected.reward
    det = planned.detections
    rng = np.random.default_rng(3)
    seen = np.zeros(6, dtype=int)  # stale (announced), stale (reward), later, filed, ...
    for hour in range(24):
        rows = np.arange(plan.bounds[hour], plan.bounds[hour + 1])
        if len(rows) == 0:
            continue
        # nobody announced: nothing is stale, whatever the state
        perception.changed.clear()
        _, later, filed = assert_same(perception, planned, rows, reward)
        seen[2] += later
        seen[3] += filed
        # some deciding agents announced; of those, some with another trust, some (workers)
        # with another belonging only, some unchanged
        deciding = rows[planned.decides[rows]]
        for row in deciding[rng.random(len(deciding)) < 0.6].tolist():
            observer, slot = int(det.observer[row]), int(det.slot[row])
            perception.changed.announce(observer, slot)
            change = rng.integers(3)
            if observer < K and change == 1:
                model.workforce.belonging[slot] += 0.01
            elif change == 2:
                table = model.workforce if observer < K else model.residents
                table.trust[slot] += 0.01
        stale, _, _ = assert_same(perception, planned, rows, reward)
        seen[0] += stale
        seen[4] += 0 < stale < len(deciding)
        # another reward: every deciding row
        stale, _, _ = assert_same(perception, planned, rows, reward + 1.0)
        assert stale == len(deciding)
        seen[1] += stale
    perception.changed.clear()
    assert seen[:4].min() > 0 and seen[4] > 0, seen
    residents = det.observer == Observer.RESIDENT
    assert residents.any() and (det.observer < K).any()


def test_hour_rows_file_in_order_of_noticing_time_ties_in_order_of_rows(small_config) -> None:
    """The filed rows are sorted by noticing time, stably (as joining the hour's parts does)."""
    model = a_day_with_a_plan(small_config)
    perception, plan = model.perception, model.day_plan
    planned = plan.planned
    reward = planned.expected.reward
    perception.changed.clear()
    unsorted = ties = 0
    for hour in range(24):
        rows = np.arange(plan.bounds[hour], plan.bounds[hour + 1])
        filed = rows[planned.expected.channel[rows] != -1]
        unsorted += np.any(np.diff(planned.noticed_at[filed]) < 0)
        assert_same(perception, planned, rows, reward)
        _, _, got = compiled_hour_rows(perception, planned, rows, reward)
        assert np.all(np.diff(planned.noticed_at[got]) >= 0)
        # the same rows noticed on the quarter hour: many ties, kept in the order of rows
        coarse = PlannedDetections(
            planned.detections,
            np.floor(planned.noticed_at * 4.0) / 4.0,
            planned.first_noticed,
            planned.decides,
            planned.expected,
        )
        _, _, got = compiled_hour_rows(perception, coarse, rows, reward)
        assert np.array_equal(got, decision_forms.filed_in_time_order(coarse, rows))
        ties += len(np.unique(coarse.noticed_at[got])) < len(got)
    assert unsorted > 0 and ties > 0
    # the whole day's rows at once, noticed on the hour: long runs of ties
    rows = np.arange(len(planned))
    coarse = PlannedDetections(
        planned.detections,
        np.floor(planned.noticed_at[::-1]),
        planned.first_noticed,
        planned.decides,
        planned.expected,
    )
    _, _, got = compiled_hour_rows(perception, coarse, rows, reward)
    assert len(got) > 30
    assert np.array_equal(got, decision_forms.filed_in_time_order(coarse, rows))


def table_contents(table: KeyTable) -> dict[int, float]:
    used = table.keys != EMPTY
    return dict(zip(table.keys[used].tolist(), table.values[used].tolist(), strict=True))


def test_plan_decisions_equal_the_numpy_form_day_after_day(small_config, monkeypatch) -> None:
    """Which rows decide, each first noticing, and both tables as marked, every day of a run."""
    compiled = Perception._plan_decisions
    seen = np.zeros(4, dtype=int)  # repeated pair in a day, pair decided on an earlier day,
    # resident noticing again, resident rows

    def both_ways(self, det, when):
        before = (self.decided.copy(), self.resident_first_notice.copy())
        decides, first_noticed = compiled(self, det, when)
        after = (self.decided, self.resident_first_notice)
        self.decided, self.resident_first_notice = before
        plain = decision_forms.plan_decisions(self, det, when)
        assert np.array_equal(decides, plain[0])
        assert np.array_equal(first_noticed, plain[1])
        assert table_contents(after[0]) == table_contents(self.decided)
        assert table_contents(after[1]) == table_contents(self.resident_first_notice)
        assert len(after[0]) == len(self.decided)
        assert len(after[1]) == len(self.resident_first_notice)
        workers = det.observer < K
        keys = self.decision_keys(det.slot[workers], det.issue[workers])
        seen[0] += len(np.unique(keys)) < len(keys)
        seen[1] += any(int(k) in before[0] for k in keys)
        residents = det.observer == Observer.RESIDENT
        seen[2] += np.any(first_noticed[residents] < when[residents])
        seen[3] += residents.sum()
        self.decided, self.resident_first_notice = after
        return decides, first_noticed

    monkeypatch.setattr(Perception, "_plan_decisions", both_ways)
    model = StreetModel(small_config, seed=11, days=12)
    model.run()
    assert seen.min() > 0, seen


def test_expected_before_choosing_equals_the_numpy_form(small_config) -> None:
    """Channel (staff on patrol), trust and belonging of deciding rows, places, NaN elsewhere."""
    model = StreetModel(small_config, seed=11, days=8)
    perception, checked = model.perception, 0
    observers = set()
    rng = np.random.default_rng(5)
    while model.running:
        model.advance_hour()
        if model.hours_elapsed % 24 != 1:
            continue
        planned = model.day_plan.planned
        det, reward = planned.detections, planned.expected.reward
        # the plan's deciding rows, and any rows (a resident row that does not decide)
        some = rng.random(len(det)) < 0.5
        for decides in (planned.decides, some):
            plain = decision_forms.expected_before_choosing(perception, det, decides, reward)
            compiled = plan_kernels.expected_before_choosing(
                det.observer,
                det.slot,
                decides,
                perception.changed.n_worker_slots,
                model.workforce.trust,
                model.workforce.belonging,
                model.residents.trust,
            )
            names = ("channel", "later", "shift_end", "trust", "belonging", "agent")
            for name, got in zip(names, compiled, strict=True):
                want = getattr(plain, name)
                assert got.dtype == want.dtype, name
                assert np.array_equal(got, want, equal_nan=True), name
            assert not np.isnan(plain.trust[decides]).all()
        observers |= set(det.observer.tolist())
        checked += 1
    assert checked >= 6 and observers == set(range(len(Observer)))


def test_noticing_times_equal_the_numpy_form(small_config, monkeypatch) -> None:
    """Rows of issues not yet there dropped, the rest noticed within their hour, bit for bit."""
    compiled = plan_kernels.noticing_times
    seen = np.zeros(3, dtype=int)  # rows dropped, rows of an issue arriving in its hour, rows

    def both_ways(issue, observer, hour, opened_at, state):
        kept, noticed_at = compiled(issue, observer, hour, opened_at, state)
        det = dayplan.Detections(issue, observer, np.zeros_like(issue), hour)
        plain_kept, plain_noticed = dayplan.plain_noticing_times(det, opened_at, model.draws)
        assert kept.dtype == plain_kept.dtype and noticed_at.dtype == plain_noticed.dtype
        assert np.array_equal(kept, plain_kept)
        assert np.array_equal(noticed_at, plain_noticed)
        assert np.all((noticed_at >= hour[kept]) & (noticed_at < hour[kept] + 1.0))
        seen[0] += len(issue) - len(kept)
        seen[1] += np.sum(opened_at[issue[kept]] > hour[kept])
        seen[2] += len(kept)
        return kept, noticed_at

    monkeypatch.setattr(plan_kernels, "noticing_times", both_ways)
    model = StreetModel(small_config, seed=11, days=10)
    model.run()
    assert seen.min() > 0, seen


def test_take_hour_equals_taking_the_rows_then_deciding_them(small_config) -> None:
    """:meth:`DayPlan.take_hour_decided` (one compiled call) gives what ``DayPlan.take_hour``
    then ``decide_planned`` give: the rows kept, the issue log marked, the reports, the
    reports kept for the end of the shift; with issues closed and agents changed meanwhile
    (stale rows decided anew)."""
    one, two = a_day_with_a_plan(small_config), a_day_with_a_plan(small_config)
    rng_one, rng_two = np.random.default_rng(5), np.random.default_rng(5)
    seen = np.zeros(5, dtype=int)  # hours with rows, rows dropped, reports, stale hours, not

    def meddle(model, rng, hour) -> None:
        """Close some issues and change some agents, alike in both models."""
        plan, log = model.day_plan, model.issues
        issues = plan.planned.detections.issue[plan.bounds[hour] : plan.bounds[hour + 1]]
        for issue in issues[rng.random(len(issues)) < 0.15].tolist():
            log.status[issue] = IssueStatus.RESOLVED
        if hour % 3:  # two hours in three nobody has changed since (nothing stale)
            model.perception.changed.clear()
            return
        det = plan.planned.detections
        for row in np.flatnonzero(plan.planned.decides & (rng.random(len(det)) < 0.05)):
            observer, slot = int(det.observer[row]), int(det.slot[row])
            model.perception.changed.announce(observer, slot)
            table = model.workforce if observer < K else model.residents
            table.trust[slot] += 0.01

    day = one.day_plan.day
    for hour in range(24):
        t = day * 24 + hour
        office = one.office_open(hour, day)
        meddle(one, rng_one, hour)
        meddle(two, rng_two, hour)
        stale = one.perception.may_be_stale(
            one.day_plan.planned.expected, one.reward_while_budget_lasts
        )
        rows = one.day_plan.take_hour(t, one.issues)
        expected = ReportEvents.empty()
        if len(rows):
            expected = one.perception.decide_planned(
                one.day_plan.planned, rows, office, one.shifts, one.reward_while_budget_lasts
            )
        kept, got = two.day_plan.take_hour_decided(
            t, two.issues, two.perception, office, two.shifts, two.reward_while_budget_lasts
        )
        assert kept == len(rows)
        for name in ("issue", "observer", "slot", "channel", "when", "noticed"):
            assert np.array_equal(getattr(got, name), getattr(expected, name)), name
        assert np.array_equal(one.issues.status, two.issues.status)
        times = "first_detected_at"
        assert np.array_equal(one.issues.times[times], two.issues.times[times], equal_nan=True)
        assert one.perception.shift_end.pending == two.perception.shift_end.pending
        assert np.array_equal(
            one.day_plan.planned.expected.channel, two.day_plan.planned.expected.channel
        )
        bounds = one.day_plan.bounds
        seen[:3] += (len(rows) > 0, bounds[hour + 1] - bounds[hour] - len(rows), len(got))
        seen[3 if stale != plan_kernels.NOBODY_CHANGED else 4] += len(rows) > 0
    assert seen.min() > 0, seen


def test_day_columns_equal_searchsorted_and_stacked_columns(small_config) -> None:
    """The day's hour bounds are numpy's searchsorted of the hours; the columns are stacked."""
    model = a_day_with_a_plan(small_config)
    plan = model.day_plan
    planned = plan.planned
    det, expected = planned.detections, planned.expected
    hours = plan.day * 24 + np.arange(25)
    assert plan.bounds == np.searchsorted(det.hour, hours, side="left").tolist()
    assert len(set(plan.bounds)) > 5  # rows in several hours
    fixed = np.stack((det.issue, det.observer, det.slot, expected.agent))
    times = np.stack(
        (planned.noticed_at, planned.first_noticed, expected.trust, expected.belonging)
    )
    assert plan.fixed.dtype == np.int64 and np.array_equal(plan.fixed, fixed)
    assert np.array_equal(plan.times, times, equal_nan=True)
    # a day with no rows, and hours before and after all of them
    bounds, fixed, times = plan_kernels.day_columns(
        48,
        24,
        np.array([], dtype=np.int64),
        *([np.array([], dtype=np.int64)] * 4),
        *([np.array([])] * 4),
    )
    assert bounds.tolist() == [0] * 25 and fixed.shape == (4, 0) and times.shape == (4, 0)
    hour = np.array([40, 50, 50, 71, 80])
    bounds, _, _ = plan_kernels.day_columns(48, 24, hour, *([hour] * 4), *([hour * 1.0] * 4))
    assert bounds.tolist() == np.searchsorted(hour, 48 + np.arange(25), side="left").tolist()


def test_choices_read_the_week_office_hours_as_offices_open_by_row(small_config) -> None:
    """Perception._choose with the week's office hours decides as with offices_open by row."""
    from model.sim import perception as perception_module
    from model.sim.decision_tables import ExpectedDecisions

    model = a_day_with_a_plan(small_config)
    perception, planned = model.perception, model.day_plan.planned
    det, when, n = planned.detections, planned.noticed_at, len(model.day_plan.planned)
    # the day's rows, and the same rows moved to the hours of other days of the week
    reward = np.full(len(model.config.issues.types), 3.0)
    rows = np.flatnonzero(det.observer != Observer.STAFF)
    for shift in (0, 24, 5 * 24 + 7, 6 * 24 + 13):
        moved = det.take(slice(None))
        moved.hour = det.hour + shift
        both = []
        for office in (perception.offices_open(moved.hour), perception_module._BY_HOUR_OF_WEEK):
            got = ExpectedDecisions(
                np.full(n, NO_CHANNEL),
                np.zeros(n, bool),
                np.full(n, np.nan),
                None,
                None,
                None,
                None,
            )
            perception._choose(moved, when + shift, rows, office, model.shifts, reward, got)
            both.append(got)
        by_row, by_week = both
        assert np.array_equal(by_row.channel, by_week.channel)
        assert np.array_equal(by_row.later, by_week.later)
        assert np.array_equal(by_row.shift_end, by_week.shift_end, equal_nan=True)
    offices = perception.offices_open(det.hour + np.arange(n) % 168)
    assert offices.any() and not offices.all()

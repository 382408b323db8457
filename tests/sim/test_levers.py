"""The levers (model/sim/levers.py, stations.py, deliberation.py): the terms they set, and
what each daily and monthly lever does."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from conftest import layout_of, make_config

from model.config.codes import ISSUE_TYPES, IssueStatus, IssueType, Role, WorkerKind
from model.sim import levers
from model.sim.costs import Ledger
from model.sim.deliberation import council_meetings, council_session_hour, relay_opinions
from model.sim.model import StreetModel, build_workforce
from model.sim.reference import stations as reference_stations
from model.sim.space import exposure_matrices
from model.sim.stations import station_reach, station_registration, station_visits
from model.sim.workforce import MATCHED_POST, NEWCOMER_DRAWS

RNG = np.random.default_rng
POSTS_ON = {"policies": {"posts": {"enabled": True}}}


def reward_yuan(config):
    return levers.points_scheme(config.policies.points).reward_yuan


def table_for(*overrides, seed: int = 0):
    config = make_config(*overrides)
    layout = layout_of(config, np.random.default_rng(seed))
    return config, build_workforce(config, layout, np.random.default_rng(seed + 1))


# --------------------------------------------------------------------------- terms


def test_role_match_table() -> None:
    table = levers.role_match_table()
    assert table.shape == (4, len(ISSUE_TYPES))
    assert not table[0].any() and not table[3].any()
    assert table[1, ISSUE_TYPES.index("opinion")] and table[1, ISSUE_TYPES.index("food_safety")]
    assert table[2, ISSUE_TYPES.index("safety_hazard")]
    assert not table[2, ISSUE_TYPES.index("opinion")]


def test_reward_yuan(small_config) -> None:
    assert np.all(reward_yuan(small_config) == 0)
    config = make_config({"policies": {"points": {"enabled": True, "yuan_per_point": 0.5}}})
    pts = config.policies.points.points_per_report
    expected = [pts[t] * 0.5 for t in ISSUE_TYPES]
    assert np.allclose(reward_yuan(config), expected)


def test_points_scheme_is_neutral_when_off(small_config) -> None:
    scheme = levers.points_scheme(small_config.policies.points)
    assert scheme.motivation_kept == 1.0 and scheme.false_report_factor == 1.0
    on = make_config({"policies": {"points": {"enabled": True, "crowding_out": True}}})
    pts = on.policies.points
    scheme = levers.points_scheme(pts)
    assert scheme.motivation_kept == pytest.approx(1.0 - pts.crowding_out_strength)
    assert scheme.false_report_factor == pts.false_report_multiplier
    no_crowding = make_config({"policies": {"points": {"enabled": True}}}).policies.points
    assert levers.points_scheme(no_crowding).motivation_kept == 1.0


def test_waiver_cuts_the_time_pressure(small_config) -> None:
    base = levers.report_time_pressure(small_config.workers, small_config.policies.waiver)
    assert list(base) == [getattr(small_config.workers, k.name.lower()).time_pressure
                          for k in WorkerKind]  # fmt: skip
    config = make_config({"policies": {"waiver": {"enabled": True, "cost_reduction": 0.8}}})
    waived = levers.report_time_pressure(config.workers, config.policies.waiver)
    assert np.allclose(waived, 0.2 * base)


def test_mini_program_adoption_adds_the_promotion_and_caps_at_one() -> None:
    config = make_config({"policies": {"mini_program": {"promotion_adoption_gain": 0.2}}})
    adoption = config.channels.worker_mini_program_adoption
    assert levers.mini_program_adoption(config.channels, config.policies.mini_program) == (
        pytest.approx(adoption + 0.2)
    )
    full = make_config({"policies": {"mini_program": {"promotion_adoption_gain": 1.0}}})
    assert levers.mini_program_adoption(full.channels, full.policies.mini_program) == 1.0


def test_matched_posts_follow_the_kind_order() -> None:
    assert len(MATCHED_POST) == len(WorkerKind)
    assert MATCHED_POST[WorkerKind.RIDER] == Role.INFORMANT
    assert MATCHED_POST[WorkerKind.COURIER] == Role.SAFETY_PATROL
    assert MATCHED_POST[WorkerKind.DRIVER] == Role.PUBLICIST


# --------------------------------------------------------------------------- the day


def reach_of(config, layout, station_cells=None):
    if station_cells is not None:
        layout = dataclasses.replace(layout, station_cells=np.asarray(station_cells, np.int64))
    passes = exposure_matrices(config.workers, layout)
    return station_reach(passes, layout, config.workers, config.policies.stations)


def test_no_station_visit_without_a_station_in_reach_or_work() -> None:
    config, wf = table_for({"policies": {"stations": {"visit_daily_probability": 1.0}}})
    reach = reach_of(config, layout_of(config, np.random.default_rng(0)))
    works = np.ones(len(wf), bool)
    works[::2] = False
    visits = station_visits(wf, works, reach, config.policies.stations, RNG(1))
    assert len(visits) > 0
    in_reach = reach.reach[wf.kind, wf.base] > 0
    assert set(visits) <= set(np.flatnonzero(works & in_reach))
    nowhere = dataclasses.replace(reach, reach=np.zeros_like(reach.reach))
    assert len(station_visits(wf, works, nowhere, config.policies.stations, RNG(1))) == 0


def test_station_tables_by_group_are_each_workers_own_shares() -> None:
    config, wf = table_for()
    reach = reach_of(config, layout_of(config, np.random.default_rng(0)))
    pull = reach.pull[wf.kind, wf.base]  # each worker's own row, as the visits once did
    total = pull.sum(axis=1)
    share = np.divide(pull, total[:, None], out=np.zeros_like(pull), where=total[:, None] > 0)
    assert (total > 0).any()
    assert np.array_equal(reach.share_by_group[wf.group], share)
    running = np.cumsum(share, axis=1)
    assert np.array_equal(reach.cumulative_share_by_station[:, wf.group], running.T)
    # never decreasing: the visits count only the first S - 1 running shares
    assert np.all(np.diff(reach.cumulative_share_by_station, axis=0) >= 0)
    assert np.array_equal(reach.pulled_by_group[wf.group], total > 0)
    assert np.array_equal(reach.reach_by_group[wf.group], reach.reach[wf.kind, wf.base])
    nowhere = dataclasses.replace(reach, reach=np.zeros_like(reach.reach))
    assert not nowhere.reach_by_group.any()  # derived again from the replaced reach


def test_station_visits_follow_the_bases_of_renewed_slots() -> None:
    # a worker's station tables are his group's (kind x base), which renew keeps in step:
    # after turnover moves workers to other communities, the visits still match the
    # worker-by-worker reference on the current bases, bit for bit
    config, wf = table_for({"policies": {"stations": {"visit_daily_probability": 0.8}}})
    reach = reach_of(config, layout_of(config, np.random.default_rng(0)))
    stations = config.policies.stations
    for day in range(3):
        slots = np.arange(day, len(wf), 2)
        draws = RNG(40 + day).random((len(slots), NEWCOMER_DRAWS))
        draws[:, 0] = np.where(wf.base[slots] == 0, 0.999999, 0.0)  # to the other end
        before = wf.base[slots].copy()
        wf.renew(slots, draws, now=24.0 * day)
        assert np.all(wf.base[slots] != before)
        slow = copy.deepcopy(wf)
        works = RNG(50 + day).random(len(wf)) < 0.8
        got = station_visits(wf, works, reach, stations, RNG(60 + day))
        want = reference_stations.station_visits(
            slow, works, reach.pull, reach.reach, stations, RNG(60 + day)
        )
        assert list(got) == want and len(want) > 0
        assert np.array_equal(wf.belonging, slow.belonging)


def test_station_reach_is_the_share_of_passes_within_the_detour() -> None:
    config = make_config()
    layout = layout_of(config, np.random.default_rng(0))
    reach = reach_of(config, layout)
    assert ((reach.reach >= 0) & (reach.reach <= 1)).all()
    assert ((reach.pull >= 0) & (reach.pull <= 1 + 1e-12)).all()
    # each station's pull is at most the reach of all, the reach at most the sum of pulls
    assert (reach.pull.max(axis=2) <= reach.reach + 1e-12).all()
    assert (reach.reach <= reach.pull.sum(axis=2) + 1e-12).all()
    far = make_config({"policies": {"stations": {"reach_minutes": 60.0}}})
    assert (reach_of(far, layout).reach >= reach.reach - 1e-12).all()
    assert reach_of(far, layout).reach.sum() > reach.reach.sum()


def test_a_second_station_near_the_first_adds_less_reach_than_the_first() -> None:
    config = make_config()
    layout = layout_of(config, np.random.default_rng(0))
    first = int(layout.station_cells[0])
    x, y = layout.xy(np.arange(layout.n_cells))
    fx, fy = layout.xy(first)
    neighbour = int(np.flatnonzero((np.abs(x - fx) + np.abs(y - fy)) == 1)[0])
    alone = reach_of(config, layout, [first]).reach
    twin = reach_of(config, layout, [first, first]).reach
    pair = reach_of(config, layout, [first, neighbour]).reach
    second_alone = reach_of(config, layout, [neighbour]).reach
    assert alone.sum() > 0
    assert np.allclose(twin, alone)  # a second station on the same spot adds no reach
    gain = pair - alone
    assert (gain >= -1e-12).all()
    assert gain.sum() < alone.sum() and gain.sum() < second_alone.sum()


def test_a_full_station_turns_visitors_away() -> None:
    over = {"visit_daily_probability": 1.0, "capacity_visits_per_day": 2.0}
    config, wf = table_for({"policies": {"stations": over}})
    layout = layout_of(config, np.random.default_rng(0))
    layout = dataclasses.replace(layout, station_cells=layout.station_cells[:1])
    reach = station_reach(
        exposure_matrices(config.workers, layout), layout, config.workers, config.policies.stations
    )
    works = np.ones(len(wf), bool)
    demand = (reach.reach[wf.kind, wf.base]).sum()
    assert demand > 10  # far more would stop than the station can host
    rng = RNG(3)
    days = [len(station_visits(wf, works, reach, config.policies.stations, rng))
            for _ in range(400)]  # fmt: skip
    assert np.mean(days) == pytest.approx(2.0, abs=0.3)
    roomy = make_config({"policies": {"stations": {**over, "capacity_visits_per_day": 1e6}}})
    rng = RNG(3)
    free = [len(station_visits(wf, works, reach, roomy.policies.stations, rng))
            for _ in range(100)]  # fmt: skip
    assert np.mean(free) == pytest.approx(demand, rel=0.15)


def test_posts_drive_is_zero_when_off_and_saturates_at_five_publicists() -> None:
    config, wf = table_for()
    base = config.workers.registration_daily_hazard
    assert not levers.posts_registration_drive(wf, config.policies.posts, base, 4).any()
    config, wf = table_for(POSTS_ON)
    posts = config.policies.posts
    wf.role[:] = Role.NONE
    alone = levers.posts_registration_drive(wf, posts, base, 4)
    assert np.allclose(alone, posts.registration_drive_hazard)
    community = wf.base[0]
    mine = np.flatnonzero(wf.base == community)
    boost = base * posts.publicist_registration_boost
    assert posts.publicists_for_full_boost == 5.0 and len(mine) > 5
    for count, share in ((1, 0.2), (5, 1.0), (len(mine), 1.0)):
        wf.role[:] = Role.NONE
        wf.role[mine[:count]] = Role.PUBLICIST
        extra = levers.posts_registration_drive(wf, posts, base, 4)
        assert extra[mine] == pytest.approx(posts.registration_drive_hazard + boost * share)


def test_station_registration_only_at_upgraded_stations() -> None:
    config, _ = table_for()
    extra = np.zeros(5)
    station_registration(extra, np.array([1, 3]), config.policies.stations)
    assert not extra.any()
    upgraded = make_config({"policies": {"stations": {"upgraded": True}}}).policies.stations
    station_registration(extra, np.array([1, 3]), upgraded)
    assert list(extra) == [0.0, upgraded.registration_per_visit, 0.0,
                           upgraded.registration_per_visit, 0.0]  # fmt: skip


def test_designated_posts_book_training_per_post() -> None:
    config, wf = table_for(POSTS_ON, {"policies": {"posts": {"share_of_registered": 1.0}}})
    ledger = Ledger(config.policies)
    slots = np.arange(10)
    levers.designated_posts(wf, slots, config.policies.posts, ledger, np.random.default_rng(2))
    assert np.array_equal(wf.role[slots], MATCHED_POST[wf.kind[slots]])
    assert ledger.spent["posts"] == pytest.approx(10 * config.policies.posts.training_yuan_per_post)
    off, wf_off = table_for()
    levers.designated_posts(wf_off, slots, off.policies.posts, Ledger(off.policies),
                            np.random.default_rng(2))  # fmt: skip
    assert not wf_off.role.any()


def test_insurance_enrolment_only_under_the_policy_and_below_target() -> None:
    config, wf = table_for()
    before = wf.insured.copy()
    levers.insurance_enrolment(wf, config.policies.insurance, np.random.default_rng(3))
    assert np.array_equal(wf.insured, before)
    config, wf = table_for({"policies": {"insurance": {"enabled": True, "coverage_target": 1.0}}})
    for day in range(30):
        levers.insurance_enrolment(wf, config.policies.insurance, np.random.default_rng(day))
    assert wf.insured.mean() > before.mean()
    assert np.array_equal(wf.subsidized, wf.insured & ~before)
    config, wf = table_for({"policies": {"insurance": {"enabled": True, "coverage_target": 0.0}}})
    levers.insurance_enrolment(wf, config.policies.insurance, np.random.default_rng(4))
    assert not wf.subsidized.any()


@pytest.mark.parametrize(("solve", "loss", "change"), [(1.0, 0.5, 0.06), (0.0, 0.5, -0.03),
                                                      (0.0, 0.25, -0.015)])  # fmt: skip
def test_own_problems_move_belonging_by_the_platforms_success(solve, loss, change) -> None:
    config, wf = table_for(
        {"policies": {"one_stop": {"enabled": True, "solve_probability": solve}}},
        {"workers": {"own_problem_monthly": 1.0}},
        {"behaviour": {"belonging_own_problem_bump": 0.06,
                       "belonging_own_problem_loss_share": loss}},
    )  # fmt: skip
    wf.belonging[:] = 0.5
    levers.own_problems(
        wf, config.workers, config.policies.one_stop, config.behaviour, np.random.default_rng(5)
    )
    moved = wf.belonging != 0.5
    assert 0 < moved.sum() < len(wf)  # about 1/30 have a problem today
    assert np.allclose(wf.belonging[moved], 0.5 + change)


def test_honours_spillover_only_with_the_lever(small_config) -> None:
    assert levers.honours_spillover(small_config.policies.honours) == 0.0
    on = make_config({"policies": {"honours": {"enabled": True}}}).policies.honours
    assert levers.honours_spillover(on) == on.publicity_spillover


# --------------------------------------------------------------------------- the month


def test_council_meetings_relay_only_detected_opinions_of_the_community() -> None:
    config = make_config({"policies": {"deliberation": {"enabled": True, "meetings_per_month": 5}}})
    street = StreetModel(config, seed=4, days=40)
    wf, log = street.workforce, street.issues
    wf.registered[:] = True
    live = np.arange(len(log))
    log.status[:] = IssueStatus.DETECTED
    log.status[::3] = IssueStatus.REPORTED
    deliberation = config.policies.deliberation
    meetings = council_meetings(wf, deliberation, street.ledger, RNG(6))
    assert meetings > 0 and street.ledger.spent["deliberation"] > 0
    seats = np.bincount(wf.base[wf.seat], minlength=wf.n_communities)
    assert (seats <= deliberation.seats_per_community).all() and seats.sum() > 0
    heard = relay_opinions(wf, log, live, deliberation, meetings)
    assert heard
    for issue, slot in heard:
        assert log.type[issue] == IssueType.OPINION
        assert log.status[issue] == IssueStatus.DETECTED
        assert wf.seat[slot] and wf.base[slot] == log.community[issue]
    per_community = np.bincount(log.community[[i for i, _ in heard]], minlength=wf.n_communities)
    limit = np.round(deliberation.opinions_relayed_per_meeting * meetings * seats)
    assert (per_community <= limit).all()
    assert relay_opinions(wf, log, live, deliberation, 0) == []


@pytest.mark.parametrize("day", range(0, 60, 3))
def test_the_council_session_is_held_in_office_hours(day) -> None:
    staff = make_config().staff
    hour = council_session_hour(staff, day)
    assert hour >= day * 24
    assert (hour // 24) % 7 < staff.workdays_per_week
    assert staff.workday_start_hour <= hour % 24 < staff.workday_end_hour


def test_relayed_opinions_are_weighed_by_the_report_decision_over_open_channels() -> None:
    """Nobody files a relayed opinion without a decision: an impossible report stays unfiled."""
    on = {"policies": {"deliberation": {"enabled": True, "meetings_per_month": 5}}}
    never = {"behaviour": {"worker_intercept": -50.0}}
    for overrides, expect_any in (((on,), True), ((on, never), False)):
        street = StreetModel(make_config(*overrides), seed=4, days=40)
        wf, log = street.workforce, street.issues
        wf.registered[:] = True
        wf.seat[:] = False
        meetings = council_meetings(wf, street.config.policies.deliberation,
                                    street.ledger, RNG(6))  # fmt: skip
        log.status[:] = IssueStatus.DETECTED
        heard = relay_opinions(wf, log, np.arange(len(log)),
                               street.config.policies.deliberation, meetings)  # fmt: skip
        assert heard
        reward = np.zeros(len(ISSUE_TYPES))
        hour = council_session_hour(street.config.staff, 0)
        events = street.perception.council_session(heard, hour, True, reward)
        assert (len(events.issue) > 0) is expect_any
        assert len(events.issue) <= len(heard)
        assert ((events.when >= hour) & (events.when < hour + 1)).all()
        closed = street.perception.council_session(heard, hour, False, reward)
        assert not np.isin(closed.channel, np.flatnonzero(street.rules.office_hours_only)).any()


def test_the_publicist_saturation_is_a_parameter() -> None:
    config, wf = table_for(POSTS_ON, {"policies": {"posts": {"publicists_for_full_boost": 2.0}}})
    posts, base = config.policies.posts, config.workers.registration_daily_hazard
    mine = np.flatnonzero(wf.base == wf.base[0])
    wf.role[:] = Role.NONE
    wf.role[mine[:1]] = Role.PUBLICIST
    extra = levers.posts_registration_drive(wf, posts, base, 4)
    half = posts.registration_drive_hazard + base * posts.publicist_registration_boost * 0.5
    assert extra[mine] == pytest.approx(half)


def test_the_enrolment_speed_is_a_parameter() -> None:
    insured = {"enabled": True, "coverage_target": 1.0}
    fast, wf_fast = table_for({"policies": {"insurance": {**insured, "enrolment_per_day": 1.0}}})
    none, wf_none = table_for({"policies": {"insurance": {**insured, "enrolment_per_day": 0.0}}})
    levers.insurance_enrolment(wf_fast, fast.policies.insurance, np.random.default_rng(7))
    levers.insurance_enrolment(wf_none, none.policies.insurance, np.random.default_rng(7))
    assert wf_fast.insured.all()  # a full gap and speed 1: everybody enrols today
    assert not wf_none.subsidized.any()

"""The compiled daily submodels (model/sim/daily_kernels.py) equal their vectorised forms bit
for bit: shifts, turnover, registration, belonging, the newcomers' draws, station visits, the
counts of the issues' statuses."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config
from hypothesis import given, settings
from hypothesis import strategies as st

from model.sim import levers
from model.sim.daily_kernels import move_belonging
from model.sim.model import build_workforce, newcomer_draws
from model.sim.space import generate_layout
from model.sim.stations import StationReach, station_demand, visitors
from model.sim.streams import KeyedDraws
from model.sim.workforce import NEWCOMER_DRAWS, Shifts, WorkerTable
from model.sim.workforce_forms import (
    belonging_target,
    leaving_hazard,
    newcomer_traits_of,
    newly_registered,
    shifts_of,
)

ODD_SHIFTS = {"workers": {"driver": {"shift_start_hours": [0, 13, 20, 23], "online_hours_sd": 4.0}}}


def table_for(seed: int) -> WorkerTable:
    config = make_config(ODD_SHIFTS)
    layout = generate_layout(
        config.street, config.policies.stations.count, np.random.default_rng(seed)
    )
    return build_workforce(config, layout, np.random.default_rng(seed + 10))


@pytest.fixture(scope="module")
def table() -> WorkerTable:
    return table_for(3)


def assert_same_bits(got: Shifts, want: Shifts) -> None:
    for name in ("online", "counts", "hours", "end"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        # bit for bit: NaN where NaN, and the same sign of zero
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), name


def edge_draws(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draws with the edges mixed in: uniforms at 0 and next to 1, long and short shifts."""
    rng = np.random.default_rng(seed)
    u_work, u_start, z = rng.random(n), rng.random(n), rng.standard_normal(n) * 3.0
    u_work[::7] = 0.0
    u_start[::5] = np.nextafter(1.0, 0.0)
    u_start[1::5] = 0.0
    z[::11] = 40.0  # clipped to 16 hours, then to midnight
    z[1::11] = -40.0  # clipped to 1 hour
    return u_work, u_start, z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_draw_shifts_equals_the_vectorised_form(table: WorkerTable, seed: int) -> None:
    rng = np.random.default_rng(seed)
    got = table.draw_shifts(rng)
    rng = np.random.default_rng(seed)
    n = len(table)
    want = shifts_of(table, rng.random(n), rng.random(n), rng.standard_normal(n))
    assert_same_bits(got, want)
    assert got.counts.sum() > 0 and np.isnan(got.end).any()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_shift_table_equals_the_vectorised_form_at_the_edges(table: WorkerTable, seed) -> None:
    draws = edge_draws(len(table), seed)
    want = shifts_of(table, *draws)
    # draw_shifts with a stream that yields exactly these draws
    got = table.draw_shifts(ReplayStream(*draws))
    assert_same_bits(got, want)


class ReplayStream:
    """Stands in for the ``movement`` stream: yields the given draws in draw_shifts' order."""

    def __init__(self, u_work: np.ndarray, u_start: np.ndarray, z: np.ndarray) -> None:
        self.uniforms = [u_work, u_start]
        self.normals = [z]

    def random(self, shape: int | tuple[int, int]) -> np.ndarray:
        if isinstance(shape, tuple):  # a block of rows
            return np.stack([self.random(shape[1]) for _ in range(shape[0])])
        out = self.uniforms.pop(0)
        assert len(out) == shape
        return out

    def standard_normal(self, n: int) -> np.ndarray:
        out = self.normals.pop(0)
        assert len(out) == n
        return out


def test_draw_shifts_after_turnover_equals_the_vectorised_form() -> None:
    # the hour bins are kept by renew: the kernel reads them as the vectorised form does
    table = table_for(5)
    for day in range(3):
        slots = np.arange(day, len(table), 4)
        draws = np.random.default_rng(day).random((len(slots), NEWCOMER_DRAWS))
        table.renew(slots, draws, now=24.0 * day)
        got = table.draw_shifts(np.random.default_rng(30 + day))
        rng = np.random.default_rng(30 + day)
        n = len(table)
        assert_same_bits(
            got, shifts_of(table, rng.random(n), rng.random(n), rng.standard_normal(n))
        )


def scramble(table: WorkerTable, seed: int) -> None:
    """Random states of the traits turnover and belonging read."""
    rng = np.random.default_rng(seed)
    n = len(table)
    table.belonging[:] = rng.random(n)
    table.belonging[::13] = 0.0
    table.belonging[1::13] = 1.0
    table.belonging_base[:] = rng.random(n) * 0.7  # most targets below 1: not clipped
    table.registered[:] = rng.random(n) < 0.5
    table.insured[:] = rng.random(n) < 0.5
    table.role[:] = np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_leaving_equals_the_vectorised_hazard(table: WorkerTable, seed: int) -> None:
    scramble(table, seed)
    u = np.random.default_rng(seed).random(len(table))
    u[::3] *= 0.02  # many leave: the comparison is tested on both sides
    want = np.flatnonzero(u < leaving_hazard(table))
    got = table.leaving(ReplayStream(u, np.zeros(0), np.zeros(0)))
    assert got.dtype == np.int64 and np.array_equal(got, want) and len(want) > 0


@pytest.mark.parametrize(
    ("elasticity", "insured_factor"), [(1.5, 0.85), (0.0, 1.0), (4.0, 2.0), (0.3, 0.0)]
)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_leaving_equals_the_vectorised_hazard_at_the_edges(
    elasticity: float, insured_factor: float, seed: int
) -> None:
    # the kernel skips the exp of a worker whose uniform is above a bound on every hazard:
    # uniforms right on and around the hazards, belonging off [0, 1] and NaN
    table = table_for(4)
    scramble(table, seed)
    table.behaviour = table.behaviour.model_copy(
        update={
            "turnover_belonging_elasticity": elasticity,
            "turnover_insured_factor": insured_factor,
        }
    )
    n = len(table)
    table.belonging[::17] = -0.5
    table.belonging[1::17] = 1.7
    table.belonging[2::17] = np.nan
    table.belonging[3::17] = -0.1
    table.belonging[4::17] = 1.1
    hazard = leaving_hazard(table)
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    # just above and just below the hazards (np.exp and the C library's exp, which the
    # kernel calls, may differ in the last bit on machines where numpy has its own exp)
    u[::3] = hazard[::3] * (1.0 + 1e-9)
    u[1::3] = hazard[1::3] * (1.0 - 1e-9)
    u[2::6] *= 0.05
    u = np.clip(u, 0.0, np.nextafter(1.0, 0.0))
    want = np.flatnonzero(u < hazard)
    got = table.leaving(ReplayStream(u, np.zeros(0), np.zeros(0)))
    assert np.array_equal(got, want) and len(want) > 0


def assert_same_tables(got: WorkerTable, want: WorkerTable) -> None:
    for name, value in vars(want).items():
        if isinstance(value, np.ndarray):
            other = getattr(got, name)
            assert other.dtype == value.dtype and other.shape == value.shape, name
            assert np.array_equal(other.view(np.uint8), value.view(np.uint8)), name
    a, b = got.roster(), want.roster()
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
        assert np.array_equal(a[key].view(np.uint8), b[key].view(np.uint8)), key


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_turn_over_is_leaving_retire_and_renew(seed: int) -> None:
    # one compiled call for who leaves, the leavers' records and the newcomers' draws: the
    # same table, records and roster as the steps one after the other, over several days
    got, want = table_for(6), table_for(6)
    draws = KeyedDraws(seed)
    rng = np.random.default_rng(seed)
    n = len(want)
    for table in (got, want):
        scramble(table, seed)
        table.agent_id[:] = np.arange(n) + 7
        table.points[:] = np.random.default_rng(seed).random(n) * 50.0
        table.reports_by_channel[:] = np.random.default_rng(seed).integers(0, 9, (n, 4))
        table.days_online[:] = np.arange(n) % 11
    for day in range(1, 5):
        u = rng.random(n)
        u[day % 2 :: 2] *= 1e-4  # half leave: the records grow past their first room
        now = 24.0 * day
        slots = got.turn_over(
            ReplayStream(u, np.zeros(0), np.zeros(0)), draws.state("newcomer"), day, now
        )
        leaving = want.leaving(ReplayStream(u, np.zeros(0), np.zeros(0)))
        want.retire(leaving, now)
        want.renew(leaving, newcomer_draws(draws, day, leaving), now=now)
        assert np.array_equal(slots, leaving) and len(leaving) > 0
        for table in (got, want):  # the caller's Mesa agents get fresh ids
            table.agent_id[leaving] = 10_000 * day + leaving
    assert got._n_retired == want._n_retired > n
    assert_same_tables(got, want)


def test_the_retired_records_are_the_tables_rows(table: WorkerTable) -> None:
    fresh = table_for(3)
    slots = np.array([5, 1, 40, 5], dtype=np.int64)
    fresh.points[:] = np.arange(len(fresh)) * 0.5
    want = fresh._records(slots, np.array([36.0] * len(slots)))
    fresh.retire(slots, 36.0)
    fresh.retire(np.zeros(0, dtype=np.int64), 40.0)
    roster = fresh.roster()
    for key, value in want.items():
        assert roster[key][: len(slots)].dtype == value.dtype, key
        assert np.array_equal(roster[key][: len(slots)], value), key


@pytest.mark.parametrize("one_for_all", [False, True])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_register_equals_the_vectorised_form(
    table: WorkerTable, one_for_all: bool, seed: int
) -> None:
    scramble(table, seed)
    rng = np.random.default_rng(seed)
    n = len(table)
    base = table.workers.registration_daily_hazard
    extra = np.full(n, 0.03) if one_for_all else rng.random(n) * 0.1
    if not one_for_all:
        extra[::9] = -base  # a hazard of 0: nobody registers
    u = rng.random(n)
    u[::3] *= 0.01  # many register: the comparison is tested on both sides
    u[1::4] = base + extra[1::4]  # right on the hazard: not below it, no registration
    before = table.registered.copy()
    want = newly_registered(table, u, extra)
    stream = ReplayStream(u, np.zeros(0), np.zeros(0))
    got = table.register(stream, 0.03 if one_for_all else extra)
    assert got.dtype == np.int64 and np.array_equal(got, want) and len(want) > 0
    joined = np.zeros(n, dtype=bool)
    joined[want] = True
    assert np.array_equal(table.registered, before | joined)
    assert not np.any(before[want])  # the registered stay out of the newcomers to it


@pytest.mark.parametrize("spillover", [0.0, 0.05])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_update_belonging_equals_the_vectorised_target(
    table: WorkerTable, spillover: float, seed: int
) -> None:
    scramble(table, seed)
    before = table.belonging.copy()
    rate = table.behaviour.belonging_adjust_per_day
    want = before + rate * (belonging_target(table, spillover) - before)
    table.update_belonging(spillover)
    assert np.array_equal(table.belonging.view(np.uint64), want.view(np.uint64))


@settings(max_examples=25, deadline=None)
@given(
    key=st.integers(0, 2**64 - 1),
    day=st.integers(0, 100_000),
    slots=st.lists(st.integers(0, 50_000), max_size=30),
)
def test_newcomer_draws_are_the_keyed_draws(key: int, day: int, slots: list[int]) -> None:
    draws = KeyedDraws(key)
    slots = np.array(slots, dtype=np.int64)
    want = draws.uniform("newcomer", day, slots[:, None], np.arange(NEWCOMER_DRAWS)[None, :])
    got = newcomer_draws(draws, day, slots)
    assert got.shape == (len(slots), NEWCOMER_DRAWS)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("spillover", [0.0, 0.05])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_compiled_target_is_the_vectorised_target(
    table: WorkerTable, spillover: float, seed: int
) -> None:
    # moved all the way (a share of 1) from 0, belonging lands on the target itself, so a
    # last-bit difference in the target (the order of its terms) cannot hide in the update
    scramble(table, seed)
    b = table.behaviour
    moved = np.zeros(len(table))
    move_belonging(
        moved,
        table.belonging_base,
        table.registered,
        table.role,
        table.insured,
        b.belonging_registered_gain,
        b.belonging_role_gain,
        b.belonging_insured_gain,
        spillover,
        1.0,
    )
    want = belonging_target(table, spillover)
    assert np.array_equal(moved.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("n_stations", [1, 2, 3, 5, 8])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000))
def test_station_visitors_equal_the_vectorised_form(n_stations: int, seed: int, n: int) -> None:
    # the expected visitors are a sum over the workers: with one station numpy adds them
    # pairwise, with more row after row; workers from 1 to 3000 cross numpy's pairwise
    # blocks (8, 128 numbers) and the room of a full station carries any last-bit
    # difference of that sum into the visits
    rng = np.random.default_rng(seed)
    n_kinds, n_bases = 3, 4
    pull = rng.random((n_kinds, n_bases, n_stations)) * (rng.random((n_kinds, n_bases, 1)) < 0.8)
    pull[0, 0] = 0.0  # a group no station pulls
    reach = StationReach(pull=pull, reach=rng.random((n_kinds, n_bases)))
    group = rng.integers(0, n_kinds * n_bases, n)
    works = rng.random(n) < 0.7
    policy = make_config().policies.stations.model_copy(
        update={"visit_daily_probability": 0.9, "capacity_visits_per_day": n / 200.0}
    )
    wants, room = station_demand(group, works, reach, policy)
    u_visit, u_station = rng.random((2, n))
    u_station[::9] = np.nextafter(1.0, 0.0)  # the last station
    # uniforms right on a running share (it counts as reached)
    on_share = np.arange(4, n, 9)
    u_station[on_share] = reach.cumulative_share_by_station[0, group[on_share]]
    # a visit exactly at the wish times the room of the first station does not happen
    u_visit[1::9] = wants[1::9] * room[0]
    belonging = rng.random(n)
    want_visits = visitors(u_visit, u_station, group, wants, room, reach)
    belonging[want_visits[::2]] = 0.995  # a visit lifts these to the cap of 1
    want_belonging = belonging.copy()
    want_belonging[want_visits] = np.clip(want_belonging[want_visits] + 0.01, 0.0, 1.0)
    got_visits = reach.visitors(
        u_visit,
        u_station,
        group,
        works,
        policy.visit_daily_probability,
        policy.capacity_visits_per_day,
        belonging,
        0.01,
    )
    assert got_visits.dtype == np.int64 and np.array_equal(got_visits, want_visits)
    assert np.array_equal(belonging.view(np.uint64), want_belonging.view(np.uint64))


@pytest.mark.parametrize("n_stations", [1, 2, 3, 8])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000))
def test_the_stations_expected_visitors_are_numpys_sum(n_stations: int, seed: int, n: int) -> None:
    # the room of each station carries its expected visitors (capacity / expected) bit for
    # bit: read it back from the visits of workers whose uniform sits on either side of it
    rng = np.random.default_rng(seed)
    pull = rng.random((1, 1, n_stations)) + 0.1
    reach = StationReach(pull=pull, reach=np.ones((1, 1)))
    group = np.zeros(n, dtype=np.int64)
    works = np.ones(n, dtype=bool)
    policy = make_config().policies.stations.model_copy(
        update={"visit_daily_probability": 1.0, "capacity_visits_per_day": 1e-3}
    )
    wants, room = station_demand(group, works, reach, policy)
    assert np.all(room < 1.0)
    # every worker heads for station s = i % n_stations; u_visit right at or just above
    # wish * room[s] for even and odd workers
    heading = np.arange(n) % n_stations
    running = reach.cumulative_share_by_station[:, 0]
    u_station = np.where(heading == 0, 0.0, running[np.maximum(heading - 1, 0)])
    on_room = wants * room[heading]
    u_visit = np.where(np.arange(n) % 2 == 0, on_room, np.nextafter(on_room, 0.0))
    got = reach.visitors(u_visit, u_station, group, works, 1.0, 1e-3, np.zeros(n), 0.0)
    assert np.array_equal(got, np.flatnonzero(np.arange(n) % 2 == 1))


@pytest.mark.parametrize("platform", [False, True])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_own_problems_equal_the_vectorised_form(table: WorkerTable, platform, seed) -> None:
    config = make_config()
    one_stop = config.policies.one_stop.model_copy(update={"enabled": platform})
    rng = np.random.default_rng(seed)
    n = len(table)
    table.belonging[:] = rng.random(n)
    table.belonging[::3] = rng.choice([0.0, 0.001, 0.999, 1.0], size=len(table.belonging[::3]))
    u_problem, u_solved = rng.random((2, n))
    u_problem[::2] = 0.0  # many problems: solved and unsolved, at both ends of belonging
    u_solved[::4] = 0.0
    u_solved[2::4] = np.nextafter(1.0, 0.0)
    slots, amounts = levers.own_problem_changes(
        u_problem, u_solved, config.workers, one_stop, config.behaviour
    )
    want = table.belonging.copy()
    want[slots] = np.clip(want[slots] + amounts, 0.0, 1.0)
    levers.own_problems(
        table, config.workers, one_stop, config.behaviour, ReplayStream2D(u_problem, u_solved)
    )
    assert np.array_equal(table.belonging.view(np.uint64), want.view(np.uint64))
    assert (amounts > 0).any() and (amounts < 0).any()


class ReplayStream2D:
    """Stands in for a stream drawn as one (2, n) block: yields the two given rows."""

    def __init__(self, first: np.ndarray, second: np.ndarray) -> None:
        self.rows = np.stack([first, second])

    def random(self, shape: tuple[int, int]) -> np.ndarray:
        assert shape == self.rows.shape
        return self.rows


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60))
def test_renew_writes_the_vectorised_newcomer_traits(table: WorkerTable, seed, n) -> None:
    rng = np.random.default_rng(seed)
    slots = rng.choice(len(table), size=n, replace=False)
    draws = rng.random((n, NEWCOMER_DRAWS))
    kinds = table.kind[slots]
    # first uniforms right on a running base share (not above it: the earlier community)
    on_share = rng.integers(0, table.n_communities, n)
    ties = rng.random(n) < 0.3
    draws[ties, 0] = table._base_cumulative[kinds[ties], on_share[ties]]
    draws[::5, 1] = 0.0  # normals clipped: motivation at 0
    draws[1::5, 2] = np.nextafter(1.0, 0.0)  # and belonging at 1
    want = newcomer_traits_of(table, slots, draws)
    table.renew(slots, draws, now=24.0)
    for name, values in want.items():
        got = table._hour_group[slots] if name == "hour_group" else getattr(table, name)[slots]
        assert got.shape == values.shape, name
        if values.dtype == float:
            assert np.array_equal(got.view(np.uint64), values.view(np.uint64)), name
        else:
            assert np.array_equal(got, values), name
    assert np.array_equal(table.belonging[slots], want["belonging_base"])
    assert np.array_equal(
        table.group, table.kind.astype(np.int64) * table.n_communities + table.base
    )

"""The compiled kernels of the day's detections equal the numpy forms they replace, bit for bit.

:mod:`model.sim.compiled_arithmetic` redoes numpy's arithmetic one number at a time (the
keyed SplitMix64 draw, numpy's pairwise sum, the clipped ``searchsorted`` pick) and
:mod:`model.sim.detection_kernels` builds the day's noticing draws on it and
:mod:`model.sim.pick_kernels` the picks of the noticing agents. Each test here holds one of
them to the plain numpy form it must equal: :class:`~model.sim.streams.KeyedDraws`,
``ndarray.sum``, ``np.searchsorted``, :meth:`Detector.passes_hours` with
:meth:`Detector.detect_hours`, :meth:`Detector._pick_workers` and
:meth:`ResidentTable.pick_watcher`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_config
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from model.config.codes import OBSERVERS, WORKER_KINDS, IssueType
from model.sim.compiled_arithmetic import (
    GOLDEN,
    code_counts,
    keyed_step,
    keyed_unit,
    keyed_units,
    last_at_or_below,
    numpy_clip,
    numpy_sum,
)
from model.sim.detection_kernels import keyed_below, notice_hits, noticed, weighted_sum
from model.sim.perception import office_open_at
from model.sim.pick_kernels import cumulative_share, cumulative_shares, pick_resident, pick_worker
from model.sim.residents import ResidentTable
from model.sim.streams import PURPOSES, KeyedDraws


@njit
def pick_workers(kind, field, hour, counts, online, order, starts, u_base, u_worker):
    """:func:`pick_worker` for each detection, as ``pick_noticers`` calls it (one batch)."""
    cum_share = np.empty((online.shape[1], len(order) + 1))
    for h in range(online.shape[1]):
        cumulative_share(online, order, h, cum_share[h])
    cum = np.empty(field.shape[1])
    slots = np.empty(len(kind), dtype=np.int64)
    for j in range(len(kind)):
        h, k = hour[j], kind[j]
        slots[j] = pick_worker(
            k, field[j], counts[h, k], cum_share[h], order, starts, u_base[j], u_worker[j], cum
        )
    return slots


@njit
def pick_residents(cells, window_cells, window_cum, cell_start, cum_activity, u_home, u_resident):
    """:func:`pick_resident` for each detection, as ``pick_noticers`` calls it."""
    slots = np.empty(len(cells), dtype=np.int64)
    for j in range(len(cells)):
        slots[j] = pick_resident(
            cells[j], window_cells, window_cum, cell_start, cum_activity, u_home[j], u_resident[j]
        )
    return slots


K = len(WORKER_KINDS)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def bits(value: float) -> int:
    """The 64 bits of a float (tells -0.0 from 0.0 and every last bit apart)."""
    return int(np.float64(value).view(np.int64))


def mixed_magnitudes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Numbers of both signs from 1e-12 to 1e12, so that the order of adding shows."""
    return rng.choice([-1.0, 1.0], n) * rng.random(n) * 10.0 ** rng.integers(-12, 13, n)


def left_to_right(values: np.ndarray) -> float:
    """A plain loop, first number to last (what ``np.cumsum`` does, not ``ndarray.sum``)."""
    total = 0.0
    for value in values.tolist():
        total += value
    return total


# --------------------------------------------------------------------------- numpy_sum


def fixed_rows() -> list[np.ndarray]:
    """Rows whose sum depends on the order of adding, short and past the 128 block."""
    rng = np.random.default_rng(2026)
    ones_after_a_big_one = np.array([1e16, *([1.0] * 15)])  # 1e16 + 1 rounds back to 1e16
    return [
        ones_after_a_big_one,
        np.array([1.0, 1e100, 1.0, -1e100, 3.0, 5.0, 7.0, 9.0, 11.0]),
        mixed_magnitudes(rng, 7),
        mixed_magnitudes(rng, 100),
        mixed_magnitudes(rng, 129),
        mixed_magnitudes(rng, 300),
        mixed_magnitudes(rng, 1037),
    ]


def test_numpy_sum_of_fixed_rows_is_numpys_not_left_to_right() -> None:
    rows = fixed_rows()
    plain = [bits(left_to_right(row)) for row in rows]
    summed = [bits(row.sum()) for row in rows]
    assert plain != summed  # the rows tell numpy's pairwise sum from a loop
    assert plain[0] != summed[0]
    for row in rows:
        padded = np.concatenate([np.full(5, 1e9), row, np.full(3, -7.0)])
        assert bits(numpy_sum(row, 0, len(row))) == bits(row.sum()), len(row)
        assert bits(numpy_sum(padded, 5, len(row))) == bits(row.sum()), len(row)


@pytest.mark.parametrize("start", [0, 3, 8])
def test_numpy_sum_equals_ndarray_sum_for_every_length_to_1100(start) -> None:
    """Every row length, so every block remainder and every depth of halving is met."""
    rng = np.random.default_rng(start)
    values = mixed_magnitudes(rng, start + 1100 + 4)
    differs = 0
    for n in range(1101):
        row = values[start : start + n]
        assert bits(numpy_sum(values, start, n)) == bits(row.sum()), n
        differs += bits(left_to_right(row)) != bits(row.sum())
    assert differs > 500  # most rows would come out otherwise in a plain loop


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 1100),
    start=st.integers(0, 40),
    spread=st.integers(0, 300),
)
def test_numpy_sum_equals_ndarray_sum_at_any_offset(seed, n, start, spread) -> None:
    """Rows of any length at any offset of a longer array, magnitudes up to 10**±spread."""
    rng = np.random.default_rng(seed)
    size = start + n + int(rng.integers(0, 9))
    values = rng.standard_normal(size) * 10.0 ** rng.integers(-spread, spread + 1, size)
    values[rng.random(size) < 0.1] = 0.0
    assert bits(numpy_sum(values, start, n)) == bits(values[start : start + n].sum())


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from([(5, 4), (7, 9), (3, 130), (2, 3, 1), (4, 6, 17), (3, 2, 300)]),
)
def test_numpy_sum_equals_the_last_axis_sums_of_passes_hours(seed, shape) -> None:
    """``.sum(axis=-1)`` of a 2-D or 3-D array, as :meth:`Detector.passes_hours` sums the
    workers' passes over base communities, row by row of the array laid flat."""
    rng = np.random.default_rng(seed)
    rows = rng.random(shape) * 10.0 ** rng.integers(-6, 7, shape)
    counts = rng.integers(0, 4, shape[-1]) * rng.random(shape[-1])
    weighted = np.ascontiguousarray(rows * counts)
    expected = weighted.sum(axis=-1)
    flat, width = weighted.ravel(), shape[-1]
    got = np.array([numpy_sum(flat, r * width, width) for r in range(expected.size)])
    assert np.array_equal(got.view(np.int64), expected.ravel().view(np.int64))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 128, 129, 300])
def test_numpy_sum_of_negative_zeros_is_numpys_positive_zero(n) -> None:
    """numpy starts a sum from its identity 0.0, so a row of -0.0 sums to +0.0."""
    row = np.full(n, -0.0)
    assert bits(row.sum()) == bits(0.0)
    assert bits(numpy_sum(row, 0, n)) == bits(row.sum())


# --------------------------------------------------------------------------- keyed draws


def keyed_chain(draws: KeyedDraws, purpose: str, parts: list[int]) -> float:
    """The compiled draw: the purpose's state, one ``keyed_step`` per part, ``keyed_unit``.

    (Called from Python, ``keyed_step`` hands back a Python int; it goes back in as the
    ``uint64`` it is inside the kernels.)
    """
    state = draws.state(purpose)
    for part in parts:
        state = np.uint64(keyed_step(state, np.int64(part)))
    return keyed_unit(state)


int64_parts = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.integers(-50, 10**6),
    st.sampled_from([0, -1, -2, 1, INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1]),
)


@settings(max_examples=300, deadline=None)
@given(
    key=st.integers(0, 2**64 - 1),
    purpose=st.sampled_from(PURPOSES),
    parts=st.lists(int64_parts, min_size=1, max_size=4),
)
def test_keyed_chain_equals_keyed_uniform_of_scalar_and_array_parts(key, purpose, parts) -> None:
    """Scalar parts (plain integer arithmetic) and array parts (uint64 arrays) alike."""
    draws = KeyedDraws(key)
    expected = keyed_chain(draws, purpose, parts)
    assert 0.0 <= expected < 1.0
    assert bits(draws.uniform(purpose, *parts)) == bits(expected)
    as_arrays = [np.array([part], dtype=np.int64) for part in parts]
    assert bits(draws.uniform(purpose, *as_arrays)[0]) == bits(expected)
    scalar_then_arrays = [parts[0], *as_arrays[1:]]  # a leading scalar, then arrays
    assert bits(np.ravel(draws.uniform(purpose, *scalar_then_arrays))[0]) == bits(expected)


@pytest.mark.parametrize("purpose", ["notice", "pick_base", "pick_agent", "relay"])
def test_keyed_chain_equals_broadcast_array_draws_element_by_element(purpose) -> None:
    """The hour, issue and class arrays of the day's draws, negative slots (-1 - slot, as
    for residents) and int32 parts among them, element by element."""
    draws = KeyedDraws(0xDEADBEEF12345678)
    rng = np.random.default_rng(4)
    hours = np.array([0, 23, 24 * 365 - 1, 2**40])[:, None, None]
    issues = np.concatenate([[0, INT64_MAX], rng.integers(0, 10**6, 4)])[None, :, None]
    slots = (-1 - np.arange(3, dtype=np.int32))[None, None, :]
    got = draws.uniform(purpose, hours, issues, slots)
    assert got.shape == (4, 6, 3)
    for (h, i, s), value in np.ndenumerate(got):
        parts = [hours[h, 0, 0], issues[0, i, 0], slots[0, 0, s]]
        assert bits(value) == bits(keyed_chain(draws, purpose, parts)), (h, i, s)
    keys = issues[:, 2:] * 8 + np.arange(len(OBSERVERS))[None, None, :]  # the noticing keys
    got = draws.uniform(purpose, 7, keys)
    for (_, i, o), value in np.ndenumerate(got):
        assert bits(value) == bits(keyed_chain(draws, purpose, [7, int(keys[0, i, o])]))


def test_keyed_chain_tells_parts_purposes_and_keys_apart() -> None:
    draws = KeyedDraws(99)
    values = {
        keyed_chain(draws, purpose, parts)
        for purpose in PURPOSES
        for parts in ([0], [-1], [1], [0, 0], [0, -1], [-1, 0], [INT64_MAX], [INT64_MIN])
    }
    assert len(values) == len(PURPOSES) * 8
    assert keyed_chain(draws, "notice", [5, 3]) != keyed_chain(KeyedDraws(100), "notice", [5, 3])


# --------------------------------------------------------------------------- last_at_or_below


def clipped_search(cumulative: np.ndarray, target: float, lo: int, hi: int) -> int:
    """The definition: ``clip(searchsorted(cumulative, target, side="right") - 1, lo, hi - 1)``."""
    found = np.searchsorted(cumulative, target, side="right") - 1
    return int(np.clip(found, lo, hi - 1))


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_positions=st.integers(1, 40),
    tie_share=st.floats(0.0, 1.0),
)
def test_last_at_or_below_is_the_clipped_search(seed, n_positions, tie_share) -> None:
    """Ties (zero shares), empty groups (``lo - 1``), targets on stored values, below the
    row and past it."""
    rng = np.random.default_rng(seed)
    shares = np.where(rng.random(n_positions - 1) < tie_share, 0.0, rng.random(n_positions - 1))
    cumulative = np.concatenate([[0.0], np.cumsum(shares)])
    top = cumulative[-1]
    for _ in range(60):
        lo = int(rng.integers(0, n_positions))
        hi = int(min(lo + rng.integers(0, n_positions), n_positions))
        stored = cumulative[int(rng.integers(0, n_positions))]
        u = rng.choice([0.0, 1.0 - 2.0**-53, rng.random()])
        low, high = cumulative[lo], cumulative[min(hi, n_positions - 1)]
        target = rng.choice([low + u * (high - low), stored, -1.0, top + 1.0, rng.random() * top])
        got = last_at_or_below(cumulative, target, lo, hi)
        assert got == clipped_search(cumulative, target, lo, hi), (lo, hi, target)


def test_last_at_or_below_on_ties_and_empty_groups() -> None:
    cumulative = np.array([0.0, 1.0, 1.0, 1.0, 2.5, 2.5, 4.0])
    assert last_at_or_below(cumulative, 1.0, 0, 7) == 3  # the last of the tied values
    assert last_at_or_below(cumulative, 2.5, 0, 7) == 5
    assert last_at_or_below(cumulative, 0.999, 0, 7) == 0
    assert last_at_or_below(cumulative, 1.0, 1, 3) == 2  # clipped to the group's end
    assert last_at_or_below(cumulative, -5.0, 2, 5) == 2  # below the row: the group's start
    assert last_at_or_below(cumulative, 9.0, 2, 5) == 4  # past the row: the group's end
    assert last_at_or_below(cumulative, 1.0, 4, 4) == 3  # an empty group: lo - 1
    assert last_at_or_below(cumulative, 1.0, 0, 0) == -1
    for target in (-1.0, 0.0, 1.0, 2.5, 3.0, 4.0, 5.0):
        for lo in range(7):
            for hi in range(lo, 8):
                assert last_at_or_below(cumulative, target, lo, hi) == clipped_search(
                    cumulative, target, lo, hi
                ), (target, lo, hi)


# --------------------------------------------------------------------------- the picks


def day_online(model, shifts) -> tuple[np.ndarray, np.ndarray]:
    """The shifts' online shares with no rider online before ten, and the counts by kind and
    base that go with them (so some hours have nobody of a kind online)."""
    workforce, n_bases = model.workforce, model.layout.n_communities
    online = shifts.online.copy()
    online[workforce.kind == 0, :10] = 0.0
    counts = np.zeros((24, K, n_bases))
    for k in range(K):
        for b in range(n_bases):
            counts[:, k, b] = online[(workforce.kind == k) & (workforce.base == b)].sum(axis=0)
    return online, counts


def worker_detections(model, seed: int, m: int = 300):
    """Detections by workers, built as ``detect_day`` builds them for ``pick_workers``: the
    kinds, hours (positions in the day), issues, the door field for opinions, the keyed
    uniforms, plus uniforms at both ends of [0, 1)."""
    rng = np.random.default_rng(seed)
    log, draws = model.issues, model.draws
    opinion = np.flatnonzero(log.type == IssueType.OPINION)
    issue = np.where(rng.random(m) < 0.4, rng.choice(opinion, m), rng.integers(0, len(log), m))
    kind = rng.integers(0, K, m)
    hour = rng.choice(rng.permutation(24)[:14], m)  # some hours have no detection
    hour_index = 24 + hour
    u_base = draws.uniform("pick_base", hour_index, issue, kind)
    u_worker = draws.uniform("pick_agent", hour_index, issue, kind)
    u_base[:6] = [0.0, 1.0 - 2.0**-53, 0.0, 1.0 - 2.0**-53, 0.5, 0.0]
    u_worker[:6] = [0.0, 1.0 - 2.0**-53, 1.0 - 2.0**-53, 0.0, 0.0, 0.5]
    door = log.type[issue] == IssueType.OPINION
    return kind, issue, hour, u_base, u_worker, door


def compiled_pick(detector, cells, kind, hour, counts, online, u_base, u_worker, door):
    """``pick_workers`` called with the arguments ``detect_day`` gives it."""
    order, starts = detector._order_by_group()
    return pick_workers(
        kind,
        detector._field_by_cell[door.astype(np.intp), kind, cells],
        hour,
        np.asarray(counts, dtype=float),
        np.asarray(online, dtype=float),
        order,
        starts,
        u_base,
        u_worker,
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1.0, 0.5, 3.0]))
def test_pick_workers_equals_the_numpy_pick(model, shifts, seed, scale) -> None:
    detector, log = model.detector, model.issues
    online, counts = day_online(model, shifts)
    counts = counts * scale
    kind, issue, hour, u_base, u_worker, door = worker_detections(model, seed)
    cells = log.cell[issue]
    detector.new_day()
    expected = detector._pick_workers(kind, cells, counts, online, hour, u_base, u_worker, door)
    got = compiled_pick(detector, cells, kind, hour, counts, online, u_base, u_worker, door)
    assert np.array_equal(got, expected)
    nobody = counts[hour, kind].sum(axis=1) == 0
    assert nobody.any() and np.all(got[nobody] == -1)
    assert door.any() and (got[door] >= 0).any() and (got[~door] >= 0).any()
    picked = got >= 0
    assert np.array_equal(model.workforce.kind[got[picked]], kind[picked])
    # (past the six uniforms at the ends of [0, 1): with u_worker = 1 - 2**-53 the target
    # can round up to the group's total, and both forms then take the group's last worker,
    # online or not)
    drawn = picked & (np.arange(len(got)) >= 6)
    assert np.all(online[got[drawn], hour[drawn]] > 0)


def test_pick_workers_equals_the_numpy_pick_with_empty_groups(model, shifts) -> None:
    """No courier based in community 1 and no driver in community 3: a detection whose base
    draw lands there finds nobody (-1) both ways."""
    detector, log, workforce = model.detector, model.issues, model.workforce
    n_bases = model.layout.n_communities
    online, counts = day_online(model, shifts)
    base = workforce.base.copy()
    base[(workforce.kind == 1) & (base == 1)] = 2
    base[(workforce.kind == 2) & (base == 3)] = 0
    counts[:, 1, 1] = counts[:, 2, 3] = 0.0
    counts[:, 1, 2] = 0.0  # and community 2's couriers are off: the draw of base 2 is empty
    group = workforce.kind.astype(np.int64) * n_bases + base
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(K * n_bases + 1))
    assert np.any(starts[1:] == starts[:-1])
    kind, issue, hour, u_base, u_worker, door = worker_detections(model, 11)
    cells = log.cell[issue]
    detector._day_order = (order, starts)
    try:
        expected = detector._pick_workers(kind, cells, counts, online, hour, u_base, u_worker, door)
        got = compiled_pick(detector, cells, kind, hour, counts, online, u_base, u_worker, door)
    finally:
        detector.new_day()
    assert np.array_equal(got, expected)
    assert (got == -1).any() and (got >= 0).sum() > len(got) // 3


def compiled_watcher(table: ResidentTable, cells, u_home, u_resident) -> np.ndarray:
    """``pick_residents`` called with the arguments ``detect_day`` gives it."""
    return pick_residents(
        cells,
        table.window_cells,
        table.window_cum,
        table.cell_start,
        table.cum_activity,
        u_home,
        u_resident,
    )


def few_residents(model, *, elderly_share: float, elderly_activity: float) -> ResidentTable:
    """Fifteen residents on the model's street: most watch windows hold nobody."""
    config = make_config(
        {
            "population": {"residents": 15, "elderly_alone_share": elderly_share},
            "residents": {"elderly_activity": elderly_activity},
        }
    )
    return ResidentTable(
        config.residents,
        config.population,
        config.behaviour,
        model.layout,
        np.random.default_rng(5),
    )


@pytest.mark.parametrize("which", ["model", "sparse", "idle"])
def test_pick_residents_equals_pick_watcher(model, which) -> None:
    """The model's residents; fifteen residents, a third elderly who go out less (most cells
    have nobody within reach: -1); fifteen, most of them elderly who never go out (windows
    where people live but none is out: -1 too, not the resident of the window's last cell).
    """
    table = {
        "model": lambda: model.residents,
        "sparse": lambda: few_residents(model, elderly_share=0.35, elderly_activity=0.3),
        "idle": lambda: few_residents(model, elderly_share=0.7, elderly_activity=0.0),
    }[which]()
    rng = np.random.default_rng(8)
    n_cells = model.layout.n_cells
    cells = np.concatenate([np.arange(n_cells), rng.integers(0, n_cells, 600)])
    m = len(cells)
    u_home = model.draws.uniform("pick_base", 30, cells, 3 + np.arange(m))
    u_resident = model.draws.uniform("pick_agent", 30, cells, 3 + np.arange(m))
    ends = [0.0, 1.0 - 2.0**-53]
    u_home[:n_cells] = u_home[:n_cells] if which == "model" else rng.choice(ends, n_cells)
    u_resident[n_cells : n_cells + 200] = rng.choice(ends, 200)
    expected = table.pick_watcher(cells, u_home, u_resident)
    got = compiled_watcher(table, cells, u_home, u_resident)
    assert np.array_equal(got, expected)
    nobody = table.window_cum[cells, -1] == 0
    assert np.all(got[nobody] == -1) and np.all(got[~nobody] >= 0)
    # the resident is one who goes out, but for u_resident = 1 - 2**-53, where the target
    # can round up to the cell's total and both forms take the cell's last resident
    drawn = ~nobody & ((np.arange(m) < n_cells) | (np.arange(m) >= n_cells + 200))
    assert np.all(table.activity[got[drawn]] > 0)
    if which != "model":
        assert nobody.sum() > m // 3 and (~nobody).sum() > 50
        assert (table.activity < 1.0).any()
    if which == "idle":  # someone lives in the last cell of an empty window
        last = table.window_cells[cells, -1]
        assert np.any(nobody & (table.cell_start[last + 1] > table.cell_start[last]))


# --------------------------------------------------------------------------- notice_hits


def plain_hits(day: dict, draws: KeyedDraws) -> tuple[np.ndarray, ...]:
    """The plain form: every intensity as :meth:`Detector.passes_hours` computes it, every
    draw as :meth:`Detector.detect_hours` draws it, ``u < 1 - exp(-intensity)``.

    Returns:
        The hits' hours, issues and classes (positions), the intensities and the uniforms,
        each (n_hours, n_issues, n_classes).
    """
    rows, counts, relay = day["worker_rows"], day["counts"], day["relay"]
    n, n_kinds, n_bases = rows.shape
    n_hours = len(day["hour_index"])
    weighted = (rows.reshape(1, n, -1) * counts.reshape(n_hours, 1, -1)).reshape(
        n_hours, n, n_kinds, n_bases
    )
    rate = np.empty((n_hours, n, n_kinds + 2))
    rate[:, :, :n_kinds] = weighted.sum(axis=3)
    rate[:, :, n_kinds] = day["resident_looks"][None, :] * day["resident_hour_factor"][:, None]
    rate[:, :, n_kinds + 1] = day["staff_looks"][None, :] * day["staff_on_duty"][:, None]
    opinion = relay != 1.0
    rate[:, opinion, :n_kinds] *= relay[opinion][None, :, None]
    keys = day["issue_idx"][None, :] * 8 + np.arange(n_kinds + 2)[:, None]
    row_hours = np.repeat(day["hour_index"], n_kinds + 2)[:, None]
    u = draws.uniform("notice", row_hours, np.tile(keys, (n_hours, 1)))
    u = u.reshape(n_hours, n_kinds + 2, n).transpose(0, 2, 1)
    hit_hour, hit_issue, hit_observer = np.nonzero(u < -np.expm1(-rate))
    return hit_hour, hit_issue, hit_observer, rate, u


def compiled_hits(day: dict, draws: KeyedDraws) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`notice_hits` of the day's rows, in the day's order (row ``i`` of the tables is
    issue ``i``'s; every issue takes its own relay factor, 1 where none is relayed)."""
    n = len(day["issue_idx"])
    return notice_hits(
        day["issue_idx"],
        np.arange(n),
        day["hour_index"],
        day["worker_rows"],
        np.ones(n, dtype=bool),
        np.arange(n),
        day["relay"],
        day["counts"],
        day["resident_looks"],
        day["resident_hour_factor"],
        day["staff_looks"],
        day["staff_on_duty"],
        draws.state("notice"),
    )


def assert_same_hits(got, expected) -> None:
    for name, a, b in zip(("hour", "issue", "observer"), got, expected[:3], strict=True):
        assert np.array_equal(a, b), name


def regime_values(rng: np.random.Generator, size, regimes: np.ndarray) -> np.ndarray:
    """Values by regime: 0 none, 1 tiny (1e-300 to 1e-13), 2 ordinary (0 to 0.3), 3 huge."""
    tiny = 10.0 ** rng.uniform(-300, -13, size)
    ordinary = rng.random(size) * 0.3
    huge = 60.0 + rng.random(size) * 100.0
    return np.select([regimes == 1, regimes == 2, regimes == 3], [tiny, ordinary, huge], 0.0)


def synthetic_day(seed: int, n_hours: int, n: int, n_bases: int) -> dict:
    """A day of synthetic inputs: zero, tiny, ordinary and huge intensities, opinions with a
    relay factor, hours with nobody of a kind online, hours with the offices closed, and
    issues (and one hour) where nobody can notice anything."""
    rng = np.random.default_rng(seed)
    regime = rng.choice(4, (n, K), p=[0.2, 0.15, 0.55, 0.1])
    rows = regime_values(rng, (n, K, n_bases), np.repeat(regime[:, :, None], n_bases, 2))
    rows[rng.random((n, K, n_bases)) < 0.2] = 0.0  # some bases never pass
    counts = rng.integers(0, 6, (n_hours, K, n_bases)) * rng.choice([1.0, 0.75], (n_hours, K, 1))
    counts[rng.random((n_hours, K)) < 0.25] = 0.0  # nobody of a kind online
    counts[0, 0] = 0.0
    resident_looks = regime_values(rng, n, rng.choice(4, n, p=[0.2, 0.15, 0.55, 0.1]))
    staff_looks = regime_values(rng, n, rng.choice(4, n, p=[0.3, 0.1, 0.5, 0.1]))
    factor = rng.choice([1.0, 0.1, 0.0], n_hours)
    duty = (rng.random(n_hours) < 0.5).astype(float)
    duty[0] = 0.0
    relay = np.where(rng.random(n) < 0.35, rng.choice([0.25, 0.7, 1.6, 3.0], n), 1.0)
    nobody = rng.random(n) < 0.15  # issues nobody can notice
    nobody[0] = True
    rows[nobody], resident_looks[nobody], staff_looks[nobody] = 0.0, 0.0, 0.0
    if n_hours > 1:  # an hour nobody notices anything in
        counts[-1], factor[-1], duty[-1] = 0.0, 0.0, 0.0
    return {
        "issue_idx": rng.choice(10**6, n, replace=False).astype(np.int64),
        "hour_index": int(rng.integers(0, 24 * 400)) + np.arange(n_hours, dtype=np.int64),
        "worker_rows": np.ascontiguousarray(rows),
        "relay": relay,
        "counts": counts,
        "resident_looks": resident_looks,
        "resident_hour_factor": factor,
        "staff_looks": staff_looks,
        "staff_on_duty": duty,
    }


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    key=st.integers(0, 2**64 - 1),
    n_hours=st.integers(1, 30),
    n=st.integers(1, 60),
    n_bases=st.integers(1, 20),
)
def test_notice_hits_equal_the_plain_form(seed, key, n_hours, n, n_bases) -> None:
    draws = KeyedDraws(key)
    day = synthetic_day(seed, n_hours, n, n_bases)
    expected = plain_hits(day, draws)
    got = compiled_hits(day, draws)
    assert_same_hits(got, expected)
    rate = expected[3]
    huge = rate > 50.0
    hit = np.zeros(rate.shape, bool)
    hit[got] = True
    assert np.all(hit[huge])  # an intensity past 50 is always noticed
    assert not hit[rate == 0.0].any()
    # rows where nobody can notice: no draw of theirs can matter, so other keys for them
    # (another issue index, another hour) leave every hit as it was
    silent_issue = np.all(rate == 0.0, axis=(0, 2))
    silent_hour = np.all(rate == 0.0, axis=(1, 2))
    assert silent_issue.any()
    rekeyed = dict(day)
    rekeyed["issue_idx"] = np.where(silent_issue, day["issue_idx"] + 7_777_777, day["issue_idx"])
    rekeyed["hour_index"] = np.where(silent_hour, day["hour_index"] + 99_999, day["hour_index"])
    assert_same_hits(compiled_hits(rekeyed, draws), got)


def test_notice_hits_of_a_large_day_cover_every_regime() -> None:
    """One larger day: hits in every class, tiny intensities never hit, opinions with every
    relay factor hit, all equal to the plain form."""
    draws = KeyedDraws(20260121)
    day = synthetic_day(7, 24, 400, 4)
    expected = plain_hits(day, draws)
    got = compiled_hits(day, draws)
    assert_same_hits(got, expected)
    hit_hour, hit_issue, hit_observer, rate, _ = expected
    assert len(hit_hour) > 1000
    assert np.array_equal(np.unique(hit_observer), np.arange(K + 2))
    tiny = (rate > 0.0) & (rate < 1e-12)
    assert tiny.sum() > 1000
    relayed = day["relay"][hit_issue[hit_observer < K]]
    assert set(np.unique(relayed).tolist()) == {0.25, 0.7, 1.0, 1.6, 3.0}
    assert (day["staff_on_duty"] == 0.0).any() and (day["resident_hour_factor"] == 0.0).any()


def test_notice_hits_equal_the_plain_form_on_the_model(model, shifts) -> None:
    """The plain form here is the detector's: its intensities are ``passes_hours``' and its
    draws ``_notice_draws``', so the synthetic tests compare with the model's own form."""
    detector, log, draws = model.detector, model.issues, model.draws
    idx = np.arange(len(log))
    hours = np.arange(24)
    hour_index = 24 + hours
    duty = office_open_at(model.config.staff, hour_index)
    relay = detector.relay_factor.copy()
    detector.set_relay(np.array([0.3, 0.8, 1.0, 1.9]) * detector.relay_baseline)
    try:
        counts = shifts.counts * 3.0
        n_bases = model.layout.n_communities
        opinion = detector._issue_opinion
        day = {
            "issue_idx": idx,
            "hour_index": hour_index,
            "worker_rows": detector._issue_worker_rows.reshape(len(idx), K, n_bases),
            "relay": np.where(opinion, detector.relay_factor[log.community], 1.0),
            "counts": counts,
            "resident_looks": detector._issue_resident,
            "resident_hour_factor": detector.resident_hour_factor[hours],
            "staff_looks": detector._issue_staff,
            "staff_on_duty": duty.astype(float),
        }
        expected = plain_hits(day, draws)
        model_rate = detector.passes_hours(idx, counts, hours, duty)
        assert np.array_equal(expected[3], model_rate)
        u = detector._notice_draws(
            idx, draws, np.repeat(hour_index, len(OBSERVERS)), np.tile(np.arange(5), 24)
        ).reshape(24, len(OBSERVERS), len(idx))
        model_hits = np.nonzero(u.transpose(0, 2, 1) < -np.expm1(-model_rate))
        assert_same_hits(model_hits, expected)
        assert opinion.any() and len(expected[0]) > 50
        assert_same_hits(compiled_hits(day, draws), expected)
        # as detect_day calls it: the detector's tables read at rows of a subset of issues,
        # relay factors by community, the offices' hours as they are (True and False)
        some = np.flatnonzero(np.arange(len(log)) % 3 != 1)
        got = notice_hits(
            some,
            some,
            hour_index,
            detector._issue_worker_rows.reshape(len(idx), K, n_bases),
            detector._issue_opinion,
            detector._issue_community,
            detector.relay_factor,
            counts,
            detector._issue_resident,
            detector.resident_hour_factor[hours],
            detector._issue_staff,
            duty,
            draws.state("notice"),
        )
        mine = np.isin(expected[1], some)
        at = np.searchsorted(some, expected[1][mine])
        assert_same_hits(got, (expected[0][mine], at, expected[2][mine]))
    finally:
        detector.relay_factor = relay


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), key=st.integers(0, 2**64 - 1))
def test_notice_hits_where_every_kind_peaks_in_one_hour(seed, key) -> None:
    """A negative control for the ceiling shortcut: every worker count of a kind peaks in a
    single hour (the first hour for one kind, the last for another, a middle one for the
    third), so the day's peak bound equals the intensity there, and the hits are still
    exactly the plain form's. Intensities are small (about 0.05 to 1) and the other hours
    at most a quarter of the peak, so a bound taken from any other hour would miss hits:
    the test checks that such hits are there."""
    rng = np.random.default_rng(seed)
    n_hours, n, n_bases = 24, 150, 5
    day = synthetic_day(seed, n_hours, n, n_bases)
    peak_hour = np.array([0, n_hours - 1, int(rng.integers(1, n_hours - 1))])
    level = rng.integers(4, 12, (K, n_bases)) * 1.0
    profile = rng.uniform(0.0, 0.25, (n_hours, K))
    profile[peak_hour, np.arange(K)] = 1.0
    day["counts"] = profile[:, :, None] * level[None, :, :]
    day["worker_rows"] = np.ascontiguousarray(rng.random((n, K, n_bases)) * 0.02)
    draws = KeyedDraws(key)
    expected = plain_hits(day, draws)
    assert_same_hits(compiled_hits(day, draws), expected)
    hit_hour, hit_issue, hit_observer, rate, u = expected
    bound = (day["worker_rows"] * level[None]).sum(axis=-1) * day["relay"][:, None]
    for k in range(K):
        at_peak = rate[peak_hour[k], :, k]
        assert np.array_equal(at_peak, bound[:, k])  # the peak bound is the intensity
        elsewhere = rate[np.arange(n_hours) != peak_hour[k], :, k].max(axis=0)
        assert np.all(at_peak > elsewhere)
        mine = hit_issue[(hit_hour == peak_hour[k]) & (hit_observer == k)]
        assert np.sum(u[peak_hour[k], mine, k] >= elsewhere[mine]) >= 5, k


def test_notice_hits_decided_by_the_last_bits_of_numpys_sum() -> None:
    """Worker rows built so that each (issue, kind) is noticed with the intensity numpy's
    pairwise sum gives and missed with a sum added left to right: a big pass count then
    fifteen small ones, each below half a unit in the last place of the big one, so that a
    left-to-right sum drops them all and numpy's eight running sums keep them. The big one
    is the largest number whose ``1 - exp(-x)`` is below the draw."""
    draws = KeyedDraws(31337)
    n, n_bases = 40, 16
    issue_idx = np.arange(100, 100 + n, dtype=np.int64)
    hour_index = np.array([5000], dtype=np.int64)
    keys = issue_idx[:, None] * 8 + np.arange(K)[None, :]
    u = draws.uniform("notice", 5000, keys)  # (n, K)
    rows = np.empty((n, K, n_bases))
    for (i, k), draw in np.ndenumerate(u):
        big = -np.log1p(-draw)
        while -np.expm1(-big) >= draw:
            big = np.nextafter(big, 0.0)
        while -np.expm1(-np.nextafter(big, np.inf)) < draw:
            big = np.nextafter(big, np.inf)
        rows[i, k] = [big, *([0.4 * np.spacing(big)] * (n_bases - 1))]
    day = {
        "issue_idx": issue_idx,
        "hour_index": hour_index,
        "worker_rows": rows,
        "relay": np.ones(n),
        "counts": np.ones((1, K, n_bases)),
        "resident_looks": np.zeros(n),
        "resident_hour_factor": np.ones(1),
        "staff_looks": np.zeros(n),
        "staff_on_duty": np.ones(1),
    }
    expected = plain_hits(day, draws)
    plain_loop = np.array([[left_to_right(rows[i, k]) for k in range(K)] for i in range(n)])
    assert np.all(u >= -np.expm1(-plain_loop))  # a left-to-right sum notices nothing
    assert len(expected[0]) > 0.9 * n * K  # numpy's sum notices (nearly) all
    assert_same_hits(compiled_hits(day, draws), expected)


def test_numpy_clip_is_np_clip_number_by_number() -> None:
    special = [-0.0, 0.0, 1.0, -1.0, 0.5, 2.0, np.nan, np.inf, -np.inf, 1e-300, 1.0 - 1e-16]
    values = np.array(special + list(np.random.default_rng(0).normal(0.5, 1.0, 200)))
    for low, high in [(0.0, 1.0), (-0.0, 1.0), (1.0, 16.0), (1e-12, 1.0 - 1e-12)]:
        want = np.clip(values, low, high)
        got = np.array([numpy_clip(v, low, high) for v in values])
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), (low, high)


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(st.integers(0, 8), max_size=70),
    run=st.integers(0, 40),
    extra=st.integers(0, 5),
    data=st.data(),
)
def test_code_counts_are_bincount(codes: list[int], run: int, extra: int, data) -> None:
    # a run of one code (a day's many resolved issues in a row) and lengths on and off
    # the four rows of counters; counted up to n, at most the whole (as a slice)
    codes = np.array(codes + [codes[0] if codes else 5] * run, dtype=np.int8)
    n = data.draw(st.integers(0, len(codes) + extra))
    want = np.bincount(codes[:n], minlength=9)
    got = code_counts(codes, n, 9)
    assert got.dtype == want.dtype and np.array_equal(got, want)


# ------------------------------------------- weighted_sum, noticed, cumulative_shares


@njit
def weighted_sums(values, weights, width):
    """:func:`weighted_sum` of each row of ``width`` (inlined, as notice_hits calls it)."""
    out = np.empty(len(values) // width)
    for r in range(len(out)):
        row = slice(r * width, (r + 1) * width)
        out[r] = weighted_sum(values[row], weights[row])
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(1, 300))
def test_weighted_sum_is_numpys_sum_of_the_products(seed, width) -> None:
    """Rows of every length up to 300 (numpy's eight running sums from 8 on, halves past
    128), products of mixed signs and magnitudes: the bits of ``(values * weights).sum()``
    (each product rounded once: no fused multiply-add)."""
    rng = np.random.default_rng(seed)
    values = mixed_magnitudes(rng, 5 * width)
    weights = rng.random(5 * width) * rng.choice([1.0, 3.0, 0.75], 5 * width)
    weights[rng.random(5 * width) < 0.2] = 0.0
    got = weighted_sums(values, weights, width)
    want = (values * weights).reshape(5, width).sum(axis=1)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@njit
def noticed_each(u, intensity):
    out = np.empty(len(u), dtype=np.bool_)
    for i in range(len(u)):
        out[i] = noticed(u[i], intensity[i])
    return out


@njit
def expm1_each(intensity):
    return np.array([-math.expm1(-x) for x in intensity])


def test_noticed_is_the_comparison_with_expm1() -> None:
    """The shortcut gives ``u < -expm1(-x)`` for intensities from 0 to huge (and NaN), and
    draws at the comparison's edge: the value itself and its neighbours either side."""
    rng = np.random.default_rng(4)
    x = np.concatenate(
        [
            [0.0, np.nan, np.inf, 1e-300, 5e-324, 2.0, 1.0],
            10.0 ** rng.uniform(-12, 2.5, 20000),
            rng.random(5000) * 3.0,
        ]
    )
    edge = expm1_each(x)  # the kernel's own expm1 (numba's), which the shortcut must equal
    with np.errstate(invalid="ignore"):  # inf - inf
        lower = x - 0.5 * x * x
    for u in (
        edge,
        np.nextafter(edge, -np.inf),
        np.nextafter(edge, np.inf),
        np.minimum(x, 1.0 - 2.0**-53),
        lower,
        rng.random(len(x)) * np.minimum(x, 1.0),
    ):
        u = np.clip(np.nan_to_num(u, nan=0.5), 0.0, 1.0 - 2.0**-53)
        assert np.array_equal(noticed_each(u, x), u < edge)


def test_cumulative_shares_are_cumulative_share_of_every_hour(model, shifts) -> None:
    order, _ = model.detector._order_by_group()
    online = shifts.online * np.random.default_rng(2).choice([1.0, 0.3, 0.0], shifts.online.shape)
    got = np.empty((len(order) + 1, online.shape[1]))
    cumulative_shares(online, order, got)
    for h in range(online.shape[1]):
        want = np.empty(len(order) + 1)
        cumulative_share(online, order, h, want)
        assert np.array_equal(got[:, h], want)
        assert np.array_equal(want[1:], np.cumsum(online[order, h]))


@njit
def below_of(state, added, limit, m):
    top = np.empty(len(added), dtype=np.uint64)
    flags = np.full(8 * (len(added) // 8 + 1), 1, dtype=np.uint8)  # stale flags past m
    chosen = np.empty(len(added), dtype=np.int64)
    below = keyed_below(state, added, limit, m, top, flags, chosen)
    return top[:m].copy(), chosen[:below].copy()


@settings(max_examples=60, deadline=None)
@given(
    key=st.integers(0, 2**64 - 1),
    hour=st.integers(0, 10**5),
    n=st.integers(1, 70),
    cut=st.integers(0, 70),
    share=st.sampled_from([0.0, 0.03, 0.5, 1.0]),
)
def test_keyed_below_gives_keyed_units_and_the_draws_below_their_limits(
    key, hour, n, cut, share
) -> None:
    """The draws' top bits are ``keyed_units`` times 2**53 (the same uniforms), and the
    positions chosen are those below their limit, in order, whatever the flags held past
    the parts drawn."""
    rng = np.random.default_rng(key % 2**32)
    m = min(cut, n)
    parts = rng.integers(0, 10**7, n).astype(np.uint64)
    added = (parts + np.uint64(1)) * GOLDEN
    state = np.uint64(keyed_step(KeyedDraws(key).state("notice"), hour))
    units = np.empty(n)
    keyed_units(state, added, units)
    limit = (rng.random(n) * share * 2.0**53).astype(np.uint64)
    top, chosen = below_of(state, added, limit, m)
    assert np.array_equal(top * 2.0**-53, units[:m])
    assert np.array_equal(chosen, np.flatnonzero(top < limit[:m]))

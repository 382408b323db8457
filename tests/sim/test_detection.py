"""Detection: the hourly noticing intensity and the detection draw (keyed draws)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import detect_both_ways, make_config
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import ISSUE_TYPES, OBSERVERS, WORKER_KINDS, Observer
from model.sim.detection import last_at_or_below
from model.sim.model import StreetModel
from model.sim.perception import office_open_at
from model.sim.streams import keyed_draws

ENV = ISSUE_TYPES.index("environment")
OPINION = ISSUE_TYPES.index("opinion")
K = len(WORKER_KINDS)


@pytest.fixture(scope="module")
def model(small_config) -> StreetModel:
    return StreetModel(small_config, seed=3, days=2)


@pytest.fixture(scope="module")
def shifts(model):
    return model.workforce.draw_shifts(np.random.default_rng(0))


def some_cells(model, n: int = 40) -> np.ndarray:
    return np.random.default_rng(1).choice(model.layout.n_cells, size=n)


def passes(model, cells, counts, *, types=ENV, indoor=False, hour=12, on_duty=True):
    n = len(cells)
    return model.detector.passes(
        cells,
        np.full(n, types, dtype=np.int8),
        np.full(n, indoor),
        model.layout.community[cells],
        counts,
        hour,
        on_duty,
    )


def test_intensity_matches_manual_computation(model, shifts) -> None:
    cells = some_cells(model)
    counts = shifts.counts[12]
    rate = passes(model, cells, counts)
    det = model.detector
    vis = model.config.issues.types["environment"].visibility
    for k, kind in enumerate(WORKER_KINDS):
        expected = counts[k] @ det.worker_passes[k][:, cells] * vis[kind]
        assert np.allclose(rate[:, k], expected), kind
    resident = det.resident_looks[cells] * vis["resident"]
    assert np.allclose(rate[:, Observer.RESIDENT], resident)
    s = model.config.staff
    cells_per_community = np.bincount(model.layout.community)[model.layout.community[cells]]
    staff = (
        model.config.population.staff_per_community
        * s.patrol_share
        * s.patrol_cells_per_hour
        / cells_per_community
    )
    assert np.allclose(rate[:, Observer.STAFF], staff * vis["staff"])
    assert np.all(rate >= 0)


def test_zero_visibility_gives_zero_intensity(shifts) -> None:
    zero = {o: 0.0 for o in OBSERVERS}
    config = make_config({"issues": {"types": {"environment": {"visibility": zero}}}})
    model = StreetModel(config, seed=3, days=1)
    cells = some_cells(model)
    rate = passes(model, cells, shifts.counts[12] * 10)
    assert np.all(rate == 0)
    det = model.detector.detect(
        np.arange(len(cells)),
        cells,
        rate,
        shifts.counts[12],
        shifts.online[:, 12] > 0,
        keyed_draws(0),
        12,
    )
    assert len(det) == 0


def test_nobody_online_means_no_worker_passes(model) -> None:
    cells = some_cells(model)
    rate = passes(model, cells, np.zeros((K, model.layout.n_communities)))
    assert np.all(rate[:, :K] == 0)


def test_worker_intensity_is_linear_in_online_workers(model, shifts) -> None:
    cells = some_cells(model)
    one = passes(model, cells, shifts.counts[12])
    two = passes(model, cells, 2 * shifts.counts[12])
    assert np.allclose(two[:, :K], 2 * one[:, :K])
    assert np.allclose(two[:, K:], one[:, K:])


def test_staff_patrol_only_on_duty(model, shifts) -> None:
    cells = some_cells(model)
    on = passes(model, cells, shifts.counts[12], on_duty=True)
    off = passes(model, cells, shifts.counts[12], on_duty=False)
    assert np.all(on[:, Observer.STAFF] > 0)
    assert np.all(off[:, Observer.STAFF] == 0)


def test_indoor_scales_by_building_access(model, shifts) -> None:
    cells = some_cells(model)
    out = passes(model, cells, shifts.counts[12], indoor=False)
    inside = passes(model, cells, shifts.counts[12], indoor=True)
    for k, kind in enumerate(WORKER_KINDS):
        access = getattr(model.config.workers, kind).building_access
        assert np.allclose(inside[:, k], out[:, k] * access), kind
    assert np.allclose(inside[:, Observer.RESIDENT], 0.5 * out[:, Observer.RESIDENT])
    assert np.allclose(inside[:, Observer.STAFF], 0.5 * out[:, Observer.STAFF])


def test_residents_look_less_at_night(model, shifts) -> None:
    cells = some_cells(model)
    r = model.config.residents
    day = passes(model, cells, shifts.counts[12], hour=12)
    night = passes(model, cells, shifts.counts[12], hour=3)
    assert 3 < r.outdoor_start_hour and 12 < r.outdoor_end_hour
    assert np.allclose(night[:, Observer.RESIDENT], day[:, Observer.RESIDENT] * r.night_activity)


def test_relay_scales_only_opinion_worker_intensity(small_config, shifts) -> None:
    model = StreetModel(small_config, seed=3, days=1)
    cells = some_cells(model)
    before_op = passes(model, cells, shifts.counts[12], types=OPINION)
    before_env = passes(model, cells, shifts.counts[12])
    initial = small_config.residents.trust_in_workers_initial
    model.detector.set_relay(np.full(model.layout.n_communities, 2 * initial))
    after_op = passes(model, cells, shifts.counts[12], types=OPINION)
    after_env = passes(model, cells, shifts.counts[12])
    assert np.allclose(after_op[:, :K], 2 * before_op[:, :K])
    assert np.allclose(after_op[:, K:], before_op[:, K:])
    assert np.allclose(after_env, before_env)


def test_detection_probability_is_one_minus_exp(model, shifts) -> None:
    n = 20_000
    cells = np.full(n, model.layout.office_cells[0])
    intensity = np.zeros((n, len(OBSERVERS)))
    intensity[:, Observer.STAFF] = 0.5
    det = model.detector.detect(
        np.arange(n),
        cells,
        intensity,
        shifts.counts[12],
        shifts.online[:, 12] > 0,
        keyed_draws(4),
        36,
    )
    assert np.all(det.observer == Observer.STAFF) and np.all(det.slot == -1)
    assert len(det) / n == pytest.approx(1 - np.exp(-0.5), abs=0.015)


def test_certain_detection_picks_plausible_agents(small_config, shifts) -> None:
    model = StreetModel(small_config, seed=3, days=12)  # enough issues, opinions among them
    log, det = model.issues, model.detector
    idx = np.arange(len(log))
    opinion = log.type == OPINION
    assert opinion.any() and (~opinion).any()
    counts = shifts.counts[12]
    intensity = det.passes_fast(idx, counts, 12, True)
    intensity[intensity > 0] = 50.0  # certain wherever anyone passes
    online_now = shifts.online[:, 12] > 0
    det.new_day()
    found = det.detect(idx, log.cell, intensity, counts, online_now, keyed_draws(5), 12)
    # every issue is found by every class that passes it
    for o in range(len(OBSERVERS)):
        assert set(found.issue[found.observer == o]) == set(np.flatnonzero(intensity[:, o] > 0))
    wf = model.workforce
    for k in range(K):
        mine = found.observer == k
        slots, issues = found.slot[mine], found.issue[mine]
        assert np.all(online_now[slots])
        assert np.all(wf.kind[slots] == k)
        # seen in passing on his route, or heard at a door he calls at
        field = np.where(
            opinion[issues],
            det.worker_doors[k][wf.base[slots], log.cell[issues]],
            det.worker_passes[k][wf.base[slots], log.cell[issues]],
        )
        assert np.all(field > 0), k
    assert opinion[found.issue[found.observer < K]].any()
    res = found.observer == Observer.RESIDENT
    homes = model.residents.home[found.slot[res]]
    hx, hy = model.layout.xy(homes)
    ix, iy = model.layout.xy(log.cell[found.issue[res]])
    radius = model.config.residents.watch_radius_cells
    assert np.all(np.abs(hx - ix) <= radius) and np.all(np.abs(hy - iy) <= radius)


@pytest.mark.parametrize(("hour", "on_duty"), [(12, True), (3, False)])
def test_fast_path_equals_the_reference_intensity(small_config, shifts, hour, on_duty) -> None:
    model = StreetModel(small_config, seed=4, days=3)
    log = model.issues
    model.detector.prepare(log)
    trust = np.linspace(0.2, 0.9, model.layout.n_communities)
    model.detector.set_relay(trust)
    idx = np.arange(len(log))[::-1].copy()
    counts = shifts.counts[hour] + 0.5
    reference = model.detector.passes(
        log.cell[idx], log.type[idx], log.indoor[idx], log.community[idx], counts, hour, on_duty
    )
    fast = model.detector.passes_fast(idx, counts, hour, on_duty)
    assert np.allclose(fast, reference, rtol=1e-12, atol=0)


def test_opinions_are_heard_at_the_door_not_seen_in_passing(model, shifts) -> None:
    """Workers' intensity on an opinion: door contacts with the household, relay, visibility."""
    det = model.detector
    cells = some_cells(model)
    counts = shifts.counts[12]
    vis = model.config.issues.types["opinion"].visibility
    community = model.layout.community[cells]
    for indoor in (False, True):  # building access does not apply at the door
        rate = passes(model, cells, counts, types=OPINION, indoor=indoor)
        for k, kind in enumerate(WORKER_KINDS):
            doors = counts[k] @ det.worker_doors[k][:, cells]
            expected = doors * vis[kind] * det.relay_factor[community]
            assert np.allclose(rate[:, k], expected), (kind, indoor)
    households = np.bincount(model.residents.home, minlength=model.layout.n_cells)
    empty = np.flatnonzero((households == 0) & (model.layout.residential == 0))
    assert len(empty)
    rate = passes(model, empty, counts * 10, types=OPINION)
    assert np.all(rate[:, :K] == 0)  # nobody to hear at a door where nobody lives


def live_detections(model, shifts, live, hour_index, draws):
    log = model.issues
    hour = hour_index % 24
    counts = shifts.counts[hour] * 3.0
    intensity = model.detector.passes_fast(live, counts, hour, True)
    det = model.detector.detect(
        live, log.cell[live], intensity, counts, shifts.online[:, hour], draws, hour_index
    )
    return set(zip(det.issue.tolist(), det.observer.tolist(), det.slot.tolist(), strict=True))


@pytest.fixture(scope="module")
def prepared(small_config):
    """A street with 12 days of issues, its detector prepared for them."""
    model = StreetModel(small_config, seed=3, days=12)
    model.detector.new_day()
    return model


@settings(max_examples=25, deadline=None)
@given(
    subset_seed=st.integers(0, 2**32 - 1),
    keep=st.floats(0.05, 0.95),
    hour_index=st.integers(0, 24 * 60),
)
def test_an_issue_is_noticed_alike_whatever_other_issues_are_live(
    prepared, shifts, subset_seed, keep, hour_index
) -> None:
    """Common random numbers: the draws of an issue are keyed on it, not on its row."""
    model = prepared
    draws = keyed_draws(17)
    everything = np.arange(len(model.issues))
    rng = np.random.default_rng(subset_seed)
    live = rng.permutation(everything[rng.random(len(everything)) < keep])
    full = live_detections(model, shifts, everything, hour_index, draws)
    some = live_detections(model, shifts, live, hour_index, draws)
    mine = set(live.tolist())
    assert len(full) > 0
    assert some == {d for d in full if d[0] in mine}  # hits and the agents who made them


def test_the_detection_draws_depend_on_the_hour_and_the_run(prepared, shifts) -> None:
    model = prepared
    everything = np.arange(len(model.issues))
    draws = keyed_draws(17)
    first = live_detections(model, shifts, everything, 12, draws)
    assert first and first == live_detections(model, shifts, everything, 12, keyed_draws(17))
    assert first != live_detections(model, shifts, everything, 36, draws)  # next day, same hour
    assert first != live_detections(model, shifts, everything, 12, keyed_draws(18))


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_positions=st.integers(2, 40),
    n_rows=st.integers(1, 5),
    tie_share=st.floats(0.0, 1.0),
)
def test_last_at_or_below_equals_a_search_per_row(seed, n_positions, n_rows, tie_share) -> None:
    """The batched pick equals the per-row searchsorted it replaces, ties and empty groups too.

    Rows of cumulative shares with many zero shares (equal neighbours), fractional and
    whole shares; groups of every size, empty ones included; targets drawn as the model
    draws them (low + u * total), plus targets equal to a value inside the group, targets
    anywhere in the row, and u at both ends of [0, 1).
    """
    rng = np.random.default_rng(seed)
    shares = np.where(
        rng.random((n_rows, n_positions - 1)) < tie_share,
        0.0,
        np.where(rng.random((n_rows, n_positions - 1)) < 0.5, 1.0, rng.random((n_rows, 1))),
    )
    cumulative = np.zeros((n_rows, n_positions))
    np.cumsum(shares, axis=1, out=cumulative[:, 1:])
    n = 300
    row = rng.integers(0, n_rows, n)
    lo = rng.integers(0, n_positions, n)
    hi = np.minimum(lo + rng.integers(0, n_positions, n), n_positions - 1)
    low, high = cumulative[row, lo], cumulative[row, hi]
    u = rng.choice([0.0, 1.0 - 2.0**-53, 0.5, *rng.random(5)], n)
    target = low + u * (high - low)
    inside = np.minimum(lo + rng.integers(0, n_positions, n), hi)
    exact = rng.random(n) < 0.3  # a target equal to a stored value of its group
    target[exact] = cumulative[row[exact], inside[exact]]
    anywhere = rng.random(n) < 0.2  # below the group or past it
    target[anywhere] = rng.random(anywhere.sum()) * (cumulative.max() + 1.0)
    expected = np.array(
        [
            np.searchsorted(cumulative[r], t, side="right") - 1
            for r, t in zip(row, target, strict=True)
        ]
    )
    expected = np.clip(expected, lo, hi - 1)
    assert np.array_equal(last_at_or_below(cumulative, row, lo, hi, target), expected)


def test_detect_day_draws_enough_rows_where_classes_cannot_notice(small_config, shifts) -> None:
    """Skipping the rows that cannot hold a hit keeps detect_day equal to detect_hours.

    detect_day draws only the (hour, observer) rows that can hold a hit; here a kind has
    nobody online in some hours and some issues are out of the residents' or the staff's
    sight (rows partly zero), and the detections are still those of detect_hours, row for row.
    """
    model = StreetModel(small_config, seed=3, days=12)
    det, log, draws = model.detector, model.issues, model.draws
    det._issue_resident = np.where(np.arange(len(log)) % 3 == 0, 0.0, det._issue_resident)
    det._issue_staff = np.where(np.arange(len(log)) % 3 == 1, 0.0, det._issue_staff)
    counts = shifts.counts * 3.0
    counts[:10, 0] = 0.0  # no rider online before ten
    counts[18:, 1] = 0.0  # no courier online from six
    hours = np.arange(24)
    hour_index = 2 * 24 + hours
    duty = office_open_at(model.config.staff, hour_index)
    assert duty.any() and not duty.all()
    every, bounded = detect_both_ways(
        det, log, counts, shifts.online, hours, duty, draws, hour_index
    )
    for name in ("issue", "observer", "slot", "hour"):
        assert np.array_equal(getattr(bounded, name), getattr(every, name)), name
    for observer in range(len(OBSERVERS)):
        assert (every.observer == observer).sum() > 5, OBSERVERS[observer]

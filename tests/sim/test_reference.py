"""The vectorised submodels against their per-agent references (model/sim/reference/).

Each reference (:mod:`model.sim.reference`, one module per submodel) is written the obvious
way (Python loops over issues, observers, cells, workers or residents) from the model's
definitions, not from the fast code's intermediate arrays, and is compared on small cases:

- both take the same random numbers (the same keyed draws, the same arrays of uniforms, or
  a generator with the same seed drawn in the fast code's order), and the results must be
  identical;
- the two-stage picks of the noticing worker and resident must also follow the per-agent
  probabilities: the empirical distribution over many draws must match them (chi-square
  goodness of fit at a deterministic seed, plus a total-variation check against a direct
  weighted choice).

No timing here: performance figures come from ``make bench`` only (docs/performance.md).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from conftest import bare_layout, make_config
from scipy import stats

from model.config.codes import (
    CHANNELS,
    ISSUE_TYPES,
    NO_CHANNEL,
    OBSERVERS,
    WORKER_KINDS,
    Observer,
    Role,
)
from model.sim import levers
from model.sim.agents import Worker
from model.sim.channels import channel_rules
from model.sim.costs import Ledger
from model.sim.decisions import (
    choose_channel,
    expected_cost,
    resident_channels,
    worker_channels,
)
from model.sim.deliberation import community_activities
from model.sim.detection import Detector
from model.sim.issues import escalation_age
from model.sim.levers import points_scheme
from model.sim.model import StreetModel, build_decision, build_workforce
from model.sim.reference import decisions as reference_decisions
from model.sim.reference import deliberation as reference_deliberation
from model.sim.reference import detection as reference_detection
from model.sim.reference import issues as reference_issues
from model.sim.reference import levers as reference_levers
from model.sim.reference import space as reference_space
from model.sim.reference import stations as reference_stations
from model.sim.reference import workforce as reference_workforce
from model.sim.residents import ResidentTable
from model.sim.space import door_contacts, exposure_matrices, generate_layout, window_sum
from model.sim.stations import StationReach, station_reach, station_registration, station_visits
from model.sim.streams import keyed_draws

K = len(WORKER_KINDS)
O = len(OBSERVERS)  # noqa: E741 - the number of observer classes
NC = len(CHANNELS)
OPINION = ISSUE_TYPES.index("opinion")
P_MIN = 1e-3  # chi-square p-value floor; every draw is seeded, so the tests are deterministic


def assert_fits(observed: np.ndarray, probabilities: np.ndarray, label: object = "") -> None:
    """Chi-square goodness of fit of counts to probabilities (one category: all in it)."""
    n = observed.sum()
    if len(observed) == 1:
        assert probabilities[0] == pytest.approx(1.0) and observed[0] == n, label
        return
    assert stats.chisquare(observed, probabilities * n).pvalue > P_MIN, label


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def model() -> StreetModel:
    """A small street with 40 days of issues (indoor and opinion issues among them)."""
    street = StreetModel(make_config(), seed=11, days=40)
    trust = np.linspace(0.15, 0.85, street.layout.n_communities)
    street.detector.set_relay(trust)  # relay factor != 1 so the opinion scaling shows
    return street


@pytest.fixture(scope="module")
def shifts(model: StreetModel):
    return model.workforce.draw_shifts(np.random.default_rng(5))


def intensity_of(model: StreetModel, idx, counts, hour: int, on_duty: bool) -> np.ndarray:
    """The reference noticing intensity of the model's issues ``idx`` in an hour."""
    return reference_detection.noticing_intensity(
        model.config,
        model.issues,
        model.layout,
        model.residents,
        model.detector.relay_factor,
        idx,
        counts,
        hour,
        on_duty,
        reference_space.exposure(model.config.workers, model.layout),
        reference_space.door_contacts(model.config.workers, model.layout, model.residents),
    )


def picks_reference(
    model: StreetModel, kind: int, cell: int, online_share, at_the_door: bool = False
) -> np.ndarray:
    """P(worker w noticed | a worker of ``kind`` noticed at ``cell``), from the reference."""
    det = model.detector
    field = det.worker_doors if at_the_door else det.worker_passes
    return reference_detection.worker_pick_probabilities(
        model.workforce, field, kind, cell, online_share
    )


# --------------------------------------------------------------------------- district


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"street": {"cells_x": 12, "cells_y": 9, "communities_x": 3, "communities_y": 2}},
        {"workers": {"courier": {"roads_only": True, "zone_radius_communities": 1}}},
        {"workers": {"rider": {"zone_radius_communities": 0}, "driver": {"speed_kmh": 7.0}}},
    ],
)
def test_exposure_matrices_match_a_per_cell_loop(extra) -> None:
    config = make_config(extra)
    layout = generate_layout(
        config.street, config.policies.stations.count, np.random.default_rng(3)
    )
    got = exposure_matrices(config.workers, layout)
    assert got.shape == (K, layout.n_communities, layout.n_cells)
    assert np.allclose(
        got, reference_space.exposure(config.workers, layout), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"street": {"cells_x": 12, "cells_y": 9, "communities_x": 3, "communities_y": 2}},
        {"workers": {"driver": {"orders_per_hour": 4.0}, "rider": {"zone_radius_communities": 0}}},
    ],
)
def test_door_contacts_match_a_per_cell_loop(extra) -> None:
    config = make_config(extra)
    layout = generate_layout(
        config.street, config.policies.stations.count, np.random.default_rng(3)
    )
    res = ResidentTable(
        config.residents, config.population, config.behaviour, layout, np.random.default_rng(4)
    )
    households = np.bincount(res.home, minlength=layout.n_cells)
    assert (households > 1).any() and (households == 0).any()  # sharing and empty cells
    got = door_contacts(config.workers, layout, households)
    want = reference_space.door_contacts(config.workers, layout, res)
    assert got.shape == (K, layout.n_communities, layout.n_cells)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    # every order of an online worker lands at some home of his zone
    per_cell = want * np.maximum(households, 1)[None, None, :]
    for k, kind in enumerate(WORKER_KINDS):
        orders = getattr(config.workers, kind).orders_per_hour
        assert np.allclose(per_cell[k].sum(axis=1), orders), kind


@pytest.mark.parametrize(
    ("nx", "ny", "radius"), [(1, 1, 0), (1, 9, 2), (8, 3, 1), (7, 11, 3), (5, 5, 9), (13, 6, 0)]
)
def test_window_sum_matches_brute_force(nx: int, ny: int, radius: int) -> None:
    layout = bare_layout(nx, ny)
    values = np.random.default_rng(nx * 31 + ny * 7 + radius).gamma(2.0, size=nx * ny)
    expected = reference_space.window_sum(values, layout, radius)
    assert np.allclose(window_sum(values, layout, radius), expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(("hour", "on_duty"), [(10, True), (22, False), (3, True)])
def test_passes_fast_matches_a_per_issue_per_observer_loop(model, shifts, hour, on_duty) -> None:
    log = model.issues
    assert log.indoor.any() and (log.type == OPINION).any()
    rng = np.random.default_rng(hour)
    # every opinion and indoor issue plus a sample of the rest, in a scrambled order
    special = np.flatnonzero((log.type == OPINION) | log.indoor)[:40]
    idx = rng.permutation(np.concatenate([special, rng.choice(len(log), 40, replace=False)]))
    counts = shifts.counts[hour] + rng.random(shifts.counts[hour].shape)  # fractional counts
    want = intensity_of(model, idx, counts, hour, on_duty)
    fast = model.detector.passes_fast(idx, counts, hour, on_duty)
    readable = model.detector.passes(
        log.cell[idx], log.type[idx], log.indoor[idx], log.community[idx], counts, hour, on_duty
    )
    assert fast.shape == (len(idx), O)
    assert np.allclose(fast, want, rtol=1e-10, atol=1e-14)
    assert np.allclose(readable, want, rtol=1e-10, atol=1e-14)
    assert np.allclose(fast, readable, rtol=1e-12, atol=0)


def test_passes_fast_on_every_issue_and_hour_equals_passes(model, shifts) -> None:
    log = model.issues
    idx = np.arange(len(log))
    for hour in range(24):
        counts = shifts.counts[hour]
        for on_duty in (False, True):
            fast = model.detector.passes_fast(idx, counts, hour, on_duty)
            readable = model.detector.passes(
                log.cell, log.type, log.indoor, log.community, counts, hour, on_duty
            )
            assert np.allclose(fast, readable, rtol=1e-12, atol=0), (hour, on_duty)


@pytest.mark.parametrize(("hour", "hour_index"), [(12, 12), (19, 7 * 24 + 19)])
def test_detections_match_an_event_by_event_loop_for_the_same_keyed_draws(
    model, shifts, hour, hour_index
) -> None:
    """Hits and the agents who made them, keyed on (hour, issue, observer), one at a time."""
    log = model.issues
    idx = np.arange(len(log))
    online = shifts.online[:, hour]
    counts = reference_detection.online_counts(model.workforce, online) * 4.0  # many hits
    intensity = model.detector.passes_fast(idx, counts, hour, True)
    # opinions heard at the door are rare per hour: make them likely, so that the pick by
    # door contacts is exercised (the picks read the fields, not the intensity)
    at_door = (log.type[idx] == OPINION)[:, None] & (np.arange(O) < K)[None, :]
    intensity = np.where(at_door & (intensity > 0), 3.0, intensity)
    draws = keyed_draws(31)
    model.detector.new_day()
    det = model.detector.detect(idx, log.cell[idx], intensity, counts, online, draws, hour_index)
    hits = reference_detection.detection_hits(idx, intensity, draws, hour_index)
    # somebody who can notice is always there when the intensity is positive, so no hit is lost
    assert set(zip(det.issue.tolist(), det.observer.tolist(), strict=True)) == hits
    assert len(det) == len(hits) > 0
    assert np.all((det.slot >= 0) == (det.observer != Observer.STAFF))
    want = reference_detection.detections(
        model.config,
        log,
        model.layout,
        model.workforce,
        model.residents,
        idx,
        intensity,
        online * 4.0,
        model.detector.worker_passes,
        model.detector.worker_doors,
        draws,
        hour_index,
    )
    got = set(zip(det.issue.tolist(), det.observer.tolist(), det.slot.tolist(), strict=True))
    assert got == want
    heard_at_door = [d for d in want if d[1] < K and log.type[d[0]] == OPINION]
    assert heard_at_door  # the door-contact pick is exercised
    other = reference_detection.detection_hits(idx, intensity, keyed_draws(32), hour_index)
    assert other != hits  # the draws depend on the run's key


def covered_cell(model, kind: int, online_share: np.ndarray, at_the_door: bool = False) -> int:
    """The cell reached from the most bases with workers of ``kind`` online."""
    counts = reference_detection.online_counts(model.workforce, online_share)
    det = model.detector
    field = det.worker_doors if at_the_door else det.worker_passes
    reach = (field[kind] * counts[kind][:, None] > 0).sum(axis=0)
    assert reach.max() >= 1
    return int(np.argmax(reach))


def pick_workers_in_one_hour(
    det, kinds, cells, counts, online, u_base, u_worker, at_the_door=None
) -> np.ndarray:
    """The detector's worker pick for detections that all fall in one hour."""
    door = np.zeros(len(kinds), bool) if at_the_door is None else at_the_door
    hour = np.zeros(len(kinds), dtype=np.int64)
    online = np.asarray(online, dtype=float)[:, None]
    return det._pick_workers(kinds, cells, counts[None], online, hour, u_base, u_worker, door)


def check_worker_picks(
    model, online_share, seed: int, n: int = 60_000, at_the_door: bool = False
) -> None:
    """One batched call for all kinds; each kind's picks against the per-worker choice."""
    det, wf = model.detector, model.workforce
    cells = {k: covered_cell(model, k, online_share, at_the_door) for k in range(K)}
    kinds = np.repeat(np.arange(K), n)
    u_base, u_worker = np.random.default_rng(seed).random((2, len(kinds)))
    det.new_day()
    picks = pick_workers_in_one_hour(
        det,
        kinds,
        np.array([cells[k] for k in kinds]),
        reference_detection.online_counts(wf, online_share),
        online_share,
        u_base,
        u_worker,
        np.full(len(kinds), at_the_door),
    )
    # the same uniforms give the same worker as the per-worker loop (a sample of them)
    field = det.worker_doors if at_the_door else det.worker_passes
    for i in range(0, len(kinds), 997):
        want = reference_detection.pick_worker(
            wf, field, int(kinds[i]), cells[int(kinds[i])], online_share, u_base[i], u_worker[i]
        )
        assert picks[i] == want, i
    direct_rng = np.random.default_rng(seed + 1)
    for k in range(K):
        mine = picks[kinds == k]
        p = picks_reference(model, k, cells[k], online_share, at_the_door)
        support = np.flatnonzero(p > 0)
        assert np.all(mine >= 0), k
        assert set(np.unique(mine)) <= set(support), k
        assert np.all(wf.kind[mine] == k) and np.all(online_share[mine] > 0), k
        observed = np.bincount(mine, minlength=len(wf))[support]
        assert_fits(observed, p[support], k)
        direct = np.bincount(direct_rng.choice(len(wf), size=n, p=p), minlength=len(wf))
        assert 0.5 * np.abs(observed - direct[support]).sum() / n < 0.05, k


@pytest.mark.parametrize("hour", [9, 12, 19, 20])
def test_pick_workers_follows_each_workers_share_of_the_passes(model, shifts, hour) -> None:
    online = shifts.online[:, hour]
    if hour in (19, 20):  # hours where shifts end: partial hours must count by their share
        assert np.any((online > 0) & (online < 1))
    check_worker_picks(model, online, hour)


@pytest.mark.parametrize("hour", [12, 20])
def test_pick_workers_at_the_door_follows_each_workers_share_of_the_door_contacts(
    model, shifts, hour
) -> None:
    det = model.detector
    assert not np.allclose(det.worker_doors, det.worker_passes)  # the two fields differ
    check_worker_picks(model, shifts.online[:, hour], hour + 100, at_the_door=True)


def test_pick_workers_with_a_boolean_online_mask_counts_each_worker_fully(model, shifts) -> None:
    online = (shifts.online[:, 20] > 0).astype(float)
    det, wf = model.detector, model.workforce
    kind, n = 0, 60_000
    cell = covered_cell(model, kind, online)
    u_base, u_worker = np.random.default_rng(21).random((2, n))
    picks = pick_workers_in_one_hour(
        det,
        np.full(n, kind),
        np.full(n, cell),
        reference_detection.online_counts(wf, online),
        online > 0,
        u_base,
        u_worker,
    )
    p = picks_reference(model, kind, cell, online)
    support = np.flatnonzero(p > 0)
    observed = np.bincount(picks, minlength=len(wf))[support]
    assert observed.sum() == n
    assert stats.chisquare(observed, p[support] * n).pvalue > P_MIN


def test_pick_workers_returns_minus_one_where_no_worker_of_the_kind_is_online(model) -> None:
    wf, det = model.workforce, model.detector
    online = np.where(wf.kind == 1, 0.0, 1.0)  # no courier online
    u_base, u_worker = np.random.default_rng(0).random((2, 3))
    picks = pick_workers_in_one_hour(
        det,
        np.array([1, 1, 0]),
        np.array([0, 5, 5]),
        reference_detection.online_counts(wf, online),
        online,
        u_base,
        u_worker,
    )
    assert picks[0] == -1 and picks[1] == -1
    assert picks[2] == -1 or (wf.kind[picks[2]] == 0 and online[picks[2]] > 0)
    for i, (kind, cell) in enumerate([(1, 0), (1, 5)]):
        field = det.worker_passes
        assert (
            reference_detection.pick_worker(wf, field, kind, cell, online, u_base[i], u_worker[i])
            == -1
        )


# --------------------------------------------------------------------------- residents


def watcher_cases(model):
    """A few cells with residents in reach (and an office cell), and many draws at each."""
    res, layout = model.residents, model.layout
    rng = np.random.default_rng(4)
    cells = [int(c) for c in rng.permutation(layout.n_cells) if res.activity_by_cell[c] > 0][:2]
    cells.append(int(layout.office_cells[0]))
    n = 40_000
    for cell in cells:
        p = reference_detection.watcher_probabilities(res, layout, cell)
        assert p.sum() > 0
        u_home, u_resident = np.random.default_rng(cell).random((2, n))
        picks = res.pick_watcher(np.full(n, cell), u_home, u_resident)
        assert np.all(picks >= 0)
        assert set(np.unique(picks)) <= set(np.flatnonzero(p > 0))
        # the same uniforms give the same resident as the per-resident loop (a sample)
        for i in range(0, n, 1999):
            assert picks[i] == reference_detection.pick_watcher(
                res, layout, cell, u_home[i], u_resident[i]
            )
        yield cell, p, picks


def test_pick_watcher_home_cells_follow_the_activity_living_there(model) -> None:
    """The home cell of the picked resident is drawn in proportion to its residents' activity."""
    res, layout = model.residents, model.layout
    for cell, p, picks in watcher_cases(model):
        p_home = np.bincount(res.home, weights=p, minlength=layout.n_cells)
        support = np.flatnonzero(p_home > 0)
        observed = np.bincount(res.home[picks], minlength=layout.n_cells)[support]
        assert stats.chisquare(observed, p_home[support] * len(picks)).pvalue > P_MIN, cell


def test_pick_watcher_follows_the_per_resident_weighted_choice(model) -> None:
    res = model.residents
    assert len(np.unique(res.activity)) > 1  # otherwise both rules coincide
    rng = np.random.default_rng(6)
    for cell, p, picks in watcher_cases(model):
        n = len(picks)
        support = np.flatnonzero(p > 0)
        observed = np.bincount(picks, minlength=len(res))[support]
        direct = np.bincount(rng.choice(len(res), size=n, p=p), minlength=len(res))[support]
        tv = 0.5 * np.abs(observed - direct).sum() / n
        assert tv < 0.03, cell
        assert stats.chisquare(observed, p[support] * n).pvalue > P_MIN, cell


def test_pick_watcher_is_per_resident_by_activity_when_activity_is_uniform() -> None:
    config = make_config({"population": {"elderly_alone_share": 0.0}})
    street = StreetModel(config, seed=11, days=1)
    res = street.residents
    assert np.all(res.activity == res.activity[0])
    rng = np.random.default_rng(6)
    for cell, p, picks in watcher_cases(street):
        n = len(picks)
        support = np.flatnonzero(p > 0)
        observed = np.bincount(picks, minlength=len(res))[support]
        assert stats.chisquare(observed, p[support] * n).pvalue > P_MIN, cell
        direct = np.bincount(rng.choice(len(res), size=n, p=p), minlength=len(res))[support]
        assert 0.5 * np.abs(observed - direct).sum() / n < 0.03, cell


def test_pick_watcher_returns_minus_one_exactly_where_nobody_lives_in_reach() -> None:
    config = make_config({"population": {"residents": 6}, "residents": {"watch_radius_cells": 1}})
    layout = generate_layout(
        config.street, config.policies.stations.count, np.random.default_rng(2)
    )
    res = ResidentTable(
        config.residents, config.population, config.behaviour, layout, np.random.default_rng(3)
    )
    cells = np.arange(layout.n_cells)
    u_home, u_resident = np.random.default_rng(0).random((2, len(cells)))
    picks = res.pick_watcher(cells, u_home, u_resident)
    assert (picks == -1).any() and (picks >= 0).any()
    for cell in cells:
        p = reference_detection.watcher_probabilities(res, layout, int(cell))
        if p.sum() == 0:
            assert picks[cell] == -1
        else:
            assert picks[cell] >= 0 and p[picks[cell]] > 0
        want = reference_detection.pick_watcher(
            res, layout, int(cell), u_home[cell], u_resident[cell]
        )
        assert picks[cell] == want, cell


def test_resident_looks_match_a_per_resident_loop(model) -> None:
    res, layout = model.residents, model.layout
    expected = reference_detection.resident_looks(res, layout)
    assert np.allclose(res.looks_per_hour(), expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- workforce


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_draw_shifts_matches_a_per_worker_loop(seed: int) -> None:
    config = make_config(
        {"workers": {"driver": {"shift_start_hours": [0, 13, 20, 23], "online_hours_sd": 4.0}}}
    )
    layout = generate_layout(
        config.street, config.policies.stations.count, np.random.default_rng(seed)
    )
    wf = build_workforce(config, layout, np.random.default_rng(seed + 10))
    shifts = wf.draw_shifts(np.random.default_rng(seed))
    online, counts, hours = reference_workforce.shifts(wf, np.random.default_rng(seed))
    assert np.allclose(shifts.online, online, rtol=0, atol=1e-12)
    assert np.allclose(shifts.counts, counts, rtol=0, atol=1e-9)
    assert np.allclose(shifts.hours, hours, rtol=0, atol=1e-12)
    assert counts.sum() > 0


# --------------------------------------------------------------------------- decisions


def random_costs(rng, n: int):
    cost = rng.uniform(0.0, 30.0, size=(n, NC))
    cost[: n // 10] *= 100.0  # large costs: the log-sum must stay stable
    available = rng.random((n, NC)) < 0.6
    available[n // 10 : n // 10 + 5] = False  # rows with no open channel
    return cost, available


# rows whose closed channels are far cheaper than the open ones overflow exp() inside
# expected_cost before np.where masks them; harmless, and not what is compared here
@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
@pytest.mark.parametrize("scale", [0.3, 2.0, 25.0])
def test_expected_cost_matches_a_per_row_loop(scale: float) -> None:
    cost, available = random_costs(np.random.default_rng(1), 300)
    got = expected_cost(cost, available, scale)
    for i in range(len(cost)):
        want = reference_decisions.expected_cost(cost[i], available[i], scale)
        if math.isinf(want):
            assert math.isinf(got[i]) and got[i] > 0
        else:
            assert got[i] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_choose_channel_matches_a_per_row_loop_for_the_same_draws() -> None:
    cost, available = random_costs(np.random.default_rng(2), 500)
    u = np.random.default_rng(3).random(cost.shape)
    got = choose_channel(cost, available, 2.0, u)
    for i in range(len(cost)):
        assert got[i] == reference_decisions.choose_channel(cost[i], available[i], 2.0, u[i]), i


def test_choose_channel_frequencies_match_the_logit_probabilities() -> None:
    cost_row = np.array([8.0, 3.0, 5.0, 10.0, 4.0])
    available_row = np.array([True, True, True, False, True])
    weights = [
        math.exp(-c / 2.0) if ok else 0.0 for c, ok in zip(cost_row, available_row, strict=True)
    ]
    p = np.array(weights) / sum(weights)
    n = 50_000
    u = np.random.default_rng(8).random((n, NC))
    choice = choose_channel(np.tile(cost_row, (n, 1)), np.tile(available_row, (n, 1)), 2.0, u)
    support = np.flatnonzero(p > 0)
    observed = np.bincount(choice, minlength=NC)
    assert observed[~available_row].sum() == 0
    assert stats.chisquare(observed[support], p[support] * n).pvalue > P_MIN


def worker_rows(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Random traits of ``n`` noticing workers, with the channels open now and later."""
    return {
        "kind": rng.integers(0, K, n),
        "motivation": rng.random(n),
        "belonging": rng.random(n),
        "trust": rng.random(n),
        "registered": rng.random(n) < 0.5,
        "insured": rng.random(n) < 0.5,
        "role": rng.integers(0, 4, n),
        "role_match": rng.random(n) < 0.3,
        "severity": rng.random(n),
        "reward": rng.uniform(0, 200, n),
        "available": rng.random((n, NC)) < 0.7,
        "available_later": rng.random((n, NC)) < 0.7,
    }


TRAITS = (
    "kind",
    "motivation",
    "belonging",
    "trust",
    "registered",
    "insured",
    "role",
    "role_match",
    "severity",
    "reward",
)


def fast_worker_decisions(decision, data, u_decide, u_channel):
    """The vectorised worker decision for the rows of ``data``."""
    utility, cost = decision.worker_terms(**{key: data[key] for key in TRAITS})
    return decision.decide_now_or_later(
        utility,
        cost,
        data["available"],
        decision.off_shift_cost(len(utility)),
        data["available_later"],
        u_decide,
        u_channel,
    )


@pytest.mark.parametrize("recall", [0.0, 0.5, 1.0])
def test_worker_decision_matches_a_per_row_loop_for_the_same_uniforms(recall) -> None:
    config = make_config(
        {
            "behaviour": {"worker_intercept": 0.5, "shift_end_recall": recall},
            "policies": {
                "points": {"enabled": True, "crowding_out": True},
                "honours": {"enabled": True},
                "posts": {"enabled": True},
            },
        }
    )
    rules = channel_rules(config.channels, config.policies)
    decision = build_decision(config, rules, points_scheme(config.policies.points))
    n = 600
    data = worker_rows(np.random.default_rng(12), n)
    data["available"][:5] = False
    data["available_later"][5:10] = False
    u_decide, u_channel = (
        np.random.default_rng(13).random(n),
        np.random.default_rng(14).random((n, NC)),
    )
    got_now, got_later = fast_worker_decisions(decision, data, u_decide, u_channel)
    want_now, want_later = reference_decisions.worker_decisions(
        config, rules, data, u_decide, u_channel
    )
    assert np.array_equal(got_now, want_now)
    assert np.array_equal(got_later, want_later)
    assert (got_now != NO_CHANNEL).any() and (got_now == NO_CHANNEL).any()
    assert np.all(got_now[:5] == NO_CHANNEL)
    assert not (got_later & (got_now != NO_CHANNEL)).any()  # one decision: now or later
    if recall == 0.0:
        assert not got_later.any()
    else:
        assert got_later.any() and not got_later[5:10].any()
    # the probabilities themselves, row by row
    utility, cost = decision.worker_terms(**{key: data[key] for key in TRAITS})
    p_now, p_later = decision.now_or_later_probabilities(
        utility, cost, data["available"], decision.off_shift_cost(n), data["available_later"]
    )
    for i in range(0, n, 7):
        want = reference_decisions.now_or_later_probabilities(
            config,
            reference_decisions.worker_utility(config, data, i),
            reference_decisions.worker_costs_now(config, rules, int(data["kind"][i])),
            data["available"][i],
            reference_decisions.worker_costs_off_shift(config, rules),
            data["available_later"][i],
        )
        assert (p_now[i], p_later[i]) == pytest.approx(want, rel=1e-9, abs=1e-15), i


@pytest.mark.parametrize("waiver", [False, True])
def test_worker_decision_with_the_waiver_matches_the_reference(waiver) -> None:
    config = make_config({"policies": {"waiver": {"enabled": waiver}}})
    rules = channel_rules(config.channels, config.policies)
    decision = build_decision(config, rules, points_scheme(config.policies.points))
    n = 300
    data = worker_rows(np.random.default_rng(16), n)
    data["reward"][:] = 0.0
    data["motivation"][:] = 50.0  # many reporters, so the channel costs matter
    u_decide, u_channel = (
        np.random.default_rng(17).random(n),
        np.random.default_rng(18).random((n, NC)),
    )
    got = fast_worker_decisions(decision, data, u_decide, u_channel)
    want = reference_decisions.worker_decisions(config, rules, data, u_decide, u_channel)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert (got[0] != NO_CHANNEL).sum() > n // 2


def test_resident_decision_matches_a_per_row_loop_for_the_same_uniforms() -> None:
    config = make_config(
        {"policies": {"mini_program": {"enabled": True}}, "behaviour": {"resident_intercept": 0}}
    )
    rules = channel_rules(config.channels, config.policies)
    decision = build_decision(config, rules, points_scheme(config.policies.points))
    rng = np.random.default_rng(14)
    n = 400
    propensity, trust, severity = rng.random(n), rng.random(n), rng.random(n)
    available = rng.random((n, NC)) < 0.6
    u_decide, u_channel = rng.random(n), rng.random((n, NC))
    utility, cost = decision.resident_terms(propensity=propensity, trust=trust, severity=severity)
    got = decision.decide(utility, cost, available, u_decide, u_channel)
    want = reference_decisions.resident_decisions(
        config,
        rules,
        {"propensity": propensity, "trust": trust, "severity": severity, "available": available},
        u_decide,
        u_channel,
    )
    assert np.array_equal(got, want)
    assert (got != NO_CHANNEL).any() and (got == NO_CHANNEL).any()


@pytest.mark.parametrize(
    "policies",
    [
        {},
        {"mini_program": {"enabled": True}, "stations": {"upgraded": True, "count": 2}},
        {"posts": {"enabled": True}},
        {"deliberation": {"enabled": True}, "mini_program": {"enabled": True}},
    ],
)
def test_channels_open_to_each_worker_and_resident_match_a_per_agent_loop(policies) -> None:
    config = make_config({"policies": policies})
    rules = channel_rules(config.channels, config.policies)
    rng = np.random.default_rng(19)
    n = 200
    registered, adopted, station = rng.random((3, n)) < 0.5
    office_open, holds = rng.random((2, n)) < 0.5
    got = worker_channels(rules, registered, adopted, station, office_open, holds)
    want = reference_decisions.worker_channels(
        rules, registered, adopted, station, office_open, holds
    )
    assert np.array_equal(got, want)
    everyone_holds = np.ones(n, dtype=bool)
    nobody_holds = np.zeros(n, dtype=bool)
    assert np.array_equal(
        worker_channels(rules, registered, adopted, station, office_open),
        reference_decisions.worker_channels(
            rules, registered, adopted, station, office_open, nobody_holds
        ),
    )
    assert np.array_equal(
        worker_channels(rules, registered, adopted, station, True, everyone_holds),
        reference_decisions.worker_channels(
            rules, registered, adopted, station, np.ones(n, bool), everyone_holds
        ),
    )
    for office in (True, False):
        assert np.array_equal(
            resident_channels(rules, adopted, office),
            reference_decisions.resident_channels(rules, adopted, office),
        )


# --------------------------------------------------------------------------- issues


@pytest.mark.parametrize(
    ("base", "doubling", "budget"),
    [(1.0, 100.0, 1.0), (5.0, 24.0, 0.2), (0.2, 500.0, 3.0), (50.0, 10.0, 0.01), (2.0, 1e4, 1.5)],
)
def test_escalation_age_matches_numeric_integration(base, doubling, budget) -> None:
    got = escalation_age(np.array([base]), np.array([doubling]), np.array([budget]))[0]
    assert got == pytest.approx(reference_issues.escalation_age(base, doubling, budget), rel=1e-7)


def test_escalation_age_without_hazard_is_infinite() -> None:
    got = escalation_age(np.array([0.0, 1.0]), np.array([50.0, 50.0]), np.array([1.0, 1.0]))
    assert math.isinf(got[0]) and math.isfinite(got[1])


# --------------------------------------------------------------------------- the detector
# built from a scenario with several communities so that every path is exercised


def test_prepared_rows_follow_the_log_after_relay_changes(model, shifts) -> None:
    det: Detector = model.detector
    log = model.issues
    idx = np.flatnonzero(log.type == OPINION)[:20]
    counts = shifts.counts[12]
    before = det.passes_fast(idx, counts, 12, True)
    old = det.relay_factor.copy()
    try:
        det.set_relay(np.full(model.layout.n_communities, 1.0))
        after = det.passes_fast(idx, counts, 12, True)
        assert np.allclose(after, intensity_of(model, idx, counts, 12, True), rtol=1e-10)
    finally:
        det.relay_factor = old
    assert np.allclose(before, det.passes_fast(idx, counts, 12, True))


# --------------------------------------------------------------------------- the levers
# each lever's fast code against its worker-by-worker reference, for the same draws

LEVERS_ON = {
    "policies": {
        "posts": {"enabled": True, "skill_matching": False, "share_of_registered": 0.7},
        "stations": {"upgraded": True, "count": 4, "visit_daily_probability": 0.6},
        "insurance": {"enabled": True},
        "one_stop": {"enabled": True},
        "honours": {"enabled": True, "awards_per_month": 7},
        "deliberation": {"enabled": True, "activities_per_month": 2.0},
    },
    "workers": {"own_problem_monthly": 0.9, "registered_initial": 0.4},
}


@pytest.fixture(scope="module")
def lever_street() -> StreetModel:
    """A small street with every daily lever on, part of the workers holding posts."""
    street = StreetModel(make_config(LEVERS_ON), seed=21, days=5)
    rng = np.random.default_rng(22)
    wf = street.workforce
    wf.role[:] = rng.integers(0, 4, len(wf))
    wf.reports_month[:] = rng.integers(0, 4, len(wf))
    return street


def twins(street: StreetModel):
    """Two independent copies of the street's worker and resident tables."""
    return copy.deepcopy((street.workforce, street.residents)), copy.deepcopy(
        (street.workforce, street.residents)
    )


@pytest.mark.parametrize("reach_minutes", [0.5, 2.0, 5.0, 60.0])
def test_station_reach_matches_a_per_station_per_cell_loop(lever_street, reach_minutes) -> None:
    config, layout = lever_street.config, lever_street.layout
    stations = config.policies.stations.model_copy(update={"reach_minutes": reach_minutes})
    passes = lever_street.detector.worker_passes
    got = station_reach(passes, layout, config.workers, stations)
    pull, reach = reference_stations.station_reach(passes, layout, config.workers, stations)
    assert got.pull.shape == pull.shape == (K, layout.n_communities, len(layout.station_cells))
    assert np.allclose(got.pull, pull, rtol=1e-12, atol=1e-15)
    assert np.allclose(got.reach, reach, rtol=1e-12, atol=1e-15)
    # the union of the catchments: at least the largest, at most the sum of the pulls
    assert np.all(reach >= pull.max(axis=2) - 1e-12)
    assert np.all(reach <= np.minimum(pull.sum(axis=2), 1.0) + 1e-12)
    if reach_minutes == 60.0:  # a whole hour reaches every cell of this small street
        assert np.allclose(reach[passes.sum(axis=2) > 0], 1.0)
    else:
        assert (reach < 1.0).any() and (reach > 0).any()


@pytest.mark.parametrize(("seed", "capacity"), [(1, 1000.0), (2, 1000.0), (3, 2.0)])
def test_station_visits_match_the_reference(lever_street, seed, capacity) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    config, layout = lever_street.config, lever_street.layout
    stations = config.policies.stations.model_copy(
        update={"capacity_visits_per_day": capacity, "reach_minutes": 3.0}
    )
    reach = station_reach(lever_street.detector.worker_passes, layout, config.workers, stations)
    works = np.random.default_rng(seed + 100).random(len(fast)) < 0.7
    got = station_visits(fast, works, reach, stations, np.random.default_rng(seed))
    want = reference_stations.station_visits(
        slow, works, reach.pull, reach.reach, stations, np.random.default_rng(seed)
    )
    assert list(got) == want and len(want) > 0
    assert np.array_equal(fast.belonging, slow.belonging)
    assert np.all(works[want])
    if capacity < 10:  # full stations turn visitors away: about capacity per station
        assert len(want) <= 4 * capacity * len(layout.station_cells)


def test_station_visits_without_stations_draw_alike_and_visit_nobody(lever_street) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    config, layout = lever_street.config, lever_street.layout
    passes = lever_street.detector.worker_passes
    none = StationReach(
        pull=np.zeros((K, layout.n_communities, 0)), reach=np.zeros((K, layout.n_communities))
    )
    works = np.ones(len(fast), dtype=bool)
    rng_fast, rng_slow = np.random.default_rng(7), np.random.default_rng(7)
    stations = config.policies.stations
    assert len(station_visits(fast, works, none, stations, rng_fast)) == 0
    assert (
        reference_stations.station_visits(slow, works, none.pull, none.reach, stations, rng_slow)
        == []
    )
    assert rng_fast.random() == rng_slow.random()  # both took a row of draws per worker
    assert passes.sum() > 0


def test_registration_drive_and_station_registration_match_the_reference(lever_street) -> None:
    config, wf = lever_street.config, lever_street.workforce
    pol, base = config.policies, config.workers.registration_daily_hazard
    assert (wf.role == Role.PUBLICIST).any()
    got = levers.posts_registration_drive(wf, pol.posts, base, wf.n_communities)
    want = reference_levers.posts_registration_drive(wf, pol.posts, base)
    assert np.allclose(got, want, rtol=1e-12, atol=0)
    visits = np.flatnonzero(np.random.default_rng(3).random(len(wf)) < 0.3)
    station_registration(got, visits, pol.stations)
    reference_stations.station_registration(want, list(visits), pol.stations)
    assert np.allclose(got, want, rtol=1e-12, atol=0)
    assert got[visits].min() >= pol.stations.registration_per_visit


@pytest.mark.parametrize("matching", [False, True])
def test_designated_posts_match_the_reference(lever_street, matching) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    posts = lever_street.config.policies.posts.model_copy(update={"skill_matching": matching})
    fast.role[:] = Role.NONE
    slow.role[:] = Role.NONE
    slots = np.flatnonzero(fast.registered)
    ledger = Ledger(lever_street.config.policies)
    levers.designated_posts(fast, slots, posts, ledger, np.random.default_rng(4))
    given = reference_levers.designated_posts(slow, slots, posts, np.random.default_rng(4))
    assert np.array_equal(fast.role, slow.role)
    assert given == np.count_nonzero(fast.role) > 0
    assert ledger.spent["posts"] == pytest.approx(given * posts.training_yuan_per_post)


def test_insurance_enrolment_matches_the_reference(lever_street) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    insurance = lever_street.config.policies.insurance
    for day in range(5):
        levers.insurance_enrolment(fast, insurance, np.random.default_rng(day))
        reference_levers.insurance_enrolment(slow, insurance, np.random.default_rng(day))
    assert np.array_equal(fast.insured, slow.insured)
    assert np.array_equal(fast.subsidized, slow.subsidized) and fast.subsidized.any()


@pytest.mark.parametrize("one_stop", [False, True])
def test_own_problems_match_the_reference(lever_street, one_stop) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    config = lever_street.config
    platform = config.policies.one_stop.model_copy(update={"enabled": one_stop})
    behaviour = config.behaviour
    before = fast.belonging.copy()
    levers.own_problems(fast, config.workers, platform, behaviour, np.random.default_rng(5))
    reference_levers.own_problems(
        slow, config.workers, platform, behaviour, np.random.default_rng(5)
    )
    assert np.array_equal(fast.belonging, slow.belonging)
    assert not np.array_equal(fast.belonging, before)


def test_belonging_update_matches_the_reference(lever_street) -> None:
    (fast, _), (slow, _) = twins(lever_street)
    spill = levers.honours_spillover(lever_street.config.policies.honours)
    assert spill > 0
    fast.update_belonging(spill)
    reference_workforce.update_belonging(slow, spill)
    assert np.allclose(fast.belonging, slow.belonging, rtol=1e-12, atol=1e-15)


def test_honours_awards_from_the_agents_match_the_table_reference(lever_street) -> None:
    wf = lever_street.workforce
    honours = lever_street.config.policies.honours
    before = wf.belonging.copy()
    try:
        levers.honours_awards(lever_street.agents_by_type.get(Worker), wf, honours)
        fast = wf.belonging.copy()
        wf.belonging[:] = before
        honoured = reference_levers.honours_awards(wf, honours)
        assert np.array_equal(fast, wf.belonging)
        assert len(honoured) == honours.awards_per_month
        assert set(np.flatnonzero(fast != before)) == set(honoured)
    finally:
        wf.belonging[:] = before


def test_community_activities_match_the_reference(lever_street) -> None:
    (fast_wf, fast_res), (slow_wf, slow_res) = twins(lever_street)
    deliberation = lever_street.config.policies.deliberation
    ledger = Ledger(lever_street.config.policies)
    got = community_activities(fast_wf, fast_res, deliberation, ledger, np.random.default_rng(6))
    want = reference_deliberation.community_activities(
        slow_wf, slow_res, deliberation, np.random.default_rng(6)
    )
    assert np.allclose(got, want, rtol=1e-12, atol=0)
    assert np.array_equal(fast_wf.belonging, slow_wf.belonging)
    assert np.allclose(fast_res.trust_in_workers, slow_res.trust_in_workers, rtol=1e-12, atol=0)
    assert ledger.spent["deliberation"] > 0

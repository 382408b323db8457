"""The worker table: traits, shifts, turnover, registration, posts and belonging."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_config
from scipy import integrate, stats

from model.config.codes import WORKER_KINDS
from model.sim.model import build_workforce
from model.sim.reference import workforce as reference_workforce
from model.sim.space import generate_layout
from model.sim.streams import make_streams
from model.sim.workforce import NEWCOMER_DRAWS, WorkerTable

BIG = {"population": {"workers": {"rider": 6000, "courier": 3000, "driver": 3000}}}


def table_for(*overrides, seed: int = 0) -> WorkerTable:
    config = make_config(*overrides)
    layout = generate_layout(
        config.street, config.policies.stations.count, make_streams(seed)["layout"]
    )
    return build_workforce(config, layout, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def big() -> WorkerTable:
    return table_for(BIG)


def test_initial_traits(big: WorkerTable) -> None:
    w = big.workers
    assert len(big) == 12_000
    assert np.array_equal(np.bincount(big.kind), [6000, 3000, 3000])
    assert np.all((big.base >= 0) & (big.base < big.n_communities))
    for name in ("motivation", "belonging", "belonging_base", "trust"):
        values = getattr(big, name)
        assert np.all((values >= 0) & (values <= 1)), name
    assert np.array_equal(big.belonging, big.belonging_base)
    assert np.all(big.trust == w.trust_initial)
    assert big.registered.mean() == pytest.approx(w.registered_initial, abs=0.01)
    assert big.insured.mean() == pytest.approx(w.insured_share, abs=0.015)
    adoption = make_config(BIG).channels.worker_mini_program_adoption
    assert big.adopted_mini_program.mean() == pytest.approx(adoption, abs=0.015)
    assert np.all(big.role == 0) and np.all(big.points == 0) and not big.seat.any()
    assert np.all(np.isneginf(big.last_report_at))


def test_base_weights_are_distributions(big: WorkerTable) -> None:
    assert big.base_weights.shape == (len(WORKER_KINDS), big.n_communities)
    assert np.allclose(big.base_weights.sum(axis=1), 1.0)
    drivers = big.base[big.kind == 2]
    freq = np.bincount(drivers, minlength=big.n_communities) / len(drivers)
    assert np.allclose(freq, big.base_weights[2], atol=0.03)


def expected_online_hours(profile) -> float:
    """E[min(clip(N(mean, sd), 1, 16), 24 - start)] averaged over the start options."""
    dist = stats.norm(profile.online_hours_mean, max(profile.online_hours_sd, 1e-9))
    total = 0.0
    for start in profile.shift_start_hours:
        cap = min(16.0, 24.0 - start)

        def hours(x, cap=cap):
            return min(max(x, 1.0), cap)

        lo, hi = profile.online_hours_mean - 10 * profile.online_hours_sd, 40.0
        value, _ = integrate.quad(lambda x, h=hours: h(x) * dist.pdf(x), lo, hi, limit=200)
        total += value
    return total / len(profile.shift_start_hours)


def test_shifts_match_the_profiles(big: WorkerTable) -> None:
    rng = np.random.default_rng(1)
    days = [big.draw_shifts(rng) for _ in range(3)]
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(big.workers, kind)
        mine = big.kind == k
        works = np.concatenate([s.hours[mine] > 0 for s in days])
        assert works.mean() == pytest.approx(profile.workdays_per_week / 7, abs=0.015), kind
        hours = np.concatenate([s.hours[mine][s.hours[mine] > 0] for s in days])
        assert hours.mean() == pytest.approx(expected_online_hours(profile), abs=0.06), kind
        assert np.all((hours >= 1.0) & (hours <= 16.0))


def test_rider_online_hours_in_calibration_band(big: WorkerTable) -> None:
    shifts = big.draw_shifts(np.random.default_rng(2))
    riders = (big.kind == 0) & (shifts.hours > 0)
    assert 6.0 <= shifts.hours[riders].mean() <= 10.0  # workers.daily_online_hours_rider


def test_online_profile_sums_to_hours_and_counts_aggregate(big: WorkerTable) -> None:
    s = big.draw_shifts(np.random.default_rng(3))
    assert s.online.shape == (len(big), 24)
    assert np.all((s.online >= 0) & (s.online <= 1))
    assert np.allclose(s.online.sum(axis=1), s.hours)
    # online hours are one contiguous block from a permitted start hour
    for k, kind in enumerate(WORKER_KINDS):
        starts = set(getattr(big.workers, kind).shift_start_hours)
        working = np.flatnonzero((big.kind == k) & (s.hours > 0))
        first = np.argmax(s.online[working] > 0, axis=1)
        assert set(first) <= starts
    expected = np.zeros((24, len(WORKER_KINDS), big.n_communities))
    for i in range(len(big)):
        expected[:, big.kind[i], big.base[i]] += s.online[i]
    assert np.allclose(s.counts, expected)


def move_bases(table: WorkerTable, slots: np.ndarray, seed: int) -> None:
    """Renew ``slots`` with newcomers based in the first or the last community."""
    draws = np.random.default_rng(seed).random((len(slots), NEWCOMER_DRAWS))
    draws[:, 0] = np.where(table.base[slots] == 0, 0.999999, 0.0)  # the other end
    before = table.base[slots].copy()
    table.renew(slots, draws, now=24.0)
    assert np.all(table.base[slots] != before)


def test_shifts_follow_the_bases_of_renewed_slots() -> None:
    # the hour bins of Shifts.counts and the groups are kept per slot by renew: after
    # turnover, the counts must still be the worker-by-worker sums on the current bases
    table = table_for(
        {"workers": {"driver": {"shift_start_hours": [0, 13, 20, 23], "online_hours_sd": 4.0}}}
    )
    for day in range(3):
        move_bases(table, np.arange(day, len(table), 3), seed=day)
        assert np.array_equal(
            table.group, table.kind.astype(np.int64) * table.n_communities + table.base
        )
        s = table.draw_shifts(np.random.default_rng(20 + day))
        online, counts, hours = reference_workforce.shifts(table, np.random.default_rng(20 + day))
        # the same numbers, bit for bit (the reference sums in slot order, as bincount)
        assert np.array_equal(s.online, online)
        assert np.array_equal(s.counts, counts)
        assert np.array_equal(s.hours, hours)
        assert np.array_equal(np.isnan(s.end), hours == 0)
        working = hours > 0
        first_hour = np.argmax(online[working] > 0, axis=1)
        assert np.array_equal(s.end[working], first_hour + hours[working])


def test_shift_terms_are_the_kinds_terms() -> None:
    table = table_for()
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(table.workers, kind)
        mine = table.kind == k
        assert np.all(table._work_chance[mine] == profile.workdays_per_week / 7.0)
        assert np.all(table._hours_mean[mine] == profile.online_hours_mean)
        assert np.all(table._hours_sd[mine] == profile.online_hours_sd)
        options = table._start_options[table._start_offset[mine][0] :][
            : int(table._n_start_options[mine][0])
        ]
        assert list(options) == list(profile.shift_start_hours)
        monthly = profile.monthly_turnover
        assert np.allclose(table._daily_turnover[mine], 1 - (1 - monthly) ** (1 / 30), rtol=1e-15)


def test_nobody_works_with_zero_workers() -> None:
    table = table_for({"population": {"workers": {"rider": 0, "courier": 0, "driver": 0}}})
    assert len(table) == 0
    s = table.draw_shifts(np.random.default_rng(0))
    assert s.counts.shape == (24, 3, table.n_communities) and np.all(s.counts == 0)
    assert len(table.leaving(np.random.default_rng(0))) == 0


def test_leaving_hazard_matches_monthly_turnover(big: WorkerTable) -> None:
    table = table_for(BIG)
    table.belonging[:] = table.workers.belonging_initial
    table.insured[:] = False
    rng = np.random.default_rng(4)
    days = 30
    left = np.zeros(len(table), dtype=bool)
    for _ in range(days):
        left[table.leaving(rng)] = True  # the slot is not refilled here: ever left in 30 days
    for k, kind in enumerate(WORKER_KINDS):
        monthly = getattr(table.workers, kind).monthly_turnover
        mine = table.kind == k
        sd = np.sqrt(monthly * (1 - monthly) / mine.sum())
        assert left[mine].mean() == pytest.approx(monthly, abs=4 * sd + 0.003), kind


def test_leaving_hazard_factors() -> None:
    table = table_for(BIG)
    b, w = table.behaviour, table.workers
    rng = np.random.default_rng(5)
    table.insured[:] = False
    table.belonging[:] = w.belonging_initial
    base = np.mean([len(table.leaving(rng)) for _ in range(60)])
    table.insured[:] = True
    insured = np.mean([len(table.leaving(rng)) for _ in range(60)])
    assert insured / base == pytest.approx(b.turnover_insured_factor, rel=0.08)
    table.insured[:] = False
    table.belonging[:] = w.belonging_initial + 0.3
    attached = np.mean([len(table.leaving(rng)) for _ in range(60)])
    expected = np.exp(-b.turnover_belonging_elasticity * 0.3)
    assert attached / base == pytest.approx(expected, rel=0.1)


def test_register_hazard_and_permanence() -> None:
    table = table_for(BIG, {"workers": {"registered_at_entry": 0.0}})
    hazard = table.workers.registration_daily_hazard
    joined = table.register(np.random.default_rng(6), extra_hazard=0.05)
    assert joined.size / len(table) == pytest.approx(hazard + 0.05, abs=0.008)
    assert np.all(table.registered[joined])
    again = table.register(np.random.default_rng(7), extra_hazard=1.0)
    assert not np.isin(joined, again).any()  # the registered never register again
    assert table.registered.all()


def test_hazards_beyond_the_unit_interval_act_as_certainty_or_never() -> None:
    # the daily hazards are compared unclipped with uniforms in [0, 1)
    table = table_for({"workers": {"registered_at_entry": 0.0}})
    table.registered[:] = False
    assert len(table.register(np.random.default_rng(12), extra_hazard=-5.0)) == 0
    assert len(table.register(np.random.default_rng(13), extra_hazard=5.0)) == len(table)
    table.belonging[:] = -50.0  # an exp factor far above 1: everybody's hazard exceeds 1
    table.insured[:] = False
    assert len(table.leaving(np.random.default_rng(14))) == len(table)


def test_assign_posts_with_and_without_matching() -> None:
    table = table_for(BIG)
    slots = np.arange(len(table))
    chosen = table.assign_posts(slots, np.random.default_rng(8), share=0.5, matching=True)
    assert len(chosen) / len(table) == pytest.approx(0.5, abs=0.02)
    assert np.array_equal(table.role[chosen], table.kind[chosen] + 1)
    assert np.all(table.role[np.setdiff1d(slots, chosen)] == 0)
    table.role[:] = 0
    chosen = table.assign_posts(slots, np.random.default_rng(9), share=1.0, matching=False)
    assert len(chosen) == len(table)
    assert set(np.unique(table.role)) == {1, 2, 3}
    assert np.mean(table.role == table.kind + 1) == pytest.approx(1 / 3, abs=0.03)


def test_update_belonging_closed_form() -> None:
    table = table_for()
    b = table.behaviour
    table.registered[:] = False
    table.registered[:10] = True
    table.role[:5] = 2
    table.insured[:] = False
    table.insured[::2] = True
    before = table.belonging.copy()
    table.update_belonging(honours_spillover=0.1)
    target = np.clip(
        table.belonging_base
        + b.belonging_registered_gain * table.registered
        + b.belonging_role_gain * (table.role > 0)
        + b.belonging_insured_gain * table.insured
        + 0.1 * table.registered,
        0,
        1,
    )
    assert np.allclose(table.belonging, before + b.belonging_adjust_per_day * (target - before))
    for _ in range(3000):
        table.update_belonging(honours_spillover=0.1)
    assert np.allclose(table.belonging, target, atol=1e-6)


def test_update_belonging_without_honours_adds_the_zero_term_alike() -> None:
    # without honours the publicity term (0.0 for all) is skipped: the same numbers
    table = table_for()
    b = table.behaviour
    rng = np.random.default_rng(15)
    table.registered[:] = rng.random(len(table)) < 0.5
    table.role[:] = rng.integers(0, 4, len(table))
    table.insured[:] = rng.random(len(table)) < 0.5
    table.belonging_base[:5] = 0.0
    before = table.belonging.copy()
    table.update_belonging(honours_spillover=0.0)
    target = (
        table.belonging_base
        + b.belonging_registered_gain * table.registered
        + b.belonging_role_gain * (table.role > 0)
        + b.belonging_insured_gain * table.insured
        + 0.0 * table.registered
    )
    expected = before + b.belonging_adjust_per_day * (np.clip(target, 0, 1) - before)
    assert np.array_equal(table.belonging, expected)


def test_bump_belonging_stays_in_unit_interval() -> None:
    table = table_for()
    table.bump_belonging(np.arange(len(table)), 5.0)
    assert np.all(table.belonging == 1.0)
    table.bump_belonging(np.arange(len(table)), -5.0)
    assert np.all(table.belonging == 0.0)


def test_learn_is_a_delta_rule() -> None:
    table = table_for()
    b = table.behaviour
    table.trust[0] = 0.4
    table.belonging[0] = 0.5
    table.learn(0, 1.0)
    assert table.trust[0] == pytest.approx(0.4 + b.trust_learning_rate * 0.6)
    assert table.belonging[0] == pytest.approx(0.5 + b.belonging_success_bump)
    table.learn(0, 0.0)
    assert table.belonging[0] == pytest.approx(0.5 + b.belonging_success_bump)
    assert 0 <= table.trust[0] <= 1


def test_renew_resets_a_slot() -> None:
    table = table_for()
    table.registered[3] = True
    table.role[3] = 1
    table.points[3] = 50
    table.reports_made[3] = 4
    table.reports_month[3] = 2
    table.trust[3] = 0.9
    table.seat[3] = True
    table.subsidized[3] = True
    table.last_report_at[3] = 80.0
    table.days_online[3] = 3
    table.reports_by_channel[3] = [1, 2, 3, 4]
    table.honours[3] = 1
    table.points[4], table.reports_by_channel[4] = 7.0, 5  # a neighbour keeps his record
    table.renew(np.array([3]), np.random.default_rng(10).random((1, NEWCOMER_DRAWS)), now=100.0)
    assert table.role[3] == 0 and table.points[3] == 0 and table.reports_made[3] == 0
    assert table.reports_month[3] == 0 and table.days_online[3] == 0 and table.honours[3] == 0
    assert table.trust[3] == table.workers.trust_initial
    assert not table.seat[3] and not table.subsidized[3] and table.arrived_at[3] == 100.0
    assert table.last_report_at[3] == -np.inf
    assert not table.reports_by_channel[3].any()
    assert table.points[4] == 7.0 and (table.reports_by_channel[4] == 5).all()
    assert table.kind[3] == 0  # the slot keeps its kind


def test_newcomers_register_on_arrival_at_the_entry_rate() -> None:
    table = table_for(BIG, {"workers": {"registered_at_entry": 0.2}})
    n = len(table)
    table.renew(np.arange(n), np.random.default_rng(11).random((n, NEWCOMER_DRAWS)), now=24.0)
    assert table.registered.mean() == pytest.approx(0.2, abs=0.015)

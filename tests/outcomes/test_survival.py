import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from model.outcomes.survival import censor_at, kaplan_meier, median_survival, median_time


def test_hand_computed_curve_with_ties_and_censoring():
    """Ten issues, hours to fix; False = still open (censored).

    t=2:  n=10 d=1 c=0  S = 0.9                    G = 1/(10*9)          = 0.011111
    t=3:  n=9  d=2 c=1  S = 0.9 * 7/9   = 0.7      G += 2/(9*7)  = 0.031746 -> 0.042857
          (the issue censored at 3 is still at risk at 3: events before censorings)
    t=5:  n=6  d=0 c=1  S = 0.7
    t=6:  n=5  d=1 c=1  S = 0.7 * 4/5   = 0.56     G += 1/(5*4)  = 0.05     -> 0.092857
    t=8:  n=3  d=1 c=0  S = 0.56 * 2/3  = 0.373333 G += 1/(3*2)  = 0.166667 -> 0.259524
    t=9, t=12: censorings only.
    Log-log band, z = 1.959964, se = sqrt(G) / |log S|:
    t=2: se = 0.105409 / 0.105361 = 1.000463, exp(z se) = 7.1056,
         low = 0.9 ** 7.1056 = 0.4730, high = 0.9 ** (1 / 7.1056) = 0.9853
    t=8: se = 0.509435 / 0.985283 = 0.517047, exp(z se) = 2.75495,
         low = 0.373333 ** 2.75495 = 0.0662, high = 0.373333 ** (1 / 2.75495) = 0.6993
    Median: first S <= 0.5 is at t=8. Lower band reaches 0.5 already at t=2 (0.4730); the
    upper band never does (lowest 0.6993), so the interval is [2, inf).
    """
    durations = np.array([2, 3, 3, 3, 5, 6, 6, 8, 9, 12], dtype=float)
    observed = np.array([1, 1, 1, 0, 0, 1, 0, 1, 0, 0], dtype=bool)
    curve = kaplan_meier(durations, observed)
    np.testing.assert_array_equal(curve.time, [2, 3, 5, 6, 8, 9, 12])
    np.testing.assert_array_equal(curve.at_risk, [10, 9, 6, 5, 3, 2, 1])
    np.testing.assert_array_equal(curve.events, [1, 2, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(curve.censored, [0, 1, 1, 1, 0, 1, 1])
    np.testing.assert_allclose(curve.survival, [0.9, 0.7, 0.7, 0.56] + [0.56 * 2 / 3] * 3)
    np.testing.assert_allclose(
        curve.greenwood, [0.011111, 0.042857, 0.042857, 0.092857] + [0.259524] * 3, atol=1e-6
    )
    assert curve.ci_low[0] == pytest.approx(0.4730, abs=1e-4)
    assert curve.ci_high[0] == pytest.approx(0.9853, abs=1e-4)
    assert curve.ci_low[4] == pytest.approx(0.0662, abs=1e-4)
    assert curve.ci_high[4] == pytest.approx(0.6993, abs=1e-4)
    estimate = median_survival(curve)
    assert (estimate.median, estimate.ci_low, estimate.ci_high) == (8.0, 2.0, math.inf)
    assert (estimate.n, estimate.events) == (10, 5)
    np.testing.assert_allclose(
        curve.survival_at([0, 2, 2.5, 3, 100]), [1, 0.9, 0.9, 0.7, 0.56 * 2 / 3]
    )


def test_heavy_censoring_median_not_reached():
    """One fix among five issues: S = 4/5 = 0.8 after t=1 and never below.

    G = 1/(5*4) = 0.05, se = sqrt(0.05) / |log 0.8| = 1.002091, exp(z se) = 7.12881,
    lower band = 0.8 ** 7.12881 = 0.2037 <= 0.5 at t=1, upper band stays above 0.5.
    """
    estimate = median_time(np.array([1.0, 2, 3, 4, 5]), np.array([1, 0, 0, 0, 0], dtype=bool))
    assert estimate.median == math.inf
    assert estimate.ci_low == 1.0
    assert estimate.ci_high == math.inf


def test_median_at_exact_half_is_the_first_time_reached():
    # S after t=2 is exactly 0.5 (0.75 * 2/3); the rule S <= 0.5 gives 2 (R would give 2.5).
    assert median_time(np.array([1.0, 2, 3, 4]), np.ones(4, bool)).median == 2.0
    assert median_time(np.array([4.0, 1, 5, 2, 3]), np.ones(5, bool)).median == 3.0


def test_all_events_at_one_time_and_empty_input():
    curve = kaplan_meier(np.full(4, 7.0), np.ones(4, bool))
    np.testing.assert_array_equal(curve.survival, [0.0])
    assert curve.greenwood[0] == math.inf
    assert (curve.ci_low[0], curve.ci_high[0]) == (0.0, 0.0)
    assert median_survival(curve).median == 7.0
    empty = median_time(np.array([]), np.array([], dtype=bool))
    assert math.isnan(empty.median) and empty.n == 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels takes log(0) at S = 0
def test_agrees_with_statsmodels_survfunc():
    rng = np.random.default_rng(12)
    for _ in range(20):
        n = int(rng.integers(20, 120))
        event_times = np.round(rng.exponential(50.0, n))  # rounding makes ties
        censor_times = np.round(rng.uniform(0, 150, n))
        durations = np.minimum(event_times, censor_times)
        observed = event_times <= censor_times
        curve = kaplan_meier(durations, observed)
        reference = SurvfuncRight(durations, observed.astype(int))
        at_events = curve.events > 0
        np.testing.assert_allclose(curve.time[at_events], reference.surv_times)
        np.testing.assert_allclose(curve.survival[at_events], reference.surv_prob)
        finite = curve.survival[at_events] > 0
        np.testing.assert_allclose(
            curve.standard_error()[at_events][finite], reference.surv_prob_se[finite]
        )
        estimate = median_survival(curve)
        if not np.any(np.abs(curve.survival - 0.5) < 1e-9):  # SAS/statsmodels use S < 0.5
            expected = reference.quantile(0.5)
            assert estimate.median == (math.inf if np.isnan(expected) else expected)
        low, high = reference.quantile_ci(0.5, method="cloglog")
        assert (estimate.ci_low, estimate.ci_high) == (low, high)


def test_exponential_median_on_a_large_sample():
    rng = np.random.default_rng(2024)
    mean_hours = 100.0
    true_median = mean_hours * math.log(2.0)
    event_times = rng.exponential(mean_hours, 20_000)
    censor_times = rng.uniform(0.0, 400.0, 20_000)
    estimate = median_time(np.minimum(event_times, censor_times), event_times <= censor_times)
    assert estimate.median == pytest.approx(true_median, rel=0.02)
    assert estimate.ci_low <= true_median <= estimate.ci_high
    assert estimate.ci_high - estimate.ci_low < 0.05 * true_median


def test_median_interval_covers_truth_at_about_stated_rate():
    rng = np.random.default_rng(99)
    true_median = 80.0 * math.log(2.0)
    covered = 0
    trials = 600
    for _ in range(trials):
        event_times = rng.exponential(80.0, 150)
        censor_times = rng.uniform(0.0, 250.0, 150)
        estimate = median_time(np.minimum(event_times, censor_times), event_times <= censor_times)
        covered += estimate.ci_low <= true_median <= estimate.ci_high
    assert 0.92 <= covered / trials <= 0.98


def test_censor_at_end_of_observation():
    opened = np.array([0.0, 10.0, 20.0, 30.0])
    fixed = np.array([5.0, np.nan, 90.0, 35.0])
    durations, observed = censor_at(opened, fixed, observation_end=50.0)
    np.testing.assert_array_equal(durations, [5.0, 40.0, 30.0, 5.0])
    np.testing.assert_array_equal(observed, [True, False, False, True])
    with pytest.raises(ValueError, match="precedes its start"):
        censor_at(np.array([5.0]), np.array([1.0]), 10.0)
    with pytest.raises(ValueError, match="not after the end of observation"):
        censor_at(np.array([15.0]), np.array([np.nan]), 10.0)


def test_censor_at_edges():
    # an event at the very end of observation is observed; one at its start is a zero wait;
    # an item starting exactly at the end is followed for zero hours
    durations, observed = censor_at(
        np.array([10.0, 20.0, 50.0]), np.array([50.0, 20.0, np.nan]), observation_end=50.0
    )
    np.testing.assert_array_equal(durations, [40.0, 0.0, 0.0])
    np.testing.assert_array_equal(observed, [True, True, False])
    with pytest.raises(ValueError, match="start and end must have the same shape"):
        censor_at(np.array([1.0, 2.0]), np.array([3.0]), 10.0)
    with pytest.raises(ValueError, match="every start must be finite"):
        censor_at(np.array([np.nan]), np.array([np.nan]), 10.0)


def test_confidence_must_lie_strictly_between_zero_and_one():
    durations, observed = np.array([1.0, 2.0]), np.array([True, False])
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=f"confidence must be within \\(0, 1\\), got {bad}"):
            kaplan_meier(durations, observed, confidence=bad)
    curve = kaplan_meier(durations, observed, confidence=0.9)
    assert curve.confidence == 0.9
    assert median_time(durations, observed, confidence=0.8).confidence == 0.8
    assert median_time(durations, observed).confidence == 0.95


def test_standard_error_is_zero_where_survival_is_zero():
    curve = kaplan_meier(np.array([1.0, 2.0]), np.array([True, True]))
    np.testing.assert_allclose(curve.survival, [0.5, 0.0])
    se = curve.standard_error()
    assert se[-1] == 0.0 and se[0] == pytest.approx(0.5 * math.sqrt(1 / (2 * 1)))


def test_bad_durations_are_rejected():
    with pytest.raises(ValueError, match="finite and >= 0"):
        kaplan_meier(np.array([1.0, -2.0]), np.array([True, True]))
    with pytest.raises(ValueError, match="equal length"):
        kaplan_meier(np.array([1.0, 2.0]), np.array([True]))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=30), st.booleans()), min_size=1, max_size=60
    )
)
def test_curve_invariants(records):
    durations = np.array([d for d, _ in records], dtype=float)
    observed = np.array([o for _, o in records])
    curve = kaplan_meier(durations, observed)
    assert np.all(np.diff(curve.survival) <= 1e-15)
    assert np.all((curve.survival >= 0) & (curve.survival <= 1))
    assert np.all(curve.ci_low <= curve.survival + 1e-12)
    assert np.all(curve.survival <= curve.ci_high + 1e-12)
    assert curve.events.sum() == observed.sum()
    assert curve.events.sum() + curve.censored.sum() == len(records)
    if observed.all():  # without censoring S(t) is the share of durations beyond t
        expected = np.array([(durations > t).mean() for t in curve.time])
        np.testing.assert_allclose(curve.survival, expected, atol=1e-12)
    estimate = median_survival(curve)
    assert estimate.ci_low <= estimate.median <= estimate.ci_high

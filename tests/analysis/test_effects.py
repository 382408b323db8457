import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from model.analysis.effects import (
    EFFECT_COLUMNS,
    INSUFFICIENT,
    NO_DIFFERENCE,
    compare_paired,
    holm_adjust,
    paired_effects,
)


def synthetic_runs(
    rng: np.random.Generator,
    *,
    n_experiments: int,
    n_replicates: int,
    effect: float,
    correlation: float,
    reference_mean: float = 50.0,
    sd: float = 4.0,
) -> pd.DataFrame:
    """Two arms; every outcome column is an independent experiment with a planted effect.

    Each run's value is reference_mean (+ effect for the arm) + sd * noise, where the noise of
    the two runs of a replicate has the given correlation (the shared seed).
    """
    shared = rng.standard_normal((n_replicates, n_experiments))
    own = rng.standard_normal((2, n_replicates, n_experiments))
    noise = math.sqrt(correlation) * shared + math.sqrt(1.0 - correlation) * own
    reference = reference_mean + sd * noise[0]
    arm = reference_mean + effect + sd * noise[1]
    columns = [f"y{j}" for j in range(n_experiments)]
    frames = []
    for name, values in (("baseline", reference), ("treated", arm)):
        frame = pd.DataFrame(values, columns=columns)
        frame.insert(0, "arm", name)
        frame.insert(1, "replicate", np.arange(n_replicates))
        frame.insert(2, "seed", 1000 + np.arange(n_replicates))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_ci_covers_planted_effect_at_stated_rate():
    rng = np.random.default_rng(20240601)
    runs = synthetic_runs(rng, n_experiments=2000, n_replicates=10, effect=1.5, correlation=0.6)
    outcomes = {f"y{j}": "higher" for j in range(2000)}
    table = paired_effects(runs, outcomes, "baseline")
    covered = (table["ci_low"] <= 1.5) & (1.5 <= table["ci_high"])
    assert 0.93 <= covered.mean() <= 0.97
    relative_truth = 1.5 / 50.0
    relative_covered = (table["relative_ci_low"] <= relative_truth) & (
        relative_truth <= table["relative_ci_high"]
    )
    assert 0.93 <= relative_covered.mean() <= 0.97
    assert (table["n_pairs"] == 10).all()


def test_zero_effect_gives_no_detectable_difference_about_95_percent():
    rng = np.random.default_rng(7)
    runs = synthetic_runs(rng, n_experiments=2000, n_replicates=8, effect=0.0, correlation=0.5)
    table = paired_effects(runs, {f"y{j}": "lower" for j in range(2000)}, "baseline")
    share_none = (table["verdict"] == NO_DIFFERENCE).mean()
    assert 0.93 <= share_none <= 0.97
    assert set(table["verdict"]) == {NO_DIFFERENCE, "better", "worse"}
    # The paired t-test and the interval agree: p < 0.05 exactly when zero is excluded.
    excluded = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    assert ((table["p_value"] < 0.05) == excluded).all()


def test_crn_efficiency_recovers_planted_correlation():
    rng = np.random.default_rng(3)
    n = 4000
    runs = synthetic_runs(rng, n_experiments=1, n_replicates=n, effect=2.0, correlation=0.8)
    row = paired_effects(runs, {"y0": "higher"}, "baseline").iloc[0]
    assert row["crn_correlation"] == pytest.approx(0.8, abs=0.02)
    assert row["variance_reduction"] == pytest.approx(0.8, abs=0.02)
    assert row["sd_unpaired"] == pytest.approx(4.0 * math.sqrt(2.0), rel=0.03)
    assert row["sd_difference"] == pytest.approx(4.0 * math.sqrt(2.0 * 0.2), rel=0.03)
    # Independent seeds need 1 / (1 - rho) = 5 times the replications for the same precision.
    assert row["independent_replications"] == pytest.approx(5 * n, rel=0.1)


def test_independent_runs_show_no_variance_reduction():
    rng = np.random.default_rng(4)
    runs = synthetic_runs(rng, n_experiments=1, n_replicates=4000, effect=0.0, correlation=0.0)
    row = paired_effects(runs, {"y0": "higher"}, "baseline").iloc[0]
    assert row["variance_reduction"] == pytest.approx(0.0, abs=0.05)
    assert row["independent_replications"] == pytest.approx(4000, rel=0.1)


def test_holm_matches_hand_computation_and_statsmodels():
    raw = [0.01, 0.04, 0.03, 0.2]
    # Sorted: 0.01*4 = 0.04, 0.03*3 = 0.09, 0.04*2 = 0.08 -> running max 0.09, 0.2*1 = 0.2.
    np.testing.assert_allclose(holm_adjust(raw), [0.04, 0.09, 0.09, 0.2])
    np.testing.assert_allclose(holm_adjust(raw), multipletests(raw, method="holm")[1])
    np.testing.assert_allclose(holm_adjust([0.01, np.nan, 0.04]), [0.02, np.nan, 0.04])
    assert holm_adjust([]).shape == (0,)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.01, 0.05, 0.5])),
        min_size=1,
        max_size=12,
    )
)
def test_holm_equals_statsmodels_on_any_p_values(raw):
    np.testing.assert_allclose(holm_adjust(raw), multipletests(raw, method="holm")[1])


def test_holm_column_matches_statsmodels_per_outcome():
    rng = np.random.default_rng(11)
    arms = ["baseline", "a", "b", "c", "d"]
    effects = {"baseline": 0.0, "a": 0.3, "b": 1.0, "c": -0.5, "d": 0.0}
    n = 12
    shared = rng.standard_normal((n, 2))
    rows = []
    for arm in arms:
        for i in range(n):
            noise = rng.standard_normal(2)
            rows.append(
                {
                    "arm": arm,
                    "replicate": i,
                    "fixed_share": 10 + effects[arm] + shared[i, 0] + noise[0],
                    "hours": 100 - 3 * effects[arm] + 5 * shared[i, 1] + 2 * noise[1],
                }
            )
    table = paired_effects(
        pd.DataFrame(rows), {"fixed_share": "higher", "hours": "lower"}, "baseline"
    )
    assert list(table.columns) == list(EFFECT_COLUMNS)
    for _, group in table.groupby("outcome"):
        expected = multipletests(group["p_value"], method="holm")[1]
        np.testing.assert_allclose(group["p_holm"], expected)
        assert (group["holm_significant"] == (expected < 0.05)).all()
    assert list(table["arm"][:4]) == ["a", "b", "c", "d"]


def test_missing_pairs_are_dropped_and_counted():
    runs = pd.DataFrame(
        {
            "arm": ["base"] * 5 + ["x"] * 4,
            "replicate": [0, 1, 2, 3, 4, 0, 1, 2, 3],
            "status": ["ok", "ok", "ok", "failed", "ok", "ok", "ok", "ok", "ok"],
            "y": [10.0, 12.0, 11.0, 9.0, 10.0, 13.0, np.nan, 15.0, 12.0],
        }
    )
    row = paired_effects(runs, {"y": "higher"}, "base").iloc[0]
    # Usable pairs: replicate 0 (13 - 10) and 2 (15 - 11); 1 has NaN, 3 failed, 4 has no arm run.
    assert row["n_pairs"] == 2
    assert row["n_dropped"] == 3
    assert row["difference"] == pytest.approx(3.5)
    assert row["reference_mean"] == pytest.approx(10.5)
    assert row["arm_mean"] == pytest.approx(14.0)
    # Differences 3 and 4: sd = 0.7071, t(0.975, 1) = 12.706.
    assert row["half_width"] == pytest.approx(12.7062 * math.sqrt(0.5) / math.sqrt(2), rel=1e-4)


def test_relative_interval_is_the_delta_method_formula():
    rng = np.random.default_rng(5)
    ref = 20 + rng.normal(0, 3, 15)
    arm = ref * 0.9 + rng.normal(0, 1, 15)
    result = compare_paired(arm, ref)
    n = 15
    diff = arm - ref
    d_bar, r_bar = diff.mean(), ref.mean()
    ratio = d_bar / r_bar
    var_d, var_r = diff.var(ddof=1) / n, ref.var(ddof=1) / n
    cov = np.cov(diff, ref, ddof=1)[0, 1] / n
    se = math.sqrt(var_d - 2 * ratio * cov + ratio**2 * var_r) / abs(r_bar)
    t = 2.1447866879169273  # t(0.975, 14)
    assert result.relative_change == pytest.approx(arm.mean() / ref.mean() - 1)
    assert result.relative_ci_low == pytest.approx(ratio - t * se)
    assert result.relative_ci_high == pytest.approx(ratio + t * se)


def test_verdict_follows_direction():
    rng = np.random.default_rng(9)
    runs = synthetic_runs(rng, n_experiments=1, n_replicates=20, effect=10.0, correlation=0.5)
    runs["y1"] = runs["y0"]
    runs["y2"] = runs["y0"]
    table = paired_effects(runs, {"y0": "higher", "y1": "lower", "y2": "neutral"}, "baseline")
    assert list(table["verdict"]) == ["better", "worse", "higher"]


def test_single_pair_is_insufficient():
    runs = pd.DataFrame({"arm": ["b", "x"], "replicate": [0, 0], "y": [1.0, 2.0]})
    row = paired_effects(runs, {"y": "higher"}, "b").iloc[0]
    assert row["verdict"] == INSUFFICIENT
    assert row["difference"] == 1.0
    assert math.isinf(row["half_width"])


def test_constant_differences_have_zero_width():
    result = compare_paired([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
    assert result.half_width == 0.0
    assert result.p_value == 0.0
    assert result.crn_correlation == pytest.approx(1.0)
    assert math.isinf(result.independent_replications)


def test_bad_input_is_named():
    runs = pd.DataFrame({"arm": ["b", "b", "x"], "replicate": [0, 0, 0], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="arm 'b' has more than one run for replicate 0"):
        paired_effects(runs, {"y": "higher"}, "b")
    with pytest.raises(KeyError, match="reference arm 'z'"):
        paired_effects(runs.iloc[1:], {"y": "higher"}, "z")
    with pytest.raises(KeyError, match="no column 'q'"):
        paired_effects(runs.iloc[1:], {"q": "higher"}, "b")
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        paired_effects(runs.iloc[1:], {"y": "up"}, "b")
    with pytest.raises(ValueError, match="confidence"):
        compare_paired([1.0, 2.0], [1.0, 2.0], confidence=95)


finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=30), finite)
def test_paired_comparison_invariants(pairs, shift):
    arm = np.array([a for a, _ in pairs])
    ref = np.array([r for _, r in pairs])
    forward = compare_paired(arm, ref)
    backward = compare_paired(ref, arm)
    shifted = compare_paired(arm + shift, ref + shift)
    assert forward.difference == pytest.approx(forward.arm_mean - forward.reference_mean, abs=1e-6)
    assert backward.difference == pytest.approx(-forward.difference, abs=1e-9)
    assert backward.half_width == pytest.approx(forward.half_width, rel=1e-9, abs=1e-9)
    assert shifted.difference == pytest.approx(forward.difference, abs=1e-6)
    assert shifted.half_width == pytest.approx(forward.half_width, rel=1e-6, abs=1e-6)
    assert forward.ci_low <= forward.difference <= forward.ci_high
    assert 0.0 <= forward.p_value <= 1.0


def test_crn_efficiency_is_zero_for_shared_noise_and_near_one_for_independent_runs():
    from model.analysis.effects import crn_efficiency

    rng = np.random.default_rng(5)
    n = 400
    noise = rng.normal(size=n)
    runs = pd.DataFrame(
        {
            "arm": ["base"] * n + ["shifted"] * n + ["independent"] * n + ["same"] * n,
            "replicate": list(range(n)) * 4,
            "y": np.concatenate([noise, noise + 1.0, rng.normal(size=n), noise]),
            "flat": np.concatenate([np.ones(n)] * 4),
        }
    )
    table = paired_effects(runs, {"y": "higher", "flat": "higher"}, "base")
    summary = crn_efficiency(table).set_index("outcome")
    y = table[table.outcome == "y"].set_index("arm")
    ratio = y.sd_difference / y.sd_unpaired
    assert ratio["shifted"] == pytest.approx(0.0, abs=1e-9)  # all noise shared
    assert ratio["independent"] == pytest.approx(1.0, abs=0.1)  # none shared
    assert ratio["same"] == 0.0  # an arm that changes nothing differs by nothing
    assert summary.loc["y", "arms"] == 3
    assert summary.loc["y", "ratio_min"] == pytest.approx(0.0, abs=1e-9)
    assert summary.loc["y", "ratio_max"] == pytest.approx(ratio["independent"])
    assert summary.loc["flat", "arms"] == 0 and np.isnan(summary.loc["flat", "ratio_median"])

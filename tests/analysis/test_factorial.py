import itertools

import numpy as np
import pandas as pd
import pytest

from model.analysis.factorial import (
    COMPLEMENTS,
    NO_INTERACTION,
    SUBSTITUTES,
    fit_factorial,
    interaction_means,
    lever_indicators,
)

LEVERS = [
    "policies.points.enabled",
    "policies.honours.enabled",
    "policies.posts.count",
    "policies.platform.mode",
    "policies.insurance.enabled",
]
OFF = [False, False, 0.0, "none", False]
ON = [True, True, 4.0, "one-stop", True]
MAIN = np.array([2.0, -1.0, 0.5, 3.0, 0.0])  # planted, outcome units, indicator coding


def factorial_runs(
    rng: np.random.Generator,
    *,
    n_replicates: int,
    interaction: dict[tuple[int, int], float],
    cluster_sd: float = 3.0,
    noise_sd: float = 1.0,
) -> pd.DataFrame:
    """2^5 design, every cell in every replicate; replicate luck is shared by all its runs."""
    cells = np.array(list(itertools.product((0, 1), repeat=5)), dtype=float)
    means = 10.0 + cells @ MAIN
    for (i, j), value in interaction.items():
        means += value * cells[:, i] * cells[:, j]
    luck = rng.normal(0.0, cluster_sd, n_replicates)
    cell_index = np.repeat(np.arange(len(cells)), n_replicates)
    replicate = np.tile(np.arange(n_replicates), len(cells))
    names = ["+".join(str(i) for i in range(5) if cell[i]) or "baseline" for cell in cells]
    runs = pd.DataFrame(
        {"arm": np.array(names)[cell_index], "replicate": replicate, "seed": 500 + replicate}
    )
    for k, lever in enumerate(LEVERS):
        runs[lever] = np.where(cells[cell_index, k] == 1, ON[k], OFF[k])
        runs[lever] = runs[lever].astype(type(ON[k]))
    noise = rng.normal(0.0, noise_sd, len(runs))
    runs["resolved_share"] = means[cell_index] + luck[replicate] + noise
    return runs


def test_lever_indicators_code_the_reference_arm_as_zero():
    runs = factorial_runs(np.random.default_rng(0), n_replicates=2, interaction={})
    indicators, codings = lever_indicators(runs, LEVERS, reference_arm="baseline")
    assert [c.term for c in codings] == [lever.replace(".", "_") for lever in LEVERS]
    assert [c.off for c in codings] == OFF
    assert [c.on for c in codings] == ON
    assert (indicators[runs["arm"] == "baseline"] == 0).all().all()
    assert indicators.to_numpy().sum() == 2 * 5 * 16  # each lever is on in half the cells


def test_recovers_planted_effects_and_names_the_one_interacting_pair():
    rng = np.random.default_rng(42)
    runs = factorial_runs(rng, n_replicates=20, interaction={(0, 3): 2.5})
    fit = fit_factorial(
        runs, "resolved_share", LEVERS, direction="higher", reference_arm="baseline"
    )
    effects = fit.effects.set_index("term")
    for k, lever in enumerate(LEVERS):
        row = effects.loc[lever.replace(".", "_")]
        assert row["lever_a"] == lever
        assert row["ci_low"] <= MAIN[k] <= row["ci_high"]
    planted = effects.loc["policies_points_enabled:policies_platform_mode"]
    assert planted["ci_low"] <= 2.5 <= planted["ci_high"]
    assert planted["ci_low"] > 1.0
    assert fit.n_clusters == 20 and fit.n_runs == 32 * 20
    interactions = fit.interactions
    assert len(interactions) == 10
    found = interactions[interactions["classification"] != NO_INTERACTION]
    assert len(found) == 1
    assert (found.iloc[0]["lever_a"], found.iloc[0]["lever_b"]) == (LEVERS[0], LEVERS[3])
    assert found.iloc[0]["classification"] == COMPLEMENTS
    assert found.iloc[0]["statement"].startswith(
        "policies.points.enabled and policies.platform.mode: complements (interaction +2."
    )
    assert "Bonferroni-adjusted over 10 pairs" in found.iloc[0]["statement"]


def test_direction_decides_complements_or_substitutes():
    runs = factorial_runs(np.random.default_rng(3), n_replicates=15, interaction={(1, 2): -3.0})
    higher = fit_factorial(
        runs, "resolved_share", LEVERS, direction="higher", reference_arm="baseline"
    )
    lower = fit_factorial(
        runs, "resolved_share", LEVERS, direction="lower", reference_arm="baseline"
    )
    pick = (higher.interactions["lever_a"] == LEVERS[1]) & (
        higher.interactions["lever_b"] == LEVERS[2]
    )
    assert higher.interactions.loc[pick, "classification"].item() == SUBSTITUTES
    assert lower.interactions.loc[pick, "classification"].item() == COMPLEMENTS


def test_centred_coding_gives_average_main_effects():
    runs = factorial_runs(np.random.default_rng(5), n_replicates=10, interaction={(0, 3): 2.0})
    indicator = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline")
    centred = fit_factorial(
        runs, "resolved_share", LEVERS, reference_arm="baseline", coding="centred"
    )
    a = indicator.effects.set_index("term")["estimate"]
    c = centred.effects.set_index("term")["estimate"]
    terms = [lever.replace(".", "_") for lever in LEVERS]
    for i, term in enumerate(terms):
        partners = sum(a[f"{terms[min(i, j)]}:{terms[max(i, j)]}"] for j in range(5) if j != i)
        assert c[term] == pytest.approx(a[term] + 0.5 * partners)  # averaged over the others
    interaction_terms = [t for t in a.index if ":" in t]
    np.testing.assert_allclose(c[interaction_terms], a[interaction_terms])
    assert c["Intercept"] == pytest.approx(runs["resolved_share"].mean())


def test_cluster_robust_intervals_cover_at_about_stated_rate():
    rng = np.random.default_rng(2025)
    truth = {"policies_points_enabled": 2.0, "policies_platform_mode": 3.0}
    truth["policies_points_enabled:policies_platform_mode"] = 1.5
    truth["policies_honours_enabled:policies_posts_count"] = 0.0
    covered = {term: 0 for term in truth}
    trials = 150
    for _ in range(trials):
        runs = factorial_runs(rng, n_replicates=12, interaction={(0, 3): 1.5})
        effects = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline").effects
        effects = effects.set_index("term")
        for term, value in truth.items():
            covered[term] += effects.loc[term, "ci_low"] <= value <= effects.loc[term, "ci_high"]
    rates = np.array(list(covered.values())) / trials
    assert rates.min() >= 0.88
    assert 0.92 <= rates.mean() <= 0.98


def test_interaction_means_average_over_other_levers():
    runs = factorial_runs(np.random.default_rng(8), n_replicates=30, interaction={(0, 3): 2.5})
    means = interaction_means(
        runs, "resolved_share", LEVERS[0], LEVERS[3], reference_arm="baseline"
    )
    assert list(zip(means["a"], means["b"], strict=True)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert list(means["b_value"]) == ["none", "one-stop", "none", "one-stop"]
    assert (means["n_clusters"] == 30).all()
    cell = means.set_index(["a", "b"])["mean"]
    did = cell[(1, 1)] - cell[(1, 0)] - cell[(0, 1)] + cell[(0, 0)]
    fit = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline")
    estimate = fit.effects.set_index("term").loc[
        "policies_points_enabled:policies_platform_mode", "estimate"
    ]
    assert did == pytest.approx(estimate)  # balanced design: the regression is the DiD
    assert (means["ci_low"] < means["mean"]).all() and (means["mean"] < means["ci_high"]).all()


def test_bad_designs_are_rejected():
    runs = factorial_runs(np.random.default_rng(1), n_replicates=3, interaction={})
    three_levels = runs.assign(**{LEVERS[2]: runs[LEVERS[2]].where(runs["replicate"] != 0, 9.0)})
    with pytest.raises(ValueError, match=r"lever 'policies\.posts\.count' takes 3 values"):
        fit_factorial(three_levels, "resolved_share", LEVERS)
    half = runs[~((runs[LEVERS[0]]) & (runs[LEVERS[1]]))]
    with pytest.raises(ValueError, match="do not separate every main effect"):
        fit_factorial(half, "resolved_share", LEVERS)
    with pytest.raises(ValueError, match="at least two distinct 'seed'"):
        fit_factorial(runs.assign(seed=1), "resolved_share", LEVERS)


def test_failed_runs_and_undefined_outcomes_are_dropped():
    runs = factorial_runs(np.random.default_rng(2), n_replicates=6, interaction={})
    runs.loc[3, "resolved_share"] = np.nan
    runs["status"] = "ok"
    runs.loc[7, "status"] = "failed"
    fit = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline")
    assert fit.n_runs == len(runs) - 2 and fit.n_dropped == 2


def test_an_undefined_reference_outcome_keeps_the_reference_coding():
    """The reference arm decides the 0 level even where its own outcome is undefined."""
    runs = factorial_runs(np.random.default_rng(5), n_replicates=6, interaction={})
    runs.loc[(runs["arm"] == "baseline") & (runs["replicate"] == 0), "resolved_share"] = np.nan
    fit = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline")
    assert [c.off for c in fit.codings] == OFF
    assert fit.n_dropped == 1
    runs.loc[runs["arm"] == "baseline", "resolved_share"] = np.nan  # every reference run
    fit = fit_factorial(runs, "resolved_share", LEVERS, reference_arm="baseline")
    assert [c.off for c in fit.codings] == OFF and fit.n_dropped == 6

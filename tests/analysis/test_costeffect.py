import math

import numpy as np
import pandas as pd
import pytest

from model.analysis.costeffect import (
    EXTENDEDLY_DOMINATED,
    FRONTIER,
    STRONGLY_DOMINATED,
    bootstrap_icer,
    cost_effect_inputs,
    efficient_frontier,
)
from model.analysis.effects import paired_effects


def by_arm(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("arm")


def test_hand_worked_frontier_with_strong_and_extended_dominance():
    """Cost in yuan/year, effect in extra resolved issues/year, both against the baseline.

    baseline (0, 0) is added by the function.   A (100, 10)   B (300, 15)
    C (500, 30)   D (400, 8)   E (900, 35)

    Strong dominance: D costs 400 > 100 and achieves 8 < 10 of A -> D dominated by A.
    Remaining, by effect: baseline, A, B, C, E. ICERs of consecutive arms:
        A vs baseline 100/10 = 10;  B vs A 200/5 = 40;  C vs B 200/15 = 13.3;  E vs C 400/5 = 80.
    40 > 13.3, so B is extendedly dominated. Without B:
        A vs baseline 10;  C vs A 400/20 = 20;  E vs C 80 -> increasing, done.
    Frontier: baseline -> A (10 yuan per issue) -> C (20) -> E (80).
    B's reason: against A it costs 40 per extra issue, C costs 20 per extra issue against A.
    """
    table = pd.DataFrame(
        {
            "arm": ["A", "B", "C", "D", "E"],
            "cost": [100.0, 300.0, 500.0, 400.0, 900.0],
            "effect": [10.0, 15.0, 30.0, 8.0, 35.0],
            "cost_ci_low": [80.0, 250.0, 420.0, 300.0, 800.0],
        }
    )
    result = efficient_frontier(table, reference="baseline", effect_unit="resolved issue")
    assert list(result["arm"]) == ["baseline", "D", "A", "B", "C", "E"]  # sorted by effect
    rows = by_arm(result)
    assert rows.loc["D", "status"] == STRONGLY_DOMINATED
    assert rows.loc["D", "dominated_by"] == "A"
    assert rows.loc["B", "status"] == EXTENDEDLY_DOMINATED
    assert rows.loc["B", "dominated_by"] == "C"
    for arm in ["baseline", "A", "C", "E"]:
        assert rows.loc[arm, "status"] == FRONTIER
    assert math.isnan(rows.loc["baseline", "icer"])
    assert rows.loc["A", "icer"] == pytest.approx(10.0)
    assert rows.loc["C", "icer"] == pytest.approx(20.0)
    assert rows.loc["E", "icer"] == pytest.approx(80.0)
    assert list(rows.loc[["A", "C", "E"], "compared_with"]) == ["baseline", "A", "C"]
    assert math.isnan(rows.loc["B", "icer"]) and math.isnan(rows.loc["D", "icer"])
    assert rows.loc["D", "reason"] == (
        "strongly dominated by A, which costs less (100 vs 400 yuan/year) and achieves more "
        "(10 vs 8 resolved issue)"
    )
    assert rows.loc["B", "reason"].startswith(
        "extendedly dominated by C: against A it costs 40 yuan/year per extra resolved issue, "
        "while the more effective C costs 20"
    )
    assert (
        rows.loc["C", "reason"] == "on the frontier: 20 yuan/year per extra resolved issue over A"
    )
    assert rows.loc["C", "cost_ci_low"] == 420.0  # extra columns pass through


def test_extended_dominance_cascades():
    """P (100, 10), Q (200, 12), R (260, 14), S (320, 20) against baseline (0, 0).

    ICERs: P 10, Q 100/2 = 50, R 60/2 = 30, S 60/6 = 10. Q (50 > 30) goes first; then
    R vs P = 160/4 = 40 > S vs R = 10, so R goes too. Final: P 10, S vs P 220/10 = 22.
    """
    table = pd.DataFrame(
        {"arm": list("PQRS"), "cost": [100.0, 200, 260, 320], "effect": [10.0, 12, 14, 20]}
    )
    rows = by_arm(efficient_frontier(table))
    assert list(rows.index) == ["baseline", "P", "Q", "R", "S"]
    expected = [FRONTIER, FRONTIER, EXTENDEDLY_DOMINATED, EXTENDEDLY_DOMINATED, FRONTIER]
    assert list(rows["status"]) == expected
    assert rows.loc["S", "icer"] == pytest.approx(22.0)
    assert rows.loc["Q", "dominated_by"] == "S" and rows.loc["R", "dominated_by"] == "S"
    assert "against P it costs 50" in rows.loc["Q", "reason"]
    assert "against P it costs 40" in rows.loc["R", "reason"]


def test_cheaper_and_better_arm_dominates_the_reference():
    table = pd.DataFrame({"arm": ["saver", "pricey"], "cost": [-50.0, 500.0], "effect": [5.0, 6.0]})
    rows = by_arm(efficient_frontier(table, reference="status quo"))
    assert rows.loc["status quo", "status"] == STRONGLY_DOMINATED
    assert rows.loc["status quo", "dominated_by"] == "saver"
    assert rows.loc["saver", "status"] == FRONTIER
    assert rows.loc["pricey", "icer"] == pytest.approx(550.0)


def test_identical_arms_share_classification():
    table = pd.DataFrame(
        {"arm": ["A", "A2", "B"], "cost": [100.0, 100.0, 50.0], "effect": [10.0, 10.0, 12.0]}
    )
    rows = by_arm(efficient_frontier(table))
    assert rows.loc["A", "status"] == rows.loc["A2", "status"] == STRONGLY_DOMINATED
    assert rows.loc["A2", "reason"].startswith("same cost and effect as A; strongly dominated by B")


def test_bad_tables_are_named():
    with pytest.raises(ValueError, match="arm 'A' appears twice"):
        efficient_frontier(pd.DataFrame({"arm": ["A", "A"], "cost": [1.0, 2], "effect": [1.0, 2]}))
    with pytest.raises(ValueError, match="arm 'B' has no finite cost and effect"):
        efficient_frontier(pd.DataFrame({"arm": ["B"], "cost": [np.nan], "effect": [1.0]}))
    with pytest.raises(KeyError, match="no column 'effect'"):
        efficient_frontier(pd.DataFrame({"arm": ["B"], "cost": [1.0]}))


def make_runs(rng, n=40):
    rows = []
    for i in range(n):
        luck = rng.normal(0, 1)
        rows.append(
            {"arm": "base", "replicate": i, "cost": 1000 + 50 * luck, "incidents": 30 + 3 * luck}
        )
        rows.append(
            {
                "arm": "posts",
                "replicate": i,
                "cost": 1600 + 50 * luck + rng.normal(0, 20),
                "incidents": 26 + 3 * luck + rng.normal(0, 0.5),
            }
        )
    return pd.DataFrame(rows)


def test_cost_effect_inputs_orient_a_lower_is_better_effect():
    runs = make_runs(np.random.default_rng(1))
    effects = paired_effects(runs, {"cost": "lower", "incidents": "lower"}, "base")
    table = cost_effect_inputs(effects, "cost", "incidents", "base")
    row = table.set_index("arm").loc["posts"]
    incidents = effects.set_index("outcome").loc["incidents"]
    assert row["effect"] == pytest.approx(-incidents["difference"])  # incidents averted
    assert row["effect_ci_low"] == pytest.approx(-incidents["ci_high"])
    assert row["effect_ci_high"] == pytest.approx(-incidents["ci_low"])
    assert table["arm"].iloc[0] == "base" and table["cost"].iloc[0] == 0.0
    frontier = by_arm(efficient_frontier(table, reference="base"))
    assert frontier.loc["posts", "icer"] == pytest.approx(row["cost"] / row["effect"])


def test_bootstrap_icer_keeps_pairs_together():
    # Cost difference is exactly 150 yuan per incident averted in every replicate, so every
    # paired resample has ICER 150; unpaired resampling would scatter around it.
    rng = np.random.default_rng(5)
    averted = rng.uniform(2, 6, 30)
    runs = pd.DataFrame(
        {
            "arm": ["base"] * 30 + ["x"] * 30,
            "replicate": list(range(30)) * 2,
            "cost": np.concatenate([np.full(30, 1000.0), 1000.0 + 150.0 * averted]),
            "incidents": np.concatenate([np.full(30, 20.0), 20.0 - averted]),
        }
    )
    result = bootstrap_icer(
        runs,
        "x",
        "base",
        "cost",
        "incidents",
        rng=np.random.default_rng(0),
        effect_direction="lower",
    )
    assert result.icer == pytest.approx(150.0)
    assert result.ci_low == pytest.approx(150.0) and result.ci_high == pytest.approx(150.0)
    assert result.share_no_extra_effect == 0.0


def test_bootstrap_icer_interval_and_acceptability():
    runs = make_runs(np.random.default_rng(2))
    first = bootstrap_icer(
        runs,
        "posts",
        "base",
        "cost",
        "incidents",
        rng=np.random.default_rng(3),
        effect_direction="lower",
    )
    again = bootstrap_icer(
        runs,
        "posts",
        "base",
        "cost",
        "incidents",
        rng=np.random.default_rng(3),
        effect_direction="lower",
    )
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)  # deterministic
    assert first.ci_low < 150.0 < first.ci_high  # truth: 600 yuan / 4 incidents averted
    assert first.ci_low < first.icer < first.ci_high
    curve = first.probability_cost_effective(np.array([0.0, 100.0, 150.0, 1000.0]))
    assert curve[0] == 0.0 and curve[-1] == 1.0
    assert np.all(np.diff(curve) >= 0)


def test_bootstrap_icer_unbounded_when_effect_spans_zero():
    rng = np.random.default_rng(8)
    runs = pd.DataFrame(
        {
            "arm": ["base"] * 20 + ["x"] * 20,
            "replicate": list(range(20)) * 2,
            "cost": np.concatenate([np.zeros(20), 100 + rng.normal(0, 5, 20)]),
            "resolved": np.concatenate([np.zeros(20), rng.normal(0.0, 5.0, 20)]),
        }
    )
    result = bootstrap_icer(runs, "x", "base", "cost", "resolved", rng=np.random.default_rng(1))
    assert 0.025 < result.share_no_extra_effect < 0.975
    assert result.ci_high == math.inf

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.analysis.robustness import (
    BEATS_COLUMNS,
    beats_reference,
    least_max_regret,
    regret,
    regret_summary,
    world_means,
)

RESOLVED = {"ref": [10, 12, 8, 11, 9], "A": [12, 11, 10, 15, 9], "B": [11, 13, 9, 12, 10]}
HOURS = {"ref": [100, 120, 90, 110, 100], "A": [90, 125, 80, 100, 100], "B": [95, 110, 95, 100, 98]}


def five_worlds() -> pd.DataFrame:
    """Two replicates per (world, arm), at the listed value -0.5 and +0.5 (mean = value)."""
    rows = []
    for arm in ["ref", "A", "B"]:
        for world in range(5):
            for replicate, offset in ((0, -0.5), (1, 0.5)):
                rows.append(
                    {
                        "world": world,
                        "arm": arm,
                        "replicate": replicate,
                        "resolved": RESOLVED[arm][world] + offset,
                        "hours": HOURS[arm][world] - offset,
                    }
                )
    return pd.DataFrame(rows)


def test_replicates_are_averaged_within_world_and_arm():
    means = world_means(five_worlds(), ["resolved", "hours"]).set_index(["world", "arm"])
    assert means.loc[(3, "A"), "resolved"] == 15.0
    assert means.loc[(3, "A"), "hours"] == 100.0
    assert (means["n_rows"] == 2).all()


def test_hand_worked_shares_and_improvements():
    """resolved (higher): A - ref = [2, -1, 2, 4, 0] -> beats in 3 of 5; median 2; mean 1.4;
    p10 of sorted [-1, 0, 2, 2, 4] at position 0.4 = -1 + 0.4 * 1 = -0.6; worst -1.
    B - ref = [1, 1, 1, 1, 1] -> 5 of 5, every statistic 1.
    hours (lower): ref - A = [10, -5, 10, 10, 0] -> 3 of 5; ref - B = [5, 10, -5, 10, 2] ->
    4 of 5, median 5, p10 of [-5, 2, 5, 10, 10] = -5 + 0.4 * 7 = -2.2.
    """
    table = beats_reference(five_worlds(), {"resolved": "higher", "hours": "lower"}, "ref")
    assert list(table.columns) == list(BEATS_COLUMNS)
    rows = table.set_index(["arm", "outcome"])
    a = rows.loc[("A", "resolved")]
    assert (a["n_worlds"], a["n_better"], a["share_better"]) == (5, 3, 0.6)
    assert (a["median_improvement"], a["mean_improvement"]) == (2.0, pytest.approx(1.4))
    assert a["p10_improvement"] == pytest.approx(-0.6)
    assert a["worst_improvement"] == -1.0
    b = rows.loc[("B", "resolved")]
    assert b["share_better"] == 1.0 and b["p10_improvement"] == pytest.approx(1.0)
    assert rows.loc[("A", "hours"), "share_better"] == 0.6
    b_hours = rows.loc[("B", "hours")]
    assert b_hours["share_better"] == 0.8 and b_hours["median_improvement"] == 5.0
    assert b_hours["p10_improvement"] == pytest.approx(-2.2)
    wilson = stats.binomtest(3, 5).proportion_ci(0.95, method="wilson")
    assert (a["share_ci_low"], a["share_ci_high"]) == pytest.approx((wilson.low, wilson.high))


def test_margin_and_missing_worlds():
    table = five_worlds()
    table.loc[(table["arm"] == "B") & (table["world"] == 0), "resolved"] = np.nan
    rows = beats_reference(table, {"resolved": "higher"}, "ref", margins={"resolved": 2.0})
    rows = rows.set_index("arm")
    assert rows.loc["A", "n_better"] == 1  # of improvements 2, -1, 2, 4, 0 only 4 exceeds 2
    assert rows.loc["B", "n_worlds"] == 4 and rows.loc["B", "n_better"] == 0


def test_share_and_quantiles_on_a_large_synthetic_sample():
    rng = np.random.default_rng(17)
    n = 6000
    reference = rng.normal(50.0, 10.0, n)
    table = pd.DataFrame(
        {
            "world": np.tile(np.arange(n), 2),
            "arm": np.repeat(["status quo", "posts"], n),
            "incidents": np.concatenate([reference, reference - rng.normal(1.0, 1.0, n)]),
        }
    )
    row = beats_reference(table, {"incidents": "lower"}, "status quo").iloc[0]
    assert row["share_better"] == pytest.approx(stats.norm.cdf(1.0), abs=0.02)
    assert row["median_improvement"] == pytest.approx(1.0, abs=0.05)
    assert row["p10_improvement"] == pytest.approx(1.0 - 1.2816, abs=0.06)
    assert row["share_ci_low"] < stats.norm.cdf(1.0) < row["share_ci_high"]


def regret_worlds() -> pd.DataFrame:
    """Higher is better. A wins big in two worlds but flops in the third; B never flops.

    w0: ref 0, A 10, B 6 -> best A, regrets ref 10, A 0, B 4
    w1: same as w0
    w2: ref 5, A 0, B 5 -> tie ref/B, best = ref (first in table order), regrets 0, 5, 0
    max regret: ref 10, A 5, B 4 -> minimax B; mean: ref 6.67, A 1.67, B 2.67 (A best mean).
    """
    values = {"ref": [0, 0, 5], "A": [10, 10, 0], "B": [6, 6, 5]}
    return pd.DataFrame(
        [
            {"world": w, "arm": arm, "resolved": float(values[arm][w])}
            for arm in values
            for w in range(3)
        ]
    )


def test_regret_and_minimax_choice():
    regrets = regret(regret_worlds(), "resolved", "higher")
    table = regrets.set_index(["world", "arm"])
    assert table.loc[(0, "B"), "regret"] == 4.0
    assert table.loc[(2, "A"), "regret"] == 5.0
    assert table.loc[(2, "B"), "best_arm"] == "ref"
    assert (regrets["regret"] >= 0).all()
    summary = regret_summary(regrets).set_index("arm")
    assert list(summary.index) == ["B", "A", "ref"]
    assert summary.loc["ref", "max_regret"] == 10.0
    assert summary.loc["A", "mean_regret"] == pytest.approx(5 / 3)
    assert summary.loc["A", "share_best"] == pytest.approx(2 / 3)
    assert summary.loc["B", "share_best"] == 0.0
    assert least_max_regret(regrets) == "B"


def test_regret_for_lower_is_better_and_dropped_worlds():
    table = regret_worlds()
    table["cost"] = -table["resolved"]
    table.loc[(table["world"] == 2) & (table["arm"] == "A"), "cost"] = np.nan
    regrets = regret(table, "cost", "lower")
    assert set(regrets["world"]) == {0, 1}
    assert least_max_regret(regrets) == "A"  # without world 2, A never loses
    assert math.isclose(regrets.set_index(["world", "arm"]).loc[(0, "ref"), "regret"], 10.0)


def test_neutral_direction_and_missing_reference_are_rejected():
    with pytest.raises(ValueError, match="neutral"):
        beats_reference(five_worlds(), {"resolved": "neutral"}, "ref")
    with pytest.raises(KeyError, match="reference arm 'zz'"):
        beats_reference(five_worlds(), {"resolved": "higher"}, "zz")
    with pytest.raises(ValueError, match="no world"):
        least_max_regret(regret(five_worlds().assign(resolved=np.nan), "resolved", "higher"))

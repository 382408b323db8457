"""Statistics on result tables: paired (CRN) differences, intervals, the stopping rule."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.analysis import paired as analysis


def test_mean_ci_matches_scipy():

    values = np.array([1.0, 2.5, 2.0, 4.0, 3.5, np.nan])
    ci = analysis.mean_ci(values)
    low, high = stats.t.interval(0.95, df=4, loc=values[:5].mean(), scale=stats.sem(values[:5]))
    assert ci.n == 5
    assert ci.low == pytest.approx(low) and ci.high == pytest.approx(high)
    assert analysis.mean_ci([3.0]).half_width == math.inf
    assert analysis.mean_ci([2.0, 2.0, 2.0]).half_width == 0.0


def test_paired_differences_remove_shared_noise():
    rng = np.random.default_rng(1)
    shared = rng.normal(100.0, 20.0, size=30)  # luck both arms share (CRN)
    runs = pd.DataFrame(
        {
            "arm": ["ref"] * 30 + ["policy"] * 30,
            "replicate": list(range(30)) * 2,
            "y": np.concatenate([shared, shared + 5.0 + rng.normal(0.0, 1.0, 30)]),
            "status": ["ok"] * 60,
        }
    )
    table = analysis.paired_differences(runs, "y", "ref")
    row = table.iloc[0]
    assert row["arm"] == "policy" and row["n"] == 30
    assert row["ci_low"] < 5.0 < row["ci_high"]
    unpaired = analysis.mean_ci(runs["y"][30:]).half_width
    assert row["half_width"] < unpaired / 5
    assert row["relative_half_width"] == pytest.approx(row["half_width"] / row["reference_mean"])
    # a failed run drops its pair
    runs.loc[35, "status"] = "error"
    assert analysis.paired_differences(runs, "y", "ref").iloc[0]["n"] == 29


def test_stopping_rule_with_known_variance():
    """Differences with sd 1 around 10: the rule stops near n = (t * sd / (target * 10))**2."""
    rng = np.random.default_rng(7)
    target = 0.05  # half-width 0.5 on a reference mean of 10
    noise = rng.normal(0.0, 1.0, 400)

    def table(n: int) -> pd.DataFrame:
        runs = pd.DataFrame(
            {
                "arm": ["ref"] * n + ["b"] * n,
                "replicate": list(range(n)) * 2,
                "y": np.concatenate([np.full(n, 10.0), 11.0 + noise[:n]]),
            }
        )
        return analysis.paired_differences(runs, "y", "ref")

    n, steps = 4, [4]
    while not analysis.precision_met(table(n), target) and n < 400:
        n = analysis.next_replications(n, analysis.worst_relative_half_width(table(n)), target, 400)
        steps.append(n)
    assert analysis.precision_met(table(n), target)
    assert 10 <= n <= 40  # (1.96 * 1 / 0.5) ** 2 = 15.4, plus noise in the sd estimate
    assert all(b <= 2 * a for a, b in itertools.pairwise(steps))
    assert table(n).iloc[0]["relative_half_width"] <= target


def test_next_replications_bounds():
    assert analysis.next_replications(5, math.inf, 0.1, 100) == 10
    assert analysis.next_replications(5, 0.11, 0.1, 100) == 7
    assert analysis.next_replications(5, 0.1001, 0.1, 100) == 6
    assert analysis.next_replications(80, 1.0, 0.1, 100) == 100
    assert analysis.next_replications(5, 1.0, 0.1, 100, batch_size=3) == 8
    assert analysis.next_replications(100, 1.0, 0.1, 100) == 100
    assert analysis.relative(0.0, 0.0) == 0.0
    assert analysis.relative(1.0, 0.0) == math.inf
    assert analysis.relative(1.0, -4.0) == 0.25


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_the_interval_uses_students_t_quantile(confidence):
    for n in (2, 3, 5, 10, 30, 200):
        values = np.linspace(0.0, 1.0, n) ** 2
        got = analysis.mean_ci(values, confidence)
        t = stats.t.ppf(0.5 + confidence / 2.0, df=n - 1)
        assert got.half_width == t * values.std(ddof=1) / np.sqrt(n)

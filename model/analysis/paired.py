"""Statistics on experiment results: paired (common-random-number) differences.

Replicate *i* of every arm runs with the same seed (see :mod:`model.experiments.design`), so
the difference ``arm_i - reference_i`` removes the luck both runs share. The mean of those paired
differences and its Student-t confidence interval is the comparison reports rely on, and the
precision target of an adaptive experiment is stated on its half-width.

The functions work on plain pandas DataFrames with one row per run (the ``runs.parquet``
table of an experiment), so notebooks and report code can use and extend them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit


@dataclass(frozen=True)
class MeanCI:
    """Mean of a sample with a two-sided Student-t confidence interval.

    Attributes:
        n: number of finite values used.
        mean: sample mean (NaN when ``n == 0``).
        sd: sample standard deviation (NaN when ``n < 2``).
        half_width: half-width of the interval (``inf`` when ``n < 2``).
        confidence: confidence level, e.g. 0.95.
    """

    n: int
    mean: float
    sd: float
    half_width: float
    confidence: float

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> MeanCI:
    """Mean and t-interval of the finite values of a sample (NaN values are dropped).

    Args:
        values: the sample.
        confidence: two-sided confidence level in (0, 1).

    Returns:
        The mean with its interval; the half-width is ``inf`` with fewer than two values
        and 0 when all values are equal.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be within (0, 1)")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return MeanCI(0, math.nan, math.nan, math.inf, confidence)
    mean = float(x.mean())
    if n < 2:
        return MeanCI(n, mean, math.nan, math.inf, confidence)
    sd = float(x.std(ddof=1))
    # Student's t quantile: scipy.stats.t.ppf is this function; scipy.special spares the
    # command line the 1-2 s import of scipy.stats (the runner's stopping rule reads it)
    t = float(stdtrit(n - 1, 0.5 + confidence / 2.0))
    return MeanCI(n, mean, sd, t * sd / math.sqrt(n), confidence)


def relative(half_width: float, reference_mean: float) -> float:
    """Half-width relative to ``|reference_mean|``.

    A zero reference mean gives 0 for a zero half-width and ``inf`` otherwise; an undefined
    reference mean gives ``inf`` (never "precise enough").
    """
    if not math.isfinite(reference_mean) or math.isnan(half_width):
        return math.inf
    if reference_mean == 0.0:
        return 0.0 if half_width == 0.0 else math.inf
    return half_width / abs(reference_mean)


DIFFERENCE_COLUMNS: tuple[str, ...] = (
    "arm",
    "outcome",
    "n",
    "mean",
    "reference_mean",
    "difference",
    "sd",
    "half_width",
    "ci_low",
    "ci_high",
    "relative_half_width",
)
"""Columns of :func:`paired_differences`, in order."""


def paired_differences(
    runs: pd.DataFrame,
    outcome: str,
    reference: str,
    *,
    arms: Sequence[str] | None = None,
    confidence: float = 0.95,
    arm_column: str = "arm",
    replicate_column: str = "replicate",
) -> pd.DataFrame:
    """Paired (CRN) differences of every arm from the reference arm on one outcome.

    Runs are paired on the replicate index; a pair is used when both values are finite (a
    failed run or an undefined outcome drops its pair). Rows with a ``status`` column other
    than ``"ok"`` are ignored.

    Args:
        runs: one row per run with at least the arm, replicate and outcome columns.
        outcome: the outcome column to compare.
        reference: name of the reference arm.
        arms: arms to compare, in this order; default every arm except the reference, in
            order of first appearance.
        confidence: two-sided confidence level.
        arm_column: name of the arm column.
        replicate_column: name of the replicate column.

    Returns:
        One row per arm with the columns of :data:`DIFFERENCE_COLUMNS`: the number of
        pairs, the arm and reference means over those pairs, the mean difference, its
        standard deviation, the interval and its half-width relative to ``|reference_mean|``.

    Raises:
        KeyError: the outcome column is missing or the reference arm has no rows.
    """
    if outcome not in runs.columns:
        raise KeyError(f"no outcome column {outcome!r}")
    table = runs
    if "status" in table.columns:
        table = table[table["status"] == "ok"]
    names = list(dict.fromkeys(runs[arm_column]))
    if reference not in names:
        raise KeyError(f"no runs of the reference arm {reference!r}")
    if arms is None:
        arms = [name for name in names if name != reference]
    wide = table.pivot_table(
        index=replicate_column, columns=arm_column, values=outcome, aggfunc="first", dropna=False
    )
    ref = (
        wide[reference].to_numpy(dtype=float)
        if reference in wide.columns
        else np.full(len(wide), np.nan)
    )
    rows = []
    for arm in arms:
        values = (
            wide[arm].to_numpy(dtype=float) if arm in wide.columns else np.full(len(wide), np.nan)
        )
        paired = np.isfinite(values) & np.isfinite(ref)
        diff = mean_ci(values[paired] - ref[paired], confidence)
        ref_mean = float(ref[paired].mean()) if paired.any() else math.nan
        arm_mean = float(values[paired].mean()) if paired.any() else math.nan
        rows.append(
            {
                "arm": arm,
                "outcome": outcome,
                "n": diff.n,
                "mean": arm_mean,
                "reference_mean": ref_mean,
                "difference": diff.mean,
                "sd": diff.sd,
                "half_width": diff.half_width,
                "ci_low": diff.low,
                "ci_high": diff.high,
                "relative_half_width": relative(diff.half_width, ref_mean),
            }
        )
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))


def worst_relative_half_width(differences: pd.DataFrame) -> float:
    """Largest relative half-width over the arms (``inf`` if any is undefined or no arm)."""
    if differences.empty:
        return math.inf
    values = differences["relative_half_width"].to_numpy(dtype=float)
    if np.isnan(values).any():
        return math.inf
    return float(values.max())


def precision_met(differences: pd.DataFrame, target: float) -> bool:
    """Stopping rule: every arm's relative half-width is at most ``target``.

    Args:
        differences: output of :func:`paired_differences`.
        target: largest acceptable half-width relative to ``|reference mean|``.

    Returns:
        True when every compared arm has at least two pairs and meets the target.
    """
    if differences.empty or (differences["n"] < 2).any():
        return False
    return worst_relative_half_width(differences) <= target


def next_replications(
    current: int,
    worst_relative: float,
    target: float,
    maximum: int,
    batch_size: int | None = None,
) -> int:
    """Replications to reach in the next batch of an adaptive experiment.

    With a fixed ``batch_size`` the count grows by that much. Otherwise the half-width is
    projected to shrink with ``1/sqrt(n)``: the next count is the projected need
    ``ceil(n * (worst / target) ** 2)``, at least one more and at most double the current
    count (a guard against a noisy early estimate), and never above ``maximum``.

    Args:
        current: replications done so far (per arm).
        worst_relative: current largest relative half-width over the arms.
        target: the relative half-width aimed at.
        maximum: the largest number of replications allowed.
        batch_size: fixed growth per batch, or None to project.

    Returns:
        The new replication count, in ``(current, maximum]`` unless ``current >= maximum``.
    """
    if current >= maximum:
        return current
    if batch_size is not None:
        return min(maximum, current + batch_size)
    if not math.isfinite(worst_relative) or target <= 0:
        projected = 2 * current
    else:
        projected = math.ceil(current * (worst_relative / target) ** 2)
    return min(maximum, max(current + 1, min(2 * current, projected)))

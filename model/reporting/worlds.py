"""How robust a measure is across sampled uncertain worlds, and where it fails.

For one arm and one outcome this combines :func:`model.analysis.robustness.beats_reference` (the
share of worlds where the arm beats the reference, with its Wilson interval) with PRIM
scenario discovery (:func:`model.analysis.prim.find_box`) on the worlds where it does not, so a
finding can say "beats the status quo in 94 % of 128 sampled worlds; fails mainly when
department capacity is below 0.8".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.prim import find_box
from model.analysis.robustness import beats_reference, world_means
from model.reporting.measures import add_per_year_columns, direction
from model.reporting.results import SensitivityResults

MIN_FAILURES = 3
"""Fewest failing worlds for which a failure condition is sought."""


@dataclass(frozen=True)
class FailureCondition:
    """The parameter range that best describes where an arm fails.

    Attributes:
        parameter: the parameter (column of the sensitivity runs).
        low: lower limit of the box (parameter units), or None when unrestricted below.
        high: upper limit of the box, or None when unrestricted above.
        coverage: share of the failing worlds inside the box.
        density: share of the worlds inside the box where the arm fails.
    """

    parameter: str
    low: float | None
    high: float | None
    coverage: float
    density: float


@dataclass(frozen=True)
class Robustness:
    """Robustness of one arm on one outcome.

    Attributes:
        arm: the arm.
        outcome: the outcome (or annualised column).
        n_worlds: worlds with a defined comparison.
        n_better: worlds where the arm beats the reference.
        share_better: ``n_better / n_worlds``.
        share_ci_low: lower Wilson limit of that share.
        share_ci_high: upper Wilson limit.
        condition: where it fails (None when it fails in fewer than :data:`MIN_FAILURES`
            worlds or PRIM finds no supported box).
    """

    arm: str
    outcome: str
    n_worlds: int
    n_better: int
    share_better: float
    share_ci_low: float
    share_ci_high: float
    condition: FailureCondition | None


def robustness(sensitivity: SensitivityResults, arm: str, outcome: str) -> Robustness:
    """Share of worlds where ``arm`` beats the reference on ``outcome``, and where it fails.

    Args:
        sensitivity: runs of every arm in sampled worlds.
        arm: the arm.
        outcome: outcome column or annualised column (see :mod:`model.reporting.measures`).

    Returns:
        The robustness summary.

    Raises:
        KeyError: the arm or the outcome is missing.
    """
    runs = sensitivity.runs
    if "measured_days" in runs.columns:
        runs = add_per_year_columns(runs)
    table = runs[runs["arm"].isin([arm, sensitivity.reference])]
    beats = beats_reference(table, {outcome: direction(outcome)}, sensitivity.reference)
    row = beats[beats["arm"] == arm]
    if row.empty:
        raise KeyError(f"sensitivity runs have no arm {arm!r}")
    row = row.iloc[0]
    condition = _failure_condition(sensitivity, table, arm, outcome)
    return Robustness(
        arm,
        outcome,
        int(row["n_worlds"]),
        int(row["n_better"]),
        float(row["share_better"]),
        float(row["share_ci_low"]),
        float(row["share_ci_high"]),
        condition,
    )


def _failure_condition(
    sensitivity: SensitivityResults, table: pd.DataFrame, arm: str, outcome: str
) -> FailureCondition | None:
    means = world_means(table, [outcome])
    wide = means.pivot(index="world", columns="arm", values=outcome)
    sign = 1.0 if direction(outcome) == "higher" else -1.0
    improvement = sign * (wide[arm] - wide[sensitivity.reference])
    improvement = improvement[np.isfinite(improvement)]
    fails = (improvement <= 0.0).to_numpy()
    if fails.sum() < MIN_FAILURES:
        return None
    names = list(sensitivity.parameters)
    points = table.groupby("world")[names].first().loc[improvement.index]
    try:
        box = find_box(points, fails, min_density=0.6)
    except ValueError:
        return None
    if box.limits.empty:
        return None
    best = box.limits.sort_values("qp_value", kind="stable").iloc[0]
    low = None if best["low"] <= best["data_min"] else float(best["low"])
    high = None if best["high"] >= best["data_max"] else float(best["high"])
    return FailureCondition(str(best["parameter"]), low, high, box.coverage, box.density)

"""How robust a measure is across sampled uncertain worlds, and where it fails, in words.

For one policy and one outcome this reads the worlds analysis
(:mod:`model.analysis.worlds`): the share of worlds in which the policy beats the reference
(paired within each world, with its Wilson interval) and the first PRIM box of the worlds in
which it does not, so a page can say "beats the status quo in 94 % of 128 sampled worlds;
fails when department capacity is below 0.8".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.analysis.prim import PrimBox
from model.analysis.worlds import (
    failure_boxes,
    paired_world_effects,
    robustness_table,
    worlds_design,
)
from model.reporting.measures import add_per_year_columns, direction
from model.reporting.results import SensitivityResults
from model.reporting.text import Text


@dataclass(frozen=True)
class Restriction:
    """One side or both sides of one parameter's range inside a failure box.

    Attributes:
        parameter: the parameter (dotted key).
        low: lower limit (parameter units), or None when unrestricted below.
        high: upper limit, or None when unrestricted above.
    """

    parameter: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class FailureCondition:
    """The parameter ranges that best describe where a policy fails (a PRIM box).

    Attributes:
        restrictions: the restricted parameters, strongest evidence first.
        coverage: share of the failing worlds inside the box.
        density: share of the worlds inside the box where the policy fails.
    """

    restrictions: tuple[Restriction, ...]
    coverage: float
    density: float


def condition_of(box: PrimBox) -> FailureCondition:
    """A PRIM box as restrictions (strongest evidence, i.e. smallest quasi-p-value, first)."""
    restrictions = []
    for _, limit in box.limits.sort_values("qp_value", kind="stable").iterrows():
        low = None if limit["low"] <= limit["data_min"] else float(limit["low"])
        high = None if limit["high"] >= limit["data_max"] else float(limit["high"])
        restrictions.append(Restriction(str(limit["parameter"]), low, high))
    return FailureCondition(tuple(restrictions), box.coverage, box.density)


def _limit(value: float) -> float:
    """Two significant figures: a box edge is an estimate, not a threshold to the decimal."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 1 - math.floor(math.log10(abs(value))))


def condition_words(condition: FailureCondition, t: Text) -> str:
    """The box in plain words: "capacity is below 0.8 and readiness is above 1.2"."""
    clauses = []
    for restriction in condition.restrictions:
        name = t.parameter(restriction.parameter)
        low, high = restriction.low, restriction.high
        if low is None:
            clauses.append(t("sensitivity.box.below", parameter=name, value=_shown(t, high)))
        elif high is None:
            clauses.append(t("sensitivity.box.above", parameter=name, value=_shown(t, low)))
        else:
            clauses.append(
                t(
                    "sensitivity.box.between",
                    parameter=name,
                    low=_shown(t, low),
                    high=_shown(t, high),
                )
            )
    return t.join(clauses)


def _shown(t: Text, value: float) -> str:
    return t.number(_limit(value), 2)


@dataclass(frozen=True)
class Robustness:
    """Robustness of one policy on one outcome.

    Attributes:
        arm: the policy.
        outcome: the outcome (or annualised column).
        n_worlds: worlds with a defined paired comparison.
        n_better: worlds where the policy beats the reference.
        share_better: ``n_better / n_worlds``.
        share_ci_low: lower Wilson limit of that share.
        share_ci_high: upper Wilson limit.
        condition: where it fails (None when PRIM finds no supported box, e.g. with fewer
            than :data:`model.analysis.worlds.MIN_FAILURES` failing worlds).
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
        sensitivity: runs of every policy in sampled worlds.
        arm: the policy.
        outcome: outcome column or annualised column (see :mod:`model.reporting.measures`).

    Returns:
        The robustness summary.

    Raises:
        KeyError: the policy or the outcome is missing.
    """
    runs = sensitivity.runs
    if arm not in set(runs["policy"]):
        raise KeyError(f"sensitivity runs have no arm {arm!r}")
    if "measured_days" in runs.columns:
        runs = add_per_year_columns(runs)
    runs = runs[runs["policy"].isin([arm, sensitivity.reference])]
    effects = paired_world_effects(runs, [outcome], sensitivity.reference)
    table = robustness_table(effects, {outcome: direction(outcome)}, sensitivity.reference)
    row = table[table["policy"] == arm].iloc[0]
    failures = failure_boxes(
        effects, worlds_design(sensitivity.manifest), arm, outcome, direction(outcome)
    )
    condition = condition_of(failures.boxes[0]) if failures.boxes else None
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

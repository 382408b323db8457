"""Factorial analysis: OLS of an outcome on lever indicators with all two-way interactions.

In a 2^k design every lever takes two values (off/on, or a low and a high setting). Each run
gets a 0/1 indicator per lever and the outcome is regressed on the indicators and all their
pairwise products (statsmodels formula API, ``y ~ (x1 + ... + xk) ** 2``). Runs that share a
replicate seed share their luck (common random numbers), so standard errors are
cluster-robust with the seed as cluster and t-intervals use ``G - 1`` degrees of freedom for
``G`` clusters (statsmodels' default for clustered covariance with ``use_t=True``).

Meaning of the coefficients (units of the outcome):

- ``coding="indicator"`` (0/1): a main effect is the effect of switching that lever on while
  every other lever is off, i.e. added to the status quo;
- ``coding="centred"`` (indicator - 0.5): a main effect is the effect of switching the lever
  on averaged over the settings of the other levers (in a balanced design);
- in both codings the interaction of levers *a* and *b* is the difference-in-differences
  ``(y_ab - y_a) - (y_b - y_0)``: how much more (or less) the two achieve together than the
  sum of their separate effects.

Levers are *complements* when the interaction is an improvement (positive for a
higher-is-better outcome, negative for a lower-is-better one) and *substitutes* when it is a
worsening. With ``k`` levers there are ``k (k - 1) / 2`` pairs, so by default the
classification uses Bonferroni-adjusted intervals (each at level ``1 - (1 - confidence) / m``),
which hold simultaneously for all pairs with at least the stated confidence; the statement
quotes that interval.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.regression.linear_model import RegressionResultsWrapper

from model.analysis.direction import Direction, parse_direction
from model.analysis.effects import holm_adjust

COMPLEMENTS = "complements"
SUBSTITUTES = "substitutes"
NO_INTERACTION = "no detectable interaction"
POSITIVE = "positive interaction"
NEGATIVE = "negative interaction"


@dataclass(frozen=True)
class LeverCoding:
    """How a lever's two values map to its 0/1 indicator.

    Attributes:
        lever: the lever's key in the runs table (e.g. ``policies.points.enabled``).
        term: the indicator's name in the regression formula (e.g. ``policies_points_enabled``).
        off: the value coded 0 (the reference arm's value, else False / the lower number /
            the alphabetically first string).
        on: the value coded 1.
    """

    lever: str
    term: str
    off: Any
    on: Any


def lever_indicators(
    runs: pd.DataFrame,
    levers: Sequence[str],
    *,
    reference_arm: str | None = None,
    arm_column: str = "arm",
) -> tuple[pd.DataFrame, list[LeverCoding]]:
    """0/1 indicator columns for the levers of a two-level factorial design.

    Args:
        runs: one row per run with one column per lever.
        levers: lever columns (dotted keys) of the design.
        reference_arm: arm whose lever values are coded 0; without it False, the lower
            number or the alphabetically first string is coded 0.
        arm_column: name of the arm column (used with ``reference_arm``).

    Returns:
        A frame with one 0/1 column per lever, named by the formula-safe term, on the runs'
        index; and the coding of each lever.

    Raises:
        KeyError: a lever column or the reference arm is missing.
        ValueError: a lever does not take exactly two values.
    """
    reference_row = None
    if reference_arm is not None:
        matches = runs[runs[arm_column] == reference_arm]
        if matches.empty:
            raise KeyError(f"no runs of the reference arm {reference_arm!r}")
        reference_row = matches.iloc[0]
    indicators = {}
    codings = []
    used_terms: set[str] = set()
    for lever in levers:
        if lever not in runs.columns:
            raise KeyError(f"runs table has no lever column {lever!r}")
        values = list(pd.unique(runs[lever]))
        if len(values) != 2:
            raise ValueError(
                f"lever {lever!r} takes {len(values)} values; a 2^k design needs exactly two"
            )
        if reference_row is not None:
            off = reference_row[lever]
        else:
            off = sorted(values, key=lambda v: (str(type(v)), v))[0]
        on = values[1] if values[0] == off else values[0]
        term = _term_name(lever, used_terms)
        used_terms.add(term)
        indicators[term] = (runs[lever] == on).astype(float)
        codings.append(LeverCoding(lever=lever, term=term, off=off, on=on))
    return pd.DataFrame(indicators, index=runs.index), codings


def _term_name(lever: str, used: set[str]) -> str:
    """A formula-safe, unique identifier for a lever key."""
    base = re.sub(r"\W", "_", lever)
    if not base or base[0].isdigit():
        base = f"x_{base}"
    name, number = base, 2
    while name in used or name == "y":
        name, number = f"{base}_{number}", number + 1
    return name


@dataclass(frozen=True)
class FactorialFit:
    """Result of :func:`fit_factorial`.

    Attributes:
        outcome: the outcome column.
        direction: which way the outcome is better.
        effects: tidy table, one row per coefficient: ``term``, ``kind`` ("intercept",
            "main", "interaction"), ``lever_a``, ``lever_b`` (None for main effects),
            ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``p_value`` and ``p_holm``
            (Holm across the terms of the same kind).
        interactions: one row per lever pair: ``lever_a``, ``lever_b``, ``estimate``,
            ``ci_low``, ``ci_high`` (per-pair interval), ``adjusted_ci_low``,
            ``adjusted_ci_high`` (the interval used for the classification),
            ``classification`` and a plain ``statement``.
        codings: how each lever was coded.
        coding: "indicator" or "centred".
        n_runs: runs used (finite outcome).
        n_dropped: runs dropped for an undefined outcome.
        n_clusters: distinct cluster seeds.
        confidence: two-sided level of the per-term intervals.
        model: the fitted statsmodels results, for diagnostics.
    """

    outcome: str
    direction: Direction
    effects: pd.DataFrame
    interactions: pd.DataFrame
    codings: list[LeverCoding]
    coding: str
    n_runs: int
    n_dropped: int
    n_clusters: int
    confidence: float
    model: RegressionResultsWrapper


def fit_factorial(
    runs: pd.DataFrame,
    outcome: str,
    levers: Sequence[str],
    *,
    direction: Direction | str = Direction.HIGHER,
    reference_arm: str | None = None,
    coding: Literal["indicator", "centred"] = "indicator",
    adjust: Literal["bonferroni", "none"] = "bonferroni",
    confidence: float = 0.95,
    cluster_column: str = "seed",
    arm_column: str = "arm",
) -> FactorialFit:
    """OLS of an outcome on lever indicators and all two-way interactions, clustered by seed.

    Args:
        runs: one row per run of a two-level factorial experiment (lever, seed and outcome
            columns); rows with a ``status`` other than ``"ok"`` and undefined outcomes are
            dropped.
        outcome: outcome column.
        levers: lever columns (at least one).
        direction: which way the outcome is better (decides complements vs substitutes).
        reference_arm: arm whose lever values are coded 0 (see :func:`lever_indicators`).
        coding: "indicator" (0/1) or "centred" (0/1 minus 0.5); see the module docstring.
        adjust: "bonferroni" to classify pairs with simultaneous intervals, "none" to use
            the per-pair intervals.
        confidence: two-sided level of the per-term intervals.
        cluster_column: column identifying the shared random numbers (replicate seed).
        arm_column: name of the arm column.

    Returns:
        The fit (see :class:`FactorialFit`).

    Raises:
        KeyError: a column is missing.
        ValueError: a lever has not exactly two values, fewer than two clusters, or the
            runs do not separate every main effect and interaction.
    """
    direction = parse_direction(direction)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be within (0, 1), got {confidence!r}")
    for column in (outcome, cluster_column):
        if column not in runs.columns:
            raise KeyError(f"runs table has no column {column!r}")
    usable = runs if "status" not in runs.columns else runs[runs["status"] == "ok"]
    # code the levers on every successful run (the reference arm's values decide the 0
    # level even where its outcome is undefined), then keep the runs with a defined outcome
    indicators, codings = lever_indicators(
        usable, levers, reference_arm=reference_arm, arm_column=arm_column
    )
    finite = np.isfinite(usable[outcome].astype(float)).to_numpy()
    kept = usable[finite]
    indicators = indicators[finite]
    if coding == "centred":
        indicators = indicators - 0.5
    elif coding != "indicator":
        raise ValueError(f"coding must be 'indicator' or 'centred', got {coding!r}")
    terms = [c.term for c in codings]
    data = indicators.assign(y=kept[outcome].astype(float))
    groups = pd.factorize(kept[cluster_column])[0]
    n_clusters = int(groups.max()) + 1 if len(groups) else 0
    if n_clusters < 2:
        raise ValueError(f"need at least two distinct {cluster_column!r} values to cluster by")
    formula = f"y ~ ({' + '.join(terms)})" + (" ** 2" if len(terms) > 1 else "")
    model = smf.ols(formula, data=data)
    if np.linalg.matrix_rank(model.exog) < model.exog.shape[1]:
        raise ValueError(
            "the runs do not separate every main effect and two-way interaction "
            "(is every lever combination of the design present?)"
        )
    fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    effects = _tidy(fitted, codings, confidence)
    interactions = _classify(fitted, effects, direction, adjust, confidence)
    return FactorialFit(
        outcome=outcome,
        direction=direction,
        effects=effects,
        interactions=interactions,
        codings=codings,
        coding=coding,
        n_runs=len(kept),
        n_dropped=len(runs) - len(kept),
        n_clusters=n_clusters,
        confidence=confidence,
        model=fitted,
    )


def _tidy(
    fitted: RegressionResultsWrapper, codings: list[LeverCoding], confidence: float
) -> pd.DataFrame:
    """One row per coefficient with levers named by their keys."""
    lever_of = {c.term: c.lever for c in codings}
    intervals = fitted.conf_int(alpha=1.0 - confidence)
    params, errors, p_values = fitted.params, fitted.bse, fitted.pvalues
    rows = []
    for name in params.index:
        parts = name.split(":")
        kind = (
            "intercept" if name == "Intercept" else ("main" if len(parts) == 1 else "interaction")
        )
        rows.append(
            {
                "term": name,
                "kind": kind,
                "lever_a": lever_of.get(parts[0]),
                "lever_b": lever_of.get(parts[1]) if len(parts) == 2 else None,
                "estimate": float(params[name]),
                "std_error": float(errors[name]),
                "ci_low": float(intervals.loc[name, 0]),
                "ci_high": float(intervals.loc[name, 1]),
                "p_value": float(p_values[name]),
            }
        )
    table = pd.DataFrame(rows)
    table["p_holm"] = np.nan
    for kind in ("main", "interaction"):
        mask = table["kind"] == kind
        if mask.any():
            table.loc[mask, "p_holm"] = holm_adjust(table.loc[mask, "p_value"].to_numpy())
    return table


def _classify(
    fitted: RegressionResultsWrapper,
    effects: pd.DataFrame,
    direction: Direction,
    adjust: str,
    confidence: float,
) -> pd.DataFrame:
    """Complements / substitutes / no detectable interaction for every lever pair."""
    pairs = effects[effects["kind"] == "interaction"]
    columns = [
        "lever_a",
        "lever_b",
        "estimate",
        "ci_low",
        "ci_high",
        "adjusted_ci_low",
        "adjusted_ci_high",
        "classification",
        "statement",
    ]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    if adjust not in ("bonferroni", "none"):
        raise ValueError(f"adjust must be 'bonferroni' or 'none', got {adjust!r}")
    m = len(pairs)
    tail = (1.0 - confidence) / 2.0 / (m if adjust == "bonferroni" else 1)
    t_quantile = float(stats.t.ppf(1.0 - tail, df=fitted.df_resid_inference))
    level = 100.0 * (1.0 - 2.0 * tail)
    rows = []
    for _, pair in pairs.iterrows():
        low = pair["estimate"] - t_quantile * pair["std_error"]
        high = pair["estimate"] + t_quantile * pair["std_error"]
        label = _label(low, high, direction)
        interval = f"{level:.4g} % CI {low:.3g} to {high:.3g}"
        if adjust == "bonferroni" and m > 1:
            interval += f", Bonferroni-adjusted over {m} pairs"
        rows.append(
            {
                "lever_a": pair["lever_a"],
                "lever_b": pair["lever_b"],
                "estimate": pair["estimate"],
                "ci_low": pair["ci_low"],
                "ci_high": pair["ci_high"],
                "adjusted_ci_low": low,
                "adjusted_ci_high": high,
                "classification": label,
                "statement": (
                    f"{pair['lever_a']} and {pair['lever_b']}: {label} "
                    f"(interaction {pair['estimate']:+.3g}, {interval})"
                ),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _label(low: float, high: float, direction: Direction) -> str:
    if not (low > 0.0 or high < 0.0):
        return NO_INTERACTION
    positive = low > 0.0
    if direction is Direction.NEUTRAL:
        return POSITIVE if positive else NEGATIVE
    return COMPLEMENTS if positive == (direction is Direction.HIGHER) else SUBSTITUTES


def interaction_means(
    runs: pd.DataFrame,
    outcome: str,
    lever_a: str,
    lever_b: str,
    *,
    reference_arm: str | None = None,
    confidence: float = 0.95,
    cluster_column: str = "seed",
    arm_column: str = "arm",
) -> pd.DataFrame:
    """Cell means of an outcome for the four settings of two levers (an interaction plot).

    Within each cluster (replicate seed) the runs of a cell are averaged over the settings
    of the other levers; the cell mean and its Student-t interval are then taken over
    clusters, so the shared luck of a replicate is respected.

    Args:
        runs: one row per run of the factorial experiment.
        outcome: outcome column.
        lever_a: first lever (x axis of the plot).
        lever_b: second lever (one line per setting).
        reference_arm: arm whose lever values are coded 0.
        confidence: two-sided level of the intervals.
        cluster_column: column identifying the replicate seed.
        arm_column: name of the arm column.

    Returns:
        Four rows with ``a`` and ``b`` (0/1), ``a_value`` and ``b_value`` (the lever values),
        ``mean``, ``ci_low``, ``ci_high`` (outcome units) and ``n_clusters``.
    """
    usable = runs if "status" not in runs.columns else runs[runs["status"] == "ok"]
    usable = usable[np.isfinite(usable[outcome].astype(float))]
    indicators, codings = lever_indicators(
        usable, [lever_a, lever_b], reference_arm=reference_arm, arm_column=arm_column
    )
    frame = pd.DataFrame(
        {
            "a": indicators.iloc[:, 0].astype(int),
            "b": indicators.iloc[:, 1].astype(int),
            "cluster": usable[cluster_column],
            "y": usable[outcome].astype(float),
        }
    )
    per_cluster = frame.groupby(["a", "b", "cluster"])["y"].mean()
    rows = []
    for a, b in itertools.product((0, 1), (0, 1)):
        values = per_cluster.loc[(a, b)].to_numpy() if (a, b) in per_cluster.index else []
        n = len(values)
        mean = float(np.mean(values)) if n else math.nan
        if n >= 2:
            t_quantile = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1))
            half = t_quantile * float(np.std(values, ddof=1)) / math.sqrt(n)
        else:
            half = math.inf
        rows.append(
            {
                "a": a,
                "b": b,
                "a_value": codings[0].on if a else codings[0].off,
                "b_value": codings[1].on if b else codings[1].off,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "n_clusters": n,
            }
        )
    return pd.DataFrame(rows)

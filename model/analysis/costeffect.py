"""Cost-effectiveness: efficient frontier, dominance and incremental cost-effectiveness ratios.

Every arm is a point on the cost-effectiveness plane: its mean incremental cost (yuan per
year, relative to the reference arm) and its mean incremental effect (e.g. extra issues
resolved per year, incidents averted per year; oriented so that larger is better). The
reference itself is the point (0, 0).

- An arm is *strongly dominated* when another arm costs no more and achieves at least as
  much, and is strictly better on one of the two.
- Of the remaining arms, sorted by effect, an arm is *extendedly dominated* when its
  incremental cost-effectiveness ratio (ICER) against the next less effective arm is higher
  than the ICER of a more effective arm against that same arm: a mix of its two neighbours
  would give its effect for less money. Such arms are removed one at a time until the ICERs
  increase along the remaining arms.
- The remaining arms form the *efficient frontier*; the ICER of a frontier arm is the extra
  cost per extra unit of effect against the frontier arm just below it (yuan per unit). The
  first (least effective) frontier arm has no ICER.

:func:`bootstrap_icer` gives an interval for the ICER of one arm against another by paired
resampling of replicates (replicate *i* of both arms shares its seed), together with the
probability that the arm is cost-effective at a given willingness to pay.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.direction import Direction, parse_direction, sign

FRONTIER = "frontier"
STRONGLY_DOMINATED = "strongly dominated"
EXTENDEDLY_DOMINATED = "extendedly dominated"

FRONTIER_COLUMNS: tuple[str, ...] = (
    "arm",
    "cost",
    "effect",
    "status",
    "dominated_by",
    "compared_with",
    "icer",
    "reason",
)
"""Leading columns of :func:`efficient_frontier`; extra input columns follow them."""


def efficient_frontier(
    table: pd.DataFrame,
    *,
    reference: str | None = "baseline",
    arm_column: str = "arm",
    cost_column: str = "cost",
    effect_column: str = "effect",
    cost_unit: str = "yuan/year",
    effect_unit: str = "unit",
) -> pd.DataFrame:
    """Classify arms as on the efficient frontier or dominated, with ICERs and reasons.

    Args:
        table: one row per arm with its incremental cost and effect against the reference
            (other columns, e.g. confidence limits, are passed through).
        reference: name of the reference arm; added at cost 0 and effect 0 when absent from
            the table. ``None`` analyses the table as given.
        arm_column: column holding the arm names.
        cost_column: column holding the incremental cost (e.g. yuan per year).
        effect_column: column holding the incremental effect, larger is better.
        cost_unit: unit of the cost, used in the reason strings.
        effect_unit: unit of the effect, used in the reason strings (e.g. "resolved issue").

    Returns:
        One row per arm sorted by effect, with the columns of :data:`FRONTIER_COLUMNS`:
        ``status`` ("frontier", "strongly dominated", "extendedly dominated"),
        ``dominated_by`` (the arm named in the reason), ``compared_with`` (for a frontier
        arm, the frontier arm below it), ``icer`` (cost unit per effect unit against
        ``compared_with``; NaN for the first frontier arm and for dominated arms) and a
        plain ``reason``. Arms with the same cost and effect share one classification.

    Raises:
        KeyError: a column is missing.
        ValueError: arm names repeat, or a cost or effect is not finite.
    """
    for column in (arm_column, cost_column, effect_column):
        if column not in table.columns:
            raise KeyError(f"cost-effectiveness table has no column {column!r}")
    frame = table.rename(columns={arm_column: "arm", cost_column: "cost", effect_column: "effect"})
    if reference is not None and reference not in set(frame["arm"]):
        frame = pd.concat(
            [pd.DataFrame({"arm": [reference], "cost": [0.0], "effect": [0.0]}), frame],
            ignore_index=True,
        )
    if frame["arm"].duplicated().any():
        raise ValueError(f"arm {frame['arm'][frame['arm'].duplicated()].iloc[0]!r} appears twice")
    cost = frame["cost"].to_numpy(dtype=float)
    effect = frame["effect"].to_numpy(dtype=float)
    if not (np.isfinite(cost).all() and np.isfinite(effect).all()):
        bad = frame["arm"][~(np.isfinite(cost) & np.isfinite(effect))].iloc[0]
        raise ValueError(f"arm {bad!r} has no finite cost and effect")
    names = frame["arm"].astype(str).tolist()
    describe = _Describer(names, cost, effect, cost_unit, effect_unit)
    # Identical points are analysed once, through their first arm.
    first_twin = [
        next(j for j in range(i + 1) if cost[j] == cost[i] and effect[j] == effect[i])
        for i in range(len(names))
    ]
    distinct = [i for i in range(len(names)) if first_twin[i] == i]
    status: dict[int, str] = {}
    dominated_by: dict[int, int] = {}
    reasons: dict[int, str] = {}
    compared_with: dict[int, int] = {}
    icer: dict[int, float] = {}

    strong = _strongly_dominated(distinct, cost, effect)
    for i, dominator in strong.items():
        status[i], dominated_by[i] = STRONGLY_DOMINATED, dominator
        reasons[i] = describe.strong(i, dominator)
    candidates = sorted((i for i in distinct if i not in strong), key=lambda i: effect[i])
    frontier, removed = _remove_extended_dominance(candidates, cost, effect)
    for i in removed:
        below = max((j for j in frontier if effect[j] < effect[i]), key=lambda j: effect[j])
        above = min((j for j in frontier if effect[j] > effect[i]), key=lambda j: effect[j])
        status[i], dominated_by[i] = EXTENDEDLY_DOMINATED, above
        reasons[i] = describe.extended(i, below, above)
    for position, i in enumerate(frontier):
        status[i] = FRONTIER
        if position == 0:
            reasons[i] = "least effective arm on the frontier"
            continue
        j = frontier[position - 1]
        compared_with[i] = j
        icer[i] = (cost[i] - cost[j]) / (effect[i] - effect[j])
        reasons[i] = describe.frontier(i, j, icer[i])

    rows = []
    for i, name in enumerate(names):
        k = first_twin[i]
        reason = reasons[k] if k == i else f"same cost and effect as {names[k]}; {reasons[k]}"
        rows.append(
            {
                "arm": name,
                "cost": cost[i],
                "effect": effect[i],
                "status": status[k],
                "dominated_by": names[dominated_by[k]] if k in dominated_by else None,
                "compared_with": names[compared_with[k]] if k in compared_with else None,
                "icer": icer.get(k, math.nan),
                "reason": reason,
            }
        )
    result = pd.DataFrame(rows, columns=list(FRONTIER_COLUMNS))
    extra = frame.drop(columns=["arm", "cost", "effect"]).reset_index(drop=True)
    result = pd.concat([result, extra], axis=1)
    order = np.lexsort((cost, effect))
    return result.iloc[order].reset_index(drop=True)


def _strongly_dominated(
    indices: Sequence[int], cost: np.ndarray, effect: np.ndarray
) -> dict[int, int]:
    """Map each strongly dominated arm to its cheapest non-dominated dominator."""
    index = np.asarray(indices, dtype=int)
    c, e = cost[index][:, None], effect[index][:, None]
    # dominates[a, b]: arm a costs no more and achieves no less than b, strictly on one.
    dominates = (c <= c.T) & (e >= e.T) & ((c < c.T) | (e > e.T))
    is_dominated = dominates.any(axis=0)
    result = {}
    for b in np.flatnonzero(is_dominated):
        dominators = [a for a in np.flatnonzero(dominates[:, b]) if not is_dominated[a]]
        best = min(dominators, key=lambda a: (cost[index[a]], -effect[index[a]]))
        result[int(index[b])] = int(index[best])
    return result


def _remove_extended_dominance(
    candidates: list[int], cost: np.ndarray, effect: np.ndarray
) -> tuple[list[int], list[int]]:
    """Drop arms whose ICER exceeds the next arm's, one at a time; return (kept, removed)."""
    kept = list(candidates)
    removed: list[int] = []
    while True:
        ratios = [
            (cost[kept[k]] - cost[kept[k - 1]]) / (effect[kept[k]] - effect[kept[k - 1]])
            for k in range(1, len(kept))
        ]
        violation = next((k for k in range(len(ratios) - 1) if ratios[k] > ratios[k + 1]), None)
        if violation is None:
            return kept, removed
        removed.append(kept.pop(violation + 1))


@dataclass(frozen=True)
class _Describer:
    """Builds the plain reason strings."""

    names: list[str]
    cost: np.ndarray
    effect: np.ndarray
    cost_unit: str
    effect_unit: str

    def strong(self, arm: int, dominator: int) -> str:
        cheaper = "less" if self.cost[dominator] < self.cost[arm] else "the same"
        better = "more" if self.effect[dominator] > self.effect[arm] else "as much"
        return (
            f"strongly dominated by {self.names[dominator]}, which costs {cheaper} "
            f"({self._cost(dominator)} vs {self._cost(arm)} {self.cost_unit}) and achieves "
            f"{better} ({self._effect(dominator)} vs {self._effect(arm)} {self.effect_unit})"
        )

    def extended(self, arm: int, below: int, above: int) -> str:
        own = self._ratio(arm, below)
        other = self._ratio(above, below)
        return (
            f"extendedly dominated by {self.names[above]}: against {self.names[below]} it "
            f"costs {own:,.0f} {self.cost_unit} per extra {self.effect_unit}, while the more "
            f"effective {self.names[above]} costs {other:,.0f}; a mix of {self.names[below]} "
            f"and {self.names[above]} gives its effect for less"
        )

    def frontier(self, arm: int, below: int, ratio: float) -> str:
        return (
            f"on the frontier: {ratio:,.0f} {self.cost_unit} per extra {self.effect_unit} "
            f"over {self.names[below]}"
        )

    def _ratio(self, arm: int, base: int) -> float:
        return (self.cost[arm] - self.cost[base]) / (self.effect[arm] - self.effect[base])

    def _cost(self, i: int) -> str:
        return f"{self.cost[i]:,.0f}"

    def _effect(self, i: int) -> str:
        return f"{self.effect[i]:.3g}"


def cost_effect_inputs(
    effects: pd.DataFrame, cost_outcome: str, effect_outcome: str, reference: str
) -> pd.DataFrame:
    """Cost and effect per arm from a :func:`~.effects.paired_effects` table.

    The effect is oriented so that larger is better: for a lower-is-better outcome (e.g.
    incidents) the sign of the difference and its interval are flipped (incidents averted).

    Args:
        effects: output of ``paired_effects`` containing both outcomes.
        cost_outcome: outcome holding the public cost (e.g. yuan per year).
        effect_outcome: outcome measuring the effect; its direction must not be neutral.
        reference: the reference arm, added at cost 0 and effect 0.

    Returns:
        Columns ``arm, cost, cost_ci_low, cost_ci_high, effect, effect_ci_low,
        effect_ci_high``, reference first, ready for :func:`efficient_frontier`.

    Raises:
        KeyError: an outcome is missing from the table.
        ValueError: the effect outcome is neutral.
    """
    parts = {}
    for outcome in (cost_outcome, effect_outcome):
        part = effects[effects["outcome"] == outcome].set_index("arm")
        if part.empty:
            raise KeyError(f"effects table has no outcome {outcome!r}")
        parts[outcome] = part
    cost_part, effect_part = parts[cost_outcome], parts[effect_outcome]
    factor = sign(parse_direction(effect_part["direction"].iloc[0]))
    effect_limits = np.sort(
        factor * effect_part[["ci_low", "ci_high"]].to_numpy(dtype=float), axis=1
    )
    table = pd.DataFrame(
        {
            "cost": cost_part["difference"],
            "cost_ci_low": cost_part["ci_low"],
            "cost_ci_high": cost_part["ci_high"],
            "effect": factor * effect_part["difference"],
            "effect_ci_low": pd.Series(effect_limits[:, 0], index=effect_part.index),
            "effect_ci_high": pd.Series(effect_limits[:, 1], index=effect_part.index),
        }
    )
    table.index.name = "arm"
    table = table.reset_index()
    origin = pd.DataFrame({column: [0.0] for column in table.columns if column != "arm"})
    origin.insert(0, "arm", reference)
    return pd.concat([origin, table], ignore_index=True)


@dataclass(frozen=True)
class BootstrapICER:
    """ICER of one arm against a comparator with a paired-bootstrap interval.

    Attributes:
        arm: the arm.
        comparator: the arm it is compared with.
        n_pairs: replicates with all four values finite.
        cost_difference: mean cost difference (cost unit, e.g. yuan/year).
        effect_difference: mean effect difference, larger is better (effect unit).
        icer: ``cost_difference / effect_difference`` (cost per unit; NaN if the effect
            difference is 0). Negative when the arm saves money while adding effect.
        ci_low: lower percentile limit (see :func:`bootstrap_icer`).
        ci_high: upper percentile limit; ``inf`` when too many resamples add no effect.
        share_no_extra_effect: share of resamples with effect difference <= 0.
        confidence: two-sided level.
        cost_samples: resampled mean cost differences.
        effect_samples: resampled mean effect differences.
    """

    arm: str
    comparator: str
    n_pairs: int
    cost_difference: float
    effect_difference: float
    icer: float
    ci_low: float
    ci_high: float
    share_no_extra_effect: float
    confidence: float
    cost_samples: np.ndarray
    effect_samples: np.ndarray

    def probability_cost_effective(self, willingness_to_pay: float | np.ndarray) -> np.ndarray:
        """Share of resamples with positive net benefit ``wtp * effect - cost``.

        Args:
            willingness_to_pay: yuan one would pay per unit of effect (scalar or array).

        Returns:
            The acceptability curve at those values (shares).
        """
        wtp = np.asarray(willingness_to_pay, dtype=float)[..., None]
        return np.mean(wtp * self.effect_samples - self.cost_samples > 0.0, axis=-1)


def bootstrap_icer(
    runs: pd.DataFrame,
    arm: str,
    comparator: str,
    cost_outcome: str,
    effect_outcome: str,
    *,
    rng: np.random.Generator,
    effect_direction: Direction | str = Direction.HIGHER,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    arm_column: str = "arm",
    replicate_column: str = "replicate",
) -> BootstrapICER:
    """Paired bootstrap over replicates of the ICER of ``arm`` against ``comparator``.

    Each resample draws replicate indices with replacement and keeps both arms' runs of each
    drawn replicate together, so the common random numbers stay paired and the correlation
    between cost and effect differences is preserved. The interval is the percentile
    interval of the resampled ICERs. Resamples in which the arm adds no effect (effect
    difference <= 0) cannot be placed on the "yuan per extra unit" scale; they are ranked
    above every finite ratio (the arm bought nothing for its money), which keeps the upper
    limit conservative. If they exceed ``(1 - confidence) / 2`` of the resamples the upper
    limit is ``inf``; if they exceed ``1 - (1 - confidence) / 2`` both limits are NaN. The
    acceptability curve (:meth:`BootstrapICER.probability_cost_effective`) is the better
    summary in those cases.

    Args:
        runs: one row per run (arm, replicate, outcomes); rows with a ``status`` other
            than ``"ok"`` count as missing.
        arm: the arm whose ICER is wanted.
        comparator: the arm it is compared with (the frontier arm below it, or the reference).
        cost_outcome: outcome holding the cost (e.g. yuan per year).
        effect_outcome: outcome measuring the effect.
        rng: random generator for the resampling.
        effect_direction: direction of the effect outcome; a lower-is-better outcome is
            negated (e.g. incidents become incidents averted).
        n_resamples: number of bootstrap resamples.
        confidence: two-sided level.
        arm_column: name of the arm column.
        replicate_column: name of the replicate column.

    Returns:
        The estimate, its interval and the resampled differences.

    Raises:
        KeyError: a column or arm is missing.
        ValueError: an arm has two runs for one replicate, or fewer than two complete
            replicate pairs.
    """
    factor = sign(parse_direction(effect_direction))
    usable = runs if "status" not in runs.columns else runs[runs["status"] == "ok"]
    for column in (arm_column, replicate_column, cost_outcome, effect_outcome):
        if column not in runs.columns:
            raise KeyError(f"runs table has no column {column!r}")
    values = {}
    for name in (arm, comparator):
        rows = usable[usable[arm_column] == name]
        if rows.empty:
            raise KeyError(f"no usable runs of the arm {name!r}")
        if rows[replicate_column].duplicated().any():
            raise ValueError(f"arm {name!r} has more than one run for a replicate")
        values[name] = rows.set_index(replicate_column)[[cost_outcome, effect_outcome]]
    paired = values[arm].merge(
        values[comparator], left_index=True, right_index=True, suffixes=("_arm", "_ref")
    )
    paired = paired.astype(float)
    paired = paired[np.isfinite(paired.to_numpy()).all(axis=1)]
    if len(paired) < 2:
        raise ValueError(f"fewer than two complete replicate pairs of {arm!r} and {comparator!r}")
    cost_diff = (paired[f"{cost_outcome}_arm"] - paired[f"{cost_outcome}_ref"]).to_numpy()
    effect_diff = (
        factor * (paired[f"{effect_outcome}_arm"] - paired[f"{effect_outcome}_ref"]).to_numpy()
    )
    n = len(cost_diff)
    draws = rng.integers(0, n, size=(n_resamples, n))
    cost_samples = cost_diff[draws].mean(axis=1)
    effect_samples = effect_diff[draws].mean(axis=1)
    no_gain = effect_samples <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(no_gain, np.inf, cost_samples / effect_samples)
    tail = (1.0 - confidence) / 2.0
    share = float(no_gain.mean())
    if share > 1.0 - tail:
        low = high = math.nan
    else:
        low = float(np.quantile(ratios, tail, method="inverted_cdf"))
        high = (
            math.inf
            if share > tail
            else float(np.quantile(ratios, 1.0 - tail, method="inverted_cdf"))
        )
    mean_cost, mean_effect = float(cost_diff.mean()), float(effect_diff.mean())
    return BootstrapICER(
        arm=arm,
        comparator=comparator,
        n_pairs=n,
        cost_difference=mean_cost,
        effect_difference=mean_effect,
        icer=mean_cost / mean_effect if mean_effect != 0.0 else math.nan,
        ci_low=low,
        ci_high=high,
        share_no_extra_effect=share,
        confidence=confidence,
        cost_samples=cost_samples,
        effect_samples=effect_samples,
    )

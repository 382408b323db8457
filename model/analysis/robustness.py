"""Robustness of a ranking over sampled uncertain worlds: win shares, improvement, regret.

A *world* is one draw of the uncertain parameters (e.g. a row of a Latin hypercube); every
arm runs in every world, with common random numbers within the world. The input table has
one row per (world, arm) or per (world, arm, replicate); replicates are averaged within
(world, arm) first, so each world counts once.

Definitions (outcome units unless stated):

- improvement of an arm in a world: ``(arm - reference)`` for a higher-is-better outcome,
  ``(reference - arm)`` for a lower-is-better one; positive means better;
- the arm *beats* the reference in a world when its improvement exceeds the margin (default
  0, i.e. strictly better); the share of worlds where it does so comes with a Wilson score
  interval (treating the worlds as independent draws);
- the 10th-percentile improvement: 90 % of worlds see at least this improvement (numpy's
  linear interpolation between order statistics);
- regret of an arm in a world, on one chosen outcome: the gap between the best arm's value in
  that world and the arm's value, oriented so that regret >= 0 and the best arm has 0;
- the minimax-regret arm: the arm whose largest regret over the worlds is smallest (ties go
  to the smaller mean regret, then to the name).

A world in which an arm's or the reference's value is undefined is dropped from that arm's
comparison; for regret, a world is dropped when any arm's value is undefined, since the best
arm of that world is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from model.analysis.direction import Direction, parse_direction, sign

BEATS_COLUMNS: tuple[str, ...] = (
    "arm",
    "outcome",
    "direction",
    "n_worlds",
    "n_better",
    "share_better",
    "share_ci_low",
    "share_ci_high",
    "mean_improvement",
    "median_improvement",
    "p10_improvement",
    "worst_improvement",
)
"""Columns of :func:`beats_reference`, in order."""


def world_means(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    world_column: str = "world",
    arm_column: str = "arm",
) -> pd.DataFrame:
    """Average the replicates of each (world, arm); NaN values are skipped.

    Args:
        table: one row per (world, arm[, replicate]) with the outcome columns.
        outcomes: outcome columns to average.
        world_column: name of the world column.
        arm_column: name of the arm column.

    Returns:
        One row per (world, arm) with the mean of each outcome and ``n_rows``.

    Raises:
        KeyError: a column is missing.
    """
    for column in (world_column, arm_column, *outcomes):
        if column not in table.columns:
            raise KeyError(f"robustness table has no column {column!r}")
    usable = table if "status" not in table.columns else table[table["status"] == "ok"]
    grouped = usable.groupby([world_column, arm_column], sort=True)
    means = grouped[list(outcomes)].mean()
    means["n_rows"] = grouped.size()
    return means.reset_index()


def _wide(means: pd.DataFrame, outcome: str, world_column: str, arm_column: str) -> pd.DataFrame:
    return means.pivot(index=world_column, columns=arm_column, values=outcome).astype(float)


def beats_reference(
    table: pd.DataFrame,
    outcomes: Mapping[str, Direction | str],
    reference: str,
    *,
    margins: Mapping[str, float] | None = None,
    confidence: float = 0.95,
    world_column: str = "world",
    arm_column: str = "arm",
) -> pd.DataFrame:
    """Per arm and outcome: share of worlds where it beats the reference, and improvements.

    Args:
        table: one row per (world, arm[, replicate]).
        outcomes: outcome column -> direction ("higher" or "lower"; neutral has no winner).
        reference: the reference arm (status quo).
        margins: per outcome, the improvement (outcome units) an arm must exceed to count
            as beating the reference; default 0.
        confidence: level of the Wilson interval of the share.
        world_column: name of the world column.
        arm_column: name of the arm column.

    Returns:
        One row per (arm, outcome) with the columns of :data:`BEATS_COLUMNS`.

    Raises:
        KeyError: a column or the reference arm is missing.
        ValueError: a direction is neutral or unknown.
    """
    directions = {name: parse_direction(value) for name, value in outcomes.items()}
    factors = {name: sign(direction) for name, direction in directions.items()}
    means = world_means(table, list(directions), world_column=world_column, arm_column=arm_column)
    arms = list(dict.fromkeys(table[arm_column]))
    if reference not in arms:
        raise KeyError(f"no rows of the reference arm {reference!r}")
    margins = dict(margins or {})
    wides = {outcome: _wide(means, outcome, world_column, arm_column) for outcome in directions}
    rows = []
    for arm in arms:
        if arm == reference:
            continue
        for outcome, direction in directions.items():
            wide = wides[outcome]
            improvement = factors[outcome] * (wide[arm] - wide[reference]).to_numpy()
            improvement = improvement[np.isfinite(improvement)]
            n = int(improvement.size)
            better = int((improvement > margins.get(outcome, 0.0)).sum())
            if n:
                interval = stats.binomtest(better, n).proportion_ci(confidence, method="wilson")
                low, high = float(interval.low), float(interval.high)
                summary = (
                    float(improvement.mean()),
                    float(np.median(improvement)),
                    float(np.quantile(improvement, 0.1)),
                    float(improvement.min()),
                )
            else:
                low = high = np.nan
                summary = (np.nan,) * 4
            share = better / n if n else np.nan
            rows.append((arm, outcome, direction.value, n, better, share, low, high, *summary))
    return pd.DataFrame(rows, columns=list(BEATS_COLUMNS))


def regret(
    table: pd.DataFrame,
    outcome: str,
    direction: Direction | str,
    *,
    world_column: str = "world",
    arm_column: str = "arm",
) -> pd.DataFrame:
    """Regret of every arm in every world on one outcome.

    Args:
        table: one row per (world, arm[, replicate]).
        outcome: the outcome on which arms are judged.
        direction: "higher" or "lower".
        world_column: name of the world column.
        arm_column: name of the arm column.

    Returns:
        One row per (world, arm): ``world``, ``arm``, ``value`` (replicate mean),
        ``best_arm`` (on a tie, the first of the tied arms in table order), ``best_value``
        and ``regret`` (outcome units, >= 0). Worlds with an undefined value for any arm are
        left out.
    """
    factor = sign(parse_direction(direction))
    means = world_means(table, [outcome], world_column=world_column, arm_column=arm_column)
    arms = list(dict.fromkeys(table[arm_column]))
    wide = _wide(means, outcome, world_column, arm_column).reindex(columns=arms)
    wide = wide[np.isfinite(wide.to_numpy()).all(axis=1)]
    oriented = factor * wide.to_numpy()
    best_position = oriented.argmax(axis=1)
    best_value = wide.to_numpy()[np.arange(len(wide)), best_position]
    regrets = oriented.max(axis=1, keepdims=True) - oriented
    return pd.DataFrame(
        {
            "world": np.repeat(wide.index.to_numpy(), len(arms)),
            "arm": np.tile(arms, len(wide)),
            "value": wide.to_numpy().ravel(),
            "best_arm": np.repeat(np.asarray(arms)[best_position], len(arms)),
            "best_value": np.repeat(best_value, len(arms)),
            "regret": regrets.ravel(),
        }
    )


def regret_summary(regrets: pd.DataFrame) -> pd.DataFrame:
    """Per arm: worst, mean, median and 90th-percentile regret, and share of worlds won.

    Args:
        regrets: output of :func:`regret`.

    Returns:
        One row per arm sorted by maximum regret (then mean regret): ``arm``, ``n_worlds``,
        ``max_regret``, ``mean_regret``, ``median_regret``, ``p90_regret`` (outcome units)
        and ``share_best`` (share of worlds in which it is the best arm).
    """
    grouped = regrets.assign(is_best=regrets["best_arm"] == regrets["arm"]).groupby(
        "arm", sort=False
    )
    summary = pd.DataFrame(
        {
            "n_worlds": grouped.size(),
            "max_regret": grouped["regret"].max(),
            "mean_regret": grouped["regret"].mean(),
            "median_regret": grouped["regret"].median(),
            "p90_regret": grouped["regret"].quantile(0.9),
            "share_best": grouped["is_best"].mean(),
        }
    )
    summary.index.name = "arm"
    summary = summary.reset_index()
    return summary.sort_values(["max_regret", "mean_regret", "arm"], kind="stable").reset_index(
        drop=True
    )


def least_max_regret(regrets: pd.DataFrame) -> str:
    """The minimax-regret arm (ties: smaller mean regret, then alphabetical).

    Raises:
        ValueError: there are no worlds to judge on.
    """
    if regrets.empty:
        raise ValueError("no world has a defined value for every arm")
    return str(regret_summary(regrets)["arm"].iloc[0])

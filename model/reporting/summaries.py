"""Summaries for figures: daily bands, the reporting funnel and replication adequacy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from model.reporting import issue_outcomes as io
from model.reporting.measures import DAYS_PER_YEAR


def daily_bands(
    daily: pd.DataFrame,
    column: str,
    *,
    arms: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean of a daily series over replicates with a Student-t band, per arm and day.

    Args:
        daily: daily series with ``arm``, ``replicate``, ``day`` and the column.
        column: the series (e.g. ``open_issues``).
        arms: arms to keep, in this order (default all).
        confidence: two-sided level of the band.

    Returns:
        ``arm``, ``day``, ``mean``, ``low``, ``high`` (column units) and ``n`` (replicates);
        with one replicate the band collapses onto the mean.

    Raises:
        KeyError: the column is missing.
    """
    if column not in daily.columns:
        raise KeyError(f"daily table has no column {column!r}")
    frame = daily if arms is None else daily[daily["arm"].isin(arms)]
    grouped = frame.groupby(["arm", "day"], sort=False)[column]
    table = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    quantile = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(table["n"] - 1, 1))
    half = np.where(table["n"] > 1, quantile * table["sd"] / np.sqrt(table["n"]), 0.0)
    table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    if arms is not None:
        table["arm"] = pd.Categorical(table["arm"], categories=list(arms), ordered=True)
        table = table.sort_values(["arm", "day"]).assign(arm=lambda t: t["arm"].astype(str))
    return table[["arm", "day", "mean", "low", "high", "n"]].reset_index(drop=True)


def funnel_table(
    issues: pd.DataFrame,
    start_hour: float,
    end_hour: float,
    *,
    arms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Issues reaching each funnel stage, per arm: per year and as a share of those arising.

    Args:
        issues: issue logs with ``arm`` and ``replicate``.
        start_hour: start of the measurement window (hours).
        end_hour: end of the runs (hours).
        arms: arms to keep, in this order (default all, in order of appearance).

    Returns:
        One row per (arm, stage) in stage order: ``arm``, ``stage``, ``per_year`` (mean over
        replicates, issues a year) and ``share`` (of the issues arising, mean over
        replicates).
    """
    years = (end_hour - start_hour) / io.HOURS_PER_DAY / DAYS_PER_YEAR
    arms = list(dict.fromkeys(issues["arm"])) if arms is None else list(arms)
    rows = []
    for arm in arms:
        runs = [
            io.funnel_counts(part, start_hour, end_hour)
            for _, part in issues[issues["arm"] == arm].groupby("replicate")
        ]
        for stage in io.FUNNEL_STAGES:
            counts = np.array([run[stage] for run in runs], dtype=float)
            arising = np.array([run["arising"] for run in runs], dtype=float)
            share = np.divide(counts, arising, out=np.full_like(counts, np.nan), where=arising > 0)
            rows.append(
                {
                    "arm": arm,
                    "stage": stage,
                    "per_year": float(counts.mean()) / years,
                    "share": float(np.nanmean(share)),
                }
            )
    return pd.DataFrame(rows)


REPLICATION_COLUMNS = (
    "arm",
    "n_pairs",
    "difference",
    "half_width",
    "relative_half_width",
    "sd_difference",
    "sd_unpaired",
    "variance_reduction",
    "independent_replications",
)


def replication_table(effects: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Achieved precision and the CRN variance reduction of every arm on one outcome.

    Args:
        effects: output of :func:`model.analysis.effects.paired_effects`.
        outcome: the outcome (or derived column) to report.

    Returns:
        The rows of that outcome with the columns of :data:`REPLICATION_COLUMNS`.

    Raises:
        KeyError: the effects table has no such outcome.
    """
    rows = effects[effects["outcome"] == outcome]
    if rows.empty:
        raise KeyError(f"effects table has no outcome {outcome!r}")
    return rows[list(REPLICATION_COLUMNS)].reset_index(drop=True)

"""Who benefits: effects per community and per issue type, and participation per worker kind.

Replicate *i* of every arm sees the same issue arrivals (common random numbers), so the
issues of one community in replicate *i* are the same problems in every arm. The effect of
an arm in a community is the mean over replicates of the paired difference
``arm value - reference value`` of an outcome computed on that community's issues only,
with the Student-t interval of :func:`model.analysis.effects.compare_paired`. The outcomes are
the contract's (:mod:`model.outcomes.definitions`, applied to subsets as in
:mod:`model.reporting.issue_outcomes`): the share fixed within a week and the Kaplan-Meier
median hours from opening to fix. A median that is not reached in a run (NaN) drops that
replicate's pair for that group.

Participation per worker kind summarises ``workers.parquet``: who files the reports and
what points they earn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd

from model.analysis.effects import compare_paired, verdict
from model.outcomes import definitions
from model.outcomes.contract import FIX_WINDOW_HOURS
from model.reporting import issue_outcomes as io

GROUP_OUTCOMES: dict[str, str] = {
    "fixed_within_7d_share": "higher",
    "median_hours_to_fix": "lower",
}
"""Outcomes computed per community and issue type, with their directions."""

VULNERABLE = "vulnerable_resident"


def group_outcomes(
    issues: pd.DataFrame, by: str, start_hour: float, end_hour: float
) -> pd.DataFrame:
    """Outcomes of every (arm, replicate, group) from the issue logs.

    Args:
        issues: issue logs with ``arm``, ``replicate`` and the grouping column.
        by: grouping column (``community`` or ``type``).
        start_hour: start of the measurement window (hours).
        end_hour: end of the runs (hours).

    Returns:
        One row per (arm, replicate, group): ``arm``, ``replicate``, ``group``, ``n_issues``
        (opened in the window) and one column per outcome of :data:`GROUP_OUTCOMES`, computed
        by the contract's definitions (:mod:`model.outcomes.definitions`).
    """
    window = io.in_window(issues, start_hour, end_hour)
    log = io.issue_arrays(window)
    groups = window.groupby(["arm", "replicate", by], sort=True).indices
    rows = []
    for (arm, replicate, group), positions in groups.items():
        part = log.subset(positions)
        rows.append(
            {
                "arm": arm,
                "replicate": replicate,
                "group": group,
                "n_issues": len(positions),
                "fixed_within_7d_share": definitions.fixed_within_share(
                    part, end_hour, FIX_WINDOW_HOURS
                ),
                "median_hours_to_fix": definitions.median_hours_to_fix(part, end_hour),
            }
        )
    return pd.DataFrame(rows)


def group_effects(
    issues: pd.DataFrame,
    by: str,
    reference: str,
    start_hour: float,
    end_hour: float,
    *,
    arms: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired effect of every arm in every group (community or issue type).

    Args:
        issues: issue logs of every arm and replicate.
        by: grouping column (``community`` or ``type``).
        reference: the reference arm.
        start_hour: start of the measurement window (hours).
        end_hour: end of the runs (hours).
        arms: arms to compare (default every other arm, in order of appearance).
        confidence: two-sided level of the intervals.

    Returns:
        One row per (outcome, group, arm) with ``outcome``, ``direction``, ``group``,
        ``arm``, the fields of :class:`model.analysis.effects.PairedComparison` (outcome units)
        and ``verdict``.

    Raises:
        KeyError: the reference arm has no issues.
    """
    arms_present = [str(arm) for arm in issues["arm"].unique()]  # in order of appearance
    if reference not in arms_present:
        raise KeyError(f"issue logs have no issues of the reference arm {reference!r}")
    values = group_outcomes(issues, by, start_hour, end_hour)
    if arms is None:
        arms = [arm for arm in arms_present if arm != reference]
    rows = []
    for outcome, direction in GROUP_OUTCOMES.items():
        wide = values.pivot_table(
            index=["group", "replicate"], columns="arm", values=outcome, dropna=False
        )
        for group in wide.index.get_level_values("group").unique():
            block = wide.loc[group]
            for arm in arms:
                if arm not in block.columns:
                    continue
                comparison = compare_paired(block[arm], block[reference], confidence)
                rows.append(
                    {"outcome": outcome, "direction": direction, "group": group, "arm": arm}
                    | asdict(comparison)
                    | {"verdict": verdict(comparison, direction)}
                )
    return pd.DataFrame(rows)


def issue_type_order(types: Sequence[str]) -> list[str]:
    """Issue types with vulnerable residents first, then alphabetically."""
    return sorted(types, key=lambda name: (name != VULNERABLE, name))


def community_rectangles(issues: pd.DataFrame) -> pd.DataFrame:
    """Cell rectangles of the communities, from the cells their issues occupy.

    Communities are rectangles of grid cells; the bounding box of the cells of a
    community's issues recovers it once the logs hold a few issues per community.

    Returns:
        One row per community: ``community``, ``x0``, ``y0`` (first cell), ``x1``, ``y1``
        (one past the last cell), in cells.
    """
    grouped = issues.groupby("community")
    return pd.DataFrame(
        {
            "x0": grouped["x"].min(),
            "y0": grouped["y"].min(),
            "x1": grouped["x"].max() + 1,
            "y1": grouped["y"].max() + 1,
        }
    ).reset_index()


REPORT_PREFIX = "reports_"


def participation_by_kind(
    workers: pd.DataFrame, yuan_per_point: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Who carries the reporting: reports and points income per worker kind and arm.

    Counts in ``workers.parquet`` cover each worker's whole stay (warm-up included):
    reports, points, and ``days_online`` (days with at least one hour online). Rates divide
    counts by days online over the same stay, so a worker-month is 30 days online and a
    year online is 365.

    Args:
        workers: one row per worker and run (``arm``, ``replicate``, ``kind``,
            ``days_online``, ``reports_<channel>``, ``points``).
        yuan_per_point: arm -> yuan paid per point (arms absent or None: points not valued).

    Returns:
        One row per (arm, kind): ``workers`` (mean per run), ``worker_months`` (mean per
        run, 30-day months online), ``reports`` (mean per run), ``report_share`` (share of
        the arm's worker reports), ``reports_per_100_worker_months``, ``points`` (mean per
        run) and ``points_yuan_per_worker_year`` (yuan per year online; NaN when the arm's
        points are not valued).
    """
    channels = [c for c in workers.columns if c.startswith(REPORT_PREFIX)]
    frame = workers.assign(reports=workers[channels].sum(axis=1))
    per_run = frame.groupby(["arm", "replicate", "kind"], sort=False).agg(
        workers=("kind", "size"),
        days=("days_online", "sum"),
        reports=("reports", "sum"),
        points=("points", "sum"),
    )
    means = per_run.groupby(["arm", "kind"], sort=False).mean().reset_index()
    totals = means.groupby("arm")["reports"].transform("sum")
    means["worker_months"] = means["days"] / 30.0
    means["report_share"] = means["reports"] / totals.where(totals > 0)
    months = means["worker_months"].where(means["worker_months"] > 0)
    means["reports_per_100_worker_months"] = 100.0 * means["reports"] / months
    rate = means["arm"].map(dict(yuan_per_point or {})).astype(float)
    years = means["days"].where(means["days"] > 0) / 365.0
    means["points_yuan_per_worker_year"] = means["points"] * rate / years
    columns = ["arm", "kind", "workers", "worker_months", "reports", "report_share"]
    columns += ["reports_per_100_worker_months", "points", "points_yuan_per_worker_year"]
    return means[columns]


def largest_and_smallest(effects: pd.DataFrame, outcome: str, arm: str) -> tuple[dict, dict]:
    """The groups where an arm's improvement on an outcome is largest and smallest.

    Improvement is the difference oriented by the outcome's direction (positive = better).

    Raises:
        ValueError: no group has a finite effect for this arm and outcome.
    """
    rows = effects[(effects["outcome"] == outcome) & (effects["arm"] == arm)]
    rows = rows[np.isfinite(rows["difference"].astype(float))]
    if rows.empty:
        raise ValueError(f"no finite effect of {arm!r} on {outcome!r} in any group")
    sign = 1.0 if GROUP_OUTCOMES[outcome] == "higher" else -1.0
    improvement = sign * rows["difference"].astype(float)
    return rows.loc[improvement.idxmax()].to_dict(), rows.loc[improvement.idxmin()].to_dict()

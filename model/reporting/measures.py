"""Per-year measures derived from the run table, and the measures of the policy brief.

Outcomes in ``runs.parquet`` cover the measurement window of each run (``measured_days``
days). A policymaker thinks in years, so counts and sums are annualised per run,
``value x 365 / measured_days``, before the paired comparison (the pairing then holds for
the annualised values too). Shares and medians are not annualised.

"Problems fixed within a week per year" is ``fixed_within_7d_share x issues_total x 365 /
measured_days``: the share of eligible issues fixed within 168 hours, applied to all the
problems that arise in a year. Because replicate *i* of every arm sees the same issue
arrivals, the paired difference of this count is the extra problems fixed within a week a
year on this street.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.reporting import registry

DAYS_PER_YEAR = 365.0

FIXED_PER_YEAR = "fixed_within_7d_per_year"
INCIDENTS_PER_YEAR = "incidents_per_year"
HARM_PER_YEAR = "harm_yuan_per_year"
COST_PER_YEAR = "public_cost_yuan_per_year"
NET_SOCIAL_COST_PER_YEAR = "net_social_cost_yuan_per_year"

PER_YEAR_SOURCES: dict[str, str] = {
    INCIDENTS_PER_YEAR: "incidents_total",
    HARM_PER_YEAR: "harm_yuan",
    COST_PER_YEAR: "public_cost_yuan",
    NET_SOCIAL_COST_PER_YEAR: "net_social_cost_yuan",
}
"""Annualised column -> the window total it is computed from."""

DERIVED_DIRECTIONS: dict[str, str] = {
    FIXED_PER_YEAR: "higher",
    INCIDENTS_PER_YEAR: "lower",
    HARM_PER_YEAR: "lower",
    COST_PER_YEAR: "lower",
    NET_SOCIAL_COST_PER_YEAR: "lower",
}
"""Direction of every derived column ("higher" or "lower" is better)."""


def add_per_year_columns(runs: pd.DataFrame) -> pd.DataFrame:
    """Copy of the run table with the annualised columns added.

    Args:
        runs: one row per run with ``measured_days`` (days), ``issues_total``,
            ``fixed_within_7d_share`` (share) and the window totals of
            :data:`PER_YEAR_SOURCES` (issues, yuan).

    Returns:
        The table with :data:`FIXED_PER_YEAR` (problems a year) and the columns of
        :data:`PER_YEAR_SOURCES` (incidents a year, yuan a year); a source column that is
        missing gives no derived column.

    Raises:
        KeyError: ``measured_days`` is missing.
        ValueError: a successful run has ``measured_days`` <= 0.
    """
    if "measured_days" not in runs.columns:
        raise KeyError("runs table has no column 'measured_days'")
    table = runs.copy()
    days = table["measured_days"].astype(float)
    ok = table["status"] == "ok" if "status" in table.columns else pd.Series(True, table.index)
    if (days[ok] <= 0).any():
        raise ValueError("runs table: measured_days must be > 0 for every successful run")
    per_year = DAYS_PER_YEAR / days.where(days > 0)
    if {"fixed_within_7d_share", "issues_total"} <= set(table.columns):
        table[FIXED_PER_YEAR] = table["fixed_within_7d_share"] * table["issues_total"] * per_year
    for derived, source in PER_YEAR_SOURCES.items():
        if source in table.columns:
            table[derived] = table[source].astype(float) * per_year
    return table


def direction(column: str) -> str:
    """Direction of an outcome or derived column ("higher", "lower" or "neutral")."""
    if column in DERIVED_DIRECTIONS:
        return DERIVED_DIRECTIONS[column]
    return registry.direction(column)


@dataclass(frozen=True)
class BriefMeasure:
    """One column of the policy brief.

    Attributes:
        key: message id suffix of the column header (``brief.columns.<key>``).
        column: run-table column compared (an outcome or a derived per-year column).
        scale: how the change is shown: "count" (a number a year), "points" (a share's
            change in percentage points), "hours", "yuan".
        averted: show the reduction as a positive number (incidents averted, harm averted).
        relative: also show the relative change in per cent.
    """

    key: str
    column: str
    scale: str
    averted: bool = False
    relative: bool = False


BRIEF_MEASURES: tuple[BriefMeasure, ...] = (
    BriefMeasure("fixed_per_year", FIXED_PER_YEAR, "count"),
    BriefMeasure("fixed_share", "fixed_within_7d_share", "points"),
    BriefMeasure("median_hours_to_fix", "median_hours_to_fix", "hours", relative=True),
    BriefMeasure("incidents_averted", INCIDENTS_PER_YEAR, "count", averted=True),
    BriefMeasure("harm_averted", HARM_PER_YEAR, "yuan", averted=True),
    BriefMeasure("satisfaction", "satisfaction_rate", "points"),
    BriefMeasure("participation", "worker_participation_rate", "points"),
    BriefMeasure("turnover", "worker_monthly_turnover", "points"),
    BriefMeasure("public_cost", COST_PER_YEAR, "yuan"),
)
"""Brief columns in page order; the first is the page's main outcome (ranking)."""

MAIN_MEASURE = BRIEF_MEASURES[0]
"""The outcome the page is about: extra problems fixed within a week, per year."""

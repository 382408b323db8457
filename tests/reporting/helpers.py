"""Hand-built effect tables for the tests of the brief and the findings."""

from __future__ import annotations

import pandas as pd

from model.reporting.brief import Brief
from model.reporting.measures import BRIEF_MEASURES, direction

EFFECT_DEFAULTS = {
    "direction": "higher",
    "n_pairs": 10,
    "n_dropped": 0,
    "reference_mean": 100.0,
    "arm_mean": 110.0,
    "difference": 10.0,
    "sd_difference": 1.0,
    "half_width": 2.0,
    "ci_low": 8.0,
    "ci_high": 12.0,
    "relative_change": 0.1,
    "relative_ci_low": 0.08,
    "relative_ci_high": 0.12,
    "relative_half_width": 0.02,
    "p_value": 0.001,
    "sd_arm": 1.0,
    "sd_reference": 1.0,
    "sd_unpaired": 1.4,
    "crn_correlation": 0.9,
    "variance_reduction": 0.5,
    "independent_replications": 20.0,
    "p_holm": 0.002,
    "holm_significant": True,
    "verdict": "better",
}


def effect_row(outcome: str, arm: str, **values: object) -> dict:
    """One row of a paired-effects table; the verdict follows the interval unless given."""
    row = {"outcome": outcome, "arm": arm, **EFFECT_DEFAULTS, **values}
    if "verdict" not in values:
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if low > 0 or high < 0:
            better = (low > 0) == (row["direction"] == "higher")
            row["verdict"] = "better" if better else "worse"
        else:
            row["verdict"] = "no detectable difference"
    return row


def hand_brief(rows: list[dict], arms: list[str], *, cost_per_fixed: dict | None = None) -> Brief:
    """A brief from hand-written effect rows (other brief columns filled with detected gains)."""
    present = {(r["outcome"], r["arm"]) for r in rows}
    rows = list(rows)
    for arm in arms:
        for measure in BRIEF_MEASURES:
            if (measure.column, arm) not in present:
                rows.append(effect_row(measure.column, arm, direction=direction(measure.column)))
    ratios = cost_per_fixed or {}
    table = pd.DataFrame(
        [
            {
                "arm": arm,
                "value": ratios.get(arm, (500.0, 400.0, 600.0))[0],
                "ci_low": ratios.get(arm, (500.0, 400.0, 600.0))[1],
                "ci_high": ratios.get(arm, (500.0, 400.0, 600.0))[2],
                "share_no_gain": 0.0,
            }
            for arm in arms
        ]
    )
    levels = {m.column: 100.0 for m in BRIEF_MEASURES}
    return Brief("baseline", arms, pd.DataFrame(rows), levels, table, pd.DataFrame(), 0.95)

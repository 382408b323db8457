"""The cost-effectiveness analysis of an experiment: plane, efficient frontier and ICERs.

Each arm is placed by its mean extra public cost a year and its mean extra effect a year
against the reference (paired CRN differences of the annualised columns of
:mod:`model.reporting.measures`), then classified by
:func:`model.analysis.costeffect.efficient_frontier` (strong and extended dominance). Each
frontier arm's incremental cost-effectiveness ratio against the frontier arm below it gets a
paired-bootstrap interval (:func:`model.analysis.costeffect.bootstrap_icer`).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from model.analysis.costeffect import (
    FRONTIER,
    STRONGLY_DOMINATED,
    bootstrap_icer,
    cost_effect_inputs,
    efficient_frontier,
)
from model.reporting.measures import COST_PER_YEAR, direction
from model.reporting.text import Text, round_significant


def cost_effectiveness(
    runs: pd.DataFrame,
    effects: pd.DataFrame,
    reference: str,
    effect_column: str,
    *,
    seed: int = 20260121,
    n_resamples: int = 2000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Frontier table with bootstrap intervals of the frontier ICERs.

    Args:
        runs: run table with the annualised columns (see
            :func:`model.reporting.measures.add_per_year_columns`).
        effects: paired effects including :data:`COST_PER_YEAR` and ``effect_column``.
        reference: the reference arm (at cost 0, effect 0).
        effect_column: annualised effect column (e.g. problems fixed within a week a year,
            incidents a year); a lower-is-better column is turned into "averted".
        seed: seed of the bootstrap resampling.
        n_resamples: bootstrap resamples per ICER.
        confidence: two-sided level of the ICER intervals.

    Returns:
        The columns of :func:`model.analysis.costeffect.efficient_frontier` (``cost`` in yuan a
        year, ``effect`` in units a year, larger is better; ``icer`` in yuan per unit) plus
        the cost and effect intervals and ``icer_ci_low``, ``icer_ci_high``.
    """
    table = cost_effect_inputs(effects, COST_PER_YEAR, effect_column, reference)
    frontier = efficient_frontier(table, reference=reference)
    rng = np.random.default_rng(np.random.SeedSequence([seed]))
    lows, highs = [], []
    for row in frontier.itertuples():
        if row.status != FRONTIER or pd.isna(row.compared_with):
            lows.append(math.nan)
            highs.append(math.nan)
            continue
        icer = bootstrap_icer(
            runs,
            row.arm,
            row.compared_with,
            COST_PER_YEAR,
            effect_column,
            rng=rng,
            effect_direction=direction(effect_column),
            n_resamples=n_resamples,
            confidence=confidence,
        )
        lows.append(icer.ci_low)
        highs.append(icer.ci_high)
    return frontier.assign(icer_ci_low=lows, icer_ci_high=highs)


def frontier_html(frontier: pd.DataFrame, t: Text, effect: str, reference: str) -> str:
    """The frontier as a table: cost, effect, status and ICER with its interval, per arm.

    Args:
        frontier: output of :func:`cost_effectiveness`.
        t: the language layer.
        effect: ``fixed`` or ``incidents`` (selects the effect and ICER headers).
        reference: the reference arm.
    """
    head = [
        t("ce_table.columns.arm"),
        t("ce_table.columns.cost"),
        t(f"ce_table.columns.effect_{effect}"),
        t("ce_table.columns.status"),
        t(f"ce_table.columns.icer_{effect}"),
    ]
    rows = []
    for row in frontier.itertuples():
        if row.arm == reference:
            status, icer = t("ce_table.status.reference"), ""
        elif row.status == FRONTIER:
            status = t("ce_table.status.frontier")
            icer = _icer_text(t, row, reference)
        elif row.status == STRONGLY_DOMINATED:
            status, icer = t("ce_table.status.strong", other=t.arm_in_text(row.dominated_by)), ""
        else:
            status, icer = t("ce_table.status.extended", other=t.arm_in_text(row.dominated_by)), ""
        cells = [
            t.arm(row.arm),
            t.number(round_significant(row.cost), signed=True),
            t.number(row.effect, 0, signed=True),
            status,
            icer,
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    return (
        f"<table class='brief ce'><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _icer_text(t: Text, row: tuple, reference: str) -> str:
    if pd.isna(row.compared_with) or not math.isfinite(row.icer):
        return ""
    other = t.arm_in_text(row.compared_with)
    value = t.number(round_significant(row.icer))
    if math.isfinite(row.icer_ci_high):
        ci = t.interval(
            t.number(round_significant(row.icer_ci_low)),
            t.number(round_significant(row.icer_ci_high)),
        )
        return t("ce_table.icer", value=value, ci=ci, other=other)
    low = t.number(round_significant(row.icer_ci_low))
    return t("ce_table.icer_open", value=value, low=low, other=other)

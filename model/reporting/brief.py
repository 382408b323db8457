"""The policy brief: every arm against the reference on the headline measures, ranked.

:func:`build_brief` is language-free: paired CRN effects (95 % intervals, Holm-adjusted
p-values across the arms of each measure) of the brief measures of
:mod:`model.reporting.measures`, the status quo's own levels, and the cost per extra problem fixed
within a week with a paired-bootstrap interval. Arms are ranked by the page's main measure,
extra problems fixed within a week a year.

:func:`brief_html` renders it for a reader through the language layer: every change with its
interval, and "no detectable difference" instead of a bare number when the interval spans
zero.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.costeffect import bootstrap_icer
from model.analysis.effects import BETTER, INSUFFICIENT, NO_DIFFERENCE, paired_effects
from model.reporting.measures import (
    BRIEF_MEASURES,
    COST_PER_YEAR,
    FIXED_PER_YEAR,
    MAIN_MEASURE,
    BriefMeasure,
    add_per_year_columns,
    direction,
)
from model.reporting.text import Text, round_significant


@dataclass(frozen=True)
class Brief:
    """Numbers of the policy brief (language-free).

    Attributes:
        reference: the reference arm.
        arms: compared arms, ranked by the main measure (best first).
        effects: :func:`model.analysis.effects.paired_effects` rows of every brief column and any
            extra column (outcome units; annualised columns per year).
        reference_levels: reference mean of every compared column over successful runs.
        cost_per_fixed: per arm: ``value`` (yuan per extra problem fixed within a week),
            ``ci_low``, ``ci_high`` (paired bootstrap) and ``share_no_gain``.
        runs: the run table with the annualised columns.
        confidence: two-sided level of every interval.
    """

    reference: str
    arms: list[str]
    effects: pd.DataFrame
    reference_levels: dict[str, float]
    cost_per_fixed: pd.DataFrame
    runs: pd.DataFrame
    confidence: float

    def effect(self, arm: str, column: str) -> pd.Series:
        """The effect row of one arm on one column.

        Raises:
            KeyError: no such row.
        """
        rows = self.effects[(self.effects["arm"] == arm) & (self.effects["outcome"] == column)]
        if rows.empty:
            raise KeyError(f"brief has no effect of {arm!r} on {column!r}")
        return rows.iloc[0]


def build_brief(
    runs: pd.DataFrame,
    reference: str,
    *,
    arms: Sequence[str] | None = None,
    extra_columns: Sequence[str] = (),
    confidence: float = 0.95,
    seed: int = 20260121,
    n_resamples: int = 2000,
) -> Brief:
    """Compute the brief from the run table.

    Args:
        runs: one row per run (see :mod:`model.reporting.results`).
        reference: the reference arm.
        arms: arms to compare (default every other arm).
        extra_columns: further outcome columns to compare (for findings and figures).
        confidence: two-sided level of the intervals.
        seed: seed of the bootstrap of the cost per extra problem fixed.
        n_resamples: bootstrap resamples per arm.

    Returns:
        The brief.
    """
    table = add_per_year_columns(runs)
    columns = list(dict.fromkeys([m.column for m in BRIEF_MEASURES] + list(extra_columns)))
    outcomes = {column: direction(column) for column in columns}
    effects = paired_effects(table, outcomes, reference, arms=arms, confidence=confidence)
    ranked = _ranked(effects)
    ok = table[(table["arm"] == reference) & (table["status"] == "ok")]
    levels = {column: float(ok[column].mean()) for column in columns}
    rng = np.random.default_rng(np.random.SeedSequence([seed]))
    rows = []
    for arm in ranked:
        try:
            icer = bootstrap_icer(
                table,
                arm,
                reference,
                COST_PER_YEAR,
                FIXED_PER_YEAR,
                rng=rng,
                n_resamples=n_resamples,
                confidence=confidence,
            )
            rows.append(
                {
                    "arm": arm,
                    "value": icer.icer,
                    "ci_low": icer.ci_low,
                    "ci_high": icer.ci_high,
                    "share_no_gain": icer.share_no_extra_effect,
                }
            )
        except ValueError:
            rows.append(
                {
                    "arm": arm,
                    "value": math.nan,
                    "ci_low": math.nan,
                    "ci_high": math.nan,
                    "share_no_gain": math.nan,
                }
            )
    return Brief(reference, ranked, effects, levels, pd.DataFrame(rows), table, confidence)


def _ranked(effects: pd.DataFrame) -> list[str]:
    """Arms by their mean change on the main measure, best first.

    Undefined changes go last; ties keep the experiment's order.
    """
    main = effects[effects["outcome"] == MAIN_MEASURE.column].set_index("arm")["difference"]
    ranked = main.astype(float).fillna(-math.inf).sort_values(ascending=False, kind="stable")
    return list(ranked.index)


def rank_arms(
    runs: pd.DataFrame, reference: str, *, arms: Sequence[str] | None = None
) -> list[str]:
    """Arms ranked as the brief ranks them: extra problems fixed within a week a year, best first.

    Args:
        runs: one row per run (see :mod:`model.reporting.results`).
        reference: the reference arm.
        arms: arms to rank (default every other arm).

    Returns:
        The arms, best first.
    """
    table = add_per_year_columns(runs)
    column = MAIN_MEASURE.column
    effects = paired_effects(table, {column: direction(column)}, reference, arms=arms)
    return _ranked(effects)


# ---------------------------------------------------------------------------- rendering


def format_change(t: Text, measure: BriefMeasure, row: pd.Series) -> tuple[str, bool]:
    """A change with its interval for a table cell, and whether it is a detected change.

    Returns:
        ``(text, detected)``; ``text`` reads "no detectable difference (low to high)" when
        the interval spans zero and "insufficient data" with fewer than two pairs.
    """
    if row["verdict"] == INSUFFICIENT:
        return t.verdict(INSUFFICIENT), False
    sign = -1.0 if measure.averted else 1.0
    value, low, high = sign * row["difference"], sign * row["ci_low"], sign * row["ci_high"]
    low, high = min(low, high), max(low, high)
    fmt = _formatter(t, measure)
    interval = t.interval(fmt(low), fmt(high))
    if row["verdict"] == NO_DIFFERENCE:
        return t("brief.cells.no_difference", interval=interval), False
    return t("brief.cells.change", value=fmt(value), interval=interval), True


def _formatter(t: Text, measure: BriefMeasure):
    if measure.scale == "points":
        return lambda v: t.number(100.0 * v, 1, signed=True)
    if measure.scale == "yuan":
        return lambda v: t.number(round_significant(v), 0, signed=True)
    return lambda v: t.number(v, 0, signed=True)


def format_level(t: Text, measure: BriefMeasure, value: float) -> str:
    """The reference's own level of a brief column, for the status-quo row."""
    if measure.scale == "points":
        return t.percent(value, 0)
    if measure.scale == "yuan":
        return t.number(round_significant(value), 0)
    return t.number(value, 0)


def format_cost_per_fixed(t: Text, brief: Brief, arm: str) -> tuple[str, bool]:
    """Cost per extra problem fixed within a week (yuan) with its interval, for a cell."""
    main = brief.effect(arm, MAIN_MEASURE.column)
    cost = brief.effect(arm, COST_PER_YEAR)
    row = brief.cost_per_fixed.set_index("arm").loc[arm]
    if main["verdict"] != BETTER:
        return t("brief.cells.no_gain"), False
    if cost["ci_high"] < 0:
        return t("brief.cells.saves_money"), True
    value = t.number(round_significant(row["value"]))
    if not math.isfinite(row["ci_high"]):
        return t("brief.cells.ratio_open", value=value, low=t.number(row["ci_low"])), True
    interval = t.interval(
        t.number(round_significant(row["ci_low"])), t.number(round_significant(row["ci_high"]))
    )
    return t("brief.cells.change", value=value, interval=interval), True


def brief_frame(brief: Brief, t: Text) -> pd.DataFrame:
    """The brief as a table of reader strings: the status quo's levels, then ranked arms."""
    headers = [t(f"brief.columns.{m.key}") for m in BRIEF_MEASURES]
    cost_header = t("brief.columns.cost_per_fixed")
    level_row = [format_level(t, m, brief.reference_levels[m.column]) for m in BRIEF_MEASURES]
    rows = {t("brief.reference_row", arm=t.arm(brief.reference)): [*level_row, ""]}
    for arm in brief.arms:
        cells = [format_change(t, m, brief.effect(arm, m.column))[0] for m in BRIEF_MEASURES]
        rows[t.arm(arm)] = [*cells, format_cost_per_fixed(t, brief, arm)[0]]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[*headers, cost_header])
    frame.index.name = t("brief.columns.arm")
    return frame


def brief_html(brief: Brief, t: Text) -> str:
    """The brief as an HTML table (class ``brief``) with its legend."""
    head = "".join(
        f"<th scope='col'>{html.escape(t(f'brief.columns.{m.key}'))}</th>" for m in BRIEF_MEASURES
    )
    head = (
        f"<tr><th scope='col'>{html.escape(t('brief.columns.arm'))}</th>{head}"
        f"<th scope='col'>{html.escape(t('brief.columns.cost_per_fixed'))}</th></tr>"
    )
    levels = "".join(
        f"<td>{html.escape(format_level(t, m, brief.reference_levels[m.column]))}</td>"
        for m in BRIEF_MEASURES
    )
    reference = html.escape(t("brief.reference_row", arm=t.arm(brief.reference)))
    body = [f"<tr class='reference'><th scope='row'>{reference}</th>{levels}<td></td></tr>"]
    for arm in brief.arms:
        cells = []
        for measure in BRIEF_MEASURES:
            text, detected = format_change(t, measure, brief.effect(arm, measure.column))
            css = "" if detected else " class='nodiff'"
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        text, detected = format_cost_per_fixed(t, brief, arm)
        css = "" if detected else " class='nodiff'"
        cells.append(f"<td{css}>{html.escape(text)}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(t.arm(arm))}</th>{''.join(cells)}</tr>")
    legend = html.escape(t("brief.legend", reference=t.reference_phrase(brief.reference)))
    return (
        f"<table class='brief'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        f"<p class='legend'>{legend}</p>"
    )


def holm_html(brief: Brief, t: Text) -> str:
    """Detail table: every change with its interval, raw and Holm-adjusted p-values."""
    rows = []
    for measure in BRIEF_MEASURES:
        for arm in brief.arms:
            row = brief.effect(arm, measure.column)
            text, _ = format_change(t, measure, row)
            cells = [
                t(f"brief.columns.{measure.key}"),
                t.arm(arm),
                text,
                _p_text(t, row["p_value"]),
                _p_text(t, row["p_holm"]),
            ]
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = [
        t("brief.detail.measure"),
        t("brief.columns.arm"),
        t("brief.detail.change"),
        t("brief.detail.p_value"),
        t("brief.detail.p_holm"),
    ]
    head_html = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    return (
        f"<details><summary>{html.escape(t('brief.detail.summary'))}</summary>"
        f"<table class='detail'><thead><tr>{head_html}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _p_text(t: Text, p: float) -> str:
    if not math.isfinite(p):
        return t("format.not_available")
    return t("format.p_small") if p < 0.001 else t.number(p, 3)

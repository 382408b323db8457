"""Factorial figures: main effects and interactions with intervals, interaction plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.analysis.effects import BETTER, NO_DIFFERENCE, WORSE
from model.analysis.factorial import FactorialFit
from model.reporting.figures import style
from model.reporting.measures import BRIEF_MEASURES
from model.reporting.text import Text

SCALES = {measure.column: measure.scale for measure in BRIEF_MEASURES}


def display_scale(column: str) -> tuple[str, float]:
    """How a column is shown: its scale name and the factor from its units (shares x 100)."""
    scale = SCALES.get(column, "count")
    return scale, 100.0 if scale == "points" else 1.0


def interval_verdict(low: float, high: float, direction: str) -> str:
    """Verdict ("better", "worse", "no detectable difference") from an interval."""
    if not (low > 0.0 or high < 0.0):
        return NO_DIFFERENCE
    return BETTER if (low > 0.0) == (direction == "higher") else WORSE


def term_label(t: Text, lever_a: str, lever_b: str | None) -> str:
    """The label of a term: a measure, or two measures joined for an interaction."""
    if lever_b is None or pd.isna(lever_b):
        return t.lever(lever_a)
    return t("figures.factorial.interaction_label", a=t.lever(lever_a), b=t.lever(lever_b))


def factorial_effects(fit: FactorialFit, t: Text) -> tuple[Figure, str]:
    """Main effects and two-way interactions of the levers on one outcome, with 95 % CIs."""
    terms = fit.effects[fit.effects["kind"] != "intercept"].reset_index(drop=True)
    scale, factor = display_scale(fit.outcome)
    with style.context(t):
        figure, axes = style.new_figure(9, 0.4 * len(terms) + 1.6)
        ax = axes[0, 0]
        positions = np.arange(len(terms))[::-1]
        for y, row in zip(positions, terms.itertuples(), strict=True):
            verdict = interval_verdict(row.ci_low, row.ci_high, fit.direction.value)
            colour = style.verdict_colour(verdict)
            ax.plot([factor * row.ci_low, factor * row.ci_high], [y, y], color=colour, linewidth=2)
            ax.plot(factor * row.estimate, y, "o" if row.kind == "main" else "D", color=colour)
        ax.axvline(0.0, color=style.OKABE_ITO["black"], linewidth=0.8)
        labels = [term_label(t, row.lever_a, row.lever_b) for row in terms.itertuples()]
        ax.set_yticks(positions, labels)
        ax.set_ylabel(t("figures.factorial.ylabel"))
        ax.set_xlabel(t(f"figures.units.{scale}"))
        if scale == "yuan":
            ax.xaxis.set_major_formatter(style.thousands(t))
        label = t.outcome_label(fit.outcome)
        ax.set_title(t("figures.factorial.title", outcome=label), loc="left")
    caption = t("figures.factorial.caption", outcome=label, clusters=t.number(fit.n_clusters))
    return figure, caption


def _level_text(t: Text, value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return t("figures.factorial.on") if value else t("figures.factorial.off")
    return str(value)


def interaction_plot(
    means: pd.DataFrame, t: Text, outcome: str, lever_a: str, lever_b: str
) -> tuple[Figure, str]:
    """Mean outcome at the four settings of two levers (lines: the second lever off / on).

    Args:
        means: :func:`model.analysis.factorial.interaction_means` for the two levers.
        t: the language layer.
        outcome: the outcome column.
        lever_a: lever on the x axis (dotted key).
        lever_b: lever drawn as two lines (dotted key).
    """
    scale, factor = display_scale(outcome)
    colours = [style.OKABE_ITO["black"], style.OKABE_ITO["blue"]]
    with style.context(t):
        figure, axes = style.new_figure(6.5, 4.5)
        ax = axes[0, 0]
        for b, colour in zip((0, 1), colours, strict=True):
            part = means[means["b"] == b].sort_values("a")
            label = t(
                "figures.factorial.line",
                lever=t.lever(lever_b),
                level=_level_text(t, part["b_value"].iloc[0]),
            )
            ax.errorbar(
                part["a"],
                factor * part["mean"],
                yerr=[
                    factor * (part["mean"] - part["ci_low"]),
                    factor * (part["ci_high"] - part["mean"]),
                ],
                color=colour,
                marker="o",
                capsize=4,
                label=label,
            )
        first = means.sort_values("a").drop_duplicates("a")
        ax.set_xticks([0, 1], [_level_text(t, v) for v in first["a_value"]])
        ax.set_xlim(-0.3, 1.3)
        ax.set_xlabel(t.lever(lever_a))
        ax.set_ylabel(
            t(
                "figures.factorial.level_ylabel",
                outcome=t.outcome_label(outcome),
                unit=t(f"figures.level_units.{scale}"),
            )
        )
        ax.legend(frameon=False, fontsize=8)
        ax.set_title(
            t("figures.factorial.interaction_title", a=t.lever(lever_a), b=t.lever(lever_b)),
            loc="left",
        )
    caption = t("figures.factorial.interaction_caption", a=t.lever(lever_a), b=t.lever(lever_b))
    return figure, caption

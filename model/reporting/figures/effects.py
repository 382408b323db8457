"""Effect figures: the forest plot of the brief, effects by issue type, replication adequacy."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.reporting import equity
from model.reporting.brief import Brief
from model.reporting.figures import style
from model.reporting.measures import BRIEF_MEASURES, MAIN_MEASURE, BriefMeasure
from model.reporting.text import Text


def _display(measure: BriefMeasure, values: np.ndarray) -> np.ndarray:
    """Values as shown: percentage points for shares, sign flipped for "averted"."""
    values = np.asarray(values, dtype=float)
    if measure.scale == "points":
        values = 100.0 * values
    return -values if measure.averted else values


def forest_plot(brief: Brief, t: Text) -> tuple[Figure, str]:
    """Every arm's change on every brief measure with its 95 % interval, one panel per measure."""
    arms = brief.arms
    with style.context(t):
        ncols = 3
        nrows = math.ceil(len(BRIEF_MEASURES) / ncols)
        figure, axes = style.new_figure(
            12, 0.32 * len(arms) * nrows + 1.6, nrows, ncols, sharey=True
        )
        positions = np.arange(len(arms))[::-1]
        for ax, measure in zip(axes.flat, BRIEF_MEASURES, strict=False):
            rows = [brief.effect(arm, measure.column) for arm in arms]
            centre = _display(measure, [r["difference"] for r in rows])
            low = _display(measure, [r["ci_low"] for r in rows])
            high = _display(measure, [r["ci_high"] for r in rows])
            low, high = np.minimum(low, high), np.maximum(low, high)
            for y, value, lo, hi, row in zip(positions, centre, low, high, rows, strict=True):
                colour = style.verdict_colour(row["verdict"])
                ax.plot([lo, hi], [y, y], color=colour, linewidth=2)
                ax.plot(value, y, "o", color=colour, markersize=5)
            ax.axvline(0.0, color=style.OKABE_ITO["black"], linewidth=0.8)
            ax.set_title(style.wrap_columns(t(f"brief.columns.{measure.key}"), 34), loc="left")
            ax.set_xlabel(t(f"figures.units.{measure.scale}"))
            if measure.scale == "yuan":
                ax.xaxis.set_major_formatter(style.thousands(t))
                ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(4))
        for ax in axes.flat[len(BRIEF_MEASURES) :]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_yticks(positions, [t.arm(arm) for arm in arms])
            ax.set_ylabel(t("figures.forest.ylabel"))
        figure.suptitle(t("figures.forest.title"), x=0.01, ha="left")
    caption = t("figures.forest.caption", reference=t.reference_phrase(brief.reference))
    return figure, caption


def issue_type_effects(type_effects: pd.DataFrame, t: Text, arm: str) -> tuple[Figure, str]:
    """One arm's effect on problems fixed within a week for each issue type, vulnerable first."""
    rows = type_effects[
        (type_effects["arm"] == arm) & (type_effects["outcome"] == "fixed_within_7d_share")
    ].set_index("group")
    order = equity.issue_type_order(list(rows.index))
    with style.context(t):
        figure, axes = style.new_figure(8, 0.45 * len(order) + 1.4)
        ax = axes[0, 0]
        positions = np.arange(len(order))[::-1]
        for y, name in zip(positions, order, strict=True):
            row = rows.loc[name]
            colour = style.verdict_colour(row["verdict"])
            ax.plot([100 * row["ci_low"], 100 * row["ci_high"]], [y, y], color=colour, linewidth=2)
            ax.plot(100 * row["difference"], y, "o", color=colour)
        ax.axvline(0.0, color=style.OKABE_ITO["black"], linewidth=0.8)
        ax.set_yticks(positions, [t.issue_type(name) for name in order])
        ax.set_xlabel(t("figures.issue_types.xlabel"))
        ax.set_ylabel(t("figures.issue_types.ylabel"))
        ax.set_title(t("figures.issue_types.title", arm=t.arm(arm)), loc="left")
    return figure, t("figures.issue_types.caption", arm=t.arm_in_text(arm))


def replication_adequacy(brief: Brief, t: Text) -> tuple[Figure, str]:
    """Interval half-widths achieved per arm, and the variance reduction from CRN."""
    rows = brief.effects[brief.effects["outcome"] == MAIN_MEASURE.column].set_index("arm")
    rows = rows.loc[brief.arms]
    with style.context(t):
        figure, axes = style.new_figure(12, 0.35 * len(rows) + 1.6, 1, 2, sharey=True)
        positions = np.arange(len(rows))[::-1]
        left, right = axes[0]
        left.barh(positions, rows["half_width"], color=style.OKABE_ITO["sky_blue"])
        left.set_yticks(positions, [t.arm(arm) for arm in rows.index])
        left.set_xlabel(t("figures.replication.half_width_xlabel"))
        left.set_ylabel(t("figures.forest.ylabel"))
        left.set_title(t("figures.replication.half_width_title"), loc="left")
        reduction = 100.0 * rows["variance_reduction"].astype(float)
        right.barh(positions, reduction, color=style.OKABE_ITO["green"])
        for y, value, needed in zip(
            positions, reduction, rows["independent_replications"], strict=True
        ):
            if math.isfinite(value) and math.isfinite(needed):
                right.annotate(
                    t("figures.replication.needed", n=t.number(needed)),
                    (max(value, 0.0), y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
        lowest = float(np.nanmin(reduction.to_numpy())) if len(rows) else 0.0
        right.set_xlim(min(0.0, lowest), 130)
        right.set_xlabel(t("figures.replication.reduction_xlabel"))
        right.set_title(t("figures.replication.reduction_title"), loc="left")
    n_pairs = int(rows["n_pairs"].min()) if len(rows) else 0
    return figure, t("figures.replication.caption", n=t.number(n_pairs))

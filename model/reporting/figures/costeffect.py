"""The cost-effectiveness plane: extra cost against extra effect, the frontier, dominance."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from model.analysis.costeffect import FRONTIER
from model.reporting.figures import style
from model.reporting.text import Text, round_significant


def ce_plane(frontier: pd.DataFrame, t: Text, effect: str, reference: str) -> tuple[Figure, str]:
    """Arms on the cost-effectiveness plane with the efficient frontier and ICER labels.

    Args:
        frontier: output of :func:`model.reporting.costeffectiveness.cost_effectiveness` (cost in
            yuan a year, effect in units a year, larger is better, with intervals).
        t: the language layer.
        effect: which effect the plane shows: ``fixed`` (problems fixed within a week) or
            ``incidents`` (incidents averted); selects labels ``figures.ce.<effect>.*``.
        reference: the reference arm (at the origin).
    """
    with style.context(t):
        figure, axes = style.new_figure(9, 6)
        ax = axes[0, 0]
        ax.axhline(0.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        ax.axvline(0.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        on_frontier = frontier[frontier["status"] == FRONTIER].sort_values("effect")
        ax.plot(
            on_frontier["effect"],
            on_frontier["cost"],
            color=style.OKABE_ITO["blue"],
            linewidth=1.5,
            label=t("figures.ce.frontier"),
            zorder=1,
        )
        for row in frontier.itertuples():
            is_frontier = row.status == FRONTIER
            colour = style.OKABE_ITO["blue"] if is_frontier else style.OKABE_ITO["grey"]
            if row.arm != reference and "cost_ci_low" in frontier.columns:
                ax.errorbar(
                    row.effect,
                    row.cost,
                    xerr=[[row.effect - row.effect_ci_low], [row.effect_ci_high - row.effect]],
                    yerr=[[row.cost - row.cost_ci_low], [row.cost_ci_high - row.cost]],
                    color=colour,
                    alpha=0.5,
                    linewidth=1,
                    capsize=0,
                    zorder=2,
                )
            ax.scatter(
                row.effect,
                row.cost,
                s=50,
                zorder=3,
                edgecolors=colour,
                facecolors=colour if is_frontier else "white",
                linewidths=1.5,
            )
            name = t.arm(row.arm) if is_frontier else t("figures.ce.dominated", arm=t.arm(row.arm))
            ax.annotate(
                name,
                (row.effect, row.cost),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize=8,
                color="#333333",
            )
        for row in on_frontier.itertuples():
            if pd.isna(row.compared_with) or not math.isfinite(row.icer):
                continue
            below = frontier.set_index("arm").loc[row.compared_with]
            middle = ((row.effect + below["effect"]) / 2, (row.cost + below["cost"]) / 2)
            ax.annotate(
                t(f"figures.ce.{effect}.icer", value=t.number(round_significant(row.icer))),
                middle,
                xytext=(-8, -12),
                textcoords="offset points",
                fontsize=8,
                ha="right",
                color=style.OKABE_ITO["blue"],
            )
        ax.set_xlabel(t(f"figures.ce.{effect}.xlabel"))
        ax.set_ylabel(t("figures.ce.ylabel"))
        ax.yaxis.set_major_formatter(style.thousands(t))
        ax.set_title(t(f"figures.ce.{effect}.title"), loc="left")
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    caption = t(f"figures.ce.{effect}.caption", reference=t.reference_phrase(reference))
    return figure, caption

"""Where and for whom: maps of the street's communities, and who carries the reporting."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.analysis.effects import BETTER, WORSE
from model.reporting.equity import GROUP_OUTCOMES
from model.reporting.figures import style
from model.reporting.text import Text


def _street_axes(ax, rectangles: pd.DataFrame, t: Text, cell_size_m: float | None) -> None:
    ax.set_xlim(float(rectangles["x0"].min()), float(rectangles["x1"].max()))
    ax.set_ylim(float(rectangles["y0"].min()), float(rectangles["y1"].max()))
    ax.set_aspect("equal")
    if cell_size_m:
        metres = mpl.ticker.FuncFormatter(lambda v, _: t.number(v * cell_size_m))
        ax.xaxis.set_major_formatter(metres)
        ax.yaxis.set_major_formatter(metres)
        ax.set_xlabel(t("figures.map.xlabel_m"))
        ax.set_ylabel(t("figures.map.ylabel_m"))
    else:
        ax.set_xlabel(t("figures.map.xlabel_cells"))
        ax.set_ylabel(t("figures.map.ylabel_cells"))


def community_map(
    effects: pd.DataFrame,
    rectangles: pd.DataFrame,
    t: Text,
    arm: str,
    outcome: str = "fixed_within_7d_share",
    *,
    cell_size_m: float | None = None,
) -> tuple[Figure, str]:
    """The communities of the street coloured by one arm's improvement, hatched when undetected.

    Args:
        effects: :func:`model.reporting.equity.group_effects` by community.
        rectangles: :func:`model.reporting.equity.community_rectangles`.
        t: the language layer.
        arm: the arm shown.
        outcome: ``fixed_within_7d_share`` (percentage points) or ``median_hours_to_fix``
            (hours saved).
        cell_size_m: side of a cell in metres (axes in metres), or None (axes in cells).
    """
    rows = effects[(effects["arm"] == arm) & (effects["outcome"] == outcome)].set_index("group")
    sign = 1.0 if GROUP_OUTCOMES[outcome] == "higher" else -1.0
    scale = 100.0 if outcome.endswith("_share") else 1.0
    improvement = sign * scale * rows["difference"].astype(float)
    limit = float(np.nanmax(np.abs(improvement.to_numpy()))) if len(rows) else 1.0
    limit = limit if math.isfinite(limit) and limit > 0 else 1.0
    norm = mpl.colors.Normalize(vmin=-limit, vmax=limit)
    cmap = mpl.colormaps[style.DIVERGING]
    with style.context(t):
        figure, axes = style.new_figure(7.5, 6.5)
        ax = axes[0, 0]
        for rect in rectangles.itertuples():
            value = improvement.get(rect.community, math.nan)
            verdict = rows["verdict"].get(rect.community, "")
            face = cmap(norm(value)) if math.isfinite(value) else "white"
            undetected = verdict not in (BETTER, WORSE)
            ax.add_patch(
                style.community_patch(
                    rect,
                    facecolor=face,
                    edgecolor="black",
                    linewidth=1,
                    hatch="///" if undetected else None,
                )
            )
            label = (
                t.community(rect.community)
                + "\n"
                + (
                    t.number(value, 1, signed=True)
                    if math.isfinite(value)
                    else t("format.not_available")
                )
            )
            if undetected:
                label += "\n" + t("figures.map.undetected")
            ax.text(
                (rect.x0 + rect.x1) / 2,
                (rect.y0 + rect.y1) / 2,
                label,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0},
            )
        _street_axes(ax, rectangles, t, cell_size_m)
        bar = figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8)
        bar.set_label(t(f"figures.map.colour.{outcome}"))
        ax.set_title(t(f"figures.map.title.{outcome}", arm=t.arm(arm)), loc="left")
    return figure, t(f"figures.map.caption.{outcome}", arm=t.arm_in_text(arm))


def community_levels_map(
    values: pd.Series,
    rectangles: pd.DataFrame,
    t: Text,
    title: str,
    colour_label: str,
    caption: str,
    *,
    cell_size_m: float | None = None,
) -> tuple[Figure, str]:
    """The communities coloured by a level (e.g. median hours to fix of one arm)."""
    finite = values[np.isfinite(values.astype(float))]
    low = float(finite.min()) if len(finite) else 0.0
    high = float(finite.max()) if len(finite) else 1.0
    norm = mpl.colors.Normalize(vmin=low, vmax=high if high > low else low + 1.0)
    cmap = mpl.colormaps[style.SEQUENTIAL]
    with style.context(t):
        figure, axes = style.new_figure(7.5, 6.5)
        ax = axes[0, 0]
        for rect in rectangles.itertuples():
            value = float(values.get(rect.community, math.nan))
            face = cmap(norm(value)) if math.isfinite(value) else "white"
            ax.add_patch(
                style.community_patch(
                    rect,
                    facecolor=face,
                    edgecolor="black",
                    linewidth=1,
                )
            )
            ax.text(
                (rect.x0 + rect.x1) / 2,
                (rect.y0 + rect.y1) / 2,
                f"{t.community(rect.community)}\n{t.number(value)}",
                ha="center",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0},
            )
        _street_axes(ax, rectangles, t, cell_size_m)
        bar = figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8)
        bar.set_label(colour_label)
        ax.set_title(title, loc="left")
    return figure, caption


def participation(table: pd.DataFrame, t: Text, arms: Sequence[str]) -> tuple[Figure, str]:
    """Who files the workers' reports (share per kind) and what points they earn per year.

    Args:
        table: :func:`model.reporting.equity.participation_by_kind`.
        t: the language layer.
        arms: arms to show, the reference first.
    """
    kinds = list(dict.fromkeys(table["kind"]))
    colours = [style.OKABE_ITO[c] for c in ("orange", "sky_blue", "green", "purple")]
    with style.context(t):
        figure, axes = style.new_figure(12, 0.45 * len(arms) + 1.8, 1, 2, sharey=True)
        left, right = axes[0]
        positions = np.arange(len(arms))[::-1]
        start = np.zeros(len(arms))
        height = 0.8 / max(len(kinds), 1)
        for k, (kind, colour) in enumerate(zip(kinds, colours, strict=False)):
            part = table[table["kind"] == kind].set_index("arm").reindex(list(arms))
            share = 100.0 * part["report_share"].fillna(0.0).to_numpy()
            left.barh(positions, share, left=start, color=colour, label=t.worker_kind(kind))
            start += share
            income = part["points_yuan_per_worker_year"].to_numpy(dtype=float)
            right.barh(
                positions + 0.4 - (k + 0.5) * height,
                np.nan_to_num(income),
                height=height,
                color=colour,
                label=t.worker_kind(kind),
            )
        left.set_yticks(positions, [t.arm(arm) for arm in arms])
        left.set_xlim(0, 100)
        left.set_xlabel(t("figures.participation.share_xlabel"))
        left.set_ylabel(t("figures.forest.ylabel"))
        left.set_title(t("figures.participation.share_title"), loc="left")
        left.legend(loc="lower right", frameon=False, fontsize=8)
        right.set_xlabel(t("figures.participation.points_xlabel"))
        right.xaxis.set_major_formatter(style.thousands(t))
        right.set_title(t("figures.participation.points_title"), loc="left")
    return figure, t("figures.participation.caption")

"""Figures over time and through the service chain: daily series with bands, the funnel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.reporting import issue_outcomes as io
from model.reporting.figures import style
from model.reporting.text import Text


def daily_series(
    bands: pd.DataFrame, t: Text, column: str, warmup_days: float, reference: str
) -> tuple[Figure, str]:
    """Mean daily series per arm with its 95 % band across replicates; warm-up shaded.

    Args:
        bands: output of :func:`model.reporting.summaries.daily_bands` for ``column``.
        t: the language layer.
        column: the daily series shown (its label is ``daily.<column>``).
        warmup_days: days before the measurement window (shaded, not measured).
        reference: the reference arm (drawn in black, first).
    """
    arms = [reference] + [a for a in dict.fromkeys(bands["arm"]) if a != reference]
    with style.context(t):
        figure, axes = style.new_figure(10, 4.2)
        ax = axes[0, 0]
        ax.axvspan(
            0,
            warmup_days,
            color=style.OKABE_ITO["grey"],
            alpha=0.2,
            label=t("figures.daily.warmup"),
        )
        for colour, arm in zip(style.SERIES_COLOURS, arms, strict=False):
            part = bands[bands["arm"] == arm]
            ax.fill_between(
                part["day"], part["low"], part["high"], color=colour, alpha=0.2, linewidth=0
            )
            ax.plot(part["day"], part["mean"], color=colour, label=t.arm(arm), linewidth=1.6)
        ax.set_xlabel(t("figures.daily.xlabel"))
        ax.set_ylabel(t(f"daily.{column}"))
        ax.yaxis.set_major_formatter(style.thousands(t))
        ax.set_xlim(0, float(bands["day"].max()) + 1 if len(bands) else 1)
        ax.set_title(t("figures.daily.title", series=t(f"daily.{column}")), loc="left")
        ax.legend(loc="best", frameon=False, fontsize=8)
    n = int(bands["n"].min()) if len(bands) else 0
    return figure, t("figures.daily.caption", n=t.number(n), days=t.number(warmup_days))


def funnel(table: pd.DataFrame, t: Text, arms: Sequence[str]) -> tuple[Figure, str]:
    """Share of the problems arising that are noticed, reported, fixed and fed back, per arm.

    Args:
        table: output of :func:`model.reporting.summaries.funnel_table`.
        t: the language layer.
        arms: arms to show, the reference first.
    """
    stages = list(io.FUNNEL_STAGES)
    with style.context(t):
        figure, axes = style.new_figure(10, 0.5 * len(stages) * max(len(arms), 2) / 2 + 1.6)
        ax = axes[0, 0]
        height = 0.8 / len(arms)
        positions = np.arange(len(stages))[::-1]
        for k, (colour, arm) in enumerate(zip(style.SERIES_COLOURS, arms, strict=False)):
            part = table[table["arm"] == arm].set_index("stage").reindex(stages)
            y = positions + 0.4 - (k + 0.5) * height
            ax.barh(y, 100.0 * part["share"], height=height, color=colour, label=t.arm(arm))
        ax.set_yticks(positions, [t(f"figures.funnel.stages.{stage}") for stage in stages])
        ax.set_xlabel(t("figures.funnel.xlabel"))
        ax.set_ylabel(t("figures.funnel.ylabel"))
        ax.set_xlim(0, 100)
        ax.set_title(t("figures.funnel.title"), loc="left")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    return figure, t("figures.funnel.caption")

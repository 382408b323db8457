"""Who files the first report of a problem: shares by reporter kind, one bar per arm."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.reporting.figures import style
from model.reporting.text import Text

KIND_COLOURS = {
    "rider": style.OKABE_ITO["orange"],
    "courier": style.OKABE_ITO["yellow"],
    "driver": style.OKABE_ITO["vermillion"],
    "resident": style.OKABE_ITO["green"],
    "staff": style.OKABE_ITO["blue"],
}
"""Gig workers in warm colours, residents and community staff in cool ones (Okabe-Ito)."""

LABEL_COLOURS = {
    "rider": "black",
    "courier": "black",
    "driver": "white",
    "resident": "white",
    "staff": "white",
}
"""Colour of the per-cent values on each kind's segments (legible on its fill)."""

LABEL_MIN_SHARE = 0.06
"""Segments at least this wide (share of first reports) carry their per-cent value."""


def first_report_shares(shares: pd.DataFrame, t: Text) -> tuple[Figure, str]:
    """Stacked bars: the share of first reports filed by each kind of reporter, per arm.

    Args:
        shares: arm -> share of first reports (0 to 1) per reporter kind (the columns of
            :data:`KIND_COLOURS`; other columns are ignored), arms in the order shown from the
            top; an arm without reports (NaN) is drawn empty.
        t: the language layer.
    """
    kinds = list(KIND_COLOURS)
    arms = list(shares.index)
    with style.context(t):
        figure, axes = style.new_figure(9, 0.45 * len(arms) + 1.6)
        ax = axes[0, 0]
        positions = np.arange(len(arms))[::-1]
        start = np.zeros(len(arms))
        for kind in kinds:
            width = 100.0 * shares[kind].astype(float).fillna(0.0).to_numpy()
            ax.barh(
                positions,
                width,
                left=start,
                color=KIND_COLOURS[kind],
                edgecolor="white",
                label=t(f"scenario.first_reports.kinds.{kind}"),
            )
            for y, x0, w in zip(positions, start, width, strict=True):
                if w >= 100.0 * LABEL_MIN_SHARE:
                    ax.text(
                        x0 + w / 2,
                        y,
                        t.percent(w / 100.0),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color=LABEL_COLOURS[kind],
                    )
            start += width
        ax.set_yticks(positions, [t.arm(arm) for arm in arms])
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("scenario.first_reports.figure.xlabel"))
        ax.set_ylabel(t("figures.forest.ylabel"))
        ax.set_title(t("scenario.first_reports.figure.title"), loc="left")
        figure.legend(loc="outside lower center", ncol=len(kinds), frameon=False, fontsize=8)
    return figure, t("scenario.first_reports.figure.caption")

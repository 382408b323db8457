"""One arm in depth: where the street's problems arise."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.reporting import issue_outcomes as io
from model.reporting.figures import style
from model.reporting.figures.equity import _street_axes
from model.reporting.measures import DAYS_PER_YEAR
from model.reporting.text import Text


def issue_density_map(
    issues: pd.DataFrame,
    rectangles: pd.DataFrame,
    t: Text,
    arm: str,
    start_hour: float,
    end_hour: float,
    *,
    cell_size_m: float | None = None,
) -> tuple[Figure, str]:
    """Problems arising per cell per year for one arm (mean over replicates), communities outlined.

    Args:
        issues: issue logs.
        rectangles: :func:`model.reporting.equity.community_rectangles`.
        t: the language layer.
        arm: the arm shown.
        start_hour: start of the measurement window (hours).
        end_hour: end of the runs (hours).
        cell_size_m: side of a cell in metres, or None.
    """
    part = io.in_window(issues[issues["arm"] == arm], start_hour, end_hour)
    replicates = max(part["replicate"].nunique(), 1)
    years = (end_hour - start_hour) / io.HOURS_PER_DAY / DAYS_PER_YEAR
    width, height = int(rectangles["x1"].max()), int(rectangles["y1"].max())
    counts = np.zeros((height, width))
    np.add.at(counts, (part["y"].to_numpy(int), part["x"].to_numpy(int)), 1.0)
    density = counts / replicates / years
    with style.context(t):
        figure, axes = style.new_figure(7.5, 6.5)
        ax = axes[0, 0]
        image = ax.imshow(
            density,
            origin="lower",
            extent=(0, width, 0, height),
            cmap=style.SEQUENTIAL,
            interpolation="nearest",
        )
        for rect in rectangles.itertuples():
            ax.add_patch(
                style.community_patch(
                    rect,
                    fill=False,
                    edgecolor="white",
                    linewidth=1.2,
                )
            )
            ax.text(
                rect.x0 + 1,
                rect.y1 - 1,
                t.community(rect.community),
                color="white",
                fontsize=8,
                va="top",
            )
        _street_axes(ax, rectangles, t, cell_size_m)
        bar = figure.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(t("figures.density.colour"))
        bar.formatter = mpl.ticker.FuncFormatter(lambda v, _: t.number(v, 1))
        ax.set_title(t("figures.density.title", arm=t.arm(arm)), loc="left")
    return figure, t("figures.density.caption", arm=t.arm_in_text(arm))

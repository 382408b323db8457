"""Calibration figures: each target's band against the simulated mean, and time to close."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from model.experiments.calibration.table import TableRow
from model.reporting.figures import style
from model.reporting.text import Text


def calibration_bands(rows: Sequence[TableRow], t: Text) -> tuple[Figure, str]:
    """Each target's band and the simulated mean with its 95 % CI, on a common scale.

    Values are shown relative to the band: 0 is its lower end, 1 its upper end, so targets
    in different units share one axis. A mean inside its band is blue, outside vermillion;
    a target without a defined mean draws no dot.

    Args:
        rows: the calibration table (one row per target).
        t: the language layer.
    """
    with style.context(t):
        figure, axes = style.new_figure(9, 0.45 * len(rows) + 1.4)
        ax = axes[0, 0]
        positions = np.arange(len(rows))[::-1]
        for y, row in zip(positions, rows, strict=True):
            target = row.target
            width = target.high - target.low

            def relative(value: float, low: float = target.low, width: float = width) -> float:
                return (value - low) / width

            ax.barh(y, 1.0, left=0.0, height=0.5, color="#e8e8e8", edgecolor="#999999")
            if math.isfinite(row.mean):
                low = relative(row.ci_low) if math.isfinite(row.ci_low) else relative(row.mean)
                high = relative(row.ci_high) if math.isfinite(row.ci_high) else relative(row.mean)
                colour = style.OKABE_ITO["blue" if row.inside else "vermillion"]
                ax.plot([low, high], [y, y], color=style.OKABE_ITO["black"], linewidth=1.5)
                ax.plot(relative(row.mean), y, "o", color=colour, markersize=6)
        ax.set_yticks(
            positions, [t.calibration_target(row.target.name, row.target.meaning) for row in rows]
        )
        ax.axvline(0.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        ax.axvline(1.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        ax.set_xlabel(t("figures.calibration.bands.xlabel"))
        ax.set_ylabel(t("figures.calibration.bands.ylabel"))
        ax.set_title(t("figures.calibration.bands.title"), loc="left")
    return figure, t("figures.calibration.bands.caption", n=t.number(min_n(rows)))


def min_n(rows: Sequence[TableRow]) -> int:
    """Fewest replications behind any target's mean."""
    return min((row.n for row in rows), default=0)


def time_to_close(days: np.ndarray, mu: float, sigma: float, t: Text) -> tuple[Figure, str]:
    """Histogram of simulated report-to-close days against the reference lognormal.

    Args:
        days: simulated days from report to close, one value per closed ticket.
        mu: log-mean of the reference lognormal (log-days).
        sigma: log-sd of the reference lognormal.
        t: the language layer.
    """
    days = np.asarray(days, dtype=float)
    reference = stats.lognorm(s=sigma, scale=math.exp(mu))
    with style.context(t):
        figure, axes = style.new_figure(8, 4.5)
        ax = axes[0, 0]
        upper = float(np.quantile(days, 0.98)) if len(days) else 14.0
        bins = np.linspace(0.0, max(upper, 10.0), 50)
        ax.hist(
            days,
            bins=bins,
            density=True,
            color=style.OKABE_ITO["sky_blue"],
            label=t("figures.calibration.close.simulated"),
        )
        grid = np.linspace(1e-3, bins[-1], 400)
        ax.plot(
            grid,
            reference.pdf(grid),
            color=style.OKABE_ITO["vermillion"],
            linewidth=2,
            label=t("figures.calibration.close.reference"),
        )
        if len(days):
            ax.axvline(
                float(np.median(days)),
                color=style.OKABE_ITO["blue"],
                linestyle="--",
                label=t("figures.calibration.close.simulated_median"),
            )
        ax.axvline(
            math.exp(mu),
            color=style.OKABE_ITO["vermillion"],
            linestyle=":",
            label=t("figures.calibration.close.reference_median", days=t.number(math.exp(mu), 1)),
        )
        ax.set_xlabel(t("figures.calibration.close.xlabel"))
        ax.set_ylabel(t("figures.calibration.close.ylabel"))
        ax.set_title(t("figures.calibration.close.title"), loc="left")
        ax.legend(frameon=False, fontsize=8)
    caption = t("figures.calibration.close.caption", tickets=t.number(len(days)))
    return figure, caption

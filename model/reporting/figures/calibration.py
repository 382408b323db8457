"""Calibration figures: target bands, time to close, and a free parameter's loss profile."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from model.experiments.calibration.profile import Profile
from model.experiments.calibration.table import TableRow
from model.reporting.figures import style
from model.reporting.text import Text


def calibration_bands(rows: Sequence[TableRow], t: Text) -> tuple[Figure, str]:
    """Each target's band and the simulated mean with its 95 % CI, on a common scale.

    Values are shown relative to the band: 0 is its lower end, 1 its upper end, so targets
    in different units share one axis. A mean inside its band is blue, outside vermillion;
    a target without a defined mean draws no dot. Targets the model is given as inputs come
    last, below a dashed line, as grey hollow dots with "(input)" after their name: they
    are shown, not evidence of fit.

    Args:
        rows: the calibration table (one row per target).
        t: the language layer.
    """
    rows = [row for row in rows if row.target.reproduced] + [
        row for row in rows if not row.target.reproduced
    ]
    inputs = sum(not row.target.reproduced for row in rows)
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
                ax.plot([low, high], [y, y], color=style.OKABE_ITO["black"], linewidth=1.5)
                if target.reproduced:
                    colour = style.OKABE_ITO["blue" if row.inside else "vermillion"]
                    ax.plot(relative(row.mean), y, "o", color=colour, markersize=6)
                else:
                    ax.plot(relative(row.mean), y, "o", color=style.OKABE_ITO["grey"],
                            markerfacecolor="none", markersize=6)  # fmt: skip
        if inputs:
            ax.axhline(inputs - 0.5, color=style.OKABE_ITO["grey"], linestyle="--", linewidth=0.8)
        labels = []
        for row in rows:
            label = t.calibration_target(row.target.name, row.target.meaning)
            if not row.target.reproduced:
                label = t("figures.calibration.bands.input_label", target=label)
            labels.append(label)
        ax.set_yticks(positions, labels)
        ax.axvline(0.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        ax.axvline(1.0, color=style.OKABE_ITO["grey"], linewidth=0.8)
        ax.set_xlabel(t("figures.calibration.bands.xlabel"))
        ax.set_ylabel(t("figures.calibration.bands.ylabel"))
        ax.set_title(t("figures.calibration.bands.title"), loc="left")
    caption = t("figures.calibration.bands.caption", n=t.number(min_n(rows)))
    if inputs:
        caption += " " + t("figures.calibration.bands.inputs_caption", inputs=t.number(inputs))
    return figure, caption


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


def loss_profile(result: Profile, t: Text) -> tuple[Figure, str]:
    """Loss against one free parameter's value, with the band within seed noise of the minimum.

    Each grid value's loss (replication means) is a dot on a line, the single-seed losses
    small grey ticks; the shaded band runs from the minimum to the minimum plus the seed
    noise threshold, and the plausible values (inside it) are filled dots. The fitted value
    is a dashed vertical line. The loss axis is linear up to four band widths and
    logarithmic beyond, so the band stays visible next to the steep flanks.

    Args:
        result: the profile (:func:`model.experiments.calibration.profile.profile`).
        t: the language layer.
    """
    values = np.asarray(result.values, dtype=float)
    losses = np.asarray(result.losses, dtype=float)
    plausible = np.asarray(result.plausible, dtype=bool)
    with style.context(t):
        figure, axes = style.new_figure(7, 4.2)
        ax = axes[0, 0]
        ax.axhspan(
            result.minimum,
            result.threshold,
            color=style.OKABE_ITO["sky_blue"],
            alpha=0.35,
            label=t("figures.calibration.profile.band"),
        )
        for value, seeds in zip(values, result.seed_losses, strict=True):
            ax.plot([value] * len(seeds), seeds, "_", color=style.OKABE_ITO["grey"], markersize=6)
        ax.plot(values, losses, "-", color=style.OKABE_ITO["black"], linewidth=1)
        ax.plot(
            values[plausible],
            losses[plausible],
            "o",
            color=style.OKABE_ITO["blue"],
            label=t("figures.calibration.profile.plausible"),
        )
        ax.plot(
            values[~plausible],
            losses[~plausible],
            "o",
            color=style.OKABE_ITO["vermillion"],
            markerfacecolor="none",
            label=t("figures.calibration.profile.outside"),
        )
        ax.axvline(
            result.held[result.parameter],
            color=style.OKABE_ITO["grey"],
            linestyle="--",
            label=t("figures.calibration.profile.fitted"),
        )
        band = result.threshold - result.minimum
        # linear near the minimum (where the band is), logarithmic far from it
        ax.set_yscale("symlog", linthresh=max(4.0 * band, 1e-3))
        ax.set_ylim(bottom=0.0)  # a loss is never negative
        ax.set_xlabel(t("figures.calibration.profile.xlabel", parameter=result.parameter))
        ax.set_ylabel(t("figures.calibration.profile.ylabel"))
        ax.set_title(
            style.wrap(t("figures.calibration.profile.title", parameter=result.parameter), 70),
            loc="left",
        )
        ax.legend(frameon=False, fontsize=8)
    low, high = result.plausible_range()
    caption = t(
        "figures.calibration.profile.caption",
        parameter=result.parameter,
        low=f"{low:.4g}",
        high=f"{high:.4g}",
        seeds=t.number(result.noise.seeds),
    )
    return figure, caption

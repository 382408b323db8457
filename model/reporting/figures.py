"""Figures for the notebooks and reports (matplotlib), one function per figure.

Each function takes tidy inputs and returns a ``matplotlib.figure.Figure`` built without
pyplot (no global figure state, any backend); notebooks call them and show the result, so
the plotting logic is tested here rather than in notebooks.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from model.experiments.calibration.table import TableRow


def calibration_bands(rows: list[TableRow]) -> Figure:
    """Each target's band and the simulated mean with its 95 % CI, on a common scale.

    Values are shown relative to the band: 0 is the lower end, 1 the upper end.
    """
    fig = Figure(figsize=(7.5, 0.45 * len(rows) + 1.2))
    ax = fig.subplots()
    for i, row in enumerate(rows):
        t = row.target
        width = t.high - t.low

        def rel(value: float, t=t, width=width) -> float:
            return (value - t.low) / width

        ax.barh(i, 1.0, left=0.0, height=0.5, color="#d9e8d4", edgecolor="#6a9a5b")
        if math.isfinite(row.mean):
            lo = rel(row.ci_low) if math.isfinite(row.ci_low) else rel(row.mean)
            hi = rel(row.ci_high) if math.isfinite(row.ci_high) else rel(row.mean)
            ax.plot([lo, hi], [i, i], color="#333333", lw=1.5)
            ax.plot(rel(row.mean), i, "o", color="#1f4e79" if row.inside else "#c0392b")
    ax.set_yticks(range(len(rows)), [r.target.name for r in rows])
    ax.invert_yaxis()
    ax.axvline(0, color="#6a9a5b", lw=0.8)
    ax.axvline(1, color="#6a9a5b", lw=0.8)
    ax.set_xlabel("position within the target band (0 = lower end, 1 = upper end)")
    ax.set_title("Baseline against the empirical targets: mean and 95 % CI")
    fig.tight_layout()
    return fig


def time_to_close(days: np.ndarray, mu: float, sigma: float) -> Figure:
    """Histogram of simulated report-to-close days against the reference lognormal.

    Args:
        days: simulated days from report to close.
        mu: log-mean of the reference lognormal (log-days).
        sigma: log-sd of the reference lognormal.
    """
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    upper = float(np.quantile(days, 0.98)) if len(days) else 14.0
    bins = np.linspace(0, max(upper, 10.0), 50)
    ax.hist(days, bins=bins, density=True, color="#9dbbd8", label="simulated (baseline)")
    grid = np.linspace(1e-3, bins[-1], 400)
    ref = stats.lognorm(s=sigma, scale=math.exp(mu))
    ax.plot(grid, ref.pdf(grid), color="#c0392b", lw=2, label="reference lognormal (NYC 311)")
    if len(days):
        ax.axvline(np.median(days), color="#1f4e79", ls="--", label="simulated median")
    ax.axvline(math.exp(mu), color="#c0392b", ls=":", label="reference median 2.9 days")
    ax.set_xlabel("days from report to close")
    ax.set_ylabel("density")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig

"""How long the street takes to settle: the measured basis of ``warmup_days``.

Every run starts empty: no open issues, nobody has learned anything yet. This study runs the
status quo and the integrated package from day 0 (no warm-up) for two years over several
seeds, and finds for each daily series the first day after which its rolling mean
stays within a tolerance of its level in the second year (30-day means: shorter windows of
the small daily counts are mostly noise). It writes the convergence plot
for docs/ODD.md (``docs/figures/warmup.png``) and prints the settling days.

Run: ``.venv/bin/python scripts/warmup_study.py [--seeds 4] [--days 730]`` (about 4 minutes
on two cores).
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments.executors import RunTask, make_executor

SERIES = {
    "open_issues": "open issues",
    "reports_total": "reports per day",
    "worker_reports": "worker reports per day",
    "resolutions": "fixes per day",
}
SCENARIOS = ("baseline", "integrated")


def settling_day(values: np.ndarray, tolerance: float, window: int = 30) -> int:
    """First day after which the rolling mean stays within ``tolerance`` of the second year.

    Args:
        values: one value per day (mean over seeds).
        tolerance: relative band around the level of days 365 onwards.
        window: rolling-mean window, days.
    """
    rolling = pd.Series(values).rolling(window, min_periods=window).mean().to_numpy()
    level = float(np.mean(values[365:]))
    outside = np.flatnonzero(~(np.abs(rolling - level) <= tolerance * abs(level)))
    outside = outside[outside < 365]
    return int(outside.max() + 1) if len(outside) else 0


def main() -> None:
    """Run the study, print the settling days and write the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    tasks = []
    for index, name in enumerate(SCENARIOS):
        config = load_scenario(REPO_ROOT / "scenarios" / f"{name}.yaml", ["warmup_days=0"])
        for seed in range(args.seeds):
            tasks.append(RunTask(index, name, seed, seed, args.days, config))
    rows = []
    with make_executor("process") as executor:
        for result in executor.run(tasks):
            frame = result.daily.to_pandas()
            frame["scenario"] = result.arm
            frame["seed"] = result.seed
            rows.append(frame)
    daily = pd.concat(rows)
    mean = daily.groupby(["scenario", "day"])[list(SERIES)].mean()
    fig, axes = plt.subplots(len(SERIES), 1, figsize=(8, 9), sharex=True)
    print(f"settling day (30-day mean within {args.tolerance:.0%} of its second-year level):")
    for ax, (column, label) in zip(axes, SERIES.items(), strict=True):
        for scenario in SCENARIOS:
            values = mean.loc[scenario][column].to_numpy()
            day = settling_day(values, args.tolerance)
            print(f"  {scenario:10s} {label:24s} day {day}")
            smooth = pd.Series(values).rolling(14, min_periods=1).mean()
            ax.plot(smooth.index, smooth, label=f"{scenario} (settles by day {day})")
        ax.set_ylabel(label)
        ax.axvline(60, color="grey", linestyle=":", linewidth=1)
        ax.legend(fontsize=8, loc="lower right")
    axes[-1].set_xlabel("day of the run (no warm-up; dotted line: the default warm-up, 60 days)")
    fig.suptitle(
        f"Convergence from an empty start, mean of {args.seeds} seeds (lines: 14-day means; "
        f"settling: 30-day mean within {args.tolerance:.0%} of the second year)"
    )
    fig.tight_layout()
    out = REPO_ROOT / "docs" / "figures" / "warmup.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()

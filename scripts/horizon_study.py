"""At which horizon the standard effects stop moving, and whether participation depends on it.

The basis of the measurement window's length (docs/ODD.md, section 7.20). For a few arms of
the standard experiment, runs the status quo and each arm with common random numbers at two
measured horizons (365 and 730 days by default, each after the same warm-up) and prints, per
headline outcome, the paired effect with its 95 % interval at each horizon and whether the
shorter horizon's estimate lies inside the longer one's interval. It also prints the status
quo's exposure-adjusted participation after 180, 365 and 730 measured days (it must not grow
with the horizon when nothing changes).

Run: ``.venv/bin/python scripts/horizon_study.py [--replications 10] [--arms integrated ...]``
(about 10 minutes on two cores at the defaults).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments.executors import RunTask, make_executor
from model.outcomes.registry import OUTCOMES

HEADLINE = [name for name, spec in OUTCOMES.items() if spec.headline]
PER_YEAR = [name for name in HEADLINE if OUTCOMES[name].unit in ("issues", "yuan")]
"""Totals over the window (incidents, harm, cost): compared per 365 days across horizons."""
PARTICIPATION = ("worker_participation_rate", "worker_reports_per_100_worker_months")


def paired_interval(differences: np.ndarray) -> tuple[float, float, float]:
    """Mean of paired differences and its 95 % t interval (NaN pairs dropped)."""
    values = differences[np.isfinite(differences)]
    if len(values) < 2:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def main() -> None:
    """Run the horizons, print the effects table and the participation check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--horizons", type=int, nargs=2, default=(365, 730))
    parser.add_argument("--short", type=int, default=180, help="extra status-quo horizon")
    parser.add_argument("--arms", nargs="+", default=["integrated", "mini_program", "points_high"])
    args = parser.parse_args()
    arms = ["baseline", *args.arms]
    configs = {arm: load_scenario(REPO_ROOT / "scenarios" / f"{arm}.yaml") for arm in arms}
    tasks = []
    for days in args.horizons:
        for index, arm in enumerate(arms):
            for replicate in range(args.replications):
                tasks.append(
                    RunTask(index, f"{arm}@{days}", replicate, replicate, days, configs[arm])
                )
    for replicate in range(args.replications):
        tasks.append(
            RunTask(
                0, f"baseline@{args.short}", replicate, replicate, args.short, configs["baseline"]
            )
        )
    outcomes: dict[str, dict[int, dict[str, float]]] = {}
    with make_executor("process") as executor:
        for result in executor.run(tasks):
            if result.status != "ok":
                raise SystemExit(f"{result.arm} replicate {result.replicate}: {result.error}")
            outcomes.setdefault(result.arm, {})[result.replicate] = result.outcomes

    def column(arm: str, name: str) -> np.ndarray:
        runs = outcomes[arm]
        values = np.array([runs[r][name] for r in range(args.replications)], dtype=float)
        if name in PER_YEAR:
            days = np.array([runs[r]["measured_days"] for r in range(args.replications)])
            values = values * 365.0 / days
        return values

    short, long = args.horizons
    print(f"paired effects vs the status quo, mean and 95 % interval, {args.replications} seeds")
    print(f"(totals per 365 measured days: {', '.join(PER_YEAR)})")
    print(f"| arm | outcome | {short} days | {long} days | {short} inside {long} interval |")
    print("|---|---|---|---|---|")
    inside_count = total = 0
    for arm in args.arms:
        for name in HEADLINE:
            cells = []
            estimates = []
            for days in args.horizons:
                diff = column(f"{arm}@{days}", name) - column(f"baseline@{days}", name)
                mean, low, high = paired_interval(diff)
                estimates.append((mean, low, high))
                cells.append(f"{mean:+.4g} ({low:+.4g} to {high:+.4g})")
            mean_short = estimates[0][0]
            _, low_long, high_long = estimates[1]
            inside = bool(low_long <= mean_short <= high_long)
            if np.isfinite(mean_short) and np.isfinite(low_long):
                inside_count += inside
                total += 1
            print(f"| {arm} | {name} | {cells[0]} | {cells[1]} | {'yes' if inside else 'no'} |")
    print(f"{inside_count} of {total} {short}-day effects inside their {long}-day interval")
    print()
    print("status quo participation by measured horizon (mean over seeds)")
    for name in PARTICIPATION:
        values = {
            days: float(np.nanmean(column(f"baseline@{days}", name)))
            for days in (args.short, *args.horizons)
        }
        ratio = values[short] / values[args.short]
        text = ", ".join(f"{days} d: {value:.4g}" for days, value in values.items())
        print(f"  {name}: {text}; {short} d / {args.short} d = {ratio:.3f}")


if __name__ == "__main__":
    main()

"""The calibration table: the status quo over several seeds against every target's band.

The runs go through the experiment executors (:mod:`model.experiments.executors`), the one
way the package runs many models; each run sends back its issue and report logs, which
:func:`~model.experiments.calibration.measures.measure` reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from model.config.scenario import ScenarioConfig
from model.experiments.calibration.measures import measure
from model.experiments.calibration.targets import Target, load_targets
from model.experiments.executors import Executor, RunTask, make_executor


def measure_seeds(
    config: ScenarioConfig,
    seeds: list[int],
    days: int,
    workers: int | None = None,
    executor: Executor | None = None,
) -> list[dict[str, float]]:
    """Measure every target for each seed, through an executor.

    Args:
        config: the scenario to measure (normally the baseline).
        seeds: run seeds.
        days: horizon, days.
        workers: processes for a new executor (default: one per core; 1 runs in this
            process, as does a single seed).
        executor: an open executor to use (kept open); default a new one for this call.

    Returns:
        One measurement dict per seed, in seed order.

    Raises:
        RuntimeError: a run failed (its error line is named).
    """
    tasks = [
        RunTask(
            arm_index=0,
            arm=config.name,
            replicate=i,
            seed=int(seed),
            days=days,
            config=config,
            keep_issue_log=True,
            keep_report_log=True,
        )
        for i, seed in enumerate(seeds)
    ]
    if executor is None:
        serial = workers == 1 or len(tasks) <= 1
        with make_executor("serial" if serial else "process", workers) as own:
            results = list(own.run(tasks))
    else:
        results = list(executor.run(tasks))
    results.sort(key=lambda result: result.replicate)
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise RuntimeError(f"calibration run with seed {failed[0].seed} failed: {failed[0].error}")
    return [measure(result, days) for result in results]


@dataclass(frozen=True)
class TableRow:
    """One row of the calibration table."""

    target: Target
    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def inside(self) -> bool:
        """The simulated mean lies within the band (inclusive)."""
        return self.target.low <= self.mean <= self.target.high


def summarise(
    measurements: list[dict[str, float]], targets: tuple[Target, ...] | None = None
) -> list[TableRow]:
    """Replication mean and 95 % t-interval of every target.

    Args:
        measurements: one dict per replication (from :func:`measure`).
        targets: targets to summarise (all by default).

    Returns:
        One row per target; NaN replications are left out of that target's mean.
    """
    rows = []
    for target in targets or load_targets():
        values = np.array([m[target.name] for m in measurements], dtype=float)
        values = values[np.isfinite(values)]
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        if n > 1:
            half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
        else:
            half = math.nan
        rows.append(TableRow(target, mean, mean - half, mean + half, n))
    return rows


def calibration_table(
    config: ScenarioConfig, seeds: int = 10, days: int = 365, workers: int | None = None
) -> list[TableRow]:
    """Run the scenario over ``seeds`` seeds and compare every target with its band.

    Args:
        config: the scenario (normally ``scenarios/baseline.yaml``).
        seeds: number of replications (seeds 0 .. seeds-1).
        days: horizon, days.
        workers: processes (default: one per core).

    Returns:
        One :class:`TableRow` per target.
    """
    return summarise(measure_seeds(config, list(range(seeds)), days, workers))


def reproduced_rows(rows: list[TableRow]) -> list[TableRow]:
    """The rows of targets the model must reproduce (inputs left out)."""
    return [row for row in rows if row.target.reproduced]


def input_rows(rows: list[TableRow]) -> list[TableRow]:
    """The rows of targets the model is given as inputs (not evidence of fit)."""
    return [row for row in rows if not row.target.reproduced]


def headline(rows: list[TableRow]) -> str:
    """``"N of M reproduced targets inside their band"``: inputs are never counted."""
    reproduced = reproduced_rows(rows)
    inside = sum(row.inside for row in reproduced)
    return f"{inside} of {len(reproduced)} reproduced targets inside their band"


def format_table(rows: list[TableRow]) -> str:
    """The calibration table as aligned text: target | band | mean [95 % CI] | inside.

    The targets the model must reproduce come first and alone make the count on the last
    line; the targets it is given as inputs follow under their own heading ("used as
    inputs, not evidence of fit").
    """

    def num(x: float) -> str:
        return "n/a" if not math.isfinite(x) else f"{x:.3g}"

    def line(row: TableRow) -> str:
        t = row.target
        band = f"[{t.low:g}, {t.high:g}]"
        sim = f"{num(row.mean)} [{num(row.ci_low)}, {num(row.ci_high)}]"
        return f"{t.name:34s} {band:>14s}  {sim:>30s}  {'yes' if row.inside else 'NO'}"

    lines = [
        f"{'target':34s} {'band':>14s}  {'simulated mean [95% CI]':>30s}  inside",
        f"{'-' * 34} {'-' * 14}  {'-' * 30}  ------",
    ]
    lines += [line(row) for row in reproduced_rows(rows)]
    inputs = input_rows(rows)
    if inputs:
        lines.append("used as inputs, not evidence of fit (the model is given these values):")
        lines += [line(row) for row in inputs]
    n = rows[0].n if rows else 0
    lines.append(f"{headline(rows)} ({n} replications); {len(inputs)} inputs shown apart")
    return "\n".join(lines)

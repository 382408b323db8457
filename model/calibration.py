"""Calibration: the empirical targets, what the model simulates for each, and the fit.

Targets come from ``calibration/targets.yaml`` (the shared file; a copy is kept in
``scenarios/calibration/targets.yaml`` and a test checks that the copy is current). For each
target the model has a counterpart for, :func:`measure` computes the simulated value from one
run's outputs the way the source measured it. :func:`calibration_table` runs the baseline over
several seeds and reports target | band | simulated mean with 95 % CI | inside or not.

:func:`fit` is the documented, reproducible search that set the free parameters: a Latin
hypercube over their ranges, each point run over a few seeds, scored by how far the
simulated means fall outside the bands; then a second, narrower hypercube around the best
point. Its result is stored in ``scenarios/calibration/fit.json`` and the schema defaults in
``model/config.py`` carry the fitted values (a test checks they agree).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from scipy import stats
from scipy.stats import qmc

from model.config.codes import WORKER_KINDS
from model.config.loading import build_config
from model.config.scenario import ScenarioConfig

WORKERS = set(WORKER_KINDS)
REPO = Path(__file__).resolve().parent.parent
TARGETS_COPY = REPO / "scenarios" / "calibration" / "targets.yaml"
SHARED_TARGETS = REPO.parent / "shared" / "calibration" / "targets.yaml"
FIT_FILE = REPO / "scenarios" / "calibration" / "fit.json"


@dataclass(frozen=True)
class Target:
    """One calibration target.

    Attributes:
        name: short name used in tables.
        key: dotted key in targets.yaml (the source).
        low: lower end of the band (inclusive).
        high: upper end of the band (inclusive).
        meaning: what it measures.
        band_source: where the band comes from ("targets.yaml" or an assumption).
    """

    name: str
    key: str
    low: float
    high: float
    meaning: str
    band_source: str = "targets.yaml"


# name, key in targets.yaml, band when the file gives none (with why), meaning
_COUNTERPARTS: tuple[tuple[str, str, tuple[float, float] | None, str], ...] = (
    ("registered_share", "workers.registered_share", None, "share of workers registered (报到)"),
    ("rider_online_hours", "workers.daily_online_hours_rider", None,
     "hours online per rider working day"),
    ("rider_orders", "workers.daily_orders_rider", None, "orders per rider working day"),
    ("rider_km", "workers.daily_km_rider", None, "km per rider working day"),
    ("rider_monthly_turnover", "workers.monthly_turnover_crowdsourced", None,
     "share of riders leaving per month"),
    ("no_insurance_share", "workers.no_insurance_share", None,
     "share of workers without any insurance"),
    ("reports_per_enrolled_worker_year", "participation.reports_per_enrolled_worker_year", None,
     "reports per registered worker per year (no points)"),
    ("repeat_report_lift", "reporting_behaviour.repeat_report_lift_after_success", None,
     "P(second report | first fixed) / P(second report | first not fixed)"),
    ("one_time_reporter_share", "reporting_behaviour.one_time_reporter_share", None,
     "share of resident reporters with exactly one report"),
    ("median_days_to_close", "service_system.time_to_close_days.median", (2.0, 4.0),
     "median days from report to close"),
    ("share_closed_within_7_days", "service_system.time_to_close_days.share_within_7_days",
     (0.78, 0.93), "share of closed tickets closed within 7 days"),
    ("hotline_resolution_rate", "service_system.hotline_resolution_rate_early", None,
     "share of closed hotline tickets that were fixed"),
    ("satisfaction_rate", "service_system.hotline_satisfaction_rate_early", None,
     "share of reporters told the outcome who are satisfied"),
)  # fmt: skip


def targets_file() -> Path:
    """The targets file: the shared one when present, else the repository's copy."""
    override = os.environ.get("STREETWISE_TARGETS")
    if override:
        return Path(override)
    return SHARED_TARGETS if SHARED_TARGETS.exists() else TARGETS_COPY


_PLAIN_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z_][\w]*): (.+)$")


def read_targets_yaml(path: Path) -> dict[str, Any]:
    """Read targets.yaml, tolerating plain values that contain ``": "``.

    The shared file has free-text values such as ``meaning: ... matured): rose from ...``
    that strict YAML rejects. Such a value (not quoted, not a list or mapping) is quoted
    before parsing; nothing else is changed.
    """
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PLAIN_LINE.match(line)
        if match and ": " in match.group(2) and match.group(2)[0] not in "\"'[{|>#":
            line = f"{match.group(1)}: {json.dumps(match.group(2), ensure_ascii=False)}"
        lines.append(line)
    return yaml.safe_load("\n".join(lines))


def load_targets(path: Path | None = None) -> tuple[Target, ...]:
    """Read the bands of every target the model has a counterpart for.

    Targets without a band in the file (the NYC 311 time-to-close figures) get a band
    around the published value, marked as an assumption.

    Args:
        path: targets YAML; :func:`targets_file` when None.

    Returns:
        The targets in table order.
    """
    data = read_targets_yaml(Path(path or targets_file()))
    targets = []
    for name, key, fallback, meaning in _COUNTERPARTS:
        node: Any = data
        for part in key.split("."):
            node = node[part]
        if isinstance(node, dict) and "band" in node:
            low, high = (float(v) for v in node["band"])
            source = "targets.yaml"
        else:
            assert fallback is not None, key
            low, high = fallback
            source = f"assumption around {node}"
        targets.append(Target(name, key, low, high, meaning, source))
    return tuple(targets)


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _times(table: pa.Table, name: str) -> np.ndarray:
    return pc.fill_null(table.column(name), np.nan).to_numpy(zero_copy_only=False)


def repeat_report_lift(
    reports: pa.Table, issues: pa.Table, horizon_hours: float, window_days: float = 90.0
) -> float:
    """Relative chance of a second report after a fixed first report vs an unfixed one.

    As in Sjoberg, Mellon & Peixoto (2017): reporters are grouped by the outcome of their
    first report; a reporter's first report counts when its outcome (fixed, closed unfixed
    or escalated) came at least ``window_days`` before the end, and a second report counts
    when it came within ``window_days`` after that outcome. Staff tickets are excluded.

    Returns:
        The ratio, NaN when either group is empty or has no second reports.
    """
    kind = _column(reports, "reporter_kind")
    keep = kind != "staff"
    reporter = _column(reports, "reporter_id")[keep]
    time = _column(reports, "time")[keep]
    issue = _column(reports, "issue_id")[keep]
    if len(reporter) == 0:
        return float("nan")
    status = _column(issues, "status")
    resolved_at = _times(issues, "resolved_at")
    closed_at = _times(issues, "closed_at")
    outcome_at = np.where(np.isnan(resolved_at), closed_at, resolved_at)
    order = np.lexsort((time, reporter))
    reporter, time, issue = reporter[order], time[order], issue[order]
    first = np.r_[True, reporter[1:] != reporter[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(reporter)]
    window = window_days * 24.0
    fixed_n = fixed_again = other_n = other_again = 0
    for s, e in zip(starts, ends, strict=True):
        i = issue[s]
        when = outcome_at[i]
        if np.isnan(when) or when > horizon_hours - window:
            continue
        again = bool(np.any((time[s + 1 : e] > when) & (time[s + 1 : e] <= when + window)))
        if status[i] == "resolved":
            fixed_n += 1
            fixed_again += again
        else:
            other_n += 1
            other_again += again
    if fixed_n == 0 or other_n == 0 or other_again == 0:
        return float("nan")
    return (fixed_again / fixed_n) / (other_again / other_n)


def time_to_close_days(issues: pa.Table) -> np.ndarray:
    """Days from the first report to the close (fixed or closed unfixed) of each ticket.

    Escalated issues are left out (an incident is not a closed ticket).
    """
    reported = _times(issues, "reported_at")
    resolved = _times(issues, "resolved_at")
    closed = np.where(np.isnan(resolved), _times(issues, "closed_at"), resolved)
    status = _column(issues, "status")
    done = ~np.isnan(reported) & ~np.isnan(closed) & (status != "escalated")
    return (closed[done] - reported[done]) / 24.0


def lognormal_reference(median_days: float = 2.9, share_within_7: float = 0.857):
    """The lognormal time-to-close implied by the NYC 311 figures.

    Source: ``service_system.time_to_close_days`` (median 2.9 days, 85.7 % within 7 days;
    shape lognormal- or gamma-like). ``mu = ln(median)``; ``sigma`` solves
    ``P(T <= 7) = share_within_7``.

    Returns:
        ``(mu, sigma)`` of log-days.
    """
    mu = math.log(median_days)
    sigma = (math.log(7.0) - mu) / float(stats.norm.ppf(share_within_7))
    return mu, sigma


def measure(output, days: int) -> dict[str, float]:
    """Simulated value of every target for one run.

    Args:
        output: a :class:`model.sim.output.RunOutput`.
        days: the run's horizon, days.

    Returns:
        Target name -> simulated value (NaN when undefined).
    """
    daily = output.daily
    issues = output.issues
    reports = output.reports
    last = {name: _column(daily, name)[-1] for name in ("registered_share", "insured_share")}
    rider_leavers = _column(daily, "rider_leavers").sum()
    riders = _column(daily, "riders").mean()
    kind = _column(reports, "reporter_kind")
    registered_years = (
        _column(daily, "registered_share") * _column(daily, "workforce")
    ).sum() / 365.0
    # reports filed by workers who were registered when they filed (daily series)
    registered_reports = _column(daily, "registered_worker_reports").sum()
    resident_ids = _column(reports, "reporter_id")[kind == "resident"]
    _, per_resident = np.unique(resident_ids, return_counts=True)
    reported = _times(issues, "reported_at")
    resolved = _times(issues, "resolved_at")
    closed_any = np.where(np.isnan(resolved), _times(issues, "closed_at"), resolved)
    status = _column(issues, "status")
    done = ~np.isnan(reported) & ~np.isnan(closed_any) & (status != "escalated")
    close_days = time_to_close_days(issues)
    channel = _column(issues, "channel")
    hotline_done = done & (channel == "hotline")
    return {
        "registered_share": float(last["registered_share"]),
        "rider_online_hours": float(np.nanmean(_column(daily, "rider_online_hours"))),
        "rider_orders": float(np.nanmean(_column(daily, "rider_orders"))),
        "rider_km": float(np.nanmean(_column(daily, "rider_km"))),
        "rider_monthly_turnover": float(rider_leavers / max(riders, 1) / (max(days - 1, 1) / 30.0)),
        "no_insurance_share": float(1.0 - last["insured_share"]),
        "reports_per_enrolled_worker_year": float(registered_reports / registered_years)
        if registered_years > 0
        else float("nan"),
        "repeat_report_lift": repeat_report_lift(reports, issues, days * 24.0),
        "one_time_reporter_share": float(np.mean(per_resident == 1))
        if len(per_resident)
        else float("nan"),
        "median_days_to_close": float(np.median(close_days)) if len(close_days) else float("nan"),
        "share_closed_within_7_days": float(np.mean(close_days <= 7.0))
        if len(close_days)
        else float("nan"),
        "hotline_resolution_rate": float(np.mean(status[hotline_done] == "resolved"))
        if hotline_done.any()
        else float("nan"),
        "satisfaction_rate": float(output.outcomes["satisfaction_rate"]),
    }


# --------------------------------------------------------------------------- the table


def _measure_run(args: tuple[dict[str, Any], int, int]) -> dict[str, float]:
    """Run one seed of a resolved configuration and measure it (top level: picklable)."""
    from model.sim.model import run_model

    data, seed, days = args
    config = ScenarioConfig.model_validate(data)
    return measure(run_model(config, seed=seed, days=days), days)


def measure_seeds(
    config: ScenarioConfig, seeds: list[int], days: int, workers: int | None = None
) -> list[dict[str, float]]:
    """Measure every target for each seed, in parallel processes (spawn-safe).

    Args:
        config: the scenario to measure (normally the baseline).
        seeds: run seeds.
        days: horizon, days.
        workers: processes (default: one per core; 1 runs in this process).

    Returns:
        One measurement dict per seed, in seed order.
    """
    jobs = [(config.resolved(), int(seed), days) for seed in seeds]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) == 1:
        return [_measure_run(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(_measure_run, jobs))


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


def format_table(rows: list[TableRow]) -> str:
    """The calibration table as aligned text: target | band | mean [95 % CI] | inside."""

    def num(x: float) -> str:
        return "n/a" if not math.isfinite(x) else f"{x:.3g}"

    lines = [
        f"{'target':34s} {'band':>14s}  {'simulated mean [95% CI]':>30s}  inside",
        f"{'-' * 34} {'-' * 14}  {'-' * 30}  ------",
    ]
    for row in rows:
        t = row.target
        band = f"[{t.low:g}, {t.high:g}]"
        sim = f"{num(row.mean)} [{num(row.ci_low)}, {num(row.ci_high)}]"
        lines.append(f"{t.name:34s} {band:>14s}  {sim:>30s}  {'yes' if row.inside else 'NO'}")
    inside = sum(r.inside for r in rows)
    lines.append(f"{inside} of {len(rows)} targets inside their band ({rows[0].n} replications)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the fit

FREE_PARAMETERS: dict[str, tuple[float, float]] = {
    "behaviour.worker_intercept": (-9.0, -6.0),
    "behaviour.resident_intercept": (-7.0, -4.5),
    "behaviour.trust": (0.5, 4.0),
    "residents.propensity_concentration": (0.4, 3.0),
    "workers.registration_daily_hazard": (0.00002, 0.0003),
}
"""Parameters the fit searches, with their ranges. Everything else is sourced or assumed."""


def loss(rows: list[TableRow]) -> float:
    """How far the simulated means are from their targets, in band widths.

    Per target: the squared distance from the band's centre, plus ten times the squared
    distance outside the band, both in band widths; an undefined mean adds 10. Inside the
    band the centre term prefers central fits; outside it the penalty dominates.
    """
    total = 0.0
    for row in rows:
        t = row.target
        width = max(t.high - t.low, 1e-12)
        if not math.isfinite(row.mean):
            total += 10.0
            continue
        total += ((row.mean - (t.low + t.high) / 2) / width) ** 2
        outside = max(t.low - row.mean, row.mean - t.high, 0.0)
        total += 10.0 * (outside / width) ** 2
    return total


def _evaluate(point: dict[str, float], seeds: list[int], days: int, workers: int | None):
    config = build_config({}, [f"{k}={v!r}" for k, v in point.items()], source="fit")
    rows = summarise(measure_seeds(config, seeds, days, workers))
    return loss(rows), rows


def fit(
    points: int = 24,
    rounds: int = 2,
    seeds: int = 2,
    days: int = 365,
    fit_seed: int = 20260121,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Search the free parameters against the targets (documented procedure).

    Round 1 draws ``points`` Latin-hypercube points over :data:`FREE_PARAMETERS`; each is
    run over ``seeds`` seeds for ``days`` days and scored with :func:`loss` on the
    replication means. Each further round draws ``points`` new points in a box a third as
    wide around the best point so far (clipped to the ranges). The best point wins; ties go
    to the earlier point. Deterministic for a given ``fit_seed``.

    Returns:
        ``{"best": {...}, "loss": float, "evaluations": [...], "settings": {...}}``.
    """
    names = list(FREE_PARAMETERS)
    low = np.array([FREE_PARAMETERS[n][0] for n in names])
    high = np.array([FREE_PARAMETERS[n][1] for n in names])
    sampler = qmc.LatinHypercube(d=len(names), seed=fit_seed)
    seed_list = list(range(seeds))
    evaluations: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    box_low, box_high = low.copy(), high.copy()
    for round_index in range(rounds):
        unit = sampler.random(points)
        for i, u in enumerate(unit):
            values = box_low + u * (box_high - box_low)
            point = {n: float(f"{v:.6g}") for n, v in zip(names, values, strict=True)}
            score, rows = _evaluate(point, seed_list, days, workers)
            record = {
                "round": round_index,
                "point": point,
                "loss": score,
                "means": {r.target.name: r.mean for r in rows},
            }
            evaluations.append(record)
            if best is None or score < best["loss"]:
                best = record
            if progress:
                print(f"round {round_index + 1} point {i + 1}/{points}: loss {score:.4f}"
                      f" (best {best['loss']:.4f})", flush=True)  # fmt: skip
        centre = np.array([best["point"][n] for n in names])
        half = (box_high - box_low) / 6.0
        box_low, box_high = np.maximum(low, centre - half), np.minimum(high, centre + half)
    assert best is not None
    return {
        "best": best["point"],
        "loss": best["loss"],
        "settings": {
            "points": points,
            "rounds": rounds,
            "seeds": seeds,
            "days": days,
            "fit_seed": fit_seed,
            "free_parameters": {k: list(v) for k, v in FREE_PARAMETERS.items()},
        },
        "evaluations": evaluations,
    }


def save_fit(result: dict[str, Any], path: Path = FIT_FILE) -> None:
    """Write a fit result as JSON (atomically)."""
    from model.store import atomic_write_json

    atomic_write_json(path, result)


def load_fit(path: Path = FIT_FILE) -> dict[str, Any]:
    """Read the stored fit result."""
    return json.loads(Path(path).read_text(encoding="utf-8"))

"""Writing synthetic results folders: run outcomes, daily series, run table and manifest."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config.codes import OBSERVERS
from model.outcomes.contract import FIX_WINDOW_HOURS
from model.outcomes.survival import median_time
from model.reporting import issue_outcomes as io
from model.reporting import registry
from model.reporting.measures import DAYS_PER_YEAR
from model.reporting.synthetic import story
from model.reporting.synthetic.story import ArmEffect
from model.reporting.synthetic.worlds import write_worlds_results

STAFF_YUAN_PER_REPORT = 50.0


def run_outcomes(
    issues: pd.DataFrame,
    worker_summary: Mapping[str, float],
    arm: ArmEffect,
    days: int,
    warmup: int,
) -> dict[str, float]:
    """Every registry outcome of one synthetic run, from its issue log and worker months."""
    start, end = warmup * io.HOURS_PER_DAY, (warmup + days) * io.HOURS_PER_DAY
    window = io.in_window(issues, start, end)
    n = len(window)
    measured = float(days)
    opened = window["opened_at"].to_numpy(float)
    reported = window["reported_at"].to_numpy(float)
    resolved = window["resolved_at"].to_numpy(float)
    is_reported = np.isfinite(reported)
    to_report = np.where(is_reported, reported, end) - opened
    fixed_hours = (resolved - opened)[np.isfinite(resolved)]
    types = window["type"].map({t: i for i, t in enumerate(story.ISSUE_TYPES)}).to_numpy()
    incident = window["incident_at"].to_numpy(float) <= end
    harm = float(story.TYPE_HARM_YUAN[types][incident].sum())
    citizen = is_reported & (window["first_reporter_kind"].to_numpy() != "staff")
    told = np.isfinite(window["feedback_at"].to_numpy(float))
    happy = (resolved - reported <= FIX_WINDOW_HOURS) & (told | (opened % 1.0 < 0.6))
    acknowledged = window["acknowledged_at"].to_numpy(float) - reported <= 24.0
    via = window["channel"].to_numpy()
    points = worker_summary["points_paid_yuan"]
    programme = arm.cost_yuan_per_year * measured / DAYS_PER_YEAR + points
    public = base_cost(measured) + programme + STAFF_YUAN_PER_REPORT * is_reported.sum()
    values = {
        "fixed_within_7d_share": io.fixed_within_7d_share(issues, start, end),
        "median_hours_to_fix": io.median_hours_to_fix(issues, start, end),
        "incidents_total": float(incident.sum()),
        "incident_share": float(incident.mean()) if n else math.nan,
        "harm_yuan": harm,
        "satisfaction_rate": float(happy[citizen].mean()) if citizen.any() else math.nan,
        "public_cost_yuan": float(public),
        "issues_total": float(n),
        "measured_days": measured,
        "detected_share": float(np.isfinite(window["first_detected_at"].to_numpy(float)).mean()),
        "reported_share": float(is_reported.mean()),
        "resolved_share": float(np.isfinite(resolved).mean()),
        "response_rate": float(acknowledged[is_reported].mean()),
        **{
            f"response_rate_{channel}": float(acknowledged[is_reported & (via == channel)].mean())
            if (is_reported & (via == channel)).any()
            else math.nan
            for channel in story.WORKER_CHANNELS
        },
        "response_rate_auto": 1.0,
        "median_hours_to_report": median_time(to_report, is_reported).median,
        "median_hours_to_fix_among_fixed": float(np.median(fixed_hours)),
        "program_cost_yuan": float(programme),
        "forgone_revenue_yuan": 0.0,
        "points_budget_exhausted_share": 0.0,
        **first_reports(window, is_reported),
        "net_social_cost_yuan": float(public + harm),
        **worker_summary,
    }
    return {name: float(values[name]) for name in registry.outcome_names()}


def first_reports(window: pd.DataFrame, is_reported: np.ndarray) -> dict[str, float]:
    """Share of first reports and median hours from noticing to report, by reporter kind."""
    kinds = window["first_reporter_kind"].to_numpy()
    noticed_column = (
        "first_reporter_noticed_at"
        if "first_reporter_noticed_at" in window
        else "first_detected_at"
    )
    delay = window["reported_at"].to_numpy(float) - window[noticed_column].to_numpy(float)
    out: dict[str, float] = {}
    for kind in OBSERVERS:
        mine = is_reported & (kinds == kind)
        out[f"first_report_share_{kind}"] = (
            float(mine.sum() / is_reported.sum()) if is_reported.any() else math.nan
        )
        out[f"median_hours_detection_to_report_{kind}"] = (
            float(np.median(delay[mine])) if mine.any() else math.nan
        )
    return out


def base_cost(measured_days: float) -> float:
    """Status-quo spending over the window (yuan)."""
    return story.BASE_COST_PER_YEAR * measured_days / DAYS_PER_YEAR


def daily_series(
    issues: pd.DataFrame,
    workers: pd.DataFrame,
    outcomes: Mapping[str, float],
    days: int,
    warmup_days: int,
) -> pd.DataFrame:
    """Daily series of one run, warm-up included (counts per day; ``*_to_date`` accumulate)."""

    def per_day(times: pd.Series) -> np.ndarray:
        values = times.to_numpy(float)
        day = np.floor(values[np.isfinite(values)] / io.HOURS_PER_DAY).astype(int)
        return np.bincount(day[day < days], minlength=days)

    ended = issues[["resolved_at", "closed_at"]].min(axis=1)
    opened = per_day(issues["opened_at"])
    open_issues = np.cumsum(opened) - np.cumsum(per_day(ended))
    table = {"day": np.arange(days, dtype=np.int64), "new_issues": opened}
    table["measured"] = np.arange(days) >= warmup_days
    table["open_issues"] = open_issues
    table["detections"] = per_day(issues["first_detected_at"])
    for channel in (*story.WORKER_CHANNELS, "staff_patrol"):
        table[f"reports_{channel}"] = per_day(
            issues["reported_at"].where(issues["channel"] == channel)
        )
    table["reports_total"] = per_day(issues["reported_at"])
    table["resolutions"] = per_day(issues["resolved_at"])
    table["incidents"] = per_day(issues["incident_at"])
    day_index = np.arange(days)
    present = (workers["day_entered"].to_numpy()[:, None] <= day_index) & (
        workers["day_left"].fillna(days).to_numpy(float)[:, None] > day_index
    )
    table["workforce"] = present.sum(axis=0)
    measured = outcomes["measured_days"]
    table["cost_to_date_yuan"] = (day_index + 1) * outcomes["public_cost_yuan"] / measured
    table["harm_to_date_yuan"] = np.cumsum(table["incidents"]) * (
        outcomes["harm_yuan"] / max(outcomes["incidents_total"], 1.0)
    )
    ramp = 1.0 - np.exp(-day_index / 20.0)
    table["mean_belonging"] = 0.3 + (outcomes["mean_belonging"] - 0.3) * ramp
    table["mean_worker_trust"] = 0.35 + 0.3 * outcomes["satisfaction_rate"] * ramp
    return pd.DataFrame(table)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_results(
    folder: Path | str,
    arms: Mapping[str, ArmEffect],
    *,
    experiment: str = "synthetic",
    reference: str | None = None,
    replicates: int = 6,
    days: int = 85,
    warmup_days: int = 15,
    issues_per_day: float = 5.0,
    base_seed: int = 20260121,
    failed: Collection[tuple[str, int]] = (),
    factorial: bool = False,
) -> Path:
    """Write a synthetic results folder.

    Args:
        folder: where to write (created).
        arms: arm name -> planted effect, in experiment order.
        experiment: experiment name.
        reference: reference arm (default the first).
        replicates: replications per arm.
        days: measured days of each run, after the warm-up (as an experiment's ``days``).
        warmup_days: days simulated before the measurement window (each run simulates
            ``warmup_days + days`` days; recorded as the arms' ``warmup_days``).
        issues_per_day: mean issue arrivals per day.
        base_seed: seed of every random stream (replicate *r* uses ``[base_seed, r]``).
        failed: ``(arm, replicate)`` runs to record as failed (no outcomes, no tables).
        factorial: record each arm's lever values as factorial ``levels`` in the manifest.

    Returns:
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    reference = reference or next(iter(arms))
    total = warmup_days + days
    lever_keys = list(dict.fromkeys(key for arm in arms.values() for key in arm.levers))
    rows, daily, issues, workers = [], [], [], []
    seeds = [
        int(np.random.SeedSequence([base_seed, r]).generate_state(1)[0]) for r in range(replicates)
    ]
    for replicate in range(replicates):
        streams = np.random.SeedSequence([base_seed, replicate]).spawn(2)
        base, uniforms = story.arrivals(np.random.default_rng(streams[0]), total, issues_per_day)
        worker_u = np.random.default_rng(streams[1]).random((sum(story.KIND_COUNTS), 16))
        for arm_name, effect in arms.items():
            row = {
                "arm": arm_name,
                "replicate": replicate,
                "seed": seeds[replicate],
                "scenario": f"scenarios/{arm_name}.yaml",
            }
            row.update({key: effect.levers.get(key) for key in lever_keys})
            if (arm_name, replicate) in failed:
                row.update({name: math.nan for name in registry.outcome_names()})
                row.update(status="error", error="synthetic failure", wall_seconds=0.1)
                rows.append(row)
                continue
            log = story.issue_log(base, uniforms, effect, total)
            crew, summary = story.workers(worker_u, effect, total, warmup_days)
            outcomes = run_outcomes(log, summary, effect, days, warmup_days)
            row.update(outcomes, status="ok", error=None, wall_seconds=1.0)
            rows.append(row)
            key = {"arm": arm_name, "replicate": replicate}
            daily.append(daily_series(log, crew, outcomes, total, warmup_days).assign(**key))
            issues.append(log.assign(**key))
            workers.append(crew.assign(**key))
    for name, tables in (("daily", daily), ("issues", issues), ("workers", workers)):
        frame = pd.concat(tables, ignore_index=True)
        frame = frame[
            [
                "arm",
                "replicate",
                *[c for c in frame.columns if c not in ("arm", "replicate")],
            ]
        ]
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet", index=False)
    manifest = _manifest(
        experiment, arms, reference, days, warmup_days, seeds, rows, lever_keys, factorial
    )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def _manifest(
    experiment: str,
    arms: Mapping[str, ArmEffect],
    reference: str,
    days: int,
    warmup_days: int,
    seeds: list[int],
    rows: list[dict[str, Any]],
    lever_keys: list[str],
    factorial: bool,
) -> dict[str, Any]:
    ok = sum(1 for row in rows if row["status"] == "ok")
    return {
        "format": 1,
        "experiment": experiment,
        "description": f"synthetic {experiment} results with planted effects",
        "experiment_file": f"scenarios/experiments/{experiment}.yaml",
        "experiment_file_sha256": _sha(experiment),
        "reference": reference,
        "days": days,
        "keep_issue_logs": True,
        "lever_columns": lever_keys,
        "arms": [
            {
                "name": name,
                "scenario": f"scenarios/{name}.yaml",
                "levels": dict(effect.levers) if factorial else {},
                "config": {
                    "warmup_days": warmup_days,
                    "policies": {"points": {"yuan_per_point": effect.yuan_per_point}},
                },
            }
            for name, effect in arms.items()
        ],
        "seeds": seeds,
        "code_version": {
            "streetwise": "0.1.0",
            "git_commit": _sha("code")[:40],
            "git_dirty": False,
        },
        "versions": {
            "python": "3.12.1",
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "executor": {"kind": "synthetic", "workers": 1},
        "started_at": "2026-01-21T08:00:00+00:00",
        "finished_at": "2026-01-21T08:05:00+00:00",
        "sessions": [{"wall_seconds": 300.0, "runs_executed": len(rows)}],
        "replications": {
            "per_arm": len(seeds),
            "runs_ok": ok,
            "runs_failed": len(rows) - ok,
        },
        "synthetic": True,
    }


def make_standard_results(folder: Path | str, **options: Any) -> Path:
    """A standard-experiment-like folder: :data:`story.STANDARD_ARMS` against ``baseline``."""
    return write_results(folder, story.STANDARD_ARMS, experiment="standard", **options)


def make_factorial_results(folder: Path | str, **options: Any) -> Path:
    """A 2^3 factorial folder (posts x points x mini-program) with a planted interaction."""
    return write_results(
        folder,
        story.factorial_arms(),
        experiment="factorial",
        factorial=True,
        **options,
    )


SENSITIVITY_PARAMETERS = {
    "service.department_capacity": (0.5, 1.5),
    "behaviour.report_propensity": (0.5, 1.5),
}
"""Sampled parameters of the synthetic sensitivity results (uniform ranges)."""


def make_sensitivity_results(
    folder: Path | str, *, n_worlds: int = 64, replicates: int = 2, base_seed: int = 7
) -> Path:
    """Runs of baseline, mini-program and integrated in a Latin hypercube of sampled worlds.

    Planted: the mini-program beats the status quo on problems fixed within a week only
    where department capacity is above 0.8; the integrated package wins everywhere. The
    folder has the layout of a worlds experiment (:mod:`model.reporting.synthetic.worlds`).
    """
    return write_worlds_results(
        folder,
        design="lhs",
        n=n_worlds,
        replicates=replicates,
        seed=base_seed,
        experiment="sensitivity",
        parameters=SENSITIVITY_PARAMETERS,
        gains={
            "baseline": lambda s: np.zeros(len(s)),
            "mini_program": lambda s: 0.1 * (s["service.department_capacity"].to_numpy() - 0.8),
            "integrated": lambda s: 0.05 + 0.02 * s["behaviour.report_propensity"].to_numpy(),
        },
    )

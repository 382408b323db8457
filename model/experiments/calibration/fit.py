"""The calibration fit: the documented, reproducible search that set the free parameters.

:func:`fit` draws a Latin hypercube over the ranges of :data:`FREE_PARAMETERS`, runs each
point over a few seeds, scores it by how far the simulated means fall from the bands
(:func:`loss`), then searches a narrower hypercube around the best point. Its result is
stored in ``scenarios/calibration/fit.json`` and the schema defaults (``model/config/``)
carry the fitted values (a test checks they agree). All runs go through one executor.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from model.config.loading import build_config
from model.config.paths import REPO_ROOT
from model.experiments.calibration.table import TableRow, measure_seeds, summarise
from model.experiments.executors import Executor, make_executor
from model.experiments.store import atomic_write_json

FIT_FILE = REPO_ROOT / "scenarios" / "calibration" / "fit.json"
"""Where the fit result is stored."""

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


def _evaluate(point: dict[str, float], seeds: list[int], days: int, executor: Executor):
    config = build_config({}, [f"{k}={v!r}" for k, v in point.items()], source="fit")
    rows = summarise(measure_seeds(config, seeds, days, executor=executor))
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
    executor = make_executor("serial" if workers == 1 else "process", workers)
    try:
        for round_index in range(rounds):
            best = _search_round(
                round_index,
                sampler.random(points),
                names,
                (box_low, box_high),
                seed_list,
                days,
                executor,
                evaluations,
                best,
                progress,
            )
            centre = np.array([best["point"][n] for n in names])
            half = (box_high - box_low) / 6.0
            box_low, box_high = np.maximum(low, centre - half), np.minimum(high, centre + half)
    finally:
        executor.close()
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


def _search_round(
    round_index: int,
    unit: np.ndarray,
    names: list[str],
    box: tuple[np.ndarray, np.ndarray],
    seeds: list[int],
    days: int,
    executor: Executor,
    evaluations: list[dict[str, Any]],
    best: dict[str, Any] | None,
    progress: bool,
) -> dict[str, Any]:
    """Evaluate one round's points (``unit``: the hypercube in [0, 1]); returns the best."""
    box_low, box_high = box
    for i, u in enumerate(unit):
        values = box_low + u * (box_high - box_low)
        point = {n: float(f"{v:.6g}") for n, v in zip(names, values, strict=True)}
        score, rows = _evaluate(point, seeds, days, executor)
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
            print(f"round {round_index + 1} point {i + 1}/{len(unit)}: loss {score:.4f}"
                  f" (best {best['loss']:.4f})", flush=True)  # fmt: skip
    assert best is not None
    return best


def save_fit(result: dict[str, Any], path: Path = FIT_FILE) -> None:
    """Write a fit result as JSON (atomically)."""
    atomic_write_json(path, result)


def load_fit(path: Path = FIT_FILE) -> dict[str, Any]:
    """Read the stored fit result."""
    return json.loads(Path(path).read_text(encoding="utf-8"))

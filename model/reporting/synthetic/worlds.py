"""Synthetic results of an experiment run in sampled worlds, with planted behaviour.

The folders have the files, columns and manifest of a real worlds experiment (see
:mod:`model.analysis.worlds`): one run per (policy, world, replicate) with ``arm`` =
``policy@wK``, the sampled parameters as columns, every outcome of the registry, and the
manifest's ``worlds`` entry (design, ranges, sample).

Planted (outcome levels in shares; :data:`WORLDS_PARAMETERS`):

- the status quo fixes ``0.5 + 0.2 (capacity - 1)`` of its problems within a week, plus
  ``0.05 (propensity - 1)``; ``behaviour.trust_learning_rate`` changes nothing;
- ``integrated`` adds ``0.25 (capacity - 0.8)``: it fails to beat the status quo exactly
  where departments' capacity is below 0.8 (a PRIM box ``capacity <= 0.8``), on problems
  fixed within a week and on incidents (which follow the unfixed share);
- ``mini_program`` adds ``0.04`` everywhere (it always wins).

Replicate noise is common to every policy of a world and replicate (common random numbers),
so paired effects are exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis.sensitivity import latin_hypercube, morris_sample, sobol_sample
from model.reporting import registry

WORLDS_PARAMETERS: dict[str, tuple[float, float]] = {
    "service.department_capacity": (0.5, 1.5),
    "behaviour.report_propensity": (0.5, 1.5),
    "behaviour.trust_learning_rate": (0.01, 0.1),
}
"""Sampled parameters of the synthetic worlds (uniform ranges)."""

FAILURE_CAPACITY = 0.8
"""The integrated package fails where ``service.department_capacity`` is below this."""

Gain = Callable[[pd.DataFrame], np.ndarray]
"""Sample -> extra share of problems fixed within a week, one value per world."""

PLANTED_GAINS: dict[str, Gain] = {
    "baseline": lambda s: np.zeros(len(s)),
    "mini_program": lambda s: np.full(len(s), 0.04),
    "integrated": lambda s: 0.25 * (s["service.department_capacity"].to_numpy() - FAILURE_CAPACITY),
}
"""Policies of the synthetic worlds and their planted gains."""

PROGRAMME_YUAN = {"baseline": 0.0, "mini_program": 60_000.0, "integrated": 400_000.0}
"""Programme cost of each policy over the window (yuan)."""

ISSUES, DAYS = 1800.0, 365


def design_sample(
    design: str, parameters: Mapping[str, tuple[float, float]], n: int, seed: int
) -> tuple[pd.DataFrame, dict]:
    """The sample of a design and the extra manifest keys it needs.

    Args:
        design: "lhs" (``n`` worlds), "morris" (``n`` trajectories) or "sobol" (base ``n``).
        parameters: ranges.
        n: size as the design counts it.
        seed: seed of the sample.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed]))
    if design == "lhs":
        return latin_hypercube(parameters, n, rng), {"num_levels": None}
    if design == "morris":
        return morris_sample(parameters, n, rng), {"num_levels": 4}
    if design == "sobol":
        return sobol_sample(parameters, n, rng), {"second_order": False}
    raise ValueError(f"unknown design {design!r}")


def outcomes_of(share: np.ndarray, policy: str, propensity: np.ndarray) -> dict[str, np.ndarray]:
    """Every registry outcome from the share fixed within a week (a simple planted world)."""
    incidents = 300.0 * (1.0 - share)
    participation = 0.10 + 0.05 * propensity + (0.08 if policy != "baseline" else 0.0)
    values = {
        "fixed_within_7d_share": share,
        "median_hours_to_fix": 200.0 - 150.0 * (share - 0.5),
        "incidents_total": incidents,
        "incident_share": incidents / ISSUES,
        "harm_yuan": 800.0 * incidents,
        "satisfaction_rate": 0.4 + 0.5 * share,
        "worker_participation_rate": participation,
        "worker_reports_per_100_worker_months": 50.0 * participation,
        "worker_monthly_turnover": np.full(len(share), 0.05),
        "public_cost_yuan": 1_000_000.0 + PROGRAMME_YUAN.get(policy, 100_000.0) + 0 * share,
        "issues_total": np.full(len(share), ISSUES),
        "measured_days": np.full(len(share), float(DAYS)),
    }
    filled = {name: np.full(len(share), np.nan) for name in registry.outcome_names()}
    filled.update({name: value for name, value in values.items()})
    return filled


def write_worlds_results(
    folder: Path | str,
    *,
    design: str = "lhs",
    n: int = 64,
    replicates: int = 2,
    seed: int = 14,
    experiment: str = "robustness",
    gains: Mapping[str, Gain] | None = None,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    wall_seconds: float = 5400.0,
) -> Path:
    """Write a synthetic worlds results folder (``runs.parquet`` and ``manifest.json``).

    Args:
        folder: the folder (created).
        design: "lhs", "morris" or "sobol".
        n: design size (worlds, trajectories or Sobol base).
        replicates: replicates per (policy, world).
        seed: seed of the sample and the noise.
        experiment: experiment name.
        gains: policy -> planted gain (default :data:`PLANTED_GAINS`; the first is the
            reference).
        parameters: ranges (default :data:`WORLDS_PARAMETERS`; must hold
            ``service.department_capacity`` and ``behaviour.report_propensity``).
        wall_seconds: recorded wall time of the experiment.

    Returns:
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gains = dict(gains or PLANTED_GAINS)
    parameters = dict(parameters or WORLDS_PARAMETERS)
    sample, extra = design_sample(design, parameters, n, seed)
    noise = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    capacity = sample["service.department_capacity"].to_numpy()
    propensity = sample["behaviour.report_propensity"].to_numpy()
    base = 0.5 + 0.2 * (capacity - 1.0) + 0.05 * (propensity - 1.0)
    frames = []
    for replicate in range(replicates):
        common = noise.normal(0.0, 0.003, len(sample))
        for policy, gain in gains.items():
            share = np.clip(base + gain(sample) + common, 0.0, 1.0)
            frame = sample.copy()
            frame.insert(0, "world", np.arange(len(sample)))
            frame.insert(0, "policy", policy)
            frame.insert(0, "arm", [f"{policy}@w{k:04d}" for k in range(len(sample))])
            frame["replicate"] = replicate
            frame["seed"] = 1000 * frame["world"] + replicate
            frame["status"] = "ok"
            frame["error"] = None
            for name, values in outcomes_of(share, policy, propensity).items():
                frame[name] = values
            frames.append(frame)
    runs = pd.concat(frames, ignore_index=True)
    runs.to_parquet(folder / "runs.parquet", index=False)
    policies = list(gains)
    manifest = {
        "experiment": experiment,
        "experiment_file": f"scenarios/experiments/{experiment}.yaml",
        "reference": policies[0],
        "days": DAYS,
        "arms": [{"name": policy} for policy in policies],
        "seeds": sorted({int(s) for s in runs["seed"]})[:10],
        "replications": {"runs_ok": len(runs), "runs_failed": 0},
        "executor": {"kind": "process", "workers": 2},
        "sessions": [  # as the runner writes them: wall time per session
            {
                "wall_seconds": wall_seconds,
                "executor": {"kind": "process", "workers": 2},
                "runs_executed": len(runs),
                "runs_failed": 0,
            }
        ],
        "worlds": {
            "design": design,
            "n": n,
            "seed": seed,
            "rows": len(sample),
            "uncertainties_file": "scenarios/uncertainties.yaml",
            "parameters": {key: list(bounds) for key, bounds in parameters.items()},
            "matrix": sample.to_numpy().tolist(),
            "policies": list(gains),
            **extra,
        },
        "synthetic": True,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def make_robustness_results(folder: Path | str, **options) -> Path:
    """A robustness folder: every policy in a Latin hypercube of 64 worlds."""
    return write_worlds_results(folder, **{"design": "lhs", "n": 64, **options})


def make_screening_results(folder: Path | str, **options) -> Path:
    """A screening folder: baseline and integrated along 10 Morris trajectories."""
    defaults = {
        "design": "morris",
        "n": 10,
        "experiment": "screening",
        "gains": {k: PLANTED_GAINS[k] for k in ("baseline", "integrated")},
        "wall_seconds": 1800.0,
    }
    return write_worlds_results(folder, **{**defaults, **options})

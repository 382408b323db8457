"""Provenance of experiment results: code and package versions, and the manifest.

``manifest.json`` records what the results depend on and how they were made: the experiment
file's hash, each arm's resolved configuration, the code version (git commit and a hash of
the ``model`` sources), package and Python versions, executor, cores, start and end times,
the sessions that ran, replication counts, the achieved precision of every paired
difference per arm and outcome, and the failures. An experiment with sampled worlds also
records each arm's ``policy`` and ``world`` and the ``worlds`` block
(:meth:`model.experiments.worlds.Worlds.manifest`: design, seed, ranges and the sample).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pandas as pd

from model.analysis.paired import paired_differences, precision_met
from model.config.paths import REPO_ROOT
from model.experiments.design import Experiment
from model.experiments.executors import available_cores, model_source_sha256
from model.outcomes.contract import OUTCOME_NAMES

MANIFEST_FORMAT = 1
"""Version of the results-directory layout, recorded in the manifest."""


def code_version() -> dict[str, Any]:
    """Package version and, when the package sits in a git checkout, commit and dirtiness."""
    from model import __version__

    info: dict[str, Any] = {
        "streetwise": __version__,
        "model_source_sha256": model_source_sha256(),
        "git_commit": None,
        "git_dirty": None,
    }
    if not (REPO_ROOT / ".git").exists():
        return info
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return info
    info["git_commit"] = commit or None
    info["git_dirty"] = bool(status.strip())
    return info


_PACKAGES = (
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "pyyaml",
    "scipy",
    "dask",
    "distributed",
)


def package_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages results depend on."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def utc_now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class SessionFacts:
    """What one session (one call of ``run_experiment``) did, for the manifest.

    Attributes:
        started_at: when the session started (UTC, ISO 8601).
        clock: ``time.perf_counter()`` at the start (for the session's wall seconds).
        code: :func:`code_version` at the start (what the workers import).
        keep_issue_logs: the folder keeps issue logs.
        executor: the executor's description (kind, workers, ...).
        runs_executed: runs this session executed.
        runs_failed: of those, the runs that failed.
    """

    started_at: str
    clock: float
    code: dict[str, Any]
    keep_issue_logs: bool
    executor: dict[str, Any]
    runs_executed: int = 0
    runs_failed: int = 0

    def manifest(
        self,
        exp: Experiment,
        previous: dict[str, Any] | None,
        records: dict[tuple[int, int], dict[str, Any]],
        planned: list[tuple[int, int]],
        complete: bool,
        digest: str | None,
        batches: Sequence[int] = (),
        differences: pd.DataFrame | None = None,
    ) -> dict[str, Any]:
        """The manifest of a results folder after this session.

        Args:
            exp: the experiment.
            previous: the folder's previous manifest (None for a new folder).
            records: the stored run records, keyed by (arm index, replicate).
            planned: the runs the design asks for now.
            complete: every planned run is stored.
            digest: hash of the consolidated results (None: nothing consolidated yet).
            batches: replications reached after each batch.
            differences: the last paired differences on the precision outcome, if any.
        """
        included = [records[k] for k in planned if k in records]
        n = max((r + 1 for _, r in planned), default=0)
        ok = Counter(rec["arm"] for rec in included if rec["status"] == "ok")
        failed = Counter(rec["arm"] for rec in included if rec["status"] != "ok")
        per_arm = {arm.name: {"ok": ok[arm.name], "failed": failed[arm.name]} for arm in exp.arms}
        finished_at = utc_now()
        sessions = list((previous or {}).get("sessions", []))
        if digest is not None:
            sessions.append(
                {
                    "started_at": self.started_at,
                    "finished_at": finished_at,
                    "wall_seconds": round(time.perf_counter() - self.clock, 3),
                    "executor": self.executor,
                    "runs_executed": self.runs_executed,
                    "runs_failed": self.runs_failed,
                }
            )
        spec = exp.spec
        manifest = {
            "format": MANIFEST_FORMAT,
            "experiment": exp.name,
            "description": spec.description,
            "experiment_file": exp.source,
            "experiment_file_sha256": exp.file_sha256,
            "fingerprint": exp.fingerprint,
            "identity": exp.identity,
            "complete": complete,
            "results_digest": digest,
            "days": exp.days,
            "base_seed": exp.base_seed,
            "reference": exp.reference.policy,
            "design": {
                "replications": spec.replications,
                "precision": spec.precision.model_dump() if spec.precision else None,
            },
            "keep_issue_logs": self.keep_issue_logs,
            "lever_columns": list(exp.lever_keys),
            "arms": [
                {
                    "name": arm.name,
                    "scenario": arm.scenario,
                    "scenario_file": arm.scenario_file,
                    "overrides": arm.overrides,
                    "levels": arm.levels,
                    "config_sha256": arm.config_sha256,
                    "config": arm.resolved,
                }
                for arm in exp.arms
            ],
            "seeds": [exp.seed(r) for r in range(n)],
            "code_version": self.code,
            "versions": package_versions(),
            "executor": self.executor,
            "machine": {
                "cores": os.cpu_count(),
                "available_cores": available_cores(),
                "platform": platform.platform(),
                "hostname": platform.node(),
            },
            "started_at": (previous or {}).get("started_at") or self.started_at,
            "finished_at": finished_at if digest is not None else None,
            "sessions": sessions,
            "replications": {
                "per_arm": n,
                "batches": list(batches),
                "runs_planned": len(planned),
                "runs_stored": len(included),
                "runs_ok": sum(v["ok"] for v in per_arm.values()),
                "runs_failed": sum(v["failed"] for v in per_arm.values()),
                "by_arm": per_arm,
            },
            "precision": achieved_precision(exp, included, differences),
            "failures": [
                {
                    "arm": rec["arm"],
                    "replicate": rec["replicate"],
                    "seed": rec["seed"],
                    "error": rec["error"],
                }
                for rec in included
                if rec["status"] != "ok"
            ],
        }
        if exp.worlds is not None:
            for entry, arm in zip(manifest["arms"], exp.arms, strict=True):
                entry["policy"], entry["world"] = arm.policy, arm.world
            manifest["worlds"] = exp.worlds.manifest()
        return manifest


def achieved_precision(
    exp: Experiment, included: list[dict[str, Any]], differences: pd.DataFrame | None
) -> dict[str, Any] | None:
    """The precision every arm's paired difference from the reference achieved, per outcome.

    Args:
        exp: the experiment.
        included: the run records of the planned runs.
        differences: the last paired differences on the precision outcome, if any.

    Returns:
        Confidence, reference and, per arm and outcome, pairs, difference and half-widths;
        with a precision target also whether it was met. None with no runs.
    """
    precision = exp.precision
    if not included:
        return None
    frame = pd.DataFrame(
        [
            {"arm": rec["arm"], "replicate": rec["replicate"], "status": rec["status"]}
            | {name: outcome_of(rec, name) for name in OUTCOME_NAMES}
            for rec in included
        ]
    )
    others = [a.name for a in exp.arms if a is not exp.reference]
    confidence = precision.confidence if precision else 0.95
    achieved: dict[str, dict[str, Any]] = {name: {} for name in others}
    for outcome in OUTCOME_NAMES:
        try:
            table = paired_differences(
                frame, outcome, exp.reference.name, arms=others, confidence=confidence
            )
        except KeyError:
            continue
        for row in table.to_dict("records"):
            achieved[row["arm"]][outcome] = {
                "n": int(row["n"]),
                "difference": _finite(row["difference"]),
                "half_width": _finite(row["half_width"]),
                "relative_half_width": _finite(row["relative_half_width"]),
            }
    result: dict[str, Any] = {"confidence": confidence, "reference": exp.reference.name}
    if precision is not None:
        target = precision.outcome
        worst = max(
            (
                achieved[a][target]["relative_half_width"]
                if achieved[a].get(target, {}).get("relative_half_width") is not None
                else math.inf
                for a in others
            ),
            default=math.inf,
        )
        result |= {
            "outcome": target,
            "target_relative_half_width": precision.relative_half_width,
            "achieved_relative_half_width": _finite(worst),
            "met": bool(
                differences is not None
                and precision_met(differences, precision.relative_half_width)
            ),
        }
    result["achieved"] = achieved
    return result


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def outcome_of(record: dict[str, Any], name: str) -> float:
    """An outcome of a stored run record (NaN when missing or undefined)."""
    value = (record.get("outcomes") or {}).get(name)
    return math.nan if value is None else float(value)

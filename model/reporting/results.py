"""Reading an experiment's results folder: the run, daily, issue and worker tables, manifest.

A results folder holds ``runs.parquet`` (one row per run), ``daily.parquet`` (daily series
per run), ``issues.parquet`` (issue logs, kept with ``--keep-issue-logs``),
``workers.parquet`` (one row per worker and run) and ``manifest.json`` (provenance). Only
the run table and the manifest are required; a report section that needs a missing table
says so instead of failing.

Every problem with a folder is a :class:`ResultsError` whose message is one line naming the
file and the key.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.config.paths import REPO_ROOT
from model.reporting import registry
from model.reporting.issue_outcomes import ISSUE_FIELDS

HOURS_PER_DAY = 24.0

RUN_COLUMNS = ("arm", "replicate", "seed", "status", "measured_days")
DAILY_COLUMNS = ("arm", "replicate", "day")
ISSUE_COLUMNS = tuple(
    dict.fromkeys(
        (
            "arm", "replicate", "issue_id", "type", "community", "x", "y", "opened_at",
            "first_detected_at", "reported_at", "resolved_at", "feedback_at", "closed_at",
            "status", *ISSUE_FIELDS,
        )
    )
)  # fmt: skip
WORKER_COLUMNS = (
    "arm", "replicate", "worker_id", "kind", "day_entered", "day_left", "days_online",
    "points", "honours", "registered", "post", "insured",
)  # fmt: skip
MANIFEST_KEYS = ("experiment", "reference", "days")


class ResultsError(ValueError):
    """A results folder is missing a file, a column or a manifest key."""


def _read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise ResultsError(f"{path}: not a readable Parquet file ({error})") from None
    for column in required:
        if column not in table.columns:
            raise ResultsError(f"{path}: missing column {column!r}")
    # the model stores names (issue type, status, channel, kind) dictionary-encoded; plain
    # values group and compare like any column (missing values stay missing)
    for column in table.select_dtypes("category").columns:
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return table


@dataclass(frozen=True)
class Results:
    """The tables and manifest of one results folder.

    Attributes:
        folder: the results folder.
        runs: one row per run (arm, replicate, seed, levers, outcomes, status).
        manifest: the provenance record (``manifest.json``).
        daily: daily series per run, or None when absent.
        issues: issue logs, or None when absent.
        workers: one row per worker and run, or None when absent.
    """

    folder: Path
    runs: pd.DataFrame
    manifest: dict[str, Any]
    daily: pd.DataFrame | None = None
    issues: pd.DataFrame | None = None
    workers: pd.DataFrame | None = None

    @property
    def experiment(self) -> str:
        """Experiment name."""
        return str(self.manifest["experiment"])

    @property
    def reference(self) -> str:
        """The reference arm (status quo)."""
        return str(self.manifest["reference"])

    @property
    def arms(self) -> list[str]:
        """Arms in experiment order (manifest order, else order of first appearance)."""
        listed = [arm["name"] for arm in self.manifest.get("arms", []) if "name" in arm]
        present = list(dict.fromkeys(self.runs["arm"]))
        return [arm for arm in listed if arm in present] or present

    @property
    def ok_runs(self) -> pd.DataFrame:
        """Runs whose status is "ok"."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def days(self) -> int:
        """Measured days of every run (the experiment's horizon, after the warm-up)."""
        return int(self.manifest["days"])

    @property
    def measured_days(self) -> float:
        """Days in the measurement window (median over successful runs)."""
        return float(self.ok_runs["measured_days"].median())

    @property
    def warmup_days(self) -> float:
        """Days simulated before the measurement window (the reference arm's ``warmup_days``)."""
        try:
            return float(self.arm_setting(self.reference, "warmup_days", 0) or 0)
        except KeyError:  # a manifest without arm configurations
            return 0.0

    @property
    def window_hours(self) -> tuple[float, float]:
        """Measurement window ``(start, end)`` in hours since the start of each run.

        Each run simulates ``warmup_days + days`` days; times in the tables count from the
        start of the warm-up.
        """
        start = self.warmup_days * HOURS_PER_DAY
        return start, start + self.measured_days * HOURS_PER_DAY

    @property
    def lever_columns(self) -> list[str]:
        """Lever columns of the run table (dotted keys)."""
        return [c for c in self.manifest.get("lever_columns", []) if c in self.runs.columns]

    def combinations(self) -> dict[str, list[str]]:
        """The measures each arm of a factorial experiment switches on (empty otherwise).

        A factorial arm records its lever levels in the manifest (``levels``); the first
        factorial arm has every lever at its first level (the design enumerates the levels
        in order), so a lever is "on" in an arm where its level differs from that arm's.

        Returns:
            Arm name -> factor keys switched on, in manifest order.
        """
        arms = [arm for arm in self.manifest.get("arms", []) if arm.get("levels")]
        if not arms:
            return {}
        first = arms[0]["levels"]
        return {
            arm["name"]: [key for key, value in arm["levels"].items() if value != first.get(key)]
            for arm in arms
        }

    def arm_setting(self, arm: str, key: str, default: Any = None) -> Any:
        """A setting of an arm's resolved configuration by dotted key (``default`` if absent).

        Raises:
            KeyError: the manifest lists no such arm.
        """
        for entry in self.manifest.get("arms", []):
            if entry.get("name") == arm:
                node: Any = entry.get("config") or {}
                for part in key.split("."):
                    if not isinstance(node, dict) or part not in node:
                        return default
                    node = node[part]
                return node
        raise KeyError(f"manifest lists no arm {arm!r}")


def factor_columns(results: Results) -> dict[str, str]:
    """The factors of a factorial experiment and the run-table column coding each.

    A factor is a key of the arms' ``levels`` in the manifest. A factor whose levels are
    blocks of settings (``policies.stations: {count, upgraded}``) has one column per leaf,
    all varying together; the first leaf column with two values codes it.

    Returns:
        Factor key -> lever column, in manifest order.

    Raises:
        ResultsError: the manifest records no factorial levels, or a factor has no
            two-valued column.
    """
    keys = dict.fromkeys(
        key for arm in results.manifest.get("arms", []) for key in (arm.get("levels") or {})
    )
    if not keys:
        raise ResultsError(
            f"{results.folder / 'manifest.json'}: arms have no 'levels'; not a factorial experiment"
        )
    columns = {}
    for key in keys:
        candidates = [key] if key in results.runs.columns else []
        candidates += [c for c in results.lever_columns if c.startswith(f"{key}.")]
        usable = [c for c in candidates if results.runs[c].nunique(dropna=False) == 2]
        if not usable:
            raise ResultsError(
                f"{results.folder / 'runs.parquet'}: no two-valued column for factor {key!r}"
            )
        columns[key] = usable[0]
    return columns


def resolve_folder(folder: Path | str) -> Path:
    """A results folder as given, or relative to the repository when it is not found here.

    Notebooks opened in JupyterLab run in ``notebooks/``; their default ``results`` parameter
    (``results/standard``) names a folder of the repository.
    """
    path = Path(folder)
    if path.is_absolute() or path.exists():
        return path
    in_repository = REPO_ROOT / path
    return in_repository if in_repository.exists() else path


def load_results(folder: Path | str) -> Results:
    """Read a results folder.

    Args:
        folder: the folder holding ``runs.parquet`` and ``manifest.json`` (and optionally
            ``daily.parquet``, ``issues.parquet``, ``workers.parquet``).

    Returns:
        The tables and manifest.

    Raises:
        ResultsError: the folder, a required file, column or manifest key is missing, or
            the reference arm has no runs.
    """
    folder = resolve_folder(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: results folder not found")
    manifest = read_manifest(folder / "manifest.json")
    runs_path = folder / "runs.parquet"
    if not runs_path.is_file():
        raise ResultsError(f"{runs_path}: file not found")
    runs = _read_table(runs_path, RUN_COLUMNS)
    for outcome in registry.headline_outcomes():
        if outcome not in runs.columns:
            raise ResultsError(f"{runs_path}: missing outcome column {outcome!r}")
    if manifest["reference"] not in set(runs["arm"]):
        raise ResultsError(f"{runs_path}: no runs of the reference arm {manifest['reference']!r}")
    optional = {}
    for name, required in (
        ("daily", DAILY_COLUMNS),
        ("issues", ISSUE_COLUMNS),
        ("workers", WORKER_COLUMNS),
    ):
        path = folder / f"{name}.parquet"
        optional[name] = _read_table(path, required) if path.is_file() else None
    return Results(folder=folder, runs=runs, manifest=manifest, **optional)


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and check ``manifest.json``.

    Raises:
        ResultsError: the file is missing, not JSON, or lacks a required key.
    """
    if not path.is_file():
        raise ResultsError(f"{path}: file not found")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path}: not valid JSON (line {error.lineno})") from None
    if not isinstance(manifest, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    for key in MANIFEST_KEYS:
        if key not in manifest:
            raise ResultsError(f"{path}: missing key {key!r}")
    return manifest


WORLDS_RUN_COLUMNS = ("arm", "policy", "world", "replicate", "seed", "status")
"""Columns every run table of a worlds experiment has (besides parameters and outcomes)."""


@dataclass(frozen=True)
class SensitivityResults:
    """Runs of every policy in many sampled worlds (uncertain parameters drawn per world).

    Attributes:
        folder: the results folder.
        runs: one row per (policy, world, replicate) with the parameter and outcome columns;
            ``arm`` is the policy's listed name (the run's internal name ``policy@wK`` is
            kept as ``run_arm``).
        parameters: parameter column -> (low, high) range it was sampled from.
        reference: the reference policy.
        manifest: the provenance record (its ``worlds`` entry describes the design).
    """

    folder: Path
    runs: pd.DataFrame
    parameters: dict[str, tuple[float, float]]
    reference: str
    manifest: dict[str, Any]

    @property
    def design(self) -> str:
        """The design of the worlds: "lhs", "morris" or "sobol"."""
        return str(self.manifest["worlds"]["design"])

    @property
    def policies(self) -> list[str]:
        """Policies in experiment order (manifest order, else order of first appearance)."""
        listed = [arm["name"] for arm in self.manifest.get("arms", []) if "name" in arm]
        present = list(dict.fromkeys(self.runs["policy"]))
        return [p for p in listed if p in present] or present


def load_sensitivity(folder: Path | str) -> SensitivityResults:
    """Read the results folder of an experiment run in sampled worlds.

    The manifest's ``worlds`` entry names the design and the sampled parameters
    (``parameters``: ``{column: [low, high]}``); the run table has ``policy`` and ``world``
    besides the usual columns (see :mod:`model.analysis.worlds`).

    Raises:
        ResultsError: the folder, a file, column or manifest key is missing, or the
            reference policy has no runs.
    """
    folder = resolve_folder(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: results folder not found")
    manifest = read_manifest(folder / "manifest.json")
    worlds = manifest.get("worlds")
    if not isinstance(worlds, dict) or not worlds.get("parameters"):
        raise ResultsError(
            f"{folder / 'manifest.json'}: missing key 'worlds.parameters' "
            "(not an experiment in sampled worlds)"
        )
    parameters = {
        name: (float(bounds[0]), float(bounds[1])) for name, bounds in worlds["parameters"].items()
    }
    runs_path = folder / "runs.parquet"
    if not runs_path.is_file():
        raise ResultsError(f"{runs_path}: file not found")
    runs = _read_table(runs_path, (*WORLDS_RUN_COLUMNS, *parameters))
    for outcome in registry.headline_outcomes():
        if outcome not in runs.columns:
            raise ResultsError(f"{runs_path}: missing outcome column {outcome!r}")
    reference = str(manifest["reference"])
    if reference not in set(runs["policy"]):
        raise ResultsError(f"{runs_path}: no runs of the reference policy {reference!r}")
    runs = runs.rename(columns={"arm": "run_arm"})
    runs.insert(0, "arm", runs["policy"])
    return SensitivityResults(folder, runs, parameters, reference, manifest)


def provenance(manifest: dict[str, Any]) -> dict[str, Any]:
    """Language-free provenance summary of a manifest (missing entries are None).

    Returns:
        ``experiment``, ``experiment_file``, ``experiment_sha256``, ``streetwise_version``,
        ``git_commit``, ``git_dirty``, ``packages`` (name -> version), ``seeds`` (list),
        ``runs_ok``, ``runs_failed``, ``executor`` (one line), ``wall_seconds``,
        ``started_at``, ``finished_at``.
    """
    code = manifest.get("code_version") or {}
    replications = manifest.get("replications") or {}
    sessions = manifest.get("sessions") or []
    wall = manifest.get("wall_seconds")
    if wall is None and sessions:
        wall = sum(float(s.get("wall_seconds") or 0.0) for s in sessions)
    return {
        "experiment": manifest.get("experiment"),
        "experiment_file": manifest.get("experiment_file"),
        "experiment_sha256": manifest.get("experiment_file_sha256"),
        "streetwise_version": code.get("streetwise"),
        "git_commit": code.get("git_commit"),
        "git_dirty": code.get("git_dirty"),
        "packages": dict(manifest.get("versions") or {}),
        "seeds": list(manifest.get("seeds") or []),
        "runs_ok": replications.get("runs_ok"),
        "runs_failed": replications.get("runs_failed"),
        "executor": _executor_text(manifest.get("executor")),
        "wall_seconds": None if wall is None or not math.isfinite(float(wall)) else float(wall),
        "started_at": manifest.get("started_at"),
        "finished_at": manifest.get("finished_at"),
    }


def code_version_text(manifest: dict[str, Any]) -> str:
    """One-line code version in git-describe style: ``0.1.0 (a1b2c3d)`` or ``(a1b2c3d-dirty)``.

    Returns "?" when the manifest records no version.
    """
    code = manifest.get("code_version") or {}
    text = str(code.get("streetwise") or "?")
    if code.get("git_commit"):
        dirty = "-dirty" if code.get("git_dirty") else ""
        text += f" ({str(code['git_commit'])[:7]}{dirty})"
    return text


def _executor_text(executor: Any) -> str | None:
    if executor is None:
        return None
    if isinstance(executor, dict):
        return ", ".join(f"{key}={value}" for key, value in executor.items())
    return str(executor)

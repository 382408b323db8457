"""Experiments: policy arms x replications with common random numbers, resumable.

An experiment file (YAML, usually under ``scenarios/experiments/``) names the arms to
compare, each a scenario file plus optional overrides, or generates them from a full
factorial design; the horizon; the base seed; and either a fixed number of replications or a
precision target. Replicate *i* of every arm runs with the same seed,
``replicate_seed(base_seed, i)``, so arms see the same issue arrivals (common random numbers,
CRN) and the paired differences between arms are policy, not luck.

Results directory (default ``results/<experiment name>/``):

- ``runs/aAAA/rRRRRR.json`` (+ ``.daily.parquet``, ``.issues.parquet``): one set per run,
  written atomically as the run finishes; the JSON file is written last and marks the run
  as done. A killed experiment loses at most the runs that were in flight.
- ``runs.parquet``: one row per run, ordered by arm (file order) then replicate: ``arm``,
  ``replicate``, ``seed``, ``scenario``, one column per lever, every outcome, ``status``
  (``ok`` | ``error``), ``error`` (one line, null when ok) and ``wall_seconds``. A lever
  column is named by its dotted key (``policies.points.enabled``) and exists for every key
  overridden by some arm or varied by the factorial design (the experiment-wide
  ``overrides`` are constant and get no column); its value is the arm's *resolved* value
  (so the status-quo arm shows ``false`` where another arm sets ``true``). ``wall_seconds``
  is the only column that depends on the machine: compare tables without it.
- ``daily.parquet``: ``arm``, ``replicate`` and the daily series of every successful run.
- ``issues.parquet``: the issue logs, with ``--keep-issue-logs`` only.
- ``manifest.json``: provenance (experiment file hash, resolved configuration of each arm,
  code version, package and Python versions, executor, cores, times, replication counts,
  achieved precision, failures).

The consolidated tables are rebuilt from the per-run files whenever a session ran something
(or they are missing), so an interrupted and resumed experiment ends with the same tables as
an uninterrupted one. Running a finished experiment again does nothing and rewrites nothing.
A directory holding a different experiment (other horizon, base seed, arms or arm
configurations) is refused; changing only the replications or the precision target is
allowed, and reuses every finished run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.analysis import (
    next_replications,
    paired_differences,
    precision_met,
    worst_relative_half_width,
)
from model.config.errors import ConfigError, format_validation_error
from model.config.loading import build_config, parse_value, read_yaml, set_dotted
from model.config.scenario import ScenarioConfig
from model.executors import (
    EXECUTORS,
    Executor,
    RunResult,
    RunTask,
    make_executor,
    model_source_sha256,
)
from model.outcomes.contract import OUTCOME_NAMES
from model.sim.streams import replicate_seed
from model.store import (
    atomic_write_json,
    atomic_write_parquet,
    atomic_write_parquet_tables,
    check_writable_dir,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Folder holding the ``model`` package; scenario paths fall back to it."""

MANIFEST_FORMAT = 1
"""Version of the results-directory layout, recorded in the manifest."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY_PART = re.compile(r"^[^.=\s]+$")
_RESERVED_COLUMNS = frozenset(
    {"arm", "replicate", "seed", "scenario", "status", "error", "wall_seconds", *OUTCOME_NAMES}
)


# --------------------------------------------------------------------------- schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _overrides(value: Any) -> Any:
    """Normalise overrides: a mapping ``{dotted.key: value}`` or a list of ``key=value``."""
    if value is None:
        return {}
    if isinstance(value, list):
        result: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, str) or "=" not in item:
                raise ValueError(f"expected dotted.key=value strings, got {item!r}")
            key, _, raw = item.partition("=")
            result[key.strip()] = parse_value(raw)
        value = result
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or not all(_KEY_PART.match(p) for p in key.split(".")):
                raise ValueError(f"override key {key!r} is not a dotted.key")
            if key.split(".")[0] == "days":
                raise ValueError("days is the experiment's horizon, not an arm override")
    return value


class ArmSpec(_Strict):
    """One arm: a scenario file plus overrides."""

    name: str = Field(min_length=1, description="arm name, unique in the experiment")
    description: str = Field("", description="what the arm represents")
    scenario: str | None = Field(
        None, description="scenario file; default: the experiment's scenario"
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="dotted.key: value applied to the scenario"
    )

    _normalise = field_validator("overrides", mode="before")(_overrides)


class LeverSpec(_Strict):
    """One factor of a factorial design: a dotted key and its levels."""

    levels: list[Any] = Field(min_length=2, description="values the lever takes")
    label: str | None = Field(None, description="short name used in generated arm names")
    names: list[str] | None = Field(
        None, description="names of the levels in generated arm names (default from values)"
    )

    @field_validator("levels")
    @classmethod
    def _distinct(cls, levels: list[Any]) -> list[Any]:
        keys = [json.dumps(v, sort_keys=True, default=str) for v in levels]
        if len(set(keys)) != len(keys):
            raise ValueError("levels must be distinct")
        return levels

    @field_validator("label")
    @classmethod
    def _label(cls, label: str | None) -> str | None:
        if label is not None and not _NAME.match(label):
            raise ValueError("label must be letters, digits, '_', '.' or '-'")
        return label

    @model_validator(mode="after")
    def _names(self) -> LeverSpec:
        if self.names is None:
            return self
        if len(self.names) != len(self.levels):
            raise ValueError("names must give one name per level")
        if len(set(self.names)) != len(self.names) or not all(map(_NAME.match, self.names)):
            raise ValueError("names must be distinct letters, digits, '_', '.' or '-'")
        return self


class FactorialSpec(_Strict):
    """A full-factorial design: one arm per combination of lever levels."""

    scenario: str | None = Field(
        None, description="scenario file; default: the experiment's scenario"
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="dotted.key: value shared by the factorial arms"
    )
    levers: dict[str, LeverSpec] = Field(
        min_length=1, description="dotted.key: [levels] or {levels: [...], label: name}"
    )

    _normalise = field_validator("overrides", mode="before")(_overrides)

    @field_validator("levers", mode="before")
    @classmethod
    def _lever_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            _overrides({key: None for key in value})
            return {k: {"levels": v} if isinstance(v, list) else v for k, v in value.items()}
        return value


class PrecisionSpec(_Strict):
    """Adaptive replications: stop when every paired difference is precise enough."""

    outcome: str = Field(description="the outcome the target is stated on")
    relative_half_width: float = Field(
        gt=0, description="largest 95 % CI half-width of a paired difference, / |reference mean|"
    )
    min_replications: int = Field(ge=2, description="replications of the first batch")
    max_replications: int = Field(ge=2, description="stop here even if the target is not met")
    batch_size: int | None = Field(
        None, ge=1, description="replications added per batch; default: projected need"
    )
    confidence: float = Field(0.95, gt=0, lt=1, description="confidence level of the intervals")

    @field_validator("outcome")
    @classmethod
    def _known(cls, outcome: str) -> str:
        if outcome not in OUTCOME_NAMES:
            raise ValueError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOME_NAMES)}")
        return outcome

    @model_validator(mode="after")
    def _order(self) -> PrecisionSpec:
        if self.max_replications < self.min_replications:
            raise ValueError("max_replications must be >= min_replications")
        return self


class ExperimentSpec(_Strict):
    """An experiment file: arms x replications with common random numbers."""

    name: str = Field(description="experiment name; also the default results folder name")
    description: str = Field("", description="what the experiment asks")
    days: int = Field(ge=1, le=3650, description="horizon of every run, days")
    base_seed: int = Field(ge=0, description="replicate i runs with replicate_seed(base_seed, i)")
    replications: int | None = Field(None, ge=1, description="replications per arm")
    precision: PrecisionSpec | None = Field(None, description="adaptive replications")
    reference: str | None = Field(None, description="reference arm; default: the first arm")
    scenario: str | None = Field(None, description="default scenario file of the arms")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="dotted.key: value applied to every arm first"
    )
    arms: list[ArmSpec] = Field(default_factory=list, description="the arms, in order")
    factorial: FactorialSpec | None = Field(None, description="generated full-factorial arms")

    _normalise = field_validator("overrides", mode="before")(_overrides)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("name must be letters, digits, '_', '.' or '-' (it names a folder)")
        return name

    @model_validator(mode="after")
    def _design(self) -> ExperimentSpec:
        if (self.replications is None) == (self.precision is None):
            raise ValueError("give exactly one of replications or precision")
        if not self.arms and self.factorial is None:
            raise ValueError("no arms: give arms or a factorial block")
        return self


# --------------------------------------------------------------------------- expansion


@dataclass(frozen=True)
class Arm:
    """One resolved arm.

    Attributes:
        index: position in the experiment (runs are ordered by it).
        name: arm name.
        scenario: scenario file as written in the experiment.
        scenario_file: the file it resolved to.
        overrides: the arm's own overrides (factorial levels included), dotted keys.
        levels: factorial lever levels (empty for a listed arm).
        config: the validated configuration.
        config_sha256: hash of the resolved configuration.
    """

    index: int
    name: str
    scenario: str
    scenario_file: str
    overrides: dict[str, Any]
    levels: dict[str, Any]
    config: ScenarioConfig
    config_sha256: str

    @cached_property
    def resolved(self) -> dict[str, Any]:
        """The resolved configuration as JSON-ready data."""
        return self.config.resolved()

    def value(self, key: str) -> Any:
        """The resolved value at a dotted key (None when there is none)."""
        node: Any = self.resolved
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


@dataclass(frozen=True)
class Experiment:
    """A validated experiment with its arms expanded and their configurations resolved.

    Attributes:
        spec: the validated experiment file.
        source: where it came from (file path or ``<experiment>``).
        file_sha256: hash of the experiment file's bytes (None for an in-memory spec).
        arms: the arms in order (listed arms first, then factorial arms).
        reference: the reference arm.
        lever_keys: dotted keys that get a column in ``runs.parquet``.
    """

    spec: ExperimentSpec
    source: str
    file_sha256: str | None
    arms: tuple[Arm, ...]
    reference: Arm
    lever_keys: tuple[str, ...]

    @property
    def name(self) -> str:
        """Experiment name."""
        return self.spec.name

    @property
    def days(self) -> int:
        """Horizon in days."""
        return self.spec.days

    @property
    def base_seed(self) -> int:
        """Base seed."""
        return self.spec.base_seed

    @property
    def precision(self) -> PrecisionSpec | None:
        """Precision target, or None for a fixed number of replications."""
        return self.spec.precision

    def seed(self, replicate: int) -> int:
        """Seed of replicate ``replicate`` (the same for every arm)."""
        return replicate_seed(self.base_seed, replicate)

    @cached_property
    def identity(self) -> dict[str, Any]:
        """What the stored runs depend on: horizon, base seed, arms and their configurations."""
        return {
            "days": self.days,
            "base_seed": self.base_seed,
            "arms": [{"name": a.name, "config_sha256": a.config_sha256} for a in self.arms],
        }

    @cached_property
    def fingerprint(self) -> str:
        """Hash of :attr:`identity`; a results directory belongs to one fingerprint."""
        return _sha256(_canonical(self.identity))


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _level_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "none"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, dict):
        return "+".join(f"{key}:{_level_text(item)}" for key, item in value.items())
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _leaves(key: str, value: Any) -> Iterator[str]:
    """Dotted keys of the leaves of an override value (a mapping sets several keys)."""
    if isinstance(value, dict) and value:
        for part, item in value.items():
            yield from _leaves(f"{key}.{part}", item)
    else:
        yield key


def _lever_label(key: str, lever: LeverSpec) -> str:
    if lever.label:
        return lever.label
    parts = key.split(".")
    return parts[-2] if parts[-1] == "enabled" and len(parts) > 1 else parts[-1]


class _Resolver:
    """Finds scenario files and builds arm configurations, caching file reads."""

    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir
        self.cache: dict[Path, dict[str, Any]] = {}

    def find(self, scenario: str, where: str) -> Path:
        path = Path(scenario).expanduser()
        candidates = (
            [path]
            if path.is_absolute()
            else [self.base_dir / path, Path.cwd() / path, REPO_ROOT / path]
        )
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        looked = ", ".join(dict.fromkeys(str(c.parent) for c in candidates))
        raise ConfigError(
            f"{self.source}: {where}.scenario: file not found: {scenario} (looked in {looked})"
        )

    def build(
        self,
        index: int,
        name: str,
        scenario: str | None,
        layers: Sequence[dict[str, Any]],
        where: str,
    ) -> tuple[ScenarioConfig, Path]:
        if scenario is None:
            raise ConfigError(
                f"{self.source}: {where}.scenario: required key missing "
                "(or give a scenario: for the whole experiment)"
            )
        path = self.find(scenario, where)
        if path not in self.cache:
            self.cache[path] = read_yaml(path)
        data = json.loads(json.dumps(self.cache[path]))  # deep copy of plain YAML data
        for layer in layers:
            for key, value in layer.items():
                set_dotted(data, key, value, f"{self.source}: {where}.overrides")
        origin = f"{self.source}: arm {name!r} ({scenario})"
        return build_config(data, None, source=origin), path


def _display_path(path: Path) -> str:
    path = path.resolve()
    for root in (Path.cwd(), REPO_ROOT):
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def load_experiment(
    source: str | Path | dict[str, Any] | ExperimentSpec,
    *,
    days: int | None = None,
    replications: int | None = None,
    base_dir: str | Path | None = None,
) -> Experiment:
    """Read, validate and expand an experiment.

    Args:
        source: an experiment YAML file, its data as a mapping, or an ExperimentSpec.
        days: override the horizon (``--days``).
        replications: run exactly this many replications, replacing a precision target
            (``--replications``).
        base_dir: folder that scenario paths are relative to, for a mapping or spec
            (default: the current folder; for a file, the file's folder).

    Returns:
        The experiment with every arm's configuration validated.

    Raises:
        ConfigError: one line naming the file, the key and the problem.
    """
    file_sha256 = None
    if isinstance(source, ExperimentSpec):
        data = source.model_dump(mode="python")
        name = "<experiment>"
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
    elif isinstance(source, dict):
        data = json.loads(json.dumps(source, default=str))
        name = "<experiment>"
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        path = Path(source)
        data = read_yaml(path)
        file_sha256 = _sha256(path.read_bytes())
        name = str(path)
        folder = Path(base_dir) if base_dir is not None else path.parent
    if days is not None:
        if days < 1:
            raise ConfigError(f"--days must be >= 1, got {days}")
        data["days"] = days
    if replications is not None:
        if replications < 1:
            raise ConfigError(f"--replications must be >= 1, got {replications}")
        data["replications"] = replications
        data.pop("precision", None)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(name, error)) from None
    return _expand(spec, name, file_sha256, folder)


def _expand(spec: ExperimentSpec, source: str, file_sha256: str | None, folder: Path) -> Experiment:
    resolver = _Resolver(source, folder)
    arms: list[Arm] = []
    lever_keys: dict[str, None] = {}

    def add(
        name: str, scenario: str | None, own: dict[str, Any], levels: dict[str, Any], where: str
    ) -> None:
        config, path = resolver.build(len(arms), name, scenario, [spec.overrides, own], where)
        for key, value in own.items():
            for leaf in _leaves(key, value):
                lever_keys[leaf] = None
        arms.append(
            Arm(
                index=len(arms),
                name=name,
                scenario=str(scenario),
                scenario_file=_display_path(path),
                overrides=dict(own),
                levels=dict(levels),
                config=config,
                config_sha256=_sha256(_canonical(config.resolved())),
            )
        )

    for i, arm in enumerate(spec.arms):
        add(arm.name, arm.scenario or spec.scenario, arm.overrides, {}, f"arms[{i}]")
    if spec.factorial is not None:
        block = spec.factorial
        labels = {key: _lever_label(key, lever) for key, lever in block.levers.items()}
        if len(set(labels.values())) != len(labels):
            raise ConfigError(
                f"{source}: factorial.levers: two levers share the label; give each a label:"
            )
        keys = list(block.levers)
        texts = {
            key: lever.names or [_level_text(v) for v in lever.levels]
            for key, lever in block.levers.items()
        }
        for combo in itertools.product(*(range(len(block.levers[k].levels)) for k in keys)):
            levels = {k: block.levers[k].levels[i] for k, i in zip(keys, combo, strict=True)}
            name = ",".join(f"{labels[k]}={texts[k][i]}" for k, i in zip(keys, combo, strict=True))
            add(
                name,
                block.scenario or spec.scenario,
                {**block.overrides, **levels},
                levels,
                "factorial",
            )
    seen: set[str] = set()
    for i, arm in enumerate(arms):
        if arm.name in seen:
            raise ConfigError(f"{source}: arms[{i}].name: duplicate arm name {arm.name!r}")
        seen.add(arm.name)
    clash = sorted(set(lever_keys) & _RESERVED_COLUMNS)
    if clash:
        raise ConfigError(f"{source}: overrides: {clash[0]}: name clashes with a results column")
    if spec.reference is None:
        reference = arms[0]
    else:
        matches = [arm for arm in arms if arm.name == spec.reference]
        if not matches:
            raise ConfigError(
                f"{source}: reference: no arm named {spec.reference!r} "
                f"(arms: {', '.join(a.name for a in arms)})"
            )
        reference = matches[0]
    if spec.precision is not None and len(arms) < 2:
        raise ConfigError(f"{source}: precision: needs at least two arms (a reference and another)")
    return Experiment(spec, source, file_sha256, tuple(arms), reference, tuple(lever_keys))


# --------------------------------------------------------------------------- provenance


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- results folder


class ResultsDir:
    """The files of one experiment's results folder.

    Args:
        out: the folder.
        experiment: the experiment the folder holds (or is to hold).
    """

    def __init__(self, out: Path, experiment: Experiment) -> None:
        """Name the paths; nothing is read or written yet."""
        self.out = Path(out)
        self.experiment = experiment
        self.runs_dir = self.out / "runs"
        self.manifest_path = self.out / "manifest.json"

    def marker(self, arm: int, replicate: int) -> Path:
        """The JSON record of a run (written last: its presence means the run is stored)."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.json"

    def daily_file(self, arm: int, replicate: int) -> Path:
        """The daily series of a run."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.daily.parquet"

    def issues_file(self, arm: int, replicate: int) -> Path:
        """The issue log of a run."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.issues.parquet"

    def previous_manifest(self) -> dict[str, Any] | None:
        """The stored manifest, after checking the folder holds this experiment.

        Raises:
            ConfigError: the folder holds another experiment, or is not a results folder.
        """
        if not self.out.exists():
            return None
        if not any(
            not (p.name.startswith(".") and p.name.endswith(".tmp")) for p in self.out.iterdir()
        ):
            return None  # empty, or only a temporary file of a process killed at once
        if not self.manifest_path.is_file():
            raise ConfigError(
                f"{self.out}: not empty and has no manifest.json; choose another --out"
            )
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            stored = manifest["identity"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(
                f"{self.out}/manifest.json: unreadable; choose another --out"
            ) from None
        if manifest.get("fingerprint") != self.experiment.fingerprint:
            raise ConfigError(
                f"{self.out}: holds results of a different experiment "
                f"({_difference(stored, self.experiment.identity)}); "
                "use another --out or remove the folder"
            )
        return manifest

    def clean_temporary(self) -> None:
        """Remove temporary files a killed process left behind."""
        for folder in (self.out, *self.runs_dir.glob("a*")):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def scan(self) -> dict[tuple[int, int], dict[str, Any]]:
        """Records of the stored runs, keyed by (arm index, replicate)."""
        records: dict[tuple[int, int], dict[str, Any]] = {}
        for arm in self.experiment.arms:
            folder = self.runs_dir / f"a{arm.index:03d}"
            for path in sorted(folder.glob("r*.json")):
                try:
                    record = json.loads(path.read_text(encoding="utf-8"))
                    key = (int(record["arm_index"]), int(record["replicate"]))
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                if key[0] == arm.index and record.get("arm") == arm.name:
                    records[key] = record
        return records

    def is_done(self, record: dict[str, Any] | None, keep_issue_logs: bool) -> bool:
        """A stored run that need not run again (ok, with the files it should have)."""
        if record is None or record.get("status") != "ok":
            return False
        arm, replicate = record["arm_index"], record["replicate"]
        if record.get("seed") != self.experiment.seed(replicate):
            return False
        if not self.daily_file(arm, replicate).is_file():
            return False
        return not keep_issue_logs or self.issues_file(arm, replicate).is_file()

    def save(self, result: RunResult) -> dict[str, Any]:
        """Store one run atomically (tables first, the JSON record last)."""
        arm, replicate = result.arm_index, result.replicate
        if result.daily is not None:
            atomic_write_parquet(self.daily_file(arm, replicate), result.daily)
        if result.issues is not None:
            atomic_write_parquet(self.issues_file(arm, replicate), result.issues)
        record = {
            "arm": result.arm,
            "arm_index": arm,
            "replicate": replicate,
            "seed": result.seed,
            "status": result.status,
            "error": result.error,
            "wall_seconds": result.wall_seconds,
            "outcomes": result.outcomes,
            "issue_log": result.issues is not None,
            "finished_at": _now(),
            "traceback": result.traceback,
        }
        marker = self.marker(arm, replicate)
        atomic_write_json(marker, record)
        # read back: the record in memory is exactly what a resumed session will scan
        return json.loads(marker.read_text(encoding="utf-8"))


def _difference(stored: dict[str, Any], current: dict[str, Any]) -> str:
    for key in ("days", "base_seed"):
        if stored.get(key) != current.get(key):
            return f"{key} {stored.get(key)} there, {current.get(key)} here"
    old = [a["name"] for a in stored.get("arms", [])]
    new = [a["name"] for a in current["arms"]]
    if old != new:
        return f"arms {', '.join(old)} there, {', '.join(new)} here"
    for before, now in zip(stored["arms"], current["arms"], strict=True):
        if before.get("config_sha256") != now["config_sha256"]:
            return f"the configuration of arm {now['name']!r} changed"
    return "different identity"


# --------------------------------------------------------------------------- tables


def _lever_array(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if all(isinstance(v, str) for v in present):
        return pa.array(values, type=pa.string())
    return pa.array(
        [None if v is None else json.dumps(v, sort_keys=True) for v in values], type=pa.string()
    )


def runs_table(experiment: Experiment, records: Sequence[dict[str, Any]]) -> pa.Table:
    """The ``runs.parquet`` table of the given run records (kept in the given order)."""
    arms = experiment.arms
    by_arm = [arms[r["arm_index"]] for r in records]
    columns: dict[str, pa.Array] = {
        "arm": pa.array([r["arm"] for r in records], type=pa.string()),
        "replicate": pa.array([r["replicate"] for r in records], type=pa.int64()),
        "seed": pa.array([r["seed"] for r in records], type=pa.int64()),
        "scenario": pa.array([a.scenario for a in by_arm], type=pa.string()),
    }
    for key in experiment.lever_keys:
        columns[key] = _lever_array([a.value(key) for a in by_arm])
    for name in OUTCOME_NAMES:
        values = [(r.get("outcomes") or {}).get(name) for r in records]
        columns[name] = pa.array(
            [None if v is None else float(v) for v in values], type=pa.float64()
        )
    columns["status"] = pa.array([r["status"] for r in records], type=pa.string())
    columns["error"] = pa.array([r.get("error") for r in records], type=pa.string())
    columns["wall_seconds"] = pa.array(
        [float(r.get("wall_seconds") or 0.0) for r in records], type=pa.float64()
    )
    return pa.table(columns)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _write_stacked(
    path: Path,
    records: Sequence[dict[str, Any]],
    file_of: Callable[[int, int], Path],
    first_column: str,
) -> None:
    """Stack the per-run tables of ``records`` (arm, replicate first) into one Parquet file."""
    parts = [
        (rec["arm"], rec["replicate"], file_of(rec["arm_index"], rec["replicate"]))
        for rec in records
    ]
    schema, tables = _stacked(parts, first_column)
    atomic_write_parquet_tables(path, schema, tables)


def _stacked(
    files: Sequence[tuple[str, int, Path]], first: str
) -> tuple[pa.Schema, Iterator[pa.Table]]:
    """Schema and stream of per-run tables with ``arm`` and ``replicate`` columns prepended."""
    schemas = [pq.read_schema(path) for _, _, path in files]
    body = (
        pa.unify_schemas(schemas, promote_options="permissive")
        if schemas
        else pa.schema([(first, pa.int64())])
    )
    body = pa.schema([f.remove_metadata() for f in body]).remove_metadata()
    schema = pa.schema([("arm", pa.string()), ("replicate", pa.int64()), *body])

    def tables() -> Iterator[pa.Table]:
        for arm, replicate, path in files:
            table = _conform(pq.read_table(path), body)
            n = table.num_rows
            table = table.add_column(0, "replicate", pa.array([replicate] * n, type=pa.int64()))
            table = table.add_column(0, "arm", pa.array([arm] * n, type=pa.string()))
            yield table.replace_schema_metadata(None)

    return schema, tables()


# --------------------------------------------------------------------------- results object


class ExperimentResult:
    """The tables of a results folder as pandas DataFrames (read when first used).

    Attributes:
        out: the results folder.
    """

    def __init__(self, out: str | Path) -> None:
        """Point at a results folder written by :func:`run_experiment`."""
        self.out = Path(out)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``."""
        return json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))

    @cached_property
    def runs(self) -> pd.DataFrame:
        """``runs.parquet``: one row per run."""
        return pd.read_parquet(self.out / "runs.parquet")

    @cached_property
    def daily(self) -> pd.DataFrame:
        """``daily.parquet``: the daily series of every successful run."""
        return pd.read_parquet(self.out / "daily.parquet")

    @cached_property
    def issues(self) -> pd.DataFrame | None:
        """``issues.parquet`` (issue logs), or None when they were not kept."""
        path = self.out / "issues.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    @property
    def reference(self) -> str:
        """Name of the reference arm."""
        return self.manifest["reference"]

    @property
    def failures(self) -> pd.DataFrame:
        """The runs that failed (arm, replicate, seed, error)."""
        failed = self.runs[self.runs["status"] != "ok"]
        return failed[["arm", "replicate", "seed", "error"]].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """True when every run succeeded."""
        return bool((self.runs["status"] == "ok").all())

    def differences(self, outcome: str, reference: str | None = None) -> pd.DataFrame:
        """Paired (CRN) differences of every arm from the reference with 95 % intervals."""
        confidence = (self.manifest.get("precision") or {}).get("confidence", 0.95)
        return paired_differences(
            self.runs, outcome, reference or self.reference, confidence=confidence
        )

    def __repr__(self) -> str:
        return f"ExperimentResult({str(self.out)!r})"


def load_results(out: str | Path) -> ExperimentResult:
    """Open a results folder (for notebooks and reports)."""
    result = ExperimentResult(out)
    if not (result.out / "manifest.json").is_file():
        raise ConfigError(f"{out}: no manifest.json, not an experiment results folder")
    return result


# --------------------------------------------------------------------------- runner


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="run",
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        desc="runs",
        smoothing=0.1,
    )


class _Session:
    """One invocation of :func:`run_experiment` on a results folder."""

    def __init__(
        self,
        experiment: Experiment,
        out: Path,
        *,
        executor: str | Executor,
        workers: int | None,
        scheduler: str | None,
        keep_issue_logs: bool,
        say: Callable[[str], None],
        warn: Callable[[str], None],
        progress: bool,
    ) -> None:
        self.exp = experiment
        self.folder = ResultsDir(out, experiment)
        self.executor_spec = executor
        self.workers = workers
        self.scheduler = scheduler
        self.keep_issue_logs = keep_issue_logs
        self.say = say
        self.warn = warn
        self.progress = progress
        self.executor: Executor | None = None
        self.owns_executor = not isinstance(executor, Executor)
        self.executed = 0
        self.failed_now = 0
        self.started_at = _now()
        # the code the workers import when they start: read it now, not when the manifest
        # is written at the end (the checkout may change while a long experiment runs)
        self.code = code_version()
        self.clock = time.perf_counter()

    # ------------------------------------------------------------------ executor

    def _executor(self) -> Executor:
        if self.executor is None:
            if isinstance(self.executor_spec, Executor):
                self.executor = self.executor_spec
            else:
                self.executor = make_executor(self.executor_spec, self.workers, self.scheduler)
            facts = self.executor.describe()
            where = f" at {facts['scheduler']}" if facts.get("scheduler") else ""
            count = facts.get("workers")
            self.say(f"executor {facts['kind']}{where} ({count} worker{'s' * (count != 1)})")
            if facts.get("workers_with_other_code"):
                self.warn(
                    "warning: these Dask workers run other model code than this machine: "
                    f"{', '.join(facts['workers_with_other_code'])}"
                )
        return self.executor

    def _describe_executor(self) -> dict[str, Any]:
        if self.executor is not None:
            return self.executor.describe()
        kind = (
            self.executor_spec.kind
            if isinstance(self.executor_spec, Executor)
            else self.executor_spec
        )
        return {"kind": kind, "workers": None, "note": "nothing to run, no executor started"}

    # ------------------------------------------------------------------ main loop

    def run(self) -> ExperimentResult:
        exp = self.exp
        folder = self.folder
        previous = folder.previous_manifest()
        if previous is not None and previous.get("keep_issue_logs") and not self.keep_issue_logs:
            self.keep_issue_logs = True
            self.say("keeping issue logs, as this folder already does")
        folder.out.mkdir(parents=True, exist_ok=True)
        folder.clean_temporary()
        if previous is None:
            atomic_write_json(folder.manifest_path, self._manifest(None, {}, [], False, None))
        elif previous.get("code_version", {}).get("model_source_sha256") not in (
            None,
            model_source_sha256(),
        ):
            self.warn(
                f"warning: the runs in {folder.out} were made with other model code; "
                "they are reused (use another --out to run everything with this code)"
            )
        records = folder.scan()
        precision = exp.precision
        n = exp.spec.replications if precision is None else precision.min_replications
        design = (
            f"{n} replications"
            if precision is None
            else f"{precision.min_replications}-{precision.max_replications} replications "
            f"(until {precision.outcome} is within "
            f"±{precision.relative_half_width:.1%} of the reference)"
        )
        self.say(
            f"experiment {exp.name!r}: {len(exp.arms)} arms x {design}, {exp.days} days, "
            f"base seed {exp.base_seed}, reference {exp.reference.name!r}"
        )
        attempted: set[tuple[int, int]] = set()
        batches: list[int] = []
        differences = None
        bar = _progress_bar(0, self.progress)
        bar.set_postfix(failed=0, refresh=False)
        try:
            done_before = 0
            while True:
                keys = [(a.index, r) for r in range(n) for a in exp.arms]
                todo = [
                    k
                    for k in keys
                    if k not in attempted
                    and not folder.is_done(records.get(k), self.keep_issue_logs)
                ]
                already = sum(folder.is_done(records.get(k), self.keep_issue_logs) for k in keys)
                if already > done_before or not batches:
                    self.say(f"{already} of {len(keys)} already done")
                if todo:
                    self._run_batch(todo, records, attempted, bar)
                batches.append(n)
                done_before = sum(
                    folder.is_done(records.get(k), self.keep_issue_logs) for k in keys
                )
                if precision is None:
                    break
                differences = self._differences(records, n)
                if differences is None:
                    self.warn("cannot estimate precision: an arm has no successful run; stopping")
                    break
                worst = worst_relative_half_width(differences)
                if precision_met(differences, precision.relative_half_width):
                    self.say(
                        f"precision reached with {n} replications "
                        f"(largest relative half-width {worst:.2%})"
                    )
                    break
                if n >= precision.max_replications:
                    self.say(
                        f"maximum of {n} replications reached; largest relative half-width "
                        f"{worst:.2%} > target {precision.relative_half_width:.2%}"
                    )
                    break
                new_n = next_replications(
                    n,
                    worst,
                    precision.relative_half_width,
                    precision.max_replications,
                    precision.batch_size,
                )
                self.say(
                    f"largest relative half-width {worst:.2%} > target "
                    f"{precision.relative_half_width:.2%}: replications {n} -> {new_n}"
                )
                n = new_n
        except KeyboardInterrupt:
            bar.close()
            stored = sum(1 for rec in records.values() if rec.get("status") == "ok")
            self.warn(
                f"interrupted: {stored} finished runs are stored in {folder.runs_dir}; "
                "run the same command again to resume"
            )
            raise
        finally:
            bar.close()
            if self.executor is not None and self.owns_executor:
                self.executor.close()
        return self._finish(previous, records, n, batches, differences)

    def _run_batch(self, todo, records, attempted, bar) -> None:
        exp = self.exp
        tasks = [
            RunTask(
                arm_index=a,
                arm=exp.arms[a].name,
                replicate=r,
                seed=exp.seed(r),
                days=exp.days,
                config=exp.arms[a].config,
                keep_issue_log=self.keep_issue_logs,
            )
            for a, r in todo
        ]
        executor = self._executor()
        bar.total += len(tasks)
        bar.refresh()
        for result in executor.run(tasks):
            key = (result.arm_index, result.replicate)
            records[key] = self.folder.save(result)
            attempted.add(key)
            self.executed += 1
            if result.status != "ok":
                self.failed_now += 1
                bar.set_postfix(failed=self.failed_now, refresh=False)
            bar.update(1)

    def _differences(self, records, n: int) -> pd.DataFrame:
        exp = self.exp
        precision = exp.precision
        assert precision is not None
        rows = [
            {
                "arm": arm.name,
                "replicate": r,
                "status": records[(arm.index, r)]["status"],
                precision.outcome: _outcome(records[(arm.index, r)], precision.outcome),
            }
            for arm in exp.arms
            for r in range(n)
            if (arm.index, r) in records
        ]
        frame = pd.DataFrame(rows, columns=["arm", "replicate", "status", precision.outcome])
        ok = frame[frame["status"] == "ok"]
        if any(name not in set(ok["arm"]) for name in frame["arm"].unique()) or ok.empty:
            return None
        return paired_differences(
            frame,
            precision.outcome,
            exp.reference.name,
            arms=[a.name for a in exp.arms if a is not exp.reference],
            confidence=precision.confidence,
        )

    # ------------------------------------------------------------------ consolidation

    def _finish(self, previous, records, n, batches, differences) -> ExperimentResult:
        exp = self.exp
        folder = self.folder
        planned = [(a.index, r) for a in exp.arms for r in range(n)]
        included = [records[k] for k in planned if k in records]
        digest = _sha256(
            _canonical(
                {
                    "n": n,
                    "keep_issue_logs": self.keep_issue_logs,
                    "spec": exp.spec.model_dump(mode="json"),
                    "file_sha256": exp.file_sha256,
                    "runs": [
                        {k: v for k, v in rec.items() if k not in ("traceback", "finished_at")}
                        for rec in included
                    ],
                }
            )
        )
        outputs = [folder.out / "runs.parquet", folder.out / "daily.parquet"]
        if self.keep_issue_logs:
            outputs.append(folder.out / "issues.parquet")
        failures = [rec for rec in included if rec["status"] != "ok"]
        missing = len(planned) - len(included)
        if (
            self.executed == 0
            and previous is not None
            and previous.get("complete")
            and previous.get("results_digest") == digest
            and all(path.is_file() for path in outputs)
        ):
            self.say(f"nothing to do: {folder.out} is up to date")
        else:
            atomic_write_parquet(folder.out / "runs.parquet", runs_table(exp, included))
            ok = [rec for rec in included if rec["status"] == "ok"]
            _write_stacked(folder.out / "daily.parquet", ok, folder.daily_file, "day")
            if self.keep_issue_logs:
                _write_stacked(folder.out / "issues.parquet", ok, folder.issues_file, "issue_id")
            manifest = self._manifest(
                previous, records, planned, missing == 0, digest, batches, differences
            )
            atomic_write_json(folder.manifest_path, manifest)
            self.say(
                f"{len(included)} runs ({self.executed} run now): {len(included) - len(failures)} "
                f"ok, {len(failures)} failed; wrote {folder.out}/"
                f"{{{', '.join(p.name for p in outputs)}, manifest.json}}"
            )
        result = ExperimentResult(folder.out)
        self._summary(result, failures)
        return result

    def _summary(self, result: ExperimentResult, failures: list[dict[str, Any]]) -> None:
        outcome = self.exp.precision.outcome if self.exp.precision else "reported_share"
        try:
            table = result.differences(outcome)
        except (KeyError, ValueError, OSError):
            table = None
        if table is not None and not table.empty:
            lines = [f"{outcome}: paired difference from {self.exp.reference.name!r} (95 % CI)"]
            width = max(len(a) for a in table["arm"])
            for row in table.itertuples():
                if row.n == 0:
                    text = "no successful pairs"
                elif row.n == 1:
                    text = f"{row.difference:+.4f}  (one pair, no interval)"
                else:
                    text = f"{row.difference:+.4f}  [{row.ci_low:+.4f}, {row.ci_high:+.4f}]"
                lines.append(f"  {row.arm:<{width}}  {text}  n={row.n}")
            self.say("\n".join(lines))
        if failures:
            groups: dict[tuple[str, str], list[int]] = {}
            for rec in failures:
                groups.setdefault((rec["arm"], rec["error"]), []).append(rec["replicate"])
            lines = [f"{len(failures)} of {len(result.runs)} runs failed:"]
            for (arm, error), replicates in list(groups.items())[:20]:
                label = "replicate" if len(replicates) == 1 else "replicates"
                lines.append(f"  arm {arm!r}, {label} {_ranges(replicates)}: {error}")
            if len(groups) > 20:
                lines.append(f"  ... and {len(groups) - 20} more (see runs.parquet)")
            lines.append("rerun the same command to retry the failed runs")
            self.warn("\n".join(lines))

    def _manifest(
        self,
        previous: dict[str, Any] | None,
        records: dict[tuple[int, int], dict[str, Any]],
        planned: list[tuple[int, int]],
        complete: bool,
        digest: str | None,
        batches: Sequence[int] = (),
        differences: pd.DataFrame | None = None,
    ) -> dict[str, Any]:
        exp = self.exp
        included = [records[k] for k in planned if k in records]
        n = max((r + 1 for _, r in planned), default=0)
        per_arm = {
            arm.name: {
                "ok": sum(
                    1 for rec in included if rec["arm"] == arm.name and rec["status"] == "ok"
                ),
                "failed": sum(
                    1 for rec in included if rec["arm"] == arm.name and rec["status"] != "ok"
                ),
            }
            for arm in exp.arms
        }
        finished_at = _now()
        sessions = list((previous or {}).get("sessions", []))
        if digest is not None:
            sessions.append(
                {
                    "started_at": self.started_at,
                    "finished_at": finished_at,
                    "wall_seconds": round(time.perf_counter() - self.clock, 3),
                    "executor": self._describe_executor(),
                    "runs_executed": self.executed,
                    "runs_failed": self.failed_now,
                }
            )
        spec = exp.spec
        return {
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
            "reference": exp.reference.name,
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
            "executor": self._describe_executor(),
            "machine": {
                "cores": os.cpu_count(),
                "available_cores": _cores(),
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
            "precision": self._precision(included, differences),
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

    def _precision(self, included, differences) -> dict[str, Any] | None:
        exp = self.exp
        precision = exp.precision
        if not included:
            return None
        frame = pd.DataFrame(
            [
                {"arm": rec["arm"], "replicate": rec["replicate"], "status": rec["status"]}
                | {name: _outcome(rec, name) for name in OUTCOME_NAMES}
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


def _ranges(values: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    parts: list[str] = []
    for _, group in itertools.groupby(enumerate(sorted(values)), lambda p: p[1] - p[0]):
        run = [v for _, v in group]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(parts)


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _outcome(record: dict[str, Any], name: str) -> float:
    value = (record.get("outcomes") or {}).get(name)
    return math.nan if value is None else float(value)


def _cores() -> int:
    from model.executors import available_cores

    return available_cores()


def _stdout(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)


def _stderr(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


def run_experiment(
    spec: str | Path | dict[str, Any] | ExperimentSpec,
    *,
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    replications: int | None = None,
    days: int | None = None,
    keep_issue_logs: bool = False,
    quiet: bool = False,
    progress: bool | None = None,
    base_dir: str | Path | None = None,
) -> ExperimentResult:
    """Run (or resume) an experiment and return its tables; the Python face of the CLI.

    Works from scripts and Jupyter notebooks alike: the ``process`` executor uses the
    ``spawn`` start method and a top-level worker function. In a *script*, call it under
    ``if __name__ == "__main__":`` (as with any multiprocessing code).

    Args:
        spec: experiment YAML file, its data as a mapping, or an ExperimentSpec.
        executor: ``serial``, ``process`` (default, one worker per core) or ``dask``; or an
            :class:`~model.executors.Executor` instance (kept open for reuse).
        workers: worker processes (``process``) or local Dask workers; default one per core.
        scheduler: Dask scheduler address (``tcp://host:port``); needs ``executor="dask"``.
        out: results folder; default ``results/<experiment name>``.
        replications: run exactly this many replications (replaces a precision target).
        days: override the horizon.
        keep_issue_logs: also store the issue logs (``issues.parquet``).
        quiet: print nothing but failures (and no progress bar).
        progress: show a progress bar; default when stderr is a terminal and not quiet.
        base_dir: folder scenario paths are relative to, for a mapping or spec.

    Returns:
        The results: ``runs``, ``daily``, ``issues`` DataFrames, ``manifest``, ``ok``,
        ``failures`` and ``differences(outcome)``.

    Raises:
        ConfigError: bad experiment, bad options, or a results folder of another experiment.
    """
    if isinstance(executor, str) and executor not in EXECUTORS:
        raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if scheduler is not None and executor != "dask":
        raise ConfigError("--scheduler needs --executor dask")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    experiment = load_experiment(spec, days=days, replications=replications, base_dir=base_dir)
    folder = Path(out) if out is not None else Path("results") / experiment.name
    check_writable_dir(folder)
    if progress is None:
        progress = not quiet and sys.stderr.isatty()
    session = _Session(
        experiment,
        folder,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        keep_issue_logs=keep_issue_logs,
        say=(lambda _message: None) if quiet else _stdout,
        warn=_stderr,
        progress=bool(progress),
    )
    return session.run()

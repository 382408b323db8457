"""Experiment design: the experiment file's schema and its expansion into arms.

An experiment file (YAML, usually under ``scenarios/experiments/``) names the arms to
compare, each a scenario file plus optional overrides, or generates them from a full
factorial design; the horizon; the base seed; and either a fixed number of replications or a
precision target. :func:`load_experiment` validates it (one line naming the file, the key
and the problem on error) and resolves every arm's configuration. Replicate *i* of every arm
runs with the same seed, ``replicate_seed(base_seed, i)`` (common random numbers).

A lever column of ``runs.parquet`` is named by its dotted key (``policies.points.enabled``)
and exists for every key overridden by some arm or varied by the factorial design (the
experiment-wide ``overrides`` are constant and get no column); see
:mod:`model.experiments.results`.

An experiment with a ``worlds:`` block runs every listed arm in every sampled world of the
uncertain parameters: arm ``A`` in world ``w`` is the arm ``A@wNNNN`` with the world's
values added to its overrides (:mod:`model.experiments.worlds` draws the design and checks
that no arm sets a sampled parameter itself).

The schema and its expansion stay in one module (about 600 lines): the expansion reads
every field of the schema, and the error messages of both name the same keys.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.config.errors import ConfigError, format_validation_error
from model.config.loading import build_config, parse_value, read_yaml, set_dotted
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.experiments.worlds import (
    Worlds,
    WorldsSpec,
    check_leaves_worlds_alone,
    sample_worlds,
    world_arm_name,
)
from model.outcomes.contract import OUTCOME_NAMES
from model.sim.streams import replicate_seed

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY_PART = re.compile(r"^[^.=\s]+$")
_RESERVED_COLUMNS = frozenset(
    {
        "arm",
        "policy",
        "world",
        "replicate",
        "seed",
        "scenario",
        "status",
        "error",
        "wall_seconds",
        *OUTCOME_NAMES,
    }
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
    scenario: str = Field(
        "scenarios/baseline.yaml",
        description="default scenario file of the arms (default: the status quo, "
        "scenarios/baseline.yaml of the repository)",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="dotted.key: value applied to every arm first"
    )
    arms: list[ArmSpec] = Field(default_factory=list, description="the arms, in order")
    factorial: FactorialSpec | None = Field(None, description="generated full-factorial arms")
    worlds: WorldsSpec | None = Field(
        None, description="run every listed arm in each sampled world of the uncertain parameters"
    )

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
        if self.worlds is not None:
            if self.factorial is not None:
                raise ValueError("worlds: runs the listed arms; it cannot expand a factorial block")
            if self.precision is not None:
                raise ValueError("worlds: give replications, not a precision target")
            for arm in self.arms:
                if "@" in arm.name:
                    raise ValueError(f"worlds: arm name {arm.name!r} must not contain '@'")
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
        overrides: the arm's own overrides (factorial levels and a world's sampled values
            included), dotted keys.
        levels: factorial lever levels (empty for a listed arm).
        config: the validated configuration.
        config_sha256: hash of the resolved configuration.
        policy: the listed arm it comes from (its own name, except in sampled worlds, where
            arm ``A@w0007`` has policy ``A``).
        world: the design row of its sampled world (None without worlds).
    """

    index: int
    name: str
    scenario: str
    scenario_file: str
    overrides: dict[str, Any]
    levels: dict[str, Any]
    config: ScenarioConfig
    config_sha256: str
    policy: str
    world: int | None = None

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
        reference: the reference arm (with worlds: the reference policy in world 0; every
            world has its own, :meth:`reference_in`).
        lever_keys: dotted keys that get a column in ``runs.parquet`` (with worlds: the
            sampled parameters among them).
        worlds: the sampled worlds, or None.
    """

    spec: ExperimentSpec
    source: str
    file_sha256: str | None
    arms: tuple[Arm, ...]
    reference: Arm
    lever_keys: tuple[str, ...]
    worlds: Worlds | None = None

    def reference_in(self, world: int | None) -> Arm:
        """The reference arm of a world (the reference itself without worlds)."""
        if world is None or self.worlds is None:
            return self.reference
        return self.arms[world * len(self.worlds.policies) + self.reference.index]

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
        return sha256(canonical_json(self.identity))


def canonical_json(data: Any) -> bytes:
    """Canonical JSON bytes of plain data (sorted keys, no spaces): what hashes are taken of."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
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

    def find(self, scenario: str, where: str, field: str = "scenario") -> Path:
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
            f"{self.source}: {where}.{field}: file not found: {scenario} (looked in {looked})"
        )

    def build(
        self,
        index: int,
        name: str,
        scenario: str,
        layers: Sequence[dict[str, Any]],
        where: str,
    ) -> tuple[ScenarioConfig, Path]:
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
        file_sha256 = sha256(path.read_bytes())
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
        name: str,
        scenario: str,
        own: dict[str, Any],
        levels: dict[str, Any],
        where: str,
        policy: str | None = None,
        world: int | None = None,
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
                config_sha256=sha256(canonical_json(config.resolved())),
                policy=name if policy is None else policy,
                world=world,
            )
        )

    worlds = None
    if spec.worlds is not None:
        path = resolver.find(spec.worlds.uncertainties, "worlds", field="uncertainties")
        worlds = sample_worlds(
            spec.worlds, path, _display_path(path), tuple(a.name for a in spec.arms), source
        )
        for i, arm in enumerate(spec.arms):
            layers = [spec.overrides, arm.overrides]
            where = f"arms[{i}]"
            config, _ = resolver.build(i, arm.name, arm.scenario or spec.scenario, layers, where)
            check_leaves_worlds_alone(config, worlds, f"{source}: arms[{i}]: arm {arm.name!r}")
        for w in range(worlds.rows):
            sampled = worlds.overrides(w)
            for i, arm in enumerate(spec.arms):
                add(
                    world_arm_name(arm.name, w),
                    arm.scenario or spec.scenario,
                    {**arm.overrides, **sampled},
                    {},
                    f"arms[{i}]",
                    policy=arm.name,
                    world=w,
                )
    else:
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
    if worlds is not None:  # the arms' own levers first, then the sampled parameters
        for key in worlds.parameters:
            lever_keys[key] = lever_keys.pop(key)
    clash = sorted(set(lever_keys) & _RESERVED_COLUMNS)
    if clash:
        raise ConfigError(f"{source}: overrides: {clash[0]}: name clashes with a results column")
    if spec.reference is None:
        reference = arms[0]
    else:
        # with worlds, the reference names a listed arm: its arm in world 0 stands for it
        matches = [arm for arm in arms if arm.policy == spec.reference]
        if not matches:
            names = [a.name for a in spec.arms] if worlds is not None else [a.name for a in arms]
            raise ConfigError(
                f"{source}: reference: no arm named {spec.reference!r} (arms: {', '.join(names)})"
            )
        reference = matches[0]
    if spec.precision is not None and len(arms) < 2:
        raise ConfigError(f"{source}: precision: needs at least two arms (a reference and another)")
    return Experiment(spec, source, file_sha256, tuple(arms), reference, tuple(lever_keys), worlds)

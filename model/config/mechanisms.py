"""Lever mechanisms: what each behavioural weight and lever parameter changes, and on what evidence.

``model/config/mechanisms.yaml`` holds one entry per behavioural weight and per numeric
parameter of a lever: the lever it belongs to (or ``all`` when every lever acts through
it, ``status quo`` when it sets the baseline the levers act on), the behaviour it changes,
its dotted key (as used by ``--set``), its evidence — a published study (who, where, how
large an effect, how sure) *or* the word assumption with the reasoning — a plausible range
``[low, high]`` and the outcomes it moves. The value itself is not stored: it is always the
live schema default (:class:`model.config.scenario.ScenarioConfig`), so the table can never
drift from the model, and every range must contain it. Sourced entries give a range too
(the evidence's interval, widened where the context differs): the sensitivity analysis
samples these ranges.

docs/ODD.md's mechanism table is generated from this file by
:mod:`model.reporting.mechanismdoc` (``make docs``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from model.config.errors import ConfigError, format_validation_error
from model.config.loading import read_yaml
from model.config.paths import REPO_ROOT
from model.config.policies import PoliciesConfig
from model.config.scenario import ScenarioConfig
from model.config.section import Section

MECHANISMS_PATH = REPO_ROOT / "model" / "config" / "mechanisms.yaml"
"""The mechanism table's data."""

LEVERS: tuple[str, ...] = tuple(PoliciesConfig.model_fields)
"""The levers, as named by the blocks of ``policies``."""

LEVER_CHOICES: tuple[str, ...] = (*LEVERS, "all", "status quo")
"""What an entry's ``lever`` may name: a lever, ``all`` (every lever acts through the
parameter) or ``status quo`` (a baseline parameter the levers' effects scale with)."""

KINDS: tuple[str, ...] = ("behaviour", "process", "design", "cost")
"""What kind of number a parameter is: a behavioural weight or response of people; a
process of the street or its service chain; a design choice of the street office (how much
of a lever), compared across arms; a cost in yuan (moves cost outcomes only)."""


class Evidence(Section):
    """A published source for a parameter, in the project's own words.

    Attributes:
        study: authors and year, or the programme and its reporter (e.g. a newspaper).
        context: where and among whom the effect was measured.
        effect_size: what was found, with its size.
        confidence: H peer-reviewed or official primary source; M official data reported
            second-hand, or press; L weak source.
        use: how the finding maps to this parameter (and where the contexts differ).
    """

    study: str = Field(min_length=1)
    context: str = Field(min_length=1)
    effect_size: str = Field(min_length=1)
    confidence: Literal["H", "M", "L"]
    use: str = ""


class Mechanism(Section):
    """One row of the mechanism table.

    Attributes:
        parameter: dotted key of the schema, as used by ``--set``.
        lever: a lever (``policies`` block), ``all`` or ``status quo``.
        kind: one of :data:`KINDS`.
        behaviour: what the parameter changes, in plain words.
        outcomes: outcome names (of the outcome registry) the parameter moves most directly;
            empty when it moves none (say so in ``behaviour``).
        source: the published evidence, or None.
        assumption: the reasoning behind an assumed value and range, or None.
        range: the plausible range ``[low, high]``; it contains the schema default.
    """

    parameter: str = Field(min_length=1)
    lever: str
    kind: Literal["behaviour", "process", "design", "cost"]
    behaviour: str = Field(min_length=1)
    outcomes: list[str]
    source: Evidence | None = None
    assumption: str | None = None
    range: tuple[float, float]

    @model_validator(mode="after")
    def _consistent(self) -> Mechanism:
        if self.lever not in LEVER_CHOICES:
            raise ValueError(f"lever {self.lever!r} is not one of {list(LEVER_CHOICES)}")
        if (self.source is None) == (self.assumption is None):
            raise ValueError("give exactly one of source (a study) and assumption (reasoning)")
        if self.assumption is not None and not self.assumption.strip():
            raise ValueError("assumption needs its reasoning")
        low, high = self.range
        if low > high:
            raise ValueError(f"range [{low}, {high}] has low above high")
        return self


class MechanismTable(Section):
    """The whole file: a format version and the entries, one per parameter."""

    format_version: Literal[1]
    mechanisms: list[Mechanism]

    @model_validator(mode="after")
    def _unique(self) -> MechanismTable:
        seen: set[str] = set()
        for entry in self.mechanisms:
            if entry.parameter in seen:
                raise ValueError(f"parameter {entry.parameter} has two entries")
            seen.add(entry.parameter)
        return self

    def __iter__(self) -> Iterator[Mechanism]:  # type: ignore[override]
        return iter(self.mechanisms)

    def parameters(self) -> list[str]:
        """Dotted keys of every entry, in file order."""
        return [entry.parameter for entry in self.mechanisms]

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Plausible range of every parameter (what the sensitivity analysis samples)."""
        return {entry.parameter: entry.range for entry in self.mechanisms}


def schema_default(key: str, config: ScenarioConfig | None = None) -> Any:
    """The status-quo value of a dotted key.

    Args:
        key: dotted key, e.g. ``behaviour.honours`` or
            ``policies.points.points_per_report.opinion``.
        config: the configuration to read (default: the status quo).

    Returns:
        The value.

    Raises:
        KeyError: the key names no parameter of the schema.
    """
    return _lookup((config or ScenarioConfig()).resolved(), key)


def _lookup(resolved: dict[str, Any], key: str) -> Any:
    """The leaf value of a dotted key in a resolved configuration (KeyError if none)."""
    node: Any = resolved
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    if isinstance(node, dict):
        raise KeyError(key)
    return node


def check_against_schema(
    table: MechanismTable, known_outcomes: Collection[str] | None = None
) -> None:
    """Check every entry against the live schema (and the outcome names, when given).

    Args:
        table: the validated table.
        known_outcomes: the outcome names entries may name; not checked when None.

    Raises:
        ValueError: one line naming the parameter and the problem (a key the schema does not
            have, a value that is not a number, a range without the default, an unknown
            outcome).
    """
    defaults = ScenarioConfig().resolved()
    for entry in table:
        key = entry.parameter
        try:
            value = _lookup(defaults, key)
        except KeyError:
            raise ValueError(f"{key}: not a parameter of the scenario schema") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key}: the default {value!r} is not a number")
        low, high = entry.range
        if not low <= value <= high:
            raise ValueError(f"{key}: range [{low}, {high}] does not contain the default {value}")
        if known_outcomes is not None:
            unknown = [name for name in entry.outcomes if name not in known_outcomes]
            if unknown:
                raise ValueError(f"{key}: unknown outcome(s) {unknown}")


def load_mechanisms(
    path: str | Path = MECHANISMS_PATH, known_outcomes: Collection[str] | None = None
) -> MechanismTable:
    """Read, validate and check the mechanism table.

    Args:
        path: the YAML file.
        known_outcomes: the outcome names entries may name (the outcome registry's); not
            checked when None.

    Returns:
        The table.

    Raises:
        ConfigError: one line naming the file, the entry's key and the problem.
    """
    data = read_yaml(path)
    try:
        table = MechanismTable.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(_where(path, data, error), error)) from None
    try:
        check_against_schema(table, known_outcomes)
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    return table


def _where(path: str | Path, data: dict[str, Any], error: ValidationError) -> str:
    """The file, and the parameter of the failing entry when there is one."""
    loc = error.errors()[0]["loc"]
    if len(loc) >= 2 and loc[0] == "mechanisms" and isinstance(loc[1], int):
        entries = data.get("mechanisms")
        if isinstance(entries, list) and loc[1] < len(entries):
            entry = entries[loc[1]]
            if isinstance(entry, dict) and isinstance(entry.get("parameter"), str):
                return f"{path} ({entry['parameter']})"
    return str(path)

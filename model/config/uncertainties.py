"""Uncertain parameters: what the sensitivity and robustness analyses sample, and why.

``scenarios/uncertainties.yaml`` lists the parameters whose values the evidence pins down
only loosely, each with its dotted key (as used by ``--set``), the range ``[low, high]``
sampled uniformly, where the range comes from (``basis``) and the reasoning
(``justification``). The words a report shows for a key, in each language, are the report
messages' ``parameters.<key>`` (one source; no label is stored here). An experiment with a
``worlds:`` block (:mod:`model.experiments.worlds`) draws one value per parameter per sampled
world from these ranges.

Checks, each refused with one line naming the file, the key and the problem:

- the file's schema (unknown keys, missing fields, a range with ``low >= high``, a key
  listed twice);
- every key names a numeric parameter of the scenario schema and the scenario schema
  accepts its low end, its high end and a value in between (so every sampled world is a
  valid configuration);
- every range contains the status-quo default (the live schema default, never a copy);
- a range whose basis is ``mechanisms`` equals the range of the same key in the mechanism
  table (``model/config/mechanisms.yaml``), so the two files cannot drift apart.

The value of a parameter is not stored here: the status quo is always the schema default.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from model.config.errors import ConfigError, format_validation_error
from model.config.loading import build_config, read_yaml, set_dotted
from model.config.mechanisms import MechanismTable, load_mechanisms, schema_default
from model.config.paths import REPO_ROOT
from model.config.section import Section

UNCERTAINTIES_PATH = REPO_ROOT / "scenarios" / "uncertainties.yaml"
"""The uncertain parameters of the standard sensitivity and robustness experiments."""

BASES: tuple[str, ...] = ("mechanisms", "calibration", "source", "assumption")
"""Where a range comes from: the mechanism table's plausible range (``mechanisms``, checked
equal); the calibration (a target's band or the fitted parameter's plausible set,
``calibration``); a published source named in the justification (``source``); or
reasoning stated in the justification (``assumption``)."""

INTERIOR_SHARE = 0.381966
"""Where between low and high the schema is also asked to accept a value (a share of the
range chosen so that it is not a round number: an integer field refuses it)."""


class Uncertainty(Section):
    """One uncertain parameter.

    Attributes:
        key: dotted key of the scenario schema, as used by ``--set`` (the reports' words
            for it are the messages' ``parameters.<key>``).
        range: ``[low, high]`` sampled uniformly, in the parameter's own units; contains the
            status-quo default.
        basis: where the range comes from, one of :data:`BASES`.
        justification: why this range, in plain words (the source or the reasoning).
    """

    key: str = Field(min_length=1, pattern=r"^[^.=\s]+(\.[^.=\s]+)*$")
    range: tuple[float, float]
    basis: Literal["mechanisms", "calibration", "source", "assumption"]
    justification: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        low, high = self.range
        if not low < high:
            raise ValueError(f"range [{low}, {high}] needs low < high")
        return self


class UncertaintyTable(Section):
    """The whole file: a format version and the uncertain parameters, in order."""

    format_version: Literal[1]
    uncertainties: list[Uncertainty] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> UncertaintyTable:
        seen: set[str] = set()
        for entry in self.uncertainties:
            if entry.key in seen:
                raise ValueError(f"key {entry.key} is listed twice")
            seen.add(entry.key)
        return self

    def __iter__(self) -> Iterator[Uncertainty]:  # type: ignore[override]
        return iter(self.uncertainties)

    def keys(self) -> list[str]:
        """Dotted keys, in file order."""
        return [entry.key for entry in self.uncertainties]

    def ranges(self, keys: Sequence[str] | None = None) -> dict[str, tuple[float, float]]:
        """``{key: (low, high)}`` of the given keys (in that order), or of all in file order.

        Raises:
            KeyError: a key the file does not list.
        """
        by_key = {entry.key: entry.range for entry in self.uncertainties}
        return {key: by_key[key] for key in (self.keys() if keys is None else keys)}


def check_uncertainty(entry: Uncertainty, mechanisms: MechanismTable | None = None) -> None:
    """Check one entry against the live scenario schema (and the mechanism table).

    Args:
        entry: the validated entry.
        mechanisms: the mechanism table, for entries whose basis is ``mechanisms``.

    Raises:
        ValueError: one line starting with the key: a key the schema does not have, a
            default that is not a number, a range without the default, a value of the range
            the schema refuses, or a ``mechanisms`` range that differs from the table's.
    """
    key = entry.key
    try:
        default = schema_default(key)
    except KeyError:
        raise ValueError(f"{key}: not a parameter of the scenario schema") from None
    if isinstance(default, bool) or not isinstance(default, int | float):
        raise ValueError(f"{key}: the status-quo default {default!r} is not a number")
    low, high = entry.range
    if not low <= default <= high:
        raise ValueError(
            f"{key}: range [{low:g}, {high:g}] does not contain the status-quo default {default:g}"
        )
    for value in (low, high, low + INTERIOR_SHARE * (high - low)):
        data: dict[str, Any] = {}
        set_dotted(data, key, float(value), where=key)
        try:
            build_config(data)
        except ConfigError as error:
            problem = str(error).split(": ", 2)[-1]
            raise ValueError(
                f"{key}: the scenario schema refuses the value {value:g} of the range ({problem})"
            ) from None
    if entry.basis == "mechanisms":
        table = mechanisms if mechanisms is not None else load_mechanisms()
        ranges = table.ranges()
        if key not in ranges:
            raise ValueError(f"{key}: basis is mechanisms, but the mechanism table has no entry")
        if tuple(ranges[key]) != tuple(entry.range):
            expected = ", ".join(f"{v:g}" for v in ranges[key])
            raise ValueError(
                f"{key}: basis is mechanisms, but the mechanism table's range is [{expected}]"
            )


def load_uncertainties(path: str | Path = UNCERTAINTIES_PATH) -> UncertaintyTable:
    """Read, validate and check an uncertainties file.

    Args:
        path: the YAML file.

    Returns:
        The table.

    Raises:
        ConfigError: one line naming the file, the key and the problem.
    """
    data = read_yaml(path)
    try:
        table = UncertaintyTable.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(_where(path, data, error), error)) from None
    mechanisms = None
    if any(entry.basis == "mechanisms" for entry in table):
        mechanisms = load_mechanisms()
    for entry in table:
        try:
            check_uncertainty(entry, mechanisms)
        except ValueError as error:
            raise ConfigError(f"{path}: {error}") from None
    return table


def _where(path: str | Path, data: dict[str, Any], error: ValidationError) -> str:
    """The file, and the key of the failing entry when there is one."""
    loc = error.errors()[0]["loc"]
    if len(loc) >= 2 and loc[0] == "uncertainties" and isinstance(loc[1], int):
        entries = data.get("uncertainties")
        if isinstance(entries, list) and loc[1] < len(entries):
            entry = entries[loc[1]]
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                return f"{path} ({entry['key']})"
    return str(path)

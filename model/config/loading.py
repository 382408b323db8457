"""Reading scenarios: YAML files, ``--set dotted.key=value`` overrides and validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from model.config.errors import ConfigError, format_validation_error
from model.config.scenario import ScenarioConfig


def parse_value(text: str) -> Any:
    """Parse the value part of ``--set key=value`` as YAML (numbers, booleans, lists)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``dotted.key=value`` overrides to raw scenario data.

    Args:
        data: raw scenario mapping (as read from YAML); not modified.
        overrides: strings of the form ``a.b.c=value``; the value is parsed as YAML.

    Returns:
        A new mapping with the overrides applied.

    Raises:
        ConfigError: an override is not of the form ``key=value``.
    """
    result = copy.deepcopy(data)
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise ConfigError(f"--set {item!r}: expected dotted.key=value")
        set_dotted(result, key, parse_value(raw), where="--set")
    return result


def set_dotted(data: dict[str, Any], key: str, value: Any, where: str) -> None:
    """Set ``data[a][b][c] = value`` for ``key = "a.b.c"``, creating missing sections.

    Args:
        data: raw scenario mapping, changed in place.
        key: dotted key.
        value: the value to set.
        where: what to name in an error (``--set`` or the experiment file and arm).

    Raises:
        ConfigError: a part of the key names a value, not a section.
    """
    node = data
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            raise ConfigError(f"{where}: {key}: {'.'.join(parts[: i + 1])} is not a section")
        node = child
    node[parts[-1]] = value


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_over_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Scenario data deep-merged over the resolved status-quo defaults.

    A scenario may therefore set one field of an issue type, a department or a channel
    without restating the whole block. Lists are replaced, not merged. Unknown keys survive
    the merge and are rejected by validation.
    """
    return _deep_merge(ScenarioConfig().resolved(), data)


def build_config(
    data: dict[str, Any], overrides: list[str] | None = None, source: str = "scenario"
) -> ScenarioConfig:
    """Validate raw scenario data (plus overrides) into a ScenarioConfig.

    Raises:
        ConfigError: with one line naming the source, the key and the problem.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of keys to values")
    merged = merge_over_defaults(apply_overrides(data, list(overrides or [])))
    try:
        return ScenarioConfig.model_validate(merged)
    except ValidationError as error:
        origin = source
        if overrides:
            keys = {o.partition("=")[0].strip() for o in overrides}
            loc = ".".join(str(p) for p in error.errors()[0]["loc"])
            if any(loc == k or loc.startswith(k + ".") or k.startswith(loc + ".") for k in keys):
                origin = "--set"
        raise ConfigError(format_validation_error(origin, error)) from None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from a file.

    Raises:
        ConfigError: the file is missing, unreadable, not YAML or not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read file ({error.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of keys to values")
    return data


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> ScenarioConfig:
    """Load and validate a scenario file, applying ``--set`` overrides.

    Args:
        path: scenario YAML file.
        overrides: ``dotted.key=value`` strings applied after reading the file.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: one line naming the file (or ``--set``), the key and the problem.
    """
    return build_config(read_yaml(path), overrides, source=str(path))

"""The generated tables of ``docs/ODD.md``: parameters from the schema, outcomes from the registry.

Every parameter of :class:`model.config.scenario.ScenarioConfig` becomes one row: its dotted key (as
used by ``--set``), its status-quo default, its unit and meaning (from the field
description, unit first) and its source (the ``scenarios/calibration/targets.yaml`` key named by
``source: X`` in the description, or "assumption"). Nested sections are walked
recursively; dictionaries (issue types, departments, visibility per observer, points per
issue type) are expanded per key, so every key a scenario can set has its own row.

The outcome table has one row per outcome of :data:`model.outcomes.registry.OUTCOMES`: its
meaning, unit, direction, numerator, denominator, window and censoring.

The mechanism table (:mod:`model.reporting.mechanismdoc`) has one row per behavioural weight
and lever parameter of ``model/config/mechanisms.yaml``: lever, behaviour, parameter, its
live default, evidence or assumption, plausible range and the outcomes it moves.

Run ``python -m model.reporting.paramdoc`` (or ``make docs``) to rewrite the tables between
their markers in ``docs/ODD.md``; ``--check`` only reports whether they are up to date
(exit 1).
"""

from __future__ import annotations

import argparse
import re
import sys
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.config import codes
from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.outcomes.registry import OUTCOMES
from model.reporting import mechanismdoc

BEGIN = "<!-- BEGIN PARAMETER TABLE -->"
"""Marker line before the generated table."""

END = "<!-- END PARAMETER TABLE -->"
"""Marker line after the generated table."""

OUTCOME_BEGIN = "<!-- BEGIN OUTCOME TABLE -->"
"""Marker before the generated outcome table."""

OUTCOME_END = "<!-- END OUTCOME TABLE -->"
"""Marker after the generated outcome table."""

ODD_PATH = REPO_ROOT / "docs" / "ODD.md"
"""Default location of the ODD document."""

LIST_RUNS_FROM = 8
"""Lists at least this long are shown run-length encoded (``0.3x6``)."""

_TRAILING_UNIT = re.compile(
    r",\s*(days|hours|hour of day|hour|minutes|yuan|km/h|share|metres|cells|count)$"
)
"""A description ending in ``, <unit>`` names its unit there."""

_UNIT_RULES: tuple[tuple[str, str], ...] = (
    (r"\bin metres\b", "m"),
    (r"\bin cells\b|^cells around|every N cells", "cells"),
    (r"^route zone", "communities"),
    (r"hours \(0-23\)", "hour of day"),
    (r"per 1000 h", "per 1000 h"),
    (r"days (worked )?per week", "days/week"),
    (r"^looks at each", "looks/cell/hour"),
    (r"^cells .*per hour", "cells/hour"),
    (r"per online hour", "per hour"),
    (r"^expected new issues per day", "issues/day"),
    (r"yuan-equivalent .*per minute", "yuan/minute"),
    (r"^(median |extra )?(intake )?hours\b", "hours"),
    (r"^days\b", "days"),
    (r"^staff minutes\b", "minutes"),
    (r"^daily chance\b|\bdaily .*hazard\b", "probability/day"),
    (r"^monthly chance\b", "probability/month"),
    (r"^chance one pass\b", "probability/pass"),
    (r"^chance\b", "probability"),
    (r"^logit scale\b", "yuan"),
    (r"^(logit|extra shift)\b", "logit"),
    (r"^log-hazard\b", "log-hazard per unit"),
    (r"^(belonging|residents' trust-in-workers) .*gain|^gain per\b", "0-1 scale"),
    (r"^outcome value\b", "signal, 0-1"),
    (r"^(mean |initial )?.*\bshare\b|^share\b|^initial trust\b", "share"),
    (r"^log-sd\b", "log-sd"),
    (r"^sd\b", "sd"),
    (r"^Beta concentration\b", "a + b"),
    (r"^points per\b", "points"),
    (r"per genuine report", "ratio"),
    (r"(per|each) (month|meeting)$|^workers honoured", "count"),
    (r"\bmultiplier\b|\bby this factor\b|^relative\b|\bvs\b", "factor"),
)
"""(pattern, unit) pairs tried in order when the description has no trailing unit."""

_KEY_UNITS: tuple[tuple[str, str], ...] = (
    ("_yuan", "yuan"),
    ("_year", "yuan"),
    ("_hours", "hours"),
    ("_h", "hours"),
    ("_minutes", "minutes"),
    ("_days", "days"),
)
"""(key suffix, unit) pairs used when the description names no unit."""

_TYPE_UNITS: dict[Any, str] = {bool: "on/off", int: "count", str: "text"}
"""Units by field type, the last resort."""


@dataclass(frozen=True)
class Parameter:
    """One leaf parameter of the scenario schema.

    Attributes:
        key: dotted key, e.g. ``issues.types.opinion.visibility.rider``.
        default: the status-quo default value.
        description: the field description ("" when the field has none).
        annotation: the field's type annotation.
        owner: the schema class the field belongs to.
    """

    key: str
    default: Any
    description: str
    annotation: Any
    owner: type[BaseModel]


def iter_parameters(model: BaseModel | None = None, prefix: str = "") -> Iterator[Parameter]:
    """Walk a configuration model and yield its leaf parameters in declaration order.

    Nested models are walked recursively; dictionaries are expanded per key (their values
    may be models, as for ``issues.types`` and ``service.departments``, or plain values, as
    for ``visibility`` and ``points_per_report``).

    Args:
        model: a configuration instance; the default ``ScenarioConfig()`` when None.
        prefix: dotted prefix of the keys (used in recursion).

    Yields:
        One :class:`Parameter` per leaf.
    """
    model = ScenarioConfig() if model is None else model
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from iter_parameters(value, f"{key}.")
        elif isinstance(value, dict) and value:
            for item, sub in value.items():
                if isinstance(sub, BaseModel):
                    yield from iter_parameters(sub, f"{key}.{item}.")
                else:
                    yield Parameter(
                        f"{key}.{item}",
                        sub,
                        info.description or "",
                        typing.get_args(info.annotation)[-1],
                        type(model),
                    )
        else:
            yield Parameter(key, value, info.description or "", info.annotation, type(model))


def format_value(value: Any) -> str:
    """A default as compact YAML-like text (lists long enough are run-length encoded)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        if "e" in text:
            text = format(value, "f").rstrip("0").rstrip(".")
        return text
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, list | tuple):
        items = [format_value(v) for v in value]
        if len(items) >= LIST_RUNS_FROM:
            runs: list[str] = []
            i = 0
            while i < len(items):
                j = i
                while j < len(items) and items[j] == items[i]:
                    j += 1
                runs.append(items[i] if j - i == 1 else f"{items[i]}x{j - i}")
                i = j
            items = runs
        return "[" + ", ".join(items) + "]"
    return str(value)


def split_source(description: str) -> tuple[str, str]:
    """Separate the source from a field description.

    Args:
        description: the field description, e.g. ``"share ... (source: registered_share)"``.

    Returns:
        (meaning without the source note, source): the source is the targets.yaml key in
        backticks (plus any note that followed it) or ``"assumption"``.
    """
    match = re.search(r"source:\s*([A-Za-z_][\w.]*[\w])([^)]*)", description)
    if match is None:
        meaning = re.sub(r"\s*\(assumption\)|[;,]\s*assumption(?=\))", "", description)
        return meaning.strip(), "assumption"
    rest = match.group(2).strip()
    source = f"`{match.group(1)}`" + (f" {rest}" if rest else "")
    meaning = description[: match.start()] + description[match.end() :]
    meaning = re.sub(r"[;,]\s*\)", ")", meaning)
    meaning = re.sub(r"\s*\(\s*\)", "", meaning)
    return meaning.strip(), source


def unit_and_meaning(parameter: Parameter) -> str:
    """The "unit / meaning" cell: the unit first (where known), then the meaning."""
    meaning, _ = split_source(parameter.description)
    if not meaning and parameter.key.endswith(".enabled"):
        doc = (parameter.owner.__doc__ or "").strip().splitlines()[0].rstrip(".")
        meaning = f"switches the lever on ({doc})"
    unit = ""
    trailing = _TRAILING_UNIT.search(meaning)
    if trailing is not None:
        unit, meaning = trailing.group(1), meaning[: trailing.start()].strip()
    else:
        for pattern, name in _UNIT_RULES:
            if re.search(pattern, meaning):
                unit = name
                break
    constant = re.search(r"\(?one of ([A-Z_]+)\)?", meaning)
    annotation = parameter.annotation
    if constant is not None and isinstance(getattr(codes, constant.group(1), None), tuple):
        unit = "one of " + " \\| ".join(getattr(codes, constant.group(1)))
        meaning = meaning.replace(constant.group(0), "").strip()
    elif typing.get_origin(annotation) is typing.Literal:
        unit = "one of " + " \\| ".join(str(a) for a in typing.get_args(annotation))
    if not unit:
        suffix = parameter.key.rsplit(".", 1)[-1]
        unit = next((u for end, u in _KEY_UNITS if suffix.endswith(end)), "")
    if not unit:
        unit = _TYPE_UNITS.get(annotation, "")
    return f"{unit} — {meaning}" if unit else meaning


def _cell(text: str) -> str:
    """Escape a table cell (pipes and line breaks)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text).replace("\n", " ")


def parameter_table(model: BaseModel | None = None) -> str:
    """The Markdown parameter table of a configuration (default: the status quo).

    Args:
        model: a configuration instance; ``ScenarioConfig()`` when None.

    Returns:
        The table, header included, ending with a newline.
    """
    lines = [
        "| parameter | default | unit / meaning | source |",
        "|---|---|---|---|",
    ]
    for p in iter_parameters(model):
        _, source = split_source(p.description)
        cells = (f"`{p.key}`", f"`{format_value(p.default)}`", unit_and_meaning(p), source)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def outcome_table() -> str:
    """The Markdown table of every outcome, from :data:`model.outcomes.registry.OUTCOMES`.

    Returns:
        The table (outcome, meaning, unit, better, numerator, denominator, window,
        censoring), header included, ending with a newline.
    """
    better = {1: "higher", -1: "lower", 0: "-"}
    lines = [
        "| outcome | meaning | unit | better | numerator | denominator | window | censoring |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec in OUTCOMES.values():
        name = f"**`{spec.name}`**" if spec.headline else f"`{spec.name}`"
        cells = (
            name,
            spec.label,
            spec.unit,
            better[spec.direction],
            spec.numerator,
            spec.denominator or "-",
            spec.window,
            spec.censoring or "-",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def replace_table(text: str, table: str, begin: str = BEGIN, end: str = END) -> str:
    """Put ``table`` between the markers of a document's text.

    Args:
        text: the document.
        table: the Markdown table.
        begin: the opening marker.
        end: the closing marker.

    Returns:
        The document with the text between the markers replaced.

    Raises:
        ValueError: the markers are missing or out of order.
    """
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < 0 or stop < start:
        raise ValueError(f"table markers {begin} ... {end} not found")
    head = text[: start + len(begin)]
    return f"{head}\n\n{table}\n{text[stop:]}"


def generated_tables() -> list[tuple[str, str, str]]:
    """Every generated table of the ODD: (begin marker, end marker, table)."""
    return [
        (BEGIN, END, parameter_table()),
        (OUTCOME_BEGIN, OUTCOME_END, outcome_table()),
        (mechanismdoc.BEGIN, mechanismdoc.END, mechanismdoc.mechanism_table()),
    ]


def update_odd(path: str | Path = ODD_PATH, *, check: bool = False) -> bool:
    """Regenerate the generated tables (parameters, outcomes, mechanisms) in the ODD document.

    Args:
        path: the ODD Markdown file.
        check: only compare, never write.

    Returns:
        True when the file was (``check``: would be) changed.

    Raises:
        ValueError: the markers are missing.
        ConfigError: the mechanism table's data is invalid or disagrees with the schema.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = text
    for begin, end, table in generated_tables():
        new = replace_table(new, table, begin, end)
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m model.reporting.paramdoc [--check] [--path FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m model.reporting.paramdoc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is stale")
    parser.add_argument("--path", type=Path, default=ODD_PATH, help="the ODD Markdown file")
    args = parser.parse_args(argv)
    try:
        changed = update_odd(args.path, check=args.check)
    except ConfigError as error:  # the mechanism table's data; the message names its file
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"error: {args.path}: {error}", file=sys.stderr)
        return 2
    if args.check and changed:
        print(f"{args.path}: a generated table is out of date; run `make docs`", file=sys.stderr)
        return 1
    if changed:
        print(f"{args.path}: generated tables updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The generated mechanism table of ``docs/ODD.md``: lever, behaviour, parameter, value, evidence.

One row per entry of ``model/config/mechanisms.yaml`` (:mod:`model.config.mechanisms`):
the lever, the behaviour the parameter changes, its dotted key, its value — read from the
live schema default, never stored, so the table cannot drift from the model — its evidence
(a published study in the project's own words, or the reasoning of an assumption), its
plausible range (what the sensitivity analysis samples) and the outcomes it moves. Rows are
grouped by lever: first the parameters every lever acts through, then lever by lever in the
order of the ``policies`` block, last the status-quo parameters the levers' effects scale
with. :mod:`model.reporting.paramdoc` writes the table between its markers (``make docs``).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from model.config.mechanisms import (
    LEVERS,
    MECHANISMS_PATH,
    Mechanism,
    MechanismTable,
    load_mechanisms,
    schema_default,
)
from model.config.scenario import ScenarioConfig
from model.outcomes.registry import OUTCOMES

BEGIN = "<!-- BEGIN MECHANISM TABLE -->"
"""Marker line before the generated mechanism table."""

END = "<!-- END MECHANISM TABLE -->"
"""Marker line after the generated mechanism table."""

LEVER_ORDER: tuple[str, ...] = ("all", *LEVERS, "status quo")
"""Order of the lever groups in the table."""

_CONFIDENCE = {"H": "high", "M": "medium", "L": "low"}
"""Words for the confidence codes."""


def _cell(text: str) -> str:
    """Escape a table cell (pipes, line breaks)."""
    return re.sub(r"(?<!\\)\|", r"\\|", " ".join(text.split()))


def format_number(value: float | int) -> str:
    """A number as short text: integers without a decimal point, no exponent notation."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1):
        return f"{int(value):,}"
    text = repr(float(value))
    if "e" in text:
        text = format(float(value), "f").rstrip("0").rstrip(".")
    return text


def evidence_text(entry: Mechanism) -> str:
    """The evidence cell: the study (context, effect size, confidence, use) or the assumption."""
    source = entry.source
    if source is None:
        return f"*assumption:* {entry.assumption}"
    text = (
        f"**{source.study}** — {source.context}: {source.effect_size} "
        f"(confidence {_CONFIDENCE[source.confidence]})."
    )
    return f"{text} {source.use}" if source.use else text


def ordered(table: MechanismTable) -> list[Mechanism]:
    """The entries grouped by lever (:data:`LEVER_ORDER`), file order within a lever."""
    rank = {lever: i for i, lever in enumerate(LEVER_ORDER)}
    return sorted(table.mechanisms, key=lambda entry: rank[entry.lever])


def mechanism_table(path: str | Path = MECHANISMS_PATH) -> str:
    """The Markdown mechanism table, with a one-line count of sources above it.

    Args:
        path: the mechanisms YAML file.

    Returns:
        The text, ending with a newline.

    Raises:
        model.config.errors.ConfigError: the file is invalid or disagrees with the schema.
    """
    table = load_mechanisms(path, known_outcomes=OUTCOMES)
    config = ScenarioConfig()
    entries = ordered(table)
    sourced = sum(entry.source is not None for entry in entries)
    kinds = Counter(entry.kind for entry in entries)
    kind_text = ", ".join(f"{kinds[k]} {k}" for k in ("behaviour", "process", "design", "cost"))
    lines = [
        f"{len(entries)} parameters ({kind_text}): {sourced} with a published source, "
        f"{len(entries) - sourced} assumptions. Every one has a plausible range that "
        "contains its value.",
        "",
        "| lever | parameter | value | behaviour it changes | evidence | range "
        "| outcomes it moves |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in entries:
        low, high = entry.range
        outcomes = ", ".join(f"`{name}`" for name in entry.outcomes) or "none"
        cells = (
            entry.lever,
            f"`{entry.parameter}`",
            f"`{format_number(schema_default(entry.parameter, config))}`",
            f"{entry.behaviour} ({entry.kind})",
            evidence_text(entry),
            f"{format_number(low)} to {format_number(high)}",
            outcomes,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"

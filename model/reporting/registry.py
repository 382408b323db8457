"""Outcome metadata for the report: labels, units, directions and the headline outcomes.

The outcome registry (:data:`model.outcomes.registry.OUTCOMES`) is the single source of truth
for what an outcome means; this module is the only place the reporting layer reads it.
"""

from __future__ import annotations

from model.outcomes.registry import OUTCOMES

DIRECTION_NAMES = {1: "higher", -1: "lower", 0: "neutral"}
"""Registry direction (+1, -1, 0) -> the direction names of the analysis layer."""


def outcome_names() -> list[str]:
    """Every outcome in registry order."""
    return list(OUTCOMES)


def headline_outcomes() -> list[str]:
    """Headline outcomes in registry (brief) order."""
    return [name for name, spec in OUTCOMES.items() if spec.headline]


def direction(name: str) -> str:
    """Direction of an outcome as "higher", "lower" or "neutral".

    Raises:
        KeyError: the outcome is not in the registry.
    """
    if name not in OUTCOMES:
        raise KeyError(f"outcome {name!r} is not in the outcome registry")
    return DIRECTION_NAMES[OUTCOMES[name].direction]


def unit(name: str) -> str:
    """Unit of an outcome as written in the registry ("share", "hours", "yuan", ...)."""
    if name not in OUTCOMES:
        raise KeyError(f"outcome {name!r} is not in the outcome registry")
    return OUTCOMES[name].unit


def english_label(name: str) -> str:
    """The registry's plain English label of an outcome."""
    if name not in OUTCOMES:
        raise KeyError(f"outcome {name!r} is not in the outcome registry")
    return OUTCOMES[name].label

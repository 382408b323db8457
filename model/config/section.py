"""The base of every configuration block: unknown keys are errors, values are validated."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


def known_keys(value: Any, allowed: tuple[str, ...], what: str) -> Any:
    """Reject unknown keys of a name-keyed mapping before its entries are validated."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {what} {unknown}; expected one of {list(allowed)}")
    return value


class Section(BaseModel):
    """Base of every configuration block: unknown keys are errors, values are validated.

    Numbers must be finite: ``.inf`` and ``.nan`` are refused everywhere (a bound such as
    ``ge=0`` would let infinity through, and an unbounded weight would let NaN through).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False
    )

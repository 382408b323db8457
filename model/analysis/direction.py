"""Which way an outcome is better, and how to orient a difference accordingly.

Every comparison in this package needs to know whether a larger value of an outcome is good
(issues fixed within 7 days), bad (median hours to fix, public cost) or neither (a count that
is only descriptive). The caller states it per outcome; nothing here guesses from a name.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Direction(StrEnum):
    """Which way an outcome is better.

    Attributes:
        HIGHER: a larger value is better (e.g. share of issues fixed within 7 days).
        LOWER: a smaller value is better (e.g. median hours from opening to fix, yuan spent).
        NEUTRAL: neither; differences are reported as "higher"/"lower", never better/worse.
    """

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


def parse_direction(value: str | Direction) -> Direction:
    """Read a direction from its value (``"higher"``, ``"lower"``, ``"neutral"``).

    Args:
        value: a :class:`Direction` or its string value.

    Returns:
        The direction.

    Raises:
        ValueError: the value names no direction.
    """
    try:
        return Direction(value)
    except ValueError:
        allowed = ", ".join(d.value for d in Direction)
        raise ValueError(f"unknown direction {value!r}; expected one of {allowed}") from None


def sign(direction: Direction) -> float:
    """Factor that turns a raw difference into an improvement (+1 higher, -1 lower).

    Raises:
        ValueError: the direction is neutral, so an improvement is undefined.
    """
    if direction is Direction.HIGHER:
        return 1.0
    if direction is Direction.LOWER:
        return -1.0
    raise ValueError("a neutral outcome has no direction of improvement")


def orient(values: np.ndarray | float, direction: Direction) -> np.ndarray:
    """Raw differences as improvements: positive means better in the outcome's direction."""
    return sign(direction) * np.asarray(values, dtype=float)

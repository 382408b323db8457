"""Shared look of the figures: the Okabe-Ito palette, verdict colours, fonts, sizes."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from model.analysis.effects import BETTER, HIGHER, LOWER, WORSE
from model.reporting.fonts import ensure_families, is_wide
from model.reporting.text import Text

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
"""Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies."""

SERIES_COLOURS = [
    OKABE_ITO[name]
    for name in ("black", "blue", "orange", "green", "vermillion", "purple", "sky_blue")
]
"""Line colours in order; the reference arm takes the first (black)."""

DIVERGING = "PuOr"
"""Diverging colour map (ColorBrewer purple-orange, colour-blind safe); purple = better."""

SEQUENTIAL = "viridis"


def verdict_colour(verdict: str) -> str:
    """Blue for better, vermillion for worse, grey for no detectable difference."""
    if verdict in (BETTER, HIGHER):
        return OKABE_ITO["blue"]
    if verdict in (WORSE, LOWER):
        return OKABE_ITO["vermillion"]
    return OKABE_ITO["grey"]


@contextlib.contextmanager
def context(t: Text) -> Iterator[None]:
    """Matplotlib settings of the report (fonts of the language, sizes, no top/right spines).

    The language's font families are registered first (the Chinese font ships in a
    dependency, see :mod:`model.reporting.fonts`), so every figure of every page can draw its
    language's characters in whatever process it is drawn.
    """
    ensure_families(t.font_families)
    settings = {
        "font.family": t.font_families,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=SERIES_COLOURS),
        "figure.dpi": 100,
        "savefig.dpi": 110,
    }
    with mpl.rc_context(settings):
        yield


def new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **options) -> tuple:
    """A figure (constrained layout) and its axes; call inside :func:`context`."""
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, **options)
    return figure, axes


def wrap(text: str, width: int) -> str:
    """Break a title into lines of at most ``width`` characters (at spaces).

    Languages written without spaces (Chinese) are broken every ``width`` characters.
    """
    if " " not in text:
        return "\n".join(text[i : i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width)


NO_LINE_START = frozenset(
    "\uff0c\u3002\u3001\uff1b\uff1a\uff1f\uff01\uff09\u300b\u300d\u300f\u3011%"
)
"""Full-width closing punctuation of Chinese (comma, full stop, enumeration comma, semicolon,
colon, question and exclamation marks, closing brackets) and the per-cent sign: never the first
character of a line."""


def display_width(text: str) -> int:
    """Width of ``text`` in columns of a Latin letter: a Han character counts two."""
    return sum(2 if is_wide(char) else 1 for char in text)


def wrap_columns(text: str, columns: int) -> str:
    """Break a title into lines at most ``columns`` Latin letters wide.

    Text with spaces breaks at spaces (:func:`textwrap.fill`). Text with wide characters
    (Chinese, two columns each) breaks between characters, never before closing punctuation,
    so a Chinese title takes about as much room as its English counterpart.
    """
    if display_width(text) == len(text):
        return textwrap.fill(text, columns)
    lines: list[str] = []
    line = ""
    for char in text:
        if line and display_width(line + char) > columns and char not in NO_LINE_START:
            lines.append(line.rstrip())
            line = char.lstrip()
        else:
            line += char
    lines.append(line)
    return "\n".join(lines)


def thousands(t: Text):
    """Tick formatter with the locale's digit grouping."""
    return mpl.ticker.FuncFormatter(lambda value, _: t.number(value))


def community_patch(rect: Any, **patch: Any) -> Rectangle:
    """The outline of one community on a street map, in cells.

    Args:
        rect: a row of :func:`model.reporting.equity.community_rectangles` (``x0``, ``x1``,
            ``y0``, ``y1``).
        **patch: matplotlib patch properties (face, edge, hatch, ...).
    """
    return Rectangle((rect.x0, rect.y0), rect.x1 - rect.x0, rect.y1 - rect.y0, **patch)

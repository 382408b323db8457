"""Fonts of the report figures: the packaged Simplified Chinese font and its registration.

Matplotlib's bundled DejaVu Sans has no Han characters: Chinese figure text would come out as
empty boxes with a "Glyph ... missing from font(s)" warning. The project depends on the PyPI
package ``pylopdf-fonts-zh-cn`` (pinned in pyproject.toml), which ships Noto Sans SC Regular,
the Simplified Chinese subset of Noto Sans CJK (SIL Open Font License 1.1), as a plain OpenType
file; so a fresh ``pip install`` of the project is all a machine needs to draw Chinese figures.

A language's messages file names the font families of its figures (``meta.font_families``);
Chinese names ``DejaVu Sans, Noto Sans SC``. Matplotlib (>= 3.6) falls back glyph by glyph
along ``font.family``, so Latin letters and digits keep DejaVu Sans (Chinese and English
figures share one look) and each Han character or full-width punctuation mark comes from
Noto Sans SC. Registration is per process (matplotlib does not remember ``addfont``), so
:func:`ensure_families` runs whenever a figure is drawn (:func:`model.reporting.figures.style.
context`), in the notebook kernel as in a test. Han characters inside mathtext (``$...$``) are
not covered: mathtext does not fall back.
"""

from __future__ import annotations

import base64
import io
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from matplotlib import font_manager

PACKAGED_FONTS: dict[str, tuple[str, str, str]] = {
    "Noto Sans SC": ("pylopdf-fonts-zh-cn", "pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf"),
}
"""Family -> (distribution on PyPI, import package, font file inside the package)."""

CJK_FAMILY = "Noto Sans SC"
"""The family that draws Chinese characters."""

GENERIC_FAMILIES = frozenset({"serif", "sans-serif", "monospace", "cursive", "fantasy"})
"""Matplotlib's generic family names (resolved through rcParams, always available)."""


class FontMissingError(RuntimeError):
    """A font family a language needs is neither installed nor shipped by a dependency."""


def packaged_font_path(family: str) -> Path:
    """The font file of a packaged family (``Noto Sans SC``) in its installed package.

    Raises:
        FontMissingError: the family is not packaged, its package is not installed, or the
            package lacks the font file.
    """
    if family not in PACKAGED_FONTS:
        raise FontMissingError(f"font family {family!r} is not shipped by a dependency")
    distribution, package, filename = PACKAGED_FONTS[family]
    try:
        path = Path(str(resources.files(package) / filename))
    except ModuleNotFoundError:
        raise FontMissingError(
            f"font {family!r} needs the package {distribution!r}, which is not installed; "
            "install the project's dependencies (pip install -e .)"
        ) from None
    if not path.is_file():
        raise FontMissingError(
            f"font {family!r}: file {filename!r} not found at {path} "
            f"(package {distribution!r} is incomplete)"
        )
    return path


def register_packaged_font(family: str) -> str:
    """Register a packaged font with matplotlib (once per process).

    Returns:
        The family name matplotlib knows the font by.

    Raises:
        FontMissingError: see :func:`packaged_font_path`.
    """
    path = packaged_font_path(family)
    if all(Path(entry.fname) != path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=path).get_name()


def register_cjk_font() -> str:
    """Register the Simplified Chinese font (Noto Sans SC) and return its family name."""
    return register_packaged_font(CJK_FAMILY)


def ensure_families(families: Iterable[str]) -> None:
    """Make every family of a language's figures available to matplotlib.

    Packaged families are registered; any other family must already be known to matplotlib
    (DejaVu Sans ships with it). A family that is neither is an error here rather than
    silent boxes in the figures.

    Raises:
        FontMissingError: a family is unavailable.
    """
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in families:
        if family in PACKAGED_FONTS:
            register_packaged_font(family)
        elif family not in known and family not in GENERIC_FAMILIES:
            raise FontMissingError(
                f"font family {family!r} (meta.font_families) is not installed and no "
                "dependency ships it"
            )


# ---------------------------------------------------------------------- fonts of the pages

EMBEDDED_FAMILY = "Streetwise Noto Sans SC"
"""CSS name of the Chinese font embedded in a page (a subset of Noto Sans SC)."""

CJK_UNICODE_RANGE = "U+2E80-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF"
"""Characters the embedded font draws: CJK radicals, punctuation and ideographs, compatibility
ideographs and forms, full-width forms. Everything else keeps the page's Latin fonts."""

PAGE_FONT_STACK = (
    f"'{EMBEDDED_FAMILY}', system-ui, -apple-system, blinkmacsystemfont, 'Segoe UI', helvetica, "
    "arial, 'DejaVu Sans', sans-serif"
)
"""Fonts of a page's text. The embedded font comes first but draws only the characters of
:data:`CJK_UNICODE_RANGE`; listed last, a browser would draw Chinese with whatever system font
it falls back to first (boxes where there is none) and might never load it."""


def is_wide(char: str) -> bool:
    """Whether a character is East Asian wide or full-width (Han, Chinese punctuation)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def embedded_font_css(page_text: str) -> str:
    """CSS that embeds the Chinese font, cut down to the characters of a page.

    A page is self-contained (it loads nothing from the network), so a reader whose machine
    has no Chinese font would see boxes; the page therefore carries a subset of Noto Sans SC
    (the OFL allows embedding it in documents) holding only the wide characters it uses
    (about 100 kB for a Chinese report), the same font as its figures. The font draws only
    the characters of :data:`CJK_UNICODE_RANGE` (``unicode-range``), so Latin letters and
    digits keep the page's usual fonts.

    Args:
        page_text: the page's HTML (any text: only its non-ASCII characters matter).

    Returns:
        A ``<style>`` element, or "" when the page has no wide character.

    Raises:
        FontMissingError: the font package is not installed.
    """
    characters = "".join(sorted({char for char in page_text if is_wide(char)}))
    if not characters:
        return ""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(packaged_font_path(CJK_FAMILY)))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        "<style type='text/css'>"
        f"@font-face {{ font-family: '{EMBEDDED_FAMILY}'; "
        f"src: url(data:font/otf;base64,{data}) format('opentype'); "
        f"unicode-range: {CJK_UNICODE_RANGE}; }}\n"
        f":root {{ --jp-ui-font-family: {PAGE_FONT_STACK}; "
        f"--jp-content-font-family: {PAGE_FONT_STACK}; }}\n"
        f"body, header.streetwise {{ font-family: {PAGE_FONT_STACK}; }}"
        "</style>"
    )


def with_embedded_font(page: str) -> str:
    """The page with :func:`embedded_font_css` placed at the end of its ``<head>``."""
    css = embedded_font_css(page)
    if not css:
        return page
    head_end = page.find("</head>")
    if head_end < 0:
        raise ValueError("page has no </head> to put its font into")
    return page[:head_end] + css + page[head_end:]

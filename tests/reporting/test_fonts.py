"""Chinese figures and pages render with real glyphs: no "Glyph missing", no boxes.

The font comes from a dependency (``pylopdf-fonts-zh-cn``: Noto Sans SC, OFL), so a fresh
install of the project draws Chinese; every report figure registers it through
``figures.style.context``; pages carry a subset of it.
"""

# ruff: noqa: RUF001  (Chinese labels are written with full-width punctuation)

from __future__ import annotations

import base64
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from model.reporting import fonts
from model.reporting.figures import style
from model.reporting.text import GLOSSARY_PATH, MESSAGES_DIR, Text, flatten

from . import test_notebooks as english_pages

FIGURE_TERMS = (
    "响应率 解决率 满意率 新就业群体 骑手 快递员 网约车司机 积分 荣誉 暖蜂驿站 议事协商 随手拍 "
    "小程序 接诉即办 街道 社区 网格员 问题 一周内解决 升级事件 每年 元"
).split()


def draw(t: Text) -> bytes:
    """A report-like figure in the language of ``t`` (title, labels, ticks, legend) as PNG."""
    with style.context(t):
        figure, axes = style.new_figure(8, 4)
        ax = axes[0, 0]
        positions = np.arange(len(FIGURE_TERMS))
        ax.bar(
            positions,
            np.linspace(1.0, 0.2, len(FIGURE_TERMS)),
            label=t.outcome_label("resolved_share"),
        )
        ax.set_xticks(positions, FIGURE_TERMS, rotation=60, ha="right")
        ax.set_xlabel(t("figures.funnel.xlabel"))
        ax.set_ylabel(t("figures.forest.ylabel"))
        ax.set_title(t("figures.forest.title"))
        ax.legend(title=t.term("three_rates"))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def render_text(text: str, t: Text) -> np.ndarray:
    """Pixels of ``text`` alone on a small canvas, in the fonts of ``t``."""
    with style.context(t), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = Figure(figsize=(3, 0.6), dpi=100)
        canvas = FigureCanvasAgg(figure)
        figure.text(0.02, 0.3, text, fontsize=14)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()


@pytest.fixture
def dejavu_only() -> Text:
    """Chinese messages with the font families of English: what a figure without the fix got."""
    t = Text("zh")
    t.font_families = ["DejaVu Sans"]
    return t


def test_the_font_ships_inside_the_installed_dependency():
    family = fonts.register_cjk_font()
    assert family == "Noto Sans SC"
    path = fonts.packaged_font_path(family)
    assert path.name == "NotoSansSC-Regular.otf" and path.parent.name == "pylopdf_fonts_zh_cn"
    assert "site-packages" in path.parts and path.stat().st_size > 1_000_000
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"pylopdf-fonts-zh-cn==0.1.1"' in pyproject


def test_registering_twice_adds_the_font_once():
    fonts.register_cjk_font()
    fonts.register_cjk_font()
    path = fonts.packaged_font_path(fonts.CJK_FAMILY)
    assert sum(Path(e.fname) == path for e in font_manager.fontManager.ttflist) == 1


def test_a_chinese_figure_draws_without_a_missing_glyph():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = draw(Text("zh"))
    assert len(png) > 10_000


def test_without_the_chinese_family_the_same_figure_fails(dejavu_only: Text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=r"Glyph \d+ .* missing from font"):
            draw(dejavu_only)


def test_han_characters_are_distinct_glyphs_not_boxes(dejavu_only: Text):
    chinese = Text("zh")
    drawn = [render_text(char, chinese) for char in "响应率解决满意"]
    box = render_text("响", dejavu_only)
    for index, bitmap in enumerate(drawn):
        assert not np.array_equal(bitmap, box)
        assert all(not np.array_equal(bitmap, other) for other in drawn[index + 1 :])


def test_latin_letters_and_digits_keep_dejavu_sans():
    latin = "Response rate 95% CI -12.5 to 3.0"
    assert np.array_equal(render_text(latin, Text("zh")), render_text(latin, Text("en")))


def test_the_font_covers_every_chinese_message_and_glossary_term():
    glossary = yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8"))
    terms = "".join(
        entry["zh"]
        for section in glossary.values()
        if isinstance(section, dict)
        for entry in section.values()
    )
    messages = "".join(
        flatten(yaml.safe_load((MESSAGES_DIR / "zh.yaml").read_text(encoding="utf-8"))).values()
    )
    font = FT2Font(str(fonts.packaged_font_path(fonts.CJK_FAMILY)))
    text = terms + messages + "".join(FIGURE_TERMS)
    uncovered = sorted({c for c in text if ord(c) > 127 and font.get_char_index(ord(c)) == 0})
    assert len(text) > 5000
    assert uncovered == []


def test_a_missing_package_or_family_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(
        fonts.PACKAGED_FONTS, "Noto Sans SC", ("no-such-dist", "no_such_font_pkg", "x.otf")
    )
    with pytest.raises(fonts.FontMissingError, match="'no-such-dist', which is not installed"):
        fonts.register_cjk_font()
    with pytest.raises(fonts.FontMissingError, match="'Nowhere Sans'"):
        fonts.ensure_families(["DejaVu Sans", "Nowhere Sans"])
    fonts.ensure_families(["DejaVu Sans", "sans-serif"])


def test_a_missing_font_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(
        fonts.PACKAGED_FONTS,
        "Noto Sans SC",
        ("pylopdf-fonts-zh-cn", "pylopdf_fonts_zh_cn", "NoSuchFont-Regular.otf"),
    )
    with pytest.raises(fonts.FontMissingError, match=re.escape("NoSuchFont-Regular.otf")):
        fonts.register_cjk_font()


# --------------------------------------------------------------------------- pages


def embedded_font(css: str) -> TTFont:
    (data,) = re.findall(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", css)
    return TTFont(io.BytesIO(base64.b64decode(data)))


def test_a_chinese_page_embeds_exactly_the_characters_it_shows():
    body = "<h1>政策简报</h1><p>在模型中，响应率 +2.1个百分点</p>"
    page = f"<html><head></head><body>{body}</body></html>"
    out = fonts.with_embedded_font(page)
    css = out[out.index("<style") : out.index("</head>")]
    assert out.endswith("<p>在模型中，响应率 +2.1个百分点</p></body></html>")
    assert f"font-family: '{fonts.EMBEDDED_FAMILY}'" in css
    assert fonts.PAGE_FONT_STACK.startswith(f"'{fonts.EMBEDDED_FAMILY}', ")
    assert f"unicode-range: {fonts.CJK_UNICODE_RANGE};" in css
    font = embedded_font(css)
    covered = set(map(chr, font.getBestCmap()))
    shown = {c for c in "政策简报在模型中，响应率个百分点"}
    assert shown <= covered
    assert not covered & set("骑手快递员")  # only the page's own characters
    assert len(base64.b64decode(re.search(r"base64,([^)]+)", css).group(1))) < 60_000


def test_a_page_without_chinese_embeds_nothing():
    page = (
        "<html><head></head><body><p>Policy brief: 15 % · 2026-01-21 – “quoted”</p></body></html>"
    )
    assert fonts.with_embedded_font(page) == page


def test_chinese_titles_wrap_by_display_width_never_before_closing_punctuation():
    title = "新就业群体参与率，按在岗人月（变化，百分点）"
    lines = style.wrap_columns(title, 34).split("\n")
    assert "".join(lines) == title
    # a closing punctuation mark may hang past the width rather than begin the next line
    assert all(style.display_width(line.rstrip("，）")) <= 34 for line in lines)
    assert len(lines) == 2 and lines[1][0] not in "，）"
    assert style.wrap_columns("一二三，四", 6) == "一二三，\n四"  # the comma stays on its line
    english = "Worker participation per worker-month (change, percentage points)"
    assert style.wrap_columns(english, 34) == style.wrap(english, 34)


@pytest.mark.skipif(english_pages.CHROMIUM is None, reason="chromium is not installed")
def test_chromium_draws_the_embedded_han_glyphs_not_boxes(tmp_path: Path):
    """Boxes for missing glyphs all look alike; real glyphs of two characters differ."""
    shots = []
    for index, char in enumerate("响应"):
        page = tmp_path / f"{index}.html"
        body = f"<p style='font-size:48px;margin:8px'>{char}率 Rate</p>"
        page.write_text(
            fonts.with_embedded_font(
                f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'/></head>"
                f"<body>{body}</body></html>"
            ),
            encoding="utf-8",
        )
        shot = tmp_path / f"{index}.png"
        english_pages.run_chromium(
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=320,200",
            "--virtual-time-budget=3000",  # let the page load its font before the shot
            page.resolve().as_uri(),
        )
        shots.append(np.asarray(Image.open(shot).convert("L"), dtype=float))
    first, second = shots
    assert (first < 128).mean() > 0.01 and (second < 128).mean() > 0.01
    left = slice(0, 70)  # the first character only
    assert np.abs(first[:, left] - second[:, left]).mean() > 1.0
    right = slice(130, 320)  # "率 Rate" is the same on both pages
    assert np.array_equal(first[:, right], second[:, right])

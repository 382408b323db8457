"""Every report notebook executes in Chinese and its page reads in Chinese (issue 16).

Compare, factorial and scenario run through papermill on the synthetic results with planted
effects, calibration runs the model itself (2 seeds, 40 days), all with ``lang="zh"``. The
notebook kernels run with ``PYTHONWARNINGS=error:Glyph``: a character missing from the
figures' fonts raises inside the cell, and papermill fails the test. The Chinese compare page
is opened in headless chromium.
"""

# ruff: noqa: RUF001  (Chinese text is written with full-width punctuation)

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from model.reporting.html import external_resources
from model.reporting.index import write_index
from model.reporting.notebooks import ALL_REPORTS, render_calibration, render_report
from model.reporting.pages import compare
from model.reporting.pipeline import scenario_arm
from model.reporting.text import Text

from . import test_notebooks as english_pages
from .test_zh import english_leftovers, message_keys_shown

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def chinese_reports(tmp_path_factory, standard_folder, factorial_folder, sensitivity_folder):
    out = tmp_path_factory.mktemp("reports-zh")
    arm = scenario_arm(standard_folder)
    with pytest.MonkeyPatch.context() as patch:
        # the kernels inherit the environment: a missing glyph is an error in the cell
        patch.setenv("PYTHONWARNINGS", "error:Glyph")
        files = {
            "compare": render_report(
                "compare",
                out / "standard",
                results=standard_folder,
                lang="zh",
                quick=True,
                parameters={"sensitivity": str(sensitivity_folder)},
            ),
            "factorial": render_report(
                "factorial", out / "factorial", results=factorial_folder, lang="zh"
            ),
            "scenario": render_report(
                "scenario",
                out / "standard",
                results=standard_folder,
                lang="zh",
                parameters={"arm": arm},
            ),
            "calibration": render_calibration(
                out / "calibration", seeds=2, days=40, workers=1, lang="zh"
            ),
        }
    write_index(out, lang="zh")
    return out, files


def page(chinese_reports, name: str) -> str:
    return chinese_reports[1][name].html.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ALL_REPORTS)
def test_every_notebook_executes_in_chinese_into_a_chinese_page(chinese_reports, name: str):
    files = chinese_reports[1][name]
    text = page(chinese_reports, name)
    assert files.html.name == f"{name}.zh.html"
    assert '<html lang="zh-CN">' in text
    assert files.meta.lang == "zh" and HAN.search(files.meta.title)
    assert f"<title>{html.escape(files.meta.title)}</title>" in text
    assert files.meta.warnings == []  # nothing printed to stderr, no glyph warning
    sections = re.findall(r"<section id=[\"']([a-z-]+)[\"']>", text)
    assert sections == list(english_pages.SECTIONS[name])
    assert len(HAN.findall(text)) > 300
    assert "代码版本" in text and "软件包版本" in text and "运行耗时" in text
    assert not message_keys_shown(text)
    assert not english_leftovers(text, Text("en"))
    assert "Traceback" not in text
    assert external_resources(text) == []
    assert "@font-face" in text and "data:font/otf;base64," in text  # readable on any machine


def test_the_chinese_compare_page_has_the_brief_and_the_generated_findings(
    chinese_reports, standard_folder, sensitivity_folder
):
    text = page(chinese_reports, "compare")
    t = Text("zh")
    assert re.search(r"<table class=[\"']brief", text)
    for key in ("brief.columns.arm", "brief.columns.fixed_per_year", "brief.columns.public_cost"):
        assert html.escape(t(key)) in text, key
    assert "快速运行：仅供参考" in text
    assert "是：位于有效前沿上" in text
    expected = compare.build(
        standard_folder, lang="zh", sensitivity_folder=sensitivity_folder, quick=True
    ).findings
    assert len(expected) >= 5
    for finding in expected:
        assert html.escape(finding.text) in text, finding.text


def test_factorial_scenario_and_calibration_read_in_chinese(chinese_reports):
    assert "相互增强" in page(chinese_reports, "factorial")
    assert "单项措施深度分析" in page(chinese_reports, "scenario")
    calibration = page(chinese_reports, "calibration")
    headline = r"\d+项需再现的目标中有\d+项落在其区间内（2次重复，每次统计40天）"
    assert re.search(headline, calibration)


def test_the_chinese_index_links_every_chinese_page(chinese_reports):
    index = (chinese_reports[0] / "index.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in index and "<title>Streetwise 报告</title>" in index
    for href in (
        "standard/compare.zh.html",
        "standard/scenario.zh.html",
        "factorial/factorial.zh.html",
        "calibration/calibration.zh.html",
    ):
        assert re.search(rf"hreflang='zh' href='{re.escape(href)}'", index), href
    assert index.count("<td>中文</td>") == 4
    assert "@font-face" in index


@pytest.mark.skipif(english_pages.CHROMIUM is None, reason="chromium is not installed")
def test_the_chinese_compare_page_is_not_blank_in_chromium(chinese_reports, tmp_path: Path):
    url = chinese_reports[1]["compare"].html.resolve().as_uri()
    dom = english_pages.run_chromium(
        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url
    ).stdout
    assert re.search(r"<table class=\"brief", dom)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", dom)) >= 10
    assert "在模型中" in dom and "Traceback" not in dom
    ink = english_pages.screenshot_ink(url, tmp_path / "page.png")
    assert ink > 0.005, f"page looks blank ({ink:.3%} dark pixels)"

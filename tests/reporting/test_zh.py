"""Chinese reports (issue 16): one messages file per language, the same numbers in both.

The messages file zh.yaml has exactly the keys and fields of en.yaml and no English left in
it; the generated findings fill the Chinese templates with the numbers the English ones get;
every section of the compare, factorial and scenario pages builds in Chinese with warnings
turned into errors (a missing glyph in a figure fails); the glossary names the policy terms
officials use. The notebooks executed in Chinese are in ``test_zh_notebooks.py``.
"""

# ruff: noqa: RUF001  (Chinese sentences are written with full-width punctuation)

from __future__ import annotations

import html
import json
import re
import warnings
from collections import Counter
from pathlib import Path

import pytest
import yaml

from model.config.paths import REPO_ROOT
from model.reporting.findings import Finding
from model.reporting.notebooks import NOTEBOOKS
from model.reporting.pages import compare, factorial, scenario
from model.reporting.pipeline import scenario_arm
from model.reporting.text import (
    GLOSSARY_PATH,
    MESSAGES_DIR,
    Text,
    flatten,
    glossary_markdown,
    placeholders,
)

HAN = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
POLICY_TERMS = (
    "响应率",
    "解决率",
    "满意率",
    "三率",
    "新就业群体",
    "骑手",
    "快递员",
    "网约车司机",
    "积分",
    "荣誉",
    "暖蜂驿站",
    "议事协商",
    "随手拍",
    "小程序",
    "接诉即办",
    "12345",
)
"""Terms of the Chinese policy debate that the issue asks the reports to use."""

NOT_PROSE = {"meta.locale", "meta.html_lang", "meta.font_families", "format.p_small"}
"""Messages that are codes, font names or symbols, not words a translator writes."""


def raw_messages(lang: str) -> dict[str, str]:
    return flatten(yaml.safe_load((MESSAGES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")))


def test_zh_has_exactly_the_keys_of_en_and_the_same_fields_per_key():
    english, chinese = raw_messages("en"), raw_messages("zh")
    assert set(chinese) == set(english)
    differing = {
        key: (sorted(placeholders(english[key])), sorted(placeholders(chinese[key])))
        for key in english
        if placeholders(english[key]) != placeholders(chinese[key])
    }
    assert not differing


def test_every_zh_message_is_translated():
    english, chinese = raw_messages("en"), raw_messages("zh")
    untranslated = []
    for key, text in chinese.items():
        words = re.sub(r"\{[a-z_]+\}", "", english[key])
        if key in NOT_PROSE or not re.search(r"[A-Za-z]{2,}", words):
            continue  # symbols and templates without words ("{value} %", " + ")
        if not HAN.search(text):
            untranslated.append(key)
    assert not untranslated


def test_zh_writes_sentences_without_folded_spaces():
    """Chinese has no spaces between words: a folded YAML line break would put one in."""
    spaced = [
        key
        for key, text in raw_messages("zh").items()
        if re.search(r"[\u4e00-\u9fff\uff0c\u3002] [\u4e00-\u9fff]", text)
    ]
    assert not spaced


def test_the_policy_terms_officials_use_are_in_the_glossary_and_messages():
    glossary_zh = json.dumps(
        yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8")), ensure_ascii=False
    )
    messages_zh = " ".join(raw_messages("zh").values())
    missing = [term for term in POLICY_TERMS if term not in glossary_zh + messages_zh]
    assert not missing
    t = Text("zh")
    assert t.outcome_label("response_rate") == "响应率"
    assert t.outcome_label("resolved_share") == "解决率"
    assert t.outcome_label("satisfaction_rate") == "满意率"
    assert [t.worker_kind(k) for k in ("rider", "courier", "driver")] == [
        "骑手",
        "快递员",
        "网约车司机",
    ]
    assert t.term("swift_response") == "接诉即办"
    assert t.term("new_employment_workers") == "新就业群体"
    assert "暖蜂驿站" in t.lever("stations") and "议事协商" in t.lever("deliberation")
    assert "随手拍" in t.lever("mini_program")
    assert not t.missing


def test_chinese_numbers_and_units():
    t = Text("zh")
    assert t.number(12345.67, 1) == "12,345.7"
    assert t.percent(0.153) == "15%"
    assert t.points(0.021) == "+2.1个百分点"
    assert t.points_range(0.221, 0.248) == "+22.1至+24.8个百分点"
    assert t.yuan(45500) == "45,500元"
    assert t.hours_range(-30, -12, signed=True) == "-30至-12小时"
    assert t.join(["设岗定责", "积分激励", "荣誉激励"]) == "设岗定责、积分激励和荣誉激励"
    assert t("terms.measures", n=t.cardinal(9)) == "九项措施"
    assert t.community(3) == "第4社区"
    assert t.html_lang == "zh-CN"
    assert t.font_families == ["DejaVu Sans", "Noto Sans SC"]


# --------------------------------------------------------------------------- pages in-process


def section_methods(notebook: str) -> list[str]:
    """The ``page.<section>()`` calls of a notebook, in order (what a reader sees)."""
    book = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in book["cells"])
    return re.findall(r"^page\.([a-z_]+)\(\)", code, flags=re.M)


def page_html(page, notebook: str) -> str:
    """Every section of a page as the notebook shows it, warnings raised as errors."""
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in section_methods(notebook):
            parts.append(getattr(page, name)().data)
    return "".join(parts)


@pytest.fixture(scope="module")
def compare_pages(standard_folder: Path, sensitivity_folder: Path) -> dict:
    pages = {}
    for lang in ("en", "zh"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            page = compare.build(
                standard_folder, lang=lang, sensitivity_folder=sensitivity_folder, quick=True
            )
        pages[lang] = (page, page_html(page, "compare"))
    return pages


def english_leftovers(page: str, t_en: Text) -> list[str]:
    """English messages (without fields, longer than a word) that appear in a page's text."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return [
        message
        for key, message in t_en.messages.items()
        if not placeholders(message)
        and len(message) > 12
        and key not in NOT_PROSE
        and message in text
    ]


def message_keys_shown(page: str) -> list[str]:
    """Message ids (``brief.columns.arm``) that leaked into the page instead of their text."""
    sections = {key.split(".")[0] for key in Text("en").messages}
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    found = re.findall(r"\b([a-z_]+(?:\.[a-z0-9_]+)+)\b", text)
    files = ("yaml", "json", "parquet", "html", "ipynb", "png")
    return [
        key for key in found if key.split(".")[0] in sections and key.split(".")[-1] not in files
    ]


def test_compare_page_builds_in_chinese_without_a_missing_glyph(compare_pages):
    page, text = compare_pages["zh"]
    assert section_methods("compare")[:3] == ["title", "brief_section", "findings_section"]
    assert "<table class='brief" in text or '<table class="brief' in text
    for key in ("brief.columns.arm", "brief.columns.fixed_per_year", "sections.findings"):
        assert html.escape(page.t(key)) in text, key
    assert text.count("data:image/png;base64,") >= 10
    assert not page.t.missing
    assert not english_leftovers(text, Text("en"))
    assert not message_keys_shown(text)


def test_chinese_findings_are_the_english_findings_with_the_same_numbers(compare_pages):
    english: list[Finding] = compare_pages["en"][0].findings
    chinese: list[Finding] = compare_pages["zh"][0].findings
    assert len(chinese) >= 5
    assert [(f.kind, f.arm) for f in chinese] == [(f.kind, f.arm) for f in english]
    for en, zh in zip(english, chinese, strict=True):
        assert zh.text.startswith(("在模型中", "按平均数计", "在抽样")), zh.text
        assert not re.search(r"[A-Za-z]{3,}", zh.text.replace("Kaplan-Meier", "")), zh.text
        assert Counter(NUMBER.findall(zh.text)) == Counter(NUMBER.findall(en.text)), (
            en.text,
            zh.text,
        )
    page_text = compare_pages["zh"][1]
    for finding in chinese:
        assert html.escape(finding.text) in page_text


def test_a_planted_effect_reads_in_chinese(compare_pages):
    """The synthetic story plants a large gain for the integrated package."""
    main = [f.text for f in compare_pages["zh"][0].findings if f.kind == "main"]
    assert any(
        re.fullmatch(
            r"在模型中，与不采取上述任何措施的现状相比，在同一模拟期内，实施综合施策方案后本街道"
            r"每年一周内解决的问题多[\d,]+个（95%置信区间为\+[\d,]+至\+[\d,]+）："
            r"一周内解决率从\d+%升至\d+%（\+[\d.]+个百分点，95%置信区间为\+[\d.]+至\+[\d.]+个百分点）。",
            text,
        )
        for text in main
    ), main


def test_factorial_and_scenario_pages_build_in_chinese(factorial_folder, standard_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        factorial_page = factorial.build(factorial_folder, lang="zh")
        scenario_page = scenario.build(standard_folder, scenario_arm(standard_folder), lang="zh")
    for page, notebook in ((factorial_page, "factorial"), (scenario_page, "scenario")):
        text = page_html(page, notebook)
        assert len(HAN.findall(text)) > 200, notebook
        assert "data:image/png;base64," in text
        assert not page.t.missing, notebook
        assert not english_leftovers(text, Text("en")), notebook
        assert not message_keys_shown(text), notebook
    assert "相互增强" in page_html(factorial_page, "factorial")


def test_docs_glossary_is_generated_from_the_yaml_the_reports_read():
    doc = (REPO_ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert doc == glossary_markdown(), "regenerate docs/glossary.md (see its first paragraph)"
    glossary = yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8"))
    for section in ("levers", "outcomes", "worker_kinds", "report_terms"):
        for key, entry in glossary[section].items():
            assert f"| `{key}` | {entry['en']} | {entry['zh']} |" in doc

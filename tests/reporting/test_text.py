"""The language layer: every key the code uses exists in every language; numbers; names."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import pytest

from model.analysis import effects as effect_verdicts
from model.analysis import factorial as factorial_labels
from model.analysis import worlds as worlds_analysis
from model.config import codes
from model.config.loading import read_yaml
from model.config.paths import REPO_ROOT
from model.experiments.calibration.targets import load_targets
from model.reporting import equity, issue_outcomes, measures, registry
from model.reporting.figures.factorial import SCALES
from model.reporting.notebooks import ALL_REPORTS, NOTEBOOKS, SENSITIVITY_REPORT
from model.reporting.pages import calibration as calibration_page
from model.reporting.pages import first_reports as first_reports_page
from model.reporting.text import (
    GLOSSARY_PATH,
    MESSAGES_DIR,
    PACKAGE_DIR,
    MessageError,
    Text,
    available_languages,
    flatten,
    lever_id_of,
    placeholders,
    round_significant,
)

LANGUAGES = available_languages()
SECTIONS = {key.split(".")[0] for key in Text("en").messages}
STANDARD_EXPERIMENT_ARMS = tuple(
    arm["name"] for arm in read_yaml(REPO_ROOT / "scenarios/experiments/standard.yaml")["arms"]
)
"""Arms of scenarios/experiments/standard.yaml."""


def _sources() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def literal_keys() -> set[str]:
    """Every string literal in the package that names a message (``section.key...``)."""
    found = set()
    files = (".parquet", ".html", ".json", ".yaml", ".ipynb", ".png", ".css")
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if (
                    id(node) not in parts
                    and re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", text)
                    and text.split(".")[0] in SECTIONS
                    and not text.endswith(files)
                ):
                    found.add(text)
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell["source"])
            found.update(re.findall(r"""\bt\(\s*["']([a-z_.0-9]+)["']""", source))
    return found


def dynamic_prefixes() -> set[str]:
    """Constant beginnings of f-string message ids in the package (``brief.columns.``)."""
    found = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                text = str(getattr(first, "value", ""))
                if (
                    isinstance(first, ast.Constant)
                    and re.fullmatch(r"[a-z_]+\.[a-z0-9_.]*", text)
                    and text.split(".")[0] in SECTIONS
                ):
                    found.add(text)
    return found


DYNAMIC_FAMILIES: dict[str, list[str]] = {
    "brief.columns.": [m.key for m in measures.BRIEF_MEASURES],
    "daily.": [
        "open_issues",
        "reports_total",
        "resolutions",
        "mean_belonging",
        "mean_worker_trust",
    ],
    "figures.units.": sorted(set(SCALES.values()) | {"count"}),
    "figures.level_units.": sorted(set(SCALES.values()) | {"count"}),
    "figures.funnel.stages.": list(issue_outcomes.FUNNEL_STAGES),
    "figures.map.colour.": list(equity.GROUP_OUTCOMES),
    "figures.map.title.": list(equity.GROUP_OUTCOMES),
    "figures.map.caption.": list(equity.GROUP_OUTCOMES),
    "figures.ce.": [
        f"{e}.{k}" for e in ("fixed", "incidents") for k in ("title", "xlabel", "icer", "caption")
    ],
    "ce_table.columns.effect_": ["fixed", "incidents"],
    "ce_table.columns.icer_": ["fixed", "incidents"],
    "reports.": [f"{r}.title" for r in (*ALL_REPORTS, SENSITIVITY_REPORT)],
    "scenario.first_reports.": ["others_lead", "workers_lead"],
    "scenario.first_reports.kinds.": [
        *first_reports_page.REPORTER_KINDS,
        first_reports_page.WORKERS_TOGETHER,
    ],
    "scenario.first_reports.kinds_in_text.": list(first_reports_page.REPORTER_KINDS),
    "sensitivity.columns.": [
        "share_better",
        "median_improvement",
        "p10_improvement",
        "max_regret",
        "mean_regret",
    ],
    "sensitivity.gaps.": ["none", "one", "some"],
    "sensitivity.influence_intro.": list(worlds_analysis.DESIGNS),
    "sensitivity.method.": list(worlds_analysis.DESIGNS),
    "sensitivity.output.": [worlds_analysis.LEVELS, worlds_analysis.EFFECT],
    "calibration.columns.": list(calibration_page.TABLE_COLUMNS),
    "calibration.fit_columns.": list(calibration_page.FIT_COLUMNS),
    "calibration.plausible_columns.": list(calibration_page.PLAUSIBLE_COLUMNS),
    "factorial.statements.": [factorial_labels.COMPLEMENTS, factorial_labels.SUBSTITUTES],
    "verdicts.": [
        v.replace(" ", "_")
        for v in (
            effect_verdicts.BETTER,
            effect_verdicts.WORSE,
            effect_verdicts.HIGHER,
            effect_verdicts.LOWER,
            effect_verdicts.NO_DIFFERENCE,
            effect_verdicts.INSUFFICIENT,
            factorial_labels.COMPLEMENTS,
            factorial_labels.SUBSTITUTES,
            factorial_labels.NO_INTERACTION,
            factorial_labels.POSITIVE,
            factorial_labels.NEGATIVE,
        )
    ],
    "arms.": [],
    "arms_in_text.": [],
    "reference_phrases.": [],
    "derived_outcomes.": [],
    "outcomes_in_text.": [],
    "parameters.": [],
    "cardinals.n": [],
}
"""Members of every family of computed message ids (empty: optional, with a fallback)."""


def test_code_uses_message_keys_the_scan_can_see():
    assert len(literal_keys()) > 150
    assert "brief.legend" in literal_keys()
    assert "findings.time_to_fix.cut" in literal_keys()


def test_every_computed_key_belongs_to_a_known_family():
    unknown = dynamic_prefixes() - set(DYNAMIC_FAMILIES)
    assert not unknown, f"f-string message ids without a family in DYNAMIC_FAMILIES: {unknown}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_used_by_the_code_exists(lang: str):
    messages = Text(lang).messages
    missing = sorted(k for k in literal_keys() if k not in messages)
    for prefix, members in DYNAMIC_FAMILIES.items():
        missing += [prefix + m for m in members if prefix + m not in messages]
    assert not missing, f"messages/{lang}.yaml lacks {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_languages_have_the_same_keys_and_fields(lang: str):
    english = flatten(json.loads(json.dumps(Text("en").messages)))
    other = Text(lang).messages
    assert set(other) >= {k for k in english if not k.startswith(("cardinals.", "arms_in_text."))}
    for key, template in other.items():
        if key in english:
            assert placeholders(template) == placeholders(english[key]), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_domain_terms_exist_in_the_glossary(lang: str):
    t = Text(lang)
    for lever in (
        "posts",
        "points",
        "honours",
        "insurance",
        "waiver",
        "one_stop",
        "mini_program",
        "stations",
        "deliberation",
    ):
        t.lever(lever)
    for arm in STANDARD_EXPERIMENT_ARMS:
        t.arm(arm)
        t.arm_in_text(arm)
    for kind in codes.WORKER_KINDS:
        t.worker_kind(kind)
    for issue_type in codes.ISSUE_TYPES:
        t.issue_type(issue_type)
    for channel in codes.CHANNELS:
        t.channel(channel)
    for name in [*registry.outcome_names(), *measures.DERIVED_DIRECTIONS]:
        t.outcome_label(name)
    t.term("quick_run_banner")
    assert not t.missing, f"{lang}: no entry for {sorted(t.missing)}"


def test_missing_key_and_missing_field_are_clear_errors(t: Text):
    with pytest.raises(MessageError, match=r"no message 'brief\.nothing'"):
        t("brief.nothing")
    with pytest.raises(MessageError, match="needs the field 'interval'"):
        t("brief.cells.no_difference")


def test_unknown_language_names_the_available_ones():
    with pytest.raises(FileNotFoundError, match="available: en"):
        Text("xx")


def test_yaml_booleans_as_keys_are_refused():
    with pytest.raises(ValueError, match="quote it"):
        flatten({"figures": {True: "on"}})
    with pytest.raises(ValueError, match="must be text"):
        flatten({"a": 3})


def test_unknown_names_fall_back_to_words_and_are_recorded(t: Text):
    assert t.arm("my_new_arm") == "My new arm"
    assert ("arms", "my_new_arm") in t.missing
    assert t.arm("mini_program") == "Report mini-program with feedback"
    assert t.arm("baseline") == "Status quo"


def test_numbers_follow_the_locale_and_templates(t: Text):
    assert t.number(1234567.891) == "1,234,568"
    assert t.number(1234.5, 1) == "1,234.5"
    assert t.number(38, signed=True) == "+38"
    assert t.number(-0.0001, 1, signed=True) == "+0.0"
    assert t.percent(0.153) == "15 %"
    assert t.percent(-0.15, signed=True) == "-15 %"
    assert t.points(0.021) == "+2.1 percentage points"
    assert t.points_range(0.015, 0.027) == "+1.5 to +2.7 percentage points"
    assert t.yuan(12000) == "12,000 yuan"
    assert t.yuan_range(398, 517) == "398 to 517 yuan"
    assert t.hours(138) == "138 hours"
    assert t.number(math.inf) == "not reached"
    assert t.number(math.nan) == "n/a"
    assert t.percent(math.nan) == "n/a"
    assert t.interval("a", "b") == "a to b"
    assert t.join(["a", "b", "c"]) == "a, b and c"
    assert t.cardinal(9) == "nine"
    assert t.cardinal(40) == "40"
    assert t.community(0) == "Community 1"


def test_round_significant_keeps_three_figures():
    assert round_significant(153456.0) == 153000.0
    assert round_significant(-47.3) == -47.0
    assert round_significant(0.0) == 0.0
    assert math.isnan(round_significant(math.nan))


def test_lever_ids_from_keys():
    assert lever_id_of("policies.points.enabled") == "points"
    assert lever_id_of("policies.stations") == "stations"
    assert lever_id_of("mini_program") == "mini_program"


def test_messages_directory_holds_the_language_files_and_the_glossary():
    files = sorted(p.name for p in MESSAGES_DIR.glob("*.yaml"))
    assert files == sorted([*(f"{lang}.yaml" for lang in LANGUAGES), GLOSSARY_PATH.name])
    assert "en" in LANGUAGES and "glossary" not in LANGUAGES


def test_the_glossary_keeps_every_language_side_by_side():
    """Every glossary entry has English and Chinese (issue 16 builds the Chinese pages on it)."""
    glossary = read_yaml(GLOSSARY_PATH)
    sections = [name for name, entries in glossary.items() if isinstance(entries, dict)]
    assert {"levers", "outcomes", "channels", "issue_types", "worker_kinds"} <= set(sections)
    for section in sections:
        for key, entry in glossary[section].items():
            assert isinstance(entry.get("en"), str) and entry["en"], (section, key)
            assert isinstance(entry.get("zh"), str) and entry["zh"], (section, key)
    assert set(codes.WORKER_KINDS) <= set(glossary["worker_kinds"])
    assert set(codes.ISSUE_TYPES) <= set(glossary["issue_types"])
    assert set(codes.CHANNELS) <= set(glossary["channels"])


def test_every_outcome_of_the_registry_has_both_languages_in_the_glossary():
    outcomes = read_yaml(GLOSSARY_PATH)["outcomes"]
    missing = [name for name in registry.outcome_names() if name not in outcomes]
    assert not missing, f"glossary.yaml outcomes lacks {missing}"


def test_factorial_arms_are_named_by_the_measures_they_switch_on(t: Text):
    t.name_combinations(
        {
            "posts=off,points=off": [],
            "posts=on,points=off": ["policies.posts.enabled"],
            "posts=on,points=on": ["policies.posts.enabled", "policies.points.enabled"],
        }
    )
    assert t.arm("posts=off,points=off") == "No measure (all off)"
    assert t.arm("posts=on,points=off") == "Designated posts"
    assert t.arm("posts=on,points=on") == "Designated posts + Points"
    assert t.arm_in_text("posts=on,points=on") == "designated posts and points for reports"
    assert t.reference_phrase("posts=off,points=off") == "the street with none of these measures"
    assert t.missing == set()


def test_calibration_targets_have_plain_names(t: Text):
    for target in load_targets():
        name = t.calibration_target(target.name, target.meaning)
        assert name[:1].isupper() and "_" not in name
    assert t.missing == set()


def test_the_fast_loader_reads_every_messages_file_as_the_plain_safe_loader_does():
    import yaml

    from model.reporting import text as text_module

    files = sorted(text_module.MESSAGES_DIR.glob("*.yaml"))
    assert {"en.yaml", "zh.yaml", "glossary.yaml"} <= {path.name for path in files}
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert yaml.load(source, Loader=text_module.MESSAGES_LOADER) == yaml.safe_load(source)

"""End to end: tiny real experiments in sampled worlds -> the sensitivity page (papermill).

The pipeline of ``streetwise report --quick --sensitivity`` (:func:`run_reports`) runs a
robustness experiment (2 arms x 3 Latin-hypercube worlds) and a Morris screening (2
trajectories over 2 parameters = 6 worlds, 2 arms), each 1 replicate x 8 days on a small
street with the serial executor, in place of the repository's quick experiments; then it
executes ``sensitivity.ipynb`` in English and Chinese and writes the index. 8 days, not 5:
problems fixed within a week, the page's main outcome, counts only problems opened at least
7 days before the end, so a shorter run has no value for it.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES

from model.config.paths import REPO_ROOT
from model.reporting import pipeline
from model.reporting.html import external_resources
from model.reporting.pages.sensitivity import FOCUS_POLICY
from model.reporting.text import Text, humanise

SECTIONS = ["title", "robustness", "influence", "failures", "budget", "method", "provenance"]
ROBUSTNESS_KEYS = [
    "behaviour.trust",
    "staff.triage_share",
    "issues.types.safety_hazard.arrivals_per_day",
]
SCREENING_KEYS = ["behaviour.worker_intercept", "service.departments.housing.service_median_hours"]
SOBOL_KEYS = ["behaviour.worker_intercept", "staff.triage_share"]
SOBOL_ROWS = 2 * (len(SOBOL_KEYS) + 2)  # Saltelli: n (D + 2) worlds, first and total order


def experiment(name: str, design: str, n: int, keys: list[str]) -> dict[str, Any]:
    """Status quo and integrated package in sampled worlds: 1 replicate x 8 days, small street."""
    scenarios = REPO_ROOT / "scenarios"
    return {
        "name": name,
        "days": 8,
        "base_seed": 14,
        "replications": 1,
        "reference": "baseline",
        "overrides": dict(EXPERIMENT_OVERRIDES),
        "worlds": {
            "uncertainties": str(scenarios / "uncertainties.yaml"),
            "design": design,
            "n": n,
            "seed": 1414,
            "parameters": keys,
        },
        "arms": [
            {"name": "baseline", "scenario": str(scenarios / "baseline.yaml")},
            {"name": FOCUS_POLICY, "scenario": str(scenarios / "integrated.yaml")},
        ],
    }


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """Run the pipeline once: (written files, progress lines, reports root, results root)."""
    root = tmp_path_factory.mktemp("sensitivity_pipeline")
    files = {}
    for kind, data in (
        ("robustness", experiment("robustness_tiny", "lhs", 3, ROBUSTNESS_KEYS)),
        ("screening", experiment("screening_tiny", "morris", 2, SCREENING_KEYS)),
        ("sobol", experiment("sobol_tiny", "sobol", 2, SOBOL_KEYS)),
    ):
        files[kind] = root / f"{kind}.yaml"
        files[kind].write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "QUICK_SENSITIVITY_EXPERIMENTS", files)
        written = pipeline.run_reports(
            [],
            reports_root=root / "reports",
            results_root=root / "results",
            quick=True,
            lang="en,zh",
            calibration=False,
            sensitivity=True,
            executor="serial",
            progress=False,
            say=lines.append,
        )
    return written, lines, root / "reports", root / "results"


def section_text(page: str, section_id: str) -> str:
    """Visible text of one section of a page, tags removed and entities decoded."""
    match = re.search(rf"<section id=[\"']{section_id}[\"']>(.*?)</section>", page, re.S)
    assert match, section_id
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))))


def test_experiments_ran_in_their_sampled_worlds(reported):
    _, lines, _, results = reported
    for name, rows, keys in (
        ("robustness_tiny", 3, ROBUSTNESS_KEYS),
        ("screening_tiny", 2 * (len(SCREENING_KEYS) + 1), SCREENING_KEYS),
        ("sobol_tiny", SOBOL_ROWS, SOBOL_KEYS),
    ):
        manifest = json.loads((results / "quick" / name / "manifest.json").read_text())
        assert manifest["worlds"]["rows"] == rows
        assert list(manifest["worlds"]["parameters"]) == keys
        assert manifest["replications"]["runs_ok"] == 2 * rows
        assert manifest["replications"]["runs_failed"] == 0
    assert not any(line.startswith("warning") for line in lines), lines


def test_one_page_per_language_without_warnings(reported):
    written, _, reports, _ = reported
    assert [files.html for files in written] == [
        reports / "quick" / "sensitivity" / "sensitivity.html",
        reports / "quick" / "sensitivity" / "sensitivity.zh.html",
    ]
    for files in written:
        page = files.html.read_text(encoding="utf-8")
        assert re.findall(r"<section id=[\"']([a-z-]+)[\"']>", page) == SECTIONS
        assert files.meta.warnings == []
        assert files.meta.quick and files.meta.n_runs == 2 * 3 + 2 * 6 + 2 * SOBOL_ROWS
        assert external_resources(page) == []
        assert "Traceback" not in page and "from model.reporting" not in page
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "sensitivity.html" in index and "sensitivity.zh.html" in index


@pytest.mark.parametrize("position", [0, 1], ids=["en", "zh"])
def test_page_names_the_arms_and_every_sampled_parameter(reported, position):
    files = reported[0][position]
    t = Text(files.meta.lang)
    page = files.html.read_text(encoding="utf-8")
    robustness = section_text(page, "robustness")
    assert t.arm(FOCUS_POLICY) in robustness
    assert t.reference_phrase("baseline") in robustness
    method = section_text(page, "method")
    for arm in ("baseline", FOCUS_POLICY):
        assert t.arm_in_text(arm) in method
    for key in ROBUSTNESS_KEYS + SCREENING_KEYS + SOBOL_KEYS:
        assert t.parameter(key) in method, key
        assert key in method
        assert humanise(key) not in html.unescape(page), key
    influence = section_text(page, "influence")
    assert any(t.parameter(key) in influence for key in SCREENING_KEYS)
    # the Morris indices of the screening, then the Sobol indices of its experiment
    for column in ("mu_star", "s1", "st"):
        assert t(f"sensitivity.columns.{column}") in influence, column
    assert influence.index(t("sensitivity.columns.mu_star")) < influence.index(
        t("sensitivity.columns.s1")
    )
    assert not t.missing


@pytest.mark.parametrize("position", [0, 1], ids=["en", "zh"])
def test_budget_states_runs_and_measured_time(reported, position):
    files = reported[0][position]
    t = Text(files.meta.lang)
    budget = section_text(files.html.read_text(encoding="utf-8"), "budget")
    assert "robustness_tiny" in budget and "screening_tiny" in budget and "sobol_tiny" in budget
    assert t.number(2 * 3) in budget and t.number(2 * 6) in budget
    assert t.number(2 * SOBOL_ROWS) in budget
    assert t("format.not_available") not in budget  # wall time and core-minutes per run


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"worlds": {"design": "lhs", "n": 2, "seed": 1, "colour": 1}},
            "worlds.colour: unknown key",
        ),
        (
            {"uncertainties": "bad"},
            "behaviour.trust: range [3.5, 5] does not contain the status-quo",
        ),
    ],
    ids=["bad-worlds-block", "bad-uncertainties-file"],
)
def test_report_with_a_bad_worlds_experiment_exits_2_with_one_line(
    tmp_path, capsys, monkeypatch, change, expected
):
    from model.cli import main

    data = experiment("bad", "lhs", 2, ROBUSTNESS_KEYS)
    if "uncertainties" in change:
        bad = tmp_path / "uncertainties.yaml"
        entry = {"key": "behaviour.trust", "range": [3.5, 5.0], "basis": "assumption"}
        entry["justification"] = "a range without the status quo"
        bad.write_text(yaml.safe_dump({"format_version": 1, "uncertainties": [entry]}))
        data["worlds"] = {"uncertainties": str(bad), "design": "lhs", "n": 2, "seed": 1}
    else:
        data.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(pipeline, "QUICK_SENSITIVITY_EXPERIMENTS", {"robustness": path})
    argv = ["report", "--quick", "--sensitivity", "--no-calibration", "--executor", "serial"]
    argv += ["--out", str(tmp_path / "reports"), "--results", str(tmp_path / "results")]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "results").exists()

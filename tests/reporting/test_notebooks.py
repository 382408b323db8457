"""The report notebooks run end to end through papermill and open in headless chromium.

Compare, factorial and scenario run on synthetic results with planted effects (the findings
they must state are known); calibration runs the model itself (2 seeds, 40 days). The real
experiment end to end is in ``test_cli_report.py``.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.experiments.calibration.targets import load_targets
from model.reporting.html import external_resources
from model.reporting.index import write_index
from model.reporting.kernel import KERNEL_NAME
from model.reporting.notebooks import (
    ALL_REPORTS,
    NOTEBOOKS,
    render_calibration,
    render_report,
)
from model.reporting.pipeline import scenario_arm

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PARAMETERS = {
    "compare": {"results", "quick", "lang", "sensitivity"},
    "factorial": {"results", "quick", "lang"},
    "scenario": {"results", "quick", "lang", "arm"},
    "calibration": {"seeds", "days", "workers", "scenario", "lang", "quick"},
}
SECTIONS = {
    "compare": (
        "title",
        "brief",
        "findings",
        "effects",
        "cost-effectiveness",
        "equity",
        "first-reports",
        "day-by-day",
        "how-sure",
        "method",
        "provenance",
    ),
    "factorial": ("title", "factorial-effects", "factorial-figures", "method", "provenance"),
    "scenario": (
        "title",
        "brief",
        "day-by-day",
        "map",
        "funnel",
        "first-reports",
        "people",
        "provenance",
    ),
    "calibration": ("title", "targets", "bands", "time-to-close", "fit", "method", "provenance"),
}


def notebook(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ALL_REPORTS)
def test_notebooks_are_stored_thin_without_outputs_and_name_the_project_kernel(name: str):
    book = notebook(name)
    assert book["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    tagged = [c for c in book["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    (cell,) = tagged
    names = {
        target.id
        for node in ast.parse("".join(cell["source"])).body
        for target in getattr(node, "targets", [])
    }
    assert names == PARAMETERS[name]
    for cell in book["cells"]:
        assert cell["cell_type"] == "code"  # every reader-visible word comes from the messages
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
        assert len("".join(cell["source"]).splitlines()) <= 6
    code = "".join("".join(c["source"]) for c in book["cells"])
    assert f"from model.reporting.pages import {name}" in code


@pytest.fixture(scope="module")
def reports(tmp_path_factory, standard_folder, factorial_folder, sensitivity_folder):
    out = tmp_path_factory.mktemp("reports")
    arm = scenario_arm(standard_folder)
    files = {
        "compare": render_report(
            "compare",
            out / "standard",
            results=standard_folder,
            quick=True,
            parameters={"sensitivity": str(sensitivity_folder)},
        ),
        "factorial": render_report("factorial", out / "factorial", results=factorial_folder),
        "scenario": render_report(
            "scenario", out / "standard", results=standard_folder, parameters={"arm": arm}
        ),
        "calibration": render_calibration(out / "calibration", seeds=2, days=40, workers=1),
    }
    write_index(out)
    return out, files


def page(reports, name: str) -> str:
    return reports[1][name].html.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ALL_REPORTS)
def test_every_page_has_its_sections_a_title_and_closes_with_provenance(reports, name: str):
    html = page(reports, name)
    found = re.findall(r"<section id=[\"']([a-z-]+)[\"']>", html)
    assert found == list(SECTIONS[name])
    assert re.search(r"<title>[^<]{10,}</title>", html)
    assert "Code version" in html and "Package versions" in html and "Wall time" in html
    assert external_resources(html) == []
    assert "from model.reporting" not in html and "page.provenance()" not in html  # code hidden
    assert reports[1][name].meta.warnings == []


def test_compare_page_holds_the_brief_costs_equity_and_findings(reports):
    html = page(reports, "compare")
    assert re.search(r"<table class=[\"']brief", html)
    assert "Quick run: indicative only" in html
    assert "In the model," in html and "95 % CI" in html
    assert "sampled worlds" in html
    assert "Extra yuan per extra problem fixed within a week" in html
    assert "yes: on the efficient frontier" in html
    assert "Who files the workers' reports" not in html  # figure text lives in the images
    assert len(re.findall(r"<img [^>]*src=[\"']data:image/png;base64,", html)) >= 10


def test_factorial_scenario_and_calibration_pages(reports):
    factorial = page(reports, "factorial")
    assert "reinforce each other" in factorial and "Quick run" not in factorial
    scenario = page(reports, "scenario")
    assert "One measure in depth" in scenario
    calibration = page(reports, "calibration")
    reproduced = sum(t.reproduced for t in load_targets())
    inputs = len(load_targets()) - reproduced
    assert re.search(rf"\d+ of {reproduced} reproduced targets fall inside their band", calibration)
    assert f"{inputs} more are values the model is given as inputs" in calibration
    assert "Used as inputs, not evidence of fit" in calibration
    assert "2 replications of 40 measured days" in calibration
    for target in load_targets():
        assert target.key in calibration
    assert "scenarios/baseline.yaml" in calibration


def test_the_scenario_page_shows_the_top_ranked_arm(reports, standard):
    arm = reports[1]["scenario"].meta.parameters["arm"]
    from model.reporting.brief import rank_arms

    others = [a for a in standard.arms if a != standard.reference]
    assert arm == rank_arms(standard.runs, standard.reference, arms=others)[0]
    assert arm != standard.reference


def test_index_links_every_report_with_date_experiment_and_code_version(reports):
    index = (reports[0] / "index.html").read_text(encoding="utf-8")
    for href in (
        "standard/compare.html",
        "standard/scenario.html",
        "factorial/factorial.html",
        "calibration/calibration.html",
    ):
        assert re.search(rf"href=[\"']{re.escape(href)}[\"']", index), href
    assert index.count("Quick run: indicative only") == 1
    for files in reports[1].values():
        assert files.meta.date in index and files.meta.code_version in index


def run_chromium(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def screenshot_ink(url: str, shot: Path) -> float:
    profile = f"--user-data-dir={shot.parent / 'profile-shot'}"
    run_chromium(profile, f"--screenshot={shot}", "--window-size=1280,3000", url)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (3000, 1280)
    return float((pixels < 128).mean())


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("name", ["compare", "calibration"])
def test_pages_show_their_tables_and_figures_in_chromium(reports, tmp_path: Path, name: str):
    url = reports[1][name].html.resolve().as_uri()
    dom = run_chromium(f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url).stdout
    assert re.search(r"<table class=\"brief", dom)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", dom)) >= 2
    assert "Traceback" not in dom
    ink = screenshot_ink(url, tmp_path / "page.png")
    assert ink > 0.005, f"page looks blank ({ink:.3%} dark pixels)"

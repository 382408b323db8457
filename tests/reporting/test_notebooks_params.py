"""Notebook parameters that forgive and refuse (issue 12, item 4), and the report's progress.

An unknown papermill parameter is an error listing the valid ones, before any kernel
starts; a scenario is a bare file name or a path; the stored parameter cells hold no
outputs; ``streetwise report`` prints a line per notebook (its number, what it runs, how
long it took), and the calibration line says how many runs it does.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.reporting import notebooks, pipeline, report_plan

NOTEBOOK_FILES = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize(
    ("report", "valid"),
    [
        ("compare", ["results", "quick", "lang", "sensitivity"]),
        ("factorial", ["results", "quick", "lang"]),
        ("scenario", ["results", "quick", "lang", "arm"]),
        ("calibration", ["seeds", "days", "workers", "scenario", "lang", "quick"]),
    ],
)
def test_parameters_are_read_from_the_parameters_cell(report, valid):
    assert list(notebooks.notebook_parameters(report)) == valid
    notebooks.check_parameters(report, dict.fromkeys(valid))


def test_an_unknown_parameter_is_one_line_with_the_valid_ones():
    with pytest.raises(ConfigError) as caught:
        notebooks.check_parameters("compare", {"reslts": "results/x", "lang": "en"})
    message = str(caught.value)
    assert message == (
        "notebooks/compare.ipynb: unknown parameter 'reslts' "
        "(valid: results, quick, lang, sensitivity)"
    )


def test_an_unknown_parameter_stops_execution_before_a_kernel(tmp_path, monkeypatch):
    def no_kernel():
        raise AssertionError("a kernel was asked for")

    monkeypatch.setattr(notebooks, "ensure_kernel", no_kernel)
    with pytest.raises(ConfigError, match="unknown parameters 'seed', 'dayz'"):
        notebooks.execute("calibration", tmp_path / "c.ipynb", {"seed": 1, "dayz": 3})
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "given",
    [
        "points_high.yaml",
        "points_high",
        "scenarios/points_high.yaml",
        str(REPO_ROOT / "scenarios" / "points_high.yaml"),
    ],
)
def test_a_scenario_is_a_file_name_or_a_path(given, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a relative path is also found from the repository
    path = notebooks.resolve_scenario(given)
    assert path == (REPO_ROOT / "scenarios" / "points_high.yaml").resolve()
    assert notebooks.scenario_label(path) == "scenarios/points_high.yaml"


def test_a_scenario_elsewhere_is_found_by_its_path(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\n", encoding="utf-8")
    assert notebooks.resolve_scenario(mine) == mine.resolve()
    assert notebooks.scenario_label(mine) == mine.resolve().as_posix()


def test_an_unknown_scenario_lists_the_scenarios():
    with pytest.raises(ConfigError) as caught:
        notebooks.resolve_scenario("pionts.yaml")
    message = str(caught.value)
    assert message.startswith("scenario: file not found: pionts.yaml (scenarios/ holds ")
    assert "baseline.yaml" in message and "points_high.yaml" in message


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs_and_with_one_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_report_progress_a_line_per_notebook_and_the_calibration_runs(tmp_path, monkeypatch):
    """A real calibration page (1 run of 2 measured days, no warm-up) through run_reports."""
    small = tmp_path / "small.yaml"
    small.write_text(
        (REPO_ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
        + "\nwarmup_days: 0\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(pipeline, "CALIBRATION_SEEDS", 1)
    monkeypatch.setattr(pipeline, "CALIBRATION_DAYS", 2)
    monkeypatch.setattr(notebooks, "STATUS_QUO", small)
    lines: list[str] = []
    written = pipeline.run_reports(
        [], reports_root=tmp_path / "reports", workers=1, progress=False, say=lines.append
    )
    assert lines[0] == (
        "notebook 1 of 1: calibration: 1 runs of the status quo, 2 measured days each after "
        f"the warm-up, on 1 worker -> {tmp_path / 'reports' / 'calibration'}/"
    )
    assert lines[1].startswith(f"wrote {written[0].html} (") and lines[1].endswith(" s)")
    meta = json.loads(written[0].sidecar.read_text(encoding="utf-8"))
    assert meta["title"] == "Calibration of the status quo"
    assert meta["parameters"]["scenario"] == small.resolve().as_posix()
    page = Path(written[0].html).read_text(encoding="utf-8")
    assert "<title>Calibration of the status quo</title>" in page


def test_several_page_languages_are_read_and_each_is_checked():
    assert report_plan.page_languages("en") == ["en"]
    assert report_plan.page_languages("en, zh") == ["en", "zh"]
    assert report_plan.page_languages("") == ["en"]
    experiment = REPO_ROOT / "scenarios" / "experiments" / "example.yaml"
    assert report_plan.plan([experiment], lang="en,zh")  # both known
    with pytest.raises(ConfigError, match=r"--lang: unknown language 'xx'"):
        report_plan.plan([experiment], lang="en,xx")


def test_a_calibration_of_another_scenario_names_it_in_title_and_method():
    from model.reporting.pages import calibration

    page = calibration.build(seeds=1, days=2, workers=1, scenario="points.yaml")
    assert not page.status_quo
    assert "Calibration: scenarios/points.yaml" in str(page.title().data)
    method = str(page.method_section().data)
    assert "The scenario scenarios/points.yaml was run" in method
    assert "status quo (" not in method

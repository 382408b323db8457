"""Figures and notebook reports: papermill executes the real notebooks."""

from __future__ import annotations

import json
import math

import nbformat
import numpy as np
import pytest
from scipy import stats

from model.experiments.calibration.measures import lognormal_reference
from model.experiments.calibration.table import TableRow
from model.experiments.calibration.targets import Target, load_targets
from model.reporting import figures
from model.reporting.notebooks import NOTEBOOKS, execute_notebook


def test_lognormal_reference_reproduces_the_311_figures():
    mu, sigma = lognormal_reference(2.9, 0.857)
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    assert dist.median() == pytest.approx(2.9)
    assert dist.cdf(7.0) == pytest.approx(0.857)


def test_calibration_bands_draws_one_row_per_target_and_marks_misses():
    rows = [
        TableRow(Target("a", "k.a", 0, 1, "m"), 0.5, 0.4, 0.6, 3),
        TableRow(Target("b", "k.b", 0, 1, "m"), 2.0, 1.5, 2.5, 3),
        TableRow(Target("c", "k.c", 0, 1, "m"), float("nan"), float("nan"), float("nan"), 0),
    ]
    fig = figures.calibration_bands(rows)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == 2  # the undefined mean draws no dot
    colours = {tuple(d.get_xdata()): d.get_color() for d in dots}
    assert colours[(0.5,)] != colours[(2.0,)]


def test_time_to_close_figure_overlays_the_reference():
    rng = np.random.default_rng(0)
    mu, sigma = lognormal_reference()
    days = rng.lognormal(mu, sigma, 500)
    fig = figures.time_to_close(days, mu, sigma)
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "reference lognormal (NYC 311)" in labels
    assert "simulated (baseline)" in labels


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, path
                assert cell.execution_count is None, path
        tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path}: needs exactly one papermill parameters cell"


@pytest.mark.slow
def test_calibration_notebook_executes_and_exports_html(tmp_path):
    notebook, html = execute_notebook(
        "calibration", {"seeds": 2, "days": 40, "workers": 1}, out_dir=tmp_path
    )
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    text = "".join(
        "".join(out.get("text", "")) + json.dumps(out.get("data", {}))
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
    )
    assert "targets inside their band" in text
    assert "image/png" in text  # the figures were drawn
    assert not any(
        o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", [])
    )
    page = html.read_text(encoding="utf-8")
    assert "Calibration of the status quo" in page
    assert "calibration_table(" not in page  # code is hidden from readers
    for target in load_targets():
        assert target.name in page

"""Self-contained HTML export and the reports index."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from model.reporting.html import ExportError, ReportMeta, export_html, external_resources
from model.reporting.index import read_sidecars, write_index
from model.reporting.text import Text

PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5"
    "ErkJggg=="
)


def executed_notebook(path: Path, html_output: str) -> Path:
    notebook = new_notebook()
    cell = new_code_cell("page.brief_section()  # code the reader must not see")
    cell.outputs = [
        new_output("stream", name="stderr", text="UserWarning: something odd\n"),
        new_output("display_data", data={"text/html": html_output}),
    ]
    notebook.cells = [new_code_cell("results = 'x'", metadata={"tags": ["parameters"]}), cell]
    nbformat.write(notebook, str(path))
    return path


def meta(**changes: object) -> ReportMeta:
    values = dict(
        report="compare",
        title="Which measures help",
        lang="en",
        experiment="standard",
        experiment_sha256="abc",
        code_version="0.1.0 (a1b2c3d)",
        n_runs=280,
        date="2026-01-21",
        quick=False,
        html="compare.html",
    )
    values.update(changes)
    return ReportMeta(**values)


BODY = (
    f"<section id='brief'><h2>Brief</h2><table class='brief'><tr><td>x</td></tr></table>"
    f"<img src='data:image/png;base64,{PIXEL}'/></section>"
)


def test_page_is_self_contained_with_title_language_header(tmp_path: Path):
    source = executed_notebook(tmp_path / "in.ipynb", BODY)
    out = tmp_path / "reports" / "compare.html"
    written = export_html(source, out, meta(), Text("en"))
    page = out.read_text(encoding="utf-8")
    assert external_resources(page) == []
    assert "<title>Which measures help</title>" in page
    assert '<html lang="en">' in page
    assert (
        "Generated 2026-01-21 · experiment standard · code version 0.1.0 (a1b2c3d) · 280 runs"
        in page
    )
    assert "Quick run" not in page
    assert re.search(r"<table class=[\"']brief", page) and "data:image/png;base64" in page
    assert "code the reader must not see" not in page
    assert "something odd" not in page and written.warnings == ["UserWarning: something odd"]
    sidecar = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["streetwise_report"] == 1 and sidecar["n_runs"] == 280
    assert sidecar["warnings"] == ["UserWarning: something odd"]


def test_quick_pages_carry_the_banner(tmp_path: Path):
    source = executed_notebook(tmp_path / "in.ipynb", BODY)
    out = tmp_path / "compare.html"
    export_html(source, out, meta(quick=True), Text("en"))
    assert "Quick run: indicative only" in out.read_text(encoding="utf-8")


def test_a_page_that_would_load_from_the_network_is_refused(tmp_path: Path):
    source = executed_notebook(
        tmp_path / "in.ipynb", BODY + "<script src='https://cdn.example.org/x.js'></script>"
    )
    with pytest.raises(ExportError, match=r"cdn\.example\.org"):
        export_html(source, tmp_path / "compare.html", meta(), Text("en"))
    assert not (tmp_path / "compare.html").exists()


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src='https://a.org/require.js'></script>",
        '<link rel="stylesheet" href="//fonts.example.com/x.css">',
        "<style>@import 'https://a.org/x.css';</style>",
        "<style>body { background: url(https://a.org/x.png) }</style>",
        '<script type="module">import mermaid from "https://cdn.org/m.mjs";</script>',
        "<img src='http://a.org/x.png'>",
    ],
)
def test_external_resources_are_detected(snippet: str):
    assert external_resources(f"<html>{snippet}</html>")


def test_links_and_data_uris_are_not_external():
    page = f"<a href='https://example.org'>source</a><img src='data:image/png;base64,{PIXEL}'>"
    assert external_resources(page) == []


def test_index_links_every_report(tmp_path: Path):
    for folder, report, quick in (("standard", "compare", True), ("factorial", "factorial", False)):
        source = executed_notebook(tmp_path / f"{report}.ipynb", BODY)
        export_html(
            source,
            tmp_path / "reports" / folder / f"{report}.html",
            meta(
                report=report,
                html=f"{report}.html",
                experiment=folder,
                quick=quick,
                title=f"Title of {report}",
            ),
            Text("en"),
        )
    (tmp_path / "reports" / "standard" / "other.json").write_text("{}", encoding="utf-8")
    (tmp_path / "reports" / "standard" / "broken.json").write_text("{", encoding="utf-8")
    found = read_sidecars(tmp_path / "reports")
    assert [d["href"] for d in found] == ["factorial/factorial.html", "standard/compare.html"]
    index = write_index(tmp_path / "reports").read_text(encoding="utf-8")
    assert "<html lang='en'>" in index and "<title>Streetwise reports</title>" in index
    assert re.search(r"href=[\"']standard/compare\.html[\"']>Title of compare</a>", index)
    assert index.count("Quick run: indicative only") == 1
    assert "0.1.0 (a1b2c3d)" in index and "2026-01-21" in index
    assert external_resources(index) == []


def test_empty_index(tmp_path: Path):
    assert "No reports yet." in write_index(tmp_path).read_text(encoding="utf-8")


def test_index_lists_full_pages_before_quick_ones_and_the_main_page_first(tmp_path: Path):
    pages = (
        ("quick/standard", "compare", True),
        ("standard", "scenario", False),
        ("standard", "compare", False),
        ("calibration", "calibration", False),
    )
    for folder, report, quick in pages:
        source = executed_notebook(tmp_path / f"{report}.ipynb", BODY)
        experiment = "calibration" if report == "calibration" else "standard"
        export_html(
            source,
            tmp_path / "reports" / folder / f"{report}.html",
            meta(report=report, html=f"{report}.html", experiment=experiment, quick=quick),
            Text("en"),
        )
    assert [d["href"] for d in read_sidecars(tmp_path / "reports")] == [
        "calibration/calibration.html",
        "standard/compare.html",
        "standard/scenario.html",
        "quick/standard/compare.html",
    ]

"""Export an executed notebook to one self-contained HTML page, with a metadata sidecar.

The page hides the code (nbconvert's ``HTMLExporter`` with ``exclude_input``), embeds every
image as a data URI, and loads nothing from the network: the ``streetwise`` template drops
the require.js, MathJax, Mermaid and widget scripts that nbconvert's lab template fetches
from CDNs, and :func:`external_resources` checks the result, so the file opens offline and
can be mailed. The page carries a real ``<title>``, the language on ``<html lang>`` (``zh-CN``
for Chinese), a subset of the Chinese font when it shows Chinese
(:func:`model.reporting.fonts.embedded_font_css`), and a
header with the date, code version, number of runs and, for quick runs, the banner "quick
run: indicative only". Warnings a notebook printed are kept in the sidecar, not the page.

The sidecar ``<page>.json`` records what :mod:`model.reporting.index` lists.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from model.reporting.fonts import with_embedded_font
from model.reporting.text import PACKAGE_DIR, Text

TEMPLATES_DIR = PACKAGE_DIR / "templates"
CSS_PATH = PACKAGE_DIR / "report.css"
SIDECAR_MARK = "streetwise_report"


class ExportError(RuntimeError):
    """The exported page would depend on something outside the file."""


@dataclass(frozen=True)
class ReportMeta:
    """What a report page says about itself (written to the sidecar JSON).

    Attributes:
        report: notebook name (``compare``, ``factorial``, ``scenario``).
        title: page title in the page's language.
        lang: language code of the page.
        experiment: experiment name.
        experiment_sha256: hash of the experiment file ("" if unknown).
        code_version: code version of the runs (one line).
        n_runs: successful runs behind the page.
        date: date the page was generated (ISO).
        quick: the results come from a quick run (fewer replications, shorter horizon).
        html: file name of the page, relative to the sidecar.
        parameters: the notebook parameters.
        warnings: warnings the notebook printed (not shown on the page).
    """

    report: str
    title: str
    lang: str
    experiment: str
    experiment_sha256: str
    code_version: str
    n_runs: int
    date: str
    quick: bool
    html: str
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def header_html(meta: ReportMeta, t: Text) -> str:
    """The page header: date, experiment, code version, runs, and the quick-run banner."""
    line = t(
        "html.header",
        date=meta.date,
        experiment=meta.experiment,
        code_version=meta.code_version,
        runs=t.number(meta.n_runs),
    )
    banner = f"<p class='quick'>{html.escape(t.term('quick_run_banner'))}</p>" if meta.quick else ""
    return f"<header class='streetwise'><p class='meta'>{html.escape(line)}</p>{banner}</header>"


_URL = r"""((?:https?:)?//[^"'\s>)]+)"""
_EXTERNAL = (
    re.compile(
        r"<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?" + _URL, re.I
    ),
    re.compile(r"url\(\s*[\"']?" + _URL, re.I),
    re.compile(r"@import\s+[\"']" + _URL, re.I),
    re.compile(r"\bimport\b[^;\n]*?from\s+[\"']" + _URL, re.I),
)
"""Where a page can name something to load: element sources, CSS urls, imports."""


def external_resources(page: str) -> list[str]:
    """URLs a page would load from the network (scripts, styles, images, fonts, imports)."""
    return sorted({match for pattern in _EXTERNAL for match in pattern.findall(page)})


def _take_warnings(notebook: nbformat.NotebookNode) -> list[str]:
    """Remove stderr outputs from the notebook and return their text."""
    found = []
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append("".join(output.get("text", "")).strip())
            else:
                kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return [text for text in found if text]


def export_html(notebook_path: Path, out_html: Path, meta: ReportMeta, t: Text) -> ReportMeta:
    """Export an executed notebook to a self-contained page and write its sidecar.

    Args:
        notebook_path: the executed notebook.
        out_html: the page to write (the sidecar goes next to it, ``.json``).
        meta: what the page says about itself (``warnings`` is filled in here).
        t: the language layer of the page.

    Returns:
        The metadata as written to the sidecar.

    Raises:
        ExportError: the page would load something from the network.
    """
    notebook = nbformat.read(str(notebook_path), as_version=4)
    warnings = _take_warnings(notebook)
    notebook.metadata["title"] = meta.title
    exporter = HTMLExporter(
        template_name="streetwise",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.language_code = t.html_lang
    resources = {
        "streetwise_css": CSS_PATH.read_text(encoding="utf-8"),
        "streetwise_header": header_html(meta, t),
    }
    page, _ = exporter.from_notebook_node(notebook, resources=resources)
    page = with_embedded_font(page)
    external = external_resources(page)
    if external:
        raise ExportError(
            f"{out_html}: page would load {external[0]} (and {len(external) - 1} more)"
        )
    meta = ReportMeta(**{**asdict(meta), "warnings": warnings})
    atomic_write_text(out_html, page)
    atomic_write_text(
        out_html.with_suffix(".json"),
        json.dumps({SIDECAR_MARK: 1, **asdict(meta)}, indent=2, ensure_ascii=False),
    )
    return meta

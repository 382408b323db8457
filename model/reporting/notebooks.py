"""Reports: execute the parameterised notebooks with papermill and export them to HTML.

Notebooks live in ``notebooks/`` without outputs; a report is the executed copy
(``reports/<name>.ipynb``) plus a standalone HTML page (``reports/<name>.html``) with the
code hidden, for readers who never see code. Both are written atomically.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from model.config.paths import REPO_ROOT
from model.experiments.store import atomic_write_bytes

NOTEBOOKS = REPO_ROOT / "notebooks"
"""The parameterised notebooks (stored without outputs)."""

REPORTS = REPO_ROOT / "reports"
"""The default reports folder."""


def execute_notebook(
    name: str,
    parameters: dict[str, Any] | None = None,
    out_dir: Path = REPORTS,
    timeout_seconds: int = 3600,
) -> tuple[Path, Path]:
    """Run ``notebooks/<name>.ipynb`` with papermill and export it to HTML.

    Args:
        name: notebook name without ``.ipynb``.
        parameters: papermill parameters (override the notebook's ``parameters`` cell).
        out_dir: folder for the executed notebook and the HTML page.
        timeout_seconds: longest a single cell may run.

    Returns:
        Paths of the executed notebook and of the HTML page.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    source = NOTEBOOKS / f"{name}.ipynb"
    if not source.is_file():
        raise FileNotFoundError(f"{source}: notebook not found")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        executed = Path(tmp) / f"{name}.ipynb"
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters or {},
            cwd=str(REPO_ROOT),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=timeout_seconds,
        )
        notebook_bytes = executed.read_bytes()
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    html, _ = exporter.from_notebook_node(nbformat.reads(notebook_bytes, as_version=4))
    notebook_path = out_dir / f"{name}.ipynb"
    html_path = out_dir / f"{name}.html"
    atomic_write_bytes(notebook_path, notebook_bytes)
    atomic_write_bytes(html_path, html.encode("utf-8"))
    return notebook_path, html_path

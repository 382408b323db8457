"""Executing the report notebooks with papermill and exporting them as self-contained pages.

Notebooks live in ``notebooks/`` without outputs, each with one cell tagged ``parameters``,
and name the project's kernel (:mod:`model.reporting.kernel`). A report is written into a
report folder as three files: the executed notebook (``<stem>.ipynb``), the page
(``<stem>.html``, code hidden, images embedded: :mod:`model.reporting.html`) and its sidecar
(``<stem>.json``, what the index lists), where ``stem`` is the notebook name, plus ``.<lang>``
for languages other than English.

- :func:`render_report` - ``compare``, ``factorial`` or ``scenario`` on an experiment's
  results folder;
- :func:`render_calibration` - ``calibration``: the status quo against its targets (the
  notebook runs its own replications through the experiment executors);
- :func:`render_sensitivity` - ``sensitivity``: robustness and screening of experiments run
  in sampled worlds.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT, scenario_files
from model.experiments.provenance import code_version
from model.reporting.html import ReportMeta, export_html
from model.reporting.kernel import ensure_kernel
from model.reporting.pages.common import page_text
from model.reporting.results import code_version_text, load_results, load_sensitivity
from model.reporting.text import Text

NOTEBOOKS = REPO_ROOT / "notebooks"
"""The parameterised notebooks (stored without outputs)."""

SCENARIOS = REPO_ROOT / "scenarios"
"""Scenario files; a bare file name is looked up here."""

STATUS_QUO = SCENARIOS / "baseline.yaml"
"""The status quo: the calibration page of any other scenario says which one it is."""

EXPERIMENT_REPORTS = ("compare", "factorial", "scenario")
"""Notebooks that read an experiment's results folder."""

ALL_REPORTS = (*EXPERIMENT_REPORTS, "calibration")
"""Every report notebook on one experiment or on the calibration."""

SENSITIVITY_REPORT = "sensitivity"
"""The notebook on experiments run in sampled worlds (robustness and screening folders)."""


@dataclass(frozen=True)
class ReportFiles:
    """Files written for one report.

    Attributes:
        notebook: the executed notebook.
        html: the self-contained page.
        sidecar: the page's metadata (JSON).
        meta: the metadata written to the sidecar.
    """

    notebook: Path
    html: Path
    sidecar: Path
    meta: ReportMeta


def _ipc_kernel_manager() -> type:
    """A kernel manager that talks to its kernel over local IPC sockets, not TCP ports.

    Nothing listens on the network while a notebook runs, and the kernel has no reason to
    print its warning about unencrypted TCP into the command's output.

    Each kernel's sockets get a path of their own in the temporary folder. jupyter_client's
    default, ``kernel-ipc-<n>`` in the working folder with the first free numbers, let two
    notebooks started at the same moment (two test workers, two commands) pick the same
    sockets, and one kernel then refused the other's messages ("Invalid Signature") until
    the start timed out.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IpcKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _unique_ipc_path(self) -> str:
            return os.path.join(tempfile.gettempdir(), f"streetwise-kernel-{uuid.uuid4().hex}")

    return IpcKernelManager


def notebook_parameters(report: str) -> dict[str, str]:
    """The parameters of ``notebooks/<report>.ipynb`` (its ``parameters`` cell), with defaults.

    Returns:
        Parameter name -> its default as written in the cell.
    """
    import papermill

    found = papermill.inspect_notebook(str(NOTEBOOKS / f"{report}.ipynb"))
    return {name: str(spec["default"]) for name, spec in found.items()}


def check_parameters(report: str, parameters: dict[str, Any]) -> None:
    """Refuse parameters the notebook does not have (papermill alone would only warn).

    An unknown name is a typing error that would otherwise run the notebook on its
    defaults, i.e. on other results than the ones asked for.

    Raises:
        ConfigError: one line naming the notebook, the unknown parameter and the valid ones.
    """
    valid = notebook_parameters(report)
    unknown = [name for name in parameters if name not in valid]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise ConfigError(
            f"notebooks/{report}.ipynb: unknown parameter{plural} "
            f"{', '.join(map(repr, unknown))} (valid: {', '.join(valid)})"
        )


def resolve_scenario(scenario: str | Path) -> Path:
    """A scenario given as a path or as a bare file name under ``scenarios/``.

    ``points_high.yaml``, ``points_high``, ``scenarios/points_high.yaml`` and an absolute path
    all name the same file.

    Raises:
        ConfigError: no such file (the message lists the scenarios there are).
    """
    given = Path(scenario).expanduser()
    candidates = [given] if given.is_absolute() else [given, REPO_ROOT / given]
    candidates += [SCENARIOS / given.name, SCENARIOS / f"{given.name}.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    known = ", ".join(path.name for path in scenario_files(SCENARIOS))
    raise ConfigError(f"scenario: file not found: {scenario} (scenarios/ holds {known})")


def scenario_label(path: Path) -> str:
    """A scenario file as shown on a page: relative to the repository where it is inside."""
    try:
        return path.resolve().relative_to(REPO_ROOT.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def page_stem(report: str, lang: str) -> str:
    """File stem of a page: ``compare`` in English, ``compare.zh`` in Chinese."""
    return report if lang == "en" else f"{report}.{lang}"


def execute(
    report: str,
    out_notebook: Path,
    parameters: dict[str, Any],
    *,
    progress: bool | None = None,
    timeout_seconds: int = 3600,
) -> Path:
    """Execute ``notebooks/<report>.ipynb`` into ``out_notebook`` (written atomically).

    The kernel is the project's (registered first if needed), reached over IPC sockets; it
    starts in the repository folder, so relative results folders resolve as on the command
    line.

    Args:
        report: notebook name.
        out_notebook: the executed notebook to write.
        parameters: papermill parameters (override the ``parameters`` cell).
        progress: papermill's progress bar (default: when stderr is a terminal).
        timeout_seconds: longest a single cell may run.

    Returns:
        The executed notebook.

    Raises:
        FileNotFoundError: there is no such notebook.
        papermill.PapermillExecutionError: a cell raised.
    """
    import papermill

    source = NOTEBOOKS / f"{report}.ipynb"
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such report notebook")
    check_parameters(report, parameters)
    out_notebook = Path(out_notebook)
    out_notebook.parent.mkdir(parents=True, exist_ok=True)
    kernel = ensure_kernel()
    if progress is None:
        progress = sys.stderr.isatty()
    with tempfile.TemporaryDirectory(dir=out_notebook.parent, prefix=".run-") as scratch:
        executed = Path(scratch) / out_notebook.name
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(REPO_ROOT),
            progress_bar=progress,
            execution_timeout=timeout_seconds,
            kernel_manager_class=_ipc_kernel_manager(),
        )
        shutil.move(executed, out_notebook)
    return out_notebook


def render_report(
    report: str,
    out_dir: Path | str,
    *,
    results: Path | str,
    lang: str = "en",
    quick: bool = False,
    parameters: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> ReportFiles:
    """Execute an experiment report notebook on a results folder and export the page.

    Args:
        report: one of :data:`EXPERIMENT_REPORTS`.
        out_dir: report folder (created).
        results: the experiment's results folder (the notebook's ``results`` parameter).
        lang: language of the page (the ``lang`` parameter).
        quick: the results come from a quick run (``quick`` parameter; bannered page).
        parameters: further notebook parameters (``arm``, ``sensitivity``).
        progress: papermill's progress bar (default: when stderr is a terminal).

    Returns:
        The files written.

    Raises:
        FileNotFoundError: there is no such notebook.
        model.reporting.results.ResultsError: the results folder is unusable.
    """
    if report not in EXPERIMENT_REPORTS:
        raise ValueError(
            f"{report!r} is not an experiment report ({', '.join(EXPERIMENT_REPORTS)})"
        )
    out_dir = Path(out_dir)
    loaded = load_results(results)
    t = page_text(loaded, lang)
    values = {"results": str(Path(loaded.folder).resolve()), "quick": quick, "lang": lang}
    values.update(parameters or {})
    stem = page_stem(report, lang)
    notebook = execute(report, out_dir / f"{stem}.ipynb", values, progress=progress)
    title_fields = {"experiment": loaded.experiment}
    if report == "scenario":
        title_fields["arm"] = t.arm(str(values["arm"]))
    meta = ReportMeta(
        report=report,
        title=t(f"reports.{report}.title", **title_fields),
        lang=lang,
        experiment=loaded.experiment,
        experiment_sha256=str(loaded.manifest.get("experiment_file_sha256") or ""),
        code_version=code_version_text(loaded.manifest),
        n_runs=int((loaded.runs["status"] == "ok").sum()),
        date=dt.date.today().isoformat(),
        quick=quick,
        html=f"{stem}.html",
        parameters=values,
    )
    return _export(notebook, meta, t)


def render_calibration(
    out_dir: Path | str,
    *,
    seeds: int = 10,
    days: int = 365,
    workers: int | None = None,
    lang: str = "en",
    quick: bool = False,
    progress: bool | None = None,
    scenario: str | Path | None = None,
) -> ReportFiles:
    """Execute ``calibration.ipynb`` (it runs the scenario itself) and export the page.

    Args:
        out_dir: report folder (created).
        seeds: replications of the scenario.
        days: horizon of each run (days).
        workers: processes for the runs (default one per core).
        lang: language of the page.
        quick: fewer replications or a shorter horizon than the full report (bannered).
        progress: papermill's progress bar (default: when stderr is a terminal).
        scenario: the scenario calibrated, a path or a file name under ``scenarios/``
            (default :data:`STATUS_QUO`).

    Returns:
        The files written.

    Raises:
        ConfigError: no such scenario.
    """
    t = Text(lang)
    path = resolve_scenario(STATUS_QUO if scenario is None else scenario)
    label = scenario_label(path)
    # the title says which scenario unless it is the status quo (read before the runs)
    title = (
        t("reports.calibration.title")
        if path == STATUS_QUO.resolve()
        else t("reports.calibration.title_scenario", scenario=label)
    )
    values = {
        "seeds": seeds,
        "days": days,
        "workers": workers,
        "scenario": label,
        "lang": lang,
        "quick": quick,
    }
    stem = page_stem("calibration", lang)
    notebook = execute("calibration", Path(out_dir) / f"{stem}.ipynb", values, progress=progress)
    meta = ReportMeta(
        report="calibration",
        title=title,
        lang=lang,
        experiment="calibration",
        experiment_sha256="",
        code_version=code_version_text({"code_version": code_version()}),
        n_runs=seeds,
        date=dt.date.today().isoformat(),
        quick=quick,
        html=f"{stem}.html",
        parameters=values,
    )
    return _export(notebook, meta, t)


def render_sensitivity(
    out_dir: Path | str,
    *,
    robustness: Path | str | None = None,
    screening: Path | str | None = None,
    sobol: Path | str | None = None,
    lang: str = "en",
    quick: bool = False,
    progress: bool | None = None,
) -> ReportFiles:
    """Execute ``sensitivity.ipynb`` on worlds results folders and export the page.

    Args:
        out_dir: report folder (created).
        robustness: results folder of every measure in a Latin hypercube of worlds.
        screening: results folder of a Morris or Sobol design.
        sobol: results folder of a Sobol design on the most influential parameters.
        lang: language of the page.
        quick: the results come from quick runs (bannered page).
        progress: papermill's progress bar (default: when stderr is a terminal).

    Returns:
        The files written.

    Raises:
        ValueError: no folder is given.
        model.reporting.results.ResultsError: a folder is unusable.
    """
    folders = {"robustness": robustness, "screening": screening, "sobol": sobol}
    loaded = {k: load_sensitivity(v) for k, v in folders.items() if v is not None}
    if not loaded:
        raise ValueError("give a robustness, a screening or a Sobol results folder")
    t = Text(lang)
    values: dict[str, Any] = {
        key: None if key not in loaded else str(Path(loaded[key].folder).resolve())
        for key in folders
    }
    values.update(quick=quick, lang=lang)
    stem = page_stem(SENSITIVITY_REPORT, lang)
    notebook = execute(
        SENSITIVITY_REPORT, Path(out_dir) / f"{stem}.ipynb", values, progress=progress
    )
    first = next(iter(loaded.values()))
    meta = ReportMeta(
        report=SENSITIVITY_REPORT,
        title=t("reports.sensitivity.title"),
        lang=lang,
        experiment="sensitivity",
        experiment_sha256=str(first.manifest.get("experiment_file_sha256") or ""),
        code_version=code_version_text(first.manifest),
        n_runs=sum(int((r.runs["status"] == "ok").sum()) for r in loaded.values()),
        date=dt.date.today().isoformat(),
        quick=quick,
        html=f"{stem}.html",
        parameters=values,
    )
    return _export(notebook, meta, t)


def _export(notebook: Path, meta: ReportMeta, t: Text) -> ReportFiles:
    html_path = notebook.with_suffix(".html")
    meta = export_html(notebook, html_path, meta, t)
    return ReportFiles(notebook, html_path, html_path.with_suffix(".json"), meta)

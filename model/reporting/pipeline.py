"""``streetwise report``: run (or reuse) the experiments, execute the notebooks, write the index.

For every experiment file the pipeline

1. runs it through the experiment runner (:func:`model.experiments.runner.run_experiment`,
   the one runner) with its issue logs kept, into ``results/<experiment>/``
   (``results/quick/<experiment>/`` for a quick run, so quick and full results never mix).
   Finished runs are reused: a rerun with unchanged code runs nothing;
2. executes the report notebooks into ``reports/<experiment>/`` (``reports/quick/...``):
   ``compare`` always, ``factorial`` when the experiment has a factorial block, and
   ``scenario`` for one arm in depth: the arm named with ``--arm``, else the top-ranked arm
   of the brief (most extra problems fixed within a week a year against the reference);

then executes ``calibration`` into ``reports/calibration/`` (``reports/quick/calibration/``)
and writes ``reports/index.html`` linking every page found under ``reports/``.

With ``sensitivity`` (``streetwise report --sensitivity``, which ``make report`` passes
unless ``SENSITIVITY=0``, quick or full) the experiments in sampled worlds run first: the
robustness, screening and Sobol experiments of :data:`SENSITIVITY_EXPERIMENTS` (1,940 runs
of 365 days: hours on 2 cores), or their quick versions of
:data:`QUICK_SENSITIVITY_EXPERIMENTS` (about 130 runs of 30 days) in a quick run, each with
its own horizon and replications. ``sensitivity`` is executed into ``reports/sensitivity/``
(``reports/quick/sensitivity/``) and the compare pages state how robust each recommended
measure is.

A quick run uses :data:`QUICK_REPLICATIONS` replications and a :data:`QUICK_DAYS`-day
horizon (the calibration :data:`QUICK_CALIBRATION_SEEDS` seeds), and every quick page
carries the banner "quick run: indicative only".

Every problem with the input is found before anything runs and is a
:class:`~model.config.errors.ConfigError` (one line naming the file or option).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from model.experiments.design import load_experiment
from model.experiments.executors import available_cores
from model.experiments.runner import run_experiment
from model.reporting.brief import rank_arms
from model.reporting.index import write_index
from model.reporting.notebooks import (
    ReportFiles,
    render_calibration,
    render_report,
    render_sensitivity,
)
from model.reporting.report_plan import (
    CALIBRATION_DAYS,
    CALIBRATION_SEEDS,
    QUICK_CALIBRATION_SEEDS,
    QUICK_DAYS,
    QUICK_FOLDER,
    QUICK_REPLICATIONS,
    QUICK_SENSITIVITY_EXPERIMENTS,
    REPORTS,
    RESULTS,
    SENSITIVITY_EXPERIMENTS,
    ExperimentReport,
    page_languages,
)
from model.reporting.results import load_results


def scenario_arm(results_folder: Path | str, arm: str | None = None) -> str:
    """The arm of the scenario page: ``arm`` if given, else the brief's top-ranked arm.

    The ranking is the brief's: the paired CRN difference from the reference in problems
    fixed within a week a year, largest first. An experiment with only the reference arm
    shows the reference.
    """
    if arm is not None:
        return arm
    results = load_results(results_folder)
    others = [a for a in results.arms if a != results.reference]
    if not others:
        return results.reference
    return rank_arms(results.runs, results.reference, arms=others)[0]


def notebooks_of(report: ExperimentReport) -> list[str]:
    """The notebooks executed for one experiment, in order."""
    return ["compare", *(["factorial"] if report.factorial else []), "scenario"]


def run_reports(
    reports: Sequence[ExperimentReport],
    *,
    reports_root: Path | str = REPORTS,
    quick: bool = False,
    arm: str | None = None,
    lang: str = "en",
    calibration: bool = True,
    sensitivity: bool = False,
    results_root: Path | str | None = None,
    executor: str = "process",
    workers: int | None = None,
    progress: bool | None = None,
    say: Callable[[str], None] = print,
) -> list[ReportFiles]:
    """Run the experiments, execute their notebooks, the calibration, and write the index.

    Args:
        reports: the output of :func:`plan`.
        reports_root: folder of the report folders and of ``index.html``.
        quick: reduced replications and horizon (bannered pages).
        arm: the arm of the scenario pages (default each experiment's top-ranked arm).
        lang: language of the pages, or several comma-separated (``en,zh``): every page is
            written in each (``compare.html``, ``compare.zh.html``) and the index, in the
            first, links them all.
        calibration: also produce the calibration page.
        sensitivity: also run the experiments in sampled worlds (the quick ones in a quick
            run), write the sensitivity page and give the compare pages their robustness.
        results_root: folder of the results folders of the sensitivity experiments
            (default ``results/``; a quick run uses its ``quick/`` subfolder).
        executor: where the runs execute (``serial``, ``process``, ``dask``).
        workers: worker processes (default one per core).
        progress: progress bars (default: when stderr is a terminal).
        say: where progress lines go.

    Returns:
        The files of every page written.
    """
    if progress is None:
        progress = sys.stderr.isatty()
    reports_root = Path(reports_root)
    written: list[ReportFiles] = []
    languages = page_languages(lang)

    def tag(page_lang: str) -> str:
        """`` [zh]`` in the progress lines when pages are written in several languages."""
        return f" [{page_lang}]" if len(languages) > 1 else ""

    pages = sum(len(notebooks_of(report)) for report in reports) + int(calibration)
    total = (pages + int(sensitivity)) * len(languages)
    started = {"clock": 0.0}

    def starting(text: str) -> None:
        started["clock"] = time.perf_counter()
        say(f"notebook {len(written) + 1} of {total}: {text}")

    def wrote(files: ReportFiles) -> None:
        written.append(files)
        say(f"wrote {files.html} ({time.perf_counter() - started['clock']:.0f} s)")

    worlds_folders: dict[str, Path] = {}
    if sensitivity:
        root = Path(results_root) if results_root is not None else RESULTS
        root = root / QUICK_FOLDER if quick else root
        files = QUICK_SENSITIVITY_EXPERIMENTS if quick else SENSITIVITY_EXPERIMENTS
        for kind, file in files.items():
            folder = root / load_experiment(file).name
            say(f"experiment in sampled worlds ({kind}): {file} -> {folder}")
            result = run_experiment(
                file, executor=executor, workers=workers, out=folder, progress=progress
            )
            if not result.ok:
                say(f"warning: {len(result.failures)} runs of {file.name} failed")
            worlds_folders[kind] = folder
    for report in reports:
        say(f"experiment {report.name}: {report.file} -> {report.results}")
        result = run_experiment(
            report.file,
            executor=executor,
            workers=workers,
            out=report.results,
            days=QUICK_DAYS if quick else None,
            replications=QUICK_REPLICATIONS if quick else None,
            keep_issue_logs=True,
            progress=progress,
        )
        if not result.ok:
            say(f"warning: {len(result.failures)} runs of {report.name} failed; pages use the rest")
        chosen = scenario_arm(report.results, arm)
        for name in notebooks_of(report):
            parameters = {"arm": chosen} if name == "scenario" else None
            if name == "compare" and "robustness" in worlds_folders:
                parameters = {"sensitivity": str(worlds_folders["robustness"])}
            for page_lang in languages:
                starting(
                    f"{name}{f' ({chosen})' if parameters else ''}{tag(page_lang)} -> {report.out}/"
                )
                files = render_report(
                    name,
                    report.out,
                    results=report.results,
                    lang=page_lang,
                    quick=quick,
                    parameters=parameters,
                    progress=progress,
                )
                wrote(files)
    if sensitivity:
        out = reports_root / QUICK_FOLDER / "sensitivity" if quick else reports_root / "sensitivity"
        for page_lang in languages:
            starting(f"sensitivity{tag(page_lang)} -> {out}/")
            wrote(render_sensitivity(out, **worlds_folders, lang=page_lang, quick=quick))
    if calibration:
        out = reports_root / QUICK_FOLDER / "calibration" if quick else reports_root / "calibration"
        seeds = QUICK_CALIBRATION_SEEDS if quick else CALIBRATION_SEEDS
        days = QUICK_DAYS if quick else CALIBRATION_DAYS
        for page_lang in languages:
            starting(
                f"calibration{tag(page_lang)}: {seeds} runs of the status quo, {days} measured "
                f"days each after the warm-up, on {workers or available_cores()} worker"
                f"{'s' if (workers or available_cores()) != 1 else ''} -> {out}/"
            )
            files = render_calibration(
                out,
                seeds=seeds,
                days=days,
                workers=workers,
                lang=page_lang,
                quick=quick,
                progress=progress,
            )
            wrote(files)
    index = write_index(reports_root, lang=languages[0])
    say(f"wrote {index} ({len(written)} pages written now)")
    return written

"""The calibration page (``calibration.ipynb``): the status quo against its empirical targets.

:func:`build` runs the status quo over several seeds through the experiment executors (the
one way the package runs many models), measures every calibration target on each run
(:mod:`model.experiments.calibration.measures`), and keeps one run's issue log for the
time-to-close histogram. Each method returns one section in the reader's language; the page
closes with its provenance, like every report.
"""

from __future__ import annotations

import hashlib
import html
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml
from IPython.display import HTML

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments.calibration import fit as calibration_fit
from model.experiments.calibration import profile as calibration_profile
from model.experiments.calibration.measures import (
    lognormal_reference,
    measure,
    time_to_close_days,
)
from model.experiments.calibration.table import (
    TableRow,
    input_rows,
    reproduced_rows,
    summarise,
)
from model.experiments.executors import RunTask, make_executor
from model.experiments.provenance import code_version, package_versions, utc_now
from model.reporting import figures
from model.reporting.pages.common import figure_html, paragraph, provenance_section, section
from model.reporting.text import Text

SCENARIOS = REPO_ROOT / "scenarios"

TABLE_COLUMNS = ("target", "source", "band", "band_source", "mean", "inside")
"""Columns of the calibration table (message ids ``calibration.columns.<column>``)."""

FIT_COLUMNS = ("parameter", "range", "value")
"""Columns of the fit table (message ids ``calibration.fit_columns.<column>``)."""

PLAUSIBLE_COLUMNS = ("parameter", "fitted", "plausible", "searched")
"""Columns of the plausible-ranges table (message ids ``calibration.plausible_columns.<c>``)."""


@dataclass
class CalibrationPage:
    """Numbers and sections of the calibration page.

    Attributes:
        t: the language layer.
        scenario: the scenario file calibrated (relative to the repository where possible).
        days: measured days of every run (after the warm-up).
        warmup_days: days simulated before the measurement window.
        rows: the calibration table, one row per target.
        close_days: days from report to close of the tickets of the first run's window.
        fitted: the stored parameter fit (``scenarios/calibration/fit.json``).
        plausible: the plausible ranges of the profiled parameters
            (``scenarios/calibration/plausible_ranges.yaml``; empty before any profile).
        manifest: provenance, with the keys of an experiment's ``manifest.json``.
        status_quo: whether the scenario is the status quo (``scenarios/baseline.yaml``);
            the title and the method name any other scenario.
    """

    t: Text
    scenario: str
    days: int
    warmup_days: int
    rows: list[TableRow]
    close_days: np.ndarray
    fitted: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)
    status_quo: bool = True
    plausible: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Replications (seeds) behind every mean."""
        return len(self.manifest.get("seeds", []))

    def title(self) -> HTML:
        """Title, how many targets are reproduced (inputs not counted), what the page compares."""
        t = self.t
        reproduced = reproduced_rows(self.rows)
        inside = sum(row.inside for row in reproduced)
        summary = t(
            "calibration.summary",
            inside=t.number(inside),
            total=t.number(len(reproduced)),
            inputs=t.number(len(input_rows(self.rows))),
            n=t.number(self.n),
            days=t.number(self.days),
        )
        heading = (
            t("calibration.title")
            if self.status_quo
            else t("calibration.title_scenario", scenario=self.scenario)
        )
        return section(
            "title",
            heading,
            paragraph(summary, "bottom-line"),
            paragraph(t("calibration.subtitle", n=t.number(self.n))),
            level=1,
        )

    def table_section(self) -> HTML:
        """Every target: its source, band, the simulated mean with its interval, inside or not.

        The reproduced targets make the first table; the inputs follow under their own
        heading ("used as inputs, not evidence of fit").
        """
        t = self.t
        parts = [self._target_table(reproduced_rows(self.rows))]
        inputs = input_rows(self.rows)
        if inputs:
            parts += [
                f"<h3>{html.escape(t('calibration.inputs_heading'))}</h3>",
                paragraph(t("calibration.inputs_intro", inputs=t.number(len(inputs)))),
                self._target_table(inputs, css="brief calibration inputs"),
            ]
        return section("targets", t("sections.calibration_table"), *parts)

    def _target_table(self, rows: list[TableRow], css: str = "brief calibration") -> str:
        t = self.t
        head = "".join(
            f"<th scope='col'>{html.escape(t(f'calibration.columns.{key}'))}</th>"
            for key in TABLE_COLUMNS
        )
        body = []
        for row in rows:
            target = row.target
            mean = _value(t, row.mean)
            if math.isfinite(row.ci_low) and math.isfinite(row.ci_high):
                mean += f" ({t.interval(_value(t, row.ci_low), _value(t, row.ci_high))})"
            cells = [
                t.calibration_target(target.name, target.meaning),
                target.key,
                t.interval(_value(t, target.low), _value(t, target.high)),
                target.band_source,
                mean,
                t("calibration.yes") if row.inside else t("calibration.no"),
            ]
            css = "" if row.inside else " class='outside'"
            body.append(
                f"<tr{css}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            )
        return (
            f"<table class='{css}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def bands_section(self) -> HTML:
        """The targets' bands and the simulated means on a common scale."""
        t = self.t
        return section(
            "bands",
            t("sections.calibration_bands"),
            figure_html(*figures.calibration_bands(self.rows, t)),
        )

    def close_section(self) -> HTML:
        """Days from report to close in one run against the NYC 311 reference lognormal."""
        t, days = self.t, self.close_days
        mu, sigma = lognormal_reference()
        summary = t(
            "calibration.close_summary",
            median=t.number(float(np.median(days)) if len(days) else math.nan, 1),
            within=t.percent(float(np.mean(days <= 7.0)) if len(days) else math.nan),
            tickets=t.number(len(days)),
        )
        return section(
            "time-to-close",
            t("sections.calibration_close"),
            paragraph(summary),
            figure_html(*figures.time_to_close(days, mu, sigma, t)),
        )

    def fit_section(self) -> HTML:
        """The free parameters, their search ranges and fitted values.

        Then the seed noise of the fit and the plausible ranges of the profiled parameters,
        when they are recorded.
        """
        t, fitted = self.t, self.fitted
        settings = fitted["settings"]
        intro = t(
            "calibration.fit_intro",
            points=t.number(settings["points"]),
            rounds=t.number(settings["rounds"]),
            seeds=t.number(settings["seeds"]),
            days=t.number(settings["days"]),
            loss=t.number(fitted["loss"], 4),
        )
        head = "".join(
            f"<th scope='col'>{html.escape(t(f'calibration.fit_columns.{key}'))}</th>"
            for key in FIT_COLUMNS
        )
        body = []
        for name, value in fitted["best"].items():
            low, high = settings["free_parameters"][name]
            cells = [name, t.interval(f"{low:g}", f"{high:g}"), f"{value:.6g}"]
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        table = (
            f"<table class='brief'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )
        parts = [paragraph(intro), table]
        noise = fitted.get("seed_noise")
        if noise:
            parts.insert(
                1,
                paragraph(
                    t(
                        "calibration.fit_noise",
                        seeds=t.number(noise["seeds"]),
                        se=t.number(noise["difference_se"], 4),
                        separated=t.number(noise["separated"]),
                        compared=t.number(len(noise["gaps"])),
                        needed=t.number(noise["seeds_needed"]),
                    )
                ),
            )
        if self.plausible:
            parts += [paragraph(t("calibration.plausible_intro")), self._plausible_table()]
        return section("fit", t("sections.calibration_fit"), *parts)

    def _plausible_table(self) -> str:
        t = self.t
        head = "".join(
            f"<th scope='col'>{html.escape(t(f'calibration.plausible_columns.{key}'))}</th>"
            for key in PLAUSIBLE_COLUMNS
        )
        body = []
        for name, entry in self.plausible.items():
            low, high = entry["searched"]
            cells = [
                name,
                f"{entry['fitted']:.6g}",
                t.interval(f"{entry['low']:.4g}", f"{entry['high']:.4g}"),
                t.interval(f"{low:g}", f"{high:g}"),
            ]
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        return (
            f"<table class='brief'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def method_section(self) -> HTML:
        """How the table was made."""
        t = self.t
        text = t(
            "calibration.method" if self.status_quo else "calibration.method_scenario",
            scenario=self.scenario,
            last_seed=t.number(max(self.n - 1, 0)),
            warmup=t.number(self.warmup_days),
            days=t.number(self.days),
        )
        return section("method", t("sections.method"), paragraph(text))

    def provenance(self) -> HTML:
        """Code version, package versions, scenario hash, seeds, runs, executor, wall time."""
        return provenance_section(self.manifest, self.t)


def _value(t: Text, value: float) -> str:
    """A target value with three significant figures in the locale's format."""
    if not math.isfinite(value):
        return t.number(value)
    digits = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return t.number(value, min(digits, 6))


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def build(
    *,
    seeds: int = 10,
    days: int = 365,
    workers: int | None = None,
    scenario: str = "baseline.yaml",
    lang: str = "en",
) -> CalibrationPage:
    """Run the status quo over ``seeds`` seeds and compare it with every target.

    Args:
        seeds: replications (seeds 0 .. seeds - 1).
        days: measured days of every run (each simulates the scenario's ``warmup_days``
            first).
        workers: processes (default one per core; 1 runs in this process).
        scenario: scenario file under ``scenarios/`` (or a path).
        lang: language of the page.

    Returns:
        The page.
    """
    t = Text(lang)
    path = Path(scenario) if Path(scenario).is_file() else SCENARIOS / scenario
    config = load_scenario(path)
    started_at, clock, code = utc_now(), time.perf_counter(), code_version()
    tasks = [
        RunTask(
            arm_index=0,
            arm=config.name,
            replicate=seed,
            seed=seed,
            days=days,
            config=config,
            keep_issue_log=True,
            keep_report_log=True,
        )
        for seed in range(seeds)
    ]
    serial = workers == 1 or len(tasks) <= 1
    with make_executor("serial" if serial else "process", workers) as executor:
        results = sorted(executor.run(tasks), key=lambda result: result.replicate)
        executor_facts = executor.describe()
    failed = [result for result in results if result.status != "ok"]
    if failed:
        raise RuntimeError(f"calibration run with seed {failed[0].seed} failed: {failed[0].error}")
    rows = summarise([measure(result, days) for result in results])
    issues = results[0].issues
    opened = issues.column("opened_at").to_numpy(zero_copy_only=False)
    in_window = pa.array(opened >= config.warmup_days * 24.0)
    close_days = time_to_close_days(issues.filter(in_window))
    manifest = {
        "experiment": "calibration",
        "experiment_file": _display_path(path),
        "experiment_file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "seeds": list(range(seeds)),
        "code_version": code,
        "versions": package_versions(),
        "executor": executor_facts,
        "started_at": started_at,
        "finished_at": utc_now(),
        "wall_seconds": round(time.perf_counter() - clock, 3),
        "replications": {"per_arm": seeds, "runs_ok": len(results), "runs_failed": 0},
    }
    return CalibrationPage(
        t,
        _display_path(path),
        days,
        int(config.warmup_days),
        rows,
        close_days,
        calibration_fit.load_fit(),
        manifest,
        status_quo=path.resolve() == (SCENARIOS / "baseline.yaml").resolve(),
        plausible=_plausible_entries(),
    )


def _plausible_entries() -> dict[str, dict[str, Any]]:
    """The entries of the plausible-ranges file (checked), or none before any profile."""
    path = calibration_profile.PLAUSIBLE_RANGES_FILE
    if not path.is_file():
        return {}
    calibration_profile.load_plausible_ranges(path)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}

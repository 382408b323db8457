"""``streetwise report`` end to end on a tiny real experiment, and its bad-input paths.

The tiny experiment is a 2 x 2 factorial (designated posts x mini-program) on the reduced
street of the experiment tests, 2 replications of 10 warm-up and 20 measured days: one
experiment that gets every
page (compare, factorial, scenario). It runs once per session through the experiment
runner; the command then reuses those runs (resume) and executes the notebooks.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES

from model.cli import main
from model.config.paths import REPO_ROOT
from model.experiments.runner import run_experiment
from model.reporting import issue_outcomes as io
from model.reporting import pipeline, registry, report_plan
from model.reporting.html import external_resources
from model.reporting.results import ISSUE_COLUMNS, WORKER_COLUMNS, load_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

TINY = {
    "name": "tiny",
    "description": "2 x 2 factorial on a reduced street for the report tests",
    "days": 20,
    "base_seed": 7,
    "replications": 2,
    "scenario": str(REPO_ROOT / "scenarios" / "baseline.yaml"),
    "overrides": {**EXPERIMENT_OVERRIDES, "warmup_days": 10},
    "factorial": {
        "levers": {
            "policies.posts.enabled": {"levels": [False, True], "label": "posts"},
            "policies.mini_program.enabled": {"levels": [False, True], "label": "mini_program"},
        }
    },
}


def streetwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --------------------------------------------------------------------------- bad input


def one_line_exit_2(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in done.stderr


def test_a_missing_experiment_file_is_one_line_and_exit_2(tmp_path: Path):
    missing = tmp_path / "nothing.yaml"
    done = streetwise("report", str(missing), "--out", str(tmp_path / "reports"))
    one_line_exit_2(done, str(missing), "not found")
    assert not (tmp_path / "reports" / "index.html").exists()


def test_an_unknown_arm_is_one_line_and_exit_2(tmp_path: Path):
    example = REPO_ROOT / "scenarios" / "experiments" / "example.yaml"
    done = streetwise("report", str(example), "--arm", "nobody", "--out", str(tmp_path))
    one_line_exit_2(done, "--arm", "'nobody'", "'example'")


def test_an_unknown_language_is_one_line_and_exit_2(tmp_path: Path):
    done = streetwise("report", "--lang", "xx", "--out", str(tmp_path))
    one_line_exit_2(done, "--lang", "'xx'", "available: en")


def test_an_invalid_experiment_file_is_one_line_and_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndays: 0\nbase_seed: 1\nreplications: 2\n", encoding="utf-8")
    done = streetwise("report", str(bad), "--out", str(tmp_path / "reports"))
    one_line_exit_2(done, "days")


def test_quick_runs_live_in_their_own_folders(tmp_path: Path):
    example = REPO_ROOT / "scenarios" / "experiments" / "example.yaml"
    (full,) = report_plan.plan([example], results_root=tmp_path / "r", reports_root=tmp_path / "o")
    (quick,) = report_plan.plan(
        [example], results_root=tmp_path / "r", reports_root=tmp_path / "o", quick=True
    )
    assert full.results == tmp_path / "r" / "example" and full.out == tmp_path / "o" / "example"
    assert quick.results == tmp_path / "r" / "quick" / "example"
    assert quick.out == tmp_path / "o" / "quick" / "example"
    assert full.experiment.days == 60 and full.experiment.spec.replications == 5
    assert quick.experiment.days == report_plan.QUICK_DAYS
    assert quick.experiment.spec.replications == report_plan.QUICK_REPLICATIONS
    (default,) = report_plan.plan([example])
    assert default.results == Path("results") / "example"
    assert not full.factorial


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="session")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny experiment run once through the runner: (experiment file, results root)."""
    root = tmp_path_factory.mktemp("tiny")
    experiment = root / "tiny.yaml"
    experiment.write_text(yaml.safe_dump(TINY, sort_keys=False), encoding="utf-8")
    results = root / "results"
    run_experiment(
        experiment, executor="serial", out=results / "tiny", keep_issue_logs=True, quiet=True
    )
    missing = waiting_for(results / "tiny")
    if missing:
        pytest.skip(f"the model does not write the report's inputs yet: {'; '.join(missing)}")
    return experiment, results


def waiting_for(folder: Path) -> list[str]:
    """What the report needs from the model and experiments that this results folder lacks."""
    missing = []
    runs = pd.read_parquet(folder / "runs.parquet")
    absent = [name for name in registry.outcome_names() if name not in runs.columns]
    if absent:
        missing.append(f"runs.parquet columns {', '.join(absent)}")
    issues = folder / "issues.parquet"
    if issues.is_file():
        columns = pd.read_parquet(issues).columns
        absent = [c for c in (*ISSUE_COLUMNS, "incident_at") if c not in columns]
        if absent:
            missing.append(f"issues.parquet columns {', '.join(absent)}")
    else:
        missing.append("issues.parquet")
    workers = folder / "workers.parquet"
    if workers.is_file():
        columns = pd.read_parquet(workers).columns
        absent = [c for c in WORKER_COLUMNS if c not in columns]
        if absent:
            missing.append(f"workers.parquet columns {', '.join(absent)}")
    else:
        missing.append("workers.parquet (kept with --keep-issue-logs)")
    return missing


@pytest.fixture(scope="session")
def tiny_reports(
    tiny_results: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """``streetwise report tiny.yaml`` (in-process, calibration at 2 seeds x 30 days)."""
    experiment, results = tiny_results
    out = tmp_path_factory.mktemp("tiny-reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "CALIBRATION_SEEDS", 2)
        patch.setattr(pipeline, "CALIBRATION_DAYS", 30)
        printed = StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(
                [
                    "report",
                    str(experiment),
                    "--results",
                    str(results),
                    "--out",
                    str(out),
                    "--executor",
                    "serial",
                    "--workers",
                    "1",
                ]
            )
    assert code == 0
    return out, printed.getvalue()


def test_the_report_reuses_the_finished_runs(tiny_reports):
    _, printed = tiny_reports
    assert "8 of 8 already done" in printed
    assert "nothing to do" in printed


def test_the_report_writes_every_page_and_the_index(tiny_reports):
    out, _ = tiny_reports
    for page in ("compare", "factorial", "scenario"):
        assert (out / "tiny" / f"{page}.html").is_file(), page
        assert (out / "tiny" / f"{page}.ipynb").is_file(), page
    assert (out / "calibration" / "calibration.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    for href in ("tiny/compare.html", "tiny/factorial.html", "tiny/scenario.html"):
        assert href in index
    assert "calibration/calibration.html" in index
    assert "Quick run" not in index


def test_the_compare_page_has_the_brief_costs_equity_and_provenance(tiny_reports):
    out, _ = tiny_reports
    html = (out / "tiny" / "compare.html").read_text(encoding="utf-8")
    for section in ("brief", "findings", "cost-effectiveness", "equity", "provenance"):
        assert re.search(rf"<section id=[\"']{section}[\"']>", html), section
    assert "Designated posts + Report mini-program with feedback" in html  # factorial arm names
    assert "No measure (all off)" in html
    assert re.search(r"<title>Which measures help the street most \(tiny\)</title>", html)
    assert re.search(r"experiment tiny · code version [^·]+ · 8 runs", html)
    assert external_resources(html) == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_real_compare_page_shows_the_brief_and_figures_in_chromium(tiny_reports, tmp_path):
    out, _ = tiny_reports
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (out / "tiny" / "compare.html").resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert re.search(r"<table class=\"brief\"", done.stdout)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", done.stdout)) >= 8


def test_issue_level_definitions_reproduce_the_run_outcomes(tiny_results):
    """The report's per-community outcomes use the contract's definitions (whole run = column)."""
    _, results = tiny_results
    loaded = load_results(results / "tiny")
    start, end = loaded.window_hours
    for run in loaded.ok_runs.itertuples():
        issues = loaded.issues[
            (loaded.issues["arm"] == run.arm) & (loaded.issues["replicate"] == run.replicate)
        ]
        assert io.fixed_within_7d_share(issues, start, end) == pytest.approx(
            run.fixed_within_7d_share, nan_ok=True
        )
        assert io.median_hours_to_fix(issues, start, end) == pytest.approx(
            run.median_hours_to_fix, nan_ok=True
        )
        assert io.incidents_total(issues, start, end) == run.incidents_total
    assert np.isfinite(loaded.runs["measured_days"]).all()

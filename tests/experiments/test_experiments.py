"""Experiments: spec validation, factorial arms, CRN, executors, resume, failures, adaptivity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES as SMALL

from model.analysis import paired as analysis
from model.cli import main
from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.experiments.design import load_experiment
from model.experiments.executors import FAIL_ARM_VARIABLE, default_start_method
from model.experiments.results import load_results
from model.experiments.runner import run_experiment
from model.sim.streams import replicate_seed

ROOT = REPO_ROOT
BIN = Path(sys.executable).parent


def write_spec(folder: Path, name: str = "tiny", **changes) -> Path:
    """A small three-arm experiment (status quo, mini-program, points) as a YAML file."""
    spec = {
        "name": name,
        "description": "test experiment",
        "days": 10,
        "base_seed": 11,
        "replications": 3,
        "reference": "status_quo",
        "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
        "overrides": dict(SMALL),
        "arms": [
            {"name": "status_quo"},
            {"name": "mini", "overrides": {"policies.mini_program.enabled": True}},
            {"name": "points", "overrides": ["policies.points.enabled=true"]},
        ],
    }
    spec.update(changes)
    spec = {k: v for k, v in spec.items() if v is not None}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def frames_equal(a: Path, b: Path, name: str) -> None:
    """Two results folders hold the same table (wall seconds aside)."""
    left = pd.read_parquet(a / name)
    right = pd.read_parquet(b / name)
    if "wall_seconds" in left.columns:
        left = left.drop(columns="wall_seconds")
        right = right.drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(left, right, check_exact=True)


def markers(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("a*/r*.json"))


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    """The tiny experiment run once with the serial executor (shared, read-only)."""
    folder = tmp_path_factory.mktemp("serial")
    spec = write_spec(folder)
    out = folder / "out"
    args = ["experiment", str(spec), "--out", str(out), "--executor", "serial"]
    assert main([*args, "--keep-issue-logs", "--quiet"]) == 0
    return spec, out, load_results(out)


# --------------------------------------------------------------------------- spec


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"days": 0}, "days: Input should be greater than or equal to 1"),
        ({"replications": None}, "give exactly one of replications or precision"),
        (
            {
                "precision": {
                    "outcome": "reported_share",
                    "relative_half_width": 0.1,
                    "min_replications": 2,
                    "max_replications": 4,
                }
            },
            "(top level): give exactly one of replications or precision",
        ),
        ({"reference": "nope"}, "reference: no arm named 'nope'"),
        ({"name": "has space"}, "name: name must be letters"),
        (
            {"arms": [{"name": "a"}, {"name": "a"}]},
            "arms[1].name: duplicate arm name 'a'",
        ),
        (
            {"arms": [{"name": "a", "scenario": "missing.yaml"}]},
            "arms[0].scenario: file not found: missing.yaml",
        ),
        (
            {"arms": [{"name": "a", "overrides": {"policies.points.enabld": True}}]},
            "arm 'a' (",
        ),
        (
            {"arms": [{"name": "a", "overrides": {"days": 3}}]},
            "arms[0].overrides: days is the experiment's horizon",
        ),
        (
            {"arms": [{"name": "a", "colour": 1}]},
            "arms[0].colour: unknown key",
        ),
    ],
)
def test_bad_experiment_exits_2_naming_file_and_key(tmp_path, capsys, changes, expected):
    spec = write_spec(tmp_path, **changes)
    code = main(["experiment", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(spec) in lines[0]
    assert expected in lines[0]
    assert not (tmp_path / "out").exists()


def test_scenario_key_error_names_the_key(tmp_path):
    spec = write_spec(tmp_path, arms=[{"name": "a", "overrides": {"policies.points.enabld": True}}])
    with pytest.raises(ConfigError, match=r"arm 'a' .*policies\.points\.enabld: unknown key"):
        load_experiment(spec)


def test_precision_needs_known_outcome(tmp_path):
    spec = write_spec(
        tmp_path,
        replications=None,
        precision={
            "outcome": "happiness",
            "relative_half_width": 0.1,
            "min_replications": 2,
            "max_replications": 4,
        },
    )
    with pytest.raises(ConfigError, match=r"precision\.outcome: unknown outcome 'happiness'"):
        load_experiment(spec)


def test_scenario_resolved_relative_to_experiment_file_first(tmp_path):
    (tmp_path / "exp").mkdir()
    local = tmp_path / "exp" / "local.yaml"
    local.write_text("name: local\npolicies:\n  points:\n    enabled: true\n", encoding="utf-8")
    spec = write_spec(
        tmp_path / "exp",
        scenario="local.yaml",
        arms=[{"name": "here"}, {"name": "repo", "scenario": "scenarios/baseline.yaml"}],
        reference=None,
    )
    exp = load_experiment(spec)
    assert exp.arms[0].config.name == "local"
    assert exp.arms[0].config.policies.points.enabled is True
    assert exp.arms[1].config.name == "baseline"
    assert exp.reference.name == "here"  # default: the first arm


def test_factorial_block_generates_full_factorial_arms(tmp_path):
    spec = write_spec(
        tmp_path,
        arms=[{"name": "status_quo"}],
        factorial={
            "overrides": {"policies.points.yuan_per_point": 1.0},
            "levers": {
                "policies.points.enabled": [False, True],
                "policies.mini_program.enabled": [False, True],
                "policies.stations.count": {"levels": [2, 6, 10], "label": "stations"},
            },
        },
    )
    exp = load_experiment(spec)
    names = [arm.name for arm in exp.arms]
    assert len(names) == 1 + 2 * 2 * 3
    assert names[1] == "points=off,mini_program=off,stations=2"
    assert names[-1] == "points=on,mini_program=on,stations=10"
    last = exp.arms[-1].config.policies
    assert last.points.enabled and last.mini_program.enabled and last.stations.count == 10
    assert last.points.yuan_per_point == 1.0
    assert exp.lever_keys == (
        "policies.points.yuan_per_point",
        "policies.points.enabled",
        "policies.mini_program.enabled",
        "policies.stations.count",
    )
    # identical configurations give identical hashes; different ones differ
    assert len({arm.config_sha256 for arm in exp.arms[1:]}) == 12


def test_factorial_section_levels_named_and_flattened_into_lever_columns(tmp_path):
    spec = write_spec(
        tmp_path,
        arms=[],
        reference=None,
        factorial={
            "levers": {
                "policies.points.enabled": [False, True],
                "policies.stations": {
                    "label": "stations",
                    "levels": [{"count": 2}, {"count": 9, "upgraded": True}],
                    "names": ["basic", "upgraded"],
                },
            }
        },
    )
    exp = load_experiment(spec)
    assert [a.name for a in exp.arms] == [
        "points=off,stations=basic",
        "points=off,stations=upgraded",
        "points=on,stations=basic",
        "points=on,stations=upgraded",
    ]
    assert exp.lever_keys == (
        "policies.points.enabled",
        "policies.stations.count",
        "policies.stations.upgraded",
    )
    assert [a.value("policies.stations.upgraded") for a in exp.arms] == [False, True] * 2
    unnamed = write_spec(
        tmp_path,
        arms=[],
        reference=None,
        factorial={"levers": {"policies.stations": [{"count": 2}, {"count": 9, "upgraded": True}]}},
    )
    assert [a.name for a in load_experiment(unnamed).arms] == [
        "stations=count:2",
        "stations=count:9+upgraded:on",
    ]


def test_factorial_labels_must_differ(tmp_path):
    spec = write_spec(
        tmp_path,
        arms=[],
        reference=None,
        factorial={"levers": {"policies.points.enabled": [0, 1], "x.points.enabled": [0, 1]}},
    )
    with pytest.raises(ConfigError, match=r"factorial\.levers: two levers share the label"):
        load_experiment(spec)


def test_replicate_seeds_depend_on_base_seed_and_index_only(tmp_path):
    exp = load_experiment(write_spec(tmp_path))
    assert [exp.seed(i) for i in range(3)] == [replicate_seed(11, i) for i in range(3)]
    assert len({exp.seed(i) for i in range(50)}) == 50


def test_example_experiment_is_valid_and_small():
    exp = load_experiment(ROOT / "scenarios" / "experiments" / "example.yaml")
    assert exp.name == "example"
    assert 2 <= len(exp.arms) <= 3
    assert exp.reference.name == "baseline"
    assert exp.arms[1].config.policies.mini_program.enabled
    assert exp.days <= 60


def test_readme_experiment_example_is_valid(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Running experiments", 1)[1].split("```yaml\n", 1)[1]
    data = yaml.safe_load(block.split("```", 1)[0])
    exp = load_experiment(data, base_dir=ROOT)
    assert [a.name for a in exp.arms][:3] == [
        "baseline",
        "mini_program",
        "points=off,stations=2,honours=none",
    ]
    assert len(exp.arms) == 2 + 8


def test_every_experiment_file_validates():
    files = sorted((ROOT / "scenarios" / "experiments").glob("*.yaml"))
    assert files
    for path in files:
        load_experiment(path)


# --------------------------------------------------------------------------- results


def test_results_folder_layout_and_runs_table(serial_run):
    _, _, result = serial_run
    runs = result.runs
    assert list(runs.columns[:6]) == [
        "arm",
        "replicate",
        "seed",
        "scenario",
        "policies.mini_program.enabled",
        "policies.points.enabled",
    ]
    assert list(runs.columns[-3:]) == ["status", "error", "wall_seconds"]
    assert list(runs["arm"]) == ["status_quo"] * 3 + ["mini"] * 3 + ["points"] * 3
    assert list(runs["replicate"]) == [0, 1, 2] * 3
    assert list(runs["seed"]) == [replicate_seed(11, i) for i in range(3)] * 3
    assert list(runs["policies.mini_program.enabled"]) == [False] * 3 + [True] * 3 + [False] * 3
    assert list(runs["policies.points.enabled"]) == [False] * 6 + [True] * 3
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert (runs["wall_seconds"] > 0).all()
    assert runs["issues_total"].gt(0).all()
    daily = result.daily
    assert list(daily.columns[:3]) == ["arm", "replicate", "day"]
    assert len(daily) == 9 * 10
    assert result.issues is not None and {"arm", "replicate", "opened_at"} <= set(
        result.issues.columns
    )
    manifest = result.manifest
    assert manifest["complete"] is True
    assert manifest["experiment_file_sha256"]
    assert manifest["replications"]["per_arm"] == 3
    assert manifest["replications"]["runs_ok"] == 9
    assert [a["name"] for a in manifest["arms"]] == ["status_quo", "mini", "points"]
    assert manifest["arms"][1]["config"]["policies"]["mini_program"]["enabled"] is True
    assert manifest["versions"]["python"] and manifest["versions"]["mesa"]
    assert manifest["executor"]["kind"] == "serial"
    assert manifest["machine"]["cores"] >= 1
    assert manifest["started_at"] <= manifest["finished_at"]
    assert manifest["code_version"]["streetwise"]
    assert len(manifest["code_version"]["model_source_sha256"]) == 64
    assert "reported_share" in manifest["precision"]["achieved"]["mini"]
    assert manifest["seeds"] == [replicate_seed(11, i) for i in range(3)]


def test_crn_same_issue_arrivals_across_arms(serial_run):
    _, _, result = serial_run
    issues = result.issues
    columns = ["opened_at", "type", "x", "y"]
    for replicate in range(3):
        logs = [
            issues[(issues["arm"] == arm) & (issues["replicate"] == replicate)][columns]
            .sort_values("opened_at", kind="stable")
            .reset_index(drop=True)
            for arm in ("status_quo", "mini", "points")
        ]
        assert len(logs[0]) > 20
        pd.testing.assert_frame_equal(logs[0], logs[1])
        pd.testing.assert_frame_equal(logs[0], logs[2])
    # ... while different replicates see different streets
    first = issues[(issues["arm"] == "mini") & (issues["replicate"] == 0)]["opened_at"]
    second = issues[(issues["arm"] == "mini") & (issues["replicate"] == 1)]["opened_at"]
    assert len(first) != len(second) or not np.allclose(first.to_numpy(), second.to_numpy())
    # and the policies differ in what happens to those issues
    runs = result.runs.set_index(["arm", "replicate"])
    assert (
        runs.loc["points", "program_cost_yuan"] > runs.loc["status_quo", "program_cost_yuan"]
    ).all()


def test_rerun_does_no_work_and_changes_nothing(serial_run, tmp_path, capsys):
    spec, out, _ = serial_run
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(copy)], check=True)
    before = snapshot(copy)
    code = main(["experiment", str(spec), "--out", str(copy), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "9 of 9 already done" in captured.out
    assert "nothing to do" in captured.out
    assert snapshot(copy) == before


def test_changed_experiment_is_refused(serial_run, tmp_path, capsys):
    spec, out, _ = serial_run
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(copy)], check=True)
    code = main(["experiment", str(spec), "--out", str(copy), "--days", "5"])
    err = capsys.readouterr().err
    assert code == 2
    assert "holds results of a different experiment (days 10 there, 5 here)" in err
    changed = write_spec(tmp_path, arms=[{"name": "status_quo"}, {"name": "mini"}])
    assert main(["experiment", str(changed), "--out", str(copy)]) == 2
    assert "arms status_quo, mini, points there, status_quo, mini here" in capsys.readouterr().err
    changed = write_spec(
        tmp_path,
        arms=[
            {"name": "status_quo"},
            {"name": "mini", "overrides": {"policies.mini_program.enabled": False}},
            {"name": "points", "overrides": ["policies.points.enabled=true"]},
        ],
    )
    assert main(["experiment", str(changed), "--out", str(copy)]) == 2
    assert "the configuration of arm 'mini' changed" in capsys.readouterr().err
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["experiment", str(spec), "--out", str(stray)]) == 2
    assert "has no manifest.json" in capsys.readouterr().err


def test_more_replications_reuse_finished_runs(serial_run, tmp_path, capsys):
    spec, out, _ = serial_run
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(copy)], check=True)
    code = main(
        ["experiment", str(spec), "--out", str(copy), "--executor", "serial", "--replications", "4"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "9 of 12 already done" in captured.out
    assert "(3 run now)" in captured.out
    runs = pd.read_parquet(copy / "runs.parquet")
    assert list(runs["replicate"]) == [0, 1, 2, 3] * 3
    old = pd.read_parquet(out / "runs.parquet").drop(columns="wall_seconds")
    kept = runs[runs["replicate"] < 3].reset_index(drop=True).drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(old, kept)
    # issue logs stay on, as the folder had them
    assert pq.read_metadata(copy / "issues.parquet").num_rows > 0


def test_process_executor_from_an_interactive_main_matches_serial(serial_run, tmp_path):
    """Workers started from a __main__ without a file (as in Jupyter) give the same tables."""
    spec, out, _ = serial_run
    other = tmp_path / "process"
    code = textwrap.dedent(
        f"""
        from model.experiments.runner import run_experiment
        result = run_experiment({str(spec)!r}, executor="process", workers=2,
                                out={str(other)!r}, quiet=True, keep_issue_logs=True)
        print(len(result.runs), result.ok, result.manifest["executor"]["start_method"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["9", "True", default_start_method()]
    for name in ("runs.parquet", "daily.parquet", "issues.parquet"):
        frames_equal(out, other, name)
    assert (out / "daily.parquet").read_bytes() == (other / "daily.parquet").read_bytes()


def test_python_api_accepts_a_mapping_and_returns_dataframes(tmp_path):
    spec = yaml.safe_load(write_spec(tmp_path).read_text(encoding="utf-8"))
    spec["arms"] = spec["arms"][:2]
    result = run_experiment(
        spec, executor="serial", out=tmp_path / "api", replications=2, days=4, quiet=True
    )
    assert isinstance(result.runs, pd.DataFrame) and len(result.runs) == 4
    assert isinstance(result.daily, pd.DataFrame) and len(result.daily) == 16
    assert result.issues is None
    assert result.ok and result.failures.empty
    diff = result.differences("reported_share")
    assert list(diff["arm"]) == ["mini"]
    assert list(diff.columns) == list(analysis.DIFFERENCE_COLUMNS)
    assert result.manifest["experiment_file"] == "<experiment>"
    again = load_results(tmp_path / "api")
    pd.testing.assert_frame_equal(again.runs, result.runs)


def test_failed_runs_are_recorded_and_the_others_go_on(tmp_path, capsys, monkeypatch):
    spec = write_spec(tmp_path, replications=2)
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_ARM_VARIABLE, "mini")
    code = main(["experiment", str(spec), "--out", str(out), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 1
    assert "2 of 6 runs failed:" in captured.err
    assert "arm 'mini', replicates 0-1: RuntimeError: STREETWISE_FAIL_ARM test hook" in captured.err
    runs = pd.read_parquet(out / "runs.parquet")
    failed = runs[runs["arm"] == "mini"]
    assert list(failed["status"]) == ["error", "error"]
    assert failed["error"].str.startswith("RuntimeError: STREETWISE_FAIL_ARM").all()
    assert failed["reported_share"].isna().all()
    assert (runs[runs["arm"] != "mini"]["status"] == "ok").all()
    daily = pd.read_parquet(out / "daily.parquet")
    assert set(daily["arm"]) == {"status_quo", "points"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications"]["runs_failed"] == 2
    assert manifest["failures"][0]["arm"] == "mini"
    record = json.loads((out / "runs" / "a001" / "r00000.json").read_text(encoding="utf-8"))
    assert "Traceback" in record["traceback"]
    # a rerun retries only the failed runs
    monkeypatch.delenv(FAIL_ARM_VARIABLE)
    code = main(["experiment", str(spec), "--out", str(out), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "4 of 6 already done" in captured.out
    assert (pd.read_parquet(out / "runs.parquet")["status"] == "ok").all()


def test_resume_after_sigkill_equals_uninterrupted_run(tmp_path):
    spec = write_spec(tmp_path, replications=6, days=10)
    reference = tmp_path / "uninterrupted"
    run_experiment(spec, executor="serial", out=reference, quiet=True)
    out = tmp_path / "killed"
    command = [
        str(BIN / "streetwise"),
        "experiment",
        str(spec),
        "--out",
        str(out),
        "--executor",
        "process",
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(markers(out)) < 3:
            assert proc.poll() is None, "the experiment ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    stored = len(markers(out))
    assert 3 <= stored < 18
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["complete"] is False
    for path in markers(out):
        json.loads(path.read_text(encoding="utf-8"))
    for path in (out / "runs").glob("a*/r*.parquet"):
        pq.read_table(path)

    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{stored} of 18 already done" in again.stdout
    assert f"({18 - stored} run now)" in again.stdout
    assert not list(out.rglob("*.tmp"))
    frames_equal(reference, out, "runs.parquet")
    frames_equal(reference, out, "daily.parquet")
    assert (reference / "daily.parquet").read_bytes() == (out / "daily.parquet").read_bytes()


# --------------------------------------------------------------------------- adaptivity


def test_adaptive_stops_at_once_when_arms_share_the_outcome(tmp_path, capsys):
    """CRN: issue arrivals are policy-independent, so issues_total differences are exactly 0."""
    precision = {
        "outcome": "issues_total",
        "relative_half_width": 0.01,
        "min_replications": 2,
        "max_replications": 10,
    }
    spec = write_spec(tmp_path, replications=None, precision=precision, days=4)
    code = main(["experiment", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial"])
    out = capsys.readouterr().out
    assert code == 0
    assert "precision reached with 2 replications" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["precision"]["met"] is True
    assert manifest["precision"]["achieved_relative_half_width"] == 0.0
    assert manifest["replications"]["per_arm"] == 2


def test_adaptive_grows_in_batches_up_to_the_maximum(tmp_path, capsys):
    precision = {
        "outcome": "worker_reports_total",
        "relative_half_width": 1e-9,
        "min_replications": 2,
        "max_replications": 5,
    }
    spec = write_spec(tmp_path, replications=None, precision=precision, days=30)
    spec_data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    # points change report decisions and false reports, so their paired differences vary
    # from replicate to replicate over 30 days (a mini-program nobody has used yet need
    # not: with common random numbers its differences can all be zero, a met precision)
    spec_data["arms"] = [spec_data["arms"][0], spec_data["arms"][2]]
    spec.write_text(yaml.safe_dump(spec_data), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(spec), "--out", str(out), "--executor", "serial"]) == 0
    printed = capsys.readouterr().out
    assert "replications 2 -> 4" in printed, printed
    assert "replications 4 -> 5" in printed
    assert "maximum of 5 replications reached" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications"]["batches"] == [2, 4, 5]
    assert manifest["precision"]["met"] is False
    assert manifest["precision"]["achieved_relative_half_width"] > 1e-9
    assert len(pd.read_parquet(out / "runs.parquet")) == 10
    # resuming replays the same decisions from the stored runs, without running anything
    assert main(["experiment", str(spec), "--out", str(out), "--executor", "serial"]) == 0
    assert "nothing to do" in capsys.readouterr().out


# --------------------------------------------------------------------------- CLI


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert (
        main(["experiment", str(spec), "--scheduler", "tcp://127.0.0.1:1", "--executor", "serial"])
        == 2
    )
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    assert main(["experiment", str(spec), "--workers", "0"]) == 2
    assert main(["experiment", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_example_runs_from_the_command_line(tmp_path):
    """The shipped example, shortened, through the real console script."""
    out = tmp_path / "example"
    command = [
        str(BIN / "streetwise"),
        "experiment",
        str(ROOT / "scenarios" / "experiments" / "example.yaml"),
        "--out",
        str(out),
        "--executor",
        "serial",
        "--days",
        "3",
        "--replications",
        "1",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "0 of 3 already done" in done.stdout
    assert {p.name for p in out.iterdir()} >= {"runs.parquet", "daily.parquet", "manifest.json"}
    assert "%|" not in done.stderr  # no progress bar when not a terminal


def test_one_blas_thread_per_process_unless_the_user_chose(monkeypatch):
    """The package sets one BLAS/OpenMP thread before numpy loads; a user's own value is kept.

    Checked in a fresh interpreter (the command line's case) and in a spawned worker of the
    process executor (which imports the package before numpy).
    """
    from model import SINGLE_THREAD_ENV
    from model.experiments.executors import ProcessExecutor

    probe = "import model, numpy, os; print([os.environ[n] for n in model.SINGLE_THREAD_ENV])"
    env = {k: v for k, v in os.environ.items() if k not in SINGLE_THREAD_ENV}
    fresh = subprocess.run(
        [sys.executable, "-c", probe], env={**env, "MKL_NUM_THREADS": "3"},
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    )  # fmt: skip
    assert fresh.stdout.strip() == "['1', '1', '3']"
    for name in SINGLE_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    executor = ProcessExecutor(workers=1)
    try:
        pool = executor._ensure_pool()
        seen = [pool.submit(os.getenv, name).result() for name in SINGLE_THREAD_ENV]
    finally:
        executor.close()
    assert seen == ["1", "1", "1"]


def test_arms_without_a_scenario_use_the_status_quo_by_default(tmp_path):
    """No ``scenario:`` anywhere: every arm starts from scenarios/baseline.yaml (the default)."""
    spec = write_spec(tmp_path, scenario=None)
    exp = load_experiment(spec)
    assert [arm.config.name for arm in exp.arms] == ["baseline"] * 3
    assert exp.arms[1].config.policies.mini_program.enabled is True

"""The ``streetwise`` command line, end to end (subprocesses) and in-process."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SMALL_YAML, assert_bad_input

from model import cli
from model.config.loading import load_scenario
from model.outcomes.contract import OUTCOME_NAMES
from model.sim.model import run_model

RESULT_FILES = (
    "outcomes.json",
    "daily.parquet",
    "issues.parquet",
    "reports.parquet",
    "config.json",
)


def streetwise(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m model`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "model", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def in_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Call ``cli.main`` directly (fast), capturing its output like a process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


# Every bad-input case runs in-process; these also run as real processes.
REAL_PROCESS = {"no-command", "text-seed", "invalid-yaml", "unknown-key", "unknown-nested-key"}


def invoker(case: str):
    return streetwise if case in REAL_PROCESS else in_process


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    return path


# ------------------------------------------------------------------ success


def test_run_writes_the_results(tmp_path: Path, scenario: Path) -> None:
    out = tmp_path / "out"
    result = streetwise("run", scenario, "--seed", "3", "--days", "4", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for name in OUTCOME_NAMES:
        assert name in result.stdout
    for name in RESULT_FILES:
        assert (out / name).is_file(), name
    outcomes = json.loads((out / "outcomes.json").read_text(encoding="utf-8"))
    assert list(outcomes) == list(OUTCOME_NAMES)
    expected = run_model(load_scenario(scenario), seed=3, days=4).outcomes
    for name, value in expected.items():
        if math.isnan(value):
            assert outcomes[name] is None, name
        else:
            assert outcomes[name] == pytest.approx(value), name
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["seed"] == 3 and config["days"] == 4
    assert config["population"]["residents"] == 400
    issues = pq.read_table(out / "issues.parquet")
    assert issues.num_rows == outcomes["issues_total"]
    assert pq.read_table(out / "daily.parquet").num_rows == 4
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_same_config_and_seed_give_byte_identical_files(tmp_path: Path, scenario: Path) -> None:
    for name in ("a", "b"):
        result = streetwise(
            "run", scenario, "--seed", "8", "--days", "5", "--out", tmp_path / name, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    for name in RESULT_FILES:
        a = (tmp_path / "a" / name).read_bytes()
        b = (tmp_path / "b" / name).read_bytes()
        assert a == b, name
    for name in ("daily.parquet", "issues.parquet", "reports.parquet"):
        assert pq.read_table(tmp_path / "a" / name).equals(pq.read_table(tmp_path / "b" / name))


def test_seed_changes_the_outcomes(tmp_path: Path, scenario: Path) -> None:
    for seed in ("1", "2"):
        out = tmp_path / seed
        result = in_process(
            "run", scenario, "--seed", seed, "--days", "3", "--out", out, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    one = (tmp_path / "1" / "outcomes.json").read_bytes()
    two = (tmp_path / "2" / "outcomes.json").read_bytes()
    assert one != two


def test_set_overrides_reach_the_run(tmp_path: Path, scenario: Path) -> None:
    out = tmp_path / "out"
    result = in_process(
        "run",
        scenario,
        "--days",
        "2",
        "--set",
        "population.residents=50",
        "--set",
        "policies.points.enabled=true",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["population"]["residents"] == 50
    assert config["policies"]["points"]["enabled"] is True


def test_validate(tmp_path: Path, scenario: Path) -> None:
    result = in_process("validate", scenario, "--set", "days=9", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "9 days" in result.stdout


def test_console_script_is_installed(tmp_path: Path, scenario: Path) -> None:
    script = Path(sys.executable).parent / "streetwise"
    assert script.exists()
    result = subprocess.run(
        [str(script), "validate", str(scenario)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------ bad input: exit 2


USAGE_CASES = {
    "no-command": ([], ["command"]),
    "unknown-command": (["fly"], ["fly"]),
    "run-without-scenario": (["run"], ["scenario"]),
    "unknown-option": (["run", "{scenario}", "--bogus", "1"], ["--bogus"]),
    "negative-seed": (["run", "{scenario}", "--seed", "-1"], ["--seed"]),
    "text-seed": (["run", "{scenario}", "--seed", "abc"], ["--seed", "abc"]),
    "zero-days": (["run", "{scenario}", "--days", "0"], ["--days"]),
    "text-days": (["run", "{scenario}", "--days", "x"], ["--days"]),
    "set-without-value": (["run", "{scenario}", "--set"], ["--set"]),
}


@pytest.mark.parametrize("case", list(USAGE_CASES))
def test_usage_errors(tmp_path: Path, scenario: Path, case: str) -> None:
    args, needles = USAGE_CASES[case]
    args = [a.replace("{scenario}", str(scenario)) for a in args]
    out = tmp_path / "out"
    if args and args[0] == "run":
        args += ["--out", str(out)]
    assert_bad_input(invoker(case)(*args, cwd=tmp_path), *needles)
    assert not out.exists()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


FILE_CASES = {
    "invalid-yaml": ("days: 5\npopulation: [1, 2\n", ["invalid YAML", "line"]),
    "top-level-list": ("- days: 5\n- name: x\n", ["top level", "mapping"]),
    "unknown-key": (SMALL_YAML + "populaton: {}\n", ["populaton", "unknown key"]),
    "nested-unknown-key": (
        SMALL_YAML + "policies: {points: {enabeld: true}}\n",
        ["policies.points.enabeld", "unknown key"],
    ),
    "negative-population": (
        "population: {residents: -10}\n",
        ["population.residents", "greater than or equal to 0"],
    ),
    "negative-workers": ("population: {workers: {rider: -1}}\n", ["population.workers.rider"]),
    "wrong-type": ("days: many\n", ["days", "integer"]),
    "wrong-type-section": ("population: 12\n", ["population"]),
    "share-out-of-range": ("workers: {insured_share: 2}\n", ["workers.insured_share"]),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_files(tmp_path: Path, case: str, command: str) -> None:
    text, needles = FILE_CASES[case]
    path = write(tmp_path, text)
    out = tmp_path / "out"
    args = [command, path] + (["--out", out] if command == "run" else [])
    call = invoker(case) if command == "run" else in_process
    line = assert_bad_input(call(*args, cwd=tmp_path), *needles)
    assert str(path) in line  # the file is named
    assert not out.exists()


def test_missing_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = streetwise("run", tmp_path / "nope.yaml", "--out", out, cwd=tmp_path)  # real process
    assert_bad_input(result, "nope.yaml", "not found")
    assert not out.exists()


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    out = tmp_path / "out"
    assert_bad_input(
        streetwise("run", folder, "--out", out, cwd=tmp_path), "folder.yaml", "directory"
    )
    assert not out.exists()


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00garbage")
    out = tmp_path / "out"
    assert_bad_input(in_process("run", path, "--out", out, cwd=tmp_path), "binary.yaml")
    assert not out.exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path, scenario: Path) -> None:
    scenario.chmod(0)
    try:
        out = tmp_path / "out"
        result = in_process("run", scenario, "--out", out, cwd=tmp_path)
        assert_bad_input(result, str(scenario), "cannot read")
        assert not out.exists()
    finally:
        scenario.chmod(0o644)


SET_CASES = {
    "no-equals": (["--set", "days"], ["--set", "days"]),
    "empty-key": (["--set", "=5"], ["--set"]),
    "empty-part": (["--set", "policies..points=1"], ["--set", "policies..points"]),
    "into-a-scalar": (["--set", "days.x=1"], ["--set", "days"]),
    "unknown-key": (["--set", "populaton=5"], ["--set", "populaton", "unknown key"]),
    "unknown-nested-key": (
        ["--set", "policies.points.enabeld=true"],
        ["--set", "policies.points.enabeld", "unknown key"],
    ),
    "unknown-section": (
        ["--set", "policies.pointz.enabled=true"],
        ["--set", "policies.pointz", "unknown key"],
    ),
    "bad-value": (["--set", "population.residents=-5"], ["--set", "population.residents"]),
    "wrong-type": (["--set", "days=soon"], ["--set", "days"]),
}


@pytest.mark.parametrize("case", list(SET_CASES))
def test_bad_set(tmp_path: Path, scenario: Path, case: str) -> None:
    extra, needles = SET_CASES[case]
    out = tmp_path / "out"
    call = streetwise if case in ("no-equals", "unknown-section") else in_process
    result = call("run", scenario, *extra, "--out", out, cwd=tmp_path)
    assert_bad_input(result, *needles)
    assert not out.exists()


def test_out_is_a_file(tmp_path: Path, scenario: Path) -> None:
    out = tmp_path / "taken"
    out.write_text("not a folder", encoding="utf-8")
    result = in_process("run", scenario, "--days", "1", "--out", out, cwd=tmp_path)
    assert_bad_input(result, "taken", "--out")
    assert out.read_text(encoding="utf-8") == "not a folder"


# ------------------------------------------------------------------ in-process


def test_main_returns_2_for_bad_input(tmp_path: Path, capsys) -> None:
    assert cli.main(["run", str(tmp_path / "missing.yaml")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1


def test_unexpected_failure_exits_1(tmp_path: Path, scenario: Path, monkeypatch, capsys) -> None:
    import model.sim.model

    def explode(*args, **kwargs):
        raise RuntimeError("boom in the model")

    monkeypatch.setattr(model.sim.model, "run_model", explode)
    out = tmp_path / "out"
    assert cli.main(["run", str(scenario), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "RuntimeError" in err and "boom in the model" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_format_outcomes_shows_every_outcome(small_run) -> None:
    text = cli.format_outcomes(small_run.outcomes)
    lines = text.splitlines()
    assert len(lines) == 2 + len(OUTCOME_NAMES)
    for name, line in zip(OUTCOME_NAMES, lines[2:], strict=True):
        assert line.startswith(name)
    nan = dict.fromkeys(OUTCOME_NAMES, float("nan"))
    assert all(line.endswith("n/a") for line in cli.format_outcomes(nan).splitlines()[2:])


def test_permission_denied_is_bad_input(tmp_path: Path, scenario: Path, monkeypatch) -> None:
    """Unreadable file (simulated, so that the test also runs as root)."""
    real = Path.read_text

    def denied(self, *args, **kwargs):
        if self == scenario:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", denied)
    out = tmp_path / "out"
    result = in_process("run", scenario, "--out", out, cwd=tmp_path)
    assert_bad_input(result, str(scenario), "cannot read", "PermissionError")
    assert not out.exists()

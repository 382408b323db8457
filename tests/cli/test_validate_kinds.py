"""``streetwise validate`` on the three kinds of file: scenario, experiment, uncertainties.

The kind is told from the file's content; each kind is checked by its own loader (the
experiment loader with its worlds block, its uncertainties file and every arm's scenario; the
uncertainties loader against the live scenario schema). Success prints one line saying what
was checked; bad input prints one line naming the file, the key and the problem, exit 2.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SMALL_YAML, assert_bad_input

from model import cli
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.config.uncertainties import UNCERTAINTIES_PATH, UncertaintyTable
from model.experiments.design import ExperimentSpec

KEYS = ["behaviour.trust_learning_rate", "workers.motivation_sd"]
"""Two parameters of the repository's uncertainties file, sampled by the test experiments."""


def validate(*args: Any) -> subprocess.CompletedProcess:
    """``streetwise validate ARGS`` through ``cli.main``, captured like a process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", *map(str, args)])
    return subprocess.CompletedProcess(["validate", *args], code, out.getvalue(), err.getvalue())


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def bad_input(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.stdout == "", result.stdout
    return assert_bad_input(result, *needles)


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    return path


def experiment(small: Path, **changes: Any) -> dict[str, Any]:
    """Two arms on a small street: the status quo and the mini-program."""
    data: dict[str, Any] = {
        "name": "check",
        "days": 10,
        "base_seed": 3,
        "replications": 2,
        "scenario": str(small),
        "arms": [
            {"name": "baseline"},
            {"name": "mini_program", "overrides": {"policies.mini_program.enabled": True}},
        ],
    }
    data.update(changes)
    return data


def worlds(**changes: Any) -> dict[str, Any]:
    block = {
        "uncertainties": str(UNCERTAINTIES_PATH),
        "design": "morris",
        "n": 2,
        "seed": 5,
        "parameters": list(KEYS),
    }
    block.update(changes)
    return block


def repository_entries(keys: list[str]) -> list[dict[str, Any]]:
    """Entries of the repository's uncertainties file, as written there."""
    data = yaml.safe_load(UNCERTAINTIES_PATH.read_text(encoding="utf-8"))
    by_key = {entry["key"]: entry for entry in data["uncertainties"]}
    return [dict(by_key[key]) for key in keys]


# ------------------------------------------------------------------ telling the kind


def test_markers_belong_to_their_schema_and_not_to_the_scenario_schema() -> None:
    scenario = set(ScenarioConfig.model_fields)
    assert set(cli.EXPERIMENT_MARKERS) <= set(ExperimentSpec.model_fields) - scenario
    uncertainties = set(UncertaintyTable.model_fields) - scenario
    assert set(cli.UNCERTAINTIES_MARKERS) == uncertainties


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"name": "x", "days": 5}, "scenario"),
        ({}, "scenario"),
        ({"arms": []}, "experiment"),
        ({"factorial": {}}, "experiment"),
        ({"name": "x", "base_seed": 1}, "experiment"),
        ({"worlds": {"uncertainties": "u.yaml"}}, "experiment"),
        ({"uncertainties": []}, "uncertainties"),
        ({"format_version": 1}, "uncertainties"),
        ({"arms": [], "uncertainties": []}, "experiment"),  # the experiment schema refuses it
    ],
)
def test_file_kind(data: dict[str, Any], kind: str) -> None:
    assert cli.file_kind(data) == kind


# ------------------------------------------------------------------ success: one line


def test_valid_experiment_states_arms_replications_runs_and_days(
    tmp_path: Path, small: Path
) -> None:
    path = write_yaml(tmp_path / "plain.yaml", experiment(small))
    assert one_line(validate(path)) == (
        f"{path}: a valid experiment: 2 arms x 2 replications = 4 runs, 10 days"
    )


def test_valid_experiment_in_sampled_worlds_states_the_design(tmp_path: Path, small: Path) -> None:
    # 2 Morris trajectories over 2 parameters: 2 x (2 + 1) = 6 worlds, 2 arms, 1 replicate
    data = experiment(small, replications=1, worlds=worlds())
    path = write_yaml(tmp_path / "worlds.yaml", data)
    assert one_line(validate(path)) == (
        f"{path}: a valid experiment: 2 arms x 6 worlds (morris, 2 trajectories over 2 "
        "parameters of scenarios/uncertainties.yaml) x 1 replication = 12 runs, 10 days"
    )
    data["worlds"] = worlds(design="lhs", n=5)
    write_yaml(path, data)
    assert one_line(validate(path)) == (
        f"{path}: a valid experiment: 2 arms x 5 worlds (lhs over 2 parameters of "
        "scenarios/uncertainties.yaml) x 1 replication = 10 runs, 10 days"
    )


def test_valid_factorial_and_adaptive_experiment(tmp_path: Path, small: Path) -> None:
    precision = {
        "outcome": "fixed_within_7d_share",
        "relative_half_width": 0.05,
        "min_replications": 3,
        "max_replications": 12,
    }
    data = experiment(small, replications=None, precision=precision)
    data["factorial"] = {"levers": {"policies.honours.enabled": [False, True]}}
    path = write_yaml(tmp_path / "factorial.yaml", data)
    assert one_line(validate(path)) == (
        f"{path}: a valid experiment: 4 arms (2 listed and a full factorial over 1 lever) x "
        "3 to 12 replications (adaptive, until the 95% half-widths on fixed_within_7d_share "
        "are at most 5% of the reference's mean) = 12 to 48 runs, 10 days"
    )


def test_repository_uncertainties_file_is_valid() -> None:
    data = yaml.safe_load(UNCERTAINTIES_PATH.read_text(encoding="utf-8"))
    bases = [entry["basis"] for entry in data["uncertainties"]]
    line = one_line(validate(UNCERTAINTIES_PATH))
    assert line.startswith(
        f"{UNCERTAINTIES_PATH}: a valid uncertainties file: {len(bases)} parameters (basis: "
    )
    for basis in set(bases):
        assert f"{bases.count(basis)} {basis}" in line


def test_valid_uncertainties_file_counts_its_bases(tmp_path: Path) -> None:
    entries = repository_entries(KEYS)
    path = write_yaml(tmp_path / "ranges.yaml", {"format_version": 1, "uncertainties": entries})
    counts = {
        basis: [e["basis"] for e in entries].count(basis)
        for basis in ("mechanisms", "calibration", "source", "assumption")
    }
    expected = ", ".join(f"{n} {basis}" for basis, n in counts.items() if n)
    assert one_line(validate(path)) == (
        f"{path}: a valid uncertainties file: 2 parameters (basis: {expected}); every range "
        "contains the status-quo default and is accepted by the scenario schema"
    )


def test_scenario_is_still_validated_with_set(small: Path) -> None:
    line = one_line(validate(small, "--set", "days=9"))
    assert line.startswith(f"{small}: valid scenario") and "9 days measured" in line


# ------------------------------------------------------------------ bad input: exit 2


def test_unknown_key_in_an_experiment(tmp_path: Path, small: Path) -> None:
    path = write_yaml(tmp_path / "typo.yaml", experiment(small, replicatons=3))
    bad_input(validate(path), str(path), "replicatons", "unknown key")


def test_unknown_key_in_the_worlds_block(tmp_path: Path, small: Path) -> None:
    data = experiment(small, replications=1, worlds=worlds(trajectories=4))
    path = write_yaml(tmp_path / "typo.yaml", data)
    bad_input(validate(path), str(path), "worlds.trajectories", "unknown key")


@pytest.mark.parametrize(
    ("block", "needles"),
    [
        ({"design": "grid"}, ["worlds.design", "'lhs', 'morris' or 'sobol'"]),
        ({"design": "sobol", "n": 6}, ["worlds", "power of two", "6"]),
        ({"design": "morris", "n": 1}, ["worlds", "morris"]),
        ({"n": 0}, ["worlds.n", "greater than or equal to 1"]),
        ({"parameters": ["behaviour.no_such_key"]}, ["worlds.parameters", "no_such_key"]),
    ],
)
def test_worlds_block_with_a_bad_design(
    tmp_path: Path, small: Path, block: dict[str, Any], needles: list[str]
) -> None:
    path = write_yaml(
        tmp_path / "design.yaml", experiment(small, replications=1, worlds=worlds(**block))
    )
    bad_input(validate(path), str(path), *needles)


def test_missing_uncertainties_file(tmp_path: Path, small: Path) -> None:
    data = experiment(small, replications=1, worlds=worlds(uncertainties="nowhere/ranges.yaml"))
    path = write_yaml(tmp_path / "missing.yaml", data)
    bad_input(validate(path), str(path), "worlds.uncertainties", "file not found", "ranges.yaml")


def test_bad_uncertainties_file_behind_an_experiment_is_named(tmp_path: Path, small: Path) -> None:
    entries = repository_entries(KEYS)
    entries[1]["range"] = [0.5, 0.9]  # no longer contains the status-quo default
    ranges = write_yaml(tmp_path / "ranges.yaml", {"format_version": 1, "uncertainties": entries})
    data = experiment(small, replications=1, worlds=worlds(uncertainties=str(ranges)))
    path = write_yaml(tmp_path / "exp.yaml", data)
    bad_input(validate(path), str(ranges), KEYS[1], "status-quo default")


def test_missing_arm_scenario(tmp_path: Path, small: Path) -> None:
    data = experiment(small)
    data["arms"][1]["scenario"] = "scenarios/no_such_measure.yaml"
    path = write_yaml(tmp_path / "arm.yaml", data)
    bad_input(validate(path), str(path), "arms[1].scenario", "no_such_measure.yaml")


def test_unknown_key_in_an_uncertainties_file(tmp_path: Path) -> None:
    entries = repository_entries(KEYS)
    entries[0]["sorce"] = "a typo of a key the schema does not have"
    path = write_yaml(tmp_path / "ranges.yaml", {"format_version": 1, "uncertainties": entries})
    bad_input(validate(path), str(path), KEYS[0], "uncertainties[0].sorce", "unknown key")


def test_unknown_top_level_key_in_an_uncertainties_file(tmp_path: Path) -> None:
    data = {"format_version": 1, "uncertainties": repository_entries(KEYS), "ranges": []}
    path = write_yaml(tmp_path / "ranges.yaml", data)
    bad_input(validate(path), str(path), "ranges", "unknown key")


def test_set_is_refused_for_an_experiment(tmp_path: Path, small: Path) -> None:
    path = write_yaml(tmp_path / "plain.yaml", experiment(small))
    bad_input(validate(path, "--set", "days=3"), "--set", "scenario files", str(path))


def test_help_names_the_three_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["validate", "--help"])
    text = capsys.readouterr().out
    assert text.startswith("usage: streetwise validate [-h] [--set KEY=VALUE] FILE")
    for word in ("experiment", "uncertainties", "scenario", "worlds:", "--set"):
        assert word in text


def test_as_a_real_process(tmp_path: Path, small: Path) -> None:
    """The console entry point: a valid experiment and a bad one, no traceback."""
    good = write_yaml(tmp_path / "good.yaml", experiment(small))
    bad = write_yaml(
        tmp_path / "bad.yaml", experiment(small, replications=1, worlds=worlds(design="grid"))
    )
    results = [
        subprocess.run(
            [sys.executable, "-m", "model", "validate", str(path)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        for path in (good, bad)
    ]
    assert one_line(results[0]).endswith(
        "a valid experiment: 2 arms x 2 replications = 4 runs, 10 days"
    )
    bad_input(results[1], str(bad), "worlds.design")

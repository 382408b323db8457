"""Sampled worlds: the design, the expansion into arms, CRN across worlds, runs and resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES as SMALL

from model.cli import main
from model.config.errors import ConfigError
from model.config.loading import read_yaml
from model.config.paths import REPO_ROOT
from model.config.uncertainties import load_uncertainties
from model.experiments.design import ExperimentSpec, load_experiment
from model.experiments.worlds import MORRIS_LEVELS, design_rows, sample_matrix
from model.outcomes.contract import OUTCOME_NAMES
from model.sim.streams import replicate_seed

SCENARIOS = REPO_ROOT / "scenarios"
KEYS = [
    "behaviour.trust",
    "staff.triage_share",
    "issues.types.safety_hazard.arrivals_per_day",
]
"""A subset of the repository's uncertain parameters, for small designs."""


def spec(**changes: Any) -> dict[str, Any]:
    """A two-arm experiment (status quo, integrated package) on a small street in 2 worlds."""
    data: dict[str, Any] = {
        "name": "worlds",
        "days": 5,
        "base_seed": 7,
        "replications": 1,
        "reference": "baseline",
        "overrides": dict(SMALL),
        "arms": [
            {"name": "baseline", "scenario": str(SCENARIOS / "baseline.yaml")},
            {"name": "integrated", "scenario": str(SCENARIOS / "integrated.yaml")},
        ],
        "worlds": {"design": "lhs", "n": 2, "seed": 5, "parameters": list(KEYS)},
    }
    worlds = changes.pop("worlds", None)
    data.update(changes)
    if worlds is not None:
        data["worlds"] = {**data["worlds"], **worlds}
    return data


def write(folder: Path, data: dict[str, Any], name: str = "worlds.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the design


@pytest.mark.parametrize(
    ("design", "n", "rows"),
    [("lhs", 5, 5), ("morris", 3, 3 * (len(KEYS) + 1)), ("sobol", 4, 4 * (len(KEYS) + 2))],
)
def test_design_rows_and_values_inside_the_ranges(design, n, rows):
    ranges = load_uncertainties().ranges(KEYS)
    assert design_rows(design, n, len(KEYS)) == rows
    matrix = sample_matrix(design, n, 11, ranges)
    assert matrix.shape == (rows, len(KEYS))
    for column, (low, high) in enumerate(ranges.values()):
        assert (matrix[:, column] >= low).all() and (matrix[:, column] <= high).all()
    experiment = load_experiment(spec(worlds={"design": design, "n": n}), base_dir=REPO_ROOT)
    assert experiment.worlds.rows == rows
    assert len(experiment.arms) == 2 * rows


def test_lhs_puts_one_world_in_each_stratum_of_every_range():
    ranges = load_uncertainties().ranges(KEYS)
    matrix = sample_matrix("lhs", 8, 3, ranges)
    for column, (low, high) in enumerate(ranges.values()):
        strata = np.floor((matrix[:, column] - low) / (high - low) * 8).astype(int)
        assert sorted(strata) == list(range(8))


def test_morris_trajectories_move_one_parameter_at_a_time_on_the_grid():
    ranges = load_uncertainties().ranges(KEYS)
    matrix = sample_matrix("morris", 3, 3, ranges)
    lows = np.array([low for low, _ in ranges.values()])
    widths = np.array([high - low for low, high in ranges.values()])
    levels = (matrix - lows) / widths * (MORRIS_LEVELS - 1)
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-9)
    for trajectory in matrix.reshape(3, len(KEYS) + 1, len(KEYS)):
        steps = np.diff(trajectory, axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()
        assert sorted(np.nonzero(steps)[1]) == list(range(len(KEYS)))


def test_same_seed_gives_the_same_sample_and_another_seed_another():
    first = load_experiment(spec(), base_dir=REPO_ROOT)
    again = load_experiment(spec(), base_dir=REPO_ROOT)
    other = load_experiment(spec(worlds={"seed": 6}), base_dir=REPO_ROOT)
    np.testing.assert_array_equal(first.worlds.matrix, again.worlds.matrix)
    assert first.fingerprint == again.fingerprint
    assert not np.array_equal(first.worlds.matrix, other.worlds.matrix)
    assert first.fingerprint != other.fingerprint
    for design, n in (("morris", 2), ("sobol", 2)):
        ranges = load_uncertainties().ranges(KEYS)
        np.testing.assert_array_equal(
            sample_matrix(design, n, 9, ranges), sample_matrix(design, n, 9, ranges)
        )


def test_all_parameters_of_the_file_by_default_in_file_order():
    data = spec(worlds={"design": "morris", "n": 2})
    del data["worlds"]["parameters"]
    experiment = load_experiment(data, base_dir=REPO_ROOT)
    keys = load_uncertainties().keys()
    assert list(experiment.worlds.parameters) == keys
    assert experiment.worlds.rows == 2 * (len(keys) + 1)


# --------------------------------------------------------------------------- expansion


def test_expansion_names_overrides_and_reference():
    data = spec(worlds={"n": 3})
    data["arms"][1]["overrides"] = {"policies.points.yuan_per_point": 0.7}
    experiment = load_experiment(data, base_dir=REPO_ROOT)
    worlds = experiment.worlds
    assert [a.name for a in experiment.arms] == [
        f"{policy}@w{w:04d}" for w in range(3) for policy in ("baseline", "integrated")
    ]
    assert worlds.policies == ("baseline", "integrated")
    for arm in experiment.arms:
        sampled = dict(zip(KEYS, worlds.matrix[arm.world], strict=True))
        assert arm.policy == arm.name.split("@")[0]
        for key, value in sampled.items():
            assert arm.overrides[key] == value
            assert arm.value(key) == value  # the configuration carries the sampled value
        if arm.policy == "integrated":
            assert arm.overrides["policies.points.yuan_per_point"] == 0.7
            assert arm.value("policies.points.yuan_per_point") == 0.7
            assert arm.value("policies.one_stop.enabled") is True  # from the scenario file
    assert list(experiment.lever_keys) == ["policies.points.yuan_per_point", *KEYS]
    assert experiment.reference.name == "baseline@w0000"
    assert [experiment.reference_in(w).name for w in range(3)] == [
        "baseline@w0000",
        "baseline@w0001",
        "baseline@w0002",
    ]
    # every arm in every world runs replicate i with the same seed
    assert {experiment.seed(2)} == {replicate_seed(7, 2)}


def test_two_worlds_differ_only_in_the_sampled_values():
    experiment = load_experiment(spec(), base_dir=REPO_ROOT)
    first, second = experiment.arms[0].resolved, experiment.arms[2].resolved
    changed = _differences(first, second)
    assert changed and set(changed) <= set(KEYS)


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            key
            for part in sorted(set(a) | set(b))
            for key in _differences(a.get(part), b.get(part), f"{prefix}{part}.")
        ]
    return [] if a == b else [prefix[:-1]]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"worlds": {"design": "grid"}}, "worlds.design: Input should be 'lhs', 'morris' or"),
        ({"worlds": {"design": "sobol", "n": 6}}, "n must be a power of two (>= 2) for a sobol"),
        ({"worlds": {"design": "morris", "n": 1}}, "n must be >= 2 trajectories for a morris"),
        ({"worlds": {"n": 0}}, "worlds.n: Input should be greater than or equal to 1"),
        ({"worlds": {"colour": 1}}, "worlds.colour: unknown key"),
        ({"worlds": {"parameters": ["behaviour.trust", "behaviour.trust"]}}, "listed twice"),
        (
            {"worlds": {"parameters": ["behaviour.severity"]}},
            "worlds.parameters: behaviour.severity: not in scenarios/uncertainties.yaml",
        ),
        (
            {"worlds": {"uncertainties": "missing.yaml"}},
            "worlds.uncertainties: file not found: missing.yaml",
        ),
        ({"worlds": {"design": "lhs", "n": 200_000}}, "worlds.n: 200000 worlds, more than"),
        (
            {"arms": [{"name": "a@b"}]},
            "worlds: arm name 'a@b' must not contain '@'",
        ),
        ({"reference": "nope"}, "reference: no arm named 'nope' (arms: baseline, integrated)"),
        (
            {"factorial": {"levers": {"policies.points.enabled": [False, True]}}},
            "worlds: runs the listed arms; it cannot expand a factorial block",
        ),
        (
            {
                "replications": None,
                "precision": {
                    "outcome": "reported_share",
                    "relative_half_width": 0.1,
                    "min_replications": 2,
                    "max_replications": 4,
                },
            },
            "worlds: give replications, not a precision target",
        ),
        (
            {"arms": [{"name": "a", "overrides": {"staff.triage_share": 0.3}}]},
            "arms[0]: arm 'a' sets staff.triage_share to 0.3 (status quo 0.25), which the "
            "sampled worlds would replace",
        ),
        (
            {"overrides": {**SMALL, "behaviour.trust": 2.0}},
            "arms[0]: arm 'baseline' sets behaviour.trust to 2.0",
        ),
    ],
)
def test_bad_worlds_block_exits_2_with_one_line(tmp_path, capsys, changes, expected):
    data = spec(**changes)
    data = {key: value for key, value in data.items() if value is not None}
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_experiment(path)
    assert expected in str(caught.value)
    out = tmp_path / "out"
    code = main(["experiment", str(path), "--out", str(out), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 2
    assert len(captured.err.strip().splitlines()) == 1
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_restating_the_status_quo_value_of_a_sampled_parameter_is_allowed():
    # points_high.yaml states crowding_out_strength 0.3, the status quo: the worlds sample it
    data = spec(worlds={"parameters": ["policies.points.crowding_out_strength"]})
    data["arms"][1] = {"name": "points_high", "scenario": str(SCENARIOS / "points_high.yaml")}
    experiment = load_experiment(data, base_dir=REPO_ROOT)
    values = [a.value("policies.points.crowding_out_strength") for a in experiment.arms]
    assert values == [values[0], values[0], values[2], values[2]]
    assert values[0] != values[2]


@pytest.mark.parametrize("name", ["sobol", "sobol_quick"])
def test_repository_sobol_experiments_sample_a_few_parameters(name):
    experiment = load_experiment(SCENARIOS / "experiments" / f"{name}.yaml")
    worlds = experiment.worlds
    keys = load_uncertainties().keys()
    assert worlds.design == "sobol" and 2 <= len(worlds.parameters) < len(keys)
    assert set(worlds.parameters) <= set(keys)
    assert worlds.rows == experiment.spec.worlds.n * (len(worlds.parameters) + 2)
    assert worlds.policies == ("baseline", "integrated")
    assert experiment.days == (30 if name.endswith("quick") else 365)


@pytest.mark.parametrize("name", ["robustness_quick", "screening", "screening_quick"])
def test_repository_worlds_experiments(name):
    experiment = load_experiment(SCENARIOS / "experiments" / f"{name}.yaml")
    worlds = experiment.worlds
    keys = load_uncertainties().keys()
    assert list(worlds.parameters) == keys
    assert experiment.reference.policy == "baseline"
    assert experiment.spec.replications == 1
    assert experiment.days == (30 if name.endswith("quick") else 365)
    if name == "robustness_quick":
        assert worlds.design == "lhs"
        assert worlds.rows == 8
        assert worlds.policies == ("baseline", "mini_program", "integrated")
    else:
        assert worlds.design == "morris"
        assert worlds.policies == ("baseline", "integrated")
        assert worlds.rows == (10 if name == "screening" else 2) * (len(keys) + 1)


def test_robustness_runs_every_standard_arm_in_100_worlds():
    # the spec only: expanding its 1,400 arms is test_every_experiment_file_validates' work
    robustness = ExperimentSpec.model_validate(
        read_yaml(SCENARIOS / "experiments" / "robustness.yaml")
    )
    standard = ExperimentSpec.model_validate(read_yaml(SCENARIOS / "experiments" / "standard.yaml"))
    assert robustness.arms == standard.arms
    assert robustness.reference == standard.reference == "baseline"
    assert (robustness.days, robustness.replications) == (365, 1)
    worlds = robustness.worlds
    assert (worlds.design, worlds.n, worlds.parameters) == ("lhs", 100, None)
    assert worlds.uncertainties == "scenarios/uncertainties.yaml"


# --------------------------------------------------------------------------- a real run


@pytest.fixture(scope="module")
def worlds_run(tmp_path_factory):
    """2 worlds x 2 arms x 2 replications x 5 days on a small street, serial executor."""
    folder = tmp_path_factory.mktemp("worlds")
    path = write(folder, spec(replications=2))
    out = folder / "out"
    assert (
        main(["experiment", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    )
    return path, out


def test_runs_table_columns_and_values(worlds_run):
    path, out = worlds_run
    runs = pd.read_parquet(out / "runs.parquet")
    experiment = load_experiment(path)
    assert list(runs.columns) == [
        "arm",
        "policy",
        "world",
        "replicate",
        "seed",
        "scenario",
        *KEYS,
        *OUTCOME_NAMES,
        "status",
        "error",
        "wall_seconds",
    ]
    assert len(runs) == 2 * 2 * 2
    assert (runs["status"] == "ok").all()
    assert list(runs["arm"]) == [
        f"{p}@w{w:04d}" for w in range(2) for p in ("baseline", "integrated") for _ in range(2)
    ]
    assert list(runs["policy"]) == [n.split("@")[0] for n in runs["arm"]]
    assert list(runs["world"]) == [int(n[-4:]) for n in runs["arm"]]
    assert str(runs["world"].dtype) == "int64"
    # common random numbers: replicate i has the same seed in every arm and every world
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert list(runs["seed"][:2]) == [replicate_seed(7, 0), replicate_seed(7, 1)]
    # the sampled values, per world, exactly as drawn
    for _, row in runs.iterrows():
        np.testing.assert_array_equal(
            row[KEYS].to_numpy(dtype=float), experiment.worlds.matrix[row["world"]]
        )
    assert runs.groupby("world")[KEYS].nunique().eq(1).all().all()
    # the worlds differ in their outcomes (the values reach the simulation)
    baseline = runs[runs["policy"] == "baseline"]
    assert baseline.groupby("world")["issues_total"].mean().nunique() == 2


def test_manifest_worlds_block(worlds_run):
    path, out = worlds_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    experiment = load_experiment(path)
    block = manifest["worlds"]
    ranges = load_uncertainties().ranges(KEYS)
    assert block == {
        "design": "lhs",
        "n": 2,
        "seed": 5,
        "rows": 2,
        "uncertainties_file": "scenarios/uncertainties.yaml",
        "parameters": {key: list(bounds) for key, bounds in ranges.items()},
        "matrix": experiment.worlds.matrix.tolist(),
        "policies": ["baseline", "integrated"],
        "num_levels": None,
        "second_order": False,
    }
    assert manifest["reference"] == "baseline"
    assert manifest["lever_columns"] == KEYS
    assert [(a["name"], a["policy"], a["world"]) for a in manifest["arms"]] == [
        ("baseline@w0000", "baseline", 0),
        ("integrated@w0000", "integrated", 0),
        ("baseline@w0001", "baseline", 1),
        ("integrated@w0001", "integrated", 1),
    ]
    assert manifest["complete"] is True


def test_differences_pair_each_arm_with_the_reference_of_its_world(worlds_run):
    from model.experiments.results import load_results

    _, out = worlds_run
    result = load_results(out)
    table = result.differences("issues_total")
    assert list(table["arm"]) == ["integrated"]
    assert int(table["n"].iloc[0]) == 4  # 2 worlds x 2 replicates
    runs = result.runs
    by = runs.set_index(["policy", "world", "replicate"])["issues_total"]
    expected = np.mean(
        [by["integrated", w, r] - by["baseline", w, r] for w in range(2) for r in range(2)]
    )
    assert table["difference"].iloc[0] == pytest.approx(expected)


def test_resume_skips_finished_runs_and_redoes_a_missing_one(worlds_run, tmp_path, capsys):
    path, out = worlds_run
    copy = tmp_path / "copy"
    _copy_tree(out, copy)
    before = pd.read_parquet(copy / "runs.parquet").drop(columns="wall_seconds")
    # nothing to do
    assert main(["experiment", str(path), "--out", str(copy), "--executor", "serial"]) == 0
    captured = capsys.readouterr()
    assert "8 of 8 already done" in captured.out
    assert "nothing to do" in captured.out
    # one run lost: only that one runs again, and the tables come out the same
    (copy / "runs" / "a003" / "r00001.json").unlink()
    assert main(["experiment", str(path), "--out", str(copy), "--executor", "serial"]) == 0
    captured = capsys.readouterr()
    assert "7 of 8 already done" in captured.out
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sessions"][-1]["runs_executed"] == 1
    after = pd.read_parquet(copy / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def test_another_world_seed_is_refused_in_the_same_folder(worlds_run, tmp_path, capsys):
    _, out = worlds_run
    copy = tmp_path / "copy"
    _copy_tree(out, copy)
    other = write(tmp_path, spec(replications=2, worlds={"seed": 99}))
    code = main(["experiment", str(other), "--out", str(copy), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 2
    assert "holds results of a different experiment" in captured.err


def _copy_tree(source: Path, target: Path) -> None:
    import shutil

    shutil.copytree(source, target)

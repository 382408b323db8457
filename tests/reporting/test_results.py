"""Reading results folders: tables, manifest, factors, provenance and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.reporting import registry
from model.reporting.results import (
    ResultsError,
    code_version_text,
    factor_columns,
    load_results,
    load_sensitivity,
    provenance,
)
from model.reporting.synthetic import make_standard_results


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_reads_every_table_and_the_window(standard):
    assert standard.experiment == "standard"
    assert standard.reference == "baseline"
    assert standard.arms[0] == "baseline" and "integrated" in standard.arms
    assert standard.days == 85 and standard.measured_days == 85.0
    assert standard.warmup_days == 15.0
    assert standard.window_hours == (15 * 24.0, 100 * 24.0)
    for table in (standard.daily, standard.issues, standard.workers):
        assert table is not None and {"arm", "replicate"} <= set(table.columns)
    assert set(registry.outcome_names()) <= set(standard.runs.columns)
    assert standard.arm_setting("points", "policies.points.yuan_per_point") == 0.5
    assert standard.arm_setting("points", "policies.nothing.here", "x") == "x"
    with pytest.raises(KeyError):
        standard.arm_setting("no_such_arm", "policies.points.yuan_per_point")


def test_optional_tables_may_be_absent(standard_folder, tmp_path):
    folder = copy(standard_folder, tmp_path)
    for name in ("daily", "issues", "workers"):
        (folder / f"{name}.parquet").unlink()
    results = load_results(folder)
    assert results.daily is None and results.issues is None and results.workers is None


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "manifest.json").unlink(), r"manifest\.json: file not found"),
        (lambda f: (f / "manifest.json").write_text("{", encoding="utf-8"), "not valid JSON"),
        (lambda f: (f / "runs.parquet").unlink(), r"runs\.parquet: file not found"),
        (
            lambda f: (f / "runs.parquet").write_text("x", encoding="utf-8"),
            "not a readable Parquet",
        ),
    ],
)
def test_broken_folders_give_one_line_errors(standard_folder, tmp_path, damage, message):
    folder = copy(standard_folder, tmp_path)
    damage(folder)
    with pytest.raises(ResultsError, match=message) as error:
        load_results(folder)
    assert "\n" not in str(error.value)


def test_missing_column_and_manifest_key_are_named(standard_folder, tmp_path):
    folder = copy(standard_folder, tmp_path)
    runs = pd.read_parquet(folder / "runs.parquet").drop(columns="median_hours_to_fix")
    runs.to_parquet(folder / "runs.parquet")
    with pytest.raises(ResultsError, match="missing outcome column 'median_hours_to_fix'"):
        load_results(folder)
    issues = pd.read_parquet(folder / "issues.parquet").drop(columns="opened_at")
    issues.to_parquet(folder / "issues.parquet")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["reference"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ResultsError, match="missing key 'reference'"):
        load_results(folder)
    with pytest.raises(ResultsError, match="results folder not found"):
        load_results(tmp_path / "nowhere")


def test_failed_runs_are_recorded_without_tables(tmp_path):
    folder = make_standard_results(
        tmp_path / "r", replicates=3, days=40, warmup_days=5, failed=[("points", 1)]
    )
    results = load_results(folder)
    failed = results.runs[results.runs["status"] != "ok"]
    assert list(zip(failed["arm"], failed["replicate"], strict=True)) == [("points", 1)]
    assert failed["fixed_within_7d_share"].isna().all()
    assert results.manifest["replications"]["runs_failed"] == 1
    assert not ((results.issues["arm"] == "points") & (results.issues["replicate"] == 1)).any()


def test_factor_columns_pick_one_leaf_of_a_block_lever(factorial_folder, tmp_path):
    results = load_results(factorial_folder)
    assert list(factor_columns(results)) == [
        "policies.posts.enabled",
        "policies.points.enabled",
        "policies.mini_program.enabled",
    ]
    folder = copy(factorial_folder, tmp_path)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs["policies.stations.count"] = runs["policies.posts.enabled"].map({False: 2, True: 9})
    runs["policies.stations.upgraded"] = runs["policies.posts.enabled"]
    runs = runs.drop(columns="policies.posts.enabled")
    runs.to_parquet(folder / "runs.parquet")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["lever_columns"] = [
        "policies.stations.count",
        "policies.stations.upgraded",
        "policies.points.enabled",
        "policies.mini_program.enabled",
    ]
    for arm in manifest["arms"]:
        on = arm["levels"].pop("policies.posts.enabled")
        arm["levels"]["policies.stations"] = {"count": 9 if on else 2, "upgraded": on}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    factors = factor_columns(load_results(folder))
    assert factors["policies.stations"] == "policies.stations.count"


def test_a_non_factorial_experiment_is_refused(standard):
    with pytest.raises(ResultsError, match="not a factorial experiment"):
        factor_columns(standard)


def test_provenance_summary(standard):
    info = provenance(standard.manifest)
    assert info["experiment"] == "standard"
    assert info["runs_ok"] == 48 and info["runs_failed"] == 0
    assert len(info["seeds"]) == 8
    assert info["wall_seconds"] == 300.0
    assert info["executor"] == "kind=synthetic, workers=1"
    assert code_version_text(standard.manifest).startswith("0.1.0 (")
    assert code_version_text({}) == "?"
    dirty = {"code_version": {"streetwise": "1", "git_commit": "abcdef123", "git_dirty": True}}
    assert code_version_text(dirty) == "1 (abcdef1-dirty)"


def test_sensitivity_results(sensitivity_folder):
    sensitivity = load_sensitivity(sensitivity_folder)
    assert sensitivity.reference == "baseline"
    assert set(sensitivity.parameters) == {
        "service.department_capacity",
        "behaviour.report_propensity",
    }
    assert sensitivity.runs["world"].nunique() == 64


def test_dictionary_encoded_names_read_as_plain_values(standard_folder, tmp_path):
    """The model writes issue types, statuses and channels dictionary-encoded (categorical)."""
    folder = copy(standard_folder, tmp_path)
    issues = pd.read_parquet(folder / "issues.parquet")
    for column in ("type", "status", "channel", "first_reporter_kind"):
        issues[column] = issues[column].astype("category")
    issues.to_parquet(folder / "issues.parquet", index=False)
    loaded = load_results(folder)
    assert loaded.issues["type"].dtype == object and loaded.issues["status"].dtype == object
    unreported = loaded.issues["reported_at"].isna()
    assert loaded.issues.loc[unreported, "channel"].isna().all()
    assert set(loaded.issues["type"]) == set(issues["type"].astype(str))

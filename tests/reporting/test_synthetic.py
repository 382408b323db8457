"""The synthetic results: the contract's files and columns, CRN, consistent outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.reporting import issue_outcomes as io
from model.reporting.results import DAILY_COLUMNS, ISSUE_COLUMNS, RUN_COLUMNS, WORKER_COLUMNS


def test_files_hold_the_contract_columns(standard_folder):
    runs = pd.read_parquet(standard_folder / "runs.parquet")
    assert {*RUN_COLUMNS, "scenario", "error", "wall_seconds"} <= set(runs.columns)
    assert {"policies.mini_program.enabled", "policies.points.enabled"} <= set(runs.columns)
    daily = pd.read_parquet(standard_folder / "daily.parquet")
    assert {*DAILY_COLUMNS, "open_issues", "reports_hotline", "cost_to_date_yuan"} <= set(
        daily.columns
    )
    issues = pd.read_parquet(standard_folder / "issues.parquet")
    assert {
        *ISSUE_COLUMNS,
        "grid",
        "first_reporter_kind",
        "channel",
        "acknowledged_at",
        "dispatched_at",
        "n_reports",
        "incident_at",
    } <= set(issues.columns)
    workers = pd.read_parquet(standard_folder / "workers.parquet")
    assert {*WORKER_COLUMNS, "reports_hotline", "reports_mini_program"} <= set(workers.columns)
    assert workers["day_left"].isna().any() and workers["day_left"].notna().any()


def test_every_arm_sees_the_same_issue_arrivals(standard):
    issues = standard.issues
    key = ["replicate", "issue_id", "type", "community", "x", "y", "opened_at"]
    base = issues[issues["arm"] == "baseline"][key].reset_index(drop=True)
    for arm in standard.arms:
        other = issues[issues["arm"] == arm][key].reset_index(drop=True)
        pd.testing.assert_frame_equal(base, other)


def test_run_outcomes_agree_with_the_issue_logs(standard):
    start, end = standard.window_hours
    for run in standard.ok_runs.itertuples():
        part = standard.issues[
            (standard.issues["arm"] == run.arm) & (standard.issues["replicate"] == run.replicate)
        ]
        assert run.fixed_within_7d_share == io.fixed_within_7d_share(part, start, end)
        assert run.median_hours_to_fix == io.median_hours_to_fix(part, start, end)
        assert run.incidents_total == io.incidents_total(part, start, end)
        assert run.issues_total == len(io.in_window(part, start, end))


def test_planted_effects_have_their_signs(standard):
    means = standard.ok_runs.groupby("arm")[["fixed_within_7d_share", "public_cost_yuan"]].mean()
    base = means.loc["baseline"]
    assert (
        means.loc["integrated", "fixed_within_7d_share"]
        > means.loc["mini_program", "fixed_within_7d_share"]
    )
    assert means.loc["mini_program", "fixed_within_7d_share"] > base["fixed_within_7d_share"]
    assert means.loc["points_high", "fixed_within_7d_share"] < base["fixed_within_7d_share"]
    assert (means["public_cost_yuan"].drop("baseline") > base["public_cost_yuan"]).all()


def test_same_seed_gives_identical_files(tmp_path):
    from model.reporting.synthetic import make_standard_results

    a = make_standard_results(tmp_path / "a", replicates=2, days=30, warmup_days=5)
    b = make_standard_results(tmp_path / "b", replicates=2, days=30, warmup_days=5)
    for name in ("runs", "issues", "workers", "daily"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet")
        )
    daily = pd.read_parquet(a / "daily.parquet")
    assert np.all(daily["open_issues"] >= 0)

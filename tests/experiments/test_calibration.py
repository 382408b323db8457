"""Calibration: targets file, the measures, the table, the loss and the stored fit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from model.config.scenario import ScenarioConfig
from model.experiments.calibration.fit import FREE_PARAMETERS, load_fit, loss
from model.experiments.calibration.measures import repeat_report_lift
from model.experiments.calibration.table import TableRow, format_table, summarise
from model.experiments.calibration.targets import (
    TARGETS_COPY,
    Target,
    load_targets,
    read_targets_yaml,
)


def test_every_counterpart_has_a_band_from_the_file_or_a_stated_assumption():
    targets = load_targets(TARGETS_COPY)
    assert len(targets) == 13
    for t in targets:
        assert t.low < t.high, t
        assert t.band_source == "targets.yaml" or t.band_source.startswith("assumption")
    by_name = {t.name: t for t in targets}
    assert (by_name["registered_share"].low, by_name["registered_share"].high) == (0.02, 0.05)
    assert (by_name["repeat_report_lift"].low, by_name["repeat_report_lift"].high) == (1.2, 2.0)


def test_targets_reader_tolerates_colons_inside_plain_values(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text("a:\n  meaning: before (x): after\n  band: [1, 2]\n", encoding="utf-8")
    data = read_targets_yaml(path)
    assert data == {"a": {"meaning": "before (x): after", "band": [1, 2]}}


def _reports(rows):
    issue, time, kind, rid = zip(*rows, strict=True)
    return pa.table(
        {
            "issue_id": np.array(issue, dtype=np.int64),
            "time": np.array(time, dtype=float),
            "reporter_kind": list(kind),
            "reporter_id": np.array(rid, dtype=np.int64),
        }
    )


def _issues(statuses, resolved, closed):
    return pa.table(
        {
            "status": statuses,
            "resolved_at": pa.array(resolved, type=pa.float64()),
            "closed_at": pa.array(closed, type=pa.float64()),
        }
    )


def test_repeat_report_lift_counts_second_reports_after_the_first_outcome():
    # issues 0, 1 fixed at 10 h; issues 2, 3 closed unfixed at 10 h; 4 is a later issue
    issues = _issues(
        ["resolved", "resolved", "closed_unresolved", "closed_unresolved", "open"],
        [10.0, 10.0, None, None, None],
        [None, None, 10.0, 10.0, None],
    )
    reports = _reports(
        [
            (0, 1.0, "resident", 100),  # fixed first report, reports again
            (4, 20.0, "resident", 100),
            (1, 1.0, "resident", 101),  # fixed first report, never again
            (2, 1.0, "rider", 200),  # unfixed first report, reports again
            (4, 30.0, "rider", 200),
            (3, 1.0, "resident", 201),  # unfixed, never again
            (0, 2.0, "staff", -1),  # staff tickets do not count
        ]
    )
    horizon = 24.0 * 365
    # fixed: 1 of 2 again; unfixed: 1 of 2 again -> lift 1
    assert repeat_report_lift(reports, issues, horizon) == pytest.approx(1.0)
    more = _reports(
        [
            (0, 1.0, "resident", 100),
            (4, 20.0, "resident", 100),
            (1, 1.0, "resident", 101),
            (4, 21.0, "resident", 101),
            (2, 1.0, "rider", 200),
            (4, 30.0, "rider", 200),
            (3, 1.0, "resident", 201),
        ]
    )
    # fixed: 2 of 2 again; unfixed: 1 of 2 -> lift 2
    assert repeat_report_lift(more, issues, horizon) == pytest.approx(2.0)


def test_repeat_report_lift_ignores_first_outcomes_too_close_to_the_end():
    issues = _issues(["resolved", "closed_unresolved"], [10.0, None], [None, 10.0])
    reports = _reports([(0, 1.0, "resident", 1), (1, 1.0, "resident", 2)])
    assert math.isnan(repeat_report_lift(reports, issues, horizon_hours=50.0))


def _target(low=0.0, high=1.0):
    return Target("x", "k", low, high, "m")


def test_summarise_gives_mean_and_t_interval():
    t = _target(0, 10)
    rows = summarise([{"x": v} for v in (1.0, 2.0, 3.0, float("nan"))], (t,))
    (row,) = rows
    assert row.n == 3
    assert row.mean == pytest.approx(2.0)
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert row.ci_low == pytest.approx(2.0 - half)
    assert row.ci_high == pytest.approx(2.0 + half)
    assert row.inside


def test_loss_is_zero_only_at_the_band_centre_and_penalises_outside():
    t = _target(0.0, 1.0)

    def score(mean):
        return loss([TableRow(t, mean, mean, mean, 3)])

    assert score(0.5) == 0.0
    assert 0 < score(0.9) < score(1.1)
    assert score(1.1) == pytest.approx(0.6**2 + 10 * 0.1**2)
    assert score(float("nan")) == 10.0


def test_format_table_names_every_target_and_the_count_inside():
    targets = load_targets(TARGETS_COPY)
    rows = [TableRow(t, t.low, t.low, t.low, 5) for t in targets]
    rows[0] = TableRow(targets[0], targets[0].high * 2, 0, 0, 5)
    text = format_table(rows)
    for t in targets:
        assert t.name in text
    assert f"{len(targets) - 1} of {len(targets)} targets inside" in text
    assert "NO" in text.splitlines()[2]


def test_schema_defaults_carry_the_stored_fit():
    fit = load_fit()
    resolved = ScenarioConfig().resolved()
    for key, value in fit["best"].items():
        node = resolved
        for part in key.split("."):
            node = node[part]
        assert node == pytest.approx(value, rel=1e-6), key
    assert set(fit["best"]) == set(FREE_PARAMETERS)
    for key, (low, high) in FREE_PARAMETERS.items():
        assert low <= fit["best"][key] <= high

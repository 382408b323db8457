"""Calibration: targets file, the measures, the table, the loss and the stored fit."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.experiments.calibration.fit import (
    FIT_SEEDS,
    FREE_PARAMETERS,
    PointScore,
    fit,
    load_fit,
    loss,
    score_measurements,
)
from model.experiments.calibration.measures import repeat_report_lift
from model.experiments.calibration.table import TableRow, format_table, headline, summarise
from model.experiments.calibration.targets import (
    INPUT,
    INPUT_TARGETS,
    REPRODUCED,
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
    reproduced = sum(t.reproduced for t in targets)
    assert f"{reproduced - 1} of {reproduced} reproduced targets inside their band" in text
    assert "NO" in text.splitlines()[2]


def test_the_inputs_are_the_targets_the_model_is_given():
    targets = load_targets(TARGETS_COPY)
    roles = {t.name: t.role for t in targets}
    assert set(roles.values()) == {REPRODUCED, INPUT}
    inputs = {name for name, role in roles.items() if role == INPUT}
    assert inputs == set(INPUT_TARGETS)
    # the rider's working day is set from the survey it is compared with
    assert {"rider_online_hours", "rider_orders", "rider_km"} <= inputs
    assert roles["reports_per_enrolled_worker_year"] == REPRODUCED
    assert roles["repeat_report_lift"] == REPRODUCED
    # every reason names the parameter that carries the input
    for name, reason in INPUT_TARGETS.items():
        assert "workers." in reason, name


def test_inputs_are_shown_apart_and_never_counted_as_reproduced():
    targets = load_targets(TARGETS_COPY)
    # every input inside its band, every reproduced target outside
    rows = [
        TableRow(t, (t.low + t.high) / 2 if not t.reproduced else t.high * 3, 0, 0, 4)
        for t in targets
    ]
    reproduced = sum(t.reproduced for t in targets)
    inputs = len(targets) - reproduced
    assert headline(rows) == f"0 of {reproduced} reproduced targets inside their band"
    text = format_table(rows)
    lines = text.splitlines()
    heading = lines.index("used as inputs, not evidence of fit (the model is given these values):")
    below = lines[heading + 1 : heading + 1 + inputs]
    assert {line.split()[0] for line in below} == set(INPUT_TARGETS)
    above = lines[2:heading]
    assert not {line.split()[0] for line in above} & set(INPUT_TARGETS)
    assert lines[-1] == (
        f"0 of {reproduced} reproduced targets inside their band (4 replications); "
        f"{inputs} inputs shown apart"
    )


def test_loss_leaves_the_inputs_out():
    given = Target("x", "k", 0.0, 1.0, "m", role=INPUT)
    hit = Target("y", "k", 0.0, 1.0, "m")
    far = [TableRow(given, 50.0, 50.0, 50.0, 3), TableRow(hit, 0.5, 0.5, 0.5, 3)]
    assert loss(far) == 0.0
    assert loss([TableRow(hit, 1.5, 1.5, 1.5, 3)]) > 0.0


def test_score_measurements_scores_the_means_and_each_seed_alone():
    target = Target("x", "k", 0.0, 1.0, "m")
    scored = score_measurements([{"x": 0.0}, {"x": 1.0}], (target,))
    assert scored.loss == 0.0  # the mean, 0.5, is the band's centre
    assert scored.seed_losses == (0.25, 0.25)  # each seed alone is half a band off centre
    assert scored.means == {"x": 0.5}


def _fake_scorer(calls: list[dict[str, float]]):
    """A cheap deterministic scorer: loss is the squared distance from a known point."""
    centre = {name: (low + 2 * high) / 3 for name, (low, high) in FREE_PARAMETERS.items()}

    def score(point: dict[str, float]) -> PointScore:
        calls.append(point)
        distance = sum(
            ((point[n] - centre[n]) / (high - low)) ** 2
            for n, (low, high) in FREE_PARAMETERS.items()
        )
        seeds = tuple(distance + 0.01 * k for k in (-1, 0, 1))
        return PointScore(distance, seeds, {"x": distance})

    return score


def test_fit_is_reproducible_and_records_its_settings_and_seed_noise():
    first_calls: list[dict[str, float]] = []
    first = fit(points=6, rounds=2, seeds=3, days=7, scorer=_fake_scorer(first_calls),
                progress=False)  # fmt: skip
    again = fit(points=6, rounds=2, seeds=3, days=7, scorer=_fake_scorer([]), progress=False)
    assert first == again
    assert len(first_calls) == 12
    settings = first["settings"]
    assert settings["seeds"] == 3 and settings["seed_list"] == [0, 1, 2]
    assert settings["days"] == 7 and settings["points"] == 6 and settings["rounds"] == 2
    assert first["loss"] == min(e["loss"] for e in first["evaluations"])
    assert all(len(e["seed_losses"]) == 3 for e in first["evaluations"])
    noise = first["seed_noise"]
    assert noise["seeds"] == 3 and noise["loss_sd"] == pytest.approx(0.01)
    other = fit(points=6, rounds=1, seeds=3, days=7, fit_seed=1, scorer=_fake_scorer([]),
                progress=False)  # fmt: skip
    assert other["evaluations"][0]["point"] != first["evaluations"][0]["point"]


def test_the_fit_runs_enough_seeds_a_point_by_default():
    # the measured noise (the worker intercept's profile) asks for 14 seeds a point
    noise = json.loads(
        (REPO_ROOT / "scenarios/calibration/profiles/behaviour.worker_intercept.json").read_text()
    )["noise"]
    assert FIT_SEEDS >= noise["seeds_needed"]
    assert inspect.signature(fit).parameters["seeds"].default == FIT_SEEDS


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


def _rows_inside() -> list[TableRow]:
    return [TableRow(t, (t.low + t.high) / 2, t.low, t.high, 3) for t in load_targets()]


def test_the_bands_figure_puts_the_inputs_last_as_hollow_grey_dots():
    from model.reporting import figures
    from model.reporting.figures import style
    from model.reporting.text import Text

    rows = _rows_inside()
    inputs = [row for row in rows if not row.target.reproduced]
    figure, caption = figures.calibration_bands(rows, Text("en"))
    (ax,) = figure.axes
    labels = [
        label.get_text()
        for _, label in sorted(
            zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda p: -p[0]
        )
    ]
    assert all(label.endswith("(input)") for label in labels[-len(inputs) :])
    assert not any(label.endswith("(input)") for label in labels[: -len(inputs)])
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    hollow = [d for d in dots if d.get_markerfacecolor() == "none"]
    assert len(hollow) == len(inputs)
    assert all(d.get_color() == style.OKABE_ITO["grey"] for d in hollow)
    assert f"The last {len(inputs)} targets" in caption and "not evidence of fit" in caption


def test_the_calibration_page_counts_reproduced_targets_and_shows_inputs_apart():
    import re

    from model.reporting.pages.calibration import CalibrationPage
    from model.reporting.text import Text

    rows = _rows_inside()
    reproduced = sum(row.target.reproduced for row in rows)
    inputs = len(rows) - reproduced
    fitted = load_fit()
    fitted["seed_noise"] = {
        "seeds": 5,
        "difference_se": 0.0123,
        "separated": 2,
        "gaps": [0.01, 0.02, 0.05, 0.1],
        "seeds_needed": 9,
    }
    plausible = {
        "behaviour.worker_intercept": {
            "low": -8.8,
            "high": -8.0,
            "fitted": -8.04298,
            "searched": [-9.0, -6.0],
        }
    }
    page = CalibrationPage(
        Text("en"), "scenarios/baseline.yaml", 40, 60, rows, np.array([1.0, 2.0]), fitted,
        {"seeds": [0, 1, 2]}, plausible=plausible,
    )  # fmt: skip
    title = page.title().data
    assert f"{reproduced} of {reproduced} reproduced targets fall inside their band" in title
    assert f"{inputs} more are values the model is given as inputs" in title
    table = page.table_section().data
    first, second = table.split("Used as inputs, not evidence of fit")
    for row in rows:
        assert (row.target.key in second) == (not row.target.reproduced), row.target.name
        assert (row.target.key in first) == row.target.reproduced, row.target.name
    fit_text = page.fit_section().data
    assert "At 5 seeds a point" in fit_text and "0.0123" in fit_text
    assert re.search(r"-8\.8.{0,20}-8", fit_text) and "behaviour.worker_intercept" in fit_text
    bare = CalibrationPage(Text("zh"), "s", 40, 60, rows, np.array([1.0]), load_fit(), {})
    assert "作为输入使用" in bare.table_section().data
    assert "合理范围" not in bare.fit_section().data  # no profile yet: no ranges table

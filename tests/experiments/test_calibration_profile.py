"""Calibration honesty: the seed noise of the loss, loss profiles, plausible ranges.

The profile and the noise are tested on synthetic losses with known answers (a flat ridge,
known seed-to-seed spread); one end-to-end test runs ``streetwise calibrate --profile`` on
a reduced street for a few days.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES

from model.experiments.calibration.fit import FREE_PARAMETERS, PointScore, load_fit
from model.experiments.calibration.noise import (
    Z_SEPARATED,
    difference_se,
    pooled_sd,
    seed_noise,
    seeds_to_separate,
)
from model.experiments.calibration.profile import (
    METHOD,
    grid,
    load_plausible_ranges,
    profile,
    profile_runs,
    save_profile,
    update_plausible_ranges,
)

REPO = Path(__file__).resolve().parents[2]
PARAMETER = "behaviour.worker_intercept"
RIDGE = (-8.8, -8.0)
"""The synthetic ridge: every value in it fits exactly as well as any other."""


def ridge_loss(value: float) -> float:
    """Zero on the ridge, rising steeply (10 per squared unit) off it."""
    return 10.0 * max(0.0, RIDGE[0] - value, value - RIDGE[1]) ** 2


def ridge_scorer(noise_sd: float = 0.0, seeds: int = 5, rng_seed: int = 0, calls=None):
    """A synthetic scorer: the ridge loss plus seed noise of a known SD per seed."""
    rng = np.random.default_rng(rng_seed)

    def score(point: dict[str, float]) -> PointScore:
        if calls is not None:
            calls.append(dict(point))
        per_seed = ridge_loss(point[PARAMETER]) + rng.normal(0.0, noise_sd, seeds)
        return PointScore(float(per_seed.mean()), tuple(float(x) for x in per_seed), {})

    return score


# --- seed noise --------------------------------------------------------------------------


def test_pooled_sd_pools_the_squared_deviations_within_points():
    # point 1: deviations -1, 1 (2 squared, 1 df); point 2: -2, 0, 2 (8 squared, 2 df)
    assert pooled_sd([[1.0, 3.0], [2.0, 4.0, 6.0]]) == pytest.approx(math.sqrt(10.0 / 3.0))
    assert pooled_sd([[1.0, float("nan"), 3.0], [5.0]]) == pytest.approx(math.sqrt(2.0))
    assert math.isnan(pooled_sd([[1.0], [2.0]]))


def test_the_standard_error_of_a_difference_and_the_seeds_to_separate_a_gap():
    assert difference_se(0.1, 8) == pytest.approx(0.05)
    # 2 x sqrt(2) x 0.1 / sqrt(n) <= 0.1  <=>  n >= 8
    assert seeds_to_separate(0.1, 0.1) == 8
    assert Z_SEPARATED * difference_se(0.1, 8) <= 0.1 + 1e-12
    assert Z_SEPARATED * difference_se(0.1, 7) > 0.1
    assert seeds_to_separate(0.1, 0.4) == 1  # a gap four times the noise needs one seed
    assert seeds_to_separate(0.1, 0.0) == 0  # nothing to separate
    assert seeds_to_separate(0.0, 0.1) == 1  # no noise


def test_seed_noise_compares_the_gaps_of_the_best_points_with_the_noise():
    # six points; each point's seeds lie at its loss -0.1, +0.1 (SD sqrt(0.02) = 0.1414)
    losses = [2.0, 0.0, 0.05, 9.0, 0.3, 1.0]
    seed_losses = [[x - 0.1, x + 0.1] for x in losses]
    noise = seed_noise(losses, seed_losses, top=5)
    assert noise.seeds == 2 and noise.points == 5
    assert noise.loss_sd == pytest.approx(math.sqrt(0.02))
    # sqrt(2) x SD / sqrt(2 seeds) = SD
    assert noise.difference_se == pytest.approx(math.sqrt(0.02))
    assert noise.threshold == pytest.approx(2 * noise.difference_se)
    assert noise.gaps == pytest.approx((0.05, 0.3, 1.0, 2.0))  # the worst point is left out
    assert noise.separated == 3  # 0.3, 1.0 and 2.0 exceed 2 x 0.1414
    # median gap 0.65: 2 sqrt(2) 0.1414 / sqrt(n) <= 0.65  <=>  n >= 0.379 -> 1 seed
    assert noise.seeds_needed == 1
    tight = seed_noise([0.0, 0.01, 0.02], [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    # SD 0.7071, median gap 0.015: n >= (2 sqrt(2) 0.7071 / 0.015)^2 = 17778
    assert tight.separated == 0 and tight.seeds_needed == math.ceil((2 / 0.015) ** 2)
    assert "seeds needed to separate the median gap: 17778" in tight.summary()


def test_seed_noise_recovers_a_known_seed_to_seed_sd():
    rng = np.random.default_rng(7)
    losses = list(np.linspace(0.0, 1.0, 40))
    seed_losses = [list(x + rng.normal(0.0, 0.2, 6)) for x in losses]
    noise = seed_noise(losses, seed_losses, top=40)
    assert noise.loss_sd == pytest.approx(0.2, rel=0.1)
    assert noise.difference_se == pytest.approx(math.sqrt(2) * noise.loss_sd / math.sqrt(6))


def test_seed_noise_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match="2 losses but 1 lists"):
        seed_noise([0.0, 1.0], [[0.0]])
    with pytest.raises(ValueError, match="at least one point"):
        seed_noise([], [])


# --- the profile -------------------------------------------------------------------------


def fitted(**values: float) -> dict[str, float]:
    return {**{n: (low + high) / 2 for n, (low, high) in FREE_PARAMETERS.items()}, **values}


def test_the_grid_spans_the_search_range_and_holds_the_fitted_value():
    low, high = FREE_PARAMETERS[PARAMETER]
    values = grid(PARAMETER, 4, -8.04298)
    assert values == sorted(values)
    assert values[0] == low and values[-1] == high
    assert -8.04298 in values and len(values) == 5
    assert len(grid(PARAMETER, 4, low)) == 4  # the fitted value already on the grid
    assert profile_runs([PARAMETER], {PARAMETER: -8.04298}, 4, 3) == 15


def test_the_profile_holds_the_other_parameters_at_their_fitted_values():
    calls: list[dict[str, float]] = []
    centre = fitted(**{PARAMETER: -8.4})
    result = profile(PARAMETER, centre, ridge_scorer(calls=calls), points=4)
    assert [c[PARAMETER] for c in calls] == list(result.values)
    for call in calls:
        assert set(call) == set(FREE_PARAMETERS)
        assert {k: v for k, v in call.items() if k != PARAMETER} == {
            k: v for k, v in centre.items() if k != PARAMETER
        }
    assert result.held == centre
    assert result.settings["method"] == METHOD


def test_a_noise_free_flat_ridge_is_exactly_the_plausible_set():
    result = profile(PARAMETER, fitted(**{PARAMETER: -8.4}), ridge_scorer(), points=31)
    on_ridge = [v for v in result.values if RIDGE[0] - 1e-9 <= v <= RIDGE[1] + 1e-9]
    assert [v for v, ok in zip(result.values, result.plausible, strict=True) if ok] == on_ridge
    assert result.plausible_range() == pytest.approx(RIDGE)
    assert result.contiguous() and not result.reaches_search_edge()
    assert result.minimum == 0.0 and result.threshold == 0.0


@pytest.mark.parametrize("rng_seed", [0, 1, 2])
def test_the_profile_finds_the_ridge_within_seed_noise(rng_seed):
    result = profile(
        PARAMETER,
        fitted(**{PARAMETER: -8.4}),
        ridge_scorer(noise_sd=0.05, seeds=5, rng_seed=rng_seed),
        points=31,  # grid step 0.1
    )
    low, high = result.plausible_range()
    assert low == pytest.approx(RIDGE[0], abs=0.1 + 1e-9)
    assert high == pytest.approx(RIDGE[1], abs=0.1 + 1e-9)
    assert result.noise.seeds == 5
    assert result.noise.loss_sd == pytest.approx(0.05, rel=0.5)
    # values off the ridge by 0.3 or more (loss >= 0.9) are never plausible
    for value, ok in zip(result.values, result.plausible, strict=True):
        if value < RIDGE[0] - 0.25 or value > RIDGE[1] + 0.25:
            assert not ok, value


def test_a_ridge_running_off_the_search_range_is_flagged():
    low, _ = FREE_PARAMETERS[PARAMETER]

    def score(point):
        loss = max(0.0, point[PARAMETER] - (low + 0.5)) ** 2
        return PointScore(loss, (loss, loss), {})

    result = profile(PARAMETER, fitted(**{PARAMETER: low + 0.2}), score, points=7)
    assert result.plausible_range()[0] == low
    assert result.reaches_search_edge()


def test_profile_refuses_an_unknown_parameter():
    with pytest.raises(KeyError, match="not a free parameter"):
        profile("behaviour.nope", fitted(), ridge_scorer(), points=2)


# --- files -------------------------------------------------------------------------------


def test_profile_table_and_plausible_ranges_are_written_and_read_back(tmp_path: Path):
    result = profile(
        PARAMETER,
        fitted(**{PARAMETER: -8.4}),
        ridge_scorer(),
        points=31,
        settings={"seeds": 5, "days": 365},
    )
    table = save_profile(result, tmp_path / "profiles")
    assert table == tmp_path / "profiles" / f"{PARAMETER}.json"
    stored = json.loads(table.read_text(encoding="utf-8"))
    assert stored["plausible_range"] == pytest.approx(list(RIDGE))
    assert [row["value"] for row in stored["rows"]] == list(result.values)
    assert stored["settings"]["seeds"] == 5 and stored["settings"]["method"] == METHOD
    ranges = tmp_path / "plausible_ranges.yaml"
    update_plausible_ranges(result, ranges, table=table)
    other = profile("behaviour.trust", fitted(), lambda p: PointScore(0.0, (0.0, 0.0), {}), 3)
    update_plausible_ranges(other, ranges)
    assert load_plausible_ranges(ranges) == {
        PARAMETER: pytest.approx(RIDGE),
        "behaviour.trust": FREE_PARAMETERS["behaviour.trust"],
    }
    text = ranges.read_text(encoding="utf-8")
    assert text.startswith("# Plausible ranges")
    entry = yaml.safe_load(text)[PARAMETER]
    assert entry["fitted"] == -8.4 and entry["seeds"] == 5 and entry["days"] == 365
    assert entry["searched"] == list(FREE_PARAMETERS[PARAMETER])
    assert entry["profile"].endswith(f"{PARAMETER}.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("behaviour.nope: {low: 0, high: 1}\n", "behaviour.nope: not a free parameter"),
        ("behaviour.trust: {low: 1}\n", "behaviour.trust: needs numbers low and high"),
        ("behaviour.trust: {low: 2, high: 1}\n", "behaviour.trust: low 2 is above high 1"),
    ],
)
def test_a_bad_plausible_ranges_file_is_refused_naming_the_key(tmp_path, content, message):
    path = tmp_path / "ranges.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_plausible_ranges(path)


# --- figure ------------------------------------------------------------------------------


def test_the_profile_figure_marks_the_plausible_values_and_the_noise_band():
    from matplotlib.patches import Polygon, Rectangle

    from model.reporting import figures
    from model.reporting.text import Text

    result = profile(PARAMETER, fitted(**{PARAMETER: -8.4}), ridge_scorer(0.05), points=31)
    figure, caption = figures.loss_profile(result, Text("en"))
    (ax,) = figure.axes
    filled = [line for line in ax.lines if line.get_label() == "Plausible value"]
    assert len(filled) == 1 and len(filled[0].get_xdata()) == sum(result.plausible)
    band = [p for p in ax.patches if isinstance(p, Polygon | Rectangle)]
    assert band, "the band within seed noise of the minimum is drawn"
    low, high = result.plausible_range()
    assert f"{low:.4g} to {high:.4g}" in caption
    _, zh_caption = figures.loss_profile(result, Text("zh"))
    assert f"{low:.4g}至{high:.4g}" in zh_caption


# --- command line ------------------------------------------------------------------------


def streetwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "behaviour.nope"], "'behaviour.nope' is not a free parameter of the fit"),
        (["--profile", PARAMETER, "--grid", "1"], "--grid: must be >= 2, got 1"),
    ],
)
def test_calibrate_profile_bad_input_exits_2_with_one_line(args, message):
    done = streetwise("calibrate", *args)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert message in done.stderr and "Traceback" not in done.stderr


def _nested(dotted: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in dotted.items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def test_calibrate_profile_writes_table_figure_and_plausible_range(tmp_path: Path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        yaml.safe_dump({"name": "small", **_nested(EXPERIMENT_OVERRIDES)}), encoding="utf-8"
    )
    out = tmp_path / "profiles"
    done = streetwise(
        "calibrate", "--scenario", str(scenario), "--profile", "behaviour.trust",
        "--grid", "2", "--fit-seeds", "1", "--days", "3", "--workers", "1",
        "--profile-out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = len(grid("behaviour.trust", 2, load_fit()["best"]["behaviour.trust"]))
    assert f"profiling 1 parameter(s): {runs} runs of 3 days (1 seeds a grid value)" in done.stdout
    table = json.loads((out / "behaviour.trust.json").read_text(encoding="utf-8"))
    assert len(table["rows"]) == runs
    assert table["settings"]["scenario"] == str(scenario)
    assert (out / "behaviour.trust.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ranges = load_plausible_ranges(out / "plausible_ranges.yaml")
    low, high = ranges["behaviour.trust"]
    assert FREE_PARAMETERS["behaviour.trust"][0] <= low <= high
    assert high <= FREE_PARAMETERS["behaviour.trust"][1]
    assert "behaviour.trust: plausible" in done.stdout

"""The worlds analysis entry: paired effects, robustness, regret, Sobol, Morris and PRIM."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.analysis.sensitivity import latin_hypercube, morris_sample, sobol_sample
from model.analysis.worlds import (
    EFFECT,
    LEVELS,
    PRIM_MIN_DENSITY,
    analyse_worlds,
    least_regret_policy,
    paired_world_effects,
    robustness_table,
    worlds_design,
)


def manifest_of(design: str, sample: pd.DataFrame, bounds: dict, **extra) -> dict:
    return {
        "experiment": "worlds-test",
        "reference": "baseline",
        "days": 30,
        "worlds": {
            "design": design,
            "n": len(sample),
            "seed": 1,
            "rows": len(sample),
            "uncertainties_file": "scenarios/uncertainties.yaml",
            "parameters": {key: list(value) for key, value in bounds.items()},
            "matrix": sample.to_numpy().tolist(),
            **extra,
        },
    }


def runs_of(sample: pd.DataFrame, outputs: dict, replicates: int = 1) -> pd.DataFrame:
    """One row per (policy, world, replicate); ``outputs[policy](sample, replicate)`` -> values."""
    rows = []
    for policy, function in outputs.items():
        for replicate in range(replicates):
            values = function(sample, replicate)
            frame = sample.copy()
            frame["fixed_within_7d_share"] = values
            frame["world"] = np.arange(len(sample))
            frame["policy"] = policy
            frame["arm"] = [f"{policy}@w{k:04d}" for k in range(len(sample))]
            frame["replicate"] = replicate
            frame["seed"] = 1000 * frame["world"] + replicate
            frame["status"] = "ok"
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------- paired effects, robustness


def hand_table() -> pd.DataFrame:
    """Four worlds, two replicates; a lower-is-better outcome ``cost``."""
    values = {  # world -> policy -> (replicate 0, replicate 1)
        0: {"baseline": (10, 12), "a": (8, 10), "b": (11, 11)},
        1: {"baseline": (10, 10), "a": (12, 12), "b": (7, 9)},
        2: {"baseline": (5, 7), "a": (5, 7), "b": (4, 4)},
        3: {"baseline": (9, 9), "a": (6, 6), "b": (10, 10)},
    }
    rows = []
    for world, policies in values.items():
        for policy, pair in policies.items():
            for replicate, value in enumerate(pair):
                rows.append(
                    {
                        "policy": policy,
                        "arm": f"{policy}@w{world:04d}",
                        "world": world,
                        "replicate": replicate,
                        "seed": world * 10 + replicate,
                        "status": "ok",
                        "cost": float(value),
                    }
                )
    # a failed run of b in world 0 drops that pair only (replicate 0: 11 -> gone)
    rows.append({**rows[-1], "world": 0, "arm": "b@w0000", "replicate": 2, "status": "failed"})
    return pd.DataFrame(rows)


def test_paired_effects_average_replicate_differences():
    effects = paired_world_effects(hand_table(), ["cost"], "baseline").set_index(
        ["world", "policy"]
    )
    assert effects.loc[(0, "a"), "cost"] == pytest.approx(-2.0)
    assert effects.loc[(0, "b"), "cost"] == pytest.approx(0.0)  # (+1 - 1) / 2
    assert effects.loc[(1, "b"), "cost"] == pytest.approx(-2.0)
    assert effects.loc[(2, "b"), "cost"] == pytest.approx(-2.0)
    assert effects.loc[(3, "a"), "cost"] == pytest.approx(-3.0)
    assert effects.loc[(2, "baseline"), "cost"] == 0.0
    assert (effects["n_pairs_cost"] == 2).all()


def test_robustness_shares_quantiles_and_regret_on_a_hand_made_table():
    effects = paired_world_effects(hand_table(), ["cost"], "baseline")
    table = robustness_table(effects, {"cost": "lower"}, "baseline").set_index("policy")
    # improvements (lower is better): a: 2, -2, 0, 3; b: 0, 2, 2, -1
    a, b = table.loc["a"], table.loc["b"]
    assert (a["n_worlds"], a["n_better"], a["share_better"]) == (4, 2, 0.5)
    assert (b["n_worlds"], b["n_better"], b["share_better"]) == (4, 2, 0.5)
    assert a["median_improvement"] == pytest.approx(1.0)
    assert a["p10_improvement"] == pytest.approx(np.quantile([2, -2, 0, 3], 0.1))
    assert a["worst_improvement"] == -2.0 and b["worst_improvement"] == -1.0
    # regret: best per world (improvement): w0 a=2, w1 b=2, w2 b=2, w3 a=3
    # a: 0, 4, 2, 0 -> max 4; b: 2, 0, 0, 4 -> max 4; baseline: 2, 2, 2, 3 -> max 3
    assert a["max_regret"] == 4.0 and b["max_regret"] == 4.0
    assert a["mean_regret"] == pytest.approx(1.5) and b["mean_regret"] == pytest.approx(1.5)
    assert a["share_best"] == 0.5
    assert not table["least_max_regret"].any()
    assert least_regret_policy(table.reset_index(), "cost", "baseline") == "baseline"


def test_least_max_regret_names_a_policy_when_one_is_safest():
    table = hand_table()
    table.loc[(table["policy"] == "a") & (table["world"] == 1), "cost"] = 9.0  # a now best in w1
    effects = paired_world_effects(table, ["cost"], "baseline")
    robust = robustness_table(effects, {"cost": "lower"}, "baseline")
    assert least_regret_policy(robust, "cost", "baseline") == "a"
    assert robust.set_index("policy").loc["a", "max_regret"] == 2.0  # world 2: b is 2 better


def test_missing_reference_is_a_key_error():
    with pytest.raises(KeyError, match="reference policy 'nobody'"):
        paired_world_effects(hand_table(), ["cost"], "nobody")


@pytest.mark.parametrize(
    ("worlds", "message"),
    [
        (None, "no 'worlds' entry"),
        ({"design": "grid", "parameters": {"x": [0, 1]}, "sample": [[0.5]]}, "unknown design"),
        ({"design": "lhs", "parameters": {"x": [0, 1]}, "matrix": [[0.5, 1]]}, "rows of 1"),
    ],
)
def test_bad_worlds_entries(worlds, message):
    manifest = {"reference": "baseline"} | ({"worlds": worlds} if worlds else {})
    with pytest.raises(ValueError, match=message):
        worlds_design(manifest)


# ---------------------------------------------------------------- Sobol: Ishigami


def ishigami(sample: pd.DataFrame, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x1, x2, x3 = (sample[name].to_numpy() for name in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_ishigami_indices_through_the_sobol_path():
    bounds = {name: (-math.pi, math.pi) for name in ("x1", "x2", "x3")}
    sample = sobol_sample(bounds, 1024, np.random.default_rng(3))
    runs = runs_of(
        sample,
        {
            "baseline": lambda s, r: ishigami(s),
            # the effect of "integrated" is 0.5 x2: all its variance comes from x2
            "integrated": lambda s, r: ishigami(s) + 0.5 * s["x2"].to_numpy(),
        },
    )
    analysis = analyse_worlds(
        runs,
        manifest_of("sobol", sample, bounds),
        {"fixed_within_7d_share": "higher"},
        n_resamples=200,
    )
    levels = analysis.screening_of("baseline", "fixed_within_7d_share", LEVELS).table
    levels = levels.set_index("parameter")
    # analytic values for a = 7, b = 0.1
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert levels.loc[name, "S1"] == pytest.approx(s1, abs=0.06)
        assert levels.loc[name, "ST"] == pytest.approx(st, abs=0.06)
        assert (
            levels.loc[name, "ST_ci_low"]
            <= levels.loc[name, "ST"]
            <= levels.loc[name, "ST_ci_high"]
        )
    effect = analysis.screening_of("integrated", "fixed_within_7d_share", EFFECT).table
    effect = effect.set_index("parameter")
    assert effect.loc["x2", "S1"] == pytest.approx(1.0, abs=0.05)
    assert effect.loc["x1", "ST"] == pytest.approx(0.0, abs=0.02)
    assert analysis.robustness.set_index("policy").loc["integrated", "n_worlds"] == len(sample)


# ---------------------------------------------------------------- Morris: a linear function


def test_morris_mu_star_of_a_linear_effect():
    bounds = {"x0": (0.0, 1.0), "x1": (0.0, 2.0), "x2": (0.0, 1.0)}
    sample = morris_sample(bounds, 20, np.random.default_rng(5))
    runs = runs_of(
        sample,
        {
            "baseline": lambda s, r: 2.0 * s["x1"].to_numpy(),
            "integrated": lambda s, r: 2.0 * s["x1"].to_numpy() + 3.0 * s["x0"].to_numpy(),
        },
    )
    analysis = analyse_worlds(
        runs, manifest_of("morris", sample, bounds), {"fixed_within_7d_share": "higher"}
    )
    effect = analysis.screening_of("integrated", "fixed_within_7d_share", EFFECT).table
    effect = effect.set_index("parameter")
    # elementary effects per unit of the normalised range: 3 x (1 - 0) for x0, 0 otherwise
    assert effect.loc["x0", "mu_star"] == pytest.approx(3.0)
    assert effect.loc["x0", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert effect.loc["x1", "mu_star"] == pytest.approx(0.0, abs=1e-9)
    levels = analysis.screening_of("baseline", "fixed_within_7d_share", LEVELS).table
    assert levels.set_index("parameter").loc["x1", "mu_star"] == pytest.approx(4.0)  # 2 x range 2
    assert analysis.screening_of("baseline", "fixed_within_7d_share", EFFECT) is None


def test_a_missing_world_is_reported_not_screened():
    bounds = {"x0": (0.0, 1.0), "x1": (0.0, 1.0)}
    sample = morris_sample(bounds, 4, np.random.default_rng(5))
    runs = runs_of(
        sample,
        {
            "baseline": lambda s, r: s["x0"].to_numpy(),
            "integrated": lambda s, r: s["x1"].to_numpy(),
        },
    )
    runs.loc[(runs["policy"] == "integrated") & (runs["world"] == 2), "status"] = "failed"
    analysis = analyse_worlds(
        runs, manifest_of("morris", sample, bounds), {"fixed_within_7d_share": "higher"}
    )
    entry = analysis.screening_of("integrated", "fixed_within_7d_share", EFFECT)
    assert entry.table is None and entry.missing_worlds == 1
    assert analysis.n_failed == 1


# ---------------------------------------------------------------- PRIM: a planted box


def test_prim_finds_the_planted_failure_region():
    bounds = {"behaviour.a": (0.0, 1.0), "behaviour.b": (0.0, 1.0), "service.c": (2.0, 4.0)}
    sample = latin_hypercube(bounds, 200, np.random.default_rng(11))
    noise = np.random.default_rng(12)

    def integrated(s: pd.DataFrame, replicate: int) -> np.ndarray:
        fails = s["behaviour.a"].to_numpy() < 0.3
        return np.where(fails, 0.4, 0.6) + noise.normal(0, 0.01, len(s))

    runs = runs_of(
        sample, {"baseline": lambda s, r: np.full(len(s), 0.5), "integrated": integrated}, 2
    )
    analysis = analyse_worlds(
        runs, manifest_of("lhs", sample, bounds), {"fixed_within_7d_share": "higher"}
    )
    assert analysis.screenings == []
    failure = analysis.failure_of("integrated", "fixed_within_7d_share")
    assert failure.n_worlds == 200
    assert failure.n_failures == int((sample["behaviour.a"] < 0.3).sum())
    box = failure.boxes[0]
    assert list(box.limits["parameter"]) == ["behaviour.a"]
    assert box.limits["high"].iloc[0] == pytest.approx(0.3, abs=0.03)
    assert box.coverage > 0.9 and box.density > 0.9
    robust = analysis.robustness.set_index("policy").loc["integrated"]
    assert robust["share_better"] == pytest.approx(1 - failure.n_failures / 200)


def test_a_box_that_mostly_holds_worlds_that_do_not_fail_is_not_reported(monkeypatch):
    """PRIM's final box (after dropping restrictions) must still reach the density threshold."""
    import dataclasses

    from model.analysis import worlds as worlds_module

    bounds = {"behaviour.a": (0.0, 1.0), "behaviour.b": (0.0, 1.0)}
    sample = latin_hypercube(bounds, 100, np.random.default_rng(5))
    fails = sample["behaviour.a"].to_numpy() < 0.3

    def integrated(s: pd.DataFrame, replicate: int) -> np.ndarray:
        return np.where(fails, 0.4, 0.6)

    runs = runs_of(
        sample, {"baseline": lambda s, r: np.full(len(s), 0.5), "integrated": integrated}
    )
    manifest = manifest_of("lhs", sample, bounds)
    outcomes = {"fixed_within_7d_share": "higher"}
    found = analyse_worlds(runs, manifest, outcomes).failure_of("integrated", outcomes.popitem()[0])
    assert found.boxes and found.boxes[0].density >= PRIM_MIN_DENSITY  # the real box is kept
    thin = dataclasses.replace(found.boxes[0], density=PRIM_MIN_DENSITY / 4)
    monkeypatch.setattr(worlds_module, "find_boxes", lambda *args, **kwargs: [thin])
    failure = analyse_worlds(runs, manifest, {"fixed_within_7d_share": "higher"}).failure_of(
        "integrated", "fixed_within_7d_share"
    )
    assert failure.n_failures == fails.sum() and failure.boxes == []


def test_no_boxes_when_the_policy_always_wins():
    bounds = {"x0": (0.0, 1.0), "x1": (0.0, 1.0)}
    sample = latin_hypercube(bounds, 50, np.random.default_rng(1))
    runs = runs_of(
        sample,
        {
            "baseline": lambda s, r: s["x0"].to_numpy(),
            "integrated": lambda s, r: s["x0"].to_numpy() + 0.1,
        },
    )
    analysis = analyse_worlds(
        runs, manifest_of("lhs", sample, bounds), {"fixed_within_7d_share": "higher"}
    )
    failure = analysis.failure_of("integrated", "fixed_within_7d_share")
    assert failure.n_failures == 0 and failure.boxes == []

"""Patterns that must emerge from the mechanisms, not be written in (checked over seeds).

- the repeat-report lift after a fixed first report comes from trust learning: with the
  trust weight of the report decision set to zero the lift disappears;
- with crowding-out, a small points reward lowers worker participation below no reward
  while a large one raises it (Gneezy & Rustichini 2000);
- the integrated package raises the resolution and satisfaction rates over the status quo.

The street is the default one; horizons are shortened where the pattern allows.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments.calibration.measures import measure
from model.sim.model import run_model

SCENARIOS = REPO_ROOT / "scenarios"
SEEDS = (1, 2, 3)


def outcome(name: str, key: str, days: int, overrides: list[str] | None = None) -> np.ndarray:
    config = load_scenario(SCENARIOS / f"{name}.yaml", overrides or [])
    return np.array([run_model(config, seed=s, days=days).outcomes[key] for s in SEEDS])


@pytest.mark.slow
def test_repeat_report_lift_emerges_from_trust_learning():
    days = 365

    def lifts(overrides):
        config = load_scenario(SCENARIOS / "baseline.yaml", overrides)
        return np.array(
            [
                measure(run_model(config, seed=s, days=days), days)["repeat_report_lift"]
                for s in SEEDS
            ]
        )

    learned = lifts([])
    switched_off = lifts(["behaviour.trust=0.0"])
    assert np.nanmean(learned) > 1.15
    assert np.nanmean(learned) > np.nanmean(switched_off) + 0.1
    assert abs(np.nanmean(switched_off) - 1.0) < 0.2


@pytest.mark.slow
def test_small_points_crowd_out_participation_and_large_points_raise_it():
    days = 150
    key = "worker_participation_rate"
    none = outcome("baseline", key, days)
    small = outcome("points_low", key, days)
    large = outcome("points_high", key, days)
    assert np.all(small < none), (small, none)
    assert np.all(large > none), (large, none)
    # the drop is the crowding-out, not the reward: without it the same token reward raises
    # participation over the crowded-out arm and does not lower it below the status quo
    # (its own effect, +2.5 yuan on a hazard, is within the noise of a few seeds)
    small_no_crowding = outcome("points_low", key, days, ["policies.points.crowding_out=false"])
    assert np.all(small_no_crowding > small), (small_no_crowding, small)
    assert small_no_crowding.mean() >= none.mean() - 0.01, (small_no_crowding, none)


@pytest.mark.slow
def test_integrated_package_raises_resolution_and_satisfaction():
    days = 180
    for key in ("resolved_share", "satisfaction_rate"):
        base = outcome("baseline", key, days)
        package = outcome("integrated", key, days)
        assert package.mean() > base.mean() + 0.01, (key, base, package)

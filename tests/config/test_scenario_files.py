"""Every scenario and experiment file in scenarios/ validates and says what it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT, scenario_files
from model.config.scenario import ScenarioConfig
from model.experiments.design import load_experiment

SCENARIOS = REPO_ROOT / "scenarios"
SCENARIO_FILES = scenario_files()
EXPERIMENT_FILES = sorted((SCENARIOS / "experiments").glob("*.yaml"))


def test_the_library_has_every_measure_of_the_article():
    names = {p.stem for p in SCENARIO_FILES}
    assert {
        "baseline",
        "posts",
        "points",
        "points_low",
        "points_high",
        "honours",
        "insurance",
        "waiver",
        "one_stop",
        "mini_program",
        "mini_program_no_feedback",
        "stations",
        "deliberation",
        "integrated",
    } <= names


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_validates_and_is_commented(path: Path):
    config = load_scenario(path)
    assert config.name == path.stem
    assert config.description
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "a scenario file opens with a comment saying what it is"
    if path.stem != "baseline":
        assert config.policies != ScenarioConfig().policies, "a measure changes some lever"
        assert "cost" in text.lower() or "see " in text.lower(), "cost basis or reference"


def test_baseline_is_the_schema_default():
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert baseline.policies == ScenarioConfig().policies
    assert baseline.behaviour == ScenarioConfig().behaviour


@pytest.mark.parametrize("path", EXPERIMENT_FILES, ids=lambda p: p.name)
def test_experiment_validates(path: Path):
    experiment = load_experiment(path)
    assert experiment.days >= 1
    assert len(experiment.arms) >= 2


def test_standard_experiment_has_every_scenario_as_an_arm():
    experiment = load_experiment(SCENARIOS / "experiments" / "standard.yaml")
    names = {arm.name for arm in experiment.arms}
    assert names == {p.stem for p in SCENARIO_FILES}
    assert experiment.days == 365


def test_factorial_experiment_is_a_full_2_to_the_5():
    experiment = load_experiment(SCENARIOS / "experiments" / "factorial.yaml")
    assert len(experiment.arms) == 32
    assert len({arm.name for arm in experiment.arms}) == 32

"""The mechanism table: every lever weight has an entry, a source or a range, and its value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from model.config.behaviour import BehaviourConfig
from model.config.errors import ConfigError
from model.config.loading import build_config
from model.config.mechanisms import (
    LEVER_CHOICES,
    LEVERS,
    MECHANISMS_PATH,
    MechanismTable,
    load_mechanisms,
    schema_default,
)
from model.config.policies import PoliciesConfig
from model.config.scenario import ScenarioConfig
from model.outcomes.registry import OUTCOMES
from model.reporting import mechanismdoc, paramdoc

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"

REQUIRED_OTHERS = (
    # the mechanisms of issue 11 that live outside `behaviour` and `policies`
    "service.reopen_share_of_dissatisfied",
    "workers.off_shift_minute_value",
    "workers.rider.time_pressure",
    "workers.courier.time_pressure",
    "workers.driver.time_pressure",
    "workers.rider.building_access",
    "workers.courier.building_access",
    "workers.driver.building_access",
    "staff.patrol_share",
    "staff.patrol_cells_per_hour",
    "channels.mini_program.feedback_probability",
    "channels.mini_program.report_minutes",
    "channels.worker_mini_program_adoption",
    "residents.trust_in_workers_initial",
)
"""Keys outside ``behaviour`` and ``policies`` that carry a lever's or an advantage's effect."""


@pytest.fixture(scope="module")
def table() -> MechanismTable:
    return load_mechanisms(known_outcomes=OUTCOMES)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(MECHANISMS_PATH.read_text(encoding="utf-8"))


def _numeric_leaves(data: Any, prefix: str) -> list[str]:
    """Dotted keys of every int or float (not bool) leaf of a plain nested mapping."""
    keys: list[str] = []
    for name, value in data.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict):
            keys.extend(_numeric_leaves(value, key))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            keys.append(key)
    return keys


def required_parameters() -> list[str]:
    """Every behaviour field, every numeric field of every lever, and the others above."""
    behaviour = [f"behaviour.{name}" for name in BehaviourConfig.model_fields]
    policies = _numeric_leaves(PoliciesConfig().model_dump(mode="json"), "policies")
    return behaviour + policies + list(REQUIRED_OTHERS)


# ------------------------------------------------------------------ completeness


def test_every_lever_weight_and_behavioural_parameter_has_an_entry(table: MechanismTable) -> None:
    required = required_parameters()
    assert len(required) > 80
    missing = sorted(set(required) - set(table.parameters()))
    assert not missing, f"parameters without a mechanism entry: {missing}"


def test_the_completeness_walk_sees_a_new_behaviour_field() -> None:
    class Extended(BehaviourConfig):
        new_weight: float = 1.0

    keys = [f"behaviour.{name}" for name in Extended.model_fields]
    assert "behaviour.new_weight" in keys
    policies = _numeric_leaves({"a": {"b": 1.0, "on": True, "d": {"x": 2}}}, "policies")
    assert policies == ["policies.a.b", "policies.a.d.x"]


def test_every_lever_has_entries(table: MechanismTable) -> None:
    levers = {entry.lever for entry in table}
    assert set(LEVERS) <= levers
    assert levers <= set(LEVER_CHOICES)
    assert {"all", "status quo"} <= levers


# ------------------------------------------------------------------ content


def test_every_entry_has_a_source_or_an_assumption_and_a_range(table: MechanismTable) -> None:
    for entry in table:
        assert (entry.source is None) != (entry.assumption is None), entry.parameter
        text = entry.assumption or entry.source.effect_size  # type: ignore[union-attr]
        assert len(text) > 10, entry.parameter
        low, high = entry.range
        assert low <= high, entry.parameter


def test_every_range_contains_the_schema_default(table: MechanismTable) -> None:
    for entry in table:
        value = schema_default(entry.parameter)
        low, high = entry.range
        assert low <= value <= high, f"{entry.parameter}: {value} outside [{low}, {high}]"


def test_every_range_end_is_a_valid_value(table: MechanismTable) -> None:
    # the sensitivity analysis samples these ranges: both ends must pass validation
    for entry in table:
        for end in entry.range:
            config = build_config({}, [f"{entry.parameter}={end}"])
            assert schema_default(entry.parameter, config) == pytest.approx(end)


def test_outcome_names_exist_in_the_registry(table: MechanismTable) -> None:
    for entry in table:
        unknown = [name for name in entry.outcomes if name not in OUTCOMES]
        assert not unknown, f"{entry.parameter}: {unknown}"
    assert sum(bool(entry.outcomes) for entry in table) >= len(table.mechanisms) - 2


def test_the_yaml_stores_no_values(raw: dict[str, Any]) -> None:
    for entry in raw["mechanisms"]:
        assert "value" not in entry and "default" not in entry, entry["parameter"]


def test_schema_default_reads_nested_and_mapped_keys() -> None:
    assert schema_default("behaviour.honours") == BehaviourConfig().honours
    points = PoliciesConfig().points.points_per_report["opinion"]
    assert schema_default("policies.points.points_per_report.opinion") == points
    config = build_config({}, ["behaviour.honours=0.7"])
    assert schema_default("behaviour.honours", config) == 0.7
    for bad in ("behaviour.no_such", "behaviour", "policies.points", "behaviour.honours.x"):
        with pytest.raises(KeyError):
            schema_default(bad)


def test_ranges_are_what_the_sensitivity_analysis_reads(table: MechanismTable) -> None:
    ranges = table.ranges()
    assert list(ranges) == table.parameters()
    assert ranges["behaviour.honours"] == next(
        e.range for e in table if e.parameter == "behaviour.honours"
    )


# ------------------------------------------------------------------ bad input


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "mechanisms.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _one(raw: dict[str, Any], parameter: str) -> dict[str, Any]:
    return next(e for e in raw["mechanisms"] if e["parameter"] == parameter)


def test_the_file_as_is_loads(tmp_path: Path, raw: dict[str, Any]) -> None:
    assert len(load_mechanisms(_write(tmp_path, raw)).mechanisms) == len(raw["mechanisms"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(value=0.3), "(behaviour.honours): mechanisms[.*].value: unknown key"),
        (
            lambda e: e["source"].update(doi="x"),
            "(behaviour.honours): mechanisms[.*].source.doi: unknown key",
        ),
        (lambda e: e.update(lever="everything"), "lever 'everything' is not one of"),
        (lambda e: e.update(kind="weight"), "kind: Input should be"),
        (lambda e: e.update(assumption="a guess"), "give exactly one of source"),
        (lambda e: e.pop("source"), "give exactly one of source"),
        (lambda e: e.update(range=[0.3, 0.1]), "has low above high"),
        (lambda e: e.pop("range"), "range: required key missing"),
        (lambda e: e["source"].update(confidence="X"), "confidence: Input should be"),
    ],
)
def test_bad_entries_give_one_clear_line(
    tmp_path: Path, raw: dict[str, Any], change: Any, message: str
) -> None:
    import copy
    import re

    data = copy.deepcopy(raw)
    change(_one(data, "behaviour.honours"))
    with pytest.raises(ConfigError) as error:
        load_mechanisms(_write(tmp_path, data))
    text = str(error.value)
    assert "\n" not in text
    assert text.startswith(str(tmp_path / "mechanisms.yaml"))
    pattern = re.escape(message).replace(re.escape("[.*]"), r"\[\d+\]")
    assert re.search(pattern, text), text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(parameter="behaviour.no_such"), "behaviour.no_such: not a parameter"),
        (lambda e: e.update(parameter="behaviour"), "behaviour: not a parameter"),
        (lambda e: e.update(range=[0.5, 0.9]), "does not contain the default 0.3"),
        (lambda e: e.update(range=[0.0, 0.29]), "does not contain the default 0.3"),
        (
            lambda e: e.update(parameter="policies.points.crowding_out"),
            "policies.points.crowding_out: the default False is not a number",
        ),
        (lambda e: e.update(outcomes=["happiness"]), "unknown outcome(s) ['happiness']"),
    ],
)
def test_entries_that_disagree_with_the_schema_are_refused(
    tmp_path: Path, raw: dict[str, Any], change: Any, message: str
) -> None:
    import copy

    data = copy.deepcopy(raw)
    change(_one(data, "behaviour.honours"))
    with pytest.raises(ConfigError) as error:
        load_mechanisms(_write(tmp_path, data), known_outcomes=OUTCOMES)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_duplicates_and_unknown_top_level_keys_are_refused(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    import copy

    data = copy.deepcopy(raw)
    data["mechanisms"].append(copy.deepcopy(_one(data, "behaviour.honours")))
    with pytest.raises(ConfigError, match=r"behaviour\.honours has two entries"):
        load_mechanisms(_write(tmp_path, data))
    data = copy.deepcopy(raw)
    data["entries"] = []
    with pytest.raises(ConfigError, match=r"entries: unknown key"):
        load_mechanisms(_write(tmp_path, data))
    with pytest.raises(ConfigError, match=r"file not found"):
        load_mechanisms(tmp_path / "none.yaml")


# ------------------------------------------------------------------ the generated section


def test_the_generated_odd_section_is_up_to_date() -> None:
    assert paramdoc.main(["--check", "--path", str(ODD)]) == 0


def test_the_table_reads_values_from_the_schema(table: MechanismTable) -> None:
    text = mechanismdoc.mechanism_table()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(table.mechanisms)
    row = next(r for r in rows if "`behaviour.reward_max_logit`" in r)
    assert f"`{BehaviourConfig().reward_max_logit}`" in row
    assert "Lacetera" in row
    assert f"{len(table.mechanisms)} parameters" in text
    sourced = sum(e.source is not None for e in table)
    assert f"{sourced} with a published source" in text


def test_a_changed_default_changes_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    before = mechanismdoc.mechanism_table()
    patched = ScenarioConfig.model_fields["behaviour"].default.model_copy(update={"honours": 0.25})
    monkeypatch.setattr(mechanismdoc, "ScenarioConfig", lambda: ScenarioConfig(behaviour=patched))
    after = mechanismdoc.mechanism_table()
    assert before != after
    assert "| honours | `behaviour.honours` | `0.25` |" in after


def test_check_mode_catches_a_stale_mechanism_table(tmp_path: Path) -> None:
    text = ODD.read_text(encoding="utf-8")
    stale = tmp_path / "ODD.md"
    stale.write_text(
        paramdoc.replace_table(text, "| lever |\n", mechanismdoc.BEGIN, mechanismdoc.END)
    )
    assert paramdoc.main(["--check", "--path", str(stale)]) == 1
    assert paramdoc.main(["--path", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == text


def test_a_bad_mechanism_file_stops_make_docs_with_one_line(
    tmp_path: Path, raw: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import copy

    data = copy.deepcopy(raw)
    _one(data, "behaviour.honours")["range"] = [0.5, 0.9]
    bad = _write(tmp_path, data)
    original = mechanismdoc.mechanism_table
    monkeypatch.setattr(mechanismdoc, "mechanism_table", lambda: original(bad))
    assert paramdoc.main(["--check", "--path", str(ODD)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "behaviour.honours" in err and "\n" not in err

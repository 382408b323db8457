"""Scenario configuration: schema, defaults, YAML loading and ``--set`` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SMALL_YAML

from model.config.errors import ConfigError
from model.config.loading import (
    apply_overrides,
    build_config,
    load_scenario,
    parse_value,
    read_yaml,
)
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig

ROOT = REPO_ROOT


def error_of(data, overrides=None, source="s.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        build_config(data, overrides, source=source)
    message = str(info.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_empty_scenario_is_the_status_quo() -> None:
    config = build_config({})
    assert config == ScenarioConfig()
    p = config.policies
    assert not any(
        [
            p.posts.enabled,
            p.points.enabled,
            p.honours.enabled,
            p.insurance.enabled,
            p.waiver.enabled,
            p.one_stop.enabled,
            p.mini_program.enabled,
            p.deliberation.enabled,
            p.stations.upgraded,
        ]
    )


def test_baseline_scenario_loads() -> None:
    config = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert config.name == "baseline"
    assert config.days == 365


def test_resolved_round_trips() -> None:
    config = build_config({"policies": {"points": {"enabled": True}}, "days": 30})
    again = ScenarioConfig.model_validate(config.resolved())
    assert again == config
    assert again.resolved() == config.resolved()


def test_defaults_fill_missing_issue_types_and_departments() -> None:
    config = ScenarioConfig.model_validate(
        {
            "issues": {"types": {}},
            "service": {"departments": {}},
        }
    )
    assert config.issues.types == ScenarioConfig().issues.types
    assert config.service.departments == ScenarioConfig().service.departments


# ------------------------------------------------------------------ schema errors


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"populaton": {}}, "populaton"),
        ({"population": {"resident": 5}}, "population.resident"),
        ({"policies": {"points": {"enabeld": True}}}, "policies.points.enabeld"),
    ],
)
def test_unknown_keys_are_errors_naming_the_key(data, key) -> None:
    message = error_of(data)
    assert message.startswith("s.yaml: ")
    assert key in message
    assert "unknown key" in message


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"population": {"residents": -1}}, "population.residents"),
        ({"population": {"workers": {"rider": -3}}}, "population.workers.rider"),
        ({"days": 0}, "days"),
        ({"workers": {"insured_share": 1.5}}, "workers.insured_share"),
    ],
)
def test_out_of_range_values_name_the_key(data, key) -> None:
    message = error_of(data)
    assert f": {key}: " in message


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"days": "many"}, "days"),
        ({"population": {"residents": "lots"}}, "population.residents"),
        ({"population": 5}, "population"),
        ({"policies": {"points": {"enabled": "perhaps"}}}, "policies.points.enabled"),
    ],
)
def test_wrong_types_name_the_key(data, key) -> None:
    assert f": {key}: " in error_of(data)


def test_several_problems_are_summarised_on_one_line() -> None:
    message = error_of({"days": -1, "population": {"residents": -1}})
    assert "and 1 more problem" in message


def test_top_level_must_be_a_mapping() -> None:
    assert "(top level)" in error_of([1, 2])


@pytest.mark.parametrize(
    "data",
    [
        {"street": {"cells_x": 4, "communities_x": 5}},
        {"staff": {"workday_start_hour": 18, "workday_end_hour": 9}},
        {"issues": {"arrival_hour_profile": [1.0] * 23}},
        {"issues": {"arrival_hour_profile": [1.0] * 23 + [-1.0]}},
        {"issues": {"types": {"graffiti": {}}}},
        {"service": {"departments": {"police": {}}}},
        {"policies": {"points": {"points_per_report": {"graffiti": 5}}}},
        {"policies": {"points": {"points_per_report": {"opinion": -5}}}},
        {"channels": {"hotline": {"open_to_workers": "some"}}},
    ],
)
def test_cross_field_rules(data) -> None:
    error_of(data)


def test_issue_type_rules() -> None:
    spec = ScenarioConfig().issues.types["environment"].model_dump()
    for bad in (
        {"visibility": {"alien": 0.1}},
        {"visibility": {"rider": 1.5}},
        {"department": "police"},
        {"location": "moon"},
    ):
        error_of({"issues": {"types": {"environment": {**spec, **bad}}}})


def test_worker_kind_rules() -> None:
    spec = ScenarioConfig().workers.rider.model_dump()
    for bad in ({"shift_start_hours": []}, {"shift_start_hours": [25]}, {"online_hours_mean": 0}):
        error_of({"workers": {"rider": {**spec, **bad}}})


# ------------------------------------------------------------------ partial blocks


@pytest.mark.parametrize(
    "path",
    [
        ("channels", "hotline", "enabled"),
        ("workers", "rider", "monthly_turnover"),
        ("issues", "types", "environment", "arrivals_per_day"),
        ("service", "departments", "sanitation", "crews"),
        ("policies", "points", "yuan_per_point"),
    ],
)
def test_a_partial_block_keeps_the_other_defaults(path) -> None:
    """Changing one field of a channel, kind, issue type or department is a valid scenario."""
    default = ScenarioConfig().resolved()
    old = default
    for part in path:
        old = old[part]
    value = (not old) if isinstance(old, bool) else old * 2
    data: dict = {}
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    for loader in (
        lambda: build_config(data),
        lambda: build_config({}, [f"{'.'.join(path)}={value}"]),
    ):
        got = loader().resolved()
        expected = default
        block_got, block_default = got, expected
        for part in path[:-1]:
            block_got, block_default = block_got[part], block_default[part]
        assert block_got[path[-1]] == value
        assert {k: v for k, v in block_got.items() if k != path[-1]} == {
            k: v for k, v in block_default.items() if k != path[-1]
        }


# ------------------------------------------------------------------ overrides


def test_parse_value_is_yaml() -> None:
    assert parse_value("3") == 3
    assert parse_value("0.5") == 0.5
    assert parse_value("true") is True
    assert parse_value("[1, 2]") == [1, 2]
    assert parse_value("hotline") == "hotline"
    assert parse_value("") == ""
    assert parse_value("[unclosed") == "[unclosed"


def test_apply_overrides_sets_nested_keys_without_mutating() -> None:
    data = {"population": {"residents": 10}}
    out = apply_overrides(data, ["population.residents=20", "policies.points.enabled=true"])
    assert out == {"population": {"residents": 20}, "policies": {"points": {"enabled": True}}}
    assert data == {"population": {"residents": 10}}


@pytest.mark.parametrize("item", ["days", "=5", "a..b=1", ".a=1", "a.=1", "  =1"])
def test_bad_set_syntax(item) -> None:
    with pytest.raises(ConfigError, match=r"expected dotted\.key=value"):
        apply_overrides({}, [item])


def test_set_into_a_scalar_is_an_error() -> None:
    with pytest.raises(ConfigError, match="days"):
        apply_overrides({"days": 3}, ["days.x=1"])


def test_overrides_apply_after_the_file() -> None:
    config = build_config({"days": 10}, ["days=20", "policies.points.enabled=true"])
    assert config.days == 20 and config.policies.points.enabled


def test_bad_set_value_names_set_and_the_key() -> None:
    message = error_of({}, ["population.residents=-5"])
    assert message.startswith("--set: population.residents: ")


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("policies.points.enabeld=true", "policies.points.enabeld"),
        ("populaton=5", "populaton"),
        ("policies.pointz.enabled=true", "policies.pointz"),
        ("populaton.residents=5", "populaton"),
    ],
)
def test_set_on_an_unknown_key_blames_set(override, key) -> None:
    """The error comes from --set, not from the scenario file (which has no such key)."""
    message = error_of({"days": 5}, [override])
    assert message.startswith("--set: "), message
    assert key in message
    assert "unknown key" in message


# ------------------------------------------------------------------ files


def test_read_yaml_of_a_scenario(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    data = read_yaml(path)
    assert data["population"]["residents"] == 400
    config = load_scenario(path, ["days=7"])
    assert config.days == 7 and config.street.cells_x == 20


def test_empty_file_is_the_status_quo(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n", encoding="utf-8")
    assert read_yaml(path) == {}
    assert load_scenario(path) == ScenarioConfig()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        read_yaml(tmp_path / "nope.yaml")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_yaml(tmp_path)


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ConfigError, match="cannot read"):
        read_yaml(path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("days: 5\npopulation: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid YAML at line \d+") as info:
        read_yaml(path)
    assert "\n" not in str(info.value)


def test_top_level_list_file(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        read_yaml(path)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("population:\n  residents: -4\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: population.residents: ")

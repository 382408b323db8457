"""The uncertainties file: every range sourced, inside the schema, around the status quo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from model.cli import main
from model.config.errors import ConfigError
from model.config.loading import build_config
from model.config.mechanisms import load_mechanisms, schema_default
from model.config.paths import REPO_ROOT
from model.config.uncertainties import UNCERTAINTIES_PATH, load_uncertainties

TOPICS = {
    # what issue 14 asks the file to cover -> a key that covers it
    "detection": "issues.types.safety_hazard.visibility.rider",
    "report decision": "behaviour.worker_intercept",
    "motivation": "behaviour.motivation",
    "trust learning": "behaviour.trust_learning_rate",
    "crowding-out": "policies.points.crowding_out_strength",
    "staff capacity": "staff.triage_share",
    "service time": "service.departments.city_management.service_median_hours",
    "escalation": "issues.types.safety_hazard.escalation_per_1000h",
    "turnover": "workers.rider.monthly_turnover",
    "resident propensity": "behaviour.resident_propensity",
    "arrivals": "issues.types.safety_hazard.arrivals_per_day",
    "heterogeneity": "workers.motivation_sd",
    "patrol": "staff.patrol_share",
}


def entry(key: str = "behaviour.trust", **changes: Any) -> dict[str, Any]:
    data = {
        "key": key,
        "range": [1.0, 5.0],
        "basis": "assumption",
        "justification": "because",
    }
    data.update(changes)
    return data


def write(folder: Path, *entries: dict[str, Any], **top: Any) -> Path:
    data = {"format_version": 1, "uncertainties": list(entries), **top}
    path = folder / "uncertainties.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_repository_file_is_valid_and_covers_the_topics():
    table = load_uncertainties()
    keys = table.keys()
    assert len(keys) >= 12
    assert len(set(keys)) == len(keys)
    missing = {topic: key for topic, key in TOPICS.items() if key not in keys}
    assert not missing


def test_every_range_contains_the_default_and_every_end_is_accepted_by_set():
    for item in load_uncertainties():
        low, high = item.range
        default = schema_default(item.key)
        assert low <= default <= high, item.key
        assert low < high, item.key
        assert item.justification.strip()
        for value in (low, high):
            config = build_config({}, [f"{item.key}={value:.10f}"])
            assert schema_default(item.key, config) == pytest.approx(value), item.key


def test_mechanisms_basis_ranges_equal_the_mechanism_table():
    mechanisms = load_mechanisms().ranges()
    table = load_uncertainties()
    based = [item for item in table if item.basis == "mechanisms"]
    assert based
    for item in based:
        assert tuple(mechanisms[item.key]) == tuple(item.range)


@pytest.mark.parametrize(
    ("entries", "top", "expected"),
    [
        ([entry()], {"colour": 1}, "uncertainties.yaml: colour: unknown key"),
        ([entry(colour=1)], {}, "uncertainties.yaml (behaviour.trust): uncertainties[0].colour: "),
        # labels are the report messages' parameters.<key> (one source), never stored here
        ([entry(label="trust")], {}, "(behaviour.trust): uncertainties[0].label: unknown key"),
        ([entry(key="behaviour.nope")], {}, "behaviour.nope: not a parameter of the scenario"),
        ([entry(key="behaviour")], {}, "behaviour: not a parameter of the scenario schema"),
        ([entry(range=[3.5, 5.0])], {}, "behaviour.trust: range [3.5, 5] does not contain"),
        (
            [entry(range=[5.0, 1.0])],
            {},
            "(behaviour.trust): uncertainties[0]: range [5.0, 1.0] needs low < high",
        ),
        ([entry(range=[3.0, 3.0])], {}, "range [3.0, 3.0] needs low < high"),
        ([entry(basis="hunch")], {}, "(behaviour.trust): uncertainties[0].basis: Input should"),
        ([entry(justification="")], {}, "(behaviour.trust): uncertainties[0].justification"),
        ([entry(), entry()], {}, "key behaviour.trust is listed twice"),
        (
            [entry(key="policies.points.enabled", range=[0.0, 1.0])],
            {},
            "policies.points.enabled: the status-quo default False is not a number",
        ),
        (
            [entry(key="population.staff_per_community", range=[3.0, 10.0])],
            {},
            "population.staff_per_community: the scenario schema refuses the value 5.67",
        ),
        (
            [entry(key="staff.patrol_share", range=[0.05, 1.5])],
            {},
            "staff.patrol_share: the scenario schema refuses the value 1.5 of the range",
        ),
        (
            [entry(basis="mechanisms", range=[1.0, 5.0])],
            {},
            "behaviour.trust: basis is mechanisms, but the mechanism table's range is [1.5, 5]",
        ),
        (
            [entry(key="staff.triage_share", range=[0.1, 0.5], basis="mechanisms")],
            {},
            "staff.triage_share: basis is mechanisms, but the mechanism table has no entry",
        ),
        ([], {}, "uncertainties: List should have at least 1 item"),
    ],
)
def test_bad_file_is_one_line_naming_the_key(tmp_path, entries, top, expected):
    path = write(tmp_path, *entries, **top)
    with pytest.raises(ConfigError) as caught:
        load_uncertainties(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_missing_format_version_is_named(tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump({"uncertainties": [entry()]}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"u\.yaml: format_version: required key missing"):
        load_uncertainties(path)


def test_bad_uncertainties_file_exits_2_through_the_cli(tmp_path, capsys):
    bad = write(tmp_path, entry(range=[3.5, 5.0]))
    spec = {
        "name": "w",
        "days": 2,
        "base_seed": 1,
        "replications": 1,
        "scenario": str(REPO_ROOT / "scenarios" / "baseline.yaml"),
        "arms": [{"name": "baseline"}],
        "worlds": {"uncertainties": str(bad), "design": "lhs", "n": 2, "seed": 1},
    }
    experiment = tmp_path / "w.yaml"
    experiment.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["experiment", str(experiment), "--out", str(out), "--executor", "serial"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "Traceback" not in captured.err
    assert "behaviour.trust: range [3.5, 5] does not contain the status-quo default" in lines[0]
    assert not out.exists()


def test_default_path_is_the_repository_file():
    assert UNCERTAINTIES_PATH == REPO_ROOT / "scenarios" / "uncertainties.yaml"
    assert UNCERTAINTIES_PATH.is_file()

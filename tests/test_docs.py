"""docs/ODD.md stays in step with the code: parameters, modules and outcomes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from model.config.scenario import ScenarioConfig
from model.outcomes.contract import OUTCOME_NAMES
from model.reporting import paramdoc

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"


@pytest.fixture(scope="module")
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def _table_region(text: str) -> str:
    start = text.index(paramdoc.BEGIN)
    stop = text.index(paramdoc.END)
    assert start < stop
    return text[start:stop]


def _leaf_keys(data: Any, prefix: str = "") -> list[str]:
    """Dotted keys of every non-mapping value of a plain nested mapping."""
    keys: list[str] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and value:
            keys.extend(_leaf_keys(value, f"{key}."))
        else:
            keys.append(key)
    return keys


def test_parameter_table_is_up_to_date(odd_text: str) -> None:
    regenerated = paramdoc.replace_table(odd_text, paramdoc.parameter_table())
    assert regenerated == odd_text, "docs/ODD.md parameter table is stale: run `make docs`"


def test_every_leaf_parameter_is_in_the_table(odd_text: str) -> None:
    # walked independently of paramdoc: the JSON dump of the status-quo configuration
    leaves = _leaf_keys(ScenarioConfig().model_dump(mode="json"))
    assert len(leaves) > 100
    table = _table_region(odd_text)
    rows = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE))
    missing = [key for key in leaves if key not in rows]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_table_rows_have_a_source(odd_text: str) -> None:
    for line in _table_region(odd_text).splitlines():
        if line.startswith("| `"):
            source = re.split(r"(?<!\\)\|", line)[-2].strip()
            assert source == "assumption" or source.startswith("`"), line


def test_every_model_module_is_named(odd_text: str) -> None:
    package = ROOT / "model"
    modules = sorted(
        f"model/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*.py")
        if p.name not in {"__init__.py", "__main__.py"}
    )
    expected = {
        "model/config/scenario.py",
        "model/config/codes.py",
        "model/sim/streams.py",
        "model/sim/space.py",
        "model/sim/agents.py",
        "model/sim/workforce.py",
        "model/sim/residents.py",
        "model/sim/issues.py",
        "model/sim/detection.py",
        "model/sim/decisions.py",
        "model/sim/service.py",
        "model/sim/levers.py",
        "model/sim/stations.py",
        "model/sim/deliberation.py",
        "model/sim/model.py",
        "model/sim/reference/detection.py",
        "model/sim/reference/decisions.py",
        "model/sim/reference/levers.py",
        "model/outcomes/contract.py",
        "model/experiments/calibration/fit.py",
        "model/experiments/store.py",
        "model/cli/commands.py",
    }
    assert expected <= set(modules)
    missing = [name for name in modules if f"`{name}`" not in odd_text]
    assert not missing, f"modules not described in docs/ODD.md: {missing}"


def test_every_outcome_is_named(odd_text: str) -> None:
    missing = [name for name in OUTCOME_NAMES if f"`{name}`" not in odd_text]
    assert not missing, f"outcomes not described in docs/ODD.md: {missing}"


def test_check_mode_reports_a_stale_table(tmp_path: Path, odd_text: str) -> None:
    stale = tmp_path / "ODD.md"
    stale.write_text(paramdoc.replace_table(odd_text, "| parameter |\n|---|\n"), encoding="utf-8")
    assert paramdoc.main(["--check", "--path", str(stale)]) == 1
    assert paramdoc.main(["--path", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == odd_text
    assert paramdoc.main(["--check", "--path", str(stale)]) == 0


def test_source_extraction() -> None:
    assert paramdoc.split_source("share registered (source: registered_share)") == (
        "share registered",
        "`registered_share`",
    )
    assert paramdoc.split_source("cells seen (~100 m; source: a_key)") == (
        "cells seen (~100 m)",
        "`a_key`",
    )
    assert paramdoc.split_source("road spacing (200 m blocks; assumption)") == (
        "road spacing (200 m blocks)",
        "assumption",
    )

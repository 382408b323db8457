"""Golden outputs: three scenarios, seed 1, 60 days, exactly as recorded in tests/golden/.

Behaviour must not change by accident: a refactoring leaves every outcome and every table of
these runs as they were. The expected values live in ``tests/golden/digests.json``: the
outcomes themselves, and for each table a SHA-256 digest of its canonical *content* (column
names, types and values, as JSON), not of its Parquet bytes, so that a new pyarrow does not
break the check.

A change that is *meant* to alter behaviour updates the file with one command, ``make
golden`` (``python tests/sim/test_golden.py --write``), and says so in its commit message.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.sim.model import run_model

GOLDEN = REPO_ROOT / "tests" / "golden" / "digests.json"
SCENARIOS = ("baseline", "integrated", "points_high")
SEED = 1
DAYS = 60
TABLES = ("daily", "issues", "reports")


def table_digest(table: pa.Table) -> str:
    """SHA-256 of a table's content: every column's name, type and values, in order."""
    content = [
        {"name": field.name, "type": str(field.type), "values": table.column(i).to_pylist()}
        for i, field in enumerate(table.schema)
    ]
    text = json.dumps(content, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def plain(value: float) -> float | None:
    """An outcome as JSON can hold it (NaN as null)."""
    return None if math.isnan(value) else value


def golden_of(scenario: str) -> dict[str, Any]:
    """The golden record of one scenario: its outcomes and its table digests."""
    config = load_scenario(REPO_ROOT / "scenarios" / f"{scenario}.yaml")
    output = run_model(config, seed=SEED, days=DAYS)
    return {
        "seed": SEED,
        "days": DAYS,
        "outcomes": {name: plain(value) for name, value in output.outcomes.items()},
        "tables": {name: table_digest(getattr(output, name)) for name in TABLES},
    }


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_run_is_unchanged(expected, scenario: str) -> None:
    want = expected["scenarios"][scenario]
    got = golden_of(scenario)
    assert (got["seed"], got["days"]) == (want["seed"], want["days"])
    for name, value in want["outcomes"].items():
        assert got["outcomes"][name] == value, f"{scenario}: outcome {name} changed"
    assert list(got["outcomes"]) == list(want["outcomes"])
    for name in TABLES:
        assert got["tables"][name] == want["tables"][name], f"{scenario}: {name} table changed"


def test_table_digest_sees_values_types_and_names() -> None:
    base = pa.table({"a": pa.array([1.0, None]), "b": pa.array(["x", "y"])})
    digest = table_digest(base)
    assert table_digest(pa.table({"a": pa.array([1.0, None]), "b": ["x", "y"]})) == digest
    assert table_digest(pa.table({"a": pa.array([1.0, 2.0]), "b": ["x", "y"]})) != digest
    assert table_digest(pa.table({"a": pa.array([1, None]), "b": ["x", "y"]})) != digest
    assert table_digest(pa.table({"c": pa.array([1.0, None]), "b": ["x", "y"]})) != digest


def write(path: Path = GOLDEN) -> None:
    """Record the golden outputs of the current code (``make golden``)."""
    data = {
        "about": "golden outputs of tests/sim/test_golden.py; rewrite with `make golden`",
        "scenarios": {scenario: golden_of(scenario) for scenario in SCENARIOS},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/sim/test_golden.py --write")
    write()

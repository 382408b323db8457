"""The package's layers: the import contracts exist, and the simulation stands alone."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from model.config.paths import REPO_ROOT

LAYERS = [
    "model.cli",
    "model.reporting | model.explore",
    "model.experiments",
    "model.analysis",
    "model.sim",
    "model.outcomes",
    "model.config",
]


def contracts() -> dict[str, dict]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in data["tool"]["importlinter"]["contracts"]}


def test_the_layers_contract_names_every_part_top_down() -> None:
    layers = contracts()["layers"]
    assert layers["type"] == "layers"
    assert layers["layers"] == LAYERS
    parts = {p.name for p in (REPO_ROOT / "model").iterdir() if not p.name.startswith("__")}
    modules = [name for layer in LAYERS for name in layer.split(" | ")]
    assert {name.split(".")[1].removesuffix(".py") for name in modules} == {
        p.removesuffix(".py") for p in parts if p != "__pycache__"
    }


def test_analysis_may_not_import_the_simulation_and_nothing_may_cycle() -> None:
    forbidden = contracts()["analysis-without-sim"]
    assert forbidden["type"] == "forbidden"
    assert forbidden["source_modules"] == ["model.analysis"]
    assert "model.sim" in forbidden["forbidden_modules"]
    assert contracts()["no-cycles"]["type"] == "acyclic_siblings"


def test_the_explorer_reads_only_the_model() -> None:
    """model.explore sits beside model.reporting (neither imports the other) and imports
    neither experiments nor analysis; only the layer above (cli) may import it."""
    explore = contracts()["explore-reads-the-model-only"]
    assert explore["type"] == "forbidden"
    assert explore["source_modules"] == ["model.explore"]
    assert set(explore["forbidden_modules"]) == {"model.experiments", "model.analysis"}


def test_the_simulation_imports_no_upper_layer() -> None:
    """Importing every module of model.sim loads no experiments, analysis or reporting."""
    code = (
        "import json, pkgutil, importlib, sys, model.sim\n"
        "for m in pkgutil.walk_packages(model.sim.__path__, 'model.sim.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(n for n in sys.modules if n.startswith('model'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    loaded = json.loads(done.stdout)
    assert "model.sim.model" in loaded and "model.sim.reference" in loaded
    upper = ("model.experiments", "model.analysis", "model.reporting", "model.cli")
    assert [name for name in loaded if name.startswith(upper)] == []
    assert {name.split(".")[1] for name in loaded if "." in name} <= {"sim", "config", "outcomes"}


def test_lint_imports_keeps_the_contracts() -> None:
    lint = REPO_ROOT / ".venv" / "bin" / "lint-imports"
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run(
        [*command, "--no-cache"], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout

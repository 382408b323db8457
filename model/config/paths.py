"""Where the repository is: the one root every default path is built from."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``model`` package (and ``scenarios/``, ``notebooks/``, ``docs/``)."""

SCENARIOS_DIR = REPO_ROOT / "scenarios"
"""The scenario files (one arm each), the experiments (``experiments/``), the calibration
data (``calibration/``) and the uncertain parameters of the sensitivity analysis."""

NOT_SCENARIOS: tuple[str, ...] = ("uncertainties.yaml",)
"""Files of ``scenarios/`` that are not scenarios (the sensitivity analysis's ranges)."""


def scenario_files(folder: Path = SCENARIOS_DIR) -> list[Path]:
    """The scenario files of ``folder``: its top-level ``*.yaml`` but :data:`NOT_SCENARIOS`."""
    return sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_SCENARIOS)

"""End-to-end tests of ``streetwise calibrate`` (``streetwise report``: tests/reporting/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from model.experiments.calibration.targets import load_targets

REPO = Path(__file__).resolve().parent.parent


def streetwise(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_calibrate_prints_every_target_with_band_mean_and_interval():
    done = streetwise("calibrate", "--seeds", "2", "--days", "30", "--workers", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for target in load_targets():
        (row,) = [line for line in lines if line.startswith(target.name + " ")]
        assert f"[{target.low:g}, {target.high:g}]" in row
        assert row.rstrip().endswith(("yes", "NO"))
    assert "reproduced targets inside their band (2 replications)" in done.stdout
    assert "used as inputs, not evidence of fit" in done.stdout


def test_calibrate_bad_scenario_exits_2_with_one_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("population: {residents: -1}\n", encoding="utf-8")
    done = streetwise("calibrate", "--scenario", str(bad), "--seeds", "1")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "population.residents" in done.stderr
    assert "Traceback" not in done.stderr

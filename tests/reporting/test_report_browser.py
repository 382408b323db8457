"""The calibration report page, opened in a real headless browser (Debian's chromium).

The page is what policymakers read: the test renders it in chromium and checks that the
table and the figures are there and that the page is not blank.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from model.reporting.notebooks import execute_notebook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    _, html = execute_notebook("calibration", {"seeds": 2, "days": 40, "workers": 1}, out_dir=out)
    return html


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_page_renders_the_table_and_figures(page: Path, tmp_path: Path):
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Calibration of the status quo" in dom
    assert "targets inside their band" in dom
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", dom)) >= 2
    assert "<table" in dom and "registered_share" in dom
    assert "Traceback" not in dom


def test_page_screenshot_is_not_blank(page: Path, tmp_path: Path):
    shot = tmp_path / "page.png"
    done = chromium(page, tmp_path / "profile", "--window-size=1200,2000", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    ink = np.mean(pixels[..., :3] < 0.9)  # share of non-white pixels
    assert ink > 0.02, f"page looks blank ({ink:.3%} non-white)"

"""The explorer page in a real browser: Playwright driving Debian's chromium, headless.

The first test starts ``solara run model/explore/app.py`` on 127.0.0.1 and a free port, loads
the page, changes two levers and rebuilds the street, steps, plays and pauses, changes the
hours per picture, and checks that the clock advanced by the right number of hours and that
the map and the plots are drawn (not blank) and change as the street runs. It leaves a
screenshot in ``reports/screenshots/explorer.png``. The second opens
``notebooks/explore.ipynb`` in JupyterLab, runs it and checks that the page shows inline.
Both servers start together at the beginning of the module (their start-up is most of the
time). Playwright never downloads a browser here: it launches the system's chromium
(``.ci/run`` installs Debian's package when it is missing); without chromium the tests fail,
they are never skipped.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.config.paths import REPO_ROOT
from model.explore import serve

ROOT = REPO_ROOT
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
SERVER_START_SECONDS = 180
UI_SECONDS = 120

pytestmark = pytest.mark.slow


@dataclass
class Server:
    """A server started for this module: its process, the page to open and its log."""

    process: subprocess.Popen
    ready_url: str
    page_url: str
    log: Path

    def wait(self) -> str:
        """The page's address, once the server answers (fails the test if it never does)."""
        try:
            serve.wait_until_serving(self.ready_url, self.process, SERVER_START_SECONDS)
        except RuntimeError as error:
            pytest.fail(f"{error}\n{self.log.read_text()[-3000:]}")
        return self.page_url


def start_jupyterlab(folder: Path) -> Server:
    """JupyterLab serving a copy of the notebook (autosave never touches the repository)."""
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", folder / "explore.ipynb")
    port = serve.free_port()
    log = folder / "jupyterlab.log"
    jupyter = Path(sys.executable).parent / "jupyter"
    with log.open("w") as out:
        lab = subprocess.Popen(
            [
                str(jupyter),
                "lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--ServerApp.root_dir={folder}",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--LabApp.news_url=None",
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={
                **os.environ,
                "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
                "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
            },
        )
    base = f"http://127.0.0.1:{port}"
    return Server(lab, f"{base}/lab", f"{base}/lab/tree/explore.ipynb", log)


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, Server]]:
    """The explorer (``solara run``) and JupyterLab, started at once, stopped at the end."""
    folder = tmp_path_factory.mktemp("servers")
    started: dict[str, Server] = {}
    try:
        port = serve.free_port()
        log = folder / "solara.log"
        url = f"http://127.0.0.1:{port}/"
        started["explorer"] = Server(serve.start(port, log), url, url, log)
        started["jupyterlab"] = start_jupyterlab(folder)
        yield started
    finally:
        for server in started.values():
            serve.stop(server.process)


@pytest.fixture(scope="module")
def explorer_url(servers: dict[str, Server]) -> str:
    return servers["explorer"].wait()


@pytest.fixture(scope="module")
def jupyterlab_url(servers: dict[str, Server]) -> str:
    return servers["jupyterlab"].wait()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (one for the module)."""
    if CHROMIUM is None:
        pytest.fail("chromium not found: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=serve.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser, explorer_url: str):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(UI_SECONDS * 1000)
    page.goto(explorer_url)
    yield page
    page.close()


def clock(page) -> float:
    """SolaraViz's step counter: ``Time: <hours>``."""
    text = page.get_by_text(re.compile(r"^Time: ")).inner_text()
    return float(text.removeprefix("Time: "))


def wait_for_clock(page, predicate, what: str) -> float:
    deadline = time.monotonic() + UI_SECONDS
    while time.monotonic() < deadline:
        value = clock(page)
        if predicate(value):
            return value
        time.sleep(0.2)
    pytest.fail(f"the clock never {what} (it shows {clock(page)})")


def settled_clock(page) -> float:
    """The clock once two readings half a second apart agree."""
    last = clock(page)
    for _ in range(60):
        page.wait_for_timeout(500)
        now = clock(page)
        if now == last:
            return now
        last = now
    pytest.fail("the clock did not settle")


CAPTION = re.compile(r"day (\d+) of \d+, (\d\d):00-\d\d:00: (\d+) of \d+ workers online")
"""The map's caption: the day and hour just simulated and the workers online in it."""


def caption_after(page, hours: float) -> tuple[int, int, int]:
    """Day, hour and workers online from the map's caption once it shows the hour that ends
    at ``hours`` simulated hours (days from 1)."""
    day, hour = divmod(int(hours) - 1, 24)
    expected = f"day {day + 1} of "
    caption = page.locator(".streetwise-caption")
    deadline = time.monotonic() + UI_SECONDS
    while time.monotonic() < deadline:
        match = CAPTION.match(caption.inner_text())
        if match and match.group(0).startswith(expected) and int(match.group(2)) == hour:
            return int(match.group(1)), int(match.group(2)), int(match.group(3))
        time.sleep(0.2)
    pytest.fail(f"the caption never showed hour {hours:.0f} ({caption.inner_text()!r})")


def pixels(locator) -> np.ndarray:
    """A screenshot of one element as floats in [0, 1], RGB."""
    image = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    return np.asarray(image).astype(float) / 255.0


def assert_drawn(image: np.ndarray, what: str) -> None:
    assert image.shape[0] > 150 and image.shape[1] > 150, f"{what} is tiny: {image.shape}"
    colours = len(np.unique((image * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert image.std() > 0.05 and colours > 20, f"{what} looks blank ({colours} colours)"


def changed_share(before: np.ndarray, after: np.ndarray) -> float:
    rows, cols = min(before.shape[0], after.shape[0]), min(before.shape[1], after.shape[1])
    diff = np.abs(before[:rows, :cols] - after[:rows, :cols]).max(axis=2)
    return float(np.mean(diff > 0.1))


@pytest.fixture(scope="module")
def notebook_in_lab(browser, jupyterlab_url: str):
    """The notebook open in JupyterLab, Run All Cells pressed once its kernel is up.

    The explorer test asks for it too, so that the kernel builds the page while that test
    runs (the kernel's start-up is the slowest part of the module).
    """
    page = browser.new_page(viewport={"width": 1500, "height": 1300})
    page.set_default_timeout(UI_SECONDS * 1000)
    page.goto(jupyterlab_url)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.get_by_text(re.compile(r"\| Idle$")).wait_for()  # the status bar: kernel up
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    yield page
    page.close()


@pytest.mark.usefixtures("notebook_in_lab")
def test_explorer_page_steps_plays_and_draws(browser_page):
    page = browser_page
    street_map = page.locator(".streetwise-map img")
    plots = page.locator(".streetwise-plots img")
    street_map.wait_for(state="visible")
    plots.wait_for(state="visible")
    assert clock(page) == 0.0

    # change two levers (a schema-range slider and a switch) and rebuild the street
    stations = page.locator('[role="slider"][aria-label="stations.count"]')
    stations.focus()
    for _ in range(3):
        stations.press("ArrowRight")
    page.locator("label", has_text=re.compile(r"^points\.enabled$")).click()
    page.get_by_role("button", name="Reset").click()
    command = page.locator(".streetwise-command")
    page.wait_for_function(
        "() => { const c = document.querySelector('.streetwise-command');"
        " return c && c.textContent.includes('policies.stations.count=5'); }"
    )
    assert "--set policies.points.enabled=true" in command.inner_text()
    assert clock(page) == 0.0

    map_at_start = pixels(street_map)
    plots_at_start = pixels(plots)
    assert_drawn(map_at_start, "the map")
    assert_drawn(plots_at_start, "the plots")

    # one press of Step renders once after 24 simulated hours
    page.get_by_role("button", name="Step").click()
    wait_for_clock(page, lambda t: t == 24.0, "reached 24 hours")
    page.wait_for_timeout(500)
    map_after_step = pixels(street_map)
    assert_drawn(map_after_step, "the map after a step")
    assert changed_share(map_at_start, map_after_step) > 0.002, "the map did not change"

    # play, then pause
    page.get_by_role("button", name="▶").click()
    wait_for_clock(page, lambda t: t >= 24.0 * 6, "passed day 6 while playing")
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    paused_at = settled_clock(page)  # the hour under way when pause was pressed completes
    page.wait_for_timeout(1000)
    assert clock(page) == paused_at, "the clock moved after pause"
    plots_after_play = pixels(plots)
    assert_drawn(plots_after_play, "the plots after playing")
    assert changed_share(plots_at_start, plots_after_play) > 0.005, "the plots did not change"

    # six hours per picture: one press of Step advances six hours
    page.locator(".streetwise-render-every").click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(r"^\s*6\s*$")).click()
    page.get_by_role("button", name="Step").click()
    hours = wait_for_clock(page, lambda t: t == paused_at + 6.0, "advanced by 6 hours")

    # on to a daytime hour: the caption names the hour just simulated, and workers are online
    for _ in range(4):
        day, hour, online = caption_after(page, hours)
        if 10 <= hour < 20:
            break
        page.get_by_role("button", name="Step").click()
        hours = wait_for_clock(page, lambda t, h=hours: t == h + 6.0, "advanced by 6 hours")
    assert 10 <= hour < 20 and online > 0, (day, hour, online)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explorer.png"), full_page=True)


def test_notebook_shows_the_page_inline_in_jupyterlab(notebook_in_lab):
    page = notebook_in_lab
    street_map = page.locator(".jp-Notebook .streetwise-map img")
    street_map.wait_for(state="visible")
    page.locator(".jp-Notebook .streetwise-plots img").wait_for(state="visible")
    assert_drawn(pixels(street_map), "the map in JupyterLab")
    caption = page.locator(".jp-Notebook .streetwise-caption").inner_text()
    assert re.match(r"start: 0 of \d+ workers online, 0 open issues", caption), caption
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explorer-jupyterlab.png"))

"""How many simulated days per second the explorer runs at the default street size.

    .venv/bin/python benchmarks/explore_speed.py              # headless, then in the browser
    .venv/bin/python benchmarks/explore_speed.py --no-browser # headless figures only

Measures, rendering one picture every 24 simulated hours (the page's default):

1. stepping only: the default street (``ExplorerStreet()``, the status quo) from day 6 to day
   6 + ``--days``, best of ``--repeats``;
2. stepping plus drawing: the same days, with the snapshot, the map and the plots encoded
   as PNG once per simulated day (what the page computes per picture), best of ``--repeats``;
3. the real page: ``solara run`` on 127.0.0.1, Debian's chromium (headless, via Playwright)
   presses play and the clock (SolaraViz's ``Time``, in hours) is read ``--seconds`` apart
   after a warm-up of five days.

Prints days per second for each against the goal of 5 (issue "Interactive explorer") and the
load average at start and end; ``--json FILE`` also writes the figures. Days per second are
wall-clock and slowed by any other load on the machine (see docs/performance.md), so each
line also gives the CPU milliseconds one simulated day costs: this process for 1 and 2, the
solara server and the browser (Playwright's driver plus chromium) for 3. 1000 / server CPU ms
is the rate the page would reach with a core of its own. Like ``make explore``, the script
runs with one OpenBLAS thread unless ``OPENBLAS_NUM_THREADS`` is set (model.explore.serve).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads; as the server runs

GOAL_DAYS_PER_SECOND = 5.0
WARMUP_DAYS = 5
CHROMIUM = "/usr/bin/chromium"


def headless(days: int, repeats: int, draw: bool) -> tuple[float, float]:
    """Best days per second over ``repeats`` fresh default streets, and CPU ms per day."""
    from model.explore.drawing import MapFigure, SeriesFigure
    from model.explore.state import ExplorerStreet

    best, cpu_ms = 0.0, math.inf
    for _ in range(repeats):
        model = ExplorerStreet()
        street_map, plots = MapFigure(model.plan), SeriesFigure(model.plan.days)
        for _ in range(WARMUP_DAYS * 24):
            model.step()
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(days):
            for _ in range(24):
                model.step()
            if draw:
                street_map.png(model.snapshot())
                plots.png(model.series)
        best = max(best, days / (time.perf_counter() - start))
        cpu_ms = min(cpu_ms, (time.process_time() - cpu) / days * 1000.0)
    return best, cpu_ms


def cpu_seconds(process: psutil.Process) -> float:
    """User plus system CPU seconds of a process (all its threads)."""
    times = process.cpu_times()
    return times.user + times.system


def in_browser(seconds: float) -> tuple[float, float, float]:
    """Days per second of the real page while playing (one picture per day), and the CPU ms
    per day of the server and of the browser side."""
    from playwright.sync_api import sync_playwright

    from model.explore import serve

    port = serve.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = serve.start(port, Path(tmp) / "solara.log")
        try:
            url = f"http://127.0.0.1:{port}/"
            serve.wait_until_serving(url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=serve.CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.set_default_timeout(180_000)
                page.goto(url)
                page.locator(".streetwise-map img").wait_for(state="visible")

                def clock() -> float:
                    text = page.get_by_text(re.compile(r"^Time: ")).inner_text()
                    return float(text.removeprefix("Time: "))

                page.get_by_role("button", name="▶").click()
                while clock() < WARMUP_DAYS * 24:
                    time.sleep(0.05)
                solara = psutil.Process(server.pid)
                others = [
                    p for p in psutil.Process().children(recursive=True) if p.pid != server.pid
                ]

                def browser_cpu() -> float:
                    return sum(cpu_seconds(p) for p in others if p.is_running())

                t0, c0 = time.perf_counter(), clock()
                s0, b0 = cpu_seconds(solara), browser_cpu()
                time.sleep(seconds)
                t1, c1 = time.perf_counter(), clock()
                s1, b1 = cpu_seconds(solara), browser_cpu()
                page.get_by_role("button", name="❚❚").click()
                browser.close()
        finally:
            serve.stop(server)
    days = (c1 - c0) / 24.0
    return days / (t1 - t0), (s1 - s0) / days * 1000.0, (b1 - b0) / days * 1000.0


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60, help="days timed headless (60)")
    parser.add_argument("--repeats", type=int, default=3, help="headless repeats (best of, 3)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds timed in browser")
    parser.add_argument("--no-browser", action="store_true", help="headless figures only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()
    figures: dict[str, float] = {}
    rate, cpu = headless(args.days, args.repeats, draw=False)
    figures |= {"stepping_days_per_s": rate, "stepping_cpu_ms_per_day": cpu}
    rate, cpu = headless(args.days, args.repeats, draw=True)
    figures |= {"stepping_and_drawing_days_per_s": rate, "stepping_and_drawing_cpu_ms_per_day": cpu}
    if not args.no_browser:
        rate, server_ms, browser_ms = in_browser(args.seconds)
        figures |= {
            "browser_days_per_s": rate,
            "browser_server_cpu_ms_per_day": server_ms,
            "browser_chromium_cpu_ms_per_day": browser_ms,
        }
    load_end = os.getloadavg()
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"default street, one picture per 24 simulated hours (OpenBLAS threads: {threads})")
    lines = [
        ("stepping only", "stepping_days_per_s", "stepping_cpu_ms_per_day", ""),
        (
            "stepping and drawing",
            "stepping_and_drawing_days_per_s",
            "stepping_and_drawing_cpu_ms_per_day",
            "",
        ),
        (
            "the page in chromium",
            "browser_days_per_s",
            "browser_server_cpu_ms_per_day",
            "browser_chromium_cpu_ms_per_day",
        ),
    ]
    for label, rate_key, cpu_key, other_key in lines:
        if rate_key not in figures:
            continue
        value = figures[rate_key]
        verdict = "PASS" if value >= GOAL_DAYS_PER_SECOND else "FAIL"
        extra = f", browser {figures[other_key]:.0f}" if other_key else ""
        print(
            f"  {label:22s} {value:6.1f} days/s (goal >= {GOAL_DAYS_PER_SECOND:.0f}) {verdict};"
            f" CPU ms per day: {figures[cpu_key]:.0f}{extra}"
        )
    print(f"  load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}")
    if args.json:
        record = {**figures, "load_start": load_start[0], "load_end": load_end[0]}
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

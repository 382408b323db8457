"""Memory of one worker process over a sweep of many short runs: does its RSS stay flat?

    .venv/bin/python benchmarks/sweep_memory.py                  # 1,000 runs x 1 day
    .venv/bin/python benchmarks/sweep_memory.py --runs 50 --days 1

Runs, in one fresh interpreter (a subprocess of this script), ``--runs`` short runs of the
default street (scenarios/baseline.yaml) back to back, each what a process worker does per run:
``run_model`` = a full ``StreetModel`` build, the steps to the horizon and ``results()``. Seeds
are ``BASE_SEED + 1 ... BASE_SEED + runs`` (distinct streets); the warm-up is overridden to 0
days with the dotted override the CLI's ``--set`` uses (``warmup_days=0``), so each run
simulates ``--days`` days. After runs 1, N/100, N/10, N/4, N/2, 3N/4 and N (1, 10, 100, 250,
500, 750 and 1,000 for N = 1,000) the child calls ``gc.collect()`` and reads VmRSS (resident
memory now), VmHWM (its peak) and RssAnon (the anonymous, i.e. allocated, part of VmRSS; the
rest is mostly shared-library pages) from /proc/self/status, counts the objects the garbage
collector tracks (to tell growing Python objects from native memory), and, where the C library
is glibc, asks ``mallinfo2()`` how much of the C heap is in use and how much is free but kept
(to tell a leak, which grows the part in use, from fragmentation, which grows the free part).
Growth is measured from run N/10 (imports done, caches and allocator pools settled) to the
last run. ``--trim`` (glibc only, for explanation, not for the benchmark) calls
``malloc_trim(0)`` after each sample's ``gc.collect()`` and reads the RSS again: what is left
after the C heap's free pages went back to the system.

Prints one line per sample and, with ``--json``, the whole result as one JSON line (what
benchmarks/run.py reads).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # measure the checkout this script lives in
    sys.path.insert(0, str(REPO))

BASELINE = REPO / "scenarios" / "baseline.yaml"
BASE_SEED = 20240601
DEFAULT_RUNS = 1000
DEFAULT_DAYS = 1


def sample_points(runs: int) -> list[int]:
    """Runs after which memory is sampled: 1, N/100, N/10, N/4, N/2, 3N/4 and N."""
    points = {1, runs // 100, runs // 10, runs // 4, runs // 2, 3 * runs // 4, runs}
    return sorted(p for p in points if 1 <= p <= runs)


def reference_run(runs: int) -> int:
    """The run growth is measured from: N/10 (at least 1)."""
    return max(1, runs // 10)


def _status_kb(*keys: str) -> dict[str, int]:
    """Fields of /proc/self/status in kB (VmRSS: resident now, VmHWM: peak resident)."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in keys:
            found[key] = int(line.split()[1])
    return found


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc >= 2.33): sizes of the C heap in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",  # bytes of the main heap (sbrk)
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",  # bytes in mmap-ed blocks
            "usmblks",
            "fsmblks",
            "uordblks",  # bytes in use
            "fordblks",  # bytes free (kept by malloc)
            "keepcost",
        )
    ]


def _glibc() -> ctypes.CDLL | None:
    """The C library if it is glibc with ``mallinfo2`` and ``malloc_trim``, else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


def _heap_mb(libc: ctypes.CDLL | None) -> dict[str, float | None]:
    """The C heap in MB: in use (heap and mmap-ed blocks), and free but kept by malloc.

    None for both without glibc. Python's own small-object arenas (1 MB each, mmap-ed by
    pymalloc) are not in either figure; they are in RSS.
    """
    if libc is None:
        return {"heap_in_use_mb": None, "heap_free_mb": None}
    info = libc.mallinfo2()
    return {
        "heap_in_use_mb": (info.uordblks + info.hblkhd) / 2**20,
        "heap_free_mb": info.fordblks / 2**20,
    }


def child_sweep(runs: int, days: int, trim: bool = False) -> dict[str, Any]:
    """In this process: ``runs`` runs of ``days`` days back to back, memory sampled.

    Args:
        runs: runs in the sweep.
        days: simulated days a run.
        trim: after each sample, ``malloc_trim(0)`` and the RSS again (glibc only).
    """
    t_import = time.perf_counter()
    from model.config.loading import load_scenario
    from model.sim.model import run_model

    imported = time.perf_counter() - t_import
    libc = _glibc()
    if trim and libc is None:
        raise RuntimeError("--trim needs glibc (malloc_trim)")
    config = load_scenario(BASELINE, ["warmup_days=0"])
    points = set(sample_points(runs))
    samples = []
    issues = 0
    t0 = time.perf_counter()
    for run in range(1, runs + 1):
        output = run_model(config, seed=BASE_SEED + run, days=days)
        issues += int(output.outcomes["issues_total"])
        del output
        if run in points:
            gc.collect()
            status = _status_kb("VmRSS", "VmHWM", "RssAnon")
            sample = {
                "run": run,
                "rss_mb": status["VmRSS"] / 1024,
                "peak_rss_mb": status["VmHWM"] / 1024,
                "anon_rss_mb": status["RssAnon"] / 1024 if "RssAnon" in status else None,
                **_heap_mb(libc),
                "python_objects": len(gc.get_objects()),
                "elapsed_s": time.perf_counter() - t0,
            }
            if trim:
                libc.malloc_trim(0)
                sample["rss_after_trim_mb"] = _status_kb("VmRSS")["VmRSS"] / 1024
            samples.append(sample)
    return {
        "runs": runs,
        "days": days,
        "trim": trim,
        "warmup_days": config.warmup_days,
        "import_s": imported,
        "sweep_s": time.perf_counter() - t0,
        "issues_total": issues,
        "samples": samples,
    }


def summarise(child: dict[str, Any]) -> dict[str, Any]:
    """Growth from run N/10 to the last run: RSS in MB (also per 100 runs) and objects."""
    samples = child["samples"]
    ref = reference_run(child["runs"])
    first = next(s for s in samples if s["run"] == ref)
    last = samples[-1]
    growth = last["rss_mb"] - first["rss_mb"]
    span = last["run"] - first["run"]

    def change(key: str) -> float | None:
        if first.get(key) is None or last.get(key) is None:
            return None
        return last[key] - first[key]

    return {
        **child,
        "heap_in_use_growth_mb": change("heap_in_use_mb"),
        "heap_free_growth_mb": change("heap_free_mb"),
        "anon_rss_growth_mb": change("anon_rss_mb"),
        "scenario": "scenarios/baseline.yaml",
        "overrides": ["warmup_days=0"],
        "first_seed": BASE_SEED + 1,
        "reference_run": ref,
        "seconds_per_run": child["sweep_s"] / child["runs"],
        "growth_mb": growth,
        "growth_mb_per_100_runs": growth / span * 100 if span else float("nan"),
        "objects_growth": last["python_objects"] - first["python_objects"],
    }


def bench_sweep(runs: int, days: int, trim: bool = False) -> dict[str, Any]:
    """The sweep in one fresh subprocess (a worker starts as a fresh interpreter too)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += ["--runs", str(runs), "--days", str(days)] + (["--trim"] if trim else [])
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"sweep child failed:\n{done.stderr}")
    out = summarise(json.loads(done.stdout.strip().splitlines()[-1]))
    out["process_wall_s"] = wall
    return out


def _mb(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f}" if sign else f"{value:.1f}"


def describe(sweep: dict[str, Any]) -> list[str]:
    """Printable lines: one per sample, then the growth."""
    lines = []
    for s in sweep["samples"]:
        line = (
            f"  after run {s['run']:>5}: RSS {s['rss_mb']:7.1f} MB, peak {s['peak_rss_mb']:7.1f}"
            f" MB, C heap in use {_mb(s.get('heap_in_use_mb'))} MB + free "
            f"{_mb(s.get('heap_free_mb'))} MB, {s['python_objects']:>8,} tracked objects, "
            f"{s['elapsed_s']:7.1f} s"
        )
        if "rss_after_trim_mb" in s:
            line += f"; RSS after malloc_trim {s['rss_after_trim_mb']:.1f} MB"
        lines.append(line)
    lines.append(
        f"  {sweep['runs']} runs x {sweep['days']} day(s) in {sweep['sweep_s']:.1f} s "
        f"({sweep['seconds_per_run']:.3f} s per run); RSS growth from run "
        f"{sweep['reference_run']} to {sweep['runs']}: {sweep['growth_mb']:+.1f} MB "
        f"({sweep['growth_mb_per_100_runs']:+.2f} MB per 100 runs; "
        f"{sweep['objects_growth']:+,} tracked objects; C heap in use "
        f"{_mb(sweep.get('heap_in_use_growth_mb'), True)} MB, free but kept "
        f"{_mb(sweep.get('heap_free_growth_mb'), True)} MB)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs in the sweep")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="simulated days a run")
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    parser.add_argument(
        "--trim",
        action="store_true",
        help="glibc: malloc_trim(0) after each sample and the RSS again (explains, distorts)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.days < 1:
        parser.error("--runs and --days must be at least 1")
    if args.child:
        print(json.dumps(child_sweep(args.runs, args.days, args.trim)), flush=True)
        return 0
    sweep = bench_sweep(args.runs, args.days, args.trim)
    for line in describe(sweep):
        print(line)
    if args.json:
        print(json.dumps(sweep))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the default street at several commits, each checked out into a temporary worktree.

    .venv/bin/python benchmarks/compare_commits.py                  # before/after detection rows
    .venv/bin/python benchmarks/compare_commits.py A B C --days 365 --repeats 3

Default commits: the parent of "Detection: precompute per-issue exposure rows", that commit,
and HEAD. Each commit is added with ``git worktree add --detach`` under a temporary folder
and run with *this* interpreter (the same venv) and ``PYTHONPATH`` pointing at the worktree,
so the worktree's ``model`` package shadows the editable install (checked: the child reports
the file it imported). Timed runs are interleaved across commits (round robin) so that load
from other processes hits every commit alike; the best of ``--repeats`` counts. One more run
per commit under cProfile gives the profiled total and the tottime of the detection
functions. The worktrees are removed at the end (also on error).

Writes ``benchmarks/results/before_after.json`` (or ``--out``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DETECTION_COMMIT_SUBJECT = "Detection: precompute per-issue exposure rows"

CHILD = r"""
import cProfile, json, pstats, sys, time
import model
try:
    from model.config.loading import load_scenario
    from model.sim.model import run_model
except ImportError:  # a commit from before the package layers (issue 8)
    from model.config import load_scenario
    from model.simulation import run_model

days, mode = int(sys.argv[1]), sys.argv[2]
config = load_scenario("scenarios/baseline.yaml")
out = {"model_file": model.__file__}
if mode == "time":
    t0 = time.perf_counter()
    result = run_model(config, seed=1, days=days)
    out["seconds"] = time.perf_counter() - t0
    out["issues"] = result.outcomes["issues_total"]
else:
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    run_model(config, seed=1, days=days)
    profiler.disable()
    out["profiled_wall"] = time.perf_counter() - t0
    table = pstats.Stats(profiler).stats
    out["profiled_total"] = sum(
        v[3]
        for k, v in table.items()
        if k[0].endswith(("model/sim/model.py", "model/simulation.py")) and k[2] == "run_model"
    )
    det = {}
    for k, v in table.items():
        if k[0].endswith(("model/sim/detection.py", "model/detection.py")):
            det[k[2]] = {"ncalls": v[1], "tottime": v[2], "cumtime": v[3]}
    out["detection"] = det
print(json.dumps(out))
"""


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def default_commits() -> list[str]:
    found = git("log", "--format=%H", "--fixed-strings", f"--grep={DETECTION_COMMIT_SUBJECT}")
    if not found:
        raise SystemExit(f"no commit with subject {DETECTION_COMMIT_SUBJECT!r}")
    after = found.splitlines()[-1]
    return [git("rev-parse", f"{after}^"), after, git("rev-parse", "HEAD")]


def child(tree: Path, days: int, mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(days), mode],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"run in {tree} failed:\n{done.stderr}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(out["model_file"]).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"imported {out['model_file']}, not the worktree {tree}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="*", help="commits (default: before, after, HEAD)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "before_after.json"
    )
    args = parser.parse_args(argv)
    commits = [git("rev-parse", c) for c in (args.commits or default_commits())]
    load = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="streetwise-worktrees-"))
    trees: dict[str, Path] = {}
    results: dict[str, dict] = {}
    try:
        for sha in commits:
            tree = base / sha[:12]
            git("worktree", "add", "--detach", str(tree), sha)
            trees[sha] = tree
            results[sha] = {
                "commit": sha,
                "subject": git("log", "-1", "--format=%s", sha)[:100],
                "times": [],
            }
        for round_ in range(args.repeats):
            for sha, tree in trees.items():
                run = child(tree, args.days, "time")
                results[sha]["times"].append(run["seconds"])
                results[sha]["issues"] = run["issues"]
                print(f"round {round_ + 1}: {sha[:12]} {run['seconds']:.3f} s", flush=True)
        for sha, tree in trees.items():
            results[sha]["profile"] = child(tree, args.days, "profile")
    finally:
        for tree in trees.values():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False
            )
        subprocess.run(["git", "worktree", "prune"], cwd=REPO, check=False)
        try:
            base.rmdir()
        except OSError:
            pass
    summary = {
        "days": args.days,
        "repeats": args.repeats,
        "python": sys.executable,
        "load_start": [round(x, 2) for x in load],
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "commits": list(results.values()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\n{'commit':<13} {'best s':>8} {'profiled s':>11} {'passes*':>9}  subject")
    for r in results.values():
        det = r["profile"]["detection"]
        passes = sum(det.get(name, {}).get("tottime", 0.0) for name in ("passes", "passes_fast"))
        print(
            f"{r['commit'][:12]:<13} {min(r['times']):8.3f} {r['profile']['profiled_total']:11.3f}"
            f" {passes:9.3f}  {r['subject'][:60]}"
        )
    print(f"load {summary['load_start']} -> {summary['load_end']}; written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

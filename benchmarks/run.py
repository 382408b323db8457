"""Streetwise benchmarks: one invocation, one machine, every figure of the performance goals.

    .venv/bin/python benchmarks/run.py            # what `make bench` runs (~7-10 min)
    .venv/bin/python benchmarks/run.py --full     # also run the full standard experiment
    .venv/bin/python benchmarks/run.py --help     # options (quick smoke run, output folder)

Measures, in order:

1. the Mesa reference: Mesa's bundled Schelling example at Mesa's own "large" benchmark
   setting (100 x 100 grid, density 0.8, radius 2, 10 steps, best of 3), agent-steps/s;
2. Streetwise: the default street (scenarios/baseline.yaml) for 365 days, best of 3:
   seconds per simulated year and agent-hours per second;
3. the throughput ratio of the two;
4. a cProfile of the default street: top functions and the share of each submodel;
5. scaling: populations x1, x4, x16 for 90 days, each in a fresh subprocess: wall time,
   peak resident memory (the child's VmHWM) and the log-log exponent of time on agents;
6. parallel speed-up of a reduced standard experiment with 1 and 2 process workers;
7. the standard experiment: an estimate of its wall time with 2 workers (with ``--full``,
   the measured wall time);
8. the fixed cost per run: (a) of a new process worker, the goal's figure: a 1-day run
   submitted to a fresh one-worker pool, time to its result less the run's warm model time,
   forkserver (the default on Linux) vs spawn, medians of 5 alternating rounds, the
   forkserver's own start apart; (b) for context, in a fresh interpreter (best of 3):
   importing the model stack (our configuration layer, Mesa, the rest), then building the
   street (loading scenarios/baseline.yaml and ``StreetModel(...)``, no steps), the
   interpreter's bare start-up (``python -c pass``) apart;
9. memory over a sweep: ``--sweep-runs`` short runs (``--sweep-days`` days, no warm-up) back
   to back in one fresh worker-like process, its resident memory sampled along the way
   (benchmarks/sweep_memory.py), and the growth from run N/10 to the last run;
10. before/after: the default street for 365 days at ``--before`` (the last commit before the
    performance work) and at this checkout, interleaved, best of 3 each, through
    benchmarks/compare_commits.py (a temporary git worktree).

Writes ``benchmarks/results/latest.json`` (every figure plus machine facts),
``benchmarks/results/latest.md`` (tables) and ``benchmarks/results/profile.txt``, and prints
each goal with PASS or FAIL. The environment is used as it is (``OPENBLAS_CORETYPE`` and
thread settings are recorded, never changed). Exit status 0 unless ``--strict`` and a goal
fails. Timings are wall-clock (``time.perf_counter``); other load on the machine slows them,
so the load average at start and end is recorded with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # benchmark the checkout this script lives in
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "benchmarks" / "results"
BASELINE = REPO / "scenarios" / "baseline.yaml"
STANDARD = REPO / "scenarios" / "experiments" / "standard.yaml"

SCALE_FACTORS = (1, 4, 16)
WORKER_KEYS = ("rider", "courier", "driver")
PARALLEL_ARMS = ("baseline", "mini_program", "points", "integrated")
STANDARD_REPLICATIONS = 20
STANDARD_DAYS = 365
BASE_SEED = 20240601
QUIET_LOAD = 0.5
BEFORE_COMMIT = "a71def6"  # the last commit before the performance work of issue 13
BEFORE_PAIRS = 3  # interleaved (before, after) timings
FIXED_COST_REPEATS = 3
WORKER_START_REPEATS = 5  # rounds of (spawn pool, forkserver pool); medians
WARM_RUNS = 3  # identical runs after the first on the same worker: its warm model time
QUICK_SWEEP_RUNS = 50

# name -> (description, comparison, limit, unit)
GOALS: dict[str, tuple[str, str, float, str]] = {
    "year_seconds": ("default street, 365 days (seconds per simulated year)", "<=", 1.0, "s"),
    "throughput_ratio": ("throughput ratio vs Mesa Schelling", ">=", 350.0, "x"),
    "standard_minutes": ("standard experiment with 2 workers", "<=", 4.0, "min"),
    "scaling_exponent": ("scaling exponent (wall time ~ agents^k)", "<=", 1.0, ""),
    "peak_memory_x16_gb": ("peak memory at x16 population", "<=", 1.0, "GB"),
    "parallel_speedup": ("parallel speed-up, 2 process workers vs 1 (keep)", ">=", 1.7, "x"),
    "fixed_cost_seconds": (
        "fixed cost of a new process worker (submit to result - run)",
        "<=",
        0.3,
        "s",
    ),
    "sweep_rss_growth_mb": ("RSS growth over a sweep in one worker process", "<=", 5.0, "MB"),
}


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------- machine


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - platforms without a load average
        return None


def machine_info() -> dict[str, Any]:
    import mesa
    import numpy as np

    versions: dict[str, str | None] = {}
    for name in ("pandas", "pyarrow", "scipy"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:  # pragma: no cover
            versions[name] = None
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "model", "scenarios")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        usable = os.cpu_count()
    env_keys = (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    )
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        **versions,
        "git_commit": _git("rev-parse", "HEAD"),
        "model_or_scenarios_modified": bool(dirty),
        # porcelain "XY path"; _git strips the first line's leading blank, so split
        "modified_files": [line.split(maxsplit=1)[1] for line in (dirty or "").splitlines()],
        "environment": {k: os.environ[k] for k in env_keys if k in os.environ},
    }


def wait_for_quiet(max_seconds: float) -> None:
    """Wait (at most ``max_seconds``) until the 1-minute load average is below 0.5."""
    deadline = time.monotonic() + max_seconds
    load = _load()
    while load is not None and load[0] >= QUIET_LOAD and time.monotonic() < deadline:
        say(f"  waiting for a quiet machine: load {load[0]:.2f}")
        time.sleep(min(30.0, max(1.0, deadline - time.monotonic())))
        load = _load()


# --------------------------------------------------------------------------- Mesa reference


def bench_schelling(repeats: int, steps: int) -> dict[str, Any]:
    """Mesa's Schelling example at Mesa's "large" benchmark setting; run time of the steps."""
    from mesa.examples.basic.schelling.model import Schelling, SchellingScenario

    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = Schelling(SchellingScenario(width=100, height=100, density=0.8, radius=2, rng=42))
        t1 = time.perf_counter()
        for _ in range(steps):
            model.step()
        t2 = time.perf_counter()
        runs.append({"init_s": t1 - t0, "run_s": t2 - t1, "agents": len(model.agents)})
    best = min(runs, key=lambda r: r["run_s"])
    return {
        "setting": "Schelling(SchellingScenario(width=100, height=100, density=0.8, "
        f"radius=2, rng=42)), {steps} steps, best of {repeats}",
        "steps": steps,
        "agents": best["agents"],
        "init_seconds": min(r["init_s"] for r in runs),
        "run_seconds": best["run_s"],
        "agent_steps_per_second": best["agents"] * steps / best["run_s"],
        "runs": runs,
    }


# --------------------------------------------------------------------------- Streetwise


def population_overrides(factor: int) -> list[str]:
    from model.config.loading import load_scenario

    base = load_scenario(BASELINE).population
    out = [f"population.residents={base.residents * factor}"]
    out += [f"population.workers.{k}={getattr(base.workers, k) * factor}" for k in WORKER_KEYS]
    return out


def timed_run(config, seed: int, days: int) -> dict[str, Any]:
    """One run: build, step to the horizon, collect results (what run_model does), timed.

    The garbage the bench's earlier models left (whose reference cycles only the cyclic
    collector frees) is collected before the clock starts: the run pays for its own
    collections, not for a previous model's. The collector stays on during the run.
    """
    from model.sim.agents import CommunityStaff
    from model.sim.model import StreetModel

    gc.collect()
    t0 = time.perf_counter()
    model = StreetModel(config, seed=seed, days=days)
    t1 = time.perf_counter()
    workers, residents = len(model.workforce), len(model.residents)
    staff = len(model.agents_by_type.get(CommunityStaff, []))
    mesa_agents = len(model.agents)
    while model.running:
        model.step()
    t2 = time.perf_counter()
    output = model.results()
    t3 = time.perf_counter()
    assert len(model.workforce) == workers and len(model.agents) == mesa_agents
    return {
        "build_s": t1 - t0,
        "steps_s": t2 - t1,
        "results_s": t3 - t2,
        "total_s": t3 - t0,
        "workers": workers,
        "residents": residents,
        "staff": staff,
        "people": workers + residents + staff,
        "mesa_agents": mesa_agents,
        "issues": int(output.outcomes["issues_total"]),
        "steps": model.hours_elapsed,
        "mesa_steps": int(model.time),  # one Mesa step is one simulated day
    }


def bench_default(repeats: int, days: int, seed: int) -> dict[str, Any]:
    from model.config.loading import load_scenario

    config = load_scenario(BASELINE)
    runs = [timed_run(config, seed, days) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["total_s"])
    hours = days * 24
    return {
        "scenario": "scenarios/baseline.yaml",
        "seed": seed,
        "days": days,
        "warmup_days": config.warmup_days,  # simulated before the measured days, not counted
        "repeats": repeats,
        "seconds": best["total_s"],
        "seconds_per_simulated_year": best["total_s"] * 365 / days,
        "step_seconds": best["steps_s"],
        "people_agents": best["people"],
        "workers": best["workers"],
        "residents": best["residents"],
        "staff": best["staff"],
        "mesa_agents": best["mesa_agents"],
        "fixed_place_agents": best["mesa_agents"] - best["people"],
        "simulated_hours": hours,
        "mesa_steps": best["mesa_steps"],
        "agent_hours_per_second": best["people"] * hours / best["total_s"],
        "mesa_agent_hours_per_second": best["mesa_agents"] * hours / best["total_s"],
        "issues": best["issues"],
        "runs": runs,
    }


def bench_mesa_step_overhead(steps: int, repeats: int = 3) -> dict[str, Any]:
    """Wall time of ``steps`` calls of a Mesa model whose step does nothing (no profiler)."""
    from mesa import Model

    class Empty(Model):
        def step(self) -> None:
            pass

    best = math.inf
    for _ in range(repeats):
        model = Empty(rng=1)
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        best = min(best, time.perf_counter() - t0)
    return {"steps": steps, "seconds": best, "microseconds_per_step": best / steps * 1e6}


# --------------------------------------------------------------------------- profile


def profile_default(days: int, seed: int, top: int) -> tuple[dict[str, Any], str]:
    """cProfile one default run; top functions by tottime and the share of each submodel."""
    import cProfile
    import io
    import pstats

    from model.config.loading import load_scenario
    from model.sim.model import run_model

    config = load_scenario(BASELINE)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    run_model(config, seed=seed, days=days)
    profiler.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(profiler)
    table: dict = stats.stats  # type: ignore[attr-defined]

    def key(path: str, name: str) -> list[tuple]:
        return [k for k in table if k[0].endswith(path) and k[2] == name]

    def cum(path: str, name: str) -> float:
        return sum(table[k][3] for k in key(path, name))

    def edge(path: str, name: str, caller_path: str, caller: str) -> float:
        """Cumulative time of ``name`` spent in calls made by ``caller``."""
        total = 0.0
        for k in key(path, name):
            for c, values in table[k][4].items():
                if c[0].endswith(caller_path) and c[2] == caller:
                    total += values[3]
        return total

    sim, svc = "model/sim/model.py", "model/sim/service.py"
    plan = "model/sim/dayplan.py"
    rec = "model/sim/recorder.py"
    mesa_model = os.path.join("mesa", "model.py")
    day_step = cum(sim, "step")  # one Mesa step: a day of 24 advance_hour calls
    hour = cum(sim, "advance_hour")
    dar = cum(sim, "detect_and_report")
    parts = {
        "day plan, once a day (detection: Detector.detect_day; decisions: Perception.plan)": (
            edge(sim, "plan_day", sim, "noticed")
        ),
        "the hour's detections and decisions (DayPlan.take_hour_decided)": edge(
            plan, "take_hour_decided", sim, "noticed"
        ),
        "end-of-shift reports (ShiftEndReports.due)": edge(
            "model/sim/shift_end_reports.py", "due", sim, "detect_and_report"
        ),
        "report events (file_report -> ServiceChain.submit)": edge(
            sim, "file_report", sim, "detect_and_report"
        ),
        "service chain (work_hour, reward_verified, complete_until, learn_outcome)": edge(
            svc, "work_hour", sim, "advance_hour"
        )
        + edge(sim, "reward_verified", sim, "advance_hour")
        + edge(svc, "complete_until", sim, "advance_hour")
        + edge(sim, "learn_outcome", sim, "advance_hour"),
        "issue arrival, escalation and lapse": edge(sim, "arrive", sim, "advance_hour")
        + edge(sim, "escalate_and_lapse", sim, "advance_hour"),
        "daily submodels (start_day, Recorder.record_day)": edge(
            sim, "start_day", sim, "advance_hour"
        )
        + edge(rec, "record_day", sim, "advance_hour"),
    }
    in_detect_and_report = ("day plan", "the hour's", "end-of-shift", "report events")
    parts["other detect_and_report (ordering the reports, council sessions)"] = dar - sum(
        v for k, v in parts.items() if k.startswith(in_detect_and_report)
    )
    parts["rest of StreetModel.advance_hour"] = hour - sum(parts.values())
    parts["the day's loop over its hours (StreetModel.step)"] = day_step - hour
    parts["Mesa step overhead (Model.step wrapper, event scheduling; once a day)"] = (
        cum(mesa_model, "_wrapped_step") - day_step
    )
    parts["build (StreetModel.__init__)"] = cum(sim, "__init__")
    parts["results (outcomes, tables)"] = cum(sim, "results")
    total = cum(sim, "run_model")
    mesa_self = sum(v[2] for k, v in table.items() if f"{os.sep}mesa{os.sep}" in k[0])

    def label(k: tuple) -> str:
        path, line, name = k
        if path.startswith("~") or path.startswith("<"):
            return name
        for marker in (f"{os.sep}site-packages{os.sep}", f"{REPO}{os.sep}"):
            if marker in path:
                path = path.split(marker, 1)[1]
        return f"{path}:{line}({name})"

    ranked = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    top_rows = [
        {
            "function": label(k),
            "ncalls": v[1],
            "tottime_s": round(v[2], 4),
            "cumtime_s": round(v[3], 4),
            "tottime_share": v[2] / total,
        }
        for k, v in ranked
    ]
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return {
        "days": days,
        "seed": seed,
        "wall_seconds_under_profiler": wall,
        "profiled_seconds": total,
        "shares": {k: {"seconds": v, "share": v / total} for k, v in parts.items()},
        "mesa_self_time_seconds": mesa_self,
        "mesa_self_time_share": mesa_self / total,
        "top_by_tottime": top_rows,
    }, text.getvalue()


# --------------------------------------------------------------------------- scaling


def _peak_rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def child_scale(factor: int, days: int, seed: int) -> None:
    """Subprocess entry: one run at ``factor`` x population; prints one JSON line."""
    from model.config.loading import load_scenario

    config = load_scenario(BASELINE, population_overrides(factor))
    run = timed_run(config, seed, days)
    run["factor"] = factor
    run["peak_rss_kb"] = _peak_rss_kb()
    print(json.dumps(run), flush=True)


def bench_scaling(factors: tuple[int, ...], days: int, repeats: int, seed: int) -> dict[str, Any]:
    import numpy as np

    rows = []
    for factor in factors:
        runs = []
        for _ in range(repeats):
            command = [sys.executable, str(Path(__file__).resolve()), "--child-scale", str(factor)]
            command += ["--child-days", str(days), "--child-seed", str(seed)]
            done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
            if done.returncode != 0:
                raise RuntimeError(f"scaling child x{factor} failed:\n{done.stderr}")
            run = json.loads(done.stdout.strip().splitlines()[-1])
            run["rusage_children_maxrss_kb"] = resource.getrusage(
                resource.RUSAGE_CHILDREN
            ).ru_maxrss
            runs.append(run)
        best = min(runs, key=lambda r: r["total_s"])
        peak_kb = max(r["peak_rss_kb"] for r in runs)
        row = {
            "factor": factor,
            "people_agents": best["people"],
            "workers": best["workers"],
            "residents": best["residents"],
            "mesa_agents": best["mesa_agents"],
            "seconds": best["total_s"],
            "step_seconds": best["steps_s"],
            "build_seconds": best["build_s"],
            "peak_rss_mb": peak_kb / 1024,
            "agent_hours_per_second": best["people"] * days * 24 / best["total_s"],
            "runs": runs,
        }
        rows.append(row)
        say(
            f"  x{factor:<3} {row['people_agents']:>7} people agents  {row['seconds']:7.2f} s  "
            f"peak RSS {row['peak_rss_mb']:7.0f} MB"
        )
    x = np.log([r["people_agents"] for r in rows])
    y = np.log([r["seconds"] for r in rows])
    slope = float(np.polyfit(x, y, 1)[0])
    steps = [
        float((y[i + 1] - y[i]) / (x[i + 1] - x[i])) if x[i + 1] != x[i] else math.nan
        for i in range(len(rows) - 1)
    ]
    return {
        "days": days,
        "repeats": repeats,
        "overrides": "population.residents and population.workers.{rider,courier,driver} "
        "multiplied by the factor (staff unchanged)",
        "rows": rows,
        "exponent": slope,
        "exponent_between_neighbours": steps,
        "peak_memory_max_gb": max(r["peak_rss_mb"] for r in rows) / 1024,
    }


# --------------------------------------------------------------------------- experiments


def parallel_spec(days: int, replications: int) -> dict[str, Any]:
    arms = [{"name": name, "scenario": f"scenarios/{name}.yaml"} for name in PARALLEL_ARMS]
    return {
        "name": "bench_parallel",
        "description": "benchmark: reduced standard experiment",
        "days": days,
        "base_seed": BASE_SEED,
        "replications": replications,
        "arms": arms,
    }


def _comparable(frame):
    return frame.drop(columns=["wall_seconds"]).reset_index(drop=True)


def worker_import_seconds(repeats: int = 3) -> float:
    """Seconds a fresh interpreter takes to import what a worker's first run imports."""
    code = (
        "import time; t = time.perf_counter(); "
        "import model.experiments.executors, model.sim.model; print(time.perf_counter() - t)"
    )
    best = math.inf
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
        )
        best = min(best, float(done.stdout.strip().splitlines()[-1]))
    return best


def bench_parallel(days: int, replications: int, repeats: int) -> dict[str, Any]:
    """The same experiment with 1 and 2 process workers, alternating, best of ``repeats``.

    Every call starts its own worker processes (a cold start, as ``streetwise experiment``
    does) and writes to a fresh results folder.
    """
    from model.experiments.runner import run_experiment

    spec = parallel_spec(days, replications)
    out: dict[str, Any] = {
        "arms": list(PARALLEL_ARMS),
        "replications": replications,
        "days": days,
        "runs": len(PARALLEL_ARMS) * replications,
        "executor": "process",
        "repeats": repeats,
        "all_seconds": {1: [], 2: []},
    }
    frames = {}
    methods: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="streetwise-bench-") as tmp:
        for attempt in range(repeats):
            for workers in (1, 2):
                t0 = time.perf_counter()
                result = run_experiment(
                    spec,
                    executor="process",
                    workers=workers,
                    out=Path(tmp) / f"workers{workers}-{attempt}",
                    quiet=True,
                    progress=False,
                    base_dir=REPO,
                )
                wall = time.perf_counter() - t0
                if not result.ok:
                    raise RuntimeError(f"parallel benchmark: failed runs\n{result.failures}")
                method = result.manifest["executor"]["pool_start_method"]
                out["all_seconds"][workers].append(wall)
                say(f"  {workers} worker{'s' if workers > 1 else ''}: {wall:6.2f} s")
                if wall <= min(out["all_seconds"][workers]):
                    frames[workers] = result.runs
                    methods[workers] = method
                    out[f"seconds_{workers}_workers"] = wall
                    out[f"mean_run_seconds_{workers}_workers"] = float(
                        result.runs["wall_seconds"].mean()
                    )
    out["speedup"] = out["seconds_1_workers"] / out["seconds_2_workers"]
    out["same_results"] = bool(_comparable(frames[1]).equals(_comparable(frames[2])))
    # Where the time goes. A run's wall_seconds (measured in the worker) includes, for the
    # first run of each worker, importing the model stack; take that out to get the model's
    # own run time, and call everything else fixed costs: starting the worker processes and
    # their imports, the manifest, writing and consolidating the tables, the idle tail.
    # With forkserver workers (the default on Linux) the imports were done once by the
    # server, not in the workers' first runs: nothing to take out of the runs, and the
    # server's start is in the first call's fixed costs (the best-of calls found it running).
    out["start_method"] = methods[2]
    out["start_methods_of_best"] = methods
    out["worker_import_seconds"] = worker_import_seconds()
    imports = {w: out["worker_import_seconds"] * (methods[w] == "spawn") for w in (1, 2)}
    n = out["runs"]
    pure = {w: float(frames[w]["wall_seconds"].sum()) - w * imports[w] for w in (1, 2)}
    for w in (1, 2):
        out[f"model_seconds_per_run_{w}_workers"] = pure[w] / n
        out[f"fixed_seconds_{w}_workers"] = out[f"seconds_{w}_workers"] - pure[w] / w
    out["per_run_slowdown_2_workers"] = pure[2] / pure[1]
    out["run_phase_speedup"] = 2.0 * pure[1] / pure[2]
    return out


def standard_experiment():
    """The standard experiment: the file if it exists, else the issue's definition."""
    from model.experiments.design import load_experiment

    if STANDARD.exists():
        experiment = load_experiment(STANDARD)
        source = "scenarios/experiments/standard.yaml"
        spec: Any = STANDARD
    else:
        from model.config.paths import scenario_files

        files = sorted(scenario_files(), key=lambda p: (p.stem != "baseline", p.stem))
        spec = {
            "name": "standard",
            "description": "every scenario of scenarios/*.yaml",
            "days": STANDARD_DAYS,
            "base_seed": BASE_SEED,
            "replications": STANDARD_REPLICATIONS,
            "arms": [{"name": p.stem, "scenario": f"scenarios/{p.name}"} for p in files],
        }
        experiment = load_experiment(spec, base_dir=REPO)
        source = (
            "no scenarios/experiments/standard.yaml: every scenarios/*.yaml as an arm, "
            f"{STANDARD_REPLICATIONS} replications, {STANDARD_DAYS} days"
        )
    return experiment, spec, source


def bench_standard(parallel: dict[str, Any], full: bool) -> dict[str, Any]:
    from model.experiments.runner import run_experiment
    from model.sim.model import run_model

    experiment, spec, source = standard_experiment()
    precision = experiment.precision
    replications = experiment.spec.replications if precision is None else precision.max_replications
    per_arm = {}
    for arm in experiment.arms:
        t0 = time.perf_counter()
        run_model(arm.config, seed=experiment.seed(0), days=experiment.days)
        per_arm[arm.name] = time.perf_counter() - t0
        say(f"  {arm.name:<26} {per_arm[arm.name]:6.2f} s per run")
    serial = replications * sum(per_arm.values())
    # 2 workers: the fixed costs measured in the parallel benchmark, the runs shared by two
    # workers, each run slowed by the measured per-run slowdown when both cores are busy,
    # and at most half the longest run of idle tail
    slowdown = max(1.0, parallel["per_run_slowdown_2_workers"])
    fixed = max(0.0, parallel["fixed_seconds_2_workers"])
    # forkserver workers: the best-of calls found the server running; the command line
    # starts it once (one import of the model stack in a fresh interpreter): add it
    server_start = parallel["worker_import_seconds"] * (parallel["start_method"] == "forkserver")
    fixed += server_start
    estimate = fixed + serial * slowdown / 2.0 + max(per_arm.values()) / 2.0
    out: dict[str, Any] = {
        "source": source,
        "arms": len(experiment.arms),
        "replications": replications,
        "replications_note": None if precision is None else "precision target: max_replications",
        "days": experiment.days,
        "runs": replications * len(experiment.arms),
        "per_run_seconds_by_arm": per_arm,
        "serial_estimate_seconds": serial,
        "fixed_seconds_used": fixed,
        "server_start_seconds_added": server_start,
        "per_run_slowdown_used": slowdown,
        "estimate_seconds_2_workers": estimate,
        "ideal_seconds_2_workers": serial / 2.0,
        "naive_seconds_2_workers": serial / min(2.0, parallel["speedup"]),
        "measured_seconds_2_workers": None,
    }
    if full:
        say(f"  running it: {out['runs']} runs with 2 process workers ...")
        with tempfile.TemporaryDirectory(prefix="streetwise-standard-") as tmp:
            t0 = time.perf_counter()
            result = run_experiment(
                spec,
                executor="process",
                workers=2,
                out=Path(tmp) / "standard",
                quiet=True,
                progress=False,
                base_dir=REPO,
            )
            out["measured_seconds_2_workers"] = time.perf_counter() - t0
            out["measured_ok"] = bool(result.ok)
            runs = result.runs
            by_arm = runs.groupby("arm", sort=False)["wall_seconds"].mean()
            out["measured_mean_run_seconds_by_arm"] = {k: float(v) for k, v in by_arm.items()}
            out["measured_mean_run_seconds"] = float(runs["wall_seconds"].mean())
            out["measured_run_slowdown"] = out["measured_mean_run_seconds"] / (
                sum(per_arm.values()) / len(per_arm)
            )
    return out


# --------------------------------------------------------------------------- fixed costs

# Run in a fresh interpreter with the checkout first on the path: the import of the model
# stack in three parts (our configuration layer, Mesa with what it imports, the rest of the
# simulation), the scenario's loading and the build of the street (no steps), each timed.
FIXED_COST_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import model
from model.config.loading import load_scenario
t_config = time.perf_counter()
import mesa
t_mesa = time.perf_counter()
from model.sim.model import StreetModel
t1 = time.perf_counter()
config = load_scenario(sys.argv[1])
t2 = time.perf_counter()
street = StreetModel(config, seed=int(sys.argv[2]), days=int(sys.argv[3]))
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "config_import_s": t_config - t0,
                  "mesa_import_s": t_mesa - t_config, "sim_import_s": t1 - t_mesa,
                  "config_s": t2 - t1, "street_s": t3 - t2,
                  "mesa_agents": len(street.agents), "model_file": model.__file__}))
"""


def _fresh_python(args: list[str]) -> tuple[float, str]:
    """Wall seconds of one fresh interpreter (checkout first on the path) and its stdout."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO, env=env
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"fresh interpreter {args[:2]} failed:\n{done.stderr}")
    return wall, done.stdout


def bench_fresh_interpreter(repeats: int, days: int, seed: int) -> dict[str, Any]:
    """Import + build of the street in a fresh interpreter, best of ``repeats`` (context).

    Import = the model stack (``model.config.loading``, then ``mesa`` with what it imports,
    then ``model.sim.model``); build = loading scenarios/baseline.yaml plus
    ``StreetModel(config, seed, days)`` without steps. The interpreter's bare start-up
    (``python -c pass``) is measured apart.
    """
    startup = min(_fresh_python(["-c", "pass"])[0] for _ in range(repeats))
    runs = []
    for _ in range(repeats):
        wall, stdout = _fresh_python(["-c", FIXED_COST_CHILD, str(BASELINE), str(seed), str(days)])
        run = json.loads(stdout.strip().splitlines()[-1])
        if not Path(run["model_file"]).resolve().is_relative_to(REPO):
            raise RuntimeError(f"fixed cost: imported {run['model_file']}, not {REPO}")
        run["build_s"] = run["config_s"] + run["street_s"]
        run["total_s"] = run["import_s"] + run["build_s"]
        run["process_wall_s"] = wall
        runs.append(run)
    best = min(runs, key=lambda r: r["total_s"])
    return {
        "scenario": "scenarios/baseline.yaml",
        "seed": seed,
        "days": days,
        "repeats": repeats,
        "import_seconds": best["import_s"],
        "config_import_seconds": best["config_import_s"],
        "mesa_import_seconds": best["mesa_import_s"],
        "sim_import_seconds": best["sim_import_s"],
        "config_seconds": best["config_s"],
        "street_seconds": best["street_s"],
        "build_seconds": best["build_s"],
        "seconds": best["total_s"],
        "interpreter_startup_seconds": startup,
        "process_wall_seconds": best["process_wall_s"],
        "mesa_agents": best["mesa_agents"],
        "runs": runs,
    }


def _outcome_bits(outcomes: dict[str, float]) -> str:
    """The outcomes as hex of their 8 bytes: equal strings mean bit-identical (NaN too)."""
    import struct

    return "".join(struct.pack("<d", outcomes[k]).hex() for k in sorted(outcomes))


def child_worker_start(repeats: int, seed: int) -> None:
    """Subprocess entry: the fixed cost of a new process worker, spawn vs forkserver.

    In this fresh process (no forkserver yet): one 1-day run of the default street
    (warm-up 0) is submitted to a fresh one-worker ``ProcessExecutor``; the time from
    submitting it (the pool is created then) to its result, less the model time of the same
    run when the worker is warm, is the fixed cost of a new worker. It is measured in two
    parts: outside the run (submit to result less the first run's own ``wall_seconds``:
    process start, initializer, the task's and the result's pickling) and inside it (the
    first run's ``wall_seconds`` less the median of ``WARM_RUNS`` more identical runs on the
    same worker: imports not yet done, cold caches), the latter floored at 0 (a first run is
    cheaper than the warm ones only by noise; the floor keeps the figure conservative). The
    first pool is a forkserver one, so the server's start (one import of the model stack) is
    measured apart; then ``repeats`` rounds of a spawn pool and a forkserver pool (server
    running), alternating. Prints one JSON line.
    """
    import statistics

    from model.config.loading import load_scenario
    from model.experiments.executors import ProcessExecutor, RunTask, default_start_method

    config = load_scenario(BASELINE, ["warmup_days=0"])
    task = RunTask(arm_index=0, arm="baseline", replicate=0, seed=seed, days=1, config=config)
    seen: set[str] = set()

    def one_pool(method: str) -> dict[str, float]:
        executor = ProcessExecutor(workers=1, start_method=method)
        try:
            t0 = time.perf_counter()
            (first,) = list(executor.run([task]))
            round_trip = time.perf_counter() - t0
            warm = list(executor.run([task] * WARM_RUNS))
            used = executor.describe()["pool_start_method"]
        finally:
            executor.close()
        for result in (first, *warm):
            if result.status != "ok":
                raise RuntimeError(f"worker start benchmark: failed run\n{result.error}")
            seen.add(_outcome_bits(result.outcomes))
        if used != method:
            raise RuntimeError(f"worker start benchmark: asked {method}, the pool used {used}")
        warm_run = statistics.median(result.wall_seconds for result in warm)
        outside = round_trip - first.wall_seconds
        first_run_excess = max(0.0, first.wall_seconds - warm_run)
        return {
            "round_trip_s": round_trip,
            "first_run_wall_s": first.wall_seconds,
            "warm_run_s": warm_run,
            "outside_run_s": outside,
            "first_run_excess_s": first_run_excess,
            "fixed_s": outside + first_run_excess,
        }

    server = one_pool("forkserver")
    rounds: dict[str, list[dict[str, float]]] = {"spawn": [], "forkserver": []}
    for _ in range(repeats):
        for method in ("spawn", "forkserver"):
            rounds[method].append(one_pool(method))
    out: dict[str, Any] = {
        "repeats": repeats,
        "seed": seed,
        "days": 1,
        "default_start_method": default_start_method(),
        "first_forkserver_pool": server,
        "server_start_seconds": server["fixed_s"],
        "rounds": rounds,
        "identical_results": len(seen) == 1,
    }
    for method, rows in rounds.items():
        out[f"{method}_fixed_seconds"] = statistics.median(r["fixed_s"] for r in rows)
        out[f"{method}_round_trip_seconds"] = statistics.median(r["round_trip_s"] for r in rows)
        out[f"{method}_warm_run_seconds"] = statistics.median(r["warm_run_s"] for r in rows)
        out[f"{method}_outside_run_seconds"] = statistics.median(r["outside_run_s"] for r in rows)
        out[f"{method}_first_run_excess_seconds"] = statistics.median(
            r["first_run_excess_s"] for r in rows
        )
    print(json.dumps(out), flush=True)


def bench_worker_start(repeats: int, seed: int = 1) -> dict[str, Any]:
    """The fixed cost of a new process worker (see :func:`child_worker_start`), in a child."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child-worker-start", str(repeats)]
    command += ["--child-seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"worker start benchmark failed:\n{done.stderr}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if not out["identical_results"]:
        raise RuntimeError("worker start benchmark: the runs differ between start methods")
    return out


def bench_fixed_cost(repeats: int, worker_repeats: int, days: int, seed: int) -> dict[str, Any]:
    """What a run pays before its first step: a new worker (the goal) and a fresh interpreter.

    ``seconds`` (the goal's figure) is the median fixed cost of a new worker of the process
    executor with the platform's default start method (forkserver on Linux); the fresh
    interpreter's import + build is kept for context.
    """
    fresh = bench_fresh_interpreter(repeats, days, seed)
    workers = bench_worker_start(worker_repeats, seed)
    method = workers["default_start_method"]
    return {
        **fresh,
        "fresh_interpreter_seconds": fresh["seconds"],
        "workers": workers,
        "start_method": method,
        "seconds": workers[f"{method}_fixed_seconds"],
    }


def bench_sweep(runs: int, days: int) -> dict[str, Any]:
    """Resident memory over ``runs`` short runs in one fresh process (sweep_memory.py)."""
    from benchmarks.sweep_memory import bench_sweep as sweep

    return sweep(runs, days)


# --------------------------------------------------------------------------- before/after


def _remove_worktree(tree: Path) -> None:
    from benchmarks.compare_commits import git

    for args in (("worktree", "remove", "--force", str(tree)), ("worktree", "prune")):
        try:
            git(*args)
        except subprocess.CalledProcessError as error:  # leave it, say so, keep the figures
            say(f"  note: git {' '.join(args)} failed: {error.stderr.strip()}")


def bench_before_after(commit: str, days: int, pairs: int) -> dict[str, Any]:
    """The default street at ``commit`` and at this checkout, interleaved, best of ``pairs``.

    Both run ``run_model(baseline, seed=1, days)`` in a fresh interpreter with this venv
    (benchmarks/compare_commits.py's child: build + steps + results, import excluded); the
    commit from a temporary ``git worktree``, the checkout as it is (uncommitted changes
    included). The order within a pair alternates so that drifting load hits both alike.
    """
    from benchmarks.compare_commits import child, git

    sha = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    out: dict[str, Any] = {
        "commit": sha,
        "subject": git("log", "-1", "--format=%s", sha)[:100],
        "after": "this checkout"
        + (" (with uncommitted changes)" if _git("status", "--porcelain", "--", "model") else ""),
        "days": days,
        "pairs": pairs,
        "before_seconds_all": [],
        "after_seconds_all": [],
    }
    with tempfile.TemporaryDirectory(prefix="streetwise-before-") as tmp:
        tree = Path(tmp) / sha[:12]
        git("worktree", "add", "--detach", str(tree), sha)
        try:
            for pair in range(pairs):
                order = [("before", tree), ("after", REPO)]
                for side, where in order if pair % 2 == 0 else order[::-1]:
                    run = child(where, days, "time")
                    out[f"{side}_seconds_all"].append(run["seconds"])
                    out[f"{side}_issues"] = run["issues"]
                    say(f"  pair {pair + 1}: {side:<6} {run['seconds']:7.3f} s")
        finally:
            _remove_worktree(tree)
    for side in ("before", "after"):
        best = min(out[f"{side}_seconds_all"])
        out[f"{side}_seconds"] = best
        out[f"{side}_seconds_per_simulated_year"] = best * 365 / days
    out["ratio"] = out["before_seconds"] / out["after_seconds"]
    return out


# --------------------------------------------------------------------------- report


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    std = results["standard"]
    standard_seconds = std["measured_seconds_2_workers"] or std["estimate_seconds_2_workers"]
    values = {
        "year_seconds": results["streetwise"]["seconds_per_simulated_year"],
        "throughput_ratio": results["throughput_ratio"],
        "scaling_exponent": results["scaling"]["exponent"],
        "peak_memory_x16_gb": next(
            (r["peak_rss_mb"] / 1024 for r in results["scaling"]["rows"] if r["factor"] == 16),
            results["scaling"]["peak_memory_max_gb"],
        ),
        "parallel_speedup": results["parallel"]["speedup"],
        "standard_minutes": standard_seconds / 60.0,
        "fixed_cost_seconds": results["fixed_cost"]["seconds"],
        "sweep_rss_growth_mb": results["sweep"]["growth_mb"],
    }
    sweep = results["sweep"]
    goals = []
    for name, (text, op, limit, unit) in GOALS.items():
        value = values[name]
        ok = value <= limit if op == "<=" else value >= limit
        if name == "standard_minutes":
            how = "measured" if std["measured_seconds_2_workers"] else "estimate"
            text += f" ({std['runs']} runs, {how})"
        if name == "sweep_rss_growth_mb":
            text += (
                f" ({sweep['runs']:,} runs x {_days(sweep['days'])}, from run "
                f"{sweep['reference_run']} to the last)"
            )
        goals.append(
            {"goal": name, "description": text, "value": value, "op": op, "limit": limit,
             "unit": unit, "pass": bool(ok)}
        )  # fmt: skip
    return goals


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _worker_row(ws: dict[str, Any], method: str | None = None, bold: bool = False) -> str:
    """Cells of one start method's row: medians of ``ws`` (or one pool's own figures)."""
    if method is None:
        keys = ("fixed_s", "outside_run_s", "first_run_excess_s", "round_trip_s", "warm_run_s")
        values = [ws[k] for k in keys]
    else:
        keys = ("fixed", "outside_run", "first_run_excess", "round_trip", "warm_run")
        values = [ws[f"{method}_{k}_seconds"] for k in keys]
    cells = [_fmt(v, 3) for v in values]
    if bold:
        cells[0] = f"**{cells[0]}**"
    return " | ".join(cells) + " |"


def fixed_cost_markdown(fc: dict[str, Any]) -> list[str]:
    ws = fc["workers"]
    method = fc["start_method"]
    return [
        "",
        "## Fixed cost per run",
        "",
        f"**A new process worker** (the goal's figure: {method}, the platform's default start "
        "method). In a fresh benchmark process, one 1-day run of the default street (warm-up "
        "0) is submitted to a fresh one-worker `ProcessExecutor`; fixed cost = time from "
        "submitting it (the pool is created then) to its result, less the model time of the "
        "same run on the now warm worker, in two parts: outside the run (submit -> result "
        "less the first run's own `wall_seconds`: starting the worker process, its "
        "initializer, pickling the task and the result) + inside it (the first run's "
        f"`wall_seconds` less the median of {WARM_RUNS} more identical runs on the same "
        "worker: imports still to do, cold caches; floored at 0). The first pool of the "
        "process is a forkserver one and pays the "
        "server's start (a fresh interpreter importing the model stack once, shared by every "
        f"later worker of the process); then {ws['repeats']} rounds of a spawn pool and a "
        "forkserver pool, alternating; medians. Results identical on both: "
        f"{ws['identical_results']}.",
        "",
        "| start method | fixed cost s | outside the run s | inside the first run s | "
        "submit -> result s | warm run s |",
        "|---|---:|---:|---:|---:|---:|",
        "| **forkserver**, server running (each worker a fork of a preloaded server) | "
        + _worker_row(ws, "forkserver", bold=True),
        "| spawn (each worker a fresh interpreter importing the stack) | "
        + _worker_row(ws, "spawn"),
        "| forkserver, first pool of a process (the server's start included; one pool) | "
        + _worker_row(ws["first_forkserver_pool"]),
        "",
        f"**For context: import + build in a fresh interpreter** (best of {fc['repeats']}): "
        "what a process that starts from nothing pays, e.g. one `streetwise run`. Mesa's own "
        "import (with numpy, pandas, scipy.spatial and networkx, which it imports) cannot be "
        "cut from here, so this figure cannot reach 0.3 s while the model is a Mesa model.",
        "",
        "| figure | seconds |",
        "|---|---:|",
        "| import: our configuration layer (`model.config.loading`: pydantic, yaml, the "
        f"schema) | {_fmt(fc['config_import_seconds'], 3)} |",
        "| import: `mesa` (with numpy, pandas, scipy.spatial, networkx) | "
        f"{_fmt(fc['mesa_import_seconds'], 3)} |",
        f"| import: the rest of `model.sim.model` | {_fmt(fc['sim_import_seconds'], 3)} |",
        f"| build: load {fc['scenario']} | {_fmt(fc['config_seconds'], 3)} |",
        f"| build: `StreetModel(config, seed={fc['seed']}, days={fc['days']})`, no steps "
        f"({fc['mesa_agents']:,} Mesa agents) | {_fmt(fc['street_seconds'], 3)} |",
        f"| import + build | {_fmt(fc['fresh_interpreter_seconds'], 3)} |",
        "| the interpreter's bare start-up (`python -c pass`), not included above | "
        f"{_fmt(fc['interpreter_startup_seconds'], 3)} |",
        f"| the whole fresh process, start to exit | {_fmt(fc['process_wall_seconds'], 3)} |",
    ]


def sweep_markdown(sw: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Memory over a sweep (one worker-like process)",
        "",
        f"{sw['runs']:,} runs of the default street back to back in one fresh process "
        f"(`run_model`: build + {_days(sw['days'])} simulated, warm-up overridden to "
        f"{sw['warmup_days']} days, + results; seeds {sw['first_seed']} to "
        f"{sw['first_seed'] + sw['runs'] - 1}), in {_fmt(sw['sweep_s'], 1)} s "
        f"({_fmt(sw['seconds_per_run'], 3)} s per run). After the sampled runs, "
        "`gc.collect()`, then VmRSS and VmHWM from /proc/self/status and glibc's "
        "`mallinfo2()` (the C heap: in use, and free but kept by malloc; Python's 1 MB "
        "small-object arenas are in neither, only in RSS):",
        "",
        "| after run | RSS MB | peak RSS MB | C heap in use MB | C heap free MB | objects "
        "tracked by gc | elapsed s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def mb(value: float | None) -> str:
        return "n/a" if value is None else _fmt(value, 1)

    for row in sw["samples"]:
        lines.append(
            f"| {row['run']:,} | {_fmt(row['rss_mb'], 1)} | {_fmt(row['peak_rss_mb'], 1)} | "
            f"{mb(row.get('heap_in_use_mb'))} | {mb(row.get('heap_free_mb'))} | "
            f"{row['python_objects']:,} | {_fmt(row['elapsed_s'], 1)} |"
        )
    in_use, free = sw.get("heap_in_use_growth_mb"), sw.get("heap_free_growth_mb")
    lines += [
        "",
        f"Growth from run {sw['reference_run']:,} to run {sw['runs']:,}: "
        f"**{sw['growth_mb']:+.1f} MB** ({sw['growth_mb_per_100_runs']:+.2f} MB per 100 runs; "
        f"{sw['objects_growth']:+,} tracked objects; C heap in use "
        f"{'n/a' if in_use is None else f'{in_use:+.2f}'} MB, free but kept "
        f"{'n/a' if free is None else f'{free:+.2f}'} MB). Growth with the objects and the "
        "heap in use flat is the allocators settling (free heap kept by malloc, small-object "
        "arenas held by a few live blocks), not a leak.",
    ]
    return lines


def before_after_markdown(ba: dict[str, Any] | None) -> list[str]:
    if ba is None:
        return ["", "## Before/after", "", "Not run (`--before none`)."]
    return [
        "",
        f"## Before/after ({ba['days']} days, {ba['pairs']} interleaved pairs, best of each)",
        "",
        "| | code | seconds | seconds per simulated year |",
        "|---|---|---:|---:|",
        f"| before | `{ba['commit'][:12]}` {ba['subject'][:72]} | "
        f"{_fmt(ba['before_seconds'], 3)} | "
        f"{_fmt(ba['before_seconds_per_simulated_year'], 3)} |",
        f"| after | {ba['after']} | {_fmt(ba['after_seconds'], 3)} | "
        f"{_fmt(ba['after_seconds_per_simulated_year'], 3)} |",
        "",
        f"Before / after: **{_fmt(ba['ratio'])} x** (`run_model` in a fresh interpreter, "
        f"import excluded, {ba['days']} measured days after the scenario's warm-up, seconds per "
        f"simulated year = seconds x 365 / {ba['days']} as for the goal; "
        "benchmarks/compare_commits.py; all: before "
        f"{', '.join(_fmt(x, 3) for x in ba['before_seconds_all'])} s, after "
        f"{', '.join(_fmt(x, 3) for x in ba['after_seconds_all'])} s).",
    ]


def markdown(results: dict[str, Any]) -> str:
    m, sch, sw = results["machine"], results["schelling"], results["streetwise"]
    all_seconds = results["parallel"].get("all_seconds", {})
    results["parallel"]["all_seconds"] = {int(k): v for k, v in all_seconds.items()}
    sc, par, std, prof = (
        results["scaling"],
        results["parallel"],
        results["standard"],
        results["profile"],
    )
    load = results["load"]
    lines = [
        "# Streetwise benchmark results",
        "",
        f"Generated by `benchmarks/run.py{' --full' if results['full'] else ''}` "
        f"(`make bench` runs it without options) on {m['date']}, commit "
        f"`{(m['git_commit'] or 'unknown')[:12]}`"
        + (
            f" with uncommitted changes to {', '.join(m['modified_files'])}"
            if m["model_or_scenarios_modified"]
            else ""
        )
        + ".",
        "",
        f"Machine: {m['cpu_model']}, {m['cpu_count']} CPUs ({m['usable_cores']} usable), "
        f"{m['platform']}; Python {m['python']}, numpy {m['numpy']}, Mesa {m['mesa']}. "
        f"Environment: {m['environment'] or 'no BLAS/OpenMP variables set'}. "
        f"Load average (1, 5, 15 min) at start {load['start']}, at end {load['end']}.",
        "",
        "## Goals",
        "",
        "| goal | measured | target | result |",
        "|---|---:|---:|---|",
    ]
    for g in results["goals"]:
        lines.append(
            f"| {g['description']} | {_fmt(g['value'])} {g['unit']} | {g['op']} "
            f"{_fmt(g['limit'])} {g['unit']} | {'PASS' if g['pass'] else 'FAIL'} |"
        )
    lines += [
        "",
        "## Throughput",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| Mesa Schelling ({sch['agents']} agents, {sch['steps']} steps, best of "
        f"{len(sch['runs'])}): step time | {_fmt(sch['run_seconds'], 3)} s |",
        f"| Mesa Schelling: agent-steps per second | {_fmt(sch['agent_steps_per_second'], 0)} |",
        f"| Streetwise default street, {sw['days']} days after a {sw['warmup_days']}-day "
        f"warm-up (best of {sw['repeats']}, build + run + results) | "
        f"{_fmt(sw['seconds'], 3)} s |",
        f"| Streetwise seconds per simulated year | {_fmt(sw['seconds_per_simulated_year'], 3)} |",
        f"| people agents (workers {sw['workers']} + residents {sw['residents']} + staff "
        f"{sw['staff']}) | {sw['people_agents']} |",
        f"| Streetwise agent-hours per second (people agents) | "
        f"{_fmt(sw['agent_hours_per_second'], 0)} |",
        f"| Streetwise agent-hours per second (all {sw['mesa_agents']} Mesa agents incl. "
        f"{sw['fixed_place_agents']} fixed places) | "
        f"{_fmt(sw['mesa_agent_hours_per_second'], 0)} |",
        f"| Mesa step machinery alone (empty `Model.step`, {sw['mesa_steps']} steps: "
        "one a simulated day) | "
        f"{_fmt(sw['mesa_step_overhead']['seconds'], 3)} s "
        f"({_fmt(sw['mesa_step_overhead']['microseconds_per_step'], 1)} us per step) |",
        f"| **throughput ratio vs Mesa Schelling** (people agents) | "
        f"**{_fmt(results['throughput_ratio'], 1)}** |",
        f"| throughput ratio counting all Mesa agents | "
        f"{_fmt(results['throughput_ratio_all_agents'], 1)} |",
        "",
        f"## Scaling ({sc['days']} days, fresh subprocess per run, best of {sc['repeats']})",
        "",
        "| population | people agents | Mesa agents | wall s | peak RSS MB | agent-hours/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in sc["rows"]:
        lines.append(
            f"| x{r['factor']} | {r['people_agents']:,} | {r['mesa_agents']:,} | "
            f"{_fmt(r['seconds'])} | {_fmt(r['peak_rss_mb'], 0)} | "
            f"{_fmt(r['agent_hours_per_second'], 0)} |"
        )
    steps = ", ".join(_fmt(s) for s in sc["exponent_between_neighbours"])
    lines += [
        "",
        f"Fitted exponent (least squares, log wall time on log people agents): "
        f"**{_fmt(sc['exponent'], 3)}** (between neighbouring sizes: {steps}).",
        "",
        "## Parallel experiments",
        "",
        f"Reduced standard experiment: arms {', '.join(par['arms'])} x {par['replications']} "
        f"replications x {par['days']} days = {par['runs']} runs, `run_experiment(..., "
        f'executor="process", workers=N)`, each call a cold start (new worker processes) into '
        f"a fresh results folder, 1 and 2 workers alternating, best of {par['repeats']} "
        f"(all: 1 worker {', '.join(_fmt(x) for x in par['all_seconds'][1])} s; 2 workers "
        f"{', '.join(_fmt(x) for x in par['all_seconds'][2])} s); identical runs tables: "
        f"{par['same_results']}.",
        "",
        "| workers | wall s | model s per run | fixed costs s |",
        "|---:|---:|---:|---:|",
        f"| 1 | {_fmt(par['seconds_1_workers'])} | "
        f"{_fmt(par['model_seconds_per_run_1_workers'], 3)} | "
        f"{_fmt(par['fixed_seconds_1_workers'])} |",
        f"| 2 | {_fmt(par['seconds_2_workers'])} | "
        f"{_fmt(par['model_seconds_per_run_2_workers'], 3)} | "
        f"{_fmt(par['fixed_seconds_2_workers'])} |",
        "",
        f"Speed-up: **{_fmt(par['speedup'])}**; of the runs alone (model time per run, 1 vs 2 "
        f"workers): {_fmt(par['run_phase_speedup'])}. Model s per run = the runs' "
        "`wall_seconds` less, for each spawned worker's first run, the import of the model "
        f"stack ({_fmt(par['worker_import_seconds'])} s in a fresh interpreter); workers "
        f"started with {par['start_method']}"
        + (
            " fork from a server that did that import once (started by the first call; the "
            "best-of calls found it running), so nothing is taken out. "
            if par["start_method"] == "forkserver"
            else ". "
        )
        + "Fixed costs = wall time - model time / workers: starting the worker processes and "
        "their imports, the manifest, writing and consolidating the tables, the idle tail; "
        "they do not shrink with more workers.",
        "",
        "## Standard experiment",
        "",
        f"Definition: {std['source']}: {std['arms']} arms x {std['replications']} replications "
        f"x {std['days']} days = {std['runs']} runs.",
        "",
        "| arm | seconds per run |",
        "|---|---:|",
    ]
    for arm, seconds in std["per_run_seconds_by_arm"].items():
        lines.append(f"| {arm} | {_fmt(seconds)} |")
    lines += [
        "",
        f"Runs one after another: {_fmt(std['serial_estimate_seconds'] / 60)} min. With 2 "
        f"workers: fixed costs {_fmt(std['fixed_seconds_used'])} s"
        + (
            f" (of which {_fmt(std['server_start_seconds_added'])} s the forkserver's start: "
            "one import of the model stack, which the command line pays once and the best-of "
            "parallel calls did not)"
            if std.get("server_start_seconds_added")
            else ""
        )
        + " + runs shared by 2 workers, "
        f"each slowed x{_fmt(std['per_run_slowdown_used'])} with both cores busy (both "
        "measured in the parallel benchmark) + half the longest run of tail: "
        f"**{_fmt(std['estimate_seconds_2_workers'] / 60)} min** (ideal, serial / 2: "
        f"{_fmt(std['ideal_seconds_2_workers'] / 60)} min; serial / the reduced experiment's "
        f"speed-up: {_fmt(std['naive_seconds_2_workers'] / 60)} min).",
    ]
    if std["measured_seconds_2_workers"]:
        lines.append(
            f"Measured with `--full`: **{_fmt(std['measured_seconds_2_workers'] / 60)} min**; "
            f"a run took {_fmt(std['measured_mean_run_seconds'])} s on average in the "
            f"experiment, x{_fmt(std['measured_run_slowdown'])} the single runs above."
        )
    else:
        lines.append("Not run (run `benchmarks/run.py --full` to measure it).")
    lines += fixed_cost_markdown(results["fixed_cost"])
    lines += sweep_markdown(results["sweep"])
    lines += before_after_markdown(results["before_after"])
    lines += [
        "",
        f"## Profile (cProfile, default street, {prof['days']} days)",
        "",
        f"{_fmt(prof['profiled_seconds'])} s under the profiler. Share of profiled time:",
        "",
        "| part | seconds | share |",
        "|---|---:|---:|",
    ]
    for part, v in prof["shares"].items():
        lines.append(f"| {part} | {_fmt(v['seconds'])} | {v['share']:.1%} |")
    lines += [
        "",
        f"Self time inside the Mesa package: {_fmt(prof['mesa_self_time_seconds'])} s "
        f"({prof['mesa_self_time_share']:.1%}).",
        "",
        "| function | calls | tottime s | cumtime s |",
        "|---|---:|---:|---:|",
    ]
    for row in prof["top_by_tottime"][:15]:
        lines.append(
            f"| `{row['function']}` | {row['ncalls']} | {_fmt(row['tottime_s'], 3)} | "
            f"{_fmt(row['cumtime_s'], 3)} |"
        )
    lines += ["", f"Benchmark wall time: {_fmt(results['bench_seconds'], 0)} s.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from benchmarks.sweep_memory import DEFAULT_DAYS, DEFAULT_RUNS

    parser = argparse.ArgumentParser(
        description="Streetwise benchmarks (see docs/performance.md).",
    )
    parser.add_argument("--full", action="store_true", help="also run the standard experiment")
    parser.add_argument("--quick", action="store_true", help="small smoke run (not for goals)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help=f"first wait up to SECONDS for a 1-minute load average below {QUIET_LOAD}",
    )
    parser.add_argument(
        "--before",
        default=BEFORE_COMMIT,
        metavar="COMMIT",
        help=f"time the default street at COMMIT against this checkout (default {BEFORE_COMMIT},"
        " the last commit before the performance work; 'none' skips it)",
    )
    parser.add_argument(
        "--sweep-runs",
        type=int,
        metavar="N",
        help=f"runs in the memory sweep (default {DEFAULT_RUNS:,}, {QUICK_SWEEP_RUNS} with "
        "--quick)",
    )
    parser.add_argument(
        "--sweep-days",
        type=int,
        default=DEFAULT_DAYS,
        metavar="DAYS",
        help=f"simulated days per sweep run, no warm-up (default {DEFAULT_DAYS})",
    )
    parser.add_argument("--child-scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-days", type=int, default=90, help=argparse.SUPPRESS)
    parser.add_argument("--child-seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-worker-start", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sweep_runs is None:
        args.sweep_runs = QUICK_SWEEP_RUNS if args.quick else DEFAULT_RUNS
    if args.sweep_runs < 1 or args.sweep_days < 1:
        parser.error("--sweep-runs and --sweep-days must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_scale is not None:
        child_scale(args.child_scale, args.child_days, args.child_seed)
        return 0
    if args.child_worker_start is not None:
        child_worker_start(args.child_worker_start, args.child_seed)
        return 0
    if args.wait_quiet > 0:
        wait_for_quiet(args.wait_quiet)
    quick = args.quick
    sizes = {
        "schelling_repeats": 1 if quick else 3,
        "year_days": 30 if quick else 365,
        "year_repeats": 1 if quick else 3,
        "scale_days": 10 if quick else 90,
        "scale_repeats": 1 if quick else 2,
        # the standard horizon (365 days) with fewer arms and replications: a reduced
        # standard experiment whose runs are as long as the real ones. Four replications
        # (16 runs, 8 a worker): with runs of about 0.8 s, 8 runs (4 a worker) left the
        # last, longest run alone on one core for a sixth of the time (speed-up 1.68 where
        # the 280-run experiment shows more than 2 against single runs)
        "parallel_days": 10 if quick else 365,
        "parallel_replications": 2 if quick else 4,
        "parallel_repeats": 1 if quick else 3,
        "fixed_cost_repeats": 1 if quick else FIXED_COST_REPEATS,
        "worker_start_repeats": 2 if quick else WORKER_START_REPEATS,
        "sweep_runs": args.sweep_runs,
        "sweep_days": args.sweep_days,
        # quick: the same path (worktree, interleaved children) at a smoke size
        "before_days": 5 if quick else 365,
        "before_pairs": 1 if quick else BEFORE_PAIRS,
    }
    start = time.perf_counter()
    load_start = _load()
    results: dict[str, Any] = {"quick": quick, "full": args.full, "sizes": sizes}
    say("Streetwise benchmarks" + (" (QUICK: smoke run, figures not comparable)" if quick else ""))
    results["machine"] = machine_info()
    m = results["machine"]
    say(
        f"machine: {m['cpu_count']} CPUs, Python {m['python']}, numpy {m['numpy']}, "
        f"Mesa {m['mesa']}, commit {(m['git_commit'] or '?')[:12]}, load {load_start}"
    )
    if load_start and load_start[0] >= QUIET_LOAD:
        say(f"note: load average {load_start[0]:.2f} >= {QUIET_LOAD}: figures may be pessimistic")

    say("\n[1/9] Mesa reference: Schelling 100 x 100, density 0.8, radius 2, 10 steps")
    sch = results["schelling"] = bench_schelling(sizes["schelling_repeats"], 10)
    say(
        f"  {sch['agents']} agents, {sch['run_seconds']:.3f} s for 10 steps: "
        f"{sch['agent_steps_per_second']:,.0f} agent-steps/s"
    )

    say(f"\n[2/9] Streetwise default street, {sizes['year_days']} days")
    sw = results["streetwise"] = bench_default(sizes["year_repeats"], sizes["year_days"], seed=1)
    say(
        f"  {sw['seconds']:.3f} s ({sw['seconds_per_simulated_year']:.3f} s per simulated "
        f"year); {sw['people_agents']} people agents (workers + residents + staff): "
        f"{sw['agent_hours_per_second']:,.0f} agent-hours/s; all {sw['mesa_agents']} Mesa "
        f"agents incl. fixed places: {sw['mesa_agent_hours_per_second']:,.0f} agent-hours/s"
    )
    overhead = sw["mesa_step_overhead"] = bench_mesa_step_overhead(sw["mesa_steps"])
    say(
        f"  Mesa's own step machinery (empty Model.step, {overhead['steps']} steps, one a "
        "simulated day): "
        f"{overhead['seconds']:.3f} s = {overhead['microseconds_per_step']:.1f} us per step, "
        f"{overhead['seconds'] / sw['seconds']:.1%} of the run"
    )
    results["throughput_ratio"] = sw["agent_hours_per_second"] / sch["agent_steps_per_second"]
    results["throughput_ratio_all_agents"] = (
        sw["mesa_agent_hours_per_second"] / sch["agent_steps_per_second"]
    )
    say(f"throughput ratio vs Mesa Schelling: {results['throughput_ratio']:.1f}")
    say(f"  (counting all Mesa agents: {results['throughput_ratio_all_agents']:.1f})")

    say(f"\n[3/9] cProfile of the default street, {sizes['year_days']} days")
    prof, prof_text = profile_default(sizes["year_days"], seed=1, top=30)
    results["profile"] = prof
    for part, v in prof["shares"].items():
        say(f"  {v['share']:6.1%}  {part}")

    say(f"\n[4/9] Scaling x{', x'.join(map(str, SCALE_FACTORS))}, {sizes['scale_days']} days")
    results["scaling"] = bench_scaling(
        SCALE_FACTORS, sizes["scale_days"], sizes["scale_repeats"], seed=1
    )
    say(f"  exponent {results['scaling']['exponent']:.3f}")

    say(
        f"\n[5/9] Parallel: {len(PARALLEL_ARMS)} arms x {sizes['parallel_replications']} "
        f"replications x {sizes['parallel_days']} days, process executor, 1 and 2 workers"
    )
    par = results["parallel"] = bench_parallel(
        sizes["parallel_days"], sizes["parallel_replications"], sizes["parallel_repeats"]
    )
    say(f"  speed-up {par['speedup']:.2f} (identical results: {par['same_results']})")

    say("\n[6/9] Standard experiment" + (" (running it: --full)" if args.full else " estimate"))
    if quick:
        results["standard"] = {
            "source": "skipped in --quick",
            "arms": 0,
            "replications": 0,
            "days": 0,
            "runs": 0,
            "per_run_seconds_by_arm": {},
            "serial_estimate_seconds": math.nan,
            "fixed_seconds_used": math.nan,
            "per_run_slowdown_used": math.nan,
            "estimate_seconds_2_workers": math.nan,
            "ideal_seconds_2_workers": math.nan,
            "naive_seconds_2_workers": math.nan,
            "measured_seconds_2_workers": None,
        }
    else:
        results["standard"] = bench_standard(par, args.full)
    std = results["standard"]
    say(f"  {std['source']}")
    say(
        f"  {std['runs']} runs: estimate {std['estimate_seconds_2_workers'] / 60:.2f} min with "
        "2 workers"
        + (
            f"; measured {std['measured_seconds_2_workers'] / 60:.2f} min"
            if std["measured_seconds_2_workers"]
            else ""
        )
    )

    say(
        f"\n[7/9] Fixed cost per run: a new process worker, spawn vs forkserver (medians of "
        f"{sizes['worker_start_repeats']}); import + build in a fresh interpreter, best of "
        f"{sizes['fixed_cost_repeats']}"
    )
    fc = results["fixed_cost"] = bench_fixed_cost(
        sizes["fixed_cost_repeats"], sizes["worker_start_repeats"], STANDARD_DAYS, seed=1
    )
    ws = fc["workers"]
    say(
        f"  new worker (submit -> result - the run's warm model time): forkserver "
        f"{ws['forkserver_fixed_seconds']:.3f} s, spawn {ws['spawn_fixed_seconds']:.3f} s; "
        f"the forkserver's own start (first pool of a process) {ws['server_start_seconds']:.3f}"
        f" s; identical results: {ws['identical_results']}"
    )
    say(
        f"  fresh interpreter: import {fc['import_seconds']:.3f} s (model.config "
        f"{fc['config_import_seconds']:.3f}, mesa {fc['mesa_import_seconds']:.3f}, model.sim "
        f"{fc['sim_import_seconds']:.3f}) + build {fc['build_seconds']:.3f} s (scenario "
        f"{fc['config_seconds']:.3f} s, StreetModel {fc['street_seconds']:.3f} s) = "
        f"{fc['fresh_interpreter_seconds']:.3f} s; interpreter start-up alone "
        f"{fc['interpreter_startup_seconds']:.3f} s, whole process "
        f"{fc['process_wall_seconds']:.3f} s"
    )

    say(
        f"\n[8/9] Memory over a sweep: {sizes['sweep_runs']:,} runs x "
        f"{_days(sizes['sweep_days'])} (no warm-up) in one fresh process"
    )
    from benchmarks.sweep_memory import describe

    results["sweep"] = bench_sweep(sizes["sweep_runs"], sizes["sweep_days"])
    for line in describe(results["sweep"]):
        say(line)

    if args.before.lower() == "none":
        say("\n[9/9] Before/after: skipped (--before none)")
        results["before_after"] = None
    else:
        say(
            f"\n[9/9] Before/after: default street, {sizes['before_days']} days, at "
            f"{args.before} and at this checkout, {sizes['before_pairs']} interleaved pairs"
        )
        ba = results["before_after"] = bench_before_after(
            args.before, sizes["before_days"], sizes["before_pairs"]
        )
        say(
            f"  before {ba['before_seconds_per_simulated_year']:.3f} s per simulated year, "
            f"after {ba['after_seconds_per_simulated_year']:.3f} s: {ba['ratio']:.2f} x"
        )

    results["load"] = {"start": load_start, "end": _load()}
    results["bench_seconds"] = time.perf_counter() - start
    results["goals"] = evaluate(results)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (args.out / "latest.md").write_text(markdown(results))
    (args.out / "profile.txt").write_text(prof_text)

    say("\nGoals" + (" (QUICK run: not valid)" if quick else ""))
    for g in results["goals"]:
        verdict = "PASS" if g["pass"] else "FAIL"
        say(
            f"  {verdict}  {g['description']}: {g['value']:,.2f} {g['unit']} "
            f"(goal {g['op']} {g['limit']:g} {g['unit']})"
        )
    say(f"throughput ratio vs Mesa Schelling: {results['throughput_ratio']:.1f}")
    ba = results["before_after"]
    if ba is not None:
        say(
            f"before/after ({ba['commit'][:12]} -> this checkout, {ba['days']} days): "
            f"{ba['before_seconds_per_simulated_year']:.3f} -> "
            f"{ba['after_seconds_per_simulated_year']:.3f} s per simulated year, "
            f"{ba['ratio']:.2f} x"
        )
    say(
        f"load average start {load_start}, end {results['load']['end']}; "
        f"{results['bench_seconds']:.0f} s; written {args.out / 'latest.json'} and latest.md"
    )
    failed = [g for g in results["goals"] if not g["pass"]]
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())

"""How the process executor starts its workers: a preloaded forkserver, else spawn.

The forkserver is process-wide, so these tests share this pytest process's server: each
starts its own pools, and none relies on being the first to start the server except where it
says so.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from model.config.errors import ConfigError
from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments import executors
from model.experiments.executors import (
    FORKSERVER_PRELOAD,
    ProcessExecutor,
    RunTask,
    SerialExecutor,
    default_start_method,
)

HAS_FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()
needs_forkserver = pytest.mark.skipif(not HAS_FORKSERVER, reason="no forkserver here")

# Evaluated in a worker by the builtin eval (picklable by reference, imports nothing):
# whether Mesa is already imported when the first task arrives.
MESA_LOADED = "__import__('sys').modules.__contains__('mesa')"
# ... and how many signatures of the model's main compiled kernels are loaded then.
KERNELS = (
    ("model.sim.detection_kernels", "notice_hits"),
    ("model.sim.pick_kernels", "pick_noticers"),
    ("model.sim.decision_kernels", "end_of_shift_channels"),
    ("model.sim.plan_kernels", "take_hour_rows"),
    ("model.sim.decision_kernels", "worker_choices"),
    ("model.sim.decision_kernels", "resident_choices"),
)
KERNELS_LOADED = (
    "[len(getattr(__import__(module, fromlist=['_']), name).signatures)"
    f" for module, name in {KERNELS!r}]"
)


def _tasks(days: int = 2, seeds: tuple[int, ...] = (11, 12)) -> list[RunTask]:
    config = load_scenario(REPO_ROOT / "scenarios" / "baseline.yaml", ["warmup_days=0"])
    return [
        RunTask(arm_index=0, arm="baseline", replicate=i, seed=seed, days=days, config=config)
        for i, seed in enumerate(seeds)
    ]


def _bits(outcomes: dict[str, float]) -> dict[str, bytes]:
    """Outcomes as their 8 bytes: equal means bit for bit (NaN included)."""
    return {name: struct.pack("<d", value) for name, value in outcomes.items()}


def _run_all(executor, tasks: list[RunTask]) -> dict[int, object]:
    with executor:
        results = {result.replicate: result for result in executor.run(tasks)}
    assert all(result.status == "ok" for result in results.values()), results
    return results


def _first_task_result(start_method: str, expression: str) -> object:
    executor = ProcessExecutor(workers=1, start_method=start_method)
    try:
        return executor._ensure_pool().submit(eval, expression).result(timeout=120)
    finally:
        executor.close()


def test_default_is_forkserver_where_the_platform_has_it(monkeypatch):
    assert default_start_method() == ("forkserver" if HAS_FORKSERVER else "spawn")
    assert ProcessExecutor(workers=1).start_method == default_start_method()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert default_start_method() == "spawn"
    assert ProcessExecutor(workers=1).start_method == "spawn"
    with pytest.raises(ConfigError, match="'forkserver' is not available"):
        ProcessExecutor(workers=1, start_method="forkserver")


def test_fork_and_unknown_methods_are_refused():
    for method in ("fork", "threads"):
        with pytest.raises(ConfigError, match="start method must be forkserver or spawn"):
            ProcessExecutor(workers=1, start_method=method)


@needs_forkserver
def test_forkserver_workers_start_with_the_model_stack_imported():
    """A forked worker has Mesa before its first task; a spawned one imports it itself."""
    assert _first_task_result("forkserver", MESA_LOADED) is True
    assert _first_task_result("spawn", MESA_LOADED) is False
    described = ProcessExecutor(workers=1, start_method="forkserver").describe()
    assert described["forkserver_preload"] == list(FORKSERVER_PRELOAD)
    assert "model.sim.model" in FORKSERVER_PRELOAD


@needs_forkserver
def test_forkserver_workers_start_with_the_compiled_kernels_loaded():
    """The server's two-day run loads every kernel; a forked worker inherits them ready."""
    assert "model.experiments.forkserver_preload" in FORKSERVER_PRELOAD
    loaded = _first_task_result("forkserver", KERNELS_LOADED)
    assert all(count >= 1 for count in loaded), dict(zip(KERNELS, loaded, strict=True))
    # a spawned worker has none until it runs a model
    assert _first_task_result("spawn", KERNELS_LOADED) == [0] * len(KERNELS)


@needs_forkserver
def test_results_are_bit_identical_on_forkserver_spawn_and_serial():
    tasks = _tasks()
    serial = _run_all(SerialExecutor(), tasks)
    for method in ("forkserver", "spawn"):
        executor = ProcessExecutor(workers=2, start_method=method)
        pooled = _run_all(executor, tasks)
        assert executor.describe()["pool_start_method"] == method
        for replicate, reference in serial.items():
            result = pooled[replicate]
            assert _bits(result.outcomes) == _bits(reference.outcomes), method
            assert isinstance(result.daily, pa.Table)
            assert result.daily.equals(reference.daily), method


@needs_forkserver
def test_a_worker_sees_the_environment_of_its_pool_not_of_the_server(monkeypatch):
    """Variables set after the forkserver started reach the workers, as with spawn."""
    monkeypatch.delenv("STREETWISE_START_PROBE", raising=False)
    assert _first_task_result("forkserver", "1") == 1  # the server runs from here on
    monkeypatch.setenv("STREETWISE_START_PROBE", "set after the server started")
    probe = "__import__('os').environ.get('STREETWISE_START_PROBE')"
    assert _first_task_result("forkserver", probe) == "set after the server started"
    monkeypatch.delenv("STREETWISE_START_PROBE")
    assert _first_task_result("forkserver", probe) is None
    # the package's one-thread defaults still hold in the worker
    assert (
        _first_task_result("forkserver", "__import__('os').environ['OMP_NUM_THREADS']")
        == (os.environ["OMP_NUM_THREADS"])
    )


@needs_forkserver
def test_a_pool_after_the_model_code_changed_uses_spawn(monkeypatch):
    """The server imported the model once; changed sources must not run the old code."""
    executor = ProcessExecutor(workers=1, start_method="forkserver")
    with executor:
        executor._ensure_pool()
        assert executor.pool_start_method == "forkserver"
    monkeypatch.setattr(executors, "model_source_sha256", lambda: "edited since")
    stale = ProcessExecutor(workers=1, start_method="forkserver")
    with stale:
        assert stale._ensure_pool().submit(eval, MESA_LOADED).result(timeout=120) is False
        assert stale.describe()["pool_start_method"] == "spawn"
        assert stale.describe()["start_method"] == "forkserver"


@needs_forkserver
def test_the_forkserver_imports_the_parents_model_even_through_a_changed_sys_path(tmp_path):
    """A ``model`` found through ``sys.path.insert`` (not the installed one) is the workers' too.

    Python before 3.12.8 starts the forkserver without the parent's ``sys.path``; it would
    preload the installed package instead of the copy the parent uses.
    """
    copy = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT / "model", copy / "model", ignore=shutil.ignore_patterns("*.pyc"))
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(copy)!r})
        import model
        from model.experiments.executors import ProcessExecutor
        if __name__ == "__main__":
            executor = ProcessExecutor(workers=1, start_method="forkserver")
            with executor:
                future = executor._ensure_pool().submit(
                    eval, "__import__('model').__file__, 'mesa' in __import__('sys').modules"
                )
                print(model.__file__, *future.result(timeout=120))
        """
    )
    script = tmp_path / "parent.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env,
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    parent, worker, preloaded = done.stdout.split()
    assert parent == str(copy / "model" / "__init__.py")
    assert worker == parent
    assert preloaded == "True"

"""The garbage collector in processes that run models: long-lived objects frozen.

See :mod:`model.experiments.collector`. Freezing changes no result (the executors' own
tests hold every executor to the same outcomes, bit for bit); these tests check that the
objects are frozen where the module says, and unfrozen where it says.
"""

from __future__ import annotations

import gc
import multiprocessing
import subprocess
import sys

import pytest

from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.experiments import collector
from model.experiments.collector import freeze_long_lived, long_lived_frozen
from model.experiments.executors import ProcessExecutor, RunTask, SerialExecutor

HAS_FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()


class Marker:
    """An object whose presence among the collector's tracked objects is easy to test."""


def _tracked(target: object) -> bool:
    return any(obj is target for obj in gc.get_objects())


@pytest.fixture
def nothing_frozen(monkeypatch):
    """Start and end each test with the permanent generation empty, as a fresh process."""
    monkeypatch.setattr(collector, "_frozen_for_good", False)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_moves_live_objects_out_of_the_collectors_walks(nothing_frozen):
    alive = Marker()
    assert _tracked(alive)
    count = freeze_long_lived()
    assert count == gc.get_freeze_count() > 0
    assert not _tracked(alive)  # frozen: no collection walks it
    newer = Marker()
    assert _tracked(newer)  # objects made after the freeze are collected as before


def test_the_block_unfreezes_what_it_froze(nothing_frozen):
    alive = Marker()
    with long_lived_frozen():
        assert gc.get_freeze_count() > 0
        assert not _tracked(alive)
    assert gc.get_freeze_count() == 0
    assert _tracked(alive)


def test_the_block_leaves_a_workers_freeze_in_place(nothing_frozen):
    freeze_long_lived()
    before = gc.get_freeze_count()
    with long_lived_frozen():
        pass
    assert gc.get_freeze_count() == before


def _tasks(seeds: tuple[int, ...]) -> list[RunTask]:
    config = load_scenario(REPO_ROOT / "scenarios" / "baseline.yaml", ["warmup_days=0"])
    return [
        RunTask(arm_index=0, arm="baseline", replicate=i, seed=seed, days=1, config=config)
        for i, seed in enumerate(seeds)
    ]


def test_the_serial_executor_freezes_during_its_runs_only(nothing_frozen):
    alive = Marker()
    runs = SerialExecutor().run(_tasks((5, 6)))
    first = next(runs)
    assert first.status == "ok"
    assert gc.get_freeze_count() > 0 and not _tracked(alive)
    rest = list(runs)
    assert [result.status for result in rest] == ["ok"]
    assert gc.get_freeze_count() == 0 and _tracked(alive)


@pytest.mark.parametrize(
    "start_method",
    [
        pytest.param(
            "forkserver",
            marks=pytest.mark.skipif(not HAS_FORKSERVER, reason="no forkserver here"),
        ),
        "spawn",
    ],
)
def test_a_pool_worker_starts_with_its_objects_frozen(start_method):
    """More objects frozen than a bare interpreter has frozen at its start (CPython's own)."""
    bare = subprocess.run(
        [sys.executable, "-c", "import gc; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
        check=True,
    )
    executor = ProcessExecutor(workers=1, start_method=start_method)
    try:
        frozen = executor._ensure_pool().submit(gc.get_freeze_count).result(timeout=120)
    finally:
        executor.close()
    assert frozen > int(bare.stdout) + 1000

"""One writer per results folder (model/experiments/lock.py), alone and through the CLI.

A second ``streetwise experiment`` on a folder another live process writes is refused with
exit 2 and names that process; a lock left by a dead process is taken over; the lock is gone
when the writer finishes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import yaml
from conftest import SMALL_YAML

from model import cli
from model.config.errors import ConfigError
from model.experiments import lock as lock_module
from model.experiments.lock import LOCK_NAME, ResultsLock, current_owner, is_stale, read_owner


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_lock(folder: Path, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    owner = replace(current_owner(), **fields)
    path = folder / LOCK_NAME
    path.write_text(json.dumps(asdict(owner)), encoding="utf-8")
    return path


def test_lock_is_written_and_removed(tmp_path):
    folder = tmp_path / "out"
    with ResultsLock(folder):
        owner = read_owner(folder / LOCK_NAME)
        assert owner is not None
        assert owner.pid == os.getpid() and owner.host == socket.gethostname()
        assert owner.started_at and owner.command
    assert not (folder / LOCK_NAME).exists()


def test_live_writer_is_refused_and_named(tmp_path):
    folder = tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = write_lock(folder, pid=sleeper.pid, process_start=None, command="streetwise x")
        with pytest.raises(ConfigError) as caught:
            ResultsLock(folder).acquire()
        message = str(caught.value)
        assert f"pid {sleeper.pid}" in message and socket.gethostname() in message
        assert "streetwise x" in message and "another --out" in message
        assert "\n" not in message
        assert path.exists()  # the live writer's lock is left alone
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    folder = tmp_path / "out"
    pid = dead_pid()
    write_lock(folder, pid=pid)
    notes: list[str] = []
    with ResultsLock(folder, say=notes.append):
        assert read_owner(folder / LOCK_NAME).pid == os.getpid()
    assert notes and f"pid {pid}" in notes[0] and "no longer exists" in notes[0]
    assert not list(folder.iterdir())  # nothing left behind, not even the moved-aside lock


def test_reused_pid_is_stale(tmp_path):
    """A live pid whose start time differs from the recorded one is another process."""
    me = current_owner()
    if me.process_start is None:
        pytest.skip("this system does not report process start times")
    assert not is_stale(me)
    assert is_stale(replace(me, process_start=me.process_start + 1))


def test_lock_from_another_host_is_respected(tmp_path):
    folder = tmp_path / "out"
    path = write_lock(folder, pid=dead_pid(), host="some-other-host")
    with pytest.raises(ConfigError, match=r"some-other-host.*if that process is gone, delete"):
        ResultsLock(folder).acquire()
    assert path.exists()


def test_release_leaves_a_lock_that_is_no_longer_ours(tmp_path):
    folder = tmp_path / "out"
    held = ResultsLock(folder)
    held.acquire()
    other = write_lock(folder, pid=12345, started_at="later")
    held.release()
    assert other.exists()


def test_only_one_of_two_takes_over_the_same_stale_lock(tmp_path, monkeypatch):
    """The second taker finds the first one's fresh lock moved aside, restores it, refuses."""
    folder = tmp_path / "out"
    stale = read_owner(write_lock(folder, pid=dead_pid()))
    real_replace = os.replace
    fresh: list = []

    def first_takes_over_in_between(src, dst):
        # between our look at the stale lock and our move, another process takes it over
        Path(src).unlink()
        fresh.append(read_owner(write_lock(folder, pid=1, process_start=None, command="first")))
        return real_replace(src, dst)

    monkeypatch.setattr(lock_module.os, "replace", first_takes_over_in_between)
    monkeypatch.setattr(lock_module, "is_stale", lambda owner: owner == stale)
    with pytest.raises(ConfigError, match=r"another streetwise process is writing.*pid 1 "):
        ResultsLock(folder).acquire()
    assert read_owner(folder / LOCK_NAME) == fresh[0]
    assert not list(folder.glob(f"{LOCK_NAME}.stale.*"))


# --------------------------------------------------------------------------- through the CLI


def small_experiment(folder: Path, days: int = 3, replications: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.yaml").write_text(SMALL_YAML, encoding="utf-8")
    spec = {
        "name": "locked",
        "days": days,
        "base_seed": 7,
        "replications": replications,
        "scenario": "small.yaml",
        "arms": [
            {"name": "baseline"},
            {"name": "points", "overrides": {"policies.points.enabled": True}},
        ],
    }
    path = folder / "locked.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_cli_refuses_a_folder_another_live_process_writes(tmp_path, capsys):
    spec = small_experiment(tmp_path)
    out = tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_lock(out, pid=sleeper.pid, process_start=None)
        code = cli.main(["experiment", str(spec), "--out", str(out), "--executor", "serial"])
        err = capsys.readouterr().err
        assert code == 2
        assert f"pid {sleeper.pid}" in err and err.count("\n") == 1
        assert not (out / "runs").exists()  # nothing ran
    finally:
        sleeper.kill()
        sleeper.wait()


def test_two_real_processes_one_runs_one_refuses(tmp_path):
    """Start a real experiment, then a second one on the same folder while the first runs.

    The first process is paused (SIGSTOP) once its lock file is readable and resumed after the
    second has been refused: a paused process is alive, so the outcome does not depend on how
    fast the first finishes against how fast the second starts (the model outran the start of
    a fresh process once, and the second then found no lock).
    """
    spec = small_experiment(tmp_path, days=30, replications=3)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "model", "experiment", str(spec), "--out", str(out)]
    first = subprocess.Popen(
        [*args, "--executor", "serial"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    paused = False
    try:
        deadline = time.monotonic() + 60
        while read_owner(out / LOCK_NAME) is None and first.poll() is None:
            assert time.monotonic() < deadline, "the first process never took the lock"
            time.sleep(0.005)
        first.send_signal(signal.SIGSTOP)
        paused = True
        if first.poll() is not None:
            pytest.fail(f"the first process ended before a second could start: {first.stderr}")
        assert read_owner(out / LOCK_NAME).pid == first.pid
        second = subprocess.run(
            [*args, "--executor", "serial"], capture_output=True, text=True, cwd=tmp_path
        )
        assert second.returncode == 2, second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        if paused:
            first.send_signal(signal.SIGCONT)
        _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert not (out / LOCK_NAME).exists()
    assert (out / "runs.parquet").is_file()

"""Starting the explorer: ``make explore`` and the tests' server run the same command on
127.0.0.1, and a server that dies is reported at once instead of waited for."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from model.config.paths import REPO_ROOT
from model.explore import serve


def test_make_explore_serves_the_page_on_localhost_and_prints_the_url():
    done = subprocess.run(
        ["make", "--dry-run", "--old-file=venv", "explore", "EXPLORE_PORT=8123"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.replace("\\\n", " ").splitlines()
    assert any("http://127.0.0.1:8123/" in line and line.startswith("echo") for line in lines)
    (words,) = [shlex.split(line) for line in lines if "solara run" in line]
    assignments = [w for w in words if "=" in w and not w.startswith("-")]
    run = words[len(assignments) :]
    assert Path(run[0]).name == "solara" and run[0].startswith(".venv/bin/")
    assert run[1:] == serve.solara_command(8123)[1:]
    assert run[run.index("--host") + 1] == "127.0.0.1"
    # the same environment as the tests' server: one OpenBLAS thread unless one is set
    assert assignments == ["OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}"]
    assert serve.SERVER_ENV == {"OPENBLAS_NUM_THREADS": "1"}


def test_waiting_for_a_server_that_exited_fails_at_once(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        serve.wait_until_serving(f"http://127.0.0.1:{serve.free_port()}/", dead, timeout_s=30)

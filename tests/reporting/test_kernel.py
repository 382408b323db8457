"""The project's Jupyter kernel and ``make lab``: registered in the environment, found by Lab."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from model.config.paths import REPO_ROOT
from model.reporting.kernel import KERNEL_NAME, KernelError, ensure_kernel, lab_command


def test_the_kernel_is_written_into_the_prefix_once(tmp_path: Path, monkeypatch):
    name = f"streetwise-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    assert ensure_kernel(name, prefix=tmp_path) == name
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / name / "kernel.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    assert spec["argv"][0] == sys.executable
    assert spec["display_name"] == "Python (streetwise)"
    before = spec_file.stat().st_mtime_ns
    ensure_kernel(name, prefix=tmp_path)  # already there: nothing rewritten
    assert spec_file.stat().st_mtime_ns == before


def test_a_kernel_of_that_name_running_another_python_is_refused(tmp_path: Path, monkeypatch):
    name = f"streetwise-test-{uuid.uuid4().hex[:8]}"
    shadow = tmp_path / "user" / "kernels" / name
    shadow.mkdir(parents=True)
    (shadow / "kernel.json").write_text(
        json.dumps({"argv": ["/usr/bin/python-elsewhere", "-m", "ipykernel_launcher"]}),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "user"))
    with pytest.raises(KernelError, match="/usr/bin/python-elsewhere"):
        ensure_kernel(name, prefix=tmp_path / "env")


def test_lab_listens_on_localhost_in_the_repository():
    command = lab_command(["--port=1"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ip=127.0.0.1" in command and f"--ServerApp.root_dir={REPO_ROOT}" in command
    assert command[-1] == "--port=1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_notebooks_with_the_project_kernel(tmp_path: Path):
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "model.reporting.kernel",
            "--lab",
            f"--port={port}",
            "--no-browser",
            f"--IdentityProvider.token={token}",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        specs = None
        deadline = time.monotonic() + 90
        while specs is None and time.monotonic() < deadline and lab.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/api/kernelspecs?token={token}") as reply:
                    specs = json.loads(reply.read())
            except OSError:
                time.sleep(0.5)
        assert specs is not None, "JupyterLab did not answer"
        assert KERNEL_NAME in specs["kernelspecs"]
        argv = specs["kernelspecs"][KERNEL_NAME]["spec"]["argv"]
        assert argv[0] == sys.executable
        url = f"{base}/api/contents/notebooks/compare.ipynb?token={token}&content=1"
        with urllib.request.urlopen(url) as reply:
            book = json.loads(reply.read())["content"]
        assert book["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)

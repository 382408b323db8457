"""Start and stop the explorer's solara server (for the browser tests and the benchmark).

``make explore`` runs the same command in the foreground. Both run the server with one
OpenBLAS thread (``SERVER_ENV``): the model's hourly matrix products are tiny, and on a
two-core machine extra BLAS threads only spin against the browser (stepping took twice the
CPU time with them); the results are the same either way (``tests/explore/test_state.py``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from model.config.paths import REPO_ROOT

APP = "model/explore/app.py"
"""The page, relative to the repository root."""

CHROMIUM_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags of the headless chromium that opens the page (browser tests and the benchmark)."""

SERVER_ENV: dict[str, str] = {"OPENBLAS_NUM_THREADS": "1"}
"""Environment the server runs with (a value already set in the environment wins)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def solara_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """``solara run`` of the page in production mode, from this Python's environment.

    The same command as ``make explore``: the page relative to the repository root, where
    the server is started; no browser opened, no look-up of solara's latest version.
    """
    solara = Path(sys.executable).parent / "solara"
    return [
        *(str(solara), "run", APP),
        *("--host", host, "--port", str(port)),
        *("--production", "--no-open", "--no-check-version"),
    ]


def start(port: int, log: Path, host: str = "127.0.0.1") -> subprocess.Popen:
    """Start the server in its own process group, output to ``log``."""
    with log.open("w") as out:
        return subprocess.Popen(
            solara_command(port, host),
            cwd=REPO_ROOT,
            env={**SERVER_ENV, **os.environ},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_serving(url: str, server: subprocess.Popen, timeout_s: float = 180.0) -> None:
    """Return once ``url`` answers 200.

    Raises:
        RuntimeError: the server exited, or did not answer within ``timeout_s`` seconds.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"solara exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"solara did not serve {url} within {timeout_s:.0f} s")


def stop(server: subprocess.Popen) -> None:
    """Stop the server's process group (SIGTERM, then SIGKILL after 20 s)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)

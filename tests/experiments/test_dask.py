"""Experiments on Dask: a real scheduler and two workers on 127.0.0.1, and a LocalCluster."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES as SMALL

from model.cli import main
from model.config.paths import REPO_ROOT
from model.experiments.runner import run_experiment

pytest.importorskip("distributed")

ROOT = REPO_ROOT
DASK = Path(sys.executable).parent / "dask"


def write_spec(folder: Path) -> Path:
    spec = {
        "name": "dasky",
        "days": 8,
        "base_seed": 5,
        "replications": 3,
        "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
        "overrides": SMALL,
        "arms": [
            {"name": "status_quo"},
            {"name": "mini", "overrides": {"policies.mini_program.enabled": True}},
        ],
        "factorial": {"levers": {"policies.points.enabled": [False, True]}},
    }
    path = folder / "dasky.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def stop(process: subprocess.Popen) -> None:
    """Stop a process this fixture started: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory):
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; yields the address."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("w")
    processes = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert processes[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.1)
        for i in range(2):
            processes.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        "--scheduler-file",
                        str(scheduler_file),
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--local-directory",
                        str(folder / f"worker{i}"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=folder,
                )
            )
        with Client(scheduler_file=str(scheduler_file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
            address = client.scheduler.address
        yield address
    finally:
        for process in reversed(processes):
            stop(process)
        log.close()


@pytest.fixture(scope="module")
def serial_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    spec = write_spec(folder)
    out = folder / "serial"
    run_experiment(spec, executor="serial", out=out, quiet=True)
    return spec, out


def assert_same_tables(a: Path, b: Path) -> None:
    for name in ("runs.parquet", "daily.parquet"):
        left = pd.read_parquet(a / name)
        right = pd.read_parquet(b / name)
        if name == "runs.parquet":
            left, right = left.drop(columns="wall_seconds"), right.drop(columns="wall_seconds")
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    assert (a / "daily.parquet").read_bytes() == (b / "daily.parquet").read_bytes()


def test_dask_cluster_by_address_matches_serial(dask_scheduler, serial_reference, capsys):
    spec, reference = serial_reference
    out = reference.parent / "dask"
    code = main(["experiment", str(spec), "--out", str(out), "--scheduler", dask_scheduler])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"executor dask at {dask_scheduler} (2 workers)" in captured.out
    assert_same_tables(reference, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"]["kind"] == "dask"
    assert manifest["executor"]["workers"] == 2
    assert manifest["executor"]["local_cluster"] is False
    assert manifest["executor"]["workers_with_other_code"] == []
    # resuming on the cluster: nothing to do
    assert main(["experiment", str(spec), "--out", str(out), "--scheduler", dask_scheduler]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_dask_local_cluster_matches_serial(serial_reference, capsys):
    spec, reference = serial_reference
    out = reference.parent / "local"
    code = main(
        ["experiment", str(spec), "--out", str(out), "--executor", "dask", "--workers", "2"]
    )
    assert code == 0, capsys.readouterr().err
    assert_same_tables(reference, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"]["local_cluster"] is True


def test_unreachable_scheduler_exits_2(tmp_path, capsys):
    import dask

    spec = write_spec(tmp_path)
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        args = ["experiment", str(spec), "--out", str(tmp_path / "out")]
        code = main([*args, "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in capsys.readouterr().err

"""Failure injection for the results store: writes that fail halfway, kills inside a write,
truncated run files, and the mode of every result file.

The resume guarantee rests on every file being written to a temporary name and renamed into
place. A kill rarely lands inside a write by chance, so these tests make the write fail (or
the process die) at each step on purpose: before the data is whole, at ``fsync``, at the
mode change and at the rename. Each time the old file must stay intact under its name and
no temporary file may remain (a killed process cannot clean up, so there the next session
must). A results folder with a damaged run resumes by redoing exactly that run.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import EXPERIMENT_OVERRIDES, SMALL_YAML

from model.cli import main
from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.experiments import store
from model.experiments.store import (
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_parquet,
    atomic_write_parquet_tables,
    check_writable_dir,
    is_complete_parquet,
    write_run,
)

OLD = b"the old content\n"


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def folder_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class DiskFullError(OSError):
    def __init__(self) -> None:
        super().__init__(errno.ENOSPC, "No space left on device (injected)")


def fail_with(error: BaseException):
    def fail(*args, **kwargs):
        raise error

    return fail


class HalfWriter:
    """A file handle that writes half of what it is given, then fails (a full disk)."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise DiskFullError()

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


def inject(monkeypatch, step: str, error: BaseException) -> None:
    """Make the atomic write fail at ``step``."""
    if step == "write":
        real = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWriter(real(fd, *a, **k)))
    else:
        monkeypatch.setattr(os, step, fail_with(error))


STEPS = ["write", "fsync", "chmod", "replace"]
ERRORS = [DiskFullError(), KeyboardInterrupt()]


# --------------------------------------------------------------------------- single writes


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("error", ERRORS, ids=["oserror", "interrupt"])
def test_failed_write_keeps_the_old_file_and_leaves_no_stray(tmp_path, monkeypatch, step, error):
    target = tmp_path / "r00001.json"
    target.write_bytes(OLD)
    inject(monkeypatch, step, error)
    expected = DiskFullError if step == "write" else type(error)
    with pytest.raises(expected):
        atomic_write_json(target, {"status": "ok", "outcomes": {"x": 1.0}})
    monkeypatch.undo()
    assert target.read_bytes() == OLD
    assert folder_files(tmp_path) == ["r00001.json"]


@pytest.mark.parametrize("step", STEPS)
def test_failed_first_write_leaves_nothing(tmp_path, monkeypatch, step):
    target = tmp_path / "new" / "r00001.daily.parquet"
    inject(monkeypatch, step, DiskFullError())
    with pytest.raises(DiskFullError):
        atomic_write_parquet(target, pa.table({"day": [0, 1, 2]}))
    monkeypatch.undo()
    assert folder_files(target.parent) == []


def big_tables(fail_after: int | None = None):
    """Twelve tables of 10,000 rows, failing before table ``fail_after`` if asked."""
    for i in range(12):
        if fail_after is not None and i == fail_after:
            raise DiskFullError()
        yield pa.table({"day": pa.array(range(i * 10_000, (i + 1) * 10_000), type=pa.int64())})


@pytest.mark.parametrize("step", ["tables", "fsync", "chmod", "replace"])
def test_failed_stream_write_keeps_the_old_file(tmp_path, monkeypatch, step):
    target = tmp_path / "daily.parquet"
    schema = pa.schema([("day", pa.int64())])
    atomic_write_parquet(target, pa.table({"day": pa.array([7], type=pa.int64())}))
    before = target.read_bytes()
    if step == "tables":
        tables = big_tables(fail_after=9)  # one row group of 65,536 rows is already written
    else:
        tables = big_tables()
        inject(monkeypatch, step, DiskFullError())
    with pytest.raises(DiskFullError):
        atomic_write_parquet_tables(target, schema, tables)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert folder_files(tmp_path) == ["daily.parquet"]
    assert pq.read_table(target).column("day").to_pylist() == [7]


def test_stream_write_writes_every_row(tmp_path, umask_022):
    target = tmp_path / "daily.parquet"
    rows = atomic_write_parquet_tables(target, pa.schema([("day", pa.int64())]), big_tables())
    assert rows == 120_000
    assert pq.read_table(target).column("day").to_pylist() == list(range(120_000))
    assert folder_files(tmp_path) == ["daily.parquet"]


KILL_INSIDE_THE_WRITE = """
import os, signal, sys
from model.experiments import store
os.{step} = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
{call}
"""


@pytest.mark.parametrize("step", ["fsync", "replace"])
@pytest.mark.parametrize("writer", ["json", "stream"])
def test_killed_inside_a_write_keeps_the_old_file(tmp_path, step, writer):
    target = tmp_path / ("r00001.json" if writer == "json" else "daily.parquet")
    target.write_bytes(OLD)
    call = (
        f"store.atomic_write_json({str(target)!r}, {{'status': 'ok'}})"
        if writer == "json"
        else "import pyarrow as pa; "
        f"store.atomic_write_parquet_tables({str(target)!r}, pa.schema([('day', pa.int64())]), "
        "[pa.table({'day': pa.array([1, 2], type=pa.int64())})])"
    )
    script = KILL_INSIDE_THE_WRITE.format(step=step, call=call)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert target.read_bytes() == OLD
    # the killed process could not clean up: its temporary file is all that is left over
    strays = [name for name in folder_files(tmp_path) if name != target.name]
    assert len(strays) == 1 and strays[0].startswith(f".{target.name}.")
    assert strays[0].endswith(".tmp")


def test_is_complete_parquet(tmp_path):
    whole = tmp_path / "whole.parquet"
    atomic_write_parquet(whole, pa.table({"day": list(range(100))}))
    assert is_complete_parquet(whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert not is_complete_parquet(cut)
    (tmp_path / "empty.parquet").write_bytes(b"")
    assert not is_complete_parquet(tmp_path / "empty.parquet")
    assert not is_complete_parquet(tmp_path / "missing.parquet")
    assert not is_complete_parquet(tmp_path)


# --------------------------------------------------------------------------- what is written


def test_the_temporary_file_is_a_hidden_sibling(tmp_path, monkeypatch):
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renames.append((a, b)), real_replace(a, b)))
    target = tmp_path / "deep" / "er" / "r00001.json"  # missing folders are created
    atomic_write_bytes(target, b"{}")
    atomic_write_parquet_tables(tmp_path / "daily.parquet", pa.schema([("x", pa.int64())]), [])
    for source, final in renames:
        source, final = Path(source), Path(final)
        assert source.parent == final.parent  # the same folder, so the rename is atomic
        assert source.name.startswith(f".{final.name}.") and source.name.endswith(".tmp")
    assert target.read_bytes() == b"{}"


def test_json_is_indented_utf8_with_nan_and_infinity_as_null(tmp_path):
    target = tmp_path / "outcomes.json"
    data = {"街道": "社区", "share": math.nan, "list": [1.5, math.inf, {"x": -math.inf}],
            "pair": (2, math.nan), "kept": 0.25}  # fmt: skip
    atomic_write_json(target, data)
    expected = (
        '{\n  "街道": "社区",\n  "share": null,\n  "list": [\n    1.5,\n    null,\n'
        '    {\n      "x": null\n    }\n  ],\n  "pair": [\n    2,\n    null\n  ],\n'
        '  "kept": 0.25\n}\n'
    )
    assert target.read_bytes() == expected.encode("utf-8")


def test_parquet_is_reproducible_compressed_and_self_describing(tmp_path):
    table = pa.table({"day": pa.array(range(1000), type=pa.int64()), "x": [0.5] * 1000})
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    atomic_write_parquet(first, table)
    atomic_write_parquet(second, table)
    assert first.read_bytes() == second.read_bytes()
    meta = pq.read_metadata(first)
    column = meta.row_group(0).column(0)
    assert column.compression == "ZSTD"
    assert column.statistics is not None and column.statistics.max == 999
    assert b"ARROW:schema" in meta.metadata
    assert pq.read_table(first).equals(table)


def test_stream_row_groups_follow_the_buffer_size(tmp_path):
    target = tmp_path / "daily.parquet"
    atomic_write_parquet_tables(target, pa.schema([("day", pa.int64())]), big_tables())
    meta = pq.read_metadata(target)
    assert meta.row_group(0).num_rows == 65_536  # the default row group
    assert meta.num_rows == 120_000
    schema = pa.schema([("day", pa.int64())])
    tables = (pa.table({"day": pa.array([i] * 30, type=pa.int64())}) for i in range(10))
    assert atomic_write_parquet_tables(target, schema, tables, row_group_rows=100) == 300
    meta = pq.read_metadata(target)
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert groups == [100, 20, 100, 20, 60]  # flushed at 120 rows buffered, then the rest
    # a buffer of exactly row_group_rows is flushed at once, into one group
    tables = (pa.table({"day": pa.array([i] * 25, type=pa.int64())}) for i in range(8))
    nested = tmp_path / "new" / "folder" / "daily.parquet"  # missing folders are created
    assert atomic_write_parquet_tables(nested, schema, tables, row_group_rows=50) == 200
    meta = pq.read_metadata(nested)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [50] * 4
    column = meta.row_group(0).column(0)
    assert column.compression == "ZSTD" and column.statistics is not None
    assert b"ARROW:schema" in meta.metadata


def test_write_run_writes_every_file(tmp_path, umask_022):
    output = SimpleNamespace(
        outcomes={"issues_total": 3.0, "median_hours_to_fix": math.nan},
        daily=pa.table({"day": [0, 1]}),
        issues=pa.table({"issue_id": [0, 1, 2]}),
        reports=pa.table({"time": [1.5]}),
        workers=pa.table({"worker_id": [7]}),
    )
    out = tmp_path / "nested" / "run"
    config = ScenarioConfig()
    write_run(out, config, output, seed=42, days=9)
    names = {"outcomes.json", "daily.parquet", "issues.parquet", "reports.parquet",
             "workers.parquet", "config.json"}  # fmt: skip
    assert {p.name for p in out.iterdir()} == names
    assert json.loads((out / "outcomes.json").read_text(encoding="utf-8")) == {
        "issues_total": 3.0,
        "median_hours_to_fix": None,
    }
    written = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert written == {**config.resolved(), "days": 9, "seed": 42}
    for name in ("daily", "issues", "reports", "workers"):
        assert pq.read_table(out / f"{name}.parquet").equals(getattr(output, name)), name
    # writing again into the same folder replaces the files
    output.outcomes = {"issues_total": 4.0}
    write_run(out, config, output, seed=43, days=9)
    assert json.loads((out / "outcomes.json").read_text(encoding="utf-8")) == {"issues_total": 4.0}
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["seed"] == 43


def test_check_writable_dir(tmp_path, monkeypatch):
    check_writable_dir(tmp_path / "new" / "folder")  # created later: its parent is writable
    check_writable_dir(tmp_path)
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    with pytest.raises(ConfigError, match="taken: --out must be a folder, but a file is there"):
        check_writable_dir(tmp_path / "taken")
    asked = []
    monkeypatch.setattr(os, "access", lambda path, mode: asked.append(Path(path)) or False)
    with pytest.raises(ConfigError, match="new/folder: --out folder is not writable"):
        check_writable_dir(tmp_path / "new" / "folder")
    assert asked == [tmp_path]  # the nearest folder that exists
    asked.clear()
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(ConfigError, match="existing: --out folder is not writable"):
        check_writable_dir(existing)
    assert asked == [existing]  # an existing folder is checked itself, not its parent


def test_umask_is_read_without_changing_it_also_without_proc(tmp_path, monkeypatch):
    old = os.umask(0o027)
    try:
        assert store.result_file_mode() == 0o640

        def no_proc(self, *args, **kwargs):
            raise OSError("no /proc here")

        monkeypatch.setattr(Path, "read_text", no_proc)
        assert store.result_file_mode() == 0o640
        monkeypatch.undo()
        assert os.umask(0o027) == 0o027  # left as it was
    finally:
        os.umask(old)


# --------------------------------------------------------------------------- file modes


def test_result_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert store.result_file_mode() == 0o640
        atomic_write_bytes(tmp_path / "a.json", b"{}")
        atomic_write_parquet_tables(
            tmp_path / "b.parquet", pa.schema([("x", pa.int64())]), iter(())
        )
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.json") == 0o640
    assert mode(tmp_path / "b.parquet") == 0o640
    assert os.umask(old) == old  # reading the umask left it as it was


def test_every_file_of_a_run_is_0644(tmp_path, umask_022, capsys):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL_YAML, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--days", "2", "--out", str(out)]) == 0
    files = sorted(out.iterdir())
    assert {p.name for p in files} >= {"outcomes.json", "daily.parquet", "config.json"}
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o644) for p in files}


# --------------------------------------------------------------------------- experiments


def write_spec(folder: Path) -> Path:
    spec = {
        "name": "store_failures",
        "days": 3,
        "base_seed": 5,
        "replications": 2,
        "reference": "status_quo",
        "scenario": str(REPO_ROOT / "scenarios" / "baseline.yaml"),
        "overrides": dict(EXPERIMENT_OVERRIDES),
        "arms": [
            {"name": "status_quo"},
            {"name": "points", "overrides": {"policies.points.enabled": True}},
        ],
    }
    path = folder / "store_failures.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def experiment(spec: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["experiment", str(spec), "--out", str(out), "--executor", "serial"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished two-arm, two-replicate experiment of three days (written under umask 022)."""
    folder = tmp_path_factory.mktemp("store_failures")
    spec = write_spec(folder)
    out = folder / "out"
    old = os.umask(0o022)
    try:
        code = main(["experiment", str(spec), "--out", str(out), "--executor", "serial", "--quiet"])
    finally:
        os.umask(old)
    assert code == 0
    return spec, out


def run_files(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted((out / "runs").rglob("*"))
        if p.is_file()
    }


def copy_of(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, copy_function=shutil.copy2)
    return copy


def assert_same_tables(a: Path, b: Path) -> None:
    for name in ("runs.parquet", "daily.parquet"):
        left, right = pd.read_parquet(a / name), pd.read_parquet(b / name)
        if name == "runs.parquet":
            left, right = left.drop(columns="wall_seconds"), right.drop(columns="wall_seconds")
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def assert_redone_exactly(copy: Path, before: dict, redone: str, log: str) -> None:
    assert "3 of 4 already done" in log
    assert "(1 run now)" in log
    after = run_files(copy)
    kept = {name for name in before if not name.endswith(".tmp")}
    assert set(after) >= kept
    changed = {name for name in after if after[name] != before.get(name)}
    # the redone run's files are written anew; every other run's files are untouched
    assert changed and all(name.startswith(redone) for name in changed), changed
    assert not list(copy.rglob("*.tmp"))


def test_every_result_file_of_an_experiment_is_0644(finished):
    _, out = finished
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"runs.parquet", "daily.parquet", "manifest.json"}
    assert {str(p): oct(mode(p)) for p in files} == {str(p): oct(0o644) for p in files}


def test_truncated_run_record_redoes_exactly_that_run(finished, tmp_path, capsys):
    spec, out = finished
    copy = copy_of(out, tmp_path)
    marker = copy / "runs" / "a001" / "r00001.json"
    marker.write_bytes(marker.read_bytes()[:200])
    before = run_files(copy)
    code, log = experiment(spec, copy, capsys)
    assert code == 0, log
    assert_redone_exactly(copy, before, "runs/a001/r00001", log)
    assert json.loads(marker.read_text(encoding="utf-8"))["status"] == "ok"
    assert_same_tables(out, copy)


def test_killed_while_storing_a_run_redoes_exactly_that_run(finished, tmp_path, capsys):
    spec, out = finished
    copy = copy_of(out, tmp_path)
    marker = copy / "runs" / "a000" / "r00001.json"
    record = marker.read_text(encoding="utf-8")
    marker.unlink()
    # the session storing this run dies inside the write of its record (at fsync)
    script = KILL_INSIDE_THE_WRITE.format(
        step="fsync",
        call=f"import json; store.atomic_write_json({str(marker)!r}, json.loads({record!r}))",
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True)
    assert done.returncode == -signal.SIGKILL
    assert not marker.exists() and list(marker.parent.glob(".r00001.json.*.tmp"))
    before = run_files(copy)
    code, log = experiment(spec, copy, capsys)
    assert code == 0, log
    assert_redone_exactly(copy, before, "runs/a000/r00001", log)
    assert_same_tables(out, copy)


def test_failed_write_while_storing_a_run_redoes_exactly_that_run(
    finished, tmp_path, capsys, monkeypatch
):
    spec, out = finished
    copy = copy_of(out, tmp_path)
    for path in (copy / "runs" / "a001").glob("r00000.*"):
        path.unlink()
    real_replace = os.replace

    def disk_full_for_one_run(source, target, *args, **kwargs):
        if str(target).endswith("a001/r00000.json"):
            raise DiskFullError()
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", disk_full_for_one_run)
    code, log = experiment(spec, copy, capsys)
    assert code == 1 and "No space left on device" in log
    monkeypatch.undo()
    assert not (copy / "runs" / "a001" / "r00000.json").exists()
    assert not list(copy.rglob("*.tmp"))
    before = run_files(copy)
    code, log = experiment(spec, copy, capsys)
    assert code == 0, log
    assert "3 of 4 already done" in log and "(1 run now)" in log
    after = run_files(copy)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed and all(name.startswith("runs/a001/r00000") for name in changed), changed
    assert_same_tables(out, copy)


def test_truncated_run_table_redoes_exactly_that_run(finished, tmp_path, capsys):
    spec, out = finished
    copy = copy_of(out, tmp_path)
    daily = copy / "runs" / "a000" / "r00000.daily.parquet"
    daily.write_bytes(daily.read_bytes()[:100])
    (copy / "daily.parquet").unlink()  # the stacked table is rebuilt from the run files
    before = run_files(copy)
    code, log = experiment(spec, copy, capsys)
    assert code == 0, log
    assert_redone_exactly(copy, before, "runs/a000/r00000", log)
    assert is_complete_parquet(daily)
    assert_same_tables(out, copy)

"""Writing results: atomic JSON and Parquet files.

Every file is written to a temporary name in the same folder and renamed into place
(``os.replace``), so a crash never leaves a half-written file under the final name.
Parquet files are written without timestamps or varying metadata, so the same data gives
the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from model.config.errors import ConfigError
from model.config.scenario import ScenarioConfig


def _clean(value: Any) -> Any:
    """JSON-ready value: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)  # elsewhere: set and restore (022 meanwhile, never 0)
    os.umask(umask)
    return umask


def result_file_mode() -> int:
    """Mode of a written result file: 0666 less the umask (0644 under the usual umask 022).

    That is the mode an ordinary ``open`` would give it: read-write for the owner, readable
    for all. The temporary file of an atomic write is created private (0600), so it is set to this
    mode before the rename.
    """
    return 0o666 & ~_umask()


def _publish(tmp: str, path: Path) -> None:
    """Give the finished temporary file its final mode and rename it onto ``path``."""
    os.chmod(tmp, result_file_mode())
    os.replace(tmp, path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename).

    On any failure (including an interrupt) the temporary file is removed and ``path`` keeps
    its old content (or stays absent).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (NaN as null, keys in insertion order)."""
    text = json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    """Write an Arrow table as Parquet, atomically and reproducibly."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True, store_schema=True)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def is_complete_parquet(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file (present, its footer readable).

    A file cut short (a copy interrupted, a full disk outside these atomic writes) is not: a
    results folder must treat the run it belongs to as not done.
    """
    try:
        pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return False
    return True


def check_writable_dir(path: Path) -> None:
    """Fail early (exit 2) if ``path`` cannot be a results folder.

    Raises:
        ConfigError: the path exists and is not a folder, or cannot be created.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path}: --out must be a folder, but a file is there")
    parent = path if path.exists() else path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"{path}: --out folder is not writable")


def write_run(out: Path, config: ScenarioConfig, output, *, seed: int, days: int) -> None:
    """Write one run's results to ``out``.

    Files: ``outcomes.json`` (the contract outcomes), ``daily.parquet``,
    ``issues.parquet``, ``reports.parquet`` (one row per report), ``workers.parquet`` (one
    row per worker ever present) and ``config.json`` (the resolved configuration with the
    seed and horizon).

    Args:
        out: results folder (created if missing).
        config: the resolved configuration.
        output: a :class:`model.sim.output.RunOutput`.
        seed: the run seed.
        days: the horizon in days.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_parquet(out / "daily.parquet", output.daily)
    atomic_write_parquet(out / "issues.parquet", output.issues)
    atomic_write_parquet(out / "reports.parquet", output.reports)
    atomic_write_parquet(out / "workers.parquet", output.workers)
    atomic_write_json(out / "config.json", {**config.resolved(), "days": days, "seed": seed})
    atomic_write_json(out / "outcomes.json", output.outcomes)


def atomic_write_parquet_tables(
    path: Path,
    schema: pa.Schema,
    tables: Iterable[pa.Table],
    *,
    row_group_rows: int = 65536,
) -> int:
    """Write a stream of tables as one Parquet file, atomically and reproducibly.

    The tables are written one after another (memory holds about one row group, not the
    whole file), to a temporary file in the same folder that is renamed into place at the
    end; a crash leaves the old file (or none) under the final name. The same tables give
    the same bytes. The file gets the mode of :func:`result_file_mode`.

    Args:
        path: the Parquet file to write.
        schema: schema of the file; every table must have exactly these columns and types.
        tables: the tables, in file order.
        row_group_rows: rows buffered per row group.

    Returns:
        The number of rows written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    rows = 0
    try:
        with pq.ParquetWriter(
            tmp, schema, compression="zstd", write_statistics=True, store_schema=True
        ) as writer:
            buffer: list[pa.Table] = []
            buffered = 0
            for table in tables:
                buffer.append(table)
                buffered += table.num_rows
                if buffered >= row_group_rows:
                    writer.write_table(pa.concat_tables(buffer), row_group_size=row_group_rows)
                    rows += buffered
                    buffer, buffered = [], 0
            if buffer:
                writer.write_table(pa.concat_tables(buffer), row_group_size=row_group_rows)
                rows += buffered
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows

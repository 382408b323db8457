"""The results folder of an experiment: per-run files, consolidated tables, reopening.

Results directory (default ``results/<experiment name>/``):

- ``runs/aAAA/rRRRRR.json`` (+ ``.daily.parquet``, ``.issues.parquet``,
  ``.workers.parquet``): one set per run, written atomically as the run finishes; the JSON
  file is written last and marks the run as done. A killed experiment loses at most the
  runs that were in flight.
- ``runs.parquet``: one row per run, ordered by arm (file order) then replicate: ``arm``,
  ``replicate``, ``seed``, ``scenario``, one column per lever, every outcome, ``status``
  (``ok`` | ``error``), ``error`` (one line, null when ok) and ``wall_seconds``. A lever
  column's value is the arm's *resolved* value (so the status-quo arm shows ``false`` where
  another arm sets ``true``). ``wall_seconds`` is the only column that depends on the
  machine: compare tables without it. An experiment with sampled worlds
  (:mod:`model.experiments.worlds`) adds ``policy`` (the listed arm) and ``world`` (the
  design row) after ``arm`` (``baseline@w0007``), and every sampled parameter is a lever
  column holding the world's value; rows run world by world, listed arms in order.
- ``daily.parquet``: ``arm``, ``replicate`` and the daily series of every successful run.
- ``issues.parquet`` and ``workers.parquet``: the issue logs and worker rosters, with
  ``--keep-issue-logs`` only.
- ``manifest.json``: provenance (:mod:`model.experiments.provenance`).

A directory holding a different experiment (other horizon, base seed, arms or arm
configurations) is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.analysis.paired import paired_differences
from model.config.errors import ConfigError
from model.experiments.design import Experiment
from model.experiments.executors import RunResult
from model.experiments.provenance import utc_now
from model.experiments.store import (
    atomic_write_json,
    atomic_write_parquet,
    atomic_write_parquet_tables,
    is_complete_parquet,
)
from model.outcomes.contract import OUTCOME_NAMES

# --------------------------------------------------------------------------- results folder


class ResultsDir:
    """The files of one experiment's results folder.

    Args:
        out: the folder.
        experiment: the experiment the folder holds (or is to hold).
    """

    def __init__(self, out: Path, experiment: Experiment) -> None:
        """Name the paths; nothing is read or written yet."""
        self.out = Path(out)
        self.experiment = experiment
        self.runs_dir = self.out / "runs"
        self.manifest_path = self.out / "manifest.json"

    def marker(self, arm: int, replicate: int) -> Path:
        """The JSON record of a run (written last: its presence means the run is stored)."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.json"

    def daily_file(self, arm: int, replicate: int) -> Path:
        """The daily series of a run."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.daily.parquet"

    def issues_file(self, arm: int, replicate: int) -> Path:
        """The issue log of a run."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.issues.parquet"

    def workers_file(self, arm: int, replicate: int) -> Path:
        """The worker roster of a run."""
        return self.runs_dir / f"a{arm:03d}" / f"r{replicate:05d}.workers.parquet"

    def previous_manifest(self) -> dict[str, Any] | None:
        """The stored manifest, after checking the folder holds this experiment.

        Raises:
            ConfigError: the folder holds another experiment, or is not a results folder.
        """
        if not self.out.exists():
            return None
        if not any(
            not (p.name.startswith(".") and p.name.endswith(".tmp")) for p in self.out.iterdir()
        ):
            return None  # empty, or only a temporary file of a process killed at once
        if not self.manifest_path.is_file():
            raise ConfigError(
                f"{self.out}: not empty and has no manifest.json; choose another --out"
            )
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            stored = manifest["identity"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(
                f"{self.out}/manifest.json: unreadable; choose another --out"
            ) from None
        if manifest.get("fingerprint") != self.experiment.fingerprint:
            raise ConfigError(
                f"{self.out}: holds results of a different experiment "
                f"({_difference(stored, self.experiment.identity)}); "
                "use another --out or remove the folder"
            )
        return manifest

    def clean_temporary(self) -> None:
        """Remove temporary files a killed process left behind."""
        for folder in (self.out, *self.runs_dir.glob("a*")):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def scan(self) -> dict[tuple[int, int], dict[str, Any]]:
        """Records of the stored runs, keyed by (arm index, replicate)."""
        records: dict[tuple[int, int], dict[str, Any]] = {}
        for arm in self.experiment.arms:
            folder = self.runs_dir / f"a{arm.index:03d}"
            for path in sorted(folder.glob("r*.json")):
                try:
                    record = json.loads(path.read_text(encoding="utf-8"))
                    key = (int(record["arm_index"]), int(record["replicate"]))
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                if key[0] == arm.index and record.get("arm") == arm.name:
                    records[key] = record
        return records

    def is_done(self, record: dict[str, Any] | None, keep_issue_logs: bool) -> bool:
        """A stored run that need not run again (ok, with the files it should have)."""
        if record is None or record.get("status") != "ok":
            return False
        arm, replicate = record["arm_index"], record["replicate"]
        if record.get("seed") != self.experiment.seed(replicate):
            return False
        tables = [self.daily_file(arm, replicate)]
        if keep_issue_logs:
            tables += [self.issues_file(arm, replicate), self.workers_file(arm, replicate)]
        # whole files only: a table cut short (footer unreadable) means the run is redone
        return all(is_complete_parquet(path) for path in tables)

    def save(self, result: RunResult) -> dict[str, Any]:
        """Store one run atomically (tables first, the JSON record last)."""
        arm, replicate = result.arm_index, result.replicate
        if result.daily is not None:
            atomic_write_parquet(self.daily_file(arm, replicate), result.daily)
        if result.issues is not None:
            atomic_write_parquet(self.issues_file(arm, replicate), result.issues)
        if result.workers is not None:
            atomic_write_parquet(self.workers_file(arm, replicate), result.workers)
        record = {
            "arm": result.arm,
            "arm_index": arm,
            "replicate": replicate,
            "seed": result.seed,
            "status": result.status,
            "error": result.error,
            "wall_seconds": result.wall_seconds,
            "outcomes": result.outcomes,
            "issue_log": result.issues is not None,
            "finished_at": utc_now(),
            "traceback": result.traceback,
        }
        marker = self.marker(arm, replicate)
        atomic_write_json(marker, record)
        # read back: the record in memory is exactly what a resumed session will scan
        return json.loads(marker.read_text(encoding="utf-8"))


def _difference(stored: dict[str, Any], current: dict[str, Any]) -> str:
    for key in ("days", "base_seed"):
        if stored.get(key) != current.get(key):
            return f"{key} {stored.get(key)} there, {current.get(key)} here"
    old = [a["name"] for a in stored.get("arms", [])]
    new = [a["name"] for a in current["arms"]]
    if old != new:
        return f"arms {', '.join(old)} there, {', '.join(new)} here"
    for before, now in zip(stored["arms"], current["arms"], strict=True):
        if before.get("config_sha256") != now["config_sha256"]:
            return f"the configuration of arm {now['name']!r} changed"
    return "different identity"


# --------------------------------------------------------------------------- tables


def _lever_array(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if all(isinstance(v, str) for v in present):
        return pa.array(values, type=pa.string())
    return pa.array(
        [None if v is None else json.dumps(v, sort_keys=True) for v in values], type=pa.string()
    )


def runs_table(experiment: Experiment, records: Sequence[dict[str, Any]]) -> pa.Table:
    """The ``runs.parquet`` table of the given run records (kept in the given order)."""
    arms = experiment.arms
    by_arm = [arms[r["arm_index"]] for r in records]
    columns: dict[str, pa.Array] = {"arm": pa.array([r["arm"] for r in records], type=pa.string())}
    if experiment.worlds is not None:
        columns["policy"] = pa.array([a.policy for a in by_arm], type=pa.string())
        columns["world"] = pa.array([a.world for a in by_arm], type=pa.int64())
    columns |= {
        "replicate": pa.array([r["replicate"] for r in records], type=pa.int64()),
        "seed": pa.array([r["seed"] for r in records], type=pa.int64()),
        "scenario": pa.array([a.scenario for a in by_arm], type=pa.string()),
    }
    for key in experiment.lever_keys:
        columns[key] = _lever_array([a.value(key) for a in by_arm])
    for name in OUTCOME_NAMES:
        values = [(r.get("outcomes") or {}).get(name) for r in records]
        columns[name] = pa.array(
            [None if v is None else float(v) for v in values], type=pa.float64()
        )
    columns["status"] = pa.array([r["status"] for r in records], type=pa.string())
    columns["error"] = pa.array([r.get("error") for r in records], type=pa.string())
    columns["wall_seconds"] = pa.array(
        [float(r.get("wall_seconds") or 0.0) for r in records], type=pa.float64()
    )
    return pa.table(columns)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def write_stacked(
    path: Path,
    records: Sequence[dict[str, Any]],
    file_of: Callable[[int, int], Path],
    first_column: str,
) -> None:
    """Stack the per-run tables of ``records`` (arm, replicate first) into one Parquet file."""
    parts = [
        (rec["arm"], rec["replicate"], file_of(rec["arm_index"], rec["replicate"]))
        for rec in records
    ]
    schema, tables = _stacked(parts, first_column)
    atomic_write_parquet_tables(path, schema, tables)


def _stacked(
    files: Sequence[tuple[str, int, Path]], first: str
) -> tuple[pa.Schema, Iterator[pa.Table]]:
    """Schema and stream of per-run tables with ``arm`` and ``replicate`` columns prepended."""
    schemas = [pq.read_schema(path) for _, _, path in files]
    body = (
        pa.unify_schemas(schemas, promote_options="permissive")
        if schemas
        else pa.schema([(first, pa.int64())])
    )
    body = pa.schema([f.remove_metadata() for f in body]).remove_metadata()
    schema = pa.schema([("arm", pa.string()), ("replicate", pa.int64()), *body])

    def tables() -> Iterator[pa.Table]:
        for arm, replicate, path in files:
            table = _conform(pq.read_table(path), body)
            n = table.num_rows
            table = table.add_column(0, "replicate", pa.array([replicate] * n, type=pa.int64()))
            table = table.add_column(0, "arm", pa.array([arm] * n, type=pa.string()))
            yield table.replace_schema_metadata(None)

    return schema, tables()


# --------------------------------------------------------------------------- results object


class ExperimentResult:
    """The tables of a results folder as pandas DataFrames (read when first used).

    Attributes:
        out: the results folder.
    """

    def __init__(self, out: str | Path) -> None:
        """Point at a results folder written by :func:`run_experiment`."""
        self.out = Path(out)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``."""
        return json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))

    @cached_property
    def runs(self) -> pd.DataFrame:
        """``runs.parquet``: one row per run."""
        return pd.read_parquet(self.out / "runs.parquet")

    @cached_property
    def daily(self) -> pd.DataFrame:
        """``daily.parquet``: the daily series of every successful run."""
        return pd.read_parquet(self.out / "daily.parquet")

    @cached_property
    def issues(self) -> pd.DataFrame | None:
        """``issues.parquet`` (issue logs), or None when they were not kept."""
        path = self.out / "issues.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    @cached_property
    def workers(self) -> pd.DataFrame | None:
        """``workers.parquet`` (worker rosters), or None when they were not kept."""
        path = self.out / "workers.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    @property
    def reference(self) -> str:
        """Name of the reference arm."""
        return self.manifest["reference"]

    @property
    def failures(self) -> pd.DataFrame:
        """The runs that failed (arm, replicate, seed, error)."""
        failed = self.runs[self.runs["status"] != "ok"]
        return failed[["arm", "replicate", "seed", "error"]].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """True when every run succeeded."""
        return bool((self.runs["status"] == "ok").all())

    def differences(self, outcome: str, reference: str | None = None) -> pd.DataFrame:
        """Paired (CRN) differences of every arm from the reference with 95 % intervals.

        With sampled worlds, arms are the listed arms (``policy``) and a pair is one
        replicate in one world: the mean difference over the sampled worlds, its interval
        spanning the spread between worlds as well as the run-to-run noise.
        """
        confidence = (self.manifest.get("precision") or {}).get("confidence", 0.95)
        runs = self.runs
        if "world" in runs.columns and "policy" in runs.columns:
            runs = runs.assign(
                pair=runs["world"] * (int(runs["replicate"].max()) + 1) + runs["replicate"]
            )
            return paired_differences(
                runs,
                outcome,
                reference or self.reference,
                confidence=confidence,
                arm_column="policy",
                replicate_column="pair",
            )
        return paired_differences(runs, outcome, reference or self.reference, confidence=confidence)

    def __repr__(self) -> str:
        return f"ExperimentResult({str(self.out)!r})"


def load_results(out: str | Path) -> ExperimentResult:
    """Open a results folder (for notebooks and reports)."""
    result = ExperimentResult(out)
    if not (result.out / "manifest.json").is_file():
        raise ConfigError(f"{out}: no manifest.json, not an experiment results folder")
    return result

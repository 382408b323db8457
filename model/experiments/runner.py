"""Running an experiment: batches of runs through an executor, resumable, adaptive.

:func:`run_experiment` (the Python face of ``streetwise experiment``) validates the options
and the experiment file, checks the results folder, runs what is missing through an
executor (:mod:`model.experiments.executors`), stores each run as it finishes
(:mod:`model.experiments.results`), and with a precision target adds replications in
batches until every paired difference is precise enough (:mod:`model.analysis.paired`).
The consolidated tables are rebuilt from the per-run files whenever a session ran something
(or they are missing), so an interrupted and resumed experiment ends with the same tables as
an uninterrupted one. Running a finished experiment again does nothing and rewrites nothing.
Changing only the replications or the precision target of a folder is allowed, and reuses
every finished run.

The module is a little over 500 lines because the session's steps (lock, manifest, resume
scan, batches, adaptive growth, consolidation) share one state object; split, each part
would need the whole of it.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from model.analysis.paired import (
    next_replications,
    paired_differences,
    precision_met,
    worst_relative_half_width,
)
from model.config.capacity import check_capacity
from model.experiments.design import (
    Experiment,
    ExperimentSpec,
    canonical_json,
    load_experiment,
    sha256,
)
from model.experiments.executors import (
    Executor,
    RunTask,
    available_cores,
    check_executor_options,
    make_executor,
    model_source_sha256,
)
from model.experiments.lock import LOCK_NAME, ResultsLock
from model.experiments.provenance import SessionFacts, code_version, outcome_of, utc_now
from model.experiments.results import ExperimentResult, ResultsDir, runs_table, write_stacked
from model.experiments.store import atomic_write_json, atomic_write_parquet, check_writable_dir


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="run",
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        desc="runs",
        smoothing=0.1,
    )


class _Session:
    """One invocation of :func:`run_experiment` on a results folder."""

    def __init__(
        self,
        experiment: Experiment,
        out: Path,
        *,
        executor: str | Executor,
        workers: int | None,
        scheduler: str | None,
        keep_issue_logs: bool,
        say: Callable[[str], None],
        warn: Callable[[str], None],
        progress: bool,
    ) -> None:
        self.exp = experiment
        self.folder = ResultsDir(out, experiment)
        self.executor_spec = executor
        self.workers = workers
        self.scheduler = scheduler
        self.keep_issue_logs = keep_issue_logs
        self.say = say
        self.warn = warn
        self.progress = progress
        self.executor: Executor | None = None
        self.owns_executor = not isinstance(executor, Executor)
        # the code the workers import when they start: read it now, not when the manifest
        # is written at the end (the checkout may change while a long experiment runs)
        self.facts = SessionFacts(
            started_at=utc_now(),
            clock=time.perf_counter(),
            code=code_version(),
            keep_issue_logs=keep_issue_logs,
            executor={},
        )

    # ------------------------------------------------------------------ executor

    def _executor(self) -> Executor:
        if self.executor is None:
            if isinstance(self.executor_spec, Executor):
                self.executor = self.executor_spec
            else:
                self.executor = make_executor(self.executor_spec, self.workers, self.scheduler)
            facts = self.executor.describe()
            where = f" at {facts['scheduler']}" if facts.get("scheduler") else ""
            count = facts.get("workers")
            self.say(f"executor {facts['kind']}{where} ({count} worker{'s' * (count != 1)})")
            if facts.get("workers_with_other_code"):
                self.warn(
                    "warning: these Dask workers run other model code than this machine: "
                    f"{', '.join(facts['workers_with_other_code'])}"
                )
        return self.executor

    def _describe_executor(self) -> dict[str, Any]:
        if self.executor is not None:
            return self.executor.describe()
        kind = (
            self.executor_spec.kind
            if isinstance(self.executor_spec, Executor)
            else self.executor_spec
        )
        return {"kind": kind, "workers": None, "note": "nothing to run, no executor started"}

    def _facts(self) -> SessionFacts:
        """This session's facts, brought up to date for a manifest."""
        self.facts.keep_issue_logs = self.keep_issue_logs
        self.facts.executor = self._describe_executor()
        return self.facts

    # ------------------------------------------------------------------ main loop

    def run(self) -> ExperimentResult:
        exp = self.exp
        folder = self.folder
        previous = _previous_manifest(folder)
        if previous is not None and previous.get("keep_issue_logs") and not self.keep_issue_logs:
            self.keep_issue_logs = True
            self.say("keeping issue logs, as this folder already does")
        folder.out.mkdir(parents=True, exist_ok=True)
        folder.clean_temporary()
        if previous is None:
            manifest = self._facts().manifest(exp, None, {}, [], False, None)
            atomic_write_json(folder.manifest_path, manifest)
        elif previous.get("code_version", {}).get("model_source_sha256") not in (
            None,
            model_source_sha256(),
        ):
            self.warn(
                f"warning: the runs in {folder.out} were made with other model code; "
                "they are reused (use another --out to run everything with this code)"
            )
        records = folder.scan()
        precision = exp.precision
        n = exp.spec.replications if precision is None else precision.min_replications
        design = (
            f"{n} replications"
            if precision is None
            else f"{precision.min_replications}-{precision.max_replications} replications "
            f"(until {precision.outcome} is within "
            f"±{precision.relative_half_width:.1%} of the reference)"
        )
        arms = f"{len(exp.arms)} arms"
        if exp.worlds is not None:
            arms = (
                f"{len(exp.worlds.policies)} arms in {exp.worlds.rows} sampled worlds "
                f"({exp.worlds.design}, seed {exp.worlds.seed}) = {arms}"
            )
        self.say(
            f"experiment {exp.name!r}: {arms} x {design}, {exp.days} days, "
            f"base seed {exp.base_seed}, reference {exp.reference.policy!r}"
        )
        attempted: set[tuple[int, int]] = set()
        batches: list[int] = []
        differences = None
        bar = _progress_bar(0, self.progress)
        bar.set_postfix(failed=0, refresh=False)
        try:
            done_before = 0
            while True:
                keys = [(a.index, r) for r in range(n) for a in exp.arms]
                todo = [
                    k
                    for k in keys
                    if k not in attempted
                    and not folder.is_done(records.get(k), self.keep_issue_logs)
                ]
                already = sum(folder.is_done(records.get(k), self.keep_issue_logs) for k in keys)
                if already > done_before or not batches:
                    self.say(f"{already} of {len(keys)} already done")
                if todo:
                    self._run_batch(todo, records, attempted, bar)
                batches.append(n)
                done_before = sum(
                    folder.is_done(records.get(k), self.keep_issue_logs) for k in keys
                )
                if precision is None:
                    break
                differences = self._differences(records, n)
                if differences is None:
                    self.warn("cannot estimate precision: an arm has no successful run; stopping")
                    break
                worst = worst_relative_half_width(differences)
                if precision_met(differences, precision.relative_half_width):
                    self.say(
                        f"precision reached with {n} replications "
                        f"(largest relative half-width {worst:.2%})"
                    )
                    break
                if n >= precision.max_replications:
                    self.say(
                        f"maximum of {n} replications reached; largest relative half-width "
                        f"{worst:.2%} > target {precision.relative_half_width:.2%}"
                    )
                    break
                new_n = next_replications(
                    n,
                    worst,
                    precision.relative_half_width,
                    precision.max_replications,
                    precision.batch_size,
                )
                self.say(
                    f"largest relative half-width {worst:.2%} > target "
                    f"{precision.relative_half_width:.2%}: replications {n} -> {new_n}"
                )
                n = new_n
        except KeyboardInterrupt:
            bar.close()
            stored = sum(1 for rec in records.values() if rec.get("status") == "ok")
            self.warn(
                f"interrupted: {stored} finished runs are stored in {folder.runs_dir}; "
                "run the same command again to resume"
            )
            raise
        finally:
            bar.close()
            if self.executor is not None and self.owns_executor:
                self.executor.close()
        return self._finish(previous, records, n, batches, differences)

    def _run_batch(self, todo, records, attempted, bar) -> None:
        exp = self.exp
        tasks = [
            RunTask(
                arm_index=a,
                arm=exp.arms[a].name,
                replicate=r,
                seed=exp.seed(r),
                days=exp.days,
                config=exp.arms[a].config,
                keep_issue_log=self.keep_issue_logs,
            )
            for a, r in todo
        ]
        executor = self._executor()
        bar.total += len(tasks)
        bar.refresh()
        for result in executor.run(tasks):
            key = (result.arm_index, result.replicate)
            records[key] = self.folder.save(result)
            attempted.add(key)
            self.facts.runs_executed += 1
            if result.status != "ok":
                self.facts.runs_failed += 1
                bar.set_postfix(failed=self.facts.runs_failed, refresh=False)
            bar.update(1)

    def _differences(self, records, n: int) -> pd.DataFrame:
        exp = self.exp
        precision = exp.precision
        assert precision is not None
        rows = [
            {
                "arm": arm.name,
                "replicate": r,
                "status": records[(arm.index, r)]["status"],
                precision.outcome: outcome_of(records[(arm.index, r)], precision.outcome),
            }
            for arm in exp.arms
            for r in range(n)
            if (arm.index, r) in records
        ]
        frame = pd.DataFrame(rows, columns=["arm", "replicate", "status", precision.outcome])
        ok = frame[frame["status"] == "ok"]
        if any(name not in set(ok["arm"]) for name in frame["arm"].unique()) or ok.empty:
            return None
        return paired_differences(
            frame,
            precision.outcome,
            exp.reference.name,
            arms=[a.name for a in exp.arms if a is not exp.reference],
            confidence=precision.confidence,
        )

    # ------------------------------------------------------------------ consolidation

    def _finish(self, previous, records, n, batches, differences) -> ExperimentResult:
        exp = self.exp
        folder = self.folder
        planned = [(a.index, r) for a in exp.arms for r in range(n)]
        included = [records[k] for k in planned if k in records]
        digest = sha256(
            canonical_json(
                {
                    "n": n,
                    "keep_issue_logs": self.keep_issue_logs,
                    "spec": exp.spec.model_dump(mode="json"),
                    "file_sha256": exp.file_sha256,
                    "runs": [
                        {k: v for k, v in rec.items() if k not in ("traceback", "finished_at")}
                        for rec in included
                    ],
                }
            )
        )
        outputs = [folder.out / "runs.parquet", folder.out / "daily.parquet"]
        if self.keep_issue_logs:
            outputs += [folder.out / "issues.parquet", folder.out / "workers.parquet"]
        failures = [rec for rec in included if rec["status"] != "ok"]
        missing = len(planned) - len(included)
        if (
            self.facts.runs_executed == 0
            and previous is not None
            and previous.get("complete")
            and previous.get("results_digest") == digest
            and all(path.is_file() for path in outputs)
        ):
            self.say(f"nothing to do: {folder.out} is up to date")
        else:
            atomic_write_parquet(folder.out / "runs.parquet", runs_table(exp, included))
            ok = [rec for rec in included if rec["status"] == "ok"]
            write_stacked(folder.out / "daily.parquet", ok, folder.daily_file, "day")
            if self.keep_issue_logs:
                write_stacked(folder.out / "issues.parquet", ok, folder.issues_file, "issue_id")
                write_stacked(folder.out / "workers.parquet", ok, folder.workers_file, "worker_id")
            manifest = self._facts().manifest(
                exp, previous, records, planned, missing == 0, digest, batches, differences
            )
            atomic_write_json(folder.manifest_path, manifest)
            self.say(
                f"{len(included)} runs ({self.facts.runs_executed} run now): "
                f"{len(included) - len(failures)} "
                f"ok, {len(failures)} failed; wrote {folder.out}/"
                f"{{{', '.join(p.name for p in outputs)}, manifest.json}}"
            )
        result = ExperimentResult(folder.out)
        self._summary(result, failures)
        return result

    def _summary(self, result: ExperimentResult, failures: list[dict[str, Any]]) -> None:
        outcome = self.exp.precision.outcome if self.exp.precision else "reported_share"
        try:
            table = result.differences(outcome)
        except (KeyError, ValueError, OSError):
            table = None
        if table is not None and not table.empty:
            over = f" over {self.exp.worlds.rows} worlds" if self.exp.worlds is not None else ""
            lines = [
                f"{outcome}: paired difference from {self.exp.reference.policy!r}{over} (95 % CI)"
            ]
            width = max(len(a) for a in table["arm"])
            for row in table.itertuples():
                if row.n == 0:
                    text = "no successful pairs"
                elif row.n == 1:
                    text = f"{row.difference:+.4f}  (one pair, no interval)"
                else:
                    text = f"{row.difference:+.4f}  [{row.ci_low:+.4f}, {row.ci_high:+.4f}]"
                lines.append(f"  {row.arm:<{width}}  {text}  n={row.n}")
            self.say("\n".join(lines))
        if failures:
            groups: dict[tuple[str, str], list[int]] = {}
            for rec in failures:
                groups.setdefault((rec["arm"], rec["error"]), []).append(rec["replicate"])
            lines = [f"{len(failures)} of {len(result.runs)} runs failed:"]
            for (arm, error), replicates in list(groups.items())[:20]:
                label = "replicate" if len(replicates) == 1 else "replicates"
                lines.append(f"  arm {arm!r}, {label} {_ranges(replicates)}: {error}")
            if len(groups) > 20:
                lines.append(f"  ... and {len(groups) - 20} more (see runs.parquet)")
            lines.append("rerun the same command to retry the failed runs")
            self.warn("\n".join(lines))


def _ranges(values: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    parts: list[str] = []
    for _, group in itertools.groupby(enumerate(sorted(values)), lambda p: p[1] - p[0]):
        run = [v for _, v in group]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(parts)


def _stdout(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)


def _stderr(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


def check_capacity_of_experiment(
    experiment: Experiment,
    executor: str | Executor,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Refuse an experiment whose runs cannot fit in this machine's memory, before any runs.

    Every arm's run is estimated (:mod:`model.config.capacity`); local executors hold one run
    per worker at once (as many as there are runs at most). Runs on a Dask cluster reached
    with ``scheduler`` execute elsewhere: one run must still fit, as its tables come back here.

    Raises:
        ConfigError: the largest arm's run, or as many at once as the executor runs, does not
            fit; the message names the arm and gives the estimate.
    """
    kind = executor.kind if isinstance(executor, Executor) else executor
    runs = len(experiment.arms) * (
        experiment.spec.replications or experiment.precision.min_replications
    )
    if kind == "serial" or isinstance(executor, Executor) or scheduler is not None:
        concurrent = 1
    else:
        concurrent = min(workers or available_cores(), max(runs, 1))
    for arm in experiment.arms:
        check_capacity(
            arm.config,
            days=experiment.days,
            concurrent=concurrent,
            source=f"{experiment.source}: arm {arm.name!r}",
        )


def run_experiment(
    spec: str | Path | dict[str, Any] | ExperimentSpec,
    *,
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    replications: int | None = None,
    days: int | None = None,
    keep_issue_logs: bool = False,
    quiet: bool = False,
    progress: bool | None = None,
    base_dir: str | Path | None = None,
) -> ExperimentResult:
    """Run (or resume) an experiment and return its tables; the Python face of the CLI.

    Works from scripts and Jupyter notebooks alike: the ``process`` executor starts its
    workers from a clean interpreter (``forkserver`` with the model stack preloaded, or
    ``spawn`` where there is no forkserver) and runs a top-level worker function. In a
    *script*, call it under ``if __name__ == "__main__":`` (as with any multiprocessing code).

    Args:
        spec: experiment YAML file, its data as a mapping, or an ExperimentSpec.
        executor: ``serial``, ``process`` (default, one worker per core) or ``dask``; or an
            :class:`~model.executors.Executor` instance (kept open for reuse).
        workers: worker processes (``process``) or local Dask workers; default one per core.
        scheduler: Dask scheduler address (``tcp://host:port``); needs ``executor="dask"``.
        out: results folder; default ``results/<experiment name>``.
        replications: run exactly this many replications (replaces a precision target).
        days: override the horizon.
        keep_issue_logs: also store the issue logs (``issues.parquet``).
        quiet: print nothing but failures (and no progress bar).
        progress: show a progress bar; default when stderr is a terminal and not quiet.
        base_dir: folder scenario paths are relative to, for a mapping or spec.

    Returns:
        The results: ``runs``, ``daily``, ``issues`` DataFrames, ``manifest``, ``ok``,
        ``failures`` and ``differences(outcome)``.

    Raises:
        ConfigError: bad experiment, bad options, a run too large for this machine's
            memory, a results folder of another experiment, or a folder that another live
            process is writing (:mod:`model.experiments.lock`).
    """
    check_executor_options(
        executor.kind if isinstance(executor, Executor) else executor, workers, scheduler
    )
    experiment = load_experiment(spec, days=days, replications=replications, base_dir=base_dir)
    folder = Path(out) if out is not None else Path("results") / experiment.name
    check_writable_dir(folder)
    check_capacity_of_experiment(experiment, executor, workers, scheduler)
    if progress is None:
        progress = not quiet and sys.stderr.isatty()
    say = (lambda _message: None) if quiet else _stdout
    session = _Session(
        experiment,
        folder,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        keep_issue_logs=keep_issue_logs,
        say=say,
        warn=_stderr,
        progress=bool(progress),
    )
    with ResultsLock(folder, say=_stderr):
        return session.run()


def _previous_manifest(folder: ResultsDir) -> dict[str, Any] | None:
    """The folder's stored manifest, the folder's own lock file not counting as content."""
    if folder.out.is_dir() and not any(
        p.name != LOCK_NAME and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        for p in folder.out.iterdir()
    ):
        return None
    return folder.previous_manifest()

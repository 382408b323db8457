"""Executors: where the runs of an experiment execute (serial, local processes or Dask).

Every executor takes :class:`RunTask` objects and yields :class:`RunResult` objects as the
runs finish, in any order; the experiment runner (:mod:`model.experiments.runner`) writes
each one to disk as it arrives, and the calibration (:mod:`model.experiments.calibration`)
measures each: these executors are the one way the package runs many models. A run's result
depends on its task alone (configuration, seed, horizon), never on the executor, the worker
or the order, so every executor gives the same tables.

- ``serial``: in this process, one run after another (debugging, tiny experiments).
- ``process``: a pool of local worker processes, one per core by default. Where the platform
  has the ``forkserver`` start method (Linux, macOS) the workers are forked from a server
  process that has already imported the model stack (:data:`FORKSERVER_PRELOAD`), so a new
  worker costs a fork instead of an interpreter start and a second import of Mesa, numpy,
  pandas and pyarrow; elsewhere (Windows) they start with ``spawn``. Either way a worker is
  a clean process: the forkserver is itself a fresh interpreter started once, never a fork of
  this process, so both are safe in Jupyter notebooks and with threads, and the worker
  function :func:`execute_run` is a top-level importable function.
- ``dask``: a ``distributed`` cluster, either started here (``LocalCluster``) or an existing
  one reached through its scheduler address. Workers must have this package installed.

Test hook: when the environment variable ``STREETWISE_FAIL_ARM`` holds an arm name (or a
comma-separated list of names), :func:`execute_run` raises for every run of those arms before
the model starts. It exists only so the test suite can check that a failing run is recorded
and the others go on; nothing else reads it.

The forkserver is process-wide (this is Python's design, not ours): one server per process,
started by the first pool that needs it and living as long as the process. Hence:

- the first ``process`` pool sets the server's preload list to :data:`FORKSERVER_PRELOAD`
  (``multiprocessing.set_forkserver_preload``), for every later forkserver user in this
  process too, and replaces Python's default preload of ``__main__``, which only saved each
  worker re-running the main script: a worker still prepares ``__main__`` as a spawned one
  does. A server already started by other code keeps its own preload (the workers then
  import the model themselves: slower, the same results);
- the server imports the model once. A pool started after the ``model`` sources changed on
  disk (code edited in a long notebook session) would run the old code, so the executor
  compares :func:`model_source_sha256` with the value when the server started and uses
  ``spawn`` for that pool instead (``describe()`` says so);
- the server's environment is the one of the moment it started, so each worker sets its
  environment to the parent's at the time its pool is created (what a spawned worker
  inherits); only settings read while importing (the thread counts of numpy's BLAS, which
  the package fixes to one, see :data:`model.SINGLE_THREAD_ENV`) keep the server's values.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.experiments.collector import freeze_long_lived, long_lived_frozen

EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")
"""Executor names accepted by :func:`make_executor` and ``--executor``."""

FAIL_ARM_VARIABLE = "STREETWISE_FAIL_ARM"
"""Environment variable of the failure test hook (see the module docstring)."""

START_METHODS: tuple[str, ...] = ("forkserver", "spawn")
"""Start methods the process executor accepts; ``fork`` is refused (unsafe with threads)."""

FORKSERVER_PRELOAD: tuple[str, ...] = (
    "model.experiments.executors",
    "model.sim.model",
    "model.experiments.forkserver_preload",
)
"""Modules the forkserver imports before forking workers: the worker function's module, the
model stack (Mesa, numpy, pandas, pyarrow, scipy, the configuration layer) and the compiled
kernels, loaded by a two-day run (:mod:`model.experiments.forkserver_preload`)."""

_forkserver_source: str | None = None
""":func:`model_source_sha256` when this process's forkserver was started by a pool (None:
not yet)."""


@dataclass(frozen=True)
class RunTask:
    """One run of an experiment: an arm's configuration, a replicate seed, a horizon.

    Attributes:
        arm_index: position of the arm in the experiment.
        arm: arm name.
        replicate: replicate index, 0-based.
        seed: the replicate's seed (the same for every arm: common random numbers).
        days: horizon in days.
        config: the arm's validated configuration.
        keep_issue_log: return the issue log and the worker roster too.
        keep_report_log: return the report log too.
    """

    arm_index: int
    arm: str
    replicate: int
    seed: int
    days: int
    config: ScenarioConfig
    keep_issue_log: bool = False
    keep_report_log: bool = False


@dataclass
class RunResult:
    """What one run sends back.

    Attributes:
        arm_index: position of the arm in the experiment.
        arm: arm name.
        replicate: replicate index.
        seed: the run seed.
        status: ``"ok"`` or ``"error"``.
        outcomes: the contract outcomes (None when the run failed).
        daily: the daily series (None when the run failed).
        issues: the issue log when asked for, else None.
        workers: the worker roster when the issue log is asked for, else None.
        reports: the report log when asked for, else None.
        error: one line ``ExceptionType: message`` when the run failed.
        traceback: the full traceback text when the run failed.
        wall_seconds: wall-clock seconds the run took.
    """

    arm_index: int
    arm: str
    replicate: int
    seed: int
    status: str
    outcomes: dict[str, float] | None = None
    daily: pa.Table | None = None
    issues: pa.Table | None = None
    workers: pa.Table | None = None
    reports: pa.Table | None = None
    error: str | None = None
    traceback: str | None = None
    wall_seconds: float = 0.0


def _error_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    message = text[0] if text else ""
    return f"{error.__class__.__name__}: {message}" if message else error.__class__.__name__


def failed_result(task: RunTask, error: BaseException, wall_seconds: float = 0.0) -> RunResult:
    """The result of a run that raised ``error`` (or whose worker died)."""
    return RunResult(
        arm_index=task.arm_index,
        arm=task.arm,
        replicate=task.replicate,
        seed=task.seed,
        status="error",
        error=_error_line(error),
        traceback="".join(traceback.format_exception(error)),
        wall_seconds=wall_seconds,
    )


def _fail_hook(arm: str) -> None:
    """Test hook: raise for arms named in ``STREETWISE_FAIL_ARM`` (see module docstring)."""
    names = os.environ.get(FAIL_ARM_VARIABLE, "")
    if names and arm in {name.strip() for name in names.split(",")}:
        raise RuntimeError(f"{FAIL_ARM_VARIABLE} test hook: arm {arm!r} made to fail")


def execute_run(task: RunTask) -> RunResult:
    """Run one task and return its result; an exception in the model becomes a failed result.

    This is the function every executor runs in its workers: top level and importable, so
    the ``forkserver`` and ``spawn`` start methods, Jupyter and Dask can all pickle it by
    reference.
    """
    start = time.perf_counter()
    try:
        _fail_hook(task.arm)
        from model.sim.model import run_model

        output = run_model(task.config, seed=task.seed, days=task.days)
    except Exception as error:
        return failed_result(task, error, time.perf_counter() - start)
    return RunResult(
        arm_index=task.arm_index,
        arm=task.arm,
        replicate=task.replicate,
        seed=task.seed,
        status="ok",
        outcomes={name: float(value) for name, value in output.outcomes.items()},
        daily=output.daily,
        issues=output.issues if task.keep_issue_log else None,
        workers=output.workers if task.keep_issue_log else None,
        reports=output.reports if task.keep_report_log else None,
        wall_seconds=time.perf_counter() - start,
    )


def model_source_sha256() -> str:
    """Hash of the ``model`` package's Python sources: which model code produced a result.

    Unlike a git commit it also sees uncommitted changes, and it can be computed on any Dask
    worker to check that the cluster runs the same code as the client.
    """
    digest = hashlib.sha256()
    package = REPO_ROOT / "model"
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def available_cores() -> int:
    """Cores this process may use (CPU affinity where the platform has it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class Executor:
    """Base class: a context manager that runs tasks and yields results as they finish."""

    kind = "base"

    def __init__(self, workers: int | None = None) -> None:
        """Remember the requested number of workers (None: one per core)."""
        if workers is not None and workers < 1:
            raise ConfigError(f"--workers must be >= 1, got {workers}")
        self.workers = workers or available_cores()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run ``tasks``; yield each result as soon as it is ready (any order)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (idempotent)."""

    def describe(self) -> dict[str, Any]:
        """Executor facts for the manifest."""
        return {"kind": self.kind, "workers": self.workers}


class SerialExecutor(Executor):
    """Runs every task in this process, in order."""

    kind = "serial"

    def __init__(self, workers: int | None = None) -> None:
        """One worker: this process."""
        super().__init__(1)

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run the tasks one after another, the objects alive before them frozen meanwhile."""
        with long_lived_frozen():
            for task in tasks:
                yield execute_run(task)


def default_start_method() -> str:
    """``forkserver`` where the platform has it (Linux, macOS), else ``spawn`` (Windows)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _start_worker(environment: dict[str, str], package_file: str) -> None:
    """Worker initializer: the parent's environment, Ctrl-C ignored, long-lived objects frozen.

    Ctrl-C is the parent's to handle. Every object the worker holds at its start is frozen
    out of the garbage collector's walks (:mod:`model.experiments.collector`): in a forked
    worker that is the whole model stack and its loaded kernels; a spawned one (Windows)
    imports the model later, with its first task, and only the objects of that moment are
    frozen.

    Args:
        environment: the parent's ``os.environ`` when the pool was created. A forked worker
            inherits the forkserver's environment, which is the parent's at the moment the
            server started; setting it here gives every worker what a spawned one inherits.
            The package's defaults (:data:`model.PACKAGE_ENV`: one thread, portable
            numerics) are applied on top, as importing ``model`` does in a spawned worker.
        package_file: the parent's :func:`model_package_file`.

    Raises:
        RuntimeError: the worker's ``model`` package is another one than the parent's (a
            forkserver started elsewhere in this process, from another checkout): its runs
            would be another model's, so the pool fails rather than run them.
    """
    from model import PACKAGE_ENV

    if model_package_file() != package_file:
        raise RuntimeError(
            f"worker imported the model from {model_package_file()}, the parent from "
            f"{package_file}; use start_method='spawn'"
        )
    if os.environ != environment:
        os.environ.clear()
        os.environ.update(environment)
    for name, value in PACKAGE_ENV.items():
        os.environ.setdefault(name, value)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    freeze_long_lived()


def _broken_pool_error(error: BrokenProcessPool) -> BrokenProcessPool:
    """The pool's error with the usual causes added to its message."""
    return BrokenProcessPool(
        "a worker process died (killed, out of memory, or a script that starts the experiment"
        ' without an `if __name__ == "__main__":` guard)'
    ).with_traceback(error.__traceback__)


def _forkserver_context() -> multiprocessing.context.BaseContext | None:
    """The forkserver context, its server preloading the model; None if it would be stale.

    The first call sets the process-wide preload list (:data:`FORKSERVER_PRELOAD`) and
    records the model's source hash; the server starts with the first worker. A later call
    whose source hash differs (the code changed on disk since the server imported it)
    returns None: that pool must start its workers with ``spawn``.
    """
    global _forkserver_source
    source = model_source_sha256()
    if _forkserver_source is None:
        multiprocessing.set_forkserver_preload(list(FORKSERVER_PRELOAD))
        _start_forkserver()
        _forkserver_source = source
    elif source != _forkserver_source:
        return None
    return multiprocessing.get_context("forkserver")


def _start_forkserver() -> None:
    """Start this process's forkserver (if not running) where it imports *this* ``model``.

    The server is a fresh interpreter; before Python 3.12.8 it ignores this process's
    ``sys.path`` (CPython issue 117378), so a ``model`` found through a changed ``sys.path``
    (a notebook's ``sys.path.insert``, a benchmark of another checkout) could be preloaded
    from elsewhere. The server therefore starts with the folder holding this process's
    ``model`` package first on its ``PYTHONPATH`` (the workaround the CPython maintainers
    give); workers reset their environment to the parent's (:func:`_start_worker`), so the
    setting goes no further than the server.
    """
    from multiprocessing import forkserver

    package_root = str(Path(model_package_file()).parent.parent)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, saved)))
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


def model_package_file() -> str:
    """The ``__init__.py`` of the ``model`` package this process imported."""
    import model

    return str(Path(model.__file__).resolve())


class ProcessExecutor(Executor):
    """A pool of local worker processes (``concurrent.futures``), cheap to start.

    Args:
        workers: pool size; one per core by default.
        start_method: multiprocessing start method. None (default): ``forkserver`` where the
            platform has it, its server preloading the model stack (a new worker is a fork,
            its imports already done), else ``spawn`` (a fresh interpreter that imports the
            package). Both give clean processes, which is what notebooks and threaded
            programs need; ``fork`` is refused. See the module docstring for what the
            process-wide forkserver implies.
    """

    kind = "process"

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        """Prepare the pool; the processes start with the first batch."""
        super().__init__(workers)
        if start_method is None:
            start_method = default_start_method()
        if start_method not in START_METHODS:
            raise ConfigError(f"start method must be forkserver or spawn, got {start_method!r}")
        if start_method not in multiprocessing.get_all_start_methods():
            raise ConfigError(f"start method {start_method!r} is not available on this platform")
        self.start_method = start_method
        self.pool_start_method: str | None = None
        """The method the current (or last) pool really used: ``spawn`` replaces a stale
        ``forkserver`` (see :func:`_forkserver_context`)."""
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = _forkserver_context() if self.start_method == "forkserver" else None
            if context is None:
                context = multiprocessing.get_context("spawn")
            self.pool_start_method = context.get_start_method()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(dict(os.environ), model_package_file()),
            )
        return self._pool

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Submit every task to the pool and yield results as they complete.

        A worker that dies (killed, out of memory) breaks the pool: its runs and the ones
        still pending are returned as failures and the next batch gets a fresh pool.
        """
        if not tasks:
            return
        pool = self._ensure_pool()
        pending: dict[Future, RunTask] = {}
        try:
            for task in tasks:
                pending[pool.submit(execute_run, task)] = task
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool as error:
                        self._discard_pool()
                        yield failed_result(task, _broken_pool_error(error))
                    except Exception as error:
                        yield failed_result(task, error)
        finally:
            for future in pending:
                future.cancel()

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        """Stop the worker processes (pending runs are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> dict[str, Any]:
        """Kind, pool size, start method and, for ``forkserver``, what the server preloads.

        ``start_method`` is the method asked for (the platform's default unless given);
        ``pool_start_method`` the one the last pool used (None before the first batch), which
        is ``spawn`` when the forkserver's model code was stale.
        """
        info: dict[str, Any] = {
            "kind": self.kind,
            "workers": self.workers,
            "start_method": self.start_method,
            "pool_start_method": self.pool_start_method,
        }
        if self.start_method == "forkserver":
            info["forkserver_preload"] = list(FORKSERVER_PRELOAD)
        return info


class DaskExecutor(Executor):
    """Runs on a Dask ``distributed`` cluster.

    Args:
        scheduler: address of a running scheduler (``tcp://host:port``); None starts a
            ``LocalCluster`` with ``workers`` single-threaded worker processes.
        workers: workers of the local cluster (one per core by default); ignored with an
            address (the cluster has the workers it has).
        connect_timeout: how long to wait for the scheduler (seconds or a Dask duration
            such as ``"30s"``); default Dask's ``distributed.comm.timeouts.connect``.
    """

    kind = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        connect_timeout: float | str | None = None,
    ) -> None:
        """Connect (or start a local cluster) right away so a bad address fails early."""
        super().__init__(workers)
        import dask
        from distributed import Client, LocalCluster

        if connect_timeout is None:
            connect_timeout = dask.config.get("distributed.comm.timeouts.connect")
        if isinstance(connect_timeout, int | float):
            connect_timeout = f"{connect_timeout}s"

        self.scheduler = scheduler
        self._cluster = None
        try:
            if scheduler is None:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: never clashes
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self._cluster)
            else:
                self.client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as error:
            self.close()
            where = scheduler or "a local cluster"
            raise ConfigError(
                f"--scheduler {where}: cannot connect ({_error_line(error)})"
            ) from None
        if scheduler is not None:
            self.workers = len(self.client.scheduler_info().get("workers", {}))
        self.mismatched_workers = self._check_code()

    def _check_code(self) -> list[str]:
        """Workers whose model sources differ from this process's (should be none)."""
        try:
            hashes = self.client.run(model_source_sha256)
        except Exception:  # a worker without this package raises on import
            return ["(could not ask the workers)"]
        mine = model_source_sha256()
        return sorted(worker for worker, value in hashes.items() if value != mine)

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Submit every task to the cluster and yield results as they complete."""
        from distributed import as_completed

        if not tasks:
            return
        futures = {}
        for task in tasks:
            key = f"streetwise-run-{task.arm_index}-{task.replicate}-{uuid.uuid4().hex}"
            future = self.client.submit(execute_run, task, key=key, pure=False, retries=0)
            futures[future] = task
        remaining = set(futures)
        try:
            for future in as_completed(list(futures)):
                remaining.discard(future)
                task = futures[future]
                try:
                    yield future.result()
                except Exception as error:  # a worker died or the task could not run
                    yield failed_result(task, error)
                finally:
                    future.release()
        finally:
            if remaining:
                self.client.cancel(list(remaining))

    def close(self) -> None:
        """Disconnect; a cluster started here is shut down."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> dict[str, Any]:
        """Kind, scheduler address, workers and threads."""
        info: dict[str, Any] = {"kind": self.kind, "scheduler": self.scheduler}
        if getattr(self, "client", None) is not None:
            workers = self.client.scheduler_info().get("workers", {})
            info["scheduler_address"] = self.client.scheduler.address
            info["workers"] = len(workers)
            info["threads"] = sum(int(w.get("nthreads", 1)) for w in workers.values())
        else:
            info["workers"] = self.workers
        info["local_cluster"] = self.scheduler is None
        info["workers_with_other_code"] = self.mismatched_workers
        return info


def make_executor(
    kind: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Executor:
    """Create an executor by name.

    Args:
        kind: ``serial``, ``process`` or ``dask``.
        workers: worker count (processes, or local Dask workers); one per core by default.
        scheduler: Dask scheduler address; implies ``dask``.

    Raises:
        ConfigError: unknown kind, or a scheduler address with a non-Dask executor.
    """
    check_executor_options(kind, workers, scheduler)
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler=scheduler, workers=workers)


def check_executor_options(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Check the executor options (``--executor``, ``--workers``, ``--scheduler``) together.

    Raises:
        ConfigError: an unknown executor, fewer than one worker, or a scheduler address
            without the Dask executor.
    """
    if kind not in EXECUTORS:
        raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)}, got {kind!r}")
    if scheduler is not None and kind != "dask":
        raise ConfigError("--scheduler needs --executor dask")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")

"""One writer per results folder: a lock file naming the process that writes it.

``streetwise experiment`` (and ``streetwise report``, through the same runner) holds
``<results folder>/.streetwise.lock`` while it writes the folder. The file holds the
writer's process id, host name, start time (UTC) and command line. A second process that
finds the lock refuses (a :class:`~model.config.errors.ConfigError`: exit 2 on the command
line) and names the writer, instead of running the same runs twice. A lock left behind by a
process that no longer exists on this host (``kill -9``, a power cut) is stale: the next
writer takes it over and says so. A lock written on another host cannot be checked from
here and is respected; the message says which file to delete if that process is gone.

The lock is created with ``O_CREAT | O_EXCL`` (atomic on local file systems), and a stale
lock is first renamed away, so two processes that find the same stale lock cannot both take
it over.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from model.config.errors import ConfigError

LOCK_NAME = ".streetwise.lock"
"""File name of the lock inside a results folder."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a results folder.

    Attributes:
        pid: process id of the writer.
        host: host name of the writer's machine.
        started_at: when the writer took the lock (ISO 8601, UTC).
        command: the writer's command line (for the message only).
        process_start: the writer's start time in clock ticks since boot (Linux
            ``/proc/<pid>/stat``), to tell a live writer from a new process that reuses its
            pid; None where the system does not say.
    """

    pid: int
    host: str
    started_at: str
    command: str
    process_start: int | None

    def describe(self) -> str:
        """``pid 1234 on host "node1" (streetwise experiment ...), started 2026-...``."""
        return f"pid {self.pid} on host {self.host!r} ({self.command}), started {self.started_at}"


def process_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot, or None if unknown or gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, but belongs to another user
    except OSError:
        return False
    return True


def current_owner() -> LockOwner:
    """This process as a lock owner."""
    return LockOwner(
        pid=os.getpid(),
        host=socket.gethostname(),
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command=" ".join(["streetwise" if i == 0 else a for i, a in enumerate(sys.argv)])[:200],
        process_start=process_start_ticks(os.getpid()),
    )


def read_owner(path: Path) -> LockOwner | None:
    """The owner recorded in a lock file, or None if it is unreadable (being written)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockOwner(
            pid=int(data["pid"]),
            host=str(data["host"]),
            started_at=str(data["started_at"]),
            command=str(data.get("command", "")),
            process_start=(
                int(data["process_start"]) if data.get("process_start") is not None else None
            ),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_stale(owner: LockOwner) -> bool:
    """A lock is stale when its writer ran on this host and is gone (or its pid was reused)."""
    if owner.host != socket.gethostname():
        return False
    if not process_alive(owner.pid):
        return True
    if owner.process_start is None:
        return False
    ticks = process_start_ticks(owner.pid)
    return ticks is not None and ticks != owner.process_start


class ResultsLock:
    """Hold a results folder for one writer; a context manager.

    Example::

        with ResultsLock(Path("results/example"), say=print):
            ...  # write the folder

    Args:
        folder: the results folder (created if missing).
        say: where the note about a taken-over stale lock goes.
    """

    def __init__(self, folder: Path, say=None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.say = say or (lambda _message: None)
        self.owner: LockOwner | None = None

    def acquire(self) -> None:
        """Take the lock.

        Raises:
            ConfigError: another live process holds it (the message names it).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        me = current_owner()
        for _attempt in range(5):
            if self._create(me):
                self.owner = me
                return
            other = read_owner(self.path)
            if other is None:
                if not self.path.exists():
                    continue  # released between our two looks: try again
                raise ConfigError(
                    f"{self.folder}: another process is starting to write this folder "
                    f"({self.path} is being written); wait for it or use another --out"
                )
            if other.pid == me.pid and other.host == me.host:
                raise ConfigError(f"{self.folder}: this process already writes this folder")
            if not is_stale(other):
                remote = other.host != me.host
                hint = (
                    f"; if that process is gone, delete {self.path}"
                    if remote
                    else "; wait for it to finish, stop it, or use another --out"
                )
                raise ConfigError(
                    f"{self.folder}: another streetwise process is writing this folder: "
                    f"{other.describe()}{hint}"
                )
            # stale: move it aside under a name of our own, so only one process takes it over
            aside = self.path.with_name(f"{LOCK_NAME}.stale.{me.pid}")
            try:
                os.replace(self.path, aside)
            except FileNotFoundError:
                continue
            taken = read_owner(aside)
            if taken is not None and taken != other:
                # another process took the stale lock over first: put its lock back
                try:
                    os.link(aside, self.path)
                except OSError:
                    pass
                aside.unlink(missing_ok=True)
                continue
            aside.unlink(missing_ok=True)
            self.say(f"taking over the lock of {other.describe()}: that process no longer exists")
        raise ConfigError(f"{self.folder}: cannot take the lock {self.path}; try again")

    def _create(self, me: LockOwner) -> bool:
        data = (json.dumps(asdict(me), indent=2) + "\n").encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def release(self) -> None:
        """Give the lock up (only if it is still ours)."""
        if self.owner is None:
            return
        if read_owner(self.path) == self.owner:
            self.path.unlink(missing_ok=True)
        self.owner = None

    def __enter__(self) -> ResultsLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()

"""Will a run fit in memory? An up-front estimate from the street and population sizes.

A scenario can ask for more than a machine holds (``population.residents=200000000`` asks
for about 100 GB). Without a check it would fail late, with a ``MemoryError`` and a
traceback, after minutes of set-up. :func:`check_capacity` refuses it before anything runs,
with one line stating the estimate, the memory available and the key that contributes most;
the command line exits 2.

The estimate is linear in the sizes, with bytes per item rounded up from what one run
needed on the development machine (peak resident memory of ``run_model`` on the baseline
while one size was scaled tenfold or more, measured with ``resource.getrusage``):

=====================  ===========  ===========
item                   measured     estimate
=====================  ===========  ===========
grid cell              2.2 kB       3 kB
resident               0.37 kB      0.5 kB
worker ever present    1.3-1.7 kB   2 kB
issue (with reports)   2.5 kB       4 kB
=====================  ===========  ===========

plus :data:`FIXED_BYTES` for the model's own tables. Workers "ever present" counts the
replacements of those who leave (``monthly_turnover`` per kind over the whole horizon);
issues are the expected arrivals over the warm-up and the measured days. The estimate is
meant to be an upper bound for one run; a process executor holds one run per worker at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from model.config.codes import WORKER_KINDS
from model.config.errors import ConfigError
from model.config.scenario import ScenarioConfig

FIXED_BYTES = 64 * 2**20
"""Memory of a run that does not grow with the sizes (bytes)."""

BYTES_PER_CELL = 3_000
"""Memory per grid cell (bytes)."""

BYTES_PER_RESIDENT = 500
"""Memory per resident agent (bytes)."""

BYTES_PER_WORKER = 2_000
"""Memory per worker or staff member ever present (bytes)."""

BYTES_PER_ISSUE = 4_000
"""Memory per issue, its reports included (bytes)."""


@dataclass(frozen=True)
class MemoryEstimate:
    """What one run needs, in bytes, by part.

    Attributes:
        parts: bytes per contributing key (``street.cells_x``, ``population.residents``,
            ``population.workers``, ``issues.types``, and ``fixed``).
    """

    parts: dict[str, float]

    @property
    def total(self) -> float:
        """Bytes in all."""
        return sum(self.parts.values())

    @property
    def largest(self) -> str:
        """The key that contributes most (the fixed part aside)."""
        sizes = {key: value for key, value in self.parts.items() if key != "fixed"}
        return max(sizes, key=lambda key: sizes[key])


def estimate_run_memory(config: ScenarioConfig, days: int | None = None) -> MemoryEstimate:
    """Estimate the memory one run of ``config`` needs.

    Args:
        config: the validated scenario.
        days: measured days (default ``config.days``); the warm-up is added.

    Returns:
        The estimate by part (bytes).
    """
    horizon = (config.days if days is None else days) + config.warmup_days
    street, population = config.street, config.population
    cells = street.cells_x * street.cells_y
    workers_ever = 0.0
    for kind in WORKER_KINDS:
        count = getattr(population.workers, kind)
        turnover = getattr(config.workers, kind).monthly_turnover
        workers_ever += count * (1.0 + turnover * horizon / 30.0)
    communities = street.communities_x * street.communities_y
    workers_ever += population.staff_per_community * communities
    issues = sum(kind.arrivals_per_day for kind in config.issues.types.values()) * horizon
    return MemoryEstimate(
        {
            "street.cells_x": cells * BYTES_PER_CELL,
            "population.residents": population.residents * BYTES_PER_RESIDENT,
            "population.workers": workers_ever * BYTES_PER_WORKER,
            "issues.types": issues * BYTES_PER_ISSUE,
            "fixed": FIXED_BYTES,
        }
    )


CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)
"""Where a container's memory limit is read (cgroup v2, then v1)."""


def _cgroup_limit() -> int | None:
    for path in CGROUP_LIMITS:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def available_memory() -> int | None:
    """Bytes a new run can have now.

    ``MemAvailable`` (else the RAM size), capped by a container's memory limit. Returns
    None when the system does not say.
    """
    found: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                found = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    if found is None:
        try:
            found = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            found = None
    limit = _cgroup_limit()
    if limit is not None:
        found = limit if found is None else min(found, limit)
    return found


def human_bytes(count: float) -> str:
    """``1.5 GB``, ``320 MB``: decimal units, three significant figures at most."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:.0f} B"


def _key_value(config: ScenarioConfig, key: str) -> str:
    if key == "street.cells_x":
        return f"street.cells_x x cells_y = {config.street.cells_x} x {config.street.cells_y}"
    if key == "population.residents":
        return f"population.residents={config.population.residents}"
    if key == "population.workers":
        counts = config.population.workers
        return "population.workers=" + "/".join(str(getattr(counts, kind)) for kind in WORKER_KINDS)
    return key


def check_capacity(
    config: ScenarioConfig,
    *,
    days: int | None = None,
    concurrent: int = 1,
    source: str = "scenario",
    available: int | None = None,
) -> MemoryEstimate:
    """Refuse a run (or ``concurrent`` runs at once) that cannot fit in memory.

    Args:
        config: the validated scenario.
        days: measured days (default ``config.days``).
        concurrent: runs held in memory at once (worker processes of an experiment).
        source: what to name in the message (a file, an arm).
        available: bytes available (default :func:`available_memory`; for tests).

    Returns:
        The estimate of one run.

    Raises:
        ConfigError: one line with the estimate, the memory available and the largest part.
    """
    estimate = estimate_run_memory(config, days)
    if available is None:
        available = available_memory()
    if available is None:
        return estimate
    need = estimate.total * max(1, concurrent)
    if need <= available:
        return estimate
    what = _key_value(config, estimate.largest)
    if concurrent > 1 and estimate.total <= available:
        raise ConfigError(
            f"{source}: {concurrent} runs at once need about {human_bytes(need)} of memory "
            f"(about {human_bytes(estimate.total)} each), more than the "
            f"{human_bytes(available)} available; use fewer workers (--workers 1)"
        )
    raise ConfigError(
        f"{source}: {what}: a run needs about {human_bytes(estimate.total)} of memory "
        f"(estimated from the street and population sizes), more than the "
        f"{human_bytes(available)} available on this machine; make it smaller"
    )

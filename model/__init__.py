"""Streetwise: an agent-based model (Mesa) of gig workers in community governance.

The package is layered; a layer imports only the layers below it (checked by
``lint-imports`` with the contracts in ``pyproject.toml``):

- :mod:`model.cli` - the ``streetwise`` command;
- :mod:`model.reporting` - notebooks as HTML, figures, the parameter table;
- :mod:`model.experiments` - experiment design, executors, runner, results, calibration;
- :mod:`model.analysis` - statistics on result tables (never the simulation);
- :mod:`model.sim` - the Mesa model of one street;
- :mod:`model.outcomes` - the outcome contract, defined on a run's tables;
- :mod:`model.config` - the scenario schema, loading, named codes, paths, errors.
"""

import hashlib
import os
import shutil
from pathlib import Path

SINGLE_THREAD_ENV: dict[str, str] = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
"""One linear-algebra thread per process, unless the user set a number. The model's matrix
products are small (``draw_shifts``: workers x hours); numpy's default thread pool (one
thread per core) only spins against the other processes of an experiment and against the
run itself (measured: a year of the status quo took 38 s of CPU with the default pool and
14.5 s with one thread, identical outputs, on a loaded 2-core machine). Set here, before
numpy is first imported through the package, so the command line, the worker processes
(which import the package first) and notebooks that import ``model`` before numpy get it."""

PORTABLE_NUMERICS_ENV: dict[str, str] = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
}
"""numpy's float64 code for processors with AVX-512, off, unless the user set the variable.

On a processor with AVX-512 (numpy's ``X86_V4`` level and above) numpy computes ``exp``,
``log`` and other float64 functions with its own vectorised code, which differs from the C
library's in the last bit for about 5 % of ``exp``'s arguments (measured with numpy 2.5.5);
on other processors numpy calls the C library, as the compiled kernels (numba) always do. A
draw compared with ``1 - exp(-x)`` then goes the other way now and then, and a run's tables
differ from machine to machine. With these levels off a seed gives the same tables on any
x86-64 machine, and the kernels equal their numpy forms bit for bit (tested in
``tests/test_portable_numerics.py``); the arrays here are short, so the vectorised code bought
no measurable speed. Like the thread settings, it must be set before numpy is first imported:
the package sets it, the Makefile exports it for every command, and worker processes inherit
it. (The feature names are numpy 2.4's and later.)"""

PACKAGE_ENV: dict[str, str] = {**SINGLE_THREAD_ENV, **PORTABLE_NUMERICS_ENV}
"""Every environment default the package sets, each unless the user set the variable: here,
at the package's import, and in each process worker (``model.experiments.executors``)."""

for _name, _value in PACKAGE_ENV.items():
    os.environ.setdefault(_name, _value)


def compiled_sources_digest(folder: Path | None = None) -> str:
    """A digest of every module of ``folder`` (default ``model/sim``) that numba compiles.

    Args:
        folder: the folder whose ``*.py`` files are read.

    Returns:
        16 hex digits of the SHA-256 of the names and texts of the files that use ``@njit``.
    """
    folder = Path(__file__).parent / "sim" if folder is None else folder
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        text = path.read_bytes()
        if b"@njit" in text:
            digest.update(path.name.encode() + b"\0" + text)
    return digest.hexdigest()[:16]


NUMBA_CACHE_FOLDER = Path(__file__).parent / "sim" / "__pycache__" / "numba"
"""Where numba caches the compiled kernels: one subfolder per :func:`compiled_sources_digest`.

numba checks a cached kernel against its own file only, not against the compiled functions it
calls from other files (``model/sim/compiled_arithmetic.py``), so after an edit there it
would run the old code. Keying the cache folder on every compiled file makes an edit anywhere
recompile everything (about 20 s, once). Set as ``NUMBA_CACHE_DIR`` before numba is first
imported through the package, unless the user set it (worker processes inherit it)."""


def numba_cache_for(digest: str, folder: Path = NUMBA_CACHE_FOLDER) -> Path:
    """The cache folder of the compiled sources ``digest``; the first time, the others go.

    A folder of earlier sources is never used again once the files changed (about 2 MB
    each), so when the folder of a new digest is first asked for, every other digest's
    folder under ``folder`` is removed. A process still running the old code has loaded its
    kernels already; one that has not recompiles them (numba treats a missing cache as a
    miss). Nothing else lives there.

    Args:
        digest: :func:`compiled_sources_digest` of the sources now.
        folder: the folder holding one subfolder per digest.

    Returns:
        ``folder / digest`` (numba creates it when it first writes a kernel).
    """
    current = folder / digest
    if not current.exists() and folder.is_dir():
        for old in folder.iterdir():
            if old.is_dir() and old.name != digest:
                shutil.rmtree(old, ignore_errors=True)
    return current


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_for(compiled_sources_digest()))

__version__ = "0.1.0"

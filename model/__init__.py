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

import os

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

for _name, _value in SINGLE_THREAD_ENV.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"

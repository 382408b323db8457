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

__version__ = "0.1.0"

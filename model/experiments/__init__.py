"""Experiments: many runs of the model, and what they are compared against.

- :mod:`~model.experiments.design` - the experiment file's schema and its expansion into
  arms (listed or full-factorial) with common random numbers;
- :mod:`~model.experiments.executors` - where runs execute (serial, local processes, Dask):
  the one way the package runs many models;
- :mod:`~model.experiments.runner` - ``run_experiment``: batches, resuming, adaptive
  replications;
- :mod:`~model.experiments.results` - the results folder and its tables;
- :mod:`~model.experiments.store` - atomic, reproducible file writes (also of one run);
- :mod:`~model.experiments.provenance` - code and package versions, the manifest;
- :mod:`~model.experiments.calibration` - the empirical targets, the calibration table and
  the fit.

Imports the simulation, the outcomes, the statistics and the configuration; never the
reporting or the command line.
"""

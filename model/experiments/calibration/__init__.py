"""Calibration: the empirical targets, what the model simulates for each, and the fit.

- :mod:`~model.experiments.calibration.targets` - the targets and their bands;
- :mod:`~model.experiments.calibration.measures` - the simulated value of every target
  from one run's tables, the way the source measured it;
- :mod:`~model.experiments.calibration.table` - the status quo over several seeds against
  the bands (target | band | simulated mean with 95 % CI | inside);
- :mod:`~model.experiments.calibration.fit` - the documented search that set the free
  parameters (stored in ``scenarios/calibration/fit.json``).

Every run goes through the experiment executors.
"""

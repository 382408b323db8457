"""Outcomes: every outcome of a run, defined once, as functions of the run's tables.

:mod:`model.outcomes.contract` holds the outcome contract (names, definitions and
:func:`~model.outcomes.contract.compute_outcomes`); :mod:`model.outcomes.tables` reads the
Arrow tables as arrays. The simulation calls the definitions for each run; analysis and
calibration apply them to stored tables. Imports only :mod:`model.config`.
"""

"""Synthetic experiment results with planted effects, for tests and notebook drafts.

:func:`write_results` writes a results folder with exactly the files and columns of a real
experiment; :func:`make_standard_results`, :func:`make_factorial_results` and
:func:`make_sensitivity_results` write the three kinds the notebooks read;
:mod:`~model.reporting.synthetic.worlds` writes experiments run in sampled worlds
(:func:`make_robustness_results`, :func:`make_screening_results`) with a planted failure
region.
"""

from model.reporting.synthetic.folder import (
    SENSITIVITY_PARAMETERS,
    make_factorial_results,
    make_sensitivity_results,
    make_standard_results,
    write_results,
)
from model.reporting.synthetic.story import STANDARD_ARMS, ArmEffect, factorial_arms
from model.reporting.synthetic.worlds import (
    WORLDS_PARAMETERS,
    make_robustness_results,
    make_screening_results,
    write_worlds_results,
)

__all__ = [
    "SENSITIVITY_PARAMETERS",
    "STANDARD_ARMS",
    "WORLDS_PARAMETERS",
    "ArmEffect",
    "factorial_arms",
    "make_factorial_results",
    "make_robustness_results",
    "make_screening_results",
    "make_sensitivity_results",
    "make_standard_results",
    "write_results",
    "write_worlds_results",
]

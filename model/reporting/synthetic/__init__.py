"""Synthetic experiment results with planted effects, for tests and notebook drafts.

:func:`write_results` writes a results folder with exactly the files and columns of a real
experiment; :func:`make_standard_results`, :func:`make_factorial_results` and
:func:`make_sensitivity_results` write the three kinds the notebooks read.
"""

from model.reporting.synthetic.folder import (
    SENSITIVITY_PARAMETERS,
    make_factorial_results,
    make_sensitivity_results,
    make_standard_results,
    write_results,
)
from model.reporting.synthetic.story import STANDARD_ARMS, ArmEffect, factorial_arms

__all__ = [
    "SENSITIVITY_PARAMETERS",
    "STANDARD_ARMS",
    "ArmEffect",
    "factorial_arms",
    "make_factorial_results",
    "make_sensitivity_results",
    "make_standard_results",
    "write_results",
]

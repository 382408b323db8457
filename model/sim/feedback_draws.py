"""A report's four keyed draws, in one compiled call when it is filed.

A report takes a false-report draw when it is filed (purpose ``false_report``,
:meth:`model.sim.service.ServiceChain.submit`), and its reporter, when the issue ends, three
more: whether they are told (``told``), whether they see the outcome untold (``seen``) and
whether they are satisfied (``satisfied``); see
:meth:`model.sim.service.ServiceChain.inform_reporters`. All four are keyed on the same three
parts, the issue, the reporter's observer class and their slot: each is
``KeyedDraws.uniform(purpose, issue, observer, slot)``, the readable form this is tested
against. :meth:`FeedbackDraws.with_false` takes the four in one call when the report is filed
(one call instead of four saves three compiled calls' argument checks, some thousands of
times a run), and the reporter's three are kept until the issue ends.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.sim.streams import KeyedDraws, uniform_of_three

REPORT_PURPOSES = ("false_report", "told", "seen", "satisfied")
"""The purposes of a report's keyed draws, in the order :meth:`FeedbackDraws.with_false` gives."""


class FeedbackDraws:
    """The ``false_report``, ``told``, ``seen`` and ``satisfied`` draws of one report."""

    def __init__(self, draws: KeyedDraws) -> None:
        """Keep the four purposes' mixed states (:meth:`KeyedDraws.state`) in one array.

        One argument for the compiled call instead of four ``uint64`` scalars (each costs
        its type check).
        """
        self.report_states = np.array(
            [draws.state(purpose) for purpose in REPORT_PURPOSES], dtype=np.uint64
        )

    def with_false(self, issue: int, observer: int, slot: int) -> tuple[float, float, float, float]:
        """(false_report, told, seen, satisfied) uniforms in [0, 1) of a reporter."""
        return _four_uniforms(self.report_states, issue, observer, slot)


@njit(cache=True)
def _four_uniforms(
    states: np.ndarray, issue: int, observer: int, slot: int
) -> tuple[float, float, float, float]:
    """The uniforms of four purposes' mixed states, each with the same three parts mixed in.

    ``states`` holds the ``uint64`` states of :data:`REPORT_PURPOSES`, in that order.
    """
    return (
        uniform_of_three(states[0], issue, observer, slot),
        uniform_of_three(states[1], issue, observer, slot),
        uniform_of_three(states[2], issue, observer, slot),
        uniform_of_three(states[3], issue, observer, slot),
    )

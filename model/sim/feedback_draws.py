"""The three keyed draws of a reporter learning an outcome, in one compiled call.

A reporter who learns how an issue ended takes three uniforms keyed on the issue, their
observer class and their slot: whether they are told (purpose ``told``), whether they see
the outcome untold (``seen``) and whether they are satisfied (``satisfied``); see
:meth:`model.sim.service.ServiceChain.inform_reporters`. Each is
``KeyedDraws.uniform(purpose, issue, observer, slot)``, the readable form this kernel is
tested against; one call for the three saves two of the compiled calls'
argument checks, some thousands of times a run. A report's false-report draw (purpose
``false_report``, :meth:`model.sim.service.ServiceChain.submit`) is keyed on the same three
parts: :meth:`FeedbackDraws.with_false` takes the four in one call when the report is filed,
and the reporter's three are kept until the issue ends.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import keyed_step, keyed_unit
from model.sim.streams import KeyedDraws


class FeedbackDraws:
    """The ``told``, ``seen`` and ``satisfied`` draws of one reporter of one issue."""

    def __init__(self, draws: KeyedDraws) -> None:
        """Keep the three purposes' mixed states (:meth:`KeyedDraws.state`)."""
        self.told_state = draws.state("told")
        self.seen_state = draws.state("seen")
        self.satisfied_state = draws.state("satisfied")
        # the four purposes of a report's draws (with_false), in one array: one argument for
        # the compiled call instead of four ``uint64`` scalars (each costs its type check)
        self.report_states = np.array(
            [draws.state(p) for p in ("false_report", "told", "seen", "satisfied")],
            dtype=np.uint64,
        )

    def of(self, issue: int, observer: int, slot: int) -> tuple[float, float, float]:
        """(told, seen, satisfied) uniforms in [0, 1) of a reporter (observer class, slot)."""
        return _three_uniforms(
            self.told_state, self.seen_state, self.satisfied_state, issue, observer, slot
        )

    def with_false(self, issue: int, observer: int, slot: int) -> tuple[float, float, float, float]:
        """(false_report, told, seen, satisfied) uniforms in [0, 1) of a reporter."""
        return _four_uniforms(self.report_states, issue, observer, slot)


@njit(cache=True)
def _four_uniforms(
    states: np.ndarray, issue: int, observer: int, slot: int
) -> tuple[float, float, float, float]:
    """The uniforms of four purposes' mixed states, each with the same three parts mixed in.

    ``states`` holds the ``uint64`` states of ``false_report``, ``told``, ``seen`` and
    ``satisfied``, in that order.
    """
    false = keyed_unit(keyed_step(keyed_step(keyed_step(states[0], issue), observer), slot))
    told = keyed_unit(keyed_step(keyed_step(keyed_step(states[1], issue), observer), slot))
    seen = keyed_unit(keyed_step(keyed_step(keyed_step(states[2], issue), observer), slot))
    satisfied = keyed_unit(keyed_step(keyed_step(keyed_step(states[3], issue), observer), slot))
    return false, told, seen, satisfied


@njit(cache=True)
def _three_uniforms(
    told_state: np.uint64,
    seen_state: np.uint64,
    satisfied_state: np.uint64,
    issue: int,
    observer: int,
    slot: int,
) -> tuple[float, float, float]:
    """Three purposes' mixed states, each with the same three parts mixed in: their uniforms."""
    told = keyed_unit(keyed_step(keyed_step(keyed_step(told_state, issue), observer), slot))
    seen = keyed_unit(keyed_step(keyed_step(keyed_step(seen_state, issue), observer), slot))
    satisfied = keyed_unit(
        keyed_step(keyed_step(keyed_step(satisfied_state, issue), observer), slot)
    )
    return told, seen, satisfied

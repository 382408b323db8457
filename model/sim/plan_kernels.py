"""The bookkeeping of a day's plan, compiled: which rows decide, and the hour's reports.

:meth:`model.sim.perception.Perception.decide_planned` hands an hour's rows of the day's
plan to :func:`hour_reports`, which finds the planned decisions that no longer hold and,
once none is left, the reports the rows file, in order of time. It does in one call what
the plain numpy form does in a dozen (:meth:`~model.sim.perception.Perception._stale` and
:meth:`~model.sim.perception.Perception.filed_in_time_order`, which the tests hold it to,
row for row).

Arrays and numbers only (numba compiles them, cached on disk beside this file).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.config.codes import NO_CHANNEL, WORKER_KINDS

NOBODY_CHANGED = 0  # no planned decision can be stale
ANNOUNCED_CHANGED = 1  # compare the rows of the agents announced as changed
EVERY_ROW_STALE = 2  # the reward changed: every deciding row is decided anew
N_WORKER_KINDS = len(WORKER_KINDS)  # observer classes below this are workers


@njit(cache=True)
def hour_rows(
    rows: np.ndarray,
    decides: np.ndarray,
    observer: np.ndarray,
    slot: np.ndarray,
    noticed_at: np.ndarray,
    channel: np.ndarray,
    later: np.ndarray,
    expected_trust: np.ndarray,
    expected_belonging: np.ndarray,
    expected_agent: np.ndarray,
    announced: np.ndarray,
    worker_trust: np.ndarray,
    worker_belonging: np.ndarray,
    resident_trust: np.ndarray,
    compare: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stale rows of an hour of the plan; once there are none, the rows that report.

    A deciding row is stale where its agent's state is no longer the one its decision was
    drawn with: every deciding row when ``compare`` is ``EVERY_ROW_STALE``; the rows of
    agents announced as changed whose trust (and a worker's belonging) differs from the
    row's when it is ``ANNOUNCED_CHANGED``; none when it is ``NOBODY_CHANGED``. Stale rows
    are returned alone (the caller decides them anew and calls again with
    ``NOBODY_CHANGED``). Otherwise the deciding rows that report at the end of the shift
    are returned, and the rows that file a report now (a channel), in order of noticing
    time (ties in the order of the rows).

    Args:
        rows: the hour's rows of the plan, in order.
        decides: (n_plan,) the row brings a report decision.
        observer: (n_plan,) observer class of each row.
        slot: (n_plan,) worker or resident slot of each row.
        noticed_at: (n_plan,) noticing time of each row, hours.
        channel: (n_plan,) the planned channel of a report filed now (``NO_CHANNEL``: none).
        later: (n_plan,) the worker reports at the end of his shift instead.
        expected_trust: (n_plan,) the trust each decision was drawn with.
        expected_belonging: (n_plan,) the belonging each worker's decision was drawn with.
        expected_agent: (n_plan,) the deciding agent's place among the announced.
        announced: (n_places,) the agent has been announced as changed today.
        worker_trust: (n_worker_slots,) the workers' trust now.
        worker_belonging: (n_worker_slots,) the workers' belonging now.
        resident_trust: (n_residents,) the residents' trust now.
        compare: ``NOBODY_CHANGED``, ``ANNOUNCED_CHANGED`` or ``EVERY_ROW_STALE``.

    Returns:
        ``(stale, later_rows, filed)``: the stale rows; then (both empty if there are stale
        rows) the rows that report at the end of the shift, and those that file now, in
        order of noticing time.
    """
    n = len(rows)
    stale = np.empty(n, dtype=np.int64)
    n_stale = 0
    if compare != NOBODY_CHANGED:
        for r in rows:
            if not decides[r]:
                continue
            if compare == ANNOUNCED_CHANGED:
                if not announced[expected_agent[r]]:
                    continue
                s = slot[r]
                if observer[r] < N_WORKER_KINDS:
                    if (
                        expected_trust[r] == worker_trust[s]
                        and expected_belonging[r] == worker_belonging[s]
                    ):
                        continue
                elif expected_trust[r] == resident_trust[s]:
                    continue
            stale[n_stale] = r
            n_stale += 1
    n_out = n if n_stale == 0 else 0
    later_rows = np.empty(n_out, dtype=np.int64)
    filed = np.empty(n_out, dtype=np.int64)
    n_later = 0
    n_filed = 0
    for r in rows[:n_out]:
        if decides[r] and later[r]:
            later_rows[n_later] = r
            n_later += 1
        if channel[r] != NO_CHANNEL:
            filed[n_filed] = r
            n_filed += 1
    filed = filed[:n_filed]
    return (
        stale[:n_stale],
        later_rows[:n_later],
        filed[np.argsort(noticed_at[filed], kind="mergesort")],
    )

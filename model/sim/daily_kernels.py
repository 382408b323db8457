"""The day's shifts, compiled: who is online in each hour, from the day's draws.

:meth:`model.sim.workforce.WorkerTable.draw_shifts` draws three numbers per worker from the
``movement`` stream and hands them to :func:`shift_table`, which works out the same numbers
as the plain vectorised form :meth:`model.sim.workforce.WorkerTable.shifts_of` (the
readable truth, compared with the per-worker reference in ``tests/sim/test_reference.py``),
bit for bit, one worker at a time instead of some twenty numpy calls on whole arrays;
``tests/sim/test_daily_kernels.py`` holds it to that. The arithmetic is the same, element
by element and in the same order:

- a worker works today when his uniform falls below his kind's chance to work;
- his start is his kind's start option ``offset + int(u * n_options)``;
- his hours are ``clip(mean + sd * z, 1, 16)``, at most ``24 - start``, 0 off work;
- his share of hour ``h`` online is ``clip(start + hours - h, 0, 1)`` from the start hour
  on (times 1.0), 0 before it (times 0.0);
- the online counts by hour and group add the shares worker by worker, as ``np.bincount``
  with weights adds them (left to right over the flat table, slot by slot, hour by hour);
  the shares of 0 are skipped (adding 0.0 to a count, which is never -0.0, changes no bit),
  so a worker off work or an hour outside his shift costs nothing.

Arrays only (numba compiles it, cached on disk beside this file); the caller passes the
per-slot terms the worker table keeps (:meth:`~model.sim.workforce.WorkerTable._kind_terms`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def shift_table(
    u_work: np.ndarray,
    u_start: np.ndarray,
    z: np.ndarray,
    work_chance: np.ndarray,
    start_offset: np.ndarray,
    n_start_options: np.ndarray,
    start_options: np.ndarray,
    from_start_hour: np.ndarray,
    hours_mean: np.ndarray,
    hours_sd: np.ndarray,
    hour_group: np.ndarray,
    n_bins: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Today's shifts from the day's draws.

    Args:
        u_work: (n,) uniforms: works today.
        u_start: (n,) uniforms: the start option.
        z: (n,) standard normals: the length of the shift.
        work_chance: (n,) chance to work today, share.
        start_offset: (n,) index of the slot's kind's first option in ``start_options``.
        n_start_options: (n,) the kind's number of start options (a float, as in the
            vectorised form's product).
        start_options: (n_options,) the kinds' start hours, one kind after another.
        from_start_hour: (n_options, 24) 1.0 from each option's hour on, 0.0 before it.
        hours_mean: (n,) mean online hours of a working day, hours.
        hours_sd: (n,) their standard deviation, hours.
        hour_group: (n, 24) bin (hour x group) of each slot's hour in the counts.
        n_bins: bins of the counts (24 x groups).

    Returns:
        ``(online, counts, hours, end)``: (n, 24) share of each hour online, (n_bins,)
        online workers by bin, (n,) hours online today, (n,) hour the shift ends (NaN off
        work).
    """
    n = len(u_work)
    online = np.empty((n, 24))
    counts = np.zeros(n_bins)
    hours = np.empty(n)
    end = np.empty(n)
    for i in range(n):
        works = u_work[i] < work_chance[i]
        option = start_offset[i] + np.int64(u_start[i] * n_start_options[i])
        start = start_options[option]
        length = min(max(hours_mean[i] + hours_sd[i] * z[i], 1.0), 16.0)
        length = min(length, 24.0 - start) if works else 0.0
        shift_end = start + length
        hours[i] = length
        end[i] = shift_end if works else np.nan
        online[i, :] = 0.0
        if not works:
            continue  # start + 0 hours: no hour's share is above 0
        for h in range(24):
            if from_start_hour[option, h] == 0.0:
                continue  # before the start: a share times 0.0, which is 0.0
            left = shift_end - float(h)
            if left <= 0.0:
                break  # the shift is over: this hour's share and every later one are 0
            share = min(left, 1.0) * from_start_hour[option, h]
            online[i, h] = share
            # the counts start at +0.0 and only grow: adding a 0.0 share changes no bit,
            # so only the hours online are added, in the order bincount adds them
            counts[hour_group[i, h]] += share
    return online, counts, hours, end

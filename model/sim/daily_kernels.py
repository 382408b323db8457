"""The daily submodels, compiled: shifts, turnover, belonging, the newcomers' draws.

The daily submodels (run at midnight by :meth:`model.sim.model.StreetModel.start_day`) work
on arrays of about a thousand workers, where the fixed cost of each numpy call, not the
arithmetic, sets the time. The kernels here do the same arithmetic one worker at a time,
bit for bit, each beside a plain vectorised form that stays the readable truth (and is
what the per-worker references are compared with); ``tests/sim/test_daily_kernels.py``
holds each kernel to its form:

- :func:`shift_table` (for :meth:`~model.sim.workforce.WorkerTable.draw_shifts`; form:
  :meth:`~model.sim.workforce.WorkerTable.shifts_of`): a worker works today when his
  uniform falls below his kind's chance to work; his start is his kind's start option
  ``offset + int(u * n_options)``; his hours are ``clip(mean + sd * z, 1, 16)``, at most
  ``24 - start``, 0 off work; his share of hour ``h`` online is ``clip(start + hours - h,
  0, 1)`` from the start hour on (times 1.0), 0 before it (times 0.0); the online counts by
  hour and group add the shares worker by worker, as ``np.bincount`` with weights adds them
  (left to right over the flat table, slot by slot, hour by hour). Shares of 0 are skipped
  (adding 0.0 to a count, which is never -0.0, changes no bit), so a worker off work or an
  hour outside his shift costs nothing.
- :func:`leaving_slots` (for :meth:`~model.sim.workforce.WorkerTable.leaving`; form:
  :meth:`~model.sim.workforce.WorkerTable.leaving_hazard`): who leaves today.
- :func:`move_belonging` (for :meth:`~model.sim.workforce.WorkerTable.update_belonging`;
  form: :meth:`~model.sim.workforce.WorkerTable.belonging_target`): belonging moves towards
  its target.
- :func:`newcomer_uniforms` (for :func:`model.sim.model.newcomer_draws`; form:
  :meth:`model.sim.streams.KeyedDraws.uniform`): the keyed draws of the day's newcomers.

``math.exp`` here calls the C library's ``exp``, which numpy uses for float64 on these
machines; :func:`numpy_clip` is ``np.clip`` of one number. Arrays only (numba compiles
them, cached on disk beside this file); the callers pass the per-slot terms the worker
table keeps (:meth:`~model.sim.workforce.WorkerTable._kind_terms`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import keyed_step, keyed_unit


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
        length = numpy_clip(hours_mean[i] + hours_sd[i] * z[i], 1.0, 16.0)
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


@njit(cache=True)
def numpy_clip(x: float, low: float, high: float) -> float:
    """``np.clip`` of one number, as numpy clips (NaN stays NaN).

    The larger of ``x`` and ``low`` (``x`` when ``x > low``), then the smaller of that and
    ``high`` (the first when it is ``< high``).
    """
    if math.isnan(x):
        return x
    x = x if x > low else low
    return x if x < high else high


@njit(cache=True)
def leaving_slots(
    u: np.ndarray,
    belonging: np.ndarray,
    insured: np.ndarray,
    daily_turnover: np.ndarray,
    elasticity: float,
    belonging_initial: float,
    insured_factor: float,
) -> np.ndarray:
    """Slots whose worker leaves today: ``u < hazard``.

    :meth:`model.sim.workforce.WorkerTable.leaving_hazard` is the vectorised hazard.

    The hazard of slot ``i`` is ``daily_turnover[i] * (exp(-elasticity * (belonging[i] -
    belonging_initial)) * (insured_factor if insured[i] else 1.0))``, in that order.

    Returns:
        Indices of leaving slots, ascending (as ``np.flatnonzero``).
    """
    n = len(u)
    slots = np.empty(n, dtype=np.int64)
    k = 0
    minus_elasticity = -elasticity
    for i in range(n):
        factor = math.exp(minus_elasticity * (belonging[i] - belonging_initial))
        factor *= insured_factor if insured[i] else 1.0
        if u[i] < daily_turnover[i] * factor:
            slots[k] = i
            k += 1
    return slots[:k].copy()


@njit(cache=True)
def move_belonging(
    belonging: np.ndarray,
    belonging_base: np.ndarray,
    registered: np.ndarray,
    role: np.ndarray,
    insured: np.ndarray,
    registered_gain: float,
    role_gain: float,
    insured_gain: float,
    honours_spillover: float,
    adjust_per_day: float,
) -> None:
    """Belonging moves a share of the way to its target, in place.

    :meth:`model.sim.workforce.WorkerTable.belonging_target` is the vectorised target.

    Target ``base + registered_gain * registered + role_gain * (role != 0) + insured_gain *
    insured`` (each flag as 1.0 or 0.0, added left to right), ``+ honours_spillover *
    registered`` when the spillover is not 0, clipped to [0, 1]; belonging ``+=
    adjust_per_day * (target - belonging)``.
    """
    for i in range(len(belonging)):
        target = (
            belonging_base[i]
            + registered_gain * (1.0 if registered[i] else 0.0)
            + role_gain * (1.0 if role[i] != 0 else 0.0)
            + insured_gain * (1.0 if insured[i] else 0.0)
        )
        if honours_spillover != 0.0:
            target += honours_spillover * (1.0 if registered[i] else 0.0)
        belonging[i] += adjust_per_day * (numpy_clip(target, 0.0, 1.0) - belonging[i])


@njit(cache=True)
def newcomer_uniforms(
    purpose_state: np.uint64, day: int, slots: np.ndarray, n_draws: int
) -> np.ndarray:
    """The newcomers' uniforms (see :func:`model.sim.model.newcomer_draws`).

    The numbers of ``KeyedDraws.uniform("newcomer", day, slots[:, None],
    np.arange(n_draws)[None, :])``.

    Args:
        purpose_state: the ``newcomer`` purpose's state (``draws.state("newcomer")``).
        day: the day the slots are refilled.
        slots: (n,) the slots refilled.
        n_draws: uniforms per newcomer.

    Returns:
        (n, n_draws) uniforms in [0, 1).
    """
    day_state = keyed_step(purpose_state, np.int64(day))
    out = np.empty((len(slots), n_draws))
    for i in range(len(slots)):
        slot_state = keyed_step(day_state, slots[i])
        for j in range(n_draws):
            out[i, j] = keyed_unit(keyed_step(slot_state, np.int64(j)))
    return out

"""The numpy forms of the daily workforce submodels that the model runs compiled.

:class:`~model.sim.workforce.WorkerTable` draws shifts, turnover, registration, belonging and
newcomers through compiled kernels (:mod:`model.sim.daily_kernels`). These functions are the
same steps written plainly with numpy on the same table and the same draws:
:func:`shifts_of` (today's shifts), :func:`leaving_hazard` (today's chance to leave),
:func:`newly_registered` (who registers today), :func:`belonging_target` (the belonging each
worker moves towards) and :func:`newcomer_traits_of` (a newcomer's drawn traits). The tests
hold every kernel to its form here, bit for bit
(``tests/sim/test_daily_kernels.py``); the model itself never calls them.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from model.config.codes import WORKER_KINDS, Role
from model.sim.workforce import HOURS, Shifts, WorkerTable


def shifts_of(table: WorkerTable, u_work: np.ndarray, u_start: np.ndarray, z: np.ndarray) -> Shifts:
    """Today's shifts from the day's draws (see :meth:`WorkerTable.draw_shifts`).

    The readable form of :func:`model.sim.daily_kernels.shift_table`, which the model runs.

    Args:
        table: the worker table (its per-slot kind terms and hour bins are read).
        u_work: (n_workers,) uniforms: works today.
        u_start: (n_workers,) uniforms: the start option.
        z: (n_workers,) standard normals: the length of the shift, in standard deviations.

    Returns:
        Today's shifts.
    """
    n = len(table)
    # the kind's terms gathered per slot (see WorkerTable._kind_terms): the same comparisons
    # and arithmetic, element by element, as one pass over each kind's slots
    works = u_work < table._work_chance
    option = table._start_offset + (u_start * table._n_start_options).astype(np.int64)
    start = table._start_options[option]
    hours = np.clip(table._hours_mean + table._hours_sd * z, 1.0, 16.0)
    hours = np.where(works, np.minimum(hours, 24.0 - start), 0.0)
    shift_end = start + hours
    # online[i, h] = clip(shift_end[i] - h, 0, 1) from the start hour on, else 0, computed
    # on the flat (n * 24) table: whole-array operations instead of n short broadcast rows;
    # the hours before the start are zeroed by multiplying with the start option's row of
    # 1.0 / 0.0 (the same numbers as with a boolean mask)
    hour_of_cell = np.tile(HOURS.astype(float), n)  # hour of day of each flat cell
    online = np.repeat(shift_end, 24)
    np.subtract(online, hour_of_cell, out=online)
    np.clip(online, 0.0, 1.0, out=online)
    online = online.reshape(n, 24)
    np.multiply(online, np.take(table._from_start_hour, option, axis=0), out=online)
    # per-hour sums by group without a matrix product; the bins (hour x group) of each slot
    # are kept by WorkerTable.renew
    counts = np.bincount(
        table._hour_group.ravel(), weights=online.ravel(), minlength=24 * table._n_groups
    )
    counts = counts.reshape(24, len(WORKER_KINDS), table.n_communities)
    end = np.where(works, shift_end, np.nan)
    return Shifts(online=online, counts=counts, hours=hours, end=end)


def leaving_hazard(table: WorkerTable) -> np.ndarray:
    """(n_workers,) today's chance to leave, share (see :meth:`WorkerTable.leaving`).

    The readable form of :func:`model.sim.daily_kernels.leaving_slots`, which the model runs:
    a worker leaves when his uniform falls below this hazard.

    Daily hazard ``1 - (1 - m) ** (1 / 30)`` from the kind's monthly turnover ``m`` (source:
    ``monthly_turnover_crowdsourced`` for riders), times ``exp(-e * (belonging -
    belonging_initial))`` and the insured factor (assumption). The hazard is not clipped to
    [0, 1]: a uniform in [0, 1) falls below it exactly when it falls below the clipped hazard.

    Args:
        table: the worker table (belonging and insurance are read).
    """
    b = table.behaviour
    factor = np.exp(
        -b.turnover_belonging_elasticity * (table.belonging - table.workers.belonging_initial)
    )
    factor *= np.where(table.insured, b.turnover_insured_factor, 1.0)
    return table._daily_turnover * factor


def newly_registered(table: WorkerTable, u: np.ndarray, extra_hazard: np.ndarray) -> np.ndarray:
    """Unregistered workers who register (报到) today (see :meth:`WorkerTable.register`).

    The readable form of :func:`model.sim.daily_kernels.registering_slots`, which the model
    runs (and which also marks them registered): daily hazard ``registration_daily_hazard``
    plus the levers' ``extra_hazard``, not clipped to [0, 1] (a uniform in [0, 1) falls below
    it exactly when it falls below the clipped hazard).

    Args:
        table: the worker table (registration is read, not changed).
        u: (n_workers,) the day's uniforms.
        extra_hazard: (n_workers,) extra daily hazard from the levers, share.

    Returns:
        Indices of the slots that register, ascending.
    """
    hazard = table.workers.registration_daily_hazard + extra_hazard
    return np.flatnonzero(~table.registered & (u < hazard))


def belonging_target(table: WorkerTable, honours_spillover: float) -> np.ndarray:
    """(n_workers,) the belonging each worker moves to, share 0-1.

    The readable target of :func:`model.sim.daily_kernels.move_belonging`, which the model
    runs (see :meth:`WorkerTable.update_belonging`): belonging ``+= belonging_adjust_per_day
    * (target - belonging)``.

    Target = individual baseline + gains from registration, a post, insurance and the
    publicity of honours for registered workers (assumptions; belonging dynamics of the
    design brief), clipped to [0, 1]. Event bumps (outcomes, visits, honours, meetings) are
    added apart.

    Args:
        table: the worker table (baseline belonging, registration, posts, insurance).
        honours_spillover: belonging a registered worker gains from the publicity of
            honours, share.
    """
    b = table.behaviour
    target = (
        table.belonging_base
        + b.belonging_registered_gain * table.registered
        + b.belonging_role_gain * (table.role != Role.NONE)
        + b.belonging_insured_gain * table.insured
    )
    # without honours the publicity term is +0.0 for all, which changes no sum here (a sum
    # of non-negative terms is never -0.0): skip it
    if honours_spillover != 0.0:
        target += honours_spillover * table.registered
    return np.clip(target, 0, 1)


def newcomer_traits_of(
    table: WorkerTable, slots: np.ndarray, draws: np.ndarray
) -> dict[str, np.ndarray]:
    """The drawn traits of newcomers in ``slots`` (see :meth:`WorkerTable.renew`).

    The readable form of :func:`model.sim.daily_kernels.newcomer_traits`, which the model
    runs.

    Args:
        table: the worker table (kinds, base weights and the workers' trait settings).
        slots: the slots refilled.
        draws: (len(slots), :data:`~model.sim.workforce.NEWCOMER_DRAWS`) uniforms, one row
            per newcomer.

    Returns:
        Arrays by trait, one value per newcomer: ``base``, ``group``, ``hour_group``
        (len(slots), 24), ``motivation``, ``belonging_base``, ``registered``, ``insured``
        and ``adopted_mini_program``.
    """
    w = table.workers
    kinds = table.kind[slots]
    cum = table._base_cumulative[kinds]
    base = np.minimum((draws[:, 0][:, None] > cum).sum(axis=1), table.n_communities - 1)
    group = table._group_of_kind[kinds] + base
    z = ndtri(np.clip(draws[:, 1:3], 1e-12, 1.0 - 1e-12))
    hour_offsets = HOURS[None, :] * table._n_groups  # first bin of each hour
    return {
        "base": base,
        "group": group,
        "hour_group": hour_offsets + group[:, None],
        "motivation": np.clip(w.motivation_mean + w.motivation_sd * z[:, 0], 0, 1),
        "belonging_base": np.clip(
            w.belonging_initial + table.behaviour.belonging_sd * z[:, 1], 0, 1
        ),
        "registered": draws[:, 3] < w.registered_at_entry,
        "insured": draws[:, 4] < w.insured_share,
        "adopted_mini_program": draws[:, 5] < table.mini_program_adoption,
    }

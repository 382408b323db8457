"""Per-worker references for the workforce: shifts and belonging.

Worker by worker, for :class:`model.sim.workforce.WorkerTable`: :func:`shifts` (today's
shifts from the draws of ``draw_shifts``: share of each hour online, hours online today),
:func:`update_belonging` (belonging moves towards its status-dependent target, docs/ODD.md
section 7.8) and :func:`bump_belonging` (one worker's belonging moved by a share, within
[0, 1]), which the lever references use.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import WORKER_KINDS, Role
from model.sim.workforce import WorkerTable


def shifts(
    workforce: WorkerTable, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's shifts worker by worker (draws of ``draw_shifts``: work, start, length).

    Returns:
        ``(online, counts, hours)``: (n_workers, 24) share of each hour online,
        (24, n_kinds, n_communities) online workers, (n_workers,) hours online today.
    """
    n = len(workforce)
    u_work, u_start, z = rng.random(n), rng.random(n), rng.standard_normal(n)
    online = np.zeros((n, 24))
    hours_today = np.zeros(n)
    counts = np.zeros((24, len(WORKER_KINDS), workforce.n_communities))
    for w in range(n):
        profile = getattr(workforce.workers, WORKER_KINDS[workforce.kind[w]])
        if not u_work[w] < profile.workdays_per_week / 7.0:
            continue
        options = profile.shift_start_hours
        start = float(options[int(u_start[w] * len(options))])
        length = min(max(profile.online_hours_mean + profile.online_hours_sd * z[w], 1.0), 16.0)
        length = min(length, 24.0 - start)
        hours_today[w] = length
        for h in range(24):
            share = min(max(start + length - h, 0.0), 1.0) if h >= start else 0.0
            online[w, h] = share
            counts[h, workforce.kind[w], workforce.base[w]] += share
    return online, counts, hours_today


def bump_belonging(wf: WorkerTable, slot: int, amount: float) -> None:
    """One worker's belonging moves by ``amount`` (a share), kept within [0, 1].

    The per-worker form of :meth:`model.sim.workforce.WorkerTable.bump_belonging`.
    """
    wf.belonging[slot] = min(max(wf.belonging[slot] + amount, 0.0), 1.0)


def update_belonging(wf: WorkerTable, honours_spillover: float) -> None:
    """Worker by worker: belonging moves towards its status-dependent target (section 7.8)."""
    b = wf.behaviour
    for w in range(len(wf)):
        target = (
            wf.belonging_base[w]
            + b.belonging_registered_gain * wf.registered[w]
            + b.belonging_role_gain * (wf.role[w] != Role.NONE)
            + b.belonging_insured_gain * wf.insured[w]
            + honours_spillover * wf.registered[w]
        )
        target = min(max(target, 0.0), 1.0)
        wf.belonging[w] += b.belonging_adjust_per_day * (target - wf.belonging[w])

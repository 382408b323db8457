"""The daily record's numbers of the workers and residents, compiled.

At the end of each day :meth:`model.sim.recorder.Recorder.record_day` reads a handful of
counts, shares and means off the worker and resident tables (about a thousand workers and a
few thousand residents), where each numpy call costs more in its fixed overhead than in its
arithmetic. :func:`day_numbers` reads them in one pass, bit for bit the numbers of the
vectorised form :func:`model.sim.recorder.day_numbers_of` (held to it by
``tests/sim/test_record_kernels.py``): the counts are exact, and every sum is numpy's
pairwise sum of the same contiguous row (:func:`~model.sim.compiled_arithmetic.numpy_sum`),
so the means the recorder divides out are ``ndarray.mean``'s.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import numpy_sum


@njit(cache=True)
def day_numbers(
    hours: np.ndarray,
    is_rider: np.ndarray,
    last_report_at: np.ndarray,
    active_since: float,
    registered: np.ndarray,
    insured: np.ndarray,
    role: np.ndarray,
    no_post: int,
    belonging: np.ndarray,
    trust: np.ndarray,
    satisfaction: np.ndarray,
) -> tuple[float, int, int, int, int, int, float, float, float]:
    """The sums and counts behind the day's workforce and resident series.

    Args:
        hours: (n_workers,) hours online today.
        is_rider: (n_workers,) the slot is a rider's.
        last_report_at: (n_workers,) hour of each worker's latest report (-inf = none).
        active_since: hour from which a report makes a worker an active participant.
        registered: (n_workers,) registered (报到).
        insured: (n_workers,) insured.
        role: (n_workers,) designated post code.
        no_post: the code of no post (``Role.NONE``).
        belonging: (n_workers,) belonging, share.
        trust: (n_workers,) workers' trust, share.
        satisfaction: (n_residents,) residents' satisfaction, share.

    Returns:
        ``(rider_hours_sum, riders_working, active, registered, insured, post_holders,
        belonging_sum, trust_sum, satisfaction_sum)``: the hours of the riders online today
        (added pairwise in slot order, as numpy adds ``hours[riders]``) and their number;
        the workers who reported at or after ``active_since``, the registered, the insured
        and the post holders; the pairwise sums of belonging, trust and satisfaction.
    """
    n = len(hours)
    rider_hours = np.empty(n)
    riders_working = 0
    active = 0
    n_registered = 0
    n_insured = 0
    post_holders = 0
    for i in range(n):
        if is_rider[i] and hours[i] > 0.0:
            rider_hours[riders_working] = hours[i]
            riders_working += 1
        if last_report_at[i] >= active_since:
            active += 1
        if registered[i]:
            n_registered += 1
        if insured[i]:
            n_insured += 1
        if role[i] != no_post:
            post_holders += 1
    return (
        numpy_sum(rider_hours, 0, riders_working),
        riders_working,
        active,
        n_registered,
        n_insured,
        post_holders,
        numpy_sum(belonging, 0, n),
        numpy_sum(trust, 0, n),
        numpy_sum(satisfaction, 0, len(satisfaction)),
    )

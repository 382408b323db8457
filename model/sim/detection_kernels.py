"""The day's detections, compiled: who notices which issue in each hour of a day.

:meth:`model.sim.detection.Detector.detect_day` calls these once a day. They draw exactly
what :meth:`~model.sim.detection.Detector.passes_hours` with
:meth:`~model.sim.detection.Detector.detect_hours` (the plain vectorised form) draws, bit for
bit, one (hour, issue, observer class) at a time instead of a few dozen numpy calls on
whole arrays; ``tests/sim/test_dayplan.py`` and ``tests/sim/test_detection.py`` hold them to
it. The model is the one described in :mod:`model.sim.detection`:

- :func:`notice_hits`: the intensity of each observer class at each issue in each hour
  (workers: their passes at the issue's cell times the online counts by kind and base,
  summed as numpy sums, times the relay factor for opinions heard at the door; residents and
  staff: their looks), and the keyed noticing draw ``u < 1 - exp(-intensity)``. No draw is
  made where the intensity is 0 all day (it could not fall below it; every draw is keyed on
  its hour, issue and class, so the others are the same numbers), and the intensity and its
  exponential are worked out only for the few draws below the day's ceiling of it.
- the agent of each hit is picked in :mod:`model.sim.pick_kernels`
  (:func:`~model.sim.pick_kernels.pick_noticers`).
- :func:`take_hour`: an hour's rows of the day's plan, of issues still open, marked as
  detections.

Arrays only (numba compiles them, cached on disk beside this file); the caller passes the
detector's per-issue tables whole (the kernels read the rows of the day's issues), the
worker table's and the resident table's arrays. The small helpers the loops call
(:func:`weighted_sum`, :func:`noticed`, :func:`keyed_below`) are inlined: a call that passes
arrays costs more than their work.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.sim.compiled_arithmetic import (
    GOLDEN,
    TO_UNIT,
    keyed_step,
    numpy_sum,
    splitmix,
)

KEY_STRIDE = 8
"""An issue's key in the noticing draw is ``issue * 8 + observer class``."""


@njit(cache=True)
def notice_hits(
    issue_idx: np.ndarray,
    rows: np.ndarray,
    hour_index: np.ndarray,
    worker_rows: np.ndarray,
    opinion: np.ndarray,
    community: np.ndarray,
    relay_factor: np.ndarray,
    counts: np.ndarray,
    resident_looks: np.ndarray,
    resident_hour_factor: np.ndarray,
    staff_looks: np.ndarray,
    staff_on_duty: np.ndarray,
    notice_state: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The noticing draws of a day's hours: which (hour, issue, class) notice.

    The per-issue inputs are the detector's tables for the whole issue log, read at each
    issue's row (no copies of the day's rows are made).

    Args:
        issue_idx: (n,) issue indices (the draws' keys).
        rows: (n,) each issue's row in the tables below (its index in the prepared log).
        hour_index: (n_hours,) hours since the start (the draws' keys).
        worker_rows: (N, n_kinds, n_bases) each issue's worker passes per kind and base,
            scaled by building access and visibility (the detector's prepared rows).
        opinion: (N,) the issue is an opinion heard at the door (its workers' passes are
            scaled by the relay factor of its community).
        community: (N,) each issue's community.
        relay_factor: (n_communities,) the relay factor of opinions heard at the door.
        counts: (n_hours, n_kinds, n_bases) online workers per hour, kind and base.
        resident_looks: (N,) residents' looks at each issue, times visibility and access.
        resident_hour_factor: (n_hours,) residents' activity in each hour.
        staff_looks: (N,) staff patrol looks at each issue, times visibility and access.
        staff_on_duty: (n_hours,) the offices are open (staff on patrol): 1.0 or 0.0 (or
            True and False).
        notice_state: the keyed state of the ``notice`` purpose.

    Returns:
        ``(hour, issue, observer)``: positions in ``hour_index`` and ``issue_idx`` and the
        observer class of each hit (worker kinds first, then residents, then staff), in
        order of hour, then issue, then class.
    """
    n_hours, n = len(hour_index), len(issue_idx)
    n_kinds, n_bases = worker_rows.shape[1], worker_rows.shape[2]
    n_observers = n_kinds + 2
    resident = n_kinds  # then staff
    # A draw notices where u < 1 - exp(-intensity), which is never more than the intensity,
    # and a class's intensity in any hour is at most its ceiling of the day: its passes at
    # the day's peak online counts (looks at the day's peak activity, for residents and
    # staff; floating-point sums and products of larger nonnegative terms are never
    # smaller). So the exact intensity and its exp are worked out only where the draw falls
    # below that ceiling, a few draws in a hundred, and no draw is made at all where the
    # ceiling is 0. The margin covers the last bit of exp.
    margin = 1.0 + 1e-9
    peak = np.zeros((n_kinds, n_bases))
    online = np.zeros((n_hours, n_kinds), dtype=np.bool_)  # any worker of the kind online
    resident_peak, staff_peak = 0.0, 0.0
    for h in range(n_hours):
        for k in range(n_kinds):
            for b in range(n_bases):
                peak[k, b] = max(peak[k, b], counts[h, k, b])
                online[h, k] = online[h, k] or counts[h, k, b] > 0.0
        resident_peak = max(resident_peak, resident_hour_factor[h])
        staff_peak = max(staff_peak, staff_on_duty[h] * 1.0)
    # Each class's issues with a ceiling above 0, in order, with the part each adds to the
    # hour's state in its draw, (issue * 8 + class + 1) * golden, and its ceiling as a
    # whole number of 2**-53: the draw u is the top 53 bits of the mixed state times
    # 2**-53, so u < ceiling only if those bits, read as a whole number, are below it.
    position = np.empty((n_observers, n), dtype=np.int64)
    added = np.empty((n_observers, n), dtype=np.uint64)
    limit = np.empty((n_observers, n), dtype=np.uint64)
    drawn = np.zeros(n_observers, dtype=np.int64)
    relay = np.empty(n)
    for i in range(n):
        r = rows[i]
        relay[i] = relay_factor[community[r]] if opinion[r] else 1.0
        for observer in range(n_observers):
            if observer < n_kinds:
                passes = weighted_sum(worker_rows[r, observer], peak[observer])
                ceiling = passes * relay[i] * margin
            elif observer == resident:
                ceiling = resident_looks[r] * resident_peak * margin
            else:
                ceiling = staff_looks[r] * staff_peak * margin
            if ceiling > 0.0:  # (not NaN either)
                j = drawn[observer]
                position[observer, j] = i
                key = np.uint64(issue_idx[i] * KEY_STRIDE + observer)
                added[observer, j] = (key + np.uint64(1)) * GOLDEN
                limit[observer, j] = _units_limit(ceiling)
                drawn[observer] = j + 1
    top = np.empty(n, dtype=np.uint64)
    flags = np.zeros(8 * (n // 8 + 1), dtype=np.uint8)
    chosen = np.empty(n, dtype=np.int64)
    hit_hour = np.empty(256, dtype=np.int64)
    hit_issue = np.empty(256, dtype=np.int64)
    hit_observer = np.empty(256, dtype=np.int64)
    hour_hits = np.empty(n * n_observers, dtype=np.int64)  # issue * n_observers + class
    hits = 0
    for h in range(n_hours):
        hour_state = keyed_step(notice_state, hour_index[h])
        n_hour_hits = 0
        for observer in range(n_observers):
            if observer < n_kinds:
                if not online[h, observer]:
                    continue  # nobody of the kind online: every intensity of the kind is 0
            elif observer == resident:
                if not resident_hour_factor[h] > 0.0:
                    continue  # every resident intensity is 0 (or NaN): nothing noticed
            elif not staff_on_duty[h] > 0.0:
                continue  # off duty: every staff intensity is 0, no draw
            # the draws of the hour and class, straight-line arithmetic the compiler runs
            # several issues at a time, then the few below their ceiling looked at closely
            below = keyed_below(
                hour_state, added[observer], limit[observer], drawn[observer], top, flags, chosen
            )
            for c in range(below):
                j = chosen[c]
                i = position[observer, j]
                r = rows[i]
                if observer < n_kinds:
                    passes = weighted_sum(worker_rows[r, observer], counts[h, observer])
                    intensity = passes * relay[i]
                elif observer == resident:
                    intensity = resident_looks[r] * resident_hour_factor[h]
                else:
                    intensity = staff_looks[r] * staff_on_duty[h]
                u = float(np.int64(top[j])) * TO_UNIT  # keyed_unit's number
                if noticed(u, intensity):
                    hour_hits[n_hour_hits] = i * n_observers + observer
                    n_hour_hits += 1
        # the hour's hits were found class by class: put them in order of issue, then class
        insertion_sort(hour_hits, n_hour_hits)
        for j in range(n_hour_hits):
            if hits == len(hit_hour):
                hit_hour = _grown(hit_hour)
                hit_issue = _grown(hit_issue)
                hit_observer = _grown(hit_observer)
            hit_hour[hits] = h
            hit_issue[hits] = hour_hits[j] // n_observers
            hit_observer[hits] = hour_hits[j] % n_observers
            hits += 1
    return hit_hour[:hits].copy(), hit_issue[:hits].copy(), hit_observer[:hits].copy()


@njit(cache=True, inline="always")
def noticed(u: float, intensity: float) -> bool:
    """``u < -math.expm1(-intensity)``, the noticing draw, with exp worked out only near it.

    For ``x >= 0``, ``x - x**2 / 2 <= 1 - exp(-x) <= x``, and ``-expm1(-x)`` is within a
    unit in the last place of it: a draw below the lower bound (less a margin of 1e-9 of
    it, far more than the rounding of either side) is below ``-expm1(-x)`` too, and one at
    or above the upper bound (plus the margin) is not. Only a draw between the two, one in
    about ``2 / x`` of those below ``x``, needs the exponential; NaN goes there too (and is
    never noticed).
    """
    if u < (intensity - 0.5 * intensity * intensity) * (1.0 - 1e-9):
        return True
    if u >= intensity * (1.0 + 1e-9):
        return False
    return u < -math.expm1(-intensity)


@njit(cache=True, inline="always")
def weighted_sum(values: np.ndarray, weights: np.ndarray) -> float:
    """``(values * weights).sum()`` as numpy adds the products of two rows of equal length.

    The products summed in numpy's pairwise order (:func:`numpy_sum`: eight running sums
    from 8 numbers on), without a row of products in memory, for rows of at most 128 (the
    street's bases); a longer row is summed by :func:`numpy_sum`. Inlined: a call with
    arrays in the hot loop costs more than the sum.
    """
    n = len(values)
    if n > 128:
        products = np.empty(n)
        for i in range(n):
            products[i] = values[i] * weights[i]
        return numpy_sum(products, 0, n)
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[i] * weights[i]
        return 0.0 + total  # numpy starts from 0: -0.0 sums to +0.0
    r0, r1 = values[0] * weights[0], values[1] * weights[1]
    r2, r3 = values[2] * weights[2], values[3] * weights[3]
    r4, r5 = values[4] * weights[4], values[5] * weights[5]
    r6, r7 = values[6] * weights[6], values[7] * weights[7]
    i = 8
    while i < n - n % 8:
        r0 += values[i] * weights[i]
        r1 += values[i + 1] * weights[i + 1]
        r2 += values[i + 2] * weights[i + 2]
        r3 += values[i + 3] * weights[i + 3]
        r4 += values[i + 4] * weights[i + 4]
        r5 += values[i + 5] * weights[i + 5]
        r6 += values[i + 6] * weights[i + 6]
        r7 += values[i + 7] * weights[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[i] * weights[i]
        i += 1
    return 0.0 + total


@njit(cache=True)
def _units_limit(ceiling: float) -> np.uint64:
    """A whole-number limit of the draws' top bits that lets every draw below ``ceiling`` in.

    The least ``L`` with ``t < L`` for every whole ``t`` below 2**53 with ``t * 2**-53 <
    ceiling``, so that ``top < L`` lets every draw below the ceiling through (and a few
    more; the exact comparison follows). ``ceiling`` is above 0.
    """
    if ceiling >= 1.0:
        return np.uint64(2**53)  # every draw
    return np.uint64(ceiling * 2.0**53) + np.uint64(1)  # exact scaling, then its floor + 1


@njit(cache=True, inline="always")
def insertion_sort(values: np.ndarray, n: int) -> None:
    """Sort ``values[:n]`` in place (a few dozen numbers: no call, no recursion)."""
    for i in range(1, n):
        value = values[i]
        j = i - 1
        while j >= 0 and values[j] > value:
            values[j + 1] = values[j]
            j -= 1
        values[j + 1] = value


@njit(cache=True, inline="always")
def keyed_below(
    state: np.uint64,
    added: np.ndarray,
    limit: np.ndarray,
    m: int,
    top: np.ndarray,
    flags: np.ndarray,
    chosen: np.ndarray,
) -> int:
    """The draws of the first ``m`` parts whose top 53 bits are below their limit.

    Writes the top bits of every draw to ``top`` and the positions of those below their
    limit, in order, to ``chosen``; returns how many. The draws and their comparisons run
    in one loop the compiler runs several parts at a time (a byte per part in ``flags``),
    and the flags are then read eight at a time (as one 64-bit word, almost always 0: most
    draws are far above their limit).

    Args:
        state: the mixed state the parts are mixed into.
        added: (>= m,) each part's ``(part + 1) * golden``.
        limit: (>= m,) each part's limit (:func:`_units_limit`).
        m: how many parts.
        top: (>= m,) where the top bits are written.
        flags: (a multiple of 8, >= m) scratch bytes (those past ``m`` are not read as
            flags, only as part of the last word).
        chosen: (>= m,) where the positions below their limit are written.
    """
    for j in range(m):
        z = splitmix(state + added[j]) >> np.uint64(11)
        top[j] = z
        flags[j] = z < limit[j]
    words = flags.view(np.uint64)
    below = 0
    for w in range((m + 7) // 8):
        if words[w] != 0:
            for j in range(8 * w, min(8 * w + 8, m)):
                if flags[j]:
                    chosen[below] = j
                    below += 1
    return below


@njit(cache=True)
def _grown(values: np.ndarray) -> np.ndarray:
    """A copy twice as long (the first half ``values``)."""
    longer = np.empty(2 * len(values), dtype=values.dtype)
    longer[: len(values)] = values
    return longer


@njit(cache=True)
def take_hour(
    first: int,
    end: int,
    issue: np.ndarray,
    noticed_at: np.ndarray,
    status: np.ndarray,
    first_detected_at: np.ndarray,
    resolved: int,
    open_: int,
    detected: int,
    out: np.ndarray,
) -> int:
    """An hour's rows of the day's plan, of issues still open, each marked as a detection.

    The rows ``first`` to ``end - 1`` of the plan are the hour's; those of issues fixed,
    escalated or lapsed since (status ``resolved`` or later) are dropped. Each row kept is
    a detection: the issue's first detection time is the earliest noticing so far, and an
    open issue becomes detected.

    Args:
        first: the hour's first row.
        end: one past its last row.
        issue: (n_rows,) the plan's issue of each row.
        noticed_at: (n_rows,) when each row's noticing happened, hours since the start.
        status: (n_issues,) the issue log's status (updated in place).
        first_detected_at: (n_issues,) the issue log's first detection time, hours (updated
            in place).
        resolved: the status code from which an issue is closed (``IssueStatus.RESOLVED``).
        open_: the status code of an issue nobody has noticed (``IssueStatus.OPEN``).
        detected: the status code of a noticed issue (``IssueStatus.DETECTED``).
        out: (n_rows,) where the rows kept are written, in order, from ``out[first]`` on
            (the hour's own part: an array handed back costs a few microseconds, a count
            almost nothing).

    Returns:
        How many rows are kept (``out[first:first + kept]``).
    """
    kept = 0
    for r in range(first, end):
        if status[issue[r]] < resolved:
            out[first + kept] = r
            kept += 1
    for r in out[first : first + kept]:
        i = issue[r]
        when = noticed_at[r]
        # np.fmin: NaN loses to a number
        if when < first_detected_at[i] or math.isnan(first_detected_at[i]):
            first_detected_at[i] = when
        if status[i] == open_:
            status[i] = detected
    return kept

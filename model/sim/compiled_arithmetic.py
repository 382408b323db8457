"""numpy's arithmetic, one number at a time, for the compiled kernels.

The compiled kernels (:mod:`model.sim.detection_kernels`, :mod:`model.sim.decision_kernels`,
:mod:`model.sim.daily_kernels`) must give exactly the numbers the vectorised forms give, bit
for bit, so that the plain numpy forms stay the readable truth they are tested against.
Three things need care:

- **Keyed draws.** :class:`model.sim.streams.KeyedDraws` mixes the parts of an event into
  a 64-bit state with SplitMix64 (wrap-around ``uint64`` arithmetic). :func:`keyed_step`
  and :func:`keyed_unit` are the same steps on one number; every constant and every
  operand is ``uint64``, so numba never promotes a mixed signed/unsigned expression to a
  float.
- **Sums.** ``ndarray.sum`` adds a contiguous row pairwise (eight running sums for rows of
  8 to 128 numbers, halves above), not left to right, so a left-to-right loop can differ
  in the last bit. :func:`numpy_sum` is numpy's algorithm; ``np.cumsum`` is left to right.
- **Clipping.** ``np.clip`` leaves a number equal to a bound as it is (``-0.0`` against a
  bound of ``0.0``) and NaN as NaN; :func:`numpy_clip` does the same to one number.
- **Counting.** :func:`code_counts` gives ``np.bincount``'s counts of small codes in one
  pass (for :meth:`model.sim.issues.IssueLog.status_counts`).

Every function here is tested against numpy on random inputs (``tests/sim/test_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
"""The SplitMix64 increment (the golden ratio times 2**64)."""
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
TO_UNIT = 2.0**-53
"""A draw's top 53 bits, read as a whole number, times this: the uniform in [0, 1)."""


@njit(cache=True)
def splitmix(z: np.uint64) -> np.uint64:
    """SplitMix64's mixing of a state that has had a part added (wrap-around ``uint64``)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def keyed_step(state: np.uint64, part: np.int64) -> np.uint64:
    """Mix one part of an event's key into the state: ``mix(state + (part + 1) * golden)``.

    Negative parts wrap as in numpy's ``int64 -> uint64`` view.
    """
    return splitmix(state + (np.uint64(part) + np.uint64(1)) * GOLDEN)


@njit(cache=True)
def keyed_unit(state: np.uint64) -> float:
    """The uniform in [0, 1) of a mixed state: its top 53 bits."""
    return float(state >> np.uint64(11)) * TO_UNIT


@njit(cache=True)
def keyed_units(state: np.uint64, added: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = keyed_unit(keyed_step(state, part_i))`` for parts given as ``added``.

    ``added[i]`` is ``(part_i + 1) * GOLDEN`` (wrapping), worked out once by the caller for
    parts drawn again and again with other states. Straight-line arithmetic over the whole
    row (:func:`splitmix`, as :func:`keyed_step` mixes), which the compiler runs several
    numbers at a time; the top 53 bits are converted as a signed integer (exact below
    2**53, the same float).

    Args:
        state: the mixed state the parts are mixed into.
        added: (n,) each part's ``(part + 1) * GOLDEN``, ``uint64``.
        out: (n,) where to write the uniforms in [0, 1).
    """
    for i in range(len(added)):
        z = splitmix(state + added[i])
        out[i] = float(np.int64(z >> np.uint64(11))) * TO_UNIT


@njit(cache=True)
def numpy_sum(values: np.ndarray, start: int, n: int) -> float:
    """``values[start:start + n].sum()`` exactly as numpy adds a contiguous row (pairwise).

    numpy adds a row of up to 128 numbers in a block (:func:`_block_sum`); a longer row is
    cut in two (the first part a multiple of 8 long, about half), each part added apart in
    the same way, and the two sums added. That recursion is walked here with a stack of
    segments (numba's disk cache does not take recursive functions).
    """
    if n <= 128:
        return 0.0 + _block_sum(values, start, n)  # numpy starts from 0: -0.0 sums to +0.0
    seg_start = np.empty(64, dtype=np.int64)
    seg_n = np.empty(64, dtype=np.int64)
    stage = np.zeros(64, dtype=np.int64)  # 0: new, 1: first part summing, 2: second part
    first_sum = np.empty(64)
    seg_start[0], seg_n[0], depth = start, n, 0
    last = 0.0  # the sum of the segment finished last
    while depth >= 0:
        m = seg_n[depth]
        if m <= 128:
            last = _block_sum(values, seg_start[depth], m)
            depth -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[depth] == 0:
            stage[depth] = 1
            child_start, child_n = seg_start[depth], half
        elif stage[depth] == 1:
            first_sum[depth] = last
            stage[depth] = 2
            child_start, child_n = seg_start[depth] + half, m - half
        else:
            last = first_sum[depth] + last
            depth -= 1
            continue
        depth += 1
        seg_start[depth], seg_n[depth], stage[depth] = child_start, child_n, 0
    return 0.0 + last


@njit(cache=True)
def _block_sum(values: np.ndarray, start: int, n: int) -> float:
    """The sum numpy makes of a row of at most 128 numbers: eight running sums from 8 on."""
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[start + i]
        return total
    r0, r1 = values[start], values[start + 1]
    r2, r3 = values[start + 2], values[start + 3]
    r4, r5 = values[start + 4], values[start + 5]
    r6, r7 = values[start + 6], values[start + 7]
    i = 8
    while i < n - n % 8:
        r0 += values[start + i]
        r1 += values[start + i + 1]
        r2 += values[start + i + 2]
        r3 += values[start + i + 3]
        r4 += values[start + i + 4]
        r5 += values[start + i + 5]
        r6 += values[start + i + 6]
        r7 += values[start + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@njit(cache=True)
def last_at_or_below(cumulative: np.ndarray, target: float, lo: int, hi: int) -> int:
    """``clip(searchsorted(cumulative, target, side="right") - 1, lo, hi - 1)``.

    The pick of a weighted choice by inverse cumulative distribution, ``cumulative``
    nondecreasing; ``lo - 1`` for an empty group (``hi == lo``), as the clip gives.
    """
    found = np.searchsorted(cumulative, target, side="right") - 1
    return min(max(found, lo), hi - 1)


@njit(cache=True)
def numpy_clip(x: float, low: float, high: float) -> float:
    """``np.clip`` of one number, as numpy (2.x) clips it.

    ``low`` when ``x < low``, then ``high`` when that is ``> high``, else ``x`` itself: at a
    tie (``-0.0`` against a bound of ``0.0``) the number stays as it is, and NaN stays NaN.
    """
    x = low if x < low else x
    return high if x > high else x


@njit(cache=True)
def code_counts(codes: np.ndarray, n: int, n_codes: int) -> np.ndarray:
    """How often each code occurs among ``codes[:n]``.

    The numbers of ``np.bincount(codes[:n], minlength=n_codes)``, for
    :meth:`model.sim.issues.IssueLog.status_counts` (the issues per status, read each day by
    the recorder), in one pass without the copy to ``intp`` and the range check that
    ``np.bincount`` makes first. The code at position ``i`` is tallied in row ``i % 4`` of
    four rows of counters, so that a run of equal codes does not wait on one counter; the
    rows are added at the end. Counts are exact: the same numbers as ``np.bincount``.

    Args:
        codes: small non-negative codes (e.g. the issue log's ``IssueStatus`` codes), each
            below ``n_codes`` (not checked).
        n: how many of the first codes to count, 0 or more (all of them where ``n`` is
            larger, as the slice ``codes[:n]``).
        n_codes: the length of the result.

    Returns:
        (n_codes,) counts, int64.
    """
    n = min(max(n, 0), len(codes))
    rows = np.zeros((4, n_codes), dtype=np.int64)
    whole = n - n % 4
    for i in range(0, whole, 4):
        rows[0, codes[i]] += 1
        rows[1, codes[i + 1]] += 1
        rows[2, codes[i + 2]] += 1
        rows[3, codes[i + 3]] += 1
    for i in range(whole, n):
        rows[0, codes[i]] += 1
    counts = np.zeros(n_codes, dtype=np.int64)
    for r in range(4):
        for c in range(n_codes):
            counts[c] += rows[r, c]
    return counts

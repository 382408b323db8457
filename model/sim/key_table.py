"""A table of integer keys with a number each, that compiled kernels can read and add to.

The report decisions remember, all run long, which (worker, problem) pairs have been decided
and when each resident first noticed each problem: some hundred thousand keys, of which a
day's plan looks up a few hundred. A Python set or dict cannot be handed to a compiled
kernel, so :class:`KeyTable` keeps them in two numpy arrays, an open-addressing hash table
(linear probing; a key's place is a multiplicative hash of it), at most half full: a kernel
looks a key up or adds it with :func:`first_value`. It behaves as a dict whose
``setdefault`` is the only way to add (``tests/sim/test_key_table.py`` holds it to one).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = -1  # an unused place (keys are never negative)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: Knuth's multiplicative hash
_HIGH_BITS = np.uint64(32)


@njit(cache=True)
def place_of(keys: np.ndarray, key: int) -> int:
    """The place of ``key`` in the table's ``keys``, or the empty place it would take.

    Args:
        keys: (capacity,) the table's keys (``EMPTY`` where unused); the capacity is a power
            of two and at least one place is empty.
        key: a key, >= 0.
    """
    mask = np.uint64(len(keys) - 1)
    place = ((np.uint64(key) * _GOLDEN) >> _HIGH_BITS) & mask
    while keys[place] != key and keys[place] != EMPTY:
        place = (place + np.uint64(1)) & mask
    return int(place)


@njit(cache=True)
def first_value(keys: np.ndarray, values: np.ndarray, key: int, value: float) -> tuple[bool, float]:
    """``key``'s value if the table has it; else ``value``, added as ``key``'s.

    Returns:
        ``(found, its value)``: found is False when ``key`` has just been added.
    """
    place = place_of(keys, key)
    if keys[place] == key:
        return True, values[place]
    keys[place] = key
    values[place] = value
    return False, value


@njit(cache=True)
def first_values(
    keys: np.ndarray, values: np.ndarray, new_keys: np.ndarray, new_values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`first_value` of each key in turn (a key met twice: the first one's value)."""
    found = np.empty(len(new_keys), dtype=np.bool_)
    out = np.empty(len(new_keys), dtype=np.float64)
    for i in range(len(new_keys)):
        found[i], out[i] = first_value(keys, values, new_keys[i], new_values[i])
    return found, out


@njit(cache=True)
def _rehashed(keys: np.ndarray, values: np.ndarray, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    new_keys = np.full(capacity, EMPTY, dtype=np.int64)
    new_values = np.zeros(capacity, dtype=np.float64)
    for i in range(len(keys)):
        if keys[i] != EMPTY:
            place = place_of(new_keys, keys[i])
            new_keys[place] = keys[i]
            new_values[place] = values[i]
    return new_keys, new_values


class KeyTable:
    """Integer keys (>= 0), each with a number, in an open-addressing hash table.

    Attributes:
        keys: (capacity,) each place's key, ``EMPTY`` where unused.
        values: (capacity,) each place's value.
        count: keys held.
    """

    def __init__(self, capacity: int = 1024) -> None:
        """An empty table of ``capacity`` places (a power of two)."""
        if capacity < 2 or capacity & (capacity - 1):
            raise ValueError(f"capacity must be a power of two >= 2, not {capacity}")
        self.keys = np.full(capacity, EMPTY, dtype=np.int64)
        self.values = np.zeros(capacity, dtype=np.float64)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def __contains__(self, key: int) -> bool:
        return bool(self.keys[place_of(self.keys, int(key))] == key)

    def reserve(self, n_more: int) -> None:
        """Room for ``n_more`` new keys with the table still at most half full."""
        capacity = len(self.keys)
        while 2 * (self.count + n_more) > capacity:
            capacity *= 2
        if capacity != len(self.keys):
            self.keys, self.values = _rehashed(self.keys, self.values, capacity)

    def first_values(self, keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's value (in turn: a key met twice has the first one's); the new ones added.

        Returns:
            ``(found, value)`` per key: found is False where the key was added now.
        """
        keys = np.asarray(keys, dtype=np.int64)
        self.reserve(len(keys))
        found, value = first_values(
            self.keys, self.values, keys, np.asarray(values, dtype=np.float64)
        )
        self.count += int(len(keys) - found.sum())
        return found, value

    def added(self, n_new: int) -> None:
        """A kernel has added ``n_new`` keys (after :meth:`reserve`)."""
        self.count += n_new

    def copy(self) -> KeyTable:
        """A table of the same keys and values, apart from this one."""
        other = KeyTable(len(self.keys))
        other.keys[:], other.values[:], other.count = self.keys, self.values, self.count
        return other

    def clear(self) -> None:
        """No keys."""
        self.keys[:] = EMPTY
        self.count = 0

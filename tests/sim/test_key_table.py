"""The key table the compiled kernels keep run-long lookups in behaves as a Python dict.

:class:`model.sim.key_table.KeyTable` is an open-addressing hash table in numpy arrays; its
one way to add is ``setdefault`` (:meth:`KeyTable.first_values`), checked here against a
dict over random batches that collide, repeat keys and make the table grow.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.sim.key_table import EMPTY, KeyTable


def as_dict(table: KeyTable) -> dict[int, float]:
    used = table.keys != EMPTY
    return dict(zip(table.keys[used].tolist(), table.values[used].tolist(), strict=True))


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.lists(
            st.tuples(
                st.one_of(st.integers(0, 40), st.integers(0, 2**62)),  # repeats and spread
                st.floats(-1e6, 1e6, allow_nan=False),
            ),
            max_size=60,
        ),
        max_size=8,
    )
)
def test_first_values_are_those_of_dict_setdefault(batches) -> None:
    table, reference = KeyTable(capacity=2), {}
    for batch in batches:
        keys = np.array([k for k, _ in batch], dtype=np.int64)
        values = np.array([v for _, v in batch], dtype=float)
        known_before = [k in reference for k in keys.tolist()]
        expected = [reference.setdefault(k, v) for k, v in batch]
        found, got = table.first_values(keys, values)
        assert got.tolist() == expected
        # found: known before the batch, or met earlier in it
        seen: set[int] = set()
        for i, key in enumerate(keys.tolist()):
            assert found[i] == (known_before[i] or key in seen)
            seen.add(key)
        assert len(table) == len(reference)
        assert as_dict(table) == reference
        assert 2 * len(table) <= len(table.keys)  # at most half full
    for key in list(reference)[:20]:
        assert key in table
    assert (2**62 + 1) not in table or (2**62 + 1) in reference


def test_many_keys_into_a_small_table_keep_their_own_values() -> None:
    """Keys that collide in a small table, which grows, each keep their own value."""
    table = KeyTable(capacity=8)
    keys = np.arange(0, 2**40, 2**34, dtype=np.int64)  # 64 keys, differing in high bits only
    found, values = table.first_values(keys, keys.astype(float))
    assert not found.any() and np.array_equal(values, keys.astype(float))
    found, values = table.first_values(keys[::-1], np.zeros(len(keys)))
    assert found.all() and np.array_equal(values, keys[::-1].astype(float))
    assert len(table) == len(keys) and len(table.keys) >= 2 * len(keys)


def test_copy_is_apart_and_clear_empties() -> None:
    table = KeyTable()
    table.first_values(np.array([3, 5]), np.array([1.0, 2.0]))
    copy = table.copy()
    table.first_values(np.array([7]), np.array([3.0]))
    assert 7 in table and 7 not in copy and len(copy) == 2
    table.clear()
    assert len(table) == 0 and 3 not in table and as_dict(copy) == {3: 1.0, 5: 2.0}


def test_capacity_is_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        KeyTable(capacity=12)

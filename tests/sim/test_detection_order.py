"""The workers in order of group (kind, then base), compiled as a counting sort.

:func:`model.sim.pick_kernels.order_by_group` must give the order of a stable sort of
``kind * n_bases + base`` and the groups' starts in it, as numpy's stable argsort and
``searchsorted`` give them (the readable form below): the noticing worker is picked by
his place in that order (:meth:`model.sim.detection.Detector._pick_workers`).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import WORKER_KINDS
from model.sim.pick_kernels import order_by_group


def numpy_order_by_group(
    kind: np.ndarray, base: np.ndarray, n_bases: int, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """The readable form: a stable argsort of the groups, and where each group starts."""
    group = kind.astype(np.int64) * n_bases + base
    order = np.argsort(group, kind="stable")
    return order, np.searchsorted(group[order], np.arange(n_groups + 1))


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_workers=st.integers(0, 400),
    n_kinds=st.integers(1, 3),
    n_bases=st.integers(1, 40),
    crowded=st.booleans(),
)
def test_order_by_group_is_the_stable_sort_and_its_group_starts(
    seed, n_workers, n_kinds, n_bases, crowded
) -> None:
    """Any mix of kinds and bases, empty groups among them (a few bases crowded)."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, n_kinds, n_workers).astype(np.int8)
    used_bases = min(n_bases, 3) if crowded else n_bases
    base = rng.integers(0, used_bases, n_workers).astype(np.int64)
    n_groups = n_kinds * n_bases
    order, starts = order_by_group(kind, base, n_bases, n_groups)
    expected_order, expected_starts = numpy_order_by_group(kind, base, n_bases, n_groups)
    assert order.dtype == np.int64 and starts.dtype == np.int64
    assert np.array_equal(order, expected_order)
    assert np.array_equal(starts, expected_starts)


def test_order_by_group_of_the_model_workforce(model) -> None:
    """The street's worker table, as the detector orders it each day."""
    wf = model.workforce
    n_bases = model.layout.n_communities
    n_groups = len(WORKER_KINDS) * n_bases
    order, starts = order_by_group(wf.kind, wf.base, n_bases, n_groups)
    expected_order, expected_starts = numpy_order_by_group(wf.kind, wf.base, n_bases, n_groups)
    assert np.array_equal(order, expected_order)
    assert np.array_equal(starts, expected_starts)
    assert np.array_equal(model.detector._order_by_group()[0], expected_order)

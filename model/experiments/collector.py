"""The garbage collector in processes that run one model after another.

CPython's cyclic garbage collector walks every object it tracks at each full collection. A
process that runs models holds two kinds of objects: the modules of the model stack (Mesa,
numpy, pandas, pyarrow, numba and the loaded kernels; about 190,000 tracked objects), alive
as long as the process, and the objects of the current model, which become garbage when the
run ends. Building each model allocates enough to start a full collection, which walked the
modules again every run: measured on the default street (warm process, the collector's own
callbacks timing it), 0.15 s of full collections a run with the modules walked and 0.07 s
with them frozen, out of about 2 s a run.

:func:`freeze_long_lived` moves every object alive at that moment into the collector's
permanent generation (:func:`gc.freeze`), which no later collection walks; the models built
afterwards are collected as before. Objects frozen are never freed while frozen, so only
processes whose long-lived objects stay alive freeze them for good: the process pool's
workers and its forkserver (:mod:`model.experiments.executors`), which live for one pool.
The serial executor runs in the caller's process (a notebook's kernel, say), so it freezes
for the span of its runs and unfreezes after (:func:`long_lived_frozen`).

None of this changes a result: the collector frees memory, it never touches a value.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen_for_good = False
"""Whether :func:`freeze_long_lived` ran in this process (a worker's, for its lifetime)."""


def freeze_long_lived() -> int:
    """Collect the garbage there is, then freeze every object still alive, for good.

    For processes that run models and nothing else (the pool's workers and its forkserver).

    Returns:
        How many objects the permanent generation now holds.
    """
    global _frozen_for_good
    _frozen_for_good = True
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Freeze the objects alive now for the span of the block, then unfreeze them.

    In a process that froze its objects for good (:func:`freeze_long_lived`) the block
    changes nothing.
    """
    if _frozen_for_good:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()

"""What the process pool's forkserver loads before it forks workers.

The forkserver (:mod:`model.experiments.executors`) imports this module once. It brings in
the model stack (Mesa, numpy, pandas, pyarrow, the configuration layer and the model), and
it loads the model's compiled kernels (numba, :mod:`model.sim.detection_kernels` and
:mod:`model.sim.decision_kernels`) from their cache on disk by running the default street
for two days. Every worker forked from the server inherits them ready to call; without this,
each worker would load them itself on its first run (a few tenths of a second each). Then it
freezes what it holds out of the garbage collector's walks
(:func:`model.experiments.collector.freeze_long_lived`), so the workers forked from it
inherit those objects frozen. A
failure here (a missing scenario file, say) only costs the workers that time: it is logged
and the server goes on.
"""

from __future__ import annotations

import logging

from model.config.loading import load_scenario
from model.config.paths import SCENARIOS_DIR
from model.experiments.collector import freeze_long_lived
from model.sim.model import run_model

WARM_UP_DAYS = 2
"""Days of the warm-up run: the second has the first turnover, so every daily path runs."""


def load_compiled_kernels() -> bool:
    """Run the default street briefly so that every compiled kernel is loaded; True if it ran."""
    try:
        run_model(load_scenario(SCENARIOS_DIR / "baseline.yaml"), seed=0, days=WARM_UP_DAYS)
    except Exception:  # a warm-up must never stop the server
        logging.getLogger(__name__).warning(
            "the compiled kernels were not loaded ahead; each worker loads them itself",
            exc_info=True,
        )
        return False
    return True


load_compiled_kernels()
freeze_long_lived()

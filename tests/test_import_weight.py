"""The command line's experiment path does not import what only sampling and analysis need.

SALib and ``scipy.stats`` take about 2 s to import; ``streetwise experiment``, ``validate`` and
``report`` used to pay it in every process through the experiment design, though only
experiments with sampled worlds sample (``model.analysis.sensitivity`` imports SALib in the
functions that use it; the stopping rule's t quantile comes from ``scipy.special``).
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import model.cli.commands, model.experiments.design, model.experiments.runner
heavy = ("SALib", "scipy.stats", "statsmodels", "matplotlib")
print(" ".join(name for name in heavy if name in sys.modules) or "none")
"""


def test_the_experiment_path_imports_no_sampling_or_statistics_library():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_sampling_still_works_where_it_is_used():
    import numpy as np

    from model.analysis import sensitivity

    bounds = {"a": (0.0, 1.0), "b": (10.0, 20.0)}
    rng = np.random.default_rng(1)
    assert sensitivity.latin_hypercube(bounds, 4, rng).shape == (4, 2)
    assert sensitivity.morris_sample(bounds, 2, rng).shape == (6, 2)
    assert sensitivity.sobol_sample(bounds, 4, rng).shape == (16, 2)

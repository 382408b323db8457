"""The command line does not import what it does not need yet.

The experiment path does not import what only sampling and analysis need, and the report
command checks its input before it imports the notebooks and pages.

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


REPORT_PROBE = """
import sys
from model.cli import main
code = main(["report", "--lang", "xx", "--out", sys.argv[1]])
heavy = ("model.reporting.pipeline", "nbformat", "papermill")
print(code, " ".join(name for name in heavy if name in sys.modules) or "none")
"""


def test_a_report_option_mistake_is_answered_before_the_notebooks_are_imported(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", REPORT_PROBE, str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 none"
    assert "--lang: unknown language 'xx'" in done.stderr

"""The same seed gives the same numbers on any x86-64 machine (``model.PORTABLE_NUMERICS_ENV``).

On a processor with AVX-512, numpy's own float64 ``exp`` and ``log`` differ from the C
library's in the last bit for some arguments, and the tables of a run then differ from those
of a machine without it (the golden digests of ``tests/sim/test_golden.py`` were recorded on
one). The package turns that code off before numpy is imported. On a machine without AVX-512
the checks below hold trivially; on one with it they fail if the setting did not take effect.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np

import model
from model.config.paths import REPO_ROOT

VARIABLE = "NPY_DISABLE_CPU_FEATURES"


def c_library_agrees(values: np.ndarray) -> bool:
    """numpy's exp and log give the C library's numbers (``math`` calls the C library)."""
    exp_same = np.exp(values) == np.array([math.exp(v) for v in values.tolist()])
    positive = np.abs(values) + 1e-3
    log_same = np.log(positive) == np.array([math.log(v) for v in positive.tolist()])
    return bool(exp_same.all() and log_same.all())


def test_numpy_gives_the_c_librarys_exp_and_log_in_the_tests() -> None:
    """On an AVX-512 machine about 5 % of these arguments differ when the setting is off."""
    values = np.random.default_rng(0).uniform(-20.0, 5.0, 100_000)
    assert os.environ[VARIABLE]
    assert c_library_agrees(values)


def fresh_interpreter(code: str, env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    if env_value is not None:
        env[VARIABLE] = env_value
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


CHECK = (
    "import os, model, numpy as np, math; "
    "from tests.test_portable_numerics import c_library_agrees; "
    "v = np.random.default_rng(1).uniform(-20.0, 5.0, 50_000); "
    f"print(os.environ['{VARIABLE}'], '|', c_library_agrees(v))"
)


def test_importing_the_package_first_sets_it_in_a_fresh_process() -> None:
    setting, agrees = fresh_interpreter(CHECK, None).split(" | ")
    assert setting == model.PORTABLE_NUMERICS_ENV[VARIABLE]
    assert agrees == "True"


def test_a_users_own_setting_is_kept() -> None:
    setting, _ = fresh_interpreter(CHECK, "AVX512_SPR").split(" | ")
    assert setting == "AVX512_SPR"

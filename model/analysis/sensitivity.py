"""Global sensitivity analysis through SALib: Morris screening, Sobol indices, Latin hypercubes.

Uncertain parameters are given as ``{name: (low, high)}`` (uniform over the range, in the
parameter's own units). Each function builds a sample from a numpy ``Generator`` (never the
global random state), the caller runs the model once per sample row, and the matching
``*_indices`` function analyses the vector of outputs (one value per row, same order).

Budgets (``D`` parameters; one row = one model run, or one CRN pair when the output is a
paired effect such as integrated - baseline):

- Morris: ``r (D + 1)`` rows for ``r`` trajectories (typically r = 10-50). Gives ``mu_star``
  (mean absolute elementary effect) with a bootstrap interval, ``mu`` (signed mean; ``|mu|``
  much below ``mu_star`` means effects of both signs) and ``sigma`` (spread of the elementary
  effects: non-linearity or interactions). Elementary effects are SALib's: the output change
  divided by the step expressed as a share of the parameter's range, so all three are in
  output units per unit of the parameter normalised to [0, 1].
- Sobol (Saltelli's scheme on a scrambled Sobol' sequence): ``N (D + 2)`` rows with second
  order off, ``N (2 D + 2)`` with it on, for a base sample size ``N`` that must be a power of
  two. Gives first-order ``S1`` (share of output variance explained by the parameter alone)
  and total-order ``ST`` (including all its interactions), with bootstrap intervals
  (``index +- z * SD`` over resamples of the base rows, as SALib computes them).

Rows are independent model runs, so wall time is about rows x minutes per run / workers; on
a Dask cluster it falls in proportion to the number of workers until the scheduler overhead
per run dominates.

SALib and ``scipy.stats.qmc`` are imported by the functions that sample or analyse, not with
the module: they take about 2 s to import (scipy.stats), which every ``streetwise
experiment``, ``validate`` and ``report`` paid through the experiment design's import of this
module, though only experiments with sampled worlds sample.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

Bounds = Mapping[str, tuple[float, float]]
"""Parameter name -> (low, high), uniform over the range."""


def salib_problem(bounds: Bounds) -> dict:
    """SALib problem definition from ``{name: (low, high)}``.

    Raises:
        ValueError: no parameters, or a range that is not finite with low < high.
    """
    if not bounds:
        raise ValueError("no uncertain parameters given")
    for name, (low, high) in bounds.items():
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"parameter {name!r} needs a finite range with low < high")
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[float(low), float(high)] for low, high in bounds.values()],
    }


def morris_runs(n_trajectories: int, n_parameters: int) -> int:
    """Rows of a Morris sample: ``r (D + 1)``."""
    return n_trajectories * (n_parameters + 1)


def sobol_runs(n_base: int, n_parameters: int, *, second_order: bool = False) -> int:
    """Rows of a Saltelli sample: ``N (D + 2)``, or ``N (2 D + 2)`` with second order."""
    return n_base * (2 * n_parameters + 2 if second_order else n_parameters + 2)


def _seed(rng: np.random.Generator) -> int:
    """A positive integer seed for SALib functions that accept no Generator."""
    return int(rng.integers(1, 2**31 - 1))


def _outputs(outputs: np.ndarray | pd.Series | list[float], expected_rows: int) -> np.ndarray:
    values = np.asarray(outputs, dtype=float).ravel()
    if values.size != expected_rows:
        raise ValueError(
            f"expected {expected_rows} outputs (one per sample row), got {values.size}"
        )
    bad = int((~np.isfinite(values)).sum())
    if bad:
        raise ValueError(
            f"{bad} outputs are not finite; every row of the design is needed (rerun failed runs)"
        )
    return values


def morris_sample(
    bounds: Bounds, n_trajectories: int, rng: np.random.Generator, *, num_levels: int = 4
) -> pd.DataFrame:
    """Morris trajectories: ``r (D + 1)`` rows, one column per parameter.

    Args:
        bounds: ``{name: (low, high)}``.
        n_trajectories: number of trajectories ``r``.
        rng: random generator.
        num_levels: grid levels per parameter (even; 4 is the usual choice).

    Returns:
        The sample, rows in trajectory order (keep the order for the analysis).
    """
    from SALib.sample import morris as morris_sample_module

    problem = salib_problem(bounds)
    matrix = morris_sample_module.sample(problem, n_trajectories, num_levels=num_levels, seed=rng)
    return pd.DataFrame(matrix, columns=problem["names"])


def morris_indices(
    bounds: Bounds,
    sample: pd.DataFrame,
    outputs: np.ndarray | pd.Series | list[float],
    rng: np.random.Generator,
    *,
    num_levels: int = 4,
    n_resamples: int = 1000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Morris screening measures of one output.

    Args:
        bounds: the same bounds the sample was built from.
        sample: the sample from :func:`morris_sample`, in its row order.
        outputs: one model output per sample row.
        rng: random generator for the bootstrap.
        num_levels: the grid levels used for the sample.
        n_resamples: bootstrap resamples for the interval of ``mu_star``.
        confidence: two-sided level of that interval.

    Returns:
        One row per parameter, sorted by ``mu_star`` (largest first): ``parameter``, ``mu``,
        ``mu_star``, ``mu_star_ci_low``, ``mu_star_ci_high``, ``sigma`` and ``rank``
        (1 = most influential).

    Raises:
        ValueError: outputs missing, not finite, or of the wrong length.
    """
    from SALib.analyze import morris as morris_analyze

    problem = salib_problem(bounds)
    matrix = sample[problem["names"]].to_numpy(dtype=float)
    values = _outputs(outputs, len(matrix))
    result = morris_analyze.analyze(
        problem,
        matrix,
        values,
        num_resamples=n_resamples,
        conf_level=confidence,
        num_levels=num_levels,
        seed=rng,
    )
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(result["mu"], dtype=float),
            "mu_star": np.asarray(result["mu_star"], dtype=float),
            "mu_star_ci_low": np.asarray(result["mu_star"]) - np.asarray(result["mu_star_conf"]),
            "mu_star_ci_high": np.asarray(result["mu_star"]) + np.asarray(result["mu_star_conf"]),
            "sigma": np.asarray(result["sigma"], dtype=float),
        }
    )
    table = table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def sobol_sample(
    bounds: Bounds, n_base: int, rng: np.random.Generator, *, second_order: bool = False
) -> pd.DataFrame:
    """Saltelli sample for Sobol indices: ``N (D + 2)`` rows (``N (2 D + 2)`` with second order).

    Args:
        bounds: ``{name: (low, high)}``.
        n_base: base sample size ``N``, a power of two.
        rng: random generator (scrambles the Sobol' sequence).
        second_order: also prepare for second-order indices.

    Returns:
        The sample, in the row order the analysis expects.

    Raises:
        ValueError: ``n_base`` is not a power of two.
    """
    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"n_base must be a power of two (>= 2), got {n_base}")
    from SALib.sample import sobol as sobol_sample_module

    problem = salib_problem(bounds)
    matrix = sobol_sample_module.sample(
        problem, n_base, calc_second_order=second_order, scramble=True, seed=rng
    )
    return pd.DataFrame(matrix, columns=problem["names"])


@dataclass(frozen=True)
class SobolIndices:
    """Sobol indices of one output (shares of its variance).

    Attributes:
        table: one row per parameter, sorted by ``ST`` (largest first): ``parameter``,
            ``S1``, ``S1_ci_low``, ``S1_ci_high``, ``ST``, ``ST_ci_low``, ``ST_ci_high``.
        second_order: with second order on, one row per pair: ``parameter_a``,
            ``parameter_b``, ``S2``, ``S2_ci_low``, ``S2_ci_high``; otherwise None.
    """

    table: pd.DataFrame
    second_order: pd.DataFrame | None


def sobol_indices(
    bounds: Bounds,
    outputs: np.ndarray | pd.Series | list[float],
    rng: np.random.Generator,
    *,
    second_order: bool = False,
    n_resamples: int = 1000,
    confidence: float = 0.95,
) -> SobolIndices:
    """First- and total-order Sobol indices with bootstrap intervals.

    Args:
        bounds: the same bounds the sample was built from.
        outputs: one model output per row of the :func:`sobol_sample` sample, same order.
        rng: random generator for the bootstrap.
        second_order: whether the sample was built with second order on.
        n_resamples: bootstrap resamples.
        confidence: two-sided level of the intervals.

    Returns:
        The indices; estimates can fall slightly outside [0, 1] at small budgets. An index
        of an output that does not vary is NaN, and so is an interval when some bootstrap
        resample does not vary (possible only with a handful of base samples).

    Raises:
        ValueError: outputs missing, not finite, or of the wrong length.
    """
    problem = salib_problem(bounds)
    n_parameters = problem["num_vars"]
    per_base = 2 * n_parameters + 2 if second_order else n_parameters + 2
    values = np.asarray(outputs, dtype=float).ravel()
    if values.size % per_base:
        raise ValueError(
            f"{values.size} outputs do not fit a Sobol sample of {n_parameters} parameters"
        )
    values = _outputs(values, values.size)
    if np.ptp(values) == 0:  # nothing to apportion: no index, not an index of zero
        none = np.full(n_parameters, np.nan)
        table = pd.DataFrame({"parameter": problem["names"]})
        for column in ("S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"):
            table[column] = none
        return SobolIndices(table=table, second_order=None)
    from SALib.analyze import sobol as sobol_analyze

    # an output without variance (or a bootstrap resample without any, at tiny budgets)
    # has no index: SALib divides by that variance, and the NaN it gives is kept as "no value"
    with np.errstate(divide="ignore", invalid="ignore"):
        result = sobol_analyze.analyze(
            problem,
            values,
            calc_second_order=second_order,
            num_resamples=n_resamples,
            conf_level=confidence,
            seed=_seed(rng),
        )
    s1, s1_half = np.asarray(result["S1"]), np.asarray(result["S1_conf"])
    st, st_half = np.asarray(result["ST"]), np.asarray(result["ST_conf"])
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": s1,
            "S1_ci_low": s1 - s1_half,
            "S1_ci_high": s1 + s1_half,
            "ST": st,
            "ST_ci_low": st - st_half,
            "ST_ci_high": st + st_half,
        }
    )
    table = table.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    pairs = None
    if second_order:
        s2, s2_half = np.asarray(result["S2"]), np.asarray(result["S2_conf"])
        names = problem["names"]
        pairs = pd.DataFrame(
            [
                {
                    "parameter_a": names[a],
                    "parameter_b": names[b],
                    "S2": s2[a, b],
                    "S2_ci_low": s2[a, b] - s2_half[a, b],
                    "S2_ci_high": s2[a, b] + s2_half[a, b],
                }
                for a in range(n_parameters)
                for b in range(a + 1, n_parameters)
            ]
        )
    return SobolIndices(table=table, second_order=pairs)


def latin_hypercube(bounds: Bounds, n_samples: int, rng: np.random.Generator) -> pd.DataFrame:
    """Latin hypercube sample of uncertain worlds (each range cut into ``n_samples`` strata).

    Args:
        bounds: ``{name: (low, high)}``.
        n_samples: number of worlds.
        rng: random generator.

    Returns:
        ``n_samples`` rows, one column per parameter, uniform over each range.
    """
    from scipy.stats import qmc

    problem = salib_problem(bounds)
    unit = qmc.LatinHypercube(d=problem["num_vars"], rng=rng).random(n_samples)
    bounds_array = np.asarray(problem["bounds"])
    scaled = qmc.scale(unit, bounds_array[:, 0], bounds_array[:, 1])
    return pd.DataFrame(scaled, columns=problem["names"])

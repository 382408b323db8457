"""PRIM scenario discovery: boxes in parameter space where a case of interest concentrates.

The Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional
data", Statistics and Computing 9:123-143) looks for a box (an interval per parameter) that
holds many of the cases of interest (e.g. the sampled worlds in which the integrated package
fails to beat the status quo) and few of the others. It is the scenario-discovery method of
exploratory modelling; this module is a self-contained implementation of it, used instead of
ema_workbench's ``prim`` so that the analysis layer needs only numpy, pandas and scipy. The
coverage, density and mass of a box, the peeling trajectory, the covering approach for
several boxes and the quasi-p-values of restrictions mean what they mean in that package;
the peeling criterion is the original paper's. Definitions:

- *coverage* of a box: cases of interest inside the box / all cases of interest (share);
- *density*: cases of interest inside the box / points inside the box (share);
- *mass*: points inside the box / all points (share);
- *peeling*: starting from the box spanning the data, repeatedly remove the slice of the box
  below the ``alpha`` quantile or above the ``1 - alpha`` quantile of one parameter, choosing
  among the ``2 d`` candidates the one whose remaining box has the highest density (ties:
  the one that removes fewest points), until the next box would hold less than ``min_mass``
  of the points or the density is 1. Each box along the way is a step of the *peeling
  trajectory*, a trade-off from high coverage / low density to low coverage / high density;
- *pasting*: from a chosen box, repeatedly widen one side of one parameter by up to
  ``alpha`` of the box's points, as long as the density rises (Friedman & Fisher's pasting);
- *selection*: the box with the highest coverage among those with density >= a threshold
  (or the highest density among those with coverage >= a threshold);
- *quasi-p-value* of a restriction: the one-sided binomial probability of at least the box's
  cases of interest among its points if the density were that of the box with this
  parameter's restriction lifted (both sides at once). Restrictions with a large
  quasi-p-value are not supported by the data and can be dropped
  (:func:`drop_weak_restrictions`).

Boxes are closed (``low <= x <= high``) in every parameter; a parameter is *restricted* when
its box interval is narrower than the range of the data. Parameters must be numeric (a
boolean is treated as 0/1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Box:
    """Closed limits per parameter (same units as the parameters).

    Attributes:
        low: lower limit per parameter.
        high: upper limit per parameter.
    """

    low: np.ndarray
    high: np.ndarray

    def contains(self, points: np.ndarray) -> np.ndarray:
        """True for each row of ``points`` (n x d) inside the box."""
        return np.all((points >= self.low) & (points <= self.high), axis=1)


@dataclass(frozen=True)
class PrimData:
    """Validated input: parameter matrix, case flags and parameter names.

    Attributes:
        points: n x d float matrix of sampled parameter vectors.
        cases: n booleans, True for a case of interest.
        names: d parameter names.
    """

    points: np.ndarray
    cases: np.ndarray
    names: list[str]

    @property
    def full_box(self) -> Box:
        """The box spanning the data."""
        return Box(self.points.min(axis=0), self.points.max(axis=0))


def prepare(points: np.ndarray | pd.DataFrame, cases: np.ndarray | Sequence[bool]) -> PrimData:
    """Validate a sample for PRIM.

    Args:
        points: n x d numeric array or DataFrame (column names become parameter names;
            otherwise ``x0, x1, ...``).
        cases: n booleans (or 0/1), True for a case of interest.

    Returns:
        The validated data.

    Raises:
        ValueError: shapes differ, a parameter is not numeric or not finite, the cases are
            not boolean, or there are no cases of interest.
    """
    if isinstance(points, pd.DataFrame):
        for column in points.columns:
            if not (
                pd.api.types.is_numeric_dtype(points[column])
                or pd.api.types.is_bool_dtype(points[column])
            ):
                raise ValueError(f"parameter {column!r} is not numeric")
        names = [str(column) for column in points.columns]
        matrix = points.to_numpy(dtype=float)
    else:
        matrix = np.asarray(points, dtype=float)
        if matrix.ndim != 2:
            raise ValueError("points must be a 2-D array (one row per sampled parameter vector)")
        names = [f"x{j}" for j in range(matrix.shape[1])]
    flags = np.asarray(cases)
    if flags.dtype != bool:
        if not np.isin(flags, (0, 1)).all():
            raise ValueError("cases must be booleans (or 0/1)")
        flags = flags.astype(bool)
    if flags.shape != (matrix.shape[0],):
        raise ValueError("cases must have one flag per row of points")
    if not np.isfinite(matrix).all():
        raise ValueError("points must be finite")
    if not flags.any():
        raise ValueError("there are no cases of interest to find a box for")
    return PrimData(matrix, flags, names)


@dataclass(frozen=True)
class Trajectory:
    """A peeling trajectory (step 0 is the box spanning the data).

    Attributes:
        boxes: the box at each step.
        table: one row per step: ``step``, ``coverage``, ``density``, ``mass`` (shares),
            ``n_points`` inside, ``n_restricted`` parameters.
    """

    boxes: list[Box]
    table: pd.DataFrame = field(repr=False)


def box_statistics(data: PrimData, box: Box, active: np.ndarray | None = None) -> dict:
    """Coverage, density, mass, points and restricted parameters of a box.

    Args:
        data: the sample.
        box: the box.
        active: rows still in play (for later boxes of :func:`find_boxes`); default all.
            Density and mass count only active rows; coverage is against all cases.

    Returns:
        Dict with ``coverage``, ``density``, ``mass``, ``n_points``, ``n_restricted``.
    """
    active = np.ones(len(data.cases), bool) if active is None else active
    inside = box.contains(data.points) & active
    n_inside = int(inside.sum())
    hits = int(data.cases[inside].sum())
    full = data.full_box
    restricted = (box.low > full.low) | (box.high < full.high)
    return {
        "coverage": hits / int(data.cases.sum()),
        "density": hits / n_inside if n_inside else math.nan,
        "mass": n_inside / int(active.sum()),
        "n_points": n_inside,
        "n_restricted": int(restricted.sum()),
    }


def peel(
    data: PrimData,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    active: np.ndarray | None = None,
) -> Trajectory:
    """Peeling trajectory from the box spanning the data.

    Args:
        data: the sample.
        alpha: share of the box's points removed per peel, in (0, 0.5).
        min_mass: smallest share of the (active) points a box may hold.
        active: rows in play (default all).

    Returns:
        The trajectory.

    Raises:
        ValueError: ``alpha`` or ``min_mass`` out of range.
    """
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be within (0, 0.5), got {alpha!r}")
    if not 0.0 < min_mass < 1.0:
        raise ValueError(f"min_mass must be within (0, 1), got {min_mass!r}")
    active = np.ones(len(data.cases), bool) if active is None else active
    n_active = int(active.sum())
    low, high = data.full_box.low.copy(), data.full_box.high.copy()
    inside = active.copy()
    boxes = [Box(low.copy(), high.copy())]
    while True:
        points, cases = data.points[inside], data.cases[inside].astype(float)
        if cases.mean() >= 1.0:
            break
        cut_low = np.quantile(points, alpha, axis=0)
        cut_high = np.quantile(points, 1.0 - alpha, axis=0)
        removed = np.concatenate([points < cut_low, points > cut_high], axis=1)  # n x 2d
        kept_points = len(cases) - removed.sum(axis=0)
        kept_cases = cases.sum() - (removed * cases[:, None]).sum(axis=0)
        allowed = (removed.any(axis=0)) & (kept_points >= min_mass * n_active)
        if not allowed.any():
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            density = np.where(allowed, kept_cases / kept_points, -np.inf)
        best = max(np.flatnonzero(allowed), key=lambda k: (density[k], kept_points[k]))
        dimension = best % points.shape[1]
        if best < points.shape[1]:
            low[dimension] = cut_low[dimension]
        else:
            high[dimension] = cut_high[dimension]
        box = Box(low.copy(), high.copy())
        inside = box.contains(data.points) & active
        boxes.append(box)
    rows = [{"step": k, **box_statistics(data, box, active)} for k, box in enumerate(boxes)]
    return Trajectory(boxes, pd.DataFrame(rows))


def paste(
    data: PrimData, box: Box, *, alpha: float = 0.05, active: np.ndarray | None = None
) -> Box:
    """Widen a box while its density rises (Friedman & Fisher's pasting).

    Each round considers, for every parameter and side, adding the nearest points just
    outside that side (within the box's other limits), up to ``alpha`` of the box's points
    (at least one), and takes the candidate with the highest resulting density if it beats
    the current density.

    Args:
        data: the sample.
        box: the box to widen.
        alpha: share of the box's points added per paste.
        active: rows in play (default all).

    Returns:
        The pasted box (the same limits if no paste raises the density).
    """
    active = np.ones(len(data.cases), bool) if active is None else active
    low, high = box.low.copy(), box.high.copy()
    n_dims = data.points.shape[1]
    while True:
        inside = Box(low, high).contains(data.points) & active
        n_inside = int(inside.sum())
        hits_inside = int(data.cases[inside].sum())
        current = hits_inside / n_inside if n_inside else 0.0
        step = max(1, math.floor(alpha * n_inside))
        best_density, best_change = current, None
        for j in range(n_dims):
            within_others = active.copy()
            for k in range(n_dims):
                if k != j:
                    within_others &= (data.points[:, k] >= low[k]) & (data.points[:, k] <= high[k])
            column = data.points[:, j]
            for side in ("low", "high"):
                beyond = within_others & (
                    (column < low[j]) if side == "low" else (column > high[j])
                )
                if not beyond.any():
                    continue
                nearest_first = np.sort(column[beyond])
                if side == "low":
                    nearest_first = nearest_first[::-1]
                limit = nearest_first[min(step, nearest_first.size) - 1]
                added = beyond & ((column >= limit) if side == "low" else (column <= limit))
                density = (hits_inside + int(data.cases[added].sum())) / (
                    n_inside + int(added.sum())
                )
                if density > best_density:
                    best_density, best_change = density, (j, side, float(limit))
        if best_change is None:
            return Box(low, high)
        j, side, limit = best_change
        if side == "low":
            low[j] = limit
        else:
            high[j] = limit


def select_box(
    trajectory: Trajectory,
    *,
    min_density: float | None = 0.8,
    min_coverage: float | None = None,
) -> int:
    """Choose a step of a trajectory.

    Args:
        trajectory: the peeling trajectory.
        min_density: pick the highest-coverage box with at least this density.
        min_coverage: instead (when ``min_density`` is None), pick the highest-density box
            with at least this coverage.

    Returns:
        The chosen step.

    Raises:
        ValueError: no box meets the threshold, or neither threshold is given.
    """
    table = trajectory.table
    if min_density is not None:
        eligible = table[table["density"] >= min_density]
        if eligible.empty:
            best = table["density"].max()
            raise ValueError(f"no box reaches density {min_density} (best {best:.3f})")
        return int(eligible.sort_values(["coverage", "density"], kind="stable").iloc[-1]["step"])
    if min_coverage is not None:
        eligible = table[table["coverage"] >= min_coverage]
        if eligible.empty:
            raise ValueError(f"no box reaches coverage {min_coverage}")
        return int(eligible.sort_values(["density", "coverage"], kind="stable").iloc[-1]["step"])
    raise ValueError("give min_density or min_coverage")


def box_limits(data: PrimData, box: Box, active: np.ndarray | None = None) -> pd.DataFrame:
    """Limits of the restricted parameters with the evidence for each restriction.

    Args:
        data: the sample.
        box: the box.
        active: rows in play (default all).

    Returns:
        One row per restricted parameter: ``parameter``, ``low``, ``high``, ``data_min``,
        ``data_max``, ``density_without`` and ``coverage_without`` (the box's density and
        coverage with this restriction lifted) and ``qp_value`` (see the module docstring).
    """
    active = np.ones(len(data.cases), bool) if active is None else active
    full = data.full_box
    inside = box.contains(data.points) & active
    n_inside, hits = int(inside.sum()), int(data.cases[inside].sum())
    rows = []
    for j, name in enumerate(data.names):
        if box.low[j] <= full.low[j] and box.high[j] >= full.high[j]:
            continue
        lifted = Box(box.low.copy(), box.high.copy())
        lifted.low[j], lifted.high[j] = full.low[j], full.high[j]
        without = box_statistics(data, lifted, active)
        qp_value = stats.binomtest(hits, n_inside, without["density"], alternative="greater").pvalue
        rows.append(
            {
                "parameter": name,
                "low": float(box.low[j]),
                "high": float(box.high[j]),
                "data_min": float(full.low[j]),
                "data_max": float(full.high[j]),
                "density_without": without["density"],
                "coverage_without": without["coverage"],
                "qp_value": float(qp_value),
            }
        )
    columns = ["parameter", "low", "high", "data_min", "data_max", "density_without"]
    return pd.DataFrame(rows, columns=[*columns, "coverage_without", "qp_value"])


def drop_weak_restrictions(
    data: PrimData, box: Box, *, max_qp_value: float = 0.05, active: np.ndarray | None = None
) -> Box:
    """Lift, one at a time, the restriction with the largest quasi-p-value above the limit.

    Args:
        data: the sample.
        box: the box.
        max_qp_value: restrictions with a larger quasi-p-value are lifted.
        active: rows in play (default all).

    Returns:
        The box with only restrictions the data support.
    """
    full = data.full_box
    low, high = box.low.copy(), box.high.copy()
    while True:
        limits = box_limits(data, Box(low, high), active)
        if limits.empty or limits["qp_value"].max() <= max_qp_value:
            return Box(low, high)
        j = data.names.index(limits.loc[limits["qp_value"].idxmax(), "parameter"])
        low[j], high[j] = full.low[j], full.high[j]


@dataclass(frozen=True)
class PrimBox:
    """A box found by :func:`find_box`.

    Attributes:
        box: the limits.
        coverage: share of all cases of interest inside the box.
        density: share of cases of interest among the (active) points inside the box.
        mass: share of the (active) points inside the box.
        limits: the restricted parameters (see :func:`box_limits`).
        trajectory: the peeling trajectory the box was chosen from.
        step: the chosen step of the trajectory (before pasting and dropping).
    """

    box: Box
    coverage: float
    density: float
    mass: float
    limits: pd.DataFrame
    trajectory: Trajectory
    step: int


def find_box(
    points: np.ndarray | pd.DataFrame,
    cases: np.ndarray | Sequence[bool],
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_density: float | None = 0.8,
    min_coverage: float | None = None,
    pasting: bool = True,
    max_qp_value: float | None = 0.05,
    active: np.ndarray | None = None,
) -> PrimBox:
    """Peel, select a box, optionally paste it and drop unsupported restrictions.

    Args:
        points: n x d sample of parameter vectors (array or DataFrame).
        cases: n flags, True for a case of interest.
        alpha: peeling and pasting share.
        min_mass: smallest share of points a peeled box may hold.
        min_density: selection threshold on density (see :func:`select_box`).
        min_coverage: selection threshold on coverage when ``min_density`` is None.
        pasting: paste the selected box.
        max_qp_value: lift restrictions whose quasi-p-value exceeds this (None keeps all).
        active: rows in play (default all).

    Returns:
        The box with its statistics, limits and trajectory.
    """
    data = prepare(points, cases)
    trajectory = peel(data, alpha=alpha, min_mass=min_mass, active=active)
    step = select_box(trajectory, min_density=min_density, min_coverage=min_coverage)
    box = trajectory.boxes[step]
    if pasting:
        box = paste(data, box, alpha=alpha, active=active)
    if max_qp_value is not None:
        box = drop_weak_restrictions(data, box, max_qp_value=max_qp_value, active=active)
    summary = box_statistics(data, box, active)
    return PrimBox(
        box=box,
        coverage=summary["coverage"],
        density=summary["density"],
        mass=summary["mass"],
        limits=box_limits(data, box, active),
        trajectory=trajectory,
        step=step,
    )


def find_boxes(
    points: np.ndarray | pd.DataFrame,
    cases: np.ndarray | Sequence[bool],
    *,
    max_boxes: int = 3,
    **options: float | bool | None,
) -> list[PrimBox]:
    """Several boxes by covering: each next box is sought among the points outside earlier ones.

    Coverage always counts against all cases of interest; density and mass against the
    points still in play. The search stops after ``max_boxes`` boxes or when no further box
    meets the selection threshold or no case of interest is left.

    Args:
        points: n x d sample.
        cases: n flags.
        max_boxes: most boxes to return.
        **options: passed to :func:`find_box`.

    Returns:
        The boxes in the order found.
    """
    data = prepare(points, cases)
    frame = pd.DataFrame(data.points, columns=data.names)
    active = np.ones(len(data.cases), bool)
    boxes: list[PrimBox] = []
    while len(boxes) < max_boxes and data.cases[active].any():
        try:
            found = find_box(frame, data.cases, active=active, **options)
        except ValueError:
            break
        boxes.append(found)
        active = active & ~found.box.contains(data.points)
    return boxes

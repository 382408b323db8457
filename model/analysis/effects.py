"""Paired common-random-number (CRN) comparisons of every arm against a reference arm.

Replicate *i* of every arm runs with the same seed, so the difference
``d_i = arm_i - reference_i`` removes the luck the two runs share. For each (arm, outcome)
this module reports, in the outcome's own units:

- the number of usable pairs ``n`` (both values finite; a failed run, a run whose ``status``
  is not ``"ok"`` or an undefined outcome drops its pair) and how many planned pairs were
  dropped (planned = every replicate index present anywhere in the runs table);
- the reference and arm means over those same pairs, the mean paired difference ``D`` and its
  two-sided Student-t interval ``D +- t(n-1) * s_d / sqrt(n)``, whose half-width is the
  achieved precision;
- the relative change ``r = D / R`` (``R`` = reference mean over the pairs, so
  ``r = arm mean / reference mean - 1``) with a delta-method interval: linearising the ratio
  of the two paired means gives ``Var(r) ~ Var(z_bar)`` with ``z_i = (d_i - r * ref_i) / R``,
  i.e. ``Var(r) = [Var(D) - 2 r Cov(D, R) + r^2 Var(R)] / R^2`` estimated from the same
  pairs, and the interval ``r +- t(n-1) * s_z / sqrt(n)``. It is undefined when ``R == 0``;
- the paired t-test p-value of ``D == 0`` and the Holm-adjusted p-value across the arms of
  each outcome (identical to statsmodels ``multipletests(method="holm")``, see
  :func:`holm_adjust`);
- a verdict from the interval and the outcome's direction: "better"/"worse" when the
  interval excludes zero on that side ("higher"/"lower" for a neutral outcome), "no
  detectable difference" when it spans zero, "insufficient data" with fewer than two pairs.
  The verdict uses the per-comparison interval; ``holm_significant`` says whether the
  difference also survives Holm's correction across the arms of that outcome;
- CRN efficiency measured on the same runs: the SD of the paired differences against the SD
  an unpaired difference of independent runs would have, ``sqrt(var_arm + var_ref)``; the
  implied variance reduction ``1 - var_d / (var_arm + var_ref)`` (equal to the correlation
  between paired runs when both arms have the same variance), and the replications per arm
  that independent seeds would need for the same half-width,
  ``ceil(n * (var_arm + var_ref) / var_d)`` (normal approximation: the t-quantiles of the two
  designs are treated as equal).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from model.analysis.direction import Direction, parse_direction

BETTER = "better"
WORSE = "worse"
HIGHER = "higher"
LOWER = "lower"
NO_DIFFERENCE = "no detectable difference"
INSUFFICIENT = "insufficient data"


@dataclass(frozen=True)
class PairedComparison:
    """One arm against the reference on one outcome (units of the outcome unless stated).

    Attributes:
        n_pairs: pairs with both values finite.
        reference_mean: reference mean over those pairs.
        arm_mean: arm mean over those pairs.
        difference: mean paired difference (arm - reference).
        sd_difference: sample SD of the paired differences.
        half_width: half-width of the interval of ``difference`` (``inf`` with < 2 pairs).
        ci_low: lower end of that interval.
        ci_high: upper end of that interval.
        relative_change: ``difference / reference_mean`` (a share; NaN if the mean is 0).
        relative_ci_low: lower end of its delta-method interval (share).
        relative_ci_high: upper end of its delta-method interval (share).
        relative_half_width: ``half_width / |reference_mean|`` (share).
        p_value: two-sided paired t-test p-value of a zero mean difference.
        sd_arm: sample SD of the arm's values over the pairs.
        sd_reference: sample SD of the reference's values over the pairs.
        sd_unpaired: ``sqrt(sd_arm^2 + sd_reference^2)``, the SD of a difference of two
            independent runs.
        crn_correlation: Pearson correlation between paired arm and reference values.
        variance_reduction: ``1 - sd_difference^2 / sd_unpaired^2`` (share).
        independent_replications: replications per arm independent seeds would need for
            the same half-width (``inf`` when the paired differences do not vary).
    """

    n_pairs: int
    reference_mean: float
    arm_mean: float
    difference: float
    sd_difference: float
    half_width: float
    ci_low: float
    ci_high: float
    relative_change: float
    relative_ci_low: float
    relative_ci_high: float
    relative_half_width: float
    p_value: float
    sd_arm: float
    sd_reference: float
    sd_unpaired: float
    crn_correlation: float
    variance_reduction: float
    independent_replications: float


def compare_paired(
    arm_values: Sequence[float] | np.ndarray,
    reference_values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
) -> PairedComparison:
    """Compare paired samples; pairs with a non-finite value on either side are dropped.

    Args:
        arm_values: the arm's outcome per replicate.
        reference_values: the reference's outcome for the same replicates, same order.
        confidence: two-sided confidence level in (0, 1).

    Returns:
        The comparison (see :class:`PairedComparison`).

    Raises:
        ValueError: the arrays differ in length or the confidence is outside (0, 1).
    """
    _check_confidence(confidence)
    arm = np.asarray(arm_values, dtype=float)
    ref = np.asarray(reference_values, dtype=float)
    if arm.shape != ref.shape or arm.ndim != 1:
        raise ValueError("arm_values and reference_values must be 1-D and of equal length")
    keep = np.isfinite(arm) & np.isfinite(ref)
    arm, ref = arm[keep], ref[keep]
    n = int(arm.size)
    if n == 0:
        return _without_spread(0, math.nan, math.nan)
    diff = arm - ref
    ref_mean, arm_mean, mean_diff = float(ref.mean()), float(arm.mean()), float(diff.mean())
    relative = mean_diff / ref_mean if ref_mean != 0.0 else math.nan
    if n < 2:
        return _without_spread(1, ref_mean, arm_mean)
    t_quantile = _t_quantile(confidence, n - 1)
    var_d, var_a, var_r = (float(np.var(x, ddof=1)) for x in (diff, arm, ref))
    sd_d = math.sqrt(var_d)
    half_width = t_quantile * sd_d / math.sqrt(n)
    if ref_mean != 0.0:
        with np.errstate(over="ignore", invalid="ignore"):  # a near-zero mean gives inf/NaN
            linearised = (diff - relative * ref) / ref_mean
            rel_half_width = t_quantile * float(np.std(linearised, ddof=1)) / math.sqrt(n)
        rel_precision = half_width / abs(ref_mean)
    else:
        rel_half_width = rel_precision = math.nan
    if sd_d > 0.0:
        p_value = float(2.0 * stats.t.sf(abs(mean_diff) / (sd_d / math.sqrt(n)), df=n - 1))
    else:
        p_value = 1.0 if mean_diff == 0.0 else 0.0
    var_unpaired = var_a + var_r
    correlation = float(np.corrcoef(arm, ref)[0, 1]) if var_a > 0.0 and var_r > 0.0 else math.nan
    if var_unpaired > 0.0:
        reduction = 1.0 - var_d / var_unpaired
        independent = math.ceil(n * var_unpaired / var_d) if var_d > 0.0 else math.inf
    else:
        reduction = independent = math.nan
    return PairedComparison(
        n_pairs=n,
        reference_mean=ref_mean,
        arm_mean=arm_mean,
        difference=mean_diff,
        sd_difference=sd_d,
        half_width=half_width,
        ci_low=mean_diff - half_width,
        ci_high=mean_diff + half_width,
        relative_change=relative,
        relative_ci_low=relative - rel_half_width,
        relative_ci_high=relative + rel_half_width,
        relative_half_width=rel_precision,
        p_value=p_value,
        sd_arm=math.sqrt(var_a),
        sd_reference=math.sqrt(var_r),
        sd_unpaired=math.sqrt(var_unpaired),
        crn_correlation=correlation,
        variance_reduction=reduction,
        independent_replications=float(independent),
    )


def _without_spread(n: int, reference_mean: float, arm_mean: float) -> PairedComparison:
    """Comparison with fewer than two pairs: means only, unbounded intervals."""
    difference = arm_mean - reference_mean
    relative = difference / reference_mean if reference_mean != 0.0 else math.nan
    unbounded = math.inf if n else math.nan
    return PairedComparison(
        n_pairs=n,
        reference_mean=reference_mean,
        arm_mean=arm_mean,
        difference=difference,
        sd_difference=math.nan,
        half_width=math.inf,
        ci_low=-math.inf,
        ci_high=math.inf,
        relative_change=relative,
        relative_ci_low=-unbounded,
        relative_ci_high=unbounded,
        relative_half_width=unbounded,
        p_value=math.nan,
        sd_arm=math.nan,
        sd_reference=math.nan,
        sd_unpaired=math.nan,
        crn_correlation=math.nan,
        variance_reduction=math.nan,
        independent_replications=math.nan,
    )


def verdict(comparison: PairedComparison, direction: Direction | str) -> str:
    """Plain verdict from the interval of the difference and the outcome's direction.

    Args:
        comparison: the paired comparison.
        direction: which way the outcome is better.

    Returns:
        "better"/"worse" (or "higher"/"lower" for a neutral outcome) when the interval
        excludes zero, "no detectable difference" when it contains zero, "insufficient
        data" with fewer than two pairs.
    """
    direction = parse_direction(direction)
    if comparison.n_pairs < 2:
        return INSUFFICIENT
    if comparison.ci_low > 0.0:
        side = HIGHER
    elif comparison.ci_high < 0.0:
        side = LOWER
    else:
        return NO_DIFFERENCE
    if direction is Direction.NEUTRAL:
        return side
    return BETTER if (side == HIGHER) == (direction is Direction.HIGHER) else WORSE


def holm_adjust(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries stay NaN and do not count as tests.

    With the ``m`` finite p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the adjusted
    value of ``p_(i)`` is ``min(1, max_{j <= i} (m - j + 1) * p_(j))``: the same numbers as
    statsmodels ``multipletests(p, method="holm")[1]`` (the tests check this), computed here
    directly because that function runs a full garbage collection on every call, which costs
    about 0.3 s per call in a process holding a few large tables.

    Args:
        p_values: raw p-values of one family of tests (the arms of one outcome).

    Returns:
        Adjusted p-values in the same order.
    """
    raw = np.asarray(p_values, dtype=float)
    adjusted = np.full(raw.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(raw))
    if finite.size:
        order = finite[np.argsort(raw[finite], kind="stable")]
        multipliers = np.arange(finite.size, 0, -1, dtype=float)
        stepped = np.maximum.accumulate(raw[order] * multipliers)
        adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


EFFECT_COLUMNS: tuple[str, ...] = (
    "outcome",
    "direction",
    "arm",
    "n_pairs",
    "n_dropped",
    *(name for name in PairedComparison.__dataclass_fields__ if name != "n_pairs"),
    "p_holm",
    "holm_significant",
    "verdict",
)
"""Columns of :func:`paired_effects`, in order (see :class:`PairedComparison`)."""


def paired_effects(
    runs: pd.DataFrame,
    outcomes: Mapping[str, Direction | str],
    reference: str,
    *,
    arms: Sequence[str] | None = None,
    confidence: float = 0.95,
    arm_column: str = "arm",
    replicate_column: str = "replicate",
) -> pd.DataFrame:
    """Paired CRN comparison of every arm against the reference on many outcomes.

    Args:
        runs: one row per run with the arm, replicate and outcome columns (other columns,
            such as levers and the seed, are ignored). Rows whose ``status`` column, if
            present, is not ``"ok"`` count as missing.
        outcomes: outcome column -> direction ("higher", "lower" or "neutral").
        reference: name of the reference arm (the status quo).
        arms: arms to compare, in this order; default every other arm in order of first
            appearance.
        confidence: two-sided confidence level in (0, 1); also sets the Holm threshold
            ``1 - confidence`` for ``holm_significant``.
        arm_column: name of the arm column.
        replicate_column: name of the replicate column (replicate *i* of every arm shares
            its seed).

    Returns:
        One row per (outcome, arm), outcomes in the given order, with the columns of
        :data:`EFFECT_COLUMNS`.

    Raises:
        KeyError: a column, the reference arm or a requested arm is missing.
        ValueError: an arm has two rows for the same replicate, an outcome is not numeric,
            a direction is unknown or the confidence is outside (0, 1).
    """
    _check_confidence(confidence)
    directions = {name: parse_direction(value) for name, value in outcomes.items()}
    for column in (arm_column, replicate_column, *directions):
        if column not in runs.columns:
            raise KeyError(f"runs table has no column {column!r}")
    names = list(dict.fromkeys(runs[arm_column]))
    if reference not in names:
        raise KeyError(f"no runs of the reference arm {reference!r}")
    if arms is None:
        arms = [name for name in names if name != reference]
    for arm in arms:
        if arm not in names:
            raise KeyError(f"no runs of the arm {arm!r}")
    duplicated = runs.duplicated([arm_column, replicate_column])
    if duplicated.any():
        row = runs.loc[duplicated.idxmax()]
        raise ValueError(
            f"arm {row[arm_column]!r} has more than one run for replicate {row[replicate_column]}"
        )
    replicates = pd.Index(sorted(runs[replicate_column].unique()))
    usable = runs if "status" not in runs.columns else runs[runs["status"] == "ok"]
    for outcome in directions:
        if not (
            pd.api.types.is_numeric_dtype(runs[outcome])
            or pd.api.types.is_bool_dtype(runs[outcome])
        ):
            raise ValueError(f"outcome {outcome!r} is not numeric")
    columns = pd.MultiIndex.from_product([list(directions), names])
    by_replicate = (
        usable.pivot(index=replicate_column, columns=arm_column, values=list(directions))
        .reindex(index=replicates, columns=columns)
        .to_numpy(dtype=float)
        .reshape(len(replicates), len(directions), len(names))
    )
    arm_index = {name: position for position, name in enumerate(names)}
    rows = []
    for outcome_index, (outcome, direction) in enumerate(directions.items()):
        wide = by_replicate[:, outcome_index, :]
        ref = wide[:, arm_index[reference]]
        outcome_rows = []
        for arm in arms:
            comparison = compare_paired(wide[:, arm_index[arm]], ref, confidence)
            record = {"outcome": outcome, "direction": direction.value, "arm": arm}
            record.update(asdict(comparison))
            record["n_dropped"] = len(replicates) - comparison.n_pairs
            record["verdict"] = verdict(comparison, direction)
            outcome_rows.append(record)
        adjusted = holm_adjust([record["p_value"] for record in outcome_rows])
        for record, p_holm in zip(outcome_rows, adjusted, strict=True):
            record["p_holm"] = float(p_holm)
            record["holm_significant"] = bool(p_holm < 1.0 - confidence)
        rows.extend(outcome_rows)
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def crn_efficiency(effects: pd.DataFrame) -> pd.DataFrame:
    """How much the common random numbers narrow each outcome's comparisons.

    Per outcome, over the arms of a :func:`paired_effects` table: the ratio of the SD of the
    paired differences to the SD an unpaired difference of independent runs would have
    (``sd_difference / sd_unpaired``; 1 = no gain, 0 = the pairs share all their noise),
    as its median, minimum and maximum over the arms. Arms whose two SDs are both zero
    (a lever that changes nothing in any replicate) are left out: their ratio is undefined.

    Args:
        effects: a table of :func:`paired_effects`.

    Returns:
        One row per outcome (in the table's order): ``outcome``, ``arms`` (arms with a
        defined ratio), ``ratio_median``, ``ratio_min``, ``ratio_max``.
    """
    ratio = effects["sd_difference"] / effects["sd_unpaired"].where(effects["sd_unpaired"] > 0)
    frame = effects.assign(ratio=ratio).dropna(subset=["ratio"])
    rows = []
    for outcome in dict.fromkeys(effects["outcome"]):
        values = frame.loc[frame["outcome"] == outcome, "ratio"].to_numpy(float)
        rows.append(
            {
                "outcome": outcome,
                "arms": len(values),
                "ratio_median": float(np.median(values)) if len(values) else math.nan,
                "ratio_min": float(values.min()) if len(values) else math.nan,
                "ratio_max": float(values.max()) if len(values) else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "arms", "ratio_median", "ratio_min", "ratio_max"])


@functools.lru_cache(maxsize=256)
def _t_quantile(confidence: float, degrees_of_freedom: int) -> float:
    """Two-sided Student-t quantile for the given confidence level."""
    return float(stats.t.ppf(0.5 + confidence / 2.0, df=degrees_of_freedom))


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be within (0, 1), got {confidence!r}")

"""Seed noise of the calibration loss: can the fit tell its best points apart?

Each point of the fit is scored on the replication means of a few seeds. Two points whose
losses differ by less than the seed-to-seed noise of the loss cannot be told apart, so
the number of seeds a point must be large enough that the loss gaps between the best
points exceed that noise. :func:`seed_noise` measures both from the per-seed losses the
fit and the profile record, and says how many seeds would separate the best points.

The noise is measured on single-seed losses (the loss of each seed's own measurements):
their SD across the seeds of one point, pooled over the points compared, is the
seed-to-seed SD ``s``. The loss of a point scored on the mean of ``k`` seeds then has a
standard error of about ``s / sqrt(k)`` (delta method), and the difference between two
points' losses about ``sqrt(2) s / sqrt(k)`` (treating the points as independent; common
random numbers can only make it smaller, so this errs on the safe side).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

Z_SEPARATED = 2.0
"""Standard errors a loss difference must exceed for two points to count as separated."""


@dataclass(frozen=True)
class SeedNoise:
    """How noisy the loss is against how far apart the best points are.

    Attributes:
        seeds: seeds behind each point's loss (the fewest among the points compared).
        points: points the noise is pooled over (the best ``top`` points).
        loss_sd: pooled seed-to-seed SD of the single-seed loss (loss units).
        difference_se: standard error of the difference between two points' losses
            scored on ``seeds`` seeds: ``sqrt(2) * loss_sd / sqrt(seeds)``.
        threshold: ``Z_SEPARATED * difference_se``: a loss within this of the minimum is
            within seed noise of it.
        gaps: loss of the 2nd, 3rd, ... best point minus the best, in loss order.
        separated: how many of those gaps exceed ``threshold``.
        seeds_needed: seeds a point at which the median gap would exceed the threshold
            (1 when every gap is already far above it; 0 when there is nothing to
            separate: no gaps, or the median gap is 0).
    """

    seeds: int
    points: int
    loss_sd: float
    difference_se: float
    threshold: float
    gaps: tuple[float, ...]
    separated: int
    seeds_needed: int

    def as_dict(self) -> dict:
        """Plain JSON-ready values (for ``fit.json`` and the profile tables)."""
        record = asdict(self)
        record["gaps"] = list(self.gaps)
        return record

    def summary(self) -> str:
        """One line: the noise, the gaps, and the seeds that would separate the best points."""
        median_gap = float(np.median(self.gaps)) if self.gaps else math.nan
        return (
            f"seed noise: SD of a single-seed loss {self.loss_sd:.4g}, SE of a difference at "
            f"{self.seeds} seeds {self.difference_se:.4g}; median gap of the next "
            f"{len(self.gaps)} best points to the best {median_gap:.4g}; {self.separated} of "
            f"{len(self.gaps)} separated by more than {Z_SEPARATED:g} SE; "
            f"seeds needed to separate the median gap: {self.seeds_needed}"
        )


def pooled_sd(seed_losses: Sequence[Sequence[float]]) -> float:
    """Pooled within-point SD of the single-seed losses.

    Args:
        seed_losses: for each point, the loss of each of its seeds alone.

    Returns:
        ``sqrt(sum of squared deviations from each point's mean / sum of (k_i - 1))``;
        NaN when no point has two finite seed losses.
    """
    squares, degrees = 0.0, 0
    for losses in seed_losses:
        values = np.asarray(losses, dtype=float)
        values = values[np.isfinite(values)]
        if len(values) < 2:
            continue
        squares += float(((values - values.mean()) ** 2).sum())
        degrees += len(values) - 1
    return math.sqrt(squares / degrees) if degrees else math.nan


def difference_se(loss_sd: float, seeds: int) -> float:
    """Standard error of the difference of two points' losses scored on ``seeds`` seeds."""
    return math.sqrt(2.0) * loss_sd / math.sqrt(seeds)


def seeds_to_separate(loss_sd: float, gap: float, z: float = Z_SEPARATED) -> int:
    """Fewest seeds a point at which a loss gap ``gap`` exceeds ``z`` difference SEs.

    Solves ``z * sqrt(2) * loss_sd / sqrt(n) <= gap`` for the smallest whole ``n >= 1``.
    Returns 0 when ``gap`` is not positive (nothing to separate) and 1 when the noise is 0.
    """
    if not gap > 0:
        return 0
    if not loss_sd > 0:
        return 1
    return max(1, math.ceil((z * math.sqrt(2.0) * loss_sd / gap) ** 2 - 1e-9))


def seed_noise(
    losses: Sequence[float],
    seed_losses: Sequence[Sequence[float]],
    top: int = 5,
    z: float = Z_SEPARATED,
) -> SeedNoise:
    """Seed-to-seed SD of the loss against the loss gaps between the best points.

    Args:
        losses: each point's loss (scored on the mean of its seeds).
        seed_losses: for each point (same order), the loss of each seed alone.
        top: how many of the best points to compare (the noise is pooled over them).
        z: standard errors a gap must exceed to count as separated.

    Returns:
        The :class:`SeedNoise` of the best ``top`` points.

    Raises:
        ValueError: the two sequences differ in length, or there are no points.
    """
    if len(losses) != len(seed_losses):
        raise ValueError(f"{len(losses)} losses but {len(seed_losses)} lists of seed losses")
    if not losses:
        raise ValueError("seed noise needs at least one point")
    order = np.argsort(np.asarray(losses, dtype=float), kind="stable")[:top]
    best = [seed_losses[i] for i in order]
    seeds = min(len(s) for s in best)
    sd = pooled_sd(best)
    se = difference_se(sd, seeds) if seeds else math.nan
    gaps = tuple(float(losses[i] - losses[order[0]]) for i in order[1:])
    separated = sum(gap > z * se for gap in gaps) if math.isfinite(se) else 0
    median_gap = float(np.median(gaps)) if gaps else 0.0
    needed = seeds_to_separate(sd, median_gap, z) if math.isfinite(sd) else 0
    return SeedNoise(
        seeds=seeds,
        points=len(best),
        loss_sd=sd,
        difference_se=se,
        threshold=z * se,
        gaps=gaps,
        separated=separated,
        seeds_needed=needed,
    )

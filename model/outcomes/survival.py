"""Kaplan-Meier estimation for right-censored durations (e.g. hours from opening to fix).

An issue that is fixed contributes an *event* at its duration (fix time - opening time, in
hours); an issue still open when observation ends is *censored* at ``end - opening``: we know
only that its time to fix exceeds that. Dropping such issues, or taking the median over fixed
issues only, biases the median time to fix downwards; the Kaplan-Meier estimator does not.

Definitions (``t_1 < t_2 < ...`` are the distinct observed durations):

- at risk ``n_j``: durations ``>= t_j``. At a tied time, events count before censorings: an
  issue censored at ``t_j`` is still at risk at ``t_j`` (the usual convention);
- ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` with ``d_j`` events at ``t_j``; a right-continuous
  step function, ``S(t) = 1`` before the first event;
- Greenwood: ``Var(log S(t)) ~ sum_{t_j <= t} d_j / (n_j (n_j - d_j))``;
- pointwise interval on the log-log scale (the "exponential Greenwood" interval, which stays
  within [0, 1]): ``S(t) ** exp(+-z * se)`` with ``se = sqrt(Greenwood) / |log S(t)|``;
- median: the first time at which ``S(t) <= 0.5`` (allowing 1e-10 for rounding). When the
  curve never reaches 0.5 the median is ``inf``: more than half of the durations exceed the
  longest follow-up. With no data it is NaN. (R's ``survfit`` takes the midpoint of a flat
  stretch at exactly 0.5; SAS and statsmodels require ``S(t) < 0.5``; the three agree
  whenever no stretch of the curve sits exactly at 0.5.)
- median interval (Brookmeyer & Crowley 1982, on the log-log scale): the times at which the
  pointwise interval contains 0.5; its lower limit is the first time at which the lower band
  reaches 0.5, its upper limit the first time at which the upper band reaches 0.5 (``inf``
  when it never does, common under heavy censoring).

Only numpy and scipy are used, so the module can sit in the lowest layer of the package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

_TOLERANCE = 1e-10
"""Allowance for rounding when comparing a product of fractions with 0.5."""


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan-Meier curve: one entry per distinct observed duration, ascending.

    Attributes:
        time: distinct durations (events or censorings), in the durations' unit (hours).
        at_risk: number of durations ``>= time``.
        events: events at ``time``.
        censored: censorings at ``time``.
        survival: ``S(time)``, the share still without the event just after ``time``.
        greenwood: cumulative Greenwood sum, the estimated variance of ``log S(time)``
            (``inf`` once ``S`` reaches 0).
        ci_low: lower end of the pointwise log-log interval of ``S(time)``.
        ci_high: upper end of the pointwise log-log interval of ``S(time)``.
        confidence: two-sided confidence level of the intervals.
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    greenwood: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    confidence: float

    @property
    def n(self) -> int:
        """Number of durations."""
        return int(self.at_risk[0]) if self.at_risk.size else 0

    def survival_at(self, times: np.ndarray | float) -> np.ndarray:
        """``S(t)`` at arbitrary times (right-continuous; 1 before the first duration).

        Beyond the longest duration the last value is returned, although ``S`` is only
        estimated up to there.
        """
        position = np.searchsorted(self.time, np.asarray(times, dtype=float), side="right")
        return np.concatenate(([1.0], self.survival))[position]

    def standard_error(self) -> np.ndarray:
        """Greenwood standard error of ``S(time)``: ``S * sqrt(greenwood)`` (0 where S = 0)."""
        with np.errstate(invalid="ignore"):
            return np.where(self.survival > 0.0, self.survival * np.sqrt(self.greenwood), 0.0)


@dataclass(frozen=True)
class MedianEstimate:
    """Kaplan-Meier median with its Brookmeyer-Crowley interval (units of the durations).

    Attributes:
        median: first time with ``S(t) <= 0.5``; ``inf`` if not reached, NaN without data.
        ci_low: lower limit of the interval (NaN without data).
        ci_high: upper limit; ``inf`` when the upper band never reaches 0.5.
        confidence: two-sided confidence level.
        n: number of durations.
        events: number of events.
    """

    median: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    events: int


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, *, confidence: float = 0.95
) -> SurvivalCurve:
    """Kaplan-Meier curve of right-censored durations.

    Args:
        durations: time to the event or to censoring, finite and >= 0 (e.g. hours).
        observed: True where the event happened at the duration, False where censored.
        confidence: two-sided level of the pointwise intervals, in (0, 1).

    Returns:
        The curve (empty arrays when there are no durations).

    Raises:
        ValueError: shapes differ, a duration is negative or not finite, or the confidence
            is outside (0, 1).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be within (0, 1), got {confidence!r}")
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.ndim != 1 or durations.shape != observed.shape:
        raise ValueError("durations and observed must be 1-D arrays of equal length")
    if not np.isfinite(durations).all() or (durations < 0).any():
        raise ValueError("durations must be finite and >= 0")
    time, inverse, counts = np.unique(durations, return_inverse=True, return_counts=True)
    events = np.bincount(inverse, weights=observed.astype(float), minlength=time.size)
    events = events.astype(np.int64)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(counts)[:-1]))
    censored = counts - events
    survival = np.cumprod(1.0 - events / at_risk) if time.size else np.empty(0)
    with np.errstate(divide="ignore"):
        terms = np.where(events > 0, events / (at_risk * (at_risk - events).astype(float)), 0.0)
    greenwood = np.cumsum(terms)
    ci_low, ci_high = _log_log_band(survival, greenwood, confidence)
    return SurvivalCurve(
        time=time,
        at_risk=at_risk.astype(np.int64),
        events=events,
        censored=censored.astype(np.int64),
        survival=survival,
        greenwood=greenwood,
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=confidence,
    )


def _log_log_band(
    survival: np.ndarray, greenwood: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval ``S ** exp(+-z * sqrt(V) / |log S|)``; [1, 1] at S = 1, [0, 0] at 0."""
    z = float(ndtri(0.5 + confidence / 2.0))  # the standard normal quantile
    low = survival.copy()
    high = survival.copy()
    inside = (survival > 0.0) & (survival < 1.0)
    log_s = np.log(survival[inside])
    spread = np.exp(z * np.sqrt(greenwood[inside]) / np.abs(log_s))
    low[inside] = np.exp(log_s * spread)
    high[inside] = np.exp(log_s / spread)
    return low, high


def first_time_at_or_below(curve: SurvivalCurve, values: np.ndarray, level: float) -> float:
    """First ``curve.time`` at which ``values <= level`` (``inf`` if never, NaN if empty)."""
    if curve.time.size == 0:
        return math.nan
    below = np.flatnonzero(values <= level + _TOLERANCE)
    return float(curve.time[below[0]]) if below.size else math.inf


def median_survival(curve: SurvivalCurve) -> MedianEstimate:
    """Median duration of a curve with its Brookmeyer-Crowley log-log interval.

    Args:
        curve: a Kaplan-Meier curve.

    Returns:
        The median and interval (see the module docstring for the definitions, including
        ``inf`` when a limit is not reached).
    """
    return MedianEstimate(
        median=first_time_at_or_below(curve, curve.survival, 0.5),
        ci_low=first_time_at_or_below(curve, curve.ci_low, 0.5),
        ci_high=first_time_at_or_below(curve, curve.ci_high, 0.5),
        confidence=curve.confidence,
        n=curve.n,
        events=int(curve.events.sum()),
    )


def median_time(
    durations: np.ndarray, observed: np.ndarray, *, confidence: float = 0.95
) -> MedianEstimate:
    """Kaplan-Meier median of right-censored durations with its interval.

    Args:
        durations: time to the event or to censoring (e.g. hours), finite and >= 0.
        observed: True where the event happened, False where censored.
        confidence: two-sided level of the interval.

    Returns:
        The median estimate.
    """
    return median_survival(kaplan_meier(durations, observed, confidence=confidence))


def censor_at(
    start: np.ndarray, end: np.ndarray, observation_end: float
) -> tuple[np.ndarray, np.ndarray]:
    """Durations and event flags from start and end times, censored at the end of observation.

    Args:
        start: when each item started (e.g. the hour an issue opened).
        end: when the event happened (e.g. the hour it was fixed); NaN if it has not.
            Events after ``observation_end`` count as not yet happened.
        observation_end: when observation stopped, same clock as ``start``.

    Returns:
        ``(durations, observed)``: ``end - start`` for events within the observation,
        ``observation_end - start`` (censored) otherwise.

    Raises:
        ValueError: shapes differ, an item starts after the end of observation or not at a
            finite time, or an event precedes its start.
    """
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    if start.shape != end.shape:
        raise ValueError("start and end must have the same shape")
    if not np.isfinite(start).all() or (start > observation_end).any():
        raise ValueError("every start must be finite and not after the end of observation")
    if (end < start).any():
        raise ValueError("an event precedes its start")
    observed = np.isfinite(end) & (end <= observation_end)
    durations = np.where(observed, end, observation_end) - start
    return durations, observed

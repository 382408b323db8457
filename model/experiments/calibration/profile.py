"""Loss profiles of the free parameters, and the plausible ranges they hand on.

A weakly identified parameter sits on a flat ridge of the loss: a wide span of values fits
the targets about as well as the fitted value. :func:`profile` shows the ridge: it varies
one free parameter over a grid across its search range while the other free parameters are
held at their fitted values (``scenarios/calibration/fit.json``), scores every grid value
over the same seeds (common random numbers), and marks the values whose loss lies within
seed noise of the minimum (:mod:`~model.experiments.calibration.noise`). Those values are
the parameter's plausible set; :func:`update_plausible_ranges` writes its span to
``scenarios/calibration/plausible_ranges.yaml``, which the sensitivity analysis samples.

Holding the others fixed makes this a slice through the fitted point, not a profile with
the others re-optimised. Re-optimising can only lower the loss away from the fitted value,
so a re-optimised profile is at least as flat: the plausible set of a slice is the narrower
of the two, a lower bound on the ridge's width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from model.config.paths import REPO_ROOT
from model.experiments.calibration.fit import FREE_PARAMETERS, Scorer
from model.experiments.calibration.noise import SeedNoise, seed_noise
from model.experiments.store import atomic_write_bytes, atomic_write_json

PROFILE_DIR = REPO_ROOT / "scenarios" / "calibration" / "profiles"
"""Where the profile tables (``<parameter>.json``) and figures (``<parameter>.png``) go."""

PLAUSIBLE_RANGES_FILE = REPO_ROOT / "scenarios" / "calibration" / "plausible_ranges.yaml"
"""The plausible range of every profiled free parameter (read by the sensitivity analysis)."""

PROFILE_GRID = 9
"""Grid values across a parameter's search range (the fitted value is added to them)."""

NOISE_POINTS = 5
"""Best grid values the seed noise of a profile is pooled over (the ones near the minimum)."""

METHOD = (
    "slice through the fitted point: the other free parameters held at their fitted values; "
    "plausible = loss within seed noise of the minimum (2 standard errors of a difference)"
)
"""How the profile is made, as recorded with every profile and plausible range."""

_HEADER = """\
# Plausible ranges of the weakly identified free parameters of the calibration fit.
# Written by `streetwise calibrate --profile PARAMETER` (model/experiments/calibration/profile.py):
# each parameter was varied over its search range with the other free parameters held at
# their fitted values; `low`..`high` spans the grid values whose loss lies within seed noise
# of the minimum. The sensitivity analysis samples each parameter over [low, high].
# Do not edit by hand; rerun the profile.
"""


def grid(parameter: str, points: int, fitted: float) -> list[float]:
    """Grid of a profile: ``points`` values evenly across the search range, plus the fitted one.

    Args:
        parameter: a key of :data:`FREE_PARAMETERS`.
        points: grid values across the range (1: its lower end only).
        fitted: the fitted value (always evaluated: the minimum should be on the grid).

    Returns:
        Sorted distinct values, rounded to six significant figures like the fit's points.
    """
    low, high = FREE_PARAMETERS[parameter]
    values = {float(f"{v:.6g}") for v in np.linspace(low, high, points)}
    values.add(float(f"{fitted:.6g}"))
    return sorted(values)


@dataclass(frozen=True)
class Profile:
    """The loss along one free parameter, and its plausible set.

    Attributes:
        parameter: the varied parameter (dotted key).
        held: every free parameter's fitted value (the varied one's is the centre).
        values: grid values of the parameter, ascending.
        losses: loss of each grid value (replication means over the seeds).
        seed_losses: loss of each seed alone, per grid value.
        noise: seed noise of the loss near the minimum.
        settings: seeds, days and the method, as recorded.
    """

    parameter: str
    held: dict[str, float]
    values: tuple[float, ...]
    losses: tuple[float, ...]
    seed_losses: tuple[tuple[float, ...], ...]
    noise: SeedNoise
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def minimum(self) -> float:
        """The smallest loss on the grid."""
        return float(np.nanmin(self.losses))

    @property
    def threshold(self) -> float:
        """Loss at or under which a value is within seed noise of the minimum."""
        noise = self.noise.threshold if math.isfinite(self.noise.threshold) else 0.0
        return self.minimum + noise

    @property
    def plausible(self) -> tuple[bool, ...]:
        """Whether each grid value's loss is within seed noise of the minimum."""
        return tuple(bool(loss <= self.threshold) for loss in self.losses)

    def plausible_range(self) -> tuple[float, float]:
        """Lowest and highest plausible grid value."""
        inside = [v for v, ok in zip(self.values, self.plausible, strict=True) if ok]
        return min(inside), max(inside)

    def contiguous(self) -> bool:
        """Every grid value between the lowest and the highest plausible one is plausible."""
        flags = self.plausible
        first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
        return all(flags[first : last + 1])

    def reaches_search_edge(self) -> bool:
        """The plausible set touches an end of the search range (the ridge may go on)."""
        low, high = self.plausible_range()
        search_low, search_high = FREE_PARAMETERS[self.parameter]
        return low <= search_low or high >= search_high

    def as_dict(self) -> dict[str, Any]:
        """The profile table, JSON-ready (one row per grid value)."""
        low, high = self.plausible_range()
        return {
            "parameter": self.parameter,
            "held": dict(self.held),
            "settings": dict(self.settings),
            "minimum_loss": self.minimum,
            "threshold": self.threshold,
            "noise": self.noise.as_dict(),
            "plausible_range": [low, high],
            "contiguous": self.contiguous(),
            "reaches_search_edge": self.reaches_search_edge(),
            "rows": [
                {"value": v, "loss": loss, "seed_losses": list(seeds), "plausible": ok}
                for v, loss, seeds, ok in zip(
                    self.values, self.losses, self.seed_losses, self.plausible, strict=True
                )
            ],
        }


def profile(
    parameter: str,
    fitted: dict[str, float],
    scorer: Scorer,
    points: int = PROFILE_GRID,
    settings: dict[str, Any] | None = None,
    progress: bool = False,
) -> Profile:
    """Vary one free parameter across its range, the others held at their fitted values.

    Args:
        parameter: a key of :data:`FREE_PARAMETERS`.
        fitted: the fitted value of every free parameter (``fit.json``'s ``best``).
        scorer: scores a point (:func:`~model.experiments.calibration.fit.run_scorer`, or a
            synthetic one in tests).
        points: grid values across the range (:func:`grid`).
        settings: recorded with the profile (seeds, days ...).
        progress: print a line per grid value.

    Returns:
        The :class:`Profile`.

    Raises:
        KeyError: ``parameter`` is not a free parameter, or ``fitted`` lacks one.
    """
    if parameter not in FREE_PARAMETERS:
        raise KeyError(f"{parameter!r} is not a free parameter ({', '.join(FREE_PARAMETERS)})")
    held = {name: float(fitted[name]) for name in FREE_PARAMETERS}
    values = grid(parameter, points, held[parameter])
    losses, seed_losses = [], []
    for i, value in enumerate(values):
        scored = scorer({**held, parameter: value})
        losses.append(float(scored.loss))
        seed_losses.append(tuple(float(x) for x in scored.seed_losses))
        if progress:
            print(f"{parameter} = {value:g} ({i + 1}/{len(values)}): loss {scored.loss:.4f}",
                  flush=True)  # fmt: skip
    noise = seed_noise(losses, seed_losses, top=min(NOISE_POINTS, len(values)))
    return Profile(
        parameter,
        held,
        tuple(values),
        tuple(losses),
        tuple(seed_losses),
        noise,
        {**(settings or {}), "grid_points": points, "method": METHOD},
    )


def save_profile(result: Profile, folder: Path = PROFILE_DIR) -> Path:
    """Write the profile table as ``<folder>/<parameter>.json`` (atomically); returns the path."""
    path = Path(folder) / f"{result.parameter}.json"
    atomic_write_json(path, result.as_dict())
    return path


def plausible_entry(result: Profile, table: Path | None = None) -> dict[str, Any]:
    """The plausible-ranges entry of one profile (what the sensitivity analysis reads)."""
    low, high = result.plausible_range()
    search_low, search_high = FREE_PARAMETERS[result.parameter]
    entry: dict[str, Any] = {
        "low": low,
        "high": high,
        "fitted": result.held[result.parameter],
        "searched": [search_low, search_high],
        "minimum_loss": round(result.minimum, 6),
        "threshold": round(result.threshold, 6),
        "contiguous": result.contiguous(),
        "reaches_search_edge": result.reaches_search_edge(),
        "seeds": result.settings.get("seeds"),
        "days": result.settings.get("days"),
        "grid_points": len(result.values),
        "method": METHOD,
    }
    if table is not None:
        entry["profile"] = _display(table)
    return entry


def update_plausible_ranges(
    result: Profile, path: Path = PLAUSIBLE_RANGES_FILE, table: Path | None = None
) -> None:
    """Set one parameter's entry in the plausible-ranges file, keeping the others (atomic)."""
    path = Path(path)
    ranges = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    ranges = dict(ranges or {})
    ranges[result.parameter] = plausible_entry(result, table)
    ordered = {name: ranges[name] for name in sorted(ranges)}
    text = _HEADER + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True)
    atomic_write_bytes(path, text.encode("utf-8"))


def load_plausible_ranges(path: Path = PLAUSIBLE_RANGES_FILE) -> dict[str, tuple[float, float]]:
    """The plausible range ``(low, high)`` of every profiled free parameter.

    Raises:
        ValueError: an entry names no free parameter or has no ``low <= high``, naming it.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    ranges = {}
    for name, entry in data.items():
        if name not in FREE_PARAMETERS:
            raise ValueError(f"{path}: {name}: not a free parameter of the fit")
        try:
            low, high = float(entry["low"]), float(entry["high"])
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"{path}: {name}: needs numbers low and high") from error
        if not low <= high:
            raise ValueError(f"{path}: {name}: low {low:g} is above high {high:g}")
        ranges[name] = (low, high)
    return ranges


def _display(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(REPO_ROOT.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def profile_runs(
    parameters: Sequence[str], fitted: dict[str, float], points: int, seeds: int
) -> int:
    """Runs a set of profiles takes: grid values (with the fitted one) x seeds, summed."""
    return sum(len(grid(p, points, fitted[p])) * seeds for p in parameters)

"""Sampled worlds: an experiment's arms run again in many draws of the uncertain parameters.

An experiment file may carry a ``worlds:`` block::

    worlds:
      uncertainties: scenarios/uncertainties.yaml   # the ranges (model/config/uncertainties.py)
      design: lhs            # lhs | morris | sobol
      n: 128                 # lhs: worlds; morris: trajectories; sobol: base samples (2^k)
      seed: 20260301         # the design's own seed
      parameters: [...]      # optional: a subset of the file's keys (default: all, file order)

The design is a matrix with one row per *world* and one column per parameter
(:func:`sample_matrix`): ``n`` rows for a Latin hypercube, ``n (D + 1)`` for ``n`` Morris
trajectories over ``D`` parameters, ``n (D + 2)`` for a Saltelli (Sobol) sample with first
and total order. The samplers are those of :mod:`model.analysis.sensitivity`, fed by a numpy
Generator seeded with ``seed`` alone, so the same block gives the same matrix on any machine.

:mod:`model.experiments.design` expands each listed arm ``A`` in each world ``w`` into an
arm named ``A@wNNNN`` (:func:`world_arm_name`) whose overrides are ``A``'s own plus the
world's row; replicate ``i`` of every arm in every world runs with the same seed (common
random numbers within and across worlds). The matrix and the ranges go into
``manifest.json`` (:meth:`Worlds.manifest`) so that the analysis can rebuild the SALib
problem and the sample exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from model.analysis.sensitivity import (
    latin_hypercube,
    morris_runs,
    morris_sample,
    sobol_runs,
    sobol_sample,
)
from model.config.errors import ConfigError
from model.config.scenario import ScenarioConfig
from model.config.uncertainties import load_uncertainties

MORRIS_LEVELS = 4
"""Grid levels of a Morris design (SALib's usual choice; the analysis needs the same)."""

MAX_WORLDS = 100_000
"""Most worlds a design may have (a guard against a mistyped ``n``)."""

WORLD_SEPARATOR = "@w"
"""Between a listed arm's name and the world number in an expanded arm's name."""


class WorldsSpec(BaseModel):
    """The ``worlds:`` block of an experiment file."""

    model_config = ConfigDict(extra="forbid")

    uncertainties: str = Field(
        "scenarios/uncertainties.yaml",
        description="uncertainties file (ranges of the sampled parameters)",
    )
    design: Literal["lhs", "morris", "sobol"] = Field(
        description="lhs (Latin hypercube), morris (trajectories) or sobol (Saltelli sample)"
    )
    n: int = Field(
        ge=1,
        description="lhs: worlds; morris: trajectories (rows n (D + 1)); "
        "sobol: base samples, a power of two (rows n (D + 2))",
    )
    seed: int = Field(ge=0, description="seed of the design (the sample of worlds)")
    parameters: list[str] | None = Field(
        None, min_length=1, description="the parameters to sample (default: all of the file)"
    )

    @field_validator("parameters")
    @classmethod
    def _distinct(cls, keys: list[str] | None) -> list[str] | None:
        if keys is not None and len(set(keys)) != len(keys):
            repeated = next(key for key in keys if keys.count(key) > 1)
            raise ValueError(f"{repeated} is listed twice")
        return keys

    @model_validator(mode="after")
    def _size(self) -> WorldsSpec:
        if self.design == "sobol" and (self.n < 2 or self.n & (self.n - 1)):
            raise ValueError(f"n must be a power of two (>= 2) for a sobol design, got {self.n}")
        if self.design == "morris" and self.n < 2:
            raise ValueError("n must be >= 2 trajectories for a morris design")
        return self


def design_rows(design: str, n: int, n_parameters: int) -> int:
    """Rows (worlds) of a design: ``n``, ``n (D + 1)`` (morris) or ``n (D + 2)`` (sobol)."""
    if design == "lhs":
        return n
    if design == "morris":
        return morris_runs(n, n_parameters)
    if design == "sobol":
        return sobol_runs(n, n_parameters)
    raise ValueError(f"unknown design {design!r}")


def sample_matrix(
    design: str, n: int, seed: int, ranges: dict[str, tuple[float, float]]
) -> np.ndarray:
    """The design matrix: one row per world, one column per parameter (in ``ranges`` order).

    Args:
        design: ``lhs``, ``morris`` or ``sobol``.
        n: worlds (lhs), trajectories (morris) or base samples (sobol).
        seed: the design's seed; the matrix depends on it and the arguments alone.
        ranges: ``{key: (low, high)}``, sampled uniformly.

    Returns:
        A float array of :func:`design_rows` rows; every value inside its range.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    if design == "lhs":
        frame = latin_hypercube(ranges, n, rng)
    elif design == "morris":
        frame = morris_sample(ranges, n, rng, num_levels=MORRIS_LEVELS)
    elif design == "sobol":
        frame = sobol_sample(ranges, n, rng)
    else:
        raise ValueError(f"unknown design {design!r}")
    matrix = frame[list(ranges)].to_numpy(dtype=float)
    expected = design_rows(design, n, len(ranges))
    if matrix.shape != (expected, len(ranges)):
        raise ValueError(f"{design} sample has shape {matrix.shape}, expected {expected} rows")
    return matrix


def world_arm_name(policy: str, world: int) -> str:
    """Name of listed arm ``policy`` in world ``world``: ``baseline@w0007``."""
    return f"{policy}{WORLD_SEPARATOR}{world:04d}"


@dataclass(frozen=True)
class Worlds:
    """The sampled worlds of an experiment.

    Attributes:
        design: ``lhs``, ``morris`` or ``sobol``.
        n: the block's ``n`` (worlds, trajectories or base samples).
        seed: the design's seed.
        uncertainties_file: the uncertainties file, as displayed (repository-relative when
            inside the repository).
        parameters: ``{key: (low, high)}`` in column order of the matrix.
        matrix: the sample, ``rows x D`` (row ``w`` is world ``w``).
        policies: the listed arms, in order; each runs in every world.
    """

    design: str
    n: int
    seed: int
    uncertainties_file: str
    parameters: dict[str, tuple[float, float]]
    matrix: np.ndarray
    policies: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Number of worlds."""
        return int(self.matrix.shape[0])

    def overrides(self, world: int) -> dict[str, float]:
        """The sampled values of world ``world``: ``{key: value}``."""
        return {
            key: float(value)
            for key, value in zip(self.parameters, self.matrix[world], strict=True)
        }

    def manifest(self) -> dict[str, Any]:
        """The ``worlds`` block of ``manifest.json`` (plain JSON data).

        Keys: ``design``, ``n``, ``seed``, ``rows``, ``uncertainties_file``, ``parameters``
        (``{key: [low, high]}`` in column order), ``matrix`` (``rows`` lists of ``D``
        values), ``policies`` (listed arms), ``num_levels`` (Morris grid levels; None for
        other designs) and ``second_order`` (False: Sobol samples carry first and total
        order only).
        """
        return {
            "design": self.design,
            "n": self.n,
            "seed": self.seed,
            "rows": self.rows,
            "uncertainties_file": self.uncertainties_file,
            "parameters": {key: [low, high] for key, (low, high) in self.parameters.items()},
            "matrix": [[float(v) for v in row] for row in self.matrix],
            "policies": list(self.policies),
            "num_levels": MORRIS_LEVELS if self.design == "morris" else None,
            "second_order": False,
        }


def sample_worlds(
    block: WorldsSpec,
    path: Path,
    display_path: str,
    policies: tuple[str, ...],
    source: str,
) -> Worlds:
    """Read the uncertainties file of a ``worlds`` block and draw its design.

    Args:
        block: the validated block.
        path: the uncertainties file, found.
        display_path: how to name it in the manifest.
        policies: the listed arms.
        source: the experiment file, for error messages.

    Raises:
        ConfigError: a bad uncertainties file, a parameter it does not list, or too many
            worlds; one line.
    """
    table = load_uncertainties(path)
    keys = block.parameters if block.parameters is not None else table.keys()
    unknown = [key for key in keys if key not in table.keys()]
    if unknown:
        raise ConfigError(f"{source}: worlds.parameters: {unknown[0]}: not in {display_path}")
    ranges = table.ranges(keys)
    rows = design_rows(block.design, block.n, len(ranges))
    if rows > MAX_WORLDS:
        raise ConfigError(f"{source}: worlds.n: {rows} worlds, more than {MAX_WORLDS}")
    return Worlds(
        design=block.design,
        n=block.n,
        seed=block.seed,
        uncertainties_file=display_path,
        parameters=ranges,
        matrix=sample_matrix(block.design, block.n, block.seed, ranges),
        policies=policies,
    )


def check_leaves_worlds_alone(config: ScenarioConfig, worlds: Worlds, where: str) -> None:
    """Refuse a listed arm that sets a sampled parameter to other than its status-quo value.

    A world's sampled value replaces whatever the arm's scenario or overrides set, so an arm
    whose design *is* another value of a sampled parameter would silently lose it. Restating
    the status-quo value is allowed (the points arms state the crowding-out strength).

    Args:
        config: the arm's configuration without any world.
        worlds: the sampled worlds.
        where: the experiment file and the arm, for the message.

    Raises:
        ConfigError: naming the arm and the parameter.
    """
    status_quo = ScenarioConfig().resolved()
    resolved = config.resolved()
    for key in worlds.parameters:
        value, default = _value_at(resolved, key), _value_at(status_quo, key)
        if value != default:
            raise ConfigError(
                f"{where} sets {key} to {value!r} (status quo {default!r}), which the sampled "
                "worlds would replace; leave it out of worlds.parameters or out of the arm"
            )


def _value_at(resolved: dict[str, Any], key: str) -> Any:
    """The value at a dotted key of a resolved configuration (None when there is none)."""
    node: Any = resolved
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node

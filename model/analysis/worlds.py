"""Analysis of an experiment run in sampled worlds: paired effects, robustness, indices, boxes.

A *worlds* experiment draws the uncertain parameters once per *world* (a row of a Latin
hypercube, a Morris trajectory or a Saltelli sample) and runs every policy of the experiment
in every world, with common random numbers within the world: replicate ``r`` of every policy
in world ``k`` shares its seed. Its run table has one row per (policy, world, replicate):
``arm`` (internal name ``policy@wK``), ``policy`` (the listed arm name), ``world`` (the design
row), one column per uncertain parameter (dotted key) with its sampled value, ``replicate``,
``seed``, ``status`` and the outcome columns. The manifest's ``worlds`` entry records the
design: ``design`` ("lhs", "morris" or "sobol"), ``parameters`` (``{key: [low, high]}``,
ordered as the sample's columns), ``matrix`` (one list of values per world; ``sample`` is
read as a synonym) and, for a Morris design, ``num_levels``.

This module turns that into:

- the paired effect per world (:func:`paired_world_effects`): policy minus reference in the
  same world, replicate by replicate (same seed), averaged over the replicates where both
  runs succeeded and the outcome is defined; outcome units;
- the robustness of every policy (:func:`robustness_table`): the share of worlds in which it
  beats the reference, the median and 10th-percentile improvement
  (:func:`model.analysis.robustness.beats_reference` on the paired effects) and its regret
  against the best policy of each world (:func:`model.analysis.robustness.regret`); regret
  is a difference between policies in one world, so computing it from effects against the
  reference gives the same numbers as from the levels;
- Morris screening (:func:`morris_screening`): ``mu*``, ``mu`` and ``sigma`` with a
  bootstrap interval of ``mu*`` for the reference's levels, a policy's levels and the
  paired effect, per outcome;
- Sobol indices (:func:`sobol_screening`): ``S1`` and ``ST`` with bootstrap intervals, for
  the same outputs;
- scenario discovery (:func:`failure_boxes`): PRIM boxes of the parameter space holding the
  worlds in which a policy fails to beat the reference (improvement <= 0).

:func:`analyse_worlds` runs all of it on one results table and manifest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.direction import Direction, parse_direction, sign
from model.analysis.prim import PrimBox, find_boxes
from model.analysis.robustness import beats_reference, regret, regret_summary
from model.analysis.sensitivity import morris_indices, sobol_indices

DESIGNS = ("lhs", "morris", "sobol")
"""Designs a worlds experiment may use."""

LEVELS, EFFECT = "levels", "effect"
"""Kinds of screened output: a policy's own levels, or its paired effect against the reference."""

PRIM_MIN_DENSITY = 0.6
"""A failure box must hold at least this share of failing worlds (PRIM selection)."""

PRIM_MAX_BOXES = 2
"""Most failure boxes reported per policy and outcome."""

MIN_FAILURES = 3
"""Fewest failing worlds for which boxes are sought (fewer say nothing about a region)."""


@dataclass(frozen=True)
class WorldsDesign:
    """The sampled worlds of an experiment, as its manifest records them.

    Attributes:
        design: "lhs", "morris" or "sobol".
        parameters: dotted key -> (low, high) range, in the sample's column order.
        sample: one row per world (index = world number), one column per parameter.
        levels: grid levels of a Morris design.
        second_order: whether a Sobol design was built for second-order indices.
        seed: seed of the sample.
    """

    design: str
    parameters: dict[str, tuple[float, float]]
    sample: pd.DataFrame
    levels: int = 4
    second_order: bool = False
    seed: int | None = None

    @property
    def n_worlds(self) -> int:
        """Rows of the design."""
        return len(self.sample)


def worlds_design(manifest: Mapping[str, Any]) -> WorldsDesign:
    """Read the ``worlds`` entry of a manifest.

    Raises:
        ValueError: no ``worlds`` entry, an unknown design, or a sample whose rows do not
            have one value per parameter.
    """
    worlds = manifest.get("worlds")
    if not isinstance(worlds, Mapping):
        raise ValueError("manifest has no 'worlds' entry: not an experiment in sampled worlds")
    design = str(worlds.get("design"))
    if design not in DESIGNS:
        raise ValueError(f"worlds.design: unknown design {design!r} ({', '.join(DESIGNS)})")
    parameters = {
        str(key): (float(bounds[0]), float(bounds[1]))
        for key, bounds in (worlds.get("parameters") or {}).items()
    }
    if not parameters:
        raise ValueError("worlds.parameters: no uncertain parameters")
    rows = worlds.get("matrix") if worlds.get("matrix") is not None else worlds.get("sample")
    sample = np.asarray(rows or [], dtype=float)
    if sample.ndim != 2 or sample.shape[1] != len(parameters):
        raise ValueError(
            f"worlds.matrix: expected rows of {len(parameters)} values (one per parameter)"
        )
    frame = pd.DataFrame(sample, columns=list(parameters))
    frame.index.name = "world"
    return WorldsDesign(
        design=design,
        parameters=parameters,
        sample=frame,
        levels=int(worlds.get("num_levels") or 4),
        second_order=bool(worlds.get("second_order", False)),
        seed=None if worlds.get("seed") is None else int(worlds["seed"]),
    )


def _check_columns(runs: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in runs.columns:
            raise KeyError(f"worlds run table has no column {column!r}")


def paired_world_effects(
    runs: pd.DataFrame, outcomes: Sequence[str], reference: str
) -> pd.DataFrame:
    """Policy minus reference in each world, replicate by replicate, averaged (outcome units).

    Args:
        runs: the worlds run table (``policy``, ``world``, ``replicate``, ``status`` and the
            outcome columns).
        outcomes: outcome columns.
        reference: the reference policy.

    Returns:
        One row per (world, policy), the reference included with effect 0 wherever it has a
        defined value: ``world``, ``policy``, then per outcome the mean paired difference
        (NaN without a complete pair) and ``n_pairs_<outcome>`` (pairs averaged).

    Raises:
        KeyError: a column or the reference policy is missing.
    """
    _check_columns(runs, ("policy", "world", "replicate", "status", *outcomes))
    ok = runs[runs["status"] == "ok"]
    if reference not in set(ok["policy"]):
        raise KeyError(f"no successful runs of the reference policy {reference!r}")
    keys = ["world", "replicate"]
    base = ok[ok["policy"] == reference].groupby(keys)[list(outcomes)].mean()
    policies = list(dict.fromkeys(runs["policy"]))
    frames = []
    for policy in policies:
        own = ok[ok["policy"] == policy].groupby(keys)[list(outcomes)].mean()
        joined = own.merge(
            base, left_index=True, right_index=True, suffixes=("", "__reference"), how="inner"
        )
        differences = pd.DataFrame(index=joined.index)
        for outcome in outcomes:
            differences[outcome] = joined[outcome] - joined[f"{outcome}__reference"]
        grouped = differences.groupby(level="world")
        frame = grouped.mean()
        for outcome in outcomes:
            frame[f"n_pairs_{outcome}"] = grouped[outcome].count()
        frame.insert(0, "policy", policy)
        frames.append(frame.reset_index())
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["world", "policy"], kind="stable").reset_index(drop=True)


def robustness_table(
    effects: pd.DataFrame,
    outcomes: Mapping[str, Direction | str],
    reference: str,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per policy and outcome: share of worlds beating the reference, improvement, regret.

    Args:
        effects: output of :func:`paired_world_effects`.
        outcomes: outcome -> direction ("higher" or "lower").
        reference: the reference policy.
        confidence: level of the Wilson interval of the share.

    Returns:
        One row per (policy, outcome), reference excluded: the columns of
        :data:`model.analysis.robustness.BEATS_COLUMNS` with ``policy`` for ``arm``, then
        ``max_regret``, ``mean_regret`` (outcome units, against the best policy of each
        world, the reference among the candidates), ``share_best`` (share of worlds in
        which the policy is the best) and ``least_max_regret`` (True for the policy with the
        smallest maximum regret on that outcome).
    """
    directions = {name: parse_direction(value) for name, value in outcomes.items()}
    beats = beats_reference(
        effects, directions, reference, confidence=confidence, arm_column="policy"
    ).rename(columns={"arm": "policy"})
    parts = []
    for outcome, direction in directions.items():
        regrets = regret(effects, outcome, direction, arm_column="policy")
        if regrets.empty:
            continue
        summary = regret_summary(regrets)
        summary["least_max_regret"] = summary.index == 0
        summary["outcome"] = outcome
        parts.append(
            summary.rename(columns={"arm": "policy"})[
                ["policy", "outcome", "max_regret", "mean_regret", "share_best", "least_max_regret"]
            ]
        )
    if not parts:
        return beats.assign(
            max_regret=math.nan, mean_regret=math.nan, share_best=math.nan, least_max_regret=False
        )
    regrets_table = pd.concat(parts, ignore_index=True)
    return beats.merge(regrets_table, on=["policy", "outcome"], how="left")


def least_regret_policy(table: pd.DataFrame, outcome: str, reference: str) -> str:
    """The policy with the least maximum regret on ``outcome`` (the reference when no other is).

    Args:
        table: output of :func:`robustness_table`.
        outcome: the outcome.
        reference: the reference policy (the table has no row of it).
    """
    rows = table[(table["outcome"] == outcome) & table["least_max_regret"].eq(True)]
    return reference if rows.empty else str(rows["policy"].iloc[0])


def world_outputs(
    runs: pd.DataFrame, effects: pd.DataFrame, design: WorldsDesign, outcome: str, policy: str
) -> dict[str, np.ndarray]:
    """One value per design row for the screened outputs of a policy on one outcome.

    Returns:
        ``{"levels": mean of the policy's successful replicates per world, "effect": paired
        effect per world}``, each ordered by world 0..n-1 (NaN where a world has no value).
    """
    ok = runs[(runs["status"] == "ok") & (runs["policy"] == policy)]
    worlds = np.arange(design.n_worlds)
    levels = ok.groupby("world")[outcome].mean().reindex(worlds).to_numpy(float)
    own = effects[effects["policy"] == policy].set_index("world")[outcome]
    return {LEVELS: levels, EFFECT: own.reindex(worlds).to_numpy(float)}


@dataclass(frozen=True)
class Screening:
    """Indices of one screened output.

    Attributes:
        policy: the policy whose output it is.
        outcome: the outcome.
        kind: :data:`LEVELS` or :data:`EFFECT`.
        table: the index table (:func:`model.analysis.sensitivity.morris_indices` or the
            ``table`` of :func:`model.analysis.sensitivity.sobol_indices`), None when the
            output has a missing world.
        missing_worlds: worlds without a value (the design needs every row).
    """

    policy: str
    outcome: str
    kind: str
    table: pd.DataFrame | None
    missing_worlds: int = 0


def _screen(
    design: WorldsDesign,
    values: np.ndarray,
    rng: np.random.Generator,
    n_resamples: int,
) -> pd.DataFrame:
    if design.design == "morris":
        return morris_indices(
            design.parameters,
            design.sample,
            values,
            rng,
            num_levels=design.levels,
            n_resamples=n_resamples,
        )
    if design.design == "sobol":
        return sobol_indices(
            design.parameters,
            values,
            rng,
            second_order=design.second_order,
            n_resamples=n_resamples,
        ).table
    raise ValueError(f"a {design.design!r} design gives no sensitivity indices")


def screening(
    runs: pd.DataFrame,
    effects: pd.DataFrame,
    design: WorldsDesign,
    outcomes: Sequence[str],
    reference: str,
    policies: Sequence[str],
    rng: np.random.Generator,
    *,
    n_resamples: int = 1000,
) -> list[Screening]:
    """Morris or Sobol indices (as the design allows) of levels and paired effects.

    The reference gets its levels screened; every other policy in ``policies`` its levels
    and its paired effect against the reference.

    Args:
        runs: the worlds run table.
        effects: output of :func:`paired_world_effects`.
        design: the design (``morris`` or ``sobol``).
        outcomes: outcomes to screen.
        reference: the reference policy.
        policies: further policies to screen.
        rng: random generator of the bootstrap.
        n_resamples: bootstrap resamples.

    Returns:
        One entry per (policy, kind, outcome), reference first.
    """
    found = []
    for policy in [reference, *(p for p in policies if p != reference)]:
        kinds = (LEVELS,) if policy == reference else (LEVELS, EFFECT)
        for outcome in outcomes:
            outputs = world_outputs(runs, effects, design, outcome, policy)
            for kind in kinds:
                values = outputs[kind]
                missing = int((~np.isfinite(values)).sum())
                table = None if missing else _screen(design, values, rng, n_resamples)
                found.append(Screening(policy, outcome, kind, table, missing))
    return found


@dataclass(frozen=True)
class FailureBoxes:
    """Where a policy fails to beat the reference on one outcome.

    Attributes:
        policy: the policy.
        outcome: the outcome.
        n_worlds: worlds with a defined paired effect.
        n_failures: worlds where the improvement is <= 0.
        boxes: PRIM boxes (empty when there are fewer than :data:`MIN_FAILURES` failures
            or no box reaches :data:`PRIM_MIN_DENSITY`).
    """

    policy: str
    outcome: str
    n_worlds: int
    n_failures: int
    boxes: list[PrimBox] = field(default_factory=list)


def failure_boxes(
    effects: pd.DataFrame,
    design: WorldsDesign,
    policy: str,
    outcome: str,
    direction: Direction | str,
    *,
    min_density: float = PRIM_MIN_DENSITY,
    max_boxes: int = PRIM_MAX_BOXES,
) -> FailureBoxes:
    """PRIM boxes of the worlds in which ``policy`` does not beat the reference.

    Args:
        effects: output of :func:`paired_world_effects`.
        design: the design (its sample gives each world's parameters).
        policy: the policy.
        outcome: the outcome.
        direction: "higher" or "lower".
        min_density: PRIM selection threshold.
        max_boxes: most boxes (covering: each next box among the worlds outside earlier ones).

    Returns:
        The failing worlds and their boxes.
    """
    factor = sign(parse_direction(direction))
    own = effects[effects["policy"] == policy].set_index("world")[outcome]
    improvement = (factor * own)[np.isfinite(own)]
    fails = (improvement <= 0.0).to_numpy()
    result = FailureBoxes(policy, outcome, int(improvement.size), int(fails.sum()))
    if fails.sum() < MIN_FAILURES:
        return result
    points = design.sample.loc[improvement.index]
    boxes = find_boxes(points, fails, max_boxes=max_boxes, min_density=min_density)
    # the threshold holds for the box as reported: dropping a restriction after the peeling
    # can leave a box that covers the failures but mostly holds worlds that do not fail
    result.boxes.extend(box for box in boxes if not box.limits.empty and box.density >= min_density)
    return result


@dataclass(frozen=True)
class WorldsAnalysis:
    """Everything the sensitivity page reports on one worlds experiment.

    Attributes:
        design: the sampled worlds.
        reference: the reference policy.
        policies: every policy, experiment order.
        effects: paired effects per world (:func:`paired_world_effects`).
        robustness: :func:`robustness_table` over the outcomes.
        screenings: Morris or Sobol indices (empty for a Latin hypercube).
        failures: failure boxes of the focus policy per outcome.
        n_runs: successful runs.
        n_failed: failed runs.
    """

    design: WorldsDesign
    reference: str
    policies: list[str]
    effects: pd.DataFrame
    robustness: pd.DataFrame
    screenings: list[Screening]
    failures: list[FailureBoxes]
    n_runs: int
    n_failed: int

    def screening_of(self, policy: str, outcome: str, kind: str) -> Screening | None:
        """The screening of one output, or None."""
        for entry in self.screenings:
            if (entry.policy, entry.outcome, entry.kind) == (policy, outcome, kind):
                return entry
        return None

    def failure_of(self, policy: str, outcome: str) -> FailureBoxes | None:
        """The failure boxes of one policy and outcome, or None."""
        for entry in self.failures:
            if (entry.policy, entry.outcome) == (policy, outcome):
                return entry
        return None


def analyse_worlds(
    runs: pd.DataFrame,
    manifest: Mapping[str, Any],
    outcomes: Mapping[str, Direction | str],
    *,
    focus: Sequence[str] = ("integrated",),
    failure_outcomes: Sequence[str] | None = None,
    seed: int = 20260214,
    n_resamples: int = 1000,
) -> WorldsAnalysis:
    """Paired effects, robustness, indices (Morris/Sobol designs) and failure boxes.

    Args:
        runs: the worlds run table.
        manifest: the results' manifest (``reference`` and ``worlds``).
        outcomes: outcomes to analyse -> direction ("higher"/"lower").
        focus: policies whose levels and effects are screened and whose failures are boxed
            (those present in the runs).
        failure_outcomes: outcomes on which failures are boxed (default all of ``outcomes``).
        seed: seed of the bootstrap intervals.
        n_resamples: bootstrap resamples of the indices.

    Returns:
        The analysis.

    Raises:
        ValueError: the manifest has no usable ``worlds`` entry.
        KeyError: a column or the reference is missing.
    """
    design = worlds_design(manifest)
    reference = str(manifest["reference"])
    directions = {name: parse_direction(value) for name, value in outcomes.items()}
    effects = paired_world_effects(runs, list(directions), reference)
    policies = list(dict.fromkeys(runs["policy"]))
    focused = [p for p in focus if p in policies and p != reference]
    rng = np.random.default_rng(np.random.SeedSequence([seed]))
    screenings = (
        screening(
            runs, effects, design, list(directions), reference, focused, rng,
            n_resamples=n_resamples,
        )
        if design.design in ("morris", "sobol")
        else []
    )  # fmt: skip
    boxed = list(directions) if failure_outcomes is None else list(failure_outcomes)
    failures = [
        failure_boxes(effects, design, policy, outcome, directions[outcome])
        for policy in focused
        for outcome in boxed
    ]
    ok = int((runs["status"] == "ok").sum())
    return WorldsAnalysis(
        design=design,
        reference=reference,
        policies=policies,
        effects=effects,
        robustness=robustness_table(effects, directions, reference),
        screenings=screenings,
        failures=failures,
        n_runs=ok,
        n_failed=len(runs) - ok,
    )

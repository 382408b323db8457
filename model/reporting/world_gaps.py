"""Which sampled worlds have no value of an outcome, and why.

A world without a value of an outcome is left out of that outcome's numbers (the robustness
share, the indices, the failure boxes), and a page says why (:class:`WorldGaps`): a run of the
world *failed* (``status`` other than ``ok`` in the run table: it stopped with an error), or
every run finished but the outcome is *undefined* there, for instance because the runs are no
longer than the outcome's window (:data:`WINDOW_DAYS`: problems fixed within a week counts
only the problems opened at least 7 days before the end of a run, so runs of 7 days or fewer
leave it without a value; :func:`measured_days` gives the runs' length).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.worlds import EFFECT
from model.outcomes.contract import FIX_WINDOW_HOURS
from model.reporting.results import SensitivityResults

WINDOW_DAYS = {"fixed_within_7d_share": FIX_WINDOW_HOURS / 24.0}
"""Outcomes that count only problems opened at least this many days before the end of a run:
runs of no more measured days leave them without a value."""


@dataclass(frozen=True)
class WorldGaps:
    """The sampled worlds of a design without a value of one output, and why.

    Attributes:
        outcome: the outcome.
        total: worlds of the design.
        failed: worlds without a value in which a run of an involved policy failed.
        finished: worlds without a value whose runs all finished (the outcome undefined).
    """

    outcome: str
    total: int
    failed: int
    finished: int

    @property
    def missing(self) -> int:
        """Worlds without a value."""
        return self.failed + self.finished

    @property
    def valued(self) -> int:
        """Worlds with a value."""
        return self.total - self.missing


def world_gaps(
    runs: pd.DataFrame,
    effects: pd.DataFrame,
    n_worlds: int,
    outcome: str,
    policies: Sequence[str],
    reference: str,
    kind: str = EFFECT,
) -> WorldGaps:
    """Count the worlds in which some of ``policies`` has no value of an output, by cause.

    Args:
        runs: the worlds run table (``policy``, ``world``, ``status`` and the outcomes).
        effects: the paired effects (:func:`model.analysis.worlds.paired_world_effects`).
        n_worlds: worlds of the design (numbered 0 to ``n_worlds - 1``).
        outcome: the outcome.
        policies: the policies whose values count.
        reference: the reference policy (its runs count too for a paired effect).
        kind: ``EFFECT`` (paired effect against the reference) or ``LEVELS`` (the policies'
            own levels, averaged over their successful replicates).

    Returns:
        The gaps: a world without a value counts as *failed* when a run of an involved
        policy (the reference included for an effect) failed in it, else as *finished*.
    """
    worlds = np.arange(n_worlds)
    policies = list(policies)
    if kind == EFFECT:  # one row per world and policy
        own = effects[effects["policy"].isin(policies)]
        involved = [*policies, reference]
    else:  # the levels: the mean of the successful replicates
        own = runs[(runs["status"] == "ok") & runs["policy"].isin(policies)]
        involved = policies
    values = own.groupby(["world", "policy"])[outcome].mean().unstack("policy")
    values = values.reindex(index=worlds, columns=policies).to_numpy(float)
    missing = ~np.isfinite(values).all(axis=1) if policies else np.zeros(n_worlds, bool)
    mine = runs[runs["policy"].isin(involved)]
    failed_worlds = np.isin(worlds, mine.loc[mine["status"] != "ok", "world"].to_numpy())
    failed = int((missing & failed_worlds).sum())
    return WorldGaps(outcome, n_worlds, failed, int(missing.sum()) - failed)


def measured_days(results: SensitivityResults) -> float:
    """Measured days of the experiment's runs (the manifest's horizon, else the run table's)."""
    days = results.manifest.get("days")
    if days is not None:
        return float(days)
    if "measured_days" in results.runs.columns:
        column = results.runs["measured_days"].to_numpy(float)
        if np.isfinite(column).any():
            return float(np.nanmax(column))
    return math.nan

"""What one run produces: the outcomes and four tables."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from model.config.codes import (
    CHANNELS,
    OBSERVERS,
    REPORTER_CHANNELS,
    ROLES,
    WORKER_KINDS,
    Observer,
)

OUTCOME_SIGNIFICANT_DIGITS = 12
"""Significant digits kept of every outcome value.

Sums of many floats carry rounding noise in the last of their 17 digits
(``120000.00000000087`` yuan); 12 significant digits keep every real difference between
runs (a share to 1e-12, a cost in yuan to the fen up to 10 billion) and drop the noise, so
``outcomes.json`` and ``runs.parquet`` show ``120000.0``.
"""


def round_significant(value: float, digits: int = OUTCOME_SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits; NaN and infinities unchanged."""
    if not math.isfinite(value) or value == 0:
        return float(value)
    return float(f"{value:.{digits}g}")


@dataclass
class RunOutput:
    """Everything one run produces.

    Attributes:
        outcomes: the contract outcomes (:mod:`model.outcomes.contract`), floats rounded to
            :data:`OUTCOME_SIGNIFICANT_DIGITS` significant digits, NaN if undefined.
        daily: one row per day (the daily series).
        issues: one row per issue (the issue log).
        reports: one row per report, duplicates included (the report log).
        workers: one row per worker ever present (the worker roster).
    """

    outcomes: dict[str, float]
    daily: pa.Table
    issues: pa.Table
    reports: pa.Table
    workers: pa.Table

    def __post_init__(self) -> None:
        self.outcomes = {
            name: round_significant(float(value)) for name, value in self.outcomes.items()
        }


def report_table(log: dict[str, np.ndarray]) -> pa.Table:
    """The report log as a table: one row per report, duplicates included.

    Args:
        log: the service chain's report log (:meth:`ServiceChain.report_log`), codes.

    Returns:
        ``issue_id``, ``time`` (hours), ``reporter_kind`` and ``channel`` (names),
        ``reporter_id`` (Mesa id, null for staff), ``duplicate``, and how the report
        ended for its reporter: ``outcome_at`` (hours, null while the issue is open),
        ``fixed``, ``told`` and ``satisfied`` (null while open and for staff tickets).
    """
    open_ = np.isnan(log["outcome_at"]) | (log["reporter_kind"] == Observer.STAFF)
    return pa.table(
        {
            "issue_id": log["issue_id"],
            "time": log["time"],
            "reporter_kind": pa.array(
                np.array(OBSERVERS, dtype=object)[log["reporter_kind"]], type=pa.string()
            ),
            "reporter_id": pa.array(log["reporter_id"], mask=log["reporter_id"] < 0),
            "channel": pa.array(np.array(CHANNELS, dtype=object)[log["channel"]], type=pa.string()),
            "duplicate": log["duplicate"],
            "outcome_at": pa.array(log["outcome_at"], mask=np.isnan(log["outcome_at"])),
            "fixed": pa.array(log["fixed"], mask=open_),
            "told": pa.array(log["told"], mask=open_),
            "satisfied": pa.array(log["satisfied"], mask=open_),
        }
    )


def worker_table(roster: dict[str, np.ndarray]) -> pa.Table:
    """The worker roster as a table: one row per worker ever present.

    Args:
        roster: :meth:`model.sim.workforce.WorkerTable.roster`, codes.

    Returns:
        ``worker_id`` (Mesa id, as ``reporter_id`` in the report log), ``kind``,
        ``community`` (base), ``entered_at`` and ``left_at`` (hours since the start; null =
        present at the end), ``day_entered`` and ``day_left`` (days, null = present),
        ``days_online``, ``reports_<channel>`` per reporter channel, ``points``,
        ``honours``, ``registered``, ``post`` (role name) and ``insured`` (at leaving, or at
        the end for those present).
    """
    left = roster["left_at"]
    present = np.isnan(left)
    by_channel = roster["reports_by_channel"]
    return pa.table(
        {
            "worker_id": pa.array(roster["worker_id"], type=pa.int64()),
            "kind": pa.array(np.array(WORKER_KINDS, dtype=object)[roster["kind"]], pa.string()),
            "community": pa.array(roster["community"].astype(np.int32)),
            "entered_at": pa.array(roster["entered_at"], type=pa.float64()),
            "left_at": pa.array(left, mask=present, type=pa.float64()),
            "day_entered": pa.array((roster["entered_at"] // 24).astype(np.int32)),
            "day_left": pa.array(
                np.where(present, 0, left // 24).astype(np.int32), mask=present, type=pa.int32()
            ),
            "days_online": pa.array(roster["days_online"].astype(np.int32)),
            **{
                f"reports_{name}": pa.array(by_channel[:, i].astype(np.int32))
                for i, name in enumerate(REPORTER_CHANNELS)
            },
            "points": pa.array(roster["points"], type=pa.float64()),
            "honours": pa.array(roster["honours"].astype(np.int32)),
            "registered": pa.array(roster["registered"].astype(bool)),
            "post": pa.array(np.array(ROLES, dtype=object)[roster["role"]], pa.string()),
            "insured": pa.array(roster["insured"].astype(bool)),
        }
    )

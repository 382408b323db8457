"""What one run produces: the outcomes and three tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from model.config.codes import CHANNELS, OBSERVERS


@dataclass
class RunOutput:
    """Everything one run produces.

    Attributes:
        outcomes: the contract outcomes (:mod:`model.outcomes.contract`), floats, NaN if
            undefined.
        daily: one row per day (the daily series).
        issues: one row per issue (the issue log).
        reports: one row per report, duplicates included (the report log).
    """

    outcomes: dict[str, float]
    daily: pa.Table
    issues: pa.Table
    reports: pa.Table


def report_table(log: dict[str, np.ndarray]) -> pa.Table:
    """The report log as a table: one row per report, duplicates included.

    Args:
        log: the service chain's report log (:meth:`ServiceChain.report_log`), codes.

    Returns:
        ``issue_id``, ``time`` (hours), ``reporter_kind`` and ``channel`` (names),
        ``reporter_id`` (Mesa id, null for staff) and ``duplicate``.
    """
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
        }
    )

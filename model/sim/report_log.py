"""The report log: one row per report filed, duplicates included.

The service chain (:mod:`model.sim.service`) appends a row as a report is filed and fills in
its outcome columns when the reporter learns how the issue ended; the run's output reads it
as arrays (:meth:`ReportRecord.arrays`). Columns are Python lists while the run goes on: the
hourly events write one row at a time, which a list takes faster than an array.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ReportRecord:
    """Columns of the report log (one row per report, duplicates included).

    Attributes:
        issue: the issue reported.
        time: when the report was filed, hours since the start.
        observer: the reporter's observer class code.
        agent_id: the reporter's Mesa unique_id (-1 for staff).
        channel: the channel code the report went through.
        duplicate: the issue had been reported before.
        outcome_at: when the reporter learned the outcome, hours (NaN until the issue ends).
        fixed: the issue was fixed.
        told: the reporter was told the outcome (the channel's feedback).
        satisfied: the reporter was satisfied.
    """

    issue: list[int] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    observer: list[int] = field(default_factory=list)
    agent_id: list[int] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    duplicate: list[bool] = field(default_factory=list)
    outcome_at: list[float] = field(default_factory=list)
    fixed: list[bool] = field(default_factory=list)
    told: list[bool] = field(default_factory=list)
    satisfied: list[bool] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        """The report log as arrays, by output column name."""
        return {
            "issue_id": np.asarray(self.issue, dtype=np.int64),
            "time": np.asarray(self.time, dtype=float),
            "reporter_kind": np.asarray(self.observer, dtype=np.int8),
            "reporter_id": np.asarray(self.agent_id, dtype=np.int64),
            "channel": np.asarray(self.channel, dtype=np.int8),
            "duplicate": np.asarray(self.duplicate, dtype=bool),
            "outcome_at": np.asarray(self.outcome_at, dtype=float),
            "fixed": np.asarray(self.fixed, dtype=bool),
            "told": np.asarray(self.told, dtype=bool),
            "satisfied": np.asarray(self.satisfied, dtype=bool),
        }

"""Builders of hand-made run tables for the outcome tests (issue log, report log, roster).

Each builder takes plain Python rows and returns the Arrow table the contract reads, with the
columns and types the simulation writes; ``run_record`` builds a :class:`RunRecord` whose
fields a test can change one at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from model.config.codes import OBSERVERS
from model.outcomes.contract import RunRecord

ISSUE_TIMES = (
    "opened_at",
    "first_detected_at",
    "reported_at",
    "acknowledged_at",
    "triaged_at",
    "resolved_at",
    "incident_at",
    "lapse_at",
)
"""The time columns of an issue log, hours (null = never)."""

HARM = {"environment": 50.0, "safety_hazard": 1000.0}
"""Harm of one incident by issue type, yuan (types not named cost nothing)."""


def issues_table(issues: dict[str, tuple]) -> pa.Table:
    """An issue log from ``{name: (type, channel, first reporter kind, status, {time: hours})}``.

    The channel and the observer class of the first report (``first_reporter_kind``) are None
    for an issue never reported. As in the simulation (``ServiceChain.submit`` sets all three
    together), an issue has a channel and a first reporter kind exactly when it has a
    ``reported_at``, and the staff, only they, file through ``staff_patrol``; a row that
    breaks this raises, so a hand-built log cannot hold what no run writes.

    Raises:
        ValueError: a row inconsistent with the simulation's issue log (named in the message).
    """
    for name, (_, channel, kind, _, hours) in issues.items():
        reported = hours.get("reported_at") is not None
        if (channel is not None) != reported or (kind is not None) != reported:
            raise ValueError(f"issue {name}: channel and first reporter kind need a reported_at")
        if kind is not None and kind not in OBSERVERS:
            raise ValueError(f"issue {name}: first reporter kind {kind!r} is not an observer")
        if reported and (kind == "staff") != (channel == "staff_patrol"):
            raise ValueError(f"issue {name}: the staff, only they, file through staff_patrol")
    rows = list(issues.values())
    columns = {
        name: pa.array([r[4].get(name) for r in rows], type=pa.float64()) for name in ISSUE_TIMES
    }
    # the first reporter noticed it himself when it was first noticed, unless a row says
    # otherwise (someone else noticed it earlier and did not report)
    columns["first_reporter_noticed_at"] = pa.array(
        [
            r[4].get("first_reporter_noticed_at", r[4].get("first_detected_at"))
            if r[4].get("reported_at") is not None
            else None
            for r in rows
        ],
        type=pa.float64(),
    )
    columns["type"] = pa.array([r[0] for r in rows], type=pa.string())
    columns["channel"] = pa.array([r[1] for r in rows], type=pa.string())
    columns["first_reporter_kind"] = pa.array([r[2] for r in rows], type=pa.string())
    columns["status"] = pa.array([r[3] for r in rows], type=pa.string())
    return pa.table(columns)


def reports_table(reports: list[tuple]) -> pa.Table:
    """A report log from ``(reporter kind, reporter id, hour, channel, satisfied)`` rows."""
    return pa.table(
        {
            "reporter_kind": pa.array([r[0] for r in reports], type=pa.string()),
            "reporter_id": pa.array([r[1] for r in reports], type=pa.int64()),
            "time": pa.array([r[2] for r in reports], type=pa.float64()),
            "channel": pa.array([r[3] for r in reports], type=pa.string()),
            "satisfied": pa.array([r[4] for r in reports], type=pa.bool_()),
        }
    )


def workers_table(workers: list[tuple]) -> pa.Table:
    """A worker roster from ``(worker id, kind, entered at, left at or None)`` rows."""
    return pa.table(
        {
            "worker_id": pa.array([w[0] for w in workers], type=pa.int64()),
            "kind": pa.array([w[1] for w in workers], type=pa.string()),
            "entered_at": pa.array([w[2] for w in workers], type=pa.float64()),
            "left_at": pa.array([w[3] for w in workers], type=pa.float64()),
        }
    )


def run_record(start: float, end: float, **changes: Any) -> RunRecord:
    """A run record of the window ``[start, end)`` (four workers, every cost field set)."""
    values: dict[str, Any] = dict(
        window_start=start,
        end=end,
        worker_slots=4,
        leavers=3,
        turnover_days=(end - start) / 24.0,
        registered=np.array([True, False, False, True]),
        belonging=np.array([0.2, 0.4, 0.6, 0.8]),
        spent_yuan={"points": 100.0, "waiver": 50.0, "stations": 200.0},
        points_paid_yuan=80.0,
        staff_hours=10.0,
        department_attempts=3,
        staff_yuan_per_hour=40.0,
        department_yuan_per_ticket=200.0,
        harm_yuan_by_type=HARM,
        response_limit_hours=24.0,
    )
    values.update(changes)
    return RunRecord(**values)

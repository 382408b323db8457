"""The day's detections, drawn at midnight for all 24 hours at once (the hot path's batch).

Nothing that decides *who notices what* changes within a day: the shifts (who is online,
hour by hour), the workforce (turnover happens at midnight), the residents' relay of
opinions (set monthly) and the office hours are fixed from midnight on, and every draw is
keyed on the hour, the issue and the observer (:class:`model.sim.streams.KeyedDraws`).
So the detections of the whole day are drawn in one batch, for every issue that is open at
midnight or arrives during the day, with their noticing times and the uniforms of the
report decisions they may bring. Each hour then takes its own rows and drops those of
issues that have arrived later or have been fixed, have escalated or lapsed since
midnight: exactly the detections the hour would have drawn on its own, in the same order
(the per-hour draw, :meth:`model.sim.detection.Detector.detect`, is tested to give the
same rows).

What *does* change within a day (trust, the points budget, which problems a worker has
already decided about) is read when the hour comes (:meth:`model.sim.perception.Perception.decide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.codes import IssueStatus
from model.config.people import StaffConfig
from model.sim.detection import Detections, Detector
from model.sim.issues import IssueLog
from model.sim.perception import DecisionDraws, ExpectedDecisions, Perception, office_open_at
from model.sim.streams import KeyedDraws
from model.sim.workforce import Shifts

HOURS_PER_DAY = 24


@dataclass
class HourDetections:
    """One hour's detections with what the hour needs of them.

    Attributes:
        detections: the detections, in order of issue, then observer class.
        noticed_at: when each was noticed, hours since the start.
        draws: the keyed uniforms of the report decisions they may bring.
        expected: those decisions with the state at midnight.
    """

    detections: Detections
    noticed_at: np.ndarray
    draws: DecisionDraws
    expected: ExpectedDecisions

    def __len__(self) -> int:
        return len(self.detections)


class DayPlan:
    """The detections of one day, drawn at once; each hour takes its own.

    Args:
        day: the day (days since the start).
        detections: every detection of the day's candidate issues, in order of hour.
        noticed_at: when each was noticed, hours since the start.
        draws: the keyed uniforms of their report decisions.
        expected: those decisions with the state at midnight.
    """

    def __init__(
        self,
        day: int,
        detections: Detections,
        noticed_at: np.ndarray,
        draws: DecisionDraws,
        expected: ExpectedDecisions,
    ) -> None:
        """Index the rows by hour."""
        self.day = day
        self.detections = detections
        self.noticed_at = noticed_at
        self.draws = draws
        self.expected = expected
        hours = day * HOURS_PER_DAY + np.arange(HOURS_PER_DAY + 1)
        self.bounds = np.searchsorted(detections.hour, hours, side="left").tolist()

    def at_hour(self, hour_index: int, status: np.ndarray) -> HourDetections:
        """This hour's detections of the issues still open (status before RESOLVED).

        Args:
            hour_index: hours since the start (an hour of this plan's day).
            status: the issue log's status column now.
        """
        hour = hour_index - self.day * HOURS_PER_DAY
        first, end = self.bounds[hour], self.bounds[hour + 1]
        open_ = status[self.detections.issue[first:end]] < IssueStatus.RESOLVED
        rows = np.flatnonzero(open_) + first
        return HourDetections(
            self.detections.take(rows),
            self.noticed_at[rows],
            self.draws.take(rows),
            self.expected.take(rows),
        )


def plan_day(
    day: int,
    candidates: np.ndarray,
    issues: IssueLog,
    detector: Detector,
    perception: Perception,
    shifts: Shifts,
    staff: StaffConfig,
    draws: KeyedDraws,
    reward: np.ndarray,
) -> DayPlan:
    """Draw the detections of every hour of a day.

    Args:
        day: the day (days since the start).
        candidates: the issues that can be noticed today, in increasing order: those open at
            midnight and those arriving during the day.
        issues: the issue log.
        detector: the detector (its fields prepared for the log).
        perception: the report decisions (their keyed draws).
        shifts: today's shifts.
        staff: the ``staff`` block (office hours).
        draws: the run's keyed draws.
        reward: (n_issue_types,) expected reward of a verified report now, yuan.

    Returns:
        The day's plan; a detection of an issue is kept only from the hour it arrives.
    """
    hours_of_day = np.arange(HOURS_PER_DAY)
    hour_index = day * HOURS_PER_DAY + hours_of_day
    intensity = detector.passes_hours(
        candidates, shifts.counts, hours_of_day, office_open_at(staff, hour_index)
    )
    det = detector.detect_hours(
        candidates,
        issues.cell[candidates],
        intensity,
        shifts.counts,
        shifts.online,
        draws,
        hour_index,
    )
    opened = issues.opened_at[det.issue]
    det = det.take(opened < det.hour + 1.0)  # an issue is noticed from its arrival hour on
    opened = issues.opened_at[det.issue]
    start = np.maximum(opened, det.hour.astype(float))
    u = draws.uniform("notice_time", det.hour, det.issue, det.observer)
    noticed_at = start + (det.hour + 1.0 - start) * u
    decision_draws = perception.decision_draws(det)
    expected = perception.expect(det, noticed_at, shifts, reward, decision_draws)
    return DayPlan(day, det, noticed_at, decision_draws, expected)

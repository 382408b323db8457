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

Which rows bring a decision is settled at midnight too: a worker decides once per problem,
at his first noticing of it, and a resident at each noticing
(:meth:`model.sim.perception.Perception.plan`); a council session that puts a problem to a
seat holder during the day settles it for his later noticings (:meth:`DayPlan.decided_at`).
The decisions are drawn with the state at midnight; what *does* change within a day (trust
and belonging as reporters learn outcomes, the reward once the points budget is spent) is
checked when the hour comes, and a row drawn with another state is decided anew
(:meth:`model.sim.perception.Perception.decide_planned`). The hour-by-hour form,
:func:`model.sim.decision_forms.decide`, is tested to give the same reports.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import NO_CHANNEL, WORKER_KINDS
from model.sim import detection_kernels, plan_kernels
from model.sim.decision_tables import PlannedDetections, ReportEvents
from model.sim.detection import Detections, Detector
from model.sim.issues import DETECTED_CODE, OPEN_CODE, RESOLVED_CODE, IssueLog
from model.sim.perception import Perception
from model.sim.streams import KeyedDraws
from model.sim.workforce import Shifts

HOURS_PER_DAY = 24

_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_ROWS.flags.writeable = False
_NO_REPORTS = ReportEvents.empty()


class DayPlan:
    """The detections of one day and the decisions they bring, drawn at once.

    Each hour takes its own rows, marked as detections, and the reports they bring now
    (:meth:`take_hour_decided`, one compiled call; :meth:`rows_at` and :meth:`take_hour` are
    its first part in plain steps, which the tests hold it to).

    Args:
        day: the day (days since the start).
        planned: every detection of the day's candidate issues, in order of hour, with
            its noticing time and planned decision (:meth:`Perception.plan`).
    """

    def __init__(self, day: int, planned: PlannedDetections) -> None:
        """Index the rows by hour."""
        self.day = day
        self.planned = planned
        det, expected = planned.detections, planned.expected
        # where each hour's rows start (np.searchsorted of the hours), and the columns the
        # hours read that stay as planned all day, stacked for the kernel
        # (take_hour_decided; plan_kernels.take_hour_rows names the rows)
        bounds, self.fixed, self.times = plan_kernels.day_columns(
            day * HOURS_PER_DAY,
            HOURS_PER_DAY,
            det.hour,
            det.issue,
            det.observer,
            det.slot,
            expected.agent,
            planned.noticed_at,
            planned.first_noticed,
            expected.trust,
            expected.belonging,
        )
        self.bounds = bounds.tolist()
        n = len(planned)
        # each hour's rows kept, lists of rows and reports, and its reports' times
        self.work = np.empty((8, n), dtype=np.int64)
        self.report_times = np.empty((2, n))
        self._taken = self.work[0]  # each hour's rows kept, from its first row on

    def rows_at(self, hour_index: int, status: np.ndarray) -> np.ndarray:
        """This hour's rows of the plan, of the issues still open (status before RESOLVED).

        Args:
            hour_index: hours since the start (an hour of this plan's day).
            status: the issue log's status column now.
        """
        hour = hour_index - self.day * HOURS_PER_DAY
        first, end = self.bounds[hour], self.bounds[hour + 1]
        if first == end:
            return _NO_ROWS
        open_ = status[self.planned.detections.issue[first:end]] < RESOLVED_CODE
        return np.flatnonzero(open_) + first

    def take_hour(self, hour_index: int, log: IssueLog) -> np.ndarray:
        """:meth:`rows_at`, each row kept marked as a detection in the issue log.

        Compiled (:func:`model.sim.detection_kernels.take_hour`): an issue's first detection
        time becomes the earliest noticing so far, and an open issue becomes detected, as
        :meth:`model.sim.model.StreetModel.mark_detected` marks them.

        Args:
            hour_index: hours since the start (an hour of this plan's day).
            log: the issue log (its status and first detection times are updated).

        Returns:
            The rows kept, in order: a view of the hour's own part of the plan's buffer
            (each hour of the plan is taken once).
        """
        hour = hour_index - self.day * HOURS_PER_DAY
        first, end = self.bounds[hour], self.bounds[hour + 1]
        if first == end:
            return _NO_ROWS
        kept = detection_kernels.take_hour(
            first,
            end,
            self.planned.detections.issue,
            self.planned.noticed_at,
            log.status,
            log.times["first_detected_at"],
            RESOLVED_CODE,
            OPEN_CODE,
            DETECTED_CODE,
            self._taken,
        )
        return self._taken[first : first + kept]

    def decided_at(self, keys: np.ndarray, hour_index: int, perception: Perception) -> None:
        """Workers decided about these (worker, problem) pairs in this hour (a council session).

        Their later noticings today bring no decision of their own.

        Args:
            keys: :meth:`Perception.decision_keys` of the pairs.
            hour_index: hours since the start.
            perception: the report decisions (the keys of the plan's rows).
        """
        planned = self.planned
        det = planned.detections
        rows = np.flatnonzero(
            planned.decides & (det.hour > hour_index) & (det.observer < len(WORKER_KINDS))
        )
        if len(rows) == 0 or len(keys) == 0:
            return
        rows = rows[np.isin(perception.decision_keys(det.slot[rows], det.issue[rows]), keys)]
        planned.decides[rows] = False
        planned.expected.channel[rows] = NO_CHANNEL
        planned.expected.later[rows] = False

    def take_hour_decided(
        self,
        hour_index: int,
        log: IssueLog,
        perception: Perception,
        office_open: bool,
        shifts: Shifts,
        reward: np.ndarray,
    ) -> tuple[int, ReportEvents]:
        """This hour's rows of the day's plan, marked as detections, and the reports to file now.

        What :meth:`take_hour` then :meth:`Perception.decide_planned
        <model.sim.perception.Perception.decide_planned>` of its rows give, in one compiled call
        (:func:`model.sim.plan_kernels.take_hour_rows`) while no planned decision of the
        hour is stale; an hour with stale rows decides them anew (``decide_planned``).

        Args:
            hour_index: hours since the start (an hour of the plan's day).
            log: the issue log (its status and first detection times are updated).
            perception: the report decisions (the agents' state, the end-of-shift reports).
            office_open: the community offices are open this hour.
            shifts: today's shifts (when each worker's shift ends).
            reward: (n_issue_types,) expected reward of a verified report, yuan.

        Returns:
            ``(kept, reports)``: how many of the hour's rows were kept (its detections) and
            the reports filed now, in order of noticing time.
        """
        hour = hour_index - self.day * HOURS_PER_DAY
        first, end = self.bounds[hour], self.bounds[hour + 1]
        if first == end:
            return 0, _NO_REPORTS
        planned = self.planned
        expected = planned.expected
        work = self.work
        kept, n_stale, n_later, n_filed = plan_kernels.take_hour_rows(
            first,
            end,
            self.fixed,
            self.times,
            planned.decides,
            expected.channel,
            expected.later,
            log.status,
            log.times["first_detected_at"],
            perception.changed.announced,
            perception.workforce.trust,
            perception.workforce.belonging,
            perception.residents.trust,
            perception.may_be_stale(expected, reward),
            work,
            self.report_times,
        )
        if n_stale:
            rows = work[0, first : first + kept]
            return kept, perception.decide_planned(planned, rows, office_open, shifts, reward)
        if n_later:
            later = work[2, :n_later]
            perception.shift_end.keep(
                planned.detections, later, expected.shift_end[later], planned.noticed_at
            )
        if n_filed == 0:
            return kept, _NO_REPORTS
        stop = first + n_filed
        times = self.report_times
        return kept, ReportEvents(
            work[4, first:stop],
            work[5, first:stop],
            work[6, first:stop],
            work[7, first:stop],
            times[0, first:stop],
            times[1, first:stop],
        )


def plan_day(
    day: int,
    candidates: np.ndarray,
    issues: IssueLog,
    detector: Detector,
    perception: Perception,
    shifts: Shifts,
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
        draws: the run's keyed draws.
        reward: (n_issue_types,) expected reward of a verified report now, yuan.

    Returns:
        The day's plan; a detection of an issue is kept only from the hour it arrives.
    """
    hours_of_day = np.arange(HOURS_PER_DAY)
    hour_index = day * HOURS_PER_DAY + hours_of_day
    det = detector.detect_day(
        candidates,
        issues.cell[candidates],
        shifts.counts,
        shifts.online,
        hours_of_day,
        perception.offices_open(hour_index),
        draws,
        hour_index,
    )
    kept, noticed_at = plan_kernels.noticing_times(
        det.issue, det.observer, det.hour, issues.opened_at, draws.state("notice_time")
    )
    det = det.take(kept)
    return DayPlan(day, perception.plan(det, noticed_at, shifts, reward))


def plain_noticing_times(
    det: Detections, opened_at: np.ndarray, draws: KeyedDraws
) -> tuple[np.ndarray, np.ndarray]:
    """The detections of issues already there in their hour, and when each happened.

    An issue is noticed from its arrival hour on; the noticing time is uniform over the
    part of the hour the issue was there. The numpy form of
    :func:`model.sim.plan_kernels.noticing_times`, which :func:`plan_day` calls.

    Args:
        det: the day's detections.
        opened_at: (n_issues,) when each issue arrived, hours.
        draws: the run's keyed draws.

    Returns:
        ``(kept, noticed_at)``: the rows of ``det`` kept, in order, and their noticing
        times, hours.
    """
    kept = np.flatnonzero(opened_at[det.issue] < det.hour + 1.0)
    det = det.take(kept)
    opened = opened_at[det.issue]
    start = np.maximum(opened, det.hour.astype(float))
    u = draws.uniform("notice_time", det.hour, det.issue, det.observer)
    return kept, start + (det.hour + 1.0 - start) * u

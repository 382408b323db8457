"""Reports workers keep for the end of their shift, filed when the shift ends.

A worker who decides to report a problem at the end of his shift
(:meth:`model.sim.decisions.ReportDecision.decide_now_or_later`) files it in the hour his
shift ends, over the channels open then, choosing among them by cost off shift (a logit
with keyed uniforms, compiled in :func:`model.sim.decision_kernels.end_of_shift_channels`).
A worker who has left the street by then files nothing.
"""

from __future__ import annotations

import heapq

import numpy as np

from model.config.codes import NO_CHANNEL
from model.sim import decision_kernels
from model.sim.decision_tables import ReportEvents
from model.sim.decisions import WorkerChannelTable
from model.sim.detection import Detections
from model.sim.workforce import WorkerTable


class ShiftEndReports:
    """The reports kept for the end of a shift, in order of when they are due.

    Args:
        workforce: the worker table.
        open_channels: the channels each worker can use (refreshed daily by the owner).
        office_hours_of_week: (168,) the community offices are open in each hour of the week.
        off_shift_cost: the cost of a minute off shift, yuan
            (:meth:`model.sim.decisions.ReportDecision.off_shift_cost`).
        channel_scale_yuan: scale of the logit over channels, yuan
            (``behaviour.channel_choice_scale_yuan``).
        channel_state: the keyed draws' state of the ``channel`` purpose.
    """

    def __init__(
        self,
        workforce: WorkerTable,
        open_channels: WorkerChannelTable,
        office_hours_of_week: np.ndarray,
        off_shift_cost: float,
        channel_scale_yuan: float,
        channel_state: np.uint64,
    ) -> None:
        """Nothing kept."""
        self.workforce = workforce
        self.open_channels = open_channels
        self.office_hours_of_week = office_hours_of_week
        self.off_shift_cost = off_shift_cost
        self.channel_scale_yuan = channel_scale_yuan
        self.channel_state = channel_state
        # (when, issue, slot, agent_id, noticed at), a heap on when
        self.pending: list[tuple[float, int, int, int, float]] = []

    def keep(
        self, det: Detections, rows: np.ndarray, shift_end: np.ndarray, when: np.ndarray
    ) -> None:
        """Keep the reports these workers will file at the end of their shift.

        Args:
            det: the detections.
            rows: the rows of ``det`` whose worker reports at the end of his shift.
            shift_end: (len(rows),) when each files, hours since the start.
            when: time of each detection of ``det``, hours.
        """
        slots, issues = det.slot[rows], det.issue[rows]
        agents = self.workforce.agent_id[slots]
        noticed = when[rows]
        for i in range(len(rows)):
            heapq.heappush(
                self.pending,
                (
                    float(shift_end[i]),
                    int(issues[i]),
                    int(slots[i]),
                    int(agents[i]),
                    float(noticed[i]),
                ),
            )

    def due(self, hour_index: int) -> ReportEvents:
        """The end-of-shift reports due in this hour, over the channels open then.

        A worker who has left the street since (his slot holds someone else) files nothing.
        """
        if not self.pending or self.pending[0][0] >= hour_index + 1.0:
            return ReportEvents.empty()
        wf = self.workforce
        due: list[tuple[float, int, int, float]] = []
        while self.pending and self.pending[0][0] < hour_index + 1.0:
            when, issue, slot, agent, noticed = heapq.heappop(self.pending)
            if wf.agent_id[slot] == agent:
                due.append((when, issue, slot, noticed))
        if not due:
            return ReportEvents.empty()
        when = np.array([d[0] for d in due])
        issues = np.array([d[1] for d in due], dtype=np.int64)
        slots = np.array([d[2] for d in due], dtype=np.int64)
        noticed = np.array([d[3] for d in due])
        # the logit on cost over the channels open then (compiled: choose_channel with the
        # keyed uniforms of (-1 - hour, issue, slot, channel), bit for bit)
        channel = decision_kernels.end_of_shift_channels(
            slots,
            issues,
            when,
            hour_index,
            *self.open_channels.tables(),
            self.office_hours_of_week,
            self.off_shift_cost,
            self.channel_scale_yuan,
            self.channel_state,
        )
        keep = channel != NO_CHANNEL
        return ReportEvents(
            issues[keep],
            wf.kind[slots[keep]].astype(np.int64),
            slots[keep],
            channel[keep],
            when[keep],
            noticed[keep],
        )

"""The tables the report decisions read and write.

- :class:`ReportEvents`: the reports to file (the output of an hour's decisions);
- :class:`DecisionDraws`: the keyed uniforms of a batch of decisions;
- :class:`ExpectedDecisions`: decisions drawn ahead, with the state they were drawn with;
- :class:`PlannedDetections`: a day's detections with the decisions they bring
  (:mod:`model.sim.dayplan`);
- :class:`ChangedAgents`: the agents whose state has changed since the day's plan (whose
  planned decisions may no longer hold).

The decisions themselves are made in :mod:`model.sim.perception`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.codes import WORKER_KINDS, Observer
from model.sim.detection import Detections


@dataclass
class ReportEvents:
    """Reports to file, one entry per report (filed in order of ``when``).

    Attributes:
        issue: issue index.
        observer: observer class of the reporter.
        slot: worker or resident slot (-1 for staff).
        channel: channel of the report.
        when: time of the report, hours.
        noticed: when the reporter first noticed the problem, hours (a worker: the
            noticing that brought his one decision; a resident: her first noticing of it; a
            council seat holder: the session where he heard it; staff: the pass).
    """

    issue: np.ndarray
    observer: np.ndarray
    slot: np.ndarray
    channel: np.ndarray
    when: np.ndarray
    noticed: np.ndarray

    @classmethod
    def empty(cls) -> ReportEvents:
        """No reports (one shared read-only instance: most hours file nothing)."""
        return _NO_REPORTS

    def __len__(self) -> int:
        return len(self.issue)

    @classmethod
    def joined(cls, parts: list[ReportEvents]) -> ReportEvents:
        """All reports of ``parts``, in order of time (ties keep the order of the parts)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1 and len(parts[0]) == 1:
            return parts[0]
        fields = ("issue", "observer", "slot", "channel", "when", "noticed")
        data = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
        order = np.argsort(data["when"], kind="stable")
        return cls(**{f: data[f][order] for f in fields})


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


_NO_REPORTS = ReportEvents(
    *(_read_only(np.zeros(0, dtype=np.int64)) for _ in range(4)),
    _read_only(np.zeros(0)),
    _read_only(np.zeros(0)),
)


@dataclass
class DecisionDraws:
    """The keyed uniforms of the report decisions of a batch of detections.

    Keyed on the detection's hour, issue, observer class and slot (a resident's slot ``s``
    keys her channel draws as ``-1 - s``, apart from a worker's slot ``s``), so they can be
    drawn for a whole day at once and are the same in every arm.

    Attributes:
        decide: (n,) uniform of the decision to report.
        channel: (n, n_channels) uniforms of the channel choice.
    """

    decide: np.ndarray
    channel: np.ndarray

    def take(self, rows: np.ndarray | slice) -> DecisionDraws:
        """The draws at ``rows`` (indices, a mask or a slice), in that order."""
        return DecisionDraws(self.decide[rows], self.channel[rows])


@dataclass
class ExpectedDecisions:
    """The decisions a day's detections bring with the state at midnight (one per row).

    Attributes:
        channel: channel of a report filed at once (NO_CHANNEL: none now).
        later: a worker reports at the end of his shift instead.
        shift_end: when that would be, hours since the start (NaN for residents).
        trust: the deciding agent's trust the row was decided with.
        belonging: the deciding worker's belonging (NaN for residents).
        reward: (n_issue_types,) the expected reward it was decided with, yuan.
        agent: the deciding agent's place in the record of agents whose state changed
            within the day (:meth:`ChangedAgents.places`).
    """

    channel: np.ndarray
    later: np.ndarray
    shift_end: np.ndarray
    trust: np.ndarray
    belonging: np.ndarray
    reward: np.ndarray
    agent: np.ndarray

    def take(self, rows: np.ndarray | slice) -> ExpectedDecisions:
        """The rows at ``rows``, in that order (the reward is shared)."""
        return ExpectedDecisions(
            self.channel[rows],
            self.later[rows],
            self.shift_end[rows],
            self.trust[rows],
            self.belonging[rows],
            self.reward,
            self.agent[rows],
        )


@dataclass
class PlannedDetections:
    """Detections with the decisions they bring, drawn ahead: a day's rows, or an hour's.

    Attributes:
        detections: the detections, in order of hour, then issue, then observer class.
        noticed_at: when each was noticed, hours since the start.
        first_noticed: when the reporter first noticed the problem, hours (a resident: her
            first noticing of it; a worker or staff: ``noticed_at``).
        decides: the row brings a report decision: a worker's first noticing of the
            problem, and every noticing of a resident (staff always file, workers decide
            once per problem).
        expected: the decisions with the state when they were planned.
    """

    detections: Detections
    noticed_at: np.ndarray
    first_noticed: np.ndarray
    decides: np.ndarray
    expected: ExpectedDecisions

    def __len__(self) -> int:
        return len(self.detections)

    def reports(self, rows: np.ndarray) -> ReportEvents:
        """The reports these rows file, in that order, on their expected channels."""
        if len(rows) == 0:
            return ReportEvents.empty()
        det = self.detections
        return ReportEvents(
            det.issue[rows],
            det.observer[rows],
            det.slot[rows],
            self.expected.channel[rows],
            self.noticed_at[rows],
            self.first_noticed[rows],
        )

    def take(self, rows: np.ndarray | slice) -> PlannedDetections:
        """The rows at ``rows`` (indices, a mask or a slice), in that order."""
        return PlannedDetections(
            self.detections.take(rows),
            self.noticed_at[rows],
            self.first_noticed[rows],
            self.decides[rows],
            self.expected.take(rows),
        )


class ChangedAgents:
    """The workers and residents whose trust or belonging has changed since the day's plan.

    A decision planned at midnight holds while its agent's state does. Within a day that
    state changes only as reporters learn outcomes, which the model announces here
    (:meth:`announce`); the hour compares only these agents' rows with their state
    (:meth:`model.sim.perception.Perception.decide_planned`). Each agent has a place: a
    worker his slot, a resident the number of worker slots plus hers.

    Args:
        n_worker_slots: the street's worker slots.
        n_residents: the street's residents.
    """

    def __init__(self, n_worker_slots: int, n_residents: int) -> None:
        """Nobody changed."""
        self.n_worker_slots = n_worker_slots
        self._changed = np.zeros(n_worker_slots + n_residents, dtype=bool)
        self._places: list[int] = []  # the places set True, to clear them

    def places(self, observer: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """Each worker's or resident's place (staff: -1, they never decide)."""
        places = np.where(observer < len(WORKER_KINDS), slot, self.n_worker_slots + slot)
        return np.where(observer == Observer.STAFF, -1, places)

    def place(self, observer: int, slot: int) -> int:
        """The place of one worker or resident."""
        return slot if observer < len(WORKER_KINDS) else self.n_worker_slots + slot

    def announce(self, observer: int, slot: int) -> None:
        """The trust or belonging of this worker or resident has just changed."""
        place = self.place(observer, slot)
        if not self._changed[place]:
            self._changed[place] = True
            self._places.append(place)

    def has_changed(self, observer: int, slot: int) -> bool:
        """This worker or resident has been announced since the last :meth:`clear`."""
        return bool(self._changed[self.place(observer, slot)])

    def any(self) -> bool:
        """Somebody has been announced since the last :meth:`clear`."""
        return bool(self._places)

    @property
    def announced(self) -> np.ndarray:
        """(n_places,) whether each place has been announced (read it, do not write it)."""
        return self._changed

    def at(self, places: np.ndarray) -> np.ndarray:
        """Whether each place has been announced (a boolean array)."""
        return self._changed[places]

    def clear(self) -> None:
        """Forget every announcement (a new day's plan)."""
        if self._places:  # most days nobody was announced: no indexing
            self._changed[self._places] = False
            self._places.clear()

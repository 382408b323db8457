"""Deliberation (议事): worker seats on residents' councils, relayed opinions, activities.

The deliberation lever (``policies.deliberation``) acts here, every 30 days
(:meth:`model.sim.model.StreetModel.monthly`):

- :func:`council_meetings`: each community fills its free worker seats on the residents'
  council (居民议事会) from its registered workers; the month's meetings (a Poisson count)
  cost yuan and bring seat holders belonging;
- the council session is held in office hours, at :func:`council_session_hour` (hours since
  the start of the run); there :func:`relay_opinions` puts residents' waiting opinions to
  the seat holders, each then weighed with the seat holder's own report decision
  (:meth:`model.sim.perception.Perception.council_session`);
- :func:`community_activities`: cultural and mutual-help activities (a Poisson count per
  community, yuan each) bring the workers who join belonging and raise residents' trust in
  workers (a share), which sets the relay factor of opinion detection
  (:meth:`model.sim.detection.Detector.set_relay`).

Every magnitude is a parameter of ``policies.deliberation`` with its unit and source
(docs/ODD.md, section 8). The meetings and activities draw from the ``deliberation`` stream
only while the lever is on, so it never shifts another submodel's random numbers. The
per-agent reference version of the activities is in :mod:`model.sim.reference.deliberation`.
"""

from __future__ import annotations

import numpy as np

from model.config.codes import IssueStatus, IssueType
from model.config.people import StaffConfig
from model.config.policies import DeliberationPolicy
from model.sim.costs import Ledger
from model.sim.issues import IssueLog
from model.sim.residents import ResidentTable
from model.sim.workforce import WorkerTable


def council_meetings(
    wf: WorkerTable,
    deliberation: DeliberationPolicy,
    ledger: Ledger,
    rng: np.random.Generator,
) -> int:
    """Worker seats on residents' councils (居民议事会): fill seats, meet, gain belonging.

    The month's number of meetings is ``Poisson(meetings_per_month)``, street-wide. Each
    community fills its free seats (``seats_per_community``) from its registered workers;
    where seats are filled the meetings cost ``yuan_per_meeting`` each and seat holders gain
    ``meetings x belonging_bump``. What seat holders hear at the council session is
    :func:`relay_opinions`. Source: the article's invitation of workers to residents'
    councils and forums; sizes are assumptions.

    Args:
        wf: the worker table.
        deliberation: ``policies.deliberation``.
        ledger: the cost ledger.
        rng: the ``deliberation`` stream.

    Returns:
        The month's number of meetings.
    """
    meetings = int(rng.poisson(deliberation.meetings_per_month))
    for community in range(wf.n_communities):
        seated = np.flatnonzero(wf.seat & (wf.base == community))
        free = deliberation.seats_per_community - len(seated)
        if free > 0:
            pool = np.flatnonzero(wf.registered & ~wf.seat & (wf.base == community))
            if len(pool):
                new = rng.choice(pool, size=min(free, len(pool)), replace=False)
                wf.seat[new] = True
                seated = np.concatenate([seated, new])
        if meetings == 0 or len(seated) == 0:
            continue
        ledger.book("deliberation", meetings * deliberation.yuan_per_meeting)
        wf.bump_belonging(seated, meetings * deliberation.belonging_bump)
    return meetings


def relay_opinions(
    wf: WorkerTable,
    issues: IssueLog,
    live: np.ndarray,
    deliberation: DeliberationPolicy,
    meetings: int,
) -> list[tuple[int, int]]:
    """What seat holders hear at the council session: residents' waiting opinions.

    In each community, up to ``round(opinions_relayed_per_meeting x meetings x seats)``
    noticed but unreported opinion issues of the community (oldest first) are put to the
    current seat holders, in turn. Each is then a noticing of the seat holder, who weighs it
    with his own report decision over the channels open at the session (the model,
    :meth:`model.sim.model.StreetModel.council_session`): the council adds no report by
    itself.

    Args:
        wf: the worker table.
        issues: the issue log.
        live: the live issues (indices).
        deliberation: ``policies.deliberation``.
        meetings: the month's meetings (:func:`council_meetings`).

    Returns:
        ``(issue, slot)`` of each opinion heard, in order.
    """
    heard: list[tuple[int, int]] = []
    if meetings == 0:
        return heard
    for community in range(wf.n_communities):
        seated = np.flatnonzero(wf.seat & (wf.base == community))
        if len(seated) == 0:
            continue
        waiting = live[
            (issues.type[live] == IssueType.OPINION)
            & (issues.community[live] == community)
            & (issues.status[live] == IssueStatus.DETECTED)
        ]
        n_relay = round(deliberation.opinions_relayed_per_meeting * meetings * len(seated))
        for k, issue in enumerate(waiting[:n_relay]):
            heard.append((int(issue), int(seated[k % len(seated)])))
    return heard


def community_activities(
    wf: WorkerTable,
    residents: ResidentTable,
    deliberation: DeliberationPolicy,
    ledger: Ledger,
    rng: np.random.Generator,
) -> np.ndarray:
    """Cultural and mutual-help activities weave workers into the community.

    Each community holds ``Poisson(activities_per_month)`` activities (``yuan_per_activity``
    each); a worker based there joins at least one with probability
    ``1 - (1 - activity_participation) ** events`` (``activity_belonging_bump``), and its
    residents' trust in workers rises by ``resident_trust_gain x events x (1 - trust)``.
    Source: the article's cultural and mutual-help activities; sizes are assumptions.

    Returns:
        (n_communities,) residents' mean trust in workers, which sets the relay factor of
        opinion detection (:meth:`model.sim.detection.Detector.set_relay`).
    """
    res = residents
    n_communities = wf.n_communities
    for community in range(n_communities):
        events = int(rng.poisson(deliberation.activities_per_month))
        if events == 0:
            continue
        ledger.book("deliberation", events * deliberation.yuan_per_activity)
        members = np.flatnonzero(wf.base == community)
        joined = members[
            rng.random(len(members)) < 1 - (1 - deliberation.activity_participation) ** events
        ]
        wf.bump_belonging(joined, deliberation.activity_belonging_bump)
        mine = res.community == community
        res.trust_in_workers[mine] += (
            deliberation.resident_trust_gain * events * (1.0 - res.trust_in_workers[mine])
        )
    return np.bincount(
        res.community, weights=res.trust_in_workers, minlength=n_communities
    ) / np.maximum(1, np.bincount(res.community, minlength=n_communities))


def council_session_hour(staff: StaffConfig, day: int) -> int:
    """Hour (since the start) of the council session: the middle of the first office day.

    Args:
        staff: the ``staff`` block (office days and hours).
        day: the day the month's meetings are called.
    """
    first = day
    while first % 7 >= staff.workdays_per_week:
        first += 1
    return first * 24 + (staff.workday_start_hour + staff.workday_end_hour) // 2

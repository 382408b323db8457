"""Effective channel rules: the channel settings combined with the levers that open them.

The channels themselves are configuration (``channels`` block); the levers decide which of
them exist and how they are handled (``policies.mini_program``, ``policies.stations``,
``policies.posts``, ``policies.deliberation``). :func:`channel_rules` turns both into one
array per property, indexed by :class:`~model.config.codes.Channel`, which the report
decision and the service chain read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.channels import ChannelsConfig
from model.config.codes import ACCESS, CHANNELS, Access, Channel
from model.config.policies import PoliciesConfig


@dataclass
class ChannelRules:
    """Effective parameters of each channel (arrays indexed by ``Channel``).

    Attributes:
        open_workers: ``Access`` code: closed to workers, registered workers only, all.
        open_residents: residents may use it.
        minutes: reporter minutes to file.
        intake_delay_hours: median hours until the ticket reaches staff.
        auto_acknowledge: acknowledged on arrival.
        triage_minutes: staff minutes to triage.
        routing_accuracy: chance of the right department first time.
        feedback_probability: chance the reporter is told the outcome (and so can reject a
            closure unfixed, which reopens the ticket once: :mod:`model.sim.service`).
        open_to_post_holders: open to workers holding a designated post or a council seat
            (whatever ``open_workers`` says).
        office_hours_only: usable only while the community office is open.
        needs_station: usable only by workers with a station in reach.
    """

    open_workers: np.ndarray
    open_residents: np.ndarray
    minutes: np.ndarray
    intake_delay_hours: np.ndarray
    auto_acknowledge: np.ndarray
    triage_minutes: np.ndarray
    routing_accuracy: np.ndarray
    feedback_probability: np.ndarray
    open_to_post_holders: np.ndarray = field(default_factory=lambda: np.zeros(len(CHANNELS), bool))
    office_hours_only: np.ndarray = field(
        default_factory=lambda: np.array([c == Channel.IN_PERSON for c in Channel])
    )
    needs_station: np.ndarray = field(
        default_factory=lambda: np.array([c == Channel.STATION for c in Channel])
    )


REPORT_CHANNELS: tuple[Channel, ...] = (
    Channel.HOTLINE,
    Channel.MINI_PROGRAM,
    Channel.STATION,
    Channel.IN_PERSON,
)
"""Channels a reporter can choose, in code order (all but the staff's own patrol ticket)."""


def channel_rules(channels: ChannelsConfig, policies: PoliciesConfig) -> ChannelRules:
    """Combine channel settings with the levers that open or improve them.

    - the mini-program exists only with ``policies.mini_program.enabled``; without routing
      automation its tickets wait in a manual inbox like the hotline's and are routed as
      accurately; without feedback its reporters are never told the outcome (and so never
      reject a closure: the reopen rule needs a reporter who hears back);
    - the station report desk exists only at upgraded stations;
    - designated posts or council seats open the in-person channel to the workers who hold
      a post or a seat (the programme introduces them to their grid member);
    - ``staff_patrol`` is the staff's own ticket: never chosen by a reporter.

    Args:
        channels: the ``channels`` block.
        policies: the ``policies`` block (mini-program, stations, posts, deliberation).

    Returns:
        The effective rules, one entry per ``Channel``.
    """
    ch, pol = channels, policies
    specs = [getattr(ch, CHANNELS[c]) for c in REPORT_CHANNELS]
    exists = [
        ch.hotline.enabled,
        ch.mini_program.enabled and pol.mini_program.enabled,
        ch.station.enabled and pol.stations.upgraded and pol.stations.count > 0,
        ch.in_person.enabled,
    ]
    open_workers = [
        Access(ACCESS.index(s.open_to_workers)) if e else Access.NONE
        for s, e in zip(specs, exists, strict=True)
    ]
    to_post_holders = np.zeros(len(CHANNELS), dtype=bool)
    to_post_holders[Channel.IN_PERSON] = exists[Channel.IN_PERSON] and (
        pol.posts.enabled or pol.deliberation.enabled
    )
    open_residents = [s.open_to_residents and e for s, e in zip(specs, exists, strict=True)]
    intake = [s.intake_delay_hours for s in specs]
    auto_ack = [s.auto_acknowledge for s in specs]
    accuracy = [s.routing_accuracy for s in specs]
    feedback = [s.feedback_probability for s in specs]
    mini = pol.mini_program
    if not mini.routing_automation:
        intake[Channel.MINI_PROGRAM] = ch.manual_intake_delay_hours
        auto_ack[Channel.MINI_PROGRAM] = False
        accuracy[Channel.MINI_PROGRAM] = ch.hotline.routing_accuracy
    if not mini.feedback:
        feedback[Channel.MINI_PROGRAM] = 0.0
    # the staff's own patrol ticket: not open to reporters, acknowledged and routed at once
    return ChannelRules(
        open_workers=np.array([*open_workers, Access.NONE], dtype=np.int64),
        open_residents=np.array([*open_residents, False]),
        minutes=np.array([s.report_minutes for s in specs] + [0.0]),
        intake_delay_hours=np.array([*intake, 0.0]),
        auto_acknowledge=np.array([*auto_ack, True]),
        triage_minutes=np.array([s.triage_minutes for s in specs] + [ch.in_person.triage_minutes]),
        routing_accuracy=np.array([*accuracy, ch.in_person.routing_accuracy]),
        feedback_probability=np.array([*feedback, 0.0]),
        open_to_post_holders=to_post_holders,
    )

"""Effective channel rules: the channel settings combined with the levers that open them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import all_channels_closed, make_config, rules_of

from model.config.codes import CHANNELS, Access, Channel
from model.sim.channels import REPORT_CHANNELS, channel_rules
from model.sim.decisions import worker_channels

HOT, MINI, STATION, IN_PERSON, PATROL = Channel


def rules_for(**policies):
    return rules_of(make_config({"policies": policies}))


def test_status_quo_channels(small_config) -> None:
    rules = channel_rules(small_config.channels, small_config.policies)
    assert list(rules.open_workers) == [
        Access.ALL,
        Access.NONE,
        Access.NONE,
        Access.NONE,
        Access.NONE,
    ]
    assert list(rules.open_residents) == [True, False, False, True, False]
    ch = small_config.channels
    assert list(rules.minutes[:4]) == [
        ch.hotline.report_minutes,
        ch.mini_program.report_minutes,
        ch.station.report_minutes,
        ch.in_person.report_minutes,
    ]
    assert rules.minutes[PATROL] == 0.0
    assert rules.auto_acknowledge[PATROL] and rules.intake_delay_hours[PATROL] == 0.0
    assert rules.feedback_probability[PATROL] == 0.0
    assert list(rules.office_hours_only) == [False, False, False, True, False]
    assert list(rules.needs_station) == [False, False, True, False, False]
    for name in ("minutes", "intake_delay_hours", "triage_minutes", "routing_accuracy"):
        assert len(getattr(rules, name)) == len(CHANNELS)


def test_mini_program_needs_its_policy() -> None:
    on = rules_for(mini_program={"enabled": True})
    assert on.open_workers[MINI] == Access.ALL and on.open_residents[MINI]
    closed = rules_of(
        make_config(
            {"policies": {"mini_program": {"enabled": True}}},
            {"channels": {"mini_program": {"enabled": False}}},
        )
    )
    assert closed.open_workers[MINI] == Access.NONE and not closed.open_residents[MINI]


def test_mini_program_without_routing_automation_is_like_the_hotline(small_config) -> None:
    ch = small_config.channels
    auto = rules_for(mini_program={"enabled": True})
    assert auto.auto_acknowledge[MINI]
    assert auto.intake_delay_hours[MINI] == ch.mini_program.intake_delay_hours
    assert auto.routing_accuracy[MINI] == ch.mini_program.routing_accuracy
    manual = rules_for(mini_program={"enabled": True, "routing_automation": False})
    assert not manual.auto_acknowledge[MINI]
    assert manual.intake_delay_hours[MINI] == ch.manual_intake_delay_hours
    assert manual.routing_accuracy[MINI] == ch.hotline.routing_accuracy


def test_mini_program_without_feedback_never_tells(small_config) -> None:
    on = rules_for(mini_program={"enabled": True})
    assert on.feedback_probability[MINI] == small_config.channels.mini_program.feedback_probability
    off = rules_for(mini_program={"enabled": True, "feedback": False})
    assert off.feedback_probability[MINI] == 0.0
    assert off.feedback_probability[HOT] == on.feedback_probability[HOT]


@pytest.mark.parametrize(
    ("upgraded", "count", "open_"), [(False, 2, 0), (True, 0, 0), (True, 2, 2)]
)
def test_station_desk_only_at_upgraded_stations(upgraded, count, open_) -> None:
    rules = rules_for(stations={"upgraded": upgraded, "count": count})
    assert rules.open_workers[STATION] == open_
    assert not rules.open_residents[STATION]


@pytest.mark.parametrize(
    ("posts", "deliberation", "expected"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_posts_or_seats_open_in_person_to_post_holders_only(posts, deliberation, expected) -> None:
    rules = rules_for(posts={"enabled": posts}, deliberation={"enabled": deliberation})
    assert bool(rules.open_to_post_holders[IN_PERSON]) is expected
    assert not rules.open_to_post_holders[[HOT, MINI, STATION, PATROL]].any()
    assert rules.open_workers[IN_PERSON] == Access.NONE  # not to every (registered) worker
    assert rules.open_residents[IN_PERSON]


# workers: neither, registered only, post or seat holder only, both
REGISTERED = np.array([False, True, False, True])
HOLDS_POST_OR_SEAT = np.array([False, False, True, True])


def in_person_for_workers(rules, office_open=True, holders=HOLDS_POST_OR_SEAT) -> list[bool]:
    ok = worker_channels(
        rules,
        REGISTERED,
        adopted_mini_program=np.zeros(4, bool),
        station_in_reach=np.zeros(4, bool),
        office_open=office_open,
        holds_post_or_seat=holders,
    )
    return ok[:, IN_PERSON].tolist()


def test_in_person_opens_to_the_workers_who_hold_a_post_or_seat() -> None:
    posts = rules_for(posts={"enabled": True})
    assert in_person_for_workers(posts) == [False, False, True, True]
    assert in_person_for_workers(posts, office_open=False) == [False] * 4  # office hours
    assert in_person_for_workers(posts, office_open=np.array([1, 1, 0, 1], bool)) == [
        False,
        False,
        False,
        True,
    ]
    assert in_person_for_workers(posts, holders=None) == [False] * 4
    status_quo = rules_for()
    assert in_person_for_workers(status_quo) == [False] * 4  # holding alone opens nothing


def test_post_holders_keep_what_is_open_to_all() -> None:
    """The programme adds the in-person channel; the hotline stays open to everybody."""
    posts = rules_for(posts={"enabled": True})
    ok = worker_channels(
        posts,
        REGISTERED,
        adopted_mini_program=np.zeros(4, bool),
        station_in_reach=np.zeros(4, bool),
        office_open=True,
        holds_post_or_seat=HOLDS_POST_OR_SEAT,
    )
    assert ok[:, HOT].all()
    assert not ok[:, [MINI, STATION, PATROL]].any()


def test_registered_access_still_counts_beside_post_holders() -> None:
    config = make_config(
        {"policies": {"posts": {"enabled": True}}},
        {"channels": {"in_person": {"open_to_workers": "registered"}}},
    )
    assert in_person_for_workers(rules_of(config)) == [False, True, True, True]


def test_posts_cannot_open_a_closed_in_person_channel() -> None:
    rules = rules_of(
        make_config(
            {"policies": {"posts": {"enabled": True}, "deliberation": {"enabled": True}}},
            {"channels": {"in_person": {"enabled": False}}},
        )
    )
    assert rules.open_workers[IN_PERSON] == Access.NONE
    assert not rules.open_to_post_holders.any()
    assert not rules.open_residents[IN_PERSON]
    assert in_person_for_workers(rules) == [False] * 4


def test_all_channels_closed() -> None:
    config = make_config(
        all_channels_closed(),
        {
            "policies": {
                "mini_program": {"enabled": True},
                "stations": {"upgraded": True},
                "posts": {"enabled": True},
            }
        },
    )
    rules = channel_rules(config.channels, config.policies)
    assert np.all(rules.open_workers == Access.NONE)
    assert not rules.open_to_post_holders.any()
    assert not rules.open_residents.any()


def test_open_to_registered_setting() -> None:
    config = make_config({"channels": {"hotline": {"open_to_workers": "registered"}}})
    assert channel_rules(config.channels, config.policies).open_workers[HOT] == Access.REGISTERED


@pytest.mark.parametrize("channel", REPORT_CHANNELS)
def test_every_reporter_channel_gives_its_configured_feedback(channel) -> None:
    """Feedback is what lets a reporter reject a closure unfixed (the reopen rule in
    :mod:`model.sim.service`): every channel that calls back, the hotline included."""
    config = make_config(
        {"channels": {CHANNELS[channel]: {"feedback_probability": 0.83}}},
        {"policies": {"mini_program": {"enabled": True}, "stations": {"upgraded": True}}},
    )
    rules = rules_of(config)
    assert rules.feedback_probability[channel] == 0.83
    others = [c for c in REPORT_CHANNELS if c != channel]
    assert np.all(rules.feedback_probability[others] != 0.83)


def test_the_staff_patrol_ticket_never_gives_feedback() -> None:
    config = make_config(
        {"channels": {CHANNELS[c]: {"feedback_probability": 1.0} for c in REPORT_CHANNELS}},
        {"policies": {"mini_program": {"enabled": True}, "stations": {"upgraded": True}}},
    )
    rules = rules_of(config)
    assert np.all(rules.feedback_probability[list(REPORT_CHANNELS)] == 1.0)
    assert rules.feedback_probability[PATROL] == 0.0

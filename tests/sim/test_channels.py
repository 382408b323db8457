"""Effective channel rules: the channel settings combined with the levers that open them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import all_channels_closed, make_config, rules_of

from model.config.codes import CHANNELS, Access, Channel
from model.sim.channels import channel_rules

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
    [
        (False, False, Access.NONE),
        (True, False, Access.REGISTERED),
        (False, True, Access.REGISTERED),
    ],
)
def test_posts_or_seats_open_in_person_to_registered(posts, deliberation, expected) -> None:
    rules = rules_for(posts={"enabled": posts}, deliberation={"enabled": deliberation})
    assert rules.open_workers[IN_PERSON] == expected
    assert rules.open_residents[IN_PERSON]


def test_posts_cannot_open_a_closed_in_person_channel() -> None:
    rules = rules_of(
        make_config(
            {"policies": {"posts": {"enabled": True}}},
            {"channels": {"in_person": {"enabled": False}}},
        )
    )
    assert rules.open_workers[IN_PERSON] == Access.NONE
    assert not rules.open_residents[IN_PERSON]


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
    assert not rules.open_residents.any()


def test_open_to_registered_setting() -> None:
    config = make_config({"channels": {"hotline": {"open_to_workers": "registered"}}})
    assert channel_rules(config.channels, config.policies).open_workers[HOT] == Access.REGISTERED


@pytest.mark.parametrize(
    ("enabled", "feedback", "reopen", "expected"),
    [
        (True, True, True, True),
        (True, True, False, False),
        (True, False, True, False),
        (False, True, True, False),
    ],
)
def test_only_the_mini_program_with_feedback_closes_the_loop(
    enabled, feedback, reopen, expected
) -> None:
    rules = rules_for(
        mini_program={"enabled": enabled, "feedback": feedback, "reopen_unresolved": reopen}
    )
    assert bool(rules.reopens_unfixed[MINI]) is expected
    assert not rules.reopens_unfixed[[HOT, STATION, IN_PERSON, PATROL]].any()

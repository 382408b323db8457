"""Policy levers: effective channel rules, rewards, posts and the cost ledger."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import all_channels_closed, make_config, rules_of

from model.config.codes import CHANNELS, ISSUE_TYPES, Access, Channel
from model.sim.channels import channel_rules
from model.sim.costs import LEVERS, Ledger
from model.sim.levers import points_scheme, role_match_table

HOT, MINI, STATION, IN_PERSON, PATROL = Channel


def reward_yuan(config):
    return points_scheme(config.policies.points).reward_yuan


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


def test_role_match_table() -> None:
    table = role_match_table()
    assert table.shape == (4, len(ISSUE_TYPES))
    assert not table[0].any() and not table[3].any()
    assert table[1, ISSUE_TYPES.index("opinion")] and table[1, ISSUE_TYPES.index("food_safety")]
    assert table[2, ISSUE_TYPES.index("safety_hazard")]
    assert not table[2, ISSUE_TYPES.index("opinion")]


def test_reward_yuan(small_config) -> None:
    assert np.all(reward_yuan(small_config) == 0)
    config = make_config({"policies": {"points": {"enabled": True, "yuan_per_point": 0.5}}})
    pts = config.policies.points.points_per_report
    expected = [pts[t] * 0.5 for t in ISSUE_TYPES]
    assert np.allclose(reward_yuan(config), expected)


def test_ledger_points_budget_cap() -> None:
    config = make_config({"policies": {"points": {"enabled": True, "annual_budget_yuan": 100.0}}})
    ledger = Ledger(config.policies)
    assert ledger.points_budget_left() == 100.0
    assert ledger.pay_points(60.0) == 60.0
    assert ledger.pay_points(60.0) == 40.0  # capped
    assert ledger.pay_points(5.0) == 0.0
    assert ledger.points_budget_left() == 0.0
    assert ledger.points_paid == 100.0 and ledger.spent["points"] == 100.0
    ledger.new_year()
    assert ledger.points_budget_left() == 100.0
    assert ledger.pay_points(30.0) == 30.0
    assert ledger.points_paid == 130.0
    assert ledger.total == pytest.approx(130.0)


def test_ledger_books_by_lever() -> None:
    ledger = Ledger(make_config().policies)
    assert set(ledger.spent) == set(LEVERS)
    ledger.book("honours", 10.0)
    ledger.book("posts", 2.5)
    assert ledger.total == 12.5
    with pytest.raises(KeyError):
        ledger.book("not_a_lever", 1.0)


def test_daily_running_costs_status_quo(small_config) -> None:
    ledger = Ledger(small_config.policies)
    ledger.book_daily_running_costs(subsidized=10, post_holders=10)
    st = small_config.policies.stations
    expected = st.count * st.yuan_per_station_year / 365.0
    assert ledger.spent["stations"] == pytest.approx(expected)
    assert ledger.total == pytest.approx(expected)  # nothing else is on


def test_daily_running_costs_every_lever() -> None:
    from conftest import every_lever_on

    config = make_config(every_lever_on())
    p = config.policies
    ledger = Ledger(config.policies)
    ledger.book_daily_running_costs(subsidized=7, post_holders=3)
    expected = {
        "points": p.points.admin_yuan_per_year / 365,
        "honours": p.honours.yuan_per_month / 30,
        "insurance": 7 * p.insurance.subsidy_yuan_per_worker_month / 30,
        "posts": 3 * p.posts.stipend_yuan_per_post_month / 30,
        "one_stop": p.one_stop.yuan_per_year / 365,
        "mini_program": p.mini_program.yuan_per_year / 365,
        "stations": p.stations.count
        * (p.stations.yuan_per_station_year + p.stations.upgrade_yuan_per_station_year)
        / 365,
        "waiver": 0.0,
        "deliberation": 0.0,
    }
    for lever, value in expected.items():
        assert ledger.spent[lever] == pytest.approx(value), lever
    assert ledger.points_paid == 0.0  # admin is cost, not points paid

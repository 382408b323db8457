"""The cost ledger: yuan per lever, the yearly points budget, daily running costs."""

from __future__ import annotations

import pytest
from conftest import every_lever_on, make_config

from model.sim.costs import LEVERS, Ledger


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

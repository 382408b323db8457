"""The points budget binds: the days it is spent are counted, and points then earn nothing."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import column, make_config

from model.sim.model import run_model

DAYS = 40


def run(points: dict | None):
    overrides = {"policies": {"points": {"enabled": True, **points}}} if points else {}
    return run_model(make_config(overrides), seed=2, days=DAYS)


def test_no_points_scheme_no_binding_budget():
    out = run(None)
    assert out.outcomes["points_budget_exhausted_share"] == 0.0
    assert out.outcomes["points_paid_yuan"] == 0.0


def test_a_budget_never_reached_never_binds():
    out = run({"annual_budget_yuan": 1e9})
    assert out.outcomes["points_paid_yuan"] > 0  # the scheme pays
    assert out.outcomes["points_budget_exhausted_share"] == 0.0


def test_a_tiny_budget_binds_and_caps_what_is_paid():
    out = run({"annual_budget_yuan": 50.0, "yuan_per_point": 1.0})
    share = out.outcomes["points_budget_exhausted_share"]
    assert 0.0 < share <= 1.0
    assert out.outcomes["points_paid_yuan"] <= 50.0 + 1e-9
    # the share is the days whose row says the budget was spent, over the measured days
    exhausted = column(out.daily, "points_budget_exhausted").astype(bool)
    measured = column(out.daily, "measured").astype(bool)
    assert share == pytest.approx(np.count_nonzero(exhausted & measured) / measured.sum())

"""The cost-effectiveness analysis of an experiment and its table."""

from __future__ import annotations

import numpy as np
import pytest

from model.reporting.costeffectiveness import cost_effectiveness, frontier_html
from model.reporting.measures import FIXED_PER_YEAR, INCIDENTS_PER_YEAR


@pytest.fixture(scope="module")
def frontier(brief):
    return cost_effectiveness(
        brief.runs, brief.effects, "baseline", FIXED_PER_YEAR, n_resamples=300
    )


def test_planted_dominance_and_frontier(frontier):
    status = frontier.set_index("arm")["status"]
    assert status["points_high"] == "strongly dominated"
    assert status["integrated"] == "frontier" and status["baseline"] == "frontier"
    assert status["honours"] != "frontier"
    on = frontier[frontier["status"] == "frontier"].sort_values("effect")
    assert np.all(np.diff(on["icer"].dropna().to_numpy()) > 0)


def test_frontier_icers_have_intervals_around_them(frontier):
    rows = frontier[frontier["icer"].notna()]
    assert len(rows) >= 2
    assert (rows["icer_ci_low"] <= rows["icer"]).all() and (
        rows["icer"] <= rows["icer_ci_high"]
    ).all()
    assert frontier.loc[frontier["status"] != "frontier", "icer_ci_low"].isna().all()


def test_effect_of_a_lower_is_better_column_becomes_averted(brief):
    table = cost_effectiveness(
        brief.runs, brief.effects, "baseline", INCIDENTS_PER_YEAR, n_resamples=100
    )
    integrated = table.set_index("arm").loc["integrated"]
    averted = -brief.effect("integrated", INCIDENTS_PER_YEAR)["difference"]
    assert integrated["effect"] == pytest.approx(averted) and averted > 0


def test_frontier_table_names_status_and_icer(frontier, t):
    page = frontier_html(frontier, t, "fixed", "baseline")
    assert "yes: on the efficient frontier" in page
    assert "no: the status quo costs less and achieves more" in page
    assert "compared with" in page and page.count("<tr>") == len(frontier) + 1

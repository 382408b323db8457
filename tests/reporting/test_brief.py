"""The brief: annualised measures, ranking, honest cells, cost per extra problem fixed."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.reporting import measures
from model.reporting.brief import (
    brief_frame,
    brief_html,
    format_change,
    format_cost_per_fixed,
    holm_html,
)
from model.reporting.measures import BRIEF_MEASURES, COST_PER_YEAR, FIXED_PER_YEAR, BriefMeasure
from model.reporting.text import Text

from .helpers import effect_row, hand_brief


def test_per_year_columns_scale_by_365_over_measured_days():
    runs = pd.DataFrame(
        {
            "measured_days": [73.0, 365.0],
            "status": ["ok", "ok"],
            "issues_total": [100.0, 500.0],
            "fixed_within_7d_share": [0.5, 0.2],
            "incidents_total": [2.0, 3.0],
            "harm_yuan": [1000.0, 10.0],
            "public_cost_yuan": [73.0, 365.0],
        }
    )
    table = measures.add_per_year_columns(runs)
    assert list(table[FIXED_PER_YEAR]) == [250.0, 100.0]
    assert list(table[measures.INCIDENTS_PER_YEAR]) == [10.0, 3.0]
    assert list(table[measures.HARM_PER_YEAR]) == [5000.0, 10.0]
    assert list(table[COST_PER_YEAR]) == [365.0, 365.0]
    assert measures.NET_SOCIAL_COST_PER_YEAR not in table.columns
    with pytest.raises(ValueError, match="measured_days must be > 0"):
        measures.add_per_year_columns(runs.assign(measured_days=[0.0, 1.0]))
    with pytest.raises(KeyError, match="measured_days"):
        measures.add_per_year_columns(runs.drop(columns="measured_days"))


def test_arms_are_ranked_by_extra_problems_fixed(brief):
    gains = [brief.effect(arm, FIXED_PER_YEAR)["difference"] for arm in brief.arms]
    assert gains == sorted(gains, reverse=True)
    assert brief.arms[0] == "integrated" and brief.arms[-1] == "points_high"
    assert set(brief.effects["outcome"]) >= {m.column for m in BRIEF_MEASURES}
    holm = brief.effects[brief.effects["outcome"] == FIXED_PER_YEAR]
    assert (holm["p_holm"] >= holm["p_value"]).all()


def test_brief_table_marks_no_detectable_difference(brief, t):
    frame = brief_frame(brief, t)
    assert frame.index[0] == "Status quo (level)"
    honours = frame.loc["Honours"]
    assert honours.iloc[0].startswith("no detectable difference (")
    integrated = frame.loc["Integrated package (every measure together)"]
    assert integrated.iloc[0].startswith("+") and "(" in integrated.iloc[0]
    assert honours.iloc[-1] == "no extra problems fixed"
    page = brief_html(brief, t)
    assert page.count("<tr") == len(brief.arms) + 2
    assert "class='nodiff'" in page and "95 % confidence interval" in page
    assert "Holm-adjusted" in holm_html(brief, t)


def test_averted_measures_flip_the_sign(t):
    measure = BriefMeasure("incidents_averted", measures.INCIDENTS_PER_YEAR, "count", averted=True)
    row = pd.Series(
        effect_row(
            measure.column, "a", direction="lower", difference=-21.0, ci_low=-31.0, ci_high=-11.0
        )
    )
    text, detected = format_change(t, measure, row)
    assert detected and text == "+21 (+11 to +31)"


def test_shares_are_shown_in_percentage_points(t):
    measure = BriefMeasure("fixed_share", "fixed_within_7d_share", "points")
    row = pd.Series(effect_row(measure.column, "a", difference=0.021, ci_low=0.015, ci_high=0.027))
    assert format_change(t, measure, row) == ("+2.1 (+1.5 to +2.7)", True)


def test_too_few_pairs_say_so(t):
    row = pd.Series(effect_row("x", "a", n_pairs=1, verdict="insufficient data"))
    assert format_change(t, BRIEF_MEASURES[0], row) == ("insufficient data", False)


def test_cost_per_extra_problem_cells(t):
    saving = effect_row(
        COST_PER_YEAR,
        "saver",
        direction="lower",
        difference=-5000.0,
        ci_low=-6000.0,
        ci_high=-4000.0,
    )
    brief = hand_brief(
        [saving],
        ["saver", "buyer", "open"],
        cost_per_fixed={"buyer": (1234.0, 1000.0, 1500.0), "open": (800.0, 300.0, math.inf)},
    )
    assert format_cost_per_fixed(t, brief, "saver") == ("saves money", True)
    assert format_cost_per_fixed(t, brief, "buyer") == ("1,230 (1,000 to 1,500)", True)
    assert format_cost_per_fixed(t, brief, "open") == ("800 (at least 300)", True)


spans_zero = st.tuples(
    st.floats(-1e5, -1e-6), st.floats(1e-6, 1e5), st.sampled_from(BRIEF_MEASURES)
)


@settings(max_examples=200, deadline=None)
@given(spans_zero)
def test_an_interval_spanning_zero_never_reads_as_a_change(case):
    low, high, measure = case
    t = Text("en")
    row = pd.Series(
        effect_row(
            measure.column,
            "a",
            direction=measures.direction(measure.column),
            difference=(low + high) / 2,
            ci_low=low,
            ci_high=high,
        )
    )
    text, detected = format_change(t, measure, row)
    assert not detected
    assert text.startswith("no detectable difference (")

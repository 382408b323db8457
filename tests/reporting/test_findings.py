"""Generated findings: every template branch, and no directional claim without an interval."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.reporting import findings as f
from model.reporting.measures import COST_PER_YEAR, FIXED_PER_YEAR, INCIDENTS_PER_YEAR
from model.reporting.text import Text
from model.reporting.worlds import FailureCondition, Restriction, Robustness

from .helpers import effect_row, hand_brief

DIRECTIONAL = re.compile(
    r"\b(cut|lengthened|more problems a year|fewer problems|averted \d|"
    r"led to|helped|rose|fell|significant)\b"
)
REFERENCE = "today's street without any of these measures"


def fixed(arm: str, low: float, high: float, **values: object) -> dict:
    return effect_row(
        FIXED_PER_YEAR, arm, difference=(low + high) / 2, ci_low=low, ci_high=high, **values
    )


def share(arm: str, low: float, high: float) -> dict:
    return effect_row(
        "fixed_within_7d_share",
        arm,
        reference_mean=0.57,
        arm_mean=0.57 + (low + high) / 2,
        difference=(low + high) / 2,
        ci_low=low,
        ci_high=high,
    )


def hours(arm: str, rel_low: float, rel_high: float, low: float, high: float) -> dict:
    return effect_row(
        "median_hours_to_fix",
        arm,
        direction="lower",
        reference_mean=162.0,
        arm_mean=138.0,
        difference=(low + high) / 2,
        ci_low=low,
        ci_high=high,
        relative_change=(rel_low + rel_high) / 2,
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
    )


def test_the_guide_example_sentence(t: Text):
    brief = hand_brief([hours("mini_program", -0.19, -0.11, -30.0, -18.0)], ["mini_program"])
    sentence = f.time_to_fix_finding(brief, t, "mini_program").text
    assert sentence == (
        "In the model, the report mini-program with feedback cut the median time from opening "
        "to fix from 162 to 138 hours (-15 %, 95 % CI -19 % to -11 %), compared with "
        f"{REFERENCE} over the same simulated period."
    )


def test_time_to_fix_branches(t: Text):
    longer = hand_brief([hours("a", 0.05, 0.12, 8.0, 20.0)], ["a"])
    assert "lengthened" in f.time_to_fix_finding(longer, t, "a").text
    unclear = hand_brief([hours("a", -0.05, 0.02, -8.0, 3.0)], ["a"])
    assert "no detectable difference" in f.time_to_fix_finding(unclear, t, "a").text
    # the quoted relative interval excludes zero but the absolute one does not: no claim
    disagree = hand_brief([hours("a", -0.05, -0.01, -8.0, 1.0)], ["a"])
    text = f.time_to_fix_finding(disagree, t, "a").text
    assert "no detectable difference" in text and "cut" not in text


def test_main_finding_branches(t: Text):
    more = hand_brief([fixed("a", 25.0, 51.0), share("a", 0.015, 0.027)], ["a"])
    text = f.main_finding(more, t, "a").text
    assert "got 38 more problems a year fixed within a week on this street" in text
    assert "(95 % CI +25 to +51)" in text and "+1.5 to +2.7 percentage points" in text
    fewer = hand_brief([fixed("a", -51.0, -25.0), share("a", -0.027, -0.015)], ["a"])
    assert "38 fewer problems" in f.main_finding(fewer, t, "a").text
    none = hand_brief([fixed("a", -5.0, 9.0), share("a", -0.001, 0.002)], ["a"])
    text = f.main_finding(none, t, "a").text
    assert "made no detectable difference" in text and "-5 to +9" in text


def test_incidents_branches(t: Text):
    def brief(low: float, high: float):
        row = effect_row(
            INCIDENTS_PER_YEAR,
            "a",
            direction="lower",
            difference=(low + high) / 2,
            ci_low=low,
            ci_high=high,
        )
        return hand_brief([row], ["a"])

    assert "averted 21 incidents a year" in f.incidents_finding(brief(-31, -11), t, "a").text
    assert "led to 21 more incidents" in f.incidents_finding(brief(11, 31), t, "a").text
    assert "no detectable difference" in f.incidents_finding(brief(-5, 3), t, "a").text


def test_cost_branches(t: Text):
    spend = effect_row(
        COST_PER_YEAR,
        "points",
        direction="lower",
        difference=45500.0,
        ci_low=44700.0,
        ci_high=46200.0,
    )
    brief = hand_brief([spend], ["points"], cost_per_fixed={"points": (450.0, 399.0, 513.0)})
    assert f.cost_finding(brief, t, "points").text == (
        "In the model, each extra problem fixed within a week with points for reports cost about "
        f"450 yuan (95 % CI 399 to 513 yuan), compared with {REFERENCE}; it adds 45,500 yuan of "
        "public spending a year."
    )
    open_ended = hand_brief(
        [spend], ["points"], cost_per_fixed={"points": (450.0, 399.0, math.inf)}
    )
    assert "at least 399 yuan" in f.cost_finding(open_ended, t, "points").text
    save = effect_row(
        COST_PER_YEAR, "a", direction="lower", difference=-5000.0, ci_low=-6000.0, ci_high=-4000.0
    )
    assert "spent 5,000 yuan a year less" in f.cost_finding(hand_brief([save], ["a"]), t, "a").text


def test_bottom_line_branches(t: Text):
    none = hand_brief([fixed("a", -3.0, 5.0), fixed("b", -9.0, 2.0)], ["a", "b"])
    assert f.bottom_line(none, t) == (
        f"In the model, of two measures, none fixed detectably more problems within a week than "
        f"{REFERENCE}."
    )
    split = hand_brief(
        [fixed("points", 80.0, 120.0), fixed("integrated", 400.0, 460.0)],
        ["integrated", "points"],
        cost_per_fixed={"points": (450.0, 400.0, 500.0), "integrated": (1470.0, 1390.0, 1550.0)},
    )
    assert f.bottom_line(split, t) == (
        "In the model, of two measures, points for reports fixes the most problems per yuan; "
        "the integrated package fixes the most problems overall."
    )
    same = hand_brief([fixed("points", 80.0, 120.0)], ["points"])
    assert "fixes the most problems within a week, and at the lowest cost" in f.bottom_line(same, t)
    save = effect_row(
        COST_PER_YEAR, "points", direction="lower", difference=-1.0, ci_low=-2.0, ci_high=-0.5
    )
    saves = hand_brief(
        [fixed("integrated", 400.0, 460.0), fixed("points", 80.0, 120.0), save],
        ["integrated", "points"],
    )
    assert "points for reports fixes more problems within a week and costs less" in f.bottom_line(
        saves, t
    )


def frontier_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arm", "cost", "effect", "status", "dominated_by"])


def test_dominance_branches(t: Text):
    table = frontier_table(
        [
            ("baseline", 0.0, 0.0, "frontier", None),
            ("points", 45000.0, 100.0, "frontier", None),
            ("integrated", 600000.0, 430.0, "frontier", None),
            ("honours", 20000.0, 2.0, "extendedly dominated", "points"),
            ("mini_program_no_feedback", 300000.0, 150.0, "extendedly dominated", "integrated"),
            ("points_high", 272000.0, -54.0, "strongly dominated", "baseline"),
            ("stations", 300000.0, 0.0, "strongly dominated", "baseline"),
            ("waiver", 700000.0, 90.0, "strongly dominated", "integrated"),
        ]
    )
    texts = {x.arm: x.text for x in f.dominance_findings(table, t, "baseline")}
    assert texts["waiver"] == (
        "On the average numbers, the delivery-penalty waiver costs more and "
        "achieves less than the integrated package: the integrated package "
        "is the better buy."
    )
    assert "fixes fewer problems" in texts["points_high"] and REFERENCE in texts["points_high"]
    assert "fixes no more problems" in texts["stations"]
    assert (
        "a mix of points for reports and the integrated package"
        in texts["mini_program_no_feedback"]
    )
    assert "points for reports on part of the street" in texts["honours"]
    assert next(iter(texts)) == "waiver"  # costliest first


def test_no_difference_branches(t: Text):
    one = hand_brief([fixed("a", 10.0, 20.0), fixed("honours", -3.0, 3.0)], ["a", "honours"])
    assert f.no_difference_finding(one, t).text == (
        "In the model, honours made no detectable difference to problems fixed within a week "
        f"(95 % CI -3 to +3 problems a year), compared with {REFERENCE}."
    )
    many = hand_brief(
        [fixed("honours", -3.0, 3.0), fixed("waiver", -1.0, 8.0)], ["honours", "waiver"]
    )
    assert "honours and the delivery-penalty waiver made no detectable difference" in (
        f.no_difference_finding(many, t).text
    )
    none = hand_brief([fixed("a", 10.0, 20.0)], ["a"])
    assert f.no_difference_finding(none, t) is None


def community(group: int, low: float, high: float) -> dict:
    row = effect_row(
        "fixed_within_7d_share", "a", difference=(low + high) / 2, ci_low=low, ci_high=high
    )
    return {**row, "group": group}


def test_equity_branches(t: Text):
    everywhere = pd.DataFrame([community(0, 0.2, 0.3), community(8, 0.01, 0.05)])
    text = f.equity_finding(everywhere, t, "a").text
    assert (
        "helped in every community: most in Community 1" in text and "least in Community 9" in text
    )
    somewhere = pd.DataFrame([community(0, 0.2, 0.3), community(8, -0.01, 0.05)])
    assert (
        "made no detectable difference in Community 9" in f.equity_finding(somewhere, t, "a").text
    )
    nowhere = pd.DataFrame([community(0, -0.1, 0.3), community(8, -0.05, 0.05)])
    text = f.equity_finding(nowhere, t, "a").text
    assert "in any single community" in text and "helped" not in text
    assert f.equity_finding(nowhere, t, "other_arm") is None


def robust(n_better: int, condition: FailureCondition | None) -> Robustness:
    return Robustness(
        "mini_program", FIXED_PER_YEAR, 128, n_better, n_better / 128, 0.88, 0.97, condition
    )


def test_robustness_branches(t: Text):
    below = FailureCondition((Restriction("service.department_capacity", None, 0.77),), 0.9, 0.8)
    text = f.robustness_finding(robust(120, below), t, "baseline").text
    assert text.startswith("In 94 % of 128 sampled worlds (95 % CI 88 % to 97 %), the report mini")
    assert text.endswith(
        "It fails mainly when departments' capacity to fix problems (relative to "
        "today) is below 0.77."
    )
    above = FailureCondition((Restriction("behaviour.report_propensity", 1.2, None),), 0.9, 0.8)
    assert "is above 1.20" in f.robustness_finding(robust(120, above), t, "baseline").text
    both = FailureCondition((*below.restrictions, *above.restrictions), 0.9, 0.8)
    assert f.robustness_finding(robust(120, both), t, "baseline").text.endswith(
        "is below 0.77 and people's readiness to report (relative to today) is above 1.20."
    )
    between = FailureCondition((Restriction("behaviour.report_propensity", 0.6, 0.9),), 0.9, 0.8)
    assert (
        "is between 0.60 and 0.90" in f.robustness_finding(robust(120, between), t, "baseline").text
    )
    assert "fails" not in f.robustness_finding(robust(126, None), t, "baseline").text
    assert f.robustness_finding(robust(128, None), t, "baseline").text.startswith("In all 128")


def test_robustness_without_a_valued_world_is_never_said_to_hold_in_all_of_them(t: Text):
    from types import SimpleNamespace

    from model.reporting.pages.compare import ComparePage

    none = Robustness("mini_program", FIXED_PER_YEAR, 0, 0, math.nan, 0.0, 1.0, None)
    page = SimpleNamespace(t=t, robustness=[none, robust(126, None)])
    page.brief = SimpleNamespace(reference="baseline")
    first, second = ComparePage.robustness_sentences(page)
    assert "cannot be told" in first and "all 0" not in first
    assert "126" not in first and second.startswith(t.arm("mini_program"))


def test_findings_on_the_synthetic_experiment(brief, t: Text, standard):
    from model.reporting.costeffectiveness import cost_effectiveness
    from model.reporting.equity import group_effects

    frontier = cost_effectiveness(
        brief.runs, brief.effects, "baseline", FIXED_PER_YEAR, n_resamples=200
    )
    communities = group_effects(standard.issues, "community", "baseline", *standard.window_hours)
    found = f.findings(brief, t, frontier=frontier, community_effects=communities)
    kinds = [x.kind for x in found]
    assert 5 <= len(found) <= f.MAX_FINDINGS
    assert kinds[:3] == ["main", "time_to_fix", "cost"]
    assert "robustness" not in kinds  # no sensitivity results supplied: omitted
    assert {"equity", "no_difference", "dominance"} <= set(kinds)
    for finding in found:
        assert "95 % CI" in finding.text or finding.kind == "dominance"
        assert "significant" not in finding.text


def test_few_candidates_are_completed_with_incidents(t: Text):
    brief = hand_brief([fixed("a", 10.0, 20.0)], ["a"])
    kinds = [x.kind for x in f.findings(brief, t)]
    assert kinds == ["main", "time_to_fix", "incidents", "cost"]


@settings(max_examples=150, deadline=None)
@given(low=st.floats(-500, -0.01), high=st.floats(0.01, 500), rel=st.floats(0.001, 0.5))
def test_an_interval_spanning_zero_never_gives_a_directional_claim(low, high, rel):
    t = Text("en")
    rows = [
        fixed("a", low, high),
        share("a", low / 1000, high / 1000),
        hours("a", -rel, rel, low, high),
        effect_row(
            INCIDENTS_PER_YEAR,
            "a",
            direction="lower",
            difference=(low + high) / 2,
            ci_low=low,
            ci_high=high,
        ),
    ]
    brief = hand_brief(rows, ["a"])
    for sentence in (
        f.main_finding(brief, t, "a"),
        f.time_to_fix_finding(brief, t, "a"),
        f.incidents_finding(brief, t, "a"),
        f.no_difference_finding(brief, t),
    ):
        assert "no detectable difference" in sentence.text
        assert not DIRECTIONAL.search(sentence.text), sentence.text
    assert f.bottom_line(brief, t).startswith("In the model, of one measure, none fixed")


def test_every_finding_kind_has_a_priority():
    assert set(f.PRIORITY) == {
        "main",
        "time_to_fix",
        "cost",
        "equity",
        "no_difference",
        "robustness",
        "dominance",
        "incidents",
    }


@pytest.mark.parametrize("lang", ["en"])
def test_findings_work_for_each_language(lang: str, brief):
    assert f.findings(brief, Text(lang))

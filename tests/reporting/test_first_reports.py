"""Who reports problems first, and how fast (issue 11): section of the scenario and compare pages.

The section reads the run outcomes ``first_report_share_<kind>`` and
``median_hours_detection_to_report_<kind>``: shares are means over the runs with a report (so
they sum to 1 per arm), hours the mean of each run's median; one sentence explains the
reference's split with the numbers of the table.
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.reporting.notebooks import NOTEBOOKS
from model.reporting.pages import compare, scenario
from model.reporting.pages.first_reports import (
    GIG_WORKER_KINDS,
    REPORTER_KINDS,
    SECTION_ID,
    WORKERS_TOGETHER,
    first_reports,
    first_reports_section,
    hours_column,
    share_column,
    status_quo_sentence,
)
from model.reporting.text import Text

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def hand_runs(rows: dict[str, list[tuple[list[float], list[float]]]]) -> pd.DataFrame:
    """A runs table: arm -> [(shares by kind, hours by kind), one per run]."""
    records = []
    for arm, runs in rows.items():
        for replicate, (shares, hours) in enumerate(runs):
            record = {"arm": arm, "replicate": replicate, "status": "ok"}
            record.update({share_column(k): s for k, s in zip(REPORTER_KINDS, shares, strict=True)})
            record.update({hours_column(k): h for k, h in zip(REPORTER_KINDS, hours, strict=True)})
            records.append(record)
    return pd.DataFrame(records)


NAN5 = [math.nan] * 5


def table_rows(section_html: str) -> list[dict[str, list[str]]]:
    """Per table of the section: arm label -> its cells' texts."""
    tables = []
    for table in re.findall(r"<table class='brief first-reports'>(.*?)</table>", section_html):
        rows = {}
        for label, cells in re.findall(
            r"<tr(?: class='reference')?><th scope='row'>(.*?)</th>(.*?)</tr>", table
        ):
            rows[html.unescape(label)] = [
                html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", cells)
            ]
        tables.append(rows)
    return tables


def sentence_of(section_html: str) -> str:
    """The status-quo sentence: the section's second paragraph."""
    return html.unescape(re.findall(r"<p>(.*?)</p>", section_html)[1])


# --------------------------------------------------------------------------- the numbers


def test_shares_are_means_over_runs_with_a_report_and_hours_means_of_run_medians():
    runs = hand_runs(
        {
            "baseline": [
                ([0.1, 0.1, 0.0, 0.3, 0.5], [100.0, 50.0, math.nan, 20.0, 1.0]),
                ([0.3, 0.1, 0.0, 0.2, 0.4], [120.0, math.nan, math.nan, 40.0, 3.0]),
                (NAN5, NAN5),  # a run without any report: no split, no medians
            ],
            "silent": [(NAN5, NAN5)],
        }
    )
    summary = first_reports(runs, ["baseline", "silent"])
    shares = summary.shares.loc["baseline"]
    assert shares["rider"] == pytest.approx(0.2) and shares["staff"] == pytest.approx(0.45)
    assert shares[WORKERS_TOGETHER] == pytest.approx(0.3)
    hours = summary.hours.loc["baseline"]
    assert hours["rider"] == pytest.approx(110.0) and hours["courier"] == pytest.approx(50.0)
    assert math.isnan(hours["driver"])
    assert summary.runs_with_reports.to_dict() == {"baseline": 2, "silent": 0}
    assert summary.shares.loc["silent"].isna().all()
    t = Text("en")
    assert "no problem was reported" in status_quo_sentence(summary, t, "silent")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).filter(lambda w: sum(w) > 0.01),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 3),
)
def test_shares_sum_to_one_per_arm_whatever_the_runs(weights, silent_runs):
    rows = [([w / sum(ws) for w in ws], [5.0] * 5) for ws in weights]
    rows += [(NAN5, NAN5)] * silent_runs
    summary = first_reports(hand_runs({"arm": rows}), ["arm"])
    kinds = summary.shares.loc["arm", list(REPORTER_KINDS)]
    assert kinds.sum() == pytest.approx(1.0)
    workers = summary.shares.loc["arm", list(GIG_WORKER_KINDS)].sum()
    assert summary.shares.loc["arm", WORKERS_TOGETHER] == pytest.approx(workers)


def test_shares_sum_to_one_per_arm_in_the_synthetic_results(standard):
    summary = first_reports(standard.ok_runs, standard.arms)
    assert summary.arms == standard.arms
    totals = summary.shares[list(REPORTER_KINDS)].sum(axis=1)
    np.testing.assert_allclose(totals.to_numpy(), 1.0, rtol=1e-12)
    assert (summary.runs_with_reports > 0).all()
    assert summary.hours.notna().all().all()


def test_results_without_the_outcomes_give_a_note_not_a_table(standard):
    old = standard.ok_runs.drop(columns=[share_column("staff")])
    assert first_reports(old, standard.arms) is None
    t = Text("en")
    section = first_reports_section(old, t, standard.arms, standard.reference, "intro").data
    assert section.startswith(f"<section id='{SECTION_ID}'>")
    assert t("scenario.first_reports.missing").replace("'", "&#x27;") in section
    assert "<table" not in section


# --------------------------------------------------------------------------- the sentence


def test_the_sentence_follows_the_data_not_a_fixed_story():
    staff_lead = hand_runs({"baseline": [([0.05, 0.03, 0.02, 0.3, 0.6], [112.0, 80, 60, 40, 91])]})
    workers_lead = hand_runs({"baseline": [([0.4, 0.2, 0.1, 0.2, 0.1], [10.0, 12, 14, 40, 91])]})
    t = Text("en")
    first = status_quo_sentence(first_reports(staff_lead, ["baseline"]), t, "baseline")
    assert first.startswith(
        "In the model, on today's street without any of these measures, community staff on "
        "patrol file 60 % of the first reports and residents 30 %; delivery riders, couriers "
        "and ride-hailing drivers together file only 10 %."
    )
    assert "When delivery riders report a problem first, a median of 112 hours" in first
    assert first.endswith("for community staff on patrol, 91 hours.")
    second = status_quo_sentence(first_reports(workers_lead, ["baseline"]), t, "baseline")
    assert "together file 70 % of the first reports, residents 20 % and community staff" in second
    assert "only" not in second


def test_the_speed_clause_is_left_out_when_no_worker_reported_first():
    runs = hand_runs({"baseline": [([0.0, 0.0, 0.0, 0.4, 0.6], [math.nan] * 3 + [40.0, 9.0])]})
    sentence = status_quo_sentence(first_reports(runs, ["baseline"]), Text("en"), "baseline")
    assert "together file only 0 %" in sentence and "median" not in sentence


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_sentence_numbers_are_the_tables_numbers(standard_folder: Path, lang: str):
    page = scenario.build(standard_folder, "mini_program", lang=lang)
    section = page.first_reports_section().data
    shares, hours = table_rows(section)
    reference = page.t.arm(page.results.reference)
    assert list(shares) == [reference, page.t.arm("mini_program")]
    sentence = sentence_of(section)
    summary = first_reports(page.results.ok_runs, page.compared)
    assert sentence == status_quo_sentence(summary, page.t, page.results.reference)
    share_cells = dict(
        zip(
            [*GIG_WORKER_KINDS, WORKERS_TOGETHER, "resident", "staff"],
            shares[reference],
            strict=True,
        )
    )
    hour_cells = dict(zip(REPORTER_KINDS, hours[reference], strict=True))
    lead = max(GIG_WORKER_KINDS, key=lambda k: summary.shares.at[page.results.reference, k])
    shown = [share_cells[k] for k in ("staff", "resident", WORKERS_TOGETHER)]
    shown += [hour_cells[lead], hour_cells["staff"]]
    sentence_numbers = NUMBER.findall(sentence)
    assert sorted(sentence_numbers) == sorted(n for cell in shown for n in NUMBER.findall(cell))
    for kind in ("staff", "resident", WORKERS_TOGETHER):
        assert share_cells[kind] in sentence  # the same text, unit included


# --------------------------------------------------------------------------- the pages


def section_calls(notebook: str) -> list[str]:
    book = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in book["cells"])
    return re.findall(r"^page\.([a-z_]+)\(\)", code, flags=re.M)


def test_the_notebooks_show_the_section_where_the_reader_expects_it():
    scenario_calls, compare_calls = section_calls("scenario"), section_calls("compare")
    position = scenario_calls.index("first_reports_section")
    assert scenario_calls[position - 1 : position + 2] == [
        "funnel_section",
        "first_reports_section",
        "people_section",
    ]
    position = compare_calls.index("first_reports_section")
    assert compare_calls[position - 1 : position + 2] == [
        "equity_section",
        "first_reports_section",
        "daily_section",
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scenario_and_compare_sections_render_in_both_languages(standard_folder: Path, lang: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from a figure fails
        scenario_page = scenario.build(standard_folder, "points", lang=lang)
        compare_page = compare.build(standard_folder, lang=lang, quick=True)
        sections = {
            "scenario": scenario_page.first_reports_section().data,
            "compare": compare_page.first_reports_section().data,
        }
    for name, page in (("scenario", scenario_page), ("compare", compare_page)):
        section = sections[name]
        t = page.t
        assert section.startswith(f"<section id='{SECTION_ID}'>"), name
        assert html.escape(t("scenario.first_reports.title")) in section
        assert section.count("data:image/png;base64,") == 1
        shares, hours = table_rows(section)
        expected = (
            page.compared if name == "scenario" else [page.results.reference, *page.brief.arms]
        )
        assert list(shares) == list(hours) == [t.arm(a) for a in expected]
        for cells in shares.values():
            assert len(cells) == len(REPORTER_KINDS) + 1
            assert all(cell.endswith("%") for cell in cells)
        for cells in hours.values():
            assert len(cells) == len(REPORTER_KINDS) and all(NUMBER.fullmatch(c) for c in cells)
        assert not t.missing, name
        if lang == "zh":
            text = html.unescape(re.sub(r"<[^>]+>", " ", section))
            assert not re.search(r"[A-Za-z]{3,}", text), name
    reference = compare_page.t.reference_phrase(compare_page.results.reference)
    assert html.escape(reference) in sections["compare"]

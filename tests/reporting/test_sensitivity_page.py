"""The sensitivity page on synthetic worlds with a planted failure region (English, Chinese)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.analysis.worlds import EFFECT, LEVELS
from model.reporting.html import external_resources
from model.reporting.index import write_index
from model.reporting.notebooks import render_sensitivity
from model.reporting.pages import sensitivity
from model.reporting.pages.common import duration_text
from model.reporting.synthetic import make_robustness_results, make_screening_results
from model.reporting.synthetic.worlds import FAILURE_CAPACITY
from model.reporting.worlds import condition_words

SECTIONS = ["title", "robustness", "influence", "failures", "budget", "method", "provenance"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("worlds")
    return make_robustness_results(root / "robustness"), make_screening_results(root / "screening")


@pytest.fixture(scope="module", params=["en", "zh"])
def page(request, folders):
    robustness, screening = folders
    return sensitivity.build(
        robustness=robustness, screening=screening, lang=request.param, quick=True
    )


def text_of(fragment) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment.data)).replace("&#x27;", "'")


def test_robustness_numbers_on_the_page_are_the_analysis(page):
    _, analysis = page.robustness
    row = analysis.robustness.set_index(["policy", "outcome"]).loc[
        ("integrated", "fixed_within_7d_share")
    ]
    shown = text_of(page.robustness_section())
    share = page.t.percent(row["share_better"])
    assert page.t("sensitivity.cells.share", share=share, n="64", ci="").strip() in shown
    assert page.t.points(row["median_improvement"], 1) in shown
    assert page.t.points(row["p10_improvement"], 1) in shown
    assert page.t.points(row["max_regret"], 1, signed=False) in shown
    # planted: integrated fails exactly where capacity < 0.8
    sample = analysis.design.sample
    expected = (sample["service.department_capacity"] >= FAILURE_CAPACITY).mean()
    assert row["share_better"] == pytest.approx(expected)
    assert page.t.percent(expected) in text_of(page.title())


def test_failure_box_is_the_planted_region_in_words(page):
    shown = text_of(page.failures_section())
    name = page.t.parameter("service.department_capacity")
    clause = page.t("sensitivity.box.below", parameter=name, value=page.t.number(0.8, 2))
    assert clause in shown
    _, analysis = page.robustness
    failure = analysis.failure_of("integrated", "fixed_within_7d_share")
    assert page.t.percent(failure.boxes[0].coverage) in shown


def test_influence_lists_the_planted_parameter_first_with_its_interval(page):
    _, analysis = page.screening
    for kind, policy in ((LEVELS, "baseline"), (EFFECT, "integrated")):
        table = analysis.screening_of(policy, "fixed_within_7d_share", kind).table
        assert table["parameter"].iloc[0] == "service.department_capacity"
    effect = analysis.screening_of("integrated", "fixed_within_7d_share", EFFECT).table
    assert effect["mu_star"].iloc[0] == pytest.approx(0.25)  # 0.25 per unit x range 1
    shown = text_of(page.influence_section())
    top = effect.iloc[0]
    assert page.t.number(top["mu_star"], 3) in shown
    assert page.t.number(top["mu_star_ci_low"], 3) in shown


def test_budget_states_runs_and_time(page):
    shown = text_of(page.budget_section())
    assert page.t.number(64 * 3 * 2) in shown  # 64 worlds x 3 policies x 2 replicates
    assert page.t("sensitivity.budget.scaling").split()[0] in shown
    # wall time from the manifest's sessions, as the runner writes it: 5400 s on 2 workers
    assert duration_text(page.t, 5400.0) in shown
    assert page.t.number(5400.0 * 2 / 60 / (64 * 3 * 2), 1) in shown  # core-minutes per run
    assert page.t("format.not_available") not in shown


def test_page_without_a_screening_folder_says_so(folders):
    page = sensitivity.build(robustness=folders[0], quick=True)
    assert page.t("sensitivity.no_screening") in text_of(page.influence_section())
    with pytest.raises(ValueError, match="a robustness, a screening or a Sobol results folder"):
        sensitivity.build()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_notebook_renders_through_papermill(tmp_path, folders, lang):
    robustness, screening = folders
    files = render_sensitivity(
        tmp_path / "sensitivity", robustness=robustness, screening=screening, lang=lang,
        quick=True,
    )  # fmt: skip
    html = files.html.read_text(encoding="utf-8")
    assert re.findall(r"<section id=[\"']([a-z-]+)[\"']>", html) == SECTIONS
    assert external_resources(html) == []
    assert "from model.reporting" not in html
    assert files.meta.warnings == []
    index = write_index(tmp_path).read_text(encoding="utf-8")
    assert files.html.name in index


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_brief_states_robustness_of_each_recommended_measure(
    standard_folder, sensitivity_folder, lang
):
    from model.reporting.pages import compare

    page = compare.build(
        standard_folder, lang=lang, sensitivity_folder=sensitivity_folder, quick=True
    )
    t = page.t
    by_arm = {r.arm: r for r in page.robustness}
    # planted (synthetic sensitivity folder): mini-program fails where capacity < 0.8,
    # the integrated package wins in every world
    assert {"mini_program", "integrated"} <= set(by_arm)
    shown = text_of(page.brief_section())
    mini = by_arm["mini_program"]
    share = t("sensitivity.brief.share", arm=t.arm("mini_program"),
              reference=t.reference_phrase("baseline"), share=t.percent(mini.share_better),
              n=t.number(mini.n_worlds))  # fmt: skip
    assert share in shown
    (restriction,) = mini.condition.restrictions
    assert restriction.parameter == "service.department_capacity" and restriction.low is None
    assert restriction.high == pytest.approx(0.8, abs=0.05)
    assert condition_words(mini.condition, t) in shown
    always = t("sensitivity.brief.always", arm=t.arm("integrated"),
               reference=t.reference_phrase("baseline"), n=t.number(64))  # fmt: skip
    assert always in shown
    unchanged = compare.build(standard_folder, lang=lang, quick=True)
    assert t("sensitivity.brief.intro") not in text_of(unchanged.brief_section())

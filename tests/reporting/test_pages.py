"""Page sections without notebooks: missing tables, the reference arm, factorial statements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.reporting.pages import compare, factorial, scenario
from model.reporting.results import ResultsError


@pytest.fixture(scope="module")
def bare_folder(standard_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bare") / "standard"
    shutil.copytree(standard_folder, folder)
    for name in ("daily", "issues", "workers"):
        (folder / f"{name}.parquet").unlink()
    return folder


def test_compare_page_without_optional_tables_says_what_is_missing(bare_folder: Path):
    page = compare.build(bare_folder, quick=True)
    assert page.community_effects is None and page.participation is None
    equity_html = page.equity_section().data
    assert "issues.parquet" in equity_html and "workers.parquet" in equity_html
    assert "daily.parquet" in page.daily_section().data
    assert "<table class='brief'>" in page.brief_section().data
    assert 5 <= len(page.findings) <= 8


def test_compare_sections_have_their_ids(standard_folder: Path, sensitivity_folder: Path):
    page = compare.build(standard_folder, sensitivity_folder=sensitivity_folder, quick=True)
    sections = {
        "title": page.title(),
        "brief": page.brief_section(),
        "findings": page.findings_section(),
        "cost-effectiveness": page.costs_section(),
        "equity": page.equity_section(),
        "how-sure": page.certainty_section(),
        "provenance": page.provenance(),
    }
    for section_id, html in sections.items():
        assert html.data.startswith(f"<section id='{section_id}'>")
    assert "sampled worlds" in sections["how-sure"].data
    costs = sections["cost-effectiveness"].data
    assert costs.count("<table class='brief ce'>") == 2 and costs.count("<img") == 2
    assert "yes: on the efficient frontier" in costs and "compared with" in costs
    assert "no sensitivity results" not in sections["how-sure"].data
    assert "Code version" in sections["provenance"].data
    assert page.t.missing == set()


def test_scenario_page_for_the_reference_and_an_unknown_arm(standard_folder: Path):
    page = scenario.build(standard_folder, "baseline")
    assert page.brief is None and "status quo itself" in page.numbers().data
    assert "<img" in page.map_section().data
    with pytest.raises(ResultsError, match="no arm 'nobody'"):
        scenario.build(standard_folder, "nobody")


def test_factorial_page_states_the_planted_complements(factorial_folder: Path):
    page = factorial.build(factorial_folder)
    pairs = page.fits["fixed_within_7d_share"].interactions
    classes = {(r.lever_a, r.lever_b): r.classification for r in pairs.itertuples()}
    assert classes[("policies.points.enabled", "policies.mini_program.enabled")] == "complements"
    title = page.title().data
    assert (
        "points for reports and the report mini-program with feedback reinforce each other" in title
    )
    assert "95 % CI" in title
    assert page.t.missing == set()


def test_compare_page_with_a_failed_run(tmp_path: Path):
    from model.reporting.synthetic import make_standard_results

    folder = make_standard_results(
        tmp_path / "failed", replicates=4, days=40, warmup_days=5, failed=[("mini_program", 2)]
    )
    page = compare.build(folder, quick=True)
    row = page.brief.effect("mini_program", "fixed_within_7d_share")
    assert row["n_pairs"] == 3 and row["n_dropped"] == 1
    assert "23 succeeded, 1 failed" in page.provenance().data
    for section in (
        page.title,
        page.brief_section,
        page.findings_section,
        page.costs_section,
        page.equity_section,
        page.daily_section,
        page.certainty_section,
    ):
        assert section().data.startswith("<section")


def test_factorial_page_names_an_outcome_too_sparse_to_fit(factorial_folder: Path, tmp_path: Path):
    """Short runs may never reach a median time to fix: that outcome is named, not fitted."""
    import pandas as pd

    folder = tmp_path / "sparse"
    shutil.copytree(factorial_folder, folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    sparse = runs["arm"].isin(runs["arm"].unique()[:2])
    runs.loc[sparse, "median_hours_to_fix"] = float("nan")  # two cells never reach it
    runs.to_parquet(folder / "runs.parquet", index=False)
    page = factorial.build(folder)
    assert "median_hours_to_fix" in page.unavailable and page.main == "fixed_within_7d_share"
    table = page.effects_table().data
    assert "Too few runs have a defined value of the median time from opening to fix" in table
    assert page.title().data.startswith("<section id='title'>")

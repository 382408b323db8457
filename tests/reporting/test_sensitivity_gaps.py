"""The sensitivity page on worlds without a value: short horizons, undefined outcomes, failures.

Synthetic worlds results (:mod:`model.reporting.synthetic.worlds`) are altered after they are
written, as a real experiment would leave them: runs of 5 measured days, in which problems
fixed within a week has no value anywhere (it counts only the problems opened at least 7 days
before the end); a few worlds where that outcome is undefined although every run finished;
runs that failed (``status`` "failed", every outcome empty). The page must tell a failed run
from an undefined outcome, say why the outcome is undefined, and never report a share of no
worlds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.worlds import EFFECT, LEVELS
from model.reporting import registry
from model.reporting.pages import sensitivity
from model.reporting.synthetic import make_robustness_results, make_screening_results
from model.reporting.text import Text

MAIN = sensitivity.MAIN_OUTCOME
INCIDENTS = "incidents_total"


def text_of(fragment) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment.data)).replace("&#x27;", "'")


def whole_page(page: sensitivity.SensitivityPage) -> str:
    sections = (
        page.title,
        page.robustness_section,
        page.influence_section,
        page.failures_section,
        page.budget_section,
    )
    return " ".join(text_of(section()) for section in sections)


def pages(
    robustness: Path | None, screening: Path | None = None
) -> dict[str, sensitivity.SensitivityPage]:
    """The page in English and Chinese, each folder analysed once (the analysis has no words)."""
    english = sensitivity.build(robustness=robustness, screening=screening, quick=True)
    return {
        lang: sensitivity.SensitivityPage(Text(lang), english.robustness, english.screening)
        for lang in ("en", "zh")
    }


def alter(folder: Path, change) -> Path:
    """Rewrite a folder's run table (``change(runs)`` in place) and keep its manifest true."""
    runs = pd.read_parquet(folder / "runs.parquet")
    change(runs)
    runs.to_parquet(folder / "runs.parquet", index=False)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    failed = int((runs["status"] != "ok").sum())
    manifest["replications"] = {"runs_ok": len(runs) - failed, "runs_failed": failed}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def set_days(folder: Path, days: int) -> None:
    """Runs of ``days`` measured days: the manifest's horizon and the runs' measured days."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["days"] = days
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    alter(folder, lambda runs: runs.__setitem__("measured_days", float(days)))


def fail(runs: pd.DataFrame, rows: pd.Series) -> None:
    """Mark runs failed as the runner does: status, error, and no outcome."""
    runs.loc[rows, registry.outcome_names()] = np.nan
    runs.loc[rows, "status"] = "failed"
    runs.loc[rows, "error"] = "RuntimeError: the run stopped"


def undefined_main(runs: pd.DataFrame) -> None:
    runs[MAIN] = np.nan


def assert_no_old_wording(t, text: str) -> None:
    """Not what the page used to write: "n/a of 0", "in all 0 sampled worlds", "failed runs"
    for worlds whose runs finished."""
    not_available = t("format.not_available")
    share = t("sensitivity.cells.share", share=not_available, n=t.number(0), ci="").strip()
    assert share not in text
    worlds = "sampled worlds" if t.lang == "en" else "个抽样情境"
    assert not re.search(rf"(?<![\d,]){t.number(0)} ?{worlds}", text), text


# ------------------------------------------------------------------ no world has a value


@pytest.fixture(scope="module")
def short_pages(tmp_path_factory) -> dict[str, sensitivity.SensitivityPage]:
    """5 measured days: problems fixed within a week has no value in any world."""
    root = tmp_path_factory.mktemp("short")
    robustness = make_robustness_results(root / "robustness", n=12, replicates=1)
    screening = make_screening_results(root / "screening", n=3, replicates=1)
    for folder in (robustness, screening):
        set_days(folder, 5)
        alter(folder, undefined_main)
    return pages(robustness, screening)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_world_with_a_value_says_so_and_why(short_pages, lang):
    page = short_pages[lang]
    t = page.t
    text = whole_page(page)
    assert_no_old_wording(t, text)
    # nothing is called a failed run: every run finished
    assert "failed run" not in text and "运行失败" not in text
    assert t("sensitivity.gaps.failed", n=t.number(12)) not in text
    why = t("sensitivity.gaps.reason.horizon", days=t.number(5), window=t.number(7))
    fields = {
        "arm": t.arm_in_text("integrated"),
        "reference": t.reference_phrase("baseline"),
        "outcome": t.outcome_in_text(MAIN),
    }
    # the bottom line: cannot tell, none of the 12 worlds has a value, because of the horizon
    bottom = page.bottom_line()
    assert bottom.startswith(t("sensitivity.gaps.cannot_tell", **fields))
    finished = t("sensitivity.gaps.finished", n=t("sensitivity.gaps.all", n="12"), reason=why)
    none = t("sensitivity.gaps.none", total="12", outcome=fields["outcome"], why=finished)
    assert none in bottom
    # the robustness table: no share of no worlds, no least-regret measure
    shown = text_of(page.robustness_section())
    assert shown.count(t("sensitivity.cells.no_value")) >= 2  # both measures
    assert none in shown
    assert t("sensitivity.gaps.no_regret", outcome=fields["outcome"]) in shown
    least = t("sensitivity.least_regret", arm=t.arm_in_text("baseline"), outcome=fields["outcome"])
    assert least not in shown
    # the failures: cannot tell, instead of "beats ... in all 0 sampled worlds"
    failures = text_of(page.failures_section())
    assert t("sensitivity.gaps.cannot_tell", **fields) in failures and why in failures
    # the screening: no indices, because of the horizon
    influence = text_of(page.influence_section())
    assert t("sensitivity.gaps.no_indices") in influence
    assert influence.count(why) == 2  # the status quo's levels and the package's effect
    # the other outcomes still have their numbers
    incidents = {**fields, "outcome": t.outcome_in_text(INCIDENTS)}
    assert t("sensitivity.gaps.cannot_tell", **incidents) not in failures


def test_horizon_is_blamed_only_when_the_runs_are_no_longer_than_the_window(tmp_path):
    folder = make_robustness_results(tmp_path / "r", n=8, replicates=1)
    alter(folder, undefined_main)
    set_days(folder, 8)  # longer than a week: something else left the outcome undefined
    page = sensitivity.build(robustness=folder, quick=True)
    t = page.t
    bottom = page.bottom_line()
    assert t("sensitivity.gaps.reason.undefined") in bottom
    assert "measure only" not in bottom
    set_days(folder, 7)  # a week exactly: no problem is opened a week before the end
    page = sensitivity.build(robustness=folder, quick=True)
    horizon = t("sensitivity.gaps.reason.horizon", days="7", window="7")
    assert horizon in page.bottom_line()


# ------------------------------------------------------------------ some worlds without a value


UNDEFINED_WORLDS = [0, 1, 2]
FAILED_WORLD = 5


@pytest.fixture(scope="module")
def mixed_pages(tmp_path_factory) -> dict[str, sensitivity.SensitivityPage]:
    """16 worlds of a year: the main outcome undefined in worlds 0-2 (every run finished), and
    the integrated package's run failed in world 5."""
    folder = make_robustness_results(tmp_path_factory.mktemp("mixed") / "r", n=16, replicates=1)

    def change(runs: pd.DataFrame) -> None:
        runs.loc[runs["world"].isin(UNDEFINED_WORLDS), MAIN] = np.nan
        fail(runs, (runs["world"] == FAILED_WORLD) & (runs["policy"] == "integrated"))

    return pages(alter(folder, change))


def test_world_gaps_count_failed_runs_apart_from_undefined_outcomes(mixed_pages):
    page = mixed_pages["en"]
    pair = page.robustness
    integrated = page.gaps(pair, MAIN, ["integrated"])
    assert (integrated.total, integrated.failed, integrated.finished) == (16, 1, 3)
    assert integrated.valued == 12
    mini = page.gaps(pair, MAIN, ["mini_program"])
    assert (mini.failed, mini.finished, mini.valued) == (0, 3, 13)
    both = page.gaps(pair, MAIN, ["integrated", "mini_program"])
    assert (both.failed, both.finished) == (1, 3)
    incidents = page.gaps(pair, INCIDENTS, ["integrated"])  # defined wherever the runs ran
    assert (incidents.failed, incidents.finished) == (1, 0)
    levels = page.gaps(pair, MAIN, ["baseline"], LEVELS)  # the status quo's runs all finished
    assert (levels.failed, levels.finished) == (0, 3)
    # the analysis counts the same worlds with a value
    rows = pair[1].robustness.set_index(["policy", "outcome"])
    assert rows.loc[("integrated", MAIN), "n_worlds"] == integrated.valued
    assert rows.loc[("mini_program", MAIN), "n_worlds"] == mini.valued


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_some_worlds_without_a_value_are_counted_and_explained(mixed_pages, lang):
    page = mixed_pages[lang]
    t = page.t
    outcome = t.outcome_in_text(MAIN)
    failed = t("sensitivity.gaps.failed", n="1")
    finished = t("sensitivity.gaps.finished", n="3", reason=t("sensitivity.gaps.reason.undefined"))
    why = t("sensitivity.gaps.separator").join([failed, finished])
    sentence = t("sensitivity.gaps.some", missing="4", total="16", outcome=outcome, why=why)
    bottom = page.bottom_line()
    assert t.number(12) in bottom and sentence in bottom
    shown = text_of(page.robustness_section())
    assert sentence in shown
    assert t("sensitivity.cells.share", share=t.percent(1.0), n="13", ci="").strip() in shown
    assert "measure only" not in shown  # a year is longer than a week
    # incidents are defined wherever a run finished: only the failed run is named
    failures = text_of(page.failures_section())
    incidents = t(
        "sensitivity.gaps.one", total="16", outcome=t.outcome_in_text(INCIDENTS), why=failed
    )
    assert incidents in failures
    assert_no_old_wording(t, whole_page(page))


# ------------------------------------------------------------------ failed runs only


@pytest.fixture(scope="module")
def failed_pages(tmp_path_factory) -> dict[str, sensitivity.SensitivityPage]:
    """Every run finished but a few that failed: the status quo in world 3 of the robustness
    folder (both replicates), the integrated package in world 0 of the screening folder."""
    root = tmp_path_factory.mktemp("failed")
    robustness = make_robustness_results(root / "r", n=10, replicates=2)
    screening = make_screening_results(root / "s", n=2, replicates=1)
    # the status quo failed in world 3 (both replicates): no measure has a value there
    alter(
        robustness, lambda runs: fail(runs, (runs["world"] == 3) & (runs["policy"] == "baseline"))
    )
    alter(
        screening, lambda runs: fail(runs, (runs["world"] == 0) & (runs["policy"] == "integrated"))
    )
    return pages(robustness, screening)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_failed_runs_are_called_failed_runs(failed_pages, lang):
    page = failed_pages[lang]
    t = page.t
    failed = t("sensitivity.gaps.failed", n="1")
    sentence = t("sensitivity.gaps.one", total="10", outcome=t.outcome_in_text(MAIN), why=failed)
    assert sentence in page.bottom_line()
    text = whole_page(page)
    assert t("sensitivity.gaps.reason.undefined") not in text
    assert "measure only" not in text
    assert t("sensitivity.cells.share", share=t.percent(1.0), n="9", ci="").strip() in text
    # the package's failed run in the screening: its effect has no indices, its levels do not
    # need the status quo, and the status quo's own levels are complete
    influence = text_of(page.influence_section())
    assert influence.count(t("sensitivity.gaps.no_indices")) == 2  # effect, on both outcomes
    total = t.number(page.screening[1].design.n_worlds)  # 2 trajectories x (3 + 1)
    one = t("sensitivity.gaps.one", total=total, outcome=t.outcome_in_text(MAIN), why=failed)
    assert one in influence
    assert page.robustness[1].n_failed == 2  # the budget counts the failed runs
    budget = text_of(page.budget_section())
    assert ("(2 failed)" if lang == "en" else "失败2次") in budget
    assert_no_old_wording(t, text)
    screening_gaps = page.gaps(page.screening, MAIN, ["integrated"], EFFECT)
    assert (screening_gaps.failed, screening_gaps.finished) == (1, 0)

"""Effects per community and issue type, and participation per worker kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.analysis.effects import paired_effects
from model.reporting import equity


@pytest.fixture(scope="module")
def community_effects(standard):
    return equity.group_effects(standard.issues, "community", "baseline", *standard.window_hours)


def test_one_group_holding_every_issue_reproduces_the_run_level_effects(standard):
    issues = standard.issues.assign(street="all")
    street = equity.group_effects(issues, "street", "baseline", *standard.window_hours)
    runs = paired_effects(standard.runs, dict(equity.GROUP_OUTCOMES), "baseline")
    for outcome in equity.GROUP_OUTCOMES:
        mine = street[street["outcome"] == outcome].set_index("arm")
        theirs = runs[runs["outcome"] == outcome].set_index("arm")
        for column in ("difference", "ci_low", "ci_high", "n_pairs"):
            np.testing.assert_allclose(mine.loc[theirs.index, column], theirs[column])


def test_planted_community_gradient_is_recovered(community_effects):
    largest, smallest = equity.largest_and_smallest(
        community_effects, "fixed_within_7d_share", "mini_program"
    )
    assert largest["group"] in (0, 1)
    assert smallest["group"] in (7, 8)
    assert largest["verdict"] == "better"
    hours = community_effects[
        (community_effects["arm"] == "mini_program")
        & (community_effects["outcome"] == "median_hours_to_fix")
    ]
    relative = hours.set_index("group")["relative_change"]
    assert relative.loc[0] < relative.loc[8] < 0


def test_vulnerable_residents_effect_for_the_integrated_package(standard):
    types = equity.group_effects(standard.issues, "type", "baseline", *standard.window_hours)
    rows = types[(types["arm"] == "integrated") & (types["outcome"] == "median_hours_to_fix")]
    rows = rows.set_index("group")
    assert (
        rows.loc["vulnerable_resident", "relative_change"]
        < rows.loc["environment", "relative_change"]
    )
    assert equity.issue_type_order(["opinion", "vulnerable_resident", "environment"]) == [
        "vulnerable_resident",
        "environment",
        "opinion",
    ]


def test_missing_reference_and_no_finite_effect_are_errors(standard, community_effects):
    with pytest.raises(KeyError, match="reference arm 'nobody'"):
        equity.group_effects(standard.issues, "community", "nobody", *standard.window_hours)
    with pytest.raises(ValueError, match="no finite effect"):
        equity.largest_and_smallest(community_effects, "fixed_within_7d_share", "nobody")


def test_community_rectangles_from_issue_cells(standard):
    rectangles = equity.community_rectangles(standard.issues).set_index("community")
    assert len(rectangles) == 9
    assert tuple(rectangles.loc[0]) == (0, 0, 20, 20)
    assert tuple(rectangles.loc[8]) == (40, 40, 60, 60)


def test_participation_by_kind_known_answer():
    workers = pd.DataFrame(
        {
            "arm": ["a"] * 4 + ["a"] * 2,
            "replicate": [0, 0, 0, 0, 1, 1],
            "kind": ["rider", "rider", "courier", "driver", "rider", "courier"],
            "days_online": [30.0, 60.0, 30.0, 90.0, 365.0, 365.0],
            "reports_hotline": [1, 2, 3, 0, 4, 0],
            "reports_mini_program": [1, 0, 0, 0, 0, 2],
            "points": [40.0, 0.0, 0.0, 0.0, 365.0, 0.0],
        }
    )
    table = equity.participation_by_kind(workers, {"a": 0.5}).set_index("kind")
    # rider: replicate 0 has 2 workers, 90 days, 4 reports, 40 points; replicate 1 has 1 worker,
    # 365 days, 4 reports, 365 points -> means 1.5 workers, 227.5 days, 4 reports, 202.5 points
    assert table.loc["rider", "workers"] == 1.5
    assert table.loc["rider", "reports"] == 4.0
    assert table.loc["rider", "worker_months"] == pytest.approx(227.5 / 30)
    assert table.loc["rider", "reports_per_100_worker_months"] == pytest.approx(400 / (227.5 / 30))
    assert table.loc["rider", "points_yuan_per_worker_year"] == pytest.approx(
        202.5 * 0.5 / (227.5 / 365)
    )
    # courier: means 2.5 reports (3 and 2); driver 0 reports (replicate 0 only)
    assert table["report_share"].sum() == pytest.approx(1.0)
    assert table.loc["courier", "report_share"] == pytest.approx(2.5 / (4 + 2.5 + 0))
    unvalued = equity.participation_by_kind(workers)
    assert unvalued["points_yuan_per_worker_year"].isna().all()

"""The gig workers' advantage is a mechanism: what they reach, and how fast they act on it.

The article's premise is that riders, couriers and drivers pass every street and building
and see problems first. In the model that is coverage (their passes by kind, building
access, door contacts for opinions) and instant perception (a worker decides when he
notices). In the status quo they rarely report (the report decision's intercept): that is
the article's diagnosis, not a lack of reach. These tests check the reach is there: workers
who report all they notice make problems known much sooner than a street without workers,
and the gain is largest where staff and residents see least (inside buildings).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import column, make_config

from model.sim.model import run_model

DAYS = 90
SEEDS = (1, 2)
NO_WORKERS = {"population": {"workers": {"rider": 0, "courier": 0, "driver": 0}}}
EAGER = {"behaviour": {"worker_intercept": 6.0}}  # every noticing worker reports
NO_STAFF_INSIDE = {"staff": {"patrol_building_access": 0.0}}


def summary(*overrides) -> dict[str, float]:
    values: dict[str, list[float]] = {"to_report": [], "indoor": [], "outdoor": [], "worker": []}
    for seed in SEEDS:
        out = run_model(make_config(*overrides), seed=seed, days=DAYS)
        indoor = column(out.issues, "indoor").astype(bool)
        reported = ~np.isnan(column(out.issues, "reported_at"))
        values["to_report"].append(out.outcomes["median_hours_to_report"])
        values["indoor"].append(reported[indoor].mean())
        values["outdoor"].append(reported[~indoor].mean())
        values["worker"].append(
            sum(out.outcomes[f"first_report_share_{k}"] for k in ("rider", "courier", "driver"))
        )
    return {key: float(np.mean(v)) for key, v in values.items()}


@pytest.fixture(scope="module")
def without() -> dict[str, float]:
    return summary(NO_WORKERS, NO_STAFF_INSIDE)


@pytest.fixture(scope="module")
def eager() -> dict[str, float]:
    return summary(EAGER, NO_STAFF_INSIDE)


def test_workers_who_report_what_they_see_make_problems_known_much_sooner(without, eager):
    assert without["worker"] == 0.0
    assert eager["worker"] > 0.5  # they see most problems first
    assert eager["to_report"] < 0.5 * without["to_report"]


def test_the_gain_is_largest_inside_buildings_where_staff_do_not_go(without, eager):
    indoor_gain = eager["indoor"] - without["indoor"]
    outdoor_gain = eager["outdoor"] - without["outdoor"]
    assert indoor_gain > 0.1
    assert indoor_gain > outdoor_gain


def test_without_building_access_workers_lose_the_indoor_gain(eager):
    no_access = {
        "workers": {kind: {"building_access": 0.0} for kind in ("rider", "courier", "driver")}
    }
    blind = summary(EAGER, NO_STAFF_INSIDE, no_access)
    assert blind["indoor"] < eager["indoor"] - 0.05

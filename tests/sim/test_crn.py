"""Common random numbers that hold: a lever at zero strength changes nothing at all.

Every lever switched on at zero strength (and zero cost) must give outputs byte-identical to
the status quo's: the same outcomes, daily series, issue log, report log and worker roster.
That holds only if no lever draws from another submodel's random numbers and no submodel's
number of draws depends on what happened elsewhere (``model.sim.streams``). A second test
checks the streams themselves: with a lever fully on, every named stream but the lever's
own ends the run in the state it ends in the status quo.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pyarrow as pa
import pytest
from conftest import make_config

from model.sim.model import StreetModel, run_model
from model.sim.output import RunOutput

DAYS = 35  # covers a month: honours, councils and activities happen once
SEED = 3
BASE_BEHAVIOUR = {"behaviour": {"honours": 0.0}}  # inert while honours are off

NULL_LEVERS: dict[str, dict[str, Any]] = {
    "posts": {
        "enabled": True,
        "share_of_registered": 0.0,
        "registration_drive_hazard": 0.0,
        "training_yuan_per_post": 0.0,
        "stipend_yuan_per_post_month": 0.0,
    },
    "points": {"enabled": True, "yuan_per_point": 0.0, "admin_yuan_per_year": 0.0},
    "honours": {
        "enabled": True,
        "awards_per_month": 0,
        "publicity_spillover": 0.0,
        "yuan_per_month": 0.0,
    },
    "insurance": {"enabled": True, "coverage_target": 0.0},
    "waiver": {"enabled": True, "cost_reduction": 0.0, "yuan_per_waived_report": 0.0},
    "one_stop": {"enabled": True, "solve_probability": 0.3, "yuan_per_year": 0.0},
    "mini_program": {"enabled": True, "yuan_per_year": 0.0},
    "stations": {
        "upgraded": True,
        "upgraded_belonging_per_visit": 0.004,
        "registration_per_visit": 0.0,
        "upgrade_yuan_per_station_year": 0.0,
    },
    "deliberation": {
        "enabled": True,
        "seats_per_community": 0,
        "activities_per_month": 0.0,
        "yuan_per_meeting": 0.0,
    },
}
"""Each lever on, at zero strength and zero cost (a mini-program nobody installs, an
upgrade that adds nothing and whose desk is closed, seats nobody holds, ...)."""

EXTRA: dict[str, dict[str, Any]] = {
    "mini_program": {
        "channels": {"worker_mini_program_adoption": 0.0},
        "residents": {"mini_program_adoption": 0.0},
    },
    "stations": {"channels": {"station": {"enabled": False}}},
}
"""Settings outside the lever's block that make its zero strength."""


def run(*overrides: dict[str, Any]) -> RunOutput:
    return run_model(make_config(BASE_BEHAVIOUR, *overrides), seed=SEED, days=DAYS)


@pytest.fixture(scope="module")
def status_quo() -> RunOutput:
    return run()


def content(table: pa.Table) -> str:
    """A table's names, types and values as text (NaN equals NaN, unlike ``Table.equals``)."""
    return json.dumps(
        [(f.name, str(f.type), table.column(i).to_pylist()) for i, f in enumerate(table.schema)],
        allow_nan=True,
    )


def same_output(a: RunOutput, b: RunOutput) -> None:
    for name, value in a.outcomes.items():
        other = b.outcomes[name]
        assert (math.isnan(value) and math.isnan(other)) or value == other, name
    for table in ("daily", "issues", "reports", "workers"):
        assert content(getattr(a, table)) == content(getattr(b, table)), f"{table} differs"


@pytest.mark.parametrize("lever", sorted(NULL_LEVERS))
def test_a_lever_at_zero_strength_changes_nothing(status_quo: RunOutput, lever: str) -> None:
    arm = run({"policies": {lever: NULL_LEVERS[lever]}}, EXTRA.get(lever, {}))
    same_output(status_quo, arm)


def test_stations_at_zero_count_change_nothing_where_none_is_the_status_quo() -> None:
    none = {"policies": {"stations": {"count": 0}}}
    upgraded_none = {"policies": {"stations": {"count": 0, "upgraded": True}}}
    same_output(run(none), run(upgraded_none))


def test_the_null_arms_are_not_vacuous(status_quo: RunOutput) -> None:
    """The same levers at their default strength do change the run (the test can fail)."""
    for lever in ("posts", "points", "insurance", "waiver", "one_stop", "mini_program"):
        arm = run({"policies": {lever: {"enabled": True}}})
        differs = any(
            content(getattr(status_quo, t)) != content(getattr(arm, t))
            for t in ("issues", "reports")
        ) or any(
            status_quo.outcomes[k] != arm.outcomes[k]
            for k in ("program_cost_yuan", "registered_share", "mean_belonging")
        )
        assert differs, lever


OWN_STREAM = {
    "posts": "posts",
    "insurance": "insurance",
    "deliberation": "deliberation",
}


@pytest.mark.parametrize("lever", sorted(OWN_STREAM))
def test_a_lever_draws_only_from_its_own_stream(lever: str) -> None:
    """With the lever fully on, every other named stream ends where the status quo's does."""
    settings = {"enabled": True}
    if lever == "deliberation":
        settings["activities_per_month"] = 1.0
    base = StreetModel(make_config(), seed=SEED, days=DAYS)
    base.run()
    arm = StreetModel(make_config({"policies": {lever: settings}}), seed=SEED, days=DAYS)
    arm.run()
    for name, stream in base.streams.items():
        same = stream.bit_generator.state == arm.streams[name].bit_generator.state
        if name == OWN_STREAM[lever]:
            assert not same, f"{lever} never drew from its own stream"
        else:
            assert same, f"{lever} shifted the {name} stream"

"""Bounds derived from the schema itself: every numeric field, walked, pushed past its bounds.

The walk visits every number of :class:`ScenarioConfig`: nested sections, the name-keyed
blocks (issue types, departments, worker kinds, channels) and the numbers inside mappings and
lists (visibility, points per report, the arrival profile, shift start hours). For each it
reads the bounds from the field's metadata, then checks that

- a value just below the lower bound (and just above the upper bound, where one exists) is
  refused with one line naming the dotted key: through the loading function for every field,
  through ``streetwise validate`` and ``streetwise run`` (in process) for every field, and as
  a real subprocess for one field per section;
- infinity and NaN are refused for every float;
- the bound itself is accepted, and a short run at it finishes (a bound that lets through a
  value the model cannot run is too loose);
- counts have a lower bound of 0 or 1, and shares, chances and probabilities lie in [0, 1].

A number without any bound fails the walk unless :data:`UNBOUNDED` gives the reason.
"""

from __future__ import annotations

import math
import subprocess
import sys
import typing
from dataclasses import dataclass
from pathlib import Path

import annotated_types as at
import pytest
from conftest import SMALL_YAML
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from model.cli import main
from model.config.errors import ConfigError, error_location, format_validation_error
from model.config.issue_types import IssueTypeConfig
from model.config.loading import build_config
from model.config.scenario import ScenarioConfig
from model.sim.model import run_model

BIN = Path(sys.executable).parent

UNBOUNDED: dict[str, str] = {
    **{
        f"behaviour.{name}": "a logit coefficient: any real number (its sign is part of the "
        "estimate; the calibration fits the intercepts and trust)"
        for name in (
            "worker_intercept",
            "resident_intercept",
            "motivation",
            "resident_propensity",
            "belonging",
            "trust",
            "severity",
            "registered",
            "role",
            "role_match",
            "honours",
            "security",
            "cost_per_yuan",
        )
    },
}
"""Numeric fields allowed without a bound, with the reason (finite values are still required)."""


@dataclass(frozen=True)
class NumberField:
    """One number of the schema.

    Attributes:
        key: dotted key; ``key[0]`` stands for the first item of a list of numbers.
        kind: ``int`` or ``float``.
        default: the status-quo value.
        lower, upper: the bounds (None = none).
        lower_open, upper_open: the bound itself is excluded (``gt`` / ``lt``).
        description: the field's description.
    """

    key: str
    kind: type
    default: float
    lower: float | None
    upper: float | None
    lower_open: bool
    upper_open: bool
    description: str

    @property
    def list_key(self) -> str | None:
        return self.key[: -len("[0]")] if self.key.endswith("[0]") else None

    @property
    def name(self) -> str:
        return self.key.removesuffix("[0]").rsplit(".", 1)[-1]


def bounds_of(metadata: list) -> dict[str, float]:
    found = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(at, name.capitalize())):
                found[name] = float(getattr(item, name))
    return found


def number_of(key: str, annotation, value, metadata: list, description: str) -> NumberField:
    b = bounds_of(metadata)
    return NumberField(
        key=key,
        kind=annotation,
        default=value,
        lower=b.get("ge", b.get("gt")),
        upper=b.get("le", b.get("lt")),
        lower_open="gt" in b,
        upper_open="lt" in b,
        description=description,
    )


def item_type(annotation) -> tuple[type | None, list]:
    """The number type and bounds of an item annotation (``Annotated[float, Field(ge=0)]``)."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        metadata = [m for e in extras for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return (base if base in (int, float) else None), metadata
    return (annotation if annotation in (int, float) else None), []


def walk(model: BaseModel, prefix: str = "") -> typing.Iterator[NumberField]:
    """Every number of ``model`` (recursively), with its bounds."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}{name}"
        description = info.description or ""
        origin = typing.get_origin(info.annotation)
        if isinstance(value, BaseModel):
            yield from walk(value, f"{key}.")
        elif origin is dict:
            item = typing.get_args(info.annotation)[1]
            for entry, sub in value.items():
                if isinstance(sub, BaseModel):
                    yield from walk(sub, f"{key}.{entry}.")
                else:
                    kind, metadata = item_type(item)
                    assert kind is not None, f"{key}: a mapping of {item} is not walked"
                    yield number_of(f"{key}.{entry}", kind, sub, metadata, description)
        elif origin is list:
            kind, metadata = item_type(typing.get_args(info.annotation)[0])
            assert kind is not None, f"{key}: a list of non-numbers is not walked"
            yield number_of(f"{key}[0]", kind, value[0], metadata, description)
        elif info.annotation in (int, float):
            yield number_of(key, info.annotation, value, info.metadata, description)


FIELDS: list[NumberField] = list(walk(ScenarioConfig()))
BY_KEY = {f.key: f for f in FIELDS}


def override(field: NumberField, value: float) -> str:
    """The ``--set`` string that gives ``field`` the value (a whole list for a list item)."""
    if field.kind is int:
        text = str(int(value))
    elif not math.isfinite(value):
        text = ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    else:
        text = f"{value:.6f}"  # always with a point, so that YAML reads a float
    if field.list_key is None:
        return f"{field.key}={text}"
    default = list(config_value(ScenarioConfig(), field.list_key))
    items = [text, *(str(v) for v in default[1:])]
    return f"{field.list_key}=[{', '.join(items)}]"


def config_value(config: BaseModel, key: str):
    node = config
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def below(field: NumberField) -> float:
    step = 1 if field.kind is int else 1e-6
    return field.lower if field.lower_open else field.lower - step


def above(field: NumberField) -> float:
    step = 1 if field.kind is int else 1e-6
    return field.upper if field.upper_open else field.upper + step


def shown_key(field: NumberField) -> str:
    """The key as an error message names it (``key[0]`` for the first item of a list)."""
    return field.key


def refusal(overrides: list[str]) -> str:
    with pytest.raises(ConfigError) as caught:
        build_config({}, overrides)
    return str(caught.value)


LOWER = [f for f in FIELDS if f.lower is not None]
UPPER = [f for f in FIELDS if f.upper is not None]
FLOATS = [f for f in FIELDS if f.kind is float]


# --------------------------------------------------------------------------- the walk itself


def test_the_walk_reaches_every_kind_of_block():
    keys = set(BY_KEY)
    for key in (
        "days",
        "street.cells_x",
        "population.workers.rider",
        "workers.driver.speed_kmh",
        "workers.courier.shift_start_hours[0]",
        "residents.passes_per_hour",
        "staff.patrol_share",
        "issues.types.food_safety.harm_yuan",
        "issues.types.opinion.visibility.staff",
        "issues.arrival_hour_profile[0]",
        "channels.station.routing_accuracy",
        "service.departments.housing.crews",
        "behaviour.trust",
        "policies.points.points_per_report.safety_hazard",
        "policies.stations.count",
    ):
        assert key in keys, key
    assert len(FIELDS) > 200


def test_every_number_has_a_bound_or_a_reason():
    unbounded = sorted(f.key for f in FIELDS if f.lower is None and f.upper is None)
    missing = [key for key in unbounded if key not in UNBOUNDED]
    assert not missing, f"numbers without any bound (add one, or a reason to UNBOUNDED): {missing}"
    stale = [key for key in UNBOUNDED if key not in BY_KEY or key not in unbounded]
    assert not stale, f"UNBOUNDED names fields that are gone or now bounded: {stale}"


SHARE_NAMES = ("_share", "_probability", "_accuracy")
SHARE_WORDS = ("share ", "chance ", "daily chance ", "monthly chance ", "daily share ")


def is_share(field: NumberField) -> bool:
    """A share, chance or probability by its name or the unit its description states."""
    text = field.description.lower()
    return not text.startswith("logit") and (
        field.name.endswith(SHARE_NAMES) or text.startswith(SHARE_WORDS) or ", share" in text
    )


def test_counts_shares_and_probabilities_have_their_bounds():
    counts = [f for f in FIELDS if f.kind is int]
    for field in counts:
        assert field.lower is not None and field.lower >= 0, field.key
        assert not field.lower_open, field.key
    shares = [f for f in FIELDS if is_share(f)]
    assert len(shares) > 60
    for field in shares:
        assert (field.lower, field.upper) == (0.0, 1.0), field.key
    for key in (
        "population.elderly_alone_share",
        "workers.insured_share",
        "issues.types.environment.indoor_share",
        "issues.types.environment.visibility.rider",
        "channels.hotline.feedback_probability",
        "service.departments.community.resolution_probability",
        "policies.stations.visit_daily_probability",
        "behaviour.trust_learning_rate",
    ):
        assert BY_KEY[key] in shares, key


def test_defaults_lie_within_their_bounds():
    for field in FIELDS:
        if field.lower is not None:
            assert field.default > field.lower if field.lower_open else field.default >= field.lower
        if field.upper is not None:
            assert field.default < field.upper if field.upper_open else field.default <= field.upper


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("field", LOWER, ids=lambda f: f.key)
def test_below_the_lower_bound_is_refused(field):
    message = refusal([override(field, below(field))])
    relation = "greater than" if field.lower_open else "greater than or equal to"
    assert message.startswith(f"--set: {shown_key(field)}: Input should be {relation} "), message
    assert "\n" not in message and "(and" not in message  # one line, one problem


@pytest.mark.parametrize("field", UPPER, ids=lambda f: f.key)
def test_above_the_upper_bound_is_refused(field):
    message = refusal([override(field, above(field))])
    relation = "less than" if field.upper_open else "less than or equal to"
    assert message.startswith(f"--set: {shown_key(field)}: Input should be {relation} "), message
    assert "\n" not in message and "(and" not in message


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
def test_non_finite_numbers_are_refused(value):
    for field in FLOATS:
        message = refusal([override(field, value)])
        assert message.startswith(f"--set: {shown_key(field)}: "), message
        assert "finite number" in message, message


@pytest.mark.parametrize(
    ("data", "overrides", "expected"),
    [
        ({"population": {"residents": -1}}, [], "scenario: population.residents: Input should "
         "be greater than or equal to 0"),
        ({"days": 0, "population": {"residents": -1}}, [], "scenario: days: Input should be "
         "greater than or equal to 1 (and 1 more problem)"),
        ({"days": 0, "warmup_days": -1, "population": {"residents": -1}}, [],
         "scenario: days: Input should be greater than or equal to 1 (and 2 more problems)"),
        ({"street": {"lanes": 2}}, [], "scenario: street.lanes: unknown key"),
        ({}, ["issues.types.graffiti.harm_yuan=1"], "--set: issues.types: unknown issue type(s) "
         "['graffiti']; expected one of ['environment', 'safety_hazard', 'damaged_facility', "
         "'vulnerable_resident', 'food_safety', 'opinion']"),
        ({"staff": {"workday_start_hour": 18, "workday_end_hour": 9}}, [],
         "scenario: staff: workday_end_hour must be after workday_start_hour"),
    ],
)  # fmt: skip
def test_the_one_line_message(data, overrides, expected):
    with pytest.raises(ConfigError) as caught:
        build_config(data, overrides)
    assert str(caught.value) == expected


def test_the_one_line_message_of_a_missing_key_and_its_location():
    # a scenario is merged over the defaults, so only a block validated alone misses a key
    with pytest.raises(ValidationError) as caught:
        IssueTypeConfig.model_validate({"harm_yuan": 0})
    assert format_validation_error("x.yaml", caught.value) == (
        "x.yaml: arrivals_per_day: required key missing (and 10 more problems)"
    )
    assert error_location(()) == "(top level)"
    assert error_location(("arms", 0, "overrides")) == "arms[0].overrides"


# --------------------------------------------------------------------------- the commands


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "small.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    return path


def out_of_bounds() -> list[tuple[NumberField, float]]:
    cases = [(f, below(f)) for f in LOWER] + [(f, above(f)) for f in UPPER]
    return cases + [(f, math.nan) for f in FIELDS if f.kind is float and f.lower is None]


def test_every_refusal_through_validate_and_run_exits_2(scenario, capsys, monkeypatch):
    import model.sim.model

    def never(*args, **kwargs):
        raise AssertionError("a run started with a value out of bounds")

    monkeypatch.setattr(model.sim.model, "run_model", never)
    for field, value in out_of_bounds():
        for command in ("validate", "run"):
            code = main([command, str(scenario), "--set", override(field, value)])
            captured = capsys.readouterr()
            assert code == 2, (command, field.key, captured.err)
            assert captured.out == ""
            lines = captured.err.strip().splitlines()
            assert len(lines) == 1, (command, field.key, captured.err)
            assert lines[0].startswith(f"error: --set: {shown_key(field)}: "), lines[0]


SECTION_SAMPLE = [
    ("days", "below"),
    ("street.communities_x", "above"),
    ("population.residents", "below"),
    ("workers.rider.online_hours_mean", "above"),
    ("residents.outdoor_end_hour", "above"),
    ("staff.workdays_per_week", "below"),
    ("issues.types.vulnerable_resident.visibility.courier", "above"),
    ("channels.mini_program.routing_accuracy", "below"),
    ("service.departments.civil_affairs.crews", "below"),
    ("behaviour.turnover_insured_factor", "above"),
    ("policies.stations.count", "below"),
]


@pytest.mark.parametrize(("key", "side"), SECTION_SAMPLE)
def test_validate_refuses_one_field_per_section_as_a_command(scenario, key, side):
    field = BY_KEY[key]
    value = below(field) if side == "below" else above(field)
    done = subprocess.run(
        [BIN / "streetwise", "validate", scenario, "--set", override(field, value)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"error: --set: {key}: ")


def test_run_refuses_before_running_as_a_command(scenario, tmp_path):
    key = "issues.types.environment.arrivals_per_day"
    field = BY_KEY[key]
    out = tmp_path / "never"
    done = subprocess.run(
        [BIN / "streetwise", "run", scenario, "--set", override(field, below(field)),
         "--out", out],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: --set: {key}: ")
    assert not out.exists()


# --------------------------------------------------------------------------- at the bound

TINY = {
    "warmup_days": 0,
    "population": {
        "residents": 60,
        "workers": {"rider": 8, "courier": 4, "driver": 4},
        "staff_per_community": 2,
    },
    "street": {"cells_x": 12, "cells_y": 12, "communities_x": 2, "communities_y": 2},
    "policies": {
        "posts": {"enabled": True},
        "points": {"enabled": True},
        "honours": {"enabled": True},
        "insurance": {"enabled": True},
        "waiver": {"enabled": True},
        "one_stop": {"enabled": True},
        "mini_program": {"enabled": True},
        "stations": {"upgraded": True, "count": 3},
        "deliberation": {"enabled": True, "activities_per_month": 1.0},
    },
}
"""A tiny street with every lever on, so that every number is used in a one-day run."""

PARTNERS = {
    # bounds that another field's rule constrains: the partner is moved along
    ("street.communities_x", 20.0): ["street.cells_x=20"],
    ("street.communities_y", 20.0): ["street.cells_y=20"],
    ("staff.workday_start_hour", 23.0): ["staff.workday_end_hour=24"],
    ("staff.workday_end_hour", 1.0): ["staff.workday_start_hour=0"],
}

NOT_RUN = {"warmup_days", "days"}
"""Fields whose bound is a horizon (up to ten years): validated at the bound, not run there."""


def at_bounds() -> list[tuple[NumberField, float]]:
    cases = []
    for field in FIELDS:
        if field.lower is not None:
            step = 1 if field.kind is int else 1e-6
            cases.append((field, field.lower + step if field.lower_open else field.lower))
        if field.upper is not None:
            step = 1 if field.kind is int else 1e-6
            cases.append((field, field.upper - step if field.upper_open else field.upper))
    return cases


def test_each_bound_is_accepted_and_runs():
    failures = []
    for field, value in at_bounds():
        overrides = [override(field, value), *PARTNERS.get((field.key, value), [])]
        config = build_config(TINY, overrides)
        assert config_value(config, field.key.replace("[0]", "")) is not None
        if field.key in NOT_RUN:
            continue
        try:
            run_model(config, seed=3, days=1)
        except Exception as error:  # every failure is collected and named
            failures.append(f"{overrides}: {error.__class__.__name__}: {error}")
    assert not failures, "\n".join(failures)

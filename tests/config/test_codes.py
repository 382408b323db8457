"""The named codes: defined once, names derived, order fixed (stored results depend on it)."""

from __future__ import annotations

import re
from enum import IntEnum

import pytest

from model.config import codes
from model.config.codes import (
    ACCESS,
    CHANNELS,
    DEPARTMENTS,
    ISSUE_TYPES,
    OBSERVERS,
    ROLES,
    STATUS_NAMES,
    WORKER_KINDS,
    Channel,
    Department,
    IssueStatus,
    IssueType,
    Observer,
    Role,
    WorkerKind,
)
from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig


def test_the_orders_are_the_stored_ones() -> None:
    assert WORKER_KINDS == ("rider", "courier", "driver")
    assert OBSERVERS == ("rider", "courier", "driver", "resident", "staff")
    assert ISSUE_TYPES == (
        "environment",
        "safety_hazard",
        "damaged_facility",
        "vulnerable_resident",
        "food_safety",
        "opinion",
    )
    assert CHANNELS == ("hotline", "mini_program", "station", "in_person", "staff_patrol")
    assert DEPARTMENTS == (
        "sanitation",
        "city_management",
        "housing",
        "civil_affairs",
        "market_regulation",
        "community",
    )
    assert ROLES == ("none", "informant", "safety_patrol", "publicist")
    assert ACCESS == ("none", "registered", "all")


@pytest.mark.parametrize(
    ("enum", "names"),
    [
        (WorkerKind, WORKER_KINDS),
        (Observer, OBSERVERS),
        (IssueType, ISSUE_TYPES),
        (Channel, CHANNELS),
        (Department, DEPARTMENTS),
        (Role, ROLES),
        (IssueStatus, STATUS_NAMES),
    ],
)
def test_names_are_derived_from_the_codes_which_are_positions(enum, names) -> None:
    assert names == codes.names(enum)
    assert [member.value for member in enum] == list(range(len(enum)))
    assert all(names[member] == member.name.lower() for member in enum)


def test_a_worker_observer_code_is_its_kind() -> None:
    for kind in WorkerKind:
        assert Observer[kind.name] == kind
    assert all(o >= len(WorkerKind) for o in (Observer.RESIDENT, Observer.STAFF))


def test_every_category_is_defined_once() -> None:
    """No module but codes.py defines a name tuple or an integer code of its own."""
    tuples = ("WORKER_KINDS", "OBSERVERS", "ISSUE_TYPES", "CHANNELS", "DEPARTMENTS", "ROLES")
    defines = re.compile(rf"^(?:{'|'.join(tuples)})\b[^=]*=|^class \w+\((?:Int)?Enum\)", re.M)
    offenders = [
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "model").rglob("*.py")
        if path.name != "codes.py" and defines.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    enums = [v for v in vars(codes).values() if isinstance(v, type) and issubclass(v, IntEnum)]
    assert {e.__module__ for e in enums if e is not IntEnum} == {"model.config.codes"}


def test_the_schema_uses_the_codes_names() -> None:
    config = ScenarioConfig()
    assert tuple(config.issues.types) == ISSUE_TYPES
    assert tuple(config.service.departments) == DEPARTMENTS
    assert set(config.issues.types["opinion"].visibility) == set(OBSERVERS)
    assert set(config.policies.points.points_per_report) == set(ISSUE_TYPES)

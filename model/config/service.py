"""Schema of the service chain after intake: verification, departments, feedback."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from model.config.codes import DEPARTMENTS
from model.config.section import Section, known_keys


class DepartmentConfig(Section):
    """A department as a service stage: crews, service times, quality."""

    crews: int = Field(ge=1, description="tickets it can work on at once (concurrency)")
    service_median_hours: float = Field(gt=0, description="median hours to handle one ticket")
    service_sigma: float = Field(gt=0, description="log-sd of the lognormal service time")
    resolution_probability: float = Field(
        ge=0, le=1, description="chance a correctly routed ticket is actually fixed"
    )


def _departments() -> dict[str, DepartmentConfig]:
    return {
        "sanitation": DepartmentConfig(
            crews=20, service_median_hours=24, service_sigma=0.8, resolution_probability=0.85
        ),
        "city_management": DepartmentConfig(
            crews=20, service_median_hours=48, service_sigma=0.8, resolution_probability=0.75
        ),
        "housing": DepartmentConfig(
            crews=30, service_median_hours=72, service_sigma=0.8, resolution_probability=0.65
        ),
        "civil_affairs": DepartmentConfig(
            crews=8, service_median_hours=24, service_sigma=0.8, resolution_probability=0.85
        ),
        "market_regulation": DepartmentConfig(
            crews=10, service_median_hours=48, service_sigma=0.8, resolution_probability=0.7
        ),
        "community": DepartmentConfig(
            crews=40, service_median_hours=72, service_sigma=0.8, resolution_probability=0.6
        ),
    }


class ServiceConfig(Section):
    """The service chain after intake: verification and departments."""

    verification_minutes: float = Field(
        30.0, ge=0, description="staff minutes for a site visit to verify a ticket"
    )
    duplicate_minutes: float = Field(5.0, ge=0, description="staff minutes to merge a duplicate")
    departments: dict[str, DepartmentConfig] = Field(default_factory=_departments)
    feedback_delay_hours: float = Field(
        4.0, ge=0, description="hours from resolution to the reporter being told"
    )
    satisfied_if_resolved: float = Field(
        0.9, ge=0, le=1, description="chance a reporter told of a fix is satisfied"
    )
    satisfied_if_unresolved: float = Field(
        0.35, ge=0, le=1, description="chance a reporter told of no fix is satisfied"
    )
    reopen_share_of_dissatisfied: float = Field(
        1.0,
        ge=0,
        le=1,
        description="share of reporters who are called back about a ticket closed unfixed, "
        "and are not satisfied, who reject the closure: the ticket goes back to the "
        "department once (source: Beijing 12345, a ticket rated unsatisfied is reopened)",
    )
    satisfied_if_fixed_untold: float = Field(
        0.6,
        ge=0,
        le=1,
        description="chance a reporter who was not told but saw the fix is satisfied "
        "(assumption, plausible 0.4-0.8: the fix without an answer)",
    )
    satisfied_if_unfixed_untold: float = Field(
        0.15,
        ge=0,
        le=1,
        description="chance a reporter who was not told and saw no fix, or heard nothing, is "
        "satisfied (assumption, plausible 0.05-0.3)",
    )
    satisfaction_halving_hours: float = Field(
        720.0,
        gt=0,
        description="hours from report to outcome that halve a reporter's chance of being "
        "satisfied (assumption, plausible 240-2160: a month's wait halves it)",
    )
    response_limit_hours: float = Field(
        24.0,
        gt=0,
        description="hours within which a person must take up a ticket for it to count as "
        "responded to (the contact limit 12345 centres set for ordinary appeals; assumption "
        "for this street)",
    )
    staff_yuan_per_hour: float = Field(
        40.0,
        ge=0,
        description="cost of one staff hour on tickets, yuan (assumption: a community worker's "
        "pay with overheads, about 7,000 yuan a month over 174 hours; plausible 25-60)",
    )
    department_yuan_per_ticket: float = Field(
        200.0,
        ge=0,
        description="department cost of handling one ticket (one service attempt), yuan "
        "(assumption: a crew visit of 2-4 hours with transport; plausible 50-500)",
    )

    @field_validator("departments", mode="before")
    @classmethod
    def _department_names(cls, value: Any) -> Any:
        return known_keys(value, DEPARTMENTS, "department(s)")

    @model_validator(mode="after")
    def _all_departments(self) -> ServiceConfig:
        unknown = set(self.departments) - set(DEPARTMENTS)
        if unknown:
            raise ValueError(f"unknown department(s): {sorted(unknown)}")
        defaults = _departments()
        for name in DEPARTMENTS:
            self.departments.setdefault(name, defaults[name])
        return self

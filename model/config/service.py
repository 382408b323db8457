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

"""Schema of the issue types (治理问题): arrival, place, visibility, escalation, handling."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from model.config.codes import DEPARTMENTS, ISSUE_TYPES, OBSERVERS
from model.config.section import Section, known_keys


class IssueTypeConfig(Section):
    """One issue type (治理问题): arrival, where it occurs, who can see it, how it escalates."""

    arrivals_per_day: float = Field(ge=0, description="expected new issues per day in the street")
    location: Literal["residential", "merchant", "road", "elderly_home", "any"] = Field(
        description="where issues of this type appear"
    )
    indoor_share: float = Field(ge=0, le=1, description="share inside buildings")
    visibility: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        description="chance one pass by an observer notices it, per observer class (a "
        "worker hears an opinion at the door: for opinions, the chance per delivery to the "
        "household)"
    )
    severity_mean: float = Field(ge=0, le=1, description="mean severity, share of maximum")
    escalation_per_1000h: float = Field(
        ge=0, description="base escalation hazard, per 1000 hours open (assumption)"
    )
    escalation_age_scale_h: float = Field(
        gt=0, description="hours over which the hazard doubles with age (assumption)"
    )
    harm_yuan: float = Field(ge=0, description="harm cost of an incident, yuan (assumption)")
    lapse_per_1000h: float = Field(
        ge=0, description="hazard of going away unreported (routine cleaning), per 1000 h"
    )
    department: str = Field(description="department that handles it (one of DEPARTMENTS)")
    verification_share: float = Field(
        ge=0, le=1, description="share of tickets that need a site visit before dispatch"
    )
    false_report_share: float = Field(
        ge=0, le=1, description="false or low-value reports per genuine report (assumption)"
    )

    @model_validator(mode="after")
    def _known_names(self) -> IssueTypeConfig:
        unknown = set(self.visibility) - set(OBSERVERS)
        if unknown:
            raise ValueError(f"unknown observer(s) in visibility: {sorted(unknown)}")
        if self.department not in DEPARTMENTS:
            raise ValueError(f"department must be one of {list(DEPARTMENTS)}")
        return self


def _vis(**kw: float) -> dict[str, float]:
    return {o: kw.get(o, 0.0) for o in OBSERVERS}


def _default_issue_types() -> dict[str, IssueTypeConfig]:
    return {
        "environment": IssueTypeConfig(
            arrivals_per_day=9.0,
            location="any",
            indoor_share=0.1,
            visibility=_vis(rider=0.004, courier=0.006, driver=0.002, resident=0.02, staff=0.1),
            severity_mean=0.2,
            escalation_per_1000h=0.0,
            escalation_age_scale_h=240,
            harm_yuan=0.0,
            lapse_per_1000h=6.0,
            department="sanitation",
            verification_share=0.2,
            false_report_share=0.05,
        ),
        "safety_hazard": IssueTypeConfig(
            arrivals_per_day=4.0,
            location="residential",
            indoor_share=0.7,
            visibility=_vis(rider=0.003, courier=0.005, driver=0.001, resident=0.01, staff=0.08),
            severity_mean=0.6,
            escalation_per_1000h=0.1,
            escalation_age_scale_h=336,
            harm_yuan=30000.0,
            lapse_per_1000h=0.5,
            department="city_management",
            verification_share=0.8,
            false_report_share=0.1,
        ),
        "damaged_facility": IssueTypeConfig(
            arrivals_per_day=4.0,
            location="road",
            indoor_share=0.2,
            visibility=_vis(rider=0.004, courier=0.004, driver=0.003, resident=0.015, staff=0.08),
            severity_mean=0.4,
            escalation_per_1000h=0.05,
            escalation_age_scale_h=504,
            harm_yuan=5000.0,
            lapse_per_1000h=0.3,
            department="housing",
            verification_share=0.6,
            false_report_share=0.08,
        ),
        "vulnerable_resident": IssueTypeConfig(
            arrivals_per_day=1.0,
            location="elderly_home",
            indoor_share=1.0,
            visibility=_vis(rider=0.01, courier=0.02, resident=0.003, staff=0.06),
            severity_mean=0.8,
            escalation_per_1000h=0.3,
            escalation_age_scale_h=120,
            harm_yuan=50000.0,
            lapse_per_1000h=1.0,
            department="civil_affairs",
            verification_share=0.5,
            false_report_share=0.05,
        ),
        "food_safety": IssueTypeConfig(
            arrivals_per_day=1.5,
            location="merchant",
            indoor_share=0.8,
            visibility=_vis(rider=0.01, courier=0.001, driver=0.0, resident=0.002, staff=0.04),
            severity_mean=0.5,
            escalation_per_1000h=0.05,
            escalation_age_scale_h=504,
            harm_yuan=10000.0,
            lapse_per_1000h=0.5,
            department="market_regulation",
            verification_share=0.9,
            false_report_share=0.15,
        ),
        "opinion": IssueTypeConfig(
            arrivals_per_day=5.0,
            location="residential",
            indoor_share=1.0,
            visibility=_vis(rider=0.002, courier=0.006, driver=0.002, resident=0.004, staff=0.02),
            severity_mean=0.2,
            escalation_per_1000h=0.0,
            escalation_age_scale_h=720,
            harm_yuan=0.0,
            lapse_per_1000h=1.4,
            department="community",
            verification_share=0.0,
            false_report_share=0.1,
        ),
    }


class IssuesConfig(Section):
    """All issue types, keyed by the names in ISSUE_TYPES."""

    types: dict[str, IssueTypeConfig] = Field(default_factory=_default_issue_types)
    arrival_hour_profile: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.3] * 6 + [1.0] * 3 + [1.5] * 9 + [1.2] * 3 + [0.6] * 3,
        description="relative arrival intensity by hour of day (24 values, assumption)",
    )

    @field_validator("types", mode="before")
    @classmethod
    def _type_names(cls, value: Any) -> Any:
        return known_keys(value, ISSUE_TYPES, "issue type(s)")

    @model_validator(mode="after")
    def _all_types(self) -> IssuesConfig:
        unknown = set(self.types) - set(ISSUE_TYPES)
        if unknown:
            raise ValueError(f"unknown issue type(s): {sorted(unknown)}")
        missing = [t for t in ISSUE_TYPES if t not in self.types]
        if missing:
            defaults = _default_issue_types()
            for name in missing:
                self.types[name] = defaults[name]
        if len(self.arrival_hour_profile) != 24:
            raise ValueError("arrival_hour_profile needs 24 non-negative values")
        return self

"""Scenario configuration: the pydantic schema, YAML loading and ``--set`` overrides.

Every number the model uses lives here, with its unit in the field description and its
source: a key of ``calibration/targets.yaml`` (``source: workers.registered_share``) or the
word "assumption". Defaults describe the status quo, so an empty scenario file *is* the
baseline. Unknown keys are errors (``extra="forbid"``), so a typo never silently falls back
to a default.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

WORKER_KINDS: tuple[str, ...] = ("rider", "courier", "driver")
"""Worker kinds, in the order used by every per-kind array."""

OBSERVERS: tuple[str, ...] = ("rider", "courier", "driver", "resident", "staff")
"""Observer classes that can detect an issue, in array order."""

ISSUE_TYPES: tuple[str, ...] = (
    "environment",
    "safety_hazard",
    "damaged_facility",
    "vulnerable_resident",
    "food_safety",
    "opinion",
)
"""Issue types of the design brief, in array order."""

CHANNELS: tuple[str, ...] = ("hotline", "mini_program", "station", "in_person", "staff_patrol")
"""Report channels, in array order. ``staff_patrol`` is the staff's own ticket."""

DEPARTMENTS: tuple[str, ...] = (
    "sanitation",
    "city_management",
    "housing",
    "civil_affairs",
    "market_regulation",
    "community",
)
"""Departments (service stages) issues are dispatched to, in array order."""


class ConfigError(Exception):
    """A scenario could not be read or validated; the message is one line for the user."""


def _known_keys(value: Any, allowed: tuple[str, ...], what: str) -> Any:
    """Reject unknown keys of a name-keyed mapping before its entries are validated."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {what} {unknown}; expected one of {list(allowed)}")
    return value


class Section(BaseModel):
    """Base of every configuration block: unknown keys are errors, values are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


# --------------------------------------------------------------------------- space


class StreetConfig(Section):
    """The street (街道): a grid of square cells split into communities and grids."""

    cells_x: int = Field(60, ge=4, le=400, description="grid width in cells")
    cells_y: int = Field(60, ge=4, le=400, description="grid height in cells")
    cell_size_m: float = Field(50.0, gt=0, description="cell side in metres (assumption)")
    communities_x: int = Field(3, ge=1, le=20, description="communities (社区) across")
    communities_y: int = Field(3, ge=1, le=20, description="communities (社区) down")
    grids_per_community_side: int = Field(
        2, ge=1, le=10, description="grids (网格) per community side; 2 -> 4 grids each"
    )
    road_spacing_cells: int = Field(
        4, ge=2, le=50, description="a road every N cells (200 m blocks; assumption)"
    )
    merchant_cell_share: float = Field(
        0.12, ge=0, le=1, description="share of road cells with merchants (assumption)"
    )
    commercial_centres: int = Field(
        3, ge=1, le=50, description="number of commercial hot spots (assumption)"
    )

    @model_validator(mode="after")
    def _communities_fit(self) -> StreetConfig:
        if self.cells_x < self.communities_x or self.cells_y < self.communities_y:
            raise ValueError("the street has fewer cells than communities")
        return self


# --------------------------------------------------------------------------- population


class WorkerCounts(Section):
    """Workers present in the street at any time (slots refilled after turnover)."""

    rider: int = Field(550, ge=0, description="food-delivery riders (外卖骑手)")
    courier: int = Field(250, ge=0, description="parcel couriers (快递员)")
    driver: int = Field(250, ge=0, description="ride-hailing drivers (网约车司机)")


class PopulationConfig(Section):
    """How many agents of each kind the street holds."""

    workers: WorkerCounts = WorkerCounts()
    residents: int = Field(5000, ge=0, description="resident agents (households)")
    elderly_alone_share: float = Field(
        0.08, ge=0, le=1, description="share of resident agents that are elderly living alone"
    )
    staff_per_community: int = Field(
        6, ge=0, description="community staff incl. grid members per community (assumption)"
    )


class KindProfile(Section):
    """Route pattern and work rhythm of one worker kind."""

    shift_start_hours: list[int] = Field(
        description="possible shift start hours (0-23), drawn uniformly per working day"
    )
    online_hours_mean: float = Field(
        gt=0, le=20, description="hours online per working day (source: daily_online_hours_rider)"
    )
    online_hours_sd: float = Field(ge=0, description="sd of online hours between days, hours")
    workdays_per_week: float = Field(gt=0, le=7, description="days worked per week")
    speed_kmh: float = Field(gt=0, description="mean travel speed while online, km/h")
    orders_per_hour: float = Field(ge=0, description="orders or trips per online hour")
    zone_radius_communities: int = Field(
        ge=0, le=20, description="route zone: communities around the base community (0 = own)"
    )
    building_access: float = Field(
        ge=0, le=1, description="share of passes that reach inside buildings (indoor issues)"
    )
    roads_only: bool = Field(description="passes only on road cells")
    monthly_turnover: float = Field(
        ge=0, le=1, description="share leaving per month (source: monthly_turnover_crowdsourced)"
    )
    time_pressure: float = Field(
        ge=0, description="yuan-equivalent loss per minute away from delivering (assumption)"
    )

    @model_validator(mode="after")
    def _hours_valid(self) -> KindProfile:
        if not self.shift_start_hours or any(not 0 <= h <= 23 for h in self.shift_start_hours):
            raise ValueError("shift_start_hours must be a non-empty list of hours 0-23")
        return self


def _rider() -> KindProfile:
    return KindProfile(
        shift_start_hours=[9, 10, 10, 11, 16],
        online_hours_mean=7.8,
        online_hours_sd=1.5,
        workdays_per_week=6.0,
        speed_kmh=7.7,
        orders_per_hour=3.2,
        zone_radius_communities=1,
        building_access=0.5,
        roads_only=False,
        monthly_turnover=0.20,
        time_pressure=1.0,
    )


def _courier() -> KindProfile:
    return KindProfile(
        shift_start_hours=[8, 8, 9],
        online_hours_mean=9.0,
        online_hours_sd=1.0,
        workdays_per_week=6.0,
        speed_kmh=4.0,
        orders_per_hour=12.0,
        zone_radius_communities=0,
        building_access=0.9,
        roads_only=False,
        monthly_turnover=0.08,
        time_pressure=0.6,
    )


def _driver() -> KindProfile:
    return KindProfile(
        shift_start_hours=[6, 7, 8, 12, 17, 19],
        online_hours_mean=8.5,
        online_hours_sd=2.0,
        workdays_per_week=5.5,
        speed_kmh=20.0,
        orders_per_hour=1.5,
        zone_radius_communities=20,
        building_access=0.0,
        roads_only=True,
        monthly_turnover=0.06,
        time_pressure=0.8,
    )


class WorkersConfig(Section):
    """Worker traits: kinds, motivation, belonging, trust, registration, insurance."""

    rider: KindProfile = Field(default_factory=_rider)
    courier: KindProfile = Field(default_factory=_courier)
    driver: KindProfile = Field(default_factory=_driver)
    motivation_mean: float = Field(
        0.3, ge=0, le=1, description="mean intrinsic civic motivation, share (assumption)"
    )
    motivation_sd: float = Field(0.15, ge=0, le=1, description="sd of motivation (assumption)")
    belonging_initial: float = Field(
        0.3, ge=0, le=1, description="mean initial belonging (归属感), share (assumption)"
    )
    trust_initial: float = Field(
        0.35, ge=0, le=1, description="initial trust that a report gets fixed (assumption)"
    )
    registered_initial: float = Field(
        0.032, ge=0, le=1, description="share registered at the start (source: registered_share)"
    )
    registered_at_entry: float = Field(
        0.01, ge=0, le=1, description="share registered (报到) on arrival (assumption)"
    )
    registration_daily_hazard: float = Field(
        8.54965e-05,
        ge=0,
        le=1,
        description="daily chance an unregistered worker registers (source: calibration fit to "
        "registered_share)",
    )
    insured_share: float = Field(
        0.751,
        ge=0,
        le=1,
        description="share with some social insurance (source: no_insurance_share = 0.249)",
    )
    own_problem_monthly: float = Field(
        0.15, ge=0, le=1, description="monthly chance of a personal problem (arrears, schooling)"
    )
    own_problem_solved_without_platform: float = Field(
        0.3, ge=0, le=1, description="chance such a problem is solved without one-stop service"
    )


class ResidentsConfig(Section):
    """Residents (居民): where they look, how readily they report."""

    watch_radius_cells: int = Field(
        2,
        ge=0,
        le=20,
        description="cells around home a resident sees (~100 m; source: "
        "resident_report_within_2_blocks)",
    )
    passes_per_hour: float = Field(
        0.05, ge=0, description="looks at each nearby cell per outdoor hour (assumption)"
    )
    outdoor_start_hour: int = Field(7, ge=0, le=23, description="residents go out from, hour")
    outdoor_end_hour: int = Field(22, ge=1, le=24, description="residents are in after, hour")
    night_activity: float = Field(
        0.1, ge=0, le=1, description="outdoor activity outside those hours vs daytime"
    )
    elderly_activity: float = Field(
        0.3, ge=0, le=1, description="outdoor activity of elderly living alone vs others"
    )
    propensity_mean: float = Field(
        0.2, ge=0, le=1, description="mean reporting propensity near home, share (assumption)"
    )
    propensity_concentration: float = Field(
        2.78964,
        gt=0,
        description="Beta concentration (a + b) of propensity; low = a few keen reporters "
        "(source: calibration fit to one_time_reporter_share)",
    )
    trust_initial: float = Field(0.35, ge=0, le=1, description="initial trust in governance")
    trust_in_workers_initial: float = Field(
        0.4, ge=0, le=1, description="initial trust in gig workers, share (assumption)"
    )
    time_value_yuan_per_minute: float = Field(
        0.3, ge=0, description="what a minute spent reporting costs a resident, yuan"
    )
    mini_program_adoption: float = Field(
        0.3, ge=0, le=1, description="share of residents who would use a mini-program"
    )


class StaffConfig(Section):
    """Community staff and grid members (网格员)."""

    workday_start_hour: int = Field(9, ge=0, le=23, description="office opens, hour of day")
    workday_end_hour: int = Field(18, ge=1, le=24, description="office closes, hour of day")
    workdays_per_week: int = Field(5, ge=1, le=7, description="office days per week")
    triage_share: float = Field(
        0.25, ge=0, le=1, description="share of staff hours spent on tickets (assumption)"
    )
    patrol_share: float = Field(
        0.15, ge=0, le=1, description="share of staff hours on foot patrol (assumption)"
    )
    patrol_cells_per_hour: float = Field(
        100.0, ge=0, description="cells a patrolling staff member passes per hour"
    )

    @model_validator(mode="after")
    def _day_order(self) -> StaffConfig:
        if self.workday_end_hour <= self.workday_start_hour:
            raise ValueError("workday_end_hour must be after workday_start_hour")
        return self


# --------------------------------------------------------------------------- issues


class IssueTypeConfig(Section):
    """One issue type (治理问题): arrival, where it occurs, who can see it, how it escalates."""

    arrivals_per_day: float = Field(ge=0, description="expected new issues per day in the street")
    location: Literal["residential", "merchant", "road", "elderly_home", "any"] = Field(
        description="where issues of this type appear"
    )
    indoor_share: float = Field(ge=0, le=1, description="share inside buildings")
    visibility: dict[str, float] = Field(
        description="chance one pass by an observer notices it, per observer class"
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
        for observer, value in self.visibility.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"visibility.{observer} must be within [0, 1]")
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
    arrival_hour_profile: list[float] = Field(
        default_factory=lambda: [0.3] * 6 + [1.0] * 3 + [1.5] * 9 + [1.2] * 3 + [0.6] * 3,
        description="relative arrival intensity by hour of day (24 values, assumption)",
    )

    @field_validator("types", mode="before")
    @classmethod
    def _type_names(cls, value: Any) -> Any:
        return _known_keys(value, ISSUE_TYPES, "issue type(s)")

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
        if len(self.arrival_hour_profile) != 24 or min(self.arrival_hour_profile) < 0:
            raise ValueError("arrival_hour_profile needs 24 non-negative values")
        return self


# --------------------------------------------------------------------------- channels


class ChannelConfig(Section):
    """One report channel: who may use it, what it costs the reporter, how it is handled."""

    enabled: bool = Field(
        True,
        description="master switch; the mini-program also needs its policy, the station "
        "desk upgraded stations",
    )
    open_to_workers: Literal["none", "registered", "all"] = Field(
        "all", description="which workers may use it"
    )
    open_to_residents: bool = Field(True, description="residents may use it")
    report_minutes: float = Field(ge=0, description="reporter's time to file, minutes")
    intake_delay_hours: float = Field(
        ge=0, description="median hours until the ticket reaches community staff"
    )
    auto_acknowledge: bool = Field(
        False, description="acknowledged on arrival (routing automation)"
    )
    triage_minutes: float = Field(ge=0, description="staff minutes to triage one ticket")
    routing_accuracy: float = Field(
        ge=0, le=1, description="chance the ticket reaches the right department first time"
    )
    feedback_probability: float = Field(
        ge=0, le=1, description="chance the reporter is told the outcome"
    )


def _hotline() -> ChannelConfig:
    return ChannelConfig(
        report_minutes=8.0,
        intake_delay_hours=6.0,
        triage_minutes=20.0,
        routing_accuracy=0.7,
        feedback_probability=0.6,
    )


def _mini_program() -> ChannelConfig:
    return ChannelConfig(
        report_minutes=3.0,
        intake_delay_hours=0.1,
        auto_acknowledge=True,
        triage_minutes=8.0,
        routing_accuracy=0.92,
        feedback_probability=0.95,
    )


def _station() -> ChannelConfig:
    return ChannelConfig(
        open_to_residents=False,
        report_minutes=5.0,
        intake_delay_hours=12.0,
        triage_minutes=15.0,
        routing_accuracy=0.75,
        feedback_probability=0.5,
    )


def _in_person() -> ChannelConfig:
    return ChannelConfig(
        open_to_workers="none",
        report_minutes=10.0,
        intake_delay_hours=0.0,
        auto_acknowledge=True,
        triage_minutes=10.0,
        routing_accuracy=0.8,
        feedback_probability=0.7,
    )


class ChannelsConfig(Section):
    """Report channels: 12345 hotline, mini-program (建言小程序), station, in person."""

    hotline: ChannelConfig = Field(default_factory=_hotline)
    mini_program: ChannelConfig = Field(default_factory=_mini_program)
    station: ChannelConfig = Field(default_factory=_station)
    in_person: ChannelConfig = Field(default_factory=_in_person)
    worker_mini_program_adoption: float = Field(
        0.6, ge=0, le=1, description="share of workers who install the mini-program when offered"
    )
    manual_intake_delay_hours: float = Field(
        8.0, ge=0, description="median intake hours of a mini-program without routing automation"
    )
    misroute_delay_hours: float = Field(
        48.0, ge=0, description="extra hours a misrouted ticket loses being bounced back"
    )
    misroute_drop_share: float = Field(
        0.35, ge=0, le=1, description="share of misrouted tickets closed without resolution"
    )
    outcome_seen_without_feedback: float = Field(
        0.25, ge=0, le=1, description="chance a reporter learns the outcome by passing by"
    )


# --------------------------------------------------------------------------- service


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
        return _known_keys(value, DEPARTMENTS, "department(s)")

    @model_validator(mode="after")
    def _all_departments(self) -> ServiceConfig:
        unknown = set(self.departments) - set(DEPARTMENTS)
        if unknown:
            raise ValueError(f"unknown department(s): {sorted(unknown)}")
        defaults = _departments()
        for name in DEPARTMENTS:
            self.departments.setdefault(name, defaults[name])
        return self


# --------------------------------------------------------------------------- behaviour


class BehaviourConfig(Section):
    """Coefficients of the report decision (logit) and learning rates.

    All are assumptions unless a source is named; the calibration fits the free ones.
    """

    worker_intercept: float = Field(
        -8.04298, description="logit intercept of a worker's report (source: calibration fit)"
    )
    resident_intercept: float = Field(
        -4.55779, description="logit intercept of a resident's report (source: calibration fit)"
    )
    motivation: float = Field(3.0, description="logit weight of intrinsic motivation (share)")
    resident_propensity: float = Field(
        5.0, description="logit weight of a resident's reporting propensity (share)"
    )
    belonging: float = Field(2.0, description="logit weight of belonging (share)")
    trust: float = Field(
        3.45888,
        description="logit weight of trust that reports get fixed, share (source: calibration fit)",
    )
    severity: float = Field(1.5, description="logit weight of issue severity (share)")
    registered: float = Field(0.8, description="logit shift when registered (报到)")
    role: float = Field(1.2, description="logit shift when holding a designated post")
    role_match: float = Field(0.6, description="extra shift when the post matches the issue")
    honours: float = Field(0.3, description="logit shift when honours are awarded (registered)")
    security: float = Field(0.3, description="logit shift when socially insured")
    reward_per_yuan: float = Field(0.03, description="logit weight per yuan of reward")
    cost_per_yuan: float = Field(0.12, description="logit weight per yuan of reporting cost")
    channel_choice_scale_yuan: float = Field(
        2.0, gt=0, description="logit scale of channel choice on cost, yuan"
    )
    trust_learning_rate: float = Field(
        0.3, ge=0, le=1, description="share of the gap closed by one outcome signal"
    )
    silence_signal: float = Field(
        0.1, ge=0, le=1, description="outcome value a reporter infers from silence"
    )
    belonging_adjust_per_day: float = Field(
        0.02, ge=0, le=1, description="daily share of the gap between belonging and target"
    )
    belonging_registered_gain: float = Field(
        0.05, ge=0, le=1, description="belonging target gain from being registered"
    )
    belonging_role_gain: float = Field(
        0.08, ge=0, le=1, description="belonging target gain from holding a post"
    )
    belonging_insured_gain: float = Field(
        0.08, ge=0, le=1, description="belonging target gain from social insurance"
    )
    belonging_sd: float = Field(
        0.1, ge=0, le=1, description="sd of individual baseline belonging between workers"
    )
    belonging_own_problem_bump: float = Field(
        0.06,
        ge=0,
        le=1,
        description="belonging gained when a worker's own problem is solved "
        "(half of it lost when not)",
    )
    belonging_success_bump: float = Field(
        0.03, ge=0, le=1, description="belonging gained when a report is fixed and fed back"
    )
    turnover_belonging_elasticity: float = Field(
        1.5, ge=0, description="log-hazard change of leaving per unit of belonging"
    )
    turnover_insured_factor: float = Field(
        0.85, ge=0, le=2, description="turnover hazard multiplier when insured"
    )
    resident_satisfaction_learning: float = Field(
        0.3, ge=0, le=1, description="share of gap closed by one experience of a resident"
    )


# --------------------------------------------------------------------------- policies


class PostsPolicy(Section):
    """Designated posts (社情民意信息员, 平安巡查守护员, 政策宣传流动员) with skill matching."""

    enabled: bool = False
    share_of_registered: float = Field(
        0.6, ge=0, le=1, description="share of registered workers given a post"
    )
    skill_matching: bool = Field(True, description="posts assigned to fit the worker's kind")
    publicist_registration_boost: float = Field(
        0.5, ge=0, description="relative rise of registration hazard from publicists"
    )
    training_yuan_per_post: float = Field(600.0, ge=0, description="one-off training, yuan")
    stipend_yuan_per_post_month: float = Field(
        100.0, ge=0, description="monthly stipend per post holder, yuan"
    )
    registration_drive_hazard: float = Field(
        0.001, ge=0, le=1, description="extra daily registration hazard from recruiting posts"
    )


class PointsPolicy(Section):
    """Points rewards (积分奖励) for verified reports."""

    enabled: bool = False
    points_per_report: dict[str, float] = Field(
        default_factory=lambda: {
            "environment": 20.0,
            "safety_hazard": 50.0,
            "damaged_facility": 30.0,
            "vulnerable_resident": 100.0,
            "food_safety": 50.0,
            "opinion": 10.0,
        },
        description="points per verified report, by issue type (source: points_schedule_examples"
        " wuhan: hazard 50, major security tip 100)",
    )
    yuan_per_point: float = Field(
        0.5, ge=0, description="cash value of a point, yuan (source: points_schedule_examples)"
    )
    annual_budget_yuan: float = Field(
        200000.0, ge=0, description="cap on points paid per year, yuan"
    )
    crowding_out: bool = Field(False, description="paying lowers intrinsic motivation")
    crowding_out_strength: float = Field(
        0.6, ge=0, le=1, description="share of intrinsic motivation lost once paid"
    )
    admin_yuan_per_year: float = Field(30000.0, ge=0, description="running the scheme, yuan")
    duplicates_paid: bool = Field(False, description="duplicate reports earn points too")
    false_report_multiplier: float = Field(
        1.5, ge=0, description="false reports rise by this factor when reports are paid"
    )

    @model_validator(mode="after")
    def _types(self) -> PointsPolicy:
        unknown = set(self.points_per_report) - set(ISSUE_TYPES)
        if unknown:
            raise ValueError(f"unknown issue type(s) in points_per_report: {sorted(unknown)}")
        for name, value in self.points_per_report.items():
            if value < 0:
                raise ValueError(f"points_per_report.{name} must be >= 0")
        return self


class HonoursPolicy(Section):
    """Monthly honours (荣誉表彰) and role-model publicity."""

    enabled: bool = False
    awards_per_month: int = Field(5, ge=0, description="workers honoured each month")
    belonging_bump: float = Field(0.15, ge=0, le=1, description="belonging gain of the honoured")
    publicity_spillover: float = Field(
        0.02, ge=0, le=1, description="belonging target gain of every registered worker"
    )
    yuan_per_month: float = Field(5000.0, ge=0, description="ceremony and publicity, yuan")


class InsurancePolicy(Section):
    """Social-insurance guarantee: coverage target and subsidy."""

    enabled: bool = False
    coverage_target: float = Field(0.95, ge=0, le=1, description="share insured under the policy")
    subsidy_yuan_per_worker_month: float = Field(
        80.0, ge=0, description="public subsidy per newly covered worker per month, yuan"
    )


class WaiverPolicy(Section):
    """Platform waives delivery-time penalties for verified reports (cf. Shenyang)."""

    enabled: bool = False
    cost_reduction: float = Field(
        0.8, ge=0, le=1, description="share of the time-pressure cost removed"
    )
    yuan_per_waived_report: float = Field(
        8.0, ge=0, description="penalty the platform forgoes per verified report, yuan"
    )


class OneStopPolicy(Section):
    """One-stop service platform for workers' own problems."""

    enabled: bool = False
    solve_probability: float = Field(
        0.75, ge=0, le=1, description="chance a worker's own problem is solved through it"
    )
    yuan_per_year: float = Field(250000.0, ge=0, description="street share of running it, yuan")


class MiniProgramPolicy(Section):
    """The report mini-program (建言小程序) with routing and feedback."""

    enabled: bool = False
    routing_automation: bool = Field(True, description="auto-routing and acknowledgement")
    feedback: bool = Field(True, description="reporters are told the outcome")
    reopen_unresolved: bool = Field(
        True, description="closed loop: with feedback, a ticket closed unfixed is sent back once"
    )
    promotion_adoption_gain: float = Field(
        0.0, ge=0, le=1, description="extra adoption from promotion, share"
    )
    yuan_per_year: float = Field(180000.0, ge=0, description="development and operation, yuan")


class StationsPolicy(Section):
    """Worker stations (暖蜂驿站 / party-mass service centres)."""

    count: int = Field(2, ge=0, le=200, description="stations in the street (status quo few)")
    upgraded: bool = Field(False, description="publicity, training, deliberation, report desk")
    visit_daily_probability: float = Field(
        0.25, ge=0, le=1, description="chance a worker with a station in reach visits per day"
    )
    belonging_per_visit: float = Field(
        0.004, ge=0, le=1, description="belonging gain per visit (basic station)"
    )
    upgraded_belonging_per_visit: float = Field(
        0.01, ge=0, le=1, description="belonging gain per visit (upgraded station)"
    )
    registration_per_visit: float = Field(
        0.003, ge=0, le=1, description="chance an upgraded-station visit leads to registration"
    )
    yuan_per_station_year: float = Field(60000.0, ge=0, description="running a basic station")
    upgrade_yuan_per_station_year: float = Field(
        60000.0, ge=0, description="extra yearly cost of an upgraded station, yuan"
    )


class DeliberationPolicy(Section):
    """Seats in residents' councils (居民议事会) and community activities."""

    enabled: bool = False
    seats_per_community: int = Field(3, ge=0, description="worker seats on each council")
    meetings_per_month: float = Field(1.0, ge=0, description="council meetings per month")
    belonging_bump: float = Field(0.05, ge=0, le=1, description="belonging gain per meeting")
    opinions_relayed_per_meeting: float = Field(
        2.0, ge=0, description="residents' opinions a seat holder relays per meeting"
    )
    yuan_per_meeting: float = Field(1500.0, ge=0, description="cost of one meeting, yuan")
    activities_per_month: float = Field(0.0, ge=0, description="community activities per month")
    activity_participation: float = Field(
        0.1, ge=0, le=1, description="share of a community's workers joining an activity"
    )
    activity_belonging_bump: float = Field(0.03, ge=0, le=1, description="gain per activity")
    resident_trust_gain: float = Field(
        0.02, ge=0, le=1, description="residents' trust-in-workers gain per activity"
    )
    yuan_per_activity: float = Field(2000.0, ge=0, description="cost of one activity, yuan")


class PoliciesConfig(Section):
    """Every lever of the article; everything off is the status quo."""

    posts: PostsPolicy = PostsPolicy()
    points: PointsPolicy = PointsPolicy()
    honours: HonoursPolicy = HonoursPolicy()
    insurance: InsurancePolicy = InsurancePolicy()
    waiver: WaiverPolicy = WaiverPolicy()
    one_stop: OneStopPolicy = OneStopPolicy()
    mini_program: MiniProgramPolicy = MiniProgramPolicy()
    stations: StationsPolicy = StationsPolicy()
    deliberation: DeliberationPolicy = DeliberationPolicy()


# --------------------------------------------------------------------------- scenario


class ScenarioConfig(Section):
    """A complete scenario: the street, its people, the service chain and the policy levers."""

    name: str = Field("baseline", min_length=1, description="scenario name")
    description: str = Field("", description="what the scenario represents")
    days: int = Field(365, ge=1, le=3650, description="default horizon, days")
    street: StreetConfig = StreetConfig()
    population: PopulationConfig = PopulationConfig()
    workers: WorkersConfig = WorkersConfig()
    residents: ResidentsConfig = ResidentsConfig()
    staff: StaffConfig = StaffConfig()
    issues: IssuesConfig = IssuesConfig()
    channels: ChannelsConfig = ChannelsConfig()
    service: ServiceConfig = ServiceConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    policies: PoliciesConfig = PoliciesConfig()

    def resolved(self) -> dict[str, Any]:
        """The fully resolved configuration as plain JSON-ready data."""
        return json.loads(self.model_dump_json())


# --------------------------------------------------------------------------- loading


def _format_error(source: str, error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{source}: {key}: {message}{suffix}"


def parse_value(text: str) -> Any:
    """Parse the value part of ``--set key=value`` as YAML (numbers, booleans, lists)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``dotted.key=value`` overrides to raw scenario data.

    Args:
        data: raw scenario mapping (as read from YAML); not modified.
        overrides: strings of the form ``a.b.c=value``; the value is parsed as YAML.

    Returns:
        A new mapping with the overrides applied.

    Raises:
        ConfigError: an override is not of the form ``key=value``.
    """
    result = copy.deepcopy(data)
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise ConfigError(f"--set {item!r}: expected dotted.key=value")
        set_dotted(result, key, parse_value(raw), where="--set")
    return result


def set_dotted(data: dict[str, Any], key: str, value: Any, where: str) -> None:
    """Set ``data[a][b][c] = value`` for ``key = "a.b.c"``, creating missing sections.

    Args:
        data: raw scenario mapping, changed in place.
        key: dotted key.
        value: the value to set.
        where: what to name in an error (``--set`` or the experiment file and arm).

    Raises:
        ConfigError: a part of the key names a value, not a section.
    """
    node = data
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            raise ConfigError(f"{where}: {key}: {'.'.join(parts[: i + 1])} is not a section")
        node = child
    node[parts[-1]] = value


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_over_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Scenario data deep-merged over the resolved status-quo defaults.

    A scenario may therefore set one field of an issue type, a department or a channel
    without restating the whole block. Lists are replaced, not merged. Unknown keys survive
    the merge and are rejected by validation.
    """
    return _deep_merge(ScenarioConfig().resolved(), data)


def build_config(
    data: dict[str, Any], overrides: list[str] | None = None, source: str = "scenario"
) -> ScenarioConfig:
    """Validate raw scenario data (plus overrides) into a ScenarioConfig.

    Raises:
        ConfigError: with one line naming the source, the key and the problem.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of keys to values")
    merged = merge_over_defaults(apply_overrides(data, list(overrides or [])))
    try:
        return ScenarioConfig.model_validate(merged)
    except ValidationError as error:
        origin = source
        if overrides:
            keys = {o.partition("=")[0].strip() for o in overrides}
            loc = ".".join(str(p) for p in error.errors()[0]["loc"])
            if any(loc == k or loc.startswith(k + ".") or k.startswith(loc + ".") for k in keys):
                origin = "--set"
        raise ConfigError(_format_error(origin, error)) from None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from a file.

    Raises:
        ConfigError: the file is missing, unreadable, not YAML or not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read file ({error.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of keys to values")
    return data


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> ScenarioConfig:
    """Load and validate a scenario file, applying ``--set`` overrides.

    Args:
        path: scenario YAML file.
        overrides: ``dotted.key=value`` strings applied after reading the file.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: one line naming the file (or ``--set``), the key and the problem.
    """
    return build_config(read_yaml(path), overrides, source=str(path))

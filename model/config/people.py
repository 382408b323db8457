"""Schema of the people: how many of each, worker kinds and traits, residents, staff."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from model.config.section import Section


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

    shift_start_hours: list[Annotated[int, Field(ge=0, le=23)]] = Field(
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
        if not self.shift_start_hours:
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
    off_shift_minute_value: float = Field(
        0.3,
        ge=0,
        description="what a minute spent reporting costs a worker off shift (at the end of "
        "his shift, at a council meeting), yuan per minute (assumption: as for residents)",
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
    building_access: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a resident's looks that fall inside buildings, where indoor "
        "problems are (assumption)",
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
        100.0,
        ge=0,
        description="cells a patrolling staff member passes per hour, on foot (assumption: "
        "with patrol_share, about two passes per cell per office day; plausible range in the "
        "mechanism table)",
    )
    patrol_building_access: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a patrol's passes that reach inside buildings (stairwells, "
        "corridors), where indoor problems are (assumption; the workers' building access by "
        "kind, at the door on every delivery, is their last-metre advantage)",
    )

    @model_validator(mode="after")
    def _day_order(self) -> StaffConfig:
        if self.workday_end_hour <= self.workday_start_hour:
            raise ValueError("workday_end_hour must be after workday_start_hour")
        return self

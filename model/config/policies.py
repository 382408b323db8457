"""Schema of the policy levers (the ``policies`` block); everything off is the status quo."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from model.config.codes import ISSUE_TYPES
from model.config.section import Section


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
    publicists_for_full_boost: float = Field(
        5.0,
        gt=0,
        description="publicists based in a community from which their registration boost is "
        "full (fewer give a proportional part), count (assumption)",
    )


class PointsPolicy(Section):
    """Points rewards (积分奖励) for verified reports."""

    enabled: bool = False
    points_per_report: dict[str, Annotated[float, Field(ge=0)]] = Field(
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
        0.3,
        ge=0,
        le=1,
        description="share of intrinsic motivation lost once paid (source: Gneezy & "
        "Rustichini 2000, Mellstrom & Johannesson 2008: a token payment lowered "
        "participation by about a quarter on average, 0-45 %)",
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
    enrolment_per_day: float = Field(
        0.2,
        ge=0,
        le=1,
        description="daily chance an uninsured worker enrols while coverage is far below the "
        "target (times the relative coverage gap; assumption)",
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
    promotion_adoption_gain: float = Field(
        0.0, ge=0, le=1, description="extra adoption from promotion, share"
    )
    yuan_per_year: float = Field(180000.0, ge=0, description="development and operation, yuan")


class StationsPolicy(Section):
    """Worker stations (暖蜂驿站 / party-mass service centres)."""

    count: int = Field(2, ge=0, le=200, description="stations in the street (status quo few)")
    upgraded: bool = Field(False, description="publicity, training, deliberation, report desk")
    visit_daily_probability: float = Field(
        0.5,
        ge=0,
        le=1,
        description="daily chance a working worker whose whole route lies within reach of a "
        "station stops there (fewer in reach, fewer visits; assumption)",
    )
    reach_minutes: float = Field(
        5.0,
        gt=0,
        description="detour a working worker makes to a station; a station is within reach "
        "of a cell at most this many minutes away at the kind's speed, minutes (assumption)",
    )
    capacity_visits_per_day: float = Field(
        60.0,
        gt=0,
        description="visits one station can host per day (seats, chargers, meals); beyond "
        "it workers who would stop find it full, count (assumption)",
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
        2.0,
        ge=0,
        description="residents' opinions a seat holder hears per meeting, each weighed by "
        "his own report decision",
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

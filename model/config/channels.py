"""Schema of the report channels: 12345 hotline, mini-program, station desk, in person."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from model.config.section import Section


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

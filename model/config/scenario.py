"""The whole scenario: the street, its people, issues, channels, service, behaviour, levers.

Every number the model uses lives in this schema, with its unit in the field description
and its source: a key of ``scenarios/calibration/targets.yaml``
(``source: workers.registered_share``) or the word "assumption". Defaults describe the status
quo, so an empty scenario file *is* the baseline. Unknown keys are errors
(``extra="forbid"``), so a typo never silently falls back to a default. The blocks are
defined by theme in the sibling modules.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from model.config.behaviour import BehaviourConfig
from model.config.channels import ChannelsConfig
from model.config.issue_types import IssuesConfig
from model.config.people import PopulationConfig, ResidentsConfig, StaffConfig, WorkersConfig
from model.config.policies import PoliciesConfig
from model.config.section import Section
from model.config.service import ServiceConfig
from model.config.street import StreetConfig


class ScenarioConfig(Section):
    """A complete scenario: the street, its people, the service chain and the policy levers."""

    name: str = Field("baseline", min_length=1, description="scenario name")
    description: str = Field("", description="what the scenario represents")
    days: int = Field(
        365,
        ge=1,
        le=3650,
        description="measured horizon after the warm-up (the run simulates warmup_days + days), "
        "days",
    )
    warmup_days: int = Field(
        60,
        ge=0,
        le=3650,
        description="warm-up simulated before the measurement window opens; every outcome "
        "covers the days after it (chosen from the measured convergence of open issues and "
        "reports, docs/ODD.md section 7.20), days",
    )
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

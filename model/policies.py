"""Policy levers: what each lever changes in the model, and what it costs in yuan.

The levers themselves are configuration (``policies`` block of a scenario). This module
turns them into the effective channel rules the report decision and the service chain use,
keeps the points budget, and books every yuan spent in a :class:`Ledger` by lever.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.config.codes import CHANNELS, ISSUE_TYPES
from model.config.scenario import ScenarioConfig

LEVERS: tuple[str, ...] = (
    "posts",
    "points",
    "honours",
    "insurance",
    "waiver",
    "one_stop",
    "mini_program",
    "stations",
    "deliberation",
)
"""Levers with a cost, in ledger order."""

ROLE_TARGETS: dict[int, tuple[str, ...]] = {
    1: ("opinion", "food_safety", "vulnerable_resident"),  # informant 社情民意信息员
    2: ("safety_hazard", "damaged_facility", "environment"),  # safety patrol 平安巡查守护员
    3: (),  # policy publicist 政策宣传流动员: recruits, does not target issues
}
"""Issue types each designated post is responsible for (assumption from the post names)."""

OPEN_NONE, OPEN_REGISTERED, OPEN_ALL = 0, 1, 2


@dataclass
class ChannelRules:
    """Effective parameters of each channel (arrays indexed like CHANNELS).

    Attributes:
        open_workers: 0 closed to workers, 1 registered workers only, 2 all workers.
        open_residents: residents may use it.
        minutes: reporter minutes to file.
        intake_delay_hours: median hours until the ticket reaches staff.
        auto_acknowledge: acknowledged on arrival.
        triage_minutes: staff minutes to triage.
        routing_accuracy: chance of the right department first time.
        feedback_probability: chance the reporter is told the outcome.
        office_hours_only: usable only while the community office is open.
        needs_station: usable only by workers with a station in reach.
    """

    open_workers: np.ndarray
    open_residents: np.ndarray
    minutes: np.ndarray
    intake_delay_hours: np.ndarray
    auto_acknowledge: np.ndarray
    triage_minutes: np.ndarray
    routing_accuracy: np.ndarray
    feedback_probability: np.ndarray
    office_hours_only: np.ndarray = field(
        default_factory=lambda: np.array([c == "in_person" for c in CHANNELS])
    )
    needs_station: np.ndarray = field(
        default_factory=lambda: np.array([c == "station" for c in CHANNELS])
    )


def channel_rules(config: ScenarioConfig) -> ChannelRules:
    """Combine channel settings with the levers that open or improve them.

    - the mini-program exists only with ``policies.mini_program.enabled``; without routing
      automation its tickets wait in a manual inbox like the hotline's and are routed as
      accurately; without feedback its reporters are never told the outcome;
    - the station report desk exists only at upgraded stations;
    - designated posts or council seats open the in-person channel to every registered
      worker (the programme introduces registered workers to their grid member);
    - ``staff_patrol`` is the staff's own ticket: never chosen by a reporter.
    """
    ch, pol = config.channels, config.policies
    names = ("hotline", "mini_program", "station", "in_person")
    specs = [getattr(ch, name) for name in names]
    level = {"none": OPEN_NONE, "registered": OPEN_REGISTERED, "all": OPEN_ALL}
    exists = [
        ch.hotline.enabled,
        ch.mini_program.enabled and pol.mini_program.enabled,
        ch.station.enabled and pol.stations.upgraded and pol.stations.count > 0,
        ch.in_person.enabled,
    ]
    open_workers = [
        level[s.open_to_workers] if e else OPEN_NONE for s, e in zip(specs, exists, strict=False)
    ]
    if exists[3] and (pol.posts.enabled or pol.deliberation.enabled):
        open_workers[3] = max(open_workers[3], OPEN_REGISTERED)
    open_residents = [s.open_to_residents and e for s, e in zip(specs, exists, strict=False)]
    intake = [s.intake_delay_hours for s in specs]
    auto_ack = [s.auto_acknowledge for s in specs]
    accuracy = [s.routing_accuracy for s in specs]
    feedback = [s.feedback_probability for s in specs]
    if not pol.mini_program.routing_automation:
        intake[1] = ch.manual_intake_delay_hours
        auto_ack[1] = False
        accuracy[1] = ch.hotline.routing_accuracy
    if not pol.mini_program.feedback:
        feedback[1] = 0.0
    # the staff's own patrol ticket: not open to reporters, acknowledged and routed at once
    return ChannelRules(
        open_workers=np.array([*open_workers, OPEN_NONE]),
        open_residents=np.array([*open_residents, False]),
        minutes=np.array([s.report_minutes for s in specs] + [0.0]),
        intake_delay_hours=np.array([*intake, 0.0]),
        auto_acknowledge=np.array([*auto_ack, True]),
        triage_minutes=np.array([s.triage_minutes for s in specs] + [ch.in_person.triage_minutes]),
        routing_accuracy=np.array([*accuracy, ch.in_person.routing_accuracy]),
        feedback_probability=np.array([*feedback, 0.0]),
    )


def role_match_table() -> np.ndarray:
    """Boolean (n_roles, n_issue_types): the post targets the issue type."""
    table = np.zeros((len(ROLE_TARGETS) + 1, len(ISSUE_TYPES)), dtype=bool)
    for role, types in ROLE_TARGETS.items():
        for name in types:
            table[role, ISSUE_TYPES.index(name)] = True
    return table


def reward_yuan(config: ScenarioConfig) -> np.ndarray:
    """Cash value of a verified report by issue type, yuan (0 without the points lever).

    Source: ``points_schedule_examples`` (Wuhan: 50 points a hazard, 100 a major tip).
    """
    pts = config.policies.points
    if not pts.enabled:
        return np.zeros(len(ISSUE_TYPES))
    return np.array([pts.points_per_report.get(t, 0.0) * pts.yuan_per_point for t in ISSUE_TYPES])


class Ledger:
    """Yuan spent per lever, and the points budget of the current year."""

    def __init__(self, config: ScenarioConfig) -> None:
        """Start an empty ledger."""
        self.config = config
        self.spent = dict.fromkeys(LEVERS, 0.0)
        self.points_paid = 0.0
        self.points_paid_this_year = 0.0

    @property
    def total(self) -> float:
        """Program cost to date, yuan."""
        return float(sum(self.spent.values()))

    def book(self, lever: str, yuan: float) -> None:
        """Book ``yuan`` against ``lever``."""
        self.spent[lever] += yuan

    def new_year(self) -> None:
        """Reset the yearly points budget."""
        self.points_paid_this_year = 0.0

    def points_budget_left(self) -> float:
        """Yuan of points that can still be paid this year."""
        return max(0.0, self.config.policies.points.annual_budget_yuan - self.points_paid_this_year)

    def pay_points(self, yuan: float) -> float:
        """Pay up to ``yuan`` of points within the budget; returns what was paid."""
        paid = min(yuan, self.points_budget_left())
        self.points_paid += paid
        self.points_paid_this_year += paid
        self.book("points", paid)
        return paid

    def book_daily_running_costs(self, subsidized: int, post_holders: int) -> None:
        """Book one day of the levers' running costs (yearly and monthly costs / 365 and / 30).

        Args:
            subsidized: workers insured through the policy's subsidy today.
            post_holders: workers holding a designated post today.
        """
        p = self.config.policies
        if p.points.enabled:
            self.book("points", p.points.admin_yuan_per_year / 365.0)
        if p.honours.enabled:
            self.book("honours", p.honours.yuan_per_month / 30.0)
        if p.insurance.enabled:
            self.book("insurance", subsidized * p.insurance.subsidy_yuan_per_worker_month / 30.0)
        if p.posts.enabled:
            self.book("posts", post_holders * p.posts.stipend_yuan_per_post_month / 30.0)
        if p.one_stop.enabled:
            self.book("one_stop", p.one_stop.yuan_per_year / 365.0)
        if p.mini_program.enabled:
            self.book("mini_program", p.mini_program.yuan_per_year / 365.0)
        per_station = p.stations.yuan_per_station_year + (
            p.stations.upgrade_yuan_per_station_year if p.stations.upgraded else 0.0
        )
        self.book("stations", p.stations.count * per_station / 365.0)

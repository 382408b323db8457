"""Every outcome of a run, defined once: name, plain label, unit, direction and definition.

The registry is the single source of truth for what an outcome means. The report reads its
labels and directions, docs/ODD.md's outcome table is generated from it, and each definition
has a known-answer test on a hand-built issue log.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGHER, LOWER, NEUTRAL = 1, -1, 0


@dataclass(frozen=True)
class OutcomeSpec:
    """Definition of one outcome.

    Attributes:
        name: column name in runs.parquet and key in outcomes.json.
        label: plain words for a reader who never sees code (English; other languages come
            from the glossary under the same key).
        unit: unit of the value ("share", "hours", "yuan", "issues", ...).
        direction: +1 higher is better, -1 lower is better, 0 neutral.
        headline: shown in the policy brief.
        numerator: what is counted.
        denominator: what it is divided by ("" for counts and sums).
        window: which period or which issues it covers.
        censoring: how unfinished cases are treated ("" where none arise).
    """

    name: str
    label: str
    unit: str
    direction: int
    headline: bool
    numerator: str
    denominator: str = ""
    window: str = "issues opened in the measurement window"
    censoring: str = ""


_ISSUES = "issues opened in the measurement window"
_WINDOW = "the measurement window"
_REPORTER_CHANNELS = ("hotline", "mini_program", "station", "in_person")
_CHANNEL_WORDS = {
    "hotline": "the 12345 hotline",
    "mini_program": "the report mini-program",
    "station": "the worker-station desk",
    "in_person": "in person at the community office",
}

_SPECS = (
    # ---- headline outcomes, in the order of the policy brief
    OutcomeSpec(
        "fixed_within_7d_share",
        "Problems fixed within a week",
        "share",
        HIGHER,
        True,
        "issues fixed within 168 hours of opening",
        "issues opened in the window at least 168 hours before the end of the run",
    ),
    OutcomeSpec(
        "median_hours_to_fix",
        "Median time from a problem appearing to its fix",
        "hours",
        LOWER,
        True,
        "Kaplan-Meier median of hours from opening to fix",
        "every issue opened in the window",
        _ISSUES,
        "an issue whose problem went away on its own before any fix is censored at that "
        "hour; every other unfixed issue (open, closed unfixed, incident) at the end of the "
        "run; NaN when the estimate never falls to one half",
    ),
    OutcomeSpec(
        "incidents_total",
        "Problems that became incidents",
        "issues",
        LOWER,
        True,
        "issues that became incidents: unfixed when their escalation hour came (a ticket "
        "closed unfixed keeps its clock)",
        "",
        _ISSUES,
        "an issue still short of its escalation hour at the end does not count",
    ),
    OutcomeSpec(
        "incident_share",
        "Share of problems that became incidents",
        "share",
        LOWER,
        True,
        "issues that became incidents",
        "issues opened in the window",
        _ISSUES,
        "as incidents_total",
    ),
    OutcomeSpec(
        "harm_yuan",
        "Harm from incidents",
        "yuan",
        LOWER,
        True,
        "harm of those incidents (issues.types.<type>.harm_yuan each)",
        "",
        _ISSUES,
        "as incidents_total",
    ),
    OutcomeSpec(
        "satisfaction_rate",
        "Share of people who reported a problem and are satisfied",
        "share",
        HIGHER,
        True,
        "reporters satisfied (modelled: told of a fix or not, saw the fix or not, and how "
        "long they waited)",
        "reports by residents and workers filed in the window at least 168 hours before "
        "the end, duplicates included",
        "reports filed in the measurement window",
        "a reporter whose issue is still open at the end counts as not satisfied",
    ),
    OutcomeSpec(
        "worker_participation_rate",
        "Share of worker-months with a report",
        "share",
        HIGHER,
        True,
        "worker-months in which the worker filed at least one report",
        "worker-months: a worker present for some of a 30-day block of the window",
        "whole 30-day blocks from the opening of the window (a shorter remainder is left out)",
    ),
    OutcomeSpec(
        "worker_reports_per_100_worker_months",
        "Reports by workers per 100 worker-months",
        "reports per 100 worker-months",
        HIGHER,
        True,
        "reports filed by workers in the window x 100, duplicates included",
        "worker-hours present in the window / 720",
        _WINDOW,
    ),
    OutcomeSpec(
        "worker_monthly_turnover",
        "Workers leaving per month",
        "share",
        LOWER,
        True,
        "workers who left in the window, per 30 days",
        "worker places (the workforce size; places are refilled)",
        "the days of the window on which turnover runs (from day 1)",
    ),
    OutcomeSpec(
        "public_cost_yuan",
        "Public cost",
        "yuan",
        LOWER,
        True,
        "budget spending: the measures (points, honours, insurance subsidy, posts, stations, "
        "platforms, meetings) + staff hours on tickets x service.staff_yuan_per_hour + "
        "department attempts x service.department_yuan_per_ticket",
        "",
        _WINDOW,
    ),
    # ---- further outcomes
    OutcomeSpec("issues_total", "Problems arising", "issues", NEUTRAL, False, "issues opened"),
    OutcomeSpec(
        "measured_days",
        "Days measured",
        "days",
        NEUTRAL,
        False,
        "days in the measurement window (the run's days after its warm-up)",
        "",
        _WINDOW,
    ),
    OutcomeSpec(
        "detected_share",
        "Share of problems noticed",
        "share",
        HIGHER,
        False,
        "issues noticed by someone",
        "issues opened in the window",
    ),
    OutcomeSpec(
        "reported_share",
        "Share of problems reported",
        "share",
        HIGHER,
        False,
        "issues reported at least once",
        "issues opened in the window",
    ),
    OutcomeSpec(
        "resolved_share",
        "Resolution rate (12345)",
        "share",
        HIGHER,
        False,
        "tickets fixed",
        "reported issues whose ticket reached an outcome: fixed, closed unfixed, or ended by "
        "an incident while open",
        _ISSUES,
        "tickets still open at the end are left out",
    ),
    OutcomeSpec(
        "response_rate",
        "Response rate (12345): a person takes up the ticket in time",
        "share",
        HIGHER,
        False,
        "tickets a person took up within service.response_limit_hours of the report",
        "tickets from reporters' channels (not staff patrols) reported at least "
        "service.response_limit_hours before the end",
    ),
    OutcomeSpec(
        "response_rate_auto",
        "Response rate, automatic replies included",
        "share",
        HIGHER,
        False,
        "tickets acknowledged, automatically or by a person, within "
        "service.response_limit_hours of the report",
        "as response_rate",
    ),
    *(
        OutcomeSpec(
            f"response_rate_{channel}",
            f"Response rate through {words}",
            "share",
            HIGHER,
            False,
            f"tickets first reported through {words} that a person took up within "
            "service.response_limit_hours",
            f"tickets first reported through {words}, as response_rate",
        )
        for channel, words in _CHANNEL_WORDS.items()
    ),
    OutcomeSpec(
        "median_hours_to_report",
        "Median time from a problem appearing to its first report, reported problems only",
        "hours",
        LOWER,
        False,
        "median of hours from opening to the first report",
        "reported issues",
        _ISSUES,
        "conditional on being reported (unreported issues are left out)",
    ),
    OutcomeSpec(
        "median_hours_to_fix_among_fixed",
        "Median time to fix, fixed problems only",
        "hours",
        LOWER,
        False,
        "median of hours from opening to fix",
        "fixed issues",
        _ISSUES,
        "conditional on being fixed: an arm that fixes more hard problems looks slower; "
        "never a headline",
    ),
    OutcomeSpec(
        "worker_reports_total",
        "Reports by workers",
        "reports",
        HIGHER,
        False,
        "reports filed by riders, couriers and drivers in the window, duplicates included",
        "",
        _WINDOW,
    ),
    OutcomeSpec(
        "registered_share",
        "Share of workers registered with the community",
        "share",
        HIGHER,
        False,
        "workers registered (报到) at the end of the run",
        "workers present at the end",
        "the end of the run",
    ),
    OutcomeSpec(
        "mean_belonging",
        "Workers' mean sense of belonging",
        "score from 0 to 1",
        HIGHER,
        False,
        "belonging of the workers present at the end",
        "workers present at the end",
        "the end of the run",
    ),
    OutcomeSpec(
        "program_cost_yuan",
        "Spending on the measures",
        "yuan",
        LOWER,
        False,
        "yuan booked for every measure, points and platforms' waived penalties included",
        "",
        _WINDOW,
    ),
    OutcomeSpec(
        "points_paid_yuan",
        "Points paid out",
        "yuan",
        NEUTRAL,
        False,
        "points paid to workers, in yuan",
        "",
        _WINDOW,
    ),
    OutcomeSpec(
        "points_budget_exhausted_share",
        "Days the points budget was spent",
        "share",
        NEUTRAL,
        False,
        "days of the window that ended with the year's points budget spent (reports then earn "
        "no points: the budget binds)",
        "days in the window",
        _WINDOW,
    ),
    OutcomeSpec(
        "forgone_revenue_yuan",
        "Delivery penalties the platforms waived",
        "yuan",
        LOWER,
        False,
        "penalties waived for verified reports (platforms' revenue, not public money)",
        "",
        _WINDOW,
    ),
    OutcomeSpec(
        "net_social_cost_yuan",
        "Net social cost",
        "yuan",
        LOWER,
        False,
        "public cost + forgone revenue + harm from incidents",
        "",
        _WINDOW,
    ),
)

_REPORTER_WORDS = {
    "rider": "delivery riders",
    "courier": "parcel couriers",
    "driver": "ride-hailing drivers",
    "resident": "residents",
    "staff": "community staff on patrol",
}

_SPECS = (
    *_SPECS,
    *(
        OutcomeSpec(
            f"first_report_share_{kind}",
            f"Share of problems first reported by {words}",
            "share",
            NEUTRAL,
            False,
            f"issues whose first report came from {words}",
            "issues opened in the window that were reported",
        )
        for kind, words in _REPORTER_WORDS.items()
    ),
    *(
        OutcomeSpec(
            f"median_hours_detection_to_report_{kind}",
            f"Median time from noticing a problem to reporting it, for {words} who report it first",
            "hours",
            LOWER,
            False,
            "median of hours from the first reporter's own first noticing of the problem to "
            "his report (someone else's earlier noticing does not count)",
            f"issues first reported by {words}",
            _ISSUES,
            f"conditional on {words} filing the first report; NaN when they filed none",
        )
        for kind, words in _REPORTER_WORDS.items()
    ),
)

OUTCOMES: dict[str, OutcomeSpec] = {spec.name: spec for spec in _SPECS}
"""Outcome name -> specification, in contract order (headline outcomes first)."""

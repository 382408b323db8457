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


_WINDOW = "issues opened in the measurement window"
_WHOLE_WINDOW = "the measurement window"

_SPECS = (
    OutcomeSpec(
        "fixed_within_7d_share",
        "Problems fixed within a week",
        "share",
        HIGHER,
        True,
        "issues fixed within 168 hours of opening",
        "issues opened in the window at least 7 days before the end of the run",
    ),
    OutcomeSpec(
        "median_hours_to_fix",
        "Median time from opening to fix",
        "hours",
        LOWER,
        True,
        "Kaplan-Meier median of hours from opening to fix",
        censoring="never fixed: censored at the end of the run; went away on its own: "
        "censored at its lapse",
    ),
    OutcomeSpec(
        "incidents_total",
        "Problems that became incidents",
        "issues",
        LOWER,
        True,
        "issues that became incidents (closed-unfixed issues keep the clock)",
    ),
    OutcomeSpec(
        "incident_share",
        "Share of problems that became incidents",
        "share",
        LOWER,
        True,
        "issues that became incidents",
        "issues opened in the window",
    ),
    OutcomeSpec("harm_yuan", "Harm from incidents", "yuan", LOWER, True, "harm of incidents"),
    OutcomeSpec(
        "satisfaction_rate",
        "Satisfaction rate",
        "share",
        HIGHER,
        True,
        "reporters (not staff) satisfied",
        "all reporters who are not staff",
    ),
    OutcomeSpec(
        "worker_participation_rate",
        "Worker participation per worker-month",
        "share",
        HIGHER,
        True,
        "present worker-months (30-day blocks) with at least one report",
        "present worker-months",
        _WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "worker_reports_per_100_worker_months",
        "Reports per 100 worker-months",
        "reports per 100 worker-months",
        HIGHER,
        True,
        "reports by workers x 100",
        "present worker-months",
        _WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "worker_monthly_turnover",
        "Monthly worker turnover",
        "share",
        LOWER,
        True,
        "workers leaving per 30-day block",
        "workers present at the start of the block",
        _WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "public_cost_yuan",
        "Public cost",
        "yuan",
        LOWER,
        True,
        "budget spending: points, honours, insurance subsidy, stations, platform, staff time, "
        "department work",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec("issues_total", "Problems arising", "issues", NEUTRAL, False, "issues opened"),
    OutcomeSpec(
        "measured_days",
        "Days measured",
        "days",
        NEUTRAL,
        False,
        "days in the window",
        "",
        "",
    ),
    OutcomeSpec(
        "detected_share",
        "Share of problems noticed",
        "share",
        HIGHER,
        False,
        "issues detected",
        "issues opened in the window",
    ),
    OutcomeSpec(
        "reported_share",
        "Share of problems reported",
        "share",
        HIGHER,
        False,
        "issues reported",
        "issues opened in the window",
    ),
    OutcomeSpec(
        "resolved_share",
        "Resolution rate",
        "share",
        HIGHER,
        False,
        "issues resolved through a ticket",
        "issues opened in the window",
    ),
    OutcomeSpec(
        "response_rate",
        "Response rate",
        "share",
        HIGHER,
        False,
        "tickets acknowledged by a person within the 12345 limit",
        "tickets",
    ),
    OutcomeSpec(
        "response_rate_auto",
        "Response rate including automatic replies",
        "share",
        HIGHER,
        False,
        "tickets acknowledged within the 12345 limit",
        "tickets",
    ),
    OutcomeSpec(
        "median_hours_to_report",
        "Median time from opening to report",
        "hours",
        LOWER,
        False,
        "Kaplan-Meier median of hours from opening to the first report",
    ),
    OutcomeSpec(
        "median_hours_to_fix_among_fixed",
        "Median time to fix, fixed problems only",
        "hours",
        LOWER,
        False,
        "median hours from opening to fix among fixed issues",
    ),
    OutcomeSpec(
        "worker_reports_total",
        "Reports by workers",
        "reports",
        HIGHER,
        False,
        "reports filed by delivery riders, couriers and drivers",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "registered_share",
        "Share of workers registered with the community",
        "share",
        HIGHER,
        False,
        "registered workers",
        "workers present",
        _WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "mean_belonging",
        "Mean sense of belonging",
        "score from 0 to 1",
        HIGHER,
        False,
        "mean belonging of workers present",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "program_cost_yuan",
        "Cost of the measures",
        "yuan",
        LOWER,
        False,
        "spending on the measures only",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "points_paid_yuan",
        "Points paid out",
        "yuan",
        NEUTRAL,
        False,
        "points paid in yuan",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "forgone_revenue_yuan",
        "Penalties forgone by platforms",
        "yuan",
        LOWER,
        False,
        "delivery penalties waived",
        window=_WHOLE_WINDOW,
    ),
    OutcomeSpec(
        "net_social_cost_yuan",
        "Net social cost",
        "yuan",
        LOWER,
        False,
        "public cost + forgone revenue + harm",
        window=_WHOLE_WINDOW,
    ),
)

OUTCOMES: dict[str, OutcomeSpec] = {spec.name: spec for spec in _SPECS}
"""Outcome name -> specification, in brief order (headline outcomes first)."""

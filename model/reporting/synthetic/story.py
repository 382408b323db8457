"""The synthetic story: arms with planted effects, issue logs and worker tables.

:func:`write_results` writes a results folder with exactly the files and columns of a real
experiment (``runs.parquet``, ``daily.parquet``, ``issues.parquet``, ``workers.parquet``,
``manifest.json``) from a simple generative story, so every report function can be checked
against effects whose sign and size are known:

- replicate *i* of every arm shares its issue arrivals and every uniform draw (common random
  numbers), as the model does; an arm changes only how those draws are turned into times;
- an arm's :class:`ArmEffect` scales the hours from report to fix (per community and for
  vulnerable residents too), raises the chance a noticed problem is reported, multiplies
  workers' monthly reports and leaving rate, and adds a yearly cost;
- run outcomes are computed from the generated issue log and worker months with the outcome
  definitions of :mod:`model.reporting.issue_outcomes`, so run-level and issue-level numbers agree.

Nothing here is a model of the street: it only produces tables of the right shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from model.config.codes import ISSUE_TYPES, REPORTER_CHANNELS, WORKER_KINDS
from model.reporting import issue_outcomes as io

CELLS, COMMUNITIES_SIDE, GRIDS_PER_COMMUNITY_SIDE = 60, 3, 2
N_COMMUNITIES = COMMUNITIES_SIDE**2
TYPE_SHARES = np.array([0.36, 0.17, 0.16, 0.06, 0.06, 0.19])
TYPE_FIX_SCALE = np.array([0.8, 1.0, 1.3, 1.2, 0.9, 1.1])
TYPE_INCIDENT_PROB = np.array([0.05, 0.15, 0.08, 0.25, 0.12, 0.0])
TYPE_HARM_YUAN = np.array([500.0, 3000.0, 1500.0, 5000.0, 2500.0, 0.0])
KIND_COUNTS = (45, 30, 15)
KIND_MONTHLY_REPORTS = (0.45, 0.35, 0.15)
WORKER_CHANNELS = REPORTER_CHANNELS
REPORTER_KINDS = ("resident", "rider", "courier", "driver")
BASE_COST_PER_YEAR = 120_000.0
POINTS_PER_REPORT = 40.0
INCIDENT_AFTER_HOURS = 240.0


@dataclass(frozen=True)
class ArmEffect:
    """How an arm differs from the status quo in the synthetic story (1 / 0 = no change).

    Attributes:
        fix_speed: multiplier on the hours from report to fix (below 1 is faster).
        report_boost: added to the probability that a noticed problem is reported.
        feedback: reporters are told the outcome (``feedback_at`` set for fixed issues).
        mini_program_share: share of non-staff reports through the mini-program.
        worker_reports: multiplier on workers' monthly reports.
        turnover: multiplier on workers' monthly leaving rate.
        cost_yuan_per_year: yearly cost of the measures (yuan), before points.
        yuan_per_point: yuan paid per point (points are paid only when > 0).
        honours: honours are awarded.
        registration: added to the probability that a worker registers.
        community_speed: extra fix-time multiplier per community (nine values).
        community_uptake: multiplier of ``report_boost`` per community (nine values).
        vulnerable_speed: extra fix-time multiplier for vulnerable-resident issues.
        levers: lever column values of the arm (dotted keys).
    """

    fix_speed: float = 1.0
    report_boost: float = 0.0
    feedback: bool = False
    mini_program_share: float = 0.0
    worker_reports: float = 1.0
    turnover: float = 1.0
    cost_yuan_per_year: float = 0.0
    yuan_per_point: float = 0.0
    honours: bool = False
    registration: float = 0.0
    community_speed: tuple[float, ...] = (1.0,) * N_COMMUNITIES
    community_uptake: tuple[float, ...] = (1.0,) * N_COMMUNITIES
    vulnerable_speed: float = 1.0
    levers: Mapping[str, Any] = field(default_factory=dict)


def _standard_levers(mini: bool = False, points: float = 0.0, honours: bool = False) -> dict:
    return {
        "policies.mini_program.enabled": mini,
        "policies.points.enabled": points > 0,
        "policies.points.yuan_per_point": points if points > 0 else 0.5,
        "policies.honours.enabled": honours,
    }


STANDARD_ARMS: dict[str, ArmEffect] = {
    "baseline": ArmEffect(levers=_standard_levers()),
    "mini_program": ArmEffect(
        fix_speed=0.8,
        report_boost=0.15,
        feedback=True,
        mini_program_share=0.6,
        worker_reports=1.3,
        cost_yuan_per_year=150_000.0,
        community_speed=(0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1),
        community_uptake=(1.8, 1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.4, 0.2),
        levers=_standard_levers(mini=True),
    ),
    "points": ArmEffect(
        fix_speed=0.95,
        report_boost=0.05,
        worker_reports=1.6,
        cost_yuan_per_year=30_000.0,
        yuan_per_point=0.5,
        levers=_standard_levers(points=0.5),
    ),
    "honours": ArmEffect(
        community_speed=(1.03, 0.97, 1.02, 0.98, 1.0, 1.01, 0.99, 1.02, 0.98),
        worker_reports=1.05,
        cost_yuan_per_year=20_000.0,
        honours=True,
        levers=_standard_levers(honours=True),
    ),
    "points_high": ArmEffect(
        fix_speed=1.03,
        report_boost=-0.03,
        worker_reports=0.9,
        turnover=0.9,
        cost_yuan_per_year=250_000.0,
        yuan_per_point=2.0,
        levers=_standard_levers(points=2.0),
    ),
    "integrated": ArmEffect(
        fix_speed=0.72,
        report_boost=0.2,
        feedback=True,
        mini_program_share=0.6,
        worker_reports=1.8,
        turnover=0.7,
        cost_yuan_per_year=600_000.0,
        yuan_per_point=0.5,
        honours=True,
        registration=0.3,
        vulnerable_speed=0.7,
        levers=_standard_levers(mini=True, points=0.5, honours=True),
    ),
}
"""Planted effects: the mini-program and the integrated package help (the mini-program most in
community 1), honours does nothing detectable, high points cost more and fix less."""

FACTORIAL_LEVERS: dict[str, dict[str, Any]] = {
    "posts": {"fix_speed": 0.93, "report_boost": 0.05, "registration": 0.3, "worker_reports": 1.1},
    "points": {
        "fix_speed": 0.97,
        "report_boost": 0.05,
        "worker_reports": 1.6,
        "yuan_per_point": 0.5,
    },
    "mini_program": {
        "fix_speed": 0.8,
        "report_boost": 0.12,
        "feedback": True,
        "mini_program_share": 0.6,
        "worker_reports": 1.2,
    },
}
FACTORIAL_COMPLEMENTS = ("points", "mini_program")
"""The planted interaction: together they speed fixes by a further factor 0.8."""
FACTORIAL_COSTS = {"posts": 80_000.0, "points": 30_000.0, "mini_program": 150_000.0}


def factorial_arms() -> dict[str, ArmEffect]:
    """The 2^3 factorial arms (posts x points x mini-program), all-off first."""
    arms = {}
    names = list(FACTORIAL_LEVERS)
    for combo in np.ndindex(*(2,) * len(names)):
        on = [name for name, bit in zip(names, combo, strict=True) if bit]
        speed, boost, reports, share, ypp, registration = 1.0, 0.0, 1.0, 0.0, 0.0, 0.0
        for name in on:
            lever = FACTORIAL_LEVERS[name]
            speed *= lever.get("fix_speed", 1.0)
            boost += lever.get("report_boost", 0.0)
            reports *= lever.get("worker_reports", 1.0)
            share = max(share, lever.get("mini_program_share", 0.0))
            ypp = max(ypp, lever.get("yuan_per_point", 0.0))
            registration += lever.get("registration", 0.0)
        if set(FACTORIAL_COMPLEMENTS) <= set(on):
            speed *= 0.8
        bits = dict(zip(names, combo, strict=True))
        arm = ",".join(f"{n}={'true' if bit else 'false'}" for n, bit in bits.items())
        arms[arm] = ArmEffect(
            fix_speed=speed,
            report_boost=boost,
            feedback="mini_program" in on,
            mini_program_share=share,
            worker_reports=reports,
            yuan_per_point=ypp,
            registration=registration,
            cost_yuan_per_year=sum(FACTORIAL_COSTS[n] for n in on),
            levers={f"policies.{n}.enabled": bool(bit) for n, bit in bits.items()},
        )
    return arms


def _cells(rng: np.random.Generator, community: np.ndarray) -> tuple[np.ndarray, ...]:
    side = CELLS // COMMUNITIES_SIDE
    x = (community % COMMUNITIES_SIDE) * side + rng.integers(0, side, community.size)
    y = (community // COMMUNITIES_SIDE) * side + rng.integers(0, side, community.size)
    g_side = CELLS // (COMMUNITIES_SIDE * GRIDS_PER_COMMUNITY_SIDE)
    grid = (y // g_side) * (COMMUNITIES_SIDE * GRIDS_PER_COMMUNITY_SIDE) + x // g_side
    return x, y, grid


def arrivals(
    rng: np.random.Generator, days: int, issues_per_day: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Issue arrivals of one replicate (shared by every arm) and the uniforms of each issue."""
    n = int(rng.poisson(issues_per_day * days))
    community = rng.integers(0, N_COMMUNITIES, n)
    x, y, grid = _cells(rng, community)
    frame = pd.DataFrame(
        {
            "issue_id": np.arange(n, dtype=np.int64),
            "type_index": rng.choice(len(ISSUE_TYPES), n, p=TYPE_SHARES / TYPE_SHARES.sum()),
            "community": community.astype(np.int32),
            "grid": grid.astype(np.int32),
            "x": x.astype(np.int32),
            "y": y.astype(np.int32),
            "opened_at": np.sort(rng.uniform(0.0, days * io.HOURS_PER_DAY, n)),
        }
    )
    return frame, rng.random((n, 14))


def issue_log(base: pd.DataFrame, u: np.ndarray, arm: ArmEffect, days: int) -> pd.DataFrame:
    """The issue log of one arm from the shared arrivals and uniforms (hours since start)."""
    end = days * io.HOURS_PER_DAY
    types = base["type_index"].to_numpy()
    opened = base["opened_at"].to_numpy()
    nan = np.full(len(base), np.nan)
    detected = opened - np.log(u[:, 0]) * 20.0
    detected = np.where((u[:, 1] < 0.95) & (detected < end), detected, nan)
    boost = arm.report_boost * np.asarray(arm.community_uptake)[base["community"].to_numpy()]
    p_report = np.clip(0.7 + boost, 0.0, 0.98)
    reported = detected - np.log(u[:, 3]) * 20.0 / (1.0 + boost)
    reported = np.where((u[:, 2] < p_report) & (reported < end), reported, nan)
    is_reported = np.isfinite(reported)
    staff = u[:, 4] < 0.4
    worker_weight = 0.4 * arm.worker_reports
    kind_p = np.array([0.6, worker_weight * 0.55, worker_weight * 0.35, worker_weight * 0.1])
    kind = np.searchsorted(np.cumsum(kind_p / kind_p.sum()), u[:, 5])
    reporter = np.where(staff, "staff", np.asarray(REPORTER_KINDS, dtype=object)[kind])
    own_channel = np.where(u[:, 6] > 0.9, "in_person", "hotline")
    own_channel = np.where(u[:, 6] < arm.mini_program_share, "mini_program", own_channel)
    channel = np.where(staff, "staff_patrol", own_channel)
    speed = arm.fix_speed * np.asarray(arm.community_speed)[base["community"].to_numpy()]
    vulnerable = types == ISSUE_TYPES.index("vulnerable_resident")
    speed = speed * np.where(vulnerable, arm.vulnerable_speed, 1.0)
    resolved = reported - np.log(u[:, 7]) * 60.0 * TYPE_FIX_SCALE[types] * speed
    resolved = np.where(is_reported & (resolved < end), resolved, nan)
    acknowledged = np.where(is_reported, np.minimum(reported - np.log(u[:, 8]) * 10.0, end), nan)
    dispatched = np.where(is_reported, np.minimum(acknowledged + u[:, 9] * 12.0, end), nan)
    told = np.isfinite(resolved) & (arm.feedback | (u[:, 10] < 0.3))
    feedback = np.where(told, resolved + u[:, 11] * 24.0, nan)
    feedback = np.where(feedback < end, feedback, nan)
    # half of the problems would go away on their own at a time drawn up front (the same in
    # every arm: the problem's lapse); the others stay until fixed
    lapse = np.where(u[:, 12] < 0.5, opened - np.log(u[:, 12]) * 200.0, nan)
    expired = ~is_reported & (lapse < end)
    closed = np.where(expired, lapse, np.where(np.isfinite(resolved), resolved, nan))
    late = ~(resolved - opened <= INCIDENT_AFTER_HOURS)
    incident_time = opened + INCIDENT_AFTER_HOURS
    incident = late & (u[:, 13] < TYPE_INCIDENT_PROB[types]) & (incident_time < end)
    incident_time = np.where(incident, incident_time, nan)
    incident_time = np.where(expired & (lapse < incident_time), nan, incident_time)
    conditions = [
        np.isfinite(resolved),
        np.isfinite(incident_time),
        expired,
        is_reported,
    ]
    conditions.append(np.isfinite(detected))
    statuses = ["resolved", "escalated", "expired", "dispatched", "detected"]
    status = np.select(conditions, statuses, "open")
    extra_reports = (-np.log(u[:, 4]) * (1.0 + arm.report_boost)).astype(int)
    log = base.drop(columns="type_index").assign(
        type=np.asarray(ISSUE_TYPES, dtype=object)[types],
        first_detected_at=detected,
        reported_at=reported,
        first_reporter_kind=np.where(is_reported, reporter, None),
        channel=np.where(is_reported, channel, None),
        acknowledged_at=acknowledged,
        triaged_at=np.where(staff, nan, acknowledged),
        dispatched_at=dispatched,
        resolved_at=resolved,
        feedback_at=feedback,
        closed_at=closed,
        status=status,
        n_reports=np.where(is_reported, 1 + extra_reports, 0).astype(np.int32),
        incident_at=incident_time,
        lapse_at=lapse,
    )
    columns = ["issue_id", "type", "community", "grid", "x", "y", "opened_at"]
    return log[columns + [c for c in log.columns if c not in columns]]


def workers(u: np.ndarray, arm: ArmEffect, days: int, warmup: int) -> tuple[pd.DataFrame, dict]:
    """Worker table of one arm from shared uniforms, and the worker outcomes of the window."""
    kinds = np.repeat(np.arange(len(WORKER_KINDS)), KIND_COUNTS)
    n = kinds.size
    entered = np.where(u[:, 0] < 0.7, 0, np.floor(u[:, 1] * days)).astype(int)
    stay = -np.log(u[:, 2]) / (-np.log(1 - 0.08) / 30.0 * arm.turnover)
    left = entered + np.ceil(stay).astype(int)
    present_until = np.minimum(left, days)
    blocks = np.arange(warmup, days, 30)
    block_end = np.minimum(blocks + 30, days)
    overlap = np.minimum(present_until[:, None], block_end) - np.maximum(entered[:, None], blocks)
    overlap = np.clip(overlap, 0, None)
    fraction = overlap / 30.0
    rate = np.asarray(KIND_MONTHLY_REPORTS)[kinds][:, None] * arm.worker_reports * fraction
    monthly = stats.poisson.ppf(u[:, 3 : 3 + blocks.size], np.maximum(rate, 1e-12)).astype(int)
    reports = monthly.sum(axis=1)
    shares = {"mini_program": arm.mini_program_share, "station": 0.1, "in_person": 0.1}
    by_channel = {c: np.floor(reports * s + 0.5).astype(int) for c, s in shares.items()}
    by_channel["hotline"] = np.maximum(reports - sum(by_channel.values()), 0)
    points = reports * POINTS_PER_REPORT if arm.yuan_per_point > 0 else np.zeros(n, int)
    registered = u[:, 10] < 0.05 + arm.registration
    table = pd.DataFrame(
        {
            "worker_id": np.arange(n, dtype=np.int64),
            "kind": np.asarray(WORKER_KINDS, dtype=object)[kinds],
            "day_entered": entered.astype(np.int64),
            "day_left": pd.array(np.where(left < days, left, -1), dtype="Int64"),
            "days_online": np.clip(present_until - np.maximum(entered, warmup), 0, None) * 1.0,
            **{f"reports_{c}": by_channel[c].astype(np.int64) for c in WORKER_CHANNELS},
            "points": points.astype(float),
            "honours": (reports // 4 if arm.honours else np.zeros(n, int)).astype(np.int64),
            "registered": registered,
            "post": registered & (arm.registration > 0),
            "insured": u[:, 11] < 0.75,
        }
    )
    table.loc[table["day_left"] == -1, "day_left"] = pd.NA
    worker_months = float((overlap > 0).sum())
    leavers = int(((left >= warmup) & (left < days)).sum())
    summary = {
        "worker_participation_rate": float(((monthly > 0) & (overlap > 0)).sum()) / worker_months,
        "worker_reports_per_100_worker_months": 100.0 * reports.sum() / worker_months,
        "worker_monthly_turnover": leavers / worker_months,
        "worker_reports_total": float(reports.sum()),
        "registered_share": float(registered.mean()),
        "points_paid_yuan": float(points.sum() * arm.yuan_per_point),
        "mean_belonging": 0.35 + 0.1 * float(registered.mean()) + 0.02 * (arm.worker_reports - 1),
    }
    return table, summary

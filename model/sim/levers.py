"""The policy levers: one function per lever for what it does to the street.

Every lever of the source article is a block of ``policies`` (docs/ODD.md, section 9.4 maps
the article's measures to them). This module is where most levers act; the two with more
machinery have modules of their own: the worker stations in :mod:`model.sim.stations`
(reach, daily visits, registration at a station) and deliberation in
:mod:`model.sim.deliberation` (council seats and meetings, relayed opinions, community
activities). Here:

- at the start of each day (:meth:`model.sim.model.StreetModel.start_day` calls them in
  this order, with the stations' visits first and their registration after the drive):
  :func:`posts_registration_drive` (extra registration hazard per day),
  :func:`designated_posts`, :func:`insurance_enrolment`, :func:`own_problems` (the
  one-stop platform), :func:`honours_spillover` (a belonging-target gain, a share);
- every 30 days: :func:`honours_awards`;
- when a ticket is verified (dispatched): :func:`pay_points` (yuan, within the yearly
  budget), :func:`waive_penalties` (yuan per waived report);
- once, at the start of a run, as terms of the other submodels: :func:`points_scheme` (the
  only place the points lever's effects are read), :func:`report_time_pressure` (waiver;
  yuan per minute), :func:`mini_program_adoption` (a share), :func:`role_match_table`;
  what the levers do to the channels is :func:`model.sim.channels.channel_rules`, what
  they cost :class:`model.sim.costs.Ledger`.

Every magnitude is a parameter of the lever's block with its unit and source (docs/ODD.md,
section 8; the behavioural weights with their evidence and plausible ranges in
model/config/mechanisms.yaml); the per-worker reference versions of the daily lever code are
in :mod:`model.sim.reference.levers`. Each lever draws from a stream of its own (or from
keyed draws), so a lever switched on at zero strength changes nothing and never shifts
another submodel's random numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from mesa.agent import AgentSet

from model.config.behaviour import BehaviourConfig
from model.config.channels import ChannelsConfig
from model.config.codes import ISSUE_TYPES, Role, WorkerKind
from model.config.people import WorkersConfig
from model.config.policies import (
    HonoursPolicy,
    InsurancePolicy,
    MiniProgramPolicy,
    OneStopPolicy,
    PointsPolicy,
    PostsPolicy,
    WaiverPolicy,
)
from model.sim.costs import Ledger
from model.sim.daily_kernels import own_problem_bumps
from model.sim.service import Reporter
from model.sim.workforce import WorkerTable

ROLE_TARGETS: dict[Role, tuple[str, ...]] = {
    Role.INFORMANT: ("opinion", "food_safety", "vulnerable_resident"),
    Role.SAFETY_PATROL: ("safety_hazard", "damaged_facility", "environment"),
    Role.PUBLICIST: (),  # recruits, does not target issues
}
"""Issue types each designated post is responsible for (assumption from the post names)."""


def role_match_table() -> np.ndarray:
    """Boolean (n_roles, n_issue_types): the post targets the issue type."""
    table = np.zeros((len(Role), len(ISSUE_TYPES)), dtype=bool)
    for role, types in ROLE_TARGETS.items():
        for name in types:
            table[role, ISSUE_TYPES.index(name)] = True
    return table


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class PointsScheme:
    """What the points lever (积分奖励) changes, read once from ``policies.points``.

    Attributes:
        reward_yuan: (n_issue_types,) cash value of a verified report, yuan (0 when off).
        motivation_kept: share of intrinsic motivation left (``1 - crowding_out_strength``
            with crowding out on, else 1).
        false_report_factor: false reports per genuine report are multiplied by this
            (``false_report_multiplier`` when on, else 1).
        duplicates_paid: duplicate worker reporters are paid too.
        yuan_per_point: cash value of a point, yuan.
    """

    reward_yuan: np.ndarray
    motivation_kept: float
    false_report_factor: float
    duplicates_paid: bool
    yuan_per_point: float


def points_scheme(points: PointsPolicy) -> PointsScheme:
    """The points lever as the terms the decision, the service chain and payment use.

    Source: ``points_schedule_examples`` (Wuhan: 50 points a hazard, 100 a major tip); the
    crowding-out effect follows Gneezy & Rustichini (2000) (``reporting_behaviour.
    crowding_out``); the false-report multiplier is an assumption and applies only when a
    report earns money (a scheme paying nothing invites no false reports).
    """
    if points.enabled:
        reward = np.array(
            [points.points_per_report.get(t, 0.0) * points.yuan_per_point for t in ISSUE_TYPES]
        )
    else:
        reward = np.zeros(len(ISSUE_TYPES))
    crowding_out = points.enabled and points.crowding_out
    paid = bool((reward > 0).any())
    return PointsScheme(
        reward_yuan=reward,
        motivation_kept=1.0 - (points.crowding_out_strength if crowding_out else 0.0),
        false_report_factor=points.false_report_multiplier if paid else 1.0,
        duplicates_paid=points.duplicates_paid,
        yuan_per_point=points.yuan_per_point,
    )


def report_time_pressure(workers: WorkersConfig, waiver: WaiverPolicy) -> np.ndarray:
    """Yuan a worker of each kind loses per minute spent reporting, after the penalty waiver.

    The platform waives delivery-time penalties for reports (cf. Shenyang), which removes a
    share ``cost_reduction`` of the time pressure (assumption).

    Returns:
        (n_kinds,) yuan per minute, in ``WorkerKind`` order.
    """
    pressure = np.array([getattr(workers, kind.name.lower()).time_pressure for kind in WorkerKind])
    if waiver.enabled:
        pressure = pressure * (1.0 - waiver.cost_reduction)
    return pressure


def mini_program_adoption(channels: ChannelsConfig, mini_program: MiniProgramPolicy) -> float:
    """Share of (newcomer) workers who would use the mini-program (建言小程序) when it exists.

    ``channels.worker_mini_program_adoption`` plus the promotion's gain, at most 1
    (assumptions).
    """
    return min(channels.worker_mini_program_adoption + mini_program.promotion_adoption_gain, 1.0)


# --------------------------------------------------------------------------- the day


def posts_registration_drive(
    wf: WorkerTable, posts: PostsPolicy, base_hazard: float, n_communities: int
) -> np.ndarray:
    """Extra daily registration hazard from the designated-posts programme.

    Recruiting for posts adds ``registration_drive_hazard``; policy publicists
    (政策宣传流动员) raise the base hazard of their community by
    ``publicist_registration_boost``, in full from ``publicists_for_full_boost`` publicists
    a community on. Source: the article's posts (the publicist recruits); magnitudes are
    assumptions.

    Args:
        wf: the worker table.
        posts: ``policies.posts``.
        base_hazard: ``workers.registration_daily_hazard``.
        n_communities: communities in the street.

    Returns:
        (n_workers,) extra hazard per day (zeros with the lever off).
    """
    extra = np.zeros(len(wf))
    if posts.enabled:
        extra += posts.registration_drive_hazard
        publicists = np.bincount(
            wf.base[wf.role == Role.PUBLICIST], minlength=n_communities
        ).astype(float)
        extra += (
            base_hazard
            * posts.publicist_registration_boost
            * np.minimum(1.0, publicists[wf.base] / posts.publicists_for_full_boost)
        )
    return extra


def designated_posts(
    wf: WorkerTable,
    registered: np.ndarray,
    posts: PostsPolicy,
    ledger: Ledger,
    rng: np.random.Generator,
) -> None:
    """Give designated posts to a share of newly registered workers; book their training.

    Posts: informant (社情民意信息员), safety patrol (平安巡查守护员), publicist
    (政策宣传流动员), assigned by :meth:`WorkerTable.assign_posts` (``share_of_registered``,
    ``skill_matching``); each costs ``training_yuan_per_post`` once. Source: the article's
    posts and its list matching skills to post needs; magnitudes are assumptions.

    Args:
        wf: the worker table.
        registered: slots that registered (today, on arrival, or before the programme).
        posts: ``policies.posts``.
        ledger: the cost ledger.
        rng: the ``posts`` stream.
    """
    if not posts.enabled or len(registered) == 0:
        return
    posted = wf.assign_posts(registered, rng, posts.share_of_registered, posts.skill_matching)
    ledger.book("posts", len(posted) * posts.training_yuan_per_post)


def insurance_enrolment(
    wf: WorkerTable, insurance: InsurancePolicy, rng: np.random.Generator
) -> None:
    """Uninsured workers enrol in social insurance under the guarantee policy (subsidised).

    Daily probability ``enrolment_per_day x min(1, max(0, coverage_target - q) / (1 - q))``,
    ``q`` the current insured share. Source: the article's widened social insurance; the
    coverage target and the enrolment speed are assumptions. One draw per worker a day
    from the ``insurance`` stream while the lever is on.
    """
    if not insurance.enabled:
        return
    u = rng.random(len(wf))
    current = wf.insured.mean() if len(wf) else 1.0
    gap = max(0.0, insurance.coverage_target - current) / max(1e-9, 1.0 - current)
    enrol = (~wf.insured) & (u < min(1.0, gap) * insurance.enrolment_per_day)
    wf.insured |= enrol
    wf.subsidized |= enrol


def own_problems(
    wf: WorkerTable,
    workers: WorkersConfig,
    one_stop: OneStopPolicy,
    behaviour: BehaviourConfig,
    rng: np.random.Generator,
) -> None:
    """Workers' own problems (arrears, schooling, medical care) and the one-stop platform.

    Each day a worker has a problem with probability ``own_problem_monthly / 30``; it is
    solved with ``one_stop.solve_probability`` when the platform is on, else with
    ``own_problem_solved_without_platform``. A solved problem adds
    ``belonging_own_problem_bump`` to belonging, an unsolved one takes the share
    ``belonging_own_problem_loss_share`` of it away. Source: the article's one-stop service
    platform joining departments; probabilities are assumptions.

    Args:
        wf: the worker table.
        workers: the ``workers`` block (problem rate, solution without the platform).
        one_stop: ``policies.one_stop``.
        behaviour: the ``behaviour`` block (the belonging gained and lost).
        rng: the ``own_problems`` stream (two draws per worker a day, whatever happens).
    """
    u_problem, u_solved = rng.random((2, len(wf)))
    solve_p = (
        one_stop.solve_probability
        if one_stop.enabled
        else workers.own_problem_solved_without_platform
    )
    bump = behaviour.belonging_own_problem_bump
    # the compiled form of own_problem_changes followed by wf.bump_belonging (the same
    # numbers, tests/sim/test_daily_kernels.py)
    own_problem_bumps(
        u_problem,
        u_solved,
        workers.own_problem_monthly / 30,
        solve_p,
        bump,
        -bump * behaviour.belonging_own_problem_loss_share,
        wf.belonging,
    )


def own_problem_changes(
    u_problem: np.ndarray,
    u_solved: np.ndarray,
    workers: WorkersConfig,
    one_stop: OneStopPolicy,
    behaviour: BehaviourConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Who has a problem today and what it does to his belonging, vectorised.

    The model runs the compiled form, :func:`model.sim.daily_kernels.own_problem_bumps`
    (see :func:`own_problems`).

    Args:
        u_problem: (n_workers,) uniforms: a problem today.
        u_solved: (n_workers,) uniforms: solved.
        workers: the ``workers`` block.
        one_stop: ``policies.one_stop``.
        behaviour: the ``behaviour`` block.

    Returns:
        ``(slots, amounts)``: the workers with a problem and the belonging each gains
        (negative: loses), shares; :meth:`WorkerTable.bump_belonging` applies them.
    """
    problem = np.flatnonzero(u_problem < workers.own_problem_monthly / 30)
    solve_p = (
        one_stop.solve_probability
        if one_stop.enabled
        else workers.own_problem_solved_without_platform
    )
    solved = u_solved[problem] < solve_p
    bump = behaviour.belonging_own_problem_bump
    # one bump for both: each worker's belonging moves by his own amount (the slots differ)
    amount = np.where(solved, bump, -bump * behaviour.belonging_own_problem_loss_share)
    return problem, amount


def honours_spillover(honours: HonoursPolicy) -> float:
    """Belonging-target gain of every registered worker from the publicity of honours.

    Source: the article's honours (荣誉表彰) and role-model publicity; the size is an
    assumption (``publicity_spillover``; 0 with the lever off).
    """
    return honours.publicity_spillover if honours.enabled else 0.0


# --------------------------------------------------------------------------- the month


def honours_awards(workers: AgentSet | None, wf: WorkerTable, honours: HonoursPolicy) -> None:
    """Every 30 days, honour the registered workers with most reports this month.

    The ``awards_per_month`` registered workers with most reports this month (at least one;
    ties by Mesa id) gain ``belonging_bump``. Source: the article's honours (荣誉表彰);
    sizes are assumptions.

    Args:
        workers: the Mesa agent set of workers (None when there are none).
        wf: the worker table.
        honours: ``policies.honours``.
    """
    if not honours.enabled or workers is None:
        return
    candidates = workers.select(lambda w: w.registered and w.reports_this_month > 0)
    ranked = sorted(candidates, key=lambda w: (-w.reports_this_month, w.unique_id))[
        : honours.awards_per_month
    ]
    awarded = np.array([w.slot for w in ranked], dtype=np.int64)
    wf.bump_belonging(awarded, honours.belonging_bump)
    wf.honours[awarded] += 1


# --------------------------------------------------------------------------- verification


def pay_points(
    verified: Iterable[int],
    reporters: dict[int, list[Reporter]],
    issue_type: Sequence[int],
    scheme: PointsScheme,
    ledger: Ledger,
    wf: WorkerTable,
) -> None:
    """Points for verified worker reports, paid at dispatch within the yearly budget.

    The first reporter of the issue, if a worker still in the street, earns the type's
    reward (duplicate worker reporters too when ``duplicates_paid``), paid within
    ``annual_budget_yuan`` (:meth:`Ledger.pay_points`) and credited as points. Source:
    ``points_schedule_examples``.

    Args:
        verified: issues dispatched (verified), in dispatch order.
        reporters: reporters of each issue, in filing order (the service chain's).
        issue_type: issue type code of every issue (read one at a time: a Python list
            reads faster than an array).
        scheme: the points lever's terms.
        ledger: the cost ledger.
        wf: the worker table (points balances, who holds a slot now).
    """
    rewards = scheme.reward_yuan
    n_worker_kinds = len(WorkerKind)
    for issue in verified:
        reward = rewards[issue_type[issue]]
        if not reward > 0:
            continue
        for i, (observer, slot, agent_id, _channel, _row) in enumerate(reporters.get(issue, [])):
            if observer >= n_worker_kinds or (i > 0 and not scheme.duplicates_paid):
                continue
            if wf.agent_id[slot] == agent_id:  # still in the street
                paid = ledger.pay_points(reward)
                wf.points[slot] += paid / max(scheme.yuan_per_point, 1e-12)


def waive_penalties(
    verified: Iterable[int],
    reporters: dict[int, list[Reporter]],
    waiver: WaiverPolicy,
    ledger: Ledger,
) -> None:
    """The platform waives the delivery penalty of a verified first report by a worker.

    Each costs the platform ``yuan_per_waived_report``, booked to the ledger. Source: the
    article's call on platforms to carry responsibility (cf. Shenyang's penalty waiver);
    the amount is an assumption.
    """
    if not waiver.enabled:
        return
    for issue in verified:
        first = reporters.get(issue, [])[:1]
        if first and first[0][0] < len(WorkerKind):  # the first reporter's observer class
            ledger.book("waiver", waiver.yuan_per_waived_report)

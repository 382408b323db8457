"""The policy levers: one function per lever for what it does to the street.

Every lever of the source article is a block of ``policies`` (docs/ODD.md, section 9.4 maps
the article's measures to them). This module is where a lever acts:

- once, at the start of a run: :func:`station_reach` (which stations each worker can
  reach, from distance along his route);
- at the start of each day (:meth:`model.sim.model.StreetModel.start_day` calls them in
  this order): :func:`station_visits`, :func:`posts_registration_drive`,
  :func:`station_registration`, :func:`designated_posts`, :func:`insurance_enrolment`,
  :func:`own_problems` (the one-stop platform), :func:`honours_spillover`;
- every 30 days: :func:`honours_awards`, :func:`council_meetings`,
  :func:`community_activities` (deliberation); at the council session (an office hour),
  :func:`relay_opinions`;
- when a ticket is verified (dispatched): :func:`pay_points`, :func:`waive_penalties`;
- once, at the start of a run, as terms of the other submodels: :func:`points_scheme` (the
  only place the points lever's effects are read), :func:`report_time_pressure` (waiver),
  :func:`mini_program_adoption`; what the levers do to the channels is
  :func:`model.sim.channels.channel_rules`, what they cost :class:`model.sim.costs.Ledger`.

Every magnitude is a parameter of the lever's block with its unit and source (docs/ODD.md,
section 8; the behavioural weights with their evidence and plausible ranges in
model/config/mechanisms.yaml); the per-worker reference versions of the daily lever code are
in :mod:`model.sim.reference`. Each lever draws from a stream of its own (or from keyed
draws), so a lever switched on at zero strength changes nothing and never shifts another
submodel's random numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from mesa.agent import AgentSet

from model.config.behaviour import BehaviourConfig
from model.config.channels import ChannelsConfig
from model.config.codes import ISSUE_TYPES, IssueStatus, IssueType, Role, WorkerKind
from model.config.people import WorkersConfig
from model.config.policies import (
    DeliberationPolicy,
    HonoursPolicy,
    InsurancePolicy,
    MiniProgramPolicy,
    OneStopPolicy,
    PointsPolicy,
    PostsPolicy,
    StationsPolicy,
    WaiverPolicy,
)
from model.sim.costs import Ledger
from model.sim.issues import IssueLog
from model.sim.residents import ResidentTable
from model.sim.service import Reporter
from model.sim.space import Layout, distance_m
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


@dataclass(frozen=True)
class StationReach:
    """Which stations a worker can reach, by kind and base community.

    Attributes:
        pull: (n_kinds, n_communities, n_stations) share of a worker's passes that fall
            within reach of each station (0 with no stations).
        reach: (n_kinds, n_communities) share of a worker's passes within reach of at least
            one station: a second station adds only the part of its catchment the first
            does not already cover (nothing when it stands next to the first: diminishing
            returns), while it adds its full capacity.
    """

    pull: np.ndarray
    reach: np.ndarray


def station_reach(
    worker_passes: np.ndarray,
    layout: Layout,
    workers: WorkersConfig,
    stations: StationsPolicy,
) -> StationReach:
    """How far each station reaches into each worker's route (the stations' catchment).

    A station is within reach of a cell at most ``reach_minutes`` away at the kind's speed
    (``reach_minutes / 60 x speed_kmh`` km, straight line). Its pull on a worker of kind
    ``k`` based in ``b`` is the share of his passes (``worker_passes[k, b]``) on such cells.
    Source: the article's stations (暖蜂驿站); reach and capacity are assumptions.

    Args:
        worker_passes: (n_kinds, n_communities, n_cells) exposure matrices.
        layout: the street layout (cells of the stations).
        workers: the ``workers`` block (speed of each kind).
        stations: ``policies.stations``.

    Returns:
        The pulls and reaches.
    """
    n_kinds, n_bases, n_cells = worker_passes.shape
    cells = layout.station_cells
    pull = np.zeros((n_kinds, n_bases, len(cells)))
    reach = np.zeros((n_kinds, n_bases))
    if len(cells):
        distance = distance_m(layout, cells[:, None], np.arange(n_cells)[None, :])  # (S, C)
        totals = worker_passes.sum(axis=2)
        has_passes = totals > 0
        for k, kind in enumerate(WorkerKind):
            speed = getattr(workers, kind.name.lower()).speed_kmh
            radius = stations.reach_minutes / 60.0 * speed * 1000.0
            near = distance <= radius  # (S, C)
            within = worker_passes[k] @ near.T.astype(float)  # (B, S)
            covered = worker_passes[k] @ near.any(axis=0).astype(float)  # (B,)
            pull[k] = np.divide(
                within, totals[k][:, None], out=np.zeros_like(within), where=has_passes[k][:, None]
            )
            reach[k] = np.divide(
                covered, totals[k], out=np.zeros_like(covered), where=has_passes[k]
            )
    return StationReach(pull=pull, reach=np.clip(reach, 0.0, 1.0))


def station_visits(
    wf: WorkerTable,
    works: np.ndarray,
    reach: StationReach,
    stations: StationsPolicy,
    rng: np.random.Generator,
) -> np.ndarray:
    """Workers stop at a station in reach: rest, charging, water (upgraded: more).

    A working worker wants to stop at station ``s`` with probability
    ``visit_daily_probability x reach x pull_s / sum(pull)`` (his reach over the stations in
    proportion to their pull); a station expecting more visitors than
    ``capacity_visits_per_day`` turns the surplus away in proportion. A visitor gains
    belonging (``upgraded_belonging_per_visit`` at upgraded stations, else
    ``belonging_per_visit``). Source: the article's worker stations (暖蜂驿站), upgraded with
    publicity, training and deliberation; rates, reach and capacity are assumptions.

    Args:
        wf: the worker table.
        works: (n_workers,) the worker works today.
        reach: the stations' reach (:func:`station_reach`).
        stations: ``policies.stations``.
        rng: the ``stations`` stream (two draws per worker, whatever happens).

    Returns:
        Slots of the workers who visited.
    """
    u_visit, u_station = rng.random((2, len(wf)))
    n_stations = reach.pull.shape[2]
    if n_stations == 0 or len(wf) == 0:
        return np.zeros(0, dtype=np.int64)
    pull = reach.pull[wf.kind, wf.base]  # (n, S)
    total = pull.sum(axis=1)
    share = np.divide(pull, total[:, None], out=np.zeros_like(pull), where=total[:, None] > 0)
    wants = stations.visit_daily_probability * reach.reach[wf.kind, wf.base] * works
    demand = (wants[:, None] * share).sum(axis=0)  # expected visitors per station
    room = np.minimum(1.0, np.divide(stations.capacity_visits_per_day, np.maximum(demand, 1e-12)))
    cum = np.cumsum(share, axis=1)
    station = np.minimum((u_station[:, None] >= cum).sum(axis=1), n_stations - 1)
    visits = np.flatnonzero((total > 0) & (u_visit < wants * room[station]))
    bump = (
        stations.upgraded_belonging_per_visit if stations.upgraded else stations.belonging_per_visit
    )
    wf.bump_belonging(visits, bump)
    return visits


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


def station_registration(extra: np.ndarray, visits: np.ndarray, stations: StationsPolicy) -> None:
    """A visit to an upgraded station may lead to registration (报到) there.

    Adds ``registration_per_visit`` to the day's extra hazard of today's visitors (in place).
    Source: the article's upgraded stations (policy publicity at the station); the chance is
    an assumption.
    """
    if stations.upgraded and len(visits):
        extra[visits] += stations.registration_per_visit


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
    problem = np.flatnonzero(u_problem < workers.own_problem_monthly / 30)
    if len(problem) == 0:
        return
    solve_p = (
        one_stop.solve_probability
        if one_stop.enabled
        else workers.own_problem_solved_without_platform
    )
    solved = u_solved[problem] < solve_p
    bump = behaviour.belonging_own_problem_bump
    wf.bump_belonging(problem[solved], bump)
    wf.bump_belonging(problem[~solved], -bump * behaviour.belonging_own_problem_loss_share)


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


def council_meetings(
    wf: WorkerTable,
    deliberation: DeliberationPolicy,
    ledger: Ledger,
    rng: np.random.Generator,
) -> int:
    """Worker seats on residents' councils (居民议事会): fill seats, meet, gain belonging.

    The month's number of meetings is ``Poisson(meetings_per_month)``, street-wide. Each
    community fills its free seats (``seats_per_community``) from its registered workers;
    where seats are filled the meetings cost ``yuan_per_meeting`` each and seat holders gain
    ``meetings x belonging_bump``. What seat holders hear at the council session is
    :func:`relay_opinions`. Source: the article's invitation of workers to residents'
    councils and forums; sizes are assumptions.

    Args:
        wf: the worker table.
        deliberation: ``policies.deliberation``.
        ledger: the cost ledger.
        rng: the ``deliberation`` stream.

    Returns:
        The month's number of meetings.
    """
    meetings = int(rng.poisson(deliberation.meetings_per_month))
    for community in range(wf.n_communities):
        seated = np.flatnonzero(wf.seat & (wf.base == community))
        free = deliberation.seats_per_community - len(seated)
        if free > 0:
            pool = np.flatnonzero(wf.registered & ~wf.seat & (wf.base == community))
            if len(pool):
                new = rng.choice(pool, size=min(free, len(pool)), replace=False)
                wf.seat[new] = True
                seated = np.concatenate([seated, new])
        if meetings == 0 or len(seated) == 0:
            continue
        ledger.book("deliberation", meetings * deliberation.yuan_per_meeting)
        wf.bump_belonging(seated, meetings * deliberation.belonging_bump)
    return meetings


def relay_opinions(
    wf: WorkerTable,
    issues: IssueLog,
    live: np.ndarray,
    deliberation: DeliberationPolicy,
    meetings: int,
) -> list[tuple[int, int]]:
    """What seat holders hear at the council session: residents' waiting opinions.

    In each community, up to ``round(opinions_relayed_per_meeting x meetings x seats)``
    noticed but unreported opinion issues of the community (oldest first) are put to the
    current seat holders, in turn. Each is then a noticing of the seat holder, who weighs it
    with his own report decision over the channels open at the session (the model,
    :meth:`model.sim.model.StreetModel.council_session`): the council adds no report by
    itself.

    Args:
        wf: the worker table.
        issues: the issue log.
        live: the live issues (indices).
        deliberation: ``policies.deliberation``.
        meetings: the month's meetings (:func:`council_meetings`).

    Returns:
        ``(issue, slot)`` of each opinion heard, in order.
    """
    heard: list[tuple[int, int]] = []
    if meetings == 0:
        return heard
    for community in range(wf.n_communities):
        seated = np.flatnonzero(wf.seat & (wf.base == community))
        if len(seated) == 0:
            continue
        waiting = live[
            (issues.type[live] == IssueType.OPINION)
            & (issues.community[live] == community)
            & (issues.status[live] == IssueStatus.DETECTED)
        ]
        n_relay = round(deliberation.opinions_relayed_per_meeting * meetings * len(seated))
        for k, issue in enumerate(waiting[:n_relay]):
            heard.append((int(issue), int(seated[k % len(seated)])))
    return heard


def community_activities(
    wf: WorkerTable,
    residents: ResidentTable,
    deliberation: DeliberationPolicy,
    ledger: Ledger,
    rng: np.random.Generator,
) -> np.ndarray:
    """Cultural and mutual-help activities weave workers into the community.

    Each community holds ``Poisson(activities_per_month)`` activities (``yuan_per_activity``
    each); a worker based there joins at least one with probability
    ``1 - (1 - activity_participation) ** events`` (``activity_belonging_bump``), and its
    residents' trust in workers rises by ``resident_trust_gain x events x (1 - trust)``.
    Source: the article's cultural and mutual-help activities; sizes are assumptions.

    Returns:
        (n_communities,) residents' mean trust in workers, which sets the relay factor of
        opinion detection (:meth:`model.sim.detection.Detector.set_relay`).
    """
    res = residents
    n_communities = wf.n_communities
    for community in range(n_communities):
        events = int(rng.poisson(deliberation.activities_per_month))
        if events == 0:
            continue
        ledger.book("deliberation", events * deliberation.yuan_per_activity)
        members = np.flatnonzero(wf.base == community)
        joined = members[
            rng.random(len(members)) < 1 - (1 - deliberation.activity_participation) ** events
        ]
        wf.bump_belonging(joined, deliberation.activity_belonging_bump)
        mine = res.community == community
        res.trust_in_workers[mine] += (
            deliberation.resident_trust_gain * events * (1.0 - res.trust_in_workers[mine])
        )
    return np.bincount(
        res.community, weights=res.trust_in_workers, minlength=n_communities
    ) / np.maximum(1, np.bincount(res.community, minlength=n_communities))


# --------------------------------------------------------------------------- verification


def pay_points(
    verified: Iterable[int],
    reporters: dict[int, list[Reporter]],
    issue_type: np.ndarray,
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
        issue_type: issue type code of every issue.
        scheme: the points lever's terms.
        ledger: the cost ledger.
        wf: the worker table (points balances, who holds a slot now).
    """
    for issue in verified:
        reward = scheme.reward_yuan[issue_type[issue]]
        if not reward > 0:
            continue
        for i, reporter in enumerate(reporters.get(issue, [])):
            if reporter.observer >= len(WorkerKind) or (i > 0 and not scheme.duplicates_paid):
                continue
            if wf.agent_id[reporter.slot] == reporter.agent_id:  # still in the street
                paid = ledger.pay_points(reward)
                wf.points[reporter.slot] += paid / max(scheme.yuan_per_point, 1e-12)


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
        if first and first[0].observer < len(WorkerKind):
            ledger.book("waiver", waiver.yuan_per_waived_report)

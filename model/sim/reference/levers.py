"""Per-worker references for the daily and monthly lever code of :mod:`model.sim.levers`.

Worker by worker, on the same draws as the fast code (each function says which, in the fast
code's order): :func:`posts_registration_drive` (extra registration hazard per day),
:func:`designated_posts`, :func:`insurance_enrolment`, :func:`own_problems` (the one-stop
platform) and :func:`honours_awards` (ranked from the table rather than the Mesa agent
set). The stations and deliberation levers have their references in
:mod:`model.sim.reference.stations` and :mod:`model.sim.reference.deliberation`.
"""

from __future__ import annotations

import numpy as np

from model.config.behaviour import BehaviourConfig
from model.config.codes import Role
from model.config.people import WorkersConfig
from model.config.policies import HonoursPolicy, InsurancePolicy, OneStopPolicy, PostsPolicy
from model.sim.reference.workforce import bump_belonging
from model.sim.workforce import WorkerTable


def posts_registration_drive(wf: WorkerTable, posts: PostsPolicy, base_hazard: float) -> np.ndarray:
    """Worker by worker: the extra registration hazard of the posts programme.

    Counts the publicists based in each worker's community by looping over the workers.
    """
    extra = np.zeros(len(wf))
    if not posts.enabled:
        return extra
    for w in range(len(wf)):
        publicists = sum(
            1
            for other in range(len(wf))
            if wf.role[other] == Role.PUBLICIST and wf.base[other] == wf.base[w]
        )
        extra[w] = posts.registration_drive_hazard + base_hazard * (
            posts.publicist_registration_boost
            * min(1.0, publicists / posts.publicists_for_full_boost)
        )
    return extra


def designated_posts(
    wf: WorkerTable, registered: np.ndarray, posts: PostsPolicy, rng: np.random.Generator
) -> int:
    """Newly registered worker by worker: who gets a post, and which.

    Draws (as ``WorkerTable.assign_posts``): one uniform per candidate; without skill
    matching, then one post per chosen worker. With matching, riders become informants,
    couriers safety patrols, drivers publicists.

    Returns:
        The number of posts given.
    """
    if not posts.enabled or len(registered) == 0:
        return 0
    u = rng.random(len(registered))
    chosen = [
        int(w) for w, draw in zip(registered, u, strict=True) if draw < posts.share_of_registered
    ]
    matched = {0: Role.INFORMANT, 1: Role.SAFETY_PATROL, 2: Role.PUBLICIST}
    drawn = None if posts.skill_matching else rng.integers(Role.INFORMANT, len(Role), len(chosen))
    for k, w in enumerate(chosen):
        wf.role[w] = matched[int(wf.kind[w])] if drawn is None else drawn[k]
    return len(chosen)


def insurance_enrolment(
    wf: WorkerTable, insurance: InsurancePolicy, rng: np.random.Generator
) -> None:
    """Worker by worker: enrolment under the insurance guarantee (one uniform per worker)."""
    if not insurance.enabled:
        return
    n = len(wf)
    current = sum(bool(x) for x in wf.insured) / n if n else 1.0
    gap = max(0.0, insurance.coverage_target - current) / max(1e-9, 1.0 - current)
    p = min(1.0, gap) * insurance.enrolment_per_day
    u = rng.random(n)
    for w in range(n):
        if not wf.insured[w] and u[w] < p:
            wf.insured[w] = True
            wf.subsidized[w] = True


def own_problems(
    wf: WorkerTable,
    workers: WorkersConfig,
    one_stop: OneStopPolicy,
    behaviour: BehaviourConfig,
    rng: np.random.Generator,
) -> None:
    """Worker by worker: today's own problems, solved or not (one-stop platform).

    Draws: a row of ``u_problem``, then a row of ``u_solved``, one per worker each,
    whatever happens (the ``own_problems`` stream).
    """
    u_problem, u_solved = rng.random((2, len(wf)))
    p = (
        one_stop.solve_probability
        if one_stop.enabled
        else workers.own_problem_solved_without_platform
    )
    gain = behaviour.belonging_own_problem_bump
    loss = gain * behaviour.belonging_own_problem_loss_share
    for w in range(len(wf)):
        if u_problem[w] < workers.own_problem_monthly / 30:
            bump_belonging(wf, w, gain if u_solved[w] < p else -loss)


def honours_awards(wf: WorkerTable, honours: HonoursPolicy) -> list[int]:
    """The honoured workers, ranked from the table (most reports this month, then Mesa id).

    Returns:
        Slots of the honoured workers (their belonging is bumped).
    """
    if not honours.enabled:
        return []
    candidates = [w for w in range(len(wf)) if wf.registered[w] and wf.reports_month[w] > 0]
    ranked = sorted(candidates, key=lambda w: (-int(wf.reports_month[w]), int(wf.agent_id[w])))
    chosen = ranked[: honours.awards_per_month]
    for w in chosen:
        bump_belonging(wf, w, honours.belonging_bump)
    return chosen

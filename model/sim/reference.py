"""Per-agent reference versions of the vectorised submodels, for checking the fast code.

The hot path works on whole arrays (docs/ODD.md, section 2.2, says why). Every vectorised
submodel has here a reference written the obvious way: Python loops over cells, issues,
observers, workers or residents, from the definitions in docs/ODD.md (section 7), never from
the fast code's intermediate arrays. The tests (``tests/sim/test_reference.py``) compare the
two on small streets:

- where both take the same random draws, the reference takes them from a generator seeded
  like the fast code's, in the fast code's draw order (each function says which draws), and
  the results must be identical;
- where the fast code draws differently (the two-stage picks of the noticing worker and
  resident), the reference gives the probabilities, and the empirical distribution of many
  fast draws must fit them.

Nothing in the model imports this module; it is slow on purpose. It is longer than the
package's other modules because it mirrors all of them: one plain reference per vectorised
submodel, kept side by side so that each can be read against section 7. Covered: space
(:func:`pass_weight`, :func:`exposure`, :func:`window_sum`), detection
(:func:`noticing_intensity`, :func:`detection_hits`, :func:`worker_pick_probabilities`,
:func:`watcher_probabilities`, :func:`resident_looks`), shifts (:func:`shifts`), decisions
(:func:`expected_cost`, :func:`choose_channel`, :func:`worker_decisions`,
:func:`resident_decisions`), escalation (:func:`escalation_age`), and the daily and monthly
lever code of :mod:`model.sim.levers` (:func:`station_visits`,
:func:`posts_registration_drive`, :func:`station_registration`, :func:`designated_posts`,
:func:`insurance_enrolment`, :func:`own_problems`, :func:`update_belonging`,
:func:`honours_awards`, :func:`community_activities`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import integrate, optimize

from model.config.behaviour import BehaviourConfig
from model.config.codes import (
    CHANNELS,
    ISSUE_TYPES,
    NO_CHANNEL,
    OBSERVERS,
    WORKER_KINDS,
    IssueType,
    Observer,
    Role,
)
from model.config.people import WorkersConfig
from model.config.policies import (
    DeliberationPolicy,
    HonoursPolicy,
    InsurancePolicy,
    OneStopPolicy,
    PostsPolicy,
    StationsPolicy,
)
from model.config.scenario import ScenarioConfig
from model.sim.channels import ChannelRules
from model.sim.issues import IssueLog
from model.sim.residents import ResidentTable
from model.sim.space import Layout
from model.sim.workforce import WorkerTable

# --------------------------------------------------------------------------- space


def chebyshev(layout: Layout, a: int, b: int) -> int:
    """Chessboard distance between two flat cells, cells."""
    ax, ay = divmod(int(a), layout.cells_y)
    bx, by = divmod(int(b), layout.cells_y)
    return max(abs(ax - bx), abs(ay - by))


def pass_weight(layout: Layout, kind: str, roads_only: bool, cell: int) -> float:
    """Relative pass weight of one cell for a worker kind (the route patterns, section 7.4)."""
    res_max = max(float(layout.residential.max()), 1e-12)
    road = float(layout.road[cell])
    merchant = float(layout.merchant[cell])
    res = float(layout.residential[cell]) / res_max
    if kind == "rider":
        weight = 0.4 * road + 1.5 * merchant + 0.8 * res
    elif kind == "courier":
        weight = 0.3 * road + 1.2 * res
    else:
        weight = 1.0 * road + 0.05 * res
    return weight * road if roads_only else weight


def exposure(workers: WorkersConfig, layout: Layout) -> np.ndarray:
    """``M[k, b, c]`` cell by cell: cells per hour spread over the zone by pass weight.

    Returns:
        (n_kinds, n_communities, n_cells) passes per hour of one online worker.
    """
    n_x = layout.communities_x
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(workers, kind)
        cells_per_hour = profile.speed_kmh * 1000.0 / layout.cell_size_m
        for b in range(layout.n_communities):
            bx, by = b % n_x, b // n_x
            weights = []
            for c in range(layout.n_cells):
                comm = int(layout.community[c])
                cx, cy = comm % n_x, comm // n_x
                in_zone = max(abs(bx - cx), abs(by - cy)) <= profile.zone_radius_communities
                w = pass_weight(layout, kind, profile.roads_only, c) if in_zone else 0.0
                weights.append(w)
            total = sum(weights)
            for c in range(layout.n_cells):
                out[k, b, c] = weights[c] / total * cells_per_hour if total > 0 else 0.0
    return out


def window_sum(values: np.ndarray, layout: Layout, radius: int) -> np.ndarray:
    """Sum of a cell field over the square window around each cell, cell by cell."""
    out = np.zeros(layout.n_cells)
    for c in range(layout.n_cells):
        out[c] = sum(values[d] for d in range(layout.n_cells) if chebyshev(layout, c, d) <= radius)
    return out


# --------------------------------------------------------------------------- detection


def resident_looks(residents: ResidentTable, layout: Layout) -> np.ndarray:
    """Resident looks per cell per outdoor hour, resident by resident."""
    r = residents.residents
    looks = np.zeros(layout.n_cells)
    for slot in range(len(residents)):
        for cell in range(layout.n_cells):
            if chebyshev(layout, residents.home[slot], cell) <= r.watch_radius_cells:
                looks[cell] += r.passes_per_hour * residents.activity[slot]
    return looks


def noticing_intensity(
    config: ScenarioConfig,
    issues: IssueLog,
    layout: Layout,
    residents: ResidentTable,
    relay_factor: np.ndarray,
    issue_idx: np.ndarray,
    counts: np.ndarray,
    hour: int,
    on_duty: bool,
    worker_exposure: np.ndarray,
) -> np.ndarray:
    """Noticing intensity issue by issue and observer by observer (section 7.4).

    Workers: online workers x their passes of the cell (``worker_exposure``), times building
    access indoors and the relay factor for opinions. Residents: every resident whose watch
    window covers the cell looks ``passes_per_hour`` times its activity, less at night, half
    indoors. Staff: patrol cells per hour spread over the community's cells, only on duty,
    half indoors. Everything times the type's visibility for the observer.

    Returns:
        (n_issues, n_observers) expected noticing passes in the hour.
    """
    r = config.residents
    radius = r.watch_radius_cells
    outdoor = r.outdoor_start_hour <= hour < r.outdoor_end_hour
    s = config.staff
    patrol = config.population.staff_per_community * s.patrol_share * s.patrol_cells_per_hour
    out = np.zeros((len(issue_idx), len(OBSERVERS)))
    for row, i in enumerate(issue_idx):
        cell, kind_of_issue = int(issues.cell[i]), ISSUE_TYPES[issues.type[i]]
        indoor, community = bool(issues.indoor[i]), int(issues.community[i])
        visibility = config.issues.types[kind_of_issue].visibility
        for o, observer in enumerate(OBSERVERS):
            if o < len(WORKER_KINDS):
                passes = 0.0
                for b in range(layout.n_communities):
                    passes += counts[o, b] * worker_exposure[o, b, cell]
                if indoor:
                    passes *= getattr(config.workers, observer).building_access
                if issues.type[i] == IssueType.OPINION:
                    passes *= relay_factor[community]
            elif o == Observer.RESIDENT:
                looks = 0.0
                for slot in range(len(residents)):
                    if chebyshev(layout, residents.home[slot], cell) <= radius:
                        looks += r.passes_per_hour * residents.activity[slot]
                passes = looks * (1.0 if outdoor else r.night_activity) * (0.5 if indoor else 1.0)
            else:
                cells_here = int(np.count_nonzero(layout.community == community))
                passes = patrol / cells_here * (0.5 if indoor else 1.0) * float(on_duty)
            out[row, o] = passes * visibility.get(observer, 0.0)
    return out


def detection_hits(
    issue_idx: np.ndarray, intensity: np.ndarray, rng: np.random.Generator
) -> set[tuple[int, int]]:
    """(issue, observer) pairs that notice, one uniform draw per element (``detect``'s first).

    An observer class notices an issue in the hour with probability ``1 - exp(-intensity)``.
    """
    u = rng.random(intensity.shape)
    hits = set()
    for row in range(len(issue_idx)):
        for o in range(intensity.shape[1]):
            if u[row, o] < 1.0 - math.exp(-intensity[row, o]):
                hits.add((int(issue_idx[row]), o))
    return hits


def online_counts(workforce: WorkerTable, online_share: np.ndarray) -> np.ndarray:
    """Online workers per kind and base, summed worker by worker."""
    counts = np.zeros((len(WORKER_KINDS), workforce.n_communities))
    for w in range(len(workforce)):
        counts[workforce.kind[w], workforce.base[w]] += float(online_share[w])
    return counts


def worker_pick_probabilities(
    workforce: WorkerTable,
    worker_exposure: np.ndarray,
    kind: int,
    cell: int,
    online_share: np.ndarray,
) -> np.ndarray:
    """P(worker w noticed | a worker of ``kind`` noticed at ``cell``), worker by worker.

    Each worker's share of the passes of the cell this hour: the share of the hour it is
    online times the passes per hour a worker of its kind and base makes at the cell.
    """
    weight = np.zeros(len(workforce))
    for w in range(len(workforce)):
        if workforce.kind[w] == kind:
            weight[w] = float(online_share[w]) * worker_exposure[kind, workforce.base[w], cell]
    return weight / weight.sum()


def watcher_probabilities(residents: ResidentTable, layout: Layout, cell: int) -> np.ndarray:
    """P(resident r is the one who noticed at ``cell``): activity among those within reach."""
    radius = residents.residents.watch_radius_cells
    weight = np.array(
        [
            residents.activity[r] if chebyshev(layout, residents.home[r], cell) <= radius else 0.0
            for r in range(len(residents))
        ]
    )
    total = weight.sum()
    return weight / total if total > 0 else weight


# --------------------------------------------------------------------------- shifts


def shifts(
    workforce: WorkerTable, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's shifts worker by worker (draws of ``draw_shifts``: work, start, length).

    Returns:
        ``(online, counts, hours)``: (n_workers, 24) share of each hour online,
        (24, n_kinds, n_communities) online workers, (n_workers,) hours online today.
    """
    n = len(workforce)
    u_work, u_start, z = rng.random(n), rng.random(n), rng.standard_normal(n)
    online = np.zeros((n, 24))
    hours_today = np.zeros(n)
    counts = np.zeros((24, len(WORKER_KINDS), workforce.n_communities))
    for w in range(n):
        profile = getattr(workforce.workers, WORKER_KINDS[workforce.kind[w]])
        if not u_work[w] < profile.workdays_per_week / 7.0:
            continue
        options = profile.shift_start_hours
        start = float(options[int(u_start[w] * len(options))])
        length = min(max(profile.online_hours_mean + profile.online_hours_sd * z[w], 1.0), 16.0)
        length = min(length, 24.0 - start)
        hours_today[w] = length
        for h in range(24):
            share = min(max(start + length - h, 0.0), 1.0) if h >= start else 0.0
            online[w, h] = share
            counts[h, workforce.kind[w], workforce.base[w]] += share
    return online, counts, hours_today


# --------------------------------------------------------------------------- decisions


def expected_cost(cost_row, available_row, scale: float) -> float:
    """Smooth minimum of the open channels' costs, ``-scale * log(sum(exp(-cost / scale)))``."""
    open_costs = [c for c, ok in zip(cost_row, available_row, strict=True) if ok]
    if not open_costs:
        return math.inf
    low = min(open_costs)
    return low - scale * math.log(math.fsum(math.exp(-(c - low) / scale) for c in open_costs))


def choose_channel(cost_row, available_row, scale: float, u_row) -> int:
    """The open channel with the largest ``-cost / scale + Gumbel(u)`` (logit choice)."""
    best, best_score = NO_CHANNEL, -math.inf
    for ch in range(len(cost_row)):
        if available_row[ch]:
            score = -cost_row[ch] / scale - math.log(-math.log(u_row[ch]))
            if score > best_score:
                best, best_score = ch, score
    return best


def _report_and_choose(
    utilities: list[float],
    costs: list[list[float]],
    available: np.ndarray,
    config: ScenarioConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Report with ``sigmoid(u - cost_per_yuan x expected cost)``, then choose the channel.

    Draws (as ``ReportDecision.decide``): one uniform per row, then a row of channel
    uniforms for each reporting row, in row order.
    """
    b = config.behaviour
    scale = b.channel_choice_scale_yuan
    n = len(utilities)
    u_report = rng.random(n)
    chosen = np.full(n, NO_CHANNEL, dtype=np.int64)
    reporting = []
    for i in range(n):
        c = expected_cost(costs[i], available[i], scale)
        p = 0.0 if math.isinf(c) else 1.0 / (1.0 + math.exp(-(utilities[i] - b.cost_per_yuan * c)))
        if u_report[i] < p:
            reporting.append(i)
    u_channel = rng.random((len(reporting), len(CHANNELS)))
    for row, i in enumerate(reporting):
        chosen[i] = choose_channel(costs[i], available[i], scale, u_channel[row])
    return chosen


def worker_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    rng: np.random.Generator,
) -> np.ndarray:
    """Report decision and channel of each detecting worker, row by row (section 7.5).

    The utility is written out from the definitions: the levers are read from ``config``
    (crowding out, honours, waiver), not from the fast code's precomputed terms.

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per worker: ``kind``, ``motivation``, ``belonging``,
            ``trust``, ``registered``, ``insured``, ``role``, ``role_match``, ``severity``,
            ``reward`` (yuan) and ``available`` (n, n_channels).
        rng: generator seeded like the fast code's ``decisions`` stream.

    Returns:
        (n,) chosen channel, ``NO_CHANNEL`` where the worker does not report.
    """
    b, pol = config.behaviour, config.policies
    crowding = pol.points.enabled and pol.points.crowding_out
    kept = 1.0 - (pol.points.crowding_out_strength if crowding else 0.0)
    utilities, costs = [], []
    for i in range(len(data["kind"])):
        profile = getattr(config.workers, WORKER_KINDS[data["kind"][i]])
        pressure = profile.time_pressure
        if pol.waiver.enabled:
            pressure *= 1.0 - pol.waiver.cost_reduction
        costs.append([rules.minutes[ch] * pressure for ch in range(len(CHANNELS))])
        registered = bool(data["registered"][i])
        utilities.append(
            b.worker_intercept
            + b.motivation * data["motivation"][i] * kept
            + b.belonging * data["belonging"][i]
            + b.trust * data["trust"][i]
            + b.severity * data["severity"][i]
            + b.registered * registered
            + b.role * (data["role"][i] != Role.NONE)
            + b.role_match * bool(data["role_match"][i])
            + b.honours * (registered and pol.honours.enabled)
            + b.security * bool(data["insured"][i])
            + b.reward_per_yuan * data["reward"][i]
        )
    return _report_and_choose(utilities, costs, data["available"], config, rng)


def resident_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    rng: np.random.Generator,
) -> np.ndarray:
    """Report decision and channel of each detecting resident, row by row (section 7.5).

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per resident: ``propensity``, ``trust``, ``severity`` and
            ``available`` (n, n_channels).
        rng: generator seeded like the fast code's ``decisions`` stream.
    """
    b = config.behaviour
    value = config.residents.time_value_yuan_per_minute
    cost = [rules.minutes[ch] * value for ch in range(len(CHANNELS))]
    utilities = [
        b.resident_intercept
        + b.resident_propensity * data["propensity"][i]
        + b.trust * data["trust"][i]
        + b.severity * data["severity"][i]
        for i in range(len(data["propensity"]))
    ]
    return _report_and_choose(utilities, [cost] * len(utilities), data["available"], config, rng)


# --------------------------------------------------------------------------- issues


def escalation_age(base_per_1000h: float, doubling_h: float, budget: float) -> float:
    """Age at which the integrated hazard ``h0 2^(a/d)`` reaches the budget (quadrature)."""
    h0 = base_per_1000h / 1000.0

    def cumulative(age: float) -> float:
        return integrate.quad(lambda a: h0 * 2.0 ** (a / doubling_h), 0.0, age, limit=200)[0]

    upper = 1.0
    while cumulative(upper) < budget:
        upper *= 2.0
    return optimize.brentq(lambda a: cumulative(a) - budget, 0.0, upper, xtol=1e-10, rtol=1e-12)


# --------------------------------------------------------------------------- the levers


def _bump(wf: WorkerTable, slot: int, amount: float) -> None:
    wf.belonging[slot] = min(max(wf.belonging[slot] + amount, 0.0), 1.0)


def station_visits(
    wf: WorkerTable, works: np.ndarray, stations: StationsPolicy, rng: np.random.Generator
) -> list[int]:
    """Worker by worker: who visits a station today, with its belonging gain.

    Draws: one uniform per worker, in slot order (as ``levers.station_visits``).
    """
    u = rng.random(len(wf))
    bump = (
        stations.upgraded_belonging_per_visit if stations.upgraded else stations.belonging_per_visit
    )
    visits = []
    for w in range(len(wf)):
        if (
            works[w]
            and wf.station_in_reach[wf.kind[w], wf.base[w]]
            and u[w] < (stations.visit_daily_probability)
        ):
            visits.append(w)
            _bump(wf, w, bump)
    return visits


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


def station_registration(extra: np.ndarray, visits: list[int], stations: StationsPolicy) -> None:
    """Visitor by visitor: an upgraded station's registration chance (in place)."""
    if stations.upgraded:
        for w in visits:
            extra[w] += stations.registration_per_visit


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

    Draws: one uniform per worker; then, if anyone has a problem, one per problem.
    """
    u = rng.random(len(wf))
    problems = [w for w in range(len(wf)) if u[w] < workers.own_problem_monthly / 30]
    if not problems:
        return
    p = (
        one_stop.solve_probability
        if one_stop.enabled
        else workers.own_problem_solved_without_platform
    )
    v = rng.random(len(problems))
    gain = behaviour.belonging_own_problem_bump
    loss = gain * behaviour.belonging_own_problem_loss_share
    for w, draw in zip(problems, v, strict=True):
        _bump(wf, w, gain if draw < p else -loss)


def update_belonging(wf: WorkerTable, honours_spillover: float) -> None:
    """Worker by worker: belonging moves towards its status-dependent target (section 7.8)."""
    b = wf.behaviour
    for w in range(len(wf)):
        target = (
            wf.belonging_base[w]
            + b.belonging_registered_gain * wf.registered[w]
            + b.belonging_role_gain * (wf.role[w] != Role.NONE)
            + b.belonging_insured_gain * wf.insured[w]
            + honours_spillover * wf.registered[w]
        )
        target = min(max(target, 0.0), 1.0)
        wf.belonging[w] += b.belonging_adjust_per_day * (target - wf.belonging[w])


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
        _bump(wf, w, honours.belonging_bump)
    return chosen


def community_activities(
    wf: WorkerTable,
    residents: ResidentTable,
    deliberation: DeliberationPolicy,
    rng: np.random.Generator,
) -> np.ndarray:
    """Community by community, worker by worker, resident by resident: the activities.

    Draws (as ``levers.community_activities``): per community, the number of activities;
    where there are any, one uniform per worker based there, in slot order.

    Returns:
        Residents' mean trust in workers per community.
    """
    for community in range(wf.n_communities):
        events = int(rng.poisson(deliberation.activities_per_month))
        if events == 0:
            continue
        members = [w for w in range(len(wf)) if wf.base[w] == community]
        u = rng.random(len(members))
        join_p = 1 - (1 - deliberation.activity_participation) ** events
        for w, draw in zip(members, u, strict=True):
            if draw < join_p:
                _bump(wf, w, deliberation.activity_belonging_bump)
        for r in range(len(residents)):
            if residents.community[r] == community:
                residents.trust_in_workers[r] += (
                    deliberation.resident_trust_gain
                    * events
                    * (1.0 - residents.trust_in_workers[r])
                )
    trust = np.zeros(wf.n_communities)
    for community in range(wf.n_communities):
        mine = [
            residents.trust_in_workers[r]
            for r in range(len(residents))
            if residents.community[r] == community
        ]
        trust[community] = sum(mine) / max(1, len(mine))
    return trust

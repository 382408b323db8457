"""Per-agent reference versions of the vectorised submodels, for checking the fast code.

The hot path works on whole arrays (docs/ODD.md, section 2.2, says why). Every vectorised
submodel has here a reference written the obvious way: Python loops over cells, issues,
observers, workers or residents, from the definitions in docs/ODD.md (section 7), never from
the fast code's intermediate arrays. The tests (``tests/sim/test_reference.py``) compare the
two on small streets, for the same random numbers:

- detection and the report decisions take their uniforms from the run's keyed draws
  (:class:`model.sim.streams.KeyedDraws`) or as arrays passed in; the reference takes the
  same numbers (drawn here one event at a time, with the fast code's keys) and the results
  must be identical;
- the daily levers draw from a generator; the reference takes the same draws from a
  generator seeded alike, in the fast code's draw order (each function says which draws);
- where the fast code picks in two stages (the noticing worker and resident), the
  reference also gives the per-agent probabilities, and the empirical distribution of many
  fast picks must fit them.

Nothing in the model imports this module; it is slow on purpose. It is longer than the
package's other modules because it mirrors all of them: one plain reference per vectorised
submodel, kept side by side so that each can be read against section 7. Covered: space
(:func:`pass_weight`, :func:`exposure`, :func:`door_contacts`, :func:`window_sum`),
detection (:func:`noticing_intensity`, :func:`detection_hits`, :func:`pick_worker`,
:func:`pick_watcher`, :func:`detections`, :func:`worker_pick_probabilities`,
:func:`watcher_probabilities`, :func:`resident_looks`), shifts (:func:`shifts`), channels
(:func:`worker_channels`, :func:`resident_channels`), decisions (:func:`expected_cost`,
:func:`choose_channel`, :func:`reward_term`, :func:`now_or_later_probabilities`,
:func:`worker_decisions`, :func:`resident_decisions`), escalation (:func:`escalation_age`),
and the daily and monthly lever code of :mod:`model.sim.levers` (:func:`station_reach`,
:func:`station_visits`, :func:`posts_registration_drive`, :func:`station_registration`,
:func:`designated_posts`, :func:`insurance_enrolment`, :func:`own_problems`,
:func:`update_belonging`, :func:`honours_awards`, :func:`community_activities`).
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
    Access,
    Channel,
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
from model.sim.streams import KeyedDraws
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


def in_zone(layout: Layout, radius_communities: int, base: int, cell: int) -> bool:
    """The cell lies in the route zone of a worker based in community ``base``."""
    n_x = layout.communities_x
    bx, by = base % n_x, base // n_x
    community = int(layout.community[cell])
    cx, cy = community % n_x, community // n_x
    return max(abs(bx - cx), abs(by - cy)) <= radius_communities


def exposure(workers: WorkersConfig, layout: Layout) -> np.ndarray:
    """``M[k, b, c]`` cell by cell: cells per hour spread over the zone by pass weight.

    Returns:
        (n_kinds, n_communities, n_cells) passes per hour of one online worker.
    """
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(workers, kind)
        cells_per_hour = profile.speed_kmh * 1000.0 / layout.cell_size_m
        for b in range(layout.n_communities):
            weights = []
            for c in range(layout.n_cells):
                mine = in_zone(layout, profile.zone_radius_communities, b, c)
                w = pass_weight(layout, kind, profile.roads_only, c) if mine else 0.0
                weights.append(w)
            total = sum(weights)
            for c in range(layout.n_cells):
                out[k, b, c] = weights[c] / total * cells_per_hour if total > 0 else 0.0
    return out


def door_contacts(workers: WorkersConfig, layout: Layout, residents: ResidentTable) -> np.ndarray:
    """``D[k, b, c]`` cell by cell: door contacts per hour with one household of cell ``c``.

    An online worker hands over ``orders_per_hour`` orders an hour at homes in his zone,
    spread over the zone's cells in proportion to residential density; a cell's share is
    shared among the households (residents) living there (at least one).

    Returns:
        (n_kinds, n_communities, n_cells) contacts per household per hour.
    """
    households = [0] * layout.n_cells
    for slot in range(len(residents)):
        households[int(residents.home[slot])] += 1
    out = np.zeros((len(WORKER_KINDS), layout.n_communities, layout.n_cells))
    for k, kind in enumerate(WORKER_KINDS):
        profile = getattr(workers, kind)
        for b in range(layout.n_communities):
            homes = [
                float(layout.residential[c])
                if in_zone(layout, profile.zone_radius_communities, b, c)
                else 0.0
                for c in range(layout.n_cells)
            ]
            total = sum(homes)
            if total <= 0:
                continue
            for c in range(layout.n_cells):
                share = homes[c] / total
                out[k, b, c] = share * profile.orders_per_hour / max(households[c], 1)
    return out


def distance_m(layout: Layout, a: int, b: int) -> float:
    """Straight-line distance between the centres of two flat cells, metres."""
    ax, ay = divmod(int(a), layout.cells_y)
    bx, by = divmod(int(b), layout.cells_y)
    return math.hypot(ax - bx, ay - by) * layout.cell_size_m


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
    worker_doors: np.ndarray,
) -> np.ndarray:
    """Noticing intensity issue by issue and observer by observer (section 7.4).

    Workers: online workers x their passes of the cell (``worker_exposure``), times building
    access indoors; a resident's opinion is heard at the door instead: online workers x
    their door contacts with a household of the cell (``worker_doors``), times the relay
    factor of the community. Residents: every resident whose watch window covers the cell
    looks ``passes_per_hour`` times its activity, less at night, half indoors. Staff: patrol
    cells per hour spread over the community's cells, only on duty, half indoors.
    Everything times the type's visibility for the observer.

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
        opinion = issues.type[i] == IssueType.OPINION
        visibility = config.issues.types[kind_of_issue].visibility
        for o, observer in enumerate(OBSERVERS):
            if o < len(WORKER_KINDS):
                passes = 0.0
                for b in range(layout.n_communities):
                    field = worker_doors if opinion else worker_exposure
                    passes += counts[o, b] * field[o, b, cell]
                if opinion:
                    passes *= relay_factor[community]
                elif indoor:
                    passes *= getattr(config.workers, observer).building_access
            elif o == Observer.RESIDENT:
                looks = 0.0
                for slot in range(len(residents)):
                    if chebyshev(layout, residents.home[slot], cell) <= radius:
                        looks += r.passes_per_hour * residents.activity[slot]
                inside = r.building_access if indoor else 1.0
                passes = looks * (1.0 if outdoor else r.night_activity) * inside
            else:
                cells_here = int(np.count_nonzero(layout.community == community))
                inside = config.staff.patrol_building_access if indoor else 1.0
                passes = patrol / cells_here * inside * float(on_duty)
            out[row, o] = passes * visibility.get(observer, 0.0)
    return out


def detection_hits(
    issue_idx: np.ndarray, intensity: np.ndarray, draws: KeyedDraws, hour_index: int
) -> set[tuple[int, int]]:
    """(issue, observer) pairs that notice in the hour, element by element.

    An observer class notices an issue with probability ``1 - exp(-intensity)``, against
    one keyed uniform per (hour, issue, observer): ``notice`` keyed on the hour and
    ``issue x 8 + observer`` (as ``Detector.detect``).
    """
    hits = set()
    for row in range(len(issue_idx)):
        issue = int(issue_idx[row])
        for o in range(intensity.shape[1]):
            u = float(draws.uniform("notice", hour_index, issue * 8 + o))
            if u < 1.0 - math.exp(-intensity[row, o]):
                hits.add((issue, o))
    return hits


def online_counts(workforce: WorkerTable, online_share: np.ndarray) -> np.ndarray:
    """Online workers per kind and base, summed worker by worker."""
    counts = np.zeros((len(WORKER_KINDS), workforce.n_communities))
    for w in range(len(workforce)):
        counts[workforce.kind[w], workforce.base[w]] += float(online_share[w])
    return counts


def pick_worker(
    workforce: WorkerTable,
    field: np.ndarray,
    kind: int,
    cell: int,
    online_share: np.ndarray,
    u_base: float,
    u_worker: float,
) -> int:
    """The online worker of ``kind`` who noticed something at ``cell``, for two uniforms.

    First the base community, each with its online workers' passes at the cell (``field``:
    the exposure matrices, or the door contacts for an opinion): the first base whose
    running total of weight exceeds ``u_base`` x the total. Then, among the workers of that
    kind and base in slot order, the first whose running total of online share exceeds
    ``u_worker`` x the group's share.

    Returns:
        The worker's slot, -1 when no online worker of the kind passes the cell.
    """
    weight = [0.0] * workforce.n_communities
    for w in range(len(workforce)):
        if workforce.kind[w] == kind:
            weight[workforce.base[w]] += float(online_share[w])
    weight = [weight[b] * field[kind, b, cell] for b in range(workforce.n_communities)]
    total = sum(weight)
    if total <= 0:
        return -1
    base, running = workforce.n_communities - 1, 0.0
    for b in range(workforce.n_communities):
        running += weight[b]
        if u_base * total < running:
            base = b
            break
    group = [
        w for w in range(len(workforce)) if workforce.kind[w] == kind and workforce.base[w] == base
    ]
    share = sum(float(online_share[w]) for w in group)
    if share <= 0:
        return -1
    running = 0.0
    for w in group:
        running += float(online_share[w])
        if u_worker * share < running:
            return w
    return group[-1]


def pick_watcher(
    residents: ResidentTable, layout: Layout, cell: int, u_home: float, u_resident: float
) -> int:
    """The resident who noticed something at ``cell``, for two uniforms.

    First the home cell, among the cells of the watch window in flat order, each with the
    activity of the residents living there; then, among that cell's residents in slot
    order, one by activity (running totals against ``u x total``, as :func:`pick_worker`).

    Returns:
        The resident's slot, -1 when nobody lives within reach.
    """
    radius = residents.residents.watch_radius_cells
    window = [c for c in range(layout.n_cells) if chebyshev(layout, c, cell) <= radius]
    living = {c: [r for r in range(len(residents)) if residents.home[r] == c] for c in window}
    activity = {c: sum(float(residents.activity[r]) for r in living[c]) for c in window}
    total = sum(activity.values())
    if total <= 0:
        return -1
    home, running = window[-1], 0.0
    for c in window:
        running += activity[c]
        if u_home * total < running:
            home = c
            break
    running = 0.0
    for r in living[home]:
        running += float(residents.activity[r])
        if u_resident * activity[home] < running:
            return r
    return living[home][-1]


def detections(
    config: ScenarioConfig,
    issues: IssueLog,
    layout: Layout,
    workforce: WorkerTable,
    residents: ResidentTable,
    issue_idx: np.ndarray,
    intensity: np.ndarray,
    online_share: np.ndarray,
    worker_exposure: np.ndarray,
    worker_doors: np.ndarray,
    draws: KeyedDraws,
    hour_index: int,
) -> set[tuple[int, int, int]]:
    """This hour's detections, ``(issue, observer, slot)``, one event at a time.

    Each hit of :func:`detection_hits` gets its noticing agent from two keyed uniforms,
    ``pick_base`` and ``pick_agent``, keyed on (hour, issue, observer): a worker
    (:func:`pick_worker`, at the door for opinions), a resident (:func:`pick_watcher`), or
    staff (slot -1). A hit whose agent cannot be found is dropped.
    """
    found = set()
    for issue, o in detection_hits(issue_idx, intensity, draws, hour_index):
        u_first = float(draws.uniform("pick_base", hour_index, issue, o))
        u_second = float(draws.uniform("pick_agent", hour_index, issue, o))
        cell = int(issues.cell[issue])
        if o < len(WORKER_KINDS):
            field = worker_doors if issues.type[issue] == IssueType.OPINION else worker_exposure
            slot = pick_worker(workforce, field, o, cell, online_share, u_first, u_second)
        elif o == Observer.RESIDENT:
            slot = pick_watcher(residents, layout, cell, u_first, u_second)
        else:
            slot = -1
        if slot >= 0 or o == Observer.STAFF:
            found.add((issue, o, slot))
    return found


def worker_pick_probabilities(
    workforce: WorkerTable,
    field: np.ndarray,
    kind: int,
    cell: int,
    online_share: np.ndarray,
) -> np.ndarray:
    """P(worker w noticed | a worker of ``kind`` noticed at ``cell``), worker by worker.

    Each worker's share of the passes of the cell this hour (of the door contacts, for an
    opinion: ``field``): the share of the hour it is online times the passes per hour a
    worker of its kind and base makes at the cell.
    """
    weight = np.zeros(len(workforce))
    for w in range(len(workforce)):
        if workforce.kind[w] == kind:
            weight[w] = float(online_share[w]) * field[kind, workforce.base[w], cell]
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


# --------------------------------------------------------------------------- channels


def worker_channels(
    rules: ChannelRules,
    registered: np.ndarray,
    adopted_mini_program: np.ndarray,
    station_in_reach: np.ndarray,
    office_open: np.ndarray,
    holds_post_or_seat: np.ndarray,
) -> np.ndarray:
    """Which channels each worker can use now, worker by worker and channel by channel.

    A channel is open to a worker when it is open to all workers, or to registered workers
    and he is registered, or to post and seat holders and he holds one; the mini-program
    needs his adoption, the station desk a station in reach, office-hours channels his
    office open (``office_open`` per worker).
    """
    n = len(registered)
    ok = np.zeros((n, len(rules.minutes)), dtype=bool)
    for w in range(n):
        for ch in range(len(rules.minutes)):
            access = rules.open_workers[ch]
            allowed = (
                access == Access.ALL
                or (access == Access.REGISTERED and bool(registered[w]))
                or (bool(rules.open_to_post_holders[ch]) and bool(holds_post_or_seat[w]))
            )
            if ch == Channel.MINI_PROGRAM and not adopted_mini_program[w]:
                allowed = False
            if rules.needs_station[ch] and not station_in_reach[w]:
                allowed = False
            if rules.office_hours_only[ch] and not office_open[w]:
                allowed = False
            ok[w, ch] = allowed
    return ok


def resident_channels(
    rules: ChannelRules, adopted_mini_program: np.ndarray, office_open: bool
) -> np.ndarray:
    """Which channels each resident can use now, resident by resident."""
    n = len(adopted_mini_program)
    ok = np.zeros((n, len(rules.minutes)), dtype=bool)
    for r in range(n):
        for ch in range(len(rules.minutes)):
            allowed = bool(rules.open_residents[ch])
            if ch == Channel.MINI_PROGRAM and not adopted_mini_program[r]:
                allowed = False
            if rules.office_hours_only[ch] and not office_open:
                allowed = False
            ok[r, ch] = allowed
    return ok


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


def reward_term(behaviour: BehaviourConfig, reward: float) -> float:
    """Logit shift of an expected reward (yuan), bounded: slope ``reward_per_yuan`` at 0.

    ``reward_max_logit x (1 - exp(-reward_per_yuan x reward / reward_max_logit))``.
    """
    b = behaviour
    return b.reward_max_logit * (1.0 - math.exp(-b.reward_per_yuan * reward / b.reward_max_logit))


def worker_utility(config: ScenarioConfig, data: dict[str, Any], i: int) -> float:
    """The report utility (logit, before the cost) of detecting worker ``i`` (section 7.5).

    Written out from the definitions: the levers are read from ``config`` (crowding out,
    honours), not from the fast code's precomputed terms.
    """
    b, pol = config.behaviour, config.policies
    crowding = pol.points.enabled and pol.points.crowding_out
    kept = 1.0 - (pol.points.crowding_out_strength if crowding else 0.0)
    registered = bool(data["registered"][i])
    return (
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
        + reward_term(b, float(data["reward"][i]))
    )


def worker_costs_now(config: ScenarioConfig, rules: ChannelRules, kind: int) -> list[float]:
    """Cost of each channel for a worker on shift: minutes x time pressure (less the waiver)."""
    pol = config.policies
    pressure = getattr(config.workers, WORKER_KINDS[kind]).time_pressure
    if pol.waiver.enabled:
        pressure *= 1.0 - pol.waiver.cost_reduction
    return [rules.minutes[ch] * pressure for ch in range(len(CHANNELS))]


def worker_costs_off_shift(config: ScenarioConfig, rules: ChannelRules) -> list[float]:
    """Cost of each channel for a worker off shift: minutes x off-shift minute value."""
    value = config.workers.off_shift_minute_value
    return [rules.minutes[ch] * value for ch in range(len(CHANNELS))]


def report_probability(config: ScenarioConfig, utility: float, costs, available) -> float:
    """``sigmoid(utility - cost_per_yuan x expected cost)``; 0 with no open channel."""
    b = config.behaviour
    c = expected_cost(costs, available, b.channel_choice_scale_yuan)
    if math.isinf(c):
        return 0.0
    x = utility - b.cost_per_yuan * c
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def now_or_later_probabilities(
    config: ScenarioConfig,
    utility: float,
    cost_now,
    available_now,
    cost_later,
    available_later,
) -> tuple[float, float]:
    """A noticing worker's chances of reporting now and at the end of his shift.

    Three options, a logit: now ``V_now = u - cost_per_yuan x C_now`` (the channels open
    now), later ``V_later = u - cost_per_yuan x C_later + ln(shift_end_recall)`` (the
    channels open then, off-shift costs), never ``0``. An option without an open channel
    (or later with no recall) is not there.

    Returns:
        ``(p_now, p_later)``.
    """
    b = config.behaviour
    scale = b.channel_choice_scale_yuan
    c_now = expected_cost(cost_now, available_now, scale)
    c_later = expected_cost(cost_later, available_later, scale)
    v_now = None if math.isinf(c_now) else utility - b.cost_per_yuan * c_now
    v_later = None
    if not math.isinf(c_later) and b.shift_end_recall > 0:
        v_later = utility - b.cost_per_yuan * c_later + math.log(b.shift_end_recall)
    top = max(v for v in (0.0, v_now, v_later) if v is not None)  # for exp() without overflow
    never = math.exp(-top)
    now = 0.0 if v_now is None else math.exp(v_now - top)
    later = 0.0 if v_later is None else math.exp(v_later - top)
    total = never + now + later
    return now / total, later / total


def worker_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    u_decide: np.ndarray,
    u_channel: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each noticing worker's one decision, row by row: now, at the end of the shift, never.

    Row ``i`` reports now when ``u_decide[i] < p_now`` (its channel the logit choice over the
    channels open now, with ``u_channel[i]``), at the end of the shift when ``p_now <=
    u_decide[i] < p_now + p_later`` (:func:`now_or_later_probabilities`).

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per worker: ``kind``, ``motivation``, ``belonging``,
            ``trust``, ``registered``, ``insured``, ``role``, ``role_match``, ``severity``,
            ``reward`` (yuan), ``available`` (n, n_channels; open now) and
            ``available_later`` (n, n_channels; open at the end of the shift).
        u_decide: (n,) uniforms of the decision.
        u_channel: (n, n_channels) uniforms of the channel.

    Returns:
        ``(channel_now, later)``: (n,) channel of a report filed now (``NO_CHANNEL`` when
        none) and (n,) whether the worker reports at the end of his shift.
    """
    scale = config.behaviour.channel_choice_scale_yuan
    later_cost = worker_costs_off_shift(config, rules)
    n = len(data["kind"])
    channel = np.full(n, NO_CHANNEL, dtype=np.int64)
    later = np.zeros(n, dtype=bool)
    for i in range(n):
        now_cost = worker_costs_now(config, rules, int(data["kind"][i]))
        p_now, p_later = now_or_later_probabilities(
            config,
            worker_utility(config, data, i),
            now_cost,
            data["available"][i],
            later_cost,
            data["available_later"][i],
        )
        if u_decide[i] < p_now:
            channel[i] = choose_channel(now_cost, data["available"][i], scale, u_channel[i])
        elif u_decide[i] < p_now + p_later:
            later[i] = True
    return channel, later


def resident_decisions(
    config: ScenarioConfig,
    rules: ChannelRules,
    data: dict[str, Any],
    u_decide: np.ndarray,
    u_channel: np.ndarray,
) -> np.ndarray:
    """Report decision and channel of each noticing resident, row by row (section 7.5).

    Row ``i`` reports when ``u_decide[i] < report_probability`` (her propensity for
    motivation, the value of her time for the cost), over the channel chosen with
    ``u_channel[i]``.

    Args:
        config: the scenario.
        rules: the effective channel rules.
        data: one array entry per resident: ``propensity``, ``trust``, ``severity`` and
            ``available`` (n, n_channels).
        u_decide: (n,) uniforms of the decision.
        u_channel: (n, n_channels) uniforms of the channel.
    """
    b = config.behaviour
    value = config.residents.time_value_yuan_per_minute
    cost = [rules.minutes[ch] * value for ch in range(len(CHANNELS))]
    n = len(data["propensity"])
    chosen = np.full(n, NO_CHANNEL, dtype=np.int64)
    for i in range(n):
        utility = (
            b.resident_intercept
            + b.resident_propensity * data["propensity"][i]
            + b.trust * data["trust"][i]
            + b.severity * data["severity"][i]
        )
        if u_decide[i] < report_probability(config, utility, cost, data["available"][i]):
            chosen[i] = choose_channel(
                cost, data["available"][i], b.channel_choice_scale_yuan, u_channel[i]
            )
    return chosen


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


def station_reach(
    worker_passes: np.ndarray, layout: Layout, workers: WorkersConfig, stations: StationsPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Station by station, cell by cell: how far each station reaches into each route.

    A cell is within reach of a station at most ``reach_minutes`` away at the kind's speed
    (straight line between cell centres). A station's pull on a worker of kind ``k`` based
    in ``b`` is the share of his passes on cells within its reach; his reach is the share of
    his passes on cells within reach of at least one station (a cell two stations reach
    counts once: a second station next to the first adds nothing to it).

    Returns:
        ``(pull, reach)``: (n_kinds, n_communities, n_stations) and (n_kinds, n_communities).
    """
    n_kinds, n_bases, n_cells = worker_passes.shape
    stations_at = [int(c) for c in layout.station_cells]
    pull = np.zeros((n_kinds, n_bases, len(stations_at)))
    reach = np.zeros((n_kinds, n_bases))
    for k, kind in enumerate(WORKER_KINDS):
        radius_m = stations.reach_minutes / 60.0 * getattr(workers, kind).speed_kmh * 1000.0
        near = [
            [distance_m(layout, station_cell, c) <= radius_m for c in range(n_cells)]
            for station_cell in stations_at
        ]
        for b in range(n_bases):
            total = sum(worker_passes[k, b, c] for c in range(n_cells))
            if total <= 0:
                continue
            for s in range(len(stations_at)):
                within = sum(worker_passes[k, b, c] for c in range(n_cells) if near[s][c])
                pull[k, b, s] = within / total
            covered = sum(
                worker_passes[k, b, c]
                for c in range(n_cells)
                if any(near[s][c] for s in range(len(stations_at)))
            )
            reach[k, b] = min(covered / total, 1.0)
    return pull, reach


def station_visits(
    wf: WorkerTable,
    works: np.ndarray,
    pull: np.ndarray,
    reach: np.ndarray,
    stations: StationsPolicy,
    rng: np.random.Generator,
) -> list[int]:
    """Worker by worker: who stops at a station today, with the belonging gain.

    A working worker wants to stop with probability ``visit_daily_probability x reach``, at
    station ``s`` in proportion to its pull on him (``u_station`` against the running share).
    A station's expected visitors (the sum of everybody's wishes for it) beyond
    ``capacity_visits_per_day`` are turned away in proportion: he stops when ``u_visit <
    wish x min(1, capacity / expected visitors)`` of the station he heads for.

    Draws (as ``levers.station_visits``): a row of ``u_visit``, then a row of ``u_station``,
    one per worker each, whatever happens.

    Args:
        wf: the worker table.
        works: (n_workers,) the worker works today.
        pull: (n_kinds, n_communities, n_stations) from :func:`station_reach`.
        reach: (n_kinds, n_communities) from :func:`station_reach`.
        stations: ``policies.stations``.
        rng: generator seeded like the fast code's ``stations`` stream.
    """
    n, n_stations = len(wf), pull.shape[2]
    u_visit, u_station = rng.random((2, n))
    if n_stations == 0 or n == 0:
        return []
    wish = [0.0] * n
    share = [[0.0] * n_stations for _ in range(n)]
    for w in range(n):
        mine = [float(p) for p in pull[wf.kind[w], wf.base[w]]]
        total = sum(mine)
        if total > 0:
            share[w] = [p / total for p in mine]
            wish[w] = stations.visit_daily_probability * reach[wf.kind[w], wf.base[w]] * works[w]
    room = []
    for s in range(n_stations):
        expected = sum(wish[w] * share[w][s] for w in range(n))
        room.append(min(1.0, stations.capacity_visits_per_day / max(expected, 1e-12)))
    bump = (
        stations.upgraded_belonging_per_visit if stations.upgraded else stations.belonging_per_visit
    )
    visits = []
    for w in range(n):
        if sum(share[w]) <= 0:
            continue
        heading, running = n_stations - 1, 0.0
        for s in range(n_stations):
            running += share[w][s]
            if u_station[w] < running:
                heading = s
                break
        if u_visit[w] < wish[w] * room[heading]:
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
            _bump(wf, w, gain if u_solved[w] < p else -loss)


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

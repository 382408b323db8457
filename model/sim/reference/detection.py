"""Per-agent references for detection: who notices which issue in an hour.

Issue by issue and observer by observer, from docs/ODD.md (section 7.4), for
:class:`model.sim.detection.Detector`: :func:`noticing_intensity` (expected noticing passes
in the hour), :func:`detection_hits` (the hits, against the run's keyed uniforms),
:func:`pick_worker` and :func:`pick_watcher` (the noticing worker or resident, for two
uniforms), :func:`detections` (the hour's ``(issue, observer, slot)`` events), and the
per-agent probabilities the fast two-stage picks must follow
(:func:`worker_pick_probabilities`, :func:`watcher_probabilities`); :func:`resident_looks`
and :func:`online_counts` are the sums they start from (looks per cell per outdoor hour,
online workers per kind and base).
"""

from __future__ import annotations

import math

import numpy as np

from model.config.codes import ISSUE_TYPES, OBSERVERS, WORKER_KINDS, IssueType, Observer
from model.config.scenario import ScenarioConfig
from model.sim.issues import IssueLog
from model.sim.reference.space import chebyshev
from model.sim.residents import ResidentTable
from model.sim.space import Layout
from model.sim.streams import KeyedDraws
from model.sim.workforce import WorkerTable


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

"""Per-agent reference for the community activities of :mod:`model.sim.deliberation`.

Community by community, worker by worker and resident by resident, on the fast code's
draws: :func:`community_activities` (who joins, the belonging gained, residents' trust in
workers, a share). The council meetings and relayed opinions are checked against hand
counts in ``tests/sim/test_levers.py``, not against a reference here.
"""

from __future__ import annotations

import numpy as np

from model.config.policies import DeliberationPolicy
from model.sim.reference.workforce import bump_belonging
from model.sim.residents import ResidentTable
from model.sim.workforce import WorkerTable


def community_activities(
    wf: WorkerTable,
    residents: ResidentTable,
    deliberation: DeliberationPolicy,
    rng: np.random.Generator,
) -> np.ndarray:
    """Community by community, worker by worker, resident by resident: the activities.

    Draws (as ``deliberation.community_activities``): per community, the number of activities;
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
                bump_belonging(wf, w, deliberation.activity_belonging_bump)
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

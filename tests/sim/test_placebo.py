"""Placebo: when no department ever fixes anything, no measure can avert an incident.

Whether and when an issue becomes an incident depends only on its escalation and lapse ages
(drawn up front from the arrival stream, the same in every arm with the same seed) and on
whether it was fixed before. With every department's fix probability at zero, nothing is
fixed, so every arm must have exactly the baseline's incidents, at the same hours, with the
same harm — however many more reports, tickets or feedback it produces. A measure that
"averted" incidents here would be counting an artefact of the ticket lifecycle (the old
`escalated_share` did: a ticket closed unfixed stopped its clock).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import column, every_lever_on, make_config

from model.config.codes import DEPARTMENTS
from model.sim.model import run_model

NOTHING_FIXED = {
    "service": {"departments": {name: {"resolution_probability": 0.0} for name in DEPARTMENTS}}
}

ARMS = {
    "baseline": {},
    "mini_program": {"policies": {"mini_program": {"enabled": True}}},
    "points_high": {"policies": {"points": {"enabled": True, "yuan_per_point": 1.0}}},
    "deliberation": {"policies": {"deliberation": {"enabled": True}}},
    "every_lever": every_lever_on(),
}


def incidents(arm: str, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    output = run_model(make_config(NOTHING_FIXED, ARMS[arm]), seed=seed, days=60)
    at = column(output.issues, "incident_at")
    ids = np.flatnonzero(~np.isnan(at))
    return ids, at[ids], output.outcomes


@pytest.mark.parametrize("seed", [1, 2])
def test_no_arm_averts_incidents_when_nothing_is_fixed(seed):
    base_ids, base_at, base = incidents("baseline", seed)
    assert len(base_ids) > 0  # the placebo has incidents to avert
    assert base["fixed_within_7d_share"] == 0.0
    for arm in ARMS:
        if arm == "baseline":
            continue
        ids, at, out = incidents(arm, seed)
        assert out["reported_share"] >= 0.0 and out["fixed_within_7d_share"] == 0.0, arm
        assert np.array_equal(ids, base_ids), arm
        assert np.array_equal(at, base_at), arm
        for name in ("incidents_total", "incident_share", "harm_yuan"):
            assert out[name] == base[name], (arm, name)


def test_the_placebo_is_not_vacuous():
    """With fixing allowed, the same levers do change incidents (the test can see a change)."""
    fixed = {arm: run_model(make_config(ARMS[arm]), seed=1, days=180).outcomes for arm in ARMS}
    counts = {arm: out["incidents_total"] for arm, out in fixed.items()}
    assert len(set(counts.values())) > 1, counts

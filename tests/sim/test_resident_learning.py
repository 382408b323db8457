"""Residents learn from outcomes: trust and satisfaction move a share of the way to the signal."""

from __future__ import annotations

import numpy as np
from conftest import layout_of, make_config

from model.sim.residents import ResidentTable


def residents(trust_rate: float, satisfaction_rate: float) -> ResidentTable:
    config = make_config(
        {
            "behaviour": {
                "trust_learning_rate": trust_rate,
                "resident_satisfaction_learning": satisfaction_rate,
            }
        }
    )
    layout = layout_of(config, np.random.default_rng(1))
    return ResidentTable(
        config.residents, config.population, config.behaviour, layout, np.random.default_rng(2)
    )


def test_learning_moves_trust_and_satisfaction_at_their_own_rates() -> None:
    table = residents(0.3, 0.1)
    table.trust[:3] = [0.2, 0.9, 0.5]
    table.satisfaction[:3] = [0.6, 0.4, 0.5]
    before = table.trust.copy(), table.satisfaction.copy()
    table.learn(0, 1.0)
    table.learn(1, 0.0)
    table.learn(2, 0.25)
    signal = np.array([1.0, 0.0, 0.25])
    assert np.array_equal(table.trust[:3], before[0][:3] + 0.3 * (signal - before[0][:3]))
    assert np.array_equal(table.satisfaction[:3], before[1][:3] + 0.1 * (signal - before[1][:3]))
    # nobody else learns
    assert np.array_equal(table.trust[3:], before[0][3:])
    assert np.array_equal(table.satisfaction[3:], before[1][3:])

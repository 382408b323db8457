"""The table of the channels each worker can use (WorkerChannelTable, picked by the compiled
daily_kernels.channel_rows) equals worker_channels row for row."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import every_lever_on, make_config, rules_of
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import WORKER_KINDS, Role
from model.sim.decisions import WorkerChannelTable, worker_channels

N_COMMUNITIES = 3
LEVER_SETS = {
    "status quo": {},
    "posts": {"policies": {"posts": {"enabled": True}}},
    "deliberation": {"policies": {"deliberation": {"enabled": True}}},
    "mini-program and upgraded stations": {
        "policies": {"mini_program": {"enabled": True}, "stations": {"upgraded": True}}
    },
    "every lever": every_lever_on(),
}
RULES = {name: rules_of(make_config(overrides)) for name, overrides in LEVER_SETS.items()}


def random_workforce(rng: np.random.Generator, n: int) -> SimpleNamespace:
    """The state the table reads, drawn at random (every combination shows up)."""
    kind = rng.integers(0, len(WORKER_KINDS), n)
    base = rng.integers(0, N_COMMUNITIES, n)
    return SimpleNamespace(
        kind=kind,
        base=base,
        group=kind * N_COMMUNITIES + base,
        registered=rng.random(n) < 0.5,
        adopted_mini_program=rng.random(n) < 0.5,
        role=np.where(rng.random(n) < 0.3, rng.integers(1, len(Role), n), Role.NONE).astype(
            np.int8
        ),
        seat=rng.random(n) < 0.2,
    )


@pytest.mark.parametrize("levers", list(RULES))
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_table_equals_worker_channels_row_for_row(levers: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    station_in_reach = rng.random((len(WORKER_KINDS), N_COMMUNITIES)) < 0.5
    wf = random_workforce(rng, 300)
    table = WorkerChannelTable(RULES[levers], station_in_reach)
    table.refresh(wf)
    holds = (wf.role != Role.NONE) | wf.seat
    station = station_in_reach[wf.kind, wf.base]
    office_open, office_closed = table.tables()
    for is_open, got in ((True, office_open), (False, office_closed)):
        want = worker_channels(
            RULES[levers], wf.registered, wf.adopted_mini_program, station, is_open, holds
        )
        assert got.dtype == bool and np.array_equal(got, want), is_open
    slots = rng.integers(0, 300, 50)
    per_slot = rng.random(50) < 0.5
    want = worker_channels(
        RULES[levers],
        wf.registered[slots],
        wf.adopted_mini_program[slots],
        station[slots],
        per_slot,
        holds[slots],
    )
    assert np.array_equal(table.of(slots, per_slot), want)

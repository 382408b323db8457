"""The keyed draw of one event, compiled: the very number of the vectorised form."""

from __future__ import annotations

import numpy as np

from model.config.codes import Observer
from model.sim.streams import PURPOSES, keyed_draws


def test_one_event_draw_is_the_number_of_the_vectorised_form() -> None:
    rng = np.random.default_rng(4)
    for seed in (0, 1, 2**40 + 7):
        draws = keyed_draws(seed)
        parts = rng.integers(-5, 2**40, size=(200, 3))
        parts[:20, 2] = -1  # staff have slot -1
        for purpose in PURPOSES:
            one_by_one = [draws.uniform_of(purpose, *map(int, p)) for p in parts]
            vectorised = draws.uniform(purpose, parts[:, 0], parts[:, 1], parts[:, 2])
            assert np.array_equal(one_by_one, vectorised), purpose
            assert all(type(u) is float for u in one_by_one)


def test_one_event_draw_takes_codes_of_any_integer_type() -> None:
    draws = keyed_draws(3)
    expected = float(draws.uniform("seen", 12, 3, 40))
    assert draws.uniform_of("seen", 12, Observer.RESIDENT, 40) == expected
    assert draws.uniform_of("seen", np.int64(12), np.int8(3), np.int32(40)) == expected
    assert draws.uniform_of("told", 12, 3, 40) != expected  # the purpose is mixed in
    assert draws.uniform_of("seen", 40, 3, 12) != expected  # and the order of the parts

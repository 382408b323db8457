"""Robustness across sampled worlds and where a measure fails."""

from __future__ import annotations

import pytest

from model.reporting.measures import FIXED_PER_YEAR
from model.reporting.results import load_sensitivity
from model.reporting.worlds import robustness


@pytest.fixture(scope="module")
def sensitivity(sensitivity_folder):
    return load_sensitivity(sensitivity_folder)


def test_planted_failure_region_is_found(sensitivity):
    result = robustness(sensitivity, "mini_program", FIXED_PER_YEAR)
    assert result.n_worlds == 64
    assert 0.5 < result.share_better < 0.95
    assert result.share_ci_low < result.share_better < result.share_ci_high
    condition = result.condition
    assert condition is not None
    (restriction,) = condition.restrictions
    assert restriction.parameter == "service.department_capacity"
    assert restriction.low is None and restriction.high == pytest.approx(0.8, abs=0.1)
    assert condition.coverage > 0.9 and condition.density >= 0.6


def test_an_arm_that_always_wins_has_no_failure_condition(sensitivity):
    result = robustness(sensitivity, "integrated", "fixed_within_7d_share")
    assert result.n_better == result.n_worlds and result.condition is None


def test_unknown_arm(sensitivity):
    with pytest.raises(KeyError, match="no arm 'nobody'"):
        robustness(sensitivity, "nobody", FIXED_PER_YEAR)

"""Worker participation does not grow with the horizon when nothing changes.

The old measure (workers who ever reported / workers ever present) grew by a third from 180
to 365 days of the same run; the contract's measure counts worker-months, so the same run
measured over its first 180 days and over its whole year must agree within 10 % (the
issue "Outcome measures that cannot mislead"). Both windows are read from one status-quo
run at the default size, so the comparison is of the measure, not of seed noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.config.codes import WORKER_KINDS
from model.config.loading import load_scenario
from model.config.paths import REPO_ROOT
from model.outcomes import definitions as d
from model.outcomes.contract import MONTH_HOURS
from model.outcomes.tables import times, values
from model.sim.model import run_model

HOURS_PER_DAY = 24.0


@pytest.fixture(scope="module")
def year_of_status_quo():
    config = load_scenario(REPO_ROOT / "scenarios" / "baseline.yaml")
    return config, run_model(config, seed=1, days=365)


def worker_reports(output, start: float):
    """Reporter ids (-1 when not a worker) and times of the reports filed from ``start`` on."""
    kinds = values(output.reports, "reporter_kind")
    time = times(output.reports, "time")
    ids = np.nan_to_num(values(output.reports, "reporter_id").astype(float), nan=-1)
    by_worker = np.isin(kinds, WORKER_KINDS) & (time >= start)
    return np.where(by_worker, ids, -1).astype(np.int64), time


def ever_reported_share(spans: d.WorkerSpans, ids, time, start: float, end: float) -> float:
    """The old measure: workers present in the window who reported in it / workers present."""
    present = (spans.entered_at < end) & (spans.left_at > start)
    reported = np.isin(spans.worker_id, ids[(ids >= 0) & (time < end)])
    return np.count_nonzero(present & reported) / np.count_nonzero(present)


def test_participation_after_180_and_365_days_agrees_within_ten_percent(year_of_status_quo):
    config, output = year_of_status_quo
    start = config.warmup_days * HOURS_PER_DAY
    spans = d.WorkerSpans.from_table(output.workers)
    ids, time = worker_reports(output, start)
    rate = {
        days: d.participation_rate(
            spans, ids, time, start, start + days * HOURS_PER_DAY, MONTH_HOURS
        )
        for days in (180, 365)
    }
    assert rate[365] == pytest.approx(output.outcomes["worker_participation_rate"])
    assert 0.0 < rate[180] < 1.0
    assert abs(rate[365] / rate[180] - 1.0) < 0.10, rate
    # the old definition on the same run grows with the horizon: the check can fail
    old = {
        days: ever_reported_share(spans, ids, time, start, start + days * HOURS_PER_DAY)
        for days in (180, 365)
    }
    assert old[365] / old[180] - 1.0 > 0.10, old

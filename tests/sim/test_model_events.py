"""The hourly events' bookkeeping: the live set of arrived issues, and who reported what."""

from __future__ import annotations

import numpy as np
from conftest import every_lever_on, make_config

from model.config.codes import IssueStatus
from model.sim.model import StreetModel


def test_open_issues_are_the_arrived_issues_not_yet_closed(small_config) -> None:
    """Whenever it is read, the live set is every issue opened so far and still open.

    Issues arrive hour by hour and join the live set only when it is read: read at
    irregular hours (two hours running, then days apart), it still holds each arrived issue
    once, in issue order.
    """
    model = StreetModel(small_config, seed=4, days=6)
    read_at = {5, 6, 7, 30, 31, 80, 140, 141, 142, 143}
    opened_at = model.issues.opened_at
    while model.running:
        model.advance_hour()
        hour = model.hours_elapsed - 1
        assert model.arrived == np.searchsorted(opened_at, hour + 1.0, side="left")
        if hour in read_at:
            open_now = model.open_issues()
            still_open = model.issues.status[: model.arrived] < IssueStatus.RESOLVED
            assert open_now.dtype == np.int64
            np.testing.assert_array_equal(open_now, np.flatnonzero(still_open), err_msg=str(hour))
    assert model.arrived > 0 and len(model.live) > 0


def test_reported_by_holds_each_reporter_of_each_issue_once() -> None:
    """The (issue, agent) pairs the duplicate check reads are exactly the filed reports'.

    ``already_reported_by`` answers as a scan of the issue's reporters would, for every
    reporter and for agents who did not report it.
    """
    model = StreetModel(make_config(every_lever_on()), seed=6, days=12)
    model.run()
    chain = model.service
    filed = {
        (issue, agent_id)
        for issue, reporters in chain.reporters.items()
        for _, _, agent_id, _, _ in reporters
    }
    assert chain.reported_by == filed
    assert len(chain.reports.issue) > len(chain.reporters)  # duplicates were filed
    agents = {agent_id for _, agent_id in filed}
    for issue, reporters in chain.reporters.items():
        for agent_id in agents:
            scanned = any(filer == agent_id for _, _, filer, _, _ in reporters)
            assert chain.already_reported_by(issue, agent_id) == scanned, (issue, agent_id)


def test_reports_received_are_the_report_log_rows_of_each_issue() -> None:
    """``n_reports`` counts every report filed of an issue, duplicates included.

    Through a run with every lever on, it equals the issue's rows in the report log and its
    reporters; issues never reported count none.
    """
    model = StreetModel(make_config(every_lever_on()), seed=7, days=12)
    model.run()
    chain, log = model.service, model.issues
    rows = np.bincount(np.asarray(chain.reports.issue, dtype=np.int64), minlength=len(log))
    assert rows.max() > 1  # some issues were reported more than once
    np.testing.assert_array_equal(log.n_reports, rows)
    for issue, reporters in chain.reporters.items():
        assert log.n_reports[issue] == len(reporters)

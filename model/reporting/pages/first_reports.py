"""Who reports problems first, and how fast: a section shared by the scenario and compare pages.

Reads the run outcomes ``first_report_share_<kind>`` (share of the issues opened in the
window and reported whose first report came from that kind of reporter) and
``median_hours_detection_to_report_<kind>`` (median hours from the first reporter's own first
noticing of the problem to his report, over the issues that kind reported first) for the
reporter kinds rider, courier, driver, resident and staff. Per arm the page shows:

- the share of first reports by kind: the mean over the arm's runs that had at least one
  report (each such run's shares sum to 1, so the means do too), with riders, couriers and
  drivers also added up as "gig workers together";
- the median hours by kind: the mean over the arm's runs of each run's median (runs where the
  kind filed no first report have no median and are left out).

One sentence explains the reference arm's split with the same numbers as the table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from model.config.codes import OBSERVERS, WORKER_KINDS
from model.reporting.figures.first_reports import first_report_shares
from model.reporting.pages.common import figure_html, paragraph, section
from model.reporting.text import Text

SECTION_ID = "first-reports"
"""Id of the section on both pages."""

REPORTER_KINDS: tuple[str, ...] = OBSERVERS
"""Kinds of first reporter, in code order (rider, courier, driver, resident, staff)."""

GIG_WORKER_KINDS: tuple[str, ...] = WORKER_KINDS
"""The reporter kinds that are gig workers (rider, courier, driver)."""

OTHER_KINDS: tuple[str, ...] = tuple(k for k in REPORTER_KINDS if k not in GIG_WORKER_KINDS)
"""The reporter kinds that are not gig workers (resident, staff)."""

WORKERS_TOGETHER = "workers"
"""Column of the shares table holding the gig workers' shares added up."""


def share_column(kind: str) -> str:
    """Run outcome holding the share of first reports filed by ``kind``."""
    return f"first_report_share_{kind}"


def hours_column(kind: str) -> str:
    """Run outcome holding the median hours from noticing to first report, for ``kind``."""
    return f"median_hours_detection_to_report_{kind}"


OUTCOME_COLUMNS: tuple[str, ...] = tuple(
    [share_column(k) for k in REPORTER_KINDS] + [hours_column(k) for k in REPORTER_KINDS]
)
"""Run outcomes the section reads."""


@dataclass(frozen=True)
class FirstReports:
    """Shares of first reports and median hours to report, by reporter kind, per arm.

    Attributes:
        shares: arm -> share of first reports (0 to 1) per kind of :data:`REPORTER_KINDS`
            and :data:`WORKERS_TOGETHER`; mean over the arm's runs with a report (NaN when
            none had one).
        hours: arm -> hours from the first reporter's own noticing to his report per kind;
            mean over the arm's runs of each run's median (NaN when the kind never reported
            first).
        runs_with_reports: arm -> number of runs behind the shares.
    """

    shares: pd.DataFrame
    hours: pd.DataFrame
    runs_with_reports: pd.Series

    @property
    def arms(self) -> list[str]:
        """Arms in the order given to :func:`first_reports`."""
        return list(self.shares.index)


def first_reports(runs: pd.DataFrame, arms: Sequence[str]) -> FirstReports | None:
    """Shares and median hours by reporter kind for each arm, from the runs table.

    Args:
        runs: one row per successful run with ``arm`` and the outcomes of
            :data:`OUTCOME_COLUMNS`.
        arms: arms to summarise, in the order shown.

    Returns:
        The summary, or None when the runs table predates these outcomes (a column missing).
    """
    if any(column not in runs.columns for column in OUTCOME_COLUMNS):
        return None
    share_columns = [share_column(k) for k in REPORTER_KINDS]
    hour_columns = [hours_column(k) for k in REPORTER_KINDS]
    share_rows, hour_rows, counts = {}, {}, {}
    for arm in arms:
        part = runs[runs["arm"] == arm]
        shares = part[share_columns].astype(float)
        reported = shares.notna().all(axis=1)
        means = shares[reported].mean() if reported.any() else shares.iloc[:0].mean()
        share_rows[arm] = means.to_numpy()
        hour_rows[arm] = part[hour_columns].astype(float).mean().to_numpy()
        counts[arm] = int(reported.sum())
    shares = pd.DataFrame.from_dict(share_rows, orient="index", columns=list(REPORTER_KINDS))
    shares.insert(
        len(GIG_WORKER_KINDS),
        WORKERS_TOGETHER,
        shares[list(GIG_WORKER_KINDS)].sum(axis=1, min_count=len(GIG_WORKER_KINDS)),
    )
    hours = pd.DataFrame.from_dict(hour_rows, orient="index", columns=list(REPORTER_KINDS))
    return FirstReports(shares, hours, pd.Series(counts, dtype=int))


def share_text(t: Text, share: float) -> str:
    """A share of first reports as the table and the sentence show it ("61 %")."""
    return t.percent(share)


def hours_text(t: Text, hours: float) -> str:
    """Median hours as the table and the sentence show them ("91")."""
    return t.number(hours)


def first_reports_html(summary: FirstReports, t: Text, reference: str) -> str:
    """Two small tables: share of first reports by kind, and median hours to report by kind.

    Args:
        summary: :func:`first_reports`.
        t: the language layer.
        reference: the reference arm (its row is marked).
    """
    share_kinds = [*GIG_WORKER_KINDS, WORKERS_TOGETHER, *OTHER_KINDS]
    share_table = _table(
        t,
        t("scenario.first_reports.shares_caption"),
        [t(f"scenario.first_reports.kinds.{k}") for k in share_kinds],
        {
            arm: [share_text(t, summary.shares.at[arm, k]) for k in share_kinds]
            for arm in summary.arms
        },
        reference,
    )
    hours_table = _table(
        t,
        t("scenario.first_reports.hours_caption"),
        [t(f"scenario.first_reports.kinds.{k}") for k in REPORTER_KINDS],
        {
            arm: [hours_text(t, summary.hours.at[arm, k]) for k in REPORTER_KINDS]
            for arm in summary.arms
        },
        reference,
    )
    return share_table + hours_table


def _table(
    t: Text, caption: str, headers: list[str], rows: dict[str, list[str]], reference: str
) -> str:
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in headers)
    head = f"<tr><th scope='col'>{html.escape(t('brief.columns.arm'))}</th>{head}</tr>"
    body = []
    for arm, cells in rows.items():
        css = " class='reference'" if arm == reference else ""
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        body.append(f"<tr{css}><th scope='row'>{html.escape(t.arm(arm))}</th>{tds}</tr>")
    return (
        f"<table class='brief first-reports'><caption>{html.escape(caption)}</caption>"
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def status_quo_sentence(summary: FirstReports, t: Text, reference: str) -> str:
    """Who files the first reports on the reference street and how fast, in plain words.

    The split names the two non-worker kinds (residents, staff) largest first and the gig
    workers together, in the wording that fits which side files more; the speed names the
    gig-worker kind with most first reports against the staff on patrol (left out when
    either never reported first). Every number is formatted as in the tables.

    Args:
        summary: :func:`first_reports` (must hold the reference).
        t: the language layer.
        reference: the reference arm.
    """
    shares = summary.shares.loc[reference]
    where = t.reference_phrase(reference)
    if not math.isfinite(shares[WORKERS_TOGETHER]):
        return t("scenario.first_reports.no_reports", reference=where)
    first, second = sorted(OTHER_KINDS, key=lambda k: -shares[k])
    others = shares[first] + shares[second]
    key = "others_lead" if others >= shares[WORKERS_TOGETHER] else "workers_lead"
    text = t(
        f"scenario.first_reports.{key}",
        reference=where,
        first_kind=t(f"scenario.first_reports.kinds_in_text.{first}"),
        first_share=share_text(t, shares[first]),
        second_kind=t(f"scenario.first_reports.kinds_in_text.{second}"),
        second_share=share_text(t, shares[second]),
        workers_share=share_text(t, shares[WORKERS_TOGETHER]),
    )
    lead = max(GIG_WORKER_KINDS, key=lambda k: shares[k])
    lead_hours, staff_hours = (
        summary.hours.at[reference, lead],
        summary.hours.at[reference, "staff"],
    )
    if shares[lead] > 0 and math.isfinite(lead_hours) and math.isfinite(staff_hours):
        speed = t(
            "scenario.first_reports.speed",
            kind=t(f"scenario.first_reports.kinds_in_text.{lead}"),
            hours=t.hours(lead_hours),
            staff_hours=t.hours(staff_hours),
        )
        text = t("scenario.first_reports.split_and_speed", split=text, speed=speed)
    return text


def first_reports_section(
    runs: pd.DataFrame, t: Text, arms: Sequence[str], reference: str, intro: str
) -> HTML:
    """The section "Who reports problems first, and how fast" for the arms shown.

    Args:
        runs: the successful runs (``Results.ok_runs``).
        t: the language layer.
        arms: arms shown, the reference first.
        reference: the reference arm (the sentence explains its split).
        intro: the page's opening paragraph of the section.
    """
    title = t("scenario.first_reports.title")
    summary = first_reports(runs, list(dict.fromkeys([reference, *arms])))
    if summary is None:
        return section(SECTION_ID, title, paragraph(t("scenario.first_reports.missing"), "note"))
    return section(
        SECTION_ID,
        title,
        paragraph(intro),
        paragraph(status_quo_sentence(summary, t, reference)),
        figure_html(*first_report_shares(summary.shares, t)),
        first_reports_html(summary, t, reference),
    )

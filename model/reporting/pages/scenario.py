"""The scenario page (``scenario.ipynb``): one arm in depth.

Its key numbers against the reference, the street day by day, where problems arise and how
fast they are fixed in each community, the funnel from problem to fix, who reports problems
first and how fast, and workers' belonging and trust over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from model.reporting import equity, figures, summaries
from model.reporting import issue_outcomes as io
from model.reporting.brief import Brief, brief_html, build_brief
from model.reporting.figures.equity import community_levels_map
from model.reporting.findings import main_finding, time_to_fix_finding
from model.reporting.pages.common import (
    bullets,
    figure_html,
    missing_table,
    page_text,
    paragraph,
    provenance_section,
    section,
)
from model.reporting.pages.first_reports import first_reports_section
from model.reporting.results import Results, ResultsError, load_results
from model.reporting.text import Text


@dataclass
class ScenarioPage:
    """Numbers and sections of the scenario page.

    Attributes:
        results: the experiment's tables.
        t: the language layer.
        arm: the arm shown.
        brief: the arm against the reference (None when the arm is the reference).
    """

    results: Results
    t: Text
    arm: str
    brief: Brief | None

    @property
    def compared(self) -> list[str]:
        """The reference and the arm (once if they are the same)."""
        return list(dict.fromkeys([self.results.reference, self.arm]))

    def title(self) -> HTML:
        """Title and the arm's two main findings."""
        t = self.t
        parts = [paragraph(t("scenario.subtitle", arm=t.arm_in_text(self.arm)))]
        if self.brief is not None:
            parts.append(
                bullets(
                    [
                        main_finding(self.brief, t, self.arm).text,
                        time_to_fix_finding(self.brief, t, self.arm).text,
                    ]
                )
            )
        return section("title", t("scenario.title", arm=t.arm(self.arm)), *parts, level=1)

    def numbers(self) -> HTML:
        """The brief row of the arm (or the reference's own levels)."""
        t = self.t
        if self.brief is None:
            return section(
                "brief",
                t("sections.scenario_numbers"),
                paragraph(t("scenario.is_reference"), "note"),
            )
        return section("brief", t("sections.scenario_numbers"), brief_html(self.brief, t))

    def daily_section(self) -> HTML:
        """Open problems and reports day by day, arm against reference."""
        t, results = self.t, self.results
        if results.daily is None:
            return section(
                "day-by-day", t("sections.scenario_daily"), missing_table(t, "daily.parquet")
            )
        parts = []
        for column in ("open_issues", "reports_total", "resolutions"):
            bands = summaries.daily_bands(results.daily, column, arms=self.compared)
            parts.append(
                figure_html(
                    *figures.daily_series(bands, t, column, results.warmup_days, results.reference)
                )
            )
        return section("day-by-day", t("sections.scenario_daily"), *parts)

    def map_section(self) -> HTML:
        """Where problems arise, and the median time to fix in each community."""
        t, results = self.t, self.results
        if results.issues is None:
            return section("map", t("sections.scenario_map"), missing_table(t, "issues.parquet"))
        start, end = results.window_hours
        rectangles = equity.community_rectangles(results.issues)
        part = results.issues[results.issues["arm"] == self.arm]
        medians = pd.Series(
            {c: io.median_hours_to_fix(g, start, end) for c, g in part.groupby("community")}
        )
        parts = [
            figure_html(
                *figures.issue_density_map(results.issues, rectangles, t, self.arm, start, end)
            ),
            figure_html(
                *community_levels_map(
                    medians,
                    rectangles,
                    t,
                    t("figures.levels_map.title", arm=t.arm(self.arm)),
                    t("figures.levels_map.colour"),
                    t("figures.levels_map.caption", arm=t.arm_in_text(self.arm)),
                )
            ),
        ]
        if self.arm != results.reference:
            effects = equity.group_effects(
                results.issues, "community", results.reference, start, end, arms=[self.arm]
            )
            parts.append(figure_html(*figures.community_map(effects, rectangles, t, self.arm)))
        return section("map", t("sections.scenario_map"), *parts)

    def funnel_section(self) -> HTML:
        """The reporting funnel, arm against reference."""
        t, results = self.t, self.results
        if results.issues is None:
            return section(
                "funnel", t("sections.scenario_funnel"), missing_table(t, "issues.parquet")
            )
        table = summaries.funnel_table(results.issues, *results.window_hours, arms=self.compared)
        return section(
            "funnel",
            t("sections.scenario_funnel"),
            figure_html(*figures.funnel(table, t, self.compared)),
        )

    def first_reports_section(self) -> HTML:
        """Who files the first report of a problem and how fast, arm against reference."""
        t = self.t
        return first_reports_section(
            self.results.ok_runs,
            t,
            self.compared,
            self.results.reference,
            t("scenario.first_reports.intro"),
        )

    def people_section(self) -> HTML:
        """Workers' belonging and trust over time (means over workers, bands over replicates)."""
        t, results = self.t, self.results
        if results.daily is None:
            return section(
                "people", t("sections.scenario_people"), missing_table(t, "daily.parquet")
            )
        parts = [paragraph(t("scenario.people_intro"))]
        for column in ("mean_belonging", "mean_worker_trust"):
            if column in results.daily.columns:
                bands = summaries.daily_bands(results.daily, column, arms=self.compared)
                parts.append(
                    figure_html(
                        *figures.daily_series(
                            bands, t, column, results.warmup_days, results.reference
                        )
                    )
                )
        return section("people", t("sections.scenario_people"), *parts)

    def provenance(self) -> HTML:
        """Provenance of the experiment."""
        return provenance_section(self.results.manifest, self.t)


def build(results_folder: str | Path, arm: str, *, lang: str = "en") -> ScenarioPage:
    """Numbers of the scenario page for one arm.

    Raises:
        ResultsError: the experiment has no such arm.
    """
    results = load_results(results_folder)
    t = page_text(results, lang)
    if arm not in results.arms:
        raise ResultsError(
            f"{results.folder / 'runs.parquet'}: no arm {arm!r} (arms: {', '.join(results.arms)})"
        )
    brief = None
    if arm != results.reference:
        brief = build_brief(results.runs, results.reference, arms=[arm], n_resamples=500)
    return ScenarioPage(results, t, arm, brief)

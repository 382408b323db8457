"""The comparative-effectiveness page (``compare.ipynb``).

What works, by how much, how sure, at what cost, for whom.
:func:`build` computes every number once; each method returns one section of the page in
the reader's language, in the order of a policymaker's page: title and bottom line, the
brief, findings, effects, costs, where and for whom, who reports first and how fast, day by
day, how sure, method, provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from model.analysis.effects import BETTER
from model.reporting import equity, figures, summaries
from model.reporting.brief import Brief, brief_html, build_brief, holm_html
from model.reporting.costeffectiveness import cost_effectiveness, frontier_html
from model.reporting.findings import Finding, bottom_line, findings
from model.reporting.measures import FIXED_PER_YEAR, INCIDENTS_PER_YEAR, MAIN_MEASURE
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
from model.reporting.results import Results, load_results, load_sensitivity
from model.reporting.text import Text
from model.reporting.worlds import Robustness, condition_words, robustness

QUICK_RESAMPLES, FULL_RESAMPLES = 500, 2000
"""Bootstrap resamples of the ratio intervals in quick and full reports."""

SHOWN_ARMS = 3
"""Arms drawn in the daily series, funnel and participation besides the reference."""


@dataclass
class ComparePage:
    """Numbers of the compare page and its sections.

    Attributes:
        results: the experiment's tables.
        t: the language layer.
        brief: the brief numbers.
        frontiers: cost-effectiveness frontier per effect (``fixed``, ``incidents``).
        community_effects: effects per community (None without issue logs).
        type_effects: effects per issue type (None without issue logs).
        participation: participation per worker kind (None without the worker table).
        robustness: robustness in sampled worlds of every recommended arm (one that fixes
            more problems within a week than the reference) that ran there (empty without).
        findings: the generated findings.
    """

    results: Results
    t: Text
    brief: Brief
    frontiers: dict[str, pd.DataFrame]
    community_effects: pd.DataFrame | None = None
    type_effects: pd.DataFrame | None = None
    participation: pd.DataFrame | None = None
    robustness: list[Robustness] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def shown_arms(self) -> list[str]:
        """The reference and the best-ranked arms."""
        return [self.results.reference, *self.brief.arms[:SHOWN_ARMS]]

    def title(self) -> HTML:
        """Title and one-sentence bottom line."""
        t = self.t
        return section(
            "title",
            t("compare.title"),
            paragraph(bottom_line(self.brief, t), "bottom-line"),
            paragraph(
                t(
                    "compare.subtitle",
                    reference=t.reference_phrase(self.brief.reference),
                    n=t.number(self.n_replicates),
                )
            ),
            level=1,
        )

    @property
    def n_replicates(self) -> int:
        """Smallest number of complete pairs behind an effect of the main measure."""
        rows = self.brief.effects[self.brief.effects["outcome"] == MAIN_MEASURE.column]
        return int(rows["n_pairs"].min()) if len(rows) else 0

    def brief_section(self) -> HTML:
        """The ranked brief table with its legend and the Holm detail table."""
        t = self.t
        intro = paragraph(
            t("compare.brief_intro", reference=t.reference_phrase(self.brief.reference))
        )
        parts = [intro, brief_html(self.brief, t)]
        sentences = self.robustness_sentences()
        if sentences:
            parts += [paragraph(t("sensitivity.brief.intro")), bullets(sentences, "robustness")]
        return section("brief", t("sections.brief"), *parts, holm_html(self.brief, t))

    def robustness_sentences(self) -> list[str]:
        """Per recommended measure: share of sampled worlds it beats the status quo, where it fails.

        Empty without sensitivity results (the brief is then unchanged).
        """
        t, sentences = self.t, []
        for result in self.robustness:
            fields = {
                "arm": t.arm(result.arm),
                "reference": t.reference_phrase(self.brief.reference),
                "share": t.percent(result.share_better),
                "n": t.number(result.n_worlds),
            }
            if result.n_worlds == 0:
                sentences.append(t("sensitivity.brief.no_worlds", **fields))
                continue
            if result.n_better == result.n_worlds:
                sentences.append(t("sensitivity.brief.always", **fields))
                continue
            text = t("sensitivity.brief.share", **fields)
            if result.condition is not None:
                condition = condition_words(result.condition, t)
                text = t("sensitivity.brief.fails_when", sentence=text, condition=condition)
            sentences.append(text)
        return sentences

    def findings_section(self) -> HTML:
        """Five to eight generated sentences."""
        return section(
            "findings", self.t("sections.findings"), bullets(f.text for f in self.findings)
        )

    def effects_section(self) -> HTML:
        """The forest plot of every effect."""
        return section(
            "effects",
            self.t("sections.effects"),
            figure_html(*figures.forest_plot(self.brief, self.t)),
        )

    def costs_section(self) -> HTML:
        """The cost-effectiveness planes, dominance and ICERs."""
        t = self.t
        parts = [paragraph(t("compare.costs_intro"))]
        for effect, frontier in self.frontiers.items():
            reference = self.results.reference
            parts.append(figure_html(*figures.ce_plane(frontier, t, effect, reference)))
            parts.append(frontier_html(frontier, t, effect, reference))
        parts.append(bullets(f.text for f in self.findings if f.kind in ("cost", "dominance")))
        return section("cost-effectiveness", t("sections.costs"), *parts)

    def equity_section(self) -> HTML:
        """Communities on a map, issue types and who carries the reporting."""
        t = self.t
        parts = []
        helping = [
            a for a in self.brief.arms if self.brief.effect(a, FIXED_PER_YEAR)["verdict"] == BETTER
        ]
        arm = helping[0] if helping else self.brief.arms[0]
        if self.community_effects is None:
            parts.append(missing_table(t, "issues.parquet"))
        else:
            rectangles = equity.community_rectangles(self.results.issues)
            for outcome in equity.GROUP_OUTCOMES:
                parts.append(
                    figure_html(
                        *figures.community_map(self.community_effects, rectangles, t, arm, outcome)
                    )
                )
            parts.append(figure_html(*figures.issue_type_effects(self.type_effects, t, arm)))
            parts.extend(paragraph(f.text) for f in self.findings if f.kind == "equity")
        if self.participation is None:
            parts.append(missing_table(t, "workers.parquet"))
        else:
            parts.append(
                figure_html(*figures.participation(self.participation, t, self.shown_arms))
            )
        return section("equity", t("sections.equity"), *parts)

    def first_reports_section(self) -> HTML:
        """Who files the first report of a problem and how fast, under every measure."""
        t, results = self.t, self.results
        intro = t("compare.first_reports.intro", reference=t.reference_phrase(results.reference))
        return first_reports_section(
            results.ok_runs, t, [results.reference, *self.brief.arms], results.reference, intro
        )

    def daily_section(self) -> HTML:
        """Daily series with bands and the reporting funnel."""
        t, results = self.t, self.results
        parts = []
        if results.daily is None:
            parts.append(missing_table(t, "daily.parquet"))
        else:
            for column in ("open_issues", "reports_total"):
                bands = summaries.daily_bands(results.daily, column, arms=self.shown_arms)
                parts.append(
                    figure_html(
                        *figures.daily_series(
                            bands, t, column, results.warmup_days, results.reference
                        )
                    )
                )
        if results.issues is not None:
            table = summaries.funnel_table(
                results.issues, *results.window_hours, arms=self.shown_arms
            )
            parts.append(figure_html(*figures.funnel(table, t, self.shown_arms)))
        return section("day-by-day", t("sections.daily"), *parts)

    def certainty_section(self) -> HTML:
        """Replications, interval widths, CRN variance reduction, robustness, limits."""
        t = self.t
        parts = [paragraph(t("compare.certainty_intro", n=t.number(self.n_replicates)))]
        parts.append(figure_html(*figures.replication_adequacy(self.brief, t)))
        parts.extend(paragraph(f.text) for f in self.findings if f.kind == "robustness")
        if not self.robustness:
            parts.append(paragraph(t("compare.no_sensitivity"), "note"))
        parts.append(paragraph(t("compare.limits")))
        return section("how-sure", t("sections.certainty"), *parts)

    def method_section(self) -> HTML:
        """The method in one paragraph."""
        t, results = self.t, self.results
        text = t(
            "compare.method",
            n=t.number(self.n_replicates),
            days=t.number(results.days),
            warmup=t.number(results.warmup_days),
            reference=t.reference_phrase(results.reference),
        )
        return section("method", t("sections.method"), paragraph(text))

    def provenance(self) -> HTML:
        """Code version, package versions, experiment hash, seeds, runs, executor, wall time."""
        return provenance_section(self.results.manifest, self.t)


def build(
    results_folder: str | Path,
    *,
    lang: str = "en",
    sensitivity_folder: str | Path | None = None,
    quick: bool = False,
) -> ComparePage:
    """Compute every number of the compare page.

    Args:
        results_folder: the experiment's results folder.
        lang: language of the page.
        sensitivity_folder: results of the arms in sampled worlds (optional).
        quick: fewer bootstrap resamples for the ratio intervals (quick runs).

    Returns:
        The page.
    """
    n_resamples = QUICK_RESAMPLES if quick else FULL_RESAMPLES
    results = load_results(results_folder)
    t = page_text(results, lang)
    brief = build_brief(
        results.runs,
        results.reference,
        arms=[a for a in results.arms if a != results.reference],
        n_resamples=n_resamples,
    )
    frontiers = {
        effect: cost_effectiveness(
            brief.runs, brief.effects, results.reference, column, n_resamples=n_resamples
        )
        for effect, column in (("fixed", FIXED_PER_YEAR), ("incidents", INCIDENTS_PER_YEAR))
    }
    page = ComparePage(results, t, brief, frontiers)
    if results.issues is not None:
        window = results.window_hours
        page.community_effects = equity.group_effects(
            results.issues, "community", results.reference, *window
        )
        page.type_effects = equity.group_effects(results.issues, "type", results.reference, *window)
    if results.workers is not None:
        rates = {
            arm: results.arm_setting(arm, "policies.points.yuan_per_point") for arm in results.arms
        }
        page.participation = equity.participation_by_kind(results.workers, rates)
    if sensitivity_folder is not None:
        sensitivity = load_sensitivity(sensitivity_folder)
        recommended = [
            arm
            for arm in brief.arms
            if brief.effect(arm, MAIN_MEASURE.column)["verdict"] == BETTER
            and arm in set(sensitivity.runs["policy"])
        ]
        page.robustness = [robustness(sensitivity, arm, FIXED_PER_YEAR) for arm in recommended]
    page.findings = findings(
        brief,
        t,
        frontier=frontiers["fixed"],
        community_effects=page.community_effects,
        robustness=page.robustness,
    )
    return page

"""The sensitivity and robustness page (``sensitivity.ipynb``).

Do the policy conclusions survive what we do not know? :func:`build` reads up to two results
folders of experiments run in sampled worlds (:mod:`model.analysis.worlds`): a *robustness*
folder (every policy in a Latin hypercube of worlds) and a *screening* folder (a Morris or
Sobol design), analyses each once, and each method returns one section in the reader's
language: title and bottom line, the robustness table of the policies, the most influential
parameters with their indices and intervals, where the integrated package fails (PRIM boxes
in words), the budget, the method and the provenance.

A world without a value of an outcome is left out of that outcome's numbers, and the page
says why (:mod:`model.reporting.world_gaps` counts those worlds by cause): a run of the world
*failed*, or every run finished but the outcome is *undefined* there, for instance because
the runs are no longer than the outcome's window. It never reports a share of no worlds.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from IPython.display import HTML

from model.analysis.worlds import (
    EFFECT,
    LEVELS,
    PRIM_MIN_DENSITY,
    WorldsAnalysis,
    analyse_worlds,
    least_regret_policy,
)
from model.reporting import registry
from model.reporting.pages.common import (
    bullets,
    duration_text,
    paragraph,
    provenance_section,
    section,
)
from model.reporting.results import SensitivityResults, load_sensitivity, provenance
from model.reporting.text import Text
from model.reporting.world_gaps import WINDOW_DAYS, WorldGaps, measured_days, world_gaps
from model.reporting.worlds import condition_of, condition_words

MAIN_OUTCOME = "fixed_within_7d_share"
"""The outcome the page's bottom line and regret are about."""

FOCUS_OUTCOMES = ("fixed_within_7d_share", "incidents_total")
"""Outcomes whose indices and failure boxes the page shows."""

FOCUS_POLICY = "integrated"
"""The policy whose effect is screened and whose failures are boxed."""

TOP_PARAMETERS = 5
"""Most influential parameters shown per screened output."""

QUICK_RESAMPLES, FULL_RESAMPLES = 200, 1000
"""Bootstrap resamples of the indices in quick and full reports."""


def headline_directions() -> dict[str, str]:
    """Headline outcomes with a direction, in brief order."""
    return {
        name: registry.direction(name)
        for name in registry.headline_outcomes()
        if registry.direction(name) != "neutral"
    }


@dataclass
class SensitivityPage:
    """Numbers of the sensitivity page and its sections.

    Attributes:
        t: the language layer.
        robustness: the robustness experiment and its analysis (None without one).
        screening: the screening experiment and its analysis (None without one).
        sobol: the Sobol experiment on the most influential parameters and its analysis
            (None without one).
    """

    t: Text
    robustness: tuple[SensitivityResults, WorldsAnalysis] | None = None
    screening: tuple[SensitivityResults, WorldsAnalysis] | None = None
    sobol: tuple[SensitivityResults, WorldsAnalysis] | None = None

    @property
    def experiments(self) -> list[tuple[str, tuple[SensitivityResults, WorldsAnalysis]]]:
        """The experiments on the page, by kind, in the page's order."""
        pairs = (("robustness", self.robustness), ("screening", self.screening))
        return [(k, p) for k, p in (*pairs, ("sobol", self.sobol)) if p is not None]

    # ------------------------------------------------------------------ helpers

    @property
    def focus(self) -> str:
        """The screened policy (the integrated package when the experiments have it)."""
        for pair in (self.robustness, self.screening):
            if pair is not None:
                others = [p for p in pair[1].policies if p != pair[1].reference]
                return FOCUS_POLICY if FOCUS_POLICY in others else (others or [FOCUS_POLICY])[0]
        return FOCUS_POLICY

    def _value(self, outcome: str, value: float, *, signed: bool = False) -> str:
        t = self.t
        if not math.isfinite(value):
            return t("format.not_available")
        if registry.unit(outcome) == "share":
            return t.points(value, 1, signed=signed)
        digits = 0 if abs(value) >= 100 else 2
        return t.number(value, digits, signed=signed)

    def gaps(
        self,
        pair: tuple[SensitivityResults, WorldsAnalysis],
        outcome: str,
        policies: Sequence[str],
        kind: str = EFFECT,
    ) -> WorldGaps:
        """The worlds of one experiment without a value of an output of ``policies``."""
        results, analysis = pair
        n_worlds = analysis.design.n_worlds
        return world_gaps(
            results.runs, analysis.effects, n_worlds, outcome, policies, analysis.reference, kind
        )

    def gap_sentence(self, pair: tuple[SensitivityResults, WorldsAnalysis], gaps: WorldGaps) -> str:
        """Why worlds have no value of an outcome ("" when every world has one).

        Failed runs and undefined outcomes are told apart; an outcome with a window longer
        than the runs' measured days says so with both numbers.
        """
        t = self.t
        if not gaps.missing:
            return ""

        def count(n: int) -> str:
            every = n == gaps.missing > 1
            return t("sensitivity.gaps.all", n=t.number(n)) if every else t.number(n)

        parts = []
        if gaps.failed:
            parts.append(t("sensitivity.gaps.failed", n=count(gaps.failed)))
        if gaps.finished:
            days = measured_days(pair[0])
            window = WINDOW_DAYS.get(gaps.outcome)
            if window is not None and math.isfinite(days) and days <= window:
                reason = t(
                    "sensitivity.gaps.reason.horizon",
                    days=t.number(days, 0 if float(days).is_integer() else 1),
                    window=t.number(window),
                )
            else:
                reason = t("sensitivity.gaps.reason.undefined")
            parts.append(t("sensitivity.gaps.finished", n=count(gaps.finished), reason=reason))
        key = "none" if gaps.valued == 0 else "one" if gaps.missing == 1 else "some"
        return t(
            f"sensitivity.gaps.{key}",
            total=t.number(gaps.total),
            missing=t.number(gaps.missing),
            outcome=t.outcome_in_text(gaps.outcome),
            why=t("sensitivity.gaps.separator").join(parts),
        )

    def _then(self, first: str, second: str) -> str:
        """Two sentences in a row (the second may be empty)."""
        return self.t("sensitivity.gaps.then", first=first, second=second) if second else first

    def _share_cell(self, row) -> str:
        """``72 % of 14 (55 % to 85 %)``, or that no world has a value."""
        t = self.t
        if int(row["n_worlds"]) == 0:
            return t("sensitivity.cells.no_value")
        return t(
            "sensitivity.cells.share",
            share=t.percent(row["share_better"]),
            n=t.number(int(row["n_worlds"])),
            ci=t.interval(t.percent(row["share_ci_low"]), t.percent(row["share_ci_high"])),
        )

    def _table(self, head: list[str], rows: list[list[str]], css: str) -> str:
        header = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
        body = "".join(
            f"<tr><th scope='row'>{html.escape(row[0])}</th>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in rows
        )
        return f"<table class='{css}'><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"

    # ------------------------------------------------------------------ sections

    def bottom_line(self) -> str:
        """One sentence: how often the focus policy beats the reference on the main outcome."""
        t = self.t
        if self.robustness is None:
            return t("sensitivity.bottom_line_missing")
        _, analysis = self.robustness
        rows = analysis.robustness
        row = rows[(rows["policy"] == self.focus) & (rows["outcome"] == MAIN_OUTCOME)]
        if row.empty:
            return t("sensitivity.bottom_line_missing")
        row = row.iloc[0]
        fields = {
            "arm": t.arm_in_text(self.focus),
            "reference": t.reference_phrase(analysis.reference),
            "outcome": t.outcome_in_text(MAIN_OUTCOME),
        }
        gaps = self.gap_sentence(
            self.robustness, self.gaps(self.robustness, MAIN_OUTCOME, [self.focus])
        )
        if int(row["n_worlds"]) == 0:
            return self._then(t("sensitivity.gaps.cannot_tell", **fields), gaps)
        sentence = t(
            "sensitivity.bottom_line",
            share=t.percent(row["share_better"]),
            n=t.number(int(row["n_worlds"])),
            **fields,
        )
        return self._then(sentence, gaps)

    def title(self) -> HTML:
        """Title and bottom line."""
        t = self.t
        return section(
            "title",
            t("sensitivity.title"),
            paragraph(self.bottom_line(), "bottom-line"),
            paragraph(t("sensitivity.subtitle")),
            level=1,
        )

    def robustness_section(self) -> HTML:
        """Per policy: share of worlds beating the reference, improvement, regret."""
        t = self.t
        if self.robustness is None:
            return section(
                "robustness",
                t("sensitivity.sections.robustness"),
                paragraph(t("sensitivity.no_robustness"), "note"),
            )
        _, analysis = self.robustness
        table = analysis.robustness
        main = table[table["outcome"] == MAIN_OUTCOME]
        head = [t("sensitivity.columns.policy"), *(t(f"sensitivity.columns.{c}") for c in (
            "share_better", "median_improvement", "p10_improvement", "max_regret", "mean_regret",
        ))]  # fmt: skip
        rows = [
            [
                t.arm(row["policy"]),
                self._share_cell(row),
                self._value(MAIN_OUTCOME, row["median_improvement"], signed=True),
                self._value(MAIN_OUTCOME, row["p10_improvement"], signed=True),
                self._value(MAIN_OUTCOME, row["max_regret"]),
                self._value(MAIN_OUTCOME, row["mean_regret"]),
            ]
            for _, row in main.iterrows()
        ]
        others = [p for p in analysis.policies if p != analysis.reference]
        main_gaps = self.gap_sentence(
            self.robustness, self.gaps(self.robustness, MAIN_OUTCOME, others)
        )
        if main["max_regret"].notna().any():
            safest = least_regret_policy(table, MAIN_OUTCOME, analysis.reference)
            regret_sentence = t(
                "sensitivity.least_regret",
                arm=t.arm_in_text(safest),
                outcome=t.outcome_in_text(MAIN_OUTCOME),
            )
        else:  # no world has a value for every measure: no regret to compare
            regret_sentence = t(
                "sensitivity.gaps.no_regret", outcome=t.outcome_in_text(MAIN_OUTCOME)
            )
        parts = [
            paragraph(
                t(
                    "sensitivity.robustness_intro",
                    n=t.number(analysis.design.n_worlds),
                    reference=t.reference_phrase(analysis.reference),
                    outcome=t.outcome_in_text(MAIN_OUTCOME),
                )
            ),
            self._table(head, rows, "robustness"),
            *([paragraph(main_gaps, "note")] if main_gaps else []),
            paragraph(regret_sentence),
        ]
        outcomes = list(dict.fromkeys(table["outcome"]))
        share_head = [t("sensitivity.columns.policy"), *(t.outcome_label(o) for o in outcomes)]
        share_rows = []
        for policy in dict.fromkeys(table["policy"]):
            mine = table[table["policy"] == policy].set_index("outcome")
            share_rows.append(
                [
                    t.arm(policy),
                    *(
                        t("sensitivity.cells.no_value")
                        if int(mine.loc[o, "n_worlds"]) == 0
                        else t.percent(mine.loc[o, "share_better"])
                        for o in outcomes
                    ),
                ]
            )
        parts.append(paragraph(t("sensitivity.shares_intro")))
        parts.append(self._table(share_head, share_rows, "shares"))
        for outcome in outcomes:  # the main outcome is explained above; failed runs there too
            gaps = self.gaps(self.robustness, outcome, others)
            if outcome != MAIN_OUTCOME and gaps.finished:
                parts.append(paragraph(self.gap_sentence(self.robustness, gaps), "note"))
        return section("robustness", t("sensitivity.sections.robustness"), *parts)

    def influence_section(self) -> HTML:
        """The most influential parameters with their indices and intervals.

        The screening design's indices first (Morris over every parameter), then those of a
        Sobol experiment on the most influential ones, when the page has one.
        """
        t = self.t
        pairs = [p for p in (self.screening, self.sobol) if p is not None]
        if not pairs:
            return section(
                "influence",
                t("sensitivity.sections.influence"),
                paragraph(t("sensitivity.no_screening"), "note"),
            )
        parts = []
        for pair in pairs:
            parts.extend(self._influence_of(pair))
        return section("influence", t("sensitivity.sections.influence"), *parts)

    def _influence_of(self, pair: tuple[SensitivityResults, WorldsAnalysis]) -> list[str]:
        """The indices of one screening or Sobol experiment, per focus outcome and output."""
        t = self.t
        _, analysis = pair
        design = analysis.design.design
        parts = [paragraph(t(f"sensitivity.influence_intro.{design}"))]
        for outcome in FOCUS_OUTCOMES:
            for policy, kind in ((analysis.reference, LEVELS), (self.focus, EFFECT)):
                entry = analysis.screening_of(policy, outcome, kind)
                if entry is None:
                    continue
                caption = t(
                    f"sensitivity.output.{kind}",
                    arm=t.arm_in_text(policy),
                    reference=t.reference_phrase(analysis.reference),
                    outcome=t.outcome_in_text(outcome),
                )
                parts.append(f"<h3>{html.escape(caption)}</h3>")
                if entry.table is None:
                    gaps = self.gaps(pair, outcome, [policy], kind)
                    why = self.gap_sentence(pair, gaps)
                    note = self._then(t("sensitivity.gaps.no_indices"), why)
                    parts.append(paragraph(note, "note"))
                    continue
                parts.append(self._indices_table(entry.table.head(TOP_PARAMETERS), design))
        return parts

    def _indices_table(self, table, design: str) -> str:
        t = self.t
        if design == "morris":
            head = [t("sensitivity.columns.parameter"), t("sensitivity.columns.mu_star"),
                    t("sensitivity.columns.mu"), t("sensitivity.columns.sigma")]  # fmt: skip
            rows = [
                [
                    t.parameter(row["parameter"]),
                    t("sensitivity.cells.index", value=t.number(row["mu_star"], 3), ci=t.interval(
                        t.number(row["mu_star_ci_low"], 3), t.number(row["mu_star_ci_high"], 3)
                    )),
                    t.number(row["mu"], 3),
                    t.number(row["sigma"], 3),
                ]
                for _, row in table.iterrows()
            ]  # fmt: skip
        else:
            head = [t("sensitivity.columns.parameter"), t("sensitivity.columns.s1"),
                    t("sensitivity.columns.st")]  # fmt: skip
            rows = [
                [
                    t.parameter(row["parameter"]),
                    *(
                        t("sensitivity.cells.index", value=t.number(row[k], 2), ci=t.interval(
                            t.number(row[f"{k}_ci_low"], 2), t.number(row[f"{k}_ci_high"], 2)
                        ))
                        for k in ("S1", "ST")
                    ),
                ]
                for _, row in table.iterrows()
            ]  # fmt: skip
        return self._table(head, rows, "indices")

    def failure_sentences(self) -> list[str]:
        """Where the focus policy fails to beat the reference, one sentence per outcome."""
        t = self.t
        if self.robustness is None:
            return []
        _, analysis = self.robustness
        sentences = []
        for outcome in FOCUS_OUTCOMES:
            failure = analysis.failure_of(self.focus, outcome)
            if failure is None:
                continue
            fields = {
                "arm": t.arm_in_text(self.focus),
                "reference": t.reference_phrase(analysis.reference),
                "outcome": t.outcome_in_text(outcome),
                "k": t.number(failure.n_failures),
                "n": t.number(failure.n_worlds),
            }
            gaps = self.gap_sentence(
                self.robustness, self.gaps(self.robustness, outcome, [self.focus])
            )
            if failure.n_worlds == 0:
                del fields["k"], fields["n"]
                sentences.append(self._then(t("sensitivity.gaps.cannot_tell", **fields), gaps))
                continue
            if failure.n_failures == 0:
                sentences.append(self._then(t("sensitivity.failures.never", **fields), gaps))
                continue
            if not failure.boxes:
                sentences.append(self._then(t("sensitivity.failures.no_box", **fields), gaps))
                continue
            for number, box in enumerate(failure.boxes, start=1):
                sentence = t(
                    "sensitivity.failures.box",
                    number=t.number(number),
                    condition=condition_words(condition_of(box), t),
                    coverage=t.percent(box.coverage),
                    density=t.percent(box.density),
                    **fields,
                )
                sentences.append(self._then(sentence, gaps) if number == 1 else sentence)
        return sentences

    def failures_section(self) -> HTML:
        """The PRIM boxes of the worlds where the focus policy fails, in words."""
        t = self.t
        sentences = self.failure_sentences()
        if not sentences:
            body = paragraph(t("sensitivity.no_robustness"), "note")
        else:
            body = bullets(sentences)
        intro = paragraph(t("sensitivity.failures_intro", density=t.percent(PRIM_MIN_DENSITY)))
        return section("failures", t("sensitivity.sections.failures"), intro, body)

    def budget_lines(self) -> list[str]:
        """Runs and wall time of each experiment, and how they scale."""
        t = self.t
        lines = []
        for kind, pair in self.experiments:
            results, analysis = pair
            # the runner records wall time per session (a resumed experiment has several)
            wall = provenance(results.manifest)["wall_seconds"]
            workers = (results.manifest.get("executor") or {}).get("workers") or 1
            runs = analysis.n_runs + analysis.n_failed
            core_minutes = (
                float(wall) * int(workers) / 60.0 / runs if wall is not None and runs else math.nan
            )
            lines.append(
                t(
                    "sensitivity.budget.line",
                    experiment=results.manifest.get("experiment", kind),
                    runs=t.number(runs),
                    failed=t.number(analysis.n_failed),
                    worlds=t.number(analysis.design.n_worlds),
                    policies=t.number(len(analysis.policies)),
                    wall=duration_text(t, None if wall is None else float(wall)),
                    workers=t.number(int(workers)),
                    per_run=t.number(core_minutes, 1),
                )
            )
        return lines

    def budget_section(self) -> HTML:
        """Runs, minutes, and the scaling to a cluster."""
        t = self.t
        parts = [bullets(self.budget_lines()), paragraph(t("sensitivity.budget.scaling"))]
        return section("budget", t("sensitivity.sections.budget"), *parts)

    def method_section(self) -> HTML:
        """The method in a few sentences."""
        t = self.t
        parts = []
        for _, pair in self.experiments:
            results, analysis = pair
            worlds = results.manifest["worlds"]
            parts.append(
                paragraph(
                    t(
                        f"sensitivity.method.{analysis.design.design}",
                        n=t.number(analysis.design.n_worlds),
                        size=t.number(int(worlds.get("n", analysis.design.n_worlds))),
                        d=t.number(len(analysis.design.parameters)),
                        file=str(worlds.get("uncertainties_file", "")),
                        policies=t.join(t.arm_in_text(p) for p in analysis.policies),
                    )
                )
            )
        parts.append(paragraph(t("sensitivity.method.common")))
        parameters = {}
        for _, pair in self.experiments:
            parameters.update(pair[0].parameters)
        rows = [
            [t.parameter(key), key, t.number(low, 3), t.number(high, 3)]
            for key, (low, high) in parameters.items()
        ]
        head = [t("sensitivity.columns.parameter"), t("sensitivity.columns.key"),
                t("sensitivity.columns.low"), t("sensitivity.columns.high")]  # fmt: skip
        parts.append(self._table(head, rows, "parameters"))
        return section("method", t("sections.method"), *parts)

    def provenance(self) -> HTML:
        """Provenance of the robustness experiment (else the screening experiment)."""
        pair = self.robustness or self.screening
        return provenance_section(pair[0].manifest if pair else {}, self.t)


def analyse(results: SensitivityResults, *, quick: bool = False) -> WorldsAnalysis:
    """The worlds analysis of one folder on the headline outcomes."""
    return analyse_worlds(
        results.runs.drop(columns=["arm"]).rename(columns={"run_arm": "arm"}),
        results.manifest,
        headline_directions(),
        focus=(FOCUS_POLICY,),
        failure_outcomes=FOCUS_OUTCOMES,
        n_resamples=QUICK_RESAMPLES if quick else FULL_RESAMPLES,
    )


def build(
    *,
    robustness: str | Path | None = None,
    screening: str | Path | None = None,
    sobol: str | Path | None = None,
    lang: str = "en",
    quick: bool = False,
) -> SensitivityPage:
    """Compute every number of the sensitivity page.

    Args:
        robustness: results folder of every policy in a Latin hypercube of worlds.
        screening: results folder of a Morris or Sobol design.
        sobol: results folder of a Sobol design on the most influential parameters.
        lang: language of the page.
        quick: fewer bootstrap resamples (quick runs).

    Returns:
        The page.

    Raises:
        ValueError: no folder is given.
    """
    if robustness is None and screening is None and sobol is None:
        raise ValueError("give a robustness, a screening or a Sobol results folder")
    page = SensitivityPage(Text(lang))
    if robustness is not None:
        loaded = load_sensitivity(robustness)
        page.robustness = (loaded, analyse(loaded, quick=quick))
    if screening is not None:
        loaded = load_sensitivity(screening)
        page.screening = (loaded, analyse(loaded, quick=quick))
    if sobol is not None:
        loaded = load_sensitivity(sobol)
        page.sobol = (loaded, analyse(loaded, quick=quick))
    return page

"""The factorial page (``factorial.ipynb``): each measure's effect and how measures combine.

For each headline outcome an OLS of the outcome on the lever indicators with all two-way
interactions, cluster-robust by replicate seed (:func:`model.analysis.factorial.fit_factorial`);
main effects are the effect of switching one measure on with the others off; interactions
say whether two measures reinforce each other (complements) or substitute for each other,
classified with Bonferroni-adjusted intervals across the pairs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML

from model.analysis.effects import NO_DIFFERENCE
from model.analysis.factorial import (
    COMPLEMENTS,
    SUBSTITUTES,
    FactorialFit,
    fit_factorial,
    interaction_means,
)
from model.reporting import figures
from model.reporting.figures.factorial import display_scale, interval_verdict, term_label
from model.reporting.measures import (
    COST_PER_YEAR,
    INCIDENTS_PER_YEAR,
    add_per_year_columns,
    direction,
)
from model.reporting.pages.common import (
    bullets,
    figure_html,
    page_text,
    paragraph,
    provenance_section,
    section,
)
from model.reporting.results import Results, ResultsError, factor_columns, load_results
from model.reporting.text import Text, round_significant

FACTORIAL_OUTCOMES = (
    "fixed_within_7d_share",
    "median_hours_to_fix",
    INCIDENTS_PER_YEAR,
    "worker_participation_rate",
    COST_PER_YEAR,
)
"""Outcomes analysed, the page's main outcome first."""


def value_text(t: Text, column: str, value: float, *, signed: bool = True) -> str:
    """A value of a column in its display unit (points for shares, hours, yuan, counts)."""
    scale, _ = display_scale(column)
    if scale == "points":
        return t.points(value, signed=signed)
    if scale == "hours":
        return t.hours(value, signed=signed)
    if scale == "yuan":
        return t.yuan(round_significant(value), signed=signed)
    return t.number(value, 1, signed=signed)


def interval_text(t: Text, column: str, low: float, high: float) -> str:
    """An interval of a column in its display unit: "+1.5 to +4.0 percentage points"."""
    scale, _ = display_scale(column)
    if scale == "points":
        return t.points_range(low, high)
    if scale == "hours":
        return t.hours_range(low, high, signed=True)
    if scale == "yuan":
        return t.yuan_range(round_significant(low), round_significant(high), signed=True)
    return t.interval(t.number(low, 1, signed=True), t.number(high, 1, signed=True))


@dataclass
class FactorialPage:
    """Numbers and sections of the factorial page.

    Attributes:
        results: the experiment's tables.
        t: the language layer.
        factors: factor key -> lever column.
        fits: outcome -> fitted factorial regression, in :data:`FACTORIAL_OUTCOMES` order.
        unavailable: outcomes without enough defined values to fit (e.g. a median time to
            fix that short runs never reach), with the reason.
    """

    results: Results
    t: Text
    factors: dict[str, str]
    fits: dict[str, FactorialFit]
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def main(self) -> str:
        """The page's main outcome: the first of :data:`FACTORIAL_OUTCOMES` that was fitted."""
        return next(iter(self.fits))

    def lever_of(self, column: str) -> str:
        """Factor key of a lever column (for names)."""
        return next(key for key, value in self.factors.items() if value == column)

    def label(self, lever_a: str, lever_b: str | None = None) -> str:
        """Reader name of a main effect or of a pair."""
        return term_label(self.t, self.lever_of(lever_a), lever_b and self.lever_of(lever_b))

    def statements(self, outcome: str) -> list[str]:
        """Complements and substitutes on one outcome, each with its adjusted interval."""
        t, fit = self.t, self.fits[outcome]
        pairs = fit.interactions
        n_pairs = len(pairs)
        found = []
        for row in pairs.itertuples():
            if row.classification not in (COMPLEMENTS, SUBSTITUTES):
                continue
            found.append(
                t(
                    f"factorial.statements.{row.classification}",
                    a=t.lever_in_text(self.lever_of(row.lever_a)),
                    b=t.lever_in_text(self.lever_of(row.lever_b)),
                    outcome=t.outcome_in_text(outcome),
                    value=value_text(t, outcome, row.estimate),
                    ci=interval_text(t, outcome, row.adjusted_ci_low, row.adjusted_ci_high),
                    m=t.number(n_pairs),
                )
            )
        rest = n_pairs - len(found)
        if rest:
            key = "factorial.statements.none"
            if found:
                key = "factorial.statements.rest" if rest > 1 else "factorial.statements.rest_one"
            found.append(t(key, n=t.number(rest), outcome=t.outcome_in_text(outcome)))
        return found

    def title(self) -> HTML:
        """Title and the interactions on the main outcome."""
        t = self.t
        main = self.main
        levers = t.join([t.lever_in_text(key) for key in self.factors])
        intro = t(
            "factorial.subtitle",
            levers=levers,
            n=t.number(self.fits[main].n_clusters),
            arms=t.number(len(self.results.arms)),
        )
        return section(
            "title", t("factorial.title"), paragraph(intro), bullets(self.statements(main)), level=1
        )

    def effects_table(self) -> HTML:
        """Main effects and interactions of every lever on every outcome, with intervals."""
        t = self.t
        head = "".join(f"<th scope='col'>{html.escape(t.outcome_label(o))}</th>" for o in self.fits)
        first = next(iter(self.fits.values())).effects
        terms = first[first["kind"] != "intercept"][["term", "lever_a", "lever_b"]]
        body = []
        for term in terms.itertuples():
            cells = []
            for outcome, fit in self.fits.items():
                row = fit.effects.set_index("term").loc[term.term]
                verdict = interval_verdict(row["ci_low"], row["ci_high"], direction(outcome))
                interval = interval_text(t, outcome, row["ci_low"], row["ci_high"])
                if verdict == NO_DIFFERENCE:
                    text, css = t("brief.cells.no_difference", interval=interval), " class='nodiff'"
                else:
                    text = t(
                        "brief.cells.change",
                        value=value_text(t, outcome, row["estimate"]),
                        interval=interval,
                    )
                    css = ""
                cells.append(f"<td{css}>{html.escape(text)}</td>")
            label = html.escape(
                self.label(term.lever_a, None if pd.isna(term.lever_b) else term.lever_b)
            )
            body.append(f"<tr><th scope='row'>{label}</th>{''.join(cells)}</tr>")
        table = (
            f"<table class='brief'><thead><tr><th scope='col'>{html.escape(t('factorial.term'))}"
            f"</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
        legend = paragraph(t("factorial.legend"), "legend")
        statements = [s for outcome in list(self.fits)[1:] for s in self.statements(outcome)]
        statements += [
            t("factorial.unavailable", outcome=t.outcome_in_text(outcome))
            for outcome in self.unavailable
        ]
        return section(
            "factorial-effects", t("sections.factorial_main"), table, legend, bullets(statements)
        )

    def figures_section(self) -> HTML:
        """Effects with intervals for the main outcomes, and the strongest interaction plotted."""
        t = self.t
        parts = [
            figure_html(*figures.factorial_effects(self.fits[o], t)) for o in list(self.fits)[:2]
        ]
        main = self.main
        pairs = self.fits[main].interactions
        if len(pairs):
            fit = self.fits[main]
            errors = fit.effects.set_index("term")["std_error"]
            strength = [abs(r.estimate) / errors[_term(fit, r)] for r in pairs.itertuples()]
            best = pairs.iloc[int(np.argmax(strength))]
            means = interaction_means(
                self.runs,
                main,
                best["lever_a"],
                best["lever_b"],
                reference_arm=self.results.reference,
            )
            parts.append(
                figure_html(
                    *figures.interaction_plot(
                        means,
                        t,
                        main,
                        self.lever_of(best["lever_a"]),
                        self.lever_of(best["lever_b"]),
                    )
                )
            )
        return section("factorial-figures", t("sections.factorial_figures"), *parts)

    @property
    def runs(self) -> pd.DataFrame:
        """Run table with the annualised columns."""
        return add_per_year_columns(self.results.runs)

    def method_section(self) -> HTML:
        """The method in one paragraph."""
        t = self.t
        fit = self.fits[self.main]
        text = t(
            "factorial.method",
            arms=t.number(len(self.results.arms)),
            n=t.number(fit.n_clusters),
            days=t.number(self.results.days),
            warmup=t.number(self.results.warmup_days),
        )
        return section("method", t("sections.method"), paragraph(text))

    def provenance(self) -> HTML:
        """Provenance of the experiment."""
        return provenance_section(self.results.manifest, self.t)


def _term(fit: FactorialFit, pair: tuple) -> str:
    """Regression term of an interaction row."""
    effects = fit.effects
    rows = effects[(effects["lever_a"] == pair.lever_a) & (effects["lever_b"] == pair.lever_b)]
    return str(rows["term"].iloc[0])


def build(results_folder: str | Path, *, lang: str = "en") -> FactorialPage:
    """Fit the factorial regressions of every outcome of :data:`FACTORIAL_OUTCOMES`."""
    results = load_results(results_folder)
    t = page_text(results, lang)
    factors = factor_columns(results)
    runs = add_per_year_columns(results.runs)
    fits, unavailable = {}, {}
    for outcome in FACTORIAL_OUTCOMES:
        try:
            fits[outcome] = fit_factorial(
                runs,
                outcome,
                list(factors.values()),
                direction=direction(outcome),
                reference_arm=results.reference,
            )
        except ValueError as error:  # too few defined values for this outcome
            unavailable[outcome] = str(error)
    if not fits:
        raise ResultsError(
            f"{results.folder / 'runs.parquet'}: no outcome has enough defined values for the "
            f"factorial regression ({next(iter(unavailable.values()))})"
        )
    return FactorialPage(results, t, factors, fits, unavailable)

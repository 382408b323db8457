"""Every figure builds from synthetic results with labelled axes and a one-sentence caption."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from model.analysis.factorial import fit_factorial, interaction_means
from model.reporting import equity, figures, summaries
from model.reporting.costeffectiveness import cost_effectiveness
from model.reporting.figures import style
from model.reporting.figures.equity import community_levels_map
from model.reporting.measures import FIXED_PER_YEAR, INCIDENTS_PER_YEAR
from model.reporting.results import factor_columns, load_results


def texts(figure: Figure) -> list[str]:
    """Every piece of text a reader sees in a figure."""
    found = [text.get_text() for text in figure.findobj(mpl.text.Text)]
    return [text for text in found if text.strip()]


def check(result: tuple[Figure, str]) -> Figure:
    figure, caption = result
    assert isinstance(figure, Figure)
    assert caption.endswith(".") and "\n" not in caption and len(caption) > 40
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert shown
    for ax in shown:
        if ax.get_label() == "<colorbar>":
            assert ax.get_ylabel() or ax.get_xlabel()
            continue
        assert ax.get_xlabel().strip(), "axis without an x label"
        shares_y = len(ax.get_shared_y_axes().get_siblings(ax)) > 1
        assert ax.get_ylabel().strip() or shares_y, "axis without a y label"
    for text in texts(figure):
        assert "_" not in text, f"code name on a figure: {text!r}"
    figure.canvas.draw()  # renders without error
    return figure


@pytest.fixture(scope="module")
def fixed_frontier(brief):
    return cost_effectiveness(
        brief.runs, brief.effects, "baseline", FIXED_PER_YEAR, n_resamples=100
    )


def test_forest_plot(brief, t):
    figure = check(figures.forest_plot(brief, t))
    colours = {line.get_color() for ax in figure.axes for line in ax.get_lines()}
    assert style.OKABE_ITO["blue"] in colours and style.OKABE_ITO["grey"] in colours


@pytest.mark.parametrize("effect", ["fixed", "incidents"])
def test_cost_effectiveness_plane(brief, t, effect):
    column = FIXED_PER_YEAR if effect == "fixed" else INCIDENTS_PER_YEAR
    frontier = cost_effectiveness(brief.runs, brief.effects, "baseline", column, n_resamples=100)
    figure = check(figures.ce_plane(frontier, t, effect, "baseline"))
    shown = " ".join(texts(figure))
    assert "(dominated)" in shown and "yuan per" in shown


def test_daily_series_with_warm_up(standard, t):
    bands = summaries.daily_bands(standard.daily, "open_issues", arms=["baseline", "mini_program"])
    figure = check(figures.daily_series(bands, t, "open_issues", standard.warmup_days, "baseline"))
    ax = figure.axes[0]
    assert any(patch.get_label() == "Warm-up (not measured)" for patch in ax.patches)
    assert {line.get_color() for line in ax.get_lines()} <= set(style.SERIES_COLOURS)


def test_funnel(standard, t):
    arms = ["baseline", "integrated"]
    table = summaries.funnel_table(standard.issues, *standard.window_hours, arms=arms)
    check(figures.funnel(table, t, arms))


def test_equity_figures(standard, t):
    window = standard.window_hours
    effects = equity.group_effects(standard.issues, "community", "baseline", *window)
    rectangles = equity.community_rectangles(standard.issues)
    for outcome in equity.GROUP_OUTCOMES:
        figure = check(figures.community_map(effects, rectangles, t, "honours", outcome))
        assert "no detectable difference" in " ".join(texts(figure))
    check(figures.community_map(effects, rectangles, t, "integrated", cell_size_m=50.0))
    types = equity.group_effects(standard.issues, "type", "baseline", *window)
    figure = check(figures.issue_type_effects(types, t, "integrated"))
    ax = figure.axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert max(zip(ax.get_yticks(), labels, strict=True))[1] == "Vulnerable resident"  # on top
    levels = {0: 100.0, 4: 150.0, 8: float("inf")}
    check(
        community_levels_map(
            pd.Series(levels),
            rectangles,
            t,
            "Title",
            "Hours",
            "A caption that says what to see in this map.",
        )
    )


def test_participation(standard, t):
    rates = {
        arm: standard.arm_setting(arm, "policies.points.yuan_per_point") for arm in standard.arms
    }
    table = equity.participation_by_kind(standard.workers, rates)
    check(figures.participation(table, t, ["baseline", "points", "integrated"]))


def test_replication_adequacy(brief, t):
    figure = check(figures.replication_adequacy(brief, t))
    assert "independent seeds" in " ".join(texts(figure))


def test_factorial_figures(factorial_folder, t):
    results = load_results(factorial_folder)
    levers = list(factor_columns(results).values())
    fit = fit_factorial(
        results.runs, "fixed_within_7d_share", levers, reference_arm=results.reference
    )
    figure = check(figures.factorial_effects(fit, t))
    assert any("together with" in text for text in texts(figure))
    means = interaction_means(results.runs, "fixed_within_7d_share", levers[1], levers[2])
    check(figures.interaction_plot(means, t, "fixed_within_7d_share", levers[1], levers[2]))


def test_issue_density_map(standard, t):
    rectangles = equity.community_rectangles(standard.issues)
    figure = check(
        figures.issue_density_map(
            standard.issues, rectangles, t, "baseline", *standard.window_hours
        )
    )
    image = figure.axes[0].get_images()[0].get_array()
    assert image.shape == (60, 60) and image.sum() > 0


def test_wrap_breaks_long_titles():
    assert style.wrap("a b c d e f", 3) == "a b\nc d\ne f"
    assert style.wrap("一二三四五", 2) == "一二\n三四\n五"


def test_calibration_bands_draw_one_row_per_target_and_mark_misses(t):
    from model.experiments.calibration.table import TableRow
    from model.experiments.calibration.targets import Target

    rows = [
        TableRow(Target("registered_share", "k.a", 0, 1, "share a"), 0.5, 0.4, 0.6, 3),
        TableRow(Target("rider_orders", "k.b", 0, 1, "orders b"), 2.0, 1.5, 2.5, 3),
        TableRow(
            Target("rider_km", "k.c", 0, 1, "km c"), float("nan"), float("nan"), float("nan"), 0
        ),
    ]
    figure = check(figures.calibration_bands(rows, t))
    (ax,) = figure.axes
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    top_down = sorted(ticks, key=lambda pair: -pair[0])
    assert [label.get_text() for _, label in top_down] == [
        "Share of workers registered with their street or community",
        "Orders delivered per rider working day",
        "Kilometres travelled per rider working day",
    ]  # first target at the top
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == 2  # the undefined mean draws no dot
    colours = {float(d.get_xdata()[0]): d.get_color() for d in dots}
    assert colours[0.5] == style.OKABE_ITO["blue"] and colours[2.0] == style.OKABE_ITO["vermillion"]


def test_time_to_close_overlays_the_311_reference(t):
    import math

    from scipy import stats

    from model.experiments.calibration.measures import lognormal_reference

    mu, sigma = lognormal_reference(2.9, 0.857)
    reference = stats.lognorm(s=sigma, scale=math.exp(mu))
    assert reference.median() == pytest.approx(2.9) and reference.cdf(7.0) == pytest.approx(0.857)
    days = np.random.default_rng(0).lognormal(mu, sigma, 500)
    figure = check(figures.time_to_close(days, mu, sigma, t))
    (ax,) = figure.axes
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "Reference lognormal (NYC 311)" in legend and "Reference median 2.9 days" in legend

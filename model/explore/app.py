"""The explorer page: Mesa's SolaraViz around the street model.

Run it with ``make explore`` (or ``solara run model/explore/app.py``); in JupyterLab,
``from model.explore.app import Page`` and display ``Page()``.

The page is Mesa 3.5's ``SolaraViz`` with two custom components (the street map and the live
plots, drawn by ``model.explore.drawing`` from the snapshots of ``model.explore.state``), the
levers and population sizes as ``model_params`` (ranges and defaults from the scenario
schema; a change takes effect on Reset, which builds a new street), and a control for how
many simulated hours pass between two pictures (SolaraViz's render interval; one step is
one hour).
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz

from model.explore import drawing, state

RENDER_CHOICES: tuple[int, ...] = (1, 2, 3, 6, 12, 24, 48, 72, 96)
"""Simulated hours between two pictures that the page offers (SolaraViz's own render-interval
slider stops at 100 steps)."""

DEFAULT_RENDER_HOURS = 24
"""Hours between two pictures when the page opens: one picture per simulated day."""

PLAY_INTERVAL_MS = 1
"""Pause between two renders while playing, milliseconds (SolaraViz's minimum)."""

HIDE_STEP_SLIDER_CSS = """
.v-input:has([aria-label="Render Interval (steps)"]) { display: none; }
"""
"""Hides SolaraViz's own render-interval slider, which the hours buttons replace (see
``HoursPerPicture``)."""


class HoursPerPicture(solara.Reactive[int]):
    """Simulated hours between two pictures: one of ``RENDER_CHOICES``, nothing else.

    SolaraViz (Mesa 3.5.1) binds its render interval to a slider with ``min=1, step=2``, which
    can hold odd numbers only: given 24 it rounds to 25 and writes 25 back. The page hides
    that slider and passes this variable instead, which ignores any value that is not one of
    the page's choices, so 24 hours stay 24 hours.
    """

    def set(self, value: int) -> None:
        """Take ``value`` if it is one of ``RENDER_CHOICES``; ignore it otherwise."""
        if value in RENDER_CHOICES:
            super().set(value)


def model_params(seed: int = state.DEFAULT_SEED) -> dict[str, dict[str, Any]]:
    """SolaraViz ``model_params``: one input per control, keyed by its scenario key.

    Args:
        seed: the seed control's starting value.
    """
    params: dict[str, dict[str, Any]] = {}
    for spec in state.control_specs():
        label = spec.label + (" *" if spec.capped else "")
        if spec.kind == "bool":
            params[spec.key] = {"type": "Checkbox", "value": spec.default, "label": label}
            continue
        is_int = spec.kind == "int"
        params[spec.key] = {
            "type": "SliderInt" if is_int else "SliderFloat",
            "value": spec.default,
            "label": label,
            "min": int(spec.minimum) if is_int else spec.minimum,
            "max": int(spec.maximum) if is_int else spec.maximum,
            "step": int(spec.step) if is_int else spec.step,
        }
    params["seed"]["value"] = int(seed)
    return params


@solara.component
def StreetMap(model: state.ExplorerStreet, hours_done: int) -> None:
    """The street map of the hour just simulated (``hours_done`` triggers the update)."""
    figure = solara.use_memo(lambda: drawing.MapFigure(model.plan), [model])
    now = model.snapshot()
    png = figure.png(now)
    with solara.Column(classes=["streetwise-map"], style={"padding": "4px"}, gap="2px"):
        solara.Text(drawing.caption(now), classes=["streetwise-caption"])
        solara.Image(png, format="png", width="100%")


@solara.component
def LivePlots(model: state.ExplorerStreet, days_done: int) -> None:
    """The daily series so far (``days_done`` triggers the update)."""
    figure = solara.use_memo(lambda: drawing.SeriesFigure(model.plan.days), [model])
    png = figure.png(model.series)
    with solara.Column(classes=["streetwise-plots"], style={"padding": "4px"}):
        solara.Image(png, format="png", width="100%")


def street_map(model: state.ExplorerStreet):
    """SolaraViz component: the map."""
    return StreetMap(model, model.hours_done)


def live_plots(model: state.ExplorerStreet):
    """SolaraViz component: the plots."""
    return LivePlots(model, len(model.series))


@solara.component
def ExplorerCard(model: state.ExplorerStreet, render_hours: HoursPerPicture) -> None:
    """Sidebar card: hours per picture and the command that reproduces the run."""
    with solara.Card("Street explorer"), solara.Column(gap="6px"):
        solara.Select(
            label="render every N simulated hours",
            value=render_hours,
            values=list(RENDER_CHOICES),
            classes=["streetwise-render-every"],
        )
        solara.Text(
            "Workers are drawn at a cell sampled from where their kind's route passes "
            "(display only; the simulation is unchanged). Levers and sizes take effect on "
            f"Reset. * No upper bound in the schema: the slider stops at {state.UNBOUNDED_CAP}"
            " x the default.",
            style={"font-size": "12px"},
        )
        solara.Text("reproduce with:", style={"font-size": "12px"})
        solara.Preformatted(
            state.run_command(model),
            class_="streetwise-command",
            style_="white-space: pre-wrap; font-size: 11px; margin: 0",
        )


@solara.component
def Page(seed: int = state.DEFAULT_SEED) -> None:
    """The explorer: one street per browser session, starting from ``seed``."""
    initial = solara.use_memo(lambda: state.ExplorerStreet(seed=seed), [])
    model = solara.use_reactive(initial)
    render_hours = solara.use_memo(lambda: HoursPerPicture(DEFAULT_RENDER_HOURS), [])
    params = solara.use_memo(lambda: model_params(seed), [])
    solara.Style(HIDE_STEP_SLIDER_CSS)
    with solara.Sidebar():
        ExplorerCard(model.value, render_hours)
    SolaraViz(
        model,
        components=[(street_map, 0), (live_plots, 0)],
        model_params=params,
        render_interval=render_hours,
        play_interval=PLAY_INTERVAL_MS,
        name="Streetwise explorer",
    )


page = Page
"""What ``solara run model/explore/app.py`` serves."""

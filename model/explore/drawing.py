"""The explorer's pictures: the street map and the live plots, from the adapter's snapshots.

Pure drawing: every function takes the plain snapshots of ``model.explore.state``
(``StreetPlan``, ``StreetNow``, ``DaySeries``) and never the model. The figures are built
once per run and updated in place (``set_offsets``, ``set_data``), then encoded as PNG, which
keeps one frame at a few tens of milliseconds at the default street size.

The map: communities shaded in distinct pastel colours (roads paler, community borders
darker), residential buildings as faint grey squares and merchants as small teal dots
(both under everything else), community offices as black-edged squares, worker stations as
hexagons, online
workers as small dots coloured by kind (at display cells; see ``state``), open issues as
markers whose shape is the issue type and whose fill is the status.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import IdentityTransform
from PIL import Image

from model.explore.state import (
    CHANNEL_NAMES,
    ISSUE_TYPE_NAMES,
    KIND_NAMES,
    OPEN_STATUS_NAMES,
    DaySeries,
    StreetNow,
    StreetPlan,
)

COMMUNITY_COLOURS = np.array(
    [
        (0.984, 0.706, 0.682),
        (0.702, 0.804, 0.890),
        (0.800, 0.922, 0.773),
        (0.871, 0.796, 0.894),
        (0.996, 0.851, 0.651),
        (1.000, 1.000, 0.800),
        (0.898, 0.847, 0.741),
        (0.992, 0.855, 0.925),
        (0.851, 0.851, 0.851),
    ]
)
"""Pastel fill of each community (matplotlib's Pastel1), reused cyclically past nine."""

ROAD_LIGHTEN = 0.55
"""Share of the way a road cell's colour moves towards white."""

BORDER_DARKEN = 0.35
"""Share of the way a cell on a community border moves towards black."""

KIND_COLOURS: dict[str, str] = {"rider": "#0d47a1", "courier": "#1b5e20", "driver": "#3e2723"}
"""Dot colour of each worker kind."""

TYPE_MARKERS: dict[str, str] = {
    "environment": "o",
    "safety_hazard": "^",
    "damaged_facility": "s",
    "vulnerable_resident": "P",
    "food_safety": "D",
    "opinion": "*",
}
"""Marker shape of each issue type."""

STATUS_COLOURS: dict[str, str] = {
    "open": "#ffffff",
    "detected": "#ffd600",
    "reported": "#ff6d00",
    "acknowledged": "#d50000",
    "dispatched": "#6a1b9a",
}
"""Fill of an open issue by status: white unseen, yellow seen, then warmer along the chain."""

BUILDING_COLOUR = "#9e9e9e"
"""Residential buildings: faint grey squares under the moving layers."""

MERCHANT_COLOUR = "#00897b"
"""Merchants (商户): small teal dots under the moving layers."""


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])


STATUS_RGB = np.array([_rgb(STATUS_COLOURS[name]) for name in OPEN_STATUS_NAMES])
"""(n_open_statuses, 3) fill of each open status code."""


# --------------------------------------------------------------------------- the map


def community_border(community: np.ndarray) -> np.ndarray:
    """Cells next to a cell of another community (4-neighbourhood).

    Args:
        community: (cells_x, cells_y) community index per cell.

    Returns:
        (cells_x, cells_y) boolean.
    """
    border = np.zeros(community.shape, dtype=bool)
    across_x = community[1:, :] != community[:-1, :]
    across_y = community[:, 1:] != community[:, :-1]
    border[1:, :] |= across_x
    border[:-1, :] |= across_x
    border[:, 1:] |= across_y
    border[:, :-1] |= across_y
    return border


def community_shading(plan: StreetPlan) -> np.ndarray:
    """The map's background as an RGB image, rows = y (bottom row first), columns = x.

    Returns:
        (cells_y, cells_x, 3) floats in [0, 1].
    """
    rgb = COMMUNITY_COLOURS[plan.community % len(COMMUNITY_COLOURS)]  # (x, y, 3)
    rgb = np.where(plan.road[..., None], rgb + ROAD_LIGHTEN * (1.0 - rgb), rgb)
    rgb = np.where(community_border(plan.community)[..., None], rgb * (1.0 - BORDER_DARKEN), rgb)
    return np.ascontiguousarray(rgb.transpose(1, 0, 2))


PALETTE_COLOURS = 96
"""Colours of the palette a frame is quantised to before PNG encoding (a third of the time
and size of a full-colour PNG; the figures use a few dozen colours plus antialiasing)."""


def encode_png(rgba: np.ndarray) -> bytes:
    """An (height, width, 4) RGBA buffer as a palette PNG (alpha dropped, fast compression)."""
    pixels = np.ascontiguousarray(rgba)
    height, width = pixels.shape[:2]
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).convert("RGB")
    image = image.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^k at or above ``value`` (1 for values <= 1)."""
    if value <= 1.0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= value:
            return float(factor * power)
    return float(10.0 * power)  # pragma: no cover - the loop always returns


class BlitFigure:
    """A figure whose fixed parts are drawn once and whose moving parts are drawn per frame.

    Subclasses mark their moving artists ``animated`` and list them in ``self.moving``; a
    frame restores the cached background and draws only those. ``redraw()`` renews the
    background (after limits or other fixed parts change).
    """

    def __init__(self, figure: Figure) -> None:
        """Attach an Agg canvas to ``figure``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.moving: list = []
        self._background = None

    def redraw(self) -> None:
        """Draw the fixed parts and cache them as the background."""
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def redraw_axes(self, axes: list) -> None:
        """Renew the background of some axes only (their limits changed).

        Each axes' tight box (frame, ticks, labels, title, legend) is painted over with the
        figure's colour and the axes drawn again without its moving artists. Limits only
        grow, so the new box covers the old labels.
        """
        if self._background is None:
            self.redraw()
            return
        renderer = self.canvas.get_renderer()
        self.canvas.restore_region(self._background)
        for ax in axes:
            box = ax.get_tightbbox(renderer)
            blank = Rectangle(
                (box.x0 - 1, box.y0 - 1),
                box.width + 2,
                box.height + 2,
                transform=IdentityTransform(),
                facecolor=self.figure.get_facecolor(),
                edgecolor="none",
            )
            blank.set_figure(self.figure)
            blank.draw(renderer)
            ax.draw(renderer)
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def frame_png(self) -> bytes:
        """The background plus the moving artists, as PNG bytes."""
        if self._background is None:
            self.redraw()
        self.canvas.restore_region(self._background)
        for artist in self.moving:
            self.figure.draw_artist(artist)
        return encode_png(self.canvas.buffer_rgba())


class MapFigure(BlitFigure):
    """The street map of one run, updated in place hour by hour.

    Args:
        plan: the fixed street.
        width_in: figure width, inches (the height follows the street's aspect).
        dpi: dots per inch.
    """

    def __init__(self, plan: StreetPlan, width_in: float = 7.0, dpi: int = 80) -> None:
        """Draw the fixed layers; the worker and issue layers move."""
        cells_x, cells_y = plan.community.shape
        map_share = 0.64
        height_in = max(3.0, width_in * map_share * cells_y / cells_x / 0.98)
        super().__init__(Figure(figsize=(width_in, height_in), dpi=dpi))
        ax = self.figure.add_axes((0.01, 0.01, map_share, 0.98))
        ax.imshow(
            community_shading(plan),
            origin="lower",
            extent=(0, cells_x, 0, cells_y),
            interpolation="nearest",
        )
        ax.set_xlim(0, cells_x)
        ax.set_ylim(0, cells_y)
        ax.set_xticks([])
        ax.set_yticks([])
        if len(plan.building_xy):
            ax.scatter(
                *(plan.building_xy + 0.5).T, marker="s", s=6, c=BUILDING_COLOUR, alpha=0.45, lw=0
            )
        if len(plan.merchant_xy):
            ax.scatter(*(plan.merchant_xy + 0.5).T, marker="o", s=5, c=MERCHANT_COLOUR, lw=0)
        centre = plan.office_xy + 0.5
        for community, (x, y) in enumerate(centre):
            ax.annotate(
                f"C{community + 1}",
                (x, y),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color="#212121",
            )
        ax.scatter(*centre.T, marker="s", s=70, facecolor="#fafafa", edgecolor="black", lw=1.4)
        if len(plan.station_xy):
            ax.scatter(
                *(plan.station_xy + 0.5).T,
                marker="h",
                s=90,
                facecolor="#00acc1",
                edgecolor="black",
                lw=1.0,
            )
        self.workers = [
            ax.scatter(np.empty(0), np.empty(0), s=5, c=KIND_COLOURS[k], lw=0, animated=True)
            for k in KIND_NAMES
        ]
        self.issues = [
            ax.scatter(
                np.empty(0),
                np.empty(0),
                marker=TYPE_MARKERS[t],
                s=30,
                edgecolors="black",
                linewidths=0.6,
                animated=True,
            )
            for t in ISSUE_TYPE_NAMES
        ]
        self.moving = [*self.workers, *self.issues]
        self._legends()

    def _legends(self) -> None:
        def handle(marker: str, face: str, size: float = 7.0, edge: str = "black") -> Line2D:
            return Line2D([], [], ls="", marker=marker, ms=size, mfc=face, mec=edge)

        places = [
            handle("s", "#fafafa"),
            handle("h", "#00acc1"),
            handle("s", BUILDING_COLOUR, 4.0, BUILDING_COLOUR),
            handle("o", MERCHANT_COLOUR, 3.0, MERCHANT_COLOUR),
        ]
        kinds = [handle("o", KIND_COLOURS[k], 4.0, KIND_COLOURS[k]) for k in KIND_NAMES]
        types = [handle(TYPE_MARKERS[t], "#bdbdbd") for t in ISSUE_TYPE_NAMES]
        statuses = [handle("o", STATUS_COLOURS[s]) for s in OPEN_STATUS_NAMES]
        blocks = (
            (
                "places",
                places,
                ["community office", "worker station", "residential building", "merchant"],
            ),
            ("workers online", kinds, list(KIND_NAMES)),
            ("issue type", types, [t.replace("_", " ") for t in ISSUE_TYPE_NAMES]),
            ("open issue status", statuses, list(OPEN_STATUS_NAMES)),
        )
        top = 0.99
        for title, handles, labels in blocks:
            self.figure.legend(
                handles,
                labels,
                title=title,
                loc="upper left",
                bbox_to_anchor=(0.66, top),
                fontsize=7,
                title_fontsize=7,
                frameon=False,
                alignment="left",
            )
            top -= 0.045 + 0.036 * len(handles)

    def update(self, now: StreetNow) -> None:
        """Move the workers and issues to the hour ``now`` shows."""
        for k, artist in enumerate(self.workers):
            artist.set_offsets(now.worker_xy[now.worker_kind == k])
        for t, artist in enumerate(self.issues):
            mine = now.issue_type == t
            artist.set_offsets(now.issue_xy[mine] + 0.5)
            artist.set_facecolors(STATUS_RGB[now.issue_status[mine]])

    def png(self, now: StreetNow) -> bytes:
        """The map of ``now`` as PNG bytes."""
        self.update(now)
        return self.frame_png()


def caption(now: StreetNow) -> str:
    """The map's caption: the clock, workers online and open issues.

    The page shows it as text above the picture; drawn into the image, it would cost more
    than the rest of the frame.
    """
    return (
        f"{now.clock}: {len(now.worker_kind)} of {now.workers_total} workers online, "
        f"{len(now.issue_type)} open issues"
    )


# --------------------------------------------------------------------------- the plots

SERIES_PANELS: tuple[str, ...] = (
    "open issues (end of day)",
    "reports to date, by channel",
    "rates to date",
    "worker participation",
    "cost to date, thousand yuan",
    "registration and belonging",
)
"""Titles of the plot panels, in reading order."""

COUNT_PANELS = (0, 1, 4)
"""Panels whose y range grows with the data (the others are shares, 0-1)."""


INITIAL_COUNT_TOP = 10.0
"""Upper y limit of the count and yuan panels before the data pass it."""

DAY_AXIS_STEPS: tuple[int, ...] = (30, 90, 180, 365, 730, 1825, 3650)
"""Right ends the day axis takes in turn (never past the horizon): few steps, because a
wider day axis redraws every panel (about ten frames' worth of drawing)."""


def day_axis_end(last_day: float, days: int) -> float:
    """Right end of the day axis, days.

    The first of ``DAY_AXIS_STEPS`` at or past ``last_day``, at most the horizon ``days``.
    """
    for step in DAY_AXIS_STEPS:
        if step >= last_day:
            return float(min(step, days))
    return float(days)


class SeriesFigure(BlitFigure):
    """The live plots of one run: six panels of daily series, updated in place.

    The day axis grows in the steps of ``DAY_AXIS_STEPS`` up to the horizon and the count and
    yuan axes in 1-2-5 steps, so most frames only redraw the lines (a full redraw costs about
    ten frames).

    Args:
        days: horizon of the run, days (the x axis).
        width_in: figure width, inches.
        dpi: dots per inch.
    """

    def __init__(self, days: int, width_in: float = 7.0, dpi: int = 80) -> None:
        """Lay out the panels with empty lines."""
        super().__init__(Figure(figsize=(width_in, width_in * 0.82), dpi=dpi))
        axes = self.figure.subplots(3, 2, sharex=True)
        self.figure.subplots_adjust(
            left=0.07, right=0.98, bottom=0.07, top=0.96, hspace=0.3, wspace=0.18
        )
        self.axes = list(axes.ravel())
        for ax, title in zip(self.axes, SERIES_PANELS, strict=True):
            ax.set_title(title, fontsize=8, loc="left")
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
        for ax in axes[-1]:
            ax.set_xlabel("day", fontsize=7)
        open_ax, reports_ax, rates_ax, part_ax, cost_ax, reg_ax = self.axes

        def line(ax, label: str, **style) -> Line2D:
            return ax.plot([], [], label=label, lw=1.2, animated=True, **style)[0]

        self.lines: dict[str, Line2D] = {"open_issues": line(open_ax, "open issues", c="#d50000")}
        self.channel_lines = [line(reports_ax, name.replace("_", " ")) for name in CHANNEL_NAMES]
        for name, label in (
            ("response_rate", "response (ack. within 24 h)"),
            ("resolution_rate", "resolution (fixed of ended)"),
            ("satisfaction_rate", "satisfaction (of told)"),
        ):
            self.lines[name] = line(rates_ax, label)
        self.lines["participation_to_date"] = line(part_ax, "ever reported / ever present")
        self.lines["active_share"] = line(part_ax, "reported in last 30 days")
        self.lines["cost_to_date_yuan"] = line(cost_ax, "programme cost", c="#37474f")
        self.lines["registered_share"] = line(reg_ax, "registered share")
        self.lines["mean_belonging"] = line(reg_ax, "mean belonging")
        self.days = days
        self.axes[0].set_xlim(0, day_axis_end(0.0, days))  # shared by every panel
        for panel in COUNT_PANELS:
            self.axes[panel].set_ylim(0, INITIAL_COUNT_TOP)
        for ax in (rates_ax, part_ax, reg_ax):
            ax.set_ylim(-0.02, 1.02)
        for ax in (reports_ax, rates_ax, part_ax, reg_ax):
            ax.legend(fontsize=6, loc="upper left", frameon=False)
        self.moving = [*self.lines.values(), *self.channel_lines]

    def update(self, series: DaySeries) -> bool:
        """Show every day of ``series``.

        Returns:
            True when an axis grew (the background was redrawn).
        """
        days = series.column("day")
        tops: dict[int, float] = {}
        for name, artist in self.lines.items():
            values = series.column(name)
            if name == "cost_to_date_yuan":
                values = values / 1000.0
            artist.set_data(days, values)
        reports = series.column("reports_to_date")
        for c, artist in enumerate(self.channel_lines):
            artist.set_data(days, reports[:, c])
        if len(days):
            tops = {
                0: float(series.column("open_issues").max()),
                1: float(reports.max()),
                4: float(series.column("cost_to_date_yuan").max()) / 1000.0,
            }
        widened = False
        if len(days):
            right = day_axis_end(float(days[-1]), self.days)
            if right != self.axes[0].get_xlim()[1]:
                self.axes[0].set_xlim(0, right)  # shared by every panel
                widened = True
        grown = []
        for panel, top in tops.items():
            ax = self.axes[panel]
            if top > ax.get_ylim()[1]:
                ax.set_ylim(0, nice_ceiling(top * 1.05))
                grown.append(ax)
        if widened:
            self.redraw()
        elif grown:
            self.redraw_axes(grown)
        return widened or bool(grown)

    def png(self, series: DaySeries) -> bytes:
        """The plots of ``series`` as PNG bytes."""
        self.update(series)
        return self.frame_png()

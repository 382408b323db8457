"""The explorer's pictures without a browser: the map's shading, workers and issues where
they are in their colours, the plots' axes and lines, and the partial redraw."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from model.explore import drawing, state
from model.explore.state import DaySeries, StreetNow, StreetPlan


def two_community_plan() -> StreetPlan:
    """A 12 x 8 street: community 0 left (x < 6), community 1 right; roads every 4 cells."""
    x, y = np.meshgrid(np.arange(12), np.arange(8), indexing="ij")
    return StreetPlan(
        community=(x >= 6).astype(np.int64),
        road=(x % 4 == 0) | (y % 4 == 0),
        office_xy=np.array([[2, 2], [9, 2]]),
        station_xy=np.array([[4, 6]]),
        cell_size_m=50.0,
        days=8,
    )


def test_community_border_marks_both_sides_of_a_boundary():
    community = np.array([[0, 0, 1], [0, 0, 1], [2, 2, 1]])  # [x, y]
    border = drawing.community_border(community)
    expected = np.array([[0, 1, 1], [1, 1, 1], [1, 1, 1]], dtype=bool)
    assert np.array_equal(border, expected)
    assert not drawing.community_border(np.zeros((3, 3), dtype=int)).any()


def test_community_shading_is_oriented_and_distinguishes_communities_roads_and_borders():
    plan = two_community_plan()
    rgb = drawing.community_shading(plan)
    assert rgb.shape == (8, 12, 3)  # rows = y, columns = x
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    left, right = rgb[2, 2], rgb[2, 9]  # plain cells (x=2, y=2) and (x=9, y=2)
    assert np.allclose(left, drawing.COMMUNITY_COLOURS[0])
    assert np.allclose(right, drawing.COMMUNITY_COLOURS[1])
    assert not np.allclose(left, right)
    road = rgb[0, 2]  # y = 0 is a road
    assert np.all(road >= left) and road.sum() > left.sum()
    border = rgb[2, 5]  # x = 5 touches community 1
    assert border.sum() < left.sum()
    # an asymmetric plan shows the transposition: a community in the top rows only
    top = StreetPlan(
        community=np.repeat([[0, 0, 1]], 4, axis=0),  # x = 4, y = 3; y == 2 is community 1
        road=np.zeros((4, 3), dtype=bool),
        office_xy=np.zeros((2, 2), dtype=int),
        station_xy=np.zeros((0, 2), dtype=int),
        cell_size_m=50.0,
        days=8,
    )
    shaded = drawing.community_shading(top)
    assert shaded.shape == (3, 4, 3)
    assert np.allclose(shaded[2, 0], drawing.COMMUNITY_COLOURS[1] * (1 - drawing.BORDER_DARKEN))
    assert np.allclose(shaded[0, 0], drawing.COMMUNITY_COLOURS[0])


def _png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float) / 255.0


def _pixel_at(figure: drawing.MapFigure, pixels: np.ndarray, xy: tuple[float, float]):
    ax = figure.figure.axes[0]
    px, py = ax.transData.transform(xy)
    return pixels[round(float(pixels.shape[0] - py)), round(float(px))]


def test_map_draws_workers_and_issues_where_they_are_in_their_colours():
    plan = two_community_plan()
    figure = drawing.MapFigure(plan, dpi=100)
    reported = state.OPEN_STATUS_NAMES.index("reported")
    now = StreetNow(
        hour_shown=30,
        days=8,
        worker_xy=np.array([[2.5, 5.5]]),
        worker_kind=np.array([0]),
        workers_total=10,
        issue_xy=np.array([[9, 5]]),
        issue_type=np.array([state.ISSUE_TYPE_NAMES.index("environment")]),
        issue_status=np.array([reported]),
    )
    pixels = _png_pixels(figure.png(now))
    rider = drawing._rgb(drawing.KIND_COLOURS["rider"])
    assert np.abs(_pixel_at(figure, pixels, (2.5, 5.5)) - rider).max() < 0.15
    status = drawing.STATUS_RGB[reported]
    assert np.abs(_pixel_at(figure, pixels, (9.5, 5.5)) - status).max() < 0.15
    # the office of community 0 at (2, 2) and the station at (4, 6) are marked
    office = _pixel_at(figure, pixels, (2.5, 2.5))
    assert np.abs(office - drawing._rgb("#fafafa")).max() < 0.1
    station = _pixel_at(figure, pixels, (4.5, 6.5))
    assert np.abs(station - drawing._rgb("#00acc1")).max() < 0.15
    # where nobody is, the community shows
    empty = _pixel_at(figure, pixels, (2.5, 2.5 - 1.0))
    assert np.abs(empty - drawing.COMMUNITY_COLOURS[0]).max() < 0.1
    # the next hour moves the worker: the old place shows the community again
    moved = StreetNow(**{**now.__dict__, "worker_xy": np.array([[10.5, 6.5]])})
    pixels = _png_pixels(figure.png(moved))
    assert np.abs(_pixel_at(figure, pixels, (2.5, 5.5)) - rider).max() > 0.3
    assert np.abs(_pixel_at(figure, pixels, (10.5, 6.5)) - rider).max() < 0.15
    expected = "day 2 of 8, 06:00-07:00: 1 of 10 workers online, 1 open issues"
    assert drawing.caption(moved) == expected


def test_map_draws_merchants_and_residential_buildings_under_the_moving_layers():
    plan = two_community_plan()
    plan = StreetPlan(
        **{**plan.__dict__, "merchant_xy": np.array([[8, 6]]), "building_xy": np.array([[1, 6]])}
    )
    figure = drawing.MapFigure(plan, dpi=100)
    now = StreetNow(
        hour_shown=30,
        days=8,
        worker_xy=np.zeros((0, 2)),
        worker_kind=np.zeros(0, dtype=int),
        workers_total=10,
        issue_xy=np.zeros((0, 2)),
        issue_type=np.zeros(0, dtype=int),
        issue_status=np.zeros(0, dtype=int),
    )
    pixels = _png_pixels(figure.png(now))
    merchant = drawing._rgb(drawing.MERCHANT_COLOUR)
    assert np.abs(_pixel_at(figure, pixels, (8.5, 6.5)) - merchant).max() < 0.15
    building = _pixel_at(figure, pixels, (1.5, 6.5))
    plain = _pixel_at(figure, pixels, (1.5, 5.5))  # the same community, no building
    assert building.sum() < plain.sum() - 0.1  # the grey square darkens the pastel cell
    assert np.abs(plain - drawing.COMMUNITY_COLOURS[0]).max() < 0.1


def test_series_axes_grow_in_nice_steps_and_lines_follow_the_data():
    plots = drawing.SeriesFigure(days=60)
    assert plots.axes[0].get_xlim() == (0.0, 30.0)
    assert plots.axes[0].get_ylim() == (0.0, drawing.INITIAL_COUNT_TOP)
    assert plots.update(DaySeries()) is False
    series = DaySeries()
    for day in range(1, 41):
        series.day.append(day)
        series.open_issues.append(4 * day - 3)  # up to 157
        series.reports_to_date.append(np.array([day, 0, 0, 0, 2 * day]))
        for name in (
            "response_rate",
            "resolution_rate",
            "satisfaction_rate",
            "participation_to_date",
            "active_share",
            "registered_share",
            "mean_belonging",
        ):
            getattr(series, name).append(0.5)
        series.cost_to_date_yuan.append(1000.0 * day)
    assert plots.update(series) is True
    assert plots.axes[0].get_xlim() == plots.axes[5].get_xlim() == (0.0, 60.0)  # 40 -> 60
    assert plots.axes[0].get_ylim() == (0.0, 200.0)
    assert plots.axes[1].get_ylim() == (0.0, 100.0)
    assert plots.axes[4].get_ylim() == (0.0, 50.0)
    assert plots.update(series) is False  # nothing grew: only the lines are redrawn
    x, y = plots.lines["open_issues"].get_data()
    assert np.array_equal(x, np.arange(1, 41)) and y[-1] == 157
    assert _png_pixels(plots.png(series)).std() > 0.05


@pytest.mark.parametrize(
    ("last_day", "days", "end"),
    [(0, 365, 30), (30, 365, 30), (31, 365, 90), (200, 365, 365), (31, 40, 40), (9, 8, 8)],
)
def test_day_axis_end(last_day, days, end):
    assert drawing.day_axis_end(last_day, days) == end


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0.3, 1.0), (1.0, 1.0), (1.5, 2.0), (2.0, 2.0), (3, 5.0), (157, 200.0)]
)
def test_nice_ceiling(value, ceiling):
    assert drawing.nice_ceiling(value) == ceiling


def test_partial_redraw_of_grown_axes_matches_a_full_redraw():
    partial, full = drawing.SeriesFigure(days=60), drawing.SeriesFigure(days=60)
    partial.redraw()
    for top in (20.0, 50.0, 200.0):
        partial.axes[0].set_ylim(0, top)
        partial.axes[4].set_ylim(0, top / 10)
        partial.redraw_axes([partial.axes[0], partial.axes[4]])
    full.axes[0].set_ylim(0, 200.0)
    full.axes[4].set_ylim(0, 20.0)
    full.redraw()
    a, b = _png_pixels(partial.frame_png()), _png_pixels(full.frame_png())
    assert a.shape == b.shape
    assert np.abs(a - b).max(axis=2).mean() < 0.002

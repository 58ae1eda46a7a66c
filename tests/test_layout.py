"""The hand-made layout of image grids: ticks chosen before drawing, and the room they need."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cnnviz import figures, layout


@pytest.mark.parametrize(
    ("low", "high", "height", "expected"),
    [
        (-5.6, 5.6, 4.0, ["−4", "−2", "0", "2", "4"]),
        (
            -1.0,
            1.0,
            4.0,
            ["−1.00", "−0.75", "−0.50", "−0.25", "0.00", "0.25", "0.50", "0.75", "1.00"],
        ),
        (-7.0, 7.0, 0.45, ["−5", "5"]),
        (0.0, 1.0, 1.0, ["0.0", "0.5", "1.0"]),
    ],
)
def test_bar_ticks_fit_the_bar_with_one_number_format(low, high, height, expected):
    """A colorbar's labels: within its range, a true minus, the same decimals on each, at
    most one per two label heights of the bar, and never touching: a short bar shows its ends."""
    ticks, labels = layout.bar_ticks(low, high, height)
    assert labels == expected
    assert all(low <= t <= high for t in ticks)
    assert len(ticks) <= max(height / (2 * 10 / 72), 2) + 1
    apart = [height * (b - a) / (high - low) for a, b in itertools.pairwise(ticks)]
    assert min(apart) >= 1.5 * 1.2 * 10 / 72  # a line and a half of text between labels


def test_the_bar_shows_the_ticks_its_room_was_made_for():
    """The colorbar drawn shows exactly the labels the layout measured."""
    maps = np.linspace(-5.6, 5.6, 4 * 20 * 30).reshape(4, 20, 30)
    fig = figures.plot_feature_maps(maps)
    FigureCanvasAgg(fig).draw()
    bar = next(ax for ax in fig.axes if hasattr(ax, "_colorbar"))
    shown = [label.get_text() for label in bar.yaxis.get_ticklabels()]
    assert shown == layout.bar_ticks(-5.6, 5.6, bar.get_position().height * fig.get_figheight())[1]


def test_pixel_ticks_are_whole_pixels_inside_the_axis():
    """An axis over pixels 190 to 213 shows whole-pixel ticks, none outside it."""
    assert layout.pixel_ticks(190, 24) == [190, 200, 210]
    assert layout.pixel_ticks(0, 5) == [0, 2, 4]


def test_text_width_grows_with_the_digits():
    """Three digits are three times one digit wide: the room for tick labels is measured."""
    assert layout.text_width("300") == pytest.approx(3 * layout.text_width("0"))


def test_a_zoom_needs_one_shared_scale():
    """Maps with a zoom and their own scales would have crops coloured differently."""
    maps = np.ones((2, 8, 8))
    with pytest.raises(ValueError, match="share one scale"):
        figures.plot_feature_maps(maps, zoom=(0, 4, 0, 4), shared=False)

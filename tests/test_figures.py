"""Figures: what each shows, checked through its artists, and how it is saved."""

from __future__ import annotations

import ast
import functools
import io
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text
from PIL import Image
from project import signed_without_scale

from cnnviz import figures, layers, store
from cnnviz.kernels import LESSON_FILTERS, SOBEL_X

RNG = np.random.default_rng(3)
IMAGE = RNG.random((30, 40)).astype(np.float32)


def images_of(fig: Figure) -> list[AxesImage]:
    return [image for ax in fig.axes for image in ax.get_images()]


def words_in(fig: Figure) -> list[str]:
    """Runs of two or more Latin letters outside $...$ mathtext, in every text of the figure."""
    texts = [text.get_text() for text in fig.findobj(Text)]
    plain = [re.sub(r"\$[^$]*\$", "", text) for text in texts]
    return [word for text in plain for word in re.findall(r"[A-Za-z]{2,}", text)]


def drawn(fig: Figure) -> Figure:
    fig.canvas.draw()  # tick labels exist only once the figure is drawn
    return fig


def test_plot_image_shows_the_array_on_a_0_1_scale():
    """One image axes plus a colorbar; the data is the array, from 0 to 1."""
    fig = figures.plot_image(IMAGE)
    assert len(fig.axes) == 2
    (shown,) = images_of(fig)
    np.testing.assert_array_equal(shown.get_array(), IMAGE)
    assert shown.get_clim() == (0, 1)


def test_plot_filters_uses_the_signed_colors_and_writes_each_weight():
    """One axes per filter, drawn in the signed colormap on a range symmetric about 0, every
    weight written in its cell."""
    fig = figures.plot_filters(LESSON_FILTERS)
    assert len(fig.axes) == 4
    for ax, kernel in zip(fig.axes, LESSON_FILTERS, strict=True):
        image = ax.get_images()[0]
        np.testing.assert_array_equal(image.get_array(), kernel)
        assert image.get_cmap().name == figures.SIGNED
        low, high = image.get_clim()
        assert low == -high
        cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
        assert len(cells) == kernel.size
        for (row, col), value in np.ndenumerate(kernel):
            assert cells[(row, col)].get_text().replace("−", "-") == f"{value:g}"


def test_narrow_filters_are_two_to_a_row():
    """On a phone, four filters make two rows of two."""
    fig = figures.plot_filters(LESSON_FILTERS, narrow=True)
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(fig.axes) == 4
    assert len(rows) == 2


@pytest.mark.parametrize("stage", ["conv", "relu", "pooled"])
def test_plot_feature_maps_shows_every_map_on_one_signed_scale(stage):
    """N map axes plus one colorbar; each map's data is the given array, at pixel scale, in
    the signed colormap on one range symmetric about 0, whatever the stage."""
    maps = getattr(layers.run(IMAGE, LESSON_FILTERS), stage)
    fig = figures.plot_feature_maps(maps)
    shown = images_of(fig)
    assert len(shown) == 4
    assert len(fig.axes) == 5
    for image, feature_map in zip(shown, maps, strict=True):
        np.testing.assert_array_equal(image.get_array(), feature_map)
        height, width = feature_map.shape
        assert image.get_extent() == [-0.5, width - 0.5, height - 0.5, -0.5]
        assert image.get_cmap().name == figures.SIGNED
    limit = np.abs(maps).max()
    assert {image.get_clim() for image in shown} == {(-limit, limit)}


def test_zoom_adds_each_maps_crop_at_its_own_coordinates():
    """With a zoom, each map gets a second panel holding exactly the crop, drawn at the crop's
    rows and columns, and the crop is outlined on the whole map."""
    maps = layers.run(IMAGE, LESSON_FILTERS).conv  # (4, 27, 37)
    zoom = (4, 12, 10, 22)
    for narrow in (False, True):
        fig = figures.plot_feature_maps(maps, zoom=zoom, narrow=narrow)
        shown = images_of(fig)
        assert len(shown) == 8
        crops = [image for image in shown if image.get_array().shape == (8, 12)]
        assert len(crops) == 4
        for crop, feature_map in zip(crops, maps, strict=True):
            np.testing.assert_array_equal(crop.get_array(), feature_map[4:12, 10:22])
            assert crop.get_extent() == [9.5, 21.5, 11.5, 3.5]
        outlined = [ax for ax in fig.axes if ax.patches]
        assert len(outlined) == 4


def test_narrow_maps_stack_one_map_per_row():
    """On a phone, four wide maps stand one above the other, each with its crop beside it."""
    maps = layers.run(IMAGE, LESSON_FILTERS).conv
    fig = figures.plot_feature_maps(maps, zoom=(0, 8, 0, 8), narrow=True)
    panels = [ax for ax in fig.axes if ax.get_images()]
    rows = {round(ax.get_position().y0, 2) for ax in panels}
    assert len(rows) == 4
    assert fig.get_size_inches()[0] < figures.WIDTH


def test_pooled_maps_keep_their_pixel_axes():
    """The pooled panels' extents are half the conv panels', so the ticks show the halving."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    conv = images_of(figures.plot_feature_maps(stages.conv))[0].get_extent()
    pooled = images_of(figures.plot_feature_maps(stages.pooled))[0].get_extent()
    assert pooled[1] + 0.5 == (conv[1] + 0.5) // 2
    assert pooled[2] + 0.5 == (conv[2] + 0.5) // 2


@pytest.mark.parametrize(
    ("values", "robust", "extend"),
    [
        (np.array([[[-1.0, 1.0], [0.5, 0.0]]]), False, "neither"),
        (np.concatenate([np.full(999, 0.1), [5.0]]).reshape(1, 20, 50), True, "max"),
        (np.concatenate([np.full(999, -0.1), [-5.0]]).reshape(1, 20, 50), True, "min"),
        (np.concatenate([np.full(998, 0.1), [-5.0, 5.0]]).reshape(1, 20, 50), True, "both"),
    ],
)
def test_colorbar_arrows_mark_exactly_the_clipped_ends(values, robust, extend):
    """The colorbar shows an arrow at an end only when some value lies beyond that end."""
    fig = figures.plot_feature_maps(values, robust=robust)
    colorbar = images_of(fig)[0].colorbar
    assert colorbar.extend == extend
    if robust:
        limit = np.percentile(np.abs(values), 99.5)
        assert images_of(fig)[0].get_clim()[1] == pytest.approx(limit)


def test_unshared_maps_each_get_their_own_scale_and_colorbar():
    """shared=False scales each map by itself, so a weak map is not drawn faint."""
    maps = np.stack([IMAGE, IMAGE / 100])
    fig = figures.plot_feature_maps(maps, shared=False)
    first, second = images_of(fig)
    assert first.get_clim()[1] == pytest.approx(100 * second.get_clim()[1])
    assert first.colorbar is not second.colorbar


def test_relu_curve_draws_the_given_points():
    """One axes whose line is exactly the x and y it was given."""
    x = np.linspace(-3, 3, 13)
    fig = figures.plot_relu_curve(x, np.maximum(x, 0))
    x_drawn, y_drawn = fig.axes[0].get_lines()[0].get_data()
    np.testing.assert_array_equal(x_drawn, x)
    np.testing.assert_array_equal(y_drawn, np.maximum(x, 0))


def test_max_pool_example_highlights_the_winners():
    """The grid's numbers are written, and exactly the block maxima are highlighted."""
    grid = GRID
    fig = figures.plot_max_pool_example(grid, layers.max_pool2d(grid))
    left, _, right = fig.axes
    assert sorted(int(t.get_text()) for t in left.texts) == sorted(grid.ravel())
    assert sorted(int(t.get_text()) for t in right.texts) == [4, 5, 7, 8]
    winners = {
        int(t.get_text())
        for t, p in zip(left.texts, left.patches, strict=False)
        if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)
    }
    assert winners == {4, 5, 7, 8}


def test_output_value_writes_levels_and_a_sum_that_can_be_redone():
    """The patch is written as 8-bit levels k, the products as k·w, and the label
    Σ = (Σ k·w) / 255 = value, which equals nn.Conv2d's output there."""
    levels = RNG.integers(0, 256, (30, 40))
    image = (levels / 255).astype(np.float32)
    row, col = 7, 11
    kernel = SOBEL_X
    products = image[row : row + 3, col : col + 3] * kernel
    fig = figures.plot_output_value(image, kernel, products, row, col)
    patch_ax, _, products_ax = [ax for ax in fig.axes if ax.texts][:3]
    written = sorted(int(t.get_text().replace("−", "-")) for t in patch_ax.texts)
    assert written == sorted(levels[row : row + 3, col : col + 3].ravel())
    label = products_ax.get_xlabel().replace("\n", " ")
    total, value = re.fullmatch(r"Σ = (-?\d+) / 255 = (-?[\d.]+)", label).groups()
    assert int(total) == int((levels[row : row + 3, col : col + 3] * kernel).sum())
    expected = layers.run(image, kernel).conv[0, row, col]
    assert float(value) == pytest.approx(expected, abs=5e-5)
    assert float(value) == pytest.approx(int(total) / 255, abs=5e-5)


def test_output_value_has_an_inset_zoom_around_the_patch():
    """The image panel holds an inset whose data is the patch's neighbourhood."""
    image = RNG.random((40, 60)).astype(np.float32)
    fig = figures.plot_output_value(image, SOBEL_X, image[5:8, 6:9] * SOBEL_X, 5, 6)
    (inset,) = fig.axes[0].child_axes
    np.testing.assert_array_equal(inset.get_images()[0].get_array(), image[0:18, 0:19])


@pytest.mark.parametrize(("row", "col"), [(5, 6), (5, 50), (30, 6), (30, 50)])
def test_output_value_inset_never_covers_the_patch(row, col):
    """Wherever the patch is, the inset sits in another corner and its mark stays in sight."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    image = RNG.random((40, 60)).astype(np.float32)
    patch = image[row : row + 3, col : col + 3]
    fig = figures.plot_output_value(image, SOBEL_X, patch * SOBEL_X, row, col)
    FigureCanvasAgg(fig).draw()
    where = fig.axes[0]
    (inset,) = where.child_axes
    box = inset.get_window_extent()
    corners = where.transData.transform([(col - 0.5, row - 0.5), (col + 2.5, row + 2.5)])
    (x0, y1), (x1, y0) = corners  # data rows grow downwards, display y upwards
    assert x1 < box.x0 or x0 > box.x1 or y1 < box.y0 or y0 > box.y1


def test_pipeline_zooms_every_stage_into_the_same_place():
    """The whole input, then the conv, ReLU and pooled crops of one place, pooled halved."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    zoom = (4, 12, 6, 18)
    fig = figures.plot_pipeline(IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0], zoom)
    shown = images_of(fig)
    expected = (IMAGE, stages.conv[0, 4:12, 6:18], stages.relu[0, 4:12, 6:18])
    for image, values in zip(shown, expected, strict=False):
        np.testing.assert_array_equal(image.get_array(), values)
    np.testing.assert_array_equal(shown[3].get_array(), stages.pooled[0, 2:6, 3:9])
    assert shown[3].get_extent() == [2.5, 8.5, 5.5, 1.5]


def test_pooling_zoom_shows_the_same_crop_before_and_after():
    """The ReLU crop and its pooled half, with a line around every 2×2 block."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    fig = figures.plot_pooling_zoom(stages.relu[0], stages.pooled[0], (2, 10, 4, 12))
    before, after = images_of(fig)
    np.testing.assert_array_equal(before.get_array(), stages.relu[0, 2:10, 4:12])
    np.testing.assert_array_equal(after.get_array(), stages.pooled[0, 1:5, 2:6])
    assert len(fig.axes[0].lines) == 5 + 5  # the block edges, rows and columns


def test_sizes_share_one_pixel_scale():
    """Maps of different sizes get the same axes limits, and their size in the title."""
    maps = [np.ones((10, 20)), np.ones((5, 10))]
    fig = figures.plot_sizes(maps, ["$a$", "$b$"])
    first, second = (ax for ax in fig.axes if ax.get_images())
    assert first.get_xlim() == second.get_xlim()
    assert "5 × 10" in second.get_title()


def test_channel_sum_shows_the_parts_and_their_total():
    """Three per-channel parts and the output, titled with the bias."""
    parts = [IMAGE, IMAGE * 2, IMAGE * 3]
    output = IMAGE * 6 + 0.5
    fig = figures.plot_channel_sum(parts, 0.5, output)
    shown = images_of(fig)
    for image, values in zip(shown, [*parts, output], strict=True):
        np.testing.assert_array_equal(image.get_array(), values)
    assert "0.5" in fig.axes[3].get_title()


def test_filter_history_has_a_row_per_step_and_the_target_last():
    """(S + 1) rows of N filters: the recorded steps, then the filters aimed at."""
    history = RNG.standard_normal((3, 4, 4, 4))
    fig = figures.plot_filter_history(history, [0, 5, 9], LESSON_FILTERS)
    shown = images_of(fig)
    assert len(shown) == 16
    np.testing.assert_array_equal(shown[4 * 3].get_array(), LESSON_FILTERS[0])
    np.testing.assert_array_equal(shown[5].get_array(), history[1, 1])


def test_loss_is_drawn_step_by_step_on_a_log_scale():
    """The line is the loss at every step; the marked steps are dots."""
    losses = list(np.geomspace(1, 0.01, 20))
    fig = figures.plot_loss(losses, [0, 10, 19])
    line, dots = fig.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_ydata(), losses)
    np.testing.assert_array_equal(dots.get_xdata(), [0, 10, 19])
    assert fig.axes[0].get_yscale() == "log"


def test_cnn_diagram_writes_every_shape():
    """Each tensor's shape is written under it; the symbols are drawn between them."""
    shapes = [(1, 1, 20, 30), (1, 4, 17, 27), (1, 4 * 17 * 27), (1, 10)]
    fig = figures.plot_cnn(shapes, ["$\\star$", "$a$", "$b$"])
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert {"1×20×30", "4×17×27", str(4 * 17 * 27), "10"} <= set(texts)


def test_pipeline_and_thumbnail_show_their_arrays():
    """The thumbnail holds the image, bare."""
    thumb = figures.plot_thumbnail(IMAGE)
    np.testing.assert_array_equal(images_of(thumb)[0].get_array(), IMAGE)
    assert not thumb.axes[0].axison


GRID = np.array([[1, 3, 2, 0], [5, 2, 1, 4], [0, 1, 8, 6], [2, 7, 3, 5]])


FIGURE_NAMES = (
    *("image", "filters", "filters_narrow", "conv", "conv_narrow", "pooled", "pipeline"),
    *("pooling_zoom", "relu_curve", "max_pool", "output_value", "sizes", "channels"),
    *("channel_sum", "history", "loss", "cnn"),
)  # named here so that collecting the tests draws nothing


@functools.cache
def every_figure() -> dict[str, Figure]:
    """One of each kind of figure, drawn once per session: the checks below only read them."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    zoom = (2, 10, 4, 12)
    x = np.linspace(-3, 3, 13)
    return {
        "image": figures.plot_image(IMAGE),
        "filters": figures.plot_filters(LESSON_FILTERS),
        "filters_narrow": figures.plot_filters(LESSON_FILTERS, narrow=True),
        "conv": figures.plot_feature_maps(stages.conv, zoom=zoom),
        "conv_narrow": figures.plot_feature_maps(stages.conv, zoom=zoom, narrow=True),
        "pooled": figures.plot_feature_maps(stages.pooled),
        "pipeline": figures.plot_pipeline(
            IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0], zoom
        ),
        "pooling_zoom": figures.plot_pooling_zoom(stages.relu[0], stages.pooled[0], zoom),
        "relu_curve": figures.plot_relu_curve(x, np.maximum(x, 0)),
        "max_pool": figures.plot_max_pool_example(GRID, layers.max_pool2d(GRID)),
        "output_value": figures.plot_output_value(
            IMAGE, LESSON_FILTERS[0], IMAGE[3:7, 4:8] * LESSON_FILTERS[0], 3, 4
        ),
        "sizes": figures.plot_sizes([IMAGE, IMAGE[::2, ::2]], ["$a$", "$b$"]),
        "channels": figures.plot_channels(np.stack([IMAGE] * 3, axis=-1)),
        "channel_sum": figures.plot_channel_sum([IMAGE] * 3, 0.5, IMAGE * 3 + 0.5),
        "history": figures.plot_filter_history(
            np.stack([LESSON_FILTERS] * 2), [0, 1], LESSON_FILTERS
        ),
        "loss": figures.plot_loss([1.0, 0.5, 0.1], [0, 2]),
        "cnn": figures.plot_cnn([(1, 1, 20, 30), (1, 4, 17, 27), (1, 10)], ["$a$", "$b$"]),
    }


def test_every_figure_is_checked():
    """The checks below run on each figure every_figure() draws, by the names listed."""
    assert tuple(every_figure()) == FIGURE_NAMES


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figures_carry_no_words(name):
    """Only numbers and symbols: no run of Latin letters outside mathtext, in any language."""
    assert words_in(drawn(every_figure()[name])) == []


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figures_are_a_readable_size(name):
    """No giant canvases: at most 1000 px wide and 1300 px tall once saved."""
    width, height = every_figure()[name].get_size_inches() * store.DPI
    assert width <= 1000
    assert height <= 1300


def _texts(ax) -> list[Text]:
    """The texts drawn around ``ax``: its title, labels and the tick labels within its limits."""
    ticks = [
        label
        for axis in (ax.xaxis, ax.yaxis)
        for low, high in [sorted(axis.get_view_interval())]
        for tick in axis.get_major_ticks()
        if low - 1e-9 <= tick.get_loc() <= high + 1e-9
        for label in (tick.label1, tick.label2)
    ]
    shown = [ax.title, ax.xaxis.label, ax.yaxis.label, *ticks]
    return [text for text in shown if text.get_visible() and text.get_text()]


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_every_label_stays_inside_the_figure_and_off_other_panels(name):
    """Laid out without measuring (cnnviz.layout) or by constrained layout, every title, tick
    label and axis label lies inside the figure, on no other panel or colorbar, and on no
    other panel's text; a title stands clear of its own panel."""
    fig = every_figure()[name]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    whole = fig.bbox.padded(1)
    boxes = {ax: ax.get_window_extent(renderer) for ax in fig.axes}
    texts = {ax: [t.get_window_extent(renderer) for t in _texts(ax)] for ax in fig.axes}
    for ax, extents in texts.items():
        if ax.get_title():  # clear of its own panel too, a subscript included
            assert ax.title.get_window_extent(renderer).y0 >= boxes[ax].y1 - 0.5, name
        for extent in extents:
            assert whole.x0 <= extent.x0, name
            assert extent.x1 <= whole.x1, name
            assert whole.y0 <= extent.y0, name
            assert extent.y1 <= whole.y1, name
            for other in fig.axes:
                if other is not ax:
                    assert not extent.shrunk(0.98, 0.98).overlaps(boxes[other]), name
                    assert not any(extent.overlaps(e) for e in texts[other]), name


GRID_FIGURES = (
    *("image", "filters", "filters_narrow", "conv", "conv_narrow", "pooled", "pooling_zoom"),
    *("sizes", "channels", "channel_sum", "history"),
)  # the kinds cnnviz.layout places


@pytest.mark.parametrize("name", GRID_FIGURES)
def test_image_panels_fill_their_place_and_keep_their_pixels_square(name):
    """A grid's image panel has its image's shape, so no panel floats in white: the box that
    keeps the pixels square is the box it was given. Constrained layout gave each panel a
    cell of the grid's shape instead."""
    fig = every_figure()[name]
    FigureCanvasAgg(fig).draw()
    for ax in fig.axes:
        if ax.get_images() and ax.get_aspect() == 1.0 and not hasattr(ax, "_colorbar"):
            given = ax.get_position(original=True)
            assert ax.get_position().width == pytest.approx(given.width, rel=0.02), name
            assert ax.get_position().height == pytest.approx(given.height, rel=0.02), name


def test_saving_twice_gives_identical_bytes_without_metadata():
    """The same figure saved twice is byte-identical, and carries no Software or date text."""
    first = store.png_bytes(figures.plot_filters(LESSON_FILTERS))
    second = store.png_bytes(figures.plot_filters(LESSON_FILTERS))
    assert first == second
    assert first.startswith(b"\x89PNG")
    assert b"Software" not in first
    assert b"matplotlib" not in first.lower()
    assert b"tIME" not in first


def test_no_drawing_function_runs_past_forty_lines_of_code():
    """Each function of cnnviz/figures.py stays short: at most 40 lines after its docstring."""
    tree = ast.parse(Path(figures.__file__).read_text(encoding="utf-8"))
    long = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            first = node.body[0]
            documented = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            start = node.body[1].lineno if documented and len(node.body) > 1 else first.lineno
            if node.end_lineno - start + 1 > 40:
                long.append(node.name)
    assert long == []


# Figures honest at the size shown (issue 21): crops, colour scales, the pipeline's input.


def test_the_colour_scale_check_finds_a_signed_map_nothing_explains():
    """A signed map with neither a colorbar of its range nor its values written is reported
    by its title; a colorbar of another range does not explain it, its own range does."""
    fig = Figure()
    ax, other = fig.subplots(1, 2)
    ax.set_title("f1")
    shown = ax.imshow(RNG.normal(size=(5, 5)), cmap=figures.SIGNED, vmin=-2, vmax=2)
    assert signed_without_scale(fig) == ["f1"]
    fig.colorbar(other.imshow(np.zeros((2, 2)), cmap=figures.SIGNED, vmin=-1, vmax=1), ax=other)
    assert signed_without_scale(fig) == ["f1"]
    fig.colorbar(shown, ax=ax)
    assert signed_without_scale(fig) == []


def test_filter_history_has_its_colour_scale():
    """Learned filters: one signed scale for every step, and a colorbar for it."""
    history = RNG.normal(size=(3, 4, 4, 4))
    fig = figures.plot_filter_history(history, [0, 10, 100], LESSON_FILTERS.astype(float))
    assert signed_without_scale(fig) == []
    assert len({image.get_clim() for image in images_of(fig)}) == 1


def test_feature_maps_window_shows_only_the_crop_at_its_coordinates():
    """With a window, each panel holds just that crop, drawn at the map's own rows and
    columns; an explicit limit is the colour range."""
    maps = RNG.normal(size=(2, 30, 40))
    fig = figures.plot_feature_maps(maps, window=(5, 25, 10, 30), limit=2.5, shared=True)
    shown = images_of(fig)
    for image, values in zip(shown, maps, strict=True):
        np.testing.assert_array_equal(image.get_array(), values[5:25, 10:30])
        assert image.get_extent() == [9.5, 29.5, 24.5, 4.5]
        assert image.get_clim() == (-2.5, 2.5)


def test_sizes_window_crops_every_panel_to_one_corner():
    """With a window, every panel shows the same rows and columns, gray outside a map."""
    maps = [RNG.normal(size=(20, 30)), RNG.normal(size=(22, 32))]
    fig = figures.plot_sizes(maps, ["a", "b"], window=(12, 22, 22, 32))
    for ax in [ax for ax in fig.axes if ax.get_images()]:
        assert ax.get_xlim() == (21.5, 31.5)
        assert ax.get_ylim() == (21.5, 11.5)
        assert ax.get_facecolor()[:3] != (1.0, 1.0, 1.0)


def test_pipeline_input_is_large_and_its_zoom_box_is_bold():
    """The input panel is the widest (a row of its own on a phone, where the crops come two to
    a row, each a quarter of the width or more), and the zoom box is a dark line under a bright
    one."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    zoom = (4, 12, 6, 18)
    for narrow in (False, True):
        fig = figures.plot_pipeline(
            IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0], zoom, narrow=narrow
        )
        drawn(fig)
        widths = [ax.get_position().width for ax in fig.axes[:4]]
        assert widths[0] >= (1.6 if narrow else 1.2) * max(widths[1:])
        if narrow:
            assert min(widths[1:]) >= 0.25
        boxes = [p for p in fig.axes[0].patches if isinstance(p, figures.Rectangle)]
        assert sorted(p.get_linewidth() for p in boxes) == [2.0, 4.0]


def test_one_draw_encodes_the_pixels_savefig_draws_at_the_build_dpi():
    """png_bytes draws once (layout inside that draw) yet gives savefig's pixels, size and
    resolution: a layout-bearing figure with a colorbar and ticks, at 110 dpi."""
    buffer = io.BytesIO()
    figures.plot_image(IMAGE).savefig(buffer, format="png", dpi=store.DPI)
    expected = Image.open(buffer)
    got = Image.open(io.BytesIO(store.png_bytes(figures.plot_image(IMAGE))))
    assert got.size == expected.size
    assert got.info["dpi"] == pytest.approx((store.DPI, store.DPI), abs=0.01)
    assert got.convert("RGBA").tobytes() == expected.convert("RGBA").tobytes()


def test_image_panels_have_few_ticks_each_on_a_whole_pixel():
    """A map's axes carry at most five ticks each, all on whole pixels, even on a map five
    pixels wide, whose default ticks would read 0, 0.5, 1, ..."""
    maps = np.linspace(-1, 1, 2 * 5 * 301).reshape(2, 5, 301)
    fig = figures.plot_feature_maps(maps)
    FigureCanvasAgg(fig).draw()  # the ticks as drawn, after the layout
    for ax in fig.axes[:2]:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            shown = [t for t in axis.get_ticklocs() if low <= t <= high]
            assert 2 <= len(shown) <= 5
            assert all(float(t).is_integer() for t in shown)

"""Figures: what each shows, checked through its artists, and how it is saved."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from cnnviz import figures, layers, recipes, store
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


def test_plot_filters_writes_each_weight_with_contrasting_text():
    """One axes per filter; every cell's number is written, white on negative, black on positive."""
    fig = figures.plot_filters(LESSON_FILTERS)
    assert len(fig.axes) == 4
    for ax, kernel in zip(fig.axes, LESSON_FILTERS, strict=True):
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), kernel)
        cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
        assert len(cells) == kernel.size
        for (row, col), value in np.ndenumerate(kernel):
            text = cells[(row, col)]
            assert text.get_text().replace("−", "-") == f"{value:g}"
            assert text.get_color() == ("white" if value < 0 else "black")


@pytest.mark.parametrize("stage", ["conv", "relu", "pooled"])
def test_plot_feature_maps_shows_every_map_with_a_shared_colorbar(stage):
    """N map axes plus one colorbar; each map's data is the given array, at pixel scale."""
    maps = getattr(layers.run(IMAGE, LESSON_FILTERS), stage)
    fig = figures.plot_feature_maps(maps, stage)
    shown = images_of(fig)
    assert len(shown) == 4
    assert len(fig.axes) == 5
    for image, feature_map in zip(shown, maps, strict=True):
        np.testing.assert_array_equal(image.get_array(), feature_map)
        height, width = feature_map.shape
        assert image.get_extent() == [-0.5, width - 0.5, height - 0.5, -0.5]
    assert {image.get_clim() for image in shown} == {shown[0].get_clim()}


def test_conv_maps_are_diverging_and_centred_on_zero():
    """Before ReLU the colormap is diverging, symmetric about 0, so the sign shows."""
    maps = layers.run(IMAGE, LESSON_FILTERS).conv
    image = images_of(figures.plot_feature_maps(maps, "conv"))[0]
    low, high = image.get_clim()
    assert low == -high == -np.abs(maps).max()
    assert image.get_cmap().name == "RdBu_r"


@pytest.mark.parametrize("stage", ["relu", "pooled"])
def test_after_relu_maps_are_gray_from_zero(stage):
    """ReLU and pooled maps use gray, starting at 0."""
    maps = getattr(layers.run(IMAGE, LESSON_FILTERS), stage)
    image = images_of(figures.plot_feature_maps(maps, stage))[0]
    assert image.get_cmap().name == "gray"
    assert image.get_clim()[0] == 0


def test_pooled_maps_keep_their_pixel_axes():
    """The pooled panels' extents are half the conv panels', so the ticks show the halving."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    conv = images_of(figures.plot_feature_maps(stages.conv, "conv"))[0].get_extent()
    pooled = images_of(figures.plot_feature_maps(stages.pooled, "pooled"))[0].get_extent()
    assert pooled[1] + 0.5 == (conv[1] + 0.5) // 2
    assert pooled[2] + 0.5 == (conv[2] + 0.5) // 2


def test_robust_scale_clips_at_a_percentile_and_says_so():
    """With robust=True the limit is the 99.5th percentile and the colorbar shows arrows."""
    maps = layers.run(IMAGE, LESSON_FILTERS).conv
    fig = figures.plot_feature_maps(maps, "conv", robust=True)
    assert images_of(fig)[0].get_clim()[1] == pytest.approx(np.percentile(np.abs(maps), 99.5))
    assert fig.axes[-1].get_label() == "<colorbar>"


def test_unknown_stage_is_refused():
    """Only conv, relu and pooled are stages."""
    with pytest.raises(ValueError, match="unknown stage"):
        figures.plot_feature_maps(np.zeros((1, 4, 4)), "softmax")


def test_relu_curve_is_max_of_zero_and_x():
    """One axes, whose line is y = max(0, x)."""
    fig = figures.plot_relu_curve()
    (line,) = fig.axes[0].get_lines()[:1]
    x, y = line.get_data()
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert x.min() < 0 < x.max()


def test_max_pool_example_highlights_the_winners():
    """The grid's numbers are written, and exactly the block maxima are highlighted."""
    grid = recipes.MAX_POOL_EXAMPLE
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


def test_output_value_sum_equals_the_conv_output_there():
    """The Σ written under the products equals nn.Conv2d's output at that position."""
    row, col = 7, 11
    fig = figures.plot_output_value(IMAGE, SOBEL_X, row, col)
    products = fig.axes[3].get_images()[0].get_array()
    np.testing.assert_allclose(products, IMAGE[row : row + 3, col : col + 3] * SOBEL_X, atol=1e-7)
    written = float(fig.axes[3].get_xlabel().removeprefix("Σ = "))
    expected = layers.run(IMAGE, SOBEL_X).conv[0, row, col]
    assert written == pytest.approx(expected, abs=5e-4)
    assert len(fig.axes) == 4


def test_pipeline_and_thumbnail_show_their_arrays():
    """The pipeline strip holds the four stages; the thumbnail holds the image, bare."""
    stages = layers.run(IMAGE, LESSON_FILTERS)
    fig = figures.plot_pipeline(IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0])
    for image, values in zip(
        images_of(fig), (IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0]), strict=True
    ):
        np.testing.assert_array_equal(image.get_array(), values)
    thumb = figures.plot_thumbnail(IMAGE)
    np.testing.assert_array_equal(images_of(thumb)[0].get_array(), IMAGE)
    assert not thumb.axes[0].axison


def every_figure():
    stages = layers.run(IMAGE, LESSON_FILTERS)
    grid = recipes.MAX_POOL_EXAMPLE
    return {
        "image": figures.plot_image(IMAGE),
        "filters": figures.plot_filters(LESSON_FILTERS),
        "conv": figures.plot_feature_maps(stages.conv, "conv"),
        "pooled": figures.plot_feature_maps(stages.pooled, "pooled"),
        "pipeline": figures.plot_pipeline(IMAGE, stages.conv[0], stages.relu[0], stages.pooled[0]),
        "relu_curve": figures.plot_relu_curve(),
        "max_pool": figures.plot_max_pool_example(grid, layers.max_pool2d(grid)),
        "output_value": figures.plot_output_value(IMAGE, LESSON_FILTERS[0], 3, 4),
    }


@pytest.mark.parametrize("name", list(every_figure()))
def test_figures_carry_no_words(name):
    """Only numbers and symbols: no run of Latin letters outside mathtext, in any language."""
    assert words_in(drawn(every_figure()[name])) == []


@pytest.mark.parametrize("name", list(every_figure()))
def test_figures_are_a_readable_size(name):
    """No giant canvases: at most 1000 px wide and 1200 px tall once saved."""
    width, height = every_figure()[name].get_size_inches() * store.DPI
    assert width <= 1000
    assert height <= 1200


def test_saving_twice_gives_identical_bytes_without_metadata():
    """The same figure saved twice is byte-identical, and carries no Software or date text."""
    first = store.png_bytes(figures.plot_filters(LESSON_FILTERS))
    second = store.png_bytes(figures.plot_filters(LESSON_FILTERS))
    assert first == second
    assert first.startswith(b"\x89PNG")
    assert b"Software" not in first
    assert b"matplotlib" not in first.lower()
    assert b"tIME" not in first

"""The custom-filters and padding-stride pages: their reasons and figures, held by their arrays."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import warnings

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from project import ROOT, lesson_run, namespace

from cnnviz import lessons, recipes

FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
LANGUAGES = ("ko", "en")


def page(name: str, language: str) -> str:
    return (ROOT / "docs" / f"{name}.{language}.md").read_text(encoding="utf-8")


def cell_source(lesson: str, name: str) -> str:
    (cell,) = [c for c in lessons.read_lesson(lesson).code_cells() if c.name == name]
    return "\n".join(cell.lines)


def figure(target: str, narrow: bool = False):
    (spec,) = [spec for spec in FIGURES if spec["target"] == f"figures/{target}"]
    params = {**spec["params"], **({"narrow": True} if narrow else {})}
    return getattr(recipes, spec["recipe"])(**params)


def images(fig):
    return [image for ax in fig.axes for image in ax.get_images()]


# custom: Sobel


def test_sobel_x_is_the_outer_product_of_a_smoothing_and_a_difference():
    """Sobel x is [1, 2, 1] (down the rows) times [-1, 0, 1] (across): the weight 2 is the
    smoothing's middle weight, and the pages say so, not that a row is "trusted" more."""
    values = namespace("custom")
    expected = np.outer([1, 2, 1], [-1, 0, 1])
    np.testing.assert_array_equal(values["sobel_x"], expected)
    np.testing.assert_array_equal(values["sobel_y"], expected.T)
    assert "np.outer(smoothing, difference)" in cell_source("custom", "sobel")
    assert "trust" not in page("custom", "en")
    assert "믿" not in page("custom", "ko")
    for language in LANGUAGES:
        assert "$[1, 2, 1]$" in page("custom", language)
        assert "$[-1, 0, 1]$" in page("custom", language)


@pytest.mark.parametrize(
    ("target", "limit", "cell"),
    [("sobel.png", "sobel_limit", "show-sobel"), ("sobel-photo.png", "photo_limit", "show-photo")],
)
@pytest.mark.parametrize("narrow", [False, True])
def test_the_sobel_figures_use_the_scale_the_code_shows(target, limit, cell, narrow):
    """The published Sobel figures and the code on the page draw on one colour range: the
    lesson's own limit, which the code passes as vmin and vmax and the captions print."""
    value = float(namespace("custom")[limit])
    source = cell_source("custom", cell)
    assert f"vmin=-{limit}, vmax={limit}" in source
    assert "vmin=-4" not in source
    for image in images(figure(target, narrow)):
        assert image.get_clim() == pytest.approx((-value, value))
    if target == "sobel.png":
        for language in LANGUAGES:
            assert f"−{value:.4f}" in page("custom", language)


def test_sobel_x_is_eight_times_the_slope_on_a_ramp():
    """On any linear ramp, Sobel x gives 8 × the slope inside: 2 from the central difference
    [-1, 0, 1], 4 from the sum of [1, 2, 1]. The lesson's ramp gives 0.08 for 0.01."""
    sobel_x = namespace("custom")["sobel_x"]
    for slope in (0.01, 0.037, -0.2):
        ramp = np.tile(np.arange(10, dtype=np.float32) * slope, (6, 1))
        inside = cv2.filter2D(ramp, -1, sobel_x)[1:-1, 1:-1]
        np.testing.assert_allclose(inside, 8 * slope, rtol=1e-5)
    assert "[0.08]" in lesson_run("custom").outputs["derivative"]


def test_sobel_x_over_8_is_the_central_difference_of_the_smoothed_photo():
    """On the photograph, Sobel x / 8 equals np.gradient along x of the photo smoothed down its
    columns by [1, 2, 1] / 4, everywhere inside the border: a smoothed derivative."""
    values = namespace("custom")
    photo = values["photo"]
    smoothed = (photo[:-2] + 2 * photo[1:-1] + photo[2:]) / 4
    central = np.gradient(smoothed, axis=1)[:, 1:-1]
    np.testing.assert_allclose(values["photo_x"][1:-1, 1:-1] / 8, central, atol=1e-6)
    assert photo.shape == (213, 320)  # the lesson's photograph, read straight from its file
    assert '"images/udacity_sdc.png"' in cell_source("custom", "photo")


def test_sobel_on_the_photo_shows_what_the_alt_text_names():
    """Gx is strongest down the car's left and right sides; Gy, on the grille's slats, is
    several times Gx, and its strongest rows are long horizontal lines (hood, bumper)."""
    values = namespace("custom")
    gx, gy = np.abs(values["photo_x"]), np.abs(values["photo_y"])
    strongest = np.argsort(gx.sum(axis=0))[-4:]
    assert {int(c) < 80 for c in strongest} == {True, False}  # both sides
    assert all(c < 80 or c > 240 for c in strongest)
    grille = (slice(95, 125), slice(90, 230))
    assert gy[grille].mean() > 3 * gx[grille].mean()
    rows = np.argsort(gy.sum(axis=1))[-10:]
    assert any(r < 70 for r in rows)  # the hood
    assert any(r > 165 for r in rows)  # the bumper


def test_filter2d_mirrors_the_border_to_keep_the_size():
    """cv2.filter2D's output is its input's size: it is conv2d on the input padded by mirroring
    (reflect without the edge pixel, as torch's "reflect"), everywhere, border included."""
    values = namespace("custom")
    card = torch.from_numpy(values["card_float"])[None, None]
    weight = torch.from_numpy(values["sobel_x"])[None, None]
    mirrored = F.conv2d(F.pad(card, (1, 1, 1, 1), mode="reflect"), weight)[0, 0].numpy()
    np.testing.assert_allclose(values["edges_x"], mirrored, atol=1e-5)
    zeros = F.conv2d(F.pad(card, (1, 1, 1, 1)), weight)[0, 0].numpy()
    assert not np.allclose(values["edges_x"], zeros, atol=1e-3)


def test_the_five_by_five_filter_answer_holds_on_a_step():
    """On a straight 0-to-1 step the largest response is the sum of the positive weights: 10
    for the 5×5 filter, 4 for Sobel x, as the answer prints."""
    values = namespace("custom")
    step = np.zeros((9, 9), dtype=np.float32)
    step[:, 5:] = 1
    for kernel, total in [(values["five"], 10), (values["sobel_x"], 4)]:
        assert cv2.filter2D(step, -1, kernel).max() == pytest.approx(total)
        assert kernel[kernel > 0].sum() == total


def test_blur_edges_is_cropped_to_the_lessons_crop():
    """The noise figure shows only the crop the lesson names, at the card's own coordinates,
    and the captions give it; every panel has its colour bar."""
    values = namespace("custom")
    rows, cols = values["crop_rows"], values["crop_cols"]
    assert (rows.start, rows.stop, cols.start, cols.stop) == (20, 180, 20, 180)
    for narrow in (False, True):
        fig = figure("blur-edges.png", narrow)
        shown = images(fig)
        assert len(shown) == 2
        for image in shown:
            assert image.get_array().shape == (160, 160)
            assert tuple(image.get_extent()) == (19.5, 179.5, 179.5, 19.5)
        assert len(fig.axes) == 4  # two maps, two colour bars
    for language in LANGUAGES:
        assert "20–179" in page("custom", language)


# padding-stride


def _same_warning() -> str:
    """The warning nn.Conv2d(padding="same") gives for a 4×4 filter, in a fresh process: torch
    gives it once per process."""
    code = (
        "import warnings, torch, torch.nn as nn\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    nn.Conv2d(1, 1, 4, padding='same', bias=False)(torch.zeros(1, 1, 8, 8))\n"
        "print(caught[0].message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return result.stdout


def test_the_pages_quote_pytorchs_same_padding_warning_as_it_is():
    """Both pages quote the warning word for word: a zero-padded copy of the input."""
    warning = _same_warning()
    assert "zero-padded copy of the input" in warning
    for language in LANGUAGES:
        quoted = re.findall(r"`(Using padding='same'[^`]*)`", page("padding-stride", language))
        assert quoted, language
        assert all(text in warning for text in quoted), language
    assert "unevenly" not in page("padding-stride", "en")


def test_same_padding_is_one_before_and_two_after_and_conv2d_pads_both_ends_alike():
    """nn.Conv2d(padding="same") with a 4×4 filter equals F.pad (1, 2, 1, 2) then no padding;
    F.conv2d's own padding is one number per axis, for both its ends, so it cannot do that."""
    torch.manual_seed(0)
    x, weight = torch.rand(1, 1, 9, 11), torch.randn(1, 1, 4, 4)
    layer = torch.nn.Conv2d(1, 1, 4, padding="same", bias=False)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning itself is checked in a fresh process
        layer.weight.copy_(weight)
        same = layer(x)
        np.testing.assert_allclose(same, F.conv2d(F.pad(x, (1, 2, 1, 2)), weight), atol=1e-6)
        both_ends = F.conv2d(x, weight, padding=(1, 2))
        np.testing.assert_allclose(both_ends, F.conv2d(F.pad(x, (2, 2, 1, 1)), weight), atol=1e-6)
    with pytest.raises(RuntimeError):
        F.conv2d(x, weight, padding=(1, 2, 1, 2))


def test_the_corner_figure_shows_padding_at_the_border():
    """padding-stride.png: the stride-1 outputs cropped to the last 24 rows and columns of the
    largest (rows 190–213, columns 297–320); with no padding the output ends 3 short of the
    input; each padded output's last column is a blue line, none without padding."""
    values = namespace("padding-stride")
    ones = {p: out[0, 0].numpy() for (p, s), out in values["outputs"].items() if s == 1}
    height, width = values["gray_img"].shape
    assert ones[0].shape == (height - 3, width - 3)
    for padding in (1, 2):
        assert ones[padding].shape == (height - 3 + 2 * padding, width - 3 + 2 * padding)
        assert ones[padding][190:, -1].max() < -0.5  # blue all down the crop
        assert ones[padding][190:, -1].min() < -3
    assert abs(ones[0][190:, -1]).max() < 0.5
    for narrow in (False, True):
        fig = figure("padding-stride.png", narrow)
        shown = [ax for ax in fig.axes if ax.get_images()]
        assert len(shown) == 3
        for ax in shown:
            assert ax.get_xlim() == (296.5, 320.5)
            assert ax.get_ylim() == (213.5, 189.5)
    for language in LANGUAGES:
        assert "190–213" in page("padding-stride", language)
        assert "297–320" in page("padding-stride", language)


def test_the_border_figure_enlarges_the_false_edge():
    """padding-border.png's crop (rows 181–212, columns 288–319) holds the zero padding's dark
    blue last column, and nothing like it with reflection."""
    values = namespace("padding-stride")
    rows, cols = values["zoom_rows"], values["zoom_cols"]
    assert (rows.start, rows.stop, cols.start, cols.stop) == (181, 213, 288, 320)
    zero = values["same"][0, 0].numpy()[rows, cols]
    reflect = values["same_reflect"][0, 0].numpy()[rows, cols]
    assert zero[:, -1].max() < -1
    assert zero[:, -1].min() < -5
    assert abs(reflect).max() < 0.5
    assert abs(zero[:, :-2]).max() < 0.5

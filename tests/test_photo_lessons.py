"""The image, conv, ReLU and pooling lessons on the Udacity photograph: what their pages say the
photo shows, and every reason they give, computed from the lessons' own arrays.

Each test names, in its docstring, the page sentence it holds; tests/reasons/<page>.toml lists
the reason sentences beside these tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from project import ROOT, namespace

from cnnviz import lessons, recipes


def page(name: str, language: str) -> str:
    return (ROOT / "docs" / f"{name}.{language}.md").read_text(encoding="utf-8")


def span(window: slice) -> str:
    """How a page writes a slice: ``slice(88, 136)`` is "88–135"."""
    return f"{window.start}–{window.stop - 1}"


# ---- image ----


def test_image_values_are_k_over_255():
    """image page: the 8-bit image was divided by 255, so every value is k/255; the photo uses
    all 256 levels."""
    gray = namespace("image")["gray_img"]
    levels = gray.astype(np.float64) * 255
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)
    assert len(np.unique(np.round(levels))) == 256


def test_image_brightest_in_the_headlights_darkest_in_the_grille():
    """image page: the brightest value, 1.0, is mostly in the headlights; the darkest, 0.0, in
    deep shade such as the grille's gaps."""
    gray = namespace("image")["gray_img"]
    rows, cols = np.nonzero(gray == 1.0)
    sides = ((cols >= 55) & (cols <= 95)) | ((cols >= 225) & (cols <= 265))
    headlights = (rows >= 90) & (rows <= 115) & sides
    assert headlights.sum() >= 0.9 * rows.size > 0
    grille = gray[96:126, 96:144]  # the left half of the grille, as conv's regions have it
    assert (grille == 0.0).sum() >= 10


def test_image_wrong_channel_order_swaps_the_red_and_blue_weights():
    """image exercise 2: with the order wrong, R's and B's weights swap, so a pixel's error
    grows with how far apart its red and blue are (0.299 - 0.114 of it); no error is raised."""
    values = namespace("image")
    bgr = values["bgr_photo"].astype(int)
    error = values["wrong"] - values["right"]
    expected = (0.299 - 0.114) * (bgr[..., 0] - bgr[..., 2])
    assert np.abs(error - expected).max() <= 1.5
    assert np.abs(error).max() == 40


def test_image_your_own_image_needs_one_line():
    """image exercise 3: another file read by the same line gives values in [0, 1], and the
    lesson's 4×4 convolution then makes maps 3 smaller each way, (317, 317) for the test card."""
    values = namespace("image")
    gray = values["my_gray"]
    assert gray.shape == (320, 320)
    assert 0 <= gray.min()
    assert gray.max() <= 1
    conv = namespace("conv")
    weight = conv["weight"]
    maps = F.conv2d(torch.from_numpy(gray)[None, None], weight)
    assert tuple(maps.shape[2:]) == (317, 317)


# ---- conv ----


def test_conv_zoom_holds_the_grille_middle():
    """conv caption: the crop is the grille's middle: f1 and f2 draw vertical lines at the
    upright chrome bar, f3 and f4 stripes on the slats either side."""
    values = namespace("conv")
    conv = values["conv_layer"][0].numpy()
    crop = conv[:, values["zoom_rows"], values["zoom_cols"]]
    bar = slice(148 - 136, 171 - 136)  # columns 148–170 of the image
    slats = np.r_[0 : 146 - 136, 174 - 136 : 184 - 136]
    for f in (0, 1):  # vertical lines at the bar: the strongest |f1|, |f2| of the crop
        strongest = np.unravel_index(np.abs(crop[f]).argmax(), crop[f].shape)
        assert bar.start <= strongest[1] < bar.stop
        assert np.abs(crop[f][:, bar]).max() > 2.5 * np.abs(crop[f][:, slats]).max()
    for f in (2, 3):  # stripes on the slats: the sign flips again and again down a column
        assert np.abs(crop[f][:, slats]).max() > 2 * np.abs(crop[0][:, slats]).max()
        column = crop[f][:, 4]
        strong = column[np.abs(column) > 0.5]
        assert (np.diff(np.sign(strong)) != 0).sum() >= 6


def test_captions_name_the_crops_the_code_cuts():
    """conv, relu, pooling and home captions give the very rows and columns the code zooms."""
    conv = namespace("conv")
    pooling = namespace("pooling")
    wanted = {
        "conv": [conv["zoom_rows"], conv["zoom_cols"]],
        "relu": [conv["zoom_rows"], conv["zoom_cols"]],
        "pooling": [pooling["zoom_rows"], pooling["zoom_cols"]]
        + [pooling["pooled_rows"], pooling["pooled_cols"]],
        "index": [pooling["zoom_rows"], pooling["zoom_cols"]],
    }
    for name, windows in wanted.items():
        for language in ("ko", "en"):
            text = page(name, language)
            for window in windows:
                assert span(window) in text, (name, language, span(window))
    # the home figure and the pooling figures zoom on one place, inside conv's crop
    assert conv["zoom_rows"].start <= pooling["zoom_rows"].start
    assert pooling["zoom_cols"].stop <= conv["zoom_cols"].stop


def test_conv_print_lists_registered_modules_only():
    """conv page: ReLU is missing from print(model) because forward calls F.relu without
    registering it; nn.ReLU() and nn.MaxPool2d, registered, are listed though weightless."""
    conv = namespace("conv")
    assert "ReLU" not in str(conv["model"])
    assert "relu" in conv["Net"].forward.__code__.co_names
    assert "ReLU" in str(torch.nn.Sequential(torch.nn.ReLU()))
    pooling = namespace("pooling")
    assert "MaxPool2d" in str(pooling["model"])
    assert not list(pooling["model"].pool.parameters())


def test_conv_stats_mirror_in_pairs():
    """conv page: f2 = -f1, so f2's range is f1's turned around, and f4's is f3's; the largest
    value of all, 5.6863, is f3's."""
    conv = namespace("conv")["conv_layer"][0]
    for a, b in [(0, 1), (2, 3)]:
        assert conv[b].min().item() == -conv[a].max().item()
        assert conv[b].max().item() == -conv[a].min().item()
    assert conv.amax(dim=(1, 2)).argmax().item() == 2
    assert round(conv.max().item(), 4) == 5.6863
    assert conv.min().item() < 0  # values before ReLU: negative ones included


def test_conv_sliding_window_climbs_onto_the_ground():
    """conv page: in the step-through's first two places across the filter lies on the car and
    the values stay near 0; from the third its +1 half reaches the ground and the values climb,
    the largest, 4.8824, at the last place; the patch's right two columns are the ground."""
    values = namespace("conv")
    out = values["small_out"].numpy()
    levels = np.round(values["small_img"] * 255).astype(int)
    assert levels[:, 5:].min() > 200 > 100 > levels[:, :5].max()
    assert np.abs(out[:, :2]).max() < 0.4
    assert (out[:, 2] > 1.5).all()
    assert (out[:, 3] > out[:, 2]).all()
    assert np.unravel_index(out.argmax(), out.shape) == (3, 3)
    assert (values["row"], values["col"]) == (133, 279)  # the one-value figure's place


def test_conv_maps_share_one_color_range():
    """conv and relu pages: the four maps share one color range, so shades compare across
    panels; the ReLU figure uses the convolution's very range, so the two figures compare."""
    limits = []
    for lesson, maps in [("conv", "conv_layer"), ("relu", "activated_layer")]:
        fig = recipes.lesson_maps(lesson, maps, zoom=["zoom_rows", "zoom_cols"])
        images = [image for ax in fig.axes for image in ax.get_images()]
        assert len(images) == 8
        clims = {image.get_clim() for image in images}
        assert len(clims) == 1, (lesson, clims)
        limits.append(clims.pop())
    assert limits[0] == limits[1]


def test_conv_flipping_the_filter_changes_nothing_a_network_can_express():
    """conv page: a library's convolution is a cross-correlation; with the filter flipped it is
    the mathematical convolution, so flipping only relabels the weights a network learns."""
    rng = np.random.default_rng(0)
    x = rng.random((9, 11))
    w = rng.standard_normal((4, 4))
    torch_out = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None])[0, 0]
    flipped = w[::-1, ::-1]
    true_convolution = np.array(
        [
            [
                sum(x[i + 3 - u, j + 3 - v] * flipped[u, v] for u in range(4) for v in range(4))
                for j in range(8)
            ]
            for i in range(6)
        ]
    )
    np.testing.assert_allclose(torch_out.numpy(), true_convolution, atol=1e-12)


def test_conv_output_is_smaller_by_the_filter_size():
    """conv page: the layer computes only where the filter fits, with no padding and stride 1:
    H - k + 1 by W - k + 1; nothing is learned, so no gradient is kept."""
    values = namespace("conv")
    height, width = values["gray_img"].shape
    assert tuple(values["conv_layer"].shape) == (1, 4, height - 3, width - 3)
    assert not values["conv_layer"].requires_grad
    assert values["model"].conv.padding == (0, 0)
    assert values["model"].conv.stride == (1, 1)
    assert values["model"].conv.bias is None  # bias=False: nothing but sums of products


def test_conv_by_hand_answer_is_the_grilles_lower_border():
    """conv exercise 2: f3's largest value is at the grille's lower border, dark in the patch's
    top two rows and bright in its bottom two."""
    values = namespace("conv")
    row, col = int(values["row3"]), int(values["col3"])
    assert 96 <= row < 130
    assert 96 <= col < 144
    patch = np.round(values["patch3"] * 255)
    assert patch[:2].max() < 70
    assert patch[2:].min() > 160


# ---- relu ----


def test_relu_two_stacked_convolutions_are_one():
    """relu page: a convolution is linear, and two stacked with nothing between are a single
    convolution (its filter the two filters combined): ReLU between them is what stacking adds."""
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((1, 1, 12, 12)))
    a = torch.from_numpy(rng.standard_normal((1, 1, 3, 3)))
    b = torch.from_numpy(rng.standard_normal((1, 1, 2, 2)))
    combined = F.conv_transpose2d(a, b)  # the full convolution of the two filters
    np.testing.assert_allclose(F.conv2d(F.conv2d(x, a), b), F.conv2d(x, combined), atol=1e-12)
    with_relu = F.conv2d(F.relu(F.conv2d(x - 0.5, a)), b)
    assert not torch.allclose(with_relu, F.conv2d(x - 0.5, combined))


def test_relu_acts_on_each_value_alone():
    """relu page: the shapes are unchanged, since ReLU acts on each value by itself; no value is
    negative afterwards; a second ReLU changes nothing; leaky ReLU keeps a tenth."""
    values = namespace("relu")
    conv, relu = values["conv_layer"], values["activated_layer"]
    assert relu.shape == conv.shape
    assert torch.equal(relu, torch.where(conv > 0, conv, torch.zeros_like(conv)))
    assert relu.min().item() == 0
    assert torch.equal(F.relu(relu), relu)
    assert values["leaky"][0, 0].min().item() == pytest.approx(0.1 * conv[0, 0].min().item())


def test_relu_pairs_catch_both_directions():
    """relu page: f2 = -f1, so where f1 is negative f2 is positive; after ReLU the maps of a
    pair never overlap, and every edge, whichever way it faces, stays in one of the two."""
    relu = namespace("relu")["activated_layer"][0]
    conv = namespace("relu")["conv_layer"][0]
    for a, b in [(0, 1), (2, 3)]:
        assert ((relu[a] > 0) & (relu[b] > 0)).sum().item() == 0
        edge = conv[a].abs() > 0.1
        kept = (relu[a] > 0.1) | (relu[b] > 0.1)
        assert torch.equal(edge, kept)
    assert torch.equal(relu[0] - relu[1], conv[0])


# ---- pooling ----


def test_pooling_blocks_do_not_overlap_and_the_odd_column_goes():
    """pooling page: 2×2 blocks moved with stride 2 do not overlap, halving both sides; 210 is
    even and loses nothing, 317 is odd and its last column is dropped."""
    values = namespace("pooling")
    relu = values["activated_layer"][0].numpy()
    pooled = values["pooled_layer"][0].numpy()
    assert relu.shape[1:] == (210, 317)
    assert pooled.shape[1:] == (105, 158)
    blocks = relu[:, :210, :316].reshape(4, 105, 2, 158, 2).max(axis=(2, 4))
    assert np.array_equal(blocks, pooled)
    assert values["kept"] is True


def test_pooling_average_dilutes_thin_lines_more():
    """pooling exercise 2: max pooling keeps each line's top; average pooling shares it among a
    block's four cells, so the thin line keeps 60% and the thick edge 83%."""
    values = namespace("pooling")
    relu = values["activated_layer"][0, 0].numpy()
    ratios = {}
    for name, (rows, cols) in values["lines"].items():
        before = relu[rows.start * 2 : rows.stop * 2, cols.start * 2 : cols.stop * 2]
        width = (before > 0.3 * before.max(axis=1, keepdims=True)).sum(axis=1)  # pixels a row
        by_max = values["pooled_layer"][0, 0, rows, cols].amax(dim=1).mean().item()
        by_mean = values["average"][0, 0, rows, cols].amax(dim=1).mean().item()
        ratios[name] = (by_mean / by_max, width.mean())
    assert round(ratios["thin"][0], 2) == 0.60
    assert round(ratios["thick"][0], 2) == 0.83
    assert ratios["thin"][1] <= 2 < 2.5 < ratios["thick"][1]  # one or two pixels, and more
    lesson = lessons.read_lesson("pooling")
    for language in ("ko", "en"):  # the question names the lines in coordinates before pooling
        question = lessons.markdown_text(lesson.markdown("average", language))
        for rows, cols in values["lines"].values():
            for window in (rows, cols):
                assert span(slice(window.start * 2, window.stop * 2)) in question

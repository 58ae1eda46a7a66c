"""Every lesson figure draws what its lesson's code computed, and the text's claims hold.

The figures are listed in gen/figures.toml; each names the lesson and the values of the
lesson's namespace it draws. Here each is drawn again and every image it shows is compared
with those values: the image must be one of them, or a crop of one at the very rows and
columns its axes give. The claims the pages make about the figures are computed from the
same arrays.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from project import ROOT, lesson_run, namespace, signed_without_scale

from cnnviz import lessons, recipes

FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
NOT_NAMES = {"lesson", "labels", "robust", "shared", "narrow", "index", "corner"}


def named(params: dict[str, Any]) -> list[str]:
    """Every namespace name a figure's parameters give."""
    names = []
    for key, value in params.items():
        if key not in NOT_NAMES:
            names += [value] if isinstance(value, str) else list(value)
    return names


def planes(value: Any) -> Iterator[np.ndarray]:
    """Every 2-D array a value holds: itself, its maps, its channels, its items."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        if value and not isinstance(value[0], int | float | slice):
            for item in value:
                yield from planes(item)
            return
    detach = getattr(value, "detach", None)
    array = np.asarray(detach().numpy() if detach else value)
    if array.ndim < 2:
        return
    yield array
    if array.ndim >= 3:
        yield from array.reshape(-1, *array.shape[-2:])
        for channel in range(array.shape[-1]):
            yield array[..., channel]


def drawn_from(image: np.ndarray, extent: list[float], sources: list[np.ndarray]) -> bool:
    left, right, bottom, top = (round(value + 0.5) for value in extent)
    for source in sources:
        if source.ndim != image.ndim or source.shape[2:] != image.shape[2:]:
            continue
        crop = source[top:bottom, left:right]
        if crop.shape == image.shape and np.array_equal(crop, image):
            return True
    return False


def figure_of(spec: dict[str, Any], narrow: bool = False) -> Figure:
    params = {**spec["params"], **({"narrow": True} if narrow else {})}
    return getattr(recipes, spec["recipe"])(**params)


PNG = [spec for spec in FIGURES if spec["target"].endswith(".png")]
CASES = [(spec, False) for spec in PNG] + [(spec, True) for spec in PNG if spec.get("narrow")]


@pytest.fixture(
    scope="module",
    params=CASES,
    ids=[spec["target"] + (" narrow" if narrow else "") for spec, narrow in CASES],
)
def case(request) -> tuple[dict[str, Any], Figure]:
    """A figure of gen/figures.toml, wide or narrow, drawn once for every check of it below
    (pytest runs a module-scoped value's tests together)."""
    spec, narrow = request.param
    lesson_run(spec["params"]["lesson"])  # recorded, so the notebook checks share this run
    return spec, figure_of(spec, narrow)


def test_every_image_in_a_figure_is_an_array_its_lesson_computed(case):
    """Each image drawn is a value the lesson's code defined, or a crop of one at the very
    coordinates its axes show; each line is a list the lesson computed."""
    spec, fig = case
    values = namespace(spec["params"]["lesson"])
    sources = [plane for name in named(spec["params"]) for plane in planes(values[name])]
    images = [image for ax in fig.axes for image in ax.get_images()]
    for axes in fig.axes:
        images += [image for child in axes.child_axes for image in child.get_images()]
    for image in images:
        data = np.asarray(image.get_array())
        assert drawn_from(data, image.get_extent(), sources), (spec["target"], data.shape)
    series = [row for name in named(spec["params"]) for row in rows(values[name])]
    curves = [line for ax in fig.axes for line in ax.get_lines() if len(line.get_ydata()) >= 10]
    bars = [
        bar.datavalues for ax in fig.axes for bar in ax.containers if hasattr(bar, "datavalues")
    ]
    for drawn in [*(line.get_ydata() for line in curves), *bars]:
        drawn = np.asarray(drawn, dtype=float)
        assert any(np.array_equal(drawn, y) for y in series if y.shape == drawn.shape), spec[
            "target"
        ]
    assert images or curves or bars or spec["recipe"] in {"lesson_max_pool_example", "lesson_cnn"}


def test_every_signed_map_in_a_figure_has_its_colour_scale(case):
    """Every diverging map in every figure, wide and narrow, has a colorbar of its range, or
    its values written in its cells."""
    spec, fig = case
    assert signed_without_scale(fig) == [], spec["target"]


def rows(value: Any) -> list[np.ndarray]:
    """A value's 1-D series: itself, or each row of a table of them (a batch of one unwrapped)."""
    detach = getattr(value, "detach", None)
    try:
        array = np.asarray(detach().numpy() if detach else value, dtype=float)
    except (TypeError, ValueError):
        return []  # a crop, a model, a table of shapes: no series
    while array.ndim > 1 and array.shape[0] == 1:
        array = array[0]
    return [array] if array.ndim == 1 else list(array) if array.ndim == 2 else []


def test_the_sliding_window_steps_are_the_lessons_crop_and_conv_output():
    """The step-through's data: the crop's 8-bit levels, f1, and the very conv values the
    network computed there; each output is the window's Σ k·w / 255."""
    import json

    (spec,) = [s for s in FIGURES if s["recipe"] == "lesson_window_steps"]
    values = namespace("conv")
    data = json.loads(figure_of(spec))
    crop = values["gray_img"][values["patch_rows"], values["patch_cols"]]
    assert data["levels"] == np.round(crop * 255).astype(int).tolist()
    assert data["kernel"] == values["filter_1"].tolist()
    np.testing.assert_allclose(data["output"], values["small_out"].numpy(), atol=5e-5)
    levels, kernel = np.array(data["levels"]), np.array(data["kernel"])
    for (row, col), value in np.ndenumerate(np.array(data["output"])):
        window = levels[row : row + 4, col : col + 4]
        assert (window * kernel).sum() / 255 == pytest.approx(value, abs=5e-5)


def test_the_pooling_example_writes_the_lessons_grid_and_its_maxima():
    """The worked example's numbers are the lesson's grid and what F.max_pool2d gave."""
    (spec,) = [s for s in FIGURES if s["recipe"] == "lesson_max_pool_example"]
    values = namespace("pooling")
    left, _, right = figure_of(spec).axes
    grid = values["grid"].numpy().astype(int).ravel()
    assert [int(text.get_text()) for text in left.texts] == list(grid)
    pooled = values["pooled_grid"].numpy().astype(int).ravel()
    assert [int(text.get_text()) for text in right.texts] == list(pooled)


def test_the_cnn_diagram_writes_the_shapes_the_lesson_printed():
    """Every shape under the diagram is one the lesson's layers returned, in order; each row
    after the first starts again from the tensor that ended the row before."""
    (spec,) = [s for s in FIGURES if s["recipe"] == "lesson_cnn"]
    values = namespace("cnn")
    expected = ["×".join(map(str, shape[1:])) for shape in values["shapes"]]
    for narrow in (False, True):
        rows = [
            [t.get_text() for t in ax.texts if t.get_text() and t.get_text()[0].isdigit()]
            for ax in figure_of(spec, narrow=narrow).axes
        ]
        assert len(rows) == (4 if narrow else 2)
        assert all(row[0] == before[-1] for before, row in itertools.pairwise(rows))
        assert rows[0] + [text for row in rows[1:] for text in row[1:]] == expected


# ---- The claims the pages make, computed from the lessons' arrays ----


def peaks(conv, rows, cols) -> np.ndarray:
    return conv[0, :, rows, cols].amax(dim=(1, 2)).numpy()


def test_conv_which_filter_responds_where():
    """conv page: on the car's right side only f1 responds (4.88, the rest at most 1.35), on
    its left side f2 (5.24), under the car f3 (3.79, the rest at most 0.47), where the shadow
    starts right of the car only f4 (3.01); on the grille f3 and f4 both, f1 and f2 far less."""
    values = namespace("conv")
    conv, regions = values["conv_layer"], values["regions"]
    for name, winner, others in [
        ("right", 0, 1.35),
        ("left", 1, 1.6),
        ("under", 2, 0.47),
        ("shadow", 3, 0.3),
    ]:
        found = peaks(conv, *regions[name])
        assert found.argmax() == winner, name
        assert np.delete(found, winner).max() <= others + 0.005 < 3 <= found[winner], name
    f1, f2, f3, f4 = peaks(conv, *regions["grille"])
    assert min(f3, f4) > 4.5 > 2 > max(f1, f2)


def test_conv_the_output_value_is_the_sum_of_its_products():
    """conv page: Σ k·w = 1245 and 1245 / 255 is the value nn.Conv2d computed there."""
    values = namespace("conv")
    total = int((values["levels"] * values["filter_1"]).sum())
    assert total == 1245
    conv = values["conv_layer"][0, 0, values["row"], values["col"]].item()
    assert total / 255 == pytest.approx(conv, abs=1e-5)


def test_relu_counts_by_edge_direction():
    """relu page: f1..f4 lose 15229, 14546, 22462, 20675 values; each count is the number of
    4×4 places where the filter's −1 half is brighter (by 26 levels or more) than its +1 half,
    counted from the image alone, and what one filter of a pair loses, the other keeps."""
    values = namespace("relu")
    conv = values["conv_layer"][0]
    lost = [(conv[i] < -0.1).sum().item() for i in range(4)]
    assert lost == [15229, 14546, 22462, 20675]
    levels = np.round(values["gray_img"] * 255).astype(int)
    windows = np.lib.stride_tricks.sliding_window_view(levels, (4, 4))
    halves = [windows[..., :2], windows[..., 2:], windows[:, :, :2], windows[:, :, 2:]]
    left, right, top, bottom = (half.sum(axis=(2, 3)) for half in halves)
    by_direction = [left - right, right - left, top - bottom, bottom - top]
    assert [int((d >= 26).sum()) for d in by_direction] == lost
    assert [int(v.sum()) for v in values["directions"].values()] == lost
    for a, b in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        assert lost[a] == (conv[b] > 0.1).sum().item()
    # f3 and f4 see the same flat edges: the counts differ only by the edges' direction
    assert lost[2] != lost[3]
    assert lost[2] + lost[3] == int((abs(top - bottom) >= 26).sum())


def test_pooling_keeps_thin_lines():
    """pooling page: in the crop, the chrome bar's thin vertical lines (columns 148–151 and
    154–157, one or two pixels wide) survive pooling unbroken, each as strong as before."""
    values = namespace("pooling")
    before, after = values["before"].numpy(), values["after"].numpy()
    assert after.max() == before.max()
    for first in (148, 154):  # the two edges of the bar, in the crop's columns
        column = first - values["zoom_cols"].start
        rows = slice(108 - values["zoom_rows"].start, 124 - values["zoom_rows"].start)
        line = before[rows, column : column + 4]
        assert (line > 1).sum(axis=1).max() <= 3  # thin: at most 3 strong pixels a row
        pooled = after[rows.start // 2 : rows.stop // 2, column // 2 : column // 2 + 2]
        assert pooled.max(axis=1).min() > 1  # unbroken: strong in every pooled row
        assert pooled.max() == line.max()


def test_sobel_maps_answer_the_edges_the_page_names():
    """custom page: Gx answers the vertical bars' sides (red on the bright bar's left, blue on
    its right), Gy the horizontal bars' top and bottom, and both the diagonal and the ring."""
    values = namespace("custom")
    gx, gy = values["edges_x"], values["edges_y"]
    size = gx.shape[0]
    bright_left, bright_right = round(0.08 * size), round(0.2 * size)
    middle = size // 2
    assert gx[middle, bright_left - 2 : bright_left + 2].max() > 1
    assert gx[middle, bright_right - 2 : bright_right + 2].min() < -1
    assert abs(gy[middle, bright_left - 2 : bright_left + 2]).max() < 0.1
    top_bar = round(0.08 * size)  # the dark bar's top edge: bright above, dark below
    assert gy[top_bar - 2 : top_bar + 2, middle].min() < -1
    assert abs(gx[top_bar - 2 : top_bar + 2, middle]).max() < 0.1
    ring = round(0.5 * size + 0.19 * size)
    for edges in (gx, gy):
        assert abs(edges[ring - 12 : ring + 12, ring - 12 : ring + 12]).max() > 1  # ring
        assert abs(edges[middle - 60 : middle - 50, middle - 70 : middle - 30]).max() > 0.5


def test_blur_cuts_noise_more_than_edges():
    """custom page: blurring shrinks the noise's wobble by more than the edges' answer."""
    values = namespace("custom")
    flat, laplacian = values["flat"], values["laplacian"]
    noise = values["edges_plain"][flat].std(), values["edges_blurred"][flat].std()
    edge = abs(values["clean_plain"]).max(), abs(values["clean_blurred"]).max()
    assert noise[0] / noise[1] > edge[0] / edge[1] > 1
    assert laplacian.sum() == 0


def test_zero_padding_makes_a_false_edge_that_reflection_does_not():
    """padding-stride page: with zeros the rightmost column responds far more strongly than
    the last column whose filter touches no padding; with reflection, no more than it."""
    values = namespace("padding-stride")
    zero, reflect = values["same"][0, 0], values["same_reflect"][0, 0]
    assert zero[:, -1].abs().max() > 5 * zero[:, -3].abs().max()
    assert reflect[:, -1].abs().max() <= zero[:, -3].abs().max()
    assert zero[:, -3].abs().max() == reflect[:, -3].abs().max()


def test_green_is_the_strongest_channel_part():
    """channels page: the green part is the strongest, its weight 0.587 being the largest."""
    parts = namespace("channels")["parts"]
    strengths = [part.abs().max().item() for part in parts]
    assert strengths.index(max(strengths)) == 1


def test_learned_filters_grow_into_the_hand_made_ones():
    """learned page: faint random patterns at step 0, the filters come to look like the
    hand-made ones: at the last step every filter's cosine similarity is at least 0.99."""
    values = namespace("learned")
    hand = np.asarray(values["filters"], dtype=np.float32).reshape(4, -1)
    history = values["history"].numpy().reshape(len(values["steps"]), 4, -1)

    def cosine(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    first, final = (
        [cosine(row[i], hand[i]) for i in range(4)] for row in (history[0], history[-1])
    )
    assert max(first) < 0.3
    assert min(final) >= 0.99
    assert np.abs(history[0]).max() < np.abs(history[-1]).max()  # "faint" at the start


NUMBER = re.compile(r"(?<![\w.])\d(?:[\d,]*\d)?(?:\.\d+)?")
RANGE = re.compile(r"(\d+)–(\d+)")  # "rows 128–175": the code's slice(128, 176)


def prose(page: str) -> str:
    """A page's words, without code, markers and maths."""
    text = re.sub(r"```.*?```", " ", page, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", " ", text, flags=re.S)
    text = re.sub(r"\(\w[\w/.-]*\.(?:md|png)(#[^)]*)?\)", " ", text)
    return RANGE.sub(lambda m: f"{m[1]} {int(m[2]) + 1}", text)


def found_in(number: str, printed: list[float]) -> bool:
    places = len(number.partition(".")[2])
    value = float(number.replace(",", ""))
    return any(round(candidate, places) == value for candidate in printed)


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("name", lessons.lesson_names())
def test_numbers_in_the_prose_are_ones_the_code_printed(name, language):
    """Every decimal in a lesson page's text, and every whole number from 100 up, is one its
    code printed or wrote (e.g. a weight such as 0.299), or a setting of its figures (the
    99.5th percentile they clip at): none is typed from memory."""
    page = (ROOT / "docs" / f"{name}.{language}.md").read_text(encoding="utf-8")
    run = lesson_run(name)
    lesson = lessons.read_lesson(name)
    borrowed = {other for other, _ in lesson.needs()}
    sources = [lesson.path, ROOT / "cnnviz" / "figures.py"]
    sources += [lesson.path.parent / f"{other}.py" for other in borrowed]
    said = "\n".join([*run.outputs.values(), *(path.read_text() for path in sources)])
    printed = [float(n.replace(",", "")) for n in NUMBER.findall(said)]
    for number in NUMBER.findall(prose(page)):
        if "." in number or float(number.replace(",", "")) >= 100:
            assert found_in(number, printed), f"{name}.{language}.md: {number}"

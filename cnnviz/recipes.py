"""What each figure and printed output on the site is made of: compute, then draw or format.

Every public function here is a recipe that :mod:`cnnviz.jobs` can cache. It takes JSON-like
parameters, and returns a :class:`~matplotlib.figure.Figure` (saved as PNG), a ``str``
(written as UTF-8 text) or ``bytes`` (written as they are). None of them touches the disk
except to read its input.

The ``lesson_*`` recipes draw what a lesson's own code computed: they run the lesson (see
:mod:`cnnviz.lessons`) and pass the arrays it left, by name, to :mod:`cnnviz.figures`, so a
figure beside a cell shows exactly the numbers that cell gives. The other recipes serve the
gallery and the playground, whose input is ``sample``, the name of a sample image, or
``path``, an image file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from . import figures, layers, lessons, samples
from .headers import image_size
from .images import MAX_SIDE, load_gray
from .kernels import FILTER_LABELS, FILTER_SETS, PRESETS
from .stages import STAGES


def lesson_outputs(lesson: str) -> str:
    """What each code cell of a lesson printed, as JSON by cell name."""
    outputs = _run(lesson).outputs
    return json.dumps(dict(outputs), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def lesson_image(lesson: str, image: str, narrow: bool = False) -> Figure:
    """A grayscale image the lesson loaded, on its [0, 1] scale."""
    return figures.plot_image(_array(lesson, image), narrow=narrow)


def lesson_filters(
    lesson: str, filters: str | Sequence[str], labels: str | None = None, narrow: bool = False
) -> Figure:
    """A stack of filters the lesson built, or several it named, each weight in its cell."""
    return figures.plot_filters(_stack(lesson, filters), _titles(labels), narrow=narrow)


def lesson_maps(
    lesson: str,
    maps: str | Sequence[str],
    zoom: Sequence[str] | None = None,
    labels: str | Sequence[str] | None = None,
    robust: bool = False,
    shared: bool = True,
    limit: str | None = None,
    crop: Sequence[str] | None = None,
    narrow: bool = False,
) -> Figure:
    """Feature maps the lesson computed, with the crop it zoomed into, if it named one.

    ``maps`` names a layer's output, or a list of names of single maps to show side by side.
    ``limit`` names the colour scale's end the lesson's own code drew with; ``crop`` names
    the rows and columns to show instead of the whole maps, as two slices.
    """
    return figures.plot_feature_maps(
        _stack(lesson, maps),
        _titles(labels),
        zoom=_zoom(lesson, zoom) if zoom else None,
        robust=robust,
        shared=shared,
        limit=float(_value(lesson, limit)) if limit else None,
        window=_zoom(lesson, crop) if crop else None,
        narrow=narrow,
    )


def lesson_pipeline(
    lesson: str,
    image: str,
    stages: Sequence[str],
    zoom: Sequence[str],
    index: int = 0,
    narrow: bool = False,
) -> Figure:
    """One filter's path through the lesson's network, zoomed where the lesson zoomed."""
    conv, relu, pooled = (_stack(lesson, name)[index] for name in stages)
    window = _zoom(lesson, zoom)
    return figures.plot_pipeline(_array(lesson, image), conv, relu, pooled, window, narrow=narrow)


def lesson_pooling_zoom(
    lesson: str, stages: Sequence[str], zoom: Sequence[str], index: int = 0, narrow: bool = False
) -> Figure:
    """The same crop of one map before and after the lesson's pooling."""
    relu, pooled = (_stack(lesson, name)[index] for name in stages)
    return figures.plot_pooling_zoom(relu, pooled, _zoom(lesson, zoom), narrow=narrow)


def lesson_output_value(
    lesson: str,
    image: str,
    kernel: str,
    products: str,
    at: Sequence[str],
    narrow: bool = False,
) -> Figure:
    """How the lesson's one output value is made, from the patch, kernel and products it used."""
    row, col = (int(_value(lesson, name)) for name in at)
    arrays = (_array(lesson, name) for name in (image, kernel, products))
    return figures.plot_output_value(*arrays, row, col, narrow=narrow)


def lesson_window_steps(
    lesson: str, image: str, kernel: str, output: str, zoom: Sequence[str]
) -> str:
    """JSON for the sliding-window step-through: a small image, a filter and what it gave.

    ``image`` is a crop of the lesson's image and ``output`` the conv map over that crop, as
    the lesson cut them; ``zoom`` names the crop's row and column slices, for its coordinates.
    The page's script steps the filter across the crop and fills in the output cell by cell.
    """
    top, _, left, _ = _zoom(lesson, zoom)
    steps = {
        "origin": [top, left],
        "levels": np.round(_array(lesson, image) * 255).astype(int).tolist(),
        "kernel": _array(lesson, kernel).astype(float).tolist(),
        "output": np.round(_array(lesson, output).astype(float), 4).tolist(),
    }
    return json.dumps(steps, separators=(",", ":")) + "\n"


def lesson_relu_curve(lesson: str, x: str, y: str) -> Figure:
    """The ReLU curve from the inputs and outputs the lesson computed."""
    return figures.plot_relu_curve(_array(lesson, x), _array(lesson, y))


def lesson_max_pool_example(lesson: str, grid: str, pooled: str) -> Figure:
    """The lesson's small max-pooling example, its winners highlighted."""
    grid_values = _array(lesson, grid).astype(int)
    return figures.plot_max_pool_example(grid_values, _array(lesson, pooled).astype(int))


def lesson_sizes(
    lesson: str,
    outputs: str,
    same: str | None = None,
    corner: int | None = None,
    narrow: bool = False,
) -> Figure:
    """One filter's output for each padding and stride the lesson tried, on one pixel scale.

    ``outputs`` names a dict from ``(padding, stride)`` to an output; ``same`` the output of
    the padding that keeps the size, 1 before and 2 after, drawn last. With ``corner``, only
    the stride-1 outputs are shown, each cropped to the bottom-right ``corner`` × ``corner``
    pixels of the largest: where padding adds its rows and columns.
    """
    tried = dict(_value(lesson, outputs))
    if corner:
        tried = {(p, s): value for (p, s), value in tried.items() if s == 1}
    maps = [_plane(_array_of(value)) for value in tried.values()]
    labels = [f"$p={p},\\ s={s}$" for p, s in tried]
    if same:
        maps.append(_plane(_array(lesson, same)))
        labels.append("$p=(1, 2),\\ s=1$")
    height, width = max(m.shape[0] for m in maps), max(m.shape[1] for m in maps)
    window = (height - corner, height, width - corner, width) if corner else None
    return figures.plot_sizes(maps, labels, window=window, narrow=narrow)


def lesson_channels(lesson: str, rgb: str, narrow: bool = False) -> Figure:
    """The colour image the lesson read, and its three channels."""
    return figures.plot_channels(_array(lesson, rgb), narrow=narrow)


def lesson_channel_sum(
    lesson: str, parts: str, bias: str, output: str, narrow: bool = False
) -> Figure:
    """One output map of the lesson's colour layer as its three channel parts plus the bias."""
    pieces = [_array_of(part) for part in _value(lesson, parts)]
    total = float(_array(lesson, bias))
    return figures.plot_channel_sum(pieces, total, _array(lesson, output), narrow=narrow)


def lesson_filter_history(
    lesson: str, history: str, steps: str, target: str, narrow: bool = False
) -> Figure:
    """The lesson's filters at each recorded step of learning, above the hand-made ones."""
    recorded = list(_value(lesson, steps))
    return figures.plot_filter_history(
        _array(lesson, history), recorded, _array(lesson, target), narrow=narrow
    )


def lesson_loss(lesson: str, losses: str, steps: str, narrow: bool = False) -> Figure:
    """The lesson's training loss, step by step."""
    return figures.plot_loss(
        list(_value(lesson, losses)), list(_value(lesson, steps)), narrow=narrow
    )


LAYER_SYMBOLS = {
    "Conv2d": "$\\star$",
    "ReLU": "$\\max(0,\\cdot)$",
    "MaxPool2d": "$\\max_{2 \\times 2}$",
    "Flatten": "$\\mathrm{vec}$",
    "Linear": "$Wx + b$",
}
"""The symbol drawn for each kind of layer in a diagram of a network."""


def lesson_cnn(lesson: str, model: str, shapes: str, narrow: bool = False) -> Figure:
    """A diagram of the lesson's network: the shapes it printed, a symbol per layer."""
    kinds = [type(layer).__name__ for layer in _value(lesson, model)]
    symbols = [LAYER_SYMBOLS[kind] for kind in kinds]
    seen = [tuple(shape) for shape in _value(lesson, shapes)]
    return figures.plot_cnn(seen, symbols, narrow=narrow)


STAGE_SYMBOLS = ("$\\star$", "$\\max(0,\\cdot)$", "$\\max_{2 \\times 2}$")
"""The symbols of a block's stages: convolution, ReLU and 2×2 max pooling."""


def lesson_examples(lesson: str, images: str, narrow: bool = False) -> Figure:
    """One image of each class the lesson drew, titled with its class number."""
    shown = _maps(_array(lesson, images))
    return figures.plot_examples(shown, [str(i) for i in range(len(shown))], narrow=narrow)


def lesson_curves(lesson: str, losses: str, accuracies: str, narrow: bool = False) -> Figure:
    """The lesson's training loss and validation accuracy, epoch by epoch."""
    return figures.plot_curves(
        list(_value(lesson, losses)), list(_value(lesson, accuracies)), narrow=narrow
    )


def lesson_filter_rows(
    lesson: str, rows: Sequence[str], labels: Sequence[str], narrow: bool = False
) -> Figure:
    """Stacks of filters the lesson holds, e.g. its learned ones above the hand-made ones."""
    stacks = [_array(lesson, name) for name in rows]
    return figures.plot_filter_rows(stacks, list(labels), narrow=narrow)


def lesson_stages(lesson: str, stages: Sequence[str], narrow: bool = False) -> Figure:
    """One image's maps after a block's convolution, ReLU and pooling, as the lesson left them."""
    maps = [_maps(_array(lesson, name)) for name in stages]
    return figures.plot_stages(maps, STAGE_SYMBOLS, narrow=narrow)


def lesson_scores(lesson: str, logits: str, probs: str, narrow: bool = False) -> Figure:
    """One image's logits and softmax probabilities, as the lesson computed them."""
    return figures.plot_scores(
        _array(lesson, logits).ravel(), _array(lesson, probs).ravel(), narrow=narrow
    )


def lesson_wrong(
    lesson: str,
    images: str,
    picks: str,
    truth: str,
    guesses: str,
    confidence: str,
    narrow: bool = False,
) -> Figure:
    """The misclassified images the lesson picked, titled "label → prediction" over the
    probability it gave its prediction."""
    labels, predicted = _array(lesson, truth), _array(lesson, guesses)
    top = _array(lesson, confidence).max(axis=1)
    titles = [f"{labels[i]} → {predicted[i]}\n{top[i]:.2f}" for i in _array(lesson, picks).tolist()]
    return figures.plot_examples(_maps(_array(lesson, images)), titles, narrow=narrow)


def lesson_thresholds(lesson: str, values: str, thresholds: str, narrow: bool = False) -> Figure:
    """Each channel's sorted ``w·x`` and its threshold ``-b``, from the lesson's network."""
    return figures.plot_thresholds(
        _array(lesson, values), _array(lesson, thresholds), narrow=narrow
    )


def lesson_network(lesson: str, model: str, images: str, labels: str, per_class: int) -> str:
    """The lesson's trained network as JSON for the page's own forward pass, with a few of its
    test images: each layer's kind and float32 weights, then the first ``per_class`` test
    images of each class, their pixels to three decimals."""
    layers: list[dict[str, Any]] = []
    for layer in _value(lesson, model).children():
        kind = type(layer).__name__
        if kind in ("Conv2d", "Linear"):
            weights = {"weight": _short(layer.weight), "bias": _short(layer.bias)}
            layers.append({"kind": "conv" if kind == "Conv2d" else "linear", **weights})
    conv1, conv2, linear = layers
    relu, pool = {"kind": "relu"}, {"kind": "pool", "size": 2}
    order = [conv1, relu, pool, conv2, relu, pool, {"kind": "flatten"}, linear]
    pictures, classes = _planes(_array(lesson, images)), _array(lesson, labels)
    picks = [
        i for k in sorted(set(classes.tolist())) for i in np.flatnonzero(classes == k)[:per_class]
    ]
    # Three decimals keep the file small; the page's pass runs on the numbers as written.
    examples = [
        {"label": int(classes[i]), "pixels": np.round(pictures[i].astype(float), 3).tolist()}
        for i in picks
    ]
    network = {"size": int(pictures.shape[-1]), "layers": order, "examples": examples}
    return json.dumps(network, separators=(",", ":")) + "\n"


def sample_file(file_name: str) -> bytes:
    """A sample's file as a lesson's notebook reads it, e.g. ``road.png``."""
    return samples.sample_file(file_name)


def input_image(sample: str | None = None, path: str | None = None, narrow: bool = False) -> Figure:
    """The grayscale input on its [0, 1] scale, for the gallery."""
    return figures.plot_image(_load(sample, path), narrow=narrow)


def feature_maps(
    stage: str,
    filters: str = "lesson",
    sample: str | None = None,
    path: str | None = None,
    narrow: bool = False,
) -> Figure:
    """One stage's feature maps for every filter of a named stack, for the gallery.

    A photo's maps are scaled robustly, so its fine detail shows; a drawn scene's by the peak.
    """
    source = path or sample or "image"
    stages = layers.run(_load(sample, path), FILTER_SETS[filters], source=source)
    photo = path is not None or samples.sample_path(sample) is not None
    labels = FILTER_LABELS.get(filters)
    maps = getattr(stages, stage)
    return figures.plot_feature_maps(maps, labels, robust=photo, narrow=narrow)


def thumbnail(sample: str | None = None, path: str | None = None) -> Figure:
    """A small bare view of the input, for the gallery's index."""
    return figures.plot_thumbnail(_load(sample, path))


def stats_rows(
    stage: str | None = None,
    filters: str = "lesson",
    sample: str | None = None,
    path: str | None = None,
) -> str:
    """Markdown table rows: the shape, minimum and maximum of a stage's map for each filter.

    With no ``stage``, the input and every stage are listed, after the file as it is
    (``original``) when loading shrank it.
    """
    image = _load(sample, path)
    stages = layers.run(image, FILTER_SETS[filters], source=path or sample or "image")
    lines = [] if stage else [*_original_row(sample, path, image), _stat_row("input", "", image)]
    for name in [stage] if stage else STAGES:
        for number, feature_map in enumerate(getattr(stages, name), start=1):
            lines.append(_stat_row(name, f"f{number}", feature_map))
    return "".join(lines)


def gray_bytes(sample: str) -> bytes:
    """The sample's pixels at full size as raw 8-bit values, row by row, for the playground."""
    image = samples.load_sample(sample)
    return np.round(image * 255).astype(np.uint8).tobytes()


def sample_manifest() -> str:
    """JSON naming each sample with its full height and width, for the playground."""
    shapes = {name: list(samples.load_sample(name).shape) for name in samples.sample_names()}
    return json.dumps(shapes, indent=1) + "\n"


def preset_kernels() -> str:
    """JSON of every named kernel as rows of float32 values, for the playground's presets."""
    rows = {name: kernel.tolist() for name, kernel in PRESETS.items()}  # float32 -> float, exact
    return json.dumps(rows, separators=(",", ":")) + "\n"


_runs: dict[str, tuple[str, bool, lessons.LessonRun]] = {}  # by lesson: digest, recorded, run


def _run(lesson: str, *, record: bool = False) -> lessons.LessonRun:
    """The run of a lesson's code, made once per process for each version of its source.

    However many of its figures are drawn, the lesson runs once, and its namespace is only ever
    read. Only the latest version is kept, so a server that reruns an edited lesson all day
    holds one run of it, not one per edit. A run that recorded what its cells drew with pyplot
    serves a later call without ``record`` too, so a process that wants both (as the tests do)
    trains a lesson's networks once.

    Args:
        lesson: The lesson's name.
        record: Keep what each cell drew (:attr:`cnnviz.lessons.LessonRun.drawn`).
    """
    digest = lessons.sources_digest(lessons.read_lesson(lesson))
    kept = _runs.get(lesson)
    if kept is None or kept[0] != digest or (record and not kept[1]):
        _runs.pop(lesson, None)  # the old run is freed before the new one is made
        parsed = lessons.read_lesson(lesson)
        files = {name: samples.sample_file(name) for name in parsed.files()}
        _runs[lesson] = (digest, record, lessons.run_lesson(parsed, files, record=record))
    return _runs[lesson][2]


def _value(lesson: str, name: str) -> Any:
    namespace = _run(lesson).namespace
    if name not in namespace:
        raise KeyError(f"lesson {lesson!r} defines no {name!r}")
    return namespace[name]


def _array(lesson: str, name: str) -> NDArray[Any]:
    """A name the lesson defined, as a numpy array."""
    return _array_of(_value(lesson, name))


def _array_of(value: Any) -> NDArray[Any]:
    detach = getattr(value, "detach", None)  # a torch tensor
    return np.asarray(detach().numpy() if detach else value)


def _maps(values: NDArray[Any]) -> NDArray[Any]:
    """A layer's output as ``(N, h, w)``: the first image of a ``(B, N, h, w)`` batch."""
    return values[0] if values.ndim == 4 else values


def _short(tensor: Any) -> list[Any]:
    """A float32 tensor as nested lists of the shortest decimals that read back as the same
    float32 values (``0.1`` rather than ``0.10000000149011612``)."""
    values = _array_of(tensor).astype(np.float32)
    return np.array([float(str(v)) for v in values.ravel()]).reshape(values.shape).tolist()


def _planes(values: NDArray[Any]) -> NDArray[Any]:
    """A batch of one-channel images ``(B, 1, h, w)`` as ``(B, h, w)``."""
    return values.reshape(-1, *values.shape[-2:])


def _plane(values: NDArray[Any]) -> NDArray[Any]:
    """One map as ``(h, w)``, without the batch and channel axes of a one-map output."""
    return values.reshape(values.shape[-2:])


def _stack(lesson: str, names: str | Sequence[str]) -> NDArray[Any]:
    """``(N, h, w)`` maps: a layer's output by its name, or single maps by theirs."""
    if isinstance(names, str):
        values = _maps(_array(lesson, names))
        return values if values.ndim == 3 else values[None]
    return np.stack([_plane(_array(lesson, name)) for name in names])


def _titles(labels: str | Sequence[str] | None) -> list[str] | None:
    """Panel titles: given as a list, or by the name of a filter stack (``"sobel"``)."""
    if labels is None or not isinstance(labels, str):
        return None if labels is None else list(labels)
    return FILTER_LABELS[labels]


def _zoom(lesson: str, names: Sequence[str]) -> figures.Zoom:
    """The crop a lesson names by two slices, its rows and its columns."""
    rows, cols = (_value(lesson, name) for name in names)
    return rows.start, rows.stop, cols.start, cols.stop


def _load(sample: str | None, path: str | None) -> NDArray[np.float32]:
    if sample is not None:
        return samples.load_sample(sample)
    if path is None:
        raise ValueError("a recipe needs either a sample or a path")
    return load_gray(path)


def _original_row(sample: str | None, path: str | None, image: NDArray[np.floating]) -> list[str]:
    """The row of the image at its file's size, if loading shrank it to fit ``MAX_SIDE``."""
    file = path if sample is None else samples.sample_path(sample)
    if file is None:  # a drawn sample, made at its size
        return []
    size = image_size(file)  # its header alone: most files are not shrunk
    if max(size.width, size.height) <= MAX_SIDE:
        return []
    return [_stat_row("original", "", load_gray(file, max_side=sys.maxsize))]


def _stat_row(stage: str, label: str, values: NDArray[np.floating]) -> str:
    return (
        f"| `{stage}` | {label} | `{tuple(values.shape)}` | "
        f"{values.min():.4f} | {values.max():.4f} |\n"
    )

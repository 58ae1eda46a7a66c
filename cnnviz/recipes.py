"""What each figure and printed output on the site is made of: compute, then draw or format.

Every public function here is a recipe that :mod:`cnnviz.jobs` can cache. It takes JSON-like
parameters, and returns a :class:`~matplotlib.figure.Figure` (saved as PNG), a ``str``
(written as UTF-8 text) or ``bytes`` (written as they are). None of them touches the disk
except to read its input image. An input is either ``sample``, the name of a sample image, or
``path``, an image file.
"""

from __future__ import annotations

import json

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from . import figures, layers, samples
from .images import load_gray
from .kernels import BOX_BLUR, FILTER_SETS, LAPLACIAN, LESSON_FILTERS, PRESETS, weight_from

MAX_POOL_EXAMPLE = np.array([[1, 3, 2, 0], [5, 2, 1, 4], [0, 1, 8, 6], [2, 7, 3, 5]])
"""The 4×4 grid of the worked max-pooling example; its 2×2 maxima are 5, 4, 7 and 8."""

STAGES = ("conv", "relu", "pooled")

_LABELS = {"lesson": None, "sobel": ["$G_x$", "$G_y$"]}


# --8<-- [start:input_image]
def input_image(sample: str | None = None, path: str | None = None) -> Figure:
    """The grayscale input on its [0, 1] scale."""
    return figures.plot_image(_load(sample, path))
    # --8<-- [end:input_image]


# --8<-- [start:filter_bank]
def filter_bank(filters: str = "lesson") -> Figure:
    """A named stack of filters, each weight written in its cell."""
    return figures.plot_filters(FILTER_SETS[filters], _LABELS[filters])
    # --8<-- [end:filter_bank]


# --8<-- [start:feature_maps]
def feature_maps(
    stage: str, filters: str = "lesson", sample: str | None = None, path: str | None = None
) -> Figure:
    """One stage's feature maps for every filter of a named stack.

    A photo's maps are scaled robustly, so its fine detail shows; a drawn scene's by the peak.
    """
    source = path or sample or "image"
    stages = layers.run(_load(sample, path), FILTER_SETS[filters], source=source)
    photo = path is not None or samples.sample_path(sample) is not None
    return figures.plot_feature_maps(getattr(stages, stage), stage, _LABELS[filters], robust=photo)
    # --8<-- [end:feature_maps]


# --8<-- [start:output_value]
def output_value(sample: str, index: int = 0) -> Figure:
    """How the strongest output of one lesson filter is made, as patch ⊙ kernel → Σ."""
    image = _load(sample, None)
    conv = layers.run(image, LESSON_FILTERS).conv[index]  # (H-3, W-3)
    row, col = np.unravel_index(np.argmax(conv), conv.shape)
    return figures.plot_output_value(image, LESSON_FILTERS[index], int(row), int(col))
    # --8<-- [end:output_value]


# --8<-- [start:pipeline_strip]
def pipeline_strip(sample: str, index: int = 0) -> Figure:
    """One lesson filter's path through the network, from input to pooled map."""
    image = _load(sample, None)
    stages = layers.run(image, LESSON_FILTERS)
    return figures.plot_pipeline(
        image, stages.conv[index], stages.relu[index], stages.pooled[index]
    )
    # --8<-- [end:pipeline_strip]


# --8<-- [start:thumbnail]
def thumbnail(sample: str | None = None, path: str | None = None) -> Figure:
    """A small bare view of the input, for the gallery's index."""
    return figures.plot_thumbnail(_load(sample, path))
    # --8<-- [end:thumbnail]


# --8<-- [start:relu_curve]
def relu_curve() -> Figure:
    """The ReLU function on [-3, 3]."""
    return figures.plot_relu_curve()
    # --8<-- [end:relu_curve]


# --8<-- [start:max_pool_example]
def max_pool_example() -> Figure:
    """The worked 2×2 max pooling of :data:`MAX_POOL_EXAMPLE`."""
    return figures.plot_max_pool_example(MAX_POOL_EXAMPLE, layers.max_pool2d(MAX_POOL_EXAMPLE))
    # --8<-- [end:max_pool_example]


# --8<-- [start:blur_then_edges]
def blur_then_edges(sample: str) -> Figure:
    """The Laplacian of the image beside the Laplacian of the blurred image."""
    image = _load(sample, None)
    edges = layers.run(image, LAPLACIAN).conv[0]  # (H-2, W-2)
    blurred = layers.run(image, BOX_BLUR).conv[0]  # (H-2, W-2)
    edges_of_blurred = layers.run(blurred, LAPLACIAN).conv[0]  # (H-4, W-4)
    maps = np.stack([edges[1:-1, 1:-1], edges_of_blurred])  # both (H-4, W-4), aligned
    labels = [r"$x \star L$", r"$(x \star B) \star L$"]
    return figures.plot_feature_maps(maps, "conv", labels, robust=True)
    # --8<-- [end:blur_then_edges]


# --8<-- [start:net_repr]
def net_repr() -> str:
    """What ``print(Net(weight_from(LESSON_FILTERS)))`` prints."""
    return repr(layers.Net(weight_from(LESSON_FILTERS))) + "\n"
    # --8<-- [end:net_repr]


# --8<-- [start:pipeline_rows]
def pipeline_rows(sample: str | None = None, path: str | None = None) -> str:
    """Markdown table rows: each stage's array shape, input first."""
    image = _load(sample, path)
    stages = layers.run(image, LESSON_FILTERS, source=path or sample or "image")
    rows = [("input", image)] + [(name, getattr(stages, name)) for name in STAGES]
    return "".join(f"| `{name}` | `{tuple(array.shape)}` |\n" for name, array in rows)
    # --8<-- [end:pipeline_rows]


# --8<-- [start:image_rows]
def image_rows(sample: str | None = None, path: str | None = None) -> str:
    """A Markdown table row: the loaded image's shape, dtype, minimum and maximum."""
    image = _load(sample, path)
    return f"| `{tuple(image.shape)}` | `{image.dtype}` | {image.min():.4f} | {image.max():.4f} |\n"
    # --8<-- [end:image_rows]


# --8<-- [start:stats_rows]
def stats_rows(
    stage: str | None = None,
    filters: str = "lesson",
    sample: str | None = None,
    path: str | None = None,
) -> str:
    """Markdown table rows: the shape, minimum and maximum of a stage's map for each filter.

    With no ``stage``, the input and every stage are listed.
    """
    image = _load(sample, path)
    stages = layers.run(image, FILTER_SETS[filters], source=path or sample or "image")
    lines = [] if stage else [_stat_row("input", "", image)]
    for name in [stage] if stage else STAGES:
        for number, feature_map in enumerate(getattr(stages, name), start=1):
            lines.append(_stat_row(name, f"f{number}", feature_map))
    return "".join(lines)
    # --8<-- [end:stats_rows]


# --8<-- [start:gray_bytes]
def gray_bytes(sample: str) -> bytes:
    """The sample's pixels at full size as raw 8-bit values, row by row, for the playground."""
    image = samples.load_sample(sample)
    return np.round(image * 255).astype(np.uint8).tobytes()
    # --8<-- [end:gray_bytes]


# --8<-- [start:sample_manifest]
def sample_manifest() -> str:
    """JSON naming each sample with its full height and width, for the playground."""
    shapes = {name: list(samples.load_sample(name).shape) for name in samples.sample_names()}
    return json.dumps(shapes, indent=1) + "\n"
    # --8<-- [end:sample_manifest]


# --8<-- [start:preset_kernels]
def preset_kernels() -> str:
    """JSON of every named kernel as rows of float32 values, for the playground's presets."""
    rows = {name: kernel.tolist() for name, kernel in PRESETS.items()}  # float32 -> float, exact
    return json.dumps(rows, separators=(",", ":")) + "\n"
    # --8<-- [end:preset_kernels]


def _load(sample: str | None, path: str | None) -> NDArray[np.float32]:
    if sample is not None:
        return samples.load_sample(sample)
    if path is None:
        raise ValueError("a recipe needs either a sample or a path")
    return load_gray(path)


def _stat_row(stage: str, label: str, values: NDArray[np.floating]) -> str:
    return (
        f"| `{stage}` | {label} | `{tuple(values.shape)}` | "
        f"{values.min():.4f} | {values.max():.4f} |\n"
    )

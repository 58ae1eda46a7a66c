"""Build the lesson's figures as matplotlib Figures: no pyplot, no global state, no files.

Every function takes arrays and returns a :class:`~matplotlib.figure.Figure`; saving is
:mod:`cnnviz.store`'s job. Figures carry numbers and symbols only, never words, so one image
serves every language, and they sit on an opaque white background, so they stay legible on a
dark page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

WIDTH = 7.2
"""Figure width in inches; at :data:`cnnviz.store.DPI` it fits the page's text column."""

STAGE_CMAPS = {"conv": "RdBu_r", "relu": "gray", "pooled": "gray"}
"""Colormap per stage: diverging before ReLU, so the sign shows; gray after it."""

_WINNER = "#f4a300"


def plot_image(image: NDArray[np.floating]) -> Figure:
    """Show a grayscale image on its [0, 1] scale, with pixel axes and a colorbar.

    Args:
        image: An ``(H, W)`` array with values in [0, 1].

    Returns:
        A figure with one image axes and one colorbar.
    """
    height, width = image.shape
    scale = min(WIDTH * 0.7 / width, 3.6 / height)  # inches per pixel: fit 5 in × 3.6 in
    fig = Figure(figsize=(width * scale + 0.9, height * scale + 0.3), layout="constrained")
    ax = fig.add_subplot()
    shown = ax.imshow(
        image, cmap="gray", vmin=0, vmax=1, interpolation="antialiased", interpolation_stage="data"
    )
    fig.colorbar(shown, ax=ax, shrink=0.9)
    return fig


def plot_filters(filters: NDArray[np.floating], labels: Sequence[str] | None = None) -> Figure:
    """Draw each filter as a grid of cells with its weight written inside.

    Negative cells are dark with white text; zero and positive cells are light with black text.

    Args:
        filters: A ``(N, kh, kw)`` stack of filters.
        labels: A title per filter, e.g. ``["$f_1$", ...]``; by default ``f1`` to ``fN``.

    Returns:
        A figure with one axes per filter.
    """
    filters = np.asarray(filters, dtype=np.float64)
    limit = float(np.abs(filters).max()) or 1.0
    axes = _axes_row(len(filters), height=WIDTH / max(len(filters), 3) + 0.4)
    for ax, kernel, label in zip(axes, filters, _labels(labels, len(filters)), strict=True):
        ax.imshow(kernel, cmap="gray", vmin=-limit, vmax=limit)
        _write_cells(ax, kernel, colors=np.where(kernel < 0, "white", "black"))
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
    return axes[0].figure


def plot_feature_maps(
    maps: NDArray[np.floating],
    stage: str,
    labels: Sequence[str] | None = None,
    *,
    robust: bool = False,
) -> Figure:
    """Show one stage's feature maps, one panel per filter, on a shared scale and colorbar.

    ``conv`` maps use a diverging colormap centred on 0, so negative answers stay visible;
    ``relu`` and ``pooled`` maps use gray from 0. Each panel keeps its pixel axes, so the
    halving by the pooling can be read off the ticks.

    Args:
        maps: A ``(N, h, w)`` stack of feature maps.
        stage: ``"conv"``, ``"relu"`` or ``"pooled"``.
        labels: A title per map; by default ``f1`` to ``fN``.
        robust: Scale colours to the 99.5th percentile of ``|maps|`` instead of the maximum,
            so a photo's fine detail shows; the colorbar's arrows mark the clipped values.

    Returns:
        A figure with one axes per map and one colorbar.
    """
    if stage not in STAGE_CMAPS:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGE_CMAPS)}")
    count, height, width = maps.shape
    peak = float(np.abs(maps).max()) or 1.0
    limit = (float(np.percentile(np.abs(maps), 99.5)) or peak) if robust else peak
    vmin = -limit if stage == "conv" else 0.0
    columns = _columns(count, height / width)
    rows = -(-count // columns)
    fig = Figure(
        figsize=(WIDTH + 0.8, rows * (WIDTH / columns) * height / width + 0.45 * rows),
        layout="constrained",
    )
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, feature_map, label in zip(axes, maps, _labels(labels, count), strict=False):
        shown = ax.imshow(
            feature_map,
            cmap=STAGE_CMAPS[stage],
            vmin=vmin,
            vmax=limit,
            interpolation="antialiased",
            interpolation_stage="data",
        )
        ax.set_title(label)
    for ax in axes[count:]:
        ax.set_axis_off()
    extend = ("both" if stage == "conv" else "max") if limit < peak else "neither"
    fig.colorbar(shown, ax=axes[:count].tolist(), shrink=0.9, extend=extend)
    return fig


def plot_pipeline(
    image: NDArray[np.floating],
    conv: NDArray[np.floating],
    relu: NDArray[np.floating],
    pooled: NDArray[np.floating],
) -> Figure:
    """Show one filter's path through the network: input, conv, ReLU and pooled, in a row.

    Args:
        image: The ``(H, W)`` input.
        conv: That filter's conv map, ``(H-kh+1, W-kw+1)``.
        relu: The same map after ReLU.
        pooled: The map after 2×2 max pooling.

    Returns:
        A figure with four image axes whose tick labels give each array's size.
    """
    limit = float(np.abs(conv).max()) or 1.0
    height, width = image.shape
    fig = Figure(
        figsize=(WIDTH + 0.8, (WIDTH + 0.8) / 4 * height / width + 0.5), layout="constrained"
    )
    panels = zip(
        fig.subplots(1, 4),
        (image, conv, relu, pooled),
        ("$x$", "$x \\star f_1$", "$\\max(0,\\, \\cdot)$", "$\\max_{2 \\times 2}$"),
        (("gray", 0.0, 1.0), ("RdBu_r", -limit, limit), ("gray", 0.0, limit), ("gray", 0.0, limit)),
        strict=True,
    )
    for ax, values, label, (cmap, vmin, vmax) in panels:
        ax.imshow(
            values,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            interpolation="antialiased",
            interpolation_stage="data",
        )
        ax.set_title(label)
    return fig


def plot_thumbnail(image: NDArray[np.floating]) -> Figure:
    """Show a grayscale image small and bare, for the gallery's index.

    Args:
        image: An ``(H, W)`` array with values in [0, 1].

    Returns:
        A figure with one axes and no ticks, about 200 px on its longer side.
    """
    height, width = image.shape
    scale = 1.8 / max(height, width)
    fig = Figure(figsize=(width * scale, height * scale))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(
        image, cmap="gray", vmin=0, vmax=1, interpolation="antialiased", interpolation_stage="data"
    )
    ax.set_axis_off()
    return fig


def plot_relu_curve() -> Figure:
    """Plot ``y = max(0, x)`` on [-3, 3].

    Returns:
        A figure with one axes holding one line.
    """
    fig = Figure(figsize=(WIDTH * 0.55, WIDTH * 0.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.linspace(-3, 3, 121)
    ax.plot(x, np.maximum(x, 0), color="#c0392b", linewidth=2.5)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.set_xlabel("$x$")
    ax.set_ylabel(r"$\mathrm{ReLU}(x) = \max(0,\, x)$")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    return fig


def plot_max_pool_example(grid: NDArray[np.integer], pooled: NDArray[np.integer]) -> Figure:
    """Work a 2×2, stride-2 max pooling on a small integer grid, winners highlighted.

    Args:
        grid: An ``(H, W)`` array of small integers, with even H and W.
        pooled: The ``(H/2, W/2)`` result of pooling ``grid``.

    Returns:
        A figure with three axes: the grid with its 2×2 blocks, an arrow, and the result.
    """
    winners = grid == np.kron(pooled, np.ones((2, 2), dtype=grid.dtype))
    fig = Figure(figsize=(WIDTH * 0.75, WIDTH * 0.34), layout="constrained")
    left, middle, right = fig.subplots(1, 3, width_ratios=[grid.shape[1], 1, pooled.shape[1]])
    _draw_grid(left, grid, fill=np.where(winners, _WINNER, "white"))
    for row in range(0, grid.shape[0], 2):
        for col in range(0, grid.shape[1], 2):
            left.add_patch(_outline(row, col, 2))
    _draw_grid(right, pooled, fill=np.full(pooled.shape, _WINNER))
    middle.text(0.5, 0.5, "→", fontsize=26, ha="center", va="center")
    middle.set_axis_off()
    return fig


def plot_output_value(
    image: NDArray[np.floating], kernel: NDArray[np.floating], row: int, col: int
) -> Figure:
    """Show how one output value is made: patch ⊙ kernel, the products, and their sum Σ.

    Args:
        image: The ``(H, W)`` input image.
        kernel: A ``(kh, kw)`` filter.
        row: Top row of the patch, which is also the output row.
        col: Left column of the patch, which is also the output column.

    Returns:
        A figure with four axes: the image with the patch marked, the patch, the kernel and
        the products, whose x label reads ``Σ = <value>``: the output at (row, col).
    """
    k_height, k_width = kernel.shape
    patch = np.asarray(image[row : row + k_height, col : col + k_width], dtype=np.float64)
    products = patch * kernel
    fig = Figure(figsize=(WIDTH + 0.8, WIDTH * 0.3), layout="constrained")
    where, *cells = fig.subplots(1, 4, width_ratios=[1.6, 1, 1, 1])
    where.imshow(
        image, cmap="gray", vmin=0, vmax=1, interpolation="antialiased", interpolation_stage="data"
    )
    where.add_patch(Rectangle((col - 0.5, row - 0.5), k_width, k_height, fill=False, color=_WINNER))
    where.set_xticks([])
    where.set_yticks([])
    limit = float(np.abs(products).max()) or 1.0
    for ax, values, cmap, vmin in zip(
        cells,
        (patch, kernel, products),
        ("gray", "gray", "RdBu_r"),
        (0.0, -float(np.abs(kernel).max()), -limit),
        strict=True,
    ):
        ax.imshow(values, cmap=cmap, vmin=vmin, vmax=-vmin if vmin else 1.0)
        _write_cells(ax, values, colors=_contrast(values, cmap, vmin))
        ax.set_xticks([])
        ax.set_yticks([])
    cells[0].set_title("$x$")
    cells[1].set_title("$w$")
    cells[2].set_title(r"$x \odot w$")
    cells[2].set_xlabel(f"Σ = {products.sum():.3f}", fontsize=13)
    return fig


def _columns(count: int, aspect: float) -> int:
    """Panels per row: a row of tall or square maps, or rows of two or three wide ones."""
    if count <= 2 or (count <= 4 and aspect >= 0.75):
        return count
    return 2 if count == 4 else min(count, 4 if aspect >= 0.75 else 3)


def _axes_row(count: int, height: float) -> list[Axes]:
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    return list(fig.subplots(1, count, squeeze=False).ravel())


def _labels(labels: Sequence[str] | None, count: int) -> list[str]:
    return list(labels) if labels is not None else [f"$f_{{{i + 1}}}$" for i in range(count)]


def _write_cells(ax: Axes, values: NDArray[np.floating], colors: NDArray[np.str_]) -> None:
    size = 9 if max(values.shape) > 5 else 11
    for (row, col), value in np.ndenumerate(values):
        ax.text(
            col,
            row,
            _number(value),
            ha="center",
            va="center",
            color=colors[row, col],
            fontsize=size,
        )


def _number(value: float) -> str:
    rounded = round(float(value), 2)
    text = f"{rounded:g}" if rounded != int(rounded) else f"{int(rounded)}"
    return text.replace("-", "−")  # a true minus sign, as matplotlib's tick labels use


def _contrast(values: NDArray[np.floating], cmap: str, vmin: float) -> NDArray[np.str_]:
    """Pick white text on dark cells and black on light ones, for a given colormap."""
    if cmap == "gray":
        middle = (vmin + (-vmin if vmin else 1.0)) / 2
        return np.where(values < middle, "white", "black")
    strong = np.abs(values) > 0.6 * (-vmin)
    return np.where(strong, "white", "black")


def _draw_grid(ax: Axes, values: NDArray[np.integer], fill: NDArray[np.str_]) -> None:
    for (row, col), value in np.ndenumerate(values):
        ax.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5),
                1,
                1,
                facecolor=fill[row, col],
                edgecolor="0.55",
                linewidth=1,
            )
        )
        ax.text(col, row, f"{value}", ha="center", va="center", fontsize=14)
    ax.set_xlim(-0.5, values.shape[1] - 0.5)
    ax.set_ylim(values.shape[0] - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _outline(row: int, col: int, size: int) -> Rectangle:
    return Rectangle(
        (col - 0.5, row - 0.5), size, size, fill=False, edgecolor="black", linewidth=2.5
    )

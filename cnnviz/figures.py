"""Build the lesson's figures as matplotlib Figures: no pyplot, no global state, no files.

Every function takes arrays and returns a :class:`~matplotlib.figure.Figure`; saving is
:mod:`cnnviz.store`'s job. Figures carry numbers and symbols only, never words, so one image
serves every language, and they sit on an opaque white background, so they stay legible on a
dark page.

One colour convention holds everywhere a value can be signed, filters and feature maps alike:
:data:`SIGNED`, white at 0, red for positive and blue for negative, on a range symmetric about
0. Each image is drawn at its own pixel coordinates, so a zoomed crop keeps the row and column
numbers of the map it comes from. Figures with several panels have a narrow layout for phones
(``narrow=True``): one or two columns, at a width where the tick labels stay readable.

Grids of image panels are placed by :class:`cnnviz.layout.Grid`, from margins known before the
draw; a figure of another shape (a curve, a diagram, panels of mixed sizes) by matplotlib's
constrained layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

from . import layout

WIDTH = 7.2
"""Figure width in inches; at :data:`cnnviz.store.DPI` it fits the page's text column."""

NARROW = 4.0
"""Figure width in inches of a narrow layout, for screens below about 600 px."""

SIGNED = "RdBu_r"
"""The colormap of every signed value: blue below 0, white at 0, red above."""

Zoom = tuple[int, int, int, int]
"""A crop as ``(first row, end row, first column, end column)``, ends excluded."""

_WINNER = "#f4a300"
_MARK = "#111111"


def plot_image(image: NDArray[np.floating], *, narrow: bool = False) -> Figure:
    """Show a grayscale image on its [0, 1] scale, with pixel axes and a colorbar.

    Args:
        image: An ``(H, W)`` array with values in [0, 1].
        narrow: Drawn smaller, so that its numbers stay readable on a phone's screen.

    Returns:
        A figure with one image axes and one colorbar.
    """
    height, width = image.shape
    room = (NARROW - 0.9, 3.0) if narrow else (WIDTH * 0.7, 3.6)  # inches for the image
    scale = min(room[0] / width, room[1] / height)  # inches per pixel
    grid = layout.Grid(0.0, 1, height / width, ticks=(height - 1, width - 1), bars="all")
    bands, scales = [layout.Band(1)], [(0.0, 1.0)]
    fig, ((ax,),), (bar,) = grid.around(width * scale, bands, scales).place(bands, scales)
    bar.show(fig, _show(ax, image, "gray", 1.0, low=0.0))
    return fig


def plot_filters(
    filters: NDArray[np.floating], labels: Sequence[str] | None = None, *, narrow: bool = False
) -> Figure:
    """Draw each filter as a grid of cells in the signed colours, its weight written inside.

    Args:
        filters: A ``(N, kh, kw)`` stack of filters.
        labels: A title per filter, e.g. ``["$f_1$", ...]``; by default ``f1`` to ``fN``.
        narrow: Two filters per row instead of all in one row.

    Returns:
        A figure with one axes per filter.
    """
    filters = np.asarray(filters, dtype=np.float64)
    count = len(filters)
    columns = min(count, 2) if narrow else count
    side = NARROW / columns if narrow else WIDTH / max(columns, 3)
    height, width = filters.shape[1:]
    fig, (axes,), _ = layout.Grid(
        side * columns, columns, height / width, title=layout.TITLE_SIZE
    ).place([layout.Band(count)])
    limit = 1.5 * (float(np.abs(filters).max()) or 1.0)  # the strongest weight: a clear colour
    for ax, kernel, label in zip(axes, filters, _labels(labels, count), strict=True):
        _show(ax, kernel, SIGNED, limit)
        _write_cells(ax, kernel)
        _title(ax, label)
        _bare(ax)
    return fig


def plot_feature_maps(
    maps: NDArray[np.floating],
    labels: Sequence[str] | None = None,
    *,
    zoom: Zoom | None = None,
    robust: bool = False,
    narrow: bool = False,
    shared: bool = True,
    limit: float | None = None,
    window: Zoom | None = None,
) -> Figure:
    """Show one stage's feature maps, one panel per filter, on one shared signed scale.

    Each panel keeps its pixel axes, so the halving by the pooling can be read off the ticks.
    With ``zoom``, every map gets a second panel with that crop enlarged, and the crop is
    outlined on the whole map: a thin line that is lost on the whole map shows there.

    Args:
        maps: A ``(N, h, w)`` stack of feature maps.
        labels: A title per map; by default ``f1`` to ``fN``.
        zoom: A crop to enlarge beside each map, in the maps' own pixel coordinates.
        robust: Scale colours to the 99.5th percentile of ``|maps|`` instead of the maximum,
            so a photo's fine detail shows; the colorbar's arrows mark the clipped values.
        narrow: One map (and its crop) per row, for a phone's screen.
        shared: One scale for every map; if false, each map is scaled on its own and gets its
            own colorbar, to compare the maps' structure rather than their size. Maps with a
            zoom always share one.
        limit: The shared scale's end, ``[-limit, limit]``, as the lesson's own code chose it.
        window: Show only this crop of every map, at its own coordinates: noise drawn below
            one screen pixel per value shows a grid and lines that are not in the data.

    Returns:
        A figure with one axes per map (two with ``zoom``) and one colorbar, or one per map.

    Raises:
        ValueError: A zoom with ``shared=False``.
    """
    origin = (0, 0) if window is None else _corner(window)
    maps = maps if window is None else maps[:, window[0] : window[1], window[2] : window[3]]
    limit = _limit(maps, robust) if limit is None else limit
    if zoom is None:
        return _plain_maps(maps, _labels(labels, len(maps)), origin, limit, robust, narrow, shared)
    if not shared:
        raise ValueError("maps with a zoom share one scale: their crops are compared by colour")
    count = len(maps)
    grid = _maps_grid(maps, origin, narrow, 1 if narrow else 2)
    crop_aspect = (zoom[1] - zoom[0]) / (zoom[3] - zoom[2])
    fig, pairs, bar = grid.pairs(count, crop_aspect, (-limit, limit), beside=narrow)
    for (whole, crop), feature_map, label in zip(pairs, maps, _labels(labels, count), strict=True):
        shown = _show(whole, feature_map, SIGNED, limit, origin)
        _title(whole, label)
        _outline(whole, zoom)
        _show(crop, _crop(feature_map, zoom), SIGNED, limit, _corner(zoom))
        _title(crop, label)
    bar.show(fig, shown, _extend(maps, limit))
    return fig


def _plain_maps(
    maps: NDArray[np.floating],
    labels: Sequence[str],
    origin: tuple[int, int],
    limit: float,
    robust: bool,
    narrow: bool,
    shared: bool,
) -> Figure:
    """Maps without a zoom, laid out by :class:`cnnviz.layout.Grid`: see plot_feature_maps.

    On a phone, maps that each need a colour bar of their own go one to a row.
    """
    count, height, width = maps.shape
    aspect = height / width
    columns = (1 if aspect < 0.75 or not shared else 2) if narrow else _columns(count, aspect)
    limits = [limit if shared else _limit(feature_map, robust) for feature_map in maps]
    grid = _maps_grid(maps, origin, narrow, columns, "all" if shared else "panel")
    fig, (axes,), bars = grid.place([layout.Band(count)], _signed(limits))
    shown = [
        _show(ax, feature_map, SIGNED, own, origin)
        for ax, feature_map, own in zip(axes, maps, limits, strict=True)
    ]
    for ax, label in zip(axes, labels, strict=True):
        _title(ax, label)
    if shared:
        bars[0].show(fig, shown[-1], _extend(maps, limit))
    else:  # a bar per map
        for bar, image, feature_map, own in zip(bars, shown, maps, limits, strict=True):
            bar.show(fig, image, _extend(feature_map, own))
    return fig


def _maps_grid(
    maps: NDArray[np.floating],
    origin: tuple[int, int],
    narrow: bool,
    columns: int,
    bars: str | None = None,
) -> layout.Grid:
    """The grid of a stack of maps: titled panels with pixel axes from ``origin``."""
    _, height, width = maps.shape
    return layout.Grid(
        NARROW + 0.6 if narrow else WIDTH + 0.8,
        columns,
        height / width,
        ticks=(origin[0] + height - 1, origin[1] + width - 1),
        title=layout.TITLE_SIZE,
        bars=bars,
    )


def plot_pipeline(
    image: NDArray[np.floating],
    conv: NDArray[np.floating],
    relu: NDArray[np.floating],
    pooled: NDArray[np.floating],
    zoom: Zoom,
    *,
    narrow: bool = False,
) -> Figure:
    """Show one filter's path through the network, zoomed in where its answers are.

    The first panel is the whole input with the crop outlined; the others show that crop after
    the convolution, after ReLU and after 2×2 max pooling, on one signed scale, so the sign is
    visible at every stage and the pooled crop is half the size.

    Args:
        image: The ``(H, W)`` input.
        conv: That filter's conv map.
        relu: The same map after ReLU.
        pooled: The map after 2×2 max pooling.
        zoom: The crop, in the conv map's coordinates; even bounds keep pooling aligned.
        narrow: Two panels per row instead of four.

    Returns:
        A figure with four image axes and a colorbar for the three maps.
    """
    half = _halved(zoom)
    crops = [
        (_crop(conv, zoom), _corner(zoom), "$x \\star f_1$"),
        (_crop(relu, zoom), _corner(zoom), "$\\max(0,\\, \\cdot)$"),
        (_crop(pooled, half), _corner(half), "$\\max_{2 \\times 2}$"),
    ]
    limit = float(np.abs(crops[0][0]).max()) or 1.0
    fig, axes = _pipeline_grid(image.shape[0] / image.shape[1], narrow)
    _show(axes[0], image, "gray", 1.0, low=0.0)
    _outline(axes[0], zoom, bold=True)
    _title(axes[0], "$x$")
    for ax, (values, origin, label) in zip(axes[1:], crops, strict=True):
        shown = _show(ax, values, SIGNED, limit, origin)
        _title(ax, label)
    fig.colorbar(shown, ax=list(axes[1:]), shrink=0.9)
    return fig


def _pipeline_grid(aspect: float, narrow: bool) -> tuple[Figure, list[Axes]]:
    """The input large, then the three crops side by side; on a phone the input has a row of its
    own and the crops come two to a row, so each is about half the screen wide."""
    if narrow:
        panel = (NARROW - 0.9) / 2
        fig = Figure(figsize=(NARROW, NARROW * aspect + 2 * panel + 0.6), layout="constrained")
        grid = fig.add_gridspec(3, 2, height_ratios=[(NARROW - 0.5) * aspect, panel, panel])
        cells = [grid[1, 0], grid[1, 1], grid[2, 0]]
        return fig, [fig.add_subplot(grid[0, :]), *(fig.add_subplot(cell) for cell in cells)]
    width, wide = WIDTH + 0.8, 1.6 / aspect  # the input 1.6 times as tall as a crop
    unit = (width - 0.9) / (3 + wide)  # a crop's side, in inches
    fig = Figure(figsize=(width, wide * unit * aspect + 0.5), layout="constrained")
    return fig, list(fig.subplots(1, 4, width_ratios=[wide, 1, 1, 1]))


def plot_pooling_zoom(
    relu: NDArray[np.floating], pooled: NDArray[np.floating], zoom: Zoom, *, narrow: bool = False
) -> Figure:
    """Show the same crop of one map before and after 2×2 max pooling, blocks outlined.

    Args:
        relu: One ReLU map.
        pooled: The same map after 2×2 max pooling.
        zoom: The crop in ``relu``'s coordinates, with even bounds.
        narrow: One panel above the other instead of side by side.

    Returns:
        A figure with two image axes and a colorbar.
    """
    top, bottom, left, right = zoom
    half = _halved(zoom)
    before, after = _crop(relu, zoom), _crop(pooled, half)
    limit = float(np.abs(before).max()) or 1.0
    grid = layout.Grid(
        0.0,
        1 if narrow else 2,
        (bottom - top) / (right - left),
        ticks=(bottom - 1, right - 1),
        title=layout.TITLE_SIZE,
        bars="all",
    )
    bands, scales = [layout.Band(2)], _signed([limit])
    side = (NARROW if narrow else WIDTH) / 2.3
    fig, ((first, second),), (bar,) = grid.around(side, bands, scales).place(bands, scales)
    _show(first, before, SIGNED, limit, _corner(zoom))
    for row in range(top, bottom + 1, 2):
        first.axhline(row - 0.5, color="0.75", linewidth=0.6)
    for col in range(left, right + 1, 2):
        first.axvline(col - 0.5, color="0.75", linewidth=0.6)
    shown = _show(second, after, SIGNED, limit, _corner(half))
    _title(first, "$\\max(0,\\, \\cdot)$")
    _title(second, "$\\max_{2 \\times 2}$")
    bar.show(fig, shown)
    return fig


def plot_output_value(
    image: NDArray[np.floating],
    kernel: NDArray[np.floating],
    products: NDArray[np.floating],
    row: int,
    col: int,
    *,
    narrow: bool = False,
) -> Figure:
    """Show how one output value is made: patch ⊙ kernel, the products, and their sum Σ.

    Pixels are written as their 8-bit levels ``k`` (the pixel is ``k / 255``) and products as
    ``k · w``, so the sum can be redone by hand: Σ = (sum of ``k · w``) / 255.

    Args:
        image: The ``(H, W)`` input image, with values ``k / 255``.
        kernel: A ``(kh, kw)`` filter.
        products: ``patch * kernel``, as the lesson computed it.
        row: Top row of the patch, which is also the output row.
        col: Left column of the patch, which is also the output column.
        narrow: Two panels per row instead of four.

    Returns:
        A figure with four axes (the image with the patch marked and an inset zoom, the patch,
        the kernel, the products) whose x label reads ``Σ = <integer> / 255 = <value>``.
    """
    k_height, k_width = kernel.shape
    patch = image[row : row + k_height, col : col + k_width]
    levels = np.round(np.asarray(patch, dtype=np.float64) * 255).astype(int)
    scaled = np.round(np.asarray(products, dtype=np.float64) * 255).astype(int)
    rows, columns = (2, 2) if narrow else (1, 4)
    width = NARROW if narrow else WIDTH + 0.8
    ratios = [1, 1] if narrow else [1.6, 1, 1, 1]
    fig = Figure(figsize=(width, rows * width / columns * 1.25), layout="constrained")
    where, *cells = fig.subplots(rows, columns, width_ratios=ratios).ravel()
    _show(where, image, "gray", 1.0, low=0.0)
    _outline(where, (row, row + k_height, col, col + k_width))
    _inset(where, image, row, col, (k_height, k_width))
    _bare(where)
    _show(cells[0], patch, "gray", 1.0, (row, col), low=0.0)
    _write_cells(cells[0], levels, (row, col), colors=np.where(levels < 128, "white", "black"))
    _show(cells[1], kernel, SIGNED, 1.5 * (float(np.abs(kernel).max()) or 1.0))
    _write_cells(cells[1], kernel)
    _show(cells[2], products, SIGNED, 1.5 * (float(np.abs(products).max()) or 1.0))
    _write_cells(cells[2], scaled)
    for ax, title in zip(cells, ("$k$", "$w$", "$k \\cdot w$"), strict=True):
        _title(ax, title)
        _bare(ax)
    cells[2].set_xlabel(f"Σ = {scaled.sum()} / 255\n= {products.sum():.4f}", fontsize=12)
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
    _show(ax, image, "gray", 1.0, low=0.0)
    ax.set_axis_off()
    return fig


def plot_relu_curve(x: NDArray[np.floating], y: NDArray[np.floating]) -> Figure:
    """Plot ``y = max(0, x)`` as computed, with the axes through 0.

    Args:
        x: The inputs, e.g. 121 values from -3 to 3.
        y: ReLU of each input.

    Returns:
        A figure with one axes holding one line.
    """
    fig = Figure(figsize=(WIDTH * 0.55, WIDTH * 0.4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, y, color="#c0392b", linewidth=2.5)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.set_xlabel("$x$")
    ax.set_ylabel(r"$\mathrm{ReLU}(x) = \max(0,\, x)$")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    return fig


def plot_sizes(
    maps: Sequence[NDArray[np.floating]],
    labels: Sequence[str],
    *,
    window: Zoom | None = None,
    narrow: bool = False,
) -> Figure:
    """Show maps of different sizes on one pixel scale, each titled with its label and size.

    Every panel has the same axes limits, those of the largest map, so a map half as wide
    covers half the panel: the sizes can be compared by eye and read off the titles. With
    ``window``, every panel shows only that crop, e.g. the corner where the maps end; gray is
    outside a map.

    Args:
        maps: 2-D maps, e.g. one filter's output with several paddings and strides.
        labels: A title per map, such as ``"$p=1,\\ s=2$"``; its size is added below.
        window: The rows and columns every panel shows, in the maps' own coordinates.
        narrow: Two panels per row instead of three (or four, with a window).

    Returns:
        A figure with one axes per map and a shared signed colorbar.
    """
    height = max(np.shape(m)[0] for m in maps)
    width = max(np.shape(m)[1] for m in maps)
    top, bottom, left, right = window or (0, height, 0, width)
    columns = 2 if narrow else (min(len(maps), 4) if window else 3)
    limit = max(float(np.abs(_crop(m, (top, bottom, left, right))).max()) for m in maps) or 1.0
    grid = layout.Grid(
        NARROW + 0.6 if narrow else WIDTH + 0.8,
        columns,
        (bottom - top) / (right - left),
        ticks=(bottom - 1, right - 1),
        title=10,
        title_lines=2,
        bars="all",
    )
    fig, (axes,), (bar,) = grid.place([layout.Band(len(maps))], _signed([limit]))
    for ax, values, label in zip(axes, maps, labels, strict=True):
        shown = _show(ax, values, SIGNED, limit)
        ax.set_facecolor("0.82")
        ax.set_xlim(left - 0.5, right - 0.5)
        ax.set_ylim(bottom - 0.5, top - 0.5)
        _title(ax, f"{label}\n{np.shape(values)[0]} × {np.shape(values)[1]}", fontsize=10)
    bar.show(fig, shown)
    return fig


def plot_channels(rgb: NDArray[np.floating], *, narrow: bool = False) -> Figure:
    """Show a colour image and each of its three channels, R, G and B, as gray images.

    Args:
        rgb: An ``(H, W, 3)`` array in [0, 1], channels in R, G, B order.
        narrow: Two panels per row instead of four.

    Returns:
        A figure with four image axes.
    """
    height, width, _ = rgb.shape
    size, columns = (NARROW, 2) if narrow else (WIDTH + 0.8, 4)
    grid = layout.Grid(size, columns, height / width, title=layout.TITLE_SIZE)
    fig, (axes,), _ = grid.place([layout.Band(4)])
    axes[0].imshow(rgb, interpolation="antialiased", interpolation_stage="data")
    _title(axes[0], "$x$")
    for ax, channel, name in zip(axes[1:], range(3), "RGB", strict=True):
        _show(ax, rgb[:, :, channel], "gray", 1.0, low=0.0)
        _title(ax, f"$x_{{{name}}}$")
    for ax in axes:
        _bare(ax)
    return fig


def plot_channel_sum(
    parts: Sequence[NDArray[np.floating]],
    bias: float,
    output: NDArray[np.floating],
    *,
    narrow: bool = False,
) -> Figure:
    """Show one output map as the sum of its per-channel convolutions, plus the bias.

    Args:
        parts: The three maps ``w_c ⋆ x_c``, one per input channel.
        bias: The output channel's bias.
        output: What the layer returned: the parts' sum plus the bias.
        narrow: Two panels per row instead of four.

    Returns:
        A figure with four image axes on one signed scale, clipped at the 99.5th percentile
        of the parts' magnitudes so their fine lines show, and a colorbar.
    """
    height, width = np.shape(output)
    limit = float(np.percentile(np.abs(np.stack(parts)), 99.5)) or 1.0  # fine lines show
    size, columns = (NARROW + 0.6, 2) if narrow else (WIDTH + 0.8, 4)
    grid = layout.Grid(size, columns, height / width, title=layout.TITLE_SIZE, bars="all")
    fig, (axes,), (bar,) = grid.place([layout.Band(4)], _signed([limit]))
    titles = [f"$w_{{{name}}} \\star x_{{{name}}}$" for name in "RGB"]
    titles.append(f"$\\Sigma + {bias:g}$")
    for ax, values, title in zip(axes, [*parts, output], titles, strict=True):
        shown = _show(ax, values, SIGNED, limit)
        _title(ax, title)
        _bare(ax)
    bar.show(fig, shown, _extend(np.stack([*parts, output]), limit))
    return fig


def plot_filter_history(
    history: NDArray[np.floating],
    steps: Sequence[int],
    target: NDArray[np.floating],
    *,
    narrow: bool = False,
) -> Figure:
    """Show filters as they are learned: one row per recorded step, the target row last.

    Args:
        history: ``(S, N, kh, kw)``: the N filters at each of S steps.
        steps: The step of each row of ``history``.
        target: ``(N, kh, kw)``: the filters the learning aims at.
        narrow: Drawn at a phone's width, so its labels stay large enough to read.

    Returns:
        A figure with ``(S + 1) × N`` axes on one signed scale, and its colorbar; each row's
        label is its step, and the target row's is ``*``.
    """
    rows = [*history, target]
    count = len(target)
    labels = [*map(str, steps), "$f$"]
    limit = 1.2 * max(float(np.abs(r).max()) for r in rows)
    height, width = target.shape[1:]
    grid = layout.Grid(
        NARROW if narrow else WIDTH * 0.8,
        count,
        height / width,
        title=layout.TITLE_SIZE,
        titles_once=True,
        bars="all",
    )
    fig, bands, (bar,) = grid.place(
        [layout.Band(count, label) for label in labels], _signed([limit])
    )
    for filters, axes, label in zip(rows, bands, labels, strict=True):
        for ax, kernel in zip(axes, filters, strict=True):
            shown = _show(ax, kernel, SIGNED, limit)
            _bare(ax)
        axes[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=11)
    for col, ax in enumerate(bands[0]):
        _title(ax, f"$f_{{{col + 1}}}$")
    bar.show(fig, shown)
    return fig


def plot_loss(losses: Sequence[float], steps: Sequence[int], *, narrow: bool = False) -> Figure:
    """Plot a training loss against the step, on a log scale, the recorded steps marked.

    Args:
        losses: The loss at every step.
        steps: Steps to mark with a dot.
        narrow: Drawn smaller, so that its numbers stay readable on a phone's screen.

    Returns:
        A figure with one axes.
    """
    size = (NARROW, NARROW * 0.62) if narrow else (WIDTH * 0.6, WIDTH * 0.35)
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(len(losses)), losses, color="#2166ac", linewidth=2)
    ax.plot(steps, [losses[step] for step in steps], "o", color="#b2182b")
    ax.set_yscale("log")
    ax.set_xlabel("$t$")
    ax.set_ylabel("$L$")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_cnn(
    shapes: Sequence[Sequence[int]], symbols: Sequence[str], *, narrow: bool = False
) -> Figure:
    """Draw a CNN as the tensors it passes along, with a symbol for each layer between them.

    A tensor ``(1, C, H, W)`` is a stack of C rectangles whose size follows H and W; a flat
    ``(1, F)`` one is a thin bar. Its shape is written under it. No words: the caption
    names the layers.

    Args:
        shapes: The tensor's shape before the first layer and after each one.
        symbols: One symbol per layer, e.g. ``"⋆"`` for a convolution.
        narrow: Rows of two layers instead of four, each row starting from the tensor that
            ends the one before.

    Returns:
        A figure with one axes per row and no ticks.
    """
    largest = max(shape[-2] for shape in shapes if len(shape) == 4)
    per_row = 2 if narrow else 4
    rows = [(i, min(i + per_row, len(symbols))) for i in range(0, len(symbols), per_row)]
    width, label = (NARROW, 8.5) if narrow else (WIDTH + 0.8, 9.0)
    # Each tensor sits in a slot as wide as its shape label, so that no label runs into the
    # next: solve slot = label's share of the row × the row's width in data units.
    names = ["×".join(map(str, shape[1:])) for shape in shapes]
    share = max(map(len, names)) * 0.62 * label / 72 / (width - 0.3)
    tensors = per_row + 1
    slot = max(
        1.1 * share * (tensors - 1) * _ARROW / (1 - tensors * share),
        max(_tensor_width(shape, largest) for shape in shapes) + 0.15,
    )
    fig = Figure(figsize=(width, (1.2 if narrow else 1.35) * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False).ravel()
    for ax, (first, last) in zip(axes, rows, strict=True):
        _draw_layers(ax, shapes[first : last + 1], symbols[first:last], largest, slot, label)
        ax.set_xlim(-0.05, tensors * slot + per_row * _ARROW + 0.05)  # one scale for all rows
    return fig


_ARROW = 1.25
"""The length of the arrow between two tensors, in the diagram's units (a tensor is 1.2 tall)."""


def _draw_layers(
    ax: Axes,
    shapes: Sequence[Sequence[int]],
    symbols: Sequence[str],
    largest: int,
    slot: float,
    label: float,
) -> None:
    """Draw tensors left to right, each centred in its slot, a layer's arrow between two."""
    for index, shape in enumerate(shapes):
        x = index * (slot + _ARROW)
        _draw_tensor(ax, x + (slot - _tensor_width(shape, largest)) / 2, shape, largest)
        name = "×".join(map(str, shape[1:]))
        ax.text(x + slot / 2, -0.78, name, ha="center", fontsize=label)
        if index < len(symbols):
            start = x + slot
            ax.annotate(
                "", (start + _ARROW - 0.05, 0), (start + 0.05, 0), arrowprops={"arrowstyle": "->"}
            )
            lone = len(symbols[index]) <= len("$\\star$")  # a lone ⋆ is small: draw it larger
            ax.text(
                start + _ARROW / 2,
                0.1,
                symbols[index],
                ha="center",
                va="bottom",
                fontsize=14 if lone else 9,
            )
    ax.set_ylim(-0.95, 0.8)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _tensor_width(shape: Sequence[int], largest: int) -> float:
    """How wide :func:`_draw_tensor` draws a tensor: its front sheet and the sheets behind."""
    if len(shape) == 2:
        return _BAR
    return _sheet_size(shape, largest)[0] + _STEP * (_sheets(shape) - 1)


def _draw_tensor(ax: Axes, x: float, shape: Sequence[int], largest: int) -> None:
    """Draw one tensor with its left edge at ``x``."""
    if len(shape) == 2:  # flat: a thin bar whose height grows with the log of its length
        height = 0.2 + 0.06 * np.log10(shape[1])
        ax.add_patch(Rectangle((x, -height), _BAR, 2 * height, facecolor="#f4a582"))
        return
    wide, tall = _sheet_size(shape, largest)
    for layer in range(_sheets(shape)):
        shift = _STEP * layer
        ax.add_patch(
            Rectangle(
                (x + shift, -tall / 2 + shift),
                wide,
                tall,
                facecolor="#d1e5f0" if layer % 2 else "#92c5de",
                edgecolor="#2166ac",
                linewidth=0.8,
            )
        )


_BAR, _STEP = 0.12, 0.06  # a flat tensor's width; the offset of each sheet behind the front


def _sheets(shape: Sequence[int]) -> int:
    """How many sheets stand for a ``(1, C, H, W)`` tensor's channels: one each, up to 8."""
    return min(shape[1], 8)


def _sheet_size(shape: Sequence[int], largest: int) -> tuple[float, float]:
    """The width and height of one sheet: the largest height is 1.2, and the width is drawn
    foreshortened (0.45), as if seen at an angle."""
    height, width = shape[2:]
    tall = 1.2 * height / largest
    return tall * width / height * 0.45, tall


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
            left.add_patch(
                Rectangle((col - 0.5, row - 0.5), 2, 2, fill=False, edgecolor="black", lw=2.5)
            )
    _draw_grid(right, pooled, fill=np.full(pooled.shape, _WINNER))
    middle.text(0.5, 0.5, "→", fontsize=26, ha="center", va="center")
    middle.set_axis_off()
    return fig


def _show(
    ax: Axes,
    values: NDArray[np.floating],
    cmap: str,
    limit: float,
    origin: tuple[int, int] = (0, 0),
    *,
    low: float | None = None,
) -> AxesImage:
    """Draw ``values`` at their own pixel coordinates, from ``origin``'s row and column.

    The colour range is ``[-limit, limit]``, or ``[low, limit]`` when ``low`` is given.
    """
    row, col = origin
    height, width = np.shape(values)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(layout.pixel_locator())
    return ax.imshow(
        values,
        cmap=cmap,
        vmin=-limit if low is None else low,
        vmax=limit,
        interpolation="antialiased",
        interpolation_stage="data",
        extent=(col - 0.5, col + width - 0.5, row + height - 0.5, row - 0.5),
    )


def _columns(count: int, aspect: float) -> int:
    """Panels per row: a row of tall or square maps, or rows of two or three wide ones."""
    if count <= 2 or (count <= 4 and aspect >= 0.75):
        return count
    return 2 if count == 4 else min(count, 4 if aspect >= 0.75 else 3)


def _limit(maps: NDArray[np.floating], robust: bool) -> float:
    peak = float(np.abs(maps).max()) or 1.0
    return (float(np.percentile(np.abs(maps), 99.5)) or peak) if robust else peak


def _signed(limits: Sequence[float]) -> list[tuple[float, float]]:
    """Each colour scale, symmetric about 0."""
    return [(-limit, limit) for limit in limits]


def _extend(maps: NDArray[np.floating], limit: float) -> str:
    """Which ends of the colorbar have values beyond them: what its arrows must mark."""
    below, above = float(maps.min()) < -limit, float(maps.max()) > limit
    return {(True, True): "both", (True, False): "min", (False, True): "max"}.get(
        (below, above), "neither"
    )


def _crop(values: NDArray[np.floating], zoom: Zoom) -> NDArray[np.floating]:
    return values[zoom[0] : zoom[1], zoom[2] : zoom[3]]


def _corner(zoom: Zoom) -> tuple[int, int]:
    return zoom[0], zoom[2]


def _halved(zoom: Zoom) -> Zoom:
    """The same crop after 2×2 pooling, which halves every coordinate."""
    top, bottom, left, right = zoom
    return top // 2, bottom // 2, left // 2, right // 2


def _outline(ax: Axes, zoom: Zoom, bold: bool = False) -> None:
    """Outline a crop; ``bold`` draws it yellow on black, plain on a dark or a light image."""
    top, bottom, left, right = zoom
    lines = [(_MARK, 4.0), (_WINNER, 2.0)] if bold else [(_MARK, 1.2)]
    for color, width in lines:
        box = Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False)
        ax.add_patch(box)
        box.set(edgecolor=color, linewidth=width)


def _inset(
    ax: Axes, image: NDArray[np.floating], row: int, col: int, size: tuple[int, int]
) -> None:
    """Enlarge the neighbourhood of a small patch in the corner of ``ax`` farthest from it (so
    the patch's mark on the image stays in sight), the patch outlined."""
    margin = 10
    top, left = max(row - margin, 0), max(col - margin, 0)
    bottom = min(row + size[0] + margin, image.shape[0])
    right = min(col + size[1] + margin, image.shape[1])
    on_right = col + size[1] / 2 > image.shape[1] / 2
    below = row + size[0] / 2 > image.shape[0] / 2
    inset = ax.inset_axes((0.02 if on_right else 0.58, 0.43 if below else 0.02, 0.4, 0.55))
    _show(inset, image[top:bottom, left:right], "gray", 1.0, (top, left), low=0.0)
    _outline(inset, (row, row + size[0], col, col + size[1]))
    _bare(inset)
    for spine in inset.spines.values():
        spine.set_edgecolor(_MARK)
    ax.indicate_inset_zoom(inset, edgecolor=_MARK)


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _title(ax: Axes, text: str, **style: float) -> None:
    """Title ``ax`` 6 points above its top edge, where matplotlib would put it, unless the
    title reaches lower than that below its baseline (a subscript): matplotlib then lifts it
    just clear of the edge, and is left to.

    Left to place itself, a title measures every tick label of its axes to check what lies
    above them (nothing, in these figures), then measures itself: 12 ms an axes, 2.5 s of the
    site's 759 axes under cProfile (2026-12-06). Here only its depth is measured, once.
    """
    if layout.text_depth(text, style.get("fontsize", layout.TITLE_SIZE)) > layout.TITLE_PAD:
        ax.set_title(text, **style)
    else:
        ax.set_title(text, y=1.0, **style)


def _labels(labels: Sequence[str] | None, count: int) -> list[str]:
    return list(labels) if labels is not None else [f"$f_{{{i + 1}}}$" for i in range(count)]


def _write_cells(
    ax: Axes,
    values: NDArray[np.number],
    origin: tuple[int, int] = (0, 0),
    colors: NDArray[np.str_] | None = None,
) -> None:
    """Write each value in its cell, the image's cells starting at ``origin``."""
    size = 9 if max(np.shape(values)) > 5 else 11
    for (row, col), value in np.ndenumerate(values):
        ax.text(
            origin[1] + col,
            origin[0] + row,
            _number(value),
            ha="center",
            va="center",
            color="black" if colors is None else colors[row, col],
            fontsize=size,
        )


def _number(value: float) -> str:
    rounded = round(float(value), 2)
    text = f"{rounded:g}" if rounded != int(rounded) else f"{int(rounded)}"
    return text.replace("-", "−")  # a true minus sign, as matplotlib's tick labels use


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


def plot_examples(
    images: NDArray[np.floating], titles: Sequence[str], *, narrow: bool = False
) -> Figure:
    """Show small grayscale images on their [0, 1] scale, each titled.

    Args:
        images: ``(N, h, w)`` images with values in [0, 1].
        titles: A title per image: numbers and symbols only, e.g. ``"9 → 0"``.
        narrow: Three to a row, so each stays large on a phone's screen; otherwise up to six
            in one row, or five to a row.

    Returns:
        A figure with one axes per image and no ticks.
    """
    columns = 3 if narrow else (len(images) if len(images) <= 6 else 5)
    height, width = np.shape(images)[1:]
    lines = max(title.count("\n") + 1 for title in titles)
    size = NARROW if narrow else WIDTH * 0.8
    grid = layout.Grid(size, columns, height / width, title=11, title_lines=lines)
    fig, (axes,), _ = grid.place([layout.Band(len(images))])
    for ax, image, title in zip(axes, images, titles, strict=True):
        _show(ax, image, "gray", 1.0, low=0.0)
        _title(ax, title, fontsize=11)
        _bare(ax)
    return fig


def plot_curves(
    losses: Sequence[float], accuracies: Sequence[float], *, narrow: bool = False
) -> Figure:
    """Plot a training loss and a validation accuracy against the epoch, side by side.

    Args:
        losses: The mean training loss of each epoch.
        accuracies: The validation accuracy after each epoch, in [0, 1].
        narrow: One plot above the other, for a phone's screen.

    Returns:
        A figure with two axes: the loss ``L`` and the accuracy, both against epoch 1, 2, ...
    """
    epochs = np.arange(1, len(losses) + 1)
    shape, size = ((2, 1), (NARROW, NARROW * 1.1)) if narrow else ((1, 2), (WIDTH, WIDTH * 0.36))
    fig = Figure(figsize=size, layout="constrained")
    loss_ax, accuracy_ax = fig.subplots(*shape).ravel()
    loss_ax.plot(epochs, losses, "o-", color="#2166ac")
    loss_ax.set_ylabel("$L$")
    accuracy_ax.plot(epochs, accuracies, "o-", color="#b2182b")
    accuracy_ax.set_ylim(min(min(accuracies), 0.5) - 0.02, 1.005)
    accuracy_ax.set_ylabel("%")
    accuracy_ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}")
    for ax in (loss_ax, accuracy_ax):
        ax.set_xticks(epochs[::2] if narrow else epochs)
        ax.set_xlabel("$e$")
        ax.grid(alpha=0.3)
    return fig


def plot_filter_rows(
    rows: Sequence[NDArray[np.floating]], labels: Sequence[str], *, narrow: bool = False
) -> Figure:
    """Draw stacks of filters, one stack after the other, each on its own signed scale.

    Args:
        rows: Stacks ``(N, kh, kw)``, e.g. the learned filters and the hand-made ones.
        labels: A letter for each stack: its filters are titled ``w_1``, ``w_2``, ...
        narrow: Three filters to a row, for a phone's screen.

    Returns:
        A figure with one axes per filter and a colorbar per stack.
    """
    columns = 3 if narrow else max(len(stack) for stack in rows)
    limits = [float(np.abs(stack).max()) or 1.0 for stack in rows]
    grid = layout.Grid(
        NARROW + 0.6 if narrow else WIDTH, columns, 1.0, title=layout.TITLE_SIZE, bars="band"
    )
    fig, bands, bars = grid.place([layout.Band(len(stack)) for stack in rows], _signed(limits))
    for stack, label, axes, bar, limit in zip(rows, labels, bands, bars, limits, strict=True):
        for number, (ax, kernel) in enumerate(zip(axes, stack, strict=True), start=1):
            shown = _show(ax, kernel, SIGNED, limit)
            _title(ax, f"${label}_{{{number}}}$", fontsize=12)
            _bare(ax)
        bar.show(fig, shown)
    return fig


def plot_stages(
    stages: Sequence[NDArray[np.floating]], symbols: Sequence[str], *, narrow: bool = False
) -> Figure:
    """Show the maps of one image after each stage of a block, a stage per band of rows.

    Each stage is drawn on its own signed scale, symmetric about 0, with its colorbar, so a
    stage whose values are all at or above 0 (after ReLU) shows no blue.

    Args:
        stages: Stacks ``(C, h, w)`` of maps, one per stage, e.g. after conv, ReLU and pool.
        symbols: A symbol for each stage, written left of its first map.
        narrow: Three maps to a row for six channels, four for more, on a phone's screen.

    Returns:
        A figure with one axes per map and one colorbar per stage.
    """
    count = max(len(maps) for maps in stages)
    columns = (3 if count <= 6 else 4) if narrow else count
    limits = [float(np.abs(maps).max()) or 1.0 for maps in stages]
    sizes = [18 if len(symbol) <= len("$\\star$") else 11 for symbol in symbols]  # a lone ⋆: larger
    height, width = np.shape(stages[0])[1:]
    size = NARROW + 0.6 if narrow else WIDTH + 0.8
    grid = layout.Grid(size, columns, height / width, bars="band")
    fig, bands, bars = grid.place(
        [
            layout.Band(len(maps), symbol, size)
            for maps, symbol, size in zip(stages, symbols, sizes, strict=True)
        ],
        _signed(limits),
    )
    for maps, axes, bar, limit in zip(stages, bands, bars, limits, strict=True):
        for ax, feature_map in zip(axes, maps, strict=True):
            shown = _show(ax, feature_map, SIGNED, limit)
            _bare(ax)
        bar.show(fig, shown)
    for axes, symbol, size in zip(bands, symbols, sizes, strict=True):
        axes[0].set_ylabel(symbol, rotation=0, ha="right", va="center", fontsize=size)
    return fig


def plot_scores(
    logits: NDArray[np.floating], probabilities: NDArray[np.floating], *, narrow: bool = False
) -> Figure:
    """Bar charts of each class's logit and softmax probability, the winner in orange.

    Args:
        logits: ``(K,)`` scores, one per class.
        probabilities: ``(K,)`` the softmax of ``logits``.
        narrow: One chart above the other, for a phone's screen.

    Returns:
        A figure with two axes, classes 0 to K-1 along each.
    """
    classes = np.arange(len(logits))
    winner = int(np.argmax(probabilities))
    colors = ["#2166ac"] * len(classes)
    colors[winner] = _WINNER
    shape, size = ((2, 1), (NARROW, NARROW * 1.1)) if narrow else ((1, 2), (WIDTH, WIDTH * 0.36))
    fig = Figure(figsize=size, layout="constrained")
    for ax, values, label in zip(
        fig.subplots(*shape).ravel(), (logits, probabilities), ("$z$", "$p$"), strict=True
    ):
        ax.bar(classes, values, color=colors)
        ax.axhline(0, color=_MARK, linewidth=0.8)
        ax.set_xticks(classes)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        ax.grid(alpha=0.3, axis="y")
    return fig


def plot_thresholds(
    values: NDArray[np.floating], thresholds: NDArray[np.floating], *, narrow: bool = False
) -> Figure:
    """For each channel, its pre-activation values sorted, and its threshold as a line.

    Args:
        values: ``(C, n)``: each channel's values of ``w·x`` (without the bias), sorted.
        thresholds: ``(C,)``: each channel's ``-b``; ReLU zeroes every value below it.
        narrow: Two channels to a row, for a phone's screen.

    Returns:
        A figure with one axes per channel, titled with its number, each on its own y scale
        so that the part below a threshold near 0 shows even where another channel's values
        reach far higher.
    """
    count = len(values)
    columns = 2 if narrow else 3
    rows = -(-count // columns)
    width = NARROW if narrow else WIDTH
    fig = Figure(figsize=(width, rows * width / columns * 0.62 + 0.2), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True).ravel()
    for channel, ax in enumerate(axes[:count]):
        series = values[channel]
        below = series <= thresholds[channel]
        ax.plot(np.arange(len(series)), series, color="#2166ac", linewidth=2)
        ax.fill_between(
            np.arange(len(series)),
            series,
            thresholds[channel],
            where=below,
            color="#bbbbbb",
            linewidth=0,
        )
        ax.axhline(thresholds[channel], color="#b2182b", linewidth=1.5)
        _title(ax, str(channel + 1), fontsize=11)
        ax.grid(alpha=0.3)
    for ax in axes[count:]:
        ax.set_axis_off()
    return fig

"""Where each panel of a grid of images goes, worked out from its labels before anything is drawn.

Most of the site's figures are grids of image panels: each panel may carry a title, row and
column numbers, a colorbar, and each band of rows a symbol at its left. matplotlib's
constrained layout places such panels by measuring every title and tick label of the figure
(and placing every tick first), and a figure pays for it again in the draw that follows.
It also leaves the grid's cells their own shape while an image keeps its aspect, so a wide
map in a square cell floats in white. Here the cells are cut to the panels' aspect and every
margin is known in advance: tick labels are whole pixel numbers, and a colorbar's labels are
chosen here, so the room each needs is one cached measurement of its widest text.

Measured 2026-12-06, rendering every result of the site once in one process: constrained
layout took 6.3 s of the 19.1 s of CPU spent drawing (everything but the lessons' own code).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

PIXEL_TICKS = 4
"""At most this many intervals between an image panel's ticks: see :func:`pixel_locator`."""

TITLE_SIZE = 12.0
"""matplotlib's default size of a title ("large"), in points."""
TITLE_PAD = 6.0
"""matplotlib's default room between a title's baseline and its axes, in points."""

_POINT = 1 / 72
_TICK_FONT = 10.0
"""matplotlib's default size of tick labels, in points."""
_TICK_SPACE = (3.5 + 3.5) * _POINT
"""A tick's length and the pad between it and its label: matplotlib's defaults."""
_LINE = 1.2
"""A line of text is this many times its font size tall."""
_LABEL_PAD = 4 * _POINT
"""matplotlib's default room between an axis label (a band's label) and its axes."""
_GAP = 0.1
"""Between one cell and the next, and around the figure, in inches."""
_BAR_WIDTH = 0.14
_BAR_PAD = 0.12
_BAR_SHRINK = 0.9
"""A colorbar is this fraction of the height of the panels it serves, centred on them."""
_BAR_LABEL_SPACING = 2.0
"""A colorbar gets a tick label per this many label heights at most, as matplotlib's own."""
_BAR_LABEL_CLEAR = 1.5
"""Neighbouring labels of a colorbar stand at least this many lines of text apart."""
_BAR_STEPS = (1, 2, 2.5, 5, 10)
_ROUNDS = 5
"""At most this many rounds to settle the room for colorbar labels; two do, in this site."""


_Laid = TypeVar("_Laid")
_Box = tuple[float, float, float, float]
"""Left, top, width and height, in inches from the figure's top left corner."""


def text_width(text: str, size: float = _TICK_FONT) -> float:
    """How wide ``text`` is set at ``size`` points, in inches; mathtext between ``$`` signs."""
    return _measure(text, size)[0] * _POINT


def text_depth(text: str, size: float) -> float:
    """How far ``text`` set at ``size`` points reaches below its baseline, in points."""
    return _measure(text.split("\n")[-1], size)[2]  # a title stands on its last line


@functools.cache
def _measure(text: str, size: float) -> tuple[float, float, float]:
    """Width, height and descent of ``text`` at ``size``, in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    measured = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=size), ismath="$" in text
    )
    return tuple(float(value) for value in measured)


def pixel_locator() -> MaxNLocator:
    """Where an image panel's axis puts its ticks: on whole pixels, and few.

    At most :data:`PIXEL_TICKS` intervals between ticks. matplotlib's default asks for one
    tick per 30 points of axis, up to 9, and every tick is placed and drawn: a row or column
    number every quarter of a map is enough to read its size and find a place in it. Whole
    pixels, so a small map's axis never reads 2.5.
    """
    return MaxNLocator(nbins=PIXEL_TICKS, steps=[1, 2, 5, 10], integer=True)


def pixel_ticks(first: int, count: int) -> list[int]:
    """The ticks an axis over ``count`` pixels from pixel ``first`` shows (see pixel_locator)."""
    low, high = first - 0.5, first + count - 0.5
    return [int(t) for t in pixel_locator().tick_values(low, high) if low <= t <= high]


def bar_ticks(low: float, high: float, height: float) -> tuple[list[float], list[str]]:
    """The ticks and labels of a colorbar from ``low`` to ``high``, ``height`` inches tall.

    As many as fit one per two label heights, at steps of 1, 2, 2.5 or 5 times a power of
    ten, as matplotlib's own colorbar would choose; on a bar too short for three, the two
    outermost only. Every label has the same decimals, with a true minus sign.
    """
    room = height / (_BAR_LABEL_SPACING * _TICK_FONT * _POINT)
    bins = min(max(int(room), 2), 9)
    locator = MaxNLocator(nbins=bins, steps=list(_BAR_STEPS))
    slack = 1e-9 * (high - low)
    ticks = [float(t) for t in locator.tick_values(low, high) if low - slack <= t <= high + slack]
    apart = height * (ticks[1] - ticks[0]) / (high - low) if len(ticks) > 1 else height
    if len(ticks) > 2 and apart < _BAR_LABEL_CLEAR * _TICK_FONT * _LINE * _POINT:
        ticks = [ticks[0], ticks[-1]]  # three labels would touch: the ends say the range
    decimals = next((d for d in range(6) if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 6)
    labels = [f"{0.0 if abs(t) < slack else t:.{decimals}f}".replace("-", "−") for t in ticks]
    return ticks, labels


@dataclass(frozen=True)
class Band:
    """Panels laid out row after row that share a label at their left, and maybe a colorbar.

    Attributes:
        count: How many panels.
        label: Written left of the band's first row, e.g. a stage's symbol.
        label_size: Its font size.
    """

    count: int
    label: str = ""
    label_size: float = 11.0


@dataclass(frozen=True)
class Bar:
    """Where a colorbar goes and the ticks it shows."""

    ax: Axes
    ticks: list[float]
    labels: list[str]

    def show(self, fig: Figure, mappable: ScalarMappable, extend: str = "neither") -> None:
        """Draw ``mappable``'s colorbar here, with these ticks."""
        colorbar = fig.colorbar(mappable, cax=self.ax, extend=extend)
        colorbar.set_ticks(self.ticks, labels=self.labels)


@dataclass(frozen=True)
class Grid:
    """Image panels in bands of rows, each panel cut to the panels' aspect.

    Attributes:
        width: The figure's width, in inches.
        columns: Panels per row.
        aspect: Each panel's height over its width.
        ticks: The largest row and column numbers a panel's axes show, so its numbers have
            room; ``None`` for bare panels.
        title: The font size of each panel's title (:data:`TITLE_SIZE` is matplotlib's); 0
            for none.
        title_lines: How many lines a title has.
        titles_once: Only the first row has titles (they name the columns).
        bars: ``"band"`` for a colorbar right of each band, ``"panel"`` for one right of each
            panel, ``"all"`` for one beside every band, or ``None``.
    """

    width: float
    columns: int
    aspect: float
    ticks: tuple[int, int] | None = None
    title: float = 0.0
    title_lines: int = 1
    titles_once: bool = False
    bars: str | None = None

    def place(
        self, bands: Sequence[Band], scales: Sequence[tuple[float, float]] = ()
    ) -> tuple[Figure, list[list[Axes]], list[Bar]]:
        """Make the figure, its panels by band, and a place for each colorbar.

        Args:
            bands: The bands, top to bottom.
            scales: Each colorbar's range ``(low, high)``: one per band, one in all, or one
                per panel, as ``bars`` says.

        Returns:
            The figure, each band's axes, and each colorbar's place and ticks: one per band,
            one in all, or one per panel.
        """

        def lay(label: float) -> tuple[Any, float]:
            panel = self._panel_width(bands, label)
            cells, height = self._cells(bands, panel, label)
            boxes = self._bar_boxes(bands, cells, panel, scales)
            labelled = [bar_ticks(*scale, box[3]) for scale, box in boxes]
            return (panel, cells, height, boxes, labelled), _widest(labelled)

        panel, cells, height, boxes, labelled = _settled(lay)
        fig = Figure(figsize=(self.width, height))
        grouped: list[list[Axes]] = [[] for _ in bands]
        for band, x, top in cells:
            grouped[band].append(_axes(fig, x, top, panel, panel * self.aspect))
        bars = [
            Bar(_axes(fig, *box), ticks, texts)
            for (_, box), (ticks, texts) in zip(boxes, labelled, strict=True)
        ]
        return fig, grouped, bars

    def around(
        self, panel: float, bands: Sequence[Band], scales: Sequence[tuple[float, float]] = ()
    ) -> Grid:
        """This grid, as wide as panels ``panel`` inches wide need with their labels and bars.

        Args:
            panel: Each panel's width, in inches.
            bands: The bands, as :meth:`place` will get them.
            scales: The colorbars' ranges, as :meth:`place` will get them.

        Returns:
            A copy whose :attr:`width` gives panels of that width.
        """
        cells, _ = self._cells(bands, panel, 0.0)  # how tall the bars are does not hang on x
        boxes = self._bar_boxes(bands, cells, panel, scales)
        label = _widest([bar_ticks(*scale, box[3]) for scale, box in boxes])
        fixed = -self.columns * replace(self, width=0.0)._panel_width(bands, label)
        return replace(self, width=fixed + self.columns * panel)

    def pairs(
        self, count: int, crop_aspect: float, scale: tuple[float, float], beside: bool
    ) -> tuple[Figure, list[tuple[Axes, Axes]], Bar]:
        """Make a figure of ``count`` panels, each with a second panel for a crop of it.

        Args:
            count: How many panels, and crops.
            crop_aspect: Each crop's height over its width.
            scale: The range ``(low, high)`` of the one colorbar, beside them all.
            beside: Each crop right of its panel, at the same height, one pair to a row;
                otherwise the panels two to a row and the crops all in one row below.

        Returns:
            The figure, each panel with its crop, and the colorbar's place and ticks.
        """

        def lay(label: float) -> tuple[Any, float]:
            wholes, crops, height = self._pair_boxes(count, crop_aspect, beside, label)
            box = self._side_bar([*wholes, *crops])
            labelled = bar_ticks(*scale, box[3])
            return (wholes, crops, height, box, labelled), _widest([labelled])

        wholes, crops, height, box, (ticks, texts) = _settled(lay)
        fig = Figure(figsize=(self.width, height))
        made = [(_axes(fig, *w), _axes(fig, *c)) for w, c in zip(wholes, crops, strict=True)]
        return fig, made, Bar(_axes(fig, *box), ticks, texts)

    def _pair_boxes(
        self, count: int, crop_aspect: float, beside: bool, label: float
    ) -> tuple[list[_Box], list[_Box], float]:
        free = self.width - 2 * _GAP - self._bar_room(label)
        left, top, row = self._left, self._top(0), self._top(0) + self._bottom() + _GAP
        if beside:
            tall = (free - 2 * left - _GAP) / (1 / self.aspect + 1 / crop_aspect)
            whole, crop = tall / self.aspect, tall / crop_aspect
            tops = [_GAP + top + i * (row + tall) for i in range(count)]
            x = _GAP + left + whole + _GAP + left
            wholes = [(_GAP + left, y, whole, tall) for y in tops]
            return wholes, [(x, y, crop, tall) for y in tops], tops[-1] + tall + row - top
        columns = min(count, 2)
        whole = (free - columns * left - (columns - 1) * _GAP) / columns
        crop = (free - count * left - (count - 1) * _GAP) / count
        tall = whole * self.aspect
        wholes = [
            (_GAP + left + (i % columns) * (left + whole + _GAP), y, whole, tall)
            for i in range(count)
            for y in [_GAP + top + (i // columns) * (row + tall)]
        ]
        y = wholes[-1][1] + tall + row
        crops = [
            (_GAP + left + i * (left + crop + _GAP), y, crop, crop * crop_aspect)
            for i in range(count)
        ]
        return wholes, crops, y + crop * crop_aspect + row - top

    def _side_bar(self, boxes: Sequence[_Box]) -> _Box:
        """A colorbar right of ``boxes``, as tall as they are less the shrink, centred on them."""
        right = max(x + w for x, _, w, _ in boxes) + self._overhang + _BAR_PAD
        first, last = min(y for _, y, _, _ in boxes), max(y + h for _, y, _, h in boxes)
        height = (last - first) * _BAR_SHRINK
        return right, (first + last - height) / 2, _BAR_WIDTH, height

    @functools.cached_property
    def _left(self) -> float:
        if self.ticks is None:
            return 0.0
        widest = max(text_width(str(t)) for t in pixel_ticks(0, self.ticks[0] + 1))
        return widest + _TICK_SPACE

    @functools.cached_property
    def _overhang(self) -> float:
        """How far the last column number reaches past a panel's right edge."""
        if self.ticks is None:
            return 0.0
        return text_width(str(pixel_ticks(0, self.ticks[1] + 1)[-1])) / 2

    def _top(self, row: int) -> float:
        if not self.title or (self.titles_once and row):
            return 0.0
        return (self.title * _LINE * self.title_lines + TITLE_PAD) * _POINT

    def _bottom(self) -> float:
        return _TICK_FONT * _LINE * _POINT + _TICK_SPACE if self.ticks is not None else 0.0

    def _label_room(self, bands: Sequence[Band]) -> float:
        widest = max((text_width(b.label, b.label_size) for b in bands if b.label), default=0)
        return widest + _LABEL_PAD + _GAP if widest else 0.0

    def _bar_room(self, label: float) -> float:
        return self._overhang + _BAR_PAD + _BAR_WIDTH + _TICK_SPACE + label

    def _panel_width(self, bands: Sequence[Band], label: float) -> float:
        side = self._bar_room(label) if self.bars in ("band", "all") else 0.0
        own = self._bar_room(label) if self.bars == "panel" else 0.0
        free = self.width - 2 * _GAP - self._label_room(bands) - side
        return (free - self.columns * (self._left + own) - (self.columns - 1) * _GAP) / (
            self.columns
        )

    def _cells(
        self, bands: Sequence[Band], panel: float, label: float
    ) -> tuple[list[tuple[int, float, float]], float]:
        """Each panel as (band, left, top) in inches from the figure's top left; the height."""
        own = self._bar_room(label) if self.bars == "panel" else 0.0
        step = self._left + panel + own + _GAP
        x0 = _GAP + self._label_room(bands) + self._left
        cells, y, row = [], _GAP, 0
        for number, band in enumerate(bands):
            for start in range(0, band.count, self.columns):
                y += self._top(row)
                for column in range(min(self.columns, band.count - start)):
                    cells.append((number, x0 + column * step, y))
                y += panel * self.aspect + self._bottom() + _GAP
                row += 1
        return cells, y

    def _bar_boxes(
        self,
        bands: Sequence[Band],
        cells: list[tuple[int, float, float]],
        panel: float,
        scales: Sequence[tuple[float, float]],
    ) -> list[tuple[tuple[float, float], _Box]]:
        """Each colorbar's scale and box (left, top, width, height), in inches."""
        tall = panel * self.aspect
        pad = self._overhang + _BAR_PAD
        if self.bars == "panel":
            shrunk = tall * _BAR_SHRINK
            return [
                (scale, (x + panel + pad, top + (tall - shrunk) / 2, _BAR_WIDTH, shrunk))
                for (_, x, top), scale in zip(cells, scales, strict=True)
            ]
        if self.bars not in ("band", "all"):
            return []
        if self.bars == "all":
            groups = [(range(len(bands)), scales[0])]
        else:
            groups = [([n], scale) for n, scale in enumerate(scales)]
        # Every band's bar in one column, right of the widest row.
        right = max(x for _, x, _ in cells) + panel
        return [
            (
                scale,
                self._side_bar(
                    [(right - panel, top, panel, tall) for band, _, top in cells if band in members]
                ),
            )
            for members, scale in groups
        ]


def _settled(lay: Callable[[float], tuple[_Laid, float]]) -> _Laid:
    """Lay a figure out with room for its colorbars' labels as wide as they turn out to be.

    ``lay`` takes the room for the labels and gives the layout and the room its labels need.
    A bar's labels depend on its height, and its height on the room the labels take beside the
    panels; more room makes shorter bars with fewer labels, so the rounds settle, mostly in two.
    """
    room = 0.0
    for _ in range(_ROUNDS):
        laid, needed = lay(room)
        if needed <= room:
            break
        room = needed
    return laid


def _widest(labelled: Sequence[tuple[list[float], list[str]]]) -> float:
    return max((text_width(text) for _, texts in labelled for text in texts), default=0.0)


def _axes(fig: Figure, x: float, top: float, width: float, height: float) -> Axes:
    """An axes ``width`` by ``height`` inches, ``x`` from the figure's left, ``top`` below its
    top."""
    fig_width, fig_height = fig.get_size_inches()
    return fig.add_axes(
        (x / fig_width, 1 - (top + height) / fig_height, width / fig_width, height / fig_height)
    )

"""Figures of noise and fine lines are shown at one screen pixel or more per value.

Noise drawn at less than one screen pixel per value is resampled, and the resampling draws a
grid and lines that are not in the data. For each such figure, the test redraws it as the build
does, reads where each image panel sits in the PNG and how many values it shows, then measures
in Chromium (device pixel ratio 1) how wide the page shows that PNG at 390 and 1280 px:

    screen px per value = (panel's PNG px / values across it) × (shown CSS px / PNG px)

Noise panels, and the enlarged crops of fine lines, must reach 1 in both directions. Panels that
show a whole photograph-sized map for orientation are measured and reported, not held to 1.
"""

from __future__ import annotations

import functools
import io
import tomllib
from dataclasses import dataclass

import pytest
from PIL import Image
from project import ROOT

from cnnviz import recipes, store

pytestmark = [pytest.mark.site, pytest.mark.browser]

FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
VIEWPORTS = (390, 1280)

# (page, figure, which panels are held to 1 value per screen pixel): "all" for noise and for
# figures made of crops; "crops" for the panels that show fewer values across than the widest
# (the enlargements beside a whole map); "none" for whole maps, measured only.
SCALED = [
    ("custom/", "blur-edges", "all"),
    ("custom/", "sobel", "none"),
    ("custom/", "sobel-photo", "none"),
    ("padding-stride/", "padding-stride", "all"),
    ("padding-stride/", "padding-border", "crops"),
    ("", "pipeline", "crops"),
]


@dataclass(frozen=True)
class Panel:
    """One image panel of a figure's PNG: its size in PNG pixels and in values shown."""

    png_px: tuple[float, float]
    values: tuple[float, float]

    def per_value(self, shown: float) -> float:
        """Screen pixels per value, in the sparser direction, when the PNG is drawn ``shown``
        times its own size."""
        return min(px / n for px, n in zip(self.png_px, self.values, strict=True)) * shown


def _visible(extent: tuple[float, float], limits: tuple[float, float]) -> float:
    low, high = max(min(extent), min(limits)), min(max(extent), max(limits))
    return max(high - low, 0.0)


@functools.cache
def panels(figure: str, narrow: bool) -> tuple[tuple[int, int], tuple[Panel, ...]]:
    """Redraw a figure as the build does; its PNG's size and each image panel in it. Drawn
    once per process: both languages show the same figure."""
    (spec,) = [s for s in FIGURES if s["target"] == f"figures/{figure}.png"]
    params = {**spec["params"], **({"narrow": True} if narrow else {})}
    fig = getattr(recipes, spec["recipe"])(**params)
    png = store.png_bytes(fig)  # draws at the build's DPI: the layout is now final
    width, height = Image.open(io.BytesIO(png)).size
    found = []
    for ax in fig.axes:
        for image in ax.get_images():
            left, right, bottom, top = image.get_extent()
            box = ax.get_position()
            across = _visible((left, right), ax.get_xlim())
            down = _visible((top, bottom), ax.get_ylim())
            shown_x = box.width * width * across / abs(ax.get_xlim()[1] - ax.get_xlim()[0])
            shown_y = box.height * height * down / abs(ax.get_ylim()[1] - ax.get_ylim()[0])
            found.append(Panel((shown_x, shown_y), (across, down)))
    return (width, height), tuple(found)


def shown_image(browser, site, path: str, figure: str, viewport: int) -> dict:
    """The figure's <img> on the page at a viewport width: its CSS width and the PNG it uses."""
    context = browser.new_context(
        viewport={"width": viewport, "height": 900}, device_scale_factor=1
    )
    tab = context.new_page()
    try:
        tab.goto(site.url + path)
        return tab.evaluate(
            """async (name) => {
                const imgs = [...document.querySelectorAll('article img')]
                    .filter(i => i.getAttribute('src').endsWith(`/${name}.png`));
                if (imgs.length !== 1) return {count: imgs.length};
                const img = imgs[0];
                img.loading = 'eager';
                await img.decode();
                return {count: 1, css: img.getBoundingClientRect().width,
                        natural: img.naturalWidth, src: img.currentSrc};
            }""",
            figure,
        )
    finally:
        context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["", "en/"])
@pytest.mark.parametrize(("path", "figure", "kind"), SCALED, ids=[f for _, f, _ in SCALED])
def test_noise_and_fine_lines_get_a_screen_pixel_per_value(
    browser, site, path, figure, kind, language, viewport
):
    """At 390 and 1280 px, each noise panel and each enlarged crop shows every value on at
    least one screen pixel; the served PNG is the figure as redrawn here."""
    img = shown_image(browser, site, language + path, figure, viewport)
    assert img["count"] == 1, (path, figure)
    narrow = img["src"].endswith(f"{figure}-narrow.png")
    assert narrow == (viewport < 600)  # every figure here has a narrow twin
    size, found = panels(figure, narrow)
    assert img["natural"] == size[0]
    shown = img["css"] / img["natural"]
    widest = max(panel.values[0] for panel in found)
    ratios = [(panel.values, round(panel.per_value(shown), 2)) for panel in found]
    print(f"{figure} at {viewport}: {img['css']:.0f} CSS px of {size[0]}; {ratios}")
    held = [
        panel for panel in found if kind == "all" or (kind == "crops" and panel.values[0] < widest)
    ]
    assert kind == "none" or held
    for panel in held:
        assert panel.per_value(shown) >= 1, (figure, viewport, panel)

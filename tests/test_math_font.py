"""The maths font: served, licensed, linked where there is maths, and what Chromium draws with.

Pages are chosen by what the built site holds (`<math` in their HTML), not by name, so the
tests follow the lessons as they change.
"""

from __future__ import annotations

import html
import io
import json
import re
import urllib.request
from urllib.parse import urljoin

import pytest
from fontTools.ttLib import TTFont
from project import ROOT
from test_browser import open_page
from test_site import tags

pytestmark = pytest.mark.site

FAMILY = "STIX Two Math"
PACKAGE = "@fontsource/stix-two-math"
FONT = "assets/fonts/stix-two-math.woff2"
STYLESHEET = "stylesheets/math.css"
MATH = re.compile(r"<math\b.*?</math>", re.S)
DISPLAY_SUM = re.compile(r'<math\b[^>]*display="block".*?<mo\b[^>]*>\s*∑\s*</mo>.*?</math>', re.S)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        assert response.status == 200, url
        return response.read()


def built_pages(site) -> dict[str, str]:
    """Every built page by its URL path ("", "conv/", "en/conv/", ...), with its HTML."""
    pages = {}
    for path in site.root.rglob("index.html"):
        folder = path.parent.relative_to(site.root).as_posix()
        pages["" if folder == "." else folder + "/"] = path.read_text(encoding="utf-8")
    return pages


def math_pages(site, language: str | None = None) -> list[str]:
    """The URL paths of the pages that hold a formula, in one language or both."""
    pages = [path for path, text in built_pages(site).items() if "<math" in text]
    if language is not None:
        pages = [path for path in pages if path.startswith("en/") == (language == "en")]
    return sorted(pages)


def served_font(site) -> TTFont:
    return TTFont(io.BytesIO(fetch(site.url + FONT)))


def italic(char: str) -> str:
    """The letter a browser draws for a one-letter <mi>: its mathematical italic form."""
    code = ord(char)
    if char == "h":
        return "\u210e"  # the italic h sits in Letterlike Symbols, not in the italic alphabet
    for first, last, italic_first in (
        ("A", "Z", 0x1D434),
        ("a", "z", 0x1D44E),
        ("Α", "Ω", 0x1D6E2),
        ("α", "ω", 0x1D6FC),
    ):
        if ord(first) <= code <= ord(last):
            return chr(italic_first + code - ord(first))
    return char


def test_the_font_is_served_as_a_woff2_with_its_math_table(site):
    """The built site serves a WOFF2 of STIX Two Math whose MATH table keeps a larger ∑ for
    display style and the size variants and stretchy parts of the delimiters."""
    data = fetch(site.url + FONT)
    assert data[:4] == b"wOF2"
    font = TTFont(io.BytesIO(data))
    assert font["name"].getDebugName(1) == FAMILY
    assert "MATH" in font
    variants = font["MATH"].table.MathVariants
    coverage = variants.VertGlyphCoverage.glyphs
    cmap, glyphs = font.getBestCmap(), set(font.getGlyphOrder())
    for char in "∑⌊⌋()[]{}":
        construction = variants.VertGlyphConstruction[coverage.index(cmap[ord(char)])]
        sizes = [record.AdvanceMeasurement for record in construction.MathGlyphVariantRecord]
        assert len(sizes) >= 2, char
        assert max(sizes) > 1.25 * sizes[0], char
        assert {record.VariantGlyph for record in construction.MathGlyphVariantRecord} <= glyphs
        assert char == "∑" or construction.GlyphAssembly is not None, char
    assert font["MATH"].table.MathConstants.DisplayOperatorMinHeight > 0


def test_the_font_has_every_character_of_every_formula(site):
    """Each character in the site's MathML is in the subset, and so is the italic form that a
    browser draws for a one-letter identifier."""
    cmap = served_font(site).getBestCmap()
    needed = set()
    for text in built_pages(site).values():
        for formula in MATH.findall(text):
            for token, content in re.findall(r"<(m\w+)\b[^>]*>([^<]+)</\1>", formula):
                chars = html.unescape(content).strip()
                needed |= set(chars)
                if token == "mi" and len(chars) == 1:
                    needed.add(italic(chars))
    assert len(needed) > 30
    missing = sorted(f"{char} U+{ord(char):04X}" for char in needed if ord(char) not in cmap)
    assert missing == []


def test_the_stylesheet_is_linked_on_every_page_with_math_and_no_other(site):
    """math.css is linked from each page that holds a formula, in both languages, and only
    from those; the conv page is among them."""
    stylesheet = urljoin(site.url, STYLESHEET)
    with_math = set(math_pages(site))
    assert {"conv/", "en/conv/"} <= with_math
    for path, text in built_pages(site).items():
        linked = [
            urljoin(site.url + path, link["href"])
            for link in tags(text, "link")
            if link.get("rel") == "stylesheet"
        ]
        assert (stylesheet in linked) == (path in with_math), path


def test_the_stylesheet_declares_the_font_and_sets_it_on_math(site):
    """math.css declares the served WOFF2 with font-display: swap, and gives `math` the font,
    with the browser's own maths font after it."""
    url = urljoin(site.url, STYLESHEET)
    css = re.sub(r"/\*.*?\*/", "", fetch(url).decode("utf-8"), flags=re.S)
    face = re.search(r"@font-face\s*{(.*?)}", css, re.S)
    assert face is not None
    declarations = dict(re.findall(r"([\w-]+)\s*:\s*([^;]+);", face.group(1)))
    assert declarations["font-family"] == f'"{FAMILY}"'
    assert declarations["font-display"] == "swap"
    source = re.fullmatch(r'url\("([^"]+)"\) format\("woff2"\)', declarations["src"])
    assert source is not None
    assert urljoin(url, source.group(1)) == site.url + FONT
    assert re.search(rf'(^|}})\s*math\s*{{\s*font-family:\s*"{FAMILY}",\s*math;\s*}}', css)


def test_the_licence_and_the_source_are_beside_the_font(site):
    """The OFL text is served next to the font, and the note names the package at the exact
    version that package.json and package-lock.json pin."""
    licence = fetch(urljoin(site.url + FONT, "OFL.txt")).decode("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Reserved Font Name" not in licence.split("-----", 1)[0]
    version = json.loads((ROOT / "package.json").read_text())["devDependencies"][PACKAGE]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{PACKAGE}"]["version"] == version
    assert lock["packages"][f"node_modules/{PACKAGE}"]["license"] == "OFL-1.1"
    note = fetch(urljoin(site.url + FONT, "README.txt")).decode("utf-8")
    assert f"{PACKAGE} {version}" in note


def drawn_fonts(page) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each MathML token on the page with the fonts Chromium drew its text in."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    selector = "article math :is(mi, mn, mo, mtext)"
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    texts = page.eval_on_selector_all(selector, "els => els.map(el => el.textContent)")
    assert len(texts) == len(nodes)
    return [
        (
            text,
            [
                (font["familyName"], font["isCustomFont"])
                for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            ],
        )
        for text, node in zip(texts, nodes, strict=True)
    ]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_chromium_draws_every_formula_in_the_math_font(site, page, language):
    """On each page with maths: `math` computes to the font, document.fonts has it loaded,
    and every token whose characters the font holds is drawn from the served file alone."""
    cmap = served_font(site).getBestCmap()
    pages = math_pages(site, language)
    assert len(pages) >= 3
    for path in pages:
        open_page(page, site, path, images=False)
        # Sections off screen are not laid out (content-visibility: auto): lay them all out.
        page.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
        # A formula in a folded answer is drawn only once the reader opens it: open them all.
        page.evaluate("document.querySelectorAll('article details').forEach(d => d.open = true)")
        families = page.eval_on_selector_all(
            "article math", "els => els.map(el => getComputedStyle(el).fontFamily)"
        )
        assert families
        assert {family.split(",")[0].strip() for family in families} == {f'"{FAMILY}"'}, path
        statuses = page.evaluate(
            """family => document.fonts.ready.then(fonts =>
                [...fonts].filter(face => face.family.replace(/"/g, '') === family)
                    .map(face => face.status))""",
            FAMILY,
        )
        assert statuses == ["loaded"], path
        drawn = drawn_fonts(page)
        assert drawn, path
        for text, fonts in drawn:
            if text.strip() and all(ord(char) in cmap for char in text):
                assert fonts == [(FAMILY, True)], (path, text, fonts)
    assert {url for url in page.requested if url.endswith(".woff2")} == {site.url + FONT}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_display_sum_is_drawn_large(site, page, language):
    """In a display formula the ∑ is taller than 1.25 times the body text (STIX Two Math's
    display ∑ is 1.33 em; drawn at text size, without a maths font, it measured 0.8). A ∑
    inside a fraction is set in text style, as TeX sets it, and is left out."""
    pages = [path for path in math_pages(site, language) if DISPLAY_SUM.search(site.html(path))]
    assert pages
    measured = 0
    for path in pages:
        open_page(page, site, path, images=False)
        page.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
        page.evaluate("document.fonts.ready.then(() => true)")
        body, heights = page.evaluate("""() => [
            parseFloat(getComputedStyle(document.querySelector('article')).fontSize),
            [...document.querySelectorAll('article math[display="block"] mo')]
                .filter(mo => mo.textContent.trim() === '∑' && !mo.closest('mfrac'))
                .map(mo => mo.getBoundingClientRect().height)]""")
        measured += len(heights)
        assert not heights or min(heights) > 1.25 * body, (path, body, heights)
    assert measured

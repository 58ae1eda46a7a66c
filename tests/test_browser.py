"""The site as a reader meets it, in headless Chromium, served under /cnnviz/ on 127.0.0.1."""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import urlparse

import pytest
from project import ROOT, fresh_tab, serious_violations
from test_site import PAGES

pytestmark = [pytest.mark.site, pytest.mark.browser]

BOTH = [prefix + page for page in PAGES for prefix in ("", "en/")]
PHONE = {"width": 390, "height": 844}


def has_math(page: str) -> bool:
    """Whether a page's source holds a formula: its Markdown, or the gallery's templates."""
    source = ROOT / "docs" / f"{page.rstrip('/') or 'index'}.ko.md"
    if page.startswith("gallery/"):
        source = (
            ROOT
            / "gen"
            / "templates"
            / ("gallery-index.ko.md" if page == "gallery/" else "gallery-image.ko.md")
        )
    return source.is_file() and "$" in source.read_text(encoding="utf-8")


MATH_PAGES = [page for page in PAGES if has_math(page)]


def open_page(page, site, path: str, images: bool = True):
    """Load a page (200) and, unless ``images`` is false, fetch and decode all its images, the
    lazy ones too. A test that looks at no image saves that: loading the 40 pages with maths and
    waiting for their fonts took 14.3 s with the images, 11.4 to 13.9 s without (2026-12-07)."""
    response = page.goto(site.url + path)
    assert response is not None
    assert response.status == 200, path
    if images:
        page.evaluate("""async () => {
            for (const img of document.images) img.loading = "eager";
            await Promise.all([...document.images].map(img => img.decode().catch(() => {})));
        }""")
    return response


@pytest.mark.parametrize("path", BOTH)
def test_page_loads_cleanly_offline_accessibly_with_its_math_and_on_a_phone(site, page, path):
    """200, every image decoded, no console error, no other host; formulas laid out as MathML
    with a real size and no TeX source visible; no serious axe issue in either colour scheme.
    Then, loaded again in the same tab at 390 px as a phone loads it: nothing makes the page
    scroll sideways, every table fits the screen without scrolling inside its box, and every
    figure that has a narrow layout shows it."""
    open_page(page, site, path)
    broken = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert broken == []
    assert page.console_errors == []
    own = urlparse(site.url).netloc
    assert [url for url in page.requested if urlparse(url).netloc != own] == []
    if path.removeprefix("en/") in MATH_PAGES:
        assert_math_is_rendered(page)
    assert serious_violations(page) == []
    page.click("label[for='__palette_1']")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    open_page(page, site, path)
    page.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path}: {width} px wide"
    tables = page.evaluate("""[...document.querySelectorAll('.md-typeset__scrollwrap')]
        .map(box => [box.querySelector('table').scrollWidth, box.clientWidth])""")
    assert all(table <= box for table, box in tables), f"{path}: tables {tables}"
    pictures = page.evaluate("""[...document.querySelectorAll('article picture img')]
        .map(img => img.currentSrc)""")
    assert all(src.endswith("-narrow.png") for src in pictures), pictures


def test_the_axe_check_finds_a_planted_fault_where_it_looks(site, page):
    """The axe check is not blind: a button with no name planted in the article is reported,
    on the whole page and in the article, and not in a part of the page that lacks it."""
    open_page(page, site, "conv/")
    page.evaluate("document.querySelector('article').append(document.createElement('button'))")
    assert [finding for finding in serious_violations(page) if "button-name" in finding]
    assert serious_violations(page, "article")
    assert serious_violations(page, ".md-header") == []


def assert_math_is_rendered(page) -> None:
    """Formulas are laid out as MathML with a real size, and no TeX source is visible."""
    sizes = page.evaluate("""[...document.querySelectorAll('article math')]
        .map(m => m.getBoundingClientRect()).map(r => r.width * r.height)""")
    assert sizes
    assert min(sizes) > 0
    text = page.evaluate("""() => {
        const article = document.querySelector('article').cloneNode(true);
        article.querySelectorAll('pre, code, math').forEach(node => node.remove());
        return article.innerText;
    }""")
    assert not re.search(r"\$[^$\s][^$]*\$|\\frac|\\\(|\\\[|\\max|\\sum", text)


def test_each_tab_finds_the_site_as_a_first_visit_does(site, tabs):
    """The tabs of the browser tests share one context, and its HTTP cache; what one tab left
    (the colour scheme Material remembers, a cookie, local storage) the next does not find."""
    origin = "{0.scheme}://{0.netloc}".format(urlparse(site.url))
    with fresh_tab(tabs, origin) as tab:
        open_page(tab, site, "conv/")
        tab.click("label[for='__palette_1']")
        tab.evaluate("document.cookie = 'seen=1'; localStorage.setItem('seen', '1')")
        assert tab.evaluate("localStorage.length") > 1
    with fresh_tab(tabs, origin) as tab:
        open_page(tab, site, "conv/")
        assert tab.get_attribute("body", "data-md-color-scheme") == "default"
        assert tab.evaluate("document.cookie") == ""
        assert tab.evaluate("localStorage.getItem('seen')") is None


@pytest.mark.parametrize("path", ["", "conv/", "gallery/", "pooling/"])
def test_language_switcher_goes_to_the_counterpart_and_back(site, page, path):
    """English from a Korean page lands on the same page in English, and 한국어 comes back."""
    open_page(page, site, path)
    page.hover(".md-select")
    with page.expect_navigation():
        page.click(".md-select__link[hreflang='en']")
    assert page.url == site.url + "en/" + path
    assert page.get_attribute("html", "lang") == "en"
    page.hover(".md-select")
    with page.expect_navigation():
        page.click(".md-select__link[hreflang='ko']")
    assert page.url == site.url + path
    assert page.get_attribute("html", "lang") == "ko"


def search(page, query: str) -> list[str]:
    page.keyboard.press("/")
    page.keyboard.type(query)
    page.keyboard.press("End")  # Hangul typed as text fires no key event; this one does
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    page.wait_for_timeout(300)  # let the result list settle after the last keystroke
    links = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
    return [urlparse(link).path for link in links]


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("ko", "합성곱", "conv/"),
        ("ko", "합성곱은", "conv/"),
        ("ko", "풀링", "pooling/"),
        ("ko", "풀링은", "pooling/"),
        ("en", "convolution", "en/conv/"),
        ("en", "pooling", "en/pooling/"),
    ],
)
def test_search_finds_the_page_in_the_readers_language(site, page, language, query, expected):
    """The best result is the expected page, in the language of the site being searched."""
    open_page(page, site, "" if language == "ko" else "en/")
    results = search(page, query)
    base = urlparse(site.url).path
    assert results[0].split("#")[0] == base + expected
    english = [path for path in results if path.startswith(base + "en/")]
    assert english == (results if language == "en" else [])


def test_dark_mode_toggle_keeps_figures_on_a_light_opaque_ground(site, page):
    """The toggle switches to the dark scheme; each figure still paints an opaque light ground."""
    open_page(page, site, "conv/")
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    page.click("label[for='__palette_1']")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    page_ground = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert sum(map(int, re.findall(r"\d+", page_ground)[:3])) < 3 * 80  # a dark page
    corners = page.evaluate("""() => [...document.querySelectorAll('article img')].map(img => {
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(img, 0, 0);
        return [...context.getImageData(1, 1, 1, 1).data];
    })""")
    assert corners
    assert all(alpha == 255 and min(rgb) > 200 for *rgb, alpha in corners)


@pytest.mark.parametrize("path", ["conv/", "en/gallery/"])
def test_keyboard_reaches_every_control(site, page, path):
    """Tabbing through the page focuses every visible link, button and input.

    A radio group is one stop, as in every browser: the arrow keys move within it.
    """
    open_page(page, site, path)
    count = page.evaluate("""() => {
        const all = document.querySelectorAll('a[href], button, input, select, textarea');
        const controls = [...all].filter(el => el.tabIndex >= 0 && el.getClientRects().length
            && el.checkVisibility({visibilityProperty: true}) && !el.closest('[hidden], [inert]'));
        controls.forEach((el, index) => {
            el.dataset.control = el.type === 'radio' ? 'radio:' + el.name : index;
        });
        return controls.length;
    }""")
    seen = set()
    for _ in range(count * 2 + 20):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.dataset.control"))
    missed = page.evaluate(
        "seen => [...document.querySelectorAll('[data-control]')]"
        ".filter(el => !seen.includes(el.dataset.control)).map(el => el.outerHTML.slice(0, 80))",
        [value for value in seen if value is not None],
    )
    assert count > 10
    assert missed == []


def test_keyboard_switches_scheme_language_and_searches(site, page):
    """From the keyboard alone: change the colour scheme, search, and change language."""
    open_page(page, site, "conv/")
    page.focus("input[name='__palette'][id='__palette_0']")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    assert search(page, "풀링")
    page.keyboard.press("Escape")
    page.focus(".md-select > button")
    for _ in range(5):  # the menu opens on focus; its links follow the button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "en":
            break
    assert page.evaluate("document.activeElement.getAttribute('hreflang')") == "en"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url + "en/conv/"


def test_a_figure_opens_large_in_a_lightbox_from_mouse_or_keyboard(site, page):
    """A figure opens in a lightbox at full resolution, passes axe, and Escape closes it."""
    open_page(page, site, "conv/")
    page.click("article a.glightbox >> nth=1")
    page.wait_for_selector(".gslide-image img")
    natural = page.evaluate("document.querySelector('.gslide-image img').naturalWidth")
    assert natural >= 800
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    page.wait_for_selector(".glightbox-container", state="detached")
    page.focus("article a.glightbox >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_selector(".gslide-image img")
    assert page.console_errors == []


# Where a heading sits once the page is still: the fonts loaded, the images on screen drawn, and
# the heading at one place for 12 frames in a row (a fixed 400 ms wait took 16 s of this test),
# or 300 frames gone by. Returns how many frames it last stayed still, its top, the header's
# bottom, and whether the page is scrolled to its end.
SETTLED_PLACE = """async (id) => {
    const heading = document.getElementById(id);
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    const onScreen = (img) => img.getBoundingClientRect().top < innerHeight;
    await document.fonts.ready;
    await Promise.all([...document.images].filter(onScreen)
        .map((img) => img.decode().catch(() => {})));
    let still = 0, top = null;
    for (let last = null, count = 0; still < 12 && count < 300; last = top, count++) {
        await frame();
        top = heading.getBoundingClientRect().top;
        still = top === last ? still + 1 : 0;
    }
    return [
        still,
        top,
        document.querySelector(".md-header").getBoundingClientRect().bottom,
        innerHeight + scrollY >= document.documentElement.scrollHeight - 2,
    ];
}"""


def test_sections_off_screen_wait_yet_a_heading_link_lands_on_its_heading(site, page):
    """Sections are laid out lazily (content-visibility), and that does not spoil links to a
    heading: arriving at any heading of a long page, or following a link to it on the page,
    puts it just below the header, in both languages, and it stays there."""
    for prefix in ("", "en/"):
        open_page(page, site, prefix + "conv/")
        styles = page.eval_on_selector_all(
            "article > section.cnnviz-section",
            "s => s.map(e => getComputedStyle(e).contentVisibility)",
        )
        assert len(styles) >= 3
        assert set(styles) == {"auto"}
        ids = page.eval_on_selector_all("article h2", "hs => hs.map(h => h.id)")
        for way in ("arrive", "follow"):
            for heading in ids:
                if way == "arrive":  # a whole load, not a jump within the page
                    page.goto("about:blank")
                    page.goto(site.url + prefix + f"conv/#{heading}")
                else:
                    page.evaluate(f"location.hash = {heading!r}")
                still, top, header, at_end = page.evaluate(SETTLED_PLACE, heading)
                assert still == 12, (prefix, heading, way, "still moving")
                assert at_end or header - 1 <= top <= header + 80, (prefix, heading, way, top)


@pytest.mark.parametrize("path", ["conv/", "en/conv/", "padding-stride/", "en/learned/"])
def test_notebook_links_download_under_the_subpath(site, page, path):
    """Each download link under a lesson's title gives its file, under /cnnviz/, offline: a
    notebook that parses, and zips that hold it."""
    open_page(page, site, path)
    links = page.locator(".cnnviz-downloads a")
    assert links.count() == 3
    name = path.rstrip("/").rpartition("/")[2]
    for index in range(3):
        with page.expect_download() as info:
            links.nth(index).click()
        download = info.value
        assert urlparse(download.url).path.startswith(urlparse(site.url).path)
        data = download.path().read_bytes()
        if download.url.endswith(".ipynb"):
            assert json.loads(data)["nbformat"] == 4
        else:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            assert any(entry.endswith(f"{name}.ipynb") for entry in names)
    own = urlparse(site.url).netloc
    assert [url for url in page.requested if urlparse(url).netloc != own] == []


@pytest.mark.parametrize("path", ["conv/", "en/conv/"])
def test_the_sliding_window_steps_with_buttons_and_keys(site, page, path):
    """The step-through starts at the first place; Next and the arrow keys move the window
    one place, End jumps to the last; the status names the place and its sum."""
    open_page(page, site, path)
    steps = page.locator(".cnnviz-steps")
    steps.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.cnnviz-steps').dataset.step === '0'")
    window = steps.locator(".cnnviz-steps-grid").first.locator("td.is-negative, td.is-positive")
    assert window.count() == 16
    assert steps.locator("button[data-step='-1']").get_attribute("aria-disabled") == "true"
    rows = steps.locator(".cnnviz-steps-grid").nth(1).locator("tr")
    heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    assert max(heights) - min(heights) < 1, heights  # rows not yet filled keep their height
    steps.locator("button[data-step='1']").click()
    assert steps.get_attribute("data-step") == "1"
    steps.focus()
    page.keyboard.press("ArrowRight")
    assert steps.get_attribute("data-step") == "2"
    page.keyboard.press("End")
    assert steps.get_attribute("data-step") == "15"
    data = json.loads((site.root / "figures" / "sliding.json").read_text(encoding="utf-8"))
    last = [row[-4:] for row in data["levels"][-4:]]  # the window's last place, bottom right
    total = sum(
        k * w
        for krow, wrow in zip(last, data["kernel"], strict=True)
        for k, w in zip(krow, wrow, strict=True)
    )
    value = f"{data['output'][-1][-1]:.4f}"
    status = steps.locator(".cnnviz-steps-status").inner_text()
    assert "16" in status
    assert f"{total:g}" in status  # the weighted sum of the brightness levels k
    assert value in status
    output = steps.locator(".cnnviz-steps-grid").nth(1)
    assert output.locator("td.is-current").inner_text() == value
    assert steps.locator("button[data-step='1']").get_attribute("aria-disabled") == "true"
    steps.locator("button[data-step='1']").dispatch_event("click")  # at the end, stays put
    assert steps.get_attribute("data-step") == "15"

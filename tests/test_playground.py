"""The playground page, driven in Chromium: its API, its math against cnnviz.run, and its a11y."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import numpy as np
import pytest

from cnnviz import recipes, run
from cnnviz.kernels import FILTER_1, PRESETS, SOBEL_X
from cnnviz.samples import PLAYGROUND_SHRINK, load_sample, sample_names

PAGES = {"ko": "playground/", "en": "en/playground/"}
HANGUL = re.compile("[가-힣]")
TOLERANCE = 1e-4
KERNELS = {
    "f1": FILTER_1.tolist(),
    "sobel_x": SOBEL_X.tolist(),
    "blur_5x5": np.full((5, 5), 1 / 25).tolist(),
    "random_3x3": np.random.default_rng(6).uniform(-2, 2, (3, 3)).tolist(),
}


def open_playground(page, site, language="en"):
    """Go to the playground and wait until its first image is drawn."""
    page.goto(site.url + PAGES[language])
    page.wait_for_function("() => window.cnnvizPlayground !== undefined")
    page.evaluate("() => window.cnnvizPlayground.ready")
    return page


def call(page, name, *args):
    """Call ``window.cnnvizPlayground.<name>(*args)`` and return what it gives (awaited)."""
    return page.evaluate(f"(args) => window.cnnvizPlayground.{name}(...args)", list(args))


def python_stages(page, kernel):
    """cnnviz.run on exactly the array the page convolves."""
    image = np.array(call(page, "image"), dtype=np.float32)
    stages = run(image, kernel)
    return {"conv": stages.conv[0], "relu": stages.relu[0], "pooled": stages.pooled[0]}


def page_result(page):
    return {name: np.array(rows) for name, rows in call(page, "result").items()}


def numbers(page, selector):
    """The numbers written in the cells of a table of the explanation."""
    texts = page.locator(f"[data-pg=detail] {selector} td").all_inner_texts()
    return np.array([float(text) for text in texts])


def point_at(page, stage, row, col):
    """Move the mouse to the middle of one pixel of a map."""
    canvas = page.locator(f"[data-pg={stage}]")
    canvas.evaluate("(c) => c.scrollIntoView({block: 'center'})")  # clear of the fixed header
    box = canvas.bounding_box()
    height, width = canvas.evaluate("(c) => [c.height, c.width]")
    x = box["x"] + (col + 0.5) * box["width"] / width
    y = box["y"] + (row + 0.5) * box["height"] / height
    page.mouse.move(x, y)


def shown_pixel(page):
    detail = page.locator("[data-pg=detail]")
    return (
        detail.get_attribute("data-stage"),
        int(detail.get_attribute("data-row")),
        int(detail.get_attribute("data-col")),
    )


def tab_to(page, selector, limit=80):
    """Press Tab until the focused element matches ``selector``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


class Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append({"tag": tag, **{key: value or "" for key, value in attrs}})


def playground_markup(site, language):
    html = site.html(PAGES[language])
    parser = Attributes()
    parser.feed(html)
    strings = re.search(
        r'<script type="application/json" class="pg-strings">(.*?)</script>', html, re.S
    )
    return parser.tags, json.loads(strings.group(1))


def test_shrink_averages_blocks_and_stays_8_bit():
    """load_sample(shrink=2) is the 2×2 block mean rounded to k/255; an odd last row is dropped."""
    full = load_sample("grace_hopper")
    half = load_sample("grace_hopper", shrink=2)
    assert half.shape == (full.shape[0] // 2, full.shape[1] // 2)
    assert half.dtype == np.float32
    levels = np.round(full * 255)[: 2 * half.shape[0], : 2 * half.shape[1]]
    means = levels.reshape(half.shape[0], 2, half.shape[1], 2).mean(axis=(1, 3))
    np.testing.assert_array_equal(half * np.float32(255), np.round(means).astype(np.float32))
    np.testing.assert_array_equal(load_sample("road", shrink=1), load_sample("road"))
    with pytest.raises(ValueError, match="shrink"):
        load_sample("road", shrink=0)


def test_presets_file_holds_every_named_kernel():
    """preset_kernels() is PRESETS as JSON rows, float32 values unchanged."""
    presets = json.loads(recipes.preset_kernels())
    assert presets.keys() == PRESETS.keys()
    for name, kernel in PRESETS.items():
        assert np.array_equal(np.array(presets[name], dtype=np.float32), kernel), name


@pytest.mark.site
def test_data_files_are_the_shrunk_samples(site):
    """The build writes each sample's 8-bit pixels at the playground's size, and their shapes."""
    shapes = json.loads((site.root / "playground" / "samples.json").read_text())
    assert list(shapes) == sample_names()
    for name in sample_names():
        image = load_sample(name, shrink=PLAYGROUND_SHRINK)
        assert shapes[name] == list(image.shape)
        data = (site.root / "playground" / f"{name}.u8").read_bytes()
        assert data == recipes.gray_bytes(name, shrink=PLAYGROUND_SHRINK)
        levels = np.frombuffer(data, np.uint8).reshape(image.shape).astype(np.float32)
        assert np.array_equal(levels / np.float32(255), image)
    assert not (site.root / "en" / "playground" / "samples.json").exists()


@pytest.mark.site
def test_both_languages_have_the_same_controls_and_words(site):
    """ko and en pages hold the same controls, a button per preset, and the same string keys."""
    korean, korean_strings = playground_markup(site, "ko")
    english, english_strings = playground_markup(site, "en")

    def controls(tags):
        return sorted(
            (tag["tag"], tag.get("data-pg", ""), tag.get("data-preset", ""), tag.get("id", ""))
            for tag in tags
            if "data-pg" in tag or "data-preset" in tag
        )

    assert controls(korean) == controls(english)
    assert {tag["data-preset"] for tag in korean if "data-preset" in tag} == set(PRESETS)
    assert korean_strings.keys() == english_strings.keys()
    assert all(HANGUL.search(text) for key, text in korean_strings.items() if key != "shape")
    assert not [text for text in english_strings.values() if HANGUL.search(text)]
    headings = [re.findall(r"<h2 id=", site.html(PAGES[language])) for language in PAGES]
    assert len(headings[0]) == len(headings[1]) >= 3


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_page_loads_with_no_error_and_no_outside_request(site, page, language):
    """The page draws its first image with no console error and asks only the local server."""
    open_playground(page, site, language)
    assert page.console_errors == []
    origin = urlparse(site.url)
    assert all(urlparse(url).netloc == origin.netloc for url in page.requested), page.requested
    assert site.url + "playground/samples.json" in page.requested
    assert site.url + "playground/road.u8" in page.requested
    assert page.locator("[data-pg=status]").inner_text() == ""


@pytest.mark.browser
def test_other_pages_get_no_playground(site, page):
    """On a page without a playground the script defines nothing and fetches nothing."""
    page.goto(site.url + "en/conv/")
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.cnnvizPlayground") is None
    assert not [url for url in page.requested if "/playground/" in url]
    assert page.console_errors == []


@pytest.mark.browser
def test_api_sets_image_and_kernel_and_reads_back(site, page):
    """setImage and setKernel change what image(), kernel() and result() give, in valid shapes."""
    open_playground(page, site)
    assert call(page, "samples") == sample_names()
    call(page, "setImage", "test_card")
    call(page, "setKernel", [[1, 2, 3], [4, 5, 6]])
    height, width = load_sample("test_card", shrink=PLAYGROUND_SHRINK).shape
    assert np.array(call(page, "image")).shape == (height, width)
    assert call(page, "kernel") == [[1, 2, 3], [4, 5, 6]]
    result = page_result(page)
    assert result["conv"].shape == (height - 1, width - 2)
    assert result["pooled"].shape == ((height - 1) // 2, (width - 2) // 2)
    np.testing.assert_array_equal(result["relu"], np.maximum(result["conv"], 0))
    assert page.locator("#pg-sample").input_value() == "test_card"
    assert page.locator(".pg-cell").count() == 6


@pytest.mark.browser
@pytest.mark.parametrize("name", sample_names())
def test_image_is_the_shrunk_sample(site, page, name):
    """image() is exactly load_sample(name, shrink=PLAYGROUND_SHRINK), value for value."""
    open_playground(page, site)
    call(page, "setImage", name)
    image = np.array(call(page, "image"), dtype=np.float64)
    expected = load_sample(name, shrink=PLAYGROUND_SHRINK)
    assert image.shape == expected.shape
    np.testing.assert_array_equal(image, expected.astype(np.float64))


@pytest.mark.browser
@pytest.mark.parametrize("kernel", KERNELS.values(), ids=KERNELS.keys())
def test_page_computes_what_cnnviz_run_computes(site, page, kernel):
    """The page's conv, ReLU and pooling are within 1e-4 of cnnviz.run, on every sample."""
    open_playground(page, site)
    for name in sample_names():
        call(page, "setImage", name)
        call(page, "setKernel", kernel)
        result, expected = page_result(page), python_stages(page, kernel)
        for stage in ("conv", "relu", "pooled"):
            assert result[stage].shape == expected[stage].shape, (name, stage)
            difference = np.abs(result[stage] - expected[stage]).max()
            assert difference <= TOLERANCE, (name, stage, difference)


@pytest.mark.browser
def test_api_refuses_bad_kernels_and_keeps_the_old_one(site, page):
    """A ragged, oversized or non-numeric kernel, or an unknown image, is refused; none is kept."""
    open_playground(page, site)
    before = call(page, "kernel")
    for bad in ([[1, 2], [3]], [[1] * 8] * 8, [[1]], [[1, "2"], [3, 4]], [[1, None], [3, 4]], "f1"):
        message = page.evaluate(
            """(k) => { try { window.cnnvizPlayground.setKernel(k); return null; }
                        catch (error) { return error.message; } }""",
            bad,
        )
        assert message, bad
    assert call(page, "kernel") == before
    refused = page.evaluate(
        "() => window.cnnvizPlayground.setImage('moon').then(() => null, (e) => e.message)"
    )
    assert "road" in refused


@pytest.mark.browser
def test_presets_fill_the_editor(site, page):
    """Each preset button sets its kernel from cnnviz.kernels, resizes the grid and is marked."""
    open_playground(page, site)
    for name, kernel in PRESETS.items():
        page.locator(f"[data-preset={name}]").click()
        assert np.array_equal(np.array(call(page, "kernel"), dtype=np.float32), kernel), name
        rows, cols = kernel.shape
        assert page.locator(".pg-cell").count() == rows * cols
        assert page.locator("#pg-rows").input_value() == str(rows)
        assert page.locator("#pg-cols").input_value() == str(cols)
        current = page.locator("[data-preset][aria-current=true]")
        assert name in current.evaluate_all("(buttons) => buttons.map((b) => b.dataset.preset)")
    page.locator("[data-preset=sobel_x]").click()
    np.testing.assert_allclose(
        page_result(page)["conv"], python_stages(page, SOBEL_X)["conv"], atol=TOLERANCE
    )


@pytest.mark.browser
def test_kernel_size_runs_from_2_to_7_and_keeps_the_top_left(site, page):
    """Every size from 2×2 to 7×7 gives labelled cells, old weights top-left, a valid-size map."""
    open_playground(page, site)
    height, width = np.array(call(page, "image")).shape
    for side in (4, 5, 6, 7, 3, 2):  # f1 is 4×4: grow it, then shrink it
        page.select_option("#pg-rows", str(side))
        page.select_option("#pg-cols", str(side))
        cells = page.locator(".pg-cell")
        assert cells.count() == side * side
        labels = cells.evaluate_all("(inputs) => inputs.map((i) => i.getAttribute('aria-label'))")
        assert len(set(labels)) == side * side
        assert all(labels)
        assert page_result(page)["conv"].shape == (height - side + 1, width - side + 1)
        expected = np.zeros((side, side))
        kept = min(side, 4)
        expected[:kept, :kept] = FILTER_1[:kept, :kept]
        np.testing.assert_array_equal(call(page, "kernel"), expected)
    page.select_option("#pg-cols", "7")
    assert np.array(call(page, "kernel")).shape == (2, 7)
    assert page_result(page)["conv"].shape == (height - 1, width - 6)


@pytest.mark.browser
def test_typing_in_a_cell_recomputes_the_maps(site, page):
    """A number typed into the editor becomes the kernel's weight and the maps follow it."""
    open_playground(page, site)
    cell = page.locator(".pg-cell").nth(5)
    cell.fill("2.5")
    kernel = np.array(call(page, "kernel"))
    assert kernel[1, 1] == 2.5
    np.testing.assert_allclose(
        page_result(page)["conv"], python_stages(page, kernel)["conv"], atol=TOLERANCE
    )
    cell.fill("")
    assert call(page, "kernel")[1][1] == 0


@pytest.mark.browser
def test_hovering_a_conv_pixel_shows_patch_kernel_products_and_sum(site, page):
    """The explanation of a conv pixel holds its patch, the kernel, their products and the sum."""
    open_playground(page, site)
    call(page, "setImage", "test_card")
    call(page, "setKernel", SOBEL_X.tolist())
    conv = page_result(page)["conv"]
    row, col = np.unravel_index(np.argmax(np.abs(conv)), conv.shape)
    point_at(page, "conv", row, col)
    assert shown_pixel(page) == ("conv", row, col)
    image = np.array(call(page, "image"))
    patch = image[row : row + 3, col : col + 3].ravel()
    np.testing.assert_allclose(numbers(page, "[data-pg-table=patch]"), patch, atol=5e-5)
    np.testing.assert_array_equal(numbers(page, "[data-pg-table=kernel]"), SOBEL_X.ravel())
    products = numbers(page, "[data-pg-table=products]")
    np.testing.assert_allclose(products, patch * SOBEL_X.ravel(), atol=5e-5)
    total = float(page.locator("[data-pg-value=sum]").inner_text())
    assert abs(total - conv[row, col]) <= TOLERANCE
    assert abs(total - products.sum()) <= 9 * 5e-5
    assert f"{conv[row, col]:.4f}" in page.locator("[data-pg=summary]").inner_text()
    assert page.locator("[data-pg=input-mark]").is_visible()


@pytest.mark.browser
def test_hovering_relu_and_pooled_pixels_explains_them(site, page):
    """ReLU shows max(0, x); pooling shows the 2×2 window of the ReLU map and marks its winner."""
    open_playground(page, site)
    result = page_result(page)
    conv, relu, pooled = result["conv"], result["relu"], result["pooled"]
    row, col = np.unravel_index(np.argmin(conv), conv.shape)
    point_at(page, "relu", row, col)
    assert shown_pixel(page) == ("relu", row, col)
    assert (
        abs(float(page.locator("[data-pg-value=input]").inner_text()) - conv[row, col]) <= TOLERANCE
    )
    assert float(page.locator("[data-pg-value=relu]").inner_text()) == 0
    row, col = np.unravel_index(np.argmax(pooled), pooled.shape)
    point_at(page, "pooled", row, col)
    assert shown_pixel(page) == ("pooled", row, col)
    window = relu[2 * row : 2 * row + 2, 2 * col : 2 * col + 2].ravel()
    np.testing.assert_allclose(numbers(page, "[data-pg-table=window]"), window, atol=5e-5)
    winner = float(page.locator("[data-pg=detail] mark").inner_text())
    assert abs(winner - window.max()) <= 5e-5
    assert abs(float(page.locator("[data-pg-value=max]").inner_text()) - pooled[row, col]) <= 5e-5
    assert page.locator("[data-pg=relu-mark]").is_visible()


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_keyboard_alone_runs_the_playground(site, page, language):
    """With Tab, arrows, Enter and typing only: choose an image, a preset, a weight, a pixel."""
    open_playground(page, site, language)
    tab_to(page, "#pg-sample")
    page.keyboard.press("ArrowDown")
    assert page.locator("#pg-sample").input_value() == "test_card"
    page.wait_for_function("() => window.cnnvizPlayground.image().length === 160")
    tab_to(page, "[data-preset=sobel_x]")
    page.keyboard.press("Enter")
    assert call(page, "kernel") == SOBEL_X.tolist()
    tab_to(page, ".pg-cell")
    page.keyboard.press("Control+A")
    page.keyboard.type("-3")
    assert call(page, "kernel")[0][0] == -3
    tab_to(page, "[data-pg=conv]")
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
    assert shown_pixel(page) == ("conv", 0, 0)
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown"):
        page.keyboard.press(key)
    assert shown_pixel(page) == ("conv", 2, 3)
    conv = page_result(page)["conv"]
    assert abs(float(page.locator("[data-pg-value=sum]").inner_text()) - conv[2, 3]) <= TOLERANCE
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("End")
    assert shown_pixel(page) == ("conv", 2, conv.shape[1] - 1)
    tab_to(page, "[data-pg=pooled]")
    page.keyboard.press("ArrowDown")
    assert shown_pixel(page) == ("pooled", 1, 0)
    assert page.locator("[data-pg=detail] mark").count() == 1
    assert page.locator("[data-pg=summary]").get_attribute("aria-live") == "polite"


def serious(results):
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(site, page, language, scheme):
    """axe-core: nothing serious in the playground, and nothing on the page a lesson page lacks."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.emulate_media(color_scheme=scheme)
    page.goto(site.url + ("en/conv/" if language == "en" else "conv/"))
    baseline = {violation["id"] for violation in serious(axe.run(page))}
    open_playground(page, site, language)
    point_at(page, "conv", 10, 10)  # with an explanation on show
    widget = axe.run(page, context=".pg")
    assert serious(widget) == [], widget.generate_report()
    whole = axe.run(page)
    assert {violation["id"] for violation in serious(whole)} <= baseline, whole.generate_report()

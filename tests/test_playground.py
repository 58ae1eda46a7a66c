"""The playground page, driven in Chromium: its API, its math against numpy and torch, padding,
stride and the receptive field, its layout on a phone, and its accessibility."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from urllib.parse import urlparse

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from project import ROOT, serious_violations, start_tags

from cnnviz import layers, recipes
from cnnviz.kernels import FILTER_1, PRESETS, SOBEL_X
from cnnviz.samples import load_sample, sample_names

PAGES = {"ko": "playground/", "en": "en/playground/"}
ABOUT = {"ko": ROOT / "docs" / "about.ko.md", "en": ROOT / "docs" / "about.en.md"}
HANGUL = re.compile("[가-힣]")
TOLERANCE = 1e-4
PHONE = {"width": 390, "height": 844}
_RANDOM = np.random.default_rng(6)
KERNELS = {
    "f1": FILTER_1.tolist(),
    "sobel_x": SOBEL_X.tolist(),
    "blur_5x5": np.full((5, 5), 1 / 25).tolist(),
    "random_3x3": _RANDOM.uniform(-2, 2, (3, 3)).tolist(),
    "random_7x2": _RANDOM.uniform(-2, 2, (7, 2)).tolist(),
    "random_2x7": _RANDOM.uniform(-2, 2, (2, 7)).tolist(),
    "random_6x6": _RANDOM.uniform(-1, 1, (6, 6)).tolist(),
}
# (filter, padding, stride): every filter width from 2 to 7 at stride 1, and strides 2 and 3
CASES = [
    ("f1", 0, 1),
    ("sobel_x", 1, 1),
    ("blur_5x5", 2, 1),
    ("random_7x2", 3, 1),
    ("random_2x7", 1, 1),
    ("random_6x6", 0, 1),
    ("random_3x3", 3, 2),
    ("f1", 1, 2),
    ("random_2x7", 0, 3),
    ("blur_5x5", 2, 3),
]


def reference(image, kernel, padding=0, stride=1):
    """Conv (zero padding, stride), ReLU and 2×2 max pooling in numpy, in float64."""
    weights = np.asarray(kernel, dtype=np.float32).astype(np.float64)  # as the page holds them
    padded = np.pad(np.asarray(image, dtype=np.float64), padding)
    conv = layers.cross_correlate2d(padded, weights)[::stride, ::stride]
    relu = layers.relu(conv)
    return {"conv": conv, "relu": relu, "pooled": layers.max_pool2d(relu)}


def side(size, kernel, padding, stride):
    return (size + 2 * padding - kernel) // stride + 1


def open_playground(page, site, language="en"):
    """Go to the playground and wait until its first image is drawn."""
    page.goto(site.url + PAGES[language])
    page.wait_for_function("() => window.cnnvizPlayground !== undefined")
    page.evaluate("() => window.cnnvizPlayground.ready")
    return page


def call(page, name, *args):
    """Call ``window.cnnvizPlayground.<name>(*args)`` and return what it gives (awaited)."""
    return page.evaluate(f"(args) => window.cnnvizPlayground.{name}(...args)", list(args))


def python_stages(page, kernel, padding=0, stride=1):
    """The numpy reference on exactly the array the page convolves."""
    return reference(page_image(page), kernel, padding, stride)


def assert_page_matches_numpy(page, kernel, padding, stride, label):
    result, expected = page_result(page), python_stages(page, kernel, padding, stride)
    for stage in ("conv", "relu", "pooled"):
        assert result[stage].shape == expected[stage].shape, (label, stage)
        difference = np.abs(result[stage] - expected[stage]).max()
        assert difference <= TOLERANCE, (label, stage, difference)


# Rows of numbers from the API, checked to be rectangular and packed into bytes in the page:
# a full-size map holds about 220,000 numbers, which travel far faster as bytes than as JSON.
PACKED = """([name, bits]) => {
    const pack = (rows) => {
        const width = rows[0].length;
        if (!rows.every((row) => Array.isArray(row) && row.length === width)) {
            throw new Error("not a list of rows of one length");
        }
        const flat = new (bits === 32 ? Float32Array : Float64Array)(rows.length * width);
        rows.forEach((row, i) => flat.set(row, i * width));
        let text = "";
        const bytes = new Uint8Array(flat.buffer);
        for (let k = 0; k < bytes.length; k += 8192) {
            text += String.fromCharCode(...bytes.subarray(k, k + 8192));
        }
        return [rows.length, width, btoa(text)];
    };
    const value = window.cnnvizPlayground[name]();
    if (Array.isArray(value)) return pack(value);
    return Object.fromEntries(Object.entries(value).map(([key, rows]) => [key, pack(rows)]));
}"""


def _unpack(packed, dtype):
    height, width, data = packed
    return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(height, width)


def page_result(page):
    """result(): conv, ReLU and pooled, each a float32 array (the page holds float32 maps)."""
    packed = page.evaluate(PACKED, ["result", 32])
    return {name: _unpack(value, np.float32) for name, value in packed.items()}


def page_image(page):
    """image(), the float32 pixels the page convolves, as float64 (the page holds float64)."""
    return _unpack(page.evaluate(PACKED, ["image", 64]), np.float64)


def numbers(page, selector):
    """The numbers written in the cells of a table of the explanation."""
    texts = page.locator(f"[data-pg=detail] {selector} td").all_inner_texts()
    return np.array([float(text) for text in texts])


def point_at(page, stage, row, col):
    """Move the mouse to the middle of one pixel of a map, and return the pixel shown.

    At full size a pixel of a map may be less than one screen pixel wide, so the pixel under
    the mouse is the one aimed at or a neighbour; the caller reads which from the page.
    """
    canvas = page.locator(f"[data-pg={stage}]")
    canvas.evaluate("(c) => c.scrollIntoView({block: 'center'})")  # clear of the fixed header
    box = canvas.bounding_box()
    height, width = canvas.evaluate("(c) => [c.height, c.width]")
    x = box["x"] + (col + 0.5) * box["width"] / width
    y = box["y"] + (row + 0.5) * box["height"] / height
    page.mouse.move(x, y)
    shown = shown_pixel(page)
    assert shown[0] == stage
    assert abs(shown[1] - row) <= 1, (shown, row, col)
    assert abs(shown[2] - col) <= 1, (shown, row, col)
    return shown[1], shown[2]


def input_mark(page):
    """The region outlined on the input: (top, left, height, width), or None if none is."""
    mark = page.locator("[data-pg=input-mark]")
    if not mark.is_visible():
        return None
    keys = ("top", "left", "height", "width")
    return tuple(int(mark.get_attribute(f"data-{key}")) for key in keys)


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


def playground_markup(site, language):
    html = site.html(PAGES[language])
    tags = [
        {"tag": tag, **{key: value or "" for key, value in attrs}}
        for tag, attrs in start_tags(html)
    ]
    strings = re.search(
        r'<script type="application/json" class="pg-strings">(.*?)</script>', html, re.S
    )
    return tags, json.loads(strings.group(1))


def test_presets_file_holds_every_named_kernel():
    """preset_kernels() is PRESETS as JSON rows, float32 values unchanged."""
    presets = json.loads(recipes.preset_kernels())
    assert presets.keys() == PRESETS.keys()
    for name, kernel in PRESETS.items():
        assert np.array_equal(np.array(presets[name], dtype=np.float32), kernel), name


@given(
    height=st.integers(16, 24),
    width=st.integers(16, 24),
    kh=st.integers(2, 7),
    kw=st.integers(2, 7),
    padding=st.integers(0, 3),
    stride=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_reference_is_torch_conv2d_relu_and_max_pool(height, width, kh, kw, padding, stride, seed):
    """The numpy reference the page is held to equals F.conv2d(padding, stride), ReLU and
    F.max_pool2d(2), in shape and within 1e-5, and its sides follow the output-size formula."""
    rng = np.random.default_rng(seed)
    image = rng.random((height, width), dtype=np.float32)
    kernel = rng.uniform(-2, 2, (kh, kw)).astype(np.float32)
    expected = reference(image, kernel, padding, stride)
    x = torch.from_numpy(image)[None, None]  # (1, 1, H, W)
    w = torch.from_numpy(kernel)[None, None]  # (1, 1, kh, kw)
    conv = F.conv2d(x, w, padding=padding, stride=stride)
    pooled = F.max_pool2d(F.relu(conv), 2)
    assert expected["conv"].shape == tuple(conv.shape[2:])
    sides = (side(height, kh, padding, stride), side(width, kw, padding, stride))
    assert expected["conv"].shape == sides
    np.testing.assert_allclose(expected["conv"], conv[0, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(expected["pooled"], pooled[0, 0].numpy(), atol=1e-5)


@pytest.mark.site
def test_data_files_are_the_full_size_samples(site):
    """The build writes each sample's 8-bit pixels at full size, and their shapes."""
    shapes = json.loads((site.root / "playground" / "samples.json").read_text())
    assert list(shapes) == sample_names()
    for name in sample_names():
        image = load_sample(name)
        assert shapes[name] == list(image.shape)
        assert max(image.shape) <= 512
        data = (site.root / "playground" / f"{name}.u8").read_bytes()
        assert data == recipes.gray_bytes(name)
        levels = np.frombuffer(data, np.uint8).reshape(image.shape).astype(np.float32)
        assert np.array_equal(levels / np.float32(255), image)
    assert max(max(shape) for shape in shapes.values()) == 512  # the photo, not a half-size copy
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
    assert {"padding", "stride", "sizes"} <= {tag.get("data-pg") for tag in korean}
    assert {tag["data-preset"] for tag in korean if "data-preset" in tag} == set(PRESETS)
    assert korean_strings.keys() == english_strings.keys()
    assert all(HANGUL.search(text) for key, text in korean_strings.items() if key != "shape")
    assert not [text for text in english_strings.values() if HANGUL.search(text)]
    for language in PAGES:
        html = site.html(PAGES[language])
        labels = re.findall(r'<label for="pg-[a-z]+">([^<]+)</label>', html)
        assert len(labels) == 5
        assert all(bool(HANGUL.search(label)) == (language == "ko") for label in labels), labels
    headings = [re.findall(r"<h2 id=", site.html(PAGES[language])) for language in PAGES]
    assert len(headings[0]) == len(headings[1]) >= 5


@pytest.mark.site
@pytest.mark.parametrize("language", ["ko", "en"])
def test_learner_pages_say_nothing_about_the_machinery(site, language):
    """The playground's prose leaves tests, builds and the console API to the About page,
    which documents every function of the API."""
    article = site.html(PAGES[language]).split("<article", 1)[1].split("</article>")[0]
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", article, flags=re.S))
    machinery = r"테스트(?! 카드)|빌드|콘솔|cnnvizPlayground|\btests?\b(?! card)|\bbuild|console"
    assert not re.findall(machinery, text, flags=re.I)
    about = site.html("about/" if language == "ko" else "en/about/")
    for name in ("setImage", "setKernel", "setPadding", "setStride", "result()", "padding()"):
        assert name in about, name


def test_about_page_examples_print_what_their_comments_say(tmp_path):
    """The Python example on the About page prints the shapes its comment gives, in both
    languages, and the two languages show the same code."""
    blocks = {
        language: re.findall(r"```(\w+)\n(.*?)```", path.read_text(), re.S)
        for language, path in ABOUT.items()
    }
    assert blocks["ko"] == blocks["en"]
    python = next(code for kind, code in blocks["en"] if kind == "python")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(python, "about.en.md", "exec"), {})
    comment = python.strip().splitlines()[-1].split("#", 1)[1].strip()
    assert printed.getvalue().strip() == comment


@pytest.mark.site
@pytest.mark.browser
def test_about_page_console_example_prints_what_its_comment_says(site, page):
    """The console example on the About page, run on the playground, logs what its comment says."""
    script = next(
        code
        for kind, code in re.findall(r"```(\w+)\n(.*?)```", ABOUT["en"].read_text(), re.S)
        if kind == "js"
    )
    open_playground(page, site)
    logged = page.evaluate(
        """async (code) => {
            const lines = [];
            const console = {log: (...values) => lines.push(values.join(" "))};
            await new Function("console", `return (async () => { ${code} })();`)(console);
            return lines;
        }""",
        script,
    )
    assert logged == [script.strip().splitlines()[-1].split("//", 1)[1].strip()]


@pytest.mark.site
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
    assert page.get_attribute("[data-cnnviz-playground]", "data-engine") == "wasm"


@pytest.mark.site
@pytest.mark.browser
def test_other_pages_get_no_playground(site, page):
    """On a page without a playground the script defines nothing and fetches nothing."""
    page.goto(site.url + "en/conv/")
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.cnnvizPlayground") is None
    assert not [url for url in page.requested if "/playground/" in url]
    assert page.console_errors == []


@pytest.mark.site
@pytest.mark.browser
def test_api_sets_image_kernel_padding_and_stride_and_reads_back(site, page):
    """setImage, setKernel, setPadding and setStride change what the page gives back, and the
    menus show the new padding and stride."""
    open_playground(page, site)
    assert call(page, "samples") == sample_names()
    assert (call(page, "padding"), call(page, "stride")) == (0, 1)
    call(page, "setImage", "test_card")
    call(page, "setKernel", [[1, 2, 3], [4, 5, 6]])
    call(page, "setPadding", 2)
    call(page, "setStride", 3)
    height, width = load_sample("test_card").shape
    assert np.array(call(page, "image")).shape == (height, width)
    assert call(page, "kernel") == [[1, 2, 3], [4, 5, 6]]
    assert (call(page, "padding"), call(page, "stride")) == (2, 3)
    assert page.locator("#pg-padding").input_value() == "2"
    assert page.locator("#pg-stride").input_value() == "3"
    result = {name: np.array(rows) for name, rows in call(page, "result").items()}  # plain lists
    assert {name: values.dtype for name, values in result.items()} == dict.fromkeys(result, float)
    conv_shape = (side(height, 2, 2, 3), side(width, 3, 2, 3))
    assert result["conv"].shape == conv_shape
    assert result["pooled"].shape == (conv_shape[0] // 2, conv_shape[1] // 2)
    np.testing.assert_array_equal(result["relu"], np.maximum(result["conv"], 0))
    assert page.locator("#pg-sample").input_value() == "test_card"
    assert page.locator(".pg-cell").count() == 6


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("name", sample_names())
def test_image_is_the_full_size_sample(site, page, name):
    """image() is exactly load_sample(name), value for value, at full size."""
    open_playground(page, site)
    call(page, "setImage", name)
    image = page_image(page)
    expected = load_sample(name)
    assert image.shape == expected.shape
    np.testing.assert_array_equal(image, expected.astype(np.float64))
    shape = page.locator("[data-pg=input-shape]").inner_text()
    assert shape == f"{expected.shape[0]} × {expected.shape[1]}"


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize(("kernel", "padding", "stride"), CASES)
def test_page_computes_what_numpy_computes(site, page, kernel, padding, stride):
    """The page's conv, ReLU and pooling are within 1e-4 of the numpy reference, on every
    sample, for this filter, padding and stride."""
    open_playground(page, site)
    call(page, "setKernel", KERNELS[kernel])
    call(page, "setPadding", padding)
    call(page, "setStride", stride)
    for name in sample_names():
        call(page, "setImage", name)
        assert_page_matches_numpy(page, KERNELS[kernel], padding, stride, name)


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize(("kernel", "padding"), [("f1", 0), ("random_6x6", 2), ("random_2x7", 1)])
def test_without_webassembly_the_javascript_path_computes_the_same(site, page, kernel, padding):
    """A browser without WebAssembly gets the plain JavaScript loops, with the same results."""
    page.add_init_script("delete window.WebAssembly")
    open_playground(page, site)
    assert page.get_attribute("[data-cnnviz-playground]", "data-engine") == "js"
    call(page, "setImage", "grace_hopper")
    call(page, "setKernel", KERNELS[kernel])
    call(page, "setPadding", padding)
    assert_page_matches_numpy(page, KERNELS[kernel], padding, 1, kernel)
    assert page.console_errors == []


@pytest.mark.site
@pytest.mark.browser
def test_api_refuses_bad_kernels_paddings_and_strides_and_keeps_the_old_ones(site, page):
    """A ragged, oversized or non-numeric kernel, a padding or stride out of range or not a
    whole number, or an unknown image, is refused; none is kept."""
    open_playground(page, site)
    call(page, "setPadding", 1)
    before = call(page, "kernel")
    result = page_result(page)

    def refused(function, value):
        return page.evaluate(
            f"""(v) => {{ try {{ window.cnnvizPlayground.{function}(v); return null; }}
                        catch (error) {{ return error.message; }} }}""",
            value,
        )

    for bad in ([[1, 2], [3]], [[1] * 8] * 8, [[1]], [[1, "2"], [3, 4]], [[1, None], [3, 4]], "f1"):
        assert refused("setKernel", bad), bad
    for bad in (-1, 4, 1.5, "2", None):
        assert refused("setPadding", bad), bad
    for bad in (0, 4, 2.5, "1", None):
        assert refused("setStride", bad), bad
    assert call(page, "kernel") == before
    assert (call(page, "padding"), call(page, "stride")) == (1, 1)
    assert page.locator("#pg-padding").input_value() == "1"
    np.testing.assert_array_equal(page_result(page)["conv"], result["conv"])
    refused_image = page.evaluate(
        "() => window.cnnvizPlayground.setImage('moon').then(() => null, (e) => e.message)"
    )
    assert "road" in refused_image


@pytest.mark.site
@pytest.mark.browser
def test_padding_and_stride_menus_update_the_sizes_and_the_formula(site, page):
    """Choosing a padding and a stride updates the maps, their sizes and the output-size
    formula at once, with this image's and this filter's numbers in it."""
    open_playground(page, site)
    call(page, "setImage", "grace_hopper")
    height, width = load_sample("grace_hopper").shape
    for padding, stride in ((0, 1), (3, 1), (2, 2), (1, 3)):
        page.select_option("#pg-padding", str(padding))
        page.select_option("#pg-stride", str(stride))
        conv = (side(height, 4, padding, stride), side(width, 4, padding, stride))
        pooled = (conv[0] // 2, conv[1] // 2)
        assert page_result(page)["conv"].shape == conv
        assert page.locator("[data-pg=conv-shape]").inner_text() == f"{conv[0]} × {conv[1]}"
        assert page.locator("[data-pg=pooled-shape]").inner_text() == f"{pooled[0]} × {pooled[1]}"
        sizes = page.locator("[data-pg=sizes]")
        for kind, size, value in (("height", height, conv[0]), ("width", width, conv[1])):
            line = sizes.locator(f"[data-pg-size={kind}]")
            assert line.get_attribute("data-value") == str(value)
            numbers = [int(n) for n in re.findall(r"\d+", line.locator("math").text_content())]
            assert numbers == [size, 2, padding, 4, stride, 1, value], (kind, numbers)
        line = sizes.locator("[data-pg-size=pooled]")
        numbers = [int(n) for n in re.findall(r"\d+", line.locator("math").text_content())]
        assert numbers == [conv[0], 2, conv[1], 2, *pooled]
    assert call(page, "padding") == 1
    assert call(page, "stride") == 3


@pytest.mark.site
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


@pytest.mark.site
@pytest.mark.browser
def test_kernel_size_runs_from_2_to_7_and_keeps_the_top_left(site, page):
    """Every size from 2×2 to 7×7 gives labelled cells, old weights top-left, a valid-size map."""
    open_playground(page, site)
    height, width = page_image(page).shape
    for size in (4, 5, 6, 7, 3, 2):  # f1 is 4×4: grow it, then shrink it
        page.select_option("#pg-rows", str(size))
        page.select_option("#pg-cols", str(size))
        cells = page.locator(".pg-cell")
        assert cells.count() == size * size
        labels = cells.evaluate_all("(inputs) => inputs.map((i) => i.getAttribute('aria-label'))")
        assert len(set(labels)) == size * size
        assert all(labels)
        assert page_result(page)["conv"].shape == (height - size + 1, width - size + 1)
        expected = np.zeros((size, size))
        kept = min(size, 4)
        expected[:kept, :kept] = FILTER_1[:kept, :kept]
        np.testing.assert_array_equal(call(page, "kernel"), expected)
    page.select_option("#pg-cols", "7")
    assert np.array(call(page, "kernel")).shape == (2, 7)
    assert page_result(page)["conv"].shape == (height - 1, width - 6)


@pytest.mark.site
@pytest.mark.browser
def test_typing_in_a_cell_recomputes_the_maps(site, page):
    """A number typed into the editor becomes the kernel's weight and the maps follow it."""
    open_playground(page, site)
    call(page, "setStride", 2)
    cell = page.locator(".pg-cell").nth(5)
    cell.fill("2.5")
    kernel = np.array(call(page, "kernel"))
    assert kernel[1, 1] == 2.5
    np.testing.assert_allclose(
        page_result(page)["conv"], python_stages(page, kernel, 0, 2)["conv"], atol=TOLERANCE
    )
    cell.fill("")
    assert call(page, "kernel")[1][1] == 0


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize(("padding", "stride"), [(0, 1), (1, 2)])
def test_hovering_a_conv_pixel_shows_patch_kernel_products_and_sum(site, page, padding, stride):
    """The explanation of a conv pixel holds its patch, the kernel, their products and the sum,
    and outlines the window on the input, at (row·s − p, col·s − p)."""
    open_playground(page, site)
    call(page, "setImage", "test_card")
    call(page, "setKernel", SOBEL_X.tolist())
    call(page, "setPadding", padding)
    call(page, "setStride", stride)
    conv = page_result(page)["conv"]
    row, col = np.unravel_index(np.argmax(np.abs(conv)), conv.shape)
    row, col = point_at(page, "conv", row, col)
    image = page_image(page)
    padded = np.pad(image, padding)
    top, left = row * stride - padding, col * stride - padding
    patch = padded[row * stride : row * stride + 3, col * stride : col * stride + 3].ravel()
    np.testing.assert_allclose(numbers(page, "[data-pg-table=patch]"), patch, atol=5e-5)
    np.testing.assert_array_equal(numbers(page, "[data-pg-table=kernel]"), SOBEL_X.ravel())
    products = numbers(page, "[data-pg-table=products]")
    np.testing.assert_allclose(products, patch * SOBEL_X.ravel(), atol=5e-5)
    total = float(page.locator("[data-pg-value=sum]").inner_text())
    assert abs(total - conv[row, col]) <= TOLERANCE
    assert abs(total - products.sum()) <= 9 * 5e-5
    assert f"{conv[row, col]:.4f}" in page.locator("[data-pg=summary]").inner_text()
    assert input_mark(page) == (top, left, 3, 3)
    assert f"({top}, {left})" in page.locator("[data-pg=detail] .pg-where").inner_text()


@pytest.mark.site
@pytest.mark.browser
def test_a_window_on_the_padding_shows_faded_zeros_and_a_clipped_outline(site, page):
    """With padding, a window over the edge shows its padding cells as faded zeros, and the
    outline on the input covers only the part inside the image."""
    open_playground(page, site)
    call(page, "setKernel", FILTER_1.tolist())
    call(page, "setPadding", 2)
    page.focus("[data-pg=conv]")  # the keyboard's first pixel: (0, 0)
    assert shown_pixel(page) == ("conv", 0, 0)
    faded = page.locator("[data-pg=detail] [data-pg-table=patch] td.pg-pad")
    assert faded.count() == 16 - 2 * 2  # the window covers rows and columns -2 to 1
    assert set(faded.all_inner_texts()) == {"0.0000"}
    assert page.locator("[data-pg=detail] .pg-note").count() == 1
    assert input_mark(page) == (0, 0, 2, 2)
    call(page, "setKernel", [[1, 1], [1, 1]])
    call(page, "setPadding", 3)
    page.focus("[data-pg=relu]")
    page.focus("[data-pg=conv]")
    assert shown_pixel(page) == ("conv", 0, 0)
    assert input_mark(page) is None  # the whole window is padding
    assert page.locator("[data-pg=detail] [data-pg-table=patch] td.pg-pad").count() == 4


@pytest.mark.site
@pytest.mark.browser
def test_hovering_relu_and_pooled_pixels_explains_them(site, page):
    """ReLU shows max(0, x); pooling shows the 2×2 window of the ReLU map and marks its winner."""
    open_playground(page, site)
    result = page_result(page)
    conv, relu, pooled = result["conv"], result["relu"], result["pooled"]
    row, col = np.unravel_index(np.argmin(conv), conv.shape)
    row, col = point_at(page, "relu", row, col)
    assert (
        abs(float(page.locator("[data-pg-value=input]").inner_text()) - conv[row, col]) <= TOLERANCE
    )
    assert abs(float(page.locator("[data-pg-value=relu]").inner_text()) - relu[row, col]) <= 5e-5
    row, col = np.unravel_index(np.argmax(pooled), pooled.shape)
    row, col = point_at(page, "pooled", row, col)
    window = relu[2 * row : 2 * row + 2, 2 * col : 2 * col + 2].ravel()
    np.testing.assert_allclose(numbers(page, "[data-pg-table=window]"), window, atol=5e-5)
    winner = float(page.locator("[data-pg=detail] mark").inner_text())
    assert abs(winner - window.max()) <= 5e-5
    assert abs(float(page.locator("[data-pg-value=max]").inner_text()) - pooled[row, col]) <= 5e-5
    assert page.locator("[data-pg=relu-mark]").is_visible()


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_a_pooled_pixel_outlines_its_receptive_field_on_the_input(site, page, stride):
    """Hovering a pooled pixel outlines the (s + 4) × (s + 4) input region that a 4×4 filter
    and 2×2 pooling make it depend on: 5×5 at stride 1. The outline sits on those pixels,
    and changing any pixel outside it leaves the pooled value as it is."""
    open_playground(page, site, "ko")
    call(page, "setImage", "grace_hopper")
    call(page, "setStride", stride)
    pooled = page_result(page)["pooled"]
    row, col = point_at(page, "pooled", pooled.shape[0] // 2, pooled.shape[1] // 3)
    top, left = 2 * row * stride, 2 * col * stride
    field = (top, left, stride + 4, stride + 4)
    assert input_mark(page) == field
    summary = page.locator("[data-pg=summary]").inner_text()
    assert f"{stride + 4} × {stride + 4}" in summary
    assert f"{top}–{top + stride + 3}" in summary
    # the outline covers exactly those pixels of the input canvas
    canvas = page.locator("[data-pg=input]").bounding_box()
    mark = page.locator("[data-pg=input-mark]").bounding_box()
    height, width = page_image(page).shape
    scale = canvas["width"] / width
    assert abs(mark["x"] - (canvas["x"] + left * scale)) <= 1
    assert abs(mark["width"] - (stride + 4) * scale) <= 1
    # the field is all the value depends on: noise outside it changes nothing
    image = page_image(page)
    noisy = np.random.default_rng(3).random(image.shape)
    noisy[top : top + stride + 4, left : left + stride + 4] = image[
        top : top + stride + 4, left : left + stride + 4
    ]
    expected = reference(noisy, FILTER_1, 0, stride)["pooled"][row, col]
    assert abs(expected - pooled[row, col]) <= TOLERANCE


@pytest.mark.site
@pytest.mark.browser
def test_a_receptive_field_over_the_padding_is_clipped_to_the_image(site, page):
    """At the image's corner with padding 2, the field of pooled pixel (0, 0) starts at -2: the
    outline covers only the part inside the image, and the summary says the rest is padding."""
    open_playground(page, site)
    call(page, "setPadding", 2)
    call(page, "setStride", 2)
    page.focus("[data-pg=pooled]")
    assert shown_pixel(page) == ("pooled", 0, 0)
    assert input_mark(page) == (0, 0, 4, 4)  # rows and columns -2 to 3
    summary = page.locator("[data-pg=summary]").inner_text()
    assert "6 × 6" in summary
    assert "4 × 4" in summary
    assert "padding" in summary


@pytest.mark.site
@pytest.mark.browser
def test_the_exercises_answers_hold(site, page):
    """The playground page's exercises: same-size padding for 3×3 and 5×5 filters; and a 2×2
    filter on padding 3 leaves two rings of zeros around the convolution map."""
    open_playground(page, site)
    height, width = page_image(page).shape
    call(page, "setKernel", SOBEL_X.tolist())
    call(page, "setPadding", 1)
    assert page_result(page)["conv"].shape == (height, width)
    call(page, "setKernel", np.ones((5, 5)).tolist())
    call(page, "setPadding", 2)
    assert page_result(page)["conv"].shape == (height, width)
    call(page, "setKernel", [[1, 2], [3, 4]])
    call(page, "setPadding", 3)
    conv = page_result(page)["conv"]
    for ring in (conv[:2], conv[-2:], conv[:, :2], conv[:, -2:]):
        assert not ring.any()
    assert conv[2:-2, 2:-2].all()  # every pixel > 0, so every sum reaching the image is > 0


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_keyboard_alone_runs_the_playground(site, page, language):
    """With Tab, arrows, Enter and typing only: choose an image, a preset, a padding, a
    stride, a weight and a pixel, whose receptive field is then outlined."""
    open_playground(page, site, language)
    tab_to(page, "#pg-sample")
    page.keyboard.press("ArrowDown")
    assert page.locator("#pg-sample").input_value() == "test_card"
    page.wait_for_function("() => window.cnnvizPlayground.image().length === 320")
    tab_to(page, "#pg-padding")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#pg-stride")
    page.keyboard.press("ArrowDown")
    assert (call(page, "padding"), call(page, "stride")) == (1, 2)
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
    assert input_mark(page) == (2 * 2 - 1, 0, 5, 4)  # rows 3-7; columns -1 to 3, clipped
    assert page.locator("[data-pg=summary]").get_attribute("aria-live") == "polite"


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_page_fits_a_390_px_phone(site, browser, language):
    """On a 390 px wide phone nothing scrolls sideways: not the controls, not a 7×7 filter, not
    its explanation, not the size formula at padding 3."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    open_playground(page, site, language)
    call(page, "setImage", "grace_hopper")
    call(page, "setKernel", (np.arange(49).reshape(7, 7) / -7).tolist())
    call(page, "setPadding", 3)
    page.focus("[data-pg=conv]")
    assert page.locator("[data-pg-table=products] td").count() == 49
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= PHONE["width"], widths
    page.focus("[data-pg=pooled]")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(site, page, language, scheme):
    """axe-core: nothing serious in the playground, and nothing on the page a lesson page lacks."""
    page.emulate_media(color_scheme=scheme)
    page.goto(site.url + ("en/conv/" if language == "en" else "conv/"))
    baseline = {finding.partition(":")[0] for finding in serious_violations(page)}
    open_playground(page, site, language)
    point_at(page, "conv", 10, 10)  # with an explanation on show
    assert serious_violations(page, ".pg") == []
    whole = serious_violations(page)
    assert {finding.partition(":")[0] for finding in whole} <= baseline, whole

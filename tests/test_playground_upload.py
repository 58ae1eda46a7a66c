"""The reader's own image in the playground: picked or dropped, decoded, made gray and shrunk in
the page exactly as cnnviz.images.decode_gray does with OpenCV, convolved like a sample, never
sent anywhere, and refused in one line of the reader's language when it cannot be used."""

from __future__ import annotations

import base64
import json
import re
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from project import ROOT, serious_violations
from test_playground import (
    CASES,
    HANGUL,
    KERNELS,
    PAGES,
    PHONE,
    assert_page_matches_numpy,
    call,
    open_playground,
    page_image,
    page_result,
    tab_to,
)

from cnnviz.images import decode_gray
from cnnviz.kernels import SOBEL_X
from cnnviz.samples import load_sample

SCRIPT = ROOT / "docs" / "javascripts" / "playground.js"
PHOTO = ROOT / "cnnviz" / "data" / "udacity_sdc.png"
LARGE = (1065, 1600)  # the photo scaled up, so that the page must shrink it to 341 × 512
LIMIT_BYTES = 20 * 2**20
LABELS = {"ko": "내 사진 고르기", "en": "Choose your own photo"}

SETTLED = "() => document.querySelector('[data-pg=file-status]').dataset.kind !== 'busy'"

# Counts every way the page could read a file's bytes.
COUNT_READS = """() => {
    window.fileReads = 0;
    const count = (owner, name) => {
        const original = owner[name];
        owner[name] = function (...args) {
            window.fileReads++;
            return original.apply(this, args);
        };
    };
    count(window, "createImageBitmap");
    for (const name of ["arrayBuffer", "text", "stream", "slice"]) count(Blob.prototype, name);
    for (const name of ["readAsArrayBuffer", "readAsDataURL", "readAsText", "readAsBinaryString"]) {
        count(FileReader.prototype, name);
    }
}"""

# Drag a file over `target` and drop it there, as a reader's mouse would, with a DataTransfer.
DROP = """([target, name, type, data]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type }));
    const at = document.querySelector(target);
    const root = document.querySelector("[data-cnnviz-playground]");
    const fire = (kind) => {
        const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
        const event = new DragEvent(kind, init);
        at.dispatchEvent(event);
        return event.defaultPrevented;
    };
    const taken = [fire("dragenter"), fire("dragover")];
    const marked = root.classList.contains("pg--drop");
    taken.push(fire("drop"));
    return { taken, marked, unmarked: !root.classList.contains("pg--drop") };
}"""


def with_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an EXIF block that says how to turn it upright."""
    entry = struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)  # Orientation, SHORT, 1 value
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1) + entry + bytes(4)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    return jpeg[:2] + app1 + jpeg[2:]


def write_png(path: Path, levels: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), levels)
    return path


def noise(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Random 8-bit levels: every pixel of a shrink is a rounding that could go wrong."""
    return np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    """The lesson's photo as PNG, as a JPEG made by cv2.imwrite, scaled up to 1600 × 1065 as a
    JPEG, and as a JPEG stored on its side with EXIF orientation 6."""
    folder = tmp_path_factory.mktemp("photos")
    bgr = cv2.imread(str(PHOTO))
    jpeg = folder / "photo.jpg"
    cv2.imwrite(str(jpeg), bgr)
    large = folder / "large.jpg"
    cv2.imwrite(str(large), cv2.resize(bgr, LARGE[::-1], interpolation=cv2.INTER_CUBIC))
    turned = folder / "turned.jpg"
    turned.write_bytes(with_orientation(jpeg.read_bytes(), 6))
    return {"png": PHOTO, "jpeg": jpeg, "large": large, "turned": turned}


def strings(page) -> dict[str, str]:
    return page.evaluate(
        "() => JSON.parse(document.querySelector('script.pg-strings').textContent)"
    )


def fill(template: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], m[0])), template)


def file_status(page) -> tuple[str, str]:
    line = page.locator("[data-pg=file-status]")
    return line.get_attribute("data-kind"), line.inner_text()


def choose(page, path) -> tuple[str, str]:
    """Pick a file with the file picker and wait until the page has opened or refused it."""
    page.set_input_files("#pg-file", str(path))
    page.wait_for_function(SETTLED)
    return file_status(page)


def drop(page, path: Path, target: str = "[data-pg=input]", mime: str = "image/png"):
    """Drop a file on an element of the playground; returns what the drag events showed."""
    data = base64.b64encode(path.read_bytes()).decode()
    shown = page.evaluate(DROP, [target, path.name, mime, data])
    page.wait_for_function(SETTLED)
    return shown


def opened_message(page, path: Path, shape: tuple[int, int], original: tuple[int, int]) -> str:
    text = strings(page)
    if shape == original:
        return fill(text["fileOpened"], name=path.name, h=shape[0], w=shape[1])
    h0, w0 = original
    return fill(text["fileShrunk"], name=path.name, h0=h0, w0=w0, h=shape[0], w=shape[1])


def stored_shape(path: Path) -> tuple[int, int]:
    """The size the lesson reads a file at before any shrink, turned upright."""
    return cv2.imread(str(path)).shape[:2]


def test_gray_weights_are_opencvs_for_every_colour():
    """The page's fixed-point gray weights give cv2.cvtColor(BGR2GRAY)'s level for all 2²⁴
    colours. OpenCV 5 rounds in 15 bits; the 14-bit weights (4899, 9617, 1868) miss some."""
    found = re.search(r"GRAY_WEIGHTS = \[(\d+), (\d+), (\d+)\]", SCRIPT.read_text())
    wr, wg, wb = (int(n) for n in found.groups())
    assert wr + wg + wb == 2**15
    for red in range(0, 256, 32):  # 8 slices of 2 million colours each
        r, g, b = np.meshgrid(np.arange(red, red + 32), np.arange(256), np.arange(256))
        bgr = np.stack([b, g, r], axis=-1).reshape(-1, 1024, 3).astype(np.uint8)
        expected = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        pixels = bgr.astype(np.int32)
        levels = (pixels[..., 2] * wr + pixels[..., 1] * wg + pixels[..., 0] * wb + 2**14) >> 15
        np.testing.assert_array_equal(levels, expected)
    pixels = np.array([[[0, 15, 106]]], dtype=np.uint8)  # B, G, R
    assert cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)[0, 0] != (106 * 4899 + 15 * 9617 + 8192) >> 14


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("kind", ["png", "jpeg", "large", "turned"])
def test_a_photo_opens_exactly_as_the_lesson_reads_it(site, page, photos, kind):
    """A photo chosen with the picker becomes exactly decode_gray's array: gray as OpenCV makes
    it, upright by its EXIF orientation, shrunk with INTER_AREA to 512 px when larger. Conv,
    ReLU and pooling on it then match numpy within 1e-4 for every filter, padding and stride."""
    path = photos[kind]
    open_playground(page, site)
    state, said = choose(page, path)
    expected = decode_gray(path.read_bytes())
    image = page_image(page)
    assert image.shape == expected.shape
    np.testing.assert_array_equal(image, expected.astype(np.float64))
    assert max(image.shape) <= 512
    assert state == "done"
    assert said == opened_message(page, path, expected.shape, stored_shape(path))
    assert page.locator("[data-pg=input-shape]").inner_text() == "{} × {}".format(*image.shape)
    for kernel, padding, stride in CASES:
        call(page, "setKernel", KERNELS[kernel])
        call(page, "setPadding", padding)
        call(page, "setStride", stride)
        assert_page_matches_numpy(page, KERNELS[kernel], padding, stride, (kind, kernel))
    assert page.console_errors == []


def test_the_photos_are_what_the_tests_say():
    """The large photo is shrunk (from 1065 × 1600 to 341 × 512) and the turned one stands
    upright, 320 × 213, though its pixels are stored 213 × 320: the cases above test both."""
    bgr = cv2.imread(str(PHOTO))
    large = cv2.resize(bgr, LARGE[::-1], interpolation=cv2.INTER_CUBIC)
    assert decode_gray(cv2.imencode(".jpg", large)[1].tobytes()).shape == (341, 512)
    jpeg = cv2.imencode(".jpg", bgr)[1].tobytes()
    assert decode_gray(with_orientation(jpeg, 6)).shape == (320, 213)
    assert decode_gray(jpeg).shape == (213, 320)


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize(
    ("height", "width"),
    [(768, 1024), (1536, 1536), (1537, 999), (600, 513), (2051, 97)],
    ids=["half", "thirds", "uneven", "barely", "strip"],
)
def test_the_shrink_is_opencvs_inter_area_to_the_level(site, page, tmp_path, height, width):
    """On noise, where every output level is a rounding, the page's shrink equals
    cv2.resize(INTER_AREA) at the lesson's size, through OpenCV's three paths: exactly half,
    a whole number of pixels, and uneven weights."""
    path = write_png(tmp_path / "noise.png", noise(height, width))
    open_playground(page, site)
    assert choose(page, path)[0] == "done"
    expected = decode_gray(path.read_bytes())
    assert max(expected.shape) == 512
    np.testing.assert_array_equal(page_image(page), expected.astype(np.float64))


@pytest.mark.site
@pytest.mark.browser
def test_choosing_or_dropping_a_file_sends_nothing(site, page, photos):
    """Opening photos by picker and by drop makes no request at all: the image stays in the
    browser."""
    open_playground(page, site)
    before = list(page.requested)
    choose(page, photos["large"])
    drop(page, photos["png"])
    choose(page, photos["turned"])
    assert call(page, "image") is not None
    assert page.requested == before
    assert page.console_errors == []


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize(
    "target", ["[data-pg=input]", ".pg-explain", "#pg-rows", "[data-pg=file-status]"]
)
def test_a_file_dropped_anywhere_on_the_playground_opens(site, page, photos, target):
    """Dragging a file over any part of the playground accepts it and outlines the playground;
    dropping it opens it exactly as the picker would."""
    open_playground(page, site)
    shown = drop(page, photos["jpeg"], target, "image/jpeg")
    assert shown == {"taken": [True, True, True], "marked": True, "unmarked": True}
    assert file_status(page)[0] == "done"
    expected = decode_gray(photos["jpeg"].read_bytes())
    np.testing.assert_array_equal(page_image(page), expected.astype(np.float64))


@pytest.mark.site
@pytest.mark.browser
def test_a_file_dropped_beside_the_playground_does_not_leave_the_page(site, page, photos):
    """A file dropped on the page's heading, outside the playground, is neither opened nor
    followed: the browser would otherwise replace the page with the file."""
    open_playground(page, site)
    image = page_image(page)
    shown = drop(page, photos["png"], "h1")
    assert shown["taken"] == [False, True, True]  # dragover and drop are cancelled
    assert not shown["marked"]
    assert page.url.endswith(PAGES["en"])
    np.testing.assert_array_equal(page_image(page), image)


# (case, file name, content, the strings key) for each kind of file the playground refuses
REFUSED = {
    "text": ("notes.txt", b"conv, relu, pool\n", "notImage"),
    "broken": ("broken.png", b"\x89PNG\r\n\x1a\n" + bytes(40), "notImage"),
    "empty": ("empty.png", b"", "emptyFile"),
    "too_large": ("huge.jpg", None, "tooLarge"),
    "too_small": ("small.png", (7, 40), "tooSmall"),
    "too_thin": ("strip.png", (20, 2000), "tooThin"),
    "too_many_pixels": ("vast.png", "flat", "tooManyPixels"),
}


def refused_file(folder: Path, case: str) -> tuple[Path, dict[str, object]]:
    """Write the file for a case; return it and the values its message is filled with."""
    name, content, _ = REFUSED[case]
    path = folder / name
    if content is None:  # one byte over the limit, as zeros: no header at all
        path.write_bytes(bytes(LIMIT_BYTES + 1))
        return path, {"name": name, "size": 20.1, "limit": 20}
    if content == "flat":  # 41 megapixels of one gray: 54 kB as PNG, 164 MB decoded
        write_png(path, np.full((6400, 6400), 128, dtype=np.uint8))
        return path, {"name": name, "mp": 41, "limit": 40}
    if isinstance(content, tuple):
        write_png(path, noise(*content))
        values = {"name": name, "h": content[0], "w": content[1], "min": 8}
        return path, values | ({"max": 512} if case == "too_thin" else {})
    path.write_bytes(content)
    return path, {"name": name}


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_an_unusable_file_is_refused_in_one_line(site, page, photos, tmp_path, case, language):
    """A file that is not an image, is broken, empty, over 20 MB, under 8 px across, so thin
    that the shrink would leave under 8 px, or over 40 megapixels, is refused with one line in
    the page's language, in a live status area. An oversized file is never read. The photo
    open before, the filter, padding, stride and maps stay as they were, and keep following
    the filter."""
    path, values = refused_file(tmp_path, case)
    page.add_init_script(f"({COUNT_READS})()")
    open_playground(page, site, language)
    choose(page, photos["jpeg"])
    call(page, "setKernel", SOBEL_X.tolist())
    call(page, "setPadding", 1)
    call(page, "setStride", 2)
    image, result = page_image(page), page_result(page)
    reads = page.evaluate("() => window.fileReads")
    state, said = choose(page, path)
    assert state == "error"
    assert said == fill(strings(page)[REFUSED[case][2]], **values)
    assert "\n" not in said
    assert bool(HANGUL.search(said)) == (language == "ko")
    line = page.locator("[data-pg=file-status]")
    assert (line.get_attribute("role"), line.get_attribute("aria-live")) == ("status", "polite")
    if case == "too_large":
        assert page.evaluate("() => window.fileReads") == reads  # refused from its size alone
    np.testing.assert_array_equal(page_image(page), image)
    for stage, maps in page_result(page).items():
        np.testing.assert_array_equal(maps, result[stage])
    assert call(page, "kernel") == SOBEL_X.tolist()
    assert (call(page, "padding"), call(page, "stride")) == (1, 2)
    assert page.locator("#pg-sample").input_value() == "own-photo"
    call(page, "setKernel", KERNELS["random_3x3"])
    assert_page_matches_numpy(page, KERNELS["random_3x3"], 1, 2, case)
    assert page.console_errors == []


@pytest.mark.site
@pytest.mark.browser
def test_a_refusal_through_the_api_rejects_with_the_same_line(site, page):
    """setImageFile(file) rejects a file that is not an image with the line the page shows."""
    open_playground(page, site)
    message = page.evaluate(
        """() => window.cnnvizPlayground
            .setImageFile(new File(["hello"], "notes.txt", { type: "text/plain" }))
            .then(() => "opened", (error) => error.message)"""
    )
    assert message == fill(strings(page)["notImage"], name="notes.txt")
    assert file_status(page) == ("error", message)


@pytest.mark.site
@pytest.mark.browser
def test_eight_pixels_across_hold_a_7x7_filter_and_pooling(site, page, tmp_path):
    """An 8 × 8 image, the smallest opened, gives one pooled pixel under a 7 × 7 filter."""
    open_playground(page, site)
    assert choose(page, write_png(tmp_path / "tiny.png", noise(8, 8)))[0] == "done"
    kernel = np.ones((7, 7)).tolist()
    call(page, "setKernel", kernel)
    result = page_result(page)
    assert result["conv"].shape == (2, 2)
    assert result["pooled"].shape == (1, 1)
    assert_page_matches_numpy(page, kernel, 0, 1, "8 × 8")


@pytest.mark.site
@pytest.mark.browser
def test_the_photo_stays_in_the_image_menu(site, page, photos):
    """Once opened, the photo is the image menu's choice, named after its file; a sample can be
    chosen and then the photo again, which comes back as it was."""
    open_playground(page, site, "ko")
    own = page.locator("[data-pg=own]")
    assert own.evaluate("(option) => option.hidden && option.disabled")
    choose(page, photos["large"])
    photo = page_image(page)
    assert page.locator("#pg-sample").input_value() == "own-photo"
    assert own.inner_text() == fill(strings(page)["ownOption"], name="large.jpg")
    page.select_option("#pg-sample", "road")
    page.wait_for_function("() => window.cnnvizPlayground.image().length === 288")
    np.testing.assert_array_equal(page_image(page), load_sample("road").astype(np.float64))
    assert file_status(page) == ("", "")
    page.select_option("#pg-sample", "own-photo")
    np.testing.assert_array_equal(page_image(page), photo)
    assert_page_matches_numpy(page, call(page, "kernel"), 0, 1, "back to the photo")


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_the_keyboard_reaches_and_opens_the_picker(site, page, photos, language, key):
    """Tab goes from the image menu to the picker, whose label shows the focus and names it in
    the page's language; Enter or Space opens the file chooser and the chosen photo opens."""
    # Playwright starts catching file choosers with its first listener, a step that a key
    # pressed at once can overtake: listen from the start.
    page.on("filechooser", lambda chooser: None)
    open_playground(page, site, language)
    tab_to(page, "#pg-sample")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "pg-file"
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
    label = page.locator("label[for=pg-file]")
    assert label.evaluate("(l) => getComputedStyle(l).outlineStyle") == "solid"
    assert label.inner_text() == LABELS[language]
    assert page.evaluate("() => document.activeElement.labels[0].textContent") == LABELS[language]
    with page.expect_file_chooser() as chooser:
        page.keyboard.press(key)
    chooser.value.set_files(str(photos["png"]))
    page.wait_for_function(SETTLED)
    assert file_status(page)[0] == "done"
    np.testing.assert_array_equal(page_image(page), load_sample("udacity_sdc").astype(np.float64))


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["390", "1280"])
def test_the_picker_and_its_messages_fit_the_screen(site, browser, tmp_path, language, viewport):
    """At 390 px and at 1280 px the picker, its hint and a message about a file with a long
    name all lie within the screen, and nothing scrolls sideways."""
    context = browser.new_context(viewport=viewport, device_scale_factor=2)
    page = context.new_page()
    open_playground(page, site, language)
    long_name = "a_photograph_with_a_very_long_name_taken_on_a_long_day_" * 2
    text = tmp_path / f"{long_name}.txt"
    text.write_bytes(b"text")
    for path in (write_png(tmp_path / f"{long_name}.png", noise(40, 60)), text):
        choose(page, path)
        for selector in ("label[for=pg-file]", ".pg-hint", "[data-pg=file-status]"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"], selector
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
        )
        assert max(widths) <= viewport["width"], widths
    context.close()


@pytest.mark.site
@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_with_a_photo_and_a_refusal(
    site, page, photos, tmp_path, language, scheme
):
    """axe-core: nothing serious in the playground with a photo open, the picker focused and
    a refusal on show, in either colour scheme."""
    page.emulate_media(color_scheme=scheme)
    open_playground(page, site, language)
    choose(page, photos["jpeg"])
    text = tmp_path / "notes.txt"
    text.write_bytes(b"text")
    assert choose(page, text)[0] == "error"
    page.focus("#pg-file")
    assert serious_violations(page, ".pg") == []


@pytest.mark.site
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_page_tells_the_reader_of_the_picker_by_its_label(site, language):
    """Each page says, above the playground, that the reader may use a photo of their own,
    naming the picker by its label, and the picker's words are in the page's language."""
    html = site.html(PAGES[language])
    label = re.search(r'<label for="pg-file" class="pg-file-button">([^<]+)</label>', html)[1]
    hint = re.search(r'<span id="pg-file-hint" class="pg-hint">([^<]+)</span>', html)[1]
    assert label == LABELS[language]
    for words in (label, hint):
        assert bool(HANGUL.search(words)) == (language == "ko")
    before = html.split("data-cnnviz-playground", 1)[0]
    assert f"<strong>{label}</strong>" in before
    strings_json = re.search(r'class="pg-strings">(.*?)</script>', html, re.S)[1]
    keys = set(json.loads(strings_json))
    assert {"notImage", "emptyFile", "tooLarge", "tooSmall", "tooThin", "ownOption"} <= keys


@pytest.mark.site
@pytest.mark.browser
def test_where_the_page_departs_from_the_lesson(site, page, tmp_path):
    """The two departures the script states: a transparent pixel reads as black (opaque ones
    exactly as the lesson reads them, half-transparent ones within a level), and a 16-bit
    image is read at 8 bits, its high byte, within 1/255 of the lesson's value."""
    rng = np.random.default_rng(1)
    bgra = rng.integers(0, 256, (40, 60, 4), dtype=np.uint8)
    bgra[..., 3] = 255
    bgra[:10, :, 3] = 0
    bgra[10:20, :, 3] = 128
    levels16 = rng.integers(0, 2**16, (40, 60)).astype(np.uint16)
    open_playground(page, site)
    choose(page, write_png(tmp_path / "clear.png", bgra))
    image, lesson = page_image(page), decode_gray((tmp_path / "clear.png").read_bytes())
    assert not image[:10].any()
    assert lesson[:10].any()
    assert np.abs(image[10:20] - lesson[10:20]).max() <= 1 / 255 + 1e-6
    np.testing.assert_array_equal(image[20:], lesson[20:])
    choose(page, write_png(tmp_path / "deep.png", levels16))
    image, lesson = page_image(page), decode_gray((tmp_path / "deep.png").read_bytes())
    np.testing.assert_array_equal(image, (levels16 >> 8).astype(np.float32) / np.float32(255))
    assert np.abs(image - lesson).max() <= 1 / 255

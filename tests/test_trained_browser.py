"""The trained network's drawing box on the "CNN that learns" page, driven in Chromium: its
forward pass against PyTorch on every stage, the network file, drawing with a mouse and a
finger, the test images, both languages, a phone, the keyboard and accessibility."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlparse

import numpy as np
import pytest
import torch
from project import serious_violations, start_tags
from torch import nn

pytestmark = pytest.mark.site  # and the tests that drive Chromium are marked browser

PAGES = {"ko": "train/", "en": "en/train/"}
NETWORK = "figures/trained-cnn.json"
SIZE = 28
TOLERANCE = 1e-4
PHONE = {"width": 390, "height": 844}
HANGUL = re.compile("[가-힣]")
STAGES = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flat", "logits", "probs"]
SHAPES = {  # the shape of every stage, from the lesson's architecture
    "conv1": (6, 25, 25),
    "relu1": (6, 25, 25),
    "pool1": (6, 12, 12),
    "conv2": (12, 10, 10),
    "relu2": (12, 10, 10),
    "pool2": (12, 5, 5),
    "flat": (300,),
    "logits": (10,),
    "probs": (10,),
}
# Strokes in input pixels (x to the right, y down) that draw each class's shape.
_RING = [
    (14 + 7 * math.cos(t * math.pi / 10), 14 + 7 * math.sin(t * math.pi / 10)) for t in range(21)
]
DRAWN = {
    0: [[(7, 14), (21, 14)]],
    1: [[(14, 7), (14, 21)]],
    2: [[(7, 7), (21, 21)]],
    3: [[(7, 21), (21, 7)]],
    4: [[(7, 14), (21, 14)], [(14, 7), (14, 21)]],
    5: [[(7, 7), (21, 21)], [(7, 21), (21, 7)]],
    6: [[(7, 7), (21, 7), (21, 21), (7, 21), (7, 7)]],
    7: [_RING],
    8: [[(14, 7), (21, 21), (7, 21), (14, 7)]],
    9: [[(7, 7), (7, 21), (21, 21)]],
}


# ---- The reference: PyTorch with the file's weights ----


def load_network(site) -> dict:
    return json.loads((site.root / NETWORK).read_text(encoding="utf-8"))


def torch_model(network: dict) -> nn.Sequential:
    """The lesson's architecture in PyTorch, with the file's weights loaded (strictly, so a
    weight of the wrong shape fails)."""
    model = nn.Sequential(
        nn.Conv2d(1, 6, 4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(300, 10),
    )
    state = {}
    for index, layer in enumerate(network["layers"]):
        if "weight" in layer:
            state[f"{index}.weight"] = torch.tensor(layer["weight"], dtype=torch.float32)
            state[f"{index}.bias"] = torch.tensor(layer["bias"], dtype=torch.float32)
    model.load_state_dict(state, strict=True)
    return model.eval()


def torch_stages(model: nn.Sequential, pixels) -> dict[str, np.ndarray]:
    """Every stage of the model on one image, flat, as float32 arrays."""
    x = torch.tensor(np.asarray(pixels, dtype=np.float32).reshape(1, 1, SIZE, SIZE))
    stages = {}
    with torch.no_grad():
        for name, layer in zip(STAGES[:-1], model, strict=True):
            x = layer(x)
            stages[name] = x.numpy().ravel()
        stages["probs"] = torch.softmax(x, dim=1).numpy().ravel()
    return stages


def assert_stages_match(page_stages: dict, expected: dict, label: str) -> None:
    for name in STAGES:
        values = np.asarray(page_stages[name], dtype=np.float64)
        assert values.shape == (math.prod(SHAPES[name]),), (label, name, values.shape)
        difference = np.abs(values - expected[name]).max()
        assert difference <= TOLERANCE, (label, name, difference)


# ---- Driving the page ----


def open_widget(page, site, language="en"):
    """Go to the lesson page and wait until the widget shows its first input."""
    page.goto(site.url + PAGES[language])
    page.wait_for_function("() => window.cnnvizNet !== undefined")
    page.evaluate("() => window.cnnvizNet.ready")
    return page


def shown(page) -> dict:
    return page.evaluate("() => window.cnnvizNet.shown()")


def settle(page) -> dict:
    """Wait until no update is pending (no stroke, no frame asked for), then read the widget."""
    page.wait_for_function("() => !window.cnnvizNet.shown().pending")
    return shown(page)


def drawing_box(page):
    canvas = page.locator(".tn-draw")
    canvas.evaluate("(c) => c.scrollIntoView({block: 'center'})")  # clear of the fixed header
    box = canvas.bounding_box()
    return lambda x, y: (box["x"] + x / SIZE * box["width"], box["y"] + y / SIZE * box["height"])


def draw(page, strokes, steps=4) -> dict:
    """Draw strokes (lists of points in input pixels) with the mouse, then read the widget."""
    at = drawing_box(page)
    for points in strokes:
        page.mouse.move(*at(*points[0]))
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*at(*point), steps=steps)
        page.mouse.up()
    return settle(page)


def call(page, name, *args):
    return page.evaluate(f"(args) => window.cnnvizNet.{name}(...args)", list(args))


def error_of(page, script: str) -> str:
    """The message of the error a call into the page throws."""
    return page.evaluate(
        f"() => {{ try {{ {script}; return null; }} catch (e) {{ return e.message; }} }}"
    )


def float32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


# ---- (a) The forward pass is PyTorch's ----


@pytest.mark.browser
def test_forward_pass_equals_pytorch_on_every_stage(site, page):
    """forward() matches nn.Conv2d, ReLU, MaxPool2d, Flatten, Linear and softmax within 1e-4 at
    every stage, on every test image of the file, uniform noise, a blank and an all-ones input."""
    network = load_network(site)
    model = torch_model(network)
    rng = np.random.default_rng(22)
    inputs = {f"example {k}": example["pixels"] for k, example in enumerate(network["examples"])}
    inputs |= {f"noise {k}": rng.uniform(0, 1, (SIZE, SIZE)) for k in range(3)}
    inputs |= {"blank": np.zeros((SIZE, SIZE)), "ones": np.ones((SIZE, SIZE))}
    open_widget(page, site)
    for label, pixels in inputs.items():
        flat = np.asarray(pixels, dtype=np.float64).ravel().tolist()
        result = call(page, "forward", flat)
        assert sorted(result) == sorted(STAGES), label
        assert_stages_match(result, torch_stages(model, pixels), label)


@pytest.mark.browser
def test_what_is_shown_is_the_forward_pass_of_the_input_set(site, page):
    """setInput() shows its input, and the maps, logits and probabilities on show are PyTorch's
    for it; the numbers written in the table are those, rounded."""
    model = torch_model(load_network(site))
    pixels = np.random.default_rng(5).uniform(0, 1, SIZE * SIZE)
    open_widget(page, site)
    call(page, "setInput", pixels.tolist())
    seen = shown(page)
    np.testing.assert_array_equal(float32(seen["input"]), float32(pixels))
    expected = torch_stages(model, pixels)
    assert_stages_match(seen["stages"], expected, "setInput")
    np.testing.assert_allclose(seen["logits"], expected["logits"], atol=0.005 + TOLERANCE)
    np.testing.assert_allclose(seen["probabilities"], expected["probs"], atol=0.0005 + TOLERANCE)
    assert seen["predicted"] == int(expected["probs"].argmax())


@pytest.mark.browser
def test_a_stroke_drawn_with_pointer_events_runs_through_the_same_network(site, page):
    """A stroke drawn with the mouse lands in the input where it was drawn, and what is shown is
    PyTorch's forward pass of exactly that input."""
    model = torch_model(load_network(site))
    open_widget(page, site)
    page.click(".tn-clear")
    seen = draw(page, [[(5.5, 20.5), (12.5, 9.5), (23.5, 16.5)]])  # through pixel centres
    image = float32(seen["input"]).reshape(SIZE, SIZE)
    assert image[20, 5] == 1.0
    assert image[9, 12] == 1.0
    assert image[16, 23] == 1.0
    assert image[2, 2] == 0.0
    assert image[25, 25] == 0.0
    assert 0.0 <= image.min()
    assert image.max() <= 1.0
    expected = torch_stages(model, image)
    assert_stages_match(seen["stages"], expected, "drawn")
    assert_stages_match(call(page, "forward", seen["input"]), expected, "forward(drawn)")


# ---- (b) The network file ----


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_page_fetches_the_shared_network_file_under_the_subpath(site, page, language):
    """Both languages fetch the one file at the site root (/cnnviz/figures/...), found from the
    script's own address."""
    open_widget(page, site, language)
    assert site.url + NETWORK in page.requested
    assert urlparse(site.url).path == "/cnnviz/"


def test_network_file_is_small_and_has_the_lessons_architecture(site):
    """Under 200 KB; conv 6×1×4×4, ReLU, 2×2 pool, conv 12×6×3×3, ReLU, 2×2 pool, flatten,
    linear 10×300; two 28×28 test images per class, pixels in [0, 1]."""
    file = site.root / NETWORK
    assert file.stat().st_size < 200 * 1024
    network = json.loads(file.read_text(encoding="utf-8"))
    assert network["size"] == SIZE
    kinds = [layer["kind"] for layer in network["layers"]]
    assert kinds == ["conv", "relu", "pool", "conv", "relu", "pool", "flatten", "linear"]
    shapes = {
        index: (np.shape(layer["weight"]), np.shape(layer["bias"]))
        for index, layer in enumerate(network["layers"])
        if "weight" in layer
    }
    assert shapes == {0: ((6, 1, 4, 4), (6,)), 3: ((12, 6, 3, 3), (12,)), 7: ((10, 300), (10,))}
    assert [network["layers"][k]["size"] for k in (2, 5)] == [2, 2]
    for layer in network["layers"]:
        for key in ("weight", "bias"):
            if key in layer:
                # float32 values, each written as the shortest decimal that reads back as it
                values = np.asarray(layer[key], dtype=np.float64).ravel()
                written = [float(str(v)) for v in values.astype(np.float32)]
                np.testing.assert_array_equal(values, written)
    labels = [example["label"] for example in network["examples"]]
    assert sorted(labels) == sorted(list(range(10)) * 2)
    for example in network["examples"]:
        pixels = np.asarray(example["pixels"])
        assert pixels.shape == (SIZE, SIZE)
        assert pixels.min() >= 0
        assert pixels.max() <= 1
    torch_model(network)  # loads strictly


# ---- (c) Drawing, clearing and picking ----


@pytest.mark.browser
def test_drawing_changes_the_probabilities_and_the_prediction_and_clear_resets(site, page):
    """From a blank input, a stroke changes the probabilities on show and the prediction line;
    Clear brings back the blank input and exactly what the blank input showed."""
    open_widget(page, site)
    page.click(".tn-clear")
    blank = settle(page)
    assert not any(blank["input"])
    seen = draw(page, DRAWN[1])
    assert any(seen["input"])
    assert seen["probabilities"] != blank["probabilities"]
    assert seen["prediction"] != blank["prediction"]
    assert page.text_content(".tn-prediction") == seen["prediction"]
    page.click(".tn-clear")
    cleared = settle(page)
    assert not any(cleared["input"])
    for key in ("probabilities", "logits", "prediction", "predicted", "stages"):
        assert cleared[key] == blank[key], key


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "blank", "drawn"),
    [
        ("ko", "빈 칸에도 네트워크는 열 클래스 가운데 하나를 고릅니다: ", "예측: "),
        (
            "en",
            "Even for an empty box the network must pick one of its ten classes: ",
            "Prediction: ",
        ),
    ],
)
def test_an_empty_box_says_the_network_must_still_pick_a_class(site, page, language, blank, drawn):
    """A network always picks one of its classes: on an empty box the prediction line says
    so, in the reader's language, and a drawn shape gets the plain prediction."""
    open_widget(page, site, language)
    page.click(".tn-clear")
    assert settle(page)["prediction"].startswith(blank)
    seen = draw(page, DRAWN[1])
    assert seen["prediction"].startswith(drawn)


@pytest.mark.browser
@pytest.mark.parametrize("label", sorted(DRAWN))
def test_each_shape_drawn_with_the_mouse_is_recognised(site, page, label):
    """The ten shapes drawn by hand (a bar across, a bar down, ...) are each given their class:
    the stroke lands where the pointer went, neither mirrored nor turned."""
    open_widget(page, site, "en")
    page.click(".tn-clear")
    seen = draw(page, DRAWN[label])
    names = page.get_attribute(".cnnviz-net", "data-classes").split("|")
    assert seen["predicted"] == label, seen["prediction"]
    assert names[label] in seen["prediction"]
    assert f"{label} {names[label]}" == page.text_content(".tn-best th")


@pytest.mark.browser
def test_the_output_follows_a_stroke_while_it_is_drawn_once_a_frame(site, page):
    """Before the pointer is lifted the output has followed the stroke; many pointer moves in
    one task are drawn at once and give one update, at the next animation frame."""
    open_widget(page, site)
    page.click(".tn-clear")
    blank = settle(page)
    at = drawing_box(page)
    page.evaluate(
        "() => document.addEventListener('pointerdown', e => { window.pid = e.pointerId })"
    )
    page.mouse.move(*at(14, 7))
    page.mouse.down()
    page.mouse.move(*at(14, 21), steps=6)
    page.wait_for_function(f"() => cnnvizNet.shown().updates > {blank['updates']}")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    during = shown(page)
    assert during["pending"]  # the stroke goes on
    assert during["probabilities"] != blank["probabilities"]
    assert during["stages"]["conv1"] != blank["stages"]["conv1"]
    box = page.locator(".tn-draw").bounding_box()
    counts = page.evaluate(
        """([box, points]) => new Promise((done) => {
            const canvas = document.querySelector(".tn-draw");
            const before = cnnvizNet.shown().updates;
            for (const [x, y] of points) {
                const clientX = box.x + (x / 28) * box.width;
                const clientY = box.y + (y / 28) * box.height;
                canvas.dispatchEvent(new PointerEvent("pointermove", {
                    pointerId: window.pid, pointerType: "mouse", bubbles: true, clientX, clientY,
                }));
            }
            const drawn = cnnvizNet.input().reduce((a, b) => a + b, 0);
            const meanwhile = cnnvizNet.shown().updates;
            requestAnimationFrame(() => setTimeout(() =>
                done([before, meanwhile, cnnvizNet.shown().updates, drawn])));
        })""",
        [box, [(7 + k * 0.7, 14) for k in range(20)]],
    )
    before, meanwhile, after, drawn = counts
    assert meanwhile == before
    assert after == before + 1
    page.mouse.up()
    final = settle(page)
    assert sum(final["input"]) == pytest.approx(drawn)  # the moves drew before the update
    assert not final["pending"]


@pytest.mark.browser
def test_picking_a_test_image_shows_that_image(site, page):
    """Each test image's button puts exactly that image in the input, marks itself pressed, and
    the prediction is PyTorch's for it; drawing afterwards unmarks it."""
    network = load_network(site)
    model = torch_model(network)
    open_widget(page, site)
    buttons = page.locator(".tn-pick")
    assert buttons.count() == len(network["examples"])
    for index in (0, 7, len(network["examples"]) - 1):
        buttons.nth(index).click()
        seen = settle(page)
        pixels = float32(network["examples"][index]["pixels"]).ravel()
        np.testing.assert_array_equal(float32(seen["input"]), pixels)
        assert seen["picked"] == index
        pressed = [b.get_attribute("aria-pressed") for b in buttons.all()]
        assert pressed == ["true" if k == index else "false" for k in range(len(pressed))]
        expected = torch_stages(model, pixels)
        assert_stages_match(seen["stages"], expected, f"example {index}")
        assert seen["predicted"] == int(expected["probs"].argmax())
    draw(page, [[(3, 3), (6, 3)]])
    assert page.locator(".tn-pick[aria-pressed='true']").count() == 0


def canvas_pixels(page, selector: str) -> list[np.ndarray]:
    """The RGB pixels of every canvas a selector matches, each (height, width, 3)."""
    painted = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((c) => {
            const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            return [c.height, c.width, Array.from(data)];
        })""",
        selector,
    )
    return [np.array(data).reshape(h, w, 4)[..., :3] for h, w, data in painted]


@pytest.mark.browser
def test_the_maps_show_every_channel_of_every_stage(site, page):
    """Each stage shows one canvas per channel at its map's size; the input is drawn in grey
    levels of its pixels; conv maps use the diverging scale (0 white, the largest magnitude an
    end colour) and ReLU and pooling maps white at 0 up to dark red at their largest value; each
    scale names its range."""
    network = load_network(site)
    open_widget(page, site)
    page.locator(".tn-pick").nth(16).click()  # a triangle
    seen = settle(page)
    shown_input = canvas_pixels(page, ".tn-draw")[0]
    levels = np.rint(float32(seen["input"]).reshape(SIZE, SIZE) * 255)
    np.testing.assert_allclose(shown_input[..., 0], levels, atol=1)
    assert network["examples"][16]["label"] == 8
    ends = {(5, 48, 97), (103, 0, 31)}  # RdBu_r's two ends: #053061 and #67001f
    for name, (channels, height, width) in list(SHAPES.items())[:6]:
        maps = canvas_pixels(page, f"[data-stage={name}] canvas")
        assert len(maps) == channels, name
        assert all(m.shape == (height, width, 3) for m in maps), name
        values = np.asarray(seen["stages"][name]).reshape(channels, height, width)
        top = np.unravel_index(np.abs(values).argmax(), values.shape)
        scale = page.get_attribute(f"[data-stage={name}] .tn-scale", "aria-label")
        assert f"{np.abs(values).max():.2f}" in scale, (name, scale)
        assert tuple(maps[top[0]][top[1:]]) in ends, name
        if name.startswith("conv"):
            assert (values < 0).any(), name
            assert (values > 0).any(), name
        else:
            assert tuple(maps[top[0]][top[1:]]) == (103, 0, 31), name
            zero = np.argwhere(values == 0)[0]
            assert tuple(maps[zero[0]][tuple(zero[1:])]) == (247, 247, 247), name
    assert page.text_content("[data-stage=flat] figcaption").endswith(("300 values", "값 300개"))
    assert len(seen["stages"]["flat"]) == 300


# ---- (d) Both languages ----


def _control(tag: str, attrs: list[tuple[str, str | None]]) -> tuple:
    """An element of the widget as (tag, class, role, type, and which ARIA names it has)."""
    a = dict(attrs)
    keys = ("class", "role", "type", "data-stage")
    return (tag, *map(a.get, keys), "aria-label" in a, a.get("aria-live"), a.get("scope"))


def widget_structure(page) -> tuple[list[tuple], list[str]]:
    """The widget's elements, and every word it shows or names (text and ARIA labels)."""
    found = [_control(tag, attrs) for tag, attrs in start_tags(page.inner_html(".cnnviz-net"))]
    words = page.evaluate(
        """() => {
            const root = document.querySelector(".cnnviz-net");
            const labels = [...root.querySelectorAll("[aria-label]")]
                .map((e) => e.getAttribute("aria-label"));
            const shown = "button, caption, th, figcaption, .tn-label, .tn-prediction";
            const texts = [...root.querySelectorAll(shown)]
                .map((e) => e.textContent.trim()).filter((t) => t);
            return labels.concat(texts);
        }"""
    )
    return found, words


@pytest.mark.browser
def test_both_languages_have_the_same_controls_and_show_their_own_class_names(site, browser):
    """The Korean and English widgets are built alike, element for element; every word of the
    Korean one holds Hangul and none of the English one does; each shows its page's class
    names, in order, in the table and the test images' labels."""
    built = {}
    for language in ("ko", "en"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        open_widget(page, site, language)
        names = page.get_attribute(".cnnviz-net", "data-classes").split("|")
        assert len(names) == 10
        assert shown(page)["labels"] == [f"{k} {name}" for k, name in enumerate(names)]
        network = load_network(site)
        picks = page.locator(".tn-pick").all()
        for button, example in zip(picks, network["examples"], strict=True):
            assert names[example["label"]] in button.get_attribute("aria-label")
        built[language] = (*widget_structure(page), names)
        context.close()
    (ko_structure, ko_words, ko_names), (en_structure, en_words, en_names) = built.values()
    assert ko_structure == en_structure
    assert len(ko_words) == len(en_words)
    # Korean words, with ReLU the one Latin word, as the lesson writes it
    assert all(set(re.findall("[A-Za-z]+", word)) <= {"ReLU"} for word in ko_words), ko_words
    assert sum(bool(HANGUL.search(word)) for word in ko_words) > len(ko_words) / 2
    assert not any(HANGUL.search(word) for word in en_words)
    assert all(HANGUL.search(name) for name in ko_names)
    assert ko_names != en_names


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_bad_input_or_a_missing_file_is_one_line_in_the_readers_language(site, page, language):
    """setInput() with the wrong length or a NaN, and a page whose network file is missing, each
    say what is wrong in one line of the page's language."""
    open_widget(page, site, language)
    messages = [
        error_of(page, "cnnvizNet.setInput([1, 2, 3])"),
        error_of(page, "cnnvizNet.setInput(new Array(784).fill(NaN))"),
        error_of(page, "cnnvizNet.forward('pixels')"),
        error_of(page, "cnnvizNet.pick(99)"),
    ]
    page.route("**/" + NETWORK, lambda route: route.fulfill(status=404, body="missing"))
    open_page = page.goto(site.url + PAGES[language])
    assert open_page.status == 200
    page.wait_for_function("() => window.cnnvizNet !== undefined")
    failure = page.evaluate("() => cnnvizNet.ready.then(() => null, (error) => error.message)")
    assert "404" in failure
    messages.append(page.text_content(".tn-status"))
    assert "404" in messages[-1]
    assert "784" in messages[0]
    assert "3" in messages[0]
    for message in messages:
        assert message, messages
        assert "\n" not in message, message
        assert bool(HANGUL.search(message)) == (language == "ko"), message


# ---- (e) A clean page, a phone and a finger ----


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_page_loads_and_draws_with_no_error_and_no_outside_request(site, page, language):
    """Loading, drawing, picking and clearing log no console error and ask only the local
    server."""
    open_widget(page, site, language)
    draw(page, DRAWN[4])
    page.locator(".tn-pick").nth(3).click()
    page.click(".tn-clear")
    settle(page)
    assert page.console_errors == []
    own = urlparse(site.url).netloc
    assert [url for url in page.requested if urlparse(url).netloc != own] == []


def test_trained_assets_are_on_the_lesson_pages_only(site):
    """The widget's stylesheet and script are on the two pages whose front matter says
    `trained: true` and on no other built page."""
    pages = sorted(site.root.rglob("index.html"))
    assert len(pages) > 20
    for html in pages:
        page = html.parent.relative_to(site.root).as_posix() + "/"
        text = html.read_text(encoding="utf-8")
        expected = page in PAGES.values()
        for asset in ("stylesheets/trained.css", "javascripts/trained.js"):
            assert (asset in text) is expected, (page, asset)


@pytest.mark.browser
def test_other_pages_load_no_trained_network(site, page):
    """A page without `trained: true` neither loads the script and stylesheet nor fetches the
    network."""
    page.goto(site.url + "en/conv/")
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.cnnvizNet") is None
    assert not [url for url in page.requested if "trained" in url]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_on_a_phone_a_finger_draws_and_nothing_scrolls_sideways(site, browser, language):
    """At 390 px the page does not scroll sideways and the whole widget fits the screen; a
    finger's stroke on the drawing box draws (it does not scroll the page) and is recognised."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        open_widget(page, site, language)
        page.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
        assert max(widths) <= PHONE["width"], widths
        right = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll(".cnnviz-net *")]
                .map((e) => e.getBoundingClientRect().right))"""
        )
        assert right <= PHONE["width"], right
        page.evaluate("() => cnnvizNet.clear()")
        at = drawing_box(page)
        scrolled = page.evaluate("scrollY")
        cdp = context.new_cdp_session(page)

        def touch(kind, points):
            spots = [{"x": x, "y": y} for x, y in (at(*p) for p in points)]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": spots})

        touch("touchStart", [(14, 7)])
        for y in range(8, 22):
            touch("touchMove", [(14, y)])
        touch("touchEnd", [])
        seen = settle(page)
        assert page.evaluate("scrollY") == scrolled
        assert seen["predicted"] == 1, seen["prediction"]
    finally:
        context.close()


# ---- (f) Keyboard and accessibility ----


@pytest.mark.browser
def test_keyboard_reaches_and_presses_every_button(site, page):
    """Tab reaches Clear and each test image's button, every one has a name, and Enter or Space
    presses it."""
    network = load_network(site)
    open_widget(page, site)
    names = page.evaluate(
        """() => [...document.querySelectorAll(".cnnviz-net button")]
            .map((b) => b.getAttribute("aria-label") || b.textContent.trim())"""
    )
    assert all(names)
    assert len(names) == 1 + len(network["examples"])
    page.focus(".tn-clear")
    page.keyboard.press("Enter")
    assert not any(settle(page)["input"])
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('.tn-pick')")
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    seen = settle(page)
    assert seen["picked"] == 4
    np.testing.assert_array_equal(
        float32(seen["input"]), float32(network["examples"][4]["pixels"]).ravel()
    )


@pytest.mark.browser
def test_every_canvas_is_named_and_the_prediction_is_announced(site, page):
    """Each canvas is an image with a name, or hidden inside a named button; the prediction
    line is a polite live region, held busy while a stroke is drawn."""
    open_widget(page, site)
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll(".cnnviz-net canvas")].filter((c) =>
            !(c.getAttribute("role") === "img" && c.getAttribute("aria-label")) &&
            !(c.getAttribute("aria-hidden") === "true" && c.closest("button[aria-label]"))
        ).length"""
    )
    assert unnamed == 0
    live = page.locator(".tn-prediction")
    assert live.get_attribute("aria-live") == "polite"
    at = drawing_box(page)
    page.mouse.move(*at(10, 10))
    page.mouse.down()
    page.mouse.move(*at(18, 10), steps=3)
    assert live.get_attribute("aria-busy") == "true"
    page.mouse.up()
    settle(page)
    assert live.get_attribute("aria-busy") is None


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ko", "en"])
def test_axe_finds_nothing_serious_in_light_or_dark_mode(site, page, language):
    """axe-core reports no serious or critical issue in the widget, in the light scheme and in
    Material's dark (slate) scheme."""
    open_widget(page, site, language)
    assert page.locator(".tn-pick").count() > 0
    assert serious_violations(page, ".cnnviz-net") == []
    page.click("label[for='__palette_1']")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    assert serious_violations(page, ".cnnviz-net") == []

"""Time the playground in headless Chromium: one full update, and a keystroke until it shows.

`make bench` runs this. With no argument the site is built into a temporary folder first; give
the folder of a built site to skip the build. The numbers are printed, never asserted: a shared
CI machine is too noisy for a timed test.

* Full update: `setKernel` with a 5×5 kernel on the largest sample at full size (padding 0,
  stride 1), timed inside the page with `performance.now()`. It computes conv, ReLU and
  pooling, paints the three maps and refreshes the labels, all synchronously. Every kernel
  differs, and none has a zero weight. Target: a median of at most 8 ms.
* The same in a page where `WebAssembly` is removed, as in a browser without it: the
  convolution then runs in the plain JavaScript loops.
* Typing: digits typed into a cell of the 5×5 editor, one at a time, from the keydown's time
  stamp until the maps are updated, and until the next animation frame after that.
* A reader's photo: `setImageFile` with the lesson's photo scaled up to 1600×1065 as a JPEG,
  from the call until its first update is drawn: decoding, gray, the INTER_AREA shrink to
  512×341 and the full update with the default 4×4 filter (f1), as when a reader opens one.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
from project import FULL_CHROMIUM, ROOT, QuietHandler, QuietServer

SUBPATH = "cnnviz"
WARMUP, RUNS, KEYSTROKES = 20, 100, 60
PHOTO_WARMUP, PHOTO_RUNS = 3, 15
PHOTO_SIZE = (1600, 1065)  # width, height: shrunk by the page to 512×341
TARGET_MS = 8.0
NO_WEBASSEMBLY = "delete window.WebAssembly"

TIME_UPDATES = """async ([warmup, runs]) => {
  const pg = window.cnnvizPlayground;
  const kernel = (n) => Array.from({length: 5}, (_, i) => Array.from({length: 5},
    (_, j) => (((n + 5 * i + j) % 9) + 1) / 10 * ((i + j + n) % 2 ? 1 : -1)));
  const times = [];
  for (let n = 0; n < warmup + runs; n++) {
    const start = performance.now();
    pg.setKernel(kernel(n));
    if (n >= warmup) times.push(performance.now() - start);
  }
  return times;
}"""

WATCH_TYPING = """() => {
  const seen = {updated: [], frame: []};
  let start = 0;
  document.addEventListener("keydown", (event) => { start = event.timeStamp; }, true);
  // Runs after the playground's own input handler, which sits deeper, on the editor's grid.
  document.addEventListener("input", () => {
    const pressed = start;
    seen.updated.push(performance.now() - pressed);
    requestAnimationFrame(() => setTimeout(() => seen.frame.push(performance.now() - pressed)));
  });
  window.typingLatency = seen;
}"""


TIME_PHOTO = """async ([data, warmup, runs]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const file = new File([bytes], "photo.jpg", {type: "image/jpeg"});
  const pg = window.cnnvizPlayground;
  const times = [];
  for (let n = 0; n < warmup + runs; n++) {
    const start = performance.now();
    await pg.setImageFile(file);
    if (n >= warmup) times.push(performance.now() - start);
  }
  return times;
}"""


def large_photo() -> bytes:
    """The lesson's photo scaled up to 1600×1065, as JPEG bytes."""
    bgr = cv2.imread(str(ROOT / "cnnviz" / "data" / "udacity_sdc.png"))
    ok, jpeg = cv2.imencode(".jpg", cv2.resize(bgr, PHOTO_SIZE, interpolation=cv2.INTER_CUBIC))
    assert ok
    return jpeg.tobytes()


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """Serve a built site under /cnnviz/, as GitHub Pages does, on a free port: its address."""
    www = Path(tempfile.mkdtemp())
    (www / SUBPATH).symlink_to(site.resolve())
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{SUBPATH}/"
    finally:
        server.shutdown()
        server.server_close()
        (www / SUBPATH).unlink()
        www.rmdir()


def launch(playwright):
    """Debian's full Chromium, headless: the browser a reader runs, not the tests' lighter shell."""
    return playwright.chromium.launch(
        executable_path=str(FULL_CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
    )


def build_site(destination: Path) -> Path:
    """Build the site into ``destination/cnnviz`` and return that folder."""
    site = destination / SUBPATH
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return site


def measure(site: Path) -> dict[str, float | str]:
    """Serve a built site and time its playground.

    Args:
        site: The folder `mkdocs build` wrote.

    Returns:
        The sample and its size, and the median and slowest times in milliseconds.
    """
    from playwright.sync_api import sync_playwright

    shapes = json.loads((site / "playground" / "samples.json").read_text())
    largest = max(shapes, key=lambda name: shapes[name][0] * shapes[name][1])
    with served(site) as root, sync_playwright() as playwright:
        url = root + "en/playground/"
        browser = launch(playwright)
        page = _open(browser, url, largest)
        engine = page.get_attribute("[data-cnnviz-playground]", "data-engine")
        updates = page.evaluate(TIME_UPDATES, [WARMUP, RUNS])
        updated, frame = _type_digits(page)
        plain = _open(browser, url, largest, NO_WEBASSEMBLY).evaluate(TIME_UPDATES, [WARMUP, RUNS])
        photo = base64.b64encode(large_photo()).decode()
        opened = _open(browser, url, largest).evaluate(
            TIME_PHOTO, [photo, PHOTO_WARMUP, PHOTO_RUNS]
        )
        browser.close()
    return {
        "sample": f"{largest} {shapes[largest][0]}×{shapes[largest][1]}, 5×5 kernel",
        "engine": engine,
        "update_median_ms": statistics.median(updates),
        "update_max_ms": max(updates),
        "update_no_webassembly_median_ms": statistics.median(plain),
        "update_no_webassembly_max_ms": max(plain),
        "keystroke_to_update_median_ms": statistics.median(updated),
        "keystroke_to_update_max_ms": max(updated),
        "keystroke_to_frame_median_ms": statistics.median(frame),
        "keystroke_to_frame_max_ms": max(frame),
        "photo_1600px_to_update_median_ms": statistics.median(opened),
        "photo_1600px_to_update_max_ms": max(opened),
    }


def _open(browser, url: str, sample: str, init_script: str | None = None):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if init_script:
        page.add_init_script(init_script)
    page.goto(url)
    page.wait_for_function("() => window.cnnvizPlayground !== undefined")
    page.evaluate("() => window.cnnvizPlayground.ready")
    page.evaluate("(name) => window.cnnvizPlayground.setImage(name)", sample)
    return page


def _type_digits(page) -> tuple[list[float], list[float]]:
    page.select_option("#pg-rows", "5")
    page.select_option("#pg-cols", "5")
    page.evaluate(WATCH_TYPING)
    cell = page.locator(".pg-cell").nth(12)
    cell.focus()
    for n in range(KEYSTROKES):
        page.keyboard.press("Backspace" if n % 2 else str(n % 9 + 1))  # each one edits the cell
        # Like a typist, press the next key only once this one has reached the screen.
        page.wait_for_function(f"() => window.typingLatency.frame.length > {n}")
    seen = page.evaluate("() => window.typingLatency")
    return seen["updated"], seen["frame"]


def main(argv: list[str] | None = None) -> None:
    """Build the site unless a built one is named, then print the playground's timings."""
    argv = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(argv[0]) if argv else build_site(Path(scratch))
        numbers = measure(site)
    sample, engine = numbers.pop("sample"), numbers.pop("engine")
    print(f"playground ({sample}, full size), headless Chromium, {RUNS} updates, {engine}:")
    for name, value in numbers.items():
        print(f"  {name:36} {value:6.1f}")
    ratio = numbers["update_median_ms"] / TARGET_MS
    print(f"  median update ÷ target ({TARGET_MS:.0f} ms)       {ratio:6.2f}")


if __name__ == "__main__":
    main()

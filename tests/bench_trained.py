"""Time the trained network's drawing box in headless Chromium: a pointer move until the
probabilities on show are updated.

tests/bench.py calls `main` with the folder of a built site; run alone, give that folder as the
argument. The numbers are printed, never asserted: a shared CI machine is too noisy for a timed
test.

With the mouse button held on the drawing box, the pointer moves in small steps along a square
spiral, one move at a time, each sent once the last one's update is on show (as a hand draws,
not faster than the page answers). For each move, in the page:

* move to update: from the pointermove event's time stamp to the moment the probabilities'
  table has changed. The widget updates once per animation frame, so this includes the wait
  for the next frame; a MutationObserver on the widget sees the update as soon as it is done.
* update work: from the start of the animation frame that runs the update to that moment,
  that is, the network's forward pass and the painting of every map and bar.

Target: the move-to-update median within one frame, 16 ms.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_playground import launch, served  # noqa: E402

PAGE = "train/"
WARMUP, MOVES = 10, 100
TARGET_MS = 16.0

# Installed before the page's scripts: every animation frame's start time is noted, so the
# update's own work can be told apart from the wait for its frame.
FRAME_CLOCK = """(() => {
  const request = window.requestAnimationFrame.bind(window);
  window.cnnvizFrameStart = 0;
  window.requestAnimationFrame = (callback) => request((time) => {
    window.cnnvizFrameStart = performance.now();
    callback(time);
  });
})()"""

WATCH_MOVES = """() => {
  const seen = {update: [], work: []};
  let moved = null; // the time stamp of the first move not yet on show
  const root = document.querySelector(".cnnviz-net");
  root.addEventListener("pointermove", (event) => {
    if (moved === null) moved = event.timeStamp;
  }, true);
  // The widget marks each update on its root (data-updates) after it has written the table.
  new MutationObserver(() => {
    if (moved === null) return;
    const now = performance.now();
    seen.update.push(now - moved);
    seen.work.push(now - window.cnnvizFrameStart);
    moved = null;
  }).observe(root, {attributes: true, attributeFilter: ["data-updates"]});
  window.cnnvizMoves = seen;
}"""


def measure(site: Path) -> dict[str, float]:
    """Serve a built site and time pointer moves on its drawing box.

    Args:
        site: The folder `mkdocs build` wrote.

    Returns:
        The median and slowest move-to-update and update-work times, in milliseconds.
    """
    from playwright.sync_api import sync_playwright

    with served(site) as root, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(FRAME_CLOCK)
        page.goto(root + PAGE)
        page.wait_for_function("() => window.cnnvizNet !== undefined")
        page.evaluate("() => window.cnnvizNet.ready")
        seen = _draw(page)
        browser.close()
    update, work = seen["update"][WARMUP:], seen["work"][WARMUP:]
    return {
        "move_to_update_median_ms": statistics.median(update),
        "move_to_update_max_ms": max(update),
        "update_work_median_ms": statistics.median(work),
        "update_work_max_ms": max(work),
    }


def _spiral(count: int) -> list[tuple[float, float]]:
    """Points in input pixels along a square spiral out from the centre, 0.6 pixels apart."""
    points, x, y, heading, run = [], 14.0, 14.0, 0, 1
    directions = [(1, 0), (0, 1), (-1, 0), (0, -1)]
    while len(points) < count:
        for _ in range(2):
            dx, dy = directions[heading % 4]
            for _ in range(run):
                x, y = x + 0.6 * dx, y + 0.6 * dy
                points.append((x, y))
            heading += 1
        run += 1
    return points[:count]


def _draw(page) -> dict[str, list[float]]:
    canvas = page.locator(".tn-draw")
    canvas.evaluate("(c) => c.scrollIntoView({block: 'center'})")
    box = canvas.bounding_box()
    size = page.evaluate("() => document.querySelector('.tn-draw').width")

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x / size * box["width"], box["y"] + y / size * box["height"]

    page.click(".tn-clear")
    page.evaluate(WATCH_MOVES)
    page.mouse.move(*at(14, 14))
    page.mouse.down()
    for n, point in enumerate(_spiral(WARMUP + MOVES)):
        page.mouse.move(*at(*point))
        page.wait_for_function(f"() => window.cnnvizMoves.update.length > {n}")
    page.mouse.up()
    return page.evaluate("() => window.cnnvizMoves")


def main(site_dir: str) -> None:
    """Print the drawing box's timings for the site built in ``site_dir``."""
    numbers = measure(Path(site_dir))
    print(f"trained network (/{PAGE}), headless Chromium, {MOVES} pointer moves:")
    for name, value in numbers.items():
        print(f"  {name:36} {value:6.1f}")
    ratio = numbers["move_to_update_median_ms"] / TARGET_MS
    print(f"  median move to update ÷ target ({TARGET_MS:.0f} ms) {ratio:6.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/bench_trained.py SITE_DIR (a folder `mkdocs build` wrote)")
    main(sys.argv[1])

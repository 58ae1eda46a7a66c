"""Time an edit under `mkdocs serve` until the server serves it, and print it beside its target.

`make bench-serve` runs this, and `make bench` calls it; nothing is asserted. `mkdocs serve`
runs on a throwaway copy of the project (warm: the copy takes the figure cache along). Edits
of two kinds take turns, so a slow moment of the machine falls on both:

* Markdown: a paragraph with a new word added to docs/about.ko.md; served when `about/` shows
  the word;
* figure: the ReLU curve's colour changed in cnnviz/figures.py; served when
  `figures/relu-curve.png` has new bytes.

The bench does what the author's browser does with the page open: it waits on the live-reload
address the page polls (`/livereload/<epoch>/<id>`, which MkDocs answers once a newer site is
served), then fetches the page (or figure) again; edit to served is the time from the save to
the answer that shows the edit. Meanwhile a reader fetches the page every 0.1 s: those
requests are answered from the last good site while the rebuild runs, and the slowest answer
is printed too (MkDocs alone holds them until the rebuild ends). Until 2026-12-06 the bench
fetched the page again and again without pause instead, which took CPU from the rebuild: a
Markdown edit then measured about 0.6 s more. After each edit the bench waits for "Reloading
browsers" and a short pause, so each edit starts from a quiet server.

Targets (issue 24): a Markdown edit served within 1.5 s of the save, a figure edit within 3 s,
on the project's 2-core machines. `python tests/bench_serve.py [ROUNDS]`, 6 by default.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project import copy_project, edit  # noqa: E402
from serving import Server  # noqa: E402

TARGETS = {"Markdown edit": 1.5, "figure edit": 3.0}
"""Seconds from the save until the server serves the edit."""
PAGE, FIGURE = "about/", "figures/relu-curve.png"


def fetch(server: Server, path: str) -> tuple[bytes, float]:
    """One GET of ``path``: its body and how long the answer took."""
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/{path}", timeout=120) as answer:
        return answer.read(), time.monotonic() - start


LIVERELOAD = re.compile(rb"livereload\((\d+), (\d+)\)")
"""The call MkDocs' server puts in every page it serves: the site's epoch and the page's id."""


def until_served(server: Server, path: str, shows, save) -> tuple[float, float]:
    """Save an edit, then, as the browser does, wait on the live-reload address and fetch
    ``path`` again until ``shows(body)``, while a reader fetches the page every 0.1 s.

    Returns:
        The seconds from the save until then, and the reader's slowest answer.
    """
    epoch, request = LIVERELOAD.search(fetch(server, PAGE)[0]).groups()
    waits, done = [0.0], threading.Event()

    def read():
        while not done.wait(0.1):
            waits.append(fetch(server, PAGE)[1])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    start = time.monotonic()
    save()
    try:
        while time.monotonic() - start < 120:
            address = f"http://127.0.0.1:{server.port}/livereload/{int(epoch)}/{int(request)}"
            with urllib.request.urlopen(address, timeout=120) as answer:
                epoch = answer.read().strip()  # the site served now
            body = fetch(server, path)[0]
            if shows(body):
                return time.monotonic() - start, max(waits)
    finally:
        done.set()
        reader.join()
    while not server.lines.empty():
        server.log.append(server.lines.get())
    raise RuntimeError(f"{path} never showed the edit:\n" + "".join(server.log[-30:]))


def edit_markdown(root: Path, server: Server, number: int) -> tuple[float, float]:
    page = root / "docs" / "about.ko.md"
    word = f"benchedit{number}"

    def save():
        page.write_text(page.read_text(encoding="utf-8") + f"\n{word}\n", encoding="utf-8")

    return until_served(server, PAGE, lambda body: word.encode() in body, save)


def edit_figure(root: Path, server: Server, number: int) -> tuple[float, float]:
    figures = root / "cnnviz" / "figures.py"
    old = fetch(server, FIGURE)[0]
    text = figures.read_text(encoding="utf-8")
    colour = text[text.index('color="#c0') :][:15]
    new = f'color="#c0{number % 256:02x}2b"'

    def save():
        edit(figures, colour, new)

    return until_served(server, FIGURE, lambda body: body != old, save)


EDITS = {"Markdown edit": edit_markdown, "figure edit": edit_figure}


def bench(rounds: int) -> dict[str, list[tuple[float, float]]]:
    """``rounds`` edits of each kind, in turn, under one `mkdocs serve`."""
    results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in EDITS}
    with tempfile.TemporaryDirectory(prefix="cnnviz-bench-serve-") as work:
        root = copy_project(Path(work) / "project")
        server = Server(root)
        try:
            server.wait_for("Serving on")
            for number in range(2 * rounds + 1):
                kind = list(EDITS)[number % 2]
                seconds = EDITS[kind](root, server, number)
                server.wait_for_rebuild(quiet=1.0)  # and the sweep of old folders
                if number:  # the first figure edit imports torch and matplotlib: not counted
                    results[kind].append(seconds)
                print(f"  {kind:14} {seconds[0]:5.2f} s (slowest answer {seconds[1]:.3f} s)")
        finally:
            server.stop()
    return results


def main(rounds: int = 6) -> None:
    print(f"\nmkdocs serve: edit to served, {rounds} edits of each kind in turn")
    results = bench(rounds)
    print(f"\n{'edit to served':18} {'median':>8} {'fastest':>8} {'slowest':>8}  target")
    for kind, runs in results.items():
        times = [seconds for seconds, _ in runs]
        median = statistics.median(times)
        verdict = "met" if median <= TARGETS[kind] else "NOT met"
        print(
            f"{kind:18} {median:7.2f}s {min(times):7.2f}s {max(times):7.2f}s  "
            f"≤ {TARGETS[kind]:.1f} s: {verdict}"
        )
    waits = [wait for runs in results.values() for _, wait in runs]
    print(
        f"a request during a rebuild: answered in {statistics.median(waits) * 1000:.0f} ms "
        f"median, {max(waits) * 1000:.0f} ms at most"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)

"""What the tests share: the project's root, `mkdocs build` in a fresh process, a quiet local
server, an HTML start-tag collector, a browser tab that keeps nothing of the one before, axe's
serious findings, and a throwaway copy of the project for tests that edit code or configuration
and rebuild. Fixtures live in conftest.py."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("cnnviz", "gen", "docs", "mkdocs.yml")
MKDOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}

# Debian's chromium-headless-shell: Chromium's own Blink without the full browser around it.
# Its page loads need less of the CPU the two workers share: the 315 browser tests took 253 and
# 279 s and 482 and 542 CPU-seconds, against 458 s and 906 CPU-seconds in the full Chromium
# (2026-12-07, the same tests passing). The full one stands in where the shell is missing, and
# is what `make audit` and the playground benches run, since they measure a reader's browser.
FULL_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUMS = (Path("/usr/bin/chromium-headless-shell"), FULL_CHROMIUM)


def chromium_to_launch(ci: bool, candidates: tuple[Path, ...] = CHROMIUMS) -> Path | None:
    """The first of ``candidates`` installed; under CI only the first, which `make browser`
    installs, so a CI run never falls back to the slower full browser unnoticed."""
    allowed = candidates[:1] if ci else candidates
    return next((path for path in allowed if path.exists()), None)


def mkdocs_build(
    destination: Path, site_url: str, config: Path = ROOT / "mkdocs.yml", *, strict: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build` into ``destination`` in a fresh process."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(destination)]
    env = {**os.environ, **MKDOCS_ENV, "SITE_URL": site_url}
    return subprocess.run(
        command + (["--strict"] if strict else []),
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request."""

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A local server that says nothing when a browser drops a request it no longer needs (a
    page closed while an image was on its way); any other error is printed as usual."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StartTags(HTMLParser):
    """Collects every start tag with its attributes as the parser gives them: a list of
    ``(name, value)`` in document order, a repeated name kept, a bare attribute's value None."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of ``html`` as ``(tag, [(name, value), ...])``, in document order."""
    parser = StartTags()
    parser.feed(html)
    return parser.tags


def forget_cnnviz() -> None:
    """Drop every cnnviz module from sys.modules, so the next import reads the files again."""
    for name in [name for name in sys.modules if name.partition(".")[0] == "cnnviz"]:
        del sys.modules[name]


def xdist_group(request) -> str:
    """The pytest-xdist group this test runs in ("" for none), or a skip outside ``--dist
    loadgroup``, the only mode that groups tests."""
    import pytest

    config = request.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        pytest.skip("only pytest-xdist's --dist loadgroup groups tests")
    return request.node.nodeid.rpartition("]")[2].partition("@")[2]


def lesson_run(name: str):
    """A project lesson's run, with what each cell drew, made once per process.

    It is the run the recipes of this process draw from too (``recipes._run`` keeps it), so a
    test worker that checks a lesson's notebook cells, its figures and its numbers trains the
    lesson's networks once: the train lesson takes 7 s of CPU, the learned lesson 5 s.
    """
    from cnnviz import recipes  # the library is imported only by the tests that need it

    return recipes._run(name, record=True)


def namespace(name: str) -> dict:
    """Every name a project lesson's code defined (see :func:`lesson_run`)."""
    return dict(lesson_run(name).namespace)


def signed_without_scale(fig) -> list[str]:
    """The title of every signed image in a figure that neither a colorbar (of its very range)
    nor its values written in its cells explain."""
    import numpy as np

    from cnnviz import figures

    bars = [ax._colorbar for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    clims = [bar.mappable.get_clim() for bar in bars]
    missing = []
    for ax in fig.axes:
        for image in ax.get_images():
            if image.get_cmap().name != figures.SIGNED:
                continue
            written = len(ax.texts) >= np.size(image.get_array())
            if not written and image.get_clim() not in clims:
                missing.append(ax.get_title() or "?")
    return missing


def copy_project(destination: Path) -> Path:
    """Copy the sources, the figure cache and the parsed lessons, so the copy starts warm;
    return the copy's root.

    Python must import the copy's `cnnviz`: run it with ``PYTHONPATH=<copy>``, or put the copy
    first on ``sys.path``.
    """
    ignore = shutil.ignore_patterns("__pycache__")
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=ignore)
        else:
            shutil.copy2(source, destination / part)
    for cache in (ROOT / ".cache" / "cnnviz", ROOT / ".cache" / "lessons"):
        if cache.is_dir():
            shutil.copytree(cache, destination / cache.relative_to(ROOT))
    return destination


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# What a site's origin keeps between visits, and Chromium clears on request: all of it except
# the HTTP cache, which holds the one build every tab shares and never goes stale.
STORAGE = "cookies,local_storage,indexeddb,cache_storage,service_workers,file_systems"


@contextlib.contextmanager
def fresh_tab(context, origin: str) -> Iterator:
    """A new tab in ``context`` that keeps nothing of the tabs before it.

    ``tab.console_errors`` and ``tab.requested`` record what it did. A tab has a session storage
    of its own; what ``origin`` stored for longer (the colour scheme Material remembers, say) is
    cleared when the tab closes, so the next one finds the site as a first visit does.
    """
    tab = context.new_page()
    tab.console_errors = []
    tab.requested = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    tab.on("request", lambda request: tab.requested.append(request.url))
    try:
        yield tab
    finally:
        cdp = context.new_cdp_session(tab)
        cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": STORAGE})
        cdp.detach()
        context.clear_cookies()
        tab.close()


SERIOUS = ("serious", "critical")
_AXE_RUN = """async ([within, impacts]) => {
    const results = await axe.run(within || document, {resultTypes: ["violations"]});
    return results.violations.filter((v) => impacts.includes(v.impact))
        .map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`);
}"""


def serious_violations(tab, within: str | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page in ``tab``, or in the part of it
    that the CSS selector ``within`` picks, each as ``"id: help (n nodes)"``.

    Every section is laid out first: Chromium keeps an off-screen ``content-visibility: auto``
    section in the style it was last drawn in, so axe would read the light palette in dark
    mode, where a reader only ever sees a section drawn. axe is injected once per page and asked
    for its violations alone: serialising every rule's passes to Python, as axe-playwright's
    ``Axe.run`` does, took a third of each run (conv page: 3.0 s against 2.0 s, 2026-12-06).
    """
    tab.add_style_tag(content=".cnnviz-section { content-visibility: visible !important }")
    if not tab.evaluate("typeof window.axe === 'object'"):
        tab.evaluate(_axe_script())
    return tab.evaluate(_AXE_RUN, [within, list(SERIOUS)])


@functools.cache
def _axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")

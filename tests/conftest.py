"""Shared fixtures: the site built once per session, a local server for it, and Chromium.

Under pytest-xdist (`make test` runs ``-n 2``), what a session fixture builds is built once for
all the workers: the first to need it builds it under a lock, the others wait and reuse it.
Helpers that are not fixtures live in project.py.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, settings
from project import (
    CHROMIUMS,
    ROOT,
    QuietHandler,
    QuietServer,
    chromium_to_launch,
    free_port,
    fresh_tab,
    mkdocs_build,
)

SUBPATH = "cnnviz"  # the site is served under a subpath, as GitHub Pages serves a project
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# The test processes keep what they compile, whatever PYTHONDONTWRITEBYTECODE says (these
# machines set it): pytest's rewritten test modules (checked against their source's hash) and
# the library's modules, which the Pythons the tests start then read too. Without it, each
# worker compiled them all again: collecting took 6.3 s a worker, against 3.0 s (2026-12-07).
sys.dont_write_bytecode = False

# Torch's first call is slow and CI machines are shared: correctness is checked here, not time.
settings.register_profile(
    "cnnviz", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("cnnviz"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "cnnviz")

# An OpenMP thread waiting for work spins on its core for a while, and under two test workers
# every core is busy: the learned lesson's notebook, whose kernel trains on two torch threads,
# took 120 s beside two busy cores and 9.9 s with its threads waiting passively (6.1 s on a
# quiet machine), measured 2026-12-06. How a thread waits changes no result. Nothing has
# imported torch yet; every process the tests start (kernels, builds, workers) inherits this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def nav_pages() -> list[str]:
    """Every page of the site's navigation as its address, e.g. ``"conv/"``, in nav order;
    the gallery's generated pages are listed after its index, as the site hook adds them."""
    import yaml

    from cnnviz.gallery import gallery_images

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # !ENV, !relative
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *args: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)

    def walk(entries):
        for entry in entries:
            if isinstance(entry, str):
                yield entry
            else:
                for value in entry.values():
                    yield from walk(value) if isinstance(value, list) else [value]

    pages = []
    for path in walk(config["nav"]):
        address = "" if path == "index.md" else path.removesuffix("index.md").removesuffix(".md")
        pages.append(address if address.endswith("/") or not address else address + "/")
        if path == "gallery/index.md":
            images = gallery_images(ROOT, [], ROOT / "docs" / "assets" / "gallery")
            pages += [f"gallery/{image.slug}/" for image in images]
    return pages


@dataclass(frozen=True)
class Site:
    """A built copy of the site, and where it is served.

    Attributes:
        root: The built site's folder (what `mkdocs build` writes).
        url: Its address, ending in a slash, e.g. ``http://127.0.0.1:40123/cnnviz/``.
        log: Everything the build printed.
        built_for: The address the build was made for (its ``site_url``): the canonical links
            and the sitemap name its port, which under xdist may differ from ``url``'s.
    """

    root: Path
    url: str
    log: str
    built_for: str

    def html(self, page: str) -> str:
        """The HTML of a page given by its URL path, e.g. ``"en/conv/"``."""
        return (self.root / page / "index.html").read_text(encoding="utf-8")


def made_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder that ``make`` fills once per test run, shared by every xdist worker.

    The documented xdist pattern: the workers' temporary folders share a parent, and a file
    lock there lets one worker make the folder while the others wait. A ``.done`` file marks a
    folder made whole; one whose making failed is made again by the next worker that needs it.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = factory.mktemp(name)
        make(folder)
        return folder
    folder = factory.getbasetemp().parent / name
    with FileLock(f"{folder}.lock"):
        if not (folder / ".done").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".done").touch()
    return folder


def build_site(folder: Path) -> None:
    """Build the site with `--strict` into ``folder/www/cnnviz``; its log goes to ``build.log``."""
    port = free_port()
    result = mkdocs_build(folder / "www" / SUBPATH, f"http://127.0.0.1:{port}/{SUBPATH}/")
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    (folder / "build.log").write_text(result.stderr, encoding="utf-8")
    (folder / "port").write_text(str(port), encoding="ascii")


class SiteHandler(QuietHandler):
    """Serves the built site. A sitemap names the port the build was made for; where this
    server listens on another (another xdist worker holds that one), it is served naming this
    server's port, as a host serves the site at its own address. Material's language switcher
    looks the page up in the sitemap, keeping the port it names, and goes to the language's
    home page when it is not found there."""

    def do_GET(self) -> None:
        built, port = self.server.built_port, self.server.server_address[1]
        if built == port or not self.path.partition("?")[0].endswith("sitemap.xml"):
            super().do_GET()
            return
        try:
            body = Path(self.translate_path(self.path)).read_bytes()
        except OSError:
            self.send_error(404)
            return
        body = body.replace(f"127.0.0.1:{built}/".encode(), f"127.0.0.1:{port}/".encode())
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(www: Path, port: int) -> QuietServer:
    """Serve ``www`` on ``port``, or on a free port when another worker holds that one."""
    handler = functools.partial(SiteHandler, directory=str(www))
    try:
        server = QuietServer(("127.0.0.1", port), handler)
    except OSError:
        server = QuietServer(("127.0.0.1", free_port()), handler)
    server.built_port = port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole site, built with `--strict` under `/cnnviz/` and served on 127.0.0.1.

    Under xdist the workers serve the one build, each on a port of its own: only the canonical
    links and the sitemap name the port the build was made for, and no test follows them.
    """
    folder = made_once(tmp_path_factory, "site", build_site)
    server = serve(folder / "www", int((folder / "port").read_text(encoding="ascii")))
    port = server.server_address[1]
    log = (folder / "build.log").read_text(encoding="utf-8")
    built_for = f"http://127.0.0.1:{(folder / 'port').read_text(encoding='ascii')}/{SUBPATH}/"
    url = f"http://127.0.0.1:{port}/{SUBPATH}/"
    yield Site(root=folder / "www" / SUBPATH, url=url, log=log, built_for=built_for)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright: its headless shell (see ``project.CHROMIUMS``).

    Without it the full Chromium stands in, and without either the browser tests skip; under
    CI (CI=true), which runs `make browser` first, only the shell will do, and its absence fails.
    """
    ci = bool(os.environ.get("CI"))
    path = chromium_to_launch(ci)
    if path is None:
        message = f"no Chromium at {CHROMIUMS[0]}; `make browser` installs Debian's package"
        if ci:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def tabs(browser):
    """One browser context per worker at 1280×900, whose tabs the ``page`` fixture opens.

    A tab in a new context took 1.12 s to open and load a page; a tab in a context that has
    loaded the site before took 0.62 s, with the site's files in its HTTP cache (2026-12-06).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(tabs, site):
    """A fresh browser tab on a first visit to the site (see :func:`fresh_tab`)."""
    origin = "{0.scheme}://{0.netloc}".format(urlparse(site.url))
    with fresh_tab(tabs, origin) as tab:
        yield tab


TRAINED = ("train", "learned")  # the lessons that train networks: 7 s and 5 s of one core


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep on one xdist worker what would otherwise be made once a worker:

    - the tests of a module that share a module-scoped fixture (a copied project, its build),
      unless the fixture is parametrised, which makes each of its values once anyway, or the
      tests drive the browser: a tab is cheap to open twice, and a module of browser tests
      takes minutes (the playground's uploads: 158 worker-seconds), so its tests spread;
    - every test that names a lesson that trains networks, in its code, its fixtures' code or
      its parameters, so one process runs that lesson (``project.lesson_run``), not each.

    Takes effect under ``--dist loadgroup``, as `make test` and `make test-fast` run.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = [d for ds in (info.name2fixturedefs.values() if info else []) for d in ds]
        if _names_a_trained_lesson(item, defs):
            item.add_marker(pytest.mark.xdist_group("trained-lessons"))
        elif "browser" not in item.fixturenames and any(
            d.scope == "module" and d.params is None for d in defs
        ):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _names_a_trained_lesson(item: pytest.Item, defs: list) -> bool:
    if "site" in item.fixturenames or item.get_closest_marker("slow"):
        return False  # it reads the built site, or trains in processes of its own
    functions = [getattr(item, "function", None), *(d.func for d in defs)]
    codes = [function.__code__ for function in functions if hasattr(function, "__code__")]
    callspec = getattr(item, "callspec", None)
    said = [c for code in codes for c in _constants(code)]
    said += _strings(callspec.params if callspec else None)
    return any(word in TRAINED for word in said)


def _constants(code: types.CodeType) -> Iterator[object]:
    for constant in code.co_consts:
        yield from _constants(constant) if isinstance(constant, types.CodeType) else [constant]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)

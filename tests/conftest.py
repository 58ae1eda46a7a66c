"""Shared fixtures: the site built once per session, a local server for it, and Chromium."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SUBPATH = "cnnviz"  # the site is served under a subpath, as GitHub Pages serves a project
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MKDOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}

# Torch's first call is slow and CI machines are shared: correctness is checked here, not time.
settings.register_profile(
    "cnnviz", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("cnnviz"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "cnnviz")


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
    """

    root: Path
    url: str
    log: str

    def html(self, page: str) -> str:
        """The HTML of a page given by its URL path, e.g. ``"en/conv/"``."""
        return (self.root / page / "index.html").read_text(encoding="utf-8")


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
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole site, built with `--strict` under `/cnnviz/` and served on 127.0.0.1."""
    www, port = tmp_path_factory.mktemp("www"), free_port()
    url = f"http://127.0.0.1:{port}/{SUBPATH}/"
    result = mkdocs_build(www / SUBPATH, url)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    handler = functools.partial(QuietHandler, directory=str(www))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(root=www / SUBPATH, url=url, log=result.stderr)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, headless.

    Without Chromium the browser tests skip, except under CI (CI=true), where it is a failure.
    """
    if not CHROMIUM.exists():
        message = "no Chromium at /usr/bin/chromium; `make browser` installs Debian's package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab; ``page.console_errors`` and ``page.requested`` record what it did."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.console_errors = []
    tab.requested = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    tab.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    context.close()

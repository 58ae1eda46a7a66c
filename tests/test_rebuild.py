"""Rebuilds: fresh code in one process, a warm build that draws nothing, and `mkdocs serve`
surviving broken code and broken images while it keeps serving the last good figure."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from project import MKDOCS_ENV, copy_project, edit, forget_cnnviz, mkdocs_build
from serving import Server, serving

from cnnviz.store import Store

pytestmark = pytest.mark.site

CURVE_COLOUR = 'color="#c0392b"'
FIGURES = Path("cnnviz") / "figures.py"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_one_process_sees_an_edited_module(tmp_path):
    """Generate, edit a copied cnnviz module, generate again in the same process: new bytes."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = copy_project(tmp_path / "project")
    sys.path.insert(0, str(root))
    os.environ.update(MKDOCS_ENV)
    try:
        forget_cnnviz()
        build(load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "one")))
        edit(root / FIGURES, CURVE_COLOUR, 'color="#1f6fb4"')
        build(load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "two")))
    finally:
        sys.path.remove(str(root))
        forget_cnnviz()
    before = (tmp_path / "one" / "figures" / "relu-curve.png").read_bytes()
    after = (tmp_path / "two" / "figures" / "relu-curve.png").read_bytes()
    assert before != after


def test_a_warm_build_draws_nothing_and_imports_neither_torch_nor_matplotlib(project, tmp_path):
    """With every result cached, the build renders 0 figures and never imports torch or mpl."""
    script = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        f"build(load_config({str(project / 'mkdocs.yml')!r}, site_dir={str(tmp_path)!r}))\n"
        "print('loaded:', sorted({'torch', 'matplotlib', 'cv2'} & set(sys.modules)))\n"
    )
    env = {**os.environ, **MKDOCS_ENV, "PYTHONPATH": str(project)}
    for _ in range(2):  # the first run may fill the cache if the copy started cold
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=env,
            cwd=project,
            check=True,
        )
    assert "loaded: []" in result.stdout
    counts = [line for line in result.stderr.splitlines() if "results:" in line]
    assert len(counts) >= 4  # lesson and gallery, in both languages
    assert all(" 0 rendered" in line for line in counts)


def test_serve_rebuilds_with_fresh_code_and_survives_failures(tmp_path):
    """Under `mkdocs serve`: an edit to cnnviz is drawn at once (in one language pass only);
    a figure whose code raises logs one error naming it and the file and line of the raise, and
    keeps its last good bytes; a lesson whose cell raises is named by file and line, and its
    page shows the last good outputs under a notice that says so, until it is fixed; a bad
    gallery image logs its one-line message; and the server keeps serving throughout."""
    root = copy_project(tmp_path / "project")
    with serving(root) as server:
        original = server.get("figures/relu-curve.png")

        edit(root / FIGURES, CURVE_COLOUR, 'color="#1f6fb4"')
        # The curve, and only it, drawn in the server's own process: "1 rendered by 2 workers"
        # would mean a pool was started for one figure.
        assert " 1 rendered, " in server.wait_for("cnnviz lesson:")
        assert " 0 rendered, " in server.wait_for("cnnviz lesson:")  # the English pass
        server.wait_for_rebuild()
        recoloured = server.get("figures/relu-curve.png")
        assert recoloured != original

        edit(
            root / FIGURES,
            "    fig = Figure(figsize=(WIDTH * 0.55,",
            "    raise RuntimeError('boom')\n    fig = Figure(figsize=(WIDTH * 0.55,",
        )
        since = len(server.log)
        error = server.wait_for("ERROR")
        raised = (root / FIGURES).read_text().splitlines().index("    raise RuntimeError('boom')")
        expected = (
            f"cnnviz: figures/relu-curve.png: cnnviz/figures.py:{raised + 1}: RuntimeError: boom"
        )
        assert error.strip() == f"ERROR   -  {expected}"
        server.wait_for_rebuild()
        assert sum("ERROR" in line for line in server.log[since:]) == 1  # once, not per language
        assert server.get("figures/relu-curve.png") == recoloured

        lesson = root / "docs" / "lessons" / "relu.py"
        good = lesson.read_text()
        cache = Store(root / ".cache" / "cnnviz")  # the last good run's outputs, as cached
        outputs = json.loads(cache.last_good("lessons/relu.json"))
        printed = [text.strip().splitlines()[0] for text in outputs.values() if text.strip()]
        assert printed
        lesson.write_text(good + "\n# %% broken\nraise ValueError('lesson broke')\n")
        line = len(lesson.read_text().splitlines())
        error = server.wait_for("lesson broke")
        assert f"docs/lessons/relu.py:{line}: cell 'broken': ValueError: lesson broke" in error
        server.wait_for_rebuild()
        for page in ("relu/", "en/relu/"):  # the last good outputs, and a notice that says so
            html = server.get(page).decode()
            assert html.count('class="admonition failure"') == 1
            assert f"docs/lessons/relu.py:{line}" in html
            shown = unescape(re.sub(r"<[^>]+>", "", html))
            assert all(first in shown for first in printed)  # the last good run's outputs
        lesson.write_text(good)
        server.wait_for_rebuild()
        assert 'class="admonition failure"' not in server.get("relu/").decode()

        (root / "docs" / "assets" / "gallery" / "notes.png").write_text("not a picture")
        error = server.wait_for("notes.png")
        assert error.startswith("ERROR")
        assert "notes.png: not an image: the content is not PNG, JPEG, BMP or WebP" in error
        server.wait_for_rebuild()
        assert b"<html" in server.get("")
        assert b"<html" in server.get("en/gallery/")


def test_serve_dirty_keeps_each_search_entry_once_through_rebuilds(tmp_path):
    """Under `mkdocs serve --dirty`, which renders only what changed into the folder it keeps,
    each language's search index lists every section of the site once after every rebuild, and
    an edited page's entry has the edit. (Material kept the last index and merged each build's
    into it: each entry was listed 4 times after the first build and 340 after the third.) An
    edit of a lesson's code reaches its pages, whose Markdown did not change."""
    root = copy_project(tmp_path / "project")
    with serving(root, "--dirty") as server:
        first = {path: entries(server, path) for path in ("", "en/")}
        assert all(first.values())
        page = root / "docs" / "about.ko.md"
        for number in range(3):
            page.write_text(page.read_text(encoding="utf-8") + f"\n낱말{number}\n")
            server.wait_for_rebuild()
            for path, before in first.items():
                now = entries(server, path)
                assert sorted(now) == sorted(before), path  # each section, once
            about = [text for where, text in entries(server, "").items() if "about/" in where]
            assert any(f"낱말{number}" in text for text in about)
        lesson = root / "docs" / "lessons" / "relu.py"
        edit(
            lesson, 'print(f"f{i + 1}", tuple(fmap.shape)', 'print(f"zq{i + 1}", tuple(fmap.shape)'
        )
        server.wait_for_rebuild()
        for path in ("relu/", "en/relu/"):  # a page whose Markdown did not change
            assert b"zq1" in server.get(path), path


def test_serve_renders_only_what_an_edit_reaches_and_ends_as_a_whole_build(tmp_path):
    """Under plain `mkdocs serve`: after a figure's colour changes in the library, the figure
    is drawn again and no page is rendered; after a Markdown edit only that page is (and a
    lesson page's edit reaches its notebook); a file changed that is no input (Python's
    bytecode) builds nothing; after a lesson's code changes, every page is.
    Then mkdocs.yml is touched, which builds everything afresh: that site holds the same
    files, each with the same bytes (the search indexes with the same entries), as the one the
    edits built."""
    root = copy_project(tmp_path / "project")
    with serving(root) as server:
        old = server.get("figures/relu-curve.png")
        edit(root / FIGURES, CURVE_COLOUR, 'color="#2b39c0"')
        server.wait_for_rebuild()
        assert server.get("figures/relu-curve.png") != old
        assert pages_rendered(newest_site(root)) == set()

        about = root / "docs" / "about.ko.md"
        about.write_text(about.read_text(encoding="utf-8") + "\n낱말 하나\n", encoding="utf-8")
        server.wait_for_rebuild()
        assert pages_rendered(newest_site(root)) == {"about/index.html"}
        assert "낱말 하나" in server.get("about/").decode()

        served = newest_site(root)  # a change the server sees that is no input: no build
        (root / "cnnviz" / "__pycache__").mkdir(exist_ok=True)
        (root / "cnnviz" / "__pycache__" / "nothing.pyc").write_bytes(b"\0")
        server.wait_for("cnnviz: nothing changed since the last good build, still served")
        server.wait_for_rebuild()
        assert newest_site(root) == served

        lesson_page = root / "docs" / "conv.en.md"  # its notebook is made from it
        lesson_page.write_text(lesson_page.read_text() + "\nA zebra word.\n", encoding="utf-8")
        server.wait_for_rebuild()
        # about/ may render again: its Markdown was saved within a second of the last start
        assert pages_rendered(newest_site(root)) - {"about/index.html"} == {"en/conv/index.html"}
        assert b"A zebra word." in server.get("en/notebooks/conv.ipynb")
        assert b"A zebra word." not in server.get("notebooks/conv.ipynb")

        edit(root / "docs" / "lessons" / "relu.py", 'print(f"f{i + 1}"', 'print(f"zq{i + 1}"')
        server.wait_for_rebuild()
        site = newest_site(root)
        every = {path.relative_to(site).as_posix() for path in site.rglob("index.html")}
        assert pages_rendered(site) == {
            page for page in every if not page.removeprefix("en/").startswith("gallery/")
        }
        assert b"zq1" in server.get("en/relu/")

        (root / "mkdocs.yml").touch()
        server.wait_for_rebuild()
        whole = newest_site(root)
        assert whole != site
        assert same_site(site, whole)


def newest_site(root: Path) -> Path:
    """The folder of the server's latest rebuild."""
    (server,) = [path for path in (root / ".cache" / "last-good").iterdir() if path.is_dir()]
    return max((path for path in server.iterdir()), key=lambda path: int(path.name))


def pages_rendered(site: Path) -> set[str]:
    """The pages of a rebuild's folder written by the rebuild itself, those newer than the date
    every file copied from the served site was given (its oldest file's), but the gallery's:
    gen/gallery.py writes them afresh for every build, so MkDocs renders them every time."""
    pages = {path: path.stat().st_mtime for path in site.rglob("index.html")}
    copied = min(path.stat().st_mtime for path in site.rglob("*") if path.is_file())
    rendered = {path.relative_to(site).as_posix() for path, when in pages.items() if when > copied}
    gallery = {page for page in rendered if page.removeprefix("en/").startswith("gallery/")}
    assert "en/gallery/road/index.html" in gallery
    return rendered - gallery


def same_site(one: Path, other: Path) -> bool:
    """Whether two built sites hold the same files with the same bytes, each search index
    compared as its entries by location."""
    files = {path.relative_to(one) for path in one.rglob("*") if path.is_file()}
    assert files == {path.relative_to(other) for path in other.rglob("*") if path.is_file()}
    for name in sorted(files):
        mine, theirs = (one / name).read_bytes(), (other / name).read_bytes()
        if name.name == "search_index.json":
            mine, theirs = (json.loads(data) for data in (mine, theirs))
            assert mine["config"] == theirs["config"], name
            mine, theirs = ({doc["location"]: doc for doc in d["docs"]} for d in (mine, theirs))
        assert mine == theirs, name
    return True


def entries(server: Server, language: str) -> dict[str, str]:
    """A language's search index as each location's text; a location listed twice fails."""
    docs = json.loads(server.get(f"{language}search/search_index.json"))["docs"]
    locations = [doc["location"] for doc in docs]
    assert len(locations) == len(set(locations)), f"{language}: a section is listed twice"
    return {doc["location"]: doc["text"] for doc in docs}


def without_livereload(html: bytes) -> bytes:
    """A served page without the script the server injects, which carries the build's epoch."""
    return re.sub(rb"<script>[^<]*livereload[^<]*</script>", b"", html)


def test_serve_keeps_the_last_good_site_through_broken_code_and_a_missing_cell(tmp_path):
    """A syntax error in cnnviz, then a page naming no cell: each is logged in one line (the first
    names the file and line), every page and figure is still served as it last built, at once,
    and fixing the mistake rebuilds as usual."""
    root = copy_project(tmp_path / "project")
    figures = root / FIGURES
    line = figures.read_text().splitlines().index("WIDTH = 7.2") + 1
    with serving(root) as server:
        page, figure = server.get("conv/"), server.get("figures/conv.png")

        edit(figures, "WIDTH = 7.2", "WIDTH = (7.2")
        error = server.wait_for("rebuild failed")
        assert error.strip() == (
            "ERROR   -  cnnviz: rebuild failed, last good site kept: "
            f"cnnviz/figures.py:{line}: SyntaxError: '(' was never closed"
        )
        server.wait_for_rebuild()
        assert server.get("figures/conv.png", timeout=30) == figure
        assert without_livereload(server.get("conv/", timeout=30)) == without_livereload(page)

        edit(figures, "WIDTH = (7.2", "WIDTH = 7.2")
        server.wait_for("cnnviz playground:")
        server.wait_for_rebuild()
        english = server.get("en/conv/")

        marker = '{{ cell("net") }}'
        edit(root / "docs" / "conv.en.md", marker, marker.replace("net", "no-such-cell"))
        error = server.wait_for("no code cell named")
        lesson = root / "docs" / "lessons" / "conv.py"
        assert (
            error.strip() == f"ERROR   -  conv.en.md: {lesson}: no code cell named 'no-such-cell'"
        )
        server.wait_for("rebuild failed")
        server.wait_for_rebuild()
        assert without_livereload(server.get("en/conv/", timeout=30)) == without_livereload(english)
        assert server.get("figures/conv.png", timeout=30) == figure


def test_broken_code_still_fails_a_strict_build_naming_the_file_and_line(tmp_path):
    """`mkdocs build --strict` (and a plain build) still fails on a syntax error in cnnviz,
    with one line naming the real file and line, and no traceback."""
    root = copy_project(tmp_path / "project")
    edit(root / FIGURES, "WIDTH = 7.2", "WIDTH = (7.2")
    line = 1 + (root / FIGURES).read_text().splitlines().index("WIDTH = (7.2")
    result = mkdocs_build(tmp_path / "site", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert result.returncode != 0
    said = result.stderr + result.stdout
    assert f"cnnviz/figures.py:{line}: SyntaxError: '(' was never closed" in said
    assert "Traceback" not in said
    assert "<unknown>" not in said


def test_settling_waits_out_a_build_announced_after_the_reload():
    """When the watcher reported one save twice, a second build is announced as the first
    ends and reloads later than the log's quiet spell: waiting for the edit's rebuild waits for
    that reload too, so the next edit's wait cannot take it for its own."""
    server = object.__new__(Server)  # its log alone, without a process
    server.lines, server.log = queue.Queue(), []
    server.process = SimpleNamespace(poll=lambda: None)
    for line in ("Reloading browsers", "Detected file changes"):
        server.lines.put(f"INFO    -  {line}\n")
    later = threading.Timer(0.4, server.lines.put, ["INFO    -  Reloading browsers\n"])
    later.start()
    try:
        server.wait_for_rebuild(quiet=0.1)
    finally:
        later.join()
    assert [line.split("-  ")[1].strip() for line in server.log] == [
        "Reloading browsers",
        "Detected file changes",
        "Reloading browsers",
    ]
    assert server.lines.empty()

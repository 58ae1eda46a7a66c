"""The site plugin's parts, one concern each: what each edit does, and that it says so when the
upstream output it edits has lost its marker, so that `mkdocs build --strict` fails."""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import logging
import re
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from mkdocs.exceptions import PluginError
from project import ROOT, free_port

from cnnviz.images import encode_png
from cnnviz.mkdocs_plugin import i18n, pages, plugin, upstream

SITE = ROOT / "cnnviz" / "mkdocs_plugin"
PAGE = SimpleNamespace(file=SimpleNamespace(src_uri="conv.md"), url="conv/")


@pytest.fixture
def warnings_said(caplog):
    caplog.set_level(logging.WARNING, logger="mkdocs.plugins.cnnviz")
    return lambda: [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


CONFIG = SimpleNamespace(site_dir="/nowhere", plugins={})
MATERIAL = (
    '<script src="a/glightbox.min.js"></script>'
    '<article class="md-content__inner md-typeset"><img src="x.png"><img src="y.png"></article>'
    '<a href="../a/" class="md-footer__link md-footer__link--prev" '
    'aria-label="Previous: &amp;lt;b">'
    '<script id="init-glightbox">go()</script>'
)

# (edit of the rendered page, what it writes when the marker is there)
EDITS = [
    (lambda out, page, config: pages.image_sizes(out, page, config), 'loading="lazy"'),
    (
        lambda out, page, config: pages.lightbox_script(out, page),
        'glightbox.min.js"></script><script id="init-glightbox">',
    ),
    (
        lambda out, page, config: pages.narrow_figures(out, page, config),
        '<picture><source media="(max-width: 599px)" srcset=',
    ),
]
NAMES = ["image_sizes", "lightbox_script", "narrow_figures"]


@pytest.mark.parametrize(("edit", "written"), EDITS, ids=NAMES)
def test_each_edit_does_its_work_where_its_marker_is(edit, written, warnings_said, tmp_path):
    """On Material's real markers, the edit is made and nothing is said."""
    narrow = tmp_path / "conv" / "x-narrow.png"  # the figure's phone layout, 4 × 3 px
    narrow.parent.mkdir()
    narrow.write_bytes(encode_png(np.zeros((3, 4), np.uint8)))
    config = SimpleNamespace(site_dir=str(tmp_path), plugins={})
    output = edit(MATERIAL, PAGE, config)
    assert written in output
    assert warnings_said() == []


@pytest.mark.parametrize(("edit", "written"), EDITS, ids=NAMES)
def test_each_edit_warns_when_its_marker_is_gone(edit, written, warnings_said):
    """Without the marker, the page is left as it is and one warning names the page and the
    edit: enough for `mkdocs build --strict` to fail."""
    bare = "<html><body><p>nothing of Material's here</p></body></html>"
    assert edit(bare, PAGE, CONFIG) == bare
    (said,) = warnings_said()
    assert said.startswith("cnnviz: conv.md: no ")


def test_unconverted_tex_is_said(warnings_said):
    """TeX in a wrapper that no longer looks like arithmatex's is reported, not shipped quietly."""
    good = '<p><span class="arithmatex">\\(x^2\\)</span></p>'
    assert "<math" in pages.mathml(good, PAGE)
    assert warnings_said() == []
    odd = '<p><span class="arithmatex">$x^2$</span></p>'
    pages.mathml(odd, PAGE)
    assert "the MathML" in warnings_said()[0]


def test_the_gallery_nav_is_said_when_its_section_is_missing(warnings_said, tmp_path):
    """A nav without the gallery's section gets one warning; with it, every image's page."""
    config = SimpleNamespace(
        extra={},
        config_file_path=str(ROOT / "mkdocs.yml"),
        docs_dir=str(ROOT / "docs"),
        nav=[{"갤러리": ["gallery/index.md"]}],
    )
    pages.gallery_nav(config)
    entries = config.nav[0]["갤러리"]
    assert entries[0] == "gallery/index.md"
    assert "gallery/road.md" in entries
    config.nav = ["index.md"]
    pages.gallery_nav(config)
    assert "the gallery's nav" in warnings_said()[0]


def i18n_config(**plugin):
    defaults = {"building": False, "default_language": "ko", "build_languages": ["ko", "en"]}
    return SimpleNamespace(plugins={"i18n": SimpleNamespace(**{**defaults, **plugin})})


def installed_but(package: str, found: str):
    """Installed versions as written for, but ``package`` at ``found``."""
    return lambda name: found if name == package else upstream.WRITTEN_FOR[name][0]


def test_static_i18n_of_another_version_stops_the_build_naming_issue_263():
    """The workaround is for one version: any other stops the build in one line."""
    with pytest.raises(PluginError, match="issue 263") as caught:
        upstream.check_versions(installed_but("mkdocs-static-i18n", "1.4.0"))
    assert "1.4.0" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("package", sorted(upstream.WRITTEN_FOR))
def test_each_upstream_package_of_another_version_stops_the_build_in_one_line(package):
    """Every package whose insides the site uses is checked: another version stops the build
    with one line naming the package, the version written for and the one found."""
    upstream.check_versions()  # the installed versions are the ones written for
    with pytest.raises(PluginError) as caught:
        upstream.check_versions(installed_but(package, "99.0"))
    said = str(caught.value)
    assert f"{package} {upstream.WRITTEN_FOR[package][0]} (" in said
    assert "but 99.0 is installed" in said
    assert "\n" not in said


def test_a_language_without_search_settings_stops_the_build():
    """A new language must bring its search settings, not borrow Korean's."""
    i18n.check_languages(i18n_config().plugins["i18n"])
    with pytest.raises(PluginError, match="no search settings for fr"):
        i18n.check_languages(i18n_config(build_languages=["ko", "en", "fr"]).plugins["i18n"])


def test_i18n_edits_warn_when_their_markers_are_gone(warnings_said):
    """The alternate links and, on English pages, the config script must be there."""
    config = i18n_config(current_language="en")
    bare = "<html><head></head><body></body></html>"
    i18n.localize_page(bare, PAGE, config.plugins["i18n"])
    said = warnings_said()
    assert len(said) == 2
    assert "alternate language link" in said[0]
    assert "Material config script" in said[1]


def readers_of(*words: str) -> list[str]:
    """The project's Python files, outside the tests, that mention any of ``words``."""
    files = [*(ROOT / "cnnviz").rglob("*.py"), *(ROOT / "gen").rglob("*.py")]
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in files
        if any(word in path.read_text(encoding="utf-8") for word in words)
    )


def test_the_nested_build_flag_is_read_in_one_place():
    """Only cnnviz/mkdocs_plugin/upstream.py reads static-i18n's `building` flag."""
    assert readers_of('"building"', ".building") == ["cnnviz/mkdocs_plugin/upstream.py"]


def test_each_upstream_coupling_has_one_home():
    """static-i18n's clean_directory swap and log filter, gen-files' generated_by and MkDocs'
    server.builder, root, error_handler and epochs are each touched in
    cnnviz/mkdocs_plugin/upstream.py alone."""
    for words in [
        ("clean_directory",),
        ("I18nLoggingFilter",),
        ("generated_by",),
        (".builder",),
        ("_wanted_epoch", "_visible_epoch", "_epoch_cond"),
        ("server.root", "error_handler"),
        ("._timeout",),
        ("md-content__inner", "__config"),
        ("init-glightbox", 'class="arithmatex">'),
    ]:
        assert readers_of(*words) == ["cnnviz/mkdocs_plugin/upstream.py"], words


def test_a_warning_from_our_hooks_is_counted_by_strict_mode():
    """MkDocs counts warnings on its own logger's children; ours is one of them."""
    from mkdocs.__main__ import ColorFormatter  # noqa: F401  (MkDocs' logging is set up)
    from mkdocs.utils import CountHandler

    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        upstream.missing("marker", "page.md", "an edit")
        assert counter.get_counts() == [("WARNING", 1)]
    finally:
        logging.getLogger("mkdocs").removeHandler(counter)


def test_sections_split_at_top_level_headings_only():
    """A heading nested in another element stays where it is, and a wrapper the lightbox
    plugin adds (<html><body>) is neither counted nor swallowed."""
    sections = pages.sections
    page = "<h1>T</h1>\n<h2>A</h2><p>a<br>b</p><div><h2>n</h2></div>\n<h2>B</h2><p>b</p>"
    expected = (
        '<h1>T</h1>\n<section class="cnnviz-section"><h2>A</h2><p>a<br>b</p><div><h2>n</h2>'
        '</div>\n</section><section class="cnnviz-section"><h2>B</h2><p>b</p></section>'
    )
    assert sections(page) == expected
    wrapped = f"<html><head></head><body>{page}</body></html>"
    assert sections(wrapped) == f"<html><head></head><body>{expected}</body></html>"
    assert sections("<p>no heading</p>") == "<p>no heading</p>"
    # A tag in a comment, a ">" in a quoted attribute and a self-closed tag change no depth.
    odd = '<h2>A</h2><!-- <div> --><p title="a>b">x</p><svg><path d="M0"/></svg><h2>B</h2>'
    assert sections(odd) == (
        '<section class="cnnviz-section"><h2>A</h2><!-- <div> --><p title="a>b">x</p><svg>'
        '<path d="M0"/></svg></section><section class="cnnviz-section"><h2>B</h2></section>'
    )


def test_each_build_forgets_the_cnnviz_modules_but_a_nested_one_keeps_them(monkeypatch):
    """A new build imports cnnviz afresh, all but the plugin's own modules; static-i18n's
    nested build does not."""
    import cnnviz.kernels  # noqa: F401

    # The plugin as loaded now: another test may have forgotten the modules this file imported.
    plugin = importlib.import_module("cnnviz.mkdocs_plugin.plugin")

    started = []
    lock = SimpleNamespace(release=lambda force: None)
    monkeypatch.setattr(plugin.locks, "lock_site", lambda *args: started.append(args) or lock)
    monkeypatch.setattr(plugin, "_check_settings", lambda config: _stop_here())
    ours = {name: module for name, module in sys.modules.items() if name.startswith("cnnviz")}
    config = i18n_config(building=True)
    config.config_file_path = str(ROOT / "mkdocs.yml")
    config.site_dir = "/nowhere"
    try:
        plugin.CnnvizPlugin()._start_build(config)
        assert "cnnviz.kernels" in sys.modules
        assert started == []
        config.plugins["i18n"].building = False
        with pytest.raises(_Stopped):
            plugin.CnnvizPlugin()._start_build(config)
        left = [name for name in sys.modules if name.startswith("cnnviz")]
        assert left
        assert all(
            name == "cnnviz.mkdocs_plugin" or name.startswith("cnnviz.mkdocs_plugin.")
            for name in left
        )
    finally:
        sys.modules.update(ours)


class _Stopped(Exception):
    pass


def _stop_here():
    raise _Stopped


def test_the_plugin_is_registered_with_mkdocs_as_cnnviz():
    """mkdocs.yml's `- cnnviz` finds the plugin class through the package's entry point."""
    from importlib.metadata import entry_points

    (found,) = entry_points(group="mkdocs.plugins", name="cnnviz")
    assert found.value == "cnnviz.mkdocs_plugin.plugin:CnnvizPlugin"
    assert found.load() is importlib.import_module("cnnviz.mkdocs_plugin.plugin").CnnvizPlugin


class Closing:
    """Stands for a build's SiteBuild: counts how often it is closed."""

    def __init__(self) -> None:
        self.closed = 0
        self.plan = None  # not under `mkdocs serve`

    def close(self) -> None:
        self.closed += 1


def test_a_build_is_closed_on_success_on_error_and_on_shutdown_not_by_a_nested_build():
    """The outer build's on_post_build, any on_build_error and on_shutdown close the build;
    static-i18n's nested build's on_post_build leaves it open."""
    site = plugin.CnnvizPlugin()
    site.state = Closing()
    site._end_build(i18n_config(building=True))
    assert site.state.closed == 0
    site._end_build(i18n_config())
    assert site.state.closed == 1
    site.on_build_error(error=ValueError("broke"))
    assert site.state.closed == 2
    site.on_shutdown()
    assert site.state.closed == 3


def test_a_syntax_error_stops_the_build_in_one_line(tmp_path):
    """`mkdocs build` with a syntax error in the project's code ends with one line naming the
    file and the line, not a traceback."""
    from mkdocs.exceptions import Abort

    site = plugin.CnnvizPlugin()
    site.project = tmp_path
    error = SyntaxError("invalid syntax", (str(tmp_path / "cnnviz" / "figures.py"), 787, 1, "x"))
    with pytest.raises(Abort) as caught:
        site.on_build_error(error=error)
    assert str(caught.value) == "cnnviz/figures.py:787: SyntaxError: invalid syntax"
    site.on_build_error(error=ValueError("any other"))  # keeps its traceback: nothing raised


def test_current_build_is_the_plugins_build():
    """A gen script reaches the build that runs through the configuration, not a global."""
    from cnnviz.mkdocs_plugin import current_build

    build = object()
    config = SimpleNamespace(
        plugins={"cnnviz": SimpleNamespace(state=SimpleNamespace(build=build))}
    )
    assert current_build(config) is build


def lesson_config(language: str):
    return i18n_config(current_language=language)


def test_a_lessons_outputs_reach_its_page_from_memory(warnings_said):
    """What the lesson printed in this build, handed over in memory, is under its cell; while
    its last run failed, a notice above says so, with the failure's line."""
    page = SimpleNamespace(file=SimpleNamespace(src_uri="relu.en.md"), url="en/relu/")
    markdown = (ROOT / "docs" / "relu.en.md").read_text(encoding="utf-8")
    outputs = {"stats": "printed by the stats cell 12345"}
    build = SimpleNamespace(kept={"lessons/relu.json": json.dumps(outputs).encode()}, stale={})
    shown = pages.lesson_markdown(markdown, page, lesson_config("en"), build)
    assert "printed by the stats cell 12345" in shown
    assert "!!! failure" not in shown
    build.stale["lessons/relu.json"] = "docs/lessons/relu.py:47: cell 'x': ValueError: broke"
    shown = pages.lesson_markdown(markdown, page, lesson_config("en"), build)
    assert "printed by the stats cell 12345" in shown
    title, notice = shown.split("\n")[0], shown.split("\n\n")[1]
    assert title.startswith("# ")
    assert notice.startswith("!!! failure")
    assert "`docs/lessons/relu.py:47: cell 'x': ValueError: broke`" in shown


def _module_level_mutables(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mutable = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        made = isinstance(value, ast.Call) and getattr(value.func, "id", "") in {
            "dict",
            "list",
            "set",
            "OrderedDict",
            "defaultdict",
        }
        if isinstance(value, mutable) or made:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            found.append(f"{path.name}:{getattr(target, 'id', node.lineno)}")
    return found


def test_no_module_of_the_site_or_the_build_keeps_state_between_builds():
    """What a build knows lives on its objects: no module-level dict, list or set in the
    plugin's modules or cnnviz/build.py (WRITTEN_FOR and SEARCH_CONFIG are read-only tables)."""
    tables = {"upstream.py:WRITTEN_FOR", "i18n.py:SEARCH_CONFIG"}
    modules = [*SITE.glob("*.py"), ROOT / "cnnviz" / "build.py"]
    found = [place for path in modules for place in _module_level_mutables(path)]
    assert sorted(set(found) - tables) == []


def test_only_the_site_subpackage_imports_mkdocs():
    """The library outside cnnviz/mkdocs_plugin/ never imports MkDocs or its plugins."""
    pattern = re.compile(r"^\s*(import|from)\s+(mkdocs|material)\b", re.M)
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "cnnviz").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8")) and SITE not in path.parents
    ]
    assert importers == []


def test_every_event_is_in_the_plugin_module():
    """The reader finds every MkDocs event, and its order, in cnnviz/mkdocs_plugin/plugin.py."""
    defining = [
        path.name for path in SITE.glob("*.py") if re.search(r"^\s*def on_", path.read_text(), re.M)
    ]
    assert defining == ["plugin.py"]


def test_a_folder_whose_lock_nobody_holds_is_removed_and_a_held_one_stays(tmp_path):
    """A build's start removes the folders of ended processes (no lock held) with what they
    link to outside, keeps a running one's, and says whether it runs alone."""
    from filelock import FileLock

    from cnnviz.mkdocs_plugin.locks import TMP, OwnFolder, site_lock_file

    tmp = tmp_path / TMP
    tmp.mkdir(parents=True)
    outside = tmp_path / "mkdocs_servesite"
    outside.mkdir()
    outside_lock = site_lock_file(tmp_path, outside)
    outside_lock.parent.mkdir(parents=True)
    outside_lock.touch()
    (tmp / "tmpended").mkdir()
    (tmp / "tmpended" / "outside-0").symlink_to(outside)
    (tmp / "tmpended.lock").touch()  # left by a kill -9
    (tmp / "tmprunning").mkdir()
    running = FileLock(tmp / "tmprunning.lock")
    running.acquire()
    saved = tempfile.tempdir
    own = OwnFolder(tmp_path)
    try:
        assert own.start() is False  # another build runs
        assert not (tmp / "tmpended").exists()
        assert not (tmp / "tmpended.lock").exists()
        assert not outside.exists()
        assert not outside_lock.exists()
        assert (tmp / "tmprunning").is_dir()
        assert tempfile.gettempdir() == str(own.path)
        assert own.path.parent == tmp
        running.release()
        assert own.start() is True
        assert not (tmp / "tmprunning").exists()
        served = tmp_path / "mkdocs_served"  # `mkdocs serve`'s site folder, made outside
        served.mkdir()
        own.note(served)
        own.end()
        assert list(tmp.iterdir()) == []
        assert not served.exists()
    finally:
        tempfile.tempdir = saved


THEME = ROOT / "gen" / "theme" / "partials"


def material_partial(name: str) -> str:
    import material

    return (Path(material.__file__).parent / "templates" / "partials" / name).read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("search.html", 1),  # the dialog's aria-label
        ("footer.html", 2),  # each link's aria-label
    ],
)
def test_each_overridden_partial_is_materials_own_but_for_its_change(name, changed):
    """A partial in gen/theme is the installed Material's, line for line, but for its leading
    comment and the lines it changes: a new Material that changed the partial fails here."""
    ours = (THEME / name).read_text(encoding="utf-8").split("-#}\n", 1)[1].splitlines()
    theirs = material_partial(name).split("-#}\n", 1)[1].splitlines()
    assert len(ours) == len(theirs)
    assert sum(a != b for a, b in zip(ours, theirs, strict=True)) == changed


def test_the_search_dialog_is_named_after_its_placeholder():
    """axe asks a name of every dialog; the search field's placeholder, in the page's language,
    names it."""
    first = (THEME / "search.html").read_text(encoding="utf-8").split("-#}\n", 1)[1]
    dialog = first.splitlines()[0]
    assert dialog == (
        '<div class="md-search" data-md-component="search" role="dialog" '
        "aria-label=\"{{ lang.t('search.placeholder') }}\">"
    )
    assert "placeholder=\"{{ lang.t('search.placeholder') }}\"" in first


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("&lt;b&gt; &amp; c", "Previous: &lt;b&gt; &amp; c"),  # a gallery title: escaped once
        ("Plain & <b>", "Previous: Plain &amp; &lt;b&gt;"),  # a raw title: escaped as before
        ("&amp;lt;", "Previous: &amp;lt;"),  # undone once, not twice
    ],
)
def test_a_footer_link_is_labelled_with_its_title_escaped_once(title, label):
    """The footer's aria-label escapes an already escaped title once, not twice, so a screen
    reader never says "&lt;"."""
    import jinja2

    line = next(
        line
        for line in (THEME / "footer.html").read_text(encoding="utf-8").splitlines()
        if "md-footer__link--prev" in line
    )
    expression = re.search(r'aria-label="(.*)">', line).group(1)
    page = SimpleNamespace(previous_page=SimpleNamespace(title=title))
    rendered = jinja2.Environment().from_string(expression).render(direction="Previous", page=page)
    assert rendered == label


def test_a_servers_folders_are_removed_once_its_server_has_ended(tmp_path):
    """A server's folders stay while it holds its lock; a killed server's (no lock held) go
    when the next server starts; a published rebuild is served and its folder older than the
    one before goes; a failed rebuild's folder goes; a server that stops removes its own."""
    import os

    from filelock import FileLock

    from cnnviz.mkdocs_plugin.serve import LAST_GOOD, ServedSite

    store = tmp_path / LAST_GOOD
    first = tmp_path / "mkdocs_site"
    first.mkdir()
    for server in ("1", "2"):
        (store / server / "5").mkdir(parents=True)
    (store / "1.lock").touch()  # a killed server's
    running = FileLock(store / "2.lock")
    running.acquire()
    try:
        served = ServedSite(store, first)
        assert not (store / "1").exists()
        assert not (store / "1.lock").exists()
        assert (store / "2" / "5").is_dir()
        built = served.fresh()
        assert built.parent == store / str(os.getpid())
        assert served.publish() == built
        second = served.fresh()
        assert served.publish() == second  # the first rebuild's folder is kept one more round
        third = served.fresh()
        assert served.publish() == third
        failed = served.fresh()
        served.drop()
        served._sweeper.join()
        assert served.served == third
        assert sorted(path.name for path in served.own.iterdir()) == sorted(
            [second.name, third.name]
        )
        assert first.is_dir()  # MkDocs' own folder is MkDocs' to remove
        assert not failed.exists()
        served.discard()
        assert sorted(path.name for path in store.iterdir()) == ["2", "2.lock"]
    finally:
        running.release()


def test_a_request_during_a_rebuild_is_answered_from_the_last_good_site(tmp_path):
    """While a rebuild is stopped half-way through writing its folder, a GET is answered, and
    from the last good site, not the half-written one; once the rebuild ends, the new site is
    served; a rebuild that raises leaves the last good site served, as does one whose folder
    cannot be made."""
    import os
    import threading
    import urllib.request

    from mkdocs.livereload import LiveReloadServer

    from cnnviz.mkdocs_plugin.serve import Rebuilds, serve_last_good

    first = tmp_path / "mkdocs_site"
    first.mkdir()
    (first / "index.html").write_text("<body>old</body>")
    (tmp_path / "docs").mkdir()
    started, release = threading.Event(), threading.Event()
    outcome = {"raise": False}

    def builder():
        folder = rebuilds.pending.folder
        (folder / "index.html").write_text("<body>half")
        started.set()
        assert release.wait(60)
        if outcome["raise"]:
            raise RuntimeError("broken")
        (folder / "index.html").write_text("<body>new</body>")

    port = free_port()
    server = LiveReloadServer(builder, "127.0.0.1", port, str(first), polling_interval=0.05)
    server.watch(str(tmp_path / "docs"))
    rebuilds = Rebuilds(tmp_path, dirty=False)
    serve_last_good(server, rebuilds)
    served = rebuilds.folders
    thread = threading.Thread(target=server.serve, daemon=True)

    def get() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
            return answer.read().decode()

    def rebuild() -> None:
        started.clear()
        release.clear()
        (tmp_path / "docs" / "page.md").write_text(str(os.urandom(8)))
        assert started.wait(60)

    try:
        thread.start()
        for _ in range(600):  # until the server listens
            try:
                first_answer = get()
                break
            except OSError:
                threading.Event().wait(0.05)
        assert "old" in first_answer
        rebuild()
        assert "old" in get()  # answered while the rebuild waits on `release`
        assert not release.is_set()
        release.set()
        deadline = threading.Event()
        for _ in range(600):
            if "new" in get():
                break
            deadline.wait(0.05)
        assert "new" in get()
        outcome["raise"] = True
        rebuild()
        assert "new" in get()
        release.set()
        for _ in range(600):  # until the failed rebuild's folder is gone
            if served.newest() == served.served:
                break
            deadline.wait(0.05)
        assert served.newest() == served.served
        assert "new" in get()

        planned = threading.Event()

        def disk_full():
            planned.set()
            raise OSError(28, "No space left on device")

        rebuilds.plan = disk_full  # the copy of the served site fails: still one line
        (tmp_path / "docs" / "page.md").write_text(str(os.urandom(8)))
        assert planned.wait(60)
        assert "new" in get()  # answered, not held for good
    finally:
        release.set()
        server.shutdown()
        thread.join(timeout=30)
        served.discard()


def test_the_server_looks_for_changed_files_every_tenth_of_a_second(tmp_path):
    """Every watch, made before `on_serve` or after it, polls at serve.POLL_INTERVAL."""
    from mkdocs.livereload import LiveReloadServer

    from cnnviz.mkdocs_plugin.serve import POLL_INTERVAL, Rebuilds, serve_last_good

    (tmp_path / "site").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "code").mkdir()
    server = LiveReloadServer(lambda: None, "127.0.0.1", free_port(), str(tmp_path / "site"))
    served = None
    try:
        server.watch(str(tmp_path / "docs"))
        served = Rebuilds(tmp_path, dirty=False)
        serve_last_good(server, served)
        server.watch(str(tmp_path / "code"))
        timeouts = [emitter.timeout for emitter in server.observer.emitters]
        assert timeouts == [POLL_INTERVAL, POLL_INTERVAL]
        assert POLL_INTERVAL < 0.5
    finally:
        server.server_close()
        if served is not None and served.folders is not None:
            served.folders.discard()


def test_a_template_is_compiled_once_per_version_of_its_source(tmp_path):
    """Each environment MkDocs makes gets a bytecode cache in the project's `.cache/jinja`: a
    later environment renders a template the first compiled without compiling it, and an
    edited template is compiled again."""
    from jinja2 import Environment, FileSystemLoader

    templates = tmp_path / "theme"
    templates.mkdir()
    (templates / "main.html").write_text("{{ 6 * 7 }}", encoding="utf-8")
    built = plugin.CnnvizPlugin()
    built.project = tmp_path
    compiled = []

    def render() -> str:
        env = built.on_env(Environment(loader=FileSystemLoader(templates)), config=None, files=None)
        compile_ = env.compile
        env.compile = lambda *args, **kwargs: compiled.append(args[1]) or compile_(*args, **kwargs)
        return env.get_template("main.html").render()

    assert render() == "42"
    assert compiled == ["main.html"]
    assert len(list((tmp_path / plugin.JINJA).iterdir())) == 1
    assert render() == "42"
    assert compiled == ["main.html"]  # loaded compiled
    (templates / "main.html").write_text("{{ 6 * 9 }}", encoding="utf-8")
    assert render() == "54"
    assert compiled == ["main.html", "main.html"]


def test_each_build_forgets_materials_last_search_index():
    """Material's search plugin keeps no index from an earlier build into the next, and a
    Material without that attribute stops the build in one line."""
    search = SimpleNamespace(search_index_prev=["an earlier build's index"])
    upstream.forget_last_search_index(SimpleNamespace(plugins={"material/search": search}))
    assert search.search_index_prev is None
    with pytest.raises(PluginError, match="search_index_prev"):
        upstream.forget_last_search_index(
            SimpleNamespace(plugins={"material/search": SimpleNamespace()})
        )
    upstream.forget_last_search_index(SimpleNamespace(plugins={}))  # no search: nothing to do


def test_what_changed_names_the_least_a_rebuild_must_redo(tmp_path):
    """No input changed (Python's bytecode and an editor's hidden files are not inputs):
    nothing. An input whose time and size stayed but whose bytes did not: what its edit is.
    A Markdown edit: Markdown at most. The library's modules: library. A lesson, an asset,
    the site plugin or a page's title (its first heading, or its front matter's): code.
    mkdocs.yml, a gen script, the theme, a file added or removed, or no build yet: layout."""
    from cnnviz.mkdocs_plugin import serve
    from cnnviz.mkdocs_plugin.serve import Change

    names = (
        "docs/conv.ko.md",
        "docs/lessons/conv.py",
        "docs/assets/a.css",
        "cnnviz/mkdocs_plugin/pages.py",
        "cnnviz/layers.py",
        "gen/lesson.py",
        "gen/theme/main.html",
        "mkdocs.yml",
    )
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("1", encoding="utf-8")
    first = serve.input_stamp(tmp_path)
    assert sorted(first) == sorted(names)
    assert serve.what_changed(None, first) is Change.LAYOUT
    assert serve.what_changed(first, serve.input_stamp(tmp_path)) is Change.NOTHING
    assert serve.what_changed(first, first, frozenset({names[0]})) is Change.MARKDOWN
    assert serve.what_changed(first, first, frozenset({names[4]})) is Change.LIBRARY
    (tmp_path / "docs" / "about.ko.md").write_text("# About\n\nText.\n", encoding="utf-8")
    first = serve.input_stamp(tmp_path)
    (tmp_path / "docs" / "conv.ko.md").write_text("a new sentence", encoding="utf-8")
    (tmp_path / "docs" / "about.ko.md").write_text("# About\n\nMore text.\n", encoding="utf-8")
    (tmp_path / "cnnviz" / "__pycache__").mkdir()
    (tmp_path / "cnnviz" / "__pycache__" / "layers.pyc").write_bytes(b"\0")
    (tmp_path / "docs" / ".conv.ko.md.swp").write_bytes(b"\0")
    assert serve.what_changed(first, serve.input_stamp(tmp_path)) is Change.MARKDOWN
    first = serve.input_stamp(tmp_path)
    (tmp_path / "cnnviz" / "__pycache__" / "layers.pyc").write_bytes(b"\1")
    assert serve.what_changed(first, serve.input_stamp(tmp_path)) is Change.NOTHING
    expected = {
        **dict.fromkeys(names[1:4], Change.CODE),
        names[4]: Change.LIBRARY,
        **dict.fromkeys(names[5:], Change.LAYOUT),
    }
    for name, change in expected.items():
        before = serve.input_stamp(tmp_path)
        (tmp_path / name).write_text("12", encoding="utf-8")
        assert serve.what_changed(before, serve.input_stamp(tmp_path)) is change, name
    for title in ("# About this site\n\nMore text.\n", "---\ntitle: About\n---\n# About\n"):
        before = serve.input_stamp(tmp_path)
        (tmp_path / "docs" / "about.ko.md").write_text(title, encoding="utf-8")
        assert serve.what_changed(before, serve.input_stamp(tmp_path)) is Change.CODE, title
    before = serve.input_stamp(tmp_path)
    (tmp_path / "docs" / "new.ko.md").write_text("new", encoding="utf-8")
    assert serve.what_changed(before, serve.input_stamp(tmp_path)) is Change.LAYOUT
    before = serve.input_stamp(tmp_path)
    (tmp_path / "docs" / "assets" / "a.css").unlink()
    assert serve.what_changed(before, serve.input_stamp(tmp_path)) is Change.LAYOUT


def test_no_build_is_needed_until_an_input_changes_even_within_one_tick_of_the_clock(tmp_path):
    """After a good build, a look at unchanged inputs needs no build; nor does a file that was
    saved just before it and is written again with the same bytes and date. The same file
    written with other bytes of the same size, its date put back as a save within one tick of
    the kernel's clock leaves it, does; so does any edit."""
    import os

    from cnnviz.mkdocs_plugin.serve import Change, Rebuilds

    page = tmp_path / "docs" / "about.ko.md"
    page.parent.mkdir(parents=True)
    page.write_text("one", encoding="utf-8")
    rebuilds = Rebuilds(tmp_path, dirty=False)
    assert not rebuilds.unchanged()  # no build yet
    built = rebuilds.take()
    assert built.recent == {"docs/about.ko.md": hashlib.sha256(b"one").hexdigest()}
    rebuilds.succeeded()
    assert rebuilds.unchanged()
    dated = os.stat(page).st_mtime_ns
    page.write_text("one", encoding="utf-8")
    os.utime(page, ns=(dated, dated))
    assert rebuilds.unchanged()
    page.write_text("two", encoding="utf-8")
    os.utime(page, ns=(dated, dated))
    assert not rebuilds.unchanged()
    assert rebuilds.plan().change is Change.MARKDOWN
    rebuilds.succeeded()
    assert rebuilds.unchanged()
    page.write_text("three", encoding="utf-8")
    assert not rebuilds.unchanged()


def test_a_rebuild_starts_from_a_copy_of_the_served_site_unless_files_came_or_went(tmp_path):
    """After a Markdown edit the rebuild's folder is a copy of the served site, each file dated
    a second before the last good build began, built dirty; after a lesson edit, the same with
    every page rendered; after a page is added, an empty folder and a whole build. A failed
    build leaves the last good one what the next is compared with."""
    import os

    from cnnviz.mkdocs_plugin.serve import Rebuilds, ServedSite

    page = tmp_path / "docs" / "about.ko.md"
    lesson = tmp_path / "docs" / "lessons" / "conv.py"
    for path in (page, lesson, tmp_path / "mkdocs.yml"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("1", encoding="utf-8")
    served = tmp_path / "mkdocs_site"
    (served / "about").mkdir(parents=True)
    (served / "about" / "index.html").write_text("<p>1</p>", encoding="utf-8")
    rebuilds = Rebuilds(tmp_path, dirty=False)
    first = rebuilds.take()
    assert (first.folder, first.dirty) == (None, False)
    rebuilds.succeeded()
    rebuilds.folders = ServedSite(tmp_path / "last-good", served)
    try:
        page.write_text("2", encoding="utf-8")
        plan = rebuilds.plan()
        assert (plan.dirty, plan.every_page) == (True, False)
        copy = plan.folder / "about" / "index.html"
        assert copy.read_text(encoding="utf-8") == "<p>1</p>"
        assert os.stat(copy).st_mtime == first.started - 1.0
        assert os.stat(copy).st_mtime < os.stat(page).st_mtime  # so MkDocs renders it
        assert rebuilds.take() is plan
        rebuilds.failed()
        assert rebuilds.last_good is first
        rebuilds.folders._sweeper.join()
        assert not plan.folder.exists()  # the failed build's
        lesson.write_text("2", encoding="utf-8")
        plan = rebuilds.plan()
        assert (plan.dirty, plan.every_page) == (True, True)
        rebuilds.succeeded()
        assert rebuilds.folders.served == plan.folder
        assert rebuilds.last_good is plan
        assert rebuilds.plan().every_page is False  # nothing changed since
        rebuilds.succeeded()
        (tmp_path / "docs" / "new.ko.md").write_text("new", encoding="utf-8")
        plan = rebuilds.plan()
        assert (plan.dirty, list(plan.folder.iterdir())) == (False, [])
        rebuilds.succeeded()
    finally:
        rebuilds.folders.discard()


def test_dirty_builds_make_serves_and_static_i18ns_builds_dirty_and_put_them_back(monkeypatch):
    """Within `upstream.dirty_builds`, the build `mkdocs serve` calls and the one static-i18n's
    nested builds call build dirty; MkDocs' warning about it is not logged, other lines are;
    both are put back after, even when the build raises; if either no longer calls MkDocs'
    build, it stops in one line."""
    import logging

    import mkdocs.commands.build as build_command
    import mkdocs.commands.serve as serve_command
    import mkdocs_static_i18n.plugin as i18n_plugin

    calls = []

    def fake_build(config, **options):
        calls.append(options)
        build_command.log.warning("A 'dirty' build is being performed, this will likely ...")
        build_command.log.warning("another warning")

    for module in (build_command, serve_command, i18n_plugin):
        monkeypatch.setattr(module, "build", fake_build)
    heard = []
    handler = logging.Handler()
    handler.emit = lambda record: heard.append(record.getMessage())
    build_command.log.addHandler(handler)
    try:
        with upstream.dirty_builds():
            serve_command.build("config", serve_url="http://127.0.0.1:8000/", dirty=False)
            i18n_plugin.build("config", dirty=False)
        assert calls == [{"serve_url": "http://127.0.0.1:8000/", "dirty": True}, {"dirty": True}]
        assert heard == ["another warning", "another warning"]
        with pytest.raises(RuntimeError), upstream.dirty_builds():
            raise RuntimeError("the build failed")
        assert serve_command.build is i18n_plugin.build is fake_build
        serve_command.build("config", dirty=False)
        assert calls[-1] == {"dirty": False}
        assert heard[-2].startswith("A 'dirty' build")  # heard again
        monkeypatch.setattr(i18n_plugin, "build", lambda config, **options: None)
        with pytest.raises(PluginError, match="no longer call MkDocs' build"):
            with upstream.dirty_builds():
                pass
    finally:
        build_command.log.removeHandler(handler)

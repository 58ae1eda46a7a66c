"""The MkDocs hooks, one concern each: what each edit does, and that it says so when the
upstream output it edits has lost its marker, so that `mkdocs build --strict` fails."""

from __future__ import annotations

import importlib.util
import logging
import struct
import sys
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from project import ROOT

HOOKS = ROOT / "gen" / "hooks"
PAGE = SimpleNamespace(file=SimpleNamespace(src_uri="conv.md"), url="conv/")


def hook(name: str):
    """A hook file, loaded as MkDocs loads one: its folder on sys.path while it runs."""
    spec = importlib.util.spec_from_file_location(f"test_hook_{name}", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HOOKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(HOOKS))
    return module


@pytest.fixture
def warnings_said(caplog):
    caplog.set_level(logging.WARNING, logger="mkdocs.plugins.cnnviz")
    return lambda: [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


CONFIG = SimpleNamespace(site_dir="/nowhere", plugins={})
MATERIAL = (
    '<div class="md-search" data-md-component="search" role="dialog"><input '
    'class="md-search__input" placeholder="검색"></div><script src="a/glightbox.min.js"></script>'
    '<article class="md-content__inner md-typeset"><img src="x.png"><img src="y.png"></article>'
    '<a href="../a/" class="md-footer__link md-footer__link--prev" '
    'aria-label="Previous: &amp;lt;b">'
    '<script id="init-glightbox">go()</script>'
)

# (hook, event arguments, what the edit writes when the marker is there)
EDITS = [
    ("image_sizes", "on_post_page", 'loading="lazy"'),
    ("search_dialog", "on_post_page", 'role="dialog" aria-label="검색"'),
    ("lightbox_script", "on_post_page", 'glightbox.min.js"></script><script id="init-glightbox">'),
    ("footer_labels", "on_post_page", 'aria-label="Previous: &lt;b"'),
    ("narrow_figures", "on_post_page", '<picture><source media="(max-width: 599px)" srcset='),
]


@pytest.mark.parametrize(("name", "event", "written"), EDITS)
def test_each_edit_does_its_work_where_its_marker_is(name, event, written, warnings_said, tmp_path):
    """On Material's real markers, the edit is made and nothing is said."""
    narrow = tmp_path / "conv" / "x-narrow.png"  # the figure's phone layout, 4 × 3 px
    narrow.parent.mkdir()
    narrow.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 4, 3))
    config = SimpleNamespace(site_dir=str(tmp_path), plugins={})
    output = getattr(hook(name), event)(MATERIAL, PAGE, config)
    assert written in output
    assert warnings_said() == []


@pytest.mark.parametrize(("name", "event", "written"), EDITS)
def test_each_edit_warns_when_its_marker_is_gone(name, event, written, warnings_said):
    """Without the marker, the page is left as it is and one warning names the page and the
    edit: enough for `mkdocs build --strict` to fail."""
    bare = "<html><body><p>nothing of Material's here</p></body></html>"
    assert getattr(hook(name), event)(bare, PAGE, CONFIG) == bare
    (said,) = warnings_said()
    assert said.startswith("cnnviz: conv.md: no ")


def test_unconverted_tex_is_said(warnings_said):
    """TeX in a wrapper that no longer looks like arithmatex's is reported, not shipped quietly."""
    mathml = hook("mathml")
    good = '<p><span class="arithmatex">\\(x^2\\)</span></p>'
    assert "<math" in mathml.on_page_content(good, PAGE, CONFIG, None)
    assert warnings_said() == []
    odd = '<p><span class="arithmatex">$x^2$</span></p>'
    mathml.on_page_content(odd, PAGE, CONFIG, None)
    assert "the MathML" in warnings_said()[0]


def test_the_gallery_nav_is_said_when_its_section_is_missing(warnings_said, tmp_path):
    """A nav without the gallery's section gets one warning; with it, every image's page."""
    nav_hook = hook("gallery_nav")
    config = SimpleNamespace(
        extra={},
        config_file_path=str(ROOT / "mkdocs.yml"),
        docs_dir=str(ROOT / "docs"),
        nav=[{"갤러리": ["gallery/index.md"]}],
    )
    nav_hook.on_config(config)
    pages = config.nav[0]["갤러리"]
    assert pages[0] == "gallery/index.md"
    assert "gallery/road.md" in pages
    config.nav = ["index.md"]
    nav_hook.on_config(config)
    assert "the gallery's nav" in warnings_said()[0]


def i18n_config(**plugin):
    defaults = {"building": False, "default_language": "ko", "build_languages": ["ko", "en"]}
    return SimpleNamespace(plugins={"i18n": SimpleNamespace(**{**defaults, **plugin})})


def test_static_i18n_of_another_version_stops_the_build_naming_issue_263(monkeypatch):
    """The workaround is for one version: any other stops the build in one line."""
    i18n = hook("i18n")
    monkeypatch.setattr(i18n, "version", lambda name: "1.4.0")
    with pytest.raises(PluginError, match="issue 263") as caught:
        i18n.on_config(i18n_config())
    assert "1.4.0" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_language_without_search_settings_stops_the_build():
    """A new language must bring its search settings, not borrow Korean's."""
    i18n = hook("i18n")
    assert i18n.on_config(i18n_config()) is not None
    with pytest.raises(PluginError, match="no search settings for fr"):
        i18n.on_config(i18n_config(build_languages=["ko", "en", "fr"]))


def test_i18n_edits_warn_when_their_markers_are_gone(warnings_said):
    """The alternate links and, on English pages, the config script must be there."""
    i18n = hook("i18n")
    config = i18n_config(current_language="en")
    bare = "<html><head></head><body></body></html>"
    i18n.on_post_page(bare, PAGE, config)
    said = warnings_said()
    assert len(said) == 2
    assert "alternate language link" in said[0]
    assert "Material config script" in said[1]


def test_the_nested_build_flag_is_read_in_one_place():
    """Only _support.py reads static-i18n's `building` flag."""
    readers = [path.name for path in HOOKS.glob("*.py") if '"building"' in path.read_text()]
    readers += [path.name for path in (ROOT / "gen").glob("*.py") if "building" in path.read_text()]
    assert readers == ["_support.py"]


def test_a_warning_from_our_hooks_is_counted_by_strict_mode():
    """MkDocs counts warnings on its own logger's children; ours is one of them."""
    from mkdocs.__main__ import ColorFormatter  # noqa: F401  (MkDocs' logging is set up)
    from mkdocs.utils import CountHandler

    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        hook("_support").missing("marker", "page.md", "an edit")
        assert counter.get_counts() == [("WARNING", 1)]
    finally:
        logging.getLogger("mkdocs").removeHandler(counter)


def test_sections_split_at_top_level_headings_only():
    """A heading nested in another element stays where it is, and a wrapper the lightbox
    plugin adds (<html><body>) is neither counted nor swallowed."""
    sections = hook("sections").sections
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


def test_each_build_forgets_the_cnnviz_modules_but_a_nested_one_keeps_them():
    """A new build imports cnnviz afresh; static-i18n's nested build does not."""
    fresh = hook("fresh_code")
    import cnnviz.kernels  # noqa: F401

    ours = {name: module for name, module in sys.modules.items() if name.startswith("cnnviz")}
    try:
        fresh.on_config(i18n_config(building=True))
        assert "cnnviz.kernels" in sys.modules
        fresh.on_config(i18n_config())
        assert not [name for name in sys.modules if name.startswith("cnnviz")]
    finally:
        sys.modules.update(ours)

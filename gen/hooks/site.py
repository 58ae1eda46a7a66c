"""MkDocs hooks that keep the site fresh, complete, offline and light.

- Fresh code: every build starts by forgetting the cnnviz modules imported before, so the gen
  scripts of a `mkdocs serve` rebuild run the code as it is on disk now, never a stale copy.
- Gallery navigation: one page per gallery image is generated; their entries are added under
  the gallery's section of `nav`, so every page is in the navigation of both languages.
- Math without a CDN: `pymdownx.arithmatex` marks the TeX, and it is turned into MathML here,
  at build time, which browsers render natively.
- Light pages: each `<img>` gets its width and height, so nothing jumps while loading, and
  every figure after the first loads lazily.
- Accessible chrome: Material's search dialog gets a name, in the page's language, and the
  footer's links are named once-escaped: a gallery title arrives already escaped (see
  `cnnviz.markup.title_value`), and Material escapes it again only there.
- Fast first paint: the lightbox's script loads at the end of the page, not in its head, and
  each `##` section is a `<section>` that the browser lays out only when it nears the screen
  (`content-visibility: auto` in cnnviz.css).
- Memory: the objects the generators leave behind (torch, matplotlib) are frozen once they
  have run, so Python's cycle collector does not walk them again for every page; they thaw at
  the start of the next build, so a long `mkdocs serve` can still free them.
"""

from __future__ import annotations

import gc
import html
import re
import struct
import sys
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urljoin

from latex2mathml.converter import convert as tex_to_mathml
from mkdocs.plugins import event_priority

GALLERY_INDEX = "gallery/index.md"

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]\s*</(?P=tag)>',
    re.S,
)
_IMG = re.compile(r"<img\b[^>]*>")
_LIGHTBOX_SCRIPT = re.compile(r'<script src="[^"]*glightbox\.min\.js"></script>')
_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_SEARCH_PLACEHOLDER = re.compile(r'class="md-search__input"[^>]*placeholder="([^"]+)"')
_FOOTER_LABEL = re.compile(r'(<a href="[^"]*" class="md-footer__link[^"]*" aria-label=")([^"]*)(")')
_ESCAPED_TWICE = re.compile(r"&amp;(amp|lt|gt);")
_SRC = re.compile(r'\ssrc="([^"]+)"')
# A comment (skipped), or a tag: its name, and whether it closes or closes itself.
_TAG = re.compile(r"""<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)(?:"[^"]*"|'[^']*'|[^'">])*?(/?)>""", re.S)
# Void elements have no end tag; html, head and body are wrappers the lightbox plugin adds.
_NOT_COUNTED = frozenset(
    "area base br col embed hr img input link meta source track wbr html head body".split()
)


def on_config(config):
    # Runs first in every build, so all cnnviz code after this point is read from disk afresh.
    # static-i18n's nested build of another language is part of the same build: it keeps the
    # modules, and with them the memory of which renders already failed and were reported.
    if not getattr(config.plugins.get("i18n"), "building", False):
        gc.unfreeze()
        for name in [name for name in sys.modules if name.partition(".")[0] == "cnnviz"]:
            del sys.modules[name]
    from cnnviz.gallery import gallery_images

    listed = config.extra.get("cnnviz", {}).get("gallery", [])
    root = Path(config.config_file_path).parent
    images = gallery_images(root, listed, Path(config.docs_dir) / "assets" / "gallery")
    pages = [GALLERY_INDEX, *(f"gallery/{image.slug}.md" for image in images)]
    for entry in config.nav or []:
        if not isinstance(entry, dict):
            continue
        for title, children in entry.items():
            if isinstance(children, list) and GALLERY_INDEX in children:
                entry[title] = pages
    return config


@event_priority(-100)  # after mkdocs-gen-files has run the generators
def on_files(files, config):
    # A cold build leaves torch and matplotlib in memory: hundreds of thousands of objects that
    # every later collection would walk again. Frozen, the rest of the build is ~0.5-1 s faster.
    gc.freeze()
    return files


def on_page_content(html_text, page, config, files):
    def to_mathml(match):
        display = "block" if match.group("open") == "[" else "inline"
        return tex_to_mathml(html.unescape(match.group("tex")).strip(), display=display)

    return _sections(_MATH.sub(to_mathml, html_text))


def _sections(html_text: str) -> str:
    # Everything from one top-level <h2> to the next becomes a <section>. Search is unaffected:
    # Material's index splits a page at its headings wherever they sit, and no text is left
    # between two sections. What comes before the first <h2> is on screen at once anyway.
    # A regular expression walks the tags: Python-Markdown escapes every "<" and ">" in text
    # and attributes, and it is five times faster than html.parser on these pages.
    depth, cuts, end = 0, [], len(html_text)
    for match in _TAG.finditer(html_text):
        closing, tag, self_closing = match.groups()
        tag = (tag or "").lower()
        if tag == "body" and closing:
            end = match.start()  # the lightbox plugin hands the page on wrapped in <body>
        if not tag or self_closing or tag in _NOT_COUNTED:
            continue
        if closing:
            depth = max(depth - 1, 0)
            continue
        if tag == "h2" and depth == 0:
            cuts.append(match.start())
        depth += 1
    if not cuts:
        return html_text
    parts = (html_text[a:b] for a, b in pairwise([*cuts, end]))
    wrapped = "".join(f'<section class="cnnviz-section">{part}</section>' for part in parts)
    return html_text[: cuts[0]] + wrapped + html_text[end:]


def on_post_page(output, page, config):
    site = Path(config.site_dir)
    page_url = "/" + page.url
    first = True

    def size_and_defer(match):
        nonlocal first
        tag = match.group(0)
        src = _SRC.search(tag)
        file = unquote(urljoin(page_url, src.group(1))).lstrip("/") if src else ""
        size = _png_size(site / file) if file else None
        extra = ""
        if size and " width=" not in tag:
            extra += f' width="{size[0]}" height="{size[1]}"'
        if not first and " loading=" not in tag:
            extra += ' loading="lazy" decoding="async"'
        first = False
        return tag[:-1].rstrip("/").rstrip() + extra + ">"

    head, sep, body = output.partition('<article class="md-content__inner')
    output = head + sep + _IMG.sub(size_and_defer, body)
    return _move_lightbox_script(_name_search_dialog(_footer_labels(output)))


def _move_lightbox_script(output):
    """Load GLightbox's script just before the line that starts it, at the end of the body,
    instead of in the head, where it held up the first paint (Lighthouse: render-blocking)."""
    tag = _LIGHTBOX_SCRIPT.search(output)
    start = output.find('<script id="init-glightbox">')
    if tag is None or start < 0:
        return output
    output = output[: tag.start()] + output[tag.end() :]
    start -= tag.end() - tag.start()
    return output[:start] + tag.group(0) + output[start:]


def _footer_labels(output):
    """Undo Material's second escape of a title in a footer link's aria-label, so that a
    screen reader says "Next: <img…", not "Next: &lt;img…"."""

    def once(match):
        return match.group(1) + _ESCAPED_TWICE.sub(r"&\1;", match.group(2)) + match.group(3)

    return _FOOTER_LABEL.sub(once, output)


def _name_search_dialog(output):
    """Give Material's search dialog an accessible name: its placeholder, in the page's
    language (axe: aria-dialog-name)."""
    placeholder = _SEARCH_PLACEHOLDER.search(output)
    if placeholder is None:
        return output
    named = _SEARCH_DIALOG[:-1] + f' aria-label="{placeholder.group(1)}">'
    return output.replace(_SEARCH_DIALOG, named, 1)


def _png_size(path):
    try:
        with open(path, "rb") as file:
            header = file.read(24)
    except OSError:
        return None
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", header[16:24])

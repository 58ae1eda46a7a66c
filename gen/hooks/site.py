"""MkDocs hooks that keep the site fresh, complete, offline and light.

- Fresh code: every build starts by forgetting the cnnviz modules imported before, so the gen
  scripts of a `mkdocs serve` rebuild run the code as it is on disk now, never a stale copy.
- Gallery navigation: one page per gallery image is generated; their entries are added under
  the gallery's section of `nav`, so every page is in the navigation of both languages.
- Math without a CDN: `pymdownx.arithmatex` marks the TeX, and it is turned into MathML here,
  at build time, which browsers render natively.
- Light pages: each `<img>` gets its width and height, so nothing jumps while loading, and
  every figure after the first loads lazily.
- Accessible chrome: Material's search dialog gets a name, in the page's language.
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
from html.parser import HTMLParser
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
_SRC = re.compile(r'\ssrc="([^"]+)"')


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
    finder = _TopLevelHeadings()
    finder.feed(html_text)
    finder.close()
    end = len(html_text) if finder.body_end is None else finder.body_end
    cuts = [*finder.offsets, end]
    sections = (html_text[start:stop] for start, stop in zip(cuts, cuts[1:], strict=False))
    return (
        html_text[: cuts[0]]
        + "".join(f'<section class="cnnviz-section">{part}</section>' for part in sections)
        + html_text[end:]
    )


class _TopLevelHeadings(HTMLParser):
    """Finds where each <h2> that is not inside another element starts. The lightbox plugin
    hands the page on wrapped in <html><body>, and those wrappers do not count."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    VOID |= {"track", "wbr"}
    NOT_COUNTED = VOID | {"html", "head", "body"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.offsets: list[int] = []
        self.body_end: int | None = None
        self._line_starts = [0]

    def feed(self, data: str) -> None:
        self._line_starts = [0] + [i + 1 for i, char in enumerate(data) if char == "\n"]
        super().feed(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.NOT_COUNTED:
            return
        if tag == "h2" and self.depth == 0:
            self.offsets.append(self._offset())
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self.body_end = self._offset()
        if tag not in self.NOT_COUNTED:
            self.depth = max(self.depth - 1, 0)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column


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
    return _move_lightbox_script(_name_search_dialog(head + sep + _IMG.sub(size_and_defer, body)))


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

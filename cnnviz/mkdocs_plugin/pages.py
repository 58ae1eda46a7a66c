"""What the plugin does to each page: its Markdown (a lesson's cells and outputs, the gallery's
nav), its HTML content (MathML, sections) and, last, Material's rendered page.

Each edit of rendered HTML says in one line why no template override or Markdown hook serves;
the markers it looks for live in :mod:`cnnviz.mkdocs_plugin.upstream`, and a marker that is gone is
said in one warning (``upstream.missing``).
"""

from __future__ import annotations

import html
import json
import logging
import re
import tomllib
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urljoin

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from . import upstream

log = logging.getLogger("mkdocs.plugins.cnnviz")

STRINGS = Path(__file__).resolve().parents[2] / "gen" / "templates" / "notebook-strings.toml"
GALLERY_INDEX = "gallery/index.md"
BREAKPOINT = 600
"""Screens narrower than this, in CSS pixels, get a figure's narrow layout."""


# Markdown


def gallery_nav(config) -> None:
    """Put every gallery image's page in the nav section that lists `gallery/index.md`, in the
    gallery's own order (gen/gallery.py writes the pages)."""
    from cnnviz.gallery import configured_gallery

    images = configured_gallery(config.extra, Path(config.config_file_path).parent, config.docs_dir)
    pages = [GALLERY_INDEX, *(f"gallery/{image.slug}.md" for image in images)]
    placed = False
    for entry in config.nav or []:
        for title, children in entry.items() if isinstance(entry, dict) else []:
            if isinstance(children, list) and GALLERY_INDEX in children:
                entry[title] = pages
                placed = True
    if not placed:
        upstream.missing(f"nav section listing {GALLERY_INDEX}", "mkdocs.yml", "the gallery's nav")


def lesson_markdown(markdown: str, page, config, build) -> str:
    """A lesson's page with its cells, what they printed in this build, and its notebook links.

    `{{ cell("name") }}` becomes that cell's code, in the page's language, followed by what it
    printed; `{{ exercise("name") }}` an exercise with its answer folded below it; under the
    title, links offer the lesson's notebook and zips (written by gen/notebooks.py). While the
    lesson's last run failed, a notice says the outputs are the last good run's, and why.
    A marker that names no cell stops the build with one line, as a missing snippet would.
    """
    from cnnviz import lessons

    name = Path(page.file.src_uri).name.split(".")[0]
    if name not in lessons.lesson_names():
        return markdown
    language = _language(config)
    strings = tomllib.loads(STRINGS.read_text(encoding="utf-8"))[language]
    target = f"lessons/{name}.json"
    try:
        outputs = json.loads(build.kept[target])
    except (KeyError, ValueError):
        log.error("cnnviz: %s: the lesson has no outputs; see the error above", page.file.src_uri)
        outputs = {}
    try:
        lesson = lessons.read_lesson(name)
        markdown = lessons.page_markdown(markdown, lesson, language, outputs, strings)
    except lessons.LessonError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None
    markdown = _with_downloads(markdown, name, page, config, strings)
    return _with_stale_notice(markdown, build.stale.get(target), strings)


def _with_stale_notice(markdown, failure, strings):
    if failure is None:
        return markdown
    title, _, rest = markdown.partition("\n")
    notice = f'!!! failure "{strings["stale"]}"\n\n    `{" ".join(failure.split())}`\n'
    return f"{title}\n\n{notice}\n{rest}"


def _language(config):
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n else config.theme["language"]


def _with_downloads(markdown, name, page, config, strings):
    i18n = config.plugins.get("i18n")
    language = _language(config)
    root = "" if i18n is None or language == i18n.default_language else f"{language}/"

    def link(file, text):
        href = get_relative_url(f"{root}notebooks/{file}", page.url)
        return f'<a href="{href}" download>{text}</a>'

    links = " · ".join(
        [
            link(f"{name}.ipynb", strings["notebook"]),
            link(f"{name}.zip", strings["zip"]),
            link("cnnviz-notebooks.zip", strings["all"]),
        ]
    )
    block = (
        f'<p class="cnnviz-downloads" role="group" aria-label="{strings["downloads"]}">{links}</p>'
    )
    title, _, rest = markdown.partition("\n")
    if not title.startswith("# "):
        return f"{block}\n\n{markdown}"
    return f"{title}\n\n{block}\n\n{rest}"


# HTML content


def mathml(html_text: str, page) -> str:
    """Each formula's TeX as MathML, which browsers draw natively: no page needs a script."""

    # arithmatex has no hook for its output format; its wrapper is replaced once rendered.
    def to_mathml(match):
        from latex2mathml.converter import convert

        display = "block" if match.group("open") == "[" else "inline"
        return convert(html.unescape(match.group("tex")).strip(), display=display)

    converted = upstream.ARITHMATEX.sub(to_mathml, html_text)
    if 'class="arithmatex"' in converted:
        upstream.missing("TeX in arithmatex's form", page.file.src_uri, "the MathML")
    return converted


# A comment (skipped), or a tag: its name, and whether it closes or closes itself.
_TAG = re.compile(r"""<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)(?:"[^"]*"|'[^']*'|[^'">])*?(/?)>""", re.S)
# Void elements have no end tag; html, head and body are wrappers the lightbox plugin adds.
_NOT_COUNTED = frozenset(
    "area base br col embed hr img input link meta source track wbr html head body".split()
)


def sections(html_text: str) -> str:
    """Wrap each top-level `<h2>` and what follows it, up to the next, in a `<section>`.

    cnnviz.css gives each `content-visibility: auto`: on a phone, the style and layout work of
    a long lesson page falls by about half. Search is unaffected: Material's index splits a
    page at its headings wherever they sit.
    """
    # Python-Markdown's output has no element per heading's section, so the tags are walked;
    # a regular expression is five times faster than html.parser on these pages.
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


# Rendered pages

_PNG = re.compile(r'<img\b[^>]*\ssrc="(?P<src>[^"]+)\.png"[^>]*>')
_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]+)"')


def narrow_figures(output: str, page, config) -> str:
    """Wrap each `<img>` whose `-narrow.png` twin exists in a `<picture>` that serves the twin
    on screens below :data:`BREAKPOINT`; the lightbox still opens the wide figure."""

    # The twin exists only once the figures are in the site folder, after the page's content
    # was made; so the rendered page is edited.
    def wrap(match):
        narrow = f"{match['src']}-narrow.png"
        size = _site_png_size(config, page, narrow)
        if size is None:
            return match.group(0)
        width, height = size
        source = (
            f'<source media="(max-width: {BREAKPOINT - 1}px)" srcset="{narrow}" '
            f'width="{width}" height="{height}">'
        )
        return f"<picture>{source}{match.group(0)}</picture>"

    head, sep, body = output.partition(upstream.ARTICLE)
    if not sep:
        upstream.missing("Material article", page.file.src_uri, "serving narrow figures")
        return output
    return head + sep + _PNG.sub(wrap, body)


def image_sizes(output: str, page, config) -> str:
    """Give each figure of the article its size, and every figure after the first
    `loading="lazy"`, so nothing jumps while figures load."""

    # A figure's size is read from the site folder, which is filled after the page's content
    # was made; so the rendered page is edited.
    head, sep, body = output.partition(upstream.ARTICLE)
    if not sep:
        upstream.missing("Material article", page.file.src_uri, "sizing the figures")
        return output
    first = True

    def size_and_defer(match):
        nonlocal first
        tag = match.group(0)
        src = _SRC.search(tag)
        size = _site_png_size(config, page, src.group(1)) if src else None
        extra = ""
        if size and " width=" not in tag:
            extra += f' width="{size[0]}" height="{size[1]}"'
        if not first and " loading=" not in tag:
            extra += ' loading="lazy" decoding="async"'
        first = False
        return tag[:-1].rstrip("/").rstrip() + extra + ">"

    return head + sep + _IMG.sub(size_and_defer, body)


def lightbox_script(output: str, page) -> str:
    """Move GLightbox's script from the head, where it held up the first paint, to just
    before the line that starts the lightbox, at the end of the body."""
    # mkdocs-glightbox writes its tag into the rendered page itself, after every template.
    tag = upstream.LIGHTBOX_SCRIPT.search(output)
    start = output.find(upstream.LIGHTBOX_START)
    if tag is None or start < 0:
        upstream.missing("GLightbox script", page.file.src_uri, "moving it to the end")
        return output
    output = output[: tag.start()] + output[tag.end() :]
    start -= tag.end() - tag.start()
    return output[:start] + tag.group(0) + output[start:]


def _site_png_size(config, page, src: str) -> tuple[int, int] | None:
    file = unquote(urljoin("/" + page.url, src)).lstrip("/")
    return _png_size(Path(config.site_dir) / file) if file else None


def _png_size(path: Path) -> tuple[int, int] | None:
    # The library's one reader of image headers, on bytes read here: read_input would keep
    # every figure of the site in its memo for the rest of a `mkdocs serve` session.
    from cnnviz.headers import png_size

    try:
        return png_size(path.read_bytes())
    except OSError:
        return None

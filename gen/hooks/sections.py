"""MkDocs hook: each `##` section of a page is a `<section>` the browser lays out late.

Everything from one top-level `<h2>` to the next becomes a `<section class="cnnviz-section">`,
which cnnviz.css gives `content-visibility: auto`: on a phone, the style and layout work of a
long lesson page falls by about half. Search is unaffected: Material's index splits a page at
its headings wherever they sit, and no text is left between two sections. What comes before
the first `<h2>` is on screen at once anyway.
"""

from __future__ import annotations

import re
from itertools import pairwise

# A comment (skipped), or a tag: its name, and whether it closes or closes itself.
_TAG = re.compile(r"""<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)(?:"[^"]*"|'[^']*'|[^'">])*?(/?)>""", re.S)
# Void elements have no end tag; html, head and body are wrappers the lightbox plugin adds.
_NOT_COUNTED = frozenset(
    "area base br col embed hr img input link meta source track wbr html head body".split()
)


def on_page_content(html_text, page, config, files):
    return sections(html_text)


def sections(html_text: str) -> str:
    """Wrap each top-level `<h2>` and what follows it, up to the next, in a `<section>`."""
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

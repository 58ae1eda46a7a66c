"""MkDocs hook: each figure carries its size, and every figure after a page's first loads lazily.

With `width` and `height` on each `<img>`, nothing on the page jumps while figures load; with
`loading="lazy"`, a figure below the first is fetched only as the reader nears it. Only the
page's article (Material's `md-content__inner`) is edited.
"""

from __future__ import annotations

import re

import _support

_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]+)"')


def on_post_page(output, page, config):
    head, sep, body = output.partition(_support.ARTICLE)
    if not sep:
        _support.missing("Material article", page.file.src_uri, "sizing the figures")
        return output
    first = True

    def size_and_defer(match):
        nonlocal first
        tag = match.group(0)
        src = _SRC.search(tag)
        size = _support.site_png_size(config, page, src.group(1)) if src else None
        extra = ""
        if size and " width=" not in tag:
            extra += f' width="{size[0]}" height="{size[1]}"'
        if not first and " loading=" not in tag:
            extra += ' loading="lazy" decoding="async"'
        first = False
        return tag[:-1].rstrip("/").rstrip() + extra + ">"

    return head + sep + _IMG.sub(size_and_defer, body)

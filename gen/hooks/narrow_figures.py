"""MkDocs hook: on a phone, show each figure in its narrow layout.

A figure whose numbers would shrink out of reach on a phone is drawn twice (see
`gen/lesson.py`): `figures/x.png` for the page's column and `figures/x-narrow.png`, drawn
smaller or one or two panels to a row, whose numbers stay readable on a screen 390 px wide.
Each `<img>` whose narrow twin exists is wrapped in a `<picture>` that serves the twin below
600 px. The lightbox still opens the wide figure.
"""

from __future__ import annotations

import re

import _support
from mkdocs.plugins import event_priority

BREAKPOINT = 600
"""Screens narrower than this, in CSS pixels, get the narrow layout."""

_IMG = re.compile(r'<img\b[^>]*\ssrc="(?P<src>[^"]+)\.png"[^>]*>')


@event_priority(10)  # before image_sizes.py gives each <img> its size
def on_post_page(output, page, config):
    def wrap(match):
        narrow = f"{match['src']}-narrow.png"
        size = _support.site_png_size(config, page, narrow)
        if size is None:
            return match.group(0)
        width, height = size
        source = (
            f'<source media="(max-width: {BREAKPOINT - 1}px)" srcset="{narrow}" '
            f'width="{width}" height="{height}">'
        )
        return f"<picture>{source}{match.group(0)}</picture>"

    head, sep, body = output.partition(_support.ARTICLE)
    if not sep:
        _support.missing("Material article", page.file.src_uri, "serving narrow figures")
        return output
    return head + sep + _IMG.sub(wrap, body)

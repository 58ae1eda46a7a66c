"""MkDocs hook: GLightbox's script loads at the end of the page, not in its head.

mkdocs-glightbox puts its script tag in the head, where it held up the first paint
(Lighthouse: render-blocking resource). It is moved to just before the line that starts the
lightbox, at the end of the body.
"""

from __future__ import annotations

import re

import _support

START = '<script id="init-glightbox">'
_SCRIPT = re.compile(r'<script src="[^"]*glightbox\.min\.js"></script>')


def on_post_page(output, page, config):
    tag = _SCRIPT.search(output)
    start = output.find(START)
    if tag is None or start < 0:
        _support.missing("GLightbox script", page.file.src_uri, "moving it to the end")
        return output
    output = output[: tag.start()] + output[tag.end() :]
    start -= tag.end() - tag.start()
    return output[:start] + tag.group(0) + output[start:]

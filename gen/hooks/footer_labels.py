"""MkDocs hook: the footer's links are named with their titles escaped once, not twice.

A gallery page's title arrives already escaped (see `cnnviz.markup.title_value`), and
Material escapes it again in the footer link's `aria-label` only, so a screen reader would say
"Next: &lt;img…". The second escape is undone there.
"""

from __future__ import annotations

import re

import _support

_LINK = re.compile(r'(<a href="[^"]*" class="md-footer__link[^"]*" aria-label=")([^"]*)(")')
_ESCAPED_TWICE = re.compile(r"&amp;(amp|lt|gt);")


def on_post_page(output, page, config):
    def once(match):
        return match.group(1) + _ESCAPED_TWICE.sub(r"&\1;", match.group(2)) + match.group(3)

    edited, found = _LINK.subn(once, output)
    if not found:
        _support.missing("Material footer link", page.file.src_uri, "unescaping its label")
    return edited

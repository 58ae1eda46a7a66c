"""MkDocs hook: formulas become MathML at build time, so no page needs a script or a CDN.

`pymdownx.arithmatex` (generic mode) wraps each formula's TeX in a `span` or `div` of class
`arithmatex`; each is turned into MathML here, which browsers draw natively (in the font of
docs/stylesheets/math.css). A wrapper left unconverted means arithmatex changed its output:
that is said in one warning.
"""

from __future__ import annotations

import html
import re

import _support
from latex2mathml.converter import convert as tex_to_mathml

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]\s*</(?P=tag)>',
    re.S,
)


def on_page_content(html_text, page, config, files):
    def to_mathml(match):
        display = "block" if match.group("open") == "[" else "inline"
        return tex_to_mathml(html.unescape(match.group("tex")).strip(), display=display)

    converted = _MATH.sub(to_mathml, html_text)
    if 'class="arithmatex"' in converted:
        _support.missing("TeX in arithmatex's form", page.file.src_uri, "the MathML")
    return converted

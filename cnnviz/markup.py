"""Put untrusted text, such as a file's name, into generated Markdown so it shows as text only.

A file may be named ``<img src=x onerror=alert(1)>.png``. Each function here makes such a name
inert for one place in a page: running text, alt text, or a YAML front-matter value. A name may
also hold a line break, which would end a heading or a front-matter line; running text and
titles show each control character as its Unicode symbol instead (a newline as ``␊``). An
invisible format character (Unicode category Cf: a bidi override such as U+202E, which can make
``exe.png`` read as ``png.exe``, a zero-width space, a byte-order mark) is shown by its code
point, ``⟨U+202E⟩``, so what a page shows is what the name holds.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata

from .errors import CONTROL

# Control characters, and the line breaks that YAML and str.splitlines() know beside "\n".

# Characters that Markdown or its extensions read as syntax: emphasis, code, links, tables,
# headings, and the math delimiters of arithmatex ($...$, \(...\), \[...\]).
_SYNTAX = re.compile(r"[\\`*_{}\[\]()#+\-.!|~$]")


def markdown_text(text: str) -> str:
    """Escape text for running Markdown: no markup, link, math, HTML or entity survives.

    Every character that Markdown could read as syntax becomes a numeric character reference,
    which no extension interprets and every browser shows as the character itself.

    Args:
        text: Any text, e.g. a file name.

    Returns:
        Markdown that renders as exactly ``text``, on one line.
    """
    escaped = html.escape(
        _visible(text), quote=False
    )  # & < > first, so the references below stay intact
    return _SYNTAX.sub(lambda match: f"&#{ord(match.group(0))};", escaped)


def alt_text(text: str) -> str:
    """Make text safe inside ``![...]``: brackets, markup characters and newlines are dropped.

    Args:
        text: Any text.

    Returns:
        A single line with letters, digits, spaces and plain punctuation only.
    """
    return " ".join(re.sub(r"[^\w\s.,:;'%×–-]", " ", text).split())


def title_value(text: str) -> str:
    """Encode text as a front-matter ``title`` that themes print as text, not markup.

    Args:
        text: Any text.

    Returns:
        A YAML double-quoted scalar holding ``text`` with ``&``, ``<`` and ``>`` as entities.
    """
    return json.dumps(html.escape(_visible(text), quote=False), ensure_ascii=False)


def _visible(text: str) -> str:
    text = CONTROL.sub(lambda match: _symbol(ord(match.group(0))), text)
    return "".join(_code_point(c) if unicodedata.category(c) == "Cf" else c for c in text)


def _code_point(character: str) -> str:
    return f"⟨U+{ord(character):04X}⟩"


def _symbol(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: "␊" for a newline
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\u2424" if code in (0x85, 0x2028, 0x2029) else "\ufffd"  # ␤ for a line break

"""The errors cnnviz raises for a user's mistake: one line that names the source and the problem."""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Line breaks and other control characters: what would split or garble one line."""


def one_line(text: str) -> str:
    """Write line breaks, other control characters and invisible format characters (Unicode
    category Cf, such as a bidi override) as escapes, e.g. a newline as ``\\n``.

    A file may be named ``"new\\nline.png"``; a message that names it must still be one line,
    and one named with U+202E must not read backwards in a terminal.

    Args:
        text: Any text.

    Returns:
        The text, with each control character as Python would write it in a string literal.
    """
    text = CONTROL.sub(lambda match: repr(match.group(0))[1:-1], text)
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in text)


class CnnvizError(ValueError):
    """Bad input that the user can fix: an unreadable image or an invalid kernel.

    The message is a single line, ``"<source>: <problem>"``, fit to print as it is.
    """

    def __init__(self, source: object, problem: str) -> None:
        self.source = one_line(str(source))
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class ImageError(CnnvizError):
    """An image file that cannot be used: unreadable, empty, corrupt or of a bad size."""


class KernelError(CnnvizError):
    """A filter stack that cannot be used: ragged, non-finite, empty or of a bad size."""

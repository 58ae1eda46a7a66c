"""The errors cnnviz raises for a user's mistake: one line that names the source and the problem."""

from __future__ import annotations

import re
import traceback
import unicodedata
from pathlib import Path

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


PROJECT = Path(__file__).resolve().parents[1]
"""The project's root: the folder that holds the ``cnnviz`` package, ``docs/`` and ``gen/``."""


def code_place(error: BaseException, root: Path = PROJECT) -> str | None:
    """Where in the project's own code ``error`` happened, as ``path:line`` from ``root``.

    For a syntax error, its own file and line; otherwise the innermost frame of the traceback
    that is in a file under ``root`` and not in an installed package.

    Args:
        error: A caught exception, its traceback attached.
        root: The project's root.

    Returns:
        E.g. ``"cnnviz/figures.py:312"``, or ``None`` if no frame is in the project's code.
    """
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return f"{from_root(error.filename, root)}:{error.lineno}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if _is_own(frame.filename, root)
    ]
    return f"{from_root(frames[-1].filename, root)}:{frames[-1].lineno}" if frames else None


def _is_own(filename: str, root: Path) -> bool:
    path = Path(filename)
    return path.is_absolute() and path.is_relative_to(root) and "site-packages" not in path.parts


def from_root(filename: str | Path, root: Path = PROJECT) -> str:
    """A file's path from the project's root, if it is in the project; else as given."""
    path = Path(filename)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


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

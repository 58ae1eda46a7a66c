"""What several of the site's hooks share. Not a hook itself: mkdocs.yml does not list it.

MkDocs puts a hook file's folder on `sys.path` while it loads the hook, so each hook imports
this module as `import _support`.

- `nested_i18n_build`: mkdocs-static-i18n builds each further language inside the first
  language's build. Whether this is such a nested build is read here, and only here.
- `missing`: every hook that edits the output of Material, GLightbox, static-i18n or
  pymdownx looks for a marker first. When the marker is not there, say so in one warning, so
  that `mkdocs build --strict` fails instead of shipping an unedited page without a word.
- `ARTICLE` and `site_png_size`: where a page's own content starts in Material's output, and
  the size of a PNG that a page refers to.
- `png_size`: a PNG's width and height, from its header.
- `one_line`: a build's error in one line, naming the place in the project's own code.
- `HeldFolder`: a folder held open, and `flock`ed, from a build's start to its end.
"""

from __future__ import annotations

import logging
import os
import struct
import traceback
from pathlib import Path
from urllib.parse import unquote, urljoin

from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.plugins.cnnviz")


def nested_i18n_build(config) -> bool:
    """Whether static-i18n is building a further language inside the first one's build."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


def missing(what: str, where: str, edit: str) -> None:
    """Warn that an edit found no marker to work on, naming the marker, the page and the edit."""
    log.warning("cnnviz: %s: no %s to edit, so %s was not done", where, what, edit)


ARTICLE = '<article class="md-content__inner'
"""Where Material's output of a page starts the page's own content."""


def site_png_size(config, page, src: str) -> tuple[int, int] | None:
    """The size of the PNG that ``src``, as written in ``page``, names in the built site."""
    file = unquote(urljoin("/" + page.url, src)).lstrip("/")
    return png_size(Path(config.site_dir) / file) if file else None


def png_size(path: str | Path) -> tuple[int, int] | None:
    """The width and height of a PNG file, or ``None`` if it is missing or not a PNG."""
    try:
        with open(path, "rb") as file:
            header = file.read(24)
    except OSError:
        return None
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", header[16:24])


def one_line(error: BaseException, project: Path) -> str:
    """Name where the error happened in the project's own code, then the error itself."""
    text = " ".join(str(error).split())
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_relative(error.filename, project)}:{error.lineno}: SyntaxError: {error.msg}"
    if isinstance(error, SystemExit):  # MkDocs' Abort: what it says is the whole story
        return text
    ours = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if _is_ours(frame.filename, project)
    ]
    where = f"{_relative(ours[-1].filename, project)}:{ours[-1].lineno}: " if ours else ""
    return f"{where}{type(error).__name__}: {text}"


def _is_ours(filename: str, project: Path) -> bool:
    path = Path(filename)
    inside = path.is_relative_to(project) and "site-packages" not in path.parts
    return inside and path.resolve() not in _PASSERS


_HOOKS = Path(__file__).resolve().parent
_PASSERS = {_HOOKS / "last_good.py", _HOOKS / "author_errors.py"}  # they only pass errors on


def _relative(filename: str, project: Path) -> str:
    path = Path(filename)
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else filename


class HeldFolder:
    """A folder kept open while a build runs, for a ``flock`` on it that ends with the build.

    Closing the descriptor drops the lock, and the kernel closes it however the process ends,
    ``kill -9`` included, so no lock file is ever left behind.
    """

    def __init__(self) -> None:
        self._held: list[int] = []

    def open(self, path: str | Path) -> int:
        """Open ``path`` for this build, letting go of what an unfinished build still held."""
        self.release()
        self._held.append(os.open(path, os.O_RDONLY))
        return self._held[-1]

    def release(self) -> None:
        while self._held:
            os.close(self._held.pop())

    def end_events(self):
        """The hook events that end a build, each letting the folder go: the outermost
        build's ``on_post_build`` (after every other post-build step), ``on_build_error`` and
        ``on_shutdown``. A hook file binds them to its own names."""

        @event_priority(-1000)
        def on_post_build(config):
            if not nested_i18n_build(config):
                self.release()

        def on_build_error(error):
            self.release()

        def on_shutdown():
            self.release()

        return on_post_build, on_build_error, on_shutdown

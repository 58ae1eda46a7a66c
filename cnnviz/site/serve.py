"""A failed build in one line, and, under `mkdocs serve`, the last good site served at once.

MkDocs builds into one site folder, emptied at the start of every build, and its live-reload
server holds every request until a build ends: a page asked for while a rebuild runs would wait
the whole rebuild, and after a failed one (a syntax error in `cnnviz/`, a missing snippet)
every page would hang until the fix. So under `mkdocs serve` (:func:`serve_last_good`) every
rebuild after the first goes into a fresh folder, `.cache/last-good/<pid>/<n>/`
(:func:`fresh_folder`, called as the build configures itself), while the server answers at once
from the last good folder. Once the rebuild has succeeded, the server is pointed at its folder,
whole; a failed rebuild is logged in one line that names the file and the line, and the server
goes on serving the last good folder. A reader never sees a half-written site, and never
waits for one. Folders older than the one served and the one before it (which a request begun
just before the switch may still be reading) are removed in the background. `mkdocs build`,
and `mkdocs serve --dirty` (which rebuilds into the one folder it keeps), are untouched, so
`--strict` still fails there. Each server holds a lock on `<pid>.lock` while it runs and
removes its folders when it stops; folders whose lock nobody holds were left by a server that
was killed, and the next server removes them.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from filelock import FileLock, Timeout

from . import upstream

log = logging.getLogger("mkdocs.plugins.cnnviz")

LAST_GOOD = Path(".cache", "last-good")
"""Where each server's folders live, relative to the project's folder."""
POLL_INTERVAL = 0.1
"""Seconds between two looks of the watcher for changed files (MkDocs: 0.5, so a save waited
0.25 s on average before a rebuild began). One look at docs/, cnnviz/ and gen/ took 1.2 ms on
the 2-core machine, about 1 % of a core at this interval."""


def serve_last_good(server, project: Path, *, dirty: bool = False) -> ServedSite | None:
    """Make ``server`` answer from the last good site while it rebuilds, and keep that site
    when a rebuild fails.

    Args:
        server: MkDocs' live-reload server, as ``on_serve`` hands it over.
        project: The project's folder.
        dirty: `mkdocs serve --dirty`, whose rebuilds write only what changed into the one
            folder: failures are still one line, but requests wait for the rebuild, as MkDocs
            has them do.

    Returns:
        The server's folders, which :meth:`ServedSite.discard` removes when the server stops;
        None under ``--dirty``.
    """
    upstream.poll_every(server, POLL_INTERVAL)
    served = None
    if not dirty:
        served = ServedSite(project / LAST_GOOD, Path(upstream.served_folder(server)))
        upstream.serve_errors_from_served_folder(server)

    def wrap(build: Callable[[], None]) -> Callable[[], None]:
        def build_while_serving():
            with upstream.answering_during_rebuild(server) if served else nullcontext():
                try:
                    build()
                except Exception as error:  # any failure at all: the last good site stays
                    upstream.undo_failed_i18n_build()
                    log.error(
                        "cnnviz: rebuild failed, last good site kept: %s",
                        one_line(error, project),
                    )
                    if served is not None:
                        served.drop()
                else:
                    if served is not None:
                        upstream.serve_folder(server, served.publish())

        return build_while_serving

    upstream.wrap_builder(server, wrap)
    return served


def fresh_folder(project: Path) -> Path | None:
    """The folder a rebuild under `mkdocs serve` writes into, made empty; None outside one.

    Args:
        project: The project's folder.

    Returns:
        A new ``.cache/last-good/<pid>/<n>/``, newer than every folder of this server, or None
        when this process serves nothing (`mkdocs build`, `mkdocs serve`'s first build).
    """
    own = project / LAST_GOOD / str(os.getpid())
    if not own.is_dir():
        return None
    folder = own / str(time.monotonic_ns())
    folder.mkdir()
    return folder


class ServedSite:
    """A server's folders under ``<store>/<pid>/``: the one it serves, and the rebuilds' own.

    Args:
        store: Where every server keeps its folders.
        first: The folder the first build wrote, served until a rebuild succeeds.
    """

    def __init__(self, store: Path, first: Path) -> None:
        self.store = store
        self.own = store / str(os.getpid())
        store.mkdir(parents=True, exist_ok=True)
        _remove_folders_of_ended_servers(store)
        self._lock = FileLock(f"{self.own}.lock")
        self._lock.acquire()
        self.own.mkdir(exist_ok=True)
        self.served, self.before = first, first
        self._sweeper: threading.Thread | None = None

    def newest(self) -> Path:
        """The folder of the latest rebuild, or the one served if no rebuild made one."""
        return max(self._rebuilds(), key=lambda path: int(path.name), default=self.served)

    def publish(self) -> Path:
        """The latest rebuild succeeded: serve its folder from now on, and return it."""
        self.served, self.before = self.newest(), self.served
        self._sweep()
        return self.served

    def drop(self) -> None:
        """The latest rebuild failed: the served folder stays, and the rebuild's goes."""
        self._sweep()

    def discard(self) -> None:
        """Remove every folder of this server, and let go of its lock."""
        if self._sweeper is not None:
            self._sweeper.join()
        shutil.rmtree(self.own, ignore_errors=True)
        self._lock.release()
        Path(self._lock.lock_file).unlink(missing_ok=True)

    def _rebuilds(self) -> list[Path]:
        return [path for path in self.own.iterdir() if path.name.isdigit()]

    def _sweep(self) -> None:
        # Called between rebuilds, so no folder is being written: every folder but the served
        # one and the one before it goes, while the next rebuild runs.
        keep = {self.served, self.before}
        doomed = [path for path in self._rebuilds() if path not in keep]
        if self._sweeper is not None:
            self._sweeper.join()
        self._sweeper = threading.Thread(target=_remove_all, args=(doomed,), daemon=True)
        self._sweeper.start()


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_folders_of_ended_servers(store: Path) -> None:
    servers = {path.name.partition(".")[0] for path in store.iterdir()}
    for server in sorted(name for name in servers if name.isdigit()):
        lock_file = store / f"{server}.lock"
        probe = FileLock(lock_file)
        try:
            probe.acquire(blocking=False)
        except Timeout:
            continue  # that server runs
        try:
            shutil.rmtree(store / server, ignore_errors=True)
        finally:
            probe.release()
            lock_file.unlink(missing_ok=True)


def code_stamp(project: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file a page is made from but its own Markdown: the lessons, the gallery and the
    other assets, the library, the gen scripts and theme, and `mkdocs.yml`, each with its
    modification time and size. Under `--dirty` a change in any of them renders every page
    (:func:`render_every_page`)."""
    found = [project / "mkdocs.yml"]
    for folder in ("docs", "cnnviz", "gen"):
        found += [
            path
            for path in (project / folder).rglob("*")
            if path.suffix != ".md" and "__pycache__" not in path.parts  # Python's, not ours
        ]
    stamp = []
    for path in found:
        try:
            info = path.stat()
        except OSError:  # removed meanwhile: the next look sees it gone
            continue
        if not stat.S_ISDIR(info.st_mode):
            stamp.append((str(path.relative_to(project)), info.st_mtime_ns, info.st_size))
    return tuple(sorted(stamp))


def render_every_page(files) -> None:
    """Make `--dirty` render every page of this pass: MkDocs renders only pages whose built
    file is older than their Markdown, so each built page is removed. A lesson's outputs, a
    figure's size and the gallery's nav reach pages whose Markdown did not change."""
    for file in files.documentation_pages():
        Path(file.abs_dest_path).unlink(missing_ok=True)


def one_line(error: BaseException, project: Path) -> str:
    """Name where the error happened in the project's own code, then the error itself.

    Args:
        error: What the build raised.
        project: The project's folder; frames outside it, or in site-packages, are not ours.

    Returns:
        E.g. ``cnnviz/figures.py:787: SyntaxError: invalid syntax``.
    """
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


_HERE = Path(__file__).resolve().parent
# They only call on and pass errors on.
_PASSERS = frozenset({_HERE / "serve.py", _HERE / "plugin.py"})


def _is_ours(filename: str, project: Path) -> bool:
    path = Path(filename)
    inside = path.is_relative_to(project) and "site-packages" not in path.parts
    return inside and path.resolve() not in _PASSERS


def _relative(filename: str, project: Path) -> str:
    path = Path(filename)
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else filename

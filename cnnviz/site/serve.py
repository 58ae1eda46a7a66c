"""A failed build in one line, and, under `mkdocs serve`, the last good site kept through it.

MkDocs empties the site folder at the start of every build, and its live-reload server holds
every request until a build succeeds: one syntax error in `cnnviz/` or one missing snippet, and
every page and figure would hang until the fix. So the server's builder is wrapped
(:func:`keep_last_good`). After each good build the site is copied aside, into
`.cache/last-good/<pid>/`. When a rebuild raises, its error is logged in one line that names
the file and the line, the copy is put back, and the server goes on serving it; the next good
build replaces it. `mkdocs build` is untouched, so `--strict` still fails there. Each server
holds a lock on `<pid>.lock` beside its copy while it runs; a copy whose lock nobody holds was
left by a server that was killed, and the next server removes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from . import upstream

log = logging.getLogger("mkdocs.plugins.cnnviz")


def keep_last_good(server, project: Path) -> Keeper:
    """Make ``server``'s rebuilds keep the last good site when they fail; return the keeper,
    whose :meth:`Keeper.discard` removes its copy when the server stops."""
    keeper = Keeper(Path(server.root), project / ".cache" / "last-good")
    keeper.save()

    def wrap(build: Callable[[], None]) -> Callable[[], None]:
        def build_or_keep():
            try:
                build()
            except Exception as error:  # any failure at all: the last good site stays
                upstream.undo_failed_i18n_build()
                log.error(
                    "cnnviz: rebuild failed, last good site kept: %s", one_line(error, project)
                )
                keeper.restore()
            else:
                keeper.save()

        return build_or_keep

    upstream.wrap_builder(server, wrap)
    return keeper


class Keeper:
    """The last good copy of a site folder, kept under ``<store>/<pid>/``."""

    def __init__(self, site: Path, store: Path) -> None:
        self.site, self.store = site, store
        self.copy = store / str(os.getpid())
        store.mkdir(parents=True, exist_ok=True)
        _remove_copies_of_ended_servers(store)
        self._lock = FileLock(f"{self.copy}.lock")
        self._lock.acquire()

    def save(self) -> None:
        """Copy the site aside, replacing the last copy only once the new one is whole."""
        fresh = self.copy.with_name(f"{self.copy.name}.new")
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(self.site, fresh)
        shutil.rmtree(self.copy, ignore_errors=True)
        fresh.rename(self.copy)

    def restore(self) -> None:
        """Put the last good copy back into the site folder."""
        upstream.empty_folder(str(self.site))
        shutil.copytree(self.copy, self.site, dirs_exist_ok=True)

    def discard(self) -> None:
        """Remove the copy, and let go of its lock."""
        shutil.rmtree(self.copy, ignore_errors=True)
        shutil.rmtree(f"{self.copy}.new", ignore_errors=True)
        self._lock.release()
        Path(self._lock.lock_file).unlink(missing_ok=True)


def _remove_copies_of_ended_servers(store: Path) -> None:
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
            shutil.rmtree(store / f"{server}.new", ignore_errors=True)
        finally:
            probe.release()
            lock_file.unlink(missing_ok=True)


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

"""A failed build in one line; under `mkdocs serve`, the last good site served at once, and
each rebuild redoing only what an edit reaches.

MkDocs builds into one site folder, emptied at the start of every build, and its live-reload
server holds every request until a build ends: a page asked for while a rebuild runs would wait
the whole rebuild, and after a failed one (a syntax error in `cnnviz/`, a missing snippet)
every page would hang until the fix. So under `mkdocs serve` (:func:`serve_last_good`) every
rebuild after the first goes into a fresh folder, `.cache/last-good/<pid>/<n>/`, while the
server answers at once from the last good folder. Once the rebuild has succeeded, the server is
pointed at its folder, whole; a failed rebuild is logged in one line that names the file and
the line, and the server goes on serving the last good folder. A reader never sees a
half-written site, and never waits for one. Folders older than the one served and the one
before it (which a request begun just before the switch may still be reading) are removed in
the background. Each server holds a lock on `<pid>.lock` while it runs and removes its folders
when it stops; folders whose lock nobody holds were left by a server that was killed, and the
next server removes them.

Each rebuild redoes only what the edit reaches (:class:`Rebuilds`). Before it starts, the
project's inputs are stamped (:func:`input_stamp`) and compared with the last good build's
(:func:`what_changed`):

- Nothing: no build at all, and the last good site stays served. MkDocs' watcher can report
  one save twice, the second time while the save is being built (once in the first 12 edits
  of a soak, 2026-12-07), and it then built the same site again.
- Markdown edited, nothing else: the fresh folder starts as a copy of the served one, each file
  dated when the last good build began, and MkDocs builds dirty, rendering only the pages whose
  Markdown is newer. A page whose title changed renders every page, as each page's navigation
  names it. (When every rebuild rendered every page of both languages, a Markdown
  edit was served 3.3 s after the save, `make bench-serve`, 2026-12-06.)
- The library edited too (`cnnviz/*.py`): the same, and once the gen scripts have run, every
  page renders if anything a page takes from the build changed (a lesson's outputs, a figure's
  size, the code that makes a lesson's page: `cnnviz.build.Build.page_inputs`). A figure's
  colour changed in `cnnviz/figures.py` redraws that figure and renders no page.
- Anything else edited (a lesson's code, an asset, the site plugin): the same, and every page
  renders, so a lesson's code reaches pages whose Markdown did not change.
- A file added or removed, or `gen/` (the gen scripts and the theme) or `mkdocs.yml` edited:
  the folder starts empty and everything is built, as the first build was.

`mkdocs build` is untouched, so `--strict` still fails there. `mkdocs serve --dirty` rebuilds
into the one folder it keeps, and requests wait for the rebuild, as MkDocs has them do; its
rebuilds render every page after any edit but of Markdown.
"""

from __future__ import annotations

import ctypes
import enum
import gc
import hashlib
import logging
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
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


CLOCK_SLACK = 1.0
"""Seconds a file's modification time may lag ``time.time()``: the kernel dates files by a
coarser clock. A file saved within that long of a build's start may be newer than it looks."""


class Change(enum.Enum):
    """What changed between two builds' inputs, named by the least a rebuild must redo."""

    NOTHING = "nothing"  # no build: the last good site is what one would make
    MARKDOWN = "Markdown, at most"  # the pages whose Markdown is newer render
    LIBRARY = "the library, Markdown at most besides"  # and every page, if what pages take changed
    CODE = "anything else"  # every page renders
    LAYOUT = "files added or removed, or site-wide settings"  # everything is built afresh


SITE_WIDE = ("mkdocs.yml", "gen/")
"""Inputs whose edit builds everything afresh: the settings, the gen scripts and the theme."""


def input_stamp(project: Path) -> dict[str, tuple]:
    """Every file a page is made from: the docs (lessons, assets and gallery included), the
    library, the gen scripts and theme, and `mkdocs.yml`, each as its modification time and
    size, and a Markdown page also with its title (:func:`title_line`), keyed by its path from
    the project. Hidden files (an editor's swap files, which MkDocs leaves out of the site too)
    and Python's `__pycache__` are not inputs."""
    found = [project / "mkdocs.yml"]
    for folder in ("docs", "cnnviz", "gen"):
        for top, folders, names in os.walk(project / folder):
            folders[:] = [name for name in folders if name != "__pycache__" and name[0] != "."]
            found += [Path(top, name) for name in names if name[0] != "."]
    stamp = {}
    for path in found:
        try:
            info = path.stat()
        except OSError:  # removed meanwhile: the next look sees it gone
            continue
        title = (title_line(path),) if path.suffix == ".md" else ()
        stamp[path.relative_to(project).as_posix()] = (info.st_mtime_ns, info.st_size, *title)
    return stamp


def recent_digests(
    project: Path, inputs: dict[str, tuple], started: float
) -> dict[str, str | None]:
    """The digest of the bytes of each input dated within :data:`CLOCK_SLACK` of ``started``:
    saved again within one tick of the kernel's clock, at the same size, a file keeps its
    stamp, and only its bytes tell."""
    since = (started - CLOCK_SLACK) * 1e9
    return {path: _digest(project / path) for path, (mtime, *_) in inputs.items() if mtime >= since}


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # removed meanwhile: the stamp sees it gone
        return None


def title_line(page: Path) -> str | None:
    """The line a Markdown page's title comes from: its front matter's `title:`, else its first
    `# ` heading; None if it has neither, or cannot be read (the build will say why)."""
    try:
        lines = page.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if lines and lines[0].strip() == "---":
        end = next((n for n, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        found = [line for line in lines[1:end] if line.startswith("title:")]
        if found:
            return found[0]
    return next((line.rstrip() for line in lines if line.startswith("# ")), None)


def what_changed(before: dict | None, now: dict, rewritten: frozenset[str] = frozenset()) -> Change:
    """The least a rebuild must redo, from the last good build's inputs (None: no build yet)
    to today's, both :func:`input_stamp`, where ``rewritten`` are inputs whose stamp is the
    same but whose bytes are not (:meth:`Rebuild.rewritten`). A Markdown page whose title
    changed counts as code: every page's navigation names it."""
    if before is None or before.keys() != now.keys():
        return Change.LAYOUT
    edited = [path for path, stamp in now.items() if before[path] != stamp or path in rewritten]
    if not edited:
        return Change.NOTHING
    if any(path.startswith(SITE_WIDE) for path in edited):
        return Change.LAYOUT
    code = [path for path in edited if not path.endswith(".md")]
    retitled = [
        path for path in edited if path.endswith(".md") and before[path][2:] != now[path][2:]
    ]
    if not code and not retitled:
        return Change.MARKDOWN
    if not retitled and all(path.count("/") == 1 and path.startswith("cnnviz/") for path in code):
        return Change.LIBRARY  # cnnviz/*.py, whose functions the build knows (cnnviz.deps)
    return Change.CODE


@dataclass
class Rebuild:
    """How one build under `mkdocs serve` goes.

    Attributes:
        inputs: What it is made from (:func:`input_stamp`), stamped before it read anything.
        started: When it began (``time.time()``), before it read anything.
        folder: Where it writes, or None for MkDocs' own folder (the first build, `--dirty`).
        dirty: MkDocs renders only the pages whose built file is older than their Markdown...
        every_page: ... or, dirty, every page all the same...
        pages_before: ... or every page if what pages take from the build
            (``Build.page_inputs``) differs from this, the last good build's; None: no need.
        pages: What pages take from this build, once its gen scripts have run.
        change: What changed since the last good build.
        composed: What its gen scripts composed (``Build.composed``), once it has ended; the
            next build reuses it if it changed nothing but Markdown, and so runs the same code.
        recent: The digests of the inputs saved just before it started
            (:func:`recent_digests`).
    """

    inputs: dict[str, tuple] = field(repr=False)
    started: float
    folder: Path | None = None
    dirty: bool = False
    every_page: bool = False
    pages_before: str | None = None
    pages: str | None = None
    change: Change = Change.LAYOUT
    composed: dict | None = field(default=None, repr=False)
    recent: dict[str, str | None] = field(default_factory=dict, repr=False)

    def reusable(self, last_good: Rebuild | None) -> dict:
        """What this build may take of what the last good one composed: all of it after an
        edit of Markdown alone, else nothing."""
        if self.change in (Change.NOTHING, Change.MARKDOWN) and last_good is not None:
            return last_good.composed or {}
        return {}

    def rewritten(self, project: Path) -> frozenset[str]:
        """The inputs saved just before this build started whose bytes are no longer those
        it was stamped with."""
        return frozenset(
            path for path, digest in self.recent.items() if _digest(project / path) != digest
        )

    def renders_every_page(self) -> bool:
        """Whether this dirty build renders every page, and not only the edited ones."""
        changed = self.pages_before is not None and self.pages != self.pages_before
        return self.dirty and (self.every_page or changed)


class Rebuilds:
    """Under `mkdocs serve`: plans each build from what changed since the last good one, and
    keeps the server's folders (:class:`ServedSite`, from when the first build is served).

    Args:
        project: The project's folder.
        dirty: `mkdocs serve --dirty`: MkDocs' one folder, every build dirty.
    """

    def __init__(self, project: Path, *, dirty: bool) -> None:
        self.project, self.dirty = project, dirty
        self.folders: ServedSite | None = None
        self.last_good: Rebuild | None = None
        self.pending: Rebuild | None = None

    def unchanged(self) -> bool:
        """Whether every input is as the last good build found it, so that a build would make
        the site served already."""
        if self.last_good is None:
            return False
        inputs, rewritten = input_stamp(self.project), self.last_good.rewritten(self.project)
        return what_changed(self.last_good.inputs, inputs, rewritten) is Change.NOTHING

    def plan(self) -> Rebuild:
        """Plan the next build, just before it starts."""
        started, inputs = time.time(), input_stamp(self.project)
        last_inputs = self.last_good and self.last_good.inputs
        rewritten = self.last_good.rewritten(self.project) if self.last_good else frozenset()
        change = what_changed(last_inputs, inputs, rewritten)
        before = self.last_good.pages if change is Change.LIBRARY else None
        every_page = change in (Change.CODE, Change.LAYOUT) or (
            change is Change.LIBRARY and before is None  # nothing to compare with
        )
        if self.folders is None:
            plan = Rebuild(inputs, started, None, self.dirty, every_page, before)
        elif change is Change.LAYOUT:
            plan = Rebuild(inputs, started, self.folders.fresh())
        else:
            # A Markdown file saved after the last good build began is newer than its page; a
            # second earlier still, as a file's time comes from the kernel's coarse clock,
            # which can lag time.time(): a page may render once too often, but is never missed.
            copy = self.folders.copy_of_served(dated=self.last_good.started - CLOCK_SLACK)
            plan = Rebuild(inputs, started, copy, True, every_page, before)
        plan.change = change
        plan.recent = recent_digests(self.project, inputs, started)
        self.pending = plan
        log.debug("cnnviz: %s changed since the last good build: %s", change.value, plan)
        return plan

    def take(self) -> Rebuild:
        """The plan of the build that starts now: the one made for it, or a new one."""
        return self.pending or self.plan()

    def succeeded(self) -> None:
        """The build planned last succeeded: the next is compared with its inputs, and its
        folder is served."""
        self.last_good, self.pending = self.pending, None
        if self.folders is not None:
            self.folders.publish()

    def failed(self) -> None:
        """The build planned last failed: the next is compared with the last good one's."""
        self.pending = None
        if self.folders is not None:
            self.folders.drop()


def serve_last_good(server, rebuilds: Rebuilds) -> None:
    """Make ``server`` answer from the last good site while it rebuilds, keep that site when a
    rebuild fails, and have each rebuild redo only what changed.

    Args:
        server: MkDocs' live-reload server, as ``on_serve`` hands it over, once the first build
            succeeded.
        rebuilds: The plans of this server's builds. Unless ``rebuilds.dirty`` (whose builds
            write into MkDocs' one folder: failures are still one line, but requests wait for
            the rebuild, as MkDocs has them do), they get the server's folders.
    """
    upstream.poll_every(server, POLL_INTERVAL)
    project = rebuilds.project
    rebuilds.succeeded()  # the first build
    if not rebuilds.dirty:
        first = Path(upstream.served_folder(server))
        rebuilds.folders = ServedSite(project / LAST_GOOD, first)
        upstream.serve_errors_from_served_folder(server)

    def wrap(build: Callable[[], None]) -> Callable[[], None]:
        def build_while_serving():
            if rebuilds.unchanged():
                log.info("cnnviz: nothing changed since the last good build, still served")
                return
            with (
                upstream.answering_during_rebuild(server)
                if rebuilds.folders is not None
                else nullcontext()
            ):
                try:
                    plan = rebuilds.plan()  # copying the served site may fail: a disk full
                    dirty = plan.dirty and not rebuilds.dirty  # --dirty: MkDocs builds dirty
                    with upstream.dirty_builds() if dirty else nullcontext():
                        build()
                except Exception as error:  # any failure at all: the last good site stays
                    # (escaping, it would leave MkDocs' server holding every request for good)
                    upstream.undo_failed_i18n_build()
                    log.error(
                        "cnnviz: rebuild failed, last good site kept: %s",
                        one_line(error, project),
                    )
                    rebuilds.failed()
                else:
                    rebuilds.succeeded()
                    if rebuilds.folders is not None:
                        upstream.serve_folder(server, rebuilds.folders.served)
                finally:
                    give_back_memory()

        return build_while_serving

    upstream.wrap_builder(server, wrap)


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

    def fresh(self) -> Path:
        """A new empty folder for a rebuild, newer than every folder of this server."""
        folder = self.own / str(time.monotonic_ns())
        folder.mkdir()
        return folder

    def copy_of_served(self, *, dated: float) -> Path:
        """A new folder for a rebuild, holding a copy of the site served, each file dated
        ``dated`` (seconds since the epoch). 17 MB in 252 files took 36 ms (2026-12-06)."""
        folder = self.own / str(time.monotonic_ns())
        shutil.copytree(self.served, folder, copy_function=shutil.copyfile)
        for top, _, names in os.walk(folder):
            for name in names:
                os.utime(os.path.join(top, name), (dated, dated))
        return folder

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


def render_every_page(files) -> None:
    """Make a dirty build render every page of this pass: MkDocs renders only pages whose built
    file is older than their Markdown, so each built page is removed. A lesson's outputs, a
    figure's size and the gallery's nav reach pages whose Markdown did not change."""
    for file in files.documentation_pages():
        Path(file.abs_dest_path).unlink(missing_ok=True)


def give_back_memory() -> None:
    """Collect the rebuild's garbage and hand the C heap's free pages back to the system.

    A rebuild's pages, figures and lesson runs leave the heap full of holes; glibc keeps the
    pages around them, so the server's resident memory stepped up with each kind of rebuild.
    `malloc_trim` returns them (glibc only; elsewhere this only collects).
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)


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

"""One site build's use of the renders and the cache, shared by every gen script.

A :class:`Build` is what one site build knows. Each gen script lists its jobs and hands them to
:meth:`Build.generate`, which runs them through the cache, logs what happened and writes the
files. When all the scripts have run, the build calls :meth:`Build.finish`: the render workers
exit, and the cache is pruned to its cap, keeping every entry this build used. Nothing here
imports MkDocs; the scripts pass in the logger and the function that opens a file of the site
(``mkdocs_gen_files.open``), and the site plugin (``cnnviz.mkdocs_plugin``) makes and closes
the build.

static-i18n builds each language in turn and runs the scripts again for the second one, within
the same build: a script whose jobs are the same as in the first pass gets the first pass's
results, without reading an input or the cache again, so both languages show the same figures
and the second pass costs only its writes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from .deps import PACKAGE, fingerprint
from .headers import png_size
from .jobs import Job, Report, run_jobs
from .settings import read_settings
from .store import Pruned, Store
from .workers import close_pool

LIBRARY = PACKAGE
"""The library's package folder, whose source :attr:`Build.library_code` digests."""

CACHE = Path(".cache", "cnnviz")
"""The cache folder, relative to the project's root; MkDocs watches nothing in it."""

Opener = Callable[[str, str], AbstractContextManager[IO[bytes]]]


class Build:
    """What one site build knows: its store, what each gen script produced, and the files kept
    in memory for the pages (a lesson's printed outputs), with the failures behind stale ones.

    The site plugin makes one when a build starts and closes it when the build ends; every gen
    script of that build, and static-i18n's pass for each further language, uses the same one.

    Args:
        root: The project's folder (the one holding ``mkdocs.yml``).
        composed: What an earlier build's scripts composed (:attr:`composed`), to be reused
            where the results and what compose reads are the same; only for a build whose
            code is the earlier one's (`mkdocs serve` after an edit of Markdown alone).
    """

    def __init__(self, root: Path, composed: Mapping[str, tuple] | None = None) -> None:
        self.root = Path(root)
        self.store = Store((self.root / CACHE).resolve())
        self.kept: dict[str, bytes] = {}
        self.stale: dict[str, str] = {}  # target of a kept file -> its recipe's failure
        self._produced: dict[str, tuple[str, dict[str, bytes], Report]] = {}
        self.composed: dict[str, tuple] = dict(composed or {})  # each script's last compose
        self.sizes: dict[str, tuple[int, int] | None] = {}  # each PNG written: its size
        self._pieces: dict[str, Pieces] = {}

    def generate(
        self,
        name: str,
        jobs: Sequence[Job],
        log: logging.Logger,
        open_file: Opener,
        *,
        compose: Callable[[dict[str, bytes]], Mapping[str, bytes]] | None = None,
        problems: Iterable[str] = (),
        keep: Mapping[str, bytes] | None = None,
        compose_key: str = "",
    ) -> None:
        """Produce a gen script's results, log them, and write its files: the scripts' tail.

        Each problem and each failure is logged as one error line naming its files; then one
        line says how many results were rendered and how many came from the cache. Files the
        pages read at build time stay in memory (:attr:`kept`) and always exist, so a page that
        reads one still builds; everything else is written with ``open_file``.

        Args:
            name: The script's name in the log, e.g. ``"lesson"``.
            jobs: What the script needs rendered.
            log: Where to log.
            open_file: Opens a file of the site for writing, e.g. ``mkdocs_gen_files.open``.
            compose: Makes the files to write from the results by target; by default the
                results are the files.
            problems: Error lines found before rendering, such as gallery files that cannot be
                used; they are logged first, once a build.
            keep: Target prefixes whose files stay in memory instead of going to the site,
                each with what such a file holds when its recipe failed and nothing good was
                ever computed, e.g. ``{"lessons/": b"{}\\n"}``. While such a recipe fails,
                :attr:`stale` holds the failure's line under the file's target.
            compose_key: A digest of all compose reads besides the results and the library:
                the files it is made from (e.g. the pages the notebooks are made from) and the
                script's own code. With the jobs and their results it names what compose
                makes, which is made once: static-i18n's pass for the second language, and a
                rebuild under `mkdocs serve` after an edit of other Markdown, write the files
                composed before. A composition with a key is also stored in the cache, under
                the key and the library's code (:attr:`library_code`), so a later build reads
                it instead of composing.
        """
        results, report, repeat = self._results(name, jobs)
        for line in [*([] if repeat else problems), *report.errors()]:
            log.error("cnnviz: %s", line)
        log.info("cnnviz %s: %s", name, report.summary())
        files = self._compose(name, jobs, results, compose, compose_key)
        kept = keep or {}
        failed = dict(report.failures)
        for job in jobs:
            prefix = next((p for p in kept if job.target.startswith(p)), None)
            if prefix is not None:
                self.kept[job.target] = files.pop(job.target, kept[prefix])
                self._mark_stale(job.target, job.target in report.stale, failed.get(job.target))
        for target, data in files.items():
            if target.endswith(".png"):
                self.sizes[target] = png_size(data)
            with open_file(target, "wb") as file:
                file.write(data)

    def _compose(self, name, jobs, results, compose, compose_key) -> dict[str, bytes]:
        # The notebooks' compose took 0.2 s of each pass (2026-12-06): twice a build, and in
        # every rebuild under `mkdocs serve`.
        if compose is None:
            return dict(results)
        digest = hashlib.sha256(_signature(jobs).encode() + b"\0" + compose_key.encode())
        for target in sorted(results):
            digest.update(target.encode() + b"\0" + hashlib.sha256(results[target]).digest())
        key = digest.hexdigest()
        if self.composed.get(name, (None,))[0] != key:
            files = self._stored_composition(key, results, compose_key, compose)
            self.composed[name] = (key, files)
        return dict(self.composed[name][1])

    def _stored_composition(self, key, results, compose_key, compose) -> dict[str, bytes]:
        """What compose makes of ``results``, from the store when a build made it before.

        Only a composition with a key is stored: the key names all that compose reads besides
        the results and the library, whose code the stored key adds. A warm build then skips
        the notebooks' compose (0.17 to 0.30 s, 2026-12-06), nbformat's validation within it.
        """
        if not compose_key:
            return self._composed(results, compose)
        stored = hashlib.sha256(f"composed\0{key}\0{self.library_code}".encode()).hexdigest()
        raw = self.store.get(stored)
        if raw is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                files, pieces = _unpack(raw, results)
                for table in pieces:  # the next edit's compose will want them
                    self.store.keep(table)
                return files
        files = self._composed(results, compose)
        pieces = [table.key for table in self._pieces.values()]
        self.store.put(stored, _pack(files, results, pieces))
        return files

    def _composed(self, results, compose) -> dict[str, bytes]:
        files = dict(compose(results))
        for table in self._pieces.values():
            table.save()
        return files

    def pieces(self, name: str) -> Pieces:
        """The pieces a gen script's compose made in earlier builds, by their keys: a compose
        that makes many files from many inputs (each notebook from its page) makes again only
        those whose key is new, as after the edit of one page. Kept in the cache for this
        build's library code; once compose has run, they are saved with only the pieces it
        used. ``name`` names the table and whatever else it depends on, e.g. a version."""
        if name not in self._pieces:
            key = hashlib.sha256(f"pieces\0{name}\0{self.library_code}".encode()).hexdigest()
            self._pieces[name] = Pieces(self.store, key)
        return self._pieces[name]

    @functools.cached_property
    def library_code(self) -> str:
        """A digest of the library's source, every module of :data:`LIBRARY`
        (:func:`cnnviz.deps.fingerprint`): what a stored composition was made by."""
        return fingerprint(LIBRARY)

    def page_inputs(self) -> str:
        """A digest of all a page takes from this build but its own Markdown: the lessons'
        outputs and failures, the size of each PNG written, and the library code that makes a
        lesson's page (:data:`PAGE_CODE`, with all it calls). Under `mkdocs serve`, after an
        edit of the library alone, only a change of it renders every page."""
        from .jobs import remembered_code

        with remembered_code(self.store) as code:
            record = {
                "kept": {
                    target: data.decode("utf-8", "replace") for target, data in self.kept.items()
                },
                "stale": self.stale,
                "sizes": self.sizes,
                "code": code.digest(list(PAGE_CODE)),
            }
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()

    def _mark_stale(self, target: str, stale: bool, message: str | None) -> None:
        if not stale:
            self.stale.pop(target, None)
        elif message is not None or target not in self.stale:  # a repeat keeps the first
            self.stale[target] = message or "failed"

    def _results(self, name: str, jobs: Sequence[Job]) -> tuple[dict[str, bytes], Report, bool]:
        """The script's results and report, and whether this build already produced them (a
        further language's pass of static-i18n), in which case nothing is said twice."""
        signature = _signature(jobs)
        earlier = self._produced.get(name)
        if earlier is not None and earlier[0] == signature:
            return earlier[1], earlier[2].repeated(), True
        results, report = run_jobs(jobs, self.store)
        self._produced[name] = (signature, results, report)
        return results, report, False

    def finish(self, max_mb: float, log: logging.Logger) -> Pruned:
        """End the build's rendering: the workers exit, and the cache is pruned to its cap.

        Args:
            max_mb: The cap, in megabytes (see :func:`cache_max_mb`).
            log: Where to log the one line that says what was removed and the size now.

        Returns:
            What the prune did.
        """
        close_pool()
        pruned = self.store.prune(int(max_mb * 2**20))
        log.info("cnnviz cache: %s", pruned.summary())
        return pruned

    def close(self) -> None:
        """Let go of what the build holds: the render workers exit (again, if they had)."""
        close_pool()
        self._produced.clear()
        self.sizes.clear()


class Pieces(MutableMapping[str, bytes]):
    """Pieces of compositions by key, kept in the store from one build to the next (see
    :meth:`Build.pieces`). The table is read from the store when first looked at; :meth:`save`
    stores the pieces this build looked up or added, and no other, so the table holds what the
    latest composition used and never grows with edits.

    Args:
        store: The cache.
        key: The table's key in it.
    """

    def __init__(self, store: Store, key: str) -> None:
        self._store, self.key = store, key
        self._earlier: dict[str, bytes] | None = None
        self._used: dict[str, bytes] = {}

    def _stored(self) -> dict[str, bytes]:
        if self._earlier is None:
            raw = self._store.get(self.key)
            self._earlier = {}
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self._earlier = _unpack(raw, {})[0] if raw is not None else {}
        return self._earlier

    def __getitem__(self, key: str) -> bytes:
        if key not in self._used:
            self._used[key] = self._stored()[key]
        return self._used[key]

    def __setitem__(self, key: str, data: bytes) -> None:
        self._used[key] = data

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._stored().pop(key, None)
        self._used.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._used or key in self._stored()

    def __iter__(self) -> Iterator[str]:
        return iter({**self._stored(), **self._used})

    def __len__(self) -> int:
        return len({**self._stored(), **self._used})

    def save(self) -> None:
        """Store the pieces looked up or added since the table was made, if they are not
        exactly the ones stored."""
        if self._used and self._used != self._earlier:
            self._store.put(self.key, _pack(self._used, {}))
            self._earlier = dict(self._used)


def _pack(
    files: Mapping[str, bytes], results: Mapping[str, bytes], pieces: Sequence[str] = ()
) -> bytes:
    """A composition as one blob: a JSON head of (name, size) for each file and the keys of the
    piece tables its compose used, then the files' bytes in order; a file that is one of the
    results, byte for byte, is stored as its name alone (size null)."""
    same = {name for name, data in files.items() if results.get(name) == data}
    index = [[name, None if name in same else len(data)] for name, data in files.items()]
    head = json.dumps({"files": index, "pieces": list(pieces)}).encode()
    body = b"".join(data for name, data in files.items() if name not in same)
    return len(head).to_bytes(8, "big") + head + body


def _unpack(raw: bytes, results: Mapping[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    """The files and piece tables :func:`_pack` stored; a ValueError, KeyError or TypeError
    if ``raw`` is not such a blob."""
    at = 8 + int.from_bytes(raw[:8], "big")
    head = json.loads(raw[8:at])
    files = {}
    for name, size in head["files"]:
        if size is None:
            files[name] = results[name]
        else:
            files[name], at = raw[at : at + size], at + size
    if at != len(raw):
        raise ValueError("a stored composition of another length")
    return files, list(head["pieces"])


def _signature(jobs: Sequence[Job]) -> str:
    return json.dumps([[job.target, job.recipe, job.params] for job in jobs], default=str)


PAGE_CODE = (
    ("lessons", "lesson_names"),
    ("lessons", "read_lesson"),
    ("lessons", "page_markdown"),
    ("headers", "image_size"),
)
"""What the site plugin calls of the library as it makes a page (cnnviz/mkdocs_plugin/pages.py)."""


def cache_max_mb(extra: Mapping[str, Any]) -> float:
    """Read the cache's cap from the ``extra`` section of ``mkdocs.yml``.

    Args:
        extra: The ``extra`` mapping of the configuration.

    Returns:
        ``extra.cnnviz.cache_max_mb``, or :data:`~cnnviz.settings.CACHE_MAX_MB` if unset.

    Raises:
        CnnvizError: The value is not a number of megabytes, 0 or more.
    """
    return read_settings(extra).cache_max_mb

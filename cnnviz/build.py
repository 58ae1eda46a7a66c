"""One site build's use of the renders and the cache, shared by every gen script.

Each gen script lists its jobs and hands them to :func:`generate`, which runs them through the
cache, logs what happened and writes the files. When all the scripts have run, the build calls
:func:`finish`: the render workers exit, and the cache is pruned to its cap, keeping every
entry this build used. Nothing here imports MkDocs; the scripts pass in the logger and the
function that opens a file of the site (``mkdocs_gen_files.open``).

The build's state lives in this module: which cache entries it used, and what each script
produced. A build starts by forgetting the cnnviz modules (``gen/hooks/fresh_code.py``), so each
build starts with none. static-i18n builds each language in turn and runs the scripts again
for the second one, within the same build: a script whose jobs are the same as in the first
pass gets the first pass's results, without reading an input or the cache again, so both
languages show the same figures and the second pass costs only its writes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from .jobs import Job, Report, run_jobs
from .settings import read_settings
from .store import Pruned, Store, write_if_changed
from .workers import close_pool

CACHE = Path(".cache", "cnnviz")
"""The cache folder, relative to the project's root; MkDocs watches nothing in it."""

Opener = Callable[[str, str], AbstractContextManager[IO[bytes]]]

_stores: dict[Path, Store] = {}
_produced: dict[str, tuple[str, dict[str, bytes], Report]] = {}  # by script: jobs, results


def build_store(root: Path) -> Store:
    """Return this build's store for the project at ``root``, the same one for every script.

    Args:
        root: The project's folder (the one holding ``mkdocs.yml``).

    Returns:
        The store of ``root / CACHE``, which notes every entry this build reads or writes.
    """
    folder = (root / CACHE).resolve()
    if folder not in _stores:
        _stores[folder] = Store(folder)
    return _stores[folder]


def generate(
    name: str,
    jobs: Sequence[Job],
    root: Path,
    log: logging.Logger,
    open_file: Opener,
    *,
    compose: Callable[[dict[str, bytes]], Mapping[str, bytes]] | None = None,
    problems: Iterable[str] = (),
    beside_cache: Mapping[str, bytes] | None = None,
) -> None:
    """Produce a gen script's results, log them, and write its files: the scripts' shared tail.

    Each problem and each failure is logged as one error line naming its files; then one line
    says how many results were rendered and how many came from the cache. Files the pages read
    at build time go into the cache folder, where MkDocs watches nothing, and always exist, so
    a page that reads one still builds; everything else is written with ``open_file``.

    Args:
        name: The script's name in the log, e.g. ``"lesson"``.
        jobs: What the script needs rendered.
        root: The project's folder.
        log: Where to log.
        open_file: Opens a file of the site for writing, e.g. ``mkdocs_gen_files.open``.
        compose: Makes the files to write from the results by target; by default the
            results are the files.
        problems: Error lines found before rendering, such as gallery files that cannot be
            used; they are logged first, once a build.
        beside_cache: Target prefixes whose files go into the cache folder instead of the
            site, each with what such a file holds when its recipe failed and nothing good was
            ever computed, e.g. ``{"outputs/": b"(not computed: see the build log)\\n"}``.
            While such a recipe fails, ``<file>.stale`` beside it holds the failure's line.
    """
    results, report, repeat = _results(name, jobs, root)
    for line in [*([] if repeat else problems), *report.errors()]:
        log.error("cnnviz: %s", line)
    log.info("cnnviz %s: %s", name, report.summary())
    files = dict(compose(results) if compose else results)
    beside = beside_cache or {}
    failed = dict(report.failures)
    for job in jobs:
        prefix = next((p for p in beside if job.target.startswith(p)), None)
        if prefix is not None:
            data = files.pop(job.target) if job.target in files else beside[prefix]
            beside_file = root / CACHE / job.target
            write_if_changed(beside_file, data)
            _mark_stale(beside_file, job.target in report.stale, failed.get(job.target))
    for target, data in files.items():
        with open_file(target, "wb") as file:
            file.write(data)


STALE = ".stale"
"""The suffix of the file beside a result in the cache folder that says its recipe failed and
the result is the last good one; it holds the failure's one line."""


def _mark_stale(path: Path, stale: bool, message: str | None) -> None:
    marker = path.with_name(path.name + STALE)
    if not stale:
        marker.unlink(missing_ok=True)
    elif message is not None or not marker.exists():  # a repeat keeps the first message
        write_if_changed(marker, (message or "failed").encode())


def _results(name: str, jobs: Sequence[Job], root: Path) -> tuple[dict[str, bytes], Report, bool]:
    """The script's results and report, and whether this build already produced them (a
    further language's pass of static-i18n), in which case nothing is said twice."""
    signature = json.dumps([[job.target, job.recipe, job.params] for job in jobs], default=str)
    earlier = _produced.get(name)
    if earlier is not None and earlier[0] == signature:
        return earlier[1], earlier[2].repeated(), True
    results, report = run_jobs(jobs, build_store(root))
    _produced[name] = (signature, results, report)
    return results, report, False


def finish(root: Path, max_mb: float, log: logging.Logger) -> Pruned:
    """End the build's rendering: the workers exit, and the cache is pruned to its cap.

    Args:
        root: The project's folder.
        max_mb: The cap, in megabytes (see :func:`cache_max_mb`).
        log: Where to log the one line that says what was removed and the size now.

    Returns:
        What the prune did.
    """
    close_pool()
    pruned = build_store(root).prune(int(max_mb * 2**20))
    log.info("cnnviz cache: %s", pruned.summary())
    return pruned


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

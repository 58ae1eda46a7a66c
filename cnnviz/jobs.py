"""Key, cache and run the renders behind the site, so each distinct result is drawn once.

A :class:`Job` names a recipe in :mod:`cnnviz.recipes`, its parameters and where the result
goes. :func:`job_key` hashes everything that decides the result's bytes:

* the source of every definition the recipe reaches, from ``recipes.py`` through the modules
  it uses, found by reading the code (see :mod:`cnnviz.deps`); an edit elsewhere leaves the
  key alone, so only what changed is redrawn;
* the bytes of the input image (parameter ``sample`` or ``path``) and the parameters, with a
  file inside the project named by its path from the project's folder, never by where the
  checkout happens to be;
* the versions of torch, numpy, OpenCV, matplotlib and oxipng, and the CPU kernels torch was
  told to use (:data:`cnnviz.CPU_KERNELS`): a training's last digits depend on them.

Computing a key imports neither torch nor matplotlib, so a build whose results are all cached
stays light; :mod:`cnnviz.recipes` is imported only when something must be drawn. What must be
drawn is drawn in one go: by one worker process per core when there is enough of it, else in
this process (see :mod:`cnnviz.workers`).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import importlib.metadata
import json
import os
import platform
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import CPU_KERNELS, inputs, lessons, samples, store
from .deps import PACKAGE, CodeIndex, fingerprint
from .errors import CnnvizError
from .workers import Outcome, describe, pool_size, render_all

KEY_VERSION = 2
"""Bump when the meaning of a key changes, to retire every cached entry at once."""

PROJECT = PACKAGE.parent
"""The folder that holds the package: files under it enter keys by their path from here."""

VERSIONED = ("torch", "numpy", "opencv-python-headless", "matplotlib", "pyoxipng")
"""Distributions whose version enters every key."""

ENCODER = ("store", "png_bytes")
"""The code every result passes through on its way to bytes."""

_FAILED: dict[str, str] = {}
"""Keys whose render raised in this process. The same code and input fail the same way, so a
later language pass of the same build neither tries them again nor reports them twice."""


@dataclass(frozen=True)
class Job:
    """One result to produce: ``recipes.<recipe>(**params)`` written to ``target``.

    Attributes:
        target: Where the result goes, relative to the docs tree, e.g. ``figures/conv.png``.
        recipe: The name of a function in :mod:`cnnviz.recipes`.
        params: Its keyword arguments, JSON-serialisable. ``sample`` names a sample image and
            ``path`` an image file; either way the image's bytes enter the key.
    """

    target: str
    recipe: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """What one :func:`run_jobs` call did.

    Attributes:
        rendered: Results drawn by running their recipe.
        cached: Results read from the cache.
        failures: ``(target, message)`` for each recipe that raised.
        failed_again: Results not even tried, because the same key already failed in this
            process and was reported then (static-i18n builds each language in turn).
        stale: Targets whose recipe failed, now or before, and whose bytes, if any, are the
            last good ones.
        workers: How many worker processes rendered; 0 if this process did.
        seconds: Wall time of the whole call.
    """

    rendered: int = 0
    cached: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    failed_again: int = 0
    stale: list[str] = field(default_factory=list)
    workers: int = 0
    seconds: float = 0.0

    def errors(self) -> list[str]:
        """One log line per distinct failure, naming every target it hit.

        A bad input image fails all of its figures with the same message; it is said once.
        """
        targets: dict[str, list[str]] = {}
        for target, message in self.failures:
            targets.setdefault(message, []).append(target)
        return [f"{_targets(hit)}: {message}" for message, hit in targets.items()]

    def repeated(self) -> Report:
        """What a second run of the same jobs reports when it reuses this run's results: no
        render, each result from the cache, and each failure as already reported."""
        failed = len(self.failures) + self.failed_again
        return Report(
            cached=self.rendered + self.cached, failed_again=failed, stale=list(self.stale)
        )

    def summary(self) -> str:
        """One log line: counts and time."""
        failures = len(self.failures) + self.failed_again
        failed = f", {failures} failed" if failures else ""
        total = self.rendered + self.cached + failures
        where = f" by {self.workers} workers" if self.workers else ""
        return (
            f"{total} results: {self.rendered} rendered{where}, {self.cached} from cache"
            f"{failed}, in {self.seconds:.2f} s"
        )


def job_key(job: Job, code: CodeIndex | None = None, read: dict | None = None) -> str:
    """Hash everything that decides the bytes of a job's result.

    Args:
        job: The job to key.
        code: The package's source, read once; a fresh read if omitted.
        read: The digests of the inputs (lessons, images) read for earlier jobs of the same
            run, each read once: 70 jobs read 10 lessons.

    Returns:
        A hex SHA-256 digest.

    Raises:
        KeyError: The job names no recipe of :mod:`cnnviz.recipes`.
    """
    if job.recipe.startswith("_"):
        raise KeyError(f"cnnviz.recipes has no recipe named {job.recipe!r}")
    record = {
        "key_version": KEY_VERSION,
        "recipe": job.recipe,
        "params": _portable(job.params),
        "code": (code or CodeIndex()).digest([("recipes", job.recipe), ENCODER]),
        "input": _input_digest(job.params, {} if read is None else read),
        "versions": _versions(),
        "cpu_kernels": {name: os.environ.get(name) for name in CPU_KERNELS},
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


@contextmanager
def remembered_code(cache: store.Store, source: str | None = None) -> Iterator[CodeIndex]:
    """The package's code index, with the digests the cache remembers for this exact source;
    the digests learned meanwhile are remembered when the block ends.

    Measured 2026-11-30: digesting all 24 recipes in a fresh process parses 11 modules in
    50-66 ms; reading the memo takes 0.05 ms.

    Args:
        cache: Where the digests are remembered.
        source: The package's :func:`fingerprint`, if already taken.
    """
    memo = f"code-{source or fingerprint()}"
    code = CodeIndex(known=cache.memo(memo))
    yield code
    if code.learned:
        cache.save_memo(memo, code.digests)


def run_jobs(
    jobs: Iterable[Job], cache: store.Store, workers: int | None = None
) -> tuple[dict[str, bytes], Report]:
    """Produce every job's bytes, from the cache where the key is known, else by rendering.

    What must be rendered is rendered in one go, on every core when there is enough of it
    (see :mod:`cnnviz.workers`); the bytes are the same either way. A job whose recipe raises
    is reported, not raised: its last good bytes are returned if the cache still has them, so
    a server keeps showing the last good figure.

    Args:
        jobs: The jobs; identical keys are rendered once.
        cache: The store that holds rendered results.
        workers: The most processes to render in; by default one per core (see
            :func:`cnnviz.workers.pool_size`).

    Returns:
        The bytes per target, and a report of what was rendered, reused and failed.
    """
    start, jobs = time.perf_counter(), list(jobs)
    source = fingerprint()
    with remembered_code(cache, source) as code:
        read: dict = {}
        keys = [job_key(job, code, read) for job in jobs]
    found, due = _look_up(jobs, keys, cache)
    failed: dict[str, str] = {}
    processes = pool_size(len(due), source, workers)
    outcomes = _render_due(list(due.values()), source, processes)
    for key, outcome in zip(due, outcomes, strict=True):
        if outcome.data is None:
            failed[key] = _FAILED[key] = outcome.error or "no result"
        else:
            cache.put(key, outcome.data)
            found[key] = outcome.data
    report, results = _collect(jobs, keys, cache, found, due, failed)
    report.workers = processes if processes > 1 else 0
    report.seconds = time.perf_counter() - start
    return results, report


def _look_up(
    jobs: list[Job], keys: list[str], cache: store.Store
) -> tuple[dict[str, bytes], dict[str, Job]]:
    """Split the keys into those the cache holds (with their bytes) and those to render."""
    found: dict[str, bytes] = {}
    due: dict[str, Job] = {}
    for job, key in zip(jobs, keys, strict=True):
        if key in found or key in due or key in _FAILED:
            continue
        data = cache.get(key)
        if data is None:
            due[key] = job
        else:
            found[key] = data
    return found, due


def _collect(
    jobs: list[Job],
    keys: list[str],
    cache: store.Store,
    found: dict[str, bytes],
    due: dict[str, Job],
    failed: dict[str, str],
) -> tuple[Report, dict[str, bytes]]:
    """Count what happened to each job, and pick its bytes: fresh, cached or last good."""
    report, results, seen = Report(), {}, set()
    for job, key in zip(jobs, keys, strict=True):
        first = key in due and key not in seen
        seen.add(key)
        if key in failed and first:
            report.failures.append((job.target, failed[key]))
        elif key in _FAILED:
            report.failed_again += 1
        elif first:
            report.rendered += 1
        else:
            report.cached += 1
        data = found.get(key)
        if data is not None:
            cache.remember(job.target, key)
        else:
            report.stale.append(job.target)
            data = cache.last_good(job.target)
        if data is not None:
            results[job.target] = data
    return report, results


def render(job: Job) -> bytes:
    """Run a job's recipe and encode its result: a Figure as PNG, a string as UTF-8.

    Bytes, such as raw pixels for the playground, are returned as they are.

    Args:
        job: The job to run.

    Returns:
        The result's bytes.
    """
    recipes = importlib.import_module(f"{__package__}.recipes")
    with collected_when_done():
        return _encoded(getattr(recipes, job.recipe)(**job.params))


@contextmanager
def collected_when_done() -> Iterator[None]:
    """Hold Python's cycle collector off while a render runs, then collect what it left.

    A render makes hundreds of thousands of objects (matplotlib artists, transforms, text,
    torch's autograd nodes), and the collector, counting them, runs every few hundred
    allocations over the young ones and now and then over every object torch, matplotlib and
    MkDocs hold; it frees almost nothing a render still uses. Measured 2026-12-07 on 2 cores,
    every result of the site rendered once in one process: 32.8-34.2 s of CPU as Python leaves
    it, 25.7-27.2 s with this; making one empty Axes, 8.7 ms against 5.2 ms.

    One young-generation pass at the end, charged to the render, frees the render's cycles (a
    Figure and its artists point at each other) before the next render begins; a full
    collection there costs more than it saves (50-61 s). ``gc.freeze()`` instead, tried on
    2026-12-05, left each rebuild's garbage under ``mkdocs serve`` where only a rare full
    collection looks, and the server grew by 80 to 156 MB in 15 rebuilds.

    A render inside another leaves the outer one in charge. The collector's state is restored
    however the block ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def _encoded(result: Any) -> bytes:
    if isinstance(result, bytes):
        return result
    if isinstance(result, str):
        return result.encode()
    return store.png_bytes(result)


def render_outcome(job: tuple[str, str, dict[str, Any]]) -> Outcome:
    """Render a job, in whichever process runs it, and say how it went, never raising.

    Args:
        job: The job's target, recipe and params: plain values, which a worker unpickles
            whatever became of the :class:`Job` class here (a test or a server may import
            this module again).

    Returns:
        Its bytes, or the one-line reason it failed (see :func:`cnnviz.workers.describe`).
    """
    try:
        return Outcome(data=render(Job(*job)))
    except Exception as error:  # reported by the build, which goes on with the other jobs
        return Outcome(error=describe(error))


def lesson_groups(jobs: Sequence[Job]) -> list[list[int]]:
    """Group the jobs that draw from one lesson, so that one worker draws them all.

    A worker runs a lesson's code before it draws the lesson's first figure (the learned
    lesson trains for seconds), so a lesson whose figures were spread over the workers would
    run in each of them. Every other job is a group of its own. The largest groups come
    first, so the workers finish close together.

    Args:
        jobs: The jobs to render.

    Returns:
        The jobs' indexes, by group.
    """
    groups: dict[object, list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault(job.params.get("lesson") or index, []).append(index)
    return sorted(groups.values(), key=len, reverse=True)


def _render_due(due: list[Job], source: str, processes: int) -> list[Outcome]:
    """Render the jobs due, a lesson's together (see :func:`lesson_groups`), in their order."""
    groups = lesson_groups(due)
    plain = [(job.target, job.recipe, dict(job.params)) for job in due]
    drawn = render_all(
        [[plain[i] for i in group] for group in groups], render_outcome, source, processes
    )
    outcomes = [Outcome()] * len(due)
    for group, results in zip(groups, drawn, strict=True):
        for index, outcome in zip(group, results, strict=True):
            outcomes[index] = outcome
    return outcomes


def _input_digest(params: Mapping[str, Any], read: dict) -> str | None:
    if "lesson" in params:  # the code the lesson runs, its own cells and those it borrows
        name = ("lesson", params["lesson"])
        if name not in read:
            read[name] = lessons.sources_digest(lessons.read_lesson(params["lesson"]))
        return read[name]
    path = params.get("path")
    if "sample" in params:
        path = samples.sample_path(params["sample"])
    if path not in read:
        read[path] = _file_digest(path)
    return read[path]


def _file_digest(path) -> str | None:
    if path is None:
        return None  # a drawn sample: samples.py, already in the sources, decides its pixels
    try:  # checked before it is read; the render reuses these very bytes
        return inputs.read_input(path, head=inputs.image_head).digest  # junk: first MB only
    except FileNotFoundError:
        return "unreadable: no such file"  # the render will report the problem
    except CnnvizError as error:
        return f"unreadable: {error.problem}"


def _portable(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters as a key holds them: a file inside the project by its path from the
    project's folder, so that a cache moved with a checkout (CI, a second clone) still hits."""
    path = params.get("path")
    if not isinstance(path, str):
        return params
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(PROJECT):
        return params  # an outside file stays where it is when the checkout moves
    return {**params, "path": real.relative_to(PROJECT).as_posix()}


@functools.cache
def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _targets(hit: list[str]) -> str:
    return ", ".join(hit) if len(hit) <= 2 else f"{hit[0]} and {len(hit) - 1} more"

"""Render jobs on every core: worker processes with one thread each, or this process for few.

A cold build has dozens of figures to draw, each taking a few hundred milliseconds of one core,
so :func:`render_all` hands them to one worker process per core. Each worker limits torch,
OpenMP, MKL, OpenBLAS, OpenCV and oxipng to one thread: the limits are in its environment from
its first instruction, before any of them is imported, so two workers on two cores run side by
side instead of fighting over the cores with their thread pools. A render in this process uses
one torch thread as well, so a figure's bytes never depend on where it was drawn.

A worker is a fresh interpreter (``python -c``), talking over its stdin and stdout: jobs in,
results out, pickled. It is not forked from this process: ``mkdocs serve`` runs its file
watcher and web server in threads, and a forked child inherits the locks those threads hold
(logging's, the import lock) in whatever state they are in, and can hang on them.
multiprocessing's "spawn" would start a fresh interpreter too, but it re-runs the main script
(``mkdocs``, or a user's own build script) in every worker. A fresh worker imports ``cnnviz``
from disk, from the same folder as this process, so it draws the code as it is now.

Why not ``concurrent.futures.ProcessPoolExecutor``: measured 2026-12-05 on the shared 2-core
machine (load average near 12), a cold render of the lessons' 69 results in two workers took
69.6 s and 130.3 s here, 69.7 s and 142.0 s with a "spawn" executor, the same bytes each time:
as fast. But an executor's worker outlives a build killed with SIGKILL, blocked on queues its
siblings keep open, holding the build's pipes and leaving its lesson's temporary folder
(tests/test_concurrent_builds.py failed on both); a worker here reads EOF on its stdin and ends.

Starting workers takes about 2 s on this project's machines (an interpreter importing torch and
matplotlib, then warming up), while a figure takes about 0.3 s. So a few renders are drawn in
this process: fewer than :data:`POOL_MIN_JOBS`, which is where two workers start to win over a
process that must import torch itself, or fewer than :data:`POOL_MIN_JOBS_LOADED` when this
process has torch loaded already, as a ``mkdocs serve`` that has drawn before does. A code edit
that redraws a figure or two under ``mkdocs serve`` starts no pool. A pool, once started,
serves the build's later jobs too (the gallery after the lesson) until :func:`close_pool`,
until it has idled for :data:`IDLE` seconds, or until the code changes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .deps import PACKAGE
from .errors import CnnvizError, code_place
from .lessons import one_torch_thread

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OPENCV_FOR_THREADS_NUM": "1",
    "RAYON_NUM_THREADS": "1",  # oxipng
}
"""The environment each worker starts with."""

POOL_MIN_JOBS = 6
"""Fewer renders than this are drawn in this process, unless a pool is already running."""

POOL_MIN_JOBS_LOADED = 12
"""The same threshold for a process that has imported torch already."""

IDLE = 15.0
"""Seconds a pool waits for more work before its workers exit."""

WORKERS_ENV = "CNNVIZ_WORKERS"
"""An environment variable that asks for this many workers whenever two renders or more are
due, whatever the thresholds; ``1`` renders in this process."""

WORKER_DIED = "a render worker stopped unexpectedly (out of memory, or killed)"


@dataclass(frozen=True)
class Outcome:
    """What rendering one job gave: its bytes, or the one-line reason it failed."""

    data: bytes | None = None
    error: str | None = None


def render_all(
    groups: Sequence[Sequence[Any]], render: Callable[[Any], Outcome], code: str, size: int
) -> list[list[Outcome]]:
    """Render every group of items, each group in one process, and never raise for an item.

    Args:
        groups: The items to render, in groups that one worker renders one after another
            (the jobs of one lesson, which a worker runs once); the largest first.
        render: What renders one item and says how it went; a module-level function, which a
            worker imports by its name (:func:`cnnviz.jobs.render_outcome`).
        code: What identifies the source the items were keyed with (see
            :func:`cnnviz.deps.fingerprint`); a pool started for other code is not reused.
        size: How many worker processes to render in, from :func:`pool_size`; 1 renders in
            this process.

    Returns:
        One outcome per item, by group, in the order given.
    """
    if not groups:
        return []  # nothing to draw: torch stays unimported
    if size <= 1:
        with one_torch_thread():  # as in a worker, so a figure's bytes are the same anywhere
            return [[render(item) for item in group] for group in groups]
    pool = _pool(code, size)
    try:
        with concurrent.futures.ThreadPoolExecutor(min(size, len(groups) or 1)) as threads:
            return list(threads.map(lambda group: pool.render_group(render, group), groups))
    finally:
        _pool_idle()


def pool_size(renders: int, code: str, workers: int | None = None) -> int:
    """Decide how many processes render ``renders`` jobs; 1 means this process alone.

    Args:
        renders: How many jobs must be rendered.
        code: The source's fingerprint; a pool running for it is used for any number of
            renders.
        workers: The number of workers to use for two renders or more, as
            :data:`WORKERS_ENV` asks too; if neither asks, one per core, for enough renders.

    Returns:
        The number of worker processes, or 1 to render in this process.
    """
    asked = workers or _requested()
    most = asked or _cores()
    if most <= 1 or renders <= 1:
        return 1
    running = _state.pool is not None and _state.pool.code == code
    least = POOL_MIN_JOBS_LOADED if "torch" in sys.modules else POOL_MIN_JOBS
    if renders < least and not running and not asked:
        return 1
    return most


def close_pool() -> None:
    """Let the workers exit; the next render that needs them starts new ones."""
    with _state.lock:
        pool, _state.pool = _state.pool, None
        if _state.timer is not None:
            _state.timer.cancel()
            _state.timer = None
    if pool is not None:
        pool.close()


def serve() -> None:
    """Be a worker: render each item read from stdin, and answer on stdout, until stdin closes.

    Each item comes as a pickled ``(render, item)``, the function by its module and name,
    which the worker imports as it unpickles the first item; each answer goes back as a
    pickled ``(data, error)``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the build; it closes our stdin
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print goes to the build log
    import torch

    torch.set_num_threads(1)
    while True:
        try:
            render, item = pickle.load(sys.stdin.buffer)
        except EOFError:
            return  # the build is done with this worker
        outcome = render(item)
        try:
            pickle.dump((outcome.data, outcome.error), answers)
            answers.flush()
        except BrokenPipeError:  # the build stopped while this item was drawn
            os.dup2(os.open(os.devnull, os.O_WRONLY), answers.fileno())  # exit quietly
            return


def describe(error: Exception) -> str:
    """Say in one line why a render failed: the message alone for a bad input, else where in
    the project's code (``cnnviz/figures.py:312``) and the type too.

    Args:
        error: What the recipe raised.

    Returns:
        The line, without the target's name.
    """
    if isinstance(error, CnnvizError | FileNotFoundError):
        return str(error)
    place = code_place(error)
    return f"{place + ': ' if place else ''}{type(error).__name__}: {error}"


class _Worker:
    """One worker process, fed one job at a time."""

    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [str(PACKAGE.parent), os.environ.get("PYTHONPATH")]))
        command = f"from {__package__}.workers import serve; serve()"
        self.process = subprocess.Popen(
            # -P: not the working folder but PYTHONPATH, this package's folder, comes first.
            [sys.executable, "-P", "-c", command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **ONE_THREAD, "PYTHONPATH": path},
        )

    def render(self, render: Callable[[Any], Outcome], item: Any) -> Outcome | None:
        """Render one item; ``None`` if the worker died meanwhile."""
        try:
            pickle.dump((render, item), self.process.stdin)
            self.process.stdin.flush()  # type: ignore[union-attr]
            data, error = pickle.load(self.process.stdout)  # type: ignore[arg-type]
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            return None
        return Outcome(data=data, error=error)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # type: ignore[union-attr]
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]


class _Pool:
    """Up to ``size`` workers, started as jobs arrive; each group of jobs goes to an idle one."""

    def __init__(self, code: str, size: int) -> None:
        self.code, self.size = code, size
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()

    def render_group(self, render: Callable[[Any], Outcome], items: Sequence[Any]) -> list[Outcome]:
        """Render the items one after another in one worker; after a death, in another."""
        if not items:
            return []
        try:
            worker = self._take()
        except OSError as error:
            return [Outcome(error=f"cannot start a render worker: {error}")] * len(items)
        outcomes: list[Outcome] = []
        for item in items:
            outcome = worker.render(render, item)
            if outcome is None:
                with self.lock:  # gone already if the idle timer closed the pool meanwhile
                    if worker in self.workers:
                        self.workers.remove(worker)
                rest = items[len(outcomes) + 1 :]
                return [*outcomes, Outcome(error=WORKER_DIED), *self.render_group(render, rest)]
            outcomes.append(outcome)
        self.idle.put(worker)
        return outcomes

    def _take(self) -> _Worker:
        with self.lock:
            if self.idle.empty() and len(self.workers) < self.size:
                self.workers.append(_Worker())
                return self.workers[-1]
        return self.idle.get()

    def close(self) -> None:
        with self.lock:
            workers, self.workers = self.workers, []
        for worker in workers:
            worker.close()


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: _Pool | None = None
        self.timer: threading.Timer | None = None


_state = _State()


def _pool(code: str, size: int) -> _Pool:
    stale = _state.pool is not None and (_state.pool.code != code or _state.pool.size != size)
    if stale:
        close_pool()
    with _state.lock:
        if _state.timer is not None:
            _state.timer.cancel()
            _state.timer = None
        if _state.pool is None:
            _state.pool = _Pool(code, size)
        return _state.pool


def _pool_idle() -> None:
    with _state.lock:
        if _state.pool is not None:
            _state.timer = threading.Timer(IDLE, close_pool)
            _state.timer.daemon = True
            _state.timer.start()


def _requested() -> int | None:
    value = os.environ.get(WORKERS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # the cores this process may run on
    return os.cpu_count() or 1

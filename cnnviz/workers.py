"""Render jobs on every core: worker processes with one thread each, or this process for few.

A cold build has dozens of figures to draw, each taking a few hundred milliseconds of one core,
so :func:`render_all` hands them to one worker process per core. Each worker limits torch,
OpenMP, MKL, OpenBLAS, OpenCV and oxipng to one thread: the limits are in its environment from
its first instruction, before any of them is imported, so two workers on two cores run side by
side instead of fighting over the cores with their thread pools. A render in this process uses
one torch thread as well, so a figure's bytes never depend on where it was drawn.

The workers are a ``concurrent.futures.ProcessPoolExecutor`` whose processes are started by
multiprocessing's "spawn": fresh interpreters, never forked from this process, since ``mkdocs
serve`` runs its file watcher and web server in threads, and a forked child inherits the locks
those threads hold (logging's, the import lock) in whatever state they are in, and can hang on
them. A fresh worker imports ``cnnviz`` from this process's ``sys.path``, so it draws the code
as it is now; like every spawned process it first imports the main script (``mkdocs``, or a
build script of one's own, which must keep its work under ``if __name__ == "__main__":``).
Measured against the hand-made pool it replaced (workers fed by pickles over pipes), rendering
the lessons' 69 results cold in two workers on the 2-core build machine, 2026-12-05, with
other builds running (load average near 12), two rounds side by side: 69.6 s and 130.3 s for
the pipes, 69.7 s and 142.0 s for this executor, the same bytes every time. The load moves
either more than the two differ, so the library serves. (Its "forkserver" start took 44.7 s
and 42.4 s in the same rounds; it forks every worker from one server process that has imported
the main script, whose modules every worker then shares, so it is left for a quieter test.)

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
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

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
        return pool.render_groups(render, groups)
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


def _start_worker() -> None:
    """Set up a fresh worker before it imports anything that starts a thread pool."""
    os.environ.update(ONE_THREAD)  # read by OpenMP, MKL, OpenBLAS and rayon as they load
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the build, which ends the pool
    import torch

    torch.set_num_threads(1)


def _render_group(render: Callable[[Any], Outcome], group: Sequence[Any]) -> list[Outcome]:
    return [render(item) for item in group]


class _Pool:
    """A ``ProcessPoolExecutor`` of up to ``size`` fresh interpreters, for one version of the
    code; each group of items goes to the next idle worker."""

    def __init__(self, code: str, size: int) -> None:
        self.code, self.size = code, size
        self.executor = self._executor()

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            self.size, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
        )

    def render_groups(
        self, render: Callable[[Any], Outcome], groups: Sequence[Sequence[Any]]
    ) -> list[list[Outcome]]:
        """Render the groups side by side. A worker that dies breaks the whole executor, so
        the groups it took down are drawn again one at a time in a new one, where a death
        names its own group."""
        done: dict[int, list[Outcome]] = {}
        broken = self._gather(render, groups, range(len(groups)), done)
        for index in broken:
            if self._gather(render, groups, [index], done):
                done[index] = [Outcome(error=WORKER_DIED)] * len(groups[index])
        return [done[index] for index in range(len(groups))]

    def _gather(
        self,
        render: Callable[[Any], Outcome],
        groups: Sequence[Sequence[Any]],
        indexes: Iterable[int],
        done: dict[int, list[Outcome]],
    ) -> list[int]:
        try:
            futures = {i: self.executor.submit(_render_group, render, groups[i]) for i in indexes}
        except (OSError, BrokenProcessPool) as error:
            for index in indexes:
                done[index] = [Outcome(error=f"cannot start a render worker: {error}")] * len(
                    groups[index]
                )
            return []
        broken = []
        for index, future in futures.items():
            try:
                done[index] = future.result()
            except BrokenProcessPool:
                broken.append(index)
        if broken:
            self.close()
            self.executor = self._executor()
        return broken

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


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

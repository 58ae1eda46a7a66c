"""Run a child process under a memory ceiling and a time limit.

A test that feeds the project a hostile file (``/dev/zero``, a named pipe, a huge file) runs the
code in a child process bounded this way: if a regression reads the whole device or blocks on
the pipe, the child hits the ceiling or the clock and the test fails, instead of the run
filling the machine's memory or hanging forever.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from project import MKDOCS_ENV

MEMORY = 3 * 2**30
"""Address space a child may map: a whole build fits, reading /dev/zero to the end does not."""

SECONDS = 300
"""Wall time a child may take: a cold build fits on a slow machine, a hang does not."""


def run_bounded(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    memory: int = MEMORY,
    seconds: float = SECONDS,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with at most ``memory`` bytes of address space and ``seconds`` of time.

    Returns:
        The finished process, its output captured as text.

    Raises:
        pytest.fail: The child was still running after ``seconds``; it and its children are
            killed first.
    """

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    child = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **MKDOCS_ENV, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=limit,
        start_new_session=True,  # its own process group, so a hang is killed whole
    )
    try:
        out, err = child.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"{command[:4]} still ran after {seconds} s (a hang?):\n{err[-3000:]}")
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def python_bounded(code: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in a bounded child process (see :func:`run_bounded`)."""
    return run_bounded([sys.executable, "-c", code], **kwargs)

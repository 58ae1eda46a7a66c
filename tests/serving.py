"""`mkdocs serve` on a copy of the project, driven by tests and by `make soak`: its log read
line by line, its pages fetched, its memory read, and edits of the three kinds an author
makes (prose, a lesson's code, a figure's code), each waited for until it is served."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from project import MKDOCS_ENV, edit, free_port

EDITS = ("Markdown", "lesson", "figure code")
"""The kinds of edit a soak mixes, in turn."""
QUIET = 0.5
"""Seconds without a line in the log after which the server has no build to come: one that
follows another at once (the watcher can report one save twice) is announced as soon as the
first ends, and the watcher looks every 0.1 s."""


class Server:
    """`mkdocs serve` on a copy of the project, with its log collected line by line."""

    def __init__(self, root: Path, *options: str) -> None:
        self.port = free_port()
        env = {**os.environ, **MKDOCS_ENV, "PYTHONPATH": str(root)}
        address = ["-a", f"127.0.0.1:{self.port}"]
        command = [sys.executable, "-m", "mkdocs", "serve", *address, *options]
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, limit: float = 300) -> str:
        """Read the log until a line holds ``text``; the limit only guards against a hang."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.process.poll() is None, "mkdocs serve died:\n" + "".join(self.log)
                continue
            self.log.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in the log:\n" + "".join(self.log))

    def get(self, path: str, timeout: float = 120) -> bytes:
        """Fetch a page; the timeout fails the test when the server holds the request."""
        address = f"http://127.0.0.1:{self.port}/{path}"
        with urllib.request.urlopen(address, timeout=timeout) as response:
            assert response.status == 200
            return response.read()

    def wait_for_rebuild(self, quiet: float = QUIET) -> None:
        """Wait until every change made so far is served, and no build is left to run."""
        self.wait_for("Reloading browsers")
        self.settle(quiet)

    def settle(self, quiet: float = QUIET) -> None:
        """Read the log until it has been ``quiet`` seconds without a line; a build announced
        meanwhile is waited for to its end. Without this, the next wait for "Reloading
        browsers" could take that build's for the next edit's, and a test would look at the
        site before its edit was built (a soak read the memory halfway through builds)."""
        while True:
            try:
                line = self.lines.get(timeout=quiet)
            except queue.Empty:
                return
            self.log.append(line)
            if "Detected file changes" in line:
                self.wait_for("Reloading browsers")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        self.process.stderr.close()

    def rss_mb(self) -> float:
        """The server process's resident memory now, in megabytes (Linux's /proc)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def rebuild(self, root: Path, number: int) -> float:
        """Make edit ``number`` (Markdown, a lesson's code or a figure's code, in turn), wait
        until the rebuilt site is served and the server is idle, and return the seconds from
        the save until it was served."""
        kind = EDITS[number % len(EDITS)]
        start = time.monotonic()
        if kind == "Markdown":
            page = root / "docs" / "about.ko.md"
            page.write_text(page.read_text(encoding="utf-8") + f"\n<!-- edit {number} -->\n")
        elif kind == "lesson":
            lesson = root / "docs" / "lessons" / "conv.py"
            lesson.write_text(lesson.read_text(encoding="utf-8") + f"\n# edit {number}\n")
        else:
            figures = root / "cnnviz" / "figures.py"
            old = next(
                line.split("color=")[1][:9]
                for line in figures.read_text(encoding="utf-8").splitlines()
                if 'color="#c0' in line and '2b"' in line
            )
            edit(figures, f"color={old}", f'color="#c0{number % 256:02x}2b"')
        self.wait_for("Reloading browsers")
        took = time.monotonic() - start
        self.settle()
        return took


@contextmanager
def serving(root: Path, *options: str) -> Iterator[Server]:
    """`mkdocs serve` on ``root`` for the block, from when it serves; stopped after."""
    server = Server(root, *options)
    try:
        server.wait_for("Serving on")
        yield server
    finally:
        server.stop()

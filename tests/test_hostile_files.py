"""Hostile files: a device, a pipe, a huge file or a symlink loop is judged by a look, never read.

Every case that could hang or fill memory if the checks regressed runs in a child process
under a memory ceiling and a time limit (see ``bounded.py``): a regression fails the test
instead of taking the machine down.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from bounded import python_bounded, run_bounded

from cnnviz import inputs, jobs
from cnnviz.errors import ImageError, KernelError
from cnnviz.kernels import parse_filters
from cnnviz.store import Store

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")

RAMP = cv2.imencode(".png", np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1)))[1].tobytes()


def hostile(folder: Path, kind: str, suffix: str = ".png") -> Path:
    """Make one hostile file in ``folder``, named like an image (or with ``suffix``)."""
    path = folder / f"{kind}{suffix}"
    if kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as file:
            file.truncate(2 * 2**30)  # 2 GB, sparse: it takes no disk, but read() would fill RAM
    elif kind == "loop":
        path.symlink_to(path.name)
    return path


KINDS = ["zero", "fifo", "huge", "loop"]
PROBLEMS = {
    "zero": "is not a regular file (a device, a pipe or a socket)",
    "fifo": "is not a regular file (a device, a pipe or a socket)",
    "huge": "2,147,483,648 bytes is too large; the limit is 268,435,456",
    "loop": "is a symbolic link loop",
}


@pytest.mark.parametrize("kind", KINDS)
def test_keying_and_loading_a_hostile_gallery_file_reads_nothing(tmp_path, kind):
    """The cache key of a hostile file and its load both finish within 1 GB and 60 s, and the
    load says in one line what is wrong with it."""
    path = hostile(tmp_path, kind)
    code = (
        "from cnnviz.jobs import Job, job_key\n"
        "from cnnviz.images import load_gray\n"
        f"print(job_key(Job('gallery/x/input.png', 'input_image', {{'path': {str(path)!r}}})))\n"
        f"try:\n    load_gray({str(path)!r})\nexcept Exception as error:\n    print(error)\n"
    )
    result = python_bounded(code, memory=2**30, seconds=60)
    assert result.returncode == 0, result.stderr[-2000:]
    key, message = result.stdout.splitlines()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert message == f"{path}: {PROBLEMS[kind]}"


def test_a_gallery_file_is_opened_once_for_its_keys_and_its_renders(tmp_path, monkeypatch):
    """Keying three figures of one image and rendering them opens the file once, not once per
    key plus once per render."""
    image = tmp_path / "ramp.png"
    image.write_bytes(RAMP)
    opened = []
    real_os_open, real_io_open = os.open, io.open

    def os_open(path, *args, **kwargs):
        opened.append(Path(path))
        return real_os_open(path, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike):
            opened.append(Path(file))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    inputs._remembered.clear()
    params = {"path": str(image)}
    work = [
        jobs.Job("g/thumbnail.png", "thumbnail", params),
        jobs.Job("g/input.png", "input_image", params),
        jobs.Job("g/rows.md", "stats_rows", params),
    ]
    results, report = jobs.run_jobs(work, Store(tmp_path / "cache"))
    assert report.rendered == 3
    assert opened.count(image) == 1


def test_a_file_edited_between_reads_is_read_again(tmp_path):
    """What is remembered is keyed by the file's identity on disk: new bytes are read anew."""
    path = tmp_path / "kernel.json"
    path.write_text("[[1, 0], [0, 1]]")
    first = inputs.read_input(path)
    path.write_text("[[0, 1], [1, 0], [9, 9]]")
    second = inputs.read_input(path)
    assert second.data == b"[[0, 1], [1, 0], [9, 9]]"
    assert second.digest != first.digest
    assert inputs.read_input(path) is second


def test_a_file_that_grows_past_its_size_while_read_is_refused(tmp_path):
    """A file whose size stat cannot tell (like those in /proc) is still read at most to the
    limit, plus one chunk."""
    path = tmp_path / "notes.json"
    path.write_bytes(b"[" * 5000)
    with pytest.raises(ImageError, match="is too large; the limit is 100"):
        inputs.read_input(path, limit=100, error=ImageError)
    with pytest.raises(ImageError, match="grew past the limit of 100 bytes"):
        inputs.read_input("/proc/self/environ", limit=100, error=ImageError)


@pytest.mark.parametrize("kind", ["fifo", "zero", "loop"])
def test_a_hostile_filters_file_is_one_line_and_never_blocks(tmp_path, kind):
    """--filters naming a FIFO, /dev/zero or a loop exits 1 with one line, within 60 s."""
    image = tmp_path / "ramp.png"
    image.write_bytes(RAMP)
    spec = hostile(tmp_path, kind, ".json")
    command = [sys.executable, "-m", "cnnviz", str(image), "--filters", str(spec)]
    result = run_bounded(command, cwd=tmp_path, memory=2**30, seconds=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"cnnviz: error: {spec}: {PROBLEMS[kind]}\n"


def test_filter_file_json_is_read_through_the_same_checks(tmp_path):
    """A JSON file of filters over the size limit is refused from its size, unread."""
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps([[1.0] * 3] * 3) + " " * 1_000_001)
    with pytest.raises(KernelError, match="bytes is too large; the limit is 1,000,000"):
        parse_filters(str(spec))

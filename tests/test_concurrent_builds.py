"""Interrupted and concurrent builds: a second build into the same folder waits for the first
and says so, and what a killed build leaves behind is removed by the next one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from project import MKDOCS_ENV, copy_project

from cnnviz.mkdocs_plugin.locks import TMP, site_lock_file

pytest.importorskip("fcntl")  # filelock's lock on POSIX, which the kernel drops on kill -9

pytestmark = pytest.mark.site


def start_build(root: Path, site: Path, **env: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")]
    return subprocess.Popen(
        [*command, "-d", str(site)],
        cwd=root,
        env={**os.environ, **MKDOCS_ENV, "PYTHONPATH": str(root), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(build: subprocess.Popen[str]) -> str:
    _, err = build.communicate(timeout=300)
    assert build.returncode == 0, err[-3000:]
    return err


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


def test_a_build_waits_while_the_site_folder_is_locked_and_says_so(root, tmp_path):
    """While another build holds the site folder, a build logs one line that it waits, writes
    nothing, and completes once the folder is free."""
    site = tmp_path / "site"
    site.mkdir()
    holder = FileLock(site_lock_file(root, site))
    holder.acquire()  # stands for a build that is writing the folder
    try:
        build = start_build(root, site)
        for line in build.stderr:  # ends early only if the build never waits
            if "waiting for it to finish" in line:
                break
        assert line.strip() == (
            f"INFO    -  cnnviz: another build is writing {site}; waiting for it to finish"
        )
        time.sleep(1)
        assert build.poll() is None
        assert list(site.iterdir()) == []
    finally:
        holder.release()
    finish(build)
    assert (site / "en" / "conv" / "index.html").is_file()


def test_two_builds_into_one_folder_both_succeed(root, tmp_path):
    """Two builds started together into one folder both succeed, one after the other (the
    second says it waits), and the site they leave is whole."""
    site = tmp_path / "site"
    for _ in range(2):
        builds = [start_build(root, site) for _ in range(2)]
        logs = [finish(build) for build in builds]
        assert sum("waiting for it to finish" in log for log in logs) == 1  # the lock held
        for page in ("index.html", "en/conv/index.html", "en/sitemap.xml"):
            assert (site / page).is_file(), page
        index = json.loads((site / "en" / "search" / "search_index.json").read_text())
        assert index["docs"]


def own_folders(root: Path) -> list[Path]:
    """The folders builds made for themselves in the project's temporary folder."""
    tmp = root / TMP
    return sorted(path for path in tmp.iterdir() if path.is_dir()) if tmp.is_dir() else []


def wait_for_temporary_folder(root: Path, build: subprocess.Popen[str]) -> Path:
    """The mkdocs-gen-files folder of ``build``, inside the folder it made for itself in the
    project's temporary folder, once it exists."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert build.poll() is None, "the build ended before making its folder"
        for own in own_folders(root):
            found = sorted(own.glob("mkdocs_gen_files_*")) if own.is_dir() else []
            if found:
                return found[0]
        time.sleep(0.02)
    raise AssertionError("no temporary folder was made")


@pytest.mark.parametrize("moment", ["at its first note", "while the gen scripts run", "later"])
def test_a_build_killed_at_any_moment_leaves_no_folder_after_the_next(root, tmp_path, moment):
    """kill -9 of a cold build under its own TMPDIR, as soon as it has made its folder, while
    mkdocs-gen-files' folder exists and the gen scripts run, or seconds later: it made nothing
    in TMPDIR, every folder it made is in the project's temporary folder, and the next build
    leaves none of them, nor their lock files. The next build gets the cache back: what it
    removes is the same warm or cold, and a second cold build would only cost time."""
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    objects = root / ".cache" / "cnnviz" / "objects"
    kept = tmp_path / "objects"
    if objects.is_dir():
        objects.rename(kept)  # a cold build
    build = start_build(root, tmp_path / "killed", TMPDIR=str(temporary))
    if moment == "at its first note":
        deadline = time.monotonic() + 120
        while not own_folders(root) and time.monotonic() < deadline:
            time.sleep(0.005)
    else:
        wait_for_temporary_folder(root, build)
        time.sleep(0 if moment == "while the gen scripts run" else 4)
    assert build.poll() is None, "the build ended before it was killed"
    build.kill()
    build.communicate()
    left = own_folders(root)
    assert left, "the build made no temporary folder"
    assert made_in(temporary) == []
    if kept.is_dir():
        shutil.rmtree(objects, ignore_errors=True)
        kept.rename(objects)
    finish(start_build(root, tmp_path / "next", TMPDIR=str(temporary)))
    assert made_in(temporary) == []
    assert list((root / TMP).iterdir()) == []


def made_in(temporary: Path) -> list[Path]:
    """What builds made in a temporary folder, but torch's own lasting cache there."""
    return sorted(p for p in temporary.iterdir() if not p.name.startswith("torchinductor_"))


def test_what_a_killed_build_left_is_removed_by_the_next_build(root, tmp_path):
    """After kill -9, its mkdocs-gen-files folder and a cut-short cache write remain; the next
    build removes both, but not while another build of the project holds the cache."""
    build = start_build(root, tmp_path / "killed")
    folder = wait_for_temporary_folder(root, build)
    build.kill()
    build.communicate()
    assert folder.is_dir()
    stray = root / ".cache" / "cnnviz" / "objects" / "00" / ".00ab.x7k2p9q1.tmp"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a figure")

    killed = folder.parent
    running = root / TMP / "tmp-running"
    running.mkdir()
    other = FileLock(f"{running}.lock")
    other.acquire()  # another build of the project is running
    try:
        finish(start_build(root, tmp_path / "one"))
        assert running.is_dir()  # its process runs, so its folder stays
    finally:
        other.release()
    assert stray.exists()  # it could have been that build's own write in progress
    assert not folder.exists()  # its process is gone, so its folder goes
    assert not killed.exists()
    assert not Path(f"{killed}.lock").exists()

    log = finish(start_build(root, tmp_path / "two"))
    assert not stray.exists()
    assert "removed 1 temporary files that interrupted builds left" in log


def test_sigterm_stops_a_build_that_then_removes_its_own_folder(root, tmp_path):
    """SIGTERM ends a build as Ctrl-C does, so it removes its temporary folder itself."""
    build = start_build(root, tmp_path / "site")
    folder = wait_for_temporary_folder(root, build)
    build.send_signal(signal.SIGTERM)
    build.communicate(timeout=120)
    assert build.returncode != 0
    assert not folder.exists()

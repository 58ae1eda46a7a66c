"""One build at a time into a site folder, and no folder of a killed build left behind.

- The site lock. Two builds into the same `site/` would empty and fill it at the same time, and
  one would crash on a file the other had just removed. Each build holds a `filelock` on its
  site folder's lock file, `.cache/locks/site-<hash of the folder>.lock`, from its start to its
  end, and says in one line when it has to wait. static-i18n's build of each further language
  runs inside the outer build, under its lock.
- The project's temporary folder, `.cache/tmp/`. Each process makes its own folder there as
  soon as its configuration loads, holds a lock on `<folder>.lock` while it runs, and makes
  the folder its temporary folder (`tempfile.tempdir`), so mkdocs-gen-files' folder, and every
  other made while the gen scripts run, is made inside it. Outside it, only the site folder of
  `mkdocs serve` (made by MkDocs before any plugin runs) is noted there, by a link, and goes
  with its folder, site lock file included. A build
  that starts removes, under `.cache/locks/tmp.lock`, every folder whose lock nobody holds:
  its process is gone, however it ended, `kill -9` included (the kernel drops a process's
  locks). When no other build holds one, it also removes the cache's `.tmp` files that killed
  builds left (`cnnviz.store.write_atomic` writes each entry to one and renames it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger("mkdocs.plugins.cnnviz")

TMP = Path(".cache", "tmp")
"""The project's temporary folder, relative to its root."""
LOCKS = Path(".cache", "locks")
"""Where the site locks and the lock of the temporary folder live, relative to the root."""
_OUTSIDE = "outside-"  # a link in a process's folder to a folder of its outside TMP


def site_lock_file(project: Path, site_dir: str | Path) -> Path:
    """The lock file of a site folder.

    Args:
        project: The project's folder.
        site_dir: The site folder.

    Returns:
        ``<project>/.cache/locks/site-<hash>.lock``, the same for every spelling of the folder.
    """
    digest = hashlib.sha256(str(Path(site_dir).resolve()).encode()).hexdigest()[:16]
    return project / LOCKS / f"site-{digest}.lock"


def lock_site(project: Path, site_dir: str | Path) -> FileLock:
    """Take the site folder's lock, waiting for another build that holds it, and say so."""
    path = site_lock_file(project, site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        log.info("cnnviz: another build is writing %s; waiting for it to finish", site_dir)
        lock.acquire()
    return lock


class OwnFolder:
    """This process's folder in the project's temporary folder, locked while the process runs.

    Args:
        project: The project's folder.
    """

    def __init__(self, project: Path) -> None:
        self.tmp = project / TMP
        self.sweep_lock = FileLock(project / LOCKS / "tmp.lock")
        self.path: Path | None = None
        self._lock: FileLock | None = None

    def start(self) -> bool:
        """Remove what killed builds left and make this process's folder, if it has none yet.

        Returns:
            Whether no other build of the project runs, so the cache's ``.tmp`` files are
            theirs to remove.
        """
        self.tmp.mkdir(parents=True, exist_ok=True)
        earlier = Path(tempfile.tempdir or "/nonexistent")
        if self.path is None and earlier.parent == self.tmp and earlier.is_dir():
            self.path = earlier  # an earlier build of this process made it, and holds its lock
        (self.tmp.parent / LOCKS.name).mkdir(exist_ok=True)
        with self.sweep_lock:
            alone = _remove_folders_of_ended_processes(self.tmp, self.path)
            if self.path is None or not self.path.is_dir():
                self.path = Path(tempfile.mkdtemp(dir=self.tmp))
                self._lock = FileLock(f"{self.path}.lock")
                self._lock.acquire()
        tempfile.tempdir = str(self.path)
        return alone

    def note(self, folder: str | Path) -> None:
        """Note a folder outside TMP that this process made, for removal once it has ended."""
        assert self.path is not None
        links = list(self.path.glob(f"{_OUTSIDE}*"))
        (self.path / f"{_OUTSIDE}{len(links)}").symlink_to(Path(folder).resolve())

    def end(self) -> None:
        """Remove this process's folder and what it noted, and let go of the lock."""
        if tempfile.tempdir == str(self.path):
            tempfile.tempdir = None
        if self.path is None or self._lock is None:
            return
        with self.sweep_lock:
            _remove(self.path)
            self._lock.release()
            Path(self._lock.lock_file).unlink(missing_ok=True)
        self.path = self._lock = None


def _remove_folders_of_ended_processes(tmp: Path, own: Path | None) -> bool:
    # Called under the sweep lock, under which every process makes its folder and locks it.
    alone = True
    folders = {path.with_suffix("") for path in tmp.glob("*.lock")} | set(tmp.iterdir())
    for folder in sorted(folders - {own}):
        if folder.suffix == ".lock" or folder.is_symlink():
            continue
        lock_file = Path(f"{folder}.lock")
        probe = FileLock(lock_file)
        try:
            probe.acquire(blocking=False)
        except Timeout:
            alone = False  # its process runs
            continue
        try:
            _remove(folder)
        finally:
            probe.release()
            lock_file.unlink(missing_ok=True)
    return alone


def _remove(folder: Path) -> None:
    if not folder.is_dir():
        return
    project = folder.parent.parent.parent  # <project>/.cache/tmp/<folder>
    for link in folder.glob(f"{_OUTSIDE}*"):
        target = Path(os.readlink(link))
        if target.name.startswith("mkdocs_"):  # MkDocs' own serve folder, and its site lock
            shutil.rmtree(target, ignore_errors=True)
            site_lock_file(project, target).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)

"""Clean up after builds that were killed: stray temporary files in the figure cache, and the
temporary folders that builds make outside the project.

- Cache `.tmp` files. `cnnviz.store.write_atomic` writes each entry to a hidden `.tmp` file and
  renames it; a build killed in between leaves the `.tmp` behind. While a build runs it holds a
  shared `flock` on `.cache/cnnviz`; a build that can take it exclusively at its start knows
  that no other build of the project is writing, and removes every `.tmp` there.
- Temporary folders. mkdocs-gen-files writes the generated pages into a `mkdocs_gen_files_*`
  folder, and `mkdocs serve` builds into a `mkdocs_*` folder, both in the system's temporary
  folder; a killed process leaves them. Each process makes one folder of its own there,
  `mkdocs_cnnviz_*`, as soon as its configuration loads, notes it in
  `.cache/cnnviz/owners/<pid>.json` and makes it the process's temporary folder, so that
  mkdocs-gen-files' folder, and every other made while the gen scripts run, is made inside it:
  a kill at any moment leaves nothing that is not noted. (`mkdocs serve` notes its site folder
  too.) A later build removes the folders of every process that no longer runs, and a process
  that ends removes its own.
- SIGTERM stops `mkdocs build` and `mkdocs serve` as Ctrl-C does, so that MkDocs and
  mkdocs-gen-files remove their folders themselves.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

import _support
from mkdocs.plugins import event_priority

try:
    import fcntl
except ImportError:  # not POSIX: the cache is not swept
    fcntl = None

log = logging.getLogger("mkdocs.plugins.cnnviz")

_TEMPORARY = ("mkdocs_gen_files_", "mkdocs_")  # what may be removed: MkDocs' own folders
_OWN = "mkdocs_cnnviz_"  # the prefix of each process's own temporary folder
_cache_lock = _support.HeldFolder()  # the cache folder, locked shared, while a build runs
_serving: list[bool] = []


def on_startup(command, dirty):
    if command == "serve":
        _serving.append(True)
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _stop)


def _stop(signum, frame):
    raise KeyboardInterrupt  # unwinds like Ctrl-C: every `finally` and cleanup runs


@event_priority(90)  # after the site lock, before anything writes
def on_config(config):
    if _support.nested_i18n_build(config):
        return config
    cache = _cache(config)
    cache.mkdir(parents=True, exist_ok=True)
    folder = _cache_lock.open(cache)
    if fcntl is not None:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another build runs: its .tmp files may be live, so they stay this time
        else:
            _sweep(cache)
        fcntl.flock(folder, fcntl.LOCK_SH)
    _remove_folders_of_dead_builds(cache)
    if _serving:
        _note(cache, config.site_dir)
    _use_own_folder(cache)
    return config


on_post_build, on_build_error, _release_cache = _cache_lock.end_events()


def on_shutdown():
    _release_cache()
    own = tempfile.tempdir
    tempfile.tempdir = None
    if own and Path(own).name.startswith(_OWN):
        shutil.rmtree(own, ignore_errors=True)


def _use_own_folder(cache):
    """Make this process's temporary folder one of its own, noted before anything is made in
    it; a rebuild under `mkdocs serve` keeps the same one."""
    own = tempfile.tempdir
    if own and Path(own).name.startswith(_OWN) and Path(own).is_dir():
        return
    own = tempfile.mkdtemp(prefix=_OWN, dir=_system_temp())
    _note(cache, own)
    tempfile.tempdir = own


def _system_temp():
    """The system's temporary folder, as TMPDIR and the platform decide, not this process's."""
    saved, tempfile.tempdir = tempfile.tempdir, None
    try:
        return tempfile.gettempdir()
    finally:
        tempfile.tempdir = saved


def _sweep(cache):
    from cnnviz.store import Store

    removed = Store(cache).remove_temporaries()
    if removed:
        log.info("cnnviz: removed %d temporary files that interrupted builds left", removed)


def _note(cache, folder):
    """Add ``folder`` to this process's list of temporary folders."""
    record = cache / "owners" / f"{os.getpid()}.json"
    try:
        noted = json.loads(record.read_text(encoding="utf-8"))["folders"]
    except (OSError, ValueError, KeyError, TypeError):
        noted = []
    noted = [path for path in noted if os.path.isdir(path)] + [str(folder)]
    from cnnviz.store import write_atomic

    owner = {"started": _started(os.getpid()), "folders": sorted(set(noted))}
    write_atomic(record, json.dumps(owner).encode())


def _remove_folders_of_dead_builds(cache):
    owners = cache / "owners"
    if not owners.is_dir():
        return
    for record in owners.glob("*.json"):
        pid = int(record.stem) if record.stem.isdigit() else None
        try:
            owner = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            owner = {}
        started = owner.get("started")
        if pid is not None and started is not None and _started(pid) == started:
            continue  # that build still runs
        for folder in owner.get("folders", []):
            if _removable(folder):
                shutil.rmtree(folder, ignore_errors=True)
        record.unlink(missing_ok=True)


def _removable(folder):
    path = Path(folder)
    in_temp = path.parent == Path(_system_temp())
    return in_temp and path.name.startswith(_TEMPORARY) and path.is_dir()


def _started(pid):
    """When process ``pid`` started, in clock ticks since boot; None if it does not run."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0  # runs, on a system without /proc
    return int(stat.rpartition(")")[2].split()[19])  # field 22, after the command's name


def _cache(config):
    from cnnviz.build import CACHE

    return Path(config.config_file_path).resolve().parent / CACHE

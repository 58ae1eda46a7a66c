"""Under `mkdocs serve`, a rebuild that fails leaves the last good site served, and says why in
one line that names the file and the line.

MkDocs empties the site folder at the start of every build, and its live-reload server holds
every request until a build succeeds: one syntax error in `cnnviz/` or one missing snippet, and
every page and figure would hang until the fix. So the server's builder, which the `on_serve`
event hands over, is wrapped. After each good build the site is copied aside, into
`.cache/last-good/<pid>/`. When a rebuild raises, its error is logged in one line, the
copy is put back, and the server goes on serving it; the next good build replaces it.

`mkdocs build` is untouched, so `--strict` still fails there. Under `mkdocs serve --strict`, a
rebuild that logged an error is kept out in the same way. Copies left by a server that was
killed are removed when the next server starts.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import _support
from mkdocs import utils

log = logging.getLogger("mkdocs.plugins.cnnviz")

_clean_directory = utils.clean_directory  # static-i18n swaps it out during a build


def on_serve(server, config, builder):
    project = Path(config.config_file_path).resolve().parent
    keeper = _Keeper(Path(server.root), project / ".cache" / "last-good")
    keeper.save()
    build = server.builder

    def build_or_keep():
        try:
            build()
        except Exception as error:  # any failure at all: the last good site stays
            _undo_what_a_failed_build_left()
            log.error(
                "cnnviz: rebuild failed, last good site kept: %s", _support.one_line(error, project)
            )
            keeper.restore()
        else:
            keeper.save()

    server.builder = build_or_keep
    _last_keeper[:] = [keeper]
    return server


def on_shutdown():
    for keeper in _last_keeper:
        keeper.discard()
    _last_keeper.clear()


_last_keeper: list[_Keeper] = []


class _Keeper:
    """The last good copy of a site folder, kept under ``<store>/<pid>/``."""

    def __init__(self, site: Path, store: Path) -> None:
        self.site, self.store = site, store
        self.copy = store / str(os.getpid())
        _remove_copies_of_dead_servers(store)

    def save(self) -> None:
        fresh = self.copy.with_name(f"{self.copy.name}.new")
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(self.site, fresh)
        shutil.rmtree(self.copy, ignore_errors=True)
        fresh.rename(self.copy)

    def restore(self) -> None:
        _clean_directory(str(self.site))
        shutil.copytree(self.copy, self.site, dirs_exist_ok=True)

    def discard(self) -> None:
        shutil.rmtree(self.copy, ignore_errors=True)


def _remove_copies_of_dead_servers(store: Path) -> None:
    if not store.is_dir():
        return
    for copy in store.iterdir():
        pid = copy.name.partition(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(copy, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _undo_what_a_failed_build_left():
    # static-i18n builds the other languages with clean_directory disabled and the build log
    # filtered; when one of those builds raises, neither is put back.
    utils.clean_directory = _clean_directory
    build_log = logging.getLogger("mkdocs.commands.build")
    for found in list(build_log.filters):
        if type(found).__name__ == "I18nLoggingFilter":
            build_log.removeFilter(found)

"""Every place the site leans on another package's insides, each with the version it was
written for. Nothing else in the project reads these packages' private parts or exact markup.

- static-i18n (`mkdocs-static-i18n`): builds each further language inside the first one's
  build, flagged by its plugin's `building`; meanwhile it swaps `mkdocs.utils.clean_directory`
  for a no-op and filters MkDocs' build log with its `I18nLoggingFilter`, neither put back
  when a nested build raises. It drops generated pages ("Unhandled file case", its issue 263).
- mkdocs-gen-files: marks the files its scripts write with `generated_by`, and makes its folder
  (`mkdocs_gen_files_*`, its private `_dir`) with `tempfile`, so it lands in the process's
  temporary folder.
- MkDocs: `mkdocs serve` rebuilds through `server.builder`, which `on_serve` hands over; its
  live-reload server answers from `root`, its error pages come from `error_handler`, and it
  holds requests while `_visible_epoch` is behind `_wanted_epoch` (under `_epoch_cond`). Its
  builder calls the `build` that `mkdocs.commands.serve` imported, as static-i18n's nested
  builds call the one its plugin module imported; a dirty build logs a warning that starts
  "A 'dirty' build".
- Material: the markup the page edits look for (the article, the config script, the
  alternate links), and the two partials `gen/theme/partials/` overrides whole (search.html,
  footer.html), copied from this version with one change each. Under `--dirty` its search
  plugin keeps the last build's index in `search_index_prev`, to merge the next one into.
- watchdog: the poll interval of the observer `mkdocs serve` watches files with.
- GLightbox (`mkdocs-glightbox`): its script tag in the head and its start script.
- pymdownx.arithmatex: the wrapper around each formula's TeX.

:func:`check_versions` stops the build in one line when an installed version is not the one
written for; an edit whose marker is gone says so in one warning (:func:`missing`), so
`mkdocs build --strict` fails instead of shipping an unedited page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from mkdocs import utils
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.cnnviz")

WRITTEN_FOR = {
    "mkdocs": (
        "1.6.1",
        "mkdocs serve's server.builder, root, error_handler, the epochs it holds requests by, "
        "and the build it calls",
    ),
    "mkdocs-material": (
        "9.8.1",
        "the markup the page edits look for; two partials copied; search's search_index_prev",
    ),
    "mkdocs-static-i18n": (
        "1.3.1",
        "its issue 263, generated pages dropped as 'Unhandled file case'; its nested builds "
        "and the build they call",
    ),
    "mkdocs-gen-files": ("0.6.1", "generated_by and its folder made with tempfile"),
    "mkdocs-glightbox": ("0.5.3", "its script tag in the head"),
    "pymdown-extensions": ("12.3", "arithmatex's wrapper around TeX"),
    "watchdog": ("7.1.0", "the poll interval of mkdocs serve's observer and emitters, _timeout"),
}
"""Each package whose insides the site uses: the version written for, and what is used."""


def check_versions(installed: Callable[[str], str] = version) -> None:
    """Stop the build in one line if a package is not at the version the site was written for.

    Args:
        installed: Reads a distribution's installed version (``importlib.metadata.version``).

    Raises:
        PluginError: A package's version differs; the message names the package, both
            versions and what of it the site uses.
    """
    for package, (written, what) in WRITTEN_FOR.items():
        found = installed(package)
        if found != written:
            raise PluginError(
                f"cnnviz/mkdocs_plugin/upstream.py was written for {package} {written} ({what}), "
                f"but {found} is installed: check the coupling against the new version, then "
                "update WRITTEN_FOR"
            )


def missing(what: str, where: str, edit: str) -> None:
    """Warn that an edit found no marker to work on, naming the marker, the page and the edit."""
    log.warning("cnnviz: %s: no %s to edit, so %s was not done", where, what, edit)


# static-i18n


def nested_i18n_build(config) -> bool:
    """Whether static-i18n is building a further language inside the first one's build."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


_clean_directory = utils.clean_directory  # static-i18n swaps it out during its nested builds


def forget_last_search_index(config) -> None:
    """Make Material's search index of this build from the pages this build renders alone.

    Under `--dirty`, Material's search plugin keeps the last build's index and merges the next
    into it, on the assumption that a rebuild renders one page: it drops that page's old
    entries and keeps the rest. Here each build renders every page of each language, in
    builds static-i18n nests, so every entry was kept and added again: measured 2026-12-06
    under `mkdocs serve --dirty`, the Korean index held each entry 4 times after the first
    build and 340 times after the third rebuild (36 MB; that rebuild took 40 s).
    """
    search = config.plugins.get("material/search")
    if search is not None:
        if not hasattr(search, "search_index_prev"):
            raise PluginError("cnnviz: Material's search plugin keeps no search_index_prev")
        search.search_index_prev = None


def empty_folder(path: str) -> None:
    """Empty a folder with MkDocs' own function, even while static-i18n has swapped it out."""
    _clean_directory(path)


def undo_failed_i18n_build() -> None:
    """Put back what static-i18n changes for its nested builds and leaves when one raises:
    MkDocs' ``clean_directory`` and the filter on MkDocs' build log."""
    utils.clean_directory = _clean_directory
    build_log = logging.getLogger("mkdocs.commands.build")
    for found in list(build_log.filters):
        if type(found).__name__ == "I18nLoggingFilter":
            build_log.removeFilter(found)


# mkdocs-gen-files

GENERATED_BY = "mkdocs-gen-files"
"""What mkdocs-gen-files sets as ``File.generated_by`` on the files its scripts write."""


def is_generated(file) -> bool:
    """Whether mkdocs-gen-files wrote ``file``."""
    return getattr(file, "generated_by", None) == GENERATED_BY


def mark_generated(file) -> None:
    """Mark ``file`` as mkdocs-gen-files' again, after static-i18n rebuilt it."""
    file.generated_by = GENERATED_BY


# MkDocs


def wrap_builder(server, wrap: Callable[[Callable[[], None]], Callable[[], None]]):
    """Make ``mkdocs serve``'s rebuilds go through ``wrap(build)``; returns the server."""
    server.builder = wrap(server.builder)
    return server


def served_folder(server) -> str:
    """The folder the live-reload server answers requests from (its ``root``)."""
    return server.root


def serve_folder(server, folder: Path) -> None:
    """Answer every request from now on from ``folder``, a whole built site."""
    server.root = str(folder)


def serve_errors_from_served_folder(server) -> None:
    """Make the server's 404 and 500 pages the served folder's own, as MkDocs' are its site
    folder's (its ``error_handler``, which reads the folder it was made with)."""

    def error_page(code: int) -> bytes | None:
        page = Path(server.root, f"{code}.html")
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page


def poll_every(server, seconds: float) -> None:
    """Have ``mkdocs serve``'s watcher look for changed files every ``seconds``.

    MkDocs makes its watchdog ``PollingObserver`` with a 0.5 s interval, which each watch takes
    as it is scheduled (the observer's ``_timeout``, then each emitter's ``_timeout``, the wait
    between two looks); watches already scheduled are changed too.
    """
    server.observer._timeout = seconds
    for emitter in server.observer.emitters:
        emitter._timeout = seconds


@contextmanager
def answering_during_rebuild(server) -> Iterator[None]:
    """Let requests be answered, from the folder served, while a rebuild runs.

    MkDocs' server holds each request until its ``_visible_epoch`` (the last site built)
    reaches its ``_wanted_epoch`` (the site being built), both guarded by ``_epoch_cond``. The
    build loop sets the wanted epoch just before it calls the builder, and the visible one just
    after; for the rebuild, the wanted epoch is the visible one, so no request waits, and the
    requests already waiting are woken. The wanted epoch is put back at the end, so the build
    loop then announces the new site to the browsers as usual.
    """
    with server._epoch_cond:
        wanted = server._wanted_epoch
        server._wanted_epoch = server._visible_epoch
        server._epoch_cond.notify_all()
    try:
        yield
    finally:
        with server._epoch_cond:
            server._wanted_epoch = wanted


class _NoDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_WARNING)


DIRTY_WARNING = "A 'dirty' build"
"""How MkDocs' warning about a dirty build starts: it is about `--dirty` typed by a user, who
accepts stale navigation, not about a rebuild that renders every page a change reaches."""


@contextmanager
def dirty_builds() -> Iterator[None]:
    """Within, `mkdocs serve`'s builder and static-i18n's nested builds build dirty: MkDocs
    reads and renders only the pages whose built file is missing or older than their Markdown,
    and copies only the static files newer than their copy. MkDocs' warning about it is not
    logged."""
    import mkdocs.commands.serve as serve_command
    import mkdocs_static_i18n.plugin as i18n_plugin
    from mkdocs.commands import build as build_command

    build = build_command.build
    if serve_command.build is not build or i18n_plugin.build is not build:
        raise PluginError("cnnviz: mkdocs serve or static-i18n no longer call MkDocs' build")

    def dirty(config, **options):
        return build(config, **{**options, "dirty": True})

    quiet = _NoDirtyWarning()
    build_log = logging.getLogger("mkdocs.commands.build")
    serve_command.build = i18n_plugin.build = dirty
    build_log.addFilter(quiet)
    try:
        yield
    finally:
        serve_command.build = i18n_plugin.build = build
        build_log.removeFilter(quiet)


# Material

ARTICLE = '<article class="md-content__inner'
"""Where Material's output of a page starts the page's own content."""

CONFIG_SCRIPT = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S
)
ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="([\w-]+)">')

# GLightbox

LIGHTBOX_START = '<script id="init-glightbox">'
LIGHTBOX_SCRIPT = re.compile(r'<script src="[^"]*glightbox\.min\.js"></script>')

# pymdownx.arithmatex (generic mode)

ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]\s*</(?P=tag)>',
    re.S,
)

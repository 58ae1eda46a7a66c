"""The cnnviz MkDocs plugin: every event of a site build, in the order MkDocs calls them.

One build (`mkdocs build`, or each rebuild of `mkdocs serve`) gets one :class:`SiteBuild`,
made in ``on_config`` and closed in ``on_post_build``, ``on_build_error`` or ``on_shutdown``
(which `mkdocs build` also reaches on Ctrl-C or SIGTERM). static-i18n builds each further
language inside the first one's build, calling every event again on the same plugin: those
nested calls share the outer build's object, and only the outer build starts and ends it.

`mkdocs.yml` lists this plugin last, so that at equal priorities its events run after every
other plugin's (the lightbox's page edits, static-i18n's files). Event priorities:

- on_config 100: lock the site folder, import the cnnviz code afresh, check the settings and
  versions, clean up after killed builds; 0: the gallery's nav, after the other plugins.
- on_files -50: adopt generated pages for static-i18n (-100); -100: end the rendering (after
  gen-files ran the scripts); -101: give the generated pages their content back; -102: in a
  dirty rebuild under `mkdocs serve`, after an edit of anything but Markdown, render every page.
- on_post_page 10: narrow figures, before the lightbox; 0: every other page edit.
- on_post_build -110: split the search index (after static-i18n, -100, merged it); -1000: end.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from . import i18n, locks, pages, serve, upstream
from .state import SiteBuild

log = logging.getLogger("mkdocs.plugins.cnnviz")

JINJA = Path(".cache", "jinja")
"""Where the theme's templates are kept compiled, one file per template, beside its source's
checksum (Jinja's own bytecode cache, which writes each file whole and then renames it)."""


class CnnvizPlugin(BasePlugin):
    """Owns each build of the site: its lock, store, results, workers and page edits."""

    def __init__(self) -> None:
        self.state: SiteBuild | None = None  # the build that runs
        self.project: Path | None = None
        self.command: str | None = None  # set on the process's first configuration only
        self.own_folder: locks.OwnFolder | None = None
        self.dirty = False
        self.rebuilds: serve.Rebuilds | None = None  # under `mkdocs serve`: each build's plan

    # 1. Start

    def on_startup(self, *, command, dirty):
        self.command, self.dirty = command, dirty
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _stop)

    @event_priority(100)  # before anything else of the build runs
    def _start_build(self, config):
        upstream.forget_last_search_index(config)  # this build's pages make its search index
        if upstream.nested_i18n_build(config):  # part of the outer build, which started
            return config
        self.project = Path(config.config_file_path).resolve().parent
        site_lock = locks.lock_site(self.project, config.site_dir)
        try:
            plan = None
            if self.command == "serve":  # each rebuild redoes what changed (serve.py)
                if self.rebuilds is None:
                    self.rebuilds = serve.Rebuilds(self.project, dirty=self.dirty)
                plan = self.rebuilds.take()
                if plan.folder is not None:
                    config.site_dir = str(plan.folder)
            import_fresh_code()
            _check_settings(config)
            upstream.check_versions()
            self._clean_up_after_killed_builds(config)
            reusable = plan.reusable(self.rebuilds.last_good) if plan is not None else None
            self.state = SiteBuild(self.project, site_lock, plan, reusable)
            if plan is not None and plan.dirty:  # it renders only the pages whose Markdown changed
                self._start_dirty_build(config)
        except BaseException:
            site_lock.release(force=True)
            raise
        return config

    def _start_dirty_build(self, config):
        if (languages := config.plugins.get("i18n")) is not None:
            self.state.search_entries = i18n.search_entries(config, languages)

    def _configure(self, config):
        pages.gallery_nav(config)
        if (languages := config.plugins.get("i18n")) is not None:
            i18n.check_languages(languages)
        return config

    on_config = CombinedEvent(_start_build, event_priority(0)(_configure))

    # 2. Files: gen-files runs the gen scripts (on_files, 0), which hand their results to
    # the build (cnnviz.mkdocs_plugin.current_build).

    @event_priority(-50)  # after gen-files (0), before static-i18n (-100)
    def _adopt_generated_pages(self, files, config):
        self.state.generated = i18n.adopt_generated_pages(files, config)
        return files

    @event_priority(-100)  # after gen-files ran the scripts
    def _finish_rendering(self, files, config):
        # static-i18n's pass for another language reruns the same jobs, all from memory.
        if not upstream.nested_i18n_build(config):
            from cnnviz.build import cache_max_mb

            self.state.build.finish(cache_max_mb(config.extra), log)
        return files

    @event_priority(-101)  # after static-i18n rebuilt every File from docs_dir
    def _restore_generated_pages(self, files, config):
        i18n.restore_generated_pages(files, self.state.generated)
        return files

    @event_priority(-102)  # every pass, once its pages are final
    def _render_every_page_after_a_code_edit(self, files, config):
        if (plan := self.state.plan) is not None:
            if plan.pages is None:  # the same for each language's pass
                plan.pages = self.state.build.page_inputs()
            if plan.renders_every_page():
                serve.render_every_page(files)
        return files

    on_files = CombinedEvent(
        _adopt_generated_pages,
        _finish_rendering,
        _restore_generated_pages,
        _render_every_page_after_a_code_edit,
    )

    # 3. Pages

    def on_env(self, env, *, config, files):
        # MkDocs makes a new environment for each language of each build, and each compiled
        # the theme's templates again: 82 compiles, 0.81 s of a warm build's 7.85 s under
        # cProfile (2026-12-06). A template is now compiled once per version of its source.
        folder = self.project / JINJA
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = FileSystemBytecodeCache(str(folder))
        return env

    def on_page_markdown(self, markdown, *, page, config, files):
        return pages.lesson_markdown(markdown, page, config, self.state.build)

    def on_page_content(self, html, *, page, config, files):
        return pages.sections(pages.mathml(html, page))

    @event_priority(10)  # before the lightbox's and image_sizes' edits
    def _narrow_figures(self, output, page, config):
        return pages.narrow_figures(output, page, config)

    def _edit_page(self, output, page, config):
        if (languages := config.plugins.get("i18n")) is not None:
            output = i18n.localize_page(output, page, languages)
        output = pages.image_sizes(output, page, config)
        return pages.lightbox_script(output, page)

    on_post_page = CombinedEvent(_narrow_figures, _edit_page)

    # 4. End

    @event_priority(-110)  # after static-i18n (-100) wrote the merged index
    def _split_search_index(self, config):
        languages = config.plugins.get("i18n")
        if languages is not None and not upstream.nested_i18n_build(config):
            i18n.split_search_index(config, languages, self.state.search_entries)

    @event_priority(-1000)  # after every other post-build step
    def _end_build(self, config):
        if not upstream.nested_i18n_build(config):
            if self.state.plan is not None:  # for the next rebuild under `mkdocs serve`
                self.state.plan.composed = self.state.build.composed
            self._close()

    on_post_build = CombinedEvent(_split_search_index, _end_build)

    @event_priority(-1000)  # after every other plugin has cleaned up after the failed build
    def on_build_error(self, *, error):
        self._close()
        # `mkdocs build`: a syntax error in the project's code is one line, not 70 of traceback.
        if isinstance(error, SyntaxError):
            project = self.project or Path(__file__).resolve().parents[2]
            raise Abort(serve.one_line(error, project)) from error

    def on_serve(self, server, *, config, builder):
        serve.serve_last_good(server, self.rebuilds)
        return server

    def on_shutdown(self):
        self._close()
        if self.rebuilds is not None and self.rebuilds.folders is not None:
            self.rebuilds.folders.discard()
        if self.own_folder is not None:
            self.own_folder.end()

    # What the events call

    def _clean_up_after_killed_builds(self, config):
        if self.own_folder is None:
            self.own_folder = locks.OwnFolder(self.project)
        alone = self.own_folder.start()
        if self.command == "serve":
            self.own_folder.note(config.site_dir)
        if alone:
            from cnnviz.build import CACHE
            from cnnviz.store import Store

            removed = Store(self.project / CACHE).remove_temporaries()
            if removed:
                log.info("cnnviz: removed %d temporary files that interrupted builds left", removed)

    def _close(self):
        if self.state is not None:
            self.state.close()


def import_fresh_code() -> None:
    """Forget the cnnviz library's imported modules, so the build imports the code on disk now.

    `mkdocs serve` keeps one process for every rebuild, so an edited module of `cnnviz/` would
    otherwise run as it was when first imported. Each build starts here, before anything of it
    imports the library. The plugin's own modules (`cnnviz.mkdocs_plugin`) stay, as any MkDocs
    plugin's do. static-i18n's nested build of a further language is part of the same build and
    does not come here: it keeps the modules, and with them the memory of which renders already
    failed and were reported.
    """
    for name in [name for name in sys.modules if name.partition(".")[0] == "cnnviz"]:
        if name != "cnnviz.mkdocs_plugin" and not name.startswith("cnnviz.mkdocs_plugin."):
            del sys.modules[name]


def _check_settings(config) -> None:
    # A wrong setting under extra.cnnviz stops the build at once, in one line, before anything
    # is rendered.
    from cnnviz.errors import CnnvizError
    from cnnviz.settings import read_settings

    try:
        read_settings(config.extra)
    except CnnvizError as error:
        raise PluginError(str(error)) from None


def _stop(signum, frame):
    raise KeyboardInterrupt  # unwinds like Ctrl-C: every `finally` and on_shutdown runs

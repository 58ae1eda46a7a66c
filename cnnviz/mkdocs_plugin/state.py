"""What one build of the site holds, from its start to its end."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock


class SiteBuild:
    """One build: its site lock, its :class:`cnnviz.build.Build` (store, results, the lessons'
    outputs, the render workers) and the generated pages static-i18n is shown as its own.

    Args:
        project: The project's folder.
        site_lock: The site folder's lock, already held.
        plan: Under `mkdocs serve`, how this build goes
            (:class:`cnnviz.mkdocs_plugin.serve.Rebuild`).
        composed: What an earlier build's scripts composed, if this one runs the same code.
    """

    def __init__(
        self, project: Path, site_lock: FileLock, plan=None, composed: dict | None = None
    ) -> None:
        from cnnviz.build import Build  # after the fresh import of the library's code

        self.project = project
        self.site_lock = site_lock
        self.build = Build(project, composed)
        self.generated: dict[str, str] = {}
        self.search_entries: dict[str, list[dict]] = {}  # dirty: each language's last index
        self.plan = plan

    def close(self) -> None:
        """End the build: the workers exit and the site folder is free. Doing it twice is
        harmless (a failed nested build, then the outer build's failure)."""
        self.build.close()
        self.generated.clear()
        if self.site_lock.is_locked:
            self.site_lock.release(force=True)

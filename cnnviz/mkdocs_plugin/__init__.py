"""The site half of cnnviz: the MkDocs plugin that owns each build of the site.

The library outside this subpackage never imports MkDocs; everything that does lives here.
`mkdocs.yml` lists the plugin as `cnnviz` (the entry point in `pyproject.toml`), and the gen
scripts, which mkdocs-gen-files runs inside the same build, reach the build through
:func:`current_build`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnnviz.build import Build


def current_build(config=None) -> Build:
    """Return the build that is running, for a gen script to hand its results to.

    Args:
        config: The build's MkDocs configuration; by default the one mkdocs-gen-files is
            running the scripts for.

    Returns:
        The :class:`cnnviz.build.Build` the plugin made when this build started.
    """
    if config is None:
        import mkdocs_gen_files

        config = mkdocs_gen_files.config
    return config.plugins["cnnviz"].state.build

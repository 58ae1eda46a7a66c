"""MkDocs hook that ends each build's rendering, once the gen scripts have run.

The render workers exit, and the figure cache is pruned to `extra.cnnviz.cache_max_mb`
megabytes (200 by default): entries this build did not use go, least recently used first,
until the cache fits. The build log says how many went and the size now.
"""

from __future__ import annotations

import logging
from pathlib import Path

import _support
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.plugins.cnnviz")


@event_priority(100)  # before any other hook reads a setting
def on_config(config):
    # A wrong setting under extra.cnnviz stops the build at once, in one line, before anything
    # is rendered.
    from cnnviz.errors import CnnvizError
    from cnnviz.settings import read_settings

    try:
        read_settings(config.extra)
    except CnnvizError as error:
        raise PluginError(str(error)) from None
    return config


@event_priority(-100)  # after mkdocs-gen-files has run the gen scripts
def on_files(files, config):
    # static-i18n's pass for another language reruns the same jobs, all from the cache.
    if not _support.nested_i18n_build(config):
        from cnnviz.build import cache_max_mb, finish

        finish(Path(config.config_file_path).parent, cache_max_mb(config.extra), log)
    return files

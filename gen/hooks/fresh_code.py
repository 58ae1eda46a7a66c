"""MkDocs hook: every build runs the cnnviz code that is on disk now, never a stale copy.

A build starts by forgetting the cnnviz modules imported before, so that the gen scripts of a
`mkdocs serve` rebuild import them afresh. static-i18n's nested build of a further language is
part of the same build: it keeps the modules, and with them the memory of which renders
already failed and were reported.
"""

from __future__ import annotations

import sys

import _support
from mkdocs.plugins import event_priority


@event_priority(95)  # before any other hook imports cnnviz (the site lock alone goes first)
def on_config(config):
    if not _support.nested_i18n_build(config):
        for name in [name for name in sys.modules if name.partition(".")[0] == "cnnviz"]:
            del sys.modules[name]
    return config

"""MkDocs hook: `mkdocs build` reports a syntax error in the project's code in one line.

An author who leaves a syntax error in `cnnviz/`, a lesson or a gen script would otherwise get
MkDocs' traceback, 70 lines of it, most of them MkDocs' and click's. Here it becomes one line
that names the file and the line, and the build stops with it:

    cnnviz/figures.py:787: SyntaxError: invalid syntax

Any other failure keeps its traceback, which is what a bug in the code needs. `mkdocs serve`
stops with the same line when its first build fails; on a rebuild, `last_good.py` logs it and
keeps the last good site.
"""

from __future__ import annotations

from pathlib import Path

import _support
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority


@event_priority(-1000)  # after every other hook has cleaned up after the failed build
def on_build_error(error):
    if not isinstance(error, SyntaxError):
        return
    project = Path(__file__).resolve().parents[2]
    raise Abort(_support.one_line(error, project)) from error

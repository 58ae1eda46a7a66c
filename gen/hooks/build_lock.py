"""One build at a time into a site folder: each build takes an exclusive lock on the folder, and
says so in one line when it has to wait for another build to finish.

Two builds into the same `site/` would otherwise empty and fill it at the same time, and one of
them would crash on a file that the other had just removed. The lock is `flock` on the site
folder itself, so there is no lock file to clean up: the kernel drops the lock when the build
ends, however it ends, `kill -9` included. static-i18n's build of each further language runs
inside the outer build, under its lock.
"""

from __future__ import annotations

import logging
import os

import _support
from mkdocs.plugins import event_priority

try:
    import fcntl
except ImportError:  # not POSIX: builds are not locked
    fcntl = None

log = logging.getLogger("mkdocs.plugins.cnnviz")

_site = _support.HeldFolder()  # the locked site folder, while a build runs


@event_priority(100)  # before anything else of the build runs
def on_config(config):
    if fcntl is None or _support.nested_i18n_build(config):
        return config
    os.makedirs(config.site_dir, exist_ok=True)
    folder = _site.open(config.site_dir)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.info("cnnviz: another build is writing %s; waiting for it to finish", config.site_dir)
        fcntl.flock(folder, fcntl.LOCK_EX)
    return config


on_post_build, on_build_error, on_shutdown = _site.end_events()

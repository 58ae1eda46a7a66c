"""A throwaway copy of the project, for tests that edit code or configuration and rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("cnnviz", "gen", "docs", "mkdocs.yml")


def copy_project(destination: Path) -> Path:
    """Copy the sources and the figure cache, so the copy starts warm; return the copy's root.

    Python must import the copy's `cnnviz`: run it with ``PYTHONPATH=<copy>``, or put the copy
    first on ``sys.path``.
    """
    ignore = shutil.ignore_patterns("__pycache__")
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=ignore)
        else:
            shutil.copy2(source, destination / part)
    cache = ROOT / ".cache" / "cnnviz"
    if cache.is_dir():
        shutil.copytree(cache, destination / ".cache" / "cnnviz")
    return destination


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

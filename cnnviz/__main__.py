"""Run the command line as ``python -m cnnviz``; see :mod:`cnnviz.cli`."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())

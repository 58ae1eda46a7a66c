"""`mkdocs serve` for a working day: its memory stays flat over rebuilds of every kind."""

from __future__ import annotations

import pytest
from soak import BOUND_MB, soak

pytestmark = [pytest.mark.site, pytest.mark.alone]


def test_serve_memory_stays_flat_over_twenty_rebuilds():
    """20 rebuilds, Markdown, lesson and figure-code edits in turn: the server's resident
    memory never grows more than 30 MB above its size after the 5th (the first figure edit
    loads torch and matplotlib into the server; after that, nothing should pile up)."""
    sizes, seconds = soak(20)
    assert len(sizes) == 20
    assert all(len(times) >= 6 for times in seconds.values())
    assert max(sizes[5:]) - sizes[4] <= BOUND_MB, [round(size) for size in sizes]

"""Shared fixtures and settings for the test suite."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Torch's first call is slow and CI machines are shared: correctness is checked here, not time.
settings.register_profile(
    "cnnviz", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("cnnviz"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "cnnviz")

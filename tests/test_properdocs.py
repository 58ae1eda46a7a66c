"""ProperDocs, MkDocs' maintained fork, builds the same site from the same mkdocs.yml."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from project import MKDOCS_ENV, ROOT

GENERATOR = ('content="mkdocs-1.6.1, ', 'content="mkdocs-ProperDocs 1.6.7, ')


@pytest.mark.site
def test_properdocs_builds_the_same_site(site, tmp_path):
    """Every file ProperDocs writes equals MkDocs' but for the generator <meta> naming it."""
    out = tmp_path / "site"
    command = [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml"]
    env = {**os.environ, **MKDOCS_ENV, "SITE_URL": site.built_for}
    result = subprocess.run(
        [*command, "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    theirs = sorted(path.relative_to(out) for path in out.rglob("*") if path.is_file())
    ours = sorted(path.relative_to(site.root) for path in site.root.rglob("*") if path.is_file())
    assert theirs == ours
    for name in ours:
        mine, fork = (site.root / name).read_bytes(), (out / name).read_bytes()
        if name.suffix == ".html":
            mine = mine.replace(*(text.encode() for text in GENERATOR))
        assert mine == fork, name

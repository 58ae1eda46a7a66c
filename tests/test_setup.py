"""`make setup`: the pins install on every Python that requires-python admits, a Python outside
it is named in one line, and a .venv left by a failed or foreign set-up is made again.

The Makefile tests run `make setup` in a copy of the project whose lock files are empty, so
each one makes a real virtual environment in seconds without downloading anything.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import TRAINED
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from project import ROOT, xdist_group

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REQUIRES_TEXT = PYPROJECT["project"]["requires-python"]
REQUIRES = SpecifierSet(REQUIRES_TEXT)
DEBIAN_PYTHON = Path("/usr/bin/python3")
OLD_PYTHONS = [
    *sorted((Path.home() / ".pyenv" / "versions").glob("3.10.*/bin/python3")),
    *(Path(p) for p in [shutil.which("python3.10")] if p and ".pyenv" not in p),
]


def locked() -> list[Requirement]:
    lines = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines += (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-r"))]


def version_of(python: Path) -> str:
    code = "import platform; print(platform.python_version())"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def test_requires_python_is_closed_and_starts_at_debian_12s_python():
    """requires-python has a floor and a ceiling, and its floor is Debian 12's python3 (3.11.2),
    the oldest Python CI runs on."""
    floor = [s.version for s in REQUIRES if s.operator == ">="]
    assert floor == ["3.11.2"]
    assert [s.operator for s in REQUIRES if s.operator == "<"] == ["<"]
    assert "/usr/bin/python3" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("python", ["3.11.2", "3.11.7", "3.12.0", "3.13.0"])
def test_every_pin_admits_every_python_that_cnnviz_admits(python):
    """Each locked distribution's own Requires-Python admits the oldest and newest Pythons of
    requires-python (pymdown-extensions 13 asks for 3.11.5, which Debian 12 lacks)."""
    assert python in REQUIRES
    refused = []
    for requirement in locked():
        needs = importlib.metadata.metadata(requirement.name).get("Requires-Python") or ""
        if python not in SpecifierSet(needs):
            refused.append(f"{requirement} needs Python {needs}")
    assert refused == []


def test_every_pin_is_what_is_installed():
    """The lock names exactly the installed versions (torch's local +cpu label aside)."""
    for requirement in locked():
        installed = importlib.metadata.version(requirement.name).split("+")[0]
        assert requirement.specifier == SpecifierSet(f"=={installed}"), requirement


@pytest.fixture
def project(tmp_path) -> Path:
    """The Makefile, pyproject.toml and package of the project, with empty lock files."""
    for part in ("Makefile", "pyproject.toml", "README.md", ".ci", "cnnviz"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / part)
    (tmp_path / "requirements.txt").write_text("# nothing, for the test\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\n")
    return tmp_path


def make_setup(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "setup", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


def admitted_python() -> Path:
    if not (DEBIAN_PYTHON.exists() and version_of(DEBIAN_PYTHON) in REQUIRES):
        pytest.skip("needs Debian's python3 (apt-get install python3 python3-venv)")
    return DEBIAN_PYTHON


def old_python() -> Path:
    if not OLD_PYTHONS:
        pytest.skip("needs a Python 3.10 to stand for one outside requires-python")
    return OLD_PYTHONS[0]


@pytest.mark.slow
def test_a_python_outside_requires_python_is_named_in_one_line(project):
    """`make setup PYTHON=python3.10` stops before making anything, with one line that names
    the Python and the versions cnnviz needs."""
    python = old_python()
    result = make_setup(project, f"PYTHON={python}")
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("make setup:")]
    assert ours == [
        f"make setup: Python {version_of(python)} ({python}) is outside requires-python "
        f"{REQUIRES_TEXT}; run `make setup PYTHON=...` with one in it, e.g. Debian 12's "
        "/usr/bin/python3"
    ]
    assert not (project / ".venv").exists()


@pytest.mark.slow
def test_a_venv_left_without_pip_by_a_failed_set_up_is_made_again(project):
    """A .venv whose creation failed half-way (no pip, as Debian leaves without python3-venv)
    is replaced, and the set-up completes."""
    python = admitted_python()
    subprocess.run([python, "-m", "venv", "--without-pip", project / ".venv"], check=True)
    result = make_setup(project, f"PYTHON={python}")
    assert result.returncode == 0, result.stderr
    assert "making it again" in result.stdout
    pip = subprocess.run([project / ".venv/bin/python", "-m", "pip", "--version"], check=False)
    assert pip.returncode == 0
    assert (project / ".venv" / ".installed").exists()


@pytest.mark.slow
def test_a_venv_of_a_python_outside_requires_python_is_made_again(project):
    """A .venv made by a Python that requires-python no longer admits is made again from the
    Python asked for, even with its stamp in place; a second `make setup` then does nothing."""
    python = admitted_python()
    subprocess.run([old_python(), "-m", "venv", project / ".venv"], check=True)
    (project / ".venv" / ".installed").touch()
    result = make_setup(project, f"PYTHON={python}")
    assert result.returncode == 0, result.stderr
    assert version_of(project / ".venv/bin/python") == version_of(python)
    again = make_setup(project, f"PYTHON={python}")
    assert again.returncode == 0
    assert re.search(r"Nothing to be done|is up to date", again.stdout), again.stdout


def test_a_test_that_names_a_training_lesson_joins_their_workers_group(request):
    """Under `make test` and `make test-fast` (pytest-xdist's ``--dist loadgroup``), a test
    that names a lesson that trains networks runs in the group that keeps them on one worker,
    so that lesson trains once. pytest 9.2 silently drops every group of pytest-xdist 3.8
    (pytest-xdist#1386), and the tests then trained each lesson once a worker."""
    assert "train" in TRAINED
    assert xdist_group(request) == "trained-lessons"

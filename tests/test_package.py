"""The package as a whole: its public names, its typing marker, and what importing it costs."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from project import ROOT

import cnnviz
import cnnviz.images


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.partition(".")[0] for name in output.split()}


def test_public_api():
    """The lesson's names are importable from the package itself."""
    from cnnviz import LESSON_FILTERS, Net, Stages, load_gray, run  # noqa: F401

    assert {"load_gray", "LESSON_FILTERS", "Net", "run", "Stages"} <= set(cnnviz.__all__)
    assert set(cnnviz.__all__) <= set(dir(cnnviz))


def test_import_pulls_in_neither_mkdocs_nor_torch():
    """`import cnnviz` is cheap: no MkDocs ever, and torch only once a name needs it."""
    loaded = imported_after("import cnnviz")
    assert "mkdocs" not in loaded
    assert "torch" not in loaded
    assert "matplotlib" not in loaded


@pytest.mark.slow  # fresh Pythons that import torch and ask for its kernels
def test_importing_cnnviz_first_pins_torch_to_the_same_kernels_everywhere():
    """A process that imports cnnviz before its first torch operation adds in the order of the
    AVX2 kernels of ATen, MKL and oneDNN, on a machine with AVX-512 too: the numbers the pages
    quote come out the same on every machine that builds the site."""
    code = (
        "import os, cnnviz, torch; torch.ones(4).sum(); "
        "print(torch.backends.cpu.get_cpu_capability()); "
        "print(*(os.environ[name] for name in cnnviz.CPU_KERNELS))"
    )
    env = {k: v for k, v in os.environ.items() if k not in cnnviz.CPU_KERNELS}
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split("\n")
    assert output[0] == "AVX2"
    assert output[1].split() == list(cnnviz.CPU_KERNELS.values())


@pytest.mark.slow
def test_the_library_never_imports_mkdocs():
    """Even the whole pipeline, figures included, runs without MkDocs."""
    loaded = imported_after("import cnnviz.recipes, cnnviz.jobs, cnnviz.gallery, cnnviz.store")
    assert "mkdocs" not in loaded


def banned(source: str, path: str) -> list[str]:
    """What ruff's banned-import rule (TID251, as `make lint` runs it) says of ``source`` if it
    were the file at ``path``."""
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff), "check", "--output-format", "concise"]
    result = subprocess.run(
        [*command, "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if "TID251" in line]


@pytest.mark.parametrize("path", ["cnnviz/kernels.py", "cnnviz/mkdocs_plugin/plugin.py"])
def test_only_images_imports_opencv(path):
    """OpenCV stays at the edge: images.py is its one importer, and `make lint` fails on an
    import of cv2 anywhere else in the library, at the top or inside a function."""
    assert "cv2" in vars(cnnviz.images)
    assert banned("import cv2\n", "cnnviz/images.py") == []
    assert len(banned("import cv2\n", path)) == 1
    assert len(banned("def f():\n    from cv2 import imread\n", path)) == 1
    assert banned("import cv2\n", "gen/figures.py") == []


def test_no_pyplot_in_the_library():
    """Figures are built on matplotlib.figure.Figure, never through pyplot's global state:
    `make lint` fails on either way of importing pyplot in the library."""
    for source in ("import matplotlib.pyplot as plt\n", "from matplotlib import pyplot\n"):
        assert len(banned(source, "cnnviz/figures.py")) == 1
    assert banned("from matplotlib.figure import Figure\n", "cnnviz/figures.py") == []


def test_typed_marker_ships():
    """The package declares its type hints with py.typed."""
    assert (Path(cnnviz.__file__).parent / "py.typed").is_file()


def imported_modules(path: Path) -> set[str]:
    """The cnnviz modules a module imports, wherever in it: ``from .x import``, ``from . import
    x`` and ``importlib.import_module(f"{__package__}.x")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            found |= set(re.findall(r"\}\.(\w+)", ast.unparse(node)))
    return {name.partition(".")[0] for name in found}


def test_no_module_imports_one_that_imports_it_back():
    """The package's modules form no import cycle (jobs runs workers, and workers runs what
    it is handed, never importing jobs)."""
    folder = Path(cnnviz.__file__).parent
    graph = {path.stem: imported_modules(path) for path in folder.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for name in graph.get(start, ()):
            if name == goal or (name not in seen and reaches(name, goal, seen | {name})):
                return True
        return False

    assert graph["jobs"] >= {"workers"}
    cycles = sorted(name for name in graph if reaches(name, name, set()))
    assert cycles == []

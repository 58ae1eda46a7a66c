"""Key, cache and run the renders behind the site, so each distinct result is drawn once.

A :class:`Job` names a recipe in :mod:`cnnviz.recipes`, its parameters and where the result
goes. :func:`job_key` hashes everything that decides the result's bytes:

* the source of ``recipes.py`` and of every cnnviz module the recipe reaches, found by reading
  the code's imports (an edit elsewhere leaves the key alone);
* the bytes of the input image (parameter ``sample`` or ``path``) and the parameters;
* the versions of torch, numpy, OpenCV, matplotlib and oxipng.

Computing a key imports neither torch nor matplotlib, so a build whose results are all cached
stays light; :mod:`cnnviz.recipes` is imported only when something must be drawn.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.metadata
import json
import platform
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import samples, store
from .errors import CnnvizError

KEY_VERSION = 1
"""Bump when the meaning of a key changes, to retire every cached entry at once."""

VERSIONED = ("torch", "numpy", "opencv-python-headless", "matplotlib", "pyoxipng")
"""Distributions whose version enters every key."""

PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Job:
    """One result to produce: ``recipes.<recipe>(**params)`` written to ``target``.

    Attributes:
        target: Where the result goes, relative to the docs tree, e.g. ``figures/conv.png``.
        recipe: The name of a function in :mod:`cnnviz.recipes`.
        params: Its keyword arguments, JSON-serialisable. ``sample`` names a sample image and
            ``path`` an image file; either way the image's bytes enter the key.
    """

    target: str
    recipe: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """What one :func:`run_jobs` call did.

    Attributes:
        rendered: Results drawn by running their recipe.
        cached: Results read from the cache.
        failures: ``(target, message)`` for each recipe that raised.
        seconds: Wall time of the whole call.
    """

    rendered: int = 0
    cached: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def errors(self) -> list[str]:
        """One log line per distinct failure, naming every target it hit.

        A bad input image fails all of its figures with the same message; it is said once.
        """
        targets: dict[str, list[str]] = {}
        for target, message in self.failures:
            targets.setdefault(message, []).append(target)
        return [f"{', '.join(hit)}: {message}" for message, hit in targets.items()]

    def summary(self) -> str:
        """One log line: counts and time."""
        failed = f", {len(self.failures)} failed" if self.failures else ""
        total = self.rendered + self.cached + len(self.failures)
        return (
            f"{total} results: {self.rendered} rendered, {self.cached} from cache{failed}, "
            f"in {self.seconds:.2f} s"
        )


def job_key(job: Job) -> str:
    """Hash everything that decides the bytes of a job's result.

    Args:
        job: The job to key.

    Returns:
        A hex SHA-256 digest.
    """
    record = {
        "key_version": KEY_VERSION,
        "recipe": job.recipe,
        "params": job.params,
        "sources": {path.name: _file_digest(path) for path in recipe_sources(job.recipe)},
        "input": _input_digest(job.params),
        "versions": _versions(),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def run_jobs(jobs: Iterable[Job], cache: store.Store) -> tuple[dict[str, bytes], Report]:
    """Produce every job's bytes, from the cache where the key is known, else by rendering.

    A job whose recipe raises is reported, not raised: its last good bytes are returned if the
    cache still has them, so a server keeps showing the last good figure.

    Args:
        jobs: The jobs; identical keys are rendered once.
        cache: The store that holds rendered results.

    Returns:
        The bytes per target, and a report of what was rendered, reused and failed.
    """
    start, report, results = time.perf_counter(), Report(), {}
    for job in jobs:
        key = job_key(job)
        data = cache.get(key)
        if data is not None:
            report.cached += 1
        else:
            try:
                data = render(job)
            except Exception as error:  # a recipe's failure must not stop the other figures
                report.failures.append((job.target, _describe(error)))
                data = cache.last_good(job.target)
                if data is not None:
                    results[job.target] = data
                continue
            cache.put(key, data)
            report.rendered += 1
        cache.remember(job.target, key)
        results[job.target] = data
    report.seconds = time.perf_counter() - start
    return results, report


def render(job: Job) -> bytes:
    """Run a job's recipe and encode its result: a Figure as PNG, a string as UTF-8.

    Args:
        job: The job to run.

    Returns:
        The result's bytes.
    """
    recipes = importlib.import_module(f"{__package__}.recipes")
    result = getattr(recipes, job.recipe)(**job.params)
    if isinstance(result, str):
        return result.encode()
    return store.png_bytes(result)


@cache
def recipe_sources(recipe: str) -> tuple[Path, ...]:
    """List the cnnviz source files a recipe can reach: ``recipes.py`` and what it uses.

    The recipe's body, and the bodies of the ``recipes.py`` helpers it calls, are read for the
    module-level names they use; each name's module and that module's own imports follow.

    Args:
        recipe: The name of a function in ``recipes.py``.

    Returns:
        The source files, sorted, ``store.py`` (the encoder) included.
    """
    tree = ast.parse((PACKAGE / "recipes.py").read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    if recipe not in functions or recipe.startswith("_"):
        raise KeyError(f"cnnviz.recipes has no recipe named {recipe!r}")
    origins = _imported_names(tree)
    modules, seen, pending = {"recipes", "store"}, set(), [recipe]
    while pending:
        name = pending.pop()
        seen.add(name)
        for used in _names_in(functions[name]):
            if used in functions and used not in seen:
                pending.append(used)
            elif used in origins:
                modules |= _closure(origins[used])
    return tuple(sorted(PACKAGE / f"{module}.py" for module in modules))


def _names_in(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Map each name a module imports from cnnviz to the cnnviz module it comes from."""
    origins = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and _is_ours(node):
            for alias in node.names:
                module = node.module.split(".")[-1] if _names_module(node) else alias.name
                origins[alias.asname or alias.name] = module
    return origins


@cache
def _closure(module: str) -> frozenset[str]:
    """The module and every cnnviz module it imports, however deep, by reading the source."""
    found, pending = {module}, [module]
    while pending:
        tree = ast.parse((PACKAGE / f"{pending.pop()}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _is_ours(node):
                names = (
                    [node.module.split(".")[-1]]
                    if _names_module(node)
                    else [alias.name for alias in node.names]
                )
                new = {name for name in names if (PACKAGE / f"{name}.py").exists()} - found
                found |= new
                pending.extend(new)
    return frozenset(found)


def _is_ours(node: ast.ImportFrom) -> bool:
    return node.level == 1 or (node.module or "").split(".")[0] == "cnnviz"


def _names_module(node: ast.ImportFrom) -> bool:
    """True for ``from .layers import x``; false for ``from . import layers``."""
    return bool(node.module) and node.module != "cnnviz"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_digest(params: Mapping[str, Any]) -> str | None:
    path = params.get("path")
    if "sample" in params:
        path = samples.sample_path(params["sample"])
    if path is None:
        return None  # a drawn sample: samples.py, already in the sources, decides its pixels
    try:
        return _file_digest(Path(path))
    except OSError as error:
        return f"unreadable: {error.strerror}"  # the render will report the problem


@cache
def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _describe(error: Exception) -> str:
    if isinstance(error, CnnvizError | FileNotFoundError):
        return str(error)
    return f"{type(error).__name__}: {error}"

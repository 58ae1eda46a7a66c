"""Find the exact source a recipe depends on, one top-level definition at a time.

The cache key of a figure must change when, and only when, code that can change its bytes
changes. Reading the source (never importing it) from the recipe in ``recipes.py`` outwards,
:class:`CodeIndex` follows every name a definition uses: a function, class or constant of the
same module, a name imported from another cnnviz module, or ``module.name`` through an imported
module. Editing ``plot_relu_curve`` then re-keys the ReLU curve alone, while an edit to a
shared helper or constant re-keys everything that reaches it.

Besides the definitions reached, a module's remaining top-level statements (its imports and
any code run at import time) count for every definition of that module.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

Ref = tuple[str, str]  # (module, top-level name), e.g. ("figures", "plot_relu_curve")


@dataclass(frozen=True)
class _Module:
    preamble: str
    sources: dict[str, str]  # top-level name -> its source, with a docstring that follows it
    uses: dict[str, frozenset[Ref]]
    origins: dict[str, Ref | str]  # name bound by a cnnviz import -> where it comes from


def fingerprint(package: Path = PACKAGE) -> str:
    """Hash the source of every module of the package: it changes with any edit to any of them.

    Args:
        package: The package's folder.

    Returns:
        A hex SHA-256 digest.
    """
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class CodeIndex:
    """Reads the package's source once and answers what a recipe's result depends on.

    Args:
        package: The folder of the cnnviz package whose source is read.
        known: Digests computed before for this very source (see :func:`fingerprint`), by
            ``repr(roots)``; a build whose code has not changed then parses nothing.
    """

    def __init__(self, package: Path = PACKAGE, known: dict[str, str] | None = None) -> None:
        self.package = package
        self._modules: dict[str, _Module] = {}
        self.digests: dict[str, str] = dict(known or {})
        self.learned = False

    def digest(self, roots: list[Ref]) -> str:
        """Hash the source of every definition reachable from ``roots``.

        Args:
            roots: Where to start, e.g. ``[("recipes", "feature_maps")]``.

        Returns:
            A hex SHA-256 digest of the definitions' and their modules' source.
        """
        key = repr(roots)
        if key not in self.digests:
            reached = self.reached(roots)
            modules = sorted({module for module, _ in reached})
            parts = [f"# {m}\n{self._module(m).preamble}" for m in modules]
            parts += [f"# {m}.{n}\n{self._module(m).sources[n]}" for m, n in sorted(reached)]
            self.digests[key] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
            self.learned = True
        return self.digests[key]

    def reached(self, roots: list[Ref]) -> set[Ref]:
        """List every definition reachable from ``roots``, roots included.

        Raises:
            KeyError: A root names a definition that does not exist.
        """
        for module, name in roots:
            if name not in self._module(module).sources:
                raise KeyError(f"cnnviz.{module} has no definition named {name!r}")
        found: set[Ref] = set()
        pending = list(roots)
        while pending:
            module, name = ref = pending.pop()
            parsed = self._module(module)
            if ref in found:
                continue
            if name in parsed.sources:
                found.add(ref)
                pending.extend(parsed.uses[name])
            elif isinstance(parsed.origins.get(name), tuple):  # re-exported from elsewhere
                pending.append(parsed.origins[name])  # type: ignore[arg-type]
        return found

    def _module(self, name: str) -> _Module:
        if name not in self._modules:
            self._modules[name] = _parsed(name, self.package / f"{name}.py")
        return self._modules[name]


_PARSED: dict[tuple[str, str], _Module] = {}


def _parsed(name: str, path: Path) -> _Module:
    """Parse each version of a module's source once, however many indexes ask for it.

    Every gen script and every language pass of a build keys its results; keyed by the
    source text itself, one parse serves them all, and any edit is seen at once.
    """
    source = path.read_text(encoding="utf-8")
    key = (name, hashlib.sha256(source.encode()).hexdigest())
    if key not in _PARSED:
        _PARSED[key] = _parse(name, source, path)
    return _PARSED[key]


def _parse(module: str, source: str, path: Path) -> _Module:
    tree = ast.parse(source, filename=str(path))  # a SyntaxError then names the file and line
    origins = _imports(tree)
    sources: dict[str, str] = {}
    nodes: dict[str, ast.stmt] = {}
    preamble: list[str] = []
    last: list[str] = []
    lines = source.splitlines(keepends=True)  # ast.get_source_segment re-splits every call
    for node in tree.body:
        segment = "".join(lines[node.lineno - 1 : node.end_lineno])
        names = _defined(node)
        if names:
            for name in names:
                sources[name], nodes[name] = segment, node
            last = names
        elif _is_docstring(node) and last:  # an attribute docstring belongs to its definition
            for name in last:
                sources[name] += "\n" + segment
        else:
            preamble.append(segment)
            last = []
    uses = {name: _uses(node, module, sources, origins) for name, node in nodes.items()}
    return _Module(preamble="\n".join(preamble), sources=sources, uses=uses, origins=origins)


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    return [
        name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)
    ]


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _imports(tree: ast.Module) -> dict[str, Ref | str]:
    """Map each local name bound by a cnnviz import to ``(module, name)`` or to a module."""
    origins: dict[str, Ref | str] = {}
    for node in ast.walk(tree):  # imports inside functions count too
        if not isinstance(node, ast.ImportFrom):
            continue
        path = (node.module or "").split(".")
        if node.level == 0 and path[0] != "cnnviz":
            continue
        inner = path[1:] if node.level == 0 else [part for part in path if part]
        for alias in node.names:
            local = alias.asname or alias.name
            origins[local] = (inner[-1], alias.name) if inner else alias.name
    return origins


def _uses(
    node: ast.stmt, module: str, sources: dict[str, str], origins: dict[str, Ref | str]
) -> frozenset[Ref]:
    refs: set[Ref] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
            target = origins.get(child.value.id)
            if isinstance(target, str):  # module.name through an imported module
                refs.add((target, child.attr))
        elif isinstance(child, ast.Name):
            if child.id in sources:
                refs.add((module, child.id))
            elif isinstance(origins.get(child.id), tuple):
                refs.add(origins[child.id])  # type: ignore[arg-type]
    return frozenset(refs)

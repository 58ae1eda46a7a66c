"""Lessons as notebooks: one source per lesson, read, run at build time and written as .ipynb.

A lesson's source, ``docs/lessons/<name>.py``, is Python in jupytext's percent format. Each
``# %%`` line opens a cell; a name, a type in brackets and ``key="value"`` pairs may follow::

    # %% [markdown] lang="ko"                 Markdown for the Korean notebook
    # %% [markdown] lang="en"                 the same for the English one
    # %% intro [markdown] lang="ko"           a named Markdown cell, which a page can show
    # %% load                                 a code cell named ``load``
    # %% [setup] needs="image:load filters:stack"
                                              code of earlier lessons that this one runs first

In a code cell, a whole-line comment that starts ``# ko:`` or ``# en:`` belongs to one
language, and every run of such lines holds both languages; every other line, code and
trailing comments alike, is the same in both languages. A code cell with ``role="answer"``
answers the exercise whose Markdown cell has the same name without ``-answer``.

The lesson runs as the notebook does, cell after cell in one namespace, in a folder that holds
the files it reads (``images/<file>``). What each cell prints is kept, so a page can show the
very output its code gives.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CnnvizError

LESSON_DIR = Path(__file__).resolve().parents[1] / "docs" / "lessons"
"""Where the lessons' sources live, beside the pages that show them."""

LANGUAGES = ("ko", "en")
"""The languages every lesson is written in, the site's default first."""

_HEADER = re.compile(
    r"^# %%(?: (?P<name>[a-z0-9][a-z0-9-]*))?(?: \[(?P<kind>markdown|setup)\])?"
    r"(?P<meta>(?: [a-z]+=\"[^\"]*\")*)\s*$"
)
_META = re.compile(r' ([a-z]+)="([^"]*)"')
_TAGGED = re.compile(r"^(?P<indent>\s*)# (?P<lang>ko|en): ?(?P<text>.*)$")
_FILE_READ = re.compile(r"""["']images/([\w.-]+)["']""")
_HANGUL = re.compile("[가-힣]")


class LessonError(CnnvizError):
    """A lesson's source that cannot be read, or a cell that raises when it runs."""


@dataclass(frozen=True)
class Cell:
    """One cell of a lesson's source.

    Attributes:
        kind: ``"code"``, ``"markdown"`` or ``"setup"``.
        name: The cell's name; code cells always have one, Markdown cells may.
        lines: The cell's lines as written in the source, without the ``# %%`` line.
        line: The source line of the cell's first line, for error messages.
        meta: The ``key="value"`` pairs of its ``# %%`` line, such as ``lang`` or ``role``.
    """

    kind: str
    name: str
    lines: tuple[str, ...]
    line: int
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def lang(self) -> str | None:
        """The language of a Markdown cell; ``None`` for code."""
        return self.meta.get("lang")


@dataclass(frozen=True)
class Lesson:
    """A lesson's source, parsed.

    Attributes:
        name: The lesson's name, e.g. ``"conv"``; its page is ``docs/<name>.<lang>.md``.
        path: The source file.
        cells: Every cell, in order.
    """

    name: str
    path: Path
    cells: tuple[Cell, ...]

    def cell(self, name: str) -> Cell:
        """The code cell called ``name``."""
        for cell in self.cells:
            if cell.kind == "code" and cell.name == name:
                return cell
        raise LessonError(self.path, f"no code cell named {name!r}")

    def markdown(self, name: str, language: str) -> Cell:
        """The Markdown cell called ``name``, in ``language``."""
        for cell in self.cells:
            if cell.kind == "markdown" and cell.name == name and cell.lang == language:
                return cell
        raise LessonError(self.path, f"no {language} Markdown cell named {name!r}")

    def needs(self) -> list[tuple[str, str]]:
        """The ``(lesson, cell)`` pairs its setup cells name, in order."""
        pairs = []
        for cell in self.cells:
            if cell.kind == "setup":
                pairs += [tuple(item.split(":", 1)) for item in cell.meta["needs"].split()]
        return pairs  # type: ignore[return-value]

    def files(self) -> list[str]:
        """The files under ``images/`` that its code reads, its setup's included, by name."""
        names = []
        for _, cell in setup_cells(self) + [(self.name, c) for c in self.code_cells()]:
            names += _FILE_READ.findall("\n".join(cell.lines))
        return list(dict.fromkeys(names))

    def code_cells(self) -> list[Cell]:
        """Its own code cells, in order."""
        return [cell for cell in self.cells if cell.kind == "code"]


def lesson_names(folder: Path = LESSON_DIR) -> list[str]:
    """List the lessons that have a source, by name, sorted."""
    return sorted(path.stem for path in folder.glob("*.py"))


def read_lesson(name: str, folder: Path = LESSON_DIR) -> Lesson:
    """Read and check a lesson's source.

    Args:
        name: The lesson, e.g. ``"conv"``.
        folder: The folder of lesson sources.

    Returns:
        The parsed lesson.

    Raises:
        LessonError: The file is missing or breaks a rule of the format; the message names
            the file and line.
    """
    path = folder / f"{name}.py"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LessonError(path, f"cannot be read ({error.strerror or error})") from None
    return _parsed(name, path, text)


@functools.cache
def _parsed(name: str, path: Path, text: str) -> Lesson:
    cells: list[Cell] = []
    header: tuple[str, str, str, int] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            if header:
                cells.append(_cell(path, *header, body))
            found = _HEADER.match(line)
            if not found:
                raise LessonError(f"{path}:{number}", f"cannot read the cell line {line!r}")
            header = (found["kind"] or "code", found["name"] or "", found["meta"], number + 1)
            body = []
        elif header:
            body.append(line)
        elif line.strip() and not line.startswith("#"):
            raise LessonError(f"{path}:{number}", "code before the first '# %%' cell line")
    if header:
        cells.append(_cell(path, *header, body))
    lesson = Lesson(name=name, path=path, cells=tuple(cells))
    _check(lesson)
    return lesson


def _cell(path: Path, kind: str, name: str, meta: str, line: int, body: list[str]) -> Cell:
    while body and not body[-1].strip():
        body.pop()
    values = dict(_META.findall(meta))
    where = f"{path}:{line - 1}"
    if kind == "markdown":
        if values.get("lang") not in LANGUAGES:
            raise LessonError(where, 'a Markdown cell needs lang="ko" or lang="en"')
        if any(text and not (text == "#" or text.startswith("# ")) for text in body):
            raise LessonError(where, "every line of a Markdown cell starts with '# '")
    elif kind == "setup":
        if "needs" not in values or any(":" not in item for item in values["needs"].split()):
            raise LessonError(where, 'a setup cell needs needs="lesson:cell ..."')
        if any(text.strip() for text in body):
            raise LessonError(where, "a setup cell holds no code of its own")
    elif not name:
        raise LessonError(where, "every code cell needs a name, e.g. '# %% load'")
    return Cell(kind=kind, name=name, lines=tuple(body), line=line, meta=values)


def _check(lesson: Lesson) -> None:
    names = [cell.name for cell in lesson.code_cells()]
    for name in names:
        if names.count(name) > 1:
            raise LessonError(lesson.path, f"two code cells are named {name!r}")
    texts = [[c.name for c in lesson.cells if c.lang == language] for language in LANGUAGES]
    if any(names != texts[0] for names in texts):
        raise LessonError(lesson.path, "each Markdown cell needs its twin in every language")
    kinds = [cell.kind for cell in lesson.cells if cell.kind != "markdown"]
    if "setup" in kinds and "code" in kinds[: len(kinds) - kinds[::-1].index("setup")]:
        raise LessonError(lesson.path, "setup cells come before every code cell")
    for cell in lesson.code_cells():
        _check_comments(lesson.path, cell)
        if cell.meta.get("role") == "answer":
            question = cell.name.removesuffix("-answer")
            for language in LANGUAGES:
                lesson.markdown(question, language)


def _check_comments(path: Path, cell: Cell) -> None:
    counts = dict.fromkeys(LANGUAGES, 0)
    for number, line in enumerate([*cell.lines, ""], start=cell.line):
        tagged = _TAGGED.match(line)
        if tagged:
            counts[tagged["lang"]] += 1
            continue
        if any(counts.values()) and not all(counts.values()):
            raise LessonError(f"{path}:{number - 1}", "a '# ko:' comment needs its '# en:' twin")
        counts = dict.fromkeys(LANGUAGES, 0)
        if _HANGUL.search(line):
            raise LessonError(f"{path}:{number}", "Korean outside a '# ko:' comment")


def code_text(cell: Cell, language: str) -> str:
    """A code cell's source as the ``language`` notebook shows it.

    Args:
        cell: A code cell.
        language: ``"ko"`` or ``"en"``.

    Returns:
        The code, with the comments of ``language`` only, their ``ko:``/``en:`` tag removed.
    """
    lines = []
    for line in cell.lines:
        tagged = _TAGGED.match(line)
        if tagged is None:
            lines.append(line)
        elif tagged["lang"] == language:
            lines.append(f"{tagged['indent']}# {tagged['text']}".rstrip())
    return "\n".join(lines).strip("\n")


def markdown_text(cell: Cell) -> str:
    """A Markdown cell's text, without the ``# `` that starts each of its lines."""
    return "\n".join(line[2:] if line.startswith("# ") else "" for line in cell.lines).strip("\n")


def setup_cells(lesson: Lesson, folder: Path | None = None) -> list[tuple[str, Cell]]:
    """The code cells of earlier lessons that ``lesson`` runs first, as ``(lesson, cell)``.

    Raises:
        LessonError: A setup cell names a lesson or a cell that does not exist.
    """
    folder = folder or lesson.path.parent
    found = []
    for other, name in lesson.needs():
        if other == lesson.name:
            raise LessonError(lesson.path, f"setup names its own cell {name!r}")
        found.append((other, read_lesson(other, folder).cell(name)))
    return found


def sources_digest(lesson: Lesson) -> str:
    """Hash the code a run of the lesson executes: its setup's cells, then its own.

    Markdown and whole-line comments are left out: they change the notebooks and the page,
    never what the code computes, so editing them redraws no figure.
    """
    digest = hashlib.sha256()
    for owner, cell in setup_cells(lesson) + [(lesson.name, c) for c in lesson.code_cells()]:
        code = [line for line in cell.lines if not line.lstrip().startswith("#")]
        digest.update(f"{owner}:{cell.name}\0".encode() + "\n".join(code).encode() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class LessonRun:
    """What running a lesson's code left behind.

    Attributes:
        namespace: Every name its cells defined, as a notebook's kernel would hold them.
        outputs: What each of its own code cells printed, by cell name.
    """

    namespace: Mapping[str, Any]
    outputs: Mapping[str, str]


def run_lesson(lesson: Lesson, files: Mapping[str, bytes]) -> LessonRun:
    """Run a lesson's setup and code cells in order, in one namespace, as a notebook does.

    The cells run in a fresh temporary folder that holds ``images/<name>`` for each file, so
    ``cv2.imread("images/road.png")`` reads what the notebook's zip holds. Figures drawn with
    pyplot are closed after each cell; the site draws its own from the namespace.

    Args:
        lesson: The lesson.
        files: The bytes of each file it reads, by name (see :meth:`Lesson.files`).

    Returns:
        The namespace and what each of the lesson's own cells printed.

    Raises:
        LessonError: A cell raised; the message names the file, the cell and the error.
    """
    import matplotlib

    matplotlib.use("agg")  # the lesson's own figures are drawn off screen, then dropped
    namespace: dict[str, Any] = {"__name__": "__main__"}
    outputs = {}
    cells = setup_cells(lesson) + [(lesson.name, cell) for cell in lesson.code_cells()]
    with _folder_with(files):
        for owner, cell in cells:
            printed = _run_cell(lesson.path.parent / f"{owner}.py", cell, namespace)
            _close_lesson_figures()
            if owner == lesson.name:
                outputs[cell.name] = printed
    return LessonRun(namespace=namespace, outputs=outputs)


def _close_lesson_figures() -> None:
    # The lesson draws with pyplot, as a learner does; this library never imports it itself.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def _run_cell(path: Path, cell: Cell, namespace: dict[str, Any]) -> str:
    # Blank lines before the code keep the file's line numbers in a traceback.
    code = compile("\n" * (cell.line - 1) + "\n".join(cell.lines), str(path), "exec")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), warnings.catch_warnings():
            warnings.simplefilter("error")  # a lesson must run cleanly, as in a notebook
            exec(code, namespace)
    except Exception as error:
        raise LessonError(
            f"{path}, cell {cell.name!r}", f"{type(error).__name__}: {error}"
        ) from error
    return printed.getvalue()


@contextlib.contextmanager
def _folder_with(files: Mapping[str, bytes]) -> Iterator[Path]:
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="cnnviz-lesson-") as folder:
        images = Path(folder) / "images"
        images.mkdir()
        for name, data in files.items():
            (images / name).write_bytes(data)
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(before)


def notebook(
    lesson: Lesson, language: str, strings: Mapping[str, str], fetch_from: str | None = None
) -> dict[str, Any]:
    """Write a lesson as a Jupyter notebook (nbformat 4.5) in one language, without outputs.

    Args:
        lesson: The lesson.
        language: ``"ko"`` or ``"en"``: the Markdown cells and comments it keeps.
        strings: The notebook's own phrases in that language: ``setup``, ``files``,
            ``try`` and ``answer`` (see ``gen/templates/notebook-strings.toml``).
        fetch_from: An address that serves ``<name>`` for each file the lesson reads; if
            given, a first cell fetches any file that is missing beside the notebook.

    Returns:
        The notebook as a JSON-ready dict.
    """
    cells: list[dict[str, Any]] = []
    setup = setup_cells(lesson)
    started = False
    for cell in lesson.cells:
        if cell.kind == "markdown" and cell.lang != language:
            continue
        if cell.kind != "markdown" and not started:
            started = True
            cells += _preamble(lesson, setup, language, strings, fetch_from)
        if cell.kind == "markdown":
            cells.append(_markdown(markdown_text(cell)))
        elif cell.kind == "code" and cell.meta.get("role") == "answer":
            cells.append(_code(f"# {strings['try']}"))
            cells.append(_markdown(f"**{strings['answer']}**"))
            cells.append(_code(code_text(cell, language), hidden=True))
        elif cell.kind == "code":
            cells.append(_code(code_text(cell, language)))
    for number, cell in enumerate(cells):
        cell["id"] = f"{lesson.name}-{number}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _preamble(
    lesson: Lesson,
    setup: list[tuple[str, Cell]],
    language: str,
    strings: Mapping[str, str],
    fetch_from: str | None,
) -> list[dict[str, Any]]:
    cells = []
    files = lesson.files()
    if files and fetch_from:
        cells += [_markdown(strings["files"]), _code(_fetch_code(files, fetch_from))]
    if setup:
        cells.append(_markdown(strings["setup"]))
        cells += [_code(code_text(cell, language)) for _, cell in setup]
    return cells


def _fetch_code(files: Iterable[str], address: str) -> str:
    names = ", ".join(json.dumps(name) for name in files)
    return "\n".join(
        [
            "from pathlib import Path",
            "from urllib.request import urlretrieve",
            "",
            f"for name in [{names}]:",
            '    path = Path("images") / name',
            "    if not path.exists():",
            "        path.parent.mkdir(exist_ok=True)",
            f'        urlretrieve("{address}" + name, path)',
        ]
    )


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str, *, hidden: bool = False) -> dict[str, Any]:
    metadata = {"jupyter": {"source_hidden": True}} if hidden else {}
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": [],
        "source": text,
    }


_MARKER = re.compile(
    r'^(?P<indent>[ ]*)\{\{ (?P<what>cell|exercise)\("(?P<name>[a-z0-9-]+)"\) \}\}[ ]*$', re.M
)


_LEFTOVER = re.compile(r"\{\{\s*(?:cell|exercise)\b[^\n]*")


def page_markdown(
    markdown: str,
    lesson: Lesson,
    language: str,
    outputs: Mapping[str, str],
    strings: Mapping[str, str],
) -> str:
    """Put a lesson's cells into its page where the page asks for them.

    ``{{ cell("name") }}`` on a line of its own becomes the code cell ``name`` as a Python
    block in the page's language, followed by what it printed, if anything; for a Markdown
    cell, its text. ``{{ exercise("name") }}`` becomes the exercise's question and, folded
    below it, the code that answers it (cell ``name-answer``) and its output. A marker keeps
    its indentation, so it may sit inside an admonition or a list.

    Args:
        markdown: The page's Markdown.
        lesson: The page's lesson.
        language: The page's language.
        outputs: What each code cell printed, as :attr:`LessonRun.outputs`.
        strings: ``output`` and ``answer`` in the page's language.

    Returns:
        The Markdown with every marker replaced.

    Raises:
        LessonError: A marker names a cell the lesson does not have, or is not written as
            one line of its own in the form above.
    """

    def replace(match: re.Match[str]) -> str:
        name, indent = match["name"], match["indent"]
        if match["what"] == "exercise":
            answer = _cell_block(lesson, f"{name}-answer", language, outputs, strings)
            text = _cell_block(lesson, name, language, outputs, strings)
            text += f'\n\n??? success "{strings["answer"]}"\n\n' + _indent(answer, "    ")
        else:
            text = _cell_block(lesson, name, language, outputs, strings)
        return _indent(text, indent)

    expanded = _MARKER.sub(replace, markdown)
    leftover = _LEFTOVER.search(expanded)
    if leftover:
        raise LessonError(
            lesson.path,
            f'cannot read the page\'s marker {leftover.group(0)!r}; write {{{{ cell("name") }}}}',
        )
    return expanded


def _cell_block(
    lesson: Lesson,
    name: str,
    language: str,
    outputs: Mapping[str, str],
    strings: Mapping[str, str],
) -> str:
    if any(cell.kind == "markdown" and cell.name == name for cell in lesson.cells):
        return markdown_text(lesson.markdown(name, language))
    block = f"```python\n{code_text(lesson.cell(name), language)}\n```"
    printed = outputs.get(name, "").rstrip("\n")
    if printed:
        block += f'\n\n```text title="{strings["output"]}"\n{printed}\n```'
    return block


def _indent(text: str, indent: str) -> str:
    return "\n".join(indent + line if line.strip() else "" for line in text.splitlines())


ALL_NOTEBOOKS = "cnnviz-notebooks"
"""The name of the zip, and of its folder, that holds every notebook of one language."""


def notebook_files(
    lessons: Iterable[Lesson],
    language: str,
    strings: Mapping[str, str],
    images: Mapping[str, bytes],
    fetch_from: str | None = None,
) -> dict[str, bytes]:
    """Compose one language's notebook downloads: each lesson's ``.ipynb`` and ``.zip``.

    Each lesson's zip holds ``<lesson>/<lesson>.ipynb`` and ``<lesson>/images/<file>`` for
    every file it reads, so it runs where it is unpacked. ``cnnviz-notebooks.zip`` holds every
    notebook and every image in one folder.

    Args:
        lessons: The lessons.
        language: The notebooks' language.
        strings: The notebook phrases of that language (see :func:`notebook`).
        images: The bytes of every file a lesson reads, by name.
        fetch_from: Where a notebook fetches a missing image from (see :func:`notebook`).

    Returns:
        The bytes of each file by its name: ``<lesson>.ipynb``, ``<lesson>.zip`` and
        ``cnnviz-notebooks.zip``.
    """
    files: dict[str, bytes] = {}
    everything: dict[str, bytes] = {}
    for lesson in lessons:
        document = notebook(lesson, language, strings, fetch_from)
        data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
        used = {f"images/{name}": images[name] for name in lesson.files()}
        own = {f"{lesson.name}.ipynb": data, **used}
        files[f"{lesson.name}.ipynb"] = data
        files[f"{lesson.name}.zip"] = zip_bytes({f"{lesson.name}/{k}": v for k, v in own.items()})
        everything.update({f"{ALL_NOTEBOOKS}/{k}": v for k, v in own.items()})
    files[f"{ALL_NOTEBOOKS}.zip"] = zip_bytes(everything)
    return files


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """Pack files into a zip whose bytes depend on their names and contents alone.

    Args:
        files: Each file's bytes by its path inside the zip.

    Returns:
        The zip, with entries sorted by name and every date set to 1980-01-01.
    """
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[name])
    return buffer.getvalue()

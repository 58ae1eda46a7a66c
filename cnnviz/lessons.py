"""A lesson's code: one source per lesson, read, run at build time and put into its page.

A lesson's source, ``docs/lessons/<name>.py``, is a jupytext percent file: jupytext reads it
(:func:`read_lesson`), so it opens as a notebook in Jupyter as it is, and a round trip through
``jupytext.writes(..., fmt="py:percent")`` gives back the same file. Each ``# %%`` line opens a
cell; a name (jupytext's cell title), ``[markdown]`` and ``key="value"`` metadata may follow::

    # %%                                      the file's header: comments alone, no name
    # %% needs="image:load filters:stack"     a setup cell: code of earlier lessons that
                                              this one runs first
    # %% load                                 a code cell named ``load``
    # %% ask [markdown] lang="ko"             a named Markdown cell: an exercise's question,
    # %% ask [markdown] lang="en"             in each language, which the page shows
    # %% ask-answer role="answer"             the code that answers it

In a code cell, a whole-line comment that starts ``# ko:`` or ``# en:`` belongs to one
language, and every run of such lines holds both languages; every other line, code and
trailing comments alike, is the same in both languages. A code cell with ``role="answer"``
answers the exercise whose Markdown cell has the same name without ``-answer``.

The lesson runs as the notebook does, cell after cell in one namespace, in a folder that holds
the files it reads (``images/<file>``). What each cell prints is kept, so a page can show the
very output its code gives. The lesson's prose lives on its page alone; :mod:`cnnviz.notebooks`
makes the notebook from the page and these cells.
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
import traceback
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import CnnvizError, from_root, one_line
from .store import write_atomic

LESSON_DIR = Path(__file__).resolve().parents[1] / "docs" / "lessons"
"""Where the lessons' sources live, beside the pages that show them."""

LANGUAGES = ("ko", "en")
"""The languages every lesson is written in, the site's default first."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TAGGED = re.compile(r"^(?P<indent>\s*)# (?P<lang>ko|en): ?(?P<text>.*)$")
_FILE_READ = re.compile(r"""["']images/([\w.-]+)["']""")
_HANGUL = re.compile("[가-힣]")


class LessonError(CnnvizError):
    """A lesson's source that cannot be read, or a cell that raises when it runs."""


@dataclass(frozen=True)
class Cell:
    """One cell of a lesson's source.

    Attributes:
        kind: ``"code"``, ``"markdown"`` or ``"setup"`` (a code cell with ``needs``).
        name: The cell's name, jupytext's ``title``; every code and Markdown cell has one.
        lines: The cell's source lines as jupytext reads them: a code cell's as written, a
            Markdown cell's without the ``# `` of each line.
        line: The source line of the cell's first line, for error messages.
        meta: The ``key="value"`` metadata of its ``# %%`` line, such as ``lang`` or ``role``.
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
        LessonError: The file is missing, jupytext cannot read it, or it breaks a rule of the
            format; the message names the file and line.
    """
    path = folder / f"{name}.py"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LessonError(path, f"cannot be read ({error.strerror or error})") from None
    return _parsed(name, path, text)


PARSED = LESSON_DIR.parents[1] / ".cache" / "lessons"
"""Where the project's own lessons are kept as parsed, one JSON file per lesson: a build that
finds its source unchanged reads it from there, without importing jupytext (0.26 to 0.43 s)
or parsing (0.18 s for the eleven lessons), measured 2026-12-06. Lessons of other folders
are parsed every time."""


@functools.cache
def _parsed(name: str, path: Path, text: str) -> Lesson:
    if path.parent != LESSON_DIR:
        return _parse(name, path, text)
    stored, key = PARSED / f"{name}.json", _parse_key(text)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        record = json.loads(stored.read_bytes())
        if record["key"] == key:
            cells = tuple(Cell(**{**c, "lines": tuple(c["lines"])}) for c in record["cells"])
            return Lesson(name=name, path=path, cells=cells)
    lesson = _parse(name, path, text)
    cells = [asdict(cell) for cell in lesson.cells]
    with contextlib.suppress(OSError):  # a folder that cannot be written: parse each time
        write_atomic(stored, json.dumps({"key": key, "cells": cells}).encode())
    return lesson


def _parse_key(text: str) -> str:
    """What a parse's cells depend on: the source and the parser (:func:`_parser`). The file's
    place names it in errors alone, and a source that fails is never kept."""
    return hashlib.sha256(hashlib.sha256(text.encode()).digest() + _parser()).hexdigest()


@functools.cache
def _parser() -> bytes:
    """This module's code and jupytext's version: what turns a source into cells."""
    import importlib.metadata

    return Path(__file__).read_bytes() + importlib.metadata.version("jupytext").encode()


def _parse(name: str, path: Path, text: str) -> Lesson:
    import jupytext  # pinned; only what reads a lesson's source needs it

    lines = text.splitlines()
    headers = [number for number, line in enumerate(lines, start=1) if line.startswith("# %%")]
    try:
        notebook = jupytext.reads(text, fmt="py:percent")
    except Exception as error:  # jupytext's own message, on one line
        raise LessonError(path, f"jupytext cannot read it: {one_line(str(error))}") from None
    found = list(notebook.cells)
    if found and (headers or [len(lines) + 1])[0] > 1:  # lines before the first '# %%' line
        _check_preamble(path, found.pop(0))
    if len(found) != len(headers):
        problem = f"jupytext reads {len(found)} cells, not one per '# %%' line ({len(headers)})"
        raise LessonError(path, f"{problem}; write each cell line as '# %% name'")
    if found and lines[0] == "# %%" and found[0].source.strip() and _is_preamble(found[0]):
        found.pop(0)  # a header comment that jupytext wrote back under a '# %%' of its own
        headers.pop(0)
    cells = tuple(_cell(path, lines, cell, line) for cell, line in zip(found, headers, strict=True))
    lesson = Lesson(name=name, path=path, cells=cells)
    _check(lesson)
    return lesson


def _is_preamble(cell: Any) -> bool:
    """A code cell of comments alone, without a name or metadata: the file's header comment."""
    source = cell.source.splitlines()
    return (
        cell.cell_type == "code"
        and not set(cell.metadata) - {"lines_to_next_cell"}
        and all(not line.strip() or line.startswith("#") for line in source)
    )


def _check_preamble(path: Path, cell: Any) -> None:
    if not _is_preamble(cell):
        line = next(n for n, text in enumerate(cell.source.splitlines(), 1) if text.strip())
        raise LessonError(f"{path}:{line}", "code before the first '# %%' cell line")


def _cell(path: Path, lines: list[str], cell: Any, header: int) -> Cell:
    """A cell as jupytext reads it, checked against the rules of a lesson's source."""
    where = f"{path}:{header}"
    meta = dict(cell.metadata)
    name = meta.pop("title", "")
    meta.pop("lines_to_next_cell", None)  # jupytext's note of the blank lines after the cell
    if cell.cell_type not in ("code", "markdown") or (name and not _NAME.match(name)):
        raise LessonError(where, f"cannot read the cell line {lines[header - 1]!r}")
    if any(not isinstance(value, str) for value in meta.values()):
        raise LessonError(where, 'cell metadata is written key="value"')
    body = cell.source.splitlines()
    kind = "setup" if "needs" in meta else cell.cell_type
    if kind == "markdown":
        if not name:
            raise LessonError(where, "a Markdown cell needs a name; the page holds the prose")
        if meta.get("lang") not in LANGUAGES:
            raise LessonError(where, 'a Markdown cell needs lang="ko" or lang="en"')
        written = lines[header : header + len(body)]
        if any(text and not (text == "#" or text.startswith("# ")) for text in written):
            raise LessonError(where, "every line of a Markdown cell starts with '# '")
    elif kind == "setup":
        if any(":" not in item for item in meta["needs"].split()) or not meta["needs"].strip():
            raise LessonError(where, 'a setup cell needs needs="lesson:cell ..."')
        if any(text.strip() for text in body):
            raise LessonError(where, "a setup cell holds no code of its own")
    elif not name:
        raise LessonError(where, "every code cell needs a name, e.g. '# %% load'")
    else:
        _check_same_lines(path, body, lines, header)
    return Cell(kind=kind, name=name, lines=tuple(body), line=header + 1, meta=meta)


def _check_same_lines(path: Path, body: list[str], lines: list[str], header: int) -> None:
    """Hold a code cell as jupytext reads it to the file's lines, so that the line numbers of
    an error are the file's (jupytext would turn a comment such as ``# %time`` into a magic)."""
    for number, text in enumerate(body, start=header + 1):
        if number > len(lines) or lines[number - 1] != text:
            raise LessonError(f"{path}:{number}", "jupytext reads this line as something else")


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
    """A Markdown cell's text, as jupytext reads it: without the ``# `` of each line."""
    return "\n".join(cell.lines).strip("\n")


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
class Drawing:
    """What one pyplot figure of a lesson showed.

    Attributes:
        images: The data of each image its axes show (``imshow``), as arrays.
        lines: The ``(x, y)`` data of each line, scatter and bar chart it plots.
        texts: Its titles, axis labels, tick labels and text annotations.
    """

    images: tuple[Any, ...]
    lines: tuple[tuple[Any, Any], ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class LessonRun:
    """What running a lesson's code left behind.

    Attributes:
        namespace: Every name its cells defined, as a notebook's kernel would hold them.
        outputs: What each of its own code cells printed, by cell name.
        drawn: What each of its own code cells drew with pyplot, by cell name; kept only
            when the run was asked to record it.
    """

    namespace: Mapping[str, Any]
    outputs: Mapping[str, str]
    drawn: Mapping[str, tuple[Drawing, ...]] = field(default_factory=dict)


def run_lesson(lesson: Lesson, files: Mapping[str, bytes], *, record: bool = False) -> LessonRun:
    """Run a lesson's setup and code cells in order, in one namespace, as a notebook does.

    The cells run in a fresh temporary folder that holds ``images/<name>`` for each file, so
    ``cv2.imread("images/road.png")`` reads what the notebook's zip holds. Figures drawn with
    pyplot are closed after each cell; the site draws its own from the namespace.

    Args:
        lesson: The lesson.
        files: The bytes of each file it reads, by name (see :meth:`Lesson.files`).
        record: Keep what each of its own cells drew with pyplot (:attr:`LessonRun.drawn`).

    Returns:
        The namespace and what each of the lesson's own cells printed (and drew).

    Raises:
        LessonError: A cell raised; the message names the file, the cell and the error.
    """
    import matplotlib

    matplotlib.use("agg")  # the lesson's own figures are drawn off screen, then dropped
    namespace: dict[str, Any] = {"__name__": "__main__"}
    outputs, drawn = {}, {}
    cells = setup_cells(lesson) + [(lesson.name, cell) for cell in lesson.code_cells()]
    with _folder_with(files), one_torch_thread():
        for owner, cell in cells:
            printed = _run_cell(lesson.path.parent / f"{owner}.py", cell, namespace)
            if owner == lesson.name:
                outputs[cell.name] = printed
                if record:
                    drawn[cell.name] = _lesson_drawings()
            _close_lesson_figures()
    return LessonRun(namespace=namespace, outputs=outputs, drawn=drawn)


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Hold torch to one thread, as every render worker is, for what runs inside.

    A training's or a convolution's sums come out the same only in the same order: one
    thread, in a worker, in the build's own process, in a test or in a notebook, gives the
    same bytes and the same numbers on the page.
    """
    try:
        import torch
    except ImportError:
        yield  # what runs inside reports it
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _close_lesson_figures() -> None:
    # The lesson draws with pyplot, as a learner does; this library never imports it itself.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def _bar_series(bars: Any) -> tuple[Any, Any]:
    # A bar chart's series: each bar's centre and its height (``datavalues``), as a line's.
    import numpy as np

    centres = [patch.get_x() + patch.get_width() / 2 for patch in bars.patches]
    return np.asarray(centres), np.asarray(bars.datavalues)


def _lesson_drawings() -> tuple[Drawing, ...]:
    import numpy as np

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return ()
    drawings = []
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        images, lines, texts = [], [], [text.get_text() for text in figure.texts]
        for axes in figure.axes:
            images += [np.ma.getdata(image.get_array()) for image in axes.images]
            lines += [(np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata())) for ln in axes.lines]
            lines += [tuple(np.asarray(c.get_offsets()).T) for c in axes.collections]
            lines += [_bar_series(bars) for bars in axes.containers if hasattr(bars, "datavalues")]
            labels = axes.get_xticklabels() + axes.get_yticklabels() + axes.texts
            texts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
            texts += [text.get_text() for text in labels]
        drawings.append(Drawing(tuple(images), tuple(lines), tuple(t for t in texts if t)))
    return tuple(drawings)


def _run_cell(path: Path, cell: Cell, namespace: dict[str, Any]) -> str:
    printed = io.StringIO()
    try:
        # Blank lines before the code keep the file's line numbers in a traceback.
        code = compile("\n" * (cell.line - 1) + "\n".join(cell.lines), str(path), "exec")
        with contextlib.redirect_stdout(printed), warnings.catch_warnings():
            warnings.simplefilter("error")  # a lesson must run cleanly, as in a notebook
            exec(code, namespace)
    except Exception as error:
        raise _cell_error(path, cell, error) from error
    return printed.getvalue()


def _cell_error(path: Path, cell: Cell, error: Exception) -> LessonError:
    """The lesson file and line where the cell failed, from the project's root, the cell's
    name, then the error."""
    if isinstance(error, SyntaxError):
        line, problem = error.lineno or cell.line, error.msg
    else:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
        line, problem = (frames[-1].lineno if frames else cell.line), str(error)
    place = f"{from_root(path)}:{line}"
    return LessonError(place, f"cell {cell.name!r}: {type(error).__name__}: {problem}")


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


MARKER = re.compile(
    r'^(?P<indent>[ ]*)\{\{ (?P<what>cell|exercise)\("(?P<name>[a-z0-9-]+)"\) \}\}[ ]*$', re.M
)
"""A page's marker for a lesson cell, ``{{ cell("name") }}`` or ``{{ exercise("name") }}``, on a
line of its own; read by the page hook and by :mod:`cnnviz.notebooks` alike."""


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

    expanded = MARKER.sub(replace, markdown)
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

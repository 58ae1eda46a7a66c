"""A lesson's notebook, made from its page: the page's prose, the lesson's code, answers last.

The page (``docs/<name>.<lang>.md``) is the one source of a lesson's prose, and the lesson's
source (``docs/lessons/<name>.py``, see :mod:`cnnviz.lessons`) of its code, so the notebook
is the page turned into cells, never a second text:

- prose becomes Markdown cells, one per section; links to other pages point at the published
  site when the site has a public address, and are relative otherwise;
- ``{{ cell("x") }}`` becomes that code cell, in the notebook's language;
- ``{{ exercise("x") }}`` becomes the question, a link to its answer and an empty cell to try
  it in; the answers are gathered in a section at the end, which every frontend shows only
  when the learner scrolls there;
- a figure becomes its caption, under the cell that draws it (``cell`` in gen/figures.toml):
  the notebook draws its figures itself. A drawing cell the page does not show comes where
  the figure stands, once the cells it needs have run;
- admonitions (``!!!``, ``???``) and content tabs become a quote, a ``<details>`` block or a
  bold title, which Jupyter renders; ``$...$`` and ``$$...$$`` maths stay as they are.

Code cells the page does not show keep their place in the lesson's order, so the notebook
runs top to bottom.

The notebook is built with ``nbformat.v4``, checked against nbformat's schema whenever it is
composed (:func:`notebook_files`; a build whose inputs and code are those of a stored
composition writes that one, see :class:`cnnviz.build.Build`), and written by nbformat.v4's
own writer, the bytes ``nbformat.writes`` gives, as Jupyter saves a notebook; its cells' ids go
by their place, so a build writes the same bytes every time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # nbformat is imported where a notebook is made: a warm build makes none
    from nbformat import NotebookNode

from .lessons import (
    MARKER,
    Cell,
    Lesson,
    LessonError,
    code_text,
    markdown_text,
    setup_cells,
)

ALL_NOTEBOOKS = "cnnviz-notebooks"
"""The name of the zip, and of its folder, that holds every notebook of one language."""

_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)(?P<kind>!!!|\?\?\?\+?|===)"
    r'(?:[ ]+(?P<type>[\w-]+))?(?:[ ]*"(?P<title>[^"]*)")?[ ]*$'
)
_FENCE = re.compile(r"^[ ]*(```|~~~)")
_HTML_START = re.compile(r"^[ ]*<(?P<tag>figure|div)\b")
_IMAGE = re.compile(r"!\[[^\]]*\]\((?P<src>[^)\s]+)")
_CAPTION = re.compile(r"<figcaption[^>]*>(?P<text>.*?)</figcaption>", re.S)
_STEPS = re.compile(r'data-steps="(?P<src>[^"]+)"')
_NETWORK = re.compile(r'<div[^>]*class="cnnviz-net"')
_TITLE = re.compile(
    r'<(?P<tag>\w+)[^>]*class="[^"]*title[^"]*"[^>]*>(?P<text>.*?)</(?P=tag)>', re.S
)
_TAG = re.compile(r"<[^>]+>")
_ATTRIBUTES = re.compile(r"[ ]*\{:?(?:[ ]*[#.][\w-]+)+[ ]*\}[ ]*$", re.M)
_LINK = re.compile(
    r"(?P<code>`+[^`]*`+)"
    r"|(?P<open>!?\[[^\]\n]*\]\()(?P<target>[^)\s]+)(?P<close>(?:[ ]+\"[^\"]*\")?\))"
    r'|(?P<attr>(?:href|src)=")(?P<url>[^"]+)(?P<quote>")'
)
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n+", re.S)  # the page's settings, not prose
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ ]+(?P<text>.+?)[ ]*#*[ ]*$")
_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def public_address(url: str | None) -> str | None:
    """The site's address, ending with ``/``, if the public can reach it.

    Args:
        url: MkDocs' ``site_url``, e.g. ``https://someone.github.io/cnnviz/``.

    Returns:
        The address, or ``None`` for none, ``localhost``, a private or loopback IP address
        (``http://127.0.0.1:8000/``, what ``mkdocs serve`` uses) or a scheme other than http(s).
    """
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return None
    try:
        if not ipaddress.ip_address(host).is_global:
            return None
    except ValueError:
        pass  # a name, not an address
    return url if url.endswith("/") else f"{url}/"  # type: ignore[union-attr]


@dataclass
class _Notebook:
    """The cells of one notebook as they are written, and what is still to place."""

    lesson: Lesson
    language: str
    strings: Mapping[str, str]
    preamble: list[NotebookNode]
    drawn_by: Mapping[str, str]
    shown: set[str]
    site: str | None
    cells: list[NotebookNode] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)
    waiting: dict[str, str] = field(default_factory=dict)  # cell name -> caption after it
    awaited: set[str] = field(default_factory=set)  # hidden cells that draw a page's figure
    deferred: set[str] = field(default_factory=set)  # those whose figure the page has reached
    answers: list[tuple[str, str]] = field(default_factory=list)
    heading: str = ""

    def markdown(self, text: str) -> None:
        for part in _sections(text):
            found = _HEADING.match(part.splitlines()[0])
            if found and len(found["hashes"]) > 1:
                self._start()  # the setup comes after the title and its introduction
                self._catch_up(boundary=True)
            self.cells.append(_markdown(part))
            if found:
                self.heading = found["text"]

    def code(self, name: str) -> None:
        """A code cell, after every cell of the lesson that comes before it: the notebook runs
        in the lesson's order even where a page shows a cell early."""
        self._start()
        order = self._order()
        if any(c.kind == "markdown" and c.name == name for c in self.lesson.cells):
            self.markdown(self._text(name))
            return
        if name not in order:  # an answer the page shows as it is
            self.cells.append(_code(code_text(self.lesson.cell(name), self.language)))
            return
        for earlier in order[: order.index(name) + 1]:
            if earlier not in self.ran:
                self._run(earlier)

    def figure(self, file: str, caption: str) -> None:
        text = f"**{self.strings['figure']}** {caption}".rstrip()
        name = self.drawn_by.get(file)
        if name is None or name in self.ran or name not in self._order():
            self.markdown(text)  # drawn above, or by nothing this lesson holds
            return
        self.waiting[name] = text
        if name not in self.shown:
            self.deferred.add(name)
            self._catch_up()

    def exercise(self, name: str) -> None:
        self._catch_up(boundary=True)
        link = f"[{self.strings['to_answer']}](#{_anchor(name)})"
        self.markdown(f"{self._text(name)}\n\n{link}")
        self.cells.append(_code(f"# {self.strings['try']}"))
        self.answers.append((name, self.heading))

    def widget(self) -> None:
        """A link to the page, where the drawing box runs: a notebook cannot run it."""
        self.markdown(f"[{self.strings['widget']}]({_address('', self.site, self.lesson.name)})")

    def finish(self) -> list[NotebookNode]:
        self._start()
        for name in self._order():
            if name not in self.ran and name not in self.shown:
                self._run(name)
        if self.answers:
            self.cells.append(_markdown(f"## {self.strings['answers']}"))
        for name, heading in self.answers:
            title = f"{self.strings['answer']}: {heading}" if heading else self.strings["answer"]
            self.cells.append(_markdown(f'<a id="{_anchor(name)}"></a>\n\n### {title}'))
            self.cells.append(_code(code_text(self.lesson.cell(f"{name}-answer"), self.language)))
        return self.cells

    def _start(self) -> None:
        self.cells += self.preamble
        self.preamble = []

    def _run(self, name: str, boundary: bool = False) -> None:
        self.cells.append(_code(code_text(self.lesson.cell(name), self.language)))
        self.ran.add(name)
        if name in self.waiting:
            self.cells.append(_markdown(self.waiting.pop(name)))
        self._catch_up(boundary)

    def _catch_up(self, boundary: bool = False) -> None:
        """Run the next cell the page does not show once every cell before it has run: at
        once while a figure the page has reached is still to draw, else at the next section,
        exercise or cell; a cell that draws a figure further down the page waits for it."""
        order = self._order()
        for index, name in enumerate(order):
            if name in self.ran or name in self.shown:
                continue
            if name in self.awaited and name not in self.deferred:
                return
            ready = all(earlier in self.ran for earlier in order[:index])
            if ready and (boundary or self.deferred - self.ran):
                self._run(name, boundary)  # which catches up on the cells after it
            return

    def _text(self, name: str) -> str:
        text = markdown_text(self.lesson.markdown(name, self.language))
        return _relinked(text, self.site, self.lesson.name)

    def _order(self) -> list[str]:
        return [c.name for c in self.lesson.code_cells() if c.meta.get("role") != "answer"]


def notebook(
    lesson: Lesson,
    language: str,
    page: str,
    strings: Mapping[str, str],
    *,
    drawn_by: Mapping[str, str] | None = None,
    site: str | None = None,
    fetch_from: str | None = None,
) -> NotebookNode:
    """Write a lesson's page as a Jupyter notebook (nbformat 4.5) in one language, no outputs.

    Args:
        lesson: The lesson.
        language: ``"ko"`` or ``"en"``: the comments its code keeps.
        page: The page's Markdown in that language, ``{{ cell(...) }}`` markers and all; its
            front matter, if any, is left out.
        strings: The notebook's own phrases in that language (see
            ``gen/templates/notebook-strings.toml``).
        drawn_by: The lesson cell that draws each figure, by the figure's file name
            (``"conv.png"``).
        site: The published page of that language's site root, e.g.
            ``https://someone.github.io/cnnviz/en/``; links to pages go there. Without it,
            they are relative to the notebook's place on the site, ``<root>notebooks/``.
        fetch_from: A public address that serves ``<name>`` for each image the lesson reads;
            if given, a first cell fetches any image missing beside the notebook, and if not,
            the notebook says the lesson's zip holds them.

    Returns:
        The notebook, built with ``nbformat.v4``; its cells' ids are ``<lesson>-<number>``.

    Raises:
        LessonError: The page names a cell the lesson does not have.
    """
    import nbformat

    items = list(_items(_ATTRIBUTES.sub("", _FRONT_MATTER.sub("", page)).splitlines()))
    drawn_by = drawn_by or {}
    shown = {values[0] for kind, *values in items if kind == "code"}
    figures = {drawn_by.get(values[0]) for kind, *values in items if kind == "figure"}
    book = _Notebook(
        lesson=lesson,
        language=language,
        strings=strings,
        preamble=_preamble(lesson, language, strings, fetch_from),
        drawn_by=drawn_by,
        shown=shown,
        site=site,
        awaited={name for name in figures if name} - shown,
    )
    for kind, *values in items:
        if kind == "markdown":
            book.markdown(_relinked(values[0], site, lesson.name))
        elif kind == "figure":
            book.figure(values[0], _relinked(values[1], site, lesson.name))
        elif kind == "widget":
            book.widget()
        else:
            getattr(book, kind)(values[0])
    cells = book.finish()
    for number, cell in enumerate(cells):
        cell["id"] = f"{lesson.name}-{number}"  # by place, so that a build repeats its bytes
    return nbformat.from_dict(  # nbformat.v4.new_notebook's layout; checked once, when written
        {
            "nbformat": nbformat.v4.nbformat,
            "nbformat_minor": nbformat.v4.nbformat_minor,
            "metadata": _METADATA,
            "cells": cells,
        }
    )


def _items(lines: list[str]) -> Iterator[tuple[str, ...]]:
    """The page's parts: ``("markdown", text)``, ``("code", name)``, ``("exercise", name)``
    and ``("figure", file, caption)``, in order."""
    prose: list[str] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        marker, block, html = MARKER.match(line), _BLOCK.match(line), _HTML_START.match(line)
        if _FENCE.match(line):
            end = _fence_end(lines, number)
            prose += lines[number:end]
            number = end
            continue
        if not (marker or block or html):
            prose.append(line)
            number += 1
            continue
        if prose:
            yield ("markdown", "\n".join(prose))
            prose = []
        if marker:
            yield ("code" if marker["what"] == "cell" else "exercise", marker["name"])
            number += 1
        elif block:
            end = _block_end(lines, number, len(block["indent"]))
            yield from _block(block, _dedent(lines[number + 1 : end], len(block["indent"]) + 4))
            number = end
        else:
            end = _html_end(lines, number, html["tag"])
            yield _html("\n".join(lines[number:end]))
            number = end
    if prose:
        yield ("markdown", "\n".join(prose))


def _fence_end(lines: list[str], start: int) -> int:
    fence = _FENCE.match(lines[start]).group(1)  # type: ignore[union-attr]
    for number in range(start + 1, len(lines)):
        if lines[number].strip().startswith(fence):
            return number + 1
    return len(lines)


def _block_end(lines: list[str], start: int, indent: int) -> int:
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _html_end(lines: list[str], start: int, tag: str) -> int:
    depth = 0
    for number in range(start, len(lines)):
        depth += len(re.findall(rf"<{tag}\b", lines[number]))
        depth -= len(re.findall(rf"</{tag}>", lines[number]))
        if depth <= 0:
            return number + 1
    return len(lines)


def _dedent(lines: list[str], width: int) -> list[str]:
    return [line[width:] if line[:width].isspace() else line.lstrip() for line in lines]


def _block(found: re.Match[str], body: list[str]) -> Iterator[tuple[str, ...]]:
    """An admonition, a folded block or a tab: a quote or ``<details>`` if it holds only prose,
    else its title in bold above its parts."""
    title = found["title"] if found["title"] is not None else (found["type"] or "").title()
    parts = list(_items(body))
    if any(kind != "markdown" for kind, *_ in parts) or found["kind"] == "===":
        if title:
            yield ("markdown", f"**{title}**")
        yield from parts
        return
    text = "\n\n".join(values[0] for _, *values in parts).strip("\n")
    if found["kind"] == "!!!":
        quoted = "\n".join(f"> {line}".rstrip() for line in text.splitlines())
        yield ("markdown", f"> **{title}**\n>\n{quoted}" if title else quoted)
    else:
        opened = " open" if found["kind"].endswith("+") else ""
        yield ("markdown", f"<details{opened}><summary>{title}</summary>\n\n{text}\n\n</details>")


def _html(block: str) -> tuple[str, ...]:
    """A figure, or the step-through widget, as ``("figure", file, caption)``; the trained
    network's drawing box, which runs only on the page, as ``("widget",)``; other HTML as it
    is."""
    if _NETWORK.match(block):
        return ("widget",)
    image, steps = _IMAGE.search(block), _STEPS.search(block)
    if block.lstrip().startswith("<figure") and image:
        caption = _CAPTION.search(block)
        text = " ".join(caption["text"].split()) if caption else ""
        return ("figure", image["src"].rpartition("/")[2], text)
    if steps:
        title = _TITLE.search(block)
        text = " ".join(_TAG.sub("", title["text"]).split()) if title else ""
        return ("figure", steps["src"].rpartition("/")[2], text)
    return ("markdown", block)


def _sections(text: str) -> list[str]:
    """Prose split before each heading, outside fenced code, each part trimmed."""
    parts: list[list[str]] = [[]]
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and _HEADING.match(line) and any(x.strip() for x in parts[-1]):
            parts.append([])
        parts[-1].append(line)
    return [s for s in ("\n".join(part).strip("\n") for part in parts) if s.strip()]


def _relinked(text: str, site: str | None, page: str) -> str:
    """Links to the site's pages and files, made absolute on the published site, or relative
    to the notebook's place there (``<root>notebooks/``); code spans are left alone."""

    def replace(found: re.Match[str]) -> str:
        if found["code"]:
            return found["code"]
        if found["open"]:
            return found["open"] + _address(found["target"], site, page) + found["close"]
        return found["attr"] + _address(found["url"], site, page) + found["quote"]

    return _LINK.sub(replace, text)


def _address(target: str, site: str | None, page: str) -> str:
    if _SCHEME.match(target):
        return target
    path, hashmark, anchor = target.partition("#")
    path = path.removeprefix("./") or f"{page}.md"
    if path.endswith(".md"):
        stem = path.removesuffix(".md")
        path = "" if stem == "index" else f"{stem.removesuffix('/index')}/"
    return f"{site or '../'}{path}{hashmark}{anchor}"


def _anchor(exercise: str) -> str:
    return f"answer-{exercise}"


def _preamble(
    lesson: Lesson, language: str, strings: Mapping[str, str], fetch_from: str | None
) -> list[NotebookNode]:
    cells = []
    files = lesson.files()
    if files and fetch_from:
        cells += [_markdown(strings["files"]), _code(_fetch_code(files, fetch_from))]
    elif files:
        cells.append(_markdown(strings["files_zip"].format(zip=f"{lesson.name}.zip")))
    setup: list[tuple[str, Cell]] = setup_cells(lesson)
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


# A cell is made as nbformat 4 lays it out and checked with its notebook, once: nbformat.v4's
# new_code_cell and new_markdown_cell check each cell against the schema on its own as well,
# which took 0.44 s of every build for the site's 2,300 cells (2026-12-06). The notebook is
# checked once too, by validate: new_notebook and nbformat.writes each check it again, which
# took 40 % of composing one language's 11 notebooks (0.08 of 0.20 s, profiled, 2026-12-06).


def _markdown(text: str) -> NotebookNode:
    import nbformat

    return nbformat.from_dict({"cell_type": "markdown", "metadata": {}, "source": text})


def _code(text: str) -> NotebookNode:
    import nbformat

    return nbformat.from_dict(
        {
            "cell_type": "code",
            "metadata": {},
            "source": text,
            "outputs": [],
            "execution_count": None,
        }
    )


def validate(document: Mapping[str, Any], where: str) -> None:
    """Check a notebook against nbformat's schema.

    Raises:
        LessonError: It is not a valid notebook; the message names it and the first problem.
    """
    import nbformat

    try:
        nbformat.validate(nbformat.from_dict(document))
    except nbformat.ValidationError as error:
        problem = " ".join(str(error.message).split())
        raise LessonError(where, f"not a valid notebook: {problem}") from None


def notebook_files(
    lessons: Iterable[Lesson],
    language: str,
    pages: Mapping[str, str],
    strings: Mapping[str, str],
    images: Mapping[str, bytes],
    *,
    drawn_by: Mapping[str, str] | None = None,
    site: str | None = None,
    fetch_from: str | None = None,
    made: MutableMapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Compose one language's notebook downloads: each lesson's ``.ipynb`` and ``.zip``.

    Each lesson's zip holds ``<lesson>/<lesson>.ipynb`` and ``<lesson>/images/<file>`` for
    every file it reads, so it runs where it is unpacked. ``cnnviz-notebooks.zip`` holds every
    notebook and every image in one folder. Each notebook is validated by nbformat first.

    Args:
        lessons: The lessons.
        language: The notebooks' language.
        pages: Each lesson's page in that language, by lesson name.
        strings: The notebook phrases of that language (see :func:`notebook`).
        images: The bytes of every file a lesson reads, by name.
        drawn_by: The cell that draws each figure, by file name (see :func:`notebook`).
        site: The published site's root for that language, if it has a public address.
        fetch_from: Where a notebook fetches a missing image from (see :func:`notebook`).
        made: Notebooks made before, by a digest of all a notebook is made from but this
            module's code (:func:`_notebook_key`): one found there is not made again, and each
            one made is added. Keep it for one version of the library.

    Returns:
        The bytes of each file by its name: ``<lesson>.ipynb``, ``<lesson>.zip`` and
        ``cnnviz-notebooks.zip``.

    Raises:
        LessonError: A notebook nbformat refuses, or a page that names a missing cell.
    """
    files: dict[str, bytes] = {}
    everything: dict[str, bytes] = {}
    made = {} if made is None else made
    for lesson in lessons:
        args = (lesson, language, pages[lesson.name], strings)
        options = {"drawn_by": drawn_by, "site": site, "fetch_from": fetch_from}
        key = _notebook_key(*args, **options)
        if key not in made:  # nbformat is imported only to make one
            import nbformat

            document = notebook(*args, **options)
            validate(document, f"{lesson.name}.{language}.ipynb")
            made[key] = (nbformat.v4.writes_json(document) + "\n").encode()  # as Jupyter saves it
        data = made[key]
        used = {f"images/{name}": images[name] for name in lesson.files()}
        own = {f"{lesson.name}.ipynb": data, **used}
        files[f"{lesson.name}.ipynb"] = data
        files[f"{lesson.name}.zip"] = zip_bytes({f"{lesson.name}/{k}": v for k, v in own.items()})
        everything.update({f"{ALL_NOTEBOOKS}/{k}": v for k, v in own.items()})
    files[f"{ALL_NOTEBOOKS}.zip"] = zip_bytes(everything)
    return files


def _notebook_key(lesson: Lesson, *arguments: object, **options: object) -> str:
    """A digest of all :func:`notebook` makes a notebook from, its code aside: the lesson's
    cells and those its setup borrows, and every other argument. Two calls with the same key
    make the same notebook, as long as this module and nbformat are the same."""

    def fields(cell: Cell) -> list:  # every field; dataclasses.asdict deep-copies (35 ms)
        return [getattr(cell, each.name) for each in dataclasses.fields(cell)]

    borrowed = [(owner, fields(cell)) for owner, cell in setup_cells(lesson)]
    record = [[fields(cell) for cell in lesson.cells], borrowed, arguments, options]
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=dict).encode()).hexdigest()


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """Pack files into a zip whose bytes depend on their names and contents alone.

    Args:
        files: Each file's bytes by its path inside the zip.

    Returns:
        The zip, with entries sorted by name and every date set to 1980-01-01. A PNG is
        stored as it is: deflating it again took two thirds of the time for 1.1 % fewer bytes
        (the site's 24 zips, 2026-12-06).
    """
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            packed = name.endswith(".png")
            entry.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[name])
    return buffer.getvalue()

"""Every sentence that gives a reason is listed beside the test or the cell that shows it.

A sentence that explains *why* ("because", "so", 때문에, 그래서, -므로) is a claim, held to the
same standard as a number. ``tests/reasons/<page>.toml`` lists each such sentence of a page, in
both languages, by a short phrase of it, with what holds it::

    [[reason]]
    ko = "음수가 없으므로"
    en = "No value is negative, so"
    held_by = ["tests/test_photo_lessons.py::test_relu_leaves_no_negative", "cell:relu:stats"]

``held_by`` names a test that fails if the reason were false, or a lesson cell whose output
shows it. The page's text is its Markdown, its lesson's Markdown cells (the exercises) and its
lesson's code comments, in that language: everything a reader of the page reads. A new reason
sentence that no entry names fails here, and so does an entry whose sentence is gone.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from project import ROOT

from cnnviz import lessons

REASONS = ROOT / "tests" / "reasons"
LANGUAGES = ("ko", "en")
GALLERY_STRINGS = ROOT / "gen" / "templates" / "gallery-strings.toml"

_MARKERS = {
    "en": re.compile(
        r"\b(?:because|so(?! far\b)|since|therefore|thus|hence|that is why|which is why)\b",
        re.IGNORECASE,
    ),
    "ko": re.compile(r"때문|그래서|따라서|므로|덕분|그러니|그러므로"),
}
_HIDDEN = [
    re.compile(r"```.*?```", re.S),  # code blocks: their comments are read from the lesson
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\{\{.*?\}\}"),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\$[^$\n]*\$"),
    re.compile(r"<[^>]+>"),
    re.compile(r"\]\([^)]*\)"),  # a link's target; its text stays
    re.compile(r"^(?:[!?]{3}\+?|#+|>|\s*[-*]|\s*\d+\.)[ ]", re.M),
    re.compile(r"[*_|\[\]!]"),
]


def pages() -> list[str]:
    """The pages a learner reads: every hand-written page pair but "about", and the gallery."""
    stems = {path.name.split(".")[0] for path in (ROOT / "docs").glob("*.ko.md")}
    return sorted(stems - {"about"}) + ["gallery"]


def page_text(page: str, language: str) -> str:
    """Everything a reader of ``page`` in ``language`` reads, as plain text, paragraph by
    paragraph."""
    if page == "gallery":
        strings = tomllib.loads(GALLERY_STRINGS.read_text(encoding="utf-8"))[language]
        templates = ROOT / "gen" / "templates"
        parts = [str(value) for value in strings.values()]
        parts += [path.read_text("utf-8") for path in templates.glob(f"gallery-*.{language}.md")]
    else:
        parts = [(ROOT / "docs" / f"{page}.{language}.md").read_text(encoding="utf-8")]
        if page in lessons.lesson_names():
            parts += _lesson_text(lessons.read_lesson(page), language)
    return plain("\n\n".join(parts))


def plain(markdown: str) -> str:
    """Markdown as a reader reads it: no code, maths, markers, tags or link targets."""
    for pattern in _HIDDEN:
        markdown = pattern.sub(" ", markdown)
    return markdown


def _lesson_text(lesson: lessons.Lesson, language: str) -> list[str]:
    parts = []
    for cell in lesson.cells:
        if cell.kind == "markdown" and cell.lang == language:
            parts.append(lessons.markdown_text(cell))
        elif cell.kind == "code":
            code = lessons.code_text(cell, language).splitlines()
            comments = [line.split("# ", 1)[1] for line in code if line.lstrip().startswith("# ")]
            parts.append(" ".join(comments))
    return parts


def sentences(text: str) -> list[str]:
    """Split plain text into sentences, with white space folded."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
            folded = " ".join(sentence.split())
            if folded:
                found.append(folded)
    return found


def reason_sentences(page: str, language: str) -> list[str]:
    """The sentences of a page that give a reason."""
    marker = _MARKERS[language]
    return [s for s in sentences(page_text(page, language)) if marker.search(s)]


def listed(page: str) -> list[dict]:
    """The reasons ``tests/reasons/<page>.toml`` lists; none if the file is missing."""
    path = REASONS / f"{page}.toml"
    if not path.exists():
        return []
    return tomllib.loads(path.read_text(encoding="utf-8")).get("reason", [])


def _fold(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", pages())
def test_every_reason_sentence_is_listed(page, language):
    """Each sentence that gives a reason contains a phrase its page's list names."""
    phrases = [_fold(entry[language]) for entry in listed(page)]
    missing = [s for s in reason_sentences(page, language) if not any(p in s for p in phrases)]
    assert not missing, (
        f"tests/reasons/{page}.toml lists no phrase of these {language} reason sentences:\n"
        + "\n".join(f"  - {s}" for s in missing)
    )


@pytest.mark.parametrize("page", pages())
def test_every_listed_reason_is_still_on_its_page(page):
    """Each listed phrase is part of a sentence of its page, in each language (a reason may be
    worded without a marker in one language: Korean -아서, for one)."""
    for entry in listed(page):
        for language in LANGUAGES:
            phrase = _fold(entry[language])
            assert any(phrase in s for s in sentences(page_text(page, language))), (
                f"tests/reasons/{page}.toml: {phrase!r} is in no {language} sentence of the page"
            )


def _holders() -> list[tuple[str, str]]:
    return [
        (path.stem, holder)
        for path in sorted(REASONS.glob("*.toml"))
        for entry in listed(path.stem)
        for holder in entry.get("held_by", [])
    ]


@pytest.mark.parametrize(("page", "holder"), _holders())
def test_what_holds_a_reason_exists(page, holder):
    """A holder is a test function that exists, or a code cell of a lesson."""
    if holder.startswith("cell:"):
        _, lesson, cell = holder.split(":")
        lessons.read_lesson(lesson).cell(cell)  # raises if there is no such cell
        return
    file, _, name = holder.partition("::")
    assert name.startswith("test_"), f"{page}: {holder!r} names no test function"
    source = (ROOT / file).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{page}: no {holder}"


@pytest.mark.parametrize("page", [path.stem for path in sorted(REASONS.glob("*.toml"))])
def test_every_listed_reason_names_what_holds_it(page):
    """No entry goes without a holder, and every entry has both languages."""
    assert page in pages(), f"tests/reasons/{page}.toml: no page {page!r}"
    for entry in listed(page):
        assert set(entry) == {"ko", "en", "held_by"}, entry
        assert entry["held_by"], f"tests/reasons/{page}.toml: {entry['en']!r} is held by nothing"


def test_reason_sentences_are_found_in_both_languages():
    """The scanner finds a reason in each language and passes over "so far", code and maths."""
    text = plain(
        "So far no filter.\n\nThe map is smaller, so it [loses](a.md) a row.\n\n"
        "```python\nx = 1  # so\n```\n\n$$ so $$ `so` and $so$ only."
    )
    found = [s for s in sentences(text) if _MARKERS["en"].search(s)]
    assert found == ["The map is smaller, so it loses a row."]
    assert _MARKERS["ko"].search("음수가 없으므로 파란색이 없습니다.")
    assert not _MARKERS["ko"].search("음수가 없어 파란색이 없습니다.")

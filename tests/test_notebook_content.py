"""A lesson's notebook is its whole page: the prose, the code, the exercises with the answers
at the end, and a cell that draws each of the page's figures from the very values the site's
figure shows. Links point at the published site or are relative, never at this machine.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from project import ROOT, lesson_run

from cnnviz import lessons, notebooks, samples

FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
STRINGS = tomllib.loads(
    (ROOT / "gen" / "templates" / "notebook-strings.toml").read_text(encoding="utf-8")
)
DRAWN_BY = {spec["target"].rpartition("/")[2]: spec.get("cell") for spec in FIGURES}
NOT_NAMES = {"lesson", "labels", "robust", "shared", "narrow", "index", "corner", "per_class"}
TITLED = {"picks", "truth", "guesses", "confidence"}  # only written in titles: checked by name
ONE_MAP = {"lesson_pooling_zoom", "lesson_pipeline"}  # recipes that draw map `index` (0) only
LESSONS = lessons.lesson_names()
CASES = [(name, language) for name in LESSONS for language in lessons.LANGUAGES]
SITE = "https://someone.github.io/cnnviz/"


def page(name: str, language: str) -> str:
    return (ROOT / "docs" / f"{name}.{language}.md").read_text(encoding="utf-8")


def build(name: str, language: str, site: str | None = None) -> dict[str, Any]:
    root = "" if language == "ko" else f"{language}/"
    return notebooks.notebook(
        lessons.read_lesson(name),
        language,
        page(name, language),
        STRINGS[language],
        drawn_by={k: v for k, v in DRAWN_BY.items() if v},
        site=f"{site}{root}" if site else None,
        fetch_from=f"{site}notebooks/images/" if site else None,
    )


def sources(document: dict[str, Any], kind: str) -> list[str]:
    return [cell["source"] for cell in document["cells"] if cell["cell_type"] == kind]


# ---- the page's figures, drawn by the notebook's own cells ----


def _float(value: Any) -> np.ndarray:
    detach = getattr(value, "detach", None)
    return np.asarray(detach().numpy() if detach else value, dtype=np.float64)


def is_crop(image: np.ndarray, plane: np.ndarray) -> bool:
    """The image is the plane, or a rectangle cut out of it, value for value."""
    image, plane = _float(image), _float(plane)
    if image.ndim != plane.ndim or image.shape[2:] != plane.shape[2:]:
        return False
    height, width = image.shape[:2]
    if height > plane.shape[0] or width > plane.shape[1]:
        return False
    if plane.ndim > 2:
        return image.shape == plane.shape and np.array_equal(image, plane)
    rows = sliding_window_view(plane, width, axis=1)[: plane.shape[0] - height + 1]
    starts = np.argwhere((rows == image[0]).all(axis=-1))
    return any(
        np.array_equal(plane[r : r + height, c : c + width], image) for r, c in starts[:2000]
    )


def named(params: dict[str, Any]) -> list[str]:
    names = []
    for key, value in params.items():
        if key not in NOT_NAMES | TITLED:
            names += [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
    return names


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) or getattr(value, "ndim", None) == 0


def missing(spec: dict[str, Any], drawings, namespace) -> list[str]:
    """The figure's values that none of the drawings shows: an image (or a crop of it) for each
    map, a line for each series, a label for each shape."""
    images = [image for drawing in drawings for image in drawing.images]
    lines = [axis for drawing in drawings for line in drawing.lines for axis in line]
    texts = {text for drawing in drawings for text in drawing.texts}
    lost = []
    for name in named(spec["params"]):
        value = namespace[name]
        if isinstance(value, dict) and spec["params"].get("corner"):
            value = {key: v for key, v in value.items() if key[1] == 1}  # stride 1 only
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, slice) or _is_number(value) or hasattr(value, "parameters"):
            continue  # a crop, a place or a scalar, or a model: no array to draw
        if isinstance(value, list | tuple) and value and isinstance(value[0], tuple):
            lost += [f"{name}: {shape}" for shape in value if str(shape) not in texts]
            continue
        if isinstance(value, list | tuple) and value and _is_number(value[0]):
            series = _float(value)
            drawn = any(len(line) == len(series) and np.allclose(line, series) for line in lines)
            if not drawn and not all(str(v) in texts for v in value):
                lost.append(name)
            continue
        arrays = list(value) if isinstance(value, list | tuple) else [value]
        for number, array in enumerate(arrays):
            for plane in _planes(_float(array), spec["recipe"] in ONE_MAP):
                if plane.ndim == 1:
                    if not (is_series(plane, lines) or is_levels(plane, lines)):
                        lost.append(f"{name}[{number}]")
                elif not any(is_crop(image, plane) for image in images) and not all(
                    is_series(row, lines) for row in plane
                ):
                    lost.append(f"{name}[{number}] {plane.shape}")
    return lost


def is_series(values: np.ndarray, lines) -> bool:
    """Some line (or bar chart) plots exactly these values."""
    return any(len(y) == len(values) and np.allclose(y, values) for y in lines)


def is_levels(values: np.ndarray, lines) -> bool:
    """Each value is drawn as a level line of its own (``axhline``)."""
    flat = [y for y in lines if len(y) == 2 and y[0] == y[1]]
    return all(any(np.isclose(y[0], value) for y in flat) for value in values)


def _planes(array: np.ndarray, first_only: bool) -> list[np.ndarray]:
    while array.ndim > 1 and array.shape[0] == 1:
        array = array[0]  # a batch or a channel of one
    if array.ndim <= 2 or (array.ndim == 3 and array.shape[-1] in (3, 4) and array.shape[1] > 4):
        return [array]  # a map, a series or a colour image
    planes = list(array.reshape(-1, *array.shape[-2:]))
    return planes[:1] if first_only else planes


@pytest.mark.parametrize("spec", FIGURES, ids=[s["target"] for s in FIGURES])
def test_every_figure_names_a_cell_of_its_lesson(spec):
    """Each figure of figures.toml names the lesson cell that draws it in the notebook."""
    assert "cell" in spec, f"{spec['target']}: no cell draws it in the notebook"
    lessons.read_lesson(spec["params"]["lesson"]).cell(spec["cell"])


@pytest.mark.parametrize("spec", FIGURES, ids=[s["target"] for s in FIGURES])
def test_each_figure_cell_draws_the_values_of_the_sites_figure(spec):
    """Run with pyplot recorded, the figure's cell shows every array the site's figure draws:
    each map (or the crop the page enlarges), each series as a line, each shape as a label."""
    run = lesson_run(spec["params"]["lesson"])
    drawings = run.drawn.get(spec["cell"], ())
    assert drawings, f"{spec['target']}: cell {spec['cell']!r} draws nothing"
    assert missing(spec, drawings, run.namespace) == []


def test_a_cell_that_stops_drawing_fails_the_check(tmp_path):
    """Remove the drawing from the input image's cell, and the check finds its image missing;
    remove the cell, and the lesson has no such cell."""
    (spec,) = [s for s in FIGURES if s["target"] == "figures/input.png"]
    source = (ROOT / "docs" / "lessons" / "image.py").read_text(encoding="utf-8")
    drawing = lessons.read_lesson("image").cell(spec["cell"])
    body = "\n".join(drawing.lines)
    (tmp_path / "image.py").write_text(source.replace(body, "print('nothing drawn')"), "utf-8")
    lesson = lessons.read_lesson("image", tmp_path)
    files = {file: samples.sample_file(file) for file in lesson.files()}
    run = lessons.run_lesson(lesson, files, record=True)
    assert run.drawn[spec["cell"]] == ()
    assert missing(spec, run.drawn[spec["cell"]], run.namespace) == ["gray_img[0] (213, 320)"]
    header = f"# %% {spec['cell']}\n"
    (tmp_path / "image.py").write_text(source.replace(header + body, ""), "utf-8")
    with pytest.raises(lessons.LessonError, match=f"no code cell named '{spec['cell']}'"):
        lessons.read_lesson("image", tmp_path).cell(spec["cell"])


def test_the_crop_check_finds_a_crop_and_only_a_crop():
    """is_crop accepts the very rectangle, anywhere in the map, and refuses a changed one."""
    plane = np.arange(48.0).reshape(6, 8)
    assert is_crop(plane[2:5, 3:7], plane)
    assert is_crop(plane, plane)
    changed = plane[2:5, 3:7].copy()
    changed[1, 1] += 1
    assert not is_crop(changed, plane)
    assert not is_crop(plane.T, plane)


# ---- the page, as notebook cells ----


def page_figures(text: str) -> list[tuple[str, str]]:
    """Each figure of the page as (file, caption): <figure> blocks and the step-through."""
    found = []
    for block in re.findall(r"<figure.*?</figure>", text, flags=re.S):
        file = re.search(r"\]\((?:[^)]*/)?([^)/]+)\)", block)[1]
        caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", block, flags=re.S)[1]
        found.append((file, " ".join(caption.split())))
    found += [(file, "") for file in re.findall(r'data-steps="([^"]+)"', text)]
    return found


def prose_lines(text: str) -> list[str]:
    """The page's own lines of prose: no front matter, marker, figure or widget HTML."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r'<div class="cnnviz-net".*?</div>', "", text, flags=re.S)
    text = re.sub(r"<figure.*?</figure>|<div class=\"cnnviz-steps.*?\n</div>", "", text, flags=re.S)
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith(("{{", "<"))]


def unlinked(text: str) -> str:
    return re.sub(r"\]\([^)\s]+\)", "]()", text)


@pytest.mark.parametrize(("name", "language"), CASES)
def test_the_notebook_carries_every_line_of_the_pages_prose(name, language):
    """Each line the page writes is in a Markdown cell of the notebook, headings and maths
    included, links aside; the title is the notebook's first cell."""
    document = build(name, language)
    markdown = unlinked("\n".join(sources(document, "markdown")))
    for line in prose_lines(page(name, language)):
        assert unlinked(line) in markdown, f"{name}.{language}: {line[:80]}"
    assert document["cells"][0]["source"].startswith("# ")
    title = next(line for line in page(name, language).splitlines() if line.startswith("# "))
    assert document["cells"][0]["source"].splitlines()[0] == title


@pytest.mark.parametrize(("name", "language"), CASES)
def test_the_notebook_holds_every_cell_in_the_lessons_order(name, language):
    """Every code cell of the lesson (answers aside) is a cell of the notebook, once, in the
    source's order, after the setup from earlier lessons; so it runs top to bottom."""
    lesson = lessons.read_lesson(name)
    code = sources(build(name, language), "code")
    own = [
        lessons.code_text(cell, language)
        for cell in lesson.code_cells()
        if cell.meta.get("role") != "answer"
    ]
    positions = [code.index(text) for text in own]
    assert positions == sorted(positions)
    setup = [lessons.code_text(cell, language) for _, cell in lessons.setup_cells(lesson)]
    assert all(code.index(text) < positions[0] for text in setup)


@pytest.mark.parametrize(("name", "language"), CASES)
def test_each_caption_follows_the_cell_that_draws_its_figure(name, language):
    """A figure's caption is the Markdown cell right after the code cell named in
    figures.toml; the notebook draws the figure itself."""
    lesson = lessons.read_lesson(name)
    cells = build(name, language)["cells"]
    for file, caption in page_figures(page(name, language)):
        code = lessons.code_text(lesson.cell(DRAWN_BY[file]), language)
        (at,) = [i for i, cell in enumerate(cells) if cell["source"] == code]
        after = cells[at + 1]
        assert after["cell_type"] == "markdown", f"{name}: {file}"
        assert after["source"].startswith(f"**{STRINGS[language]['figure']}**")
        assert unlinked(caption) in unlinked(after["source"]), f"{name}: {file}"


@pytest.mark.parametrize(("name", "language"), CASES)
def test_answers_wait_at_the_end_and_each_question_links_there(name, language):
    """Each question is followed by an empty cell to try it in and links to its answer, which
    comes only after the Answers heading, under its anchor."""
    lesson = lessons.read_lesson(name)
    cells = build(name, language)["cells"]
    strings = STRINGS[language]
    (heading,) = [i for i, c in enumerate(cells) if c["source"] == f"## {strings['answers']}"]
    exercises = [c for c in lesson.code_cells() if c.meta.get("role") == "answer"]
    assert exercises
    for answer in exercises:
        question = answer.name.removesuffix("-answer")
        text = lessons.markdown_text(lesson.markdown(question, language))
        (asked,) = [i for i, c in enumerate(cells) if c["source"].startswith(text)]
        assert f"](#answer-{question})" in cells[asked]["source"]
        assert cells[asked + 1]["source"] == f"# {strings['try']}"
        code = lessons.code_text(answer, language)
        (answered,) = [i for i, c in enumerate(cells) if c["source"] == code]
        assert asked < heading < answered
        assert f'<a id="answer-{question}"></a>' in cells[answered - 1]["source"]


@pytest.mark.parametrize(("name", "language"), CASES)
def test_links_go_to_the_published_site_or_stay_relative(name, language):
    """With a public site_url, page links are absolute on it, in the page's language; without
    one, they are relative to the notebook's folder; never this machine's address."""
    root = "" if language == "ko" else f"{language}/"
    for site in (SITE, None):
        document = build(name, language, site)
        text = json.dumps(document, ensure_ascii=False)
        assert not re.search(r"127\.0\.0\.1|localhost", text)
        for target in re.findall(r"\]\(([^)\s]+)\)", "\n".join(sources(document, "markdown"))):
            if target.startswith("#"):
                assert target.startswith("#answer-")
            elif site:
                assert target.startswith(f"{SITE}{root}") or "://" in target, target
                assert ".md" not in target
            else:
                assert target.startswith("../") or "://" in target, target


@pytest.mark.parametrize("language", lessons.LANGUAGES)
def test_images_are_fetched_only_from_a_public_site(language):
    """A public site_url gives a cell that fetches missing images from it; with none, the
    notebook says the lesson's zip holds the images folder, and fetches nothing."""
    fetched = build("conv", language, SITE)
    code = "\n".join(sources(fetched, "code"))
    assert f'urlretrieve("{SITE}notebooks/images/" + name, path)' in code
    assert "udacity_sdc.png" in code
    local = build("conv", language, None)
    assert "urlretrieve" not in "\n".join(sources(local, "code"))
    assert STRINGS[language]["files_zip"].format(zip="conv.zip") in sources(local, "markdown")


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://someone.github.io/cnnviz/", "https://someone.github.io/cnnviz/"),
        ("https://example.org", "https://example.org/"),
        ("http://127.0.0.1:8000/", None),
        ("http://localhost:8000/", None),
        ("http://[::1]/", None),
        ("http://192.168.1.10/", None),
        ("http://site.local/", None),
        ("file:///tmp/site/", None),
        ("", None),
        (None, None),
    ],
)
def test_only_a_public_address_counts_as_the_published_site(url, public):
    """mkdocs serve's 127.0.0.1, localhost and private addresses are never written."""
    assert notebooks.public_address(url) == public


@pytest.mark.parametrize(("name", "language"), CASES)
def test_every_notebook_is_valid_nbformat(name, language):
    """nbformat's schema accepts each notebook, as the build checks before writing it."""
    notebooks.validate(build(name, language, SITE), f"{name}.{language}.ipynb")


def test_an_invalid_notebook_is_refused_in_one_line():
    """The build's check names the notebook and the problem in one line."""
    document = build("image", "en")
    document["cells"][0]["cell_type"] = "picture"
    with pytest.raises(lessons.LessonError) as caught:
        notebooks.validate(document, "image.en.ipynb")
    assert str(caught.value).startswith("image.en.ipynb: not a valid notebook")
    assert "\n" not in str(caught.value)


# ---- the converter on small pages whose result is known ----

SMALL = """\
# %% needs="first:load"

# %% double
# ko: 두 배로 만듭니다.
# en: Double it.
y = x * 2
print(y)

# %% draw
print("drawn", y)

# %% ask [markdown] lang="ko"
# 세 배로 만들어 보십시오.

# %% ask [markdown] lang="en"
# Make it three times as large, [as before](conv.md).

# %% ask-answer role="answer"
print(x * 3)
"""

FIRST = '# %% load\nfrom pathlib import Path\n\nx = [1, 2, 3]\ndata = Path("images/t.txt")\n'


@pytest.fixture
def small(tmp_path: Path) -> lessons.Lesson:
    (tmp_path / "small.py").write_text(SMALL, encoding="utf-8")
    (tmp_path / "first.py").write_text(FIRST, encoding="utf-8")
    return lessons.read_lesson("small", tmp_path)


def convert(lesson: lessons.Lesson, text: str, **options) -> list[tuple[str, str]]:
    document = notebooks.notebook(lesson, "en", text, STRINGS["en"], **options)
    return [(cell["cell_type"], cell["source"]) for cell in document["cells"]]


def test_a_page_becomes_prose_setup_code_and_answers(small):
    """Title and introduction first, then the setup, each section its own cell, the code in
    the page's language, the question with an empty cell, and the answer at the end."""
    text = (
        "# Title\n\nIntro.\n\n## Part\n\nSee [pooling](pooling.md#max) and [home](index.md).\n\n"
        '{{ cell("double") }}\n\n### Exercise 1\n\n{{ exercise("ask") }}\n'
    )
    cells = convert(small, text, drawn_by={}, site="https://x.org/en/")
    files = STRINGS["en"]["files_zip"].format(zip="small.zip")
    assert cells == [
        ("markdown", "# Title\n\nIntro."),
        ("markdown", files),
        ("markdown", STRINGS["en"]["setup"]),
        ("code", FIRST.partition("\n")[2].strip()),
        (
            "markdown",
            "## Part\n\nSee [pooling](https://x.org/en/pooling/#max) and "
            "[home](https://x.org/en/).",
        ),
        ("code", "# Double it.\ny = x * 2\nprint(y)"),
        ("code", 'print("drawn", y)'),
        ("markdown", "### Exercise 1"),
        (
            "markdown",
            "Make it three times as large, [as before](https://x.org/en/conv/).\n\n"
            f"[{STRINGS['en']['to_answer']}](#answer-ask)",
        ),
        ("code", f"# {STRINGS['en']['try']}"),
        ("markdown", f"## {STRINGS['en']['answers']}"),
        ("markdown", f'<a id="answer-ask"></a>\n\n### {STRINGS["en"]["answer"]}: Exercise 1'),
        ("code", "print(x * 3)"),
    ]


def test_a_figure_before_its_cells_is_drawn_once_they_have_run(small):
    """A figure whose drawing cell the page does not show: the cell comes after the cells it
    needs, its caption right under it; a caption of a shown cell waits for that cell."""
    text = (
        '# T\n\n<figure markdown="span">\n  ![alt](figures/d.png)\n'
        '  <figcaption markdown="span">What `y` looks like.</figcaption>\n</figure>\n\n'
        '{{ cell("double") }}\n\nAfter.\n'
    )
    cells = convert(small, text, drawn_by={"d.png": "draw"})
    code = [source for kind, source in cells if kind == "code"]
    at = [source for _, source in cells].index('print("drawn", y)')
    assert code[-2:] == ["# Double it.\ny = x * 2\nprint(y)", 'print("drawn", y)']
    assert cells[at + 1] == ("markdown", "**Figure:** What `y` looks like.")
    assert cells[at + 2] == ("markdown", "After.")
    shown = text.replace('{{ cell("double") }}', '{{ cell("double") }}\n\n{{ cell("draw") }}')
    cells = convert(small, shown, drawn_by={"d.png": "draw"})
    at = [source for _, source in cells].index('print("drawn", y)')
    assert cells[at + 1] == ("markdown", "**Figure:** What `y` looks like.")


def test_the_step_through_widget_becomes_its_cell_and_title(small):
    """The page's script-driven step-through is replaced by the cell that prints and draws
    its steps, under the widget's title."""
    text = (
        '# T\n\n{{ cell("double") }}\n\n<div class="cnnviz-steps" data-steps="s.json">\n'
        '<script type="application/json">{"a": 1}</script>\n'
        '<p class="cnnviz-steps-title"><strong>Moving <em>f</em><sub>1</sub></strong></p>\n'
        "<div></div>\n</div>\n\nAfter.\n"
    )
    cells = convert(small, text, drawn_by={"s.json": "draw"})
    sources_ = [source for _, source in cells]
    at = sources_.index('print("drawn", y)')
    assert cells[at + 1] == ("markdown", "**Figure:** Moving f1")
    assert not any("<script" in source for source in sources_)


def test_the_drawing_box_becomes_a_link_to_its_page_and_front_matter_goes(small):
    """The trained network's drawing box runs only on the page: the notebook says so and
    links there, with none of its HTML; the page's front matter is not prose."""
    text = (
        '---\ntrained: true\n---\n\n# T\n\n{{ cell("double") }}\n\n'
        '<div class="cnnviz-net" data-classes="a|b"></div>\n\nAfter.\n'
    )
    cells = convert(small, text, site="https://example.org/cnnviz/en/")
    sources_ = [source for _, source in cells]
    assert sources_[0] == "# T"
    assert not any("cnnviz-net" in source or "trained:" in source for source in sources_)
    link = f"[{STRINGS['en']['widget']}](https://example.org/cnnviz/en/{small.name}/)"
    assert sources_[sources_.index("After.") - 1] == link


def test_admonitions_become_quotes_details_or_titles(small):
    """`!!!` becomes a quote, `???` a closed <details>, `???+` an open one; one holding a
    cell keeps its title in bold and its contents as cells."""
    text = (
        '# T\n\n!!! note "Mind"\n    One $x$.\n\n    Two.\n\n??? tip "Hint"\n    Fold.\n\n'
        '???+ info\n    Open.\n\n!!! example "Run"\n    Before.\n\n    {{ cell("double") }}\n'
    )
    cells = convert(small, text)
    texts = [source for kind, source in cells if kind == "markdown"]
    assert "> **Mind**\n>\n> One $x$.\n>\n> Two." in texts
    assert "<details><summary>Hint</summary>\n\nFold.\n\n</details>" in texts
    assert "<details open><summary>Info</summary>\n\nOpen.\n\n</details>" in texts
    at = texts.index("**Run**")
    assert texts[at + 1] == "Before."
    assert ("code", "# Double it.\ny = x * 2\nprint(y)") in cells


def test_without_a_public_site_links_are_relative_to_the_notebooks_folder(small):
    """Links to pages, anchors and files resolve from `<root>notebooks/`; code spans and
    outside addresses are left alone."""
    text = (
        "# T\n\n[a](pooling.md) [b](#here) [c](figures/x.png) [d](https://e.org/x.md) `[e](f.md)`\n"
    )
    (intro,) = [source for kind, source in convert(small, text) if kind == "markdown"][:1]
    assert intro == (
        "# T\n\n[a](../pooling/) [b](../small/#here) [c](../figures/x.png) "
        "[d](https://e.org/x.md) `[e](f.md)`"
    )


def test_a_page_marker_naming_no_cell_is_refused(small):
    """A typo in the page stops the notebook as it stops the page."""
    with pytest.raises(lessons.LessonError, match="no code cell named 'dubble'"):
        convert(small, '# T\n\n{{ cell("dubble") }}\n')


def test_the_zip_holds_the_notebook_and_its_images(small):
    """A lesson's notebook and zip, and the zip of all, are written from its page."""
    files = notebooks.notebook_files(
        [small], "en", {"small": "# T\n"}, STRINGS["en"], {"t.txt": b"abc"}
    )
    assert set(files) == {"small.ipynb", "small.zip", "cnnviz-notebooks.zip"}
    assert nbformat.reads(files["small.ipynb"], as_version=4).cells[0].source == "# T"


def test_a_notebook_is_written_as_jupyter_saves_it(small):
    """The file is nbformat's own writing of the notebook, so a learner who opens and saves it
    unchanged changes no byte; the cells' ids go by place, so two builds write the same bytes."""
    page = {"small": '# T\n\n{{ cell("double") }}\n'}
    made = [
        notebooks.notebook_files([small], "en", page, STRINGS["en"], {"t.txt": b"abc"})
        for _ in range(2)
    ]
    assert made[0]["small.ipynb"] == made[1]["small.ipynb"]
    text = made[0]["small.ipynb"].decode()
    document = nbformat.reads(text, as_version=4)
    assert nbformat.writes(document) + "\n" == text
    assert [cell.id for cell in document.cells] == [
        f"small-{number}" for number in range(len(document.cells))
    ]


def test_a_notebook_the_schema_refuses_is_not_written(small, monkeypatch):
    """Each notebook is checked against nbformat's schema once, before its bytes are written
    (nbformat.writes would only log the problem); the build stops with one line naming it."""
    made = notebooks.notebook

    def broken(*args, **kwargs):
        document = made(*args, **kwargs)
        document["cells"][0]["cell_type"] = "picture"
        return document

    monkeypatch.setattr(notebooks, "notebook", broken)
    with pytest.raises(lessons.LessonError, match=r"^small\.en\.ipynb: not a valid notebook"):
        notebooks.notebook_files([small], "en", {"small": "# T\n"}, STRINGS["en"], {})


def test_a_notebook_made_before_is_not_made_again(small, tmp_path, monkeypatch):
    """With ``made``, a notebook whose page, lesson, borrowed setup and options are unchanged
    is taken as it was made; a change to any of them makes it again."""
    made = {}
    page = {"small": '# T\n\n{{ cell("double") }}\n'}

    def files(page=page, language="en", **options):
        return notebooks.notebook_files(
            [lessons.read_lesson("small", tmp_path)],
            language,
            page,
            STRINGS[language],
            {"t.txt": b"abc"},
            made=made,
            **options,
        )

    first = files()
    calls = []
    make = notebooks.notebook
    monkeypatch.setattr(notebooks, "notebook", lambda *a, **k: calls.append(1) or make(*a, **k))
    assert files() == first
    assert calls == []
    files({"small": page["small"] + "\nMore.\n"})
    files(language="ko", page={"small": "# 제목\n"})
    files(site="https://x.org/en/")
    (tmp_path / "first.py").write_text(FIRST + "y = 1\n", encoding="utf-8")
    lessons._parsed.cache_clear()
    assert files()["small.ipynb"] != first["small.ipynb"]  # the borrowed setup cell changed
    assert len(calls) == 4
    assert len(made) == 5

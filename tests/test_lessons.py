"""Lesson sources: how they are read, checked, turned into notebooks and put into pages."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest

from cnnviz import lessons, notebooks
from cnnviz.images import encode_png
from cnnviz.lessons import LessonError

HANGUL = re.compile("[가-힣]")

SOURCE = """\
# A small lesson for the tests.

# %% needs="first:load"

# %% double
# ko: 두 배로 만듭니다.
# en: Double it.
y = x * 2  # (3,)
print(y)

# %% ask [markdown] lang="ko"
# 세 배로 만들어 보세요.

# %% ask [markdown] lang="en"
# Make it three times as large.

# %% ask-answer role="answer"
print(x * 3)
"""

FIRST = """\
# %% load
# ko: 이미지를 읽습니다.
# en: Read the image.
from pathlib import Path

data = Path("images/tiny.txt").read_text()
x = [1, 2, 3]
print("loaded", len(data))
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "small.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "first.py").write_text(FIRST, encoding="utf-8")
    return tmp_path


def write(folder: Path, text: str, name: str = "bad") -> str:
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return name


def test_a_source_is_read_into_cells(folder):
    """Markdown cells carry their language, code cells their name, setup cells their needs."""
    lesson = lessons.read_lesson("small", folder)
    kinds = [(cell.kind, cell.name, cell.lang) for cell in lesson.cells]
    assert kinds == [
        ("setup", "", None),
        ("code", "double", None),
        ("markdown", "ask", "ko"),
        ("markdown", "ask", "en"),
        ("code", "ask-answer", None),
    ]
    assert lesson.needs() == [("first", "load")]
    assert lesson.files() == ["tiny.txt"]


def test_code_text_keeps_one_languages_comments(folder):
    """The ko code has the Korean comment, the en code the English one; code lines are the
    same in both, trailing comments included."""
    cell = lessons.read_lesson("small", folder).cell("double")
    korean, english = lessons.code_text(cell, "ko"), lessons.code_text(cell, "en")
    assert korean == "# 두 배로 만듭니다.\ny = x * 2  # (3,)\nprint(y)"
    assert english == "# Double it.\ny = x * 2  # (3,)\nprint(y)"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("print(1)\n# %% a\n", "code before the first"),
        ("# %% \n", "every code cell needs a name"),
        ("# %% a b c\n", "cannot read the cell line"),
        ('# %% [markdown] lang="ko"\n# x\n', "needs a name; the page holds the prose"),
        ('# %% a [markdown] lang="fr"\n# x\n', 'lang="ko" or lang="en"'),
        ('# %% a [markdown] lang="ko"\n# x\n', "twin in every language"),
        (
            '# %% a [markdown] lang="ko"\nx = 1\n# %% a [markdown] lang="en"\n# x\n',
            "starts with '# '",
        ),
        ("# %% a\n# ko: 하나\nx = 1\n", "needs its '# en:' twin"),
        ("# %% a\nx = '하나'\n", "Korean outside"),
        ("# %% a\nx = 1\n# %% a\ny = 2\n", "two code cells are named 'a'"),
        ('# %% a\nx = 1\n# %% needs="b:c"\n', "setup cells come before"),
        ('# %% needs="b"\n', 'needs="lesson:cell'),
        ('# %% [setup] needs="b:c"\n', "cannot read the cell line"),
        ("# %% a\n# %time x = 1\n", "jupytext reads this line as something else"),
        ("# %% a count=3\nx = 1\n", 'metadata is written key="value"'),
        ("# %% a\nx = 1\n#%% b\ny = 2\n", "not one per '# %%' line"),
        ('# %% a\nx = """\n# %% b\n"""\n', "not one per '# %%' line"),
        ('# %% q-answer role="answer"\nx = 1\n', "no ko Markdown cell named 'q'"),
    ],
)
def test_a_broken_source_is_one_line_naming_the_file(folder, text, problem):
    """Each broken rule is refused with one line naming the file (and line) and the rule."""
    name = write(folder, text)
    with pytest.raises(LessonError) as caught:
        lessons.read_lesson(name, folder)
    message = str(caught.value)
    assert problem in message
    assert str(folder / "bad.py") in message
    assert "\n" not in message


@pytest.mark.parametrize("name", lessons.lesson_names())
def test_a_lesson_is_a_jupytext_notebook_that_round_trips(name):
    """jupytext opens each lesson as an nbformat notebook with the cells in the lesson's order,
    names as titles; writing it back as py:percent gives the same file, byte for byte."""
    path = lessons.LESSON_DIR / f"{name}.py"
    notebook = jupytext.read(path)
    nbformat.validate(notebook)
    lesson = lessons.read_lesson(name)
    titles = [cell.metadata.get("title", "") for cell in notebook.cells[1:]]
    assert titles == [cell.name for cell in lesson.cells]
    assert jupytext.writes(notebook, fmt="py:percent") == path.read_text(encoding="utf-8")


def test_a_source_written_back_by_jupytext_reads_the_same(folder):
    """A source without a '# %%' above its header comment, written back by jupytext (which
    adds one), gives the same cells, one line further down."""
    text = (folder / "small.py").read_text(encoding="utf-8")
    written = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent")
    assert written == "# %%\n" + text
    before = lessons.read_lesson("small", folder)
    after = lessons.read_lesson(write(folder, written, "again"), folder)
    assert [(c.kind, c.name, c.lines, c.meta) for c in after.cells] == [
        (c.kind, c.name, c.lines, c.meta) for c in before.cells
    ]
    assert [c.line for c in after.cells] == [c.line + 1 for c in before.cells]


@pytest.fixture
def parsed_copies(tmp_path, monkeypatch):
    """The folder of parsed lessons, moved to ``tmp_path``, and a parse that is counted."""
    monkeypatch.setattr(lessons, "PARSED", tmp_path / "parsed")
    parses = []
    parse = lessons._parse

    def counted(*args):
        parses.append(args[0])
        return parse(*args)

    monkeypatch.setattr(lessons, "_parse", counted)
    lessons._parsed.cache_clear()
    yield parses
    lessons._parsed.cache_clear()


def test_a_project_lesson_is_parsed_again_only_when_its_source_changes(parsed_copies):
    """A lesson of the project's own folder is parsed once, then read from its parsed copy,
    cell for cell the same, by every later process; a changed source, a damaged copy, or
    another parser's copy is parsed again."""
    path = lessons.LESSON_DIR / "relu.py"
    text = path.read_text(encoding="utf-8")
    first = lessons._parsed("relu", path, text)
    copy = lessons.PARSED / "relu.json"
    assert parsed_copies == ["relu"]
    assert copy.exists()

    def again(source=text):  # as a new process reads it: nothing remembered in memory
        lessons._parsed.cache_clear()
        return lessons._parsed("relu", path, source)

    assert again() == first
    assert parsed_copies == ["relu"]
    edited = again(text + "\n# %% another\nx = 1\n")
    assert edited.cells[-1].name == "another"
    assert parsed_copies == ["relu", "relu"]
    assert again() == first  # the copy holds one source at a time
    assert parsed_copies == ["relu", "relu", "relu"]
    copy.write_bytes(copy.read_bytes()[:-2])
    assert again() == first
    assert len(parsed_copies) == 4
    record = json.loads(copy.read_bytes())
    copy.write_text(json.dumps({**record, "key": "another parser"}))
    assert again() == first
    assert len(parsed_copies) == 5


def test_a_lesson_of_another_folder_is_always_parsed(folder, parsed_copies):
    """Only the project's own lessons are kept parsed; a folder elsewhere gets no copy."""
    lessons.read_lesson("small", folder)
    lessons._parsed.cache_clear()
    lessons.read_lesson("small", folder)
    assert parsed_copies == ["small", "small"]
    assert not lessons.PARSED.exists()


def test_a_missing_source_is_one_line(folder):
    """A lesson with no file is named, with the reason."""
    with pytest.raises(LessonError, match=r"nothing\.py: cannot be read"):
        lessons.read_lesson("nothing", folder)


def test_a_setup_naming_an_unknown_cell_is_refused(folder):
    """needs= must name a real cell of a real lesson."""
    name = write(folder, '# %% needs="first:nope"\n# %% a\nx = 1\n')
    with pytest.raises(LessonError, match="no code cell named 'nope'"):
        lessons.setup_cells(lessons.read_lesson(name, folder))


def test_running_a_lesson_keeps_what_each_cell_printed(folder):
    """Setup cells run first; the lesson's own cells' outputs are kept by name, in a folder
    that holds the files under images/."""
    lesson = lessons.read_lesson("small", folder)
    run = lessons.run_lesson(lesson, {"tiny.txt": b"abc"})
    assert run.outputs == {
        "double": "[1, 2, 3, 1, 2, 3]\n",
        "ask-answer": "[1, 2, 3, 1, 2, 3, 1, 2, 3]\n",
    }
    assert run.namespace["y"] == [1, 2, 3, 1, 2, 3]
    assert run.namespace["data"] == "abc"


def test_a_failing_cell_is_named_with_its_file_and_error(folder):
    """A cell that raises stops the run with one line: the file and line, the cell and the
    error; the traceback's line numbers are the source's. A syntax error names its line too,
    and a file of the project is named from the project's root (docs/lessons/...)."""
    name = write(folder, "# %% one\nx = 1\n\n# %% two\ny = 2\nx = 1 / 0\n")
    with pytest.raises(LessonError) as caught:
        lessons.run_lesson(lessons.read_lesson(name, folder), {})
    expected = f"{folder / 'bad.py'}:6: cell 'two': ZeroDivisionError: division by zero"
    assert str(caught.value) == expected
    assert caught.value.__cause__.__traceback__.tb_next.tb_lineno == 6
    name = write(folder, "# %% one\nx = 1\n\n# %% two\ny = (\n")
    with pytest.raises(LessonError) as caught:
        lessons.run_lesson(lessons.read_lesson(name, folder), {})
    assert str(caught.value).startswith(f"{folder / 'bad.py'}:5: cell 'two': SyntaxError: ")
    inside = lessons.LESSON_DIR / "conv.py"
    error = lessons._cell_error(inside, lessons.read_lesson("conv").cell("weight"), ValueError("x"))
    assert str(error).startswith("docs/lessons/conv.py:")


def test_a_warning_in_a_cell_fails_it(folder):
    """A lesson must run cleanly: a warning is an error, as the notebook test would show."""
    name = write(folder, "# %% a\nimport warnings\nwarnings.warn('careful')\n")
    with pytest.raises(LessonError, match="UserWarning: careful"):
        lessons.run_lesson(lessons.read_lesson(name, folder), {})


def test_running_leaves_the_working_folder_as_it_was(folder):
    """The lesson runs in a temporary folder, and the process's folder is restored."""
    before = Path.cwd()
    lessons.run_lesson(lessons.read_lesson("small", folder), {"tiny.txt": b""})
    assert Path.cwd() == before


STRINGS = {"setup": "S", "files": "F", "try": "T", "answer": "A", "output": "O"}


def test_page_markers_become_code_outputs_and_exercises(folder):
    """A cell marker gives the code in the page's language and its output; an exercise gives
    the question and the folded answer; indentation is kept."""
    lesson = lessons.read_lesson("small", folder)
    outputs = {"double": "[2]\n", "ask-answer": "[3]\n"}
    page = 'x\n{{ cell("double") }}\n- item\n\n    {{ cell("double") }}\n{{ exercise("ask") }}\n'
    text = lessons.page_markdown(page, lesson, "en", outputs, STRINGS)
    assert "```python\n# Double it.\ny = x * 2  # (3,)\nprint(y)\n```" in text
    assert '```text title="O"\n[2]\n```' in text
    assert "    ```python\n    # Double it." in text
    assert (
        'Make it three times as large.\n\n??? success "A"\n\n    ```python\n    print(x * 3)'
        in text
    )
    assert "{{" not in text


def test_a_marker_naming_no_cell_is_refused(folder):
    """A typo in a page's marker fails loudly, naming the lesson's file."""
    lesson = lessons.read_lesson("small", folder)
    with pytest.raises(LessonError, match="no code cell named 'dubble'"):
        lessons.page_markdown('{{ cell("dubble") }}', lesson, "ko", {}, STRINGS)


@pytest.mark.parametrize(
    "marker",
    ['{{ cell("no_such") }}', "{{ cell('double') }}", 'text {{ cell("double") }}', "{{cell}}"],
)
def test_a_marker_that_cannot_be_read_is_refused(folder, marker):
    """A marker written any other way is refused, never left on the page as text."""
    lesson = lessons.read_lesson("small", folder)
    with pytest.raises(LessonError, match="cannot read the page's marker"):
        lessons.page_markdown(f"# T\n\n{marker}\n", lesson, "ko", {}, STRINGS)


def test_a_run_can_record_what_each_cell_drew(folder):
    """With record=True, each own cell's pyplot figures are kept: the arrays its images show,
    its lines' data and its texts; a cell that draws nothing has none."""
    name = write(
        folder,
        "# %% plain\nx = 1\n\n# %% draw\nimport matplotlib.pyplot as plt\nimport numpy as np\n\n"
        "fig, axes = plt.subplots(1, 2)\naxes[0].imshow(np.eye(3))\n"
        "axes[1].plot([0, 1], [2, 3])\naxes[1].set_title('t')\naxes[1].text(0, 0, 'here')\n",
    )
    run = lessons.run_lesson(lessons.read_lesson(name, folder), {}, record=True)
    assert run.drawn["plain"] == ()
    (drawing,) = run.drawn["draw"]
    assert [image.tolist() for image in drawing.images] == [np.eye(3).tolist()]
    assert [(list(x), list(y)) for x, y in drawing.lines] == [([0, 1], [2, 3])]
    assert {"t", "here"} <= set(drawing.texts)
    assert lessons.run_lesson(lessons.read_lesson(name, folder), {}).drawn == {}


PAGE = '# Title\n\n{{ cell("double") }}\n\n{{ exercise("ask") }}\n'
NOTEBOOK_STRINGS = {
    "setup": "S",
    "files": "F",
    "files_zip": "Z {zip}",
    "try": "T",
    "answer": "A",
    "answers": "As",
    "to_answer": "See",
    "figure": "Fig",
}


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_notebook_is_valid_and_in_its_language(folder, language):
    """nbformat accepts it; its comments are in one language, its code the same in both."""
    lesson = lessons.read_lesson("small", folder)
    document = notebooks.notebook(lesson, language, PAGE, NOTEBOOK_STRINGS)
    nbformat.validate(nbformat.from_dict(document))
    sources = [cell["source"] for cell in document["cells"]]
    assert bool([source for source in sources if HANGUL.search(source)]) == (language == "ko")
    assert lessons.code_text(lesson.cell("double"), language) in sources
    assert len({cell["id"] for cell in document["cells"]}) == len(document["cells"])


def test_notebooks_of_both_languages_share_every_code_line(folder):
    """Strip the comments, and the two notebooks' code cells are the same."""

    def code(language):
        lesson = lessons.read_lesson("small", folder)
        document = notebooks.notebook(lesson, language, PAGE, NOTEBOOK_STRINGS)
        cells = [c["source"] for c in document["cells"] if c["cell_type"] == "code"]
        return [
            [line for line in cell.splitlines() if not line.lstrip().startswith("#")]
            for cell in cells
        ]

    assert code("ko") == code("en")


def test_zips_are_the_same_bytes_every_time():
    """Sorted entries and fixed dates: the same files give the same zip."""
    files = {"b.txt": b"2", "a/c.txt": b"3"}
    first = notebooks.zip_bytes(files)
    assert first == notebooks.zip_bytes(dict(reversed(files.items())))
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["a/c.txt", "b.txt"]
        assert archive.read("b.txt") == b"2"


def test_a_zip_stores_its_pngs_as_they_are_and_deflates_the_rest():
    """A PNG is compressed already: it goes in stored, a notebook deflated."""
    png = encode_png(np.zeros((8, 8), np.uint8))
    data = notebooks.zip_bytes({"a.png": png, "a.ipynb": b"{}" * 100})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        kinds = {entry.filename: entry.compress_type for entry in archive.infolist()}
        assert archive.read("a.png") == png
    assert kinds == {"a.ipynb": zipfile.ZIP_DEFLATED, "a.png": zipfile.ZIP_STORED}


def test_notebook_files_hold_each_notebook_and_what_it_reads(folder):
    """Each lesson's zip holds its notebook and its images; the all-in-one zip holds all."""
    parsed = [lessons.read_lesson(name, folder) for name in ("first", "small")]
    pages = {"first": '# First\n\n{{ cell("load") }}\n', "small": PAGE}
    files = notebooks.notebook_files(parsed, "en", pages, NOTEBOOK_STRINGS, {"tiny.txt": b"abc"})
    assert set(files) == {
        "first.ipynb",
        "first.zip",
        "small.ipynb",
        "small.zip",
        "cnnviz-notebooks.zip",
    }
    with zipfile.ZipFile(io.BytesIO(files["small.zip"])) as archive:
        assert archive.namelist() == ["small/images/tiny.txt", "small/small.ipynb"]
        assert json.loads(archive.read("small/small.ipynb")) == json.loads(files["small.ipynb"])
    with zipfile.ZipFile(io.BytesIO(files["cnnviz-notebooks.zip"])) as archive:
        assert set(archive.namelist()) == {
            "cnnviz-notebooks/first.ipynb",
            "cnnviz-notebooks/small.ipynb",
            "cnnviz-notebooks/images/tiny.txt",
        }


@pytest.mark.parametrize("name", lessons.lesson_names())
def test_every_lesson_of_the_site_is_well_formed(name):
    """Each real lesson reads cleanly, has at least two exercises, and its setup resolves."""
    lesson = lessons.read_lesson(name)
    answers = [cell for cell in lesson.code_cells() if cell.meta.get("role") == "answer"]
    assert len(answers) >= 2, f"{name}: {len(answers)} exercises"
    lessons.setup_cells(lesson)


def test_a_recorded_run_serves_both_kinds_of_call_and_a_plain_one_is_made_again(monkeypatch):
    """recipes keep one run of a lesson: a recorded run serves a later plain call (the same
    run, not a second one); a plain run is made again, recorded, when a drawing is asked for."""
    from cnnviz import recipes

    made = []
    library = recipes.lessons  # the module recipes calls, even after a test re-imported cnnviz
    run_lesson = library.run_lesson
    monkeypatch.setattr(recipes, "_runs", {})
    monkeypatch.setattr(
        library, "run_lesson", lambda *a, **k: made.append(k) or run_lesson(*a, **k)
    )
    plain = recipes._run("filters")
    assert plain.drawn == {}
    assert recipes._run("filters") is plain
    recorded = recipes._run("filters", record=True)
    assert recorded is not plain
    assert recorded.drawn
    assert recipes._run("filters") is recorded
    assert made == [{"record": False}, {"record": True}]

"""Every lesson's notebook runs top to bottom in a fresh Jupyter kernel that cannot import
cnnviz, and prints the very numbers the site prints in both languages: the Korean notebook is
run, and the English one is shown to be the same program.

The notebooks are taken from the built site, unpacked from their zips as a learner would get
them. The kernel is started with ``python -S`` and the venv's site-packages on its path, so
the editable install of cnnviz (a ``.pth`` file) is never read.
"""

from __future__ import annotations

import ast
import html
import io
import json
import re
import site as python_site
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from cnnviz import lessons

pytestmark = [pytest.mark.site, pytest.mark.notebook]

LANGUAGES = {"ko": "", "en": "en/"}
KERNEL = "python3-without-cnnviz"


@pytest.fixture(scope="session")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A kernel spec that starts this Python without site processing, so no .pth file runs."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    packages = [path for path in python_site.getsitepackages() if Path(path).is_dir()]
    argv = [sys.executable, "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": argv,
                "display_name": "Python 3 (no cnnviz)",
                "language": "python",
                "env": {"PYTHONPATH": ":".join(packages), "MPLBACKEND": "agg"},
            }
        )
    )
    return {"JUPYTER_PATH": str(home), "JUPYTER_DATA_DIR": str(home)}


def execute(document, folder: Path, environment: dict[str, str], monkeypatch):
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    client = NotebookClient(
        document, timeout=600, kernel_name=KERNEL, resources={"metadata": {"path": str(folder)}}
    )
    return client.execute()


def unpack(site, name: str, language: str, into: Path) -> Path:
    data = (site.root / LANGUAGES[language] / "notebooks" / f"{name}.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
    return into / name


def test_the_kernel_cannot_import_cnnviz(kernel, tmp_path, monkeypatch):
    """The kernel the notebooks run in has numpy, torch, OpenCV and matplotlib, not cnnviz."""
    cell = nbformat.v4.new_code_cell(
        "import importlib.util\n"
        "print([importlib.util.find_spec(n) is None for n in "
        "('cnnviz', 'numpy', 'torch', 'cv2', 'matplotlib')])"
    )
    document = execute(nbformat.v4.new_notebook(cells=[cell]), tmp_path, kernel, monkeypatch)
    printed = document.cells[0].outputs[0]["text"]
    assert printed.strip() == "[True, False, False, False, False]"


def page_outputs(page_html: str) -> dict[str, str]:
    """Each code block of a page mapped to the output block that follows it, as text."""
    blocks = re.findall(
        r'<div class="language-(python|text) highlight">(.*?)</pre>', page_html, flags=re.S
    )
    texts = [(kind, html.unescape(re.sub(r"<[^>]+>", "", body))) for kind, body in blocks]
    pairs = {}
    for (kind, code), (next_kind, output) in zip(texts, texts[1:], strict=False):
        if kind == "python" and next_kind == "text":
            pairs[code.strip()] = output.removeprefix("출력").removeprefix("Output").strip()
    return pairs


@pytest.mark.parametrize("name", lessons.lesson_names())
def test_each_notebook_runs_and_prints_what_the_site_prints(
    site, kernel, tmp_path, monkeypatch, name
):
    """The Korean notebook from the zip runs without an error, and every output block on the
    Korean page is exactly what the notebook's cell with that code printed.

    The English notebook is the same program: its code cells parse, cell for cell, to the same
    syntax tree (only comments differ), beside the same files in its zip. So it prints what the
    Korean one printed, and every output block on the English page is checked against that.
    Running it a second time would take as long again (the train lesson: 11.6 s) and show
    nothing more.
    """
    ko = unpack(site, name, "ko", tmp_path / "ko")
    en = unpack(site, name, "en", tmp_path / "en")
    documents = {
        language: nbformat.read(folder / f"{name}.ipynb", as_version=4)
        for language, folder in (("ko", ko), ("en", en))
    }
    for document in documents.values():
        nbformat.validate(document)
    try:
        execute(documents["ko"], ko, kernel, monkeypatch)
    except CellExecutionError as error:
        pytest.fail(one_line(f"{name}.ko.ipynb", documents["ko"], error), pytrace=False)
    assert files_beside(en) == files_beside(ko), f"{name}: the zips hold different files"
    cells = {language: code_cells(document) for language, document in documents.items()}
    assert len(cells["en"]) == len(cells["ko"]), name
    for number, (english, korean) in enumerate(zip(cells["en"], cells["ko"], strict=True)):
        assert same_program(english.source, korean.source), f"{name}.en.ipynb: code cell {number}"
    outputs = ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in cells["ko"]]
    for language, sources in cells.items():
        printed = {cell.source.strip(): text for cell, text in zip(sources, outputs, strict=True)}
        page = (site.root / LANGUAGES[language] / name / "index.html").read_text("utf-8")
        shown = page_outputs(page)
        assert shown, f"{name}/: no output on the page"
        for code, output in shown.items():
            assert code in printed, f"{name}.{language}: the page shows code the notebook lacks"
            assert printed[code] == output, f"{name}.{language}: {code.splitlines()[0]}"


def same_program(one: str, other: str) -> bool:
    """Whether two cells' code parses to the same syntax tree: they differ at most in comments
    and layout, so they run alike and print alike."""
    return ast.dump(ast.parse(one)) == ast.dump(ast.parse(other))


def test_same_program_sees_past_comments_but_not_past_a_changed_value():
    """The check that stands in for running the English notebook tells a comment in another
    language from a change the output would show."""
    korean = "x = 1  # 하나\nprint(x)\n"
    assert same_program(korean, "x = 1  # one\nprint( x )\n")
    assert not same_program(korean, "x = 2  # one\nprint(x)\n")
    assert not same_program(korean, "x = 1\nprint('x', x)\n")


def code_cells(document) -> list:
    return [cell for cell in document.cells if cell.cell_type == "code"]


def files_beside(folder: Path) -> dict[str, bytes]:
    """The files a notebook's zip unpacks beside it, by their path in the folder."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix != ".ipynb"
    }


def one_line(notebook: str, document, error: CellExecutionError) -> str:
    """Name the notebook, the number of the cell that failed, its first line, and the error."""
    failed = next(
        i
        for i, cell in enumerate(document.cells)
        if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
    )
    first = document.cells[failed].source.strip().splitlines()[0]
    return f"{notebook}: cell {failed} ({first}): {error.ename}: {error.evalue}"


def test_a_failing_notebook_is_named_with_its_cell_in_one_line(kernel, tmp_path, monkeypatch):
    """The failure message the test above gives: the notebook, the cell and the error."""
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    document = nbformat.v4.new_notebook(cells=cells)
    with pytest.raises(CellExecutionError) as caught:
        execute(document, tmp_path, kernel, monkeypatch)
    message = one_line("demo.ko.ipynb", document, caught.value)
    assert message == "demo.ko.ipynb: cell 1 (1 / 0): ZeroDivisionError: division by zero"


@pytest.mark.parametrize("language", LANGUAGES)
def test_notebooks_built_for_a_local_address_never_name_it(site, language):
    """The test site is built for http://127.0.0.1:<port>/: its notebooks hold no such address
    and fetch no image; each that reads an image says its zip holds the images folder."""
    folder = site.root / LANGUAGES[language] / "notebooks"
    for name in lessons.lesson_names():
        text = (folder / f"{name}.ipynb").read_text(encoding="utf-8")
        assert not re.search(r"127\.0\.0\.1|localhost", text), name
        document = nbformat.reads(text, as_version=4)
        assert not any("urlretrieve" in cell.source for cell in document.cells), name
        if lessons.read_lesson(name).files():
            assert any(f"`{name}.zip`" in cell.source for cell in document.cells), name

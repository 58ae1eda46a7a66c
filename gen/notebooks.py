"""Write every lesson's notebook in each language, with a zip of it and the files it reads.

A notebook is its lesson's page in that language turned into cells (`cnnviz.notebooks`): the
page's prose, the lesson's code, each figure's caption under the cell that draws it (`cell`
in `gen/figures.toml`) and the answers at the end. Each language's site serves its own: the
Korean ones from `notebooks/` at the site root, the English ones from `en/notebooks/`. The
images the lessons read are also served alone, from `notebooks/images/`, where a notebook
downloaded without its zip fetches them when the site has a public address.
"""

import hashlib
import importlib.metadata
import logging
import tomllib
from pathlib import Path

import mkdocs_gen_files

from cnnviz import lessons, notebooks
from cnnviz.jobs import Job
from cnnviz.mkdocs_plugin import current_build

ROOT = Path(__file__).resolve().parents[1]
STRINGS = Path(__file__).resolve().parent / "templates" / "notebook-strings.toml"
FIGURES = ROOT / "gen" / "figures.toml"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
i18n = config.plugins["i18n"]
read_from = {path: path.read_text(encoding="utf-8") for path in (STRINGS, FIGURES)}
strings = tomllib.loads(read_from[STRINGS])
figures = tomllib.loads(read_from[FIGURES])["figure"]
drawn_by = {f["target"].rpartition("/")[2]: f["cell"] for f in figures if "cell" in f}
parsed = [lessons.read_lesson(name) for name in lessons.lesson_names()]
names = sorted({name for lesson in parsed for name in lesson.files()})
jobs = [Job(f"notebooks/images/{name}", "sample_file", {"file_name": name}) for name in names]
site = notebooks.public_address(config.site_url)  # never the build's own 127.0.0.1
pages = {  # each language's page of each lesson, which its notebook is made from
    language: {
        lesson.name: (ROOT / "docs" / f"{lesson.name}.{language}.md").read_text("utf-8")
        for lesson in parsed
    }
    for language in i18n.build_languages
}


def _readable(lesson, page):
    """Whether the page names only cells its lesson has; if not, the page hook stops the build
    with that one line (cnnviz/mkdocs_plugin/pages.py), so it is not said here too."""
    known = {cell.name for cell in lesson.cells}
    return all(
        found["name"] in known and (found["what"] == "cell" or f"{found['name']}-answer" in known)
        for found in lessons.MARKER.finditer(page)
    )


def compose(results):
    """The images, then each language's notebooks and zips under that language's root."""
    files = dict(results)
    images = {job.target.rpartition("/")[2]: results.get(job.target, b"") for job in jobs}
    made = current_build().pieces(f"notebooks, nbformat {importlib.metadata.version('nbformat')}")
    for language in i18n.build_languages:
        root = "" if language == i18n.default_language else f"{language}/"
        whole = [lesson for lesson in parsed if _readable(lesson, pages[language][lesson.name])]
        written = notebooks.notebook_files(
            whole,
            language,
            pages[language],
            strings[language],
            images,
            drawn_by=drawn_by,
            site=f"{site}{root}" if site else None,
            fetch_from=f"{site}notebooks/images/" if site else None,
            made=made,  # after an edit of one page, one notebook is made again
        )
        files.update({f"{root}notebooks/{name}": data for name, data in written.items()})
    return files


# All compose reads besides the results and the library, whose code the build adds: the
# composition is kept in the cache under this key (cnnviz.build.Build.generate).
read = hashlib.sha256(
    repr(
        [
            sorted(pages.items()),
            site,
            i18n.default_language,
            [lesson.path.read_bytes() for lesson in parsed],
            sorted(read_from.values()),
            Path(__file__).read_bytes(),
            [importlib.metadata.version(package) for package in ("nbformat", "jupytext")],
        ]
    ).encode()
).hexdigest()
current_build().generate(
    "notebooks", jobs, log, mkdocs_gen_files.open, compose=compose, compose_key=read
)

"""Write every lesson's notebook in each language, with a zip of it and the files it reads.

Each language's site serves its own notebooks: the Korean ones from `notebooks/` at the site
root, the English ones from `en/notebooks/`: `<lesson>.ipynb`, `<lesson>.zip` and
`cnnviz-notebooks.zip`. The images the lessons read are also served alone, from
`notebooks/images/`, where a notebook downloaded without its zip fetches them.
"""

import logging
import tomllib
from pathlib import Path

import mkdocs_gen_files

from cnnviz import lessons
from cnnviz.build import generate
from cnnviz.jobs import Job

ROOT = Path(__file__).resolve().parents[1]
STRINGS = Path(__file__).resolve().parent / "templates" / "notebook-strings.toml"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
i18n = config.plugins["i18n"]
strings = tomllib.loads(STRINGS.read_text(encoding="utf-8"))
parsed = [lessons.read_lesson(name) for name in lessons.lesson_names()]
names = sorted({name for lesson in parsed for name in lesson.files()})
jobs = [Job(f"notebooks/images/{name}", "sample_file", {"file_name": name}) for name in names]
fetch = f"{config.site_url or '/'}notebooks/images/"


def compose(results):
    """The images, then each language's notebooks and zips under that language's root."""
    files = dict(results)
    images = {job.target.rpartition("/")[2]: results.get(job.target, b"") for job in jobs}
    for language in i18n.build_languages:
        root = "" if language == i18n.default_language else f"{language}/"
        written = lessons.notebook_files(parsed, language, strings[language], images, fetch)
        files.update({f"{root}notebooks/{name}": data for name, data in written.items()})
    return files


generate("notebooks", jobs, ROOT, log, mkdocs_gen_files.open, compose=compose)

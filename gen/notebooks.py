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
from cnnviz.jobs import Job, run_jobs
from cnnviz.store import Store

ROOT = Path(__file__).resolve().parents[1]
STRINGS = Path(__file__).resolve().parent / "templates" / "notebook-strings.toml"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
i18n = config.plugins["i18n"]
strings = tomllib.loads(STRINGS.read_text(encoding="utf-8"))
parsed = [lessons.read_lesson(name) for name in lessons.lesson_names()]
names = sorted({name for lesson in parsed for name in lesson.files()})
jobs = [Job(f"notebooks/images/{name}", "sample_file", {"file_name": name}) for name in names]

results, report = run_jobs(jobs, Store(ROOT / ".cache" / "cnnviz"))
for line in report.errors():
    log.error("cnnviz: %s", line)
log.info("cnnviz notebooks: %s", report.summary())
for target, data in results.items():
    with mkdocs_gen_files.open(target, "wb") as file:
        file.write(data)
images = {job.target.rpartition("/")[2]: results.get(job.target, b"") for job in jobs}
fetch = f"{config.site_url or '/'}notebooks/images/"
for language in i18n.build_languages:
    root = "" if language == i18n.default_language else f"{language}/"
    files = lessons.notebook_files(parsed, language, strings[language], images, fetch)
    for name, data in files.items():
        with mkdocs_gen_files.open(f"{root}notebooks/{name}", "wb") as file:
            file.write(data)

"""Run every lesson and draw its figures from what its code computed, through the cache.

Each lesson's printed outputs go to `.cache/cnnviz/lessons/<lesson>.json`, where
`gen/hooks/lessons.py` puts them under the cells that printed them. The figures, listed in
`gen/figures.toml`, go into the docs tree.
"""

import logging
import tomllib
from pathlib import Path

import mkdocs_gen_files

from cnnviz.jobs import Job, run_jobs
from cnnviz.lessons import lesson_names
from cnnviz.store import Store, write_if_changed

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "cnnviz"
FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [Job(f"lessons/{name}.json", "lesson_outputs", {"lesson": name}) for name in lesson_names()]
for figure in FIGURES:
    JOBS.append(Job(figure["target"], figure["recipe"], figure["params"]))
    if figure.get("narrow"):
        narrow = figure["target"].replace(".png", "-narrow.png")
        JOBS.append(Job(narrow, figure["recipe"], {**figure["params"], "narrow": True}))

results, report = run_jobs(JOBS, Store(CACHE))
for line in report.errors():
    log.error("cnnviz: %s", line)
log.info("cnnviz lesson: %s", report.summary())
for job in JOBS:
    data = results.get(job.target)
    if job.target.startswith("lessons/"):  # the page hook reads them; a page needs one
        write_if_changed(CACHE / job.target, data or b"{}\n")
    elif data is not None:
        with mkdocs_gen_files.open(job.target, "wb") as file:
            file.write(data)

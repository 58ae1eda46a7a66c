"""Run every lesson and draw its figures from what its code computed, through the cache.

Each lesson's printed outputs stay in memory, in this build
(`cnnviz.mkdocs_plugin.current_build`), where the site plugin puts them under the cells that
printed them. The figures, listed in `gen/figures.toml`, go into the docs tree.
"""

import logging
import tomllib
from pathlib import Path

import mkdocs_gen_files

from cnnviz.jobs import Job
from cnnviz.lessons import lesson_names
from cnnviz.mkdocs_plugin import current_build

ROOT = Path(__file__).resolve().parents[1]
FIGURES = tomllib.loads((ROOT / "gen" / "figures.toml").read_text(encoding="utf-8"))["figure"]
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [Job(f"lessons/{name}.json", "lesson_outputs", {"lesson": name}) for name in lesson_names()]
for figure in FIGURES:
    JOBS.append(Job(figure["target"], figure["recipe"], figure["params"]))
    if figure.get("narrow"):
        narrow = figure["target"].replace(".png", "-narrow.png")
        JOBS.append(Job(narrow, figure["recipe"], {**figure["params"], "narrow": True}))
# The trained network of the train lesson, for the page's own forward pass (trained.js).
NETWORK = {"model": "model", "images": "test_x", "labels": "test_y", "per_class": 2}
JOBS.append(Job("figures/trained-cnn.json", "lesson_network", {"lesson": "train", **NETWORK}))

# A lesson's outputs stay with the build, where its page reads them; a page needs one.
current_build().generate("lesson", JOBS, log, mkdocs_gen_files.open, keep={"lessons/": b"{}\n"})

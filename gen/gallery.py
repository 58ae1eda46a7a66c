"""Write the gallery: an index page and one page per image, in both languages, with figures.

The images are the samples, the files listed under `extra.cnnviz.gallery` in `mkdocs.yml`, and
the files in `docs/assets/gallery/`; a refused file (a link out of the project) is named in one
log line, once per build. Page prose lives in `gen/templates/`.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.gallery import configured_gallery, gallery_files, gallery_jobs, new_problems
from cnnviz.jobs import run_jobs
from cnnviz.store import Store

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
images = configured_gallery(config.extra, Path(config.config_file_path).parent, config.docs_dir)
results, report = run_jobs(gallery_jobs(images), Store(ROOT / ".cache" / "cnnviz"))
for line in [*new_problems(images), *report.errors()]:
    log.error("cnnviz: %s", line)
log.info("cnnviz gallery: %s", report.summary())

templates = {path.name: path.read_text(encoding="utf-8") for path in TEMPLATES.iterdir()}
for target, data in gallery_files(images, results, templates).items():
    with mkdocs_gen_files.open(target, "wb") as file:
        file.write(data)

"""Write the gallery: an index page and one page per image, in both languages, with figures.

The images are the samples, the files listed under `extra.cnnviz.gallery` in `mkdocs.yml`, and
the files in `docs/assets/gallery/`; a refused file (a link out of the project) is named in one
log line, in the first language pass only. Page prose lives in `gen/templates/`.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.gallery import gallery_files, gallery_images, gallery_jobs
from cnnviz.jobs import run_jobs
from cnnviz.store import Store

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
listed = config.extra.get("cnnviz", {}).get("gallery", [])
images = gallery_images(ROOT, listed, Path(config.docs_dir) / "assets" / "gallery")
results, report = run_jobs(gallery_jobs(images), Store(ROOT / ".cache" / "cnnviz"))
first_pass = not getattr(config.plugins.get("i18n"), "building", False)  # one per language
refused = [image.problem for image in images if image.problem and first_pass]
for line in [*refused, *report.errors()]:
    log.error("cnnviz: %s", line)
log.info("cnnviz gallery: %s", report.summary())

templates = {path.name: path.read_text(encoding="utf-8") for path in TEMPLATES.iterdir()}
for target, data in gallery_files(images, results, templates).items():
    with mkdocs_gen_files.open(target, "wb") as file:
        file.write(data)

"""Write the gallery: an index page and one page per image, in both languages, with figures.

The images are the samples, the files listed under `extra.cnnviz.gallery` in `mkdocs.yml`, and
the files in `docs/assets/gallery/`; a refused file (a link out of the project) is named in one
log line, once per build. Page prose lives in `gen/templates/`.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.gallery import configured_gallery, gallery_files, gallery_jobs
from cnnviz.mkdocs_plugin import current_build

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
log = logging.getLogger("mkdocs.plugins.cnnviz")

config = mkdocs_gen_files.config
images = configured_gallery(config.extra, Path(config.config_file_path).parent, config.docs_dir)
templates = {path.name: path.read_text(encoding="utf-8") for path in TEMPLATES.iterdir()}
current_build().generate(
    "gallery",
    gallery_jobs(images),
    log,
    mkdocs_gen_files.open,
    compose=lambda results: gallery_files(images, results, templates),
    problems=[image.problem for image in images if image.problem],
)

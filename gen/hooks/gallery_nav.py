"""MkDocs hook: every gallery image's page is in the navigation, in both languages.

The gallery's pages are generated (gen/gallery.py), one per image. Their entries are put under
the section of `nav` that lists `gallery/index.md`, in the gallery's own order.
"""

from __future__ import annotations

from pathlib import Path

import _support

GALLERY_INDEX = "gallery/index.md"


def on_config(config):
    from cnnviz.gallery import configured_gallery

    images = configured_gallery(config.extra, Path(config.config_file_path).parent, config.docs_dir)
    pages = [GALLERY_INDEX, *(f"gallery/{image.slug}.md" for image in images)]
    placed = False
    for entry in config.nav or []:
        for title, children in entry.items() if isinstance(entry, dict) else []:
            if isinstance(children, list) and GALLERY_INDEX in children:
                entry[title] = pages
                placed = True
    if not placed:
        _support.missing(f"nav section listing {GALLERY_INDEX}", "mkdocs.yml", "the gallery's nav")
    return config

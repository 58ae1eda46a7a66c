"""MkDocs hooks that make mkdocs-static-i18n 1.3.1 work with generated pages and search.

1. Generated pages. static-i18n keeps only pages that live in `docs_dir`; the pages that
   mkdocs-gen-files writes live in a temporary folder, so static-i18n drops them with
   "Unhandled file case" (static-i18n issue 263). Just before static-i18n sorts the files, each
   generated page is made to look like a `docs_dir` page; just after, its content is put back.
   Generated pages then get languages, navigation and the language switcher like any other.
2. Search per language. static-i18n merges every language into one index at the site root,
   and every page loads it, so a Korean reader gets English results. After the build, the
   index is split into one per language, and each page's search base points at its own.
3. Alternate links. Material fetches `sitemap.xml` next to every `<link rel="alternate">`; the
   links are pointed at the language roots, where a sitemap exists, so nothing 404s.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.utils import get_relative_url

SEARCH_CONFIG = {"en": {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}}
"""Search settings per non-default language; the default language uses the plugin's own."""

log = logging.getLogger("mkdocs.plugins.cnnviz")

_CONFIG_SCRIPT = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S
)
_ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="([\w-]+)">')


_generated: dict[str, str] = {}


@event_priority(-50)  # after gen-files (0), before static-i18n (-100)
def _adopt_generated_pages(files, config):
    _generated.clear()
    for file in files:
        generated = getattr(file, "generated_by", None) == "mkdocs-gen-files"
        if generated and file.is_documentation_page():
            _generated[file.src_uri] = file.content_string
            file.abs_src_path = os.path.join(config.docs_dir, file.src_path)
    return files


@event_priority(-101)  # after static-i18n rebuilt every File from docs_dir
def _restore_generated_pages(files, config):
    for file in files:
        if file.src_uri in _generated:
            file.content_string = _generated[file.src_uri]
            file.generated_by = "mkdocs-gen-files"
    return files


# A hook module registers one function per event; CombinedEvent runs both at their priorities.
on_files = CombinedEvent(_adopt_generated_pages, _restore_generated_pages)


def on_post_page(output, page, config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return output

    def point_alternate_at_root(match):
        language = match.group(1)
        root = _language_root(language, i18n)
        href = get_relative_url(f"{root}/" if root else "", page.url).rstrip("/") + "/"
        return f'<link rel="alternate" href="{href}" hreflang="{language}">'

    def point_base_at_language(match):
        settings = json.loads(match.group(2))
        settings["base"] = settings["base"].rstrip("/") + f"/{i18n.current_language}/"
        return match.group(1) + _script_json(settings) + match.group(3)

    output = _ALTERNATE.sub(point_alternate_at_root, output)
    if i18n.current_language != i18n.default_language:
        output = _CONFIG_SCRIPT.sub(point_base_at_language, output, count=1)
    return output


@event_priority(-110)  # after static-i18n (-100) wrote the merged index
def on_post_build(config):
    i18n = config.plugins.get("i18n")
    if i18n is None or i18n.building:  # a nested per-language build: wait for the outer one
        return
    site = Path(config.site_dir)
    merged = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for language in i18n.build_languages:
        root = _language_root(language, i18n)
        mine = [doc for doc in merged["docs"] if _language_of(doc, i18n) == language]
        docs = [_relocate(doc, root) for doc in mine]
        settings = {**merged["config"], **SEARCH_CONFIG.get(language, {})}
        index = site / root / "search" / "search_index.json"
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_text(
            json.dumps(
                {"config": settings, "docs": docs}, ensure_ascii=False, separators=(",", ":")
            ),
            encoding="utf-8",
        )
        if root:
            for name in ("sitemap.xml", "sitemap.xml.gz"):
                _copy_sitemap(site / name, site / root / name)


def _copy_sitemap(source, target):
    # gen/hooks/build_lock.py keeps other cnnviz builds out of this folder; anything else that
    # empties it meanwhile costs the language's sitemap, not the build.
    try:
        shutil.copyfile(source, target)
    except FileNotFoundError:
        log.warning("cnnviz: %s vanished during the build; is another build writing here?", source)


def _language_root(language, i18n):
    return "" if language == i18n.default_language else language


def _language_of(doc, i18n):
    for language in i18n.build_languages:
        root = _language_root(language, i18n)
        if root and (doc["location"] == f"{root}/" or doc["location"].startswith(f"{root}/")):
            return language
    return i18n.default_language


def _relocate(doc, root):
    return {**doc, "location": doc["location"][len(root) + 1 :]} if root else doc


def _script_json(settings):
    text = json.dumps(settings, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

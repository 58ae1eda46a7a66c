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

All of this leans on static-i18n's insides, so the build stops at once, in one line, if the
installed version is not the one this was written for, or if a language has no search
settings here; and an edit that finds no marker in the page says so (see `_support`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from importlib.metadata import version
from pathlib import Path

import _support
from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.utils import get_relative_url

WRITTEN_FOR = "1.3.1"
"""The mkdocs-static-i18n version whose behaviour this hook works around."""

SEARCH_CONFIG = {"en": {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}}
"""Search settings per non-default language; the default language uses the plugin's own."""

log = logging.getLogger("mkdocs.plugins.cnnviz")

_CONFIG_SCRIPT = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S
)
_ALTERNATE = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="([\w-]+)">')


_generated: dict[str, str] = {}


def on_config(config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return config
    found = version("mkdocs-static-i18n")
    if found != WRITTEN_FOR:
        raise PluginError(
            f"gen/hooks/i18n.py works around mkdocs-static-i18n {WRITTEN_FOR} (its issue 263, "
            f"generated pages dropped as 'Unhandled file case'), but {found} is installed: "
            "check the workaround against the new version, then update WRITTEN_FOR"
        )
    others = [lang for lang in i18n.build_languages if lang != i18n.default_language]
    unset = [lang for lang in others if lang not in SEARCH_CONFIG]
    if unset:
        raise PluginError(
            f"gen/hooks/i18n.py: no search settings for {', '.join(unset)}; add "
            f"{'them' if len(unset) > 1 else 'it'} to SEARCH_CONFIG"
        )
    return config


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

    output, found = _ALTERNATE.subn(point_alternate_at_root, output)
    if not found:
        _support.missing("alternate language link", page.file.src_uri, "pointing it at a root")
    if i18n.current_language != i18n.default_language:
        output, found = _CONFIG_SCRIPT.subn(point_base_at_language, output, count=1)
        if not found:
            _support.missing("Material config script", page.file.src_uri, "the search base")
    return output


@event_priority(-110)  # after static-i18n (-100) wrote the merged index
def on_post_build(config):
    i18n = config.plugins.get("i18n")
    if i18n is None or _support.nested_i18n_build(config):  # wait for the outer build
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

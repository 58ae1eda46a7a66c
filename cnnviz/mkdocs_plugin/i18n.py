"""mkdocs-static-i18n with generated pages and one search index per language.

1. Generated pages. static-i18n keeps only pages that live in `docs_dir`; the pages that
   mkdocs-gen-files writes live in a temporary folder, so static-i18n drops them with
   "Unhandled file case" (its issue 263). Just before static-i18n sorts the files, each
   generated page is made to look like a `docs_dir` page (:func:`adopt_generated_pages`); just
   after, its content is put back (:func:`restore_generated_pages`).
2. Search per language. static-i18n merges every language into one index at the site root,
   and every page loads it, so a Korean reader would get English results. After the build the
   index is split into one per language (:func:`split_search_index`), and each page's search
   base points at its own (:func:`localize_page`).
3. Alternate links. Material fetches `sitemap.xml` next to every `<link rel="alternate">`; the
   links are pointed at the language roots, where a sitemap exists, so nothing 404s.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from . import upstream

SEARCH_CONFIG = {"en": {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}}
"""Search settings per non-default language; the default language uses the plugin's own."""

log = logging.getLogger("mkdocs.plugins.cnnviz")


def check_languages(i18n) -> None:
    """Stop the build in one line if a language has no search settings here."""
    others = [lang for lang in i18n.build_languages if lang != i18n.default_language]
    unset = [lang for lang in others if lang not in SEARCH_CONFIG]
    if unset:
        raise PluginError(
            f"cnnviz/mkdocs_plugin/i18n.py: no search settings for {', '.join(unset)}; add "
            f"{'them' if len(unset) > 1 else 'it'} to SEARCH_CONFIG"
        )


def adopt_generated_pages(files, config) -> dict[str, str]:
    """Make each generated page look like a `docs_dir` page; return their contents by URI."""
    generated = {}
    for file in files:
        if upstream.is_generated(file) and file.is_documentation_page():
            generated[file.src_uri] = file.content_string
            file.abs_src_path = os.path.join(config.docs_dir, file.src_path)
    return generated


def restore_generated_pages(files, generated: dict[str, str]) -> None:
    """Give the generated pages, which static-i18n rebuilt from `docs_dir`, their content."""
    for file in files:
        if file.src_uri in generated:
            file.content_string = generated[file.src_uri]
            upstream.mark_generated(file)


def localize_page(output: str, page, i18n) -> str:
    """Point the alternate links at the language roots and, on a page of a further language,
    the search base at that language's index."""

    # static-i18n fills Material's alternate links and config script from one config for all
    # languages, and no template block receives the language; so the rendered page is edited.
    def point_alternate_at_root(match):
        language = match.group(1)
        root = _language_root(language, i18n)
        href = get_relative_url(f"{root}/" if root else "", page.url).rstrip("/") + "/"
        return f'<link rel="alternate" href="{href}" hreflang="{language}">'

    def point_base_at_language(match):
        settings = json.loads(match.group(2))
        settings["base"] = settings["base"].rstrip("/") + f"/{i18n.current_language}/"
        return match.group(1) + _script_json(settings) + match.group(3)

    output, found = upstream.ALTERNATE.subn(point_alternate_at_root, output)
    if not found:
        upstream.missing("alternate language link", page.file.src_uri, "pointing it at a root")
    if i18n.current_language != i18n.default_language:
        output, found = upstream.CONFIG_SCRIPT.subn(point_base_at_language, output, count=1)
        if not found:
            upstream.missing("Material config script", page.file.src_uri, "the search base")
    return output


def search_entries(config, i18n) -> dict[str, list[dict]]:
    """Each language's search entries as the site folder holds them, read before this build
    writes its index: in a dirty build they give the entries of the pages it does not render.
    """
    entries = {}
    for language in i18n.build_languages:
        index = Path(config.site_dir) / _language_root(language, i18n) / "search"
        try:
            entries[language] = json.loads((index / "search_index.json").read_bytes())["docs"]
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or not one of ours
            entries[language] = []
    return entries


def split_search_index(config, i18n, earlier: dict[str, list[dict]] | None = None) -> None:
    """Split static-i18n's merged search index into one per language, each with its settings,
    and give each further language's root a copy of the sitemap.

    Each section is listed once, by its address. A dirty build renders only the pages that
    changed (and the generated ones): ``earlier`` (:func:`search_entries`) gives
    each language's entries for the other pages.
    """
    site = Path(config.site_dir)
    merged = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for language in i18n.build_languages:
        root = _language_root(language, i18n)
        mine = [doc for doc in merged["docs"] if _language_of(doc, i18n) == language]
        docs = [_relocate(doc, root) for doc in mine]
        settings = {**merged["config"], **SEARCH_CONFIG.get(language, {})}
        index = site / root / "search" / "search_index.json"
        if earlier:
            docs = [*_entries_of_other_pages(earlier.get(language, []), docs), *docs]
        docs = list({doc["location"]: doc for doc in docs}.values())  # the last one of each
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


def _entries_of_other_pages(earlier: list[dict], docs: list[dict]) -> list[dict]:
    """The entries of ``earlier`` whose page is not among those of ``docs``."""
    rendered = {doc["location"].partition("#")[0] for doc in docs}
    return [doc for doc in earlier if doc["location"].partition("#")[0] not in rendered]


def _copy_sitemap(source, target):
    # The site lock keeps other cnnviz builds out of this folder; anything else that empties
    # it meanwhile costs the language's sitemap, not the build.
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

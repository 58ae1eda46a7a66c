"""MkDocs hook: put each lesson's own code, and what it printed, into its page.

A lesson is a page pair `docs/<name>.ko.md` / `docs/<name>.en.md` with a source
`docs/lessons/<name>.py` (see `cnnviz.lessons`). On its page:

- `{{ cell("name") }}` becomes that cell's code, with its comments in the page's language,
  followed by what it printed when `gen/lesson.py` ran the lesson for this build;
  `{{ exercise("name") }}` becomes an exercise with its answer folded below it;
- right under the title, links offer the lesson's notebook, its zip and the zip of every
  notebook, in the page's language (written by `gen/notebooks.py`).

A marker that names no cell stops the build with one line, as a missing snippet would; a
lesson that failed to run is logged as an error, which `mkdocs build --strict` turns into a
failed build (and `mkdocs serve` keeps showing the last good figures).
"""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[2]
STRINGS = ROOT / "gen" / "templates" / "notebook-strings.toml"
log = logging.getLogger("mkdocs.plugins.cnnviz")


def on_page_markdown(markdown, page, config, files):
    from cnnviz import lessons
    from cnnviz.build import CACHE

    name = Path(page.file.src_uri).name.split(".")[0]
    if name not in lessons.lesson_names():
        return markdown
    language = _language(config)
    strings = tomllib.loads(STRINGS.read_text(encoding="utf-8"))[language]
    try:
        outputs = json.loads((ROOT / CACHE / "lessons" / f"{name}.json").read_text())
    except (OSError, ValueError):
        log.error("cnnviz: %s: the lesson has no outputs; see the error above", page.file.src_uri)
        outputs = {}
    try:
        lesson = lessons.read_lesson(name)
        markdown = lessons.page_markdown(markdown, lesson, language, outputs, strings)
    except lessons.LessonError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None
    markdown = _with_downloads(markdown, name, page, config, strings)
    return _with_stale_notice(markdown, ROOT / CACHE / "lessons" / f"{name}.json", strings)


def _with_stale_notice(markdown, outputs, strings):
    """While the lesson's last run failed, say so above everything its cells show: the
    outputs are the last good run's, and why the new code fails."""
    from cnnviz.build import STALE

    try:
        failure = outputs.with_name(outputs.name + STALE).read_text(encoding="utf-8")
    except OSError:
        return markdown
    title, _, rest = markdown.partition("\n")
    notice = f'!!! failure "{strings["stale"]}"\n\n    `{" ".join(failure.split())}`\n'
    return f"{title}\n\n{notice}\n{rest}"


def _language(config):
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n else config.theme["language"]


def _with_downloads(markdown, name, page, config, strings):
    i18n = config.plugins.get("i18n")
    language = _language(config)
    root = "" if i18n is None or language == i18n.default_language else f"{language}/"

    def link(file, text):
        href = get_relative_url(f"{root}notebooks/{file}", page.url)
        return f'<a href="{href}" download>{text}</a>'

    links = " · ".join(
        [
            link(f"{name}.ipynb", strings["notebook"]),
            link(f"{name}.zip", strings["zip"]),
            link("cnnviz-notebooks.zip", strings["all"]),
        ]
    )
    block = (
        f'<p class="cnnviz-downloads" role="group" aria-label="{strings["downloads"]}">{links}</p>'
    )
    title, _, rest = markdown.partition("\n")
    if not title.startswith("# "):
        return f"{block}\n\n{markdown}"
    return f"{title}\n\n{block}\n\n{rest}"

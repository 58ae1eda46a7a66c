"""The built pages as a reader meets them: each lesson shows its own code, offers its notebook,
says nothing of the site's machinery, and says the same in both languages."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from urllib.parse import urljoin, urlparse

import nbformat
import pytest
from conftest import nav_pages
from project import ROOT

from cnnviz import lessons
from cnnviz.build import CACHE
from cnnviz.store import Store

pytestmark = pytest.mark.site

LESSONS = lessons.lesson_names()
PAGES = nav_pages()  # every page of the navigation, generated gallery pages included
LEARNER = [page for page in PAGES if page != "about/"]


def article(site, page: str) -> str:
    text = site.html(page).split('<article class="md-content__inner md-typeset">', 1)[1]
    return text.split("</article>", 1)[0]


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Each highlighted block's language and text."""
    blocks = re.findall(r'<div class="language-(\w+) highlight">(.*?)</pre>', text, flags=re.S)
    return [(kind, html.unescape(re.sub(r"<[^>]+>", "", body)).strip()) for kind, body in blocks]


def words(text: str) -> str:
    """The page's running text: no code, no maths, no tags."""
    text = re.sub(r"<pre.*?</pre>|<code>.*?</code>|<math.*?</math>", " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


# ---- 11.1: the code on a lesson page is the lesson's code ----


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("name", LESSONS)
def test_every_code_block_is_a_cell_of_the_lesson_or_its_output(site, name, language):
    """A lesson page shows only its lesson's cells, in the page's language, and the outputs
    they printed; nothing else: no recipe, cache or private helper."""
    lesson = lessons.read_lesson(name)
    cells = {lessons.code_text(cell, language).strip() for cell in lesson.code_cells()}
    # What the build put under the cells: the lesson's last good run, as the cache keeps it.
    outputs = json.loads(Store(ROOT / CACHE).last_good(f"lessons/{name}.json") or b"{}")
    assert outputs, f"{name}: the cache holds no outputs of the lesson"
    printed = {text.strip() for text in outputs.values() if text.strip()}
    prefix = "" if language == "ko" else "en/"
    for kind, text in code_blocks(article(site, f"{prefix}{name}/")):
        if kind == "python":
            assert text in cells, f"{name}/: not a cell of the lesson:\n{text[:200]}"
        else:
            assert kind == "text", kind
            assert text.removeprefix("출력").removeprefix("Output").strip() in printed


@pytest.mark.parametrize("name", LESSONS)
def test_no_lesson_page_shows_plumbing(site, name):
    """No cnnviz import, no recipe, job, cache or registry name, no private `_name` call."""
    for prefix in ("", "en/"):
        for _, text in code_blocks(article(site, f"{prefix}{name}/")):
            assert not re.search(r"\bcnnviz\b|recipe|Job\(|cache|registry|\b_[a-z]\w*\(", text)


@pytest.mark.parametrize("name", LESSONS)
def test_cells_appear_in_the_order_the_lesson_teaches_them(site, name):
    """The page's cells keep the source's order, as a notebook runs them."""
    lesson = lessons.read_lesson(name)
    order = [lessons.code_text(cell, "ko").strip() for cell in lesson.code_cells()]
    shown = [text for kind, text in code_blocks(article(site, f"{name}/")) if kind == "python"]
    positions = [order.index(text) for text in shown]
    assert positions == sorted(positions)


# ---- 11.3: the notebooks, near each lesson's title ----


@pytest.mark.parametrize(("prefix", "language"), [("", "ko"), ("en/", "en")])
@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_offers_its_notebook_its_zip_and_all_notebooks(site, name, prefix, language):
    """Right under the title: the lesson's notebook, its zip and the zip of every notebook,
    each of the page's language, by relative links that resolve to files of the site."""
    page = article(site, f"{prefix}{name}/")
    title, after = page.split("</h1>", 1)
    block = re.match(r'\s*<p class="cnnviz-downloads"[^>]*>(.*?)</p>', after, flags=re.S)
    assert block, f"{prefix}{name}/: no download links under the title"
    links = re.findall(r'<a href="([^"]+)" download(?:="")?>', block.group(1))
    base = urljoin(site.url, f"{prefix}{name}/")
    files = [
        urlparse(urljoin(base, link)).path.removeprefix(urlparse(site.url).path) for link in links
    ]
    assert files == [
        f"{prefix}notebooks/{name}.ipynb",
        f"{prefix}notebooks/{name}.zip",
        f"{prefix}notebooks/cnnviz-notebooks.zip",
    ]
    assert all(not link.startswith(("/", "http")) for link in links)
    notebook = nbformat.read(site.root / files[0], as_version=4)
    markdown = "".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert bool(re.search("[가-힣]", markdown)) == (language == "ko")


def test_the_zip_of_all_notebooks_holds_every_lesson_and_image(site):
    """cnnviz-notebooks.zip: every notebook of the language, and every image they read."""
    for prefix in ("", "en/"):
        data = (site.root / prefix / "notebooks" / "cnnviz-notebooks.zip").read_bytes()
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        expected = {f"cnnviz-notebooks/{name}.ipynb" for name in LESSONS}
        images = {f for name in LESSONS for f in lessons.read_lesson(name).files()}
        expected |= {f"cnnviz-notebooks/images/{image}" for image in images}
        assert names == expected


# ---- 11.5 and 12: credit, and learner pages free of machinery ----


def test_home_page_and_footer_credit_udacity(site):
    """The home page and every page's footer name the notebooks retold, their license, and
    link to them."""
    for page in ("", "en/"):
        assert "github.com/udacity/deep-learning-v2-pytorch" in article(site, page)
    for page in PAGES:
        for prefix in ("", "en/"):
            footer = site.html(prefix + page).split('<footer class="md-footer">', 1)[1]
            assert "deep-learning-v2-pytorch" in footer, prefix + page
            assert "MIT" in footer, prefix + page


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_the_learning_path_and_glossary_lead_to_every_lesson(site, prefix):
    """The navigation holds every lesson, and the home page's learning path links each of
    them, in both languages; the glossary points to each lesson past the original one."""
    home = article(site, prefix)
    glossary = article(site, f"{prefix}glossary/")
    for name in LESSONS:
        assert f"{name}/" in PAGES
        assert re.search(rf'href="(\./)?{re.escape(name)}/"', home), f"{prefix}: {name}"
    for name in ("padding-stride", "channels", "learned", "cnn"):
        assert re.search(rf'href="\.\./{re.escape(name)}/[#"]', glossary), f"{prefix}: {name}"


# The test card, and a classifier's test images, are what the lessons teach, not machinery.
MACHINERY = re.compile(
    r"테스트(?! 카드)|빌드|캐시|생성기"
    r"|\b[Tt]he tests?\b(?! card| images?| set| split| accuracy)"
    r"|\btests? (?:check|hold|enter)|\bbuild time\b|\b[Tt]he build\b"
    r"|\bsite is built\b|\bcache\b|\bgenerator\b"
)


@pytest.mark.parametrize("page", LEARNER)
def test_learner_pages_say_nothing_of_the_sites_machinery(site, page):
    """Tests, builds, caches and generators are explained on the about page only."""
    for prefix in ("", "en/"):
        found = MACHINERY.findall(words(article(site, prefix + page)))
        assert not found, (prefix + page, found)


# ---- 12: the two languages say the same ----


def outline(text: str, page: str) -> dict[str, object]:
    """What a page is made of, language aside; figures by their address from the site root."""
    body = words(text)
    base = f"https://site/{page}"
    sources = re.findall(r'<img[^>]*src="([^"]+)"', text)
    # The numbers a reader could check: decimals, and whole numbers from 10 up. Small counts
    # are words in one language and digits in the other ("four filters", "필터 4개").
    found = re.findall(r"(?<![\w.])−?\d+(?:\.\d+)?", body.replace(",", ""))
    numbers = {n for n in found if "." in n or abs(int(n.replace("−", "-"))) >= 10}
    return {
        "headings": re.findall(r"<h([1-6])", text),
        "figures": [urlparse(urljoin(base, src)).path.removeprefix("/en") for src in sources],
        "code": [kind for kind, _ in code_blocks(text)],
        "maths": len(re.findall(r"<math", text)),
        "table rows": len(re.findall(r"<tr>", text)),
        "exercises": len(re.findall(r'<details class="success"', text)),
        "folded": len(re.findall(r"<details", text)),
        "numbers": numbers,
    }


@pytest.mark.parametrize("page", PAGES)
def test_korean_and_english_pages_have_the_same_parts_and_numbers(site, page):
    """Same headings (count and level), figures in order, code blocks, maths, table rows,
    exercises, folded blocks and numbers in the prose."""
    korean = outline(article(site, page), page)
    english = outline(article(site, "en/" + page), "en/" + page)
    for part in korean:
        assert korean[part] == english[part], (page, part)


NAMES = {"": ("도로", "테스트 카드", "그레이스 호퍼"), "en/": ("Road", "Test card", "Grace Hopper")}


@pytest.mark.parametrize("prefix", list(NAMES))
def test_gallery_titles_use_names_not_ids(site, prefix):
    """The samples are called 도로, 테스트 카드, 그레이스 호퍼 / Road, Test card, Grace Hopper in
    the gallery's cards, alt texts and page titles, never by their ids."""
    index = article(site, f"{prefix}gallery/")
    for name, slug in zip(NAMES[prefix], ("road", "test-card", "grace-hopper"), strict=True):
        assert re.search(rf'<a href="{slug}/">{name}</a>', index), name
        assert re.search(rf'alt="[^"]*{name}[^"]*"', index), name
        assert "<h1" in article(site, f"{prefix}gallery/{slug}/")
        assert re.search(rf"<h1[^>]*>{name}<", article(site, f"{prefix}gallery/{slug}/")), name
    for ident in ("grace_hopper", "test_card"):
        assert ident not in words(index)

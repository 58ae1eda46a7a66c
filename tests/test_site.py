"""The built site, read as HTML: pages, figures, alt text, switcher, outputs, offline, search."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlparse

import pytest
from conftest import nav_pages
from project import ROOT, start_tags

from cnnviz.gallery import gallery_images

pytestmark = pytest.mark.site

HANGUL = re.compile("[가-힣]")


def gallery_pages() -> list[str]:
    images = gallery_images(ROOT, [], ROOT / "docs" / "assets" / "gallery")
    return ["gallery/", *(f"gallery/{image.slug}/" for image in images)]


PAGES = nav_pages()
BOTH = [
    (prefix + page, language) for page in PAGES for prefix, language in (("", "ko"), ("en/", "en"))
]


def tags(html: str, name: str) -> list[dict[str, str]]:
    return [{k: v or "" for k, v in attrs} for tag, attrs in start_tags(html) if tag == name]


def test_strict_build_has_no_warnings(site):
    """`mkdocs build --strict` passed, and logged no warning in either language."""
    assert "WARNING" not in site.log
    assert "Building 'en' documentation" in site.log


@pytest.mark.parametrize(("page", "language"), BOTH)
def test_every_page_exists_in_both_languages(site, page, language):
    """Each lesson page and each generated gallery page is built, in its own language."""
    html = site.html(page)
    assert f'<html lang="{language}"' in html
    article = re.sub(r"<pre.*?</pre>", "", html.split("<article", 1)[1], flags=re.S)
    other = "en" if language == "ko" else "ko"  # a term quoted in the other language, marked
    article = re.sub(rf'<span lang="{other}">.*?</span>', "", article, flags=re.S)
    assert bool(HANGUL.search(re.sub(r"<[^>]+>", "", article))) == (language == "ko")


def test_gallery_pages_are_generated_not_written(site):
    """The gallery's pages come from the generator alone: none of them is in docs/."""
    assert not list((ROOT / "docs").rglob("gallery*.md"))
    assert len(gallery_pages()) >= 4
    for page in gallery_pages():
        assert "cnnviz" in site.html(page)
        assert "cnnviz" in site.html("en/" + page)


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_a_gallery_page_says_when_its_image_was_shrunk_and_from_what(site, prefix):
    """Grace Hopper's 600×512 photo is shrunk to 512×437 before every stage: its page says so
    in its language and lists both shapes; the road, drawn at its size, says nothing of it."""
    text = re.sub(r"<[^>]+>", "", site.html(prefix + "gallery/grace-hopper/"))
    assert re.search(r"original\s+\(600, 512\)", text)  # the table's rows: the file's shape,
    assert re.search(r"input\s+\(512, 437\)", text)  # then the shape every stage starts from
    assert ("512픽셀이 되도록" if not prefix else "until that side is 512 pixels") in text
    road = re.sub(r"<[^>]+>", "", site.html(prefix + "gallery/road/"))
    assert "INTER_AREA" not in road
    assert "original" not in road


@pytest.mark.parametrize(("page", "language"), BOTH)
def test_every_image_resolves_and_has_alt_text_in_the_page_language(site, page, language):
    """Each <img> points at a file of the site; its alt text is non-empty, Korean on ko pages."""
    html = site.html(page)
    base = urljoin(site.url, page)
    for img in tags(html.split('<article class="md-content__inner', 1)[1], "img"):
        address = urlparse(urljoin(base, img["src"]))
        assert address.netloc == urlparse(site.url).netloc, img["src"]
        file = site.root / unquote(address.path).removeprefix(urlparse(site.url).path)
        assert file.is_file(), img["src"]
        assert img.get("alt", "").strip(), img["src"]
        if language == "ko":
            assert HANGUL.search(img["alt"]), img["alt"]
        else:
            assert not HANGUL.search(img["alt"]), img["alt"]


@pytest.mark.parametrize("page", PAGES)
def test_language_switcher_links_each_page_to_its_counterpart(site, page):
    """On every page, the switcher's English link goes to en/<page> and the Korean one back."""
    for own, other, hreflang in ((page, "en/" + page, "en"), ("en/" + page, page, "ko")):
        links = [a for a in tags(site.html(own), "a") if "md-select__link" in a.get("class", "")]
        target = {a["hreflang"]: urljoin(urljoin(site.url, own), a["href"]) for a in links}
        assert target[hreflang] == urljoin(site.url, other)


@pytest.mark.parametrize(("page", "language"), BOTH)
def test_no_page_loads_anything_from_another_host(site, page, language):
    """No script, stylesheet, font or image comes from an http(s) host."""
    html = site.html(page)
    for tag, attribute in (
        ("script", "src"),
        ("link", "href"),
        ("img", "src"),
        ("source", "srcset"),
    ):
        for attrs in tags(html, tag):
            if tag == "link" and attrs.get("rel") not in (
                "stylesheet",
                "preload",
                "icon",
                "modulepreload",
            ):
                continue
            assert not re.match(r"(https?:)?//", attrs.get(attribute, "")), attrs
    assert "fonts.googleapis" not in html
    assert "@import url(http" not in html


def test_stylesheets_load_nothing_remote(site):
    """No built stylesheet imports a remote font or file."""
    for css in site.root.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", css.read_text()), css


@pytest.mark.parametrize("page", ["conv/", "en/conv/", "relu/", "en/relu/", "image/"])
def test_math_is_mathml_with_no_raw_tex_left(site, page):
    """Formulas become MathML at build time; no TeX delimiters reach the reader."""
    html = site.html(page)
    article = re.sub(r"<pre.*?</pre>|<code.*?</code>", "", html.split("<article", 1)[1], flags=re.S)
    assert "<math" in article
    text = re.sub(r"<[^>]+>", "", article)
    assert "\\frac" not in text
    assert "\\(" not in text
    assert not re.search(r"\$[^$\s][^$]*\$", text)


def test_korean_headings_get_readable_ids(site):
    """Korean headings keep their words in the id, so links to them can be read."""
    ids = {attrs["id"] for attrs in tags(site.html("conv/"), "h2") if "id" in attrs}
    assert {"모델-정의", "특성-맵", "출력-크기-공식"} <= ids


def test_search_index_is_split_per_language(site):
    """The Korean index lists only Korean pages, the English one only English pages."""
    korean = json.loads((site.root / "search" / "search_index.json").read_text())
    english = json.loads((site.root / "en" / "search" / "search_index.json").read_text())
    assert korean["config"]["lang"] == ["ko"]
    assert english["config"]["lang"] == ["en"]
    assert not [doc for doc in korean["docs"] if doc["location"].startswith("en/")]
    titles = {doc["title"] for doc in english["docs"]}
    assert not [title for title in titles if HANGUL.search(title)]
    assert {doc["location"] for doc in english["docs"]} >= {"conv/", "pooling/"}


def test_images_carry_their_size_and_load_lazily_below_the_first(site):
    """Every figure has width and height; all but the first on a page load lazily."""
    article = site.html("conv/").split('<article class="md-content__inner', 1)[1]
    images = tags(article, "img")
    assert all(img.get("width") and img.get("height") for img in images)
    assert "loading" not in images[0]
    assert all(img.get("loading") == "lazy" for img in images[1:])


class Sections(HTMLParser):
    """Records, for each <h2> in an article, the element it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.parents: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"img", "br", "hr", "input", "meta", "link", "source", "wbr"}:
            return
        if tag == "h2":
            self.parents.append(self.stack[-1])
        self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass


@pytest.mark.parametrize(("page", "language"), BOTH)
def test_every_h2_opens_its_own_section(site, page, language):
    """Each `##` section is a <section> directly in the article, so the browser can skip laying
    it out until it nears the screen; and the article's search entries still follow the
    headings, one per heading."""
    article = site.html(page).split('<article class="md-content__inner md-typeset">')[1]
    parser = Sections()
    parser.feed(article.split("</article>")[0])
    assert all(parent == ("section", "cnnviz-section") for parent in parser.parents)
    assert article.count('<section class="cnnviz-section">') == len(parser.parents)


def test_playground_assets_load_on_the_playground_only(site):
    """The playground's stylesheet and script are on its pages, in both languages, and on no
    other page, which then has two fewer files to wait for."""
    for page, _ in BOTH:
        html = site.html(page)
        expected = page.removeprefix("en/") == "playground/"
        for asset in ("stylesheets/playground.css", "javascripts/playground.js"):
            assert (asset in html) is expected, (page, asset)

"""Images an author adds to the gallery: odd names stay text, bad files stop a strict build."""

from __future__ import annotations

import functools
import re
import threading
from html import unescape

import cv2
import numpy as np
import pytest
from project import (
    QuietHandler,
    QuietServer,
    copy_project,
    edit,
    free_port,
    mkdocs_build,
    start_tags,
)

from cnnviz.errors import ImageError
from cnnviz.gallery import gallery_images
from cnnviz.images import load_gray

pytestmark = pytest.mark.site

HOSTILE = "<img src=x onerror=alert(1)>.png"
NEWLINE = "new\nline.png"
INVISIBLE = "rtl\u202egnp\u200b\u2066x\ufeff.exe.png"  # bidi override, zero-width, isolate, BOM
SHOWN = "rtl⟨U+202E⟩gnp⟨U+200B⟩⟨U+2066⟩x⟨U+FEFF⟩.exe.png"
KOREAN = "photos/고양이 사진.jpg"


def configure(root, listed):
    edit(root / "mkdocs.yml", "    gallery: []", "    gallery: " + repr(listed))


@pytest.fixture(scope="module")
def odd(tmp_path_factory):
    """A copy of the project with a hostile file name dropped in and a Korean path listed."""
    root = copy_project(tmp_path_factory.mktemp("odd"))
    picture = np.random.default_rng(5).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    (root / "photos").mkdir()
    assert cv2.imwrite(str(root / "docs" / "assets" / "gallery" / HOSTILE), picture)
    encoded = cv2.imencode(".png", picture)[1].tobytes()
    (root / "docs" / "assets" / "gallery" / NEWLINE).write_bytes(encoded)
    (root / "docs" / "assets" / "gallery" / INVISIBLE).write_bytes(encoded)
    (root / KOREAN).write_bytes(cv2.imencode(".jpg", picture)[1].tobytes())
    configure(root, [KOREAN])
    port, site_dir = free_port(), tmp_path_factory.mktemp("odd-site")
    url = f"http://127.0.0.1:{port}/"
    result = mkdocs_build(site_dir, url, root / "mkdocs.yml")
    assert result.returncode == 0, result.stderr
    images = gallery_images(root, [KOREAN], root / "docs" / "assets" / "gallery")
    return root, site_dir, url, port, {image.name: image.slug for image in images}


def test_added_images_get_pages_in_both_languages(odd):
    """A listed file and a dropped-in file each get a gallery page in Korean and in English."""
    _, site_dir, _, _, slugs = odd
    for name in (HOSTILE, "고양이 사진.jpg"):
        assert (site_dir / "gallery" / slugs[name] / "conv.png").is_file()
        for prefix in ("", "en/"):
            html = (site_dir / prefix / "gallery" / slugs[name] / "index.html").read_text()
            assert re.search(rf'src="(\.\./)*(gallery/{slugs[name]}/)?conv\.png"', html)


def test_a_hostile_file_name_shows_as_text_never_as_markup(odd):
    """No element anywhere gets an onerror attribute; the name appears escaped, as text."""
    _, site_dir, _, _, slugs = odd
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = [(tag, name) for tag, attrs in start_tags(html) for name, _ in attrs]
        assert ("img", "onerror") not in found, page
        assert not [attr for _, attr in found if attr.startswith("on")], page
    html = (site_dir / "gallery" / slugs[HOSTILE] / "index.html").read_text()
    assert HOSTILE in unescape(re.sub(r"<[^>]+>", "", html))  # shown as text...
    assert "onerror=alert(1)>" not in html  # ...and never as a tag


def test_a_line_break_in_a_name_stays_inside_the_page_heading(odd):
    """A file named "new\\nline.png" gets one heading, showing the break as "␊"."""
    _, site_dir, _, _, slugs = odd
    html = (site_dir / "gallery" / slugs[NEWLINE] / "index.html").read_text()
    article = html[html.index("<article") :]
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", article, re.S)
    shown = [unescape(re.sub(r"<[^>]+>", "", h)).rstrip("¶") for h in headings]  # no permalink
    assert shown == ["new␊line.png"]
    assert "<p>line.png" not in article


def test_invisible_format_characters_in_a_name_are_shown_by_their_code_points(odd):
    """A file named with U+202E, U+200B, U+2066 and U+FEFF: its page's <title>, <h1> and every
    page's nav show each as ⟨U+…⟩, and no published page holds any of them."""
    _, site_dir, _, _, slugs = odd
    for prefix in ("", "en/"):
        html = (site_dir / prefix / "gallery" / slugs[INVISIBLE] / "index.html").read_text()
        title = unescape(re.search(r"<title>(.*?)</title>", html, re.S)[1])
        assert title.startswith(SHOWN)
        article = html[html.index("<article") :]
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", article, re.S)[1]
        assert unescape(re.sub(r"<[^>]+>", "", heading)).rstrip("¶") == SHOWN
    home = (site_dir / "index.html").read_text()
    assert SHOWN in unescape(home)  # the nav lists it
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not any(c in text for c in "\u202e\u200b\u2066"), page
        assert "\ufeff" not in text, page


def test_footer_links_are_named_with_the_title_escaped_once(odd):
    """A footer link's aria-label reads "Next: <img src=…>.png" to a screen reader, never
    "&lt;img…": Material escapes the (already escaped) title a second time there."""
    _, site_dir, _, _, _ = odd
    labels = []
    for page in site_dir.rglob("*.html"):
        for _, attrs in start_tags(page.read_text(encoding="utf-8")):
            labels += [value or "" for name, value in attrs if name == "aria-label"]
    assert not [label for label in labels if re.search(r"&(lt|gt|amp);", label)]
    assert any(label.endswith(f": {HOSTILE}") for label in labels)


def test_the_hostile_name_is_inert_in_a_browser_even_through_search(odd, browser):
    """Opening the page and searching for its name never runs the injected script."""
    _, site_dir, url, port, slugs = odd
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dialogs = []
    tab = browser.new_page()
    try:
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(f"{url}gallery/{slugs[HOSTILE]}/")
        assert "<img src=x onerror=alert(1)>.png" in tab.inner_text("article")
        tab.keyboard.press("/")
        tab.keyboard.type("onerror")
        tab.wait_for_selector(".md-search-result__item", timeout=15000)
        tab.wait_for_timeout(500)
        assert dialogs == []
        assert tab.locator("img[onerror]").count() == 0
    finally:
        tab.close()
        server.shutdown()
        server.server_close()


def test_a_bad_listed_image_fails_the_strict_build_with_its_one_line_message(tmp_path):
    """--strict stops, and the log carries the loader's own one-line message for the file."""
    root = copy_project(tmp_path / "project")
    (root / "photos").mkdir()
    (root / "photos" / "bad.png").write_text("this is not a picture")
    configure(root, ["photos/bad.png"])
    with pytest.raises(ImageError) as caught:
        load_gray(root / "photos" / "bad.png")
    strict = mkdocs_build(tmp_path / "strict", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert strict.returncode != 0
    errors = [line for line in strict.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1
    assert errors[0].endswith(str(caught.value))
    assert "Aborted with 1 errors in strict mode" in strict.stdout + strict.stderr
    assert "Traceback" not in strict.stderr

    lenient = mkdocs_build(
        tmp_path / "lenient", "http://127.0.0.1:8000/", root / "mkdocs.yml", strict=False
    )
    assert lenient.returncode == 0
    assert (tmp_path / "lenient" / "en" / "conv" / "index.html").is_file()

"""Hostile files: a device, a pipe, a huge file or a symlink loop is judged by a look, never read.

Every case that could hang or fill memory if the checks regressed runs in a child process
under a memory ceiling and a time limit (see ``bounded.py``): a regression fails the test
instead of taking the machine down.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from bounded import python_bounded, run_bounded
from project import copy_project

from cnnviz import inputs, jobs
from cnnviz.errors import ImageError, KernelError
from cnnviz.gallery import gallery_images, gallery_jobs
from cnnviz.kernels import parse_filters
from cnnviz.store import Store

_IMPORTED = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "cnnviz"}


@pytest.fixture(autouse=True)
def _modules_imported_here(monkeypatch):
    """Each test runs against the cnnviz modules this file imported. Other tests drop cnnviz
    from sys.modules (a fresh import is what they test); a module imported afresh meanwhile
    would raise its own ImageError, which this file's `except` does not catch, and would keep
    its own memo of files read."""
    for name in [name for name in sys.modules if name.split(".")[0] == "cnnviz"]:
        monkeypatch.delitem(sys.modules, name)
    for name, module in _IMPORTED.items():
        monkeypatch.setitem(sys.modules, name, module)


pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")

RAMP = cv2.imencode(".png", np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1)))[1].tobytes()


def hostile(folder: Path, kind: str, suffix: str = ".png") -> Path:
    """Make one hostile file in ``folder``, named like an image (or with ``suffix``)."""
    path = folder / f"{kind}{suffix}"
    if kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as file:
            file.truncate(2 * 2**30)  # 2 GB, sparse: it takes no disk, but read() would fill RAM
    elif kind == "loop":
        path.symlink_to(path.name)
    return path


KINDS = ["zero", "fifo", "huge", "loop"]
PROBLEMS = {
    "zero": "is not a regular file (a device, a pipe or a socket)",
    "fifo": "is not a regular file (a device, a pipe or a socket)",
    "huge": "2,147,483,648 bytes is too large; the limit is 268,435,456",
    "loop": "is a symbolic link loop",
}


@pytest.mark.parametrize("kind", KINDS)
def test_keying_and_loading_a_hostile_gallery_file_reads_nothing(tmp_path, kind):
    """The cache key of a hostile file and its load both finish within 1 GB and 60 s, and the
    load says in one line what is wrong with it."""
    path = hostile(tmp_path, kind)
    code = (
        "from cnnviz.jobs import Job, job_key\n"
        "from cnnviz.images import load_gray\n"
        f"print(job_key(Job('gallery/x/input.png', 'input_image', {{'path': {str(path)!r}}})))\n"
        f"try:\n    load_gray({str(path)!r})\nexcept Exception as error:\n    print(error)\n"
    )
    result = python_bounded(code, memory=2**30, seconds=60)
    assert result.returncode == 0, result.stderr[-2000:]
    key, message = result.stdout.splitlines()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert message == f"{path}: {PROBLEMS[kind]}"


def test_a_gallery_file_is_opened_once_for_its_keys_and_its_renders(tmp_path, monkeypatch):
    """Keying three figures of one image and rendering them opens the file once, not once per
    key plus once per render."""
    image = tmp_path / "ramp.png"
    image.write_bytes(RAMP)
    opened = []
    real_os_open, real_io_open = os.open, io.open

    def os_open(path, *args, **kwargs):
        opened.append(Path(path))
        return real_os_open(path, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike):
            opened.append(Path(file))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    inputs._remembered.clear()
    params = {"path": str(image)}
    work = [
        jobs.Job("g/thumbnail.png", "thumbnail", params),
        jobs.Job("g/input.png", "input_image", params),
        jobs.Job("g/rows.md", "stats_rows", params),
    ]
    results, report = jobs.run_jobs(work, Store(tmp_path / "cache"))
    assert report.rendered == 3
    assert opened.count(image) == 1


def test_a_file_edited_between_reads_is_read_again(tmp_path):
    """What is remembered is keyed by the file's identity on disk: new bytes are read anew."""
    path = tmp_path / "kernel.json"
    path.write_text("[[1, 0], [0, 1]]")
    first = inputs.read_input(path)
    path.write_text("[[0, 1], [1, 0], [9, 9]]")
    second = inputs.read_input(path)
    assert second.data == b"[[0, 1], [1, 0], [9, 9]]"
    assert second.digest != first.digest
    assert inputs.read_input(path) is second


def test_a_file_that_grows_past_its_size_while_read_is_refused(tmp_path):
    """A file whose size stat cannot tell (like those in /proc) is still read at most to the
    limit, plus one chunk."""
    path = tmp_path / "notes.json"
    path.write_bytes(b"[" * 5000)
    with pytest.raises(ImageError, match="is too large; the limit is 100"):
        inputs.read_input(path, limit=100, error=ImageError)
    with pytest.raises(ImageError, match="grew past the limit of 100 bytes"):
        inputs.read_input("/proc/self/environ", limit=100, error=ImageError)


@pytest.mark.parametrize("kind", ["fifo", "zero", "loop"])
def test_a_hostile_filters_file_is_one_line_and_never_blocks(tmp_path, kind):
    """--filters naming a FIFO, /dev/zero or a loop exits 1 with one line, within 60 s."""
    image = tmp_path / "ramp.png"
    image.write_bytes(RAMP)
    spec = hostile(tmp_path, kind, ".json")
    command = [sys.executable, "-m", "cnnviz", str(image), "--filters", str(spec)]
    result = run_bounded(command, cwd=tmp_path, memory=2**30, seconds=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"cnnviz: error: {spec}: {PROBLEMS[kind]}\n"


def test_filter_file_json_is_read_through_the_same_checks(tmp_path):
    """A JSON file of filters over the size limit is refused from its size, unread."""
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps([[1.0] * 3] * 3) + " " * 1_000_001)
    with pytest.raises(KernelError, match="bytes is too large; the limit is 1,000,000"):
        parse_filters(str(spec))


OUTSIDE = cv2.imencode(".jpg", np.full((24, 24, 3), 90, np.uint8))[1].tobytes()


@pytest.fixture
def odd_folder(tmp_path):
    """A project whose gallery folder holds hidden files, links out of the project and a loop."""
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    folder = root / "docs" / "assets" / "gallery"
    folder.mkdir(parents=True)
    outside.mkdir()
    (outside / "private.jpg").write_bytes(OUTSIDE)
    (outside / "listed.jpg").write_bytes(OUTSIDE)
    (root / "photos").mkdir()
    (root / "photos" / "inside.png").write_bytes(RAMP)
    (folder / ".hidden.png").write_bytes(RAMP)
    (folder / "._photo.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (folder / "passwd.png").symlink_to("/etc/passwd")
    (folder / "private.png").symlink_to(outside / "private.jpg")
    (folder / "inside.png").symlink_to("../../../photos/inside.png")
    (folder / "loop.png").symlink_to("loop.png")
    return root, folder


def test_the_gallery_skips_hidden_files_and_refuses_links_out_of_the_project(odd_folder):
    """Dot-files are skipped; a dropped link out of the project is refused in one line naming
    it, and nothing of it is read; a listed outside file is taken; a loop does not raise."""
    root, folder = odd_folder
    images = gallery_images(root, ["../elsewhere/listed.jpg"], folder)
    added = {image.name: image for image in images if image.path}
    assert sorted(added) == ["inside.png", "listed.jpg", "loop.png", "passwd.png", "private.png"]
    refused = {name: image.problem for name, image in added.items() if image.problem}
    assert sorted(refused) == ["passwd.png", "private.png"]
    assert refused["passwd.png"].startswith(f"{folder / 'passwd.png'}: links outside the project")
    assert "\n" not in refused["passwd.png"]
    targets = {job.target.split("/")[1] for job in gallery_jobs(images)}
    assert added["passwd.png"].slug not in targets
    assert {added[name].slug for name in ("inside.png", "listed.jpg", "loop.png")} <= targets


def mkdocs_build_bounded(root: Path, site: Path, *, strict: bool):
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")]
    command += ["-d", str(site), *(["--strict"] if strict else [])]
    env = {"PYTHONPATH": str(root), "SITE_URL": "http://127.0.0.1:8000/"}
    return run_bounded(command, cwd=root, env=env)


@pytest.mark.site
def test_a_build_with_hostile_gallery_files_ends_in_bounded_memory_and_names_each(tmp_path):
    """/dev/zero, a FIFO, a 2 GB file, a loop, links to /etc/passwd and to a private photo, and
    hidden files in the gallery folder: the build ends within 3 GB and 300 s, logs one line per
    bad file (none for the hidden ones), publishes nothing of the outside files, and --strict
    fails."""
    root = copy_project(tmp_path / "project")
    folder = root / "docs" / "assets" / "gallery"
    for kind in KINDS:
        hostile(folder, kind)
    (tmp_path / "private.jpg").write_bytes(OUTSIDE)
    (folder / "passwd.png").symlink_to("/etc/passwd")
    (folder / "private.png").symlink_to(tmp_path / "private.jpg")
    (folder / ".hidden.png").write_bytes(b"not even an image")
    (folder / "._photo.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")

    result = mkdocs_build_bounded(root, tmp_path / "site", strict=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    named = sorted(re.search(r"/gallery/([^/:]+\.png)", line).group(1) for line in errors)
    assert named == sorted(["passwd.png", "private.png", *(f"{kind}.png" for kind in KINDS)])
    for name in ("passwd.png", "private.png"):
        (line,) = [line for line in errors if f"/{name}: " in line]
        assert "links outside the project" in line
    site = tmp_path / "site"
    slugs = {image.name: image.slug for image in gallery_images(root, [], folder)}
    assert ".hidden.png" not in slugs
    assert not list((site / "gallery" / slugs["private.png"]).glob("*.png"))  # no figure of it
    passwd = Path("/etc/passwd").read_bytes().splitlines()[0]
    published = [path.read_bytes() for path in site.rglob("*") if path.is_file()]
    assert not any(passwd in data for data in published)  # in no page, no copied asset
    assert OUTSIDE not in published

    strict = mkdocs_build_bounded(root, tmp_path / "strict", strict=True)
    assert strict.returncode != 0
    assert "Traceback" not in strict.stderr


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\u2066", "\ufeff"])
def test_invisible_format_characters_are_shown_in_markup_and_escaped_in_messages(character):
    """Each Cf character of a name is written as ⟨U+…⟩ in a page's text and title, dropped from
    alt text, and escaped in a one-line message, so none can reorder or hide what is shown."""
    from cnnviz.errors import one_line
    from cnnviz.markup import alt_text, markdown_text, title_value

    name = f"a{character}b.png"
    code = f"U+{ord(character):04X}"
    assert character not in markdown_text(name)
    assert html.unescape(markdown_text(name)) == f"a⟨{code}⟩b.png"
    assert json.loads(title_value(name)) == f"a⟨{code}⟩b.png"
    assert character not in alt_text(name)
    assert one_line(name) == f"a\\u{ord(character):04x}b.png"
    assert markdown_text("고양이 사진.png") == "고양이 사진&#46;png"  # Korean is left alone


def test_junk_named_png_is_refused_from_its_first_bytes_without_reading_the_rest(tmp_path):
    """A 200 MB file of junk named .png: keying its gallery figures and loading it each read
    only the first chunk (peak traced memory under 4 MB) and refuse it in one line; a real
    image behind the same check still loads."""
    import tracemalloc

    from cnnviz.images import load_gray

    junk = tmp_path / "junk.png"
    with junk.open("wb") as file:
        file.write(b"GIF89a not one of ours")
        file.truncate(200 * 2**20)
    tracemalloc.start()
    try:
        key = jobs._input_digest({"path": str(junk)}, {})
        with pytest.raises(ImageError) as caught:
            load_gray(junk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert key == f"unreadable: {inputs.NOT_AN_IMAGE}"
    assert str(caught.value) == f"{junk}: {inputs.NOT_AN_IMAGE}"
    assert peak < 4 * 2**20
    photo = tmp_path / "photo.png"
    assert cv2.imwrite(str(photo), np.full((40, 50, 3), 128, np.uint8))
    assert load_gray(photo).shape == (40, 50)


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (b"\x89PNG\r\n\x1a\nrest", None),
        (b"\xff\xd8\xff\xe0rest", None),
        (b"BMrest", None),
        (b"RIFF\x00\x00\x00\x00WEBPrest", None),
        (b"", None),
        (b"GIF89a", "not an image"),
        (b"<html>", "not an image"),
        (b"RIFF\x00\x00\x00\x00WAVE", "not an image"),
    ],
)
def test_an_image_is_known_from_its_magic_bytes(head, problem):
    found = inputs.image_head(head)
    assert (found is None) if problem is None else found.startswith(problem)

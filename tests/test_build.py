"""What every gen script shares: render, log and write; then, once per build, the workers
exit and the cache is pruned to `extra.cnnviz.cache_max_mb`."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import subprocess
import sys

import pytest
from project import ROOT, copy_project, edit, mkdocs_build

from cnnviz import build
from cnnviz.errors import CnnvizError
from cnnviz.jobs import Job

MISSING = "no-such-image.png"
JOBS = [
    Job("figures/relu-curve.png", "lesson_relu_curve", {"lesson": "relu", "x": "x", "y": "y"}),
    Job("lessons/filters.json", "lesson_outputs", {"lesson": "filters"}),
    Job("lessons/missing-rows.md", "stats_rows", {"path": MISSING}),
]


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO, logger="cnnviz-test")
    return logging.getLogger("cnnviz-test")


class Site:
    """Collects what a gen script writes through mkdocs_gen_files.open."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    @contextlib.contextmanager
    def open(self, target, mode):
        assert mode == "wb"
        buffer = io.BytesIO()
        yield buffer
        self.files[target] = buffer.getvalue()


@pytest.fixture
def fresh_build(tmp_path):
    """A new build of a project at ``tmp_path``: nothing produced, no store entry used yet."""
    return build.Build(tmp_path)


def test_generate_logs_writes_figures_and_keeps_outputs_in_memory(fresh_build, log, caplog):
    """Figures go through the opener; printed outputs stay with the build, in memory, and one
    whose recipe failed still exists, saying so; a problem found before rendering and the
    failure are one error line each, then one summary."""
    site = Site()
    fresh_build.generate(
        "lesson",
        JOBS,
        log,
        site.open,
        problems=["extra.png: not an image"],
        keep={"lessons/": b"not computed\n"},
    )
    assert list(site.files) == ["figures/relu-curve.png"]
    assert site.files["figures/relu-curve.png"].startswith(b"\x89PNG")
    outputs = fresh_build.kept
    assert '"filter-vals": "(4, 4)' in outputs["lessons/filters.json"].decode()
    assert outputs["lessons/missing-rows.md"] == b"not computed\n"
    assert not (fresh_build.root / build.CACHE / "lessons").exists()  # no file carries them
    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert lines.pop(0) == ("ERROR", "cnnviz: extra.png: not an image")
    assert lines[0] == ("ERROR", f"cnnviz: lessons/missing-rows.md: {MISSING}: no such file")
    assert lines[1][0] == "INFO"
    assert re.fullmatch(
        r"cnnviz lesson: 3 results: 2 rendered, 0 from cache, 1 failed, .*", lines[1][1]
    )
    assert len(lines) == 2


def test_generate_writes_what_compose_makes_of_the_results(fresh_build, log):
    """With compose, the files written are the ones it makes from the results."""
    site = Site()
    fresh_build.generate(
        "gallery",
        JOBS[:1],
        log,
        site.open,
        compose=lambda results: {"page.md": str(sorted(results)).encode()},
    )
    assert site.files == {"page.md": b"['figures/relu-curve.png']"}


def test_the_second_language_pass_writes_what_the_first_composed(fresh_build, log):
    """static-i18n's pass for the second language writes the files the first composed from the
    same results, without composing them again; other jobs are composed afresh."""
    calls = []

    def compose(results):
        calls.append(sorted(results))
        return {"page.md": str(sorted(results)).encode()}

    first, second, other = Site(), Site(), Site()
    fresh_build.generate("gallery", JOBS[:1], log, first.open, compose=compose)
    fresh_build.generate("gallery", JOBS[:1], log, second.open, compose=compose)
    assert second.files == first.files == {"page.md": b"['figures/relu-curve.png']"}
    assert len(calls) == 1
    fresh_build.generate("gallery", JOBS[:2], log, other.open, compose=compose)
    assert len(calls) == 2
    assert other.files != first.files


def test_a_build_with_the_same_code_reuses_what_the_last_composed(fresh_build, log):
    """A build given the last one's compositions (`mkdocs serve`, after an edit of Markdown
    alone) writes the same files without composing them, as long as the results and what
    compose reads (its key) are the same; a new key composes afresh."""
    calls = []

    def compose(results):
        calls.append(1)
        return {"page.md": f"{sorted(results)} {len(calls)}".encode()}

    first, again, edited = Site(), Site(), Site()
    fresh_build.generate("gallery", JOBS[:1], log, first.open, compose=compose, compose_key="a")
    later = build.Build(fresh_build.root, fresh_build.composed)
    try:
        later.generate("gallery", JOBS[:1], log, again.open, compose=compose, compose_key="a")
        assert again.files == first.files
        assert len(calls) == 1
        later.generate("gallery", JOBS[:1], log, edited.open, compose=compose, compose_key="b")
        assert len(calls) == 2
        assert edited.files != first.files
    finally:
        later.close()


def test_a_later_build_reads_a_keyed_composition_from_the_cache(fresh_build, log, monkeypatch):
    """A composition with a key outlives its build: a new build of the same project, with
    nothing handed over, writes the same files without composing (a warm `mkdocs build`).
    Another key, an edit of the library's code, or a damaged entry composes afresh; a
    composition without a key is never stored."""
    library = fresh_build.root / "library"
    library.mkdir()
    (library / "module.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(build, "LIBRARY", library)
    calls = []

    def compose(results):  # one file of its own, and one of the results as it is
        calls.append(1)
        return {"page.md": f"page {len(calls)}".encode(), **results}

    def write(key, expect_calls):
        later, site = build.Build(fresh_build.root), Site()
        try:
            later.generate("gallery", JOBS[:1], log, site.open, compose=compose, compose_key=key)
        finally:
            later.close()
        assert len(calls) == expect_calls
        return site.files

    first = write("a", 1)
    assert first["page.md"] == b"page 1"
    assert first["figures/relu-curve.png"].startswith(b"\x89PNG")
    assert write("a", 1) == first  # read, not composed
    assert write("b", 2)["page.md"] == b"page 2"
    (library / "module.py").write_text("VALUE = 2\n")
    assert write("a", 3)["page.md"] == b"page 3"
    assert write("a", 3)["page.md"] == b"page 3"
    for entry in (fresh_build.root / build.CACHE / "objects").glob("??/*"):
        if entry.read_bytes().endswith(b"page 3"):
            entry.write_bytes(entry.read_bytes()[:-1])
    assert write("a", 4)["page.md"] == b"page 4"
    assert write("", 5)["page.md"] == b"page 5"
    assert write("", 6)["page.md"] == b"page 6"


def test_pieces_outlive_their_build_holding_only_what_the_last_compose_used(fresh_build, log):
    """A compose that keeps its pieces in the build's table (as the notebooks do, one piece a
    notebook) finds in the next build what the last one made, makes only the new ones, and
    the table it leaves holds only the pieces that compose used."""
    made = []

    def compose_of(names):
        def compose(results):
            pieces = build_now.pieces("test, v1")
            for name in names:
                if name not in pieces:
                    made.append(name)
                    pieces[name] = f"{name} made".encode()
            return {f"{name}.txt": pieces[name] for name in names}

        return compose

    def generate(names):
        nonlocal build_now
        build_now, site = build.Build(fresh_build.root), Site()
        try:
            key = ",".join(names)  # a new key: the whole composition is not stored yet
            build_now.generate("t", [], log, site.open, compose=compose_of(names), compose_key=key)
        finally:
            build_now.close()
        return site.files

    build_now = None
    assert generate(["a", "b"]) == {"a.txt": b"a made", "b.txt": b"b made"}
    assert made == ["a", "b"]
    assert generate(["a", "c"]) == {"a.txt": b"a made", "c.txt": b"c made"}
    assert made == ["a", "b", "c"]  # a came from the table
    assert sorted(build.Build(fresh_build.root).pieces("test, v1")) == ["a", "c"]
    assert list(build.Build(fresh_build.root).pieces("test, v2")) == []


def test_a_build_that_reads_the_composition_keeps_its_pieces(fresh_build, log):
    """A build that finds the whole composition stored composes nothing, yet counts the piece
    tables that composition used as its own, so even a prune to nothing leaves them for the
    next edit."""

    def compose(results):
        pieces = fresh_build.pieces("kept")
        pieces["x"] = b"1"
        return {"page.md": pieces["x"]}

    fresh_build.generate("t", [], log, Site().open, compose=compose, compose_key="k")
    later = build.Build(fresh_build.root)
    later.generate("u", [], log, Site().open, compose=compose_without_call, compose_key="k")
    later.store.prune(0)
    assert dict(build.Build(fresh_build.root).pieces("kept")) == {"x": b"1"}


def compose_without_call(results):
    raise AssertionError("the stored composition was not read")


def test_pieces_behave_as_a_mapping(fresh_build):
    """A table reads as a mapping of what is stored and what was added; a damaged table in
    the store reads as empty."""
    pieces = fresh_build.pieces("table")
    pieces["x"] = b"1"
    pieces["y"] = b"2"
    pieces.save()
    again = build.Build(fresh_build.root).pieces("table")
    assert dict(again) == {"x": b"1", "y": b"2"}
    assert len(again) == 2
    del again["x"]
    assert "x" not in again
    with pytest.raises(KeyError):
        del again["x"]
    objects = fresh_build.root / build.CACHE / "objects"
    for entry in objects.glob("??/*"):
        entry.write_bytes(entry.read_bytes()[:-1])
    assert dict(build.Build(fresh_build.root).pieces("table")) == {}


def test_a_stored_composition_unpacks_to_what_was_packed():
    """The stored form keeps every file and its order, holds a result's bytes only once, and
    refuses bytes that are not a whole composition."""
    results = {"a.png": b"\x89PNG one", "b.png": b"two"}
    files = {"page.md": b"", "a.png": results["a.png"], "b.png": b"changed", "z": b"\0" * 3}
    packed = build._pack(files, results, ["table"])
    assert packed.count(b"\x89PNG one") == 0
    unpacked, pieces = build._unpack(packed, results)
    assert unpacked == files
    assert list(unpacked) == list(files)
    assert pieces == ["table"]
    with pytest.raises(ValueError, match="another length"):
        build._unpack(packed[:-1], results)
    with pytest.raises(ValueError, match="another length"):
        build._unpack(packed + b"x", results)


def test_the_second_language_pass_reuses_the_first(fresh_build, log, caplog, monkeypatch):
    """static-i18n runs each script again for the second language: the same jobs get the
    first pass's results without running them, the failure is not logged again, the counts
    say so, and the same files are written; other jobs run afresh."""
    first, second = Site(), Site()
    fresh_build.generate("lesson", JOBS, log, first.open)
    caplog.clear()

    def no_run(*args, **kwargs):
        raise AssertionError("the second pass ran its jobs again")

    with monkeypatch.context() as patch:
        patch.setattr(build, "run_jobs", no_run)
        fresh_build.generate("lesson", JOBS, log, second.open)
    assert second.files == first.files
    assert [record.levelname for record in caplog.records] == ["INFO"]
    assert caplog.records[0].getMessage() == (
        "cnnviz lesson: 3 results: 0 rendered, 2 from cache, 1 failed, in 0.00 s"
    )
    caplog.clear()
    fresh_build.generate("lesson", JOBS[:1], log, Site().open)
    assert " 0 rendered, 1 from cache, in " in caplog.records[0].getMessage()


def test_every_script_of_a_build_shares_one_store(fresh_build, tmp_path):
    """Scripts of one build share a store, so the prune at its end knows all they used."""
    assert fresh_build.store is fresh_build.store
    assert fresh_build.store.root == (tmp_path / build.CACHE).resolve()
    assert build.Build(tmp_path / "." / "").store.root == fresh_build.store.root


def test_a_stale_output_keeps_its_failure_until_its_recipe_succeeds(fresh_build):
    """While a kept file's recipe fails, the build holds the failure's line for the page's
    notice; a repeat without a message keeps the first; a success clears it."""
    fresh_build._mark_stale("lessons/relu.json", True, "docs/lessons/relu.py:3: ValueError")
    fresh_build._mark_stale("lessons/relu.json", True, None)
    assert fresh_build.stale == {"lessons/relu.json": "docs/lessons/relu.py:3: ValueError"}
    fresh_build._mark_stale("lessons/relu.json", False, None)
    assert fresh_build.stale == {}


def test_finish_keeps_what_the_build_used_and_logs_one_line(fresh_build, tmp_path, log, caplog):
    """After the scripts, an entry no script used goes (cap 0), the used ones stay, and one
    log line says how many went and the size now."""
    fresh_build.generate("lesson", JOBS[:2], log, Site().open)
    stale = tmp_path / build.CACHE / "objects" / "00" / ("00" * 32)
    stale.parent.mkdir(parents=True, exist_ok=True)  # a used entry may share the prefix
    stale.write_bytes(bytes(1000))
    os.utime(stale, (1, 1))
    caplog.clear()
    pruned = fresh_build.finish(0, log)
    assert not stale.exists()
    assert pruned.removed == 1
    assert pruned.size > 0
    assert [record.getMessage() for record in caplog.records] == [
        f"cnnviz cache: {pruned.summary()}"
    ]
    used = fresh_build.store.used
    assert len(used) == 3  # the two results and the code memo
    assert all(path.exists() for path in used)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, 200),
        ({"cnnviz": {}}, 200),
        ({"cnnviz": {"cache_max_mb": 50}}, 50),
        ({"cnnviz": {"cache_max_mb": 0.5}}, 0.5),
    ],
)
def test_cache_cap_is_read_from_extra(extra, expected):
    """The cap is extra.cnnviz.cache_max_mb, 200 MB if unset."""
    assert build.cache_max_mb(extra) == expected


@pytest.mark.parametrize("value", ["lots", -1, True, None, float("inf"), float("nan"), [200]])
def test_a_bad_cache_cap_is_refused_in_one_line(value):
    """Anything but a finite number of megabytes, 0 or more, is refused, naming the setting."""
    with pytest.raises(CnnvizError, match=r"^mkdocs.yml: extra.cnnviz.cache_max_mb must be"):
        build.cache_max_mb({"cnnviz": {"cache_max_mb": value}})


@pytest.mark.site
def test_a_build_prunes_what_it_did_not_use_to_the_cap(tmp_path):
    """With cache_max_mb: 0, a build removes every entry it did not use, logs it in one line,
    and keeps all it used: the next build renders nothing."""
    root = copy_project(tmp_path / "project")
    edit(root / "mkdocs.yml", "    cache_max_mb: 200", "    cache_max_mb: 0")
    stale = [root / ".cache" / "cnnviz" / "objects" / "00" / f"{n:064x}" for n in range(3)]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(10_000))
        os.utime(path, (1, 1))
    first = mkdocs_build(tmp_path / "one", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stderr.splitlines() if "cnnviz cache:" in line]
    assert len(lines) == 1
    assert re.search(
        r"cnnviz cache: \d+ unused entries removed \(.* MB\); .* MB now, cap 0.0 MB", lines[0]
    )
    assert not any(path.exists() for path in stale)
    second = mkdocs_build(tmp_path / "two", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    counts = [line for line in second.stderr.splitlines() if " results: " in line]
    assert len(counts) == 8  # four scripts, two languages
    assert all(" 0 rendered, " in line for line in counts)
    assert "cnnviz cache: 0 unused entries removed" in second.stderr


@pytest.mark.site
def test_a_bad_cache_cap_stops_the_build_in_one_line(tmp_path):
    """A cap that is not a number stops the build before anything renders, in one line."""
    root = copy_project(tmp_path / "project")
    edit(root / "mkdocs.yml", "    cache_max_mb: 200", "    cache_max_mb: lots")
    result = mkdocs_build(tmp_path / "site", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "mkdocs.yml: extra.cnnviz.cache_max_mb must be a number of megabytes" in result.stderr
    assert "results:" not in result.stderr


@pytest.mark.site
def test_failures_in_workers_are_one_line_each_and_fail_a_strict_build(tmp_path, monkeypatch):
    """Every feature map raising, drawn by the two workers CNNVIZ_WORKERS asks for: the
    lesson and the gallery each log one error line naming the figures, the file and line of
    the raise and the exception, no traceback, and --strict fails."""
    root = copy_project(tmp_path / "project")
    figures = root / "cnnviz" / "figures.py"
    figures.write_text(
        figures.read_text()
        + "\n\ndef plot_feature_maps(*args, **kwargs):\n    raise RuntimeError('maps broke')\n"
    )
    monkeypatch.setenv("CNNVIZ_WORKERS", "2")
    result = mkdocs_build(tmp_path / "site", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 2, result.stderr
    line = len(figures.read_text().splitlines())  # the raise, named from the project's root
    where = rf"cnnviz/figures\.py:{line}: RuntimeError: maps broke"
    assert re.fullmatch(rf"ERROR +- +cnnviz: figures/conv.png and \d+ more: {where}", errors[0])
    assert re.fullmatch(rf"ERROR +- +cnnviz: gallery/\S+/conv.png and \d+ more: {where}", errors[1])
    assert re.search(r"cnnviz lesson: .* rendered by 2 workers, .* failed", result.stderr)
    assert re.search(r"cnnviz gallery: .* rendered by 2 workers, .* failed", result.stderr)
    assert "Aborted with 2 errors in strict mode" in result.stdout + result.stderr


# What a warm build runs of the library, once the lessons' parsed copies and the notebooks
# exist: read every lesson, key every lesson figure, compose the notebooks from what was made.
WARM = """
import json, sys, tomllib
from pathlib import Path
from cnnviz import gallery, jobs, lessons, notebooks
parsed = [lessons.read_lesson(name) for name in lessons.lesson_names()]
for figure in tomllib.loads(Path("gen/figures.toml").read_text())["figure"]:
    jobs.job_key(jobs.Job(figure["target"], figure["recipe"], figure.get("params", {})))
made = {key: value.encode() for key, value in json.loads(sys.stdin.read()).items()}
pages = {lesson.name: Path(f"docs/{lesson.name}.en.md").read_text() for lesson in parsed}
images = {name: b"" for lesson in parsed for name in lesson.files()}
strings = tomllib.loads(Path("gen/templates/notebook-strings.toml").read_text())["en"]
notebooks.notebook_files(parsed, "en", pages, strings, images, made=made)
if len(sys.argv) > 1:
    print(json.dumps({key: value.decode() for key, value in made.items()}))
else:
    print(sorted({"jupytext", "nbformat", "numpy"} & set(sys.modules)))
"""


@pytest.mark.slow
def test_a_warm_build_imports_neither_jupytext_nor_nbformat_nor_numpy():
    """Reading the project's lessons from their parsed copies, keying the figures and taking
    every notebook from those made before import none of the three (0.4 to 0.6 s a build)."""

    def run(made, *args):
        return subprocess.run(
            [sys.executable, "-c", WARM, *args],
            cwd=ROOT,
            input=made,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    made = run("{}", "make")  # a first process parses the lessons and makes the notebooks
    assert run(made) == "[]\n"
    assert run("{}") == "['nbformat']\n"  # and the check can see an import

"""The figure cache: what enters a key, what a run renders, and what survives a failure."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest

import cnnviz

PACKAGE = Path(cnnviz.__file__).resolve().parent


def forget_cnnviz():
    for name in [name for name in sys.modules if name.partition(".")[0] == "cnnviz"]:
        del sys.modules[name]


@pytest.fixture
def copy(tmp_path):
    """A copy of the cnnviz package and the lessons' sources, imported in place of the real
    ones for one test."""
    shutil.copytree(PACKAGE, tmp_path / "cnnviz", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE.parent / "docs" / "lessons", tmp_path / "docs" / "lessons")
    sys.path.insert(0, str(tmp_path))
    forget_cnnviz()
    jobs = importlib.import_module("cnnviz.jobs")
    assert Path(jobs.__file__).is_relative_to(tmp_path)
    yield jobs
    sys.path.remove(str(tmp_path))
    forget_cnnviz()


def edit(module, path: str, old: str, new: str) -> None:
    file = Path(module.__file__).parent / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


CONV = ("gallery/road/conv.png", "feature_maps", {"stage": "conv", "sample": "road"})
CURVE = ("figures/relu-curve.png", "lesson_relu_curve", {"lesson": "relu", "x": "x", "y": "y"})
OUTPUTS = ("lessons/filters.json", "lesson_outputs", {"lesson": "filters"})
ALL = {CONV[0], CURVE[0], OUTPUTS[0]}


def keys(jobs):
    return {
        target: jobs.job_key(jobs.Job(target, recipe, params))
        for target, recipe, params in (CONV, CURVE, OUTPUTS)
    }


@pytest.mark.parametrize(
    ("path", "old", "new", "changed"),
    [
        ("figures.py", 'color="#c0392b"', 'color="#1f6fb4"', {CURVE[0]}),
        ("figures.py", 'SIGNED = "RdBu_r"', 'SIGNED = "PuOr_r"', {CONV[0]}),
        ("figures.py", "WIDTH = 7.2", "WIDTH = 7.0", {CONV[0], CURVE[0]}),
        ("layers.py", "conv_x = self.conv(x)", "conv_x = self.conv(x) * 1", {CONV[0]}),
        ("kernels.py", "[[-1, -1, 1, 1]] * 4", "[[-1, -1, 2, 1]] * 4", {CONV[0]}),
        ("kernels.py", "[[-1, 0, 1], [-2, 0, 2]", "[[-1, 0, 1], [-3, 0, 3]", {CONV[0]}),
        ("samples.py", "horizon = 0.42", "horizon = 0.45", ALL),  # drawn scenes feed lessons
        ("images.py", "MAX_SIDE = 512", "MAX_SIDE = 500", {CONV[0]}),
        ("store.py", "DPI = 110", "DPI = 120", ALL),
        ("recipes.py", '"""The ReLU curve from', '"""ReLU from', {CURVE[0]}),
        ("markup.py", "import html", "import html  # an edit", set()),
        ("errors.py", '"""The errors', '"""Errors', ALL),
        ("../docs/lessons/relu.py", "y = F.relu(x)", "y = F.relu(x) * 1", {CURVE[0]}),
        (
            "../docs/lessons/filters.py",
            "filter_2 = -filter_1",
            "filter_2 = -1 * filter_1",
            {CURVE[0], OUTPUTS[0]},
        ),
        ("../docs/lessons/pooling.py", "nn.MaxPool2d(2, 2)", "nn.MaxPool2d(2)", set()),
        ("../docs/lessons/relu.py", "# en: Apply ReLU", "# en: Now apply ReLU", set()),
        ("../docs/lessons/relu.py", "# # 4. ReLU", "# # 4. The ReLU", set()),
    ],
)
def test_a_code_edit_changes_exactly_the_keys_that_reach_it(copy, path, old, new, changed):
    """An edit re-keys exactly the results whose recipe reaches the edited definition, or
    whose lesson's source (or a source it borrows cells from) was edited."""
    before = keys(copy)
    edit(copy, path, old, new)
    after = keys(copy)
    assert {target for target in before if before[target] != after[target]} == changed


def test_input_image_bytes_enter_the_key(copy, tmp_path):
    """Changing one byte of an input file changes its key; the file's name does not matter."""
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG first")
    job = copy.Job("gallery/x/conv.png", "feature_maps", {"stage": "conv", "path": str(image)})
    first = copy.job_key(job)
    image.write_bytes(b"\x89PNG other")
    assert copy.job_key(job) != first


def test_a_key_holds_the_path_from_the_project_not_the_checkout(copy, monkeypatch, tmp_path):
    """The same image in two checkouts in different folders gets the same key, so a cache moved
    with its checkout (CI, a second clone) still hits; another path in the project does not."""
    found = []
    for checkout in ("one", "two/deeper"):
        root = tmp_path / checkout
        (root / "docs").mkdir(parents=True)
        (root / "docs" / "photo.png").write_bytes(b"\x89PNG same")
        monkeypatch.setattr(copy, "PROJECT", root)
        params = {"stage": "conv", "path": str(root / "docs" / "photo.png")}
        found.append(copy.job_key(copy.Job("g/conv.png", "feature_maps", params)))
    assert found[0] == found[1]
    other = tmp_path / "two" / "deeper" / "docs" / "other.png"
    other.write_bytes(b"\x89PNG same")
    params = {"stage": "conv", "path": str(other)}
    assert copy.job_key(copy.Job("g/conv.png", "feature_maps", params)) != found[1]


def test_parameters_and_recipe_enter_the_key(copy):
    """A different stage, sample or recipe gives a different key; the target name does not."""
    job = copy.Job("a.png", "feature_maps", {"stage": "conv", "sample": "road"})
    assert copy.job_key(job) == copy.job_key(copy.Job("b.png", job.recipe, job.params))
    variants = [{"stage": "relu", "sample": "road"}, {"stage": "conv", "sample": "test_card"}]
    assert len({copy.job_key(copy.Job("a.png", job.recipe, p)) for p in variants}) == 2
    assert copy.job_key(copy.Job("a.png", "input_image", {"sample": "road"})) != copy.job_key(job)


@pytest.mark.parametrize("package", ["torch", "numpy", "opencv-python-headless", "matplotlib"])
def test_library_versions_enter_the_key(copy, monkeypatch, package):
    """A new version of torch, numpy, OpenCV or matplotlib changes every key."""
    job = copy.Job(*CURVE)
    before = copy.job_key(job)
    real = copy._versions()
    monkeypatch.setattr(copy, "_versions", lambda: {**real, package: "99.0"})
    assert copy.job_key(job) != before


def test_unknown_recipe_is_refused(copy):
    """A job naming no recipe fails at keying time, with the name in the message."""
    with pytest.raises(KeyError, match="no_such_recipe"):
        copy.job_key(copy.Job("a.png", "no_such_recipe"))


def test_second_run_renders_nothing(copy, tmp_path):
    """Run twice, as static-i18n does once per language: the second run takes all from cache."""
    cache = copy.store.Store(tmp_path / "cache")
    jobs = [copy.Job(*OUTPUTS), copy.Job(*CURVE)]
    first, report = copy.run_jobs(jobs, cache)
    assert (report.rendered, report.cached) == (2, 0)
    second, report = copy.run_jobs(jobs, cache)
    assert (report.rendered, report.cached) == (0, 2)
    assert first == second
    assert "2 results: 0 rendered, 2 from cache" in report.summary()


def test_damaged_entry_is_rendered_again(copy, tmp_path):
    """A cache entry cut short is noticed and replaced by a fresh render."""
    cache = copy.store.Store(tmp_path / "cache")
    job = copy.Job(*OUTPUTS)
    good, _ = copy.run_jobs([job], cache)
    (entry,) = (tmp_path / "cache" / "objects").rglob(copy.job_key(job))
    entry.write_bytes(entry.read_bytes()[:20])
    again, report = copy.run_jobs([job], cache)
    assert report.rendered == 1
    assert again == good


def test_a_failing_recipe_keeps_the_last_good_result(copy, tmp_path):
    """When a recipe raises, the others still render, the error names the figure and the
    exception, and the figure's last good bytes are returned."""
    cache = copy.store.Store(tmp_path / "cache")
    jobs = [copy.Job(*CURVE), copy.Job(*OUTPUTS)]
    good, _ = copy.run_jobs(jobs, cache)
    edit(
        copy,
        "figures.py",
        "    fig = Figure(figsize=(WIDTH * 0.55",
        "    raise RuntimeError('curve broke')\n    fig = Figure(figsize=(WIDTH * 0.55",
    )
    forget_cnnviz()
    jobs_module = importlib.import_module("cnnviz.jobs")
    results, report = jobs_module.run_jobs(jobs, cache)
    assert report.errors() == ["figures/relu-curve.png: RuntimeError: curve broke"]
    assert results[CURVE[0]] == good[CURVE[0]]
    assert results[OUTPUTS[0]] == good[OUTPUTS[0]]


def test_a_failure_without_history_yields_nothing(copy, tmp_path):
    """A recipe that never worked returns no bytes, and a bad input is reported once for all
    the figures it breaks, with its own one-line message."""
    missing = tmp_path / "gone.png"
    jobs = [
        copy.Job(f"g/{stage}.png", "feature_maps", {"stage": stage, "path": str(missing)})
        for stage in ("conv", "relu")
    ]
    results, report = copy.run_jobs(jobs, copy.store.Store(tmp_path / "cache"))
    assert results == {}
    assert report.errors() == [f"g/conv.png, g/relu.png: {missing}: no such file"]


def test_two_cold_renders_are_byte_identical(copy, tmp_path):
    """Every kind of recipe renders to the same bytes in two empty caches in two folders."""
    jobs = [
        copy.Job("input.png", "input_image", {"sample": "test_card"}),
        copy.Job("conv.png", "feature_maps", {"stage": "conv", "sample": "test_card"}),
        copy.Job("thumb.png", "thumbnail", {"sample": "test_card"}),
        copy.Job("rows.md", "stats_rows", {"sample": "test_card"}),
        copy.Job(*CURVE),
        copy.Job(*OUTPUTS),
        copy.Job("filters.png", "lesson_filters", {"lesson": "filters", "filters": "filters"}),
        copy.Job("card.png", "sample_file", {"file_name": "test_card.png"}),
    ]
    first, _ = copy.run_jobs(jobs, copy.store.Store(tmp_path / "one"))
    second, _ = copy.run_jobs(jobs, copy.store.Store(tmp_path / "two"))
    assert len(first) == len(jobs)
    assert first == second


def test_unchanged_code_is_not_parsed_again_and_an_edit_is(copy, tmp_path, monkeypatch):
    """A second run with the same source takes the code digests from its memo, parsing
    nothing; after an edit the source is parsed again and the new figure is rendered."""
    deps = sys.modules["cnnviz.deps"]
    cache = copy.store.Store(tmp_path / "cache")
    jobs = [copy.Job(*CURVE)]
    copy.run_jobs(jobs, cache)
    deps._PARSED.clear()

    def no_parse(*args):
        raise AssertionError("parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(deps, "_parse", no_parse)
        _, report = copy.run_jobs(jobs, cache)
    assert (report.rendered, report.cached) == (0, 1)
    edit(copy, "figures.py", 'color="#c0392b"', 'color="#1f6fb4"')
    _, report = copy.run_jobs(jobs, cache)
    assert (report.rendered, report.cached) == (1, 0)

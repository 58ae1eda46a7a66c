"""The figure cache: what enters a key, what a run renders and where, and what survives a
failure."""

from __future__ import annotations

import gc
import importlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from project import forget_cnnviz

import cnnviz

PACKAGE = Path(cnnviz.__file__).resolve().parent


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
    sys.modules["cnnviz.workers"].close_pool()
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
        ("../docs/lessons/relu.py", "# What happens if ReLU", "# What happens when ReLU", set()),
    ],
)
def test_a_code_edit_changes_exactly_the_keys_that_reach_it(copy, path, old, new, changed):
    """An edit re-keys exactly the results whose recipe reaches the edited definition, or
    whose lesson's source (or a source it borrows cells from) was edited."""
    before = keys(copy)
    edit(copy, path, old, new)
    after = keys(copy)
    assert {target for target in before if before[target] != after[target]} == changed


BROKE = r"figures/relu-curve.png: cnnviz/figures.py:\d+: RuntimeError: curve broke"


def test_input_image_bytes_enter_the_key(copy, tmp_path):
    """Changing one byte of an input file changes its key; the file's name does not matter."""
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n first")
    job = copy.Job("gallery/x/conv.png", "feature_maps", {"stage": "conv", "path": str(image)})
    first = copy.job_key(job)
    image.write_bytes(b"\x89PNG\r\n\x1a\n other")
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


@pytest.mark.parametrize("name", ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "ONEDNN_MAX_CPU_ISA"])
def test_the_cpu_kernels_torch_is_told_to_use_enter_the_key(copy, monkeypatch, name):
    """Other kernels add in another order, so a result drawn with them is another result."""
    job = copy.Job(*CURVE)
    before = copy.job_key(job)
    monkeypatch.setenv(name, "default")
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
    (error,) = report.errors()  # where in the code it raised, then what
    assert re.fullmatch(
        r"figures/relu-curve.png: cnnviz/figures.py:\d+: RuntimeError: curve broke", error
    )
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


@pytest.mark.slow
def test_the_learned_lesson_trains_to_the_same_bytes_in_two_fresh_processes(copy, tmp_path):
    """The learned lesson's training (its seed, on CPU) gives byte-identical outputs and
    figures when it runs twice from nothing: each time in a new worker process."""
    workers = sys.modules["cnnviz.workers"]
    learned = {"lesson": "learned", "steps": "steps"}
    jobs = [
        copy.Job("lessons/learned.json", "lesson_outputs", {"lesson": "learned"}),
        copy.Job("loss.png", "lesson_loss", {**learned, "losses": "losses"}),
        copy.Job(
            "filters.png",
            "lesson_filter_history",
            {**learned, "history": "history", "target": "filters"},
        ),
    ]
    runs = []
    for folder in ("one", "two"):
        results, report = copy.run_jobs(jobs, copy.store.Store(tmp_path / folder), workers=2)
        workers.close_pool()  # the next run trains in a process of its own
        assert (report.rendered, report.workers) == (3, 2)
        runs.append(results)
    assert runs[0] == runs[1]


@pytest.mark.slow
def test_the_train_lesson_trains_to_the_same_bytes_in_two_fresh_processes(copy, tmp_path):
    """The train lesson's CNN (its seeds, on CPU, one thread) gives byte-identical outputs,
    figures and network file when it trains twice from nothing, each time in a new worker."""
    workers = sys.modules["cnnviz.workers"]
    network = {"model": "model", "images": "test_x", "labels": "test_y", "per_class": 2}
    stages = ["conv1", "relu1", "pool1"]
    jobs = [
        copy.Job("lessons/train.json", "lesson_outputs", {"lesson": "train"}),
        copy.Job("first.png", "lesson_stages", {"lesson": "train", "stages": stages}),
        copy.Job("trained-cnn.json", "lesson_network", {"lesson": "train", **network}),
    ]
    runs = []
    for folder in ("one", "two"):
        results, report = copy.run_jobs(jobs, copy.store.Store(tmp_path / folder), workers=2)
        workers.close_pool()
        assert report.rendered == 3
        runs.append(results)
    assert runs[0] == runs[1]


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


# Recipes added to a copy of the package, to see from inside a render where it ran.
PROBES = """

def probe(n: int = 0, lesson: str = "") -> str:
    import os

    import torch

    names = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"]
    values = {name: os.environ.get(name) for name in names}
    return json.dumps({"pid": os.getpid(), "torch": torch.get_num_threads(), **values})


def die(n: int = 0) -> str:
    import os

    os._exit(3)


DRAWN = []


def drawn(fail: bool = False) -> str:
    import gc
    import weakref

    from matplotlib.figure import Figure

    figure = Figure()
    figure.add_subplot().plot([0, 1])
    DRAWN.append(weakref.ref(figure))
    if fail:
        raise ValueError("asked to fail")
    return json.dumps({"collector": gc.isenabled()})
"""


@pytest.fixture
def probed(copy):
    """The package copy, with the recipes ``probe``, ``die`` and ``drawn``."""
    recipes = Path(copy.__file__).parent / "recipes.py"
    recipes.write_text(recipes.read_text() + PROBES)
    return copy


def probes(jobs, count, start=0):
    return [jobs.Job(f"probe-{n}.json", "probe", {"n": n}) for n in range(start, start + count)]


def seen(results):
    return [json.loads(data) for data in results.values()]


EVERY_KIND = [
    ("input.png", "input_image", {"sample": "test_card"}),
    ("conv.png", "feature_maps", {"stage": "conv", "sample": "grace_hopper"}),
    ("conv-narrow.png", "feature_maps", {"stage": "relu", "sample": "road", "narrow": True}),
    ("thumb.png", "thumbnail", {"sample": "road"}),
    ("rows.md", "stats_rows", {"sample": "test_card"}),
    ("pixels.u8", "gray_bytes", {"sample": "road"}),
    CURVE,
    OUTPUTS,
    ("filters.png", "lesson_filters", {"lesson": "filters", "filters": "filters"}),
    ("card.png", "sample_file", {"file_name": "test_card.png"}),
]


@pytest.mark.slow
def test_workers_draw_the_same_bytes_as_this_process(copy, tmp_path):
    """Every kind of result rendered by two worker processes is byte for byte what one
    process renders alone, and two cold parallel runs agree."""
    jobs = [copy.Job(*job) for job in EVERY_KIND]
    serial, report = copy.run_jobs(jobs, copy.store.Store(tmp_path / "serial"), workers=1)
    assert (report.rendered, report.workers) == (len(jobs), 0)
    parallel, report = copy.run_jobs(jobs, copy.store.Store(tmp_path / "one"), workers=2)
    assert (report.rendered, report.workers) == (len(jobs), 2)
    again, _ = copy.run_jobs(jobs, copy.store.Store(tmp_path / "two"), workers=2)
    assert len(serial) == len(jobs)
    assert parallel == serial
    assert again == serial


@pytest.mark.slow
def test_each_worker_runs_one_thread_and_the_pool_serves_later_runs(probed, tmp_path):
    """Workers are other processes, as many as asked for, each with torch, OpenMP, MKL,
    OpenBLAS and oxipng on one thread; a second run of the same code reuses them."""
    cache = probed.store.Store(tmp_path / "cache")
    results, report = probed.run_jobs(probes(probed, 8), cache, workers=2)
    first = seen(results)
    assert report.workers == 2
    assert {probe["pid"] for probe in first} - {os.getpid()}
    assert len({probe["pid"] for probe in first}) <= 2
    for probe in first:
        assert probe["torch"] == 1
        assert {probe[name] for name in probe if name.endswith("_THREADS")} == {"1"}
    results, _ = probed.run_jobs(probes(probed, 3, start=8), cache)  # few, but a pool runs
    assert {probe["pid"] for probe in seen(results)} <= {probe["pid"] for probe in first}


def test_few_renders_stay_in_this_process_with_one_torch_thread(probed, tmp_path, monkeypatch):
    """Below the pool's threshold no worker is started: the render runs here, on one torch
    thread, and this process's thread count is restored afterwards."""
    import torch

    workers = sys.modules["cnnviz.workers"]
    monkeypatch.setattr(workers, "_cores", lambda: 2)
    monkeypatch.delenv(workers.WORKERS_ENV, raising=False)

    def no_worker():
        raise AssertionError("a worker was started")

    monkeypatch.setattr(workers, "_Worker", no_worker)
    before = torch.get_num_threads()
    jobs = probes(probed, workers.POOL_MIN_JOBS_LOADED - 1)
    results, report = probed.run_jobs(jobs, probed.store.Store(tmp_path / "cache"))
    assert report.workers == 0
    assert "workers" not in report.summary()
    assert {(probe["pid"], probe["torch"]) for probe in seen(results)} == {(os.getpid(), 1)}
    assert torch.get_num_threads() == before


def test_pool_size_follows_the_cores_the_threshold_and_the_environment(copy, monkeypatch):
    """One render, or fewer than the threshold with no pool running, stay here; more go to
    one worker per core; the threshold is higher for a process with torch loaded already;
    CNNVIZ_WORKERS asks for that many workers from two renders on, and 1 means no workers."""
    workers = sys.modules["cnnviz.workers"]
    monkeypatch.setattr(workers, "_cores", lambda: 2)
    monkeypatch.delenv(workers.WORKERS_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert workers.pool_size(1, "code") == 1
    assert workers.pool_size(workers.POOL_MIN_JOBS - 1, "code") == 1
    assert workers.pool_size(workers.POOL_MIN_JOBS, "code") == 2
    monkeypatch.setitem(sys.modules, "torch", object())  # a server that has drawn before
    assert workers.pool_size(workers.POOL_MIN_JOBS, "code") == 1
    assert workers.pool_size(workers.POOL_MIN_JOBS_LOADED - 1, "code") == 1
    assert workers.pool_size(workers.POOL_MIN_JOBS_LOADED, "code") == 2
    assert workers.pool_size(2, "code", workers=3) == 3
    monkeypatch.setenv(workers.WORKERS_ENV, "1")
    assert workers.pool_size(50, "code") == 1
    monkeypatch.setenv(workers.WORKERS_ENV, "4")
    assert workers.pool_size(50, "code") == 4
    assert workers.pool_size(2, "code") == 4
    monkeypatch.setattr(workers, "_cores", lambda: 1)
    monkeypatch.delenv(workers.WORKERS_ENV)
    assert workers.pool_size(50, "code") == 1


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_recipe_is_one_line_wherever_it_runs(copy, tmp_path, processes):
    """A recipe that raises, in this process or in a worker, is reported as one line naming
    the figure and the exception; the other results come through, and its last good bytes."""
    cache = copy.store.Store(tmp_path / "cache")
    jobs = [copy.Job(*CURVE), copy.Job(*OUTPUTS)]
    good, _ = copy.run_jobs(jobs, cache, workers=1)
    edit(
        copy,
        "figures.py",
        "    fig = Figure(figsize=(WIDTH * 0.55",
        "    raise RuntimeError('curve broke')\n    fig = Figure(figsize=(WIDTH * 0.55",
    )
    edit(copy, "../docs/lessons/filters.py", "filter_2 = -filter_1", "filter_2 = -1 * filter_1")
    forget_cnnviz()
    jobs_module = importlib.import_module("cnnviz.jobs")
    results, report = jobs_module.run_jobs(jobs, cache, workers=processes)
    (error,) = report.errors()  # where in the code it raised, then what
    assert re.fullmatch(
        r"figures/relu-curve.png: cnnviz/figures.py:\d+: RuntimeError: curve broke", error
    )
    assert (report.rendered, report.workers) == (1, processes if processes > 1 else 0)
    assert results[CURVE[0]] == good[CURVE[0]]
    assert results[OUTPUTS[0]] == good[OUTPUTS[0]]


@pytest.mark.slow
def test_one_worker_draws_all_of_a_lessons_figures(probed, tmp_path):
    """A worker runs a lesson's code before drawing from it, so the figures of one lesson go
    to one worker, and the lesson runs once; the lessons themselves are shared out."""
    lessons = ["conv", "relu"]
    jobs = [
        probed.Job(f"{lesson}-{n}.json", "probe", {"n": n, "lesson": lesson})
        for lesson in lessons
        for n in range(4)
    ]
    cache = probed.store.Store(tmp_path / "cache")
    results, report = probed.run_jobs([*jobs, *probes(probed, 4, start=10)], cache, workers=2)
    assert (report.workers, report.rendered) == (2, 12)
    pids = {
        lesson: {json.loads(results[f"{lesson}-{n}.json"])["pid"] for n in range(4)}
        for lesson in lessons
    }
    assert [len(found) for found in pids.values()] == [1, 1], pids


@pytest.fixture
def asked_collections_only():
    """Python's collector runs only when called, as if its thresholds were never reached: a
    figure freed after a render was freed by the render's own collection, not by one that the
    next allocation happened to set off."""
    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)
    yield
    gc.set_threshold(*thresholds)


def test_a_render_holds_the_collector_off_and_frees_its_figure_when_done(
    probed, asked_collections_only
):
    """Python's cycle collector is off while a recipe runs and on again afterwards, whether
    the recipe returns or raises; the Figure a recipe returned (a cycle of artists) is freed by
    the render's own collection before render returns."""
    recipes = importlib.import_module("cnnviz.recipes")
    assert gc.isenabled()
    assert json.loads(probed.render(probed.Job("a.json", "drawn", {}))) == {"collector": False}
    assert gc.isenabled()
    assert recipes.DRAWN[-1]() is None
    with pytest.raises(ValueError, match="asked to fail"):
        probed.render(probed.Job("b.json", "drawn", {"fail": True}))
    assert gc.isenabled()


def test_a_render_inside_a_render_leaves_the_collector_to_the_outer_one(
    probed, asked_collections_only
):
    """Where the collector is already off (an outer render, or a caller's choice), a render
    neither turns it on nor collects."""
    recipes = importlib.import_module("cnnviz.recipes")
    with probed.collected_when_done():
        probed.render(probed.Job("a.json", "drawn", {}))
        assert not gc.isenabled()
        assert recipes.DRAWN[-1]() is not None
    assert gc.isenabled()
    assert recipes.DRAWN[-1]() is None
    gc.disable()
    try:
        probed.render(probed.Job("b.json", "drawn", {}))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_lesson_groups_keep_a_lesson_together_largest_first(copy):
    """Jobs of one lesson form one group, in their order; any other job is alone; the largest
    groups come first."""
    jobs = [
        copy.Job("a.png", "x", {"lesson": "relu"}),
        copy.Job("b.png", "x", {"sample": "road"}),
        copy.Job("c.png", "x", {"lesson": "conv"}),
        copy.Job("d.png", "x", {"lesson": "conv"}),
        copy.Job("e.png", "x", {"lesson": "relu"}),
        copy.Job("f.png", "x", {"lesson": "conv"}),
    ]
    assert copy.lesson_groups(jobs) == [[2, 3, 5], [0, 4], [1]]


@pytest.mark.slow
def test_a_worker_that_dies_is_one_line_and_the_next_run_has_workers_again(probed, tmp_path):
    """A worker killed mid-render fails its figure with one line; the other jobs are drawn,
    and the next run starts fresh workers."""
    cache = probed.store.Store(tmp_path / "cache")
    jobs = [probed.Job("dead.png", "die"), *probes(probed, 5)]
    results, report = probed.run_jobs(jobs, cache, workers=2)
    assert report.errors() == [f"dead.png: {sys.modules['cnnviz.workers'].WORKER_DIED}"]
    assert sorted(results) == sorted(job.target for job in jobs[1:])
    results, report = probed.run_jobs(probes(probed, 4, start=5), cache, workers=2)
    assert (report.rendered, report.errors()) == (4, [])


@pytest.mark.slow
def test_an_edit_retires_the_pool_and_closing_it_ends_the_workers(probed, tmp_path):
    """Workers that imported old code never draw new code: after an edit a run starts new
    workers. close_pool() lets the workers exit."""
    workers = sys.modules["cnnviz.workers"]
    cache = probed.store.Store(tmp_path / "cache")
    results, _ = probed.run_jobs(probes(probed, 2), cache, workers=2)
    pool = workers._state.pool
    edit(probed, "recipes.py", "def die(n: int = 0)", "def die(n: int = 1)")
    results_after, _ = probed.run_jobs(probes(probed, 2, start=2), cache, workers=2)
    assert workers._state.pool is not pool
    assert pool.workers == []
    before = {probe["pid"] for probe in seen(results)}
    assert not before & {probe["pid"] for probe in seen(results_after)}
    running = list(workers._state.pool.workers)
    workers.close_pool()
    assert workers._state.pool is None
    assert all(worker.process.poll() is not None for worker in running)

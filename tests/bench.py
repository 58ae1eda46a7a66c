"""Benchmark the build as an author lives it, and print figures and ratios; nothing is asserted.

`make bench` runs this. Every build is a fresh `mkdocs build` process on a throwaway copy of
the project, timed from start to exit. The machine's speed drifts, so the variants run in
interleaved rounds, and both the median and the fastest run of each are printed:

* cold: an empty figure cache, so every result is rendered;
* warm: nothing changed;
* module edit: one function of cnnviz/figures.py changed (the ReLU curve's colour);
* Markdown edit: one line added to docs/conv.ko.md;
* baseline: the same site with every generated file already written into docs/ and the
  gen-files plugin removed, that is, MkDocs' own cost for this site.

It also prints: the time to render every result once and to import torch, the cold-build
target built from them; whether two cold builds in different folders wrote identical
figures; the image bytes each page ships; and the playground's timings.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_playground  # noqa: E402
from project import copy_project, edit  # noqa: E402

RUNS, COLD_RUNS = 8, 3
PAGE_LIMIT = 400 * 1024
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
IMG = re.compile(r'<img\b[^>]*\ssrc="([^"]+)"')

EXPORT = """
import runpy, sys
import mkdocs_gen_files
from mkdocs.config import load_config
from mkdocs.structure.files import Files
config = load_config(sys.argv[1])
with mkdocs_gen_files.FilesEditor(Files([]), config, sys.argv[2]):
    for script in config.plugins["gen-files"].config.scripts:
        runpy.run_path(script)
"""

RENDER_ONCE = """
import json, sys, time
start = time.perf_counter()
import torch, matplotlib.figure, cv2
imported = time.perf_counter()
import runpy, mkdocs_gen_files
from mkdocs.config import load_config
from mkdocs.structure.files import Files
config = load_config(sys.argv[1])
with mkdocs_gen_files.FilesEditor(Files([]), config, sys.argv[2]):
    for script in config.plugins["gen-files"].config.scripts:
        runpy.run_path(script)
print(json.dumps({"imports": imported - start, "renders": time.perf_counter() - imported}))
"""


def build(project: Path, site: Path) -> tuple[float, str]:
    """One `mkdocs build` in a fresh process: its wall time and its log."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(site)],
        cwd=project,
        env={**ENV, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, result.stderr


def baseline_project(work: Path) -> Path:
    """A copy whose generated files sit in docs/ and whose build runs no generator."""
    static = copy_project(work / "baseline")
    generated = work / "generated"
    subprocess.run(
        [sys.executable, "-c", EXPORT, str(static / "mkdocs.yml"), str(generated)],
        cwd=static,
        env={**ENV, "PYTHONPATH": str(static)},
        check=True,
    )
    shutil.copytree(generated, static / "docs", dirs_exist_ok=True)
    config = (static / "mkdocs.yml").read_text()
    without = re.sub(r"\n  - gen-files:\n(      .*\n)+", "\n", config)
    assert without != config, "the gen-files plugin block was not found in mkdocs.yml"
    (static / "mkdocs.yml").write_text(without)
    return static


def render_pass(project: Path, work: Path) -> dict[str, float]:
    """Import torch and friends, then render every result once into an empty cache."""
    shutil.rmtree(project / ".cache", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-c", RENDER_ONCE, str(project / "mkdocs.yml"), str(work / "render-once")],
        cwd=project,
        env={**ENV, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def figures_of(site: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(site)): path.read_bytes()
        for path in site.rglob("*.png")
        if "assets" not in path.parts
    }


def image_bytes_per_page(site: Path) -> dict[str, int]:
    sizes = {}
    for page in sorted(site.rglob("index.html")):
        sources = set(IMG.findall(page.read_text(encoding="utf-8")))
        files = {(page.parent / source).resolve() for source in sources}
        sizes[str(page.parent.relative_to(site)) or "."] = sum(
            file.stat().st_size for file in files if file.is_file()
        )
    return sizes


def interleaved(variants: dict, rounds: int) -> dict[str, list[float]]:
    """Run each variant once per round, so that drift in the machine's speed falls on all of
    them alike; each round starts one variant later, so none always runs first or last.
    Return every variant's times."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for run in range(rounds):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            project, site, before = variants[name]
            if before:
                before(run)
            times[name].append(build(project, site)[0])
    return times


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="cnnviz-bench-"))
    project = copy_project(work / "project")
    static = baseline_project(work)
    figures = project / "cnnviz" / "figures.py"
    page = project / "docs" / "conv.ko.md"
    colour = 'color="#c0392b"'

    def edit_module(run: int) -> None:
        nonlocal colour
        new = f'color="#c0{run:02x}2b"'
        edit(figures, colour, new)
        colour = new

    def edit_page(run: int) -> None:
        page.write_text(page.read_text() + f"\n<!-- edit {run} -->\n")

    build(project, work / "warm")  # the copy's cache is filled, whatever state it came in
    times = interleaved(
        {
            "baseline (static files, no gen)": (static, work / "b", None),
            "warm (no change)": (project, work / "w", None),
            "after editing one Markdown page": (project, work / "m", edit_page),
            "after editing one cnnviz function": (project, work / "f", edit_module),
        },
        RUNS,
    )
    render = copy_project(work / "render")
    cold_sites = [work / f"cold-{run}" for run in range(COLD_RUNS)]
    cold_times, renders, imports = [], [], []
    for site in cold_sites:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        cold_times.append(build(project, site)[0])
        once = render_pass(render, work)
        renders.append(once["renders"])
        imports.append(once["imports"])
    times["cold (empty cache)"] = cold_times
    report(times, statistics.median(renders), statistics.median(imports))
    first, second = figures_of(cold_sites[0]), figures_of(cold_sites[1])
    print(
        f"two cold builds in different folders: {len(first)} figures, "
        f"{'byte-identical' if first == second else 'DIFFERENT'}"
    )
    print(f"\n{'page':40} {'image bytes':>12}")
    for name, size in image_bytes_per_page(cold_sites[0]).items():
        flag = "  over 400 KB" if size > PAGE_LIMIT else ""
        print(f"{name:40} {size:12,}{flag}")
    print()
    bench_playground.main([str(cold_sites[0])])
    shutil.rmtree(work, ignore_errors=True)


def report(times: dict[str, list[float]], renders: float, imports: float) -> None:
    base = times["baseline (static files, no gen)"]
    print(
        f"cnnviz build benchmark, {os.cpu_count()} cores: {RUNS} interleaved rounds "
        f"({COLD_RUNS} cold runs); seconds per `mkdocs build` process\n"
    )
    print(f"{'build':36} {'median':>7} {'fastest':>8} {'median ÷':>9} {'fastest ÷':>10}")
    print(f"{'':36} {'':>7} {'':>8} {'baseline':>9} {'baseline':>10}")
    for name, runs in times.items():
        median, fastest = statistics.median(runs), min(runs)
        print(
            f"{name:36} {median:7.2f} {fastest:8.2f} {median / statistics.median(base):9.2f} "
            f"{fastest / min(base):10.2f}"
        )
    cold = statistics.median(times["cold (empty cache)"])
    target = statistics.median(base) + renders + imports
    print(
        f"\nrender every result once: {renders:.2f} s; import torch, matplotlib, OpenCV: "
        f"{imports:.2f} s"
    )
    print(
        f"cold target (baseline + renders + imports): {target:.2f} s; cold: {cold:.2f} s, "
        f"{'within' if cold <= target else 'over'} by {abs(target - cold):.2f} s"
    )


if __name__ == "__main__":
    main()

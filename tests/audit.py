"""Run Lighthouse on the built site, its CPU slowdown calibrated to this machine as Lighthouse
documents, and print the scores against the targets.

`make audit` runs this after building the site; it is not part of CI. Lighthouse comes from
npm (pinned in package-lock.json) and drives Debian's Chromium through CHROME_PATH. The site in
`site/` is served under /cnnviz/, gzip-compressed, as GitHub Pages serves it. Four pages are
audited: the home page and the convolution page, in Korean and in English.

Lighthouse's mobile preset slows the CPU down 4 times, a multiplier that assumes a fast desktop
host (benchmark index 1500-2000). On a slower host the emulated phone is slower than the one
Lighthouse means, and the score follows the machine. Its throttling guide (docs/throttling.md,
"Calibrating the CPU slowdown") says to fit the multiplier to the host's benchmark index with
its CPU slowdown calculator. So a first round of runs reads this machine's benchmark index,
and :func:`cpu_multiplier` turns it into the multiplier with the calculator's formula.

This machine is shared, and its speed drifts while an audit runs: one run's index can be a
fifth or five times another's (481 to 2674 within one audit). So the index is the median of
the :data:`RECENT` latest runs, and each calibrated run takes its multiplier from the index as
it stands just before it (:class:`Calibration`), not from the first round alone. Then come,
each score the median of five runs per page:

* mobile, calibrated: the mobile preset with the calibrated multiplier; the targets apply here;
* mobile, default 4×: for reference;
* desktop: Lighthouse's desktop preset (no CPU slowdown), against the same targets.
"""

from __future__ import annotations

import collections
import functools
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from project import FULL_CHROMIUM, ROOT, QuietHandler, QuietServer

PAGES = ["", "conv/", "en/", "en/conv/"]
RUNS = 5  # Lighthouse advises the median of five runs: its scores vary from run to run
RECENT = 3  # the benchmark index is the median of this many latest runs
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
METRICS = {"total-blocking-time": "TBT ms", "largest-contentful-paint": "LCP ms"}
"""What weighs most in the performance score here, printed beside it (medians, in ms)."""
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


class GzipHandler(QuietHandler):
    """Serves text files gzip-compressed when the browser asks, as GitHub Pages does."""

    TEXT = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")

    def send_head(self):  # noqa: D102 - SimpleHTTPRequestHandler's hook
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not (
            path.suffix in self.TEXT
            and path.is_file()
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def cpu_multiplier(benchmark_index: float) -> float:
    """The CPU slowdown that makes this host emulate Lighthouse's mobile device.

    The formula of Lighthouse's CPU slowdown calculator (lighthouse-cpu-throttling-calculator,
    pages/index.js, linked from Lighthouse's docs/throttling.md): a line through the
    benchmark indexes 150 → 1×, 800 → 2× and 1300 → 3×, then one more × for every 233 more.

    Args:
        benchmark_index: Lighthouse's ``environment.benchmarkIndex`` for this machine.

    Returns:
        The ``--throttling.cpuSlowdownMultiplier`` to use.

    Raises:
        ValueError: Below 150, where the calculator says the host is too slow to emulate the
            target device at all.
    """
    if benchmark_index >= 1300:
        return 3 + (benchmark_index - 1300) / 233
    if benchmark_index >= 800:
        return 2 + (benchmark_index - 800) / 500
    if benchmark_index >= 150:
        return 1 + (benchmark_index - 150) / 650
    raise ValueError(f"benchmark index {benchmark_index:.0f}: too slow to emulate the device")


class Calibration:
    """The CPU slowdown for the next run: the calculator's multiplier for the median benchmark
    index of the latest runs, which every run adds to.

    Args:
        indexes: The benchmark indexes of a first round of runs.
    """

    def __init__(self, indexes: list[float]) -> None:
        self.recent = collections.deque(indexes, maxlen=RECENT)
        self.seen = list(indexes)
        self.used: list[float] = []

    def multiplier(self) -> float:
        """The multiplier to run with now; 1× on a host too slow to emulate the device."""
        try:
            multiplier = cpu_multiplier(statistics.median(self.recent))
        except ValueError:
            multiplier = 1.0
        self.used.append(multiplier)
        return multiplier

    def add(self, index: float) -> None:
        """Note the benchmark index a run measured."""
        self.recent.append(index)
        self.seen.append(index)


def lighthouse(
    url: str, preset: str | None = None, multiplier: float | None = None
) -> dict[str, float]:
    """Audit one page; return each category's score out of 100, and the machine's speed."""
    command = [
        str(ROOT / "node_modules" / ".bin" / "lighthouse"),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(TARGETS),
        *([f"--preset={preset}"] if preset else []),
        *([f"--throttling.cpuSlowdownMultiplier={multiplier:.2f}"] if multiplier else []),
    ]
    env = {**os.environ, "CHROME_PATH": str(FULL_CHROMIUM)}
    report = json.loads(
        subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    )
    scores = {name: category["score"] * 100 for name, category in report["categories"].items()}
    metrics = {name: report["audits"][name]["numericValue"] for name in METRICS}
    return {**scores, **metrics, "benchmark": report["environment"]["benchmarkIndex"]}


def audit(
    base: str, label: str, calibration: Calibration, preset: str | None = None, calibrated=False
) -> int:
    """Print one table of median scores and metrics; return how many scores miss a target."""
    columns = [*TARGETS, *METRICS]
    print(f"\n{label:24}" + "".join(f"{METRICS.get(name, name):>16}" for name in columns))
    misses, start = 0, len(calibration.seen)
    for page in PAGES:
        runs = []
        for _ in range(RUNS):
            multiplier = calibration.multiplier() if calibrated else None
            runs.append(lighthouse(base + page, preset, multiplier))
            calibration.add(runs[-1]["benchmark"])
        scores = {name: statistics.median(run[name] for run in runs) for name in columns}
        misses += sum(scores[name] < target for name, target in TARGETS.items())
        print(f"{'/' + page:24}" + "".join(f"{scores[name]:>16.0f}" for name in columns))
    speeds = calibration.seen[start:]
    print(
        f"benchmark index during these runs: median {statistics.median(speeds):.0f}, "
        f"{min(speeds):.0f} to {max(speeds):.0f}"
    )
    return misses


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a long run
    site = ROOT / "site"
    if not (site / "index.html").is_file():
        print("audit: no site/ yet; run `make build` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as www:
        (Path(www) / "cnnviz").symlink_to(site)
        port = int(os.environ.get("AUDIT_PORT", "8765"))  # the port the site was built for
        server = QuietServer(("127.0.0.1", port), functools.partial(GzipHandler, directory=www))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/cnnviz/"
        try:
            misses = run_audits(base)
        finally:
            server.shutdown()
            server.server_close()
    print("\ntargets: " + ", ".join(f"{name} ≥ {target}" for name, target in TARGETS.items()))
    print("all targets met" if not misses else f"{misses} score(s) below target")
    return 0


def run_audits(base: str) -> int:
    """Calibrate, then print the three tables; return how many scores miss their target."""
    calibration = Calibration([lighthouse(base)["benchmark"] for _ in range(RECENT)])
    first = calibration.multiplier()
    calibration.used.clear()
    print(f"Lighthouse, median of {RUNS} runs per page")
    print(
        f"benchmark index of this machine, first {RECENT} runs: "
        f"{', '.join(f'{speed:.0f}' for speed in calibration.seen)}; CPU slowdown by "
        f"Lighthouse's calculator: {first:.2f}× (default: 4×)"
    )
    misses = audit(base, "mobile, calibrated", calibration, calibrated=True)
    used = calibration.used
    print(
        f"CPU slowdown of these runs, from the index of the {RECENT} runs before each: "
        f"median {statistics.median(used):.2f}×, {min(used):.2f}× to {max(used):.2f}×"
    )
    audit(base, "mobile, 4× (reference)", calibration)
    misses += audit(base, "desktop", calibration, "desktop")
    indexes = calibration.seen
    print(
        f"\nbenchmark index over all {len(indexes)} runs: median "
        f"{statistics.median(indexes):.0f}, {min(indexes):.0f} to {max(indexes):.0f}"
    )
    return misses


if __name__ == "__main__":
    sys.exit(main())

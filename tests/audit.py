"""Run Lighthouse on the built site and print its scores against the targets.

`make audit` runs this after building the site; it is not part of CI. Lighthouse comes from
npm (pinned in package-lock.json) and drives Debian's Chromium through CHROME_PATH. The site in
`site/` is served under /cnnviz/, gzip-compressed, as GitHub Pages serves it. Four pages are
audited: the home page and the convolution page, in Korean and in English, with Lighthouse's
default (mobile) settings and with its desktop preset; each score is the median of five
runs.
"""

from __future__ import annotations

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
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["", "conv/", "en/", "en/conv/"]
RUNS = 5  # Lighthouse advises the median of five runs: its scores vary from run to run
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


class GzipHandler(SimpleHTTPRequestHandler):
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

    def log_message(self, *args: object) -> None:
        pass


def lighthouse(url: str, preset: str | None = None) -> dict[str, float]:
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
    ]
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    report = json.loads(
        subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    )
    scores = {name: category["score"] * 100 for name, category in report["categories"].items()}
    return {**scores, "benchmark": report["environment"]["benchmarkIndex"]}


def audit(base: str, preset: str | None) -> int:
    """Print one table of median scores; return how many fall below their target."""
    label = preset or "mobile (default)"
    print(f"\n{label:16}" + "".join(f"{name:>16}" for name in TARGETS))
    misses, speeds = 0, []
    for page in PAGES:
        runs = [lighthouse(base + page, preset) for _ in range(RUNS)]
        speeds += [run["benchmark"] for run in runs]
        scores = {name: statistics.median(run[name] for run in runs) for name in TARGETS}
        misses += sum(scores[name] < target for name, target in TARGETS.items())
        print(f"{'/' + page:16}" + "".join(f"{scores[name]:>16.0f}" for name in TARGETS))
    print(f"Lighthouse's benchmark index of this machine: {statistics.median(speeds):.0f}")
    return misses


def main() -> int:
    site = ROOT / "site"
    if not (site / "index.html").is_file():
        print("audit: no site/ yet; run `make build` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as www:
        (Path(www) / "cnnviz").symlink_to(site)
        port = int(os.environ.get("AUDIT_PORT", "8765"))  # the port the site was built for
        server = ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(GzipHandler, directory=www)
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/cnnviz/"
        print(f"Lighthouse, median of {RUNS} runs per page")
        misses = sum(audit(base, preset) for preset in (None, "desktop"))
        server.shutdown()
        server.server_close()
    print("\ntargets: " + ", ".join(f"{name} ≥ {target}" for name, target in TARGETS.items()))
    print("all targets met" if not misses else f"{misses} score(s) below target")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run Lighthouse on the built site and print its scores against the targets.

`make audit` runs this after `make build`; it is not part of CI. Lighthouse comes from npm
(pinned in package.json) and drives Debian's Chromium through CHROME_PATH. The site in `site/`
is served under /cnnviz/, as GitHub Pages serves it, and four pages are audited: the home page
and the convolution page, in Korean and in English, with Lighthouse's default mobile settings.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["", "conv/", "en/", "en/conv/"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def lighthouse(url: str) -> dict[str, int]:
    """Audit one page; return each category's score out of 100."""
    command = [
        str(ROOT / "node_modules" / ".bin" / "lighthouse"),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(TARGETS),
    ]
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    report = json.loads(
        subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    )
    return {name: round(category["score"] * 100) for name, category in report["categories"].items()}


def main() -> int:
    site = ROOT / "site"
    if not (site / "index.html").is_file():
        print("audit: no site/ yet; run `make build` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as www:
        (Path(www) / "cnnviz").symlink_to(site)
        port = int(os.environ.get("AUDIT_PORT", "8765"))  # the port the site was built for
        server = ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(QuietHandler, directory=www)
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/cnnviz/"
        print(f"{'page':12}" + "".join(f"{name:>16}" for name in TARGETS))
        misses = 0
        for page in PAGES:
            scores = lighthouse(base + page)
            misses += sum(scores[name] < target for name, target in TARGETS.items())
            print(f"{'/' + page:12}" + "".join(f"{scores[name]:>16}" for name in TARGETS))
        server.shutdown()
        server.server_close()
    print("targets: " + ", ".join(f"{name} ≥ {target}" for name, target in TARGETS.items()))
    print("all targets met" if not misses else f"{misses} score(s) below target")
    return 0


if __name__ == "__main__":
    sys.exit(main())

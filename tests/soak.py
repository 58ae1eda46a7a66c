"""`make soak`: `mkdocs serve` through many rebuilds, as an author who never restarts it.

Edits of the three kinds an author makes take turns (a line of Markdown, a lesson's code, a
figure's code; see ``serving.Server.rebuild``). After each, the time from the save until the
rebuilt site is served, and the server's resident memory, are printed; at the end, the growth
after the 5th rebuild, against the bound of 30 MB, and the median edit-to-served time of each
kind. Nothing is asserted: tests/test_serve_memory.py holds the bound over 20 rebuilds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project import copy_project  # noqa: E402
from serving import EDITS, Server  # noqa: E402

BOUND_MB = 30.0


def soak(rebuilds: int) -> tuple[list[float], dict[str, list[float]]]:
    """Run ``rebuilds`` edits under `mkdocs serve`: the memory after each, and the seconds
    from save to served for each kind of edit."""
    with tempfile.TemporaryDirectory(prefix="cnnviz-soak-") as work:
        root = copy_project(Path(work) / "project")
        server = Server(root)
        sizes, seconds = [], {kind: [] for kind in EDITS}
        try:
            server.wait_for("Serving on")
            for number in range(rebuilds):
                took = server.rebuild(root, number)
                seconds[EDITS[number % len(EDITS)]].append(took)
                sizes.append(server.rss_mb())
                print(
                    f"{number + 1:3}  {EDITS[number % len(EDITS)]:12} {took:6.2f} s  "
                    f"{sizes[-1]:7.1f} MB",
                    flush=True,
                )
        finally:
            server.stop()
    return sizes, seconds


def main(rebuilds: int = 50) -> None:
    sizes, seconds = soak(rebuilds)
    growth = max(sizes[5:]) - sizes[4]
    verdict = "met" if growth <= BOUND_MB else "NOT met"
    print(
        f"\nmkdocs serve, {rebuilds} rebuilds: {sizes[4]:.1f} MB after the 5th, "
        f"{sizes[-1]:.1f} MB after the last, at most {growth:+.1f} MB above the 5th "
        f"(bound {BOUND_MB:.0f} MB): {verdict}"
    )
    for kind, times in seconds.items():
        print(
            f"edit to served, {kind}: median {statistics.median(times):.2f} s, "
            f"fastest {min(times):.2f} s, over {len(times)} edits"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)

"""The command line: what it prints, what it writes, its exit codes, and that nothing is lost."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from cnnviz import cli, kernels, layers, samples
from cnnviz.images import load_gray

FIGURES = ["input.png", "filters.png", "conv.png", "relu.png", "pooled.png"]
STUB_PNG = cv2.imencode(".png", np.zeros((2, 2), np.uint8))[1].tobytes()


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def write_image(path: Path, array: np.ndarray, ext: str = ".png") -> Path:
    ok, encoded = cv2.imencode(ext, array)
    assert ok
    path.write_bytes(encoded.tobytes())
    return path


@pytest.fixture
def small(tmp_path) -> Path:
    """A 24×32 image with a vertical and a horizontal edge."""
    array = np.zeros((24, 32), np.uint8)
    array[:, 16:] = 200
    array[12:, :8] = 100
    return write_image(tmp_path / "small.png", array)


@pytest.fixture
def road(tmp_path) -> Path:
    """The lesson's road, drawn small (72×128) and saved as an 8-bit PNG."""
    return write_image(tmp_path / "road.png", samples.draw_road(72, 128))


@pytest.fixture
def quick_png(monkeypatch):
    """Encode every figure as one tiny PNG without drawing it: for tests about anything else."""
    monkeypatch.setattr(cli, "png_bytes", lambda fig: STUB_PNG)


def is_whole_png(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")


def stat_lines(out: str) -> dict[str, tuple[str, float, float]]:
    """The printed stage lines as {stage: (shape, min, max)}."""
    found = re.findall(r"^(\w+) +(\(.*\)) +min +(\S+) +max +(\S+)$", out, flags=re.M)
    return {name: (shape, float(low), float(high)) for name, shape, low, high in found}


def test_success_prints_every_stage_and_writes_five_figures(capsys, tmp_path, small):
    """Exit 0; each stage's shape and range as the library computes them; five whole PNGs."""
    code, out, err = run_cli(capsys, small, "--out", tmp_path / "figs")
    assert (code, err) == (0, "")
    stages = layers.run(load_gray(small), kernels.LESSON_FILTERS)
    expected = {"input": load_gray(small), "filters": kernels.LESSON_FILTERS}
    expected |= {name: getattr(stages, name) for name in ("conv", "relu", "pooled")}
    printed = stat_lines(out)
    assert list(printed) == list(expected)
    for name, array in expected.items():
        shape, low, high = printed[name]
        assert shape == str(tuple(array.shape))
        assert low == pytest.approx(array.min(), abs=1e-4)
        assert high == pytest.approx(array.max(), abs=1e-4)
    assert out.splitlines()[-1] == f"wrote {', '.join(FIGURES)} to {tmp_path / 'figs'}"
    assert sorted(os.listdir(tmp_path / "figs")) == sorted(FIGURES)
    assert all(is_whole_png(tmp_path / "figs" / name) for name in FIGURES)


@pytest.mark.usefixtures("quick_png")
@pytest.mark.parametrize(
    ("spec", "count", "side"),
    [
        ("lesson", 4, 4),
        ("sobel", 2, 3),
        ("[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]", 1, 3),
        ("[[[1, 1], [1, 1]], [[1, -1], [-1, 1]], [[0, 1], [1, 0]]]", 3, 2),
    ],
)
def test_filters_by_name_and_inline_json(capsys, tmp_path, small, spec, count, side):
    """Named stacks and inline JSON give maps of (count, H-side+1, W-side+1)."""
    code, out, _ = run_cli(capsys, small, "--filters", spec, "--out", tmp_path / "out")
    assert code == 0
    assert stat_lines(out)["filters"][0] == str((count, side, side))
    assert stat_lines(out)["conv"][0] == str((count, 24 - side + 1, 32 - side + 1))


@pytest.mark.parametrize(
    ("spec", "labels"),
    [("sobel", ["$G_x$", "$G_y$"]), ("[[[1]], [[2]], [[3]]]", ["$f_{1}$", "$f_{2}$", "$f_{3}$"])],
)
def test_panels_are_labelled(capsys, monkeypatch, tmp_path, small, spec, labels):
    """Sobel's panels are titled G_x and G_y, as on the site; any other stack f1 to fN."""
    drawn = []
    monkeypatch.setattr(cli, "png_bytes", lambda fig: drawn.append(fig) or STUB_PNG)
    assert run_cli(capsys, small, "--filters", spec, "--out", tmp_path)[0] == 0
    assert len(drawn) == 5
    for fig in drawn[1:]:  # the filters and the three stages; the input has no panels
        assert [ax.get_title() for ax in fig.axes if ax.get_title()] == labels


@pytest.mark.usefixtures("quick_png")
def test_filters_from_a_json_file(capsys, tmp_path, small):
    """A JSON file of filters is read, and its stack runs."""
    spec = tmp_path / "edges.json"
    spec.write_text(json.dumps([kernels.SOBEL_X.tolist(), kernels.LAPLACIAN.tolist()]))
    code, out, _ = run_cli(capsys, small, "--filters", spec, "--out", tmp_path / "out")
    assert code == 0
    assert stat_lines(out)["filters"][0] == "(2, 3, 3)"


@pytest.mark.usefixtures("quick_png")
def test_jpeg_named_png_and_a_korean_path_simply_work(capsys, tmp_path):
    """A JPEG named .png, in a Korean folder, runs; --out with Korean characters is created."""
    folder = tmp_path / "사진"
    folder.mkdir()
    image = write_image(folder / "도로.png", samples.draw_road(64, 96), ext=".jpg")
    code, out, err = run_cli(capsys, image, "--out", folder / "그림")
    assert (code, err) == (0, "")
    assert stat_lines(out)["input"][0] == "(64, 96)"
    assert sorted(os.listdir(folder / "그림")) == sorted(FIGURES)


@pytest.mark.usefixtures("quick_png")
def test_a_large_image_is_downscaled_with_a_note(capsys, tmp_path):
    """A 1200×600 image prints one note line saying it was shrunk to 512×256."""
    big = write_image(tmp_path / "big.png", cv2.resize(samples.draw_road(), (1200, 600)))
    code, out, _ = run_cli(capsys, big, "--out", tmp_path / "out")
    assert code == 0
    assert f"note: {big}: downscaled 1200×600 to 512×256 (max side 512)\n" in out
    assert stat_lines(out)["input"][0] == "(256, 512)"


@pytest.mark.usefixtures("quick_png")
def test_logging_is_left_as_it_was(capsys, small, tmp_path):
    """After a run the cnnviz logger has no extra handler and its level is unchanged."""
    logger = logging.getLogger("cnnviz")
    before = (logger.level, list(logger.handlers))
    run_cli(capsys, small, "--out", tmp_path)
    assert (logger.level, list(logger.handlers)) == before


@pytest.mark.usefixtures("quick_png")
def test_missing_out_folder_is_created_with_its_parents(capsys, tmp_path, small):
    """--out that does not exist is created, parents included."""
    out = tmp_path / "a" / "b" / "figures"
    assert run_cli(capsys, small, "--out", out)[0] == 0
    assert sorted(os.listdir(out)) == sorted(FIGURES)


def test_out_pointing_at_a_file_is_bad_input(capsys, tmp_path, small):
    """--out naming a file exits 1 with one line naming it, and leaves the file alone."""
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    code, out, err = run_cli(capsys, small, "--out", existing)
    assert (code, out) == (1, "")
    assert err == f"cnnviz: error: {existing}: --out must be a folder, and this is a file\n"
    assert existing.read_text() == "keep me"


@pytest.mark.usefixtures("quick_png")
def test_out_below_a_file_is_bad_input(capsys, tmp_path, small):
    """--out inside a file cannot be created: one line naming the figure, exit 1."""
    (tmp_path / "notes.txt").write_text("keep me")
    code, _, err = run_cli(capsys, small, "--out", tmp_path / "notes.txt" / "figs")
    assert code == 1
    assert err.startswith(f"cnnviz: error: {tmp_path / 'notes.txt' / 'figs' / 'input.png'}: ")
    assert err.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_figure_never_overwrites_the_input(capsys, tmp_path, small):
    """An input named like a figure inside --out is refused before anything is written."""
    image = tmp_path / "input.png"
    image.write_bytes(small.read_bytes())
    code, _, err = run_cli(capsys, image, "--out", tmp_path)
    assert code == 1
    assert err.startswith(f"cnnviz: error: {image}: a figure in --out would overwrite this image")
    assert err.count("\n") == 1
    assert image.read_bytes() == small.read_bytes()


@pytest.mark.parametrize(
    "args",
    [[], ["--bogus", "x.png"], ["x.png", "--out"], ["x.png", "y.png"], ["--filters"]],
)
def test_usage_errors_exit_2(capsys, args):
    """A malformed command line prints argparse's usage and error, and exits 2."""
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("usage: cnnviz")
    assert "cnnviz: error: " in err
    assert "Traceback" not in err


def test_help_exits_0(capsys):
    """--help prints the usage, every option and the exit codes."""
    code, out, err = run_cli(capsys, "--help")
    assert (code, err) == (0, "")
    for text in ("usage: cnnviz", "IMAGE", "--filters", "--out", "lesson", "sobel", "Exit status"):
        assert text in out


@pytest.mark.slow  # a fresh Python that imports torch and draws the five figures
def test_python_m_cnnviz_help_and_a_full_run(tmp_path, road):
    """`python -m cnnviz` answers --help, then runs the road: exit 0, five figures, no stderr."""
    command = [sys.executable, "-m", "cnnviz"]
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: cnnviz")
    ran = subprocess.run(
        [*command, str(road), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (ran.returncode, ran.stderr) == (0, "")
    assert stat_lines(ran.stdout)["pooled"][0] == "(4, 34, 62)"
    assert all(is_whole_png(tmp_path / "out" / name) for name in FIGURES)


def test_help_and_bad_input_answer_without_torch_or_matplotlib(tmp_path):
    """--help and a bad kernel never import torch or matplotlib: they answer at once."""
    code = (
        "import sys; from cnnviz.cli import main; "
        f"main(['--help']); main([{str(tmp_path / 'x.png')!r}, '--filters', '[1']); "
        "print(sorted({'torch', 'matplotlib'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines()[-1] == "[]"
    assert result.stderr.startswith("cnnviz: error: --filters: ")


def old_figures(out: Path) -> dict[str, bytes]:
    """Fill --out with whole, distinct 'old good' PNGs, and return their bytes by name."""
    out.mkdir(parents=True, exist_ok=True)
    old = {}
    for shade, name in enumerate(FIGURES):
        old[name] = write_image(out / name, np.full((5, 5), shade * 40, np.uint8)).read_bytes()
    return old


@pytest.mark.usefixtures("quick_png")
def test_interrupt_mid_write_keeps_old_files_whole(capsys, monkeypatch, tmp_path, small):
    """Ctrl-C during the third write: exit 130, two new figures, three old ones, no partial file."""
    out = tmp_path / "out"
    old = old_figures(out)
    calls = []

    def interrupted_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    code, _, err = run_cli(capsys, small, "--out", out)
    assert (code, err) == (130, "cnnviz: interrupted\n")
    assert sorted(os.listdir(out)) == sorted(FIGURES)  # no temporary file is left
    for name in FIGURES[:2]:
        assert (out / name).read_bytes() != old[name]
        assert is_whole_png(out / name)
    for name in FIGURES[2:]:
        assert (out / name).read_bytes() == old[name]


KILLED_MID_WRITE = """
import os, sys, time
from pathlib import Path
import cv2, numpy as np
from cnnviz import cli

cli.png_bytes = lambda fig: cv2.imencode(".png", np.zeros((2, 2), np.uint8))[1].tobytes()

def stall(fd):  # the new bytes are in the temporary file; the rename has not happened
    Path(sys.argv[1]).write_text("writing")
    time.sleep(600)

os.fsync = stall
cli.main(sys.argv[2:])
"""


@pytest.mark.slow  # a fresh Python that imports torch and draws
@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_kill_9_mid_write_leaves_no_partial_png(tmp_path, small):
    """A run killed with SIGKILL while writing leaves every .png whole and the old one in place."""
    out, marker = tmp_path / "out", tmp_path / "writing"
    old = old_figures(out)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(marker), str(small), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(1200):  # a hang guard, not a time limit: wait for the child to reach the write
        if marker.exists() or child.poll() is not None:
            break
        time.sleep(0.1)
    child.kill()
    child.wait()
    assert marker.exists(), "the child never reached its first write"
    pngs = sorted(name for name in os.listdir(out) if name.endswith(".png"))
    assert pngs == sorted(FIGURES)
    for name in FIGURES:
        assert (out / name).read_bytes() == old[name]
    leftovers = [name for name in os.listdir(out) if not name.endswith(".png")]
    assert all(name.startswith(".input.png.") and name.endswith(".tmp") for name in leftovers)


@pytest.mark.slow  # a fresh Python that imports torch and draws the five figures
def test_a_reader_that_stops_early_does_not_stop_the_run(tmp_path, small):
    """Piped into something that reads one line and quits, the run still writes every figure."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cnnviz", str(small), "--out", str(out)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline().startswith(b"input")
    child.stdout.close()  # like `| head -1`
    stderr = child.stderr.read()
    child.stderr.close()
    assert child.wait(timeout=300) == 0
    assert stderr == b""
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{n}.png" for n in cli.FIGURES)

"""The command line: ``python -m cnnviz IMAGE [--filters SPEC] [--out DIR]``.

It runs the lesson's network on one image, prints the shape and value range at each stage,
and saves the lesson's figures in ``--out`` as ``input.png``, ``filters.png``, ``conv.png``,
``relu.png`` and ``pooled.png``. It is an edge: it prints and writes, the library computes.

What it promises:

* Exit status 0 on success, 2 for a usage error (argparse prints it), and 1 for bad input,
  which prints one line to stderr, ``cnnviz: error: <file>: <problem>``, never a traceback.
* ``--out`` (by default ``cnnviz-out``) is created, parents included, if it does not exist.
  If it is empty, a file or a symlink loop, or if a figure would overwrite the input image,
  that is bad input, found before any work is done.
* Nothing is lost. Every figure is rendered before the first file is written, and each file
  is replaced atomically by :func:`cnnviz.store.write_atomic`: whatever stops the run, each
  ``.png`` in ``--out`` is a whole old file or a whole new one. Only ``kill -9`` in mid-write
  can leave a stray hidden ``.<name>.png.*.tmp`` file behind, never a partial ``.png``.
* A downscaled image is reported on stdout by a ``note:`` line. What libpng and libjpeg print
  to stderr about corrupt data is hidden: the one error line says it.
* Feature maps are coloured robustly (to the 99.5th percentile), as the site does for files.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .errors import CnnvizError, one_line
from .images import load_gray
from .kernels import FILTER_LABELS, parse_filters
from .stages import STAGES
from .store import png_bytes, write_atomic

FIGURES = ("input", "filters", *STAGES)
"""The figures written to ``--out``, each as ``<name>.png``, in this order."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments, without the program's name; by default ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 1 for bad input, 2 for a usage error.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed the help (0) or the usage error (2)
        return int(stop.code or 0)
    try:
        with _notes_printed():
            _run(_path(args.image, "IMAGE"), args.filters, _path(args.out, "--out"))
    except (CnnvizError, OSError) as error:
        print(f"cnnviz: error: {_one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cnnviz: interrupted", file=sys.stderr)
        return 130
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnviz",
        description="Run an image through the lesson's convolution, ReLU and 2×2 max pooling, "
        "print each stage's shape and value range, and save the lesson's figures as PNG.",
        epilog="Exit status: 0 on success, 1 for bad input (one line on stderr), "
        "2 for a usage error.",
    )
    parser.add_argument(
        "image", metavar="IMAGE", help="a PNG, JPEG, BMP or WebP file, read by its content"
    )
    parser.add_argument(
        "--filters",
        metavar="SPEC",
        default="lesson",
        help="lesson (the default) or sobel; a .json file; or inline JSON such as "
        "'[[-1,0,1],[-2,0,2],[-1,0,1]]'. Up to 16 filters of at most 15×15 numbers.",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="cnnviz-out",
        help="folder for input.png, filters.png, conv.png, relu.png and pooled.png "
        "(default: %(default)s), created if missing; each file is replaced atomically",
    )
    return parser


def _run(image_path: Path, spec: str, out: Path) -> None:
    targets = {name: out / f"{name}.png" for name in FIGURES}
    _check_out(out, image_path, targets)
    filters = parse_filters(spec)  # (N, kh, kw)
    with _native_stderr_hidden():
        image = load_gray(image_path)  # (H, W)
    arrays = _compute(image, filters, source=str(image_path))
    for name, array in arrays.items():
        _say(_stat_line(name, array))
    pngs = _render(arrays, FILTER_LABELS.get(spec))
    for name, data in pngs.items():
        _write(targets[name], data)
    _say(f"wrote {', '.join(target.name for target in targets.values())} to {out}")


def _path(text: str, name: str) -> Path:
    if not text.strip():  # Path("") is ".": an empty --out would write into the current folder
        raise CnnvizError(name, "is empty; give a path")
    return Path(text)


def _check_out(out: Path, image: Path, targets: Mapping[str, Path]) -> None:
    try:
        info = out.stat()
    except (FileNotFoundError, NotADirectoryError):
        info = None  # created later; a file above it is named when the first figure is written
    except OSError as error:  # a symlink loop, or a folder that cannot be looked at
        raise CnnvizError(out, f"--out cannot be used ({_reason(error)})") from None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise CnnvizError(out, "--out must be a folder, and this is a file")
    # realpath, unlike Path.resolve() on Python 3.11, never raises on a symlink loop
    if os.path.realpath(image) in {os.path.realpath(target) for target in targets.values()}:
        raise CnnvizError(image, "a figure in --out would overwrite this image; pick another --out")


def _reason(error: OSError) -> str:
    return "a symbolic link loop" if error.errno == errno.ELOOP else error.strerror or str(error)


def _compute(
    image: NDArray[np.float32], filters: NDArray[np.float32], *, source: str
) -> dict[str, NDArray[np.float32]]:
    from . import layers  # torch loads only now, so --help and bad kernels answer at once

    stages = layers.run(image, filters, source=source)
    named = {name: getattr(stages, name) for name in STAGES}
    return {"input": image, "filters": filters, **named}


def _render(
    arrays: Mapping[str, NDArray[np.float32]], labels: list[str] | None
) -> dict[str, bytes]:
    from . import figures  # matplotlib loads only once there is something to draw

    drawn = {
        "input": figures.plot_image(arrays["input"]),
        "filters": figures.plot_filters(arrays["filters"], labels),
    }
    for stage in STAGES:
        drawn[stage] = figures.plot_feature_maps(arrays[stage], labels, robust=True)
    return {name: png_bytes(fig) for name, fig in drawn.items()}


def _write(target: Path, data: bytes) -> None:
    try:
        write_atomic(target, data)
    except OSError as error:  # e.g. a read-only --out: name the file, not write_atomic's temp
        raise CnnvizError(target, f"cannot be written ({error.strerror or error})") from None


def _stat_line(name: str, array: NDArray[np.floating]) -> str:
    shape = str(tuple(array.shape))
    return f"{name:<8} {shape:<15} min {array.min():8.4f}   max {array.max():8.4f}"


def _one_line(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        text = f"{error.filename}: {error.strerror}"
    else:
        text = str(error)
    return one_line(text)  # a file name may hold a newline; the error stays one line


def _say(line: str) -> None:
    """Print one line; if the reader has gone (``| head``), carry on quietly and still write."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit


@contextlib.contextmanager
def _notes_printed() -> Iterator[None]:
    """Print the library's INFO notes, such as a downscaled image, one stdout line each."""
    logger = logging.getLogger("cnnviz")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("note: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def _native_stderr_hidden() -> Iterator[None]:
    """Hide what libpng and libjpeg write straight to fd 2: the error line says it better."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all, so nothing to hide
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

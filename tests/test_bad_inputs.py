"""The bad-input matrix: every user mistake is one line naming the file and the problem.

Files and kernels go through the command line, which must exit 1 with exactly one line on
stderr (checked at the file-descriptor level, so libpng's own chatter would show), write
nothing, and never show a traceback. The loader is then fuzzed with random and mutated files.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import re
import struct
import tracemalloc
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz import cli, images
from cnnviz.errors import CnnvizError, KernelError
from cnnviz.kernels import parse_filters


def encoded(array: np.ndarray, ext: str = ".png") -> bytes:
    ok, data = cv2.imencode(ext, array)
    assert ok
    return data.tobytes()


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims a size, with a tiny IDAT and an IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 8)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_with_idat_length(length: int) -> bytes:
    """A valid 16×16 PNG whose IDAT length field is replaced by ``length``."""
    data = bytearray(encoded(np.zeros((16, 16), np.uint8)))
    where = data.index(b"IDAT") - 4
    data[where : where + 4] = struct.pack(">I", length)
    return bytes(data)


def png_with_bad_idat() -> bytes:
    """A 16×16 PNG whose chunks are all in place but whose IDAT data is damaged."""
    data = bytearray(encoded(np.random.default_rng(0).integers(0, 256, (16, 16), np.uint8)))
    data[data.index(b"IDAT") + 10] ^= 0xFF
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A whole 64×64 JPEG (about 5 KB with its padding) whose frame header claims another size."""
    data = bytearray(encoded(np.random.default_rng(2).integers(0, 256, (64, 64), np.uint8), ".jpg"))
    frame = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, frame + 5, height, width)
    return bytes(data)


GRADIENT = np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1))  # 32×32, a left-right ramp

FILE_CASES = {
    "missing": (None, "no such file"),
    "empty": (b"", r"empty file \(0 bytes\)"),
    "text named .png": (b"my notes\n", "not an image: the content is not PNG, JPEG, BMP or WebP"),
    "truncated PNG": (encoded(GRADIENT)[:60], "truncated PNG: the IDAT chunk"),
    "truncated JPEG": (encoded(GRADIENT, ".jpg")[:300], "truncated JPEG"),
    "PNG without IEND": (encoded(GRADIENT)[:-12], "truncated PNG: the IEND chunk is missing"),
    "PNG chunk claiming 2 GB": (
        png_with_idat_length(0x7FFF_FFFF),
        r"truncated PNG: the IDAT chunk \(2,147,483,647 bytes\) overruns the end",
    ),
    "damaged PNG data": (png_with_bad_idat(), "corrupt PNG data: the decoder could not read it"),
    "100000×100000 header": (
        png_claiming(100_000, 100_000),
        "PNG header claims 100000×100000 pixels; the limit is 40 megapixels",
    ),
    "0×5 header": (png_claiming(0, 5), "PNG header claims an empty 0×5 image"),
    "1×1 image": (encoded(np.zeros((1, 1), np.uint8)), "the 1×1 image is smaller than the 4×4"),
    "3×9 image": (encoded(np.zeros((3, 9), np.uint8)), "the 3×9 image is smaller than the 4×4"),
    "4×4 image": (encoded(np.zeros((4, 4), np.uint8)), "too small for a 4×4 kernel and 2×2"),
    "4×5000 strip": (
        encoded(np.zeros((4, 5000), np.uint8)),
        "the 4×5000 image would shrink to 1×512 to fit 512 px, under 16 px across",
    ),
    "JPEG header claiming 6000×6000 over 5 KB": (
        jpeg_claiming(6000, 6000),
        "truncated JPEG: its header claims 6000×6000 pixels, which take at least 70,312 bytes",
    ),
}


@pytest.mark.parametrize("case", FILE_CASES)
def test_bad_image_file_is_one_line_naming_it(capfd, tmp_path, case):
    """Exit 1, nothing on stdout, one stderr line "cnnviz: error: <file>: <problem>", no --out."""
    data, problem = FILE_CASES[case]
    path = tmp_path / "사진 one.png"  # a Korean name too: the message must name it as given
    if data is not None:
        path.write_bytes(data)
    assert_one_line_error(capfd, [path, "--out", tmp_path / "out"], str(path), problem)
    assert not (tmp_path / "out").exists()


def test_directory_is_one_line(capfd, tmp_path):
    """A directory given as the image exits 1 with one line naming it."""
    assert_one_line_error(capfd, [tmp_path], str(tmp_path), "is a directory, not an image file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_pipe_or_device_is_refused_without_reading(capfd, tmp_path):
    """A named pipe (or /dev/zero) is refused before it is opened, so nothing blocks."""
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert_one_line_error(capfd, [fifo], str(fifo), "is not a regular file")


def test_file_above_the_size_limit_is_refused_unread(capfd, monkeypatch, tmp_path):
    """A file larger than MAX_FILE_BYTES is refused from its size alone."""
    path = tmp_path / "big.png"
    path.write_bytes(encoded(GRADIENT))
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    assert_one_line_error(capfd, [path], str(path), "bytes is too large; the limit is 100")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
@pytest.mark.parametrize("where", ["IMAGE", "--out", "--filters"])
def test_a_symlink_loop_is_one_line_wherever_it_is_given(capfd, tmp_path, where):
    """A symlink loop as the image, as --out or as --filters: one line naming it, no traceback
    (Path.resolve() raises RuntimeError on a loop on Python 3.11)."""
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop.name)
    image = tmp_path / "ramp.png"
    image.write_bytes(encoded(GRADIENT))
    args = {
        "IMAGE": [loop, "--out", tmp_path / "out"],
        "--out": [image, "--out", loop],
        "--filters": [image, "--filters", loop, "--out", tmp_path / "out"],
    }[where]
    problem = "is a symbolic link loop"
    if where == "--out":
        problem = r"--out cannot be used \(a symbolic link loop\)"
    assert_one_line_error(capfd, args, str(loop), problem)


def test_an_empty_out_is_refused_not_taken_as_the_current_folder(capfd, tmp_path, monkeypatch):
    """--out '' would write into the current folder; it is a usage mistake named in one line."""
    image = tmp_path / "ramp.png"
    image.write_bytes(encoded(GRADIENT))
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(capfd, [image, "--out", ""], "--out", "is empty; give a path")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ramp.png"]


def assert_one_line_error(capfd, args, source: str, problem: str) -> None:
    code = cli.main([str(arg) for arg in args])
    out, err = capfd.readouterr()
    assert (code, out) == (1, "")
    assert re.fullmatch(rf"cnnviz: error: {re.escape(source)}: .*{problem}.*\n", err), err
    assert "Traceback" not in err


KERNEL_CASES = {
    "ragged": ("[[1, 2], [3]]", "ragged: every filter must have the same shape"),
    "ragged stack": ("[[[1, 2], [3, 4]], [[1]]]", "ragged"),
    "NaN": ("[[1, NaN], [0, 1]]", "values must be finite numbers, not NaN"),
    "-Infinity": ("[[1, -Infinity], [0, 1]]", "values must be finite numbers, not -Infinity"),
    "overflow": ("[[1e999, 0], [0, 1]]", r"values must be finite numbers \(found NaN, inf"),
    "float32 overflow": ("[[1e39, 0], [0, 1]]", "finite numbers"),
    "sum past float32": (
        "[[3e38, 3e38], [3e38, 3e38]]",
        r"a filter's values add up to 1\.2e\+39 \(in absolute value\); above 1e\+37",
    ),
    "empty spec": ("", "is empty; give lesson, sobel, a JSON file or inline JSON"),
    "empty": ("[]", "empty: the filter has no values"),
    "empty rows": ("[[], []]", "empty: the filter has no values"),
    "0-d": ("5", "a single number is not a filter"),
    "1-D": ("[1, 2, 3]", "each filter must be 2-D; got a 1-D array"),
    "4-D": ("[[[[1]]]]", "each filter must be 2-D; the JSON nests lists 4 or more deep"),
    "deeply nested": ("[" * 10_000 + "]" * 10_000, "nests lists 4 or more deep"),
    "16×16": (json.dumps([[1] * 16] * 16), "a 16×16 filter is too large; sides run"),
    "1×16": (json.dumps([[1] * 16]), "a 1×16 filter is too large"),
    "17 filters": (json.dumps([[[1]]] * 17), "17 filters; at most 16"),
    "text": ('[["a", "b"], ["c", "d"]]', 'values must be numbers, not "a"'),
    "booleans": ("[[true, 1], [1, 1]]", "values must be numbers, not true"),
    "null": ("[[1, null], [0, 1]]", "values must be numbers, not null"),
    "object": ('{"f1": [[1]]}', "values must be numbers, not a JSON object"),
    "unknown name": ("lessn", "'lessn' is not lesson or sobel, a file, or valid JSON"),
    "broken JSON": ("[[1, 2]", r"is not lesson or sobel, a file, or valid JSON \(Expecting"),
}


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "ramp.png"
    path.write_bytes(encoded(GRADIENT))
    return path


@pytest.mark.parametrize("case", KERNEL_CASES)
def test_bad_inline_kernel_is_one_line_naming_filters(capfd, tmp_path, image, case):
    """Inline JSON that is not a usable filter stack: exit 1, one line naming --filters."""
    spec, problem = KERNEL_CASES[case]
    args = [image, "--filters", spec, "--out", tmp_path / "out"]
    assert_one_line_error(capfd, args, "--filters", problem)
    assert not (tmp_path / "out").exists()


FILE_KERNEL_CASES = {
    "not JSON": (b"hello", r"not valid JSON \(Expecting value at line 1, column 1\)"),
    "not UTF-8": (b"\x80\x81\x82", "not valid JSON: the text is not UTF-8"),
    "empty": (b"  \n", "empty file: expected JSON such as"),
    "NaN": (b"[[0, NaN]]", "values must be finite numbers, not NaN"),
    "text": (b'[[1, "2"]]', 'values must be numbers, not "2"'),
    "missing": (None, "no such file"),
}


@pytest.mark.parametrize("case", FILE_KERNEL_CASES)
def test_bad_kernel_file_is_one_line_naming_it(capfd, tmp_path, image, case):
    """A bad JSON file of filters: exit 1, one line naming the file and the problem."""
    data, problem = FILE_KERNEL_CASES[case]
    spec = tmp_path / "my filters.json"
    if data is not None:
        spec.write_bytes(data)
    assert_one_line_error(capfd, [image, "--filters", spec], str(spec), problem)


def test_kernel_folder_is_one_line(capfd, tmp_path, image):
    """A folder given as --filters is named as a folder, not parsed as JSON."""
    assert_one_line_error(capfd, [image, "--filters", tmp_path], str(tmp_path), "is a directory")


def test_kernel_larger_than_the_image_names_the_image(capfd, tmp_path):
    """A 15×15 kernel on a 10×10 image: one line naming the image and both sizes."""
    small = tmp_path / "tiny.png"
    small.write_bytes(encoded(np.zeros((10, 10), np.uint8)))
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps(np.ones((15, 15)).tolist()))
    problem = "the 10×10 image is smaller than the 15×15 kernel"
    assert_one_line_error(capfd, [small, "--filters", spec], str(small), problem)


@pytest.mark.parametrize(
    "data", [png_claiming(100_000, 100_000), png_with_idat_length(0xFFFF_FFFF)], ids=["huge", "2GB"]
)
def test_hostile_header_is_refused_before_decoding_in_bounded_memory(monkeypatch, data):
    """Nothing reaches cv2.imdecode, and the refusal allocates well under 1 MB."""
    monkeypatch.setattr(images.cv2, "imdecode", lambda *args: pytest.fail("imdecode was called"))
    tracemalloc.start()
    try:
        with pytest.raises(CnnvizError):
            images.decode_gray(data, source="hostile.png")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def pillow_png(mode: str, value: object, **save) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new(mode, (6, 4), value)
    if mode == "P":
        picture.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    picture.save(buffer, "PNG", **save)
    return buffer.getvalue()


def gray_of(bgr: list[int], dtype: type = np.uint8) -> float:
    """OpenCV's own BGR to gray conversion of one colour, scaled to [0, 1]."""
    pixel = cv2.cvtColor(np.array([[bgr]], dtype=dtype), cv2.COLOR_BGR2GRAY)[0, 0]
    return float(pixel) / np.iinfo(dtype).max


FORMATS = {
    "palette": (lambda: pillow_png("P", 0), gray_of([0, 0, 255])),
    "palette with tRNS": (lambda: pillow_png("P", 1, transparency=1), gray_of([255, 0, 0])),
    "1-bit": (lambda: pillow_png("1", 1), 1.0),
    "8-bit gray": (lambda: pillow_png("L", 90), 90 / 255),
    "gray + alpha": (lambda: pillow_png("LA", (90, 0)), 90 / 255),
    "RGBA": (lambda: pillow_png("RGBA", (10, 200, 30, 0)), gray_of([30, 200, 10])),
    "16-bit gray": (lambda: pillow_png("I;16", 40000), 40000 / 65535),
    "16-bit colour": (
        lambda: encoded(np.full((4, 6, 3), [1000, 30000, 60000], np.uint16)),
        gray_of([1000, 30000, 60000], np.uint16),
    ),
    "16-bit RGBA": (
        lambda: encoded(np.full((4, 6, 4), [1000, 30000, 60000, 0], np.uint16)),
        gray_of([1000, 30000, 60000], np.uint16),
    ),
    "JPEG named .png": (lambda: encoded(np.full((4, 6), 128, np.uint8), ".jpg"), 128 / 255),
    "BMP": (lambda: encoded(np.full((4, 6), 77, np.uint8), ".bmp"), 77 / 255),
    "WebP": (lambda: encoded(np.full((4, 6), 77, np.uint8), ".webp"), None),
}


@pytest.mark.parametrize("case", FORMATS)
def test_every_png_kind_reads_as_gray(tmp_path, case):
    """Palette, 1-, 8- and 16-bit, alpha, JPEG, BMP, WebP: a (4, 6) float32 of the right gray."""
    make, expected = FORMATS[case]
    path = tmp_path / "picture.png"
    path.write_bytes(make())
    loaded = images.load_gray(path)
    assert loaded.dtype == np.float32
    assert loaded.shape == (4, 6)
    assert 0 <= loaded.min() <= loaded.max() <= 1
    if expected is not None:  # lossy WebP drifts; its shape and range are enough
        np.testing.assert_allclose(loaded, expected, atol=1.5 / 255)


def test_one_pixel_image_loads_as_1x1():
    """A 1×1 PNG loads as a (1, 1) float32 array; only the network refuses it."""
    loaded = images.decode_gray(encoded(np.full((1, 1), 255, np.uint8)))
    assert loaded.shape == (1, 1)
    assert loaded.dtype == np.float32
    assert loaded[0, 0] == 1.0


def test_exif_orientation_6_is_applied():
    """A 40×20 JPEG stored sideways with orientation 6 loads upright: 20×40, dark half on top."""
    stored = np.zeros((20, 40), np.uint8)  # (H, W): dark left half, bright right half
    stored[:, 20:] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    loaded = images.decode_gray(buffer.getvalue(), source="sideways.jpg")
    assert loaded.shape == (40, 20)
    assert loaded[:18].max() < 0.1  # the stored left half is now the top
    assert loaded[22:].min() > 0.9
    np.testing.assert_allclose(loaded, np.rot90(stored, k=-1) / 255, atol=0.1)


SEEDS = {  # each valid file, and how many leading bytes are its format's signature
    ext: (encoded(np.random.default_rng(1).integers(0, 256, (12, 16, 3), np.uint8), ext), skip)
    for ext, skip in ((".png", 8), (".jpg", 3), (".bmp", 2), (".webp", 12))
}
MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"RIFF\x00\x00\x00\x00WEBP"]


def attempt(function, *args):
    """Call ``function``; return its result, or the CnnvizError it raised."""
    try:
        return function(*args)
    except CnnvizError as error:
        return error


@st.composite
def mutated_files(draw) -> bytes:
    """A valid PNG, JPEG, BMP or WebP with a few bytes changed, most in its header, maybe cut.

    The signature is kept, so that the case reaches the header checks and the decoder.
    """
    seed, skip = draw(st.sampled_from(list(SEEDS.values())))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        end = draw(st.sampled_from([64, len(data)]))
        data[draw(st.integers(skip, end - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


headed_bytes = st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGIC), st.binary())
files = mutated_files() | headed_bytes | st.binary()


@settings(max_examples=400, deadline=None)  # no timing: faulthandler catches a hang
@given(data=files)
def test_loader_fuzz_returns_an_image_or_the_project_error(data):
    """Random and mutated files give a 2-D float32 array in [0, 1] or a CnnvizError, and end."""
    faulthandler.dump_traceback_later(120, exit=True)  # a hang aborts the run, loudly
    try:
        image = attempt(images.decode_gray, data)
    finally:
        faulthandler.cancel_dump_traceback_later()
    event(image.problem[:30] if isinstance(image, CnnvizError) else "decoded")
    if isinstance(image, CnnvizError):
        assert "\n" not in str(image)
        return
    assert image.dtype == np.float32
    assert image.ndim == 2
    assert 0 <= image.min() <= image.max() <= 1


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=200)
@given(spec=st.builds(json.dumps, json_values) | st.text(max_size=40))
def test_parse_filters_fuzz_returns_a_stack_or_a_kernel_error(spec):
    """Any text gives a finite float32 (N, kh, kw) stack or a one-line KernelError."""
    stack = attempt(parse_filters, spec)
    if isinstance(stack, CnnvizError):
        assert isinstance(stack, KernelError)
        assert "\n" not in str(stack)
        return
    assert stack.dtype == np.float32
    assert stack.ndim == 3
    assert np.isfinite(stack).all()

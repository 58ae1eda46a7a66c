"""Loading images: the lesson's recipe, bit depths, alpha, sizes, the samples, and bad files."""

from __future__ import annotations

import logging
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from project import ROOT

from cnnviz import images, samples
from cnnviz.errors import ImageError
from cnnviz.kernels import LESSON_FILTERS
from cnnviz.layers import run


def write(path, array, ext=".png"):
    ok, encoded = cv2.imencode(ext, array)
    assert ok
    path.write_bytes(encoded.tobytes())
    return path


@pytest.fixture
def colour(tmp_path):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    return write(tmp_path / "colour.png", array), array


def test_load_gray_follows_the_lesson(colour):
    """imread (BGR) → cvtColor(BGR2GRAY) → /255 gives exactly load_gray's array."""
    path, array = colour
    expected = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    loaded = images.load_gray(path)
    assert loaded.dtype == np.float32
    assert loaded.shape == (20, 30)
    np.testing.assert_array_equal(loaded, expected)


def test_sixteen_bit_is_scaled_by_65535(tmp_path):
    """A 16-bit PNG's 65535 reads as 1.0 and 32768 as about 0.5."""
    array = np.array([[0, 32768, 65535]] * 3, dtype=np.uint16)
    loaded = images.load_gray(write(tmp_path / "deep.png", array))
    np.testing.assert_allclose(loaded[0], [0, 32768 / 65535, 1.0], rtol=1e-6)


def test_alpha_is_dropped(tmp_path):
    """An RGBA image reads as its colour, whatever its transparency."""
    bgra = np.zeros((8, 8, 4), dtype=np.uint8)
    bgra[..., :3] = 200
    bgra[..., 3] = 0  # fully transparent
    np.testing.assert_allclose(images.load_gray(write(tmp_path / "a.png", bgra)), 200 / 255)


def test_grayscale_png_reads_unchanged(tmp_path):
    """A one-channel PNG keeps its values exactly."""
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    loaded = images.load_gray(write(tmp_path / "g.png", gray))
    np.testing.assert_array_equal(loaded, gray.astype(np.float32) / np.float32(255))


def test_decoded_by_content_not_extension(tmp_path):
    """A JPEG named .png simply works."""
    jpeg = write(tmp_path / "photo.png", np.full((16, 16, 3), 128, np.uint8), ext=".jpg")
    assert jpeg.read_bytes()[:3] == b"\xff\xd8\xff"
    assert images.load_gray(jpeg).shape == (16, 16)


def test_large_image_is_downscaled_with_a_log_line(tmp_path, caplog):
    """A 1200×600 image becomes 512×256 with INTER_AREA, and the log says so."""
    array = np.random.default_rng(1).integers(0, 256, (600, 1200), dtype=np.uint8)
    path = write(tmp_path / "big.png", array)
    with caplog.at_level(logging.INFO, logger="cnnviz.images"):
        loaded = images.load_gray(path)
    assert loaded.shape == (256, 512)
    expected = cv2.resize(array, (512, 256), interpolation=cv2.INTER_AREA) / 255
    np.testing.assert_allclose(loaded, expected, atol=1e-6)
    assert "big.png: downscaled 1200×600 to 512×256" in caplog.text


def test_small_image_is_not_resized_silently(colour, caplog):
    """Below the maximum side nothing is logged and nothing changes."""
    with caplog.at_level(logging.INFO, logger="cnnviz.images"):
        images.load_gray(colour[0])
    assert caplog.text == ""


def test_korean_path(tmp_path):
    """A path with Korean characters loads like any other."""
    path = write(tmp_path / "도로 사진.png", np.zeros((5, 5), np.uint8))
    assert images.load_gray(path).shape == (5, 5)


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming a size, with a tiny IDAT and an IEND."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 8))
        + chunk(b"IEND", b"")
    )


def bad_files(tmp_path):
    ok, png = cv2.imencode(".png", np.zeros((40, 40, 3), np.uint8))
    cases = {
        "empty.png": (b"", "empty"),
        "notes.png": (b"these are my notes, not a picture\n", "not an image"),
        "cut.png": (png.tobytes()[:60], "truncated"),
        "huge.png": (png_header_claiming(100_000, 100_000), "100000×100000"),
    }
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    return {tmp_path / name: problem for name, (_, problem) in cases.items()}


def test_bad_files_raise_one_line_naming_the_file(tmp_path):
    """Empty, text, truncated and huge files each raise ImageError: '<file>: <problem>'."""
    for path, problem in bad_files(tmp_path).items():
        with pytest.raises(ImageError, match=problem) as caught:
            images.load_gray(path)
        message = str(caught.value)
        assert isinstance(caught.value, ValueError)
        assert message.startswith(f"{path}: ")
        assert "\n" not in message
        assert "OpenCV" not in message
        assert "Assertion" not in message


def test_missing_file_is_file_not_found(tmp_path):
    """A missing file raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match="nowhere.png: no such file"):
        images.load_gray(tmp_path / "nowhere.png")


def test_directory_is_refused(tmp_path):
    """A directory is not an image."""
    with pytest.raises(ImageError, match="is a directory"):
        images.load_gray(tmp_path)


def test_sample_names_and_loading():
    """Every sample loads as float32 in [0, 1], made of k/255 values; the lesson's photograph
    comes first."""
    names = samples.sample_names()
    assert names[0] == "udacity_sdc"
    assert {"udacity_sdc", "road", "test_card", "grace_hopper"} <= set(names)
    for name in names:
        image = samples.load_sample(name)
        assert image.dtype == np.float32
        assert 0 <= image.min()
        assert image.max() <= 1
        assert max(image.shape) <= images.MAX_SIDE
        np.testing.assert_allclose(image * 255, np.round(image * 255), atol=1e-4)


def test_the_lessons_photograph_ships_with_its_licence():
    """Udacity's photograph is the original lesson's 320 × 213 image, with the MIT licence of
    the repository it comes from beside it, and both are package data."""
    path = samples.sample_path("udacity_sdc")
    assert samples.load_sample("udacity_sdc").shape == (213, 320)
    licence = (path.parent / "LICENSE-udacity.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence
    assert "Copyright (c) 2018 Udacity" in licence
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"data/*"' in pyproject


def test_grace_hopper_comes_from_the_installed_matplotlib():
    """The photo is read from matplotlib's sample data, not from a copy in this project."""
    import matplotlib

    path = samples.sample_path("grace_hopper")
    assert path.is_file()
    assert path.resolve().is_relative_to(Path(matplotlib.__file__).resolve().parent)
    root = Path(samples.__file__).parents[1]
    assert not [hit for part in ("cnnviz", "docs", "gen") for hit in (root / part).rglob("grace*")]


def test_drawn_scenes_are_deterministic():
    """Drawing a scene twice gives identical pixels."""
    np.testing.assert_array_equal(samples.draw_road(), samples.draw_road())
    np.testing.assert_array_equal(samples.draw_test_card(), samples.draw_test_card())


def test_a_loaded_sample_is_the_callers_own():
    """Scenes are drawn once per process, yet a caller may change what it loaded freely."""
    first = samples.load_sample("road")
    first[:] = 0
    second = samples.load_sample("road")
    assert second.flags.writeable
    assert second.max() > 0
    np.testing.assert_array_equal(np.round(second * 255), samples.draw_road())


@pytest.mark.parametrize("name", ["road", "test_card"])
def test_every_lesson_filter_finds_something_in_the_drawn_scenes(name):
    """After ReLU each of the four filters keeps a strong response somewhere."""
    relu = run(samples.load_sample(name), LESSON_FILTERS).relu
    assert all(feature_map.max() > 2 for feature_map in relu)


def test_unknown_sample_is_named():
    """Asking for a sample that does not exist says which ones do."""
    with pytest.raises(KeyError, match="road"):
        samples.sample_path("moon")


@pytest.mark.parametrize(
    ("ext", "kind"), [(".png", "PNG"), (".jpg", "JPEG"), (".bmp", "BMP"), (".webp", "WebP")]
)
def test_image_size_reads_each_format_from_its_header(tmp_path, ext, kind):
    """One reader gives each format's name, width and height, from a file or from its bytes,
    the same as the decoded image's shape."""
    path = write(tmp_path / f"wide{ext}", np.full((30, 40, 3), 128, np.uint8), ext)
    assert images.image_size(path) == (kind, 40, 30)
    assert images.image_size(path.read_bytes()) == images.ImageSize(kind, 40, 30)
    assert images.load_gray(path).shape == (30, 40)


def test_image_size_refuses_what_load_gray_refuses(tmp_path):
    """A bad file gives image_size the same one-line error as load_gray: it is load_gray's
    reader, from the file's first bytes on."""
    for path, problem in bad_files(tmp_path).items():
        if "100000" in problem:
            assert images.image_size(path) == ("PNG", 100_000, 100_000)  # its size, read
            continue
        with pytest.raises(ImageError, match=problem) as caught:
            images.image_size(path)
        assert str(caught.value).startswith(f"{path}: ")
    with pytest.raises(ImageError, match=r"^<bytes>: not an image"):
        images.image_size(b"GIF89a....")


def test_the_table_of_a_shrunk_image_lists_the_files_shape_first(tmp_path):
    """A 300×700 file is shrunk to 219×512: its table's first row gives the file's shape
    (``original``), then the input's; a file within MAX_SIDE has no ``original`` row, and the
    gallery's sentence names the longer side only for the first."""
    from cnnviz import gallery, recipes

    rng = np.random.default_rng(0)
    large = write(tmp_path / "large.png", rng.integers(0, 256, (300, 700), dtype=np.uint8))
    small = write(tmp_path / "small.png", rng.integers(0, 256, (30, 70), dtype=np.uint8))
    rows = recipes.stats_rows(path=str(large)).splitlines()
    assert rows[0].startswith("| `original` |  | `(300, 700)` |")
    assert rows[1].startswith("| `input` |  | `(219, 512)` |")
    assert "`original`" not in recipes.stats_rows(path=str(small))
    said = "{side}"
    assert gallery._shrunk(said, "\n".join(rows)) == "512"
    assert gallery._shrunk(said, recipes.stats_rows(path=str(small))) == ""

"""Load an image file as the lesson does: OpenCV reads BGR, converts to gray, scales to [0, 1].

This is the only module that imports OpenCV. Every file is checked before it is decoded, so a
user's mistake becomes one :class:`~cnnviz.errors.ImageError` line, never an OpenCV assertion
and never a ``None`` passed further on.

Behaviour worth knowing:

* The file is decoded by its content, not its extension: a JPEG named ``.png`` simply works.
  PNG, JPEG, BMP and WebP are accepted.
* 8-bit pixels are divided by 255 and 16-bit pixels by 65535. An alpha channel is dropped.
* A JPEG's EXIF orientation is applied, so the image stands the way a photo viewer shows it:
  a phone photo stored on its side with orientation 6 loads upright, its width and height
  swapped from the stored ones. ``cv2.imdecode`` does this for ``IMREAD_COLOR`` in OpenCV 5
  (only ``IMREAD_UNCHANGED`` or ``IMREAD_IGNORE_ORIENTATION`` would skip it), and a test holds
  it to that.
* The header's size is checked first, by :func:`~cnnviz.headers.image_size`, the one reader of
  image headers (a module of its own, so that reading a size never imports OpenCV):
  more than :data:`MAX_PIXELS` pixels is refused before any pixel is decoded, so a hostile
  header cannot exhaust memory. A PNG's chunks are walked too, since OpenCV 5 allocates
  whatever a chunk's length field claims (up to 4 GB) before it notices the file is shorter.
  (Pillow, installed with matplotlib, reads sizes as well, but makes neither this check nor
  the next, which stand between a hostile file and OpenCV.)
* A JPEG must hold at least one bit of data per 8×8 block its header claims: a header that
  claims 6000×6000 pixels over 5 KB of data would otherwise decode to a flat gray picture.
* Only regular files of at most :data:`MAX_FILE_BYTES` are looked at, and they are checked
  before they are opened (see :mod:`cnnviz.inputs`), so a device such as ``/dev/zero``, a
  named pipe or a mistaken huge file is refused instead of read.
* An image whose longer side exceeds :data:`MAX_SIDE` is shrunk with ``INTER_AREA`` and the
  ``cnnviz.images`` logger says so at INFO level. A strip so long and thin that its shorter
  side would end up under :data:`MIN_SIDE` is refused instead, by the size it has in its file.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from .errors import ImageError
from .headers import ImageSize, image_size
from .inputs import MAX_FILE_BYTES, image_head, read_input
from .kernels import MAX_KERNEL_SIDE

__all__ = [
    "MAX_PIXELS",
    "MAX_SIDE",
    "MIN_SIDE",
    "ImageSize",
    "decode_gray",
    "encode_png",
    "image_size",
    "load_gray",
]

MAX_SIDE = 512
"""Longer side, in pixels, above which an image is downscaled: enough to see every edge."""

MAX_PIXELS = 40_000_000
"""Largest image, in pixels, that is decoded at all (about 240 MB as 16-bit BGR)."""

MIN_SIDE = MAX_KERNEL_SIDE + 1
"""Shorter side, in pixels, below which an image is never shrunk: every kernel that
:func:`cnnviz.kernels.weight_from` accepts, followed by 2×2 pooling, fits in it."""

log = logging.getLogger(__name__)


def load_gray(path: str | Path, *, max_side: int = MAX_SIDE) -> NDArray[np.float32]:
    """Read an image file as a grayscale float array.

    Args:
        path: The image file. Its content decides the format, not its name.
        max_side: Longer side above which the image is downscaled with ``INTER_AREA``.

    Returns:
        An ``(H, W)`` float32 array with values in [0, 1].

    Raises:
        FileNotFoundError: The file does not exist.
        ImageError: The file is not a usable image; the message names it and the problem.
    """
    data = read_input(
        path, limit=MAX_FILE_BYTES, error=ImageError, kind="image file", head=image_head
    ).data
    return decode_gray(data, source=path, max_side=max_side)


def decode_gray(
    data: bytes, *, source: str | Path = "<bytes>", max_side: int = MAX_SIDE
) -> NDArray[np.float32]:
    """Decode the bytes of an image file to a grayscale float array.

    Args:
        data: The whole file's content.
        source: Where the bytes came from, for error messages.
        max_side: Longer side above which the image is downscaled with ``INTER_AREA``.

    Returns:
        An ``(H, W)`` float32 array with values in [0, 1].

    Raises:
        ImageError: The bytes are not a usable image.
    """
    kind, width, height = image_size(data, source=source)
    if width < 1 or height < 1:
        raise ImageError(source, f"{kind} header claims an empty {width}×{height} image")
    if width * height > MAX_PIXELS:
        raise ImageError(
            source,
            f"{kind} header claims {width}×{height} pixels; the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels",
        )
    bgr = _decode(data, kind, source)  # (H, W, 3): OpenCV's channel order is B, G, R
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)  # (H, W), uint8 or uint16
    gray = _shrink(gray, max_side, source)
    scale = 65535.0 if gray.dtype == np.uint16 else 255.0
    return (gray.astype(np.float32) / np.float32(scale)).astype(np.float32)  # [0, 1]


def encode_png(levels: NDArray[np.uint8]) -> bytes:
    """Encode an 8-bit grayscale image as PNG, as ``cv2.imwrite`` would save it.

    Args:
        levels: An ``(H, W)`` uint8 array.

    Returns:
        The PNG file's bytes, the same on every run.
    """
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(levels))
    if not ok:
        raise ValueError(f"OpenCV could not encode a {levels.shape} {levels.dtype} array as PNG")
    return encoded.tobytes()


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log for one call: its complaints become our one-line error."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def _decode(data: bytes, kind: str, source: str | Path) -> NDArray[np.generic]:
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        with _quiet_opencv():
            # IMREAD_COLOR gives BGR as in the lesson, drops alpha and applies EXIF rotation;
            # IMREAD_ANYDEPTH keeps 16-bit samples.
            bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    except cv2.error:
        bgr = None
    if bgr is None or bgr.size == 0:
        raise ImageError(source, f"corrupt {kind} data: the decoder could not read it")
    if bgr.dtype not in (np.uint8, np.uint16):
        raise ImageError(source, f"{kind} with {bgr.dtype} samples; only 8 and 16 bits are read")
    return bgr


def _shrink(gray: NDArray[np.generic], max_side: int, source: str | Path) -> NDArray[np.generic]:
    height, width = gray.shape
    if max(height, width) <= max_side:
        return gray
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(size) < MIN_SIDE:  # a strip no kernel could cross, or that no figure could show
        raise ImageError(
            source,
            f"the {height}×{width} image would shrink to {size[1]}×{size[0]} to fit {max_side} "
            f"px, under {MIN_SIDE} px across; crop it to at most {max_side // MIN_SIDE}:1",
        )
    log.info("%s: downscaled %d×%d to %d×%d (max side %d)", source, width, height, *size, max_side)
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)

"""Read an image's format and size from its file's header, without decoding a pixel.

The one reader of image headers in cnnviz. It imports neither OpenCV nor numpy, so the site can
read the size of every figure it publishes without loading either; :mod:`cnnviz.images` checks
every image with it before OpenCV decodes a byte.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import NamedTuple

from .errors import ImageError
from .inputs import IMAGE_MAGIC, MAX_FILE_BYTES, NOT_AN_IMAGE, image_format, image_head, read_input

_JPEG_HUFFMAN = {0xC0, 0xC1, 0xC2, 0xC3}
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class ImageSize(NamedTuple):
    """An image's format and size, as its file's header gives them."""

    format: str
    width: int
    height: int


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height, from its bytes; None for anything else, or a broken PNG."""
    try:
        size = image_size(data)
    except ImageError:
        return None
    return (size.width, size.height) if size.format == "PNG" else None


def image_size(image: bytes | str | Path, *, source: str | Path | None = None) -> ImageSize:
    """Read an image's format and size from its header, and check its structure is whole.

    The one reader of image headers in cnnviz: what it accepts is what OpenCV may decode. A
    PNG's chunks must all fit in the file and end with IEND, a JPEG must end with its
    end-of-image marker and hold at least a bit for each block its frame claims.

    Args:
        image: An image file (read as :func:`load_gray` reads it: checked, then read once) or
            its bytes.
        source: What to call the image in an error; the path by default.

    Returns:
        Its format (``"PNG"``, ``"JPEG"``, ``"BMP"`` or ``"WebP"``), width and height.

    Raises:
        FileNotFoundError: The file does not exist.
        ImageError: No image format starts the content, or its header is cut short or
            corrupt; the message names the file and the problem.
    """
    if not isinstance(image, bytes):
        source = source or image
        image = read_input(
            image, limit=MAX_FILE_BYTES, error=ImageError, kind="image file", head=image_head
        ).data
    source = source or "<bytes>"
    kind = image_format(image)
    if kind is None:
        raise ImageError(source, "empty file (0 bytes)" if not image else NOT_AN_IMAGE)
    try:
        return ImageSize(kind, *_HEADERS[kind](image))
    except struct.error:
        raise ImageError(source, "corrupt image: the file ends inside its header") from None
    except ValueError as error:
        raise ImageError(source, str(error)) from None


def _png_size(data: bytes) -> tuple[int, int]:
    if data[12:16] != b"IHDR":
        raise ValueError("corrupt PNG: no IHDR chunk")
    width, height = struct.unpack_from(">II", data, 16)
    _check_png_chunks(data)
    return width, height


def _check_png_chunks(data: bytes) -> None:
    """Check that every chunk up to IEND fits in the file: OpenCV trusts each length it reads."""
    pos = len(IMAGE_MAGIC["PNG"])
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        if pos + 12 + length > len(data):
            name = kind.decode("ascii", "backslashreplace")
            raise ValueError(f"truncated PNG: the {name} chunk ({length:,} bytes) overruns the end")
        if kind == b"IEND":
            return
        pos += 12 + length
    raise ValueError("truncated PNG: the IEND chunk is missing")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"corrupt JPEG: no marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_SOF:
            # The end marker must follow the frame; an embedded EXIF thumbnail's does not count.
            if data.find(b"\xff\xd9", pos) < 0:
                raise ValueError("truncated JPEG: the end-of-image marker is missing")
            height, width = struct.unpack_from(">HH", data, pos + 5)
            _check_jpeg_length(len(data), marker, width, height)
            return width, height
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        pos += 2 + length
    raise ValueError("corrupt JPEG: no frame header")


def _check_jpeg_length(length: int, marker: int, width: int, height: int) -> None:
    """Refuse a JPEG too short for its size: Huffman coding spends at least one bit on every
    8×8 block (or, lossless, on every pixel), and libjpeg paints what is missing flat gray."""
    if marker not in _JPEG_HUFFMAN:
        return  # arithmetic coding can spend less than a bit on a block
    units = width * height if marker == 0xC3 else -(-width // 8) * -(-height // 8)
    if length < units // 8:
        raise ValueError(
            f"truncated JPEG: its header claims {width}×{height} pixels, which take at least "
            f"{units // 8:,} bytes, and the file has {length:,}"
        )


def _bmp_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack_from("<ii", data, 18)
    return width, abs(height)  # a negative height: rows stored top to bottom


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    raise ValueError(f"corrupt WebP: unknown chunk {chunk!r}")


_HEADERS = {"PNG": _png_size, "JPEG": _jpeg_size, "BMP": _bmp_size, "WebP": _webp_size}

"""Read a file that a user named, safely: look before reading, then read it once.

A gallery image or a ``--filters`` file can be anything: a symlink loop, a named pipe,
``/dev/zero``, or a file of gigabytes. :func:`read_input` looks at the file with ``os.stat``
first and opens only a regular file under its size limit, without blocking, so that nothing
here can hang or fill memory. The bytes are hashed while they are read.

The last files read are remembered by their identity on disk (device, inode, size and times),
so the cache key of a figure and a render in the same process share one read of the same
bytes (a worker process reads the file once for itself), and a file edited in between is read
again. Nothing here imports OpenCV: keying a figure stays light.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import CnnvizError, one_line

MAX_FILE_BYTES = 256 * 2**20
"""Largest image file, in bytes, that is read at all: far above any 40-megapixel PNG or JPEG."""

REMEMBERED_BYTES = 256 * 2**20
"""How many bytes of recently read files are kept for reuse; the latest file is always kept."""

_CHUNK = 2**20

IMAGE_MAGIC = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    "JPEG": b"\xff\xd8\xff",
    "BMP": b"BM",
}
"""The first bytes of each image format the site reads, but WebP (``RIFF····WEBP``)."""

NOT_AN_IMAGE = "not an image: the content is not PNG, JPEG, BMP or WebP"

Head = Callable[[bytes], "str | None"]
"""A check of a file's first bytes: the problem with the file, or ``None``."""


def image_format(head: bytes) -> str | None:
    """Name the image format that a file's first bytes start, as
    :func:`cnnviz.headers.image_size` reads it.

    Args:
        head: The file's first bytes; twelve are enough.

    Returns:
        ``"PNG"``, ``"JPEG"``, ``"BMP"`` or ``"WebP"``, or ``None`` for anything else.
    """
    for name, magic in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def image_head(head: bytes) -> str | None:
    """The problem with a file whose content starts with ``head``, if no image format does.

    Args:
        head: The file's first bytes (up to a megabyte).

    Returns:
        :data:`NOT_AN_IMAGE`, or ``None`` for an image's start or an empty file (which the
        decoder names as such).
    """
    return None if not head or image_format(head) else NOT_AN_IMAGE


@dataclass(frozen=True)
class Input:
    """The content of one file, read once.

    Attributes:
        data: The file's bytes.
        digest: Their hex SHA-256.
    """

    data: bytes
    digest: str


_remembered: OrderedDict[tuple[int, ...], Input] = OrderedDict()


def read_input(
    path: str | Path,
    *,
    limit: int = MAX_FILE_BYTES,
    error: type[CnnvizError] = CnnvizError,
    kind: str = "file",
    head: Head | None = None,
) -> Input:
    """Check that ``path`` is a regular file of at most ``limit`` bytes, then read and hash it.

    A FIFO, a device, a socket or a folder is refused from ``os.stat`` alone, before it is
    opened. The file is opened with ``O_NONBLOCK`` and checked again through its descriptor, in
    case it was swapped in between, and never more than ``limit`` bytes are read.

    Args:
        path: The file.
        limit: The most bytes the file may hold.
        error: The error class to raise for an unusable file, e.g. ``ImageError``.
        kind: What the file should be, for messages: ``"is a directory, not an image file"``.
        head: A check of the first megabyte, made before the rest is read (see
            :func:`image_head`): a file of junk is refused without reading it whole.

    Returns:
        The bytes and their SHA-256.

    Raises:
        FileNotFoundError: Nothing exists at ``path``; the message is ``"<path>: no such file"``.
        CnnvizError: As ``error``, naming the file and the problem, for anything else.
    """
    try:
        info = os.stat(path)
    except OSError as failure:
        raise _failure(path, failure, error) from None
    _check(path, info, limit, error, kind)
    identity = _identity(info)
    if identity in _remembered:
        _remembered.move_to_end(identity)
        return _remembered[identity]
    result = _read(path, limit, error, kind, head)
    _remember(identity, result)
    return result


def _check(
    path: str | Path, info: os.stat_result, limit: int, error: type[CnnvizError], kind: str
) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise error(path, f"is a directory, not {'an' if kind[0] in 'aeiou' else 'a'} {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise error(path, "is not a regular file (a device, a pipe or a socket)")
    if info.st_size > limit:
        raise error(path, f"{info.st_size:,} bytes is too large; the limit is {limit:,}")


def _read(
    path: str | Path, limit: int, error: type[CnnvizError], kind: str, head: Head | None
) -> Input:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError as failure:
        raise _failure(path, failure, error) from None
    with os.fdopen(handle, "rb", buffering=0) as file:
        _check(path, os.fstat(handle), limit, error, kind)  # the same file as the one looked at
        digest, chunks, size = hashlib.sha256(), [], 0
        while chunk := _chunk(file, path, error):
            size += len(chunk)
            if size > limit:  # it grew while being read, or stat did not know its size (/proc)
                raise error(path, f"grew past the limit of {limit:,} bytes while being read")
            if head is not None and not chunks and (problem := head(chunk)):
                raise error(path, problem)
            digest.update(chunk)
            chunks.append(chunk)
    return Input(b"".join(chunks), digest.hexdigest())


def _chunk(file, path: str | Path, error: type[CnnvizError]) -> bytes:
    try:
        return file.read(_CHUNK)
    except OSError as failure:
        raise _failure(path, failure, error) from None


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _remember(identity: tuple[int, ...], result: Input) -> None:
    _remembered[identity] = result
    while len(_remembered) > 1 and sum(len(i.data) for i in _remembered.values()) > (
        REMEMBERED_BYTES
    ):
        _remembered.popitem(last=False)


def _failure(path: str | Path, failure: OSError, error: type[CnnvizError]) -> Exception:
    if failure.errno == errno.ENOENT:
        return FileNotFoundError(f"{one_line(str(path))}: no such file")
    if failure.errno == errno.ELOOP:
        return error(path, "is a symbolic link loop")
    return error(path, f"cannot be read ({failure.strerror or failure})")

"""Everything that touches the disk: PNG encoding, atomic writes and the content-addressed cache.

Nothing is ever half-written. :func:`write_atomic` writes a temporary file next to the target
and renames it over the target, so a reader sees the old bytes or the new ones, never a part.
Cache entries carry a checksum, so an entry damaged by anything else is detected and dropped.

The cache stays bounded: :meth:`Store.prune` removes the entries a build did not use, least
recently used first, until the cache fits its cap. A reader opens an entry once and reads it
from that descriptor, so an entry removed by another build's prune meanwhile is still read
whole (on POSIX a removed file lives on until its last descriptor closes).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .inputs import IMAGE_MAGIC

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.mathtext import MathTextParser

DPI = 110
"""Resolution of every figure; with :data:`cnnviz.figures.WIDTH` it gives about 800 px."""

_MAGIC = b"cnnviz-cache-1\n"
_DIGEST = hashlib.sha256().digest_size


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read the umask is to set it
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp's own 0o600 hides figures


def png_bytes(fig: Figure) -> bytes:
    """Encode a figure as a losslessly optimised PNG whose bytes are the same on every run.

    The figure is drawn once on an Agg canvas, its layout solved inside that one draw, and its
    pixels go to oxipng in a PNG whose one deflate stream is stored, not compressed.
    ``savefig`` would draw it twice (a pass with rendering off to solve the layout, then the
    real one, each with its own renderer, so no text is measured once for both) and
    zlib-compress the pixels with PIL only for oxipng to undo that. The pixels are the ones
    ``savefig`` draws; measured on 24 figures of the site (every fourth one) on 2026-12-05,
    both with oxipng at level 1: 9.80 s of CPU against 8.13 s. Handing oxipng a stored PNG
    rather than its ``RawImage`` took encoding the site's 93 figures from 3.86 to 4.42 s of
    CPU down to 2.99 to 3.09 s (three interleaved rounds, 2026-12-07), every byte the same.

    Args:
        fig: The figure to encode.

    Returns:
        The PNG file's bytes: the pixels and their resolution (``pHYs``), nothing else.
    """
    # Imported here: only a render needs them, and a warm build renders nothing.
    import oxipng
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(DPI)
    _set_empty_labels_aside(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.get_renderer().mathtext_parser = _shared_mathtext()
    canvas.draw()
    pixels = canvas.buffer_rgba()  # (H, W, 4) uint8
    stored = _stored_png(bytes(pixels), pixels.shape[1], pixels.shape[0])
    return oxipng.optimize_from_memory(stored, **_oxipng_options())


def _oxipng_options() -> dict[str, Any]:
    import oxipng

    # Rows unfiltered or Paeth-filtered, libdeflate at level 6, the rest as oxipng's level 1.
    # Measured 2026-12-05 against plain level 1 (libdeflate 10, its own filters) on 19 figures
    # (every second lesson figure, half the car's gallery figures): 0.83 s of CPU against
    # 1.56 s, and 1,616,802 bytes in all against 1,679,068. Photographs' maps get smaller,
    # diagrams of flat colour larger (13 of the 19, by up to 16 %). Level 0 was as fast and
    # 10 % larger in all; these two filters at libdeflate 10, as slow as level 1. libdeflate 6
    # instead of 8, measured 2026-12-05 on 32 figures (every third of the site): 1.00 s of CPU
    # against 1.55 s, and 2,901,181 bytes in all against 2,863,846 (1.3 % more); 4 saved
    # little more time (0.91 s) for 2.8 % more bytes.
    return {
        "level": 1,
        "filter": [oxipng.RowFilter.NoOp, oxipng.RowFilter.Paeth],
        "deflate": oxipng.Deflaters.libdeflater(6),
        "strip": oxipng.StripChunks.safe(),
    }


def _stored_png(rgba: bytes, width: int, height: int) -> bytes:
    """A PNG of 8-bit RGBA pixels, rows unfiltered, its deflate stream stored: the cheapest
    PNG to write, and one that oxipng reads as a whole buffer.

    oxipng's ``RawImage`` takes raw pixels too, but it took 28 ms to take in the 1.8 MB of one
    803 × 550 figure, against 6 ms to write this PNG, and oxipng makes the same bytes from
    either (every figure of the site, 2026-12-07).
    """
    import zlib

    stride = 4 * width
    rows = b"".join(b"\0" + rgba[start : start + stride] for start in range(0, len(rgba), stride))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    pixels = zlib.compress(rows, 0)  # level 0: stored blocks, checksummed, not compressed
    chunks = [(b"IHDR", header), (b"pHYs", _PHYS), (b"IDAT", pixels), (b"IEND", b"")]
    return IMAGE_MAGIC["PNG"] + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


MATPLOTLIB = "3.11.2"
"""The matplotlib whose insides :func:`_shared_mathtext` uses: its Agg renderer's
``mathtext_parser`` attribute, and a parse cache that is keyed by the parser object."""


@functools.cache
def _shared_mathtext() -> MathTextParser:
    """One mathtext parser for every figure this process encodes.

    Each Agg renderer makes its own parser, and the parse cache is keyed by the parser, so each
    figure parsed its ``$f_1$`` titles afresh: about 7 ms a formula. Sharing one parser, the
    site's figures took 0.6 to 1.5 s less of about 15 s of CPU (four interleaved passes,
    2026-12-06). The pixels are the same: the parse of a formula depends only on the formula,
    its font and the resolution, which are the cache's key.

    Raises:
        RuntimeError: matplotlib is not the version this was written for.
    """
    import matplotlib
    from matplotlib.mathtext import MathTextParser

    if matplotlib.__version__ != MATPLOTLIB:
        raise RuntimeError(
            f"cnnviz/store.py was written for matplotlib {MATPLOTLIB} (its Agg renderer's "
            f"mathtext_parser), but {matplotlib.__version__} is installed"
        )
    return MathTextParser("path")  # the kind RendererAgg makes


def _set_empty_labels_aside(fig: Figure) -> None:
    """Hide every empty axis label and pin it where it is, so neither the layout nor the draw
    places it: placing a label measures its axis's tick labels once more, for nothing.

    An empty label draws no pixels, and the layout collapses its box to a point that lies
    within the tick labels' box anyway: the PNGs are the same bytes. Measured 2026-12-05.
    """
    for ax in [*fig.axes, *(inset for parent in fig.axes for inset in parent.child_axes)]:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.label.set_visible(False)
                axis.set_label_coords(*axis.label.get_position())


_PHYS = struct.pack(">IIB", round(DPI / 0.0254), round(DPI / 0.0254), 1)  # pixels per metre


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is never seen half-written.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    temporary file is renamed over ``path``. An existing file stays until its replacement is
    complete; if anything fails, the temporary file is removed and the old file is kept. The
    file gets the permissions ``open()`` would give it (``0o666`` less the umask).

    Args:
        path: The file to create or replace; its folder is created if needed.
        data: The file's new content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            os.chmod(temporary, _FILE_MODE)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: str | Path, data: bytes) -> bool:
    """Atomically write ``data`` unless ``path`` already holds exactly these bytes.

    Args:
        path: The file to create or replace.
        data: The file's new content.

    Returns:
        Whether the file was written.
    """
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


@dataclass(frozen=True)
class Pruned:
    """What one :meth:`Store.prune` did.

    Attributes:
        removed: Entries removed.
        freed: Their bytes.
        size: The bytes of the entries left.
        cap: The cap the cache was pruned to, in bytes.
    """

    removed: int
    freed: int
    size: int
    cap: int

    def summary(self) -> str:
        """One log line: what was removed and the size now."""
        return (
            f"{self.removed} unused entries removed ({_mb(self.freed)}); "
            f"{_mb(self.size)} now, cap {_mb(self.cap)}"
        )


class Store:
    """A content-addressed cache of rendered bytes, kept in one folder.

    Entries are found by key (see :func:`cnnviz.jobs.job_key`). For each target the store
    also remembers the last key that rendered, so a failed render can fall back to the last
    good result. The store notes every entry it reads or writes: those are the entries in use,
    which :meth:`prune` keeps. Reading or writing an entry also stamps its modification time,
    which is how :meth:`prune` knows which entry was used least recently.

    Args:
        root: The cache folder, e.g. ``.cache/cnnviz``. Keep it outside anything MkDocs
            watches, so that writing to it never starts a rebuild.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.used: set[Path] = set()
        self.opened = time.time()

    def get(self, key: str) -> bytes | None:
        """Return the bytes stored under ``key``, or ``None`` if absent or damaged.

        A damaged entry (truncated, edited, or of another format) is removed.
        """
        path = self._entry(key)
        raw = self._read(path)
        if raw is None:
            return None
        cut = len(_MAGIC) + _DIGEST
        header, digest, data = raw[: len(_MAGIC)], raw[len(_MAGIC) : cut], raw[cut:]
        if header != _MAGIC or hashlib.sha256(data).digest() != digest:
            path.unlink(missing_ok=True)
            self.used.discard(path)
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, atomically."""
        path = self._entry(key)
        write_atomic(path, _MAGIC + hashlib.sha256(data).digest() + data)
        self.used.add(path)

    def keep(self, key: str) -> bool:
        """Count the entry under ``key`` as used, without reading it: :meth:`prune` keeps it,
        and its last use is now. Returns whether there is such an entry."""
        path = self._entry(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        except OSError:
            pass  # a read-only cache still serves; its entries just age
        self.used.add(path)
        return True

    def remember(self, target: str, key: str) -> None:
        """Record that ``key`` is the last good result for ``target``."""
        write_if_changed(self._ref(target), key.encode())

    def last_good(self, target: str) -> bytes | None:
        """Return the last good bytes rendered for ``target``, if any are still stored."""
        try:
            key = self._ref(target).read_text().strip()
        except OSError:
            return None
        return self.get(key)

    def memo(self, name: str) -> dict[str, str]:
        """Return a small table saved under ``name`` by :meth:`save_memo`, or an empty one."""
        raw = self._read(self._memo(name))
        try:
            table = json.loads(raw or b"")
        except ValueError:
            return {}
        return table if isinstance(table, dict) else {}

    def save_memo(self, name: str, table: dict[str, str]) -> None:
        """Save a small table of strings under ``name``, atomically."""
        write_atomic(self._memo(name), json.dumps(table, sort_keys=True).encode())
        self.used.add(self._memo(name))

    def prune(self, max_bytes: int) -> Pruned:
        """Remove unused entries, least recently used first, until the cache fits ``max_bytes``.

        Kept whatever the cap: every entry this store read or wrote, and every entry that
        anything used since this store was opened (a build running beside this one). Memo
        tables count and go like entries. A reference whose entry is gone is removed too.

        Args:
            max_bytes: The cap, in bytes.

        Returns:
            How many entries were removed, and the size of the cache now.
        """
        entries = sorted(self._entries())  # (last use, size, path), oldest first
        size = sum(entry[1] for entry in entries)
        removed = freed = 0
        for used, bytes_, path in entries:
            if size <= max_bytes:
                break
            if path in self.used or used >= self.opened:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                pass  # another build removed it first
            except OSError:
                continue  # e.g. open elsewhere on a system that cannot remove an open file
            else:
                removed, freed = removed + 1, freed + bytes_
            size -= bytes_
        if removed:
            self._drop_dangling_refs()
        return Pruned(removed=removed, freed=freed, size=size, cap=max_bytes)

    def _entries(self) -> list[tuple[float, int, Path]]:
        found = []
        files = [*(self.root / "objects").glob("??/*"), *(self.root / "memo").glob("*.json")]
        for path in files:
            if path.name.startswith("."):
                continue  # a write in progress (write_atomic's temporary file)
            try:
                info = path.stat()
            except OSError:
                continue
            found.append((info.st_mtime, info.st_size, path))
        return found

    def _drop_dangling_refs(self) -> None:
        for ref in (self.root / "refs").glob("*"):
            try:
                key = ref.read_text().strip()
            except OSError:
                continue
            if not ref.name.startswith(".") and key and not self._entry(key).exists():
                ref.unlink(missing_ok=True)

    def _read(self, path: Path) -> bytes | None:
        # One open, one descriptor: a prune elsewhere may unlink the file, never cut it short.
        try:
            with open(path, "rb") as file:
                raw = file.read()
                _stamp(file.fileno())
        except OSError:
            return None
        self.used.add(path)
        return raw

    def remove_temporaries(self) -> int:
        """Remove the temporary files that writes cut short have left in the store.

        :func:`write_atomic` writes ``.<name>.<random>.tmp`` and renames it; a process killed in
        between leaves it behind, and nothing else would ever remove it. Call this only while
        no other process writes to the store, since a file being written looks the same.

        Returns:
            How many files were removed.
        """
        removed = 0
        for path in self.root.rglob(".*.tmp"):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _memo(self, name: str) -> Path:
        return self.root / "memo" / f"{name}.json"

    def _entry(self, key: str) -> Path:
        return self.root / "objects" / key[:2] / key

    def _ref(self, target: str) -> Path:
        return self.root / "refs" / hashlib.sha256(target.encode()).hexdigest()


def _stamp(descriptor: int) -> None:
    """Set a file's modification time to now, through its open descriptor: its last use."""
    try:
        os.utime(descriptor)
    except OSError:
        pass  # a read-only cache still serves; its entries just age


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"

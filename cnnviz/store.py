"""Everything that touches the disk: PNG encoding, atomic writes and the content-addressed cache.

Nothing is ever half-written. :func:`write_atomic` writes a temporary file next to the target
and renames it over the target, so a reader sees the old bytes or the new ones, never a part.
Cache entries carry a checksum, so an entry damaged by anything else is detected and dropped.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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

    Args:
        fig: The figure to encode.

    Returns:
        The PNG file's bytes, without ``Software`` or date metadata.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    import oxipng  # only a render needs it, and a warm build renders nothing

    return oxipng.optimize_from_memory(buffer.getvalue(), level=2, strip=oxipng.StripChunks.safe())


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


class Store:
    """A content-addressed cache of rendered bytes, kept in one folder.

    Entries are found by key (see :func:`cnnviz.jobs.job_key`). For each target the store
    also remembers the last key that rendered, so a failed render can fall back to the last
    good result.

    Args:
        root: The cache folder, e.g. ``.cache/cnnviz``. Keep it outside anything MkDocs
            watches, so that writing to it never starts a rebuild.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def get(self, key: str) -> bytes | None:
        """Return the bytes stored under ``key``, or ``None`` if absent or damaged.

        A damaged entry (truncated, edited, or of another format) is removed.
        """
        path = self._entry(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        cut = len(_MAGIC) + _DIGEST
        header, digest, data = raw[: len(_MAGIC)], raw[len(_MAGIC) : cut], raw[cut:]
        if header != _MAGIC or hashlib.sha256(data).digest() != digest:
            path.unlink(missing_ok=True)
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, atomically."""
        write_atomic(self._entry(key), _MAGIC + hashlib.sha256(data).digest() + data)

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
        try:
            table = json.loads(self._memo(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return table if isinstance(table, dict) else {}

    def save_memo(self, name: str, table: dict[str, str]) -> None:
        """Save a small table of strings under ``name``, atomically."""
        write_atomic(self._memo(name), json.dumps(table, sort_keys=True).encode())

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

"""Writing to disk: atomic replacement, and a cache that never serves a damaged entry."""

from __future__ import annotations

import os
import stat

import pytest

from cnnviz import store


def test_write_atomic_creates_and_replaces(tmp_path):
    """The file ends up with the new bytes, its folder is created, no temporary file remains."""
    target = tmp_path / "deep" / "figure.png"
    store.write_atomic(target, b"first")
    store.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["figure.png"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_write_atomic_gives_the_permissions_open_would(tmp_path):
    """A written file gets open()'s mode (0o666 less the umask), not mkstemp's private 0o600."""
    target = tmp_path / "figure.png"
    store.write_atomic(target, b"figure")
    plain = tmp_path / "plain.png"
    plain.write_bytes(b"figure")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch, failing):
    """A crash before the rename leaves the old bytes in place and no partial file behind."""
    target = tmp_path / "figure.png"
    target.write_bytes(b"good old figure")

    def crash(*args):
        raise KeyboardInterrupt  # like a kill in the middle of the write

    monkeypatch.setattr(os, failing, crash)
    with pytest.raises(KeyboardInterrupt):
        store.write_atomic(target, b"new figure that never lands")
    assert target.read_bytes() == b"good old figure"
    assert os.listdir(tmp_path) == ["figure.png"]


def test_write_if_changed_leaves_identical_files_alone(tmp_path):
    """Writing the same bytes again does not touch the file."""
    target = tmp_path / "out.md"
    assert store.write_if_changed(target, b"rows")
    before = target.stat().st_mtime_ns
    assert not store.write_if_changed(target, b"rows")
    assert target.stat().st_mtime_ns == before
    assert store.write_if_changed(target, b"other rows")


def test_cache_round_trip(tmp_path):
    """What is put under a key is got back; an unknown key is a miss."""
    cache = store.Store(tmp_path)
    cache.put("ab" * 32, b"\x89PNG data")
    assert cache.get("ab" * 32) == b"\x89PNG data"
    assert cache.get("cd" * 32) is None


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign"])
def test_damaged_cache_entry_is_detected_and_dropped(tmp_path, damage):
    """A truncated, altered, empty or foreign entry reads as a miss and is removed."""
    cache = store.Store(tmp_path)
    key = "ef" * 32
    cache.put(key, b"\x89PNG" + bytes(range(256)) * 4)
    (entry,) = (tmp_path / "objects").rglob(key)
    raw = entry.read_bytes()
    entry.write_bytes(
        {
            "truncate": raw[: len(raw) // 2],
            "flip": raw[:-1] + bytes([raw[-1] ^ 1]),
            "empty": b"",
            "foreign": b"\x89PNG\r\n\x1a\n" + raw[60:],
        }[damage]
    )
    assert cache.get(key) is None
    assert not entry.exists()


def test_last_good_follows_the_latest_remembered_key(tmp_path):
    """The store returns the bytes of the last key remembered for a target."""
    cache = store.Store(tmp_path)
    cache.put("01" * 32, b"old")
    cache.put("02" * 32, b"new")
    assert cache.last_good("figures/conv.png") is None
    cache.remember("figures/conv.png", "01" * 32)
    cache.remember("figures/conv.png", "02" * 32)
    assert cache.last_good("figures/conv.png") == b"new"


def test_remove_temporaries_removes_what_cut_short_writes_left_and_nothing_else(tmp_path):
    """Only write_atomic's hidden ``.<name>.<random>.tmp`` files go; entries and refs stay."""
    cache = store.Store(tmp_path / "cache")
    cache.put("ab" * 32, b"figure")
    cache.remember("figures/a.png", "ab" * 32)
    stray = [
        tmp_path / "cache" / "objects" / "ab" / ".abab.k2j3h4g5.tmp",
        tmp_path / "cache" / "outputs" / ".net-repr.txt.q1w2e3r4.tmp",
    ]
    for path in stray:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    assert cache.remove_temporaries() == 2
    assert not any(path.exists() for path in stray)
    assert cache.get("ab" * 32) == b"figure"
    assert cache.last_good("figures/a.png") == b"figure"

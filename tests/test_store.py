"""Writing to disk: atomic replacement, and a cache that never serves a damaged entry and
stays within its cap."""

from __future__ import annotations

import os
import stat
import time

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


MB = 2**20


def filled(tmp_path, ages: dict[str, float], size: int = MB // 4) -> store.Store:
    """A cache holding one entry per key, each ``size`` bytes, last used ``ages[key]`` seconds
    ago; opened afresh, as by the next build."""
    writer = store.Store(tmp_path)
    now = time.time()
    for key, age in ages.items():
        writer.put(key, bytes(size - 47))  # with the 47-byte header: ``size`` bytes on disk
        os.utime(writer._entry(key), (now - age, now - age))
    return store.Store(tmp_path)


def keys_left(tmp_path) -> set[str]:
    return {path.name for path in (tmp_path / "objects").glob("??/*")}


def test_prune_removes_the_least_recently_used_first_until_it_fits(tmp_path):
    """Five quarter-megabyte entries under a 0.6 MB cap: the three used longest ago go."""
    ages = {f"{n:02d}" * 32: age for n, age in enumerate([50, 10, 40, 20, 30])}
    cache = filled(tmp_path, ages)
    pruned = cache.prune(int(0.6 * MB))
    assert keys_left(tmp_path) == {"01" * 32, "03" * 32}
    assert (pruned.removed, pruned.freed, pruned.size) == (3, 3 * MB // 4, MB // 2)
    assert pruned.summary() == "3 unused entries removed (0.8 MB); 0.5 MB now, cap 0.6 MB"


def test_a_cache_within_its_cap_is_left_alone(tmp_path):
    """Nothing goes while the cache fits, however old its entries."""
    cache = filled(tmp_path, {"aa" * 32: 10**6, "bb" * 32: 10**7})
    assert cache.prune(MB).removed == 0
    assert len(keys_left(tmp_path)) == 2


def test_entries_this_build_used_stay_even_over_the_cap(tmp_path):
    """Entries read or written through this store are never removed, even with a cap of 0;
    everything else goes."""
    cache = filled(tmp_path, {"aa" * 32: 100, "bb" * 32: 200, "cc" * 32: 300})
    assert cache.get("cc" * 32) is not None  # read: in use, and now the most recent
    cache.put("dd" * 32, b"fresh")
    pruned = cache.prune(0)
    assert keys_left(tmp_path) == {"cc" * 32, "dd" * 32}
    assert pruned.removed == 2
    assert pruned.size > 0


def test_reading_an_entry_marks_it_recently_used(tmp_path):
    """A read stamps the entry's time, so the next prune sees it as the newest."""
    filled(tmp_path, {"aa" * 32: 500, "bb" * 32: 100}).get("aa" * 32)
    store.Store(tmp_path).prune(MB // 4)  # a later build that used neither
    assert keys_left(tmp_path) == {"aa" * 32}


def test_entries_a_concurrent_build_uses_are_kept(tmp_path):
    """An entry used by another build since this one started is in use: it stays."""
    cache = filled(tmp_path, {"aa" * 32: 100, "bb" * 32: 200})
    assert store.Store(tmp_path).get("bb" * 32) is not None  # the other build
    cache.prune(0)
    assert keys_left(tmp_path) == {"bb" * 32}


def test_a_prune_never_cuts_a_read_short(tmp_path, monkeypatch):
    """A build that has opened an entry reads it whole, even if another build's prune removes
    the file right then: the entry is read once, from its descriptor."""
    data = bytes(range(256)) * 4096
    reader = store.Store(tmp_path)
    reader.put("ab" * 32, data)
    os.utime(reader._entry("ab" * 32), (1, 1))
    reader = store.Store(tmp_path)

    def open_then_prune(*args, **kwargs):
        file = open(*args, **kwargs)
        assert store.Store(tmp_path).prune(0).removed == 1  # the other build, right now
        return file

    monkeypatch.setattr(store, "open", open_then_prune, raising=False)
    assert reader.get("ab" * 32) == data
    assert keys_left(tmp_path) == set()


def test_memo_tables_age_like_entries_and_dangling_refs_go(tmp_path):
    """An old memo table is removed like an old entry, a fresh one stays, and a reference
    left without its entry is removed with it."""
    old = store.Store(tmp_path)
    old.save_memo("code-old", {"a": "b"})
    old.put("aa" * 32, b"old figure")
    old.remember("figures/gone.png", "aa" * 32)
    for path in [*(tmp_path / "memo").glob("*"), *(tmp_path / "objects").glob("??/*")]:
        os.utime(path, (1, 1))
    cache = store.Store(tmp_path)
    cache.save_memo("code-new", {"c": "d"})
    cache.prune(0)
    assert [path.name for path in (tmp_path / "memo").glob("*")] == ["code-new.json"]
    assert keys_left(tmp_path) == set()
    assert list((tmp_path / "refs").glob("*")) == []
    assert cache.last_good("figures/gone.png") is None


def test_a_write_in_progress_is_not_counted_or_touched(tmp_path):
    """A temporary file of a write in progress is neither an entry nor removed."""
    cache = filled(tmp_path, {"aa" * 32: 100})
    partial = tmp_path / "objects" / "aa" / f".{'aa' * 32}.x.tmp"
    partial.write_bytes(bytes(MB))
    pruned = cache.prune(0)
    assert partial.exists()
    assert (pruned.removed, pruned.size) == (1, 0)


@pytest.mark.parametrize("drawn", ["maps", "curve"])
def test_setting_empty_labels_aside_leaves_every_pixel(drawn, monkeypatch):
    """Hiding and pinning the empty axis labels before the draw changes no byte of the PNG,
    for a figure whose labels are all empty and for one with x and y labels."""
    import numpy as np

    from cnnviz import figures

    def figure():
        if drawn == "maps":
            ramp = np.linspace(-1, 1, 3 * 12 * 16).reshape(3, 12, 16)
            return figures.plot_feature_maps(ramp, zoom=(2, 8, 4, 12))
        x = np.linspace(-3, 3, 61)
        return figures.plot_relu_curve(x, np.maximum(x, 0))

    aside = store.png_bytes(figure())
    monkeypatch.setattr(store, "_set_empty_labels_aside", lambda fig: None)
    assert store.png_bytes(figure()) == aside


def test_figures_share_one_mathtext_parse_and_keep_their_pixels(monkeypatch):
    """A second figure with the same formulas parses none of them again, and its PNG is the
    one a renderer with its own parser gives."""
    import numpy as np
    from matplotlib.mathtext import MathTextParser

    from cnnviz import figures

    maps = np.linspace(-1, 1, 2 * 10 * 12).reshape(2, 10, 12)
    store.png_bytes(figures.plot_feature_maps(maps, ["$g_{7}$", "$h_{8}$"]))
    before = MathTextParser._parse_cached.cache_info()
    shared = store.png_bytes(figures.plot_feature_maps(maps, ["$g_{7}$", "$h_{8}$"]))
    after = MathTextParser._parse_cached.cache_info()
    assert after.misses == before.misses
    assert after.hits > before.hits
    monkeypatch.setattr(store, "_shared_mathtext", lambda: MathTextParser("path"))
    assert store.png_bytes(figures.plot_feature_maps(maps, ["$g_{7}$", "$h_{8}$"])) == shared


def test_the_shared_parser_stops_in_one_line_on_another_matplotlib(monkeypatch):
    """It uses the Agg renderer's insides, so another matplotlib is named, not guessed at."""
    import matplotlib

    store._shared_mathtext.cache_clear()
    monkeypatch.setattr(matplotlib, "__version__", "9.9.9")
    try:
        with pytest.raises(RuntimeError, match=r"written for matplotlib 3\.11\.2.*9\.9\.9"):
            store._shared_mathtext()
    finally:
        store._shared_mathtext.cache_clear()


def test_the_stored_png_holds_the_pixels_and_oxipng_makes_the_bytes_raw_pixels_give(monkeypatch):
    """The uncompressed PNG that png_bytes hands oxipng holds the pixels of the PNG it returns,
    at the build's resolution; and oxipng makes the same bytes from those pixels raw (its
    ``RawImage``), so the encoder only changed how the pixels reach oxipng."""
    import io
    import struct

    import numpy as np
    import oxipng
    from PIL import Image

    from cnnviz import figures

    handed = []
    stored_png = store._stored_png
    monkeypatch.setattr(
        store, "_stored_png", lambda *args: handed.append(stored_png(*args)) or handed[-1]
    )
    encoded = store.png_bytes(
        figures.plot_feature_maps(np.linspace(-1, 1, 2460).reshape(2, 30, 41))
    )
    (stored,) = handed
    decoded = Image.open(io.BytesIO(stored))
    assert decoded.mode == "RGBA"
    assert decoded.info["dpi"] == pytest.approx((store.DPI, store.DPI), abs=0.01)
    pixels = np.asarray(decoded)
    assert np.array_equal(pixels, np.asarray(Image.open(io.BytesIO(encoded)).convert("RGBA")))
    raw = oxipng.RawImage(pixels.tobytes(), decoded.width, decoded.height)
    raw.add_png_chunk(b"pHYs", store._PHYS)
    assert raw.create_optimized_png(**store._oxipng_options()) == encoded
    kinds, at = [], 8  # the chunks of what png_bytes returns: the pixels and their resolution
    while at < len(encoded):
        (length,) = struct.unpack(">I", encoded[at : at + 4])
        kinds.append(encoded[at + 4 : at + 8])
        at += 12 + length
    assert set(kinds) == {b"IHDR", b"pHYs", b"IDAT", b"IEND"}

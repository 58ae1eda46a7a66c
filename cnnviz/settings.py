"""The site's own settings, ``extra.cnnviz`` in ``mkdocs.yml``, read and checked in one place.

Every key is checked when the configuration loads, as MkDocs checks its own options: a wrong
type or value stops the build in one line that names the key, the value and what is expected,
before anything is rendered. An unknown key is refused too, since a misspelt one would
otherwise be ignored without a word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CnnvizError

CONFIG = "mkdocs.yml"
CACHE_MAX_MB = 200.0
"""The cache's cap when ``extra.cnnviz.cache_max_mb`` is not set."""


@dataclass(frozen=True)
class Settings:
    """The checked settings of ``extra.cnnviz``.

    Attributes:
        gallery: Extra gallery images, paths relative to the folder of ``mkdocs.yml``.
        cache_max_mb: The figure cache's cap in megabytes, after each build.
    """

    gallery: tuple[str, ...] = ()
    cache_max_mb: float = CACHE_MAX_MB


def read_settings(extra: Mapping[str, Any]) -> Settings:
    """Read and check ``extra.cnnviz`` of a configuration.

    Args:
        extra: The configuration's ``extra`` mapping.

    Returns:
        The settings, each key's default where it is not set.

    Raises:
        CnnvizError: ``extra.cnnviz`` is not a mapping, holds an unknown key, or a key's
            value has the wrong type or is out of range; one line, naming ``mkdocs.yml``.
    """
    section = extra.get("cnnviz", {})
    if section is None:
        section = {}  # `cnnviz:` with nothing under it
    if not isinstance(section, Mapping):
        _refuse("extra.cnnviz", section, "a mapping of settings (gallery, cache_max_mb)")
    unknown = sorted(str(key) for key in section if key not in _READERS)
    if unknown:
        known = ", ".join(_READERS)
        raise CnnvizError(
            CONFIG, f"extra.cnnviz has no setting {unknown[0]!r} (its settings: {known})"
        )
    values = {key: read(section[key]) for key, read in _READERS.items() if key in section}
    return Settings(**values)


def _gallery(value: Any) -> tuple[str, ...]:
    expected = "a list of image paths (strings), e.g. [photos/cat.jpg]"
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        _refuse("extra.cnnviz.gallery", value, expected)
    return tuple(value)


def _cache_max_mb(value: Any) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        _refuse("extra.cnnviz.cache_max_mb", value, "a number of megabytes, 0 or more")
    return float(value)


def _refuse(key: str, value: Any, expected: str) -> None:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise CnnvizError(CONFIG, f"{key} must be {expected}, not {shown}")


_READERS = {"gallery": _gallery, "cache_max_mb": _cache_max_mb}

"""The sample images every page and the playground can use, listed and loaded by name.

The lesson's image is ``udacity_sdc``: the photograph of Udacity's original lesson, its
self-driving car seen from the front (``cnnviz/data/udacity_sdc.png``, 320 × 213, with the MIT
licence of Udacity's deep-learning-v2-pytorch repository in ``cnnviz/data/LICENSE-udacity.txt``).

Two scenes are drawn here, in plain numpy, so they are identical on every machine:

* ``road``: a road running to the horizon, with lane lines, hills and a sun: its geometry is
  known exactly (the lane lines' angle, the dashes' places), where the photo's is not.
* ``test_card``: vertical, horizontal and diagonal bars and a ring, so that each of the four
  lesson filters finds something, in both polarities.

The third sample is ``grace_hopper``, the public-domain photo that ships with matplotlib,
read from the installed matplotlib rather than copied into this project.

Drawn scenes are quantised to 8 bits, as if read from a PNG, so every sample is made of
values ``k / 255``. The playground uses every sample at full size (at most 512 px on the longer
side, as :func:`cnnviz.images.load_gray` reads a photo).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where a sample is drawn or loaded, not where it is listed
    import numpy as np
    from numpy.typing import NDArray

_DATA = Path(__file__).resolve().parent / "data"
_SUPERSAMPLE = 4  # edges are drawn at 4× and averaged down, so they are anti-aliased


def sample_names() -> list[str]:
    """List the samples, the lesson's image first.

    Returns:
        The names :func:`load_sample` accepts.
    """
    return ["udacity_sdc", *_DRAWN, "grace_hopper"]


def sample_path(name: str) -> Path | None:
    """Name the file a sample is read from.

    Args:
        name: One of :func:`sample_names`.

    Returns:
        The file's path, or ``None`` for a scene drawn by this module.

    Raises:
        KeyError: There is no sample of that name.
    """
    if name in _DRAWN:
        return None
    if name == "udacity_sdc":
        return _DATA / "udacity_sdc.png"
    if name == "grace_hopper":
        spec = importlib.util.find_spec("matplotlib")  # finds the package without importing it
        if spec is None or spec.origin is None:
            raise FileNotFoundError("grace_hopper: matplotlib, which ships the photo, is missing")
        return Path(spec.origin).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    raise KeyError(f"no sample named {name!r}; choose from {', '.join(sample_names())}")


def load_sample(name: str) -> NDArray[np.float32]:
    """Load a sample as a grayscale image, like :func:`cnnviz.images.load_gray`.

    Args:
        name: One of :func:`sample_names`.

    Returns:
        An ``(H, W)`` float32 array with values ``k / 255`` in [0, 1].
    """
    import numpy as np

    path = sample_path(name)
    if path is None:
        levels = _drawn(name)
    else:
        from .images import load_gray  # imported here so listing samples never loads OpenCV

        levels = np.round(load_gray(path) * 255).astype(np.uint8)  # exact: a sample is k / 255
    return (levels.astype(np.float32) / np.float32(255)).astype(np.float32)


def sample_file_name(name: str) -> str:
    """Name the file a sample is saved as beside a notebook, e.g. ``road.png``.

    Args:
        name: One of :func:`sample_names`.

    Returns:
        The file's name: a drawn scene as PNG, a photo under its own name.
    """
    path = sample_path(name)
    return f"{name}.png" if path is None else path.name


def sample_file(file_name: str) -> bytes:
    """The bytes of a sample's file, as a lesson's notebook reads it from ``images/``.

    Args:
        file_name: A name :func:`sample_file_name` gives, e.g. ``road.png``.

    Returns:
        A drawn scene encoded as an 8-bit grayscale PNG, or a photo's file as it is.

    Raises:
        KeyError: No sample is saved under that name.
    """
    for name in sample_names():
        if sample_file_name(name) != file_name:
            continue
        path = sample_path(name)
        if path is not None:
            return path.read_bytes()
        from .images import encode_png  # imported here so listing samples never loads OpenCV

        return encode_png(_drawn(name))
    raise KeyError(f"no sample is saved as {file_name!r}")


def draw_road(height: int = 288, width: int = 512) -> NDArray[np.uint8]:
    """Draw a road running to the horizon under hills and a sun.

    Args:
        height: Image height in pixels.
        width: Image width in pixels.

    Returns:
        An ``(height, width)`` uint8 image.
    """
    import numpy as np

    y, x = _grid(height, width)  # both in [0, 1), y down
    horizon = 0.42
    image = np.where(y < horizon, 0.9 - 0.35 * (horizon - y), 0.42)  # sky above, grass below
    hills = horizon - 0.07 - 0.05 * np.sin(9 * x) * np.cos(4 * x + 1)
    image = np.where((y >= hills) & (y < horizon), 0.58, image)
    image = np.where((x - 0.78) ** 2 + ((y - 0.16) * 0.5625) ** 2 < 0.045**2, 1.0, image)
    depth = np.clip((y - horizon) / (1 - horizon), 0, 1)  # 0 at the horizon, 1 at the bottom
    half_road = 0.02 + 0.46 * depth
    offset = np.abs(x - 0.5)
    image = np.where((y > horizon) & (offset < half_road), 0.2, image)
    edge_line = (y > horizon) & (np.abs(offset - 0.9 * half_road) < 0.004 + 0.012 * depth)
    dashes = np.sin(40 * np.log1p(8 * depth)) > 0.1
    centre_line = (y > horizon + 0.03) & (offset < 0.002 + 0.008 * depth) & dashes
    image = np.where(edge_line | centre_line, 0.95, image)
    return _finish(image)


def draw_test_card(size: int = 320) -> NDArray[np.uint8]:
    """Draw a test card with an edge of every orientation, each in both polarities.

    Args:
        size: Side of the square image in pixels.

    Returns:
        A ``(size, size)`` uint8 image.
    """
    import numpy as np

    y, x = _grid(size, size)
    image = np.full(y.shape, 0.5)
    image = np.where((x > 0.08) & (x < 0.2) & (y > 0.08) & (y < 0.92), 0.95, image)
    image = np.where((x > 0.8) & (x < 0.92) & (y > 0.08) & (y < 0.92), 0.05, image)
    image = np.where((y > 0.08) & (y < 0.2) & (x > 0.26) & (x < 0.74), 0.05, image)
    image = np.where((y > 0.8) & (y < 0.92) & (x > 0.26) & (x < 0.74), 0.95, image)
    diagonal = np.abs((x - 0.5) - (y - 0.5)) < 0.05
    image = np.where(diagonal & (x > 0.26) & (x < 0.74), 0.85, image)
    radius = np.hypot(x - 0.5, y - 0.5)
    image = np.where((radius > 0.16) & (radius < 0.22), 0.15, image)
    return _finish(image)


@functools.cache
def _drawn(name: str) -> NDArray[np.uint8]:
    # A scene is drawn once per process: drawing the road takes ~0.3 s, and a build loads it
    # for a dozen figures. The array is shared, so it is made read-only.
    levels = _DRAWN[name]()
    levels.setflags(write=False)
    return levels


def _grid(height: int, width: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    import numpy as np

    rows = (np.arange(height * _SUPERSAMPLE) + 0.5) / (height * _SUPERSAMPLE)
    cols = (np.arange(width * _SUPERSAMPLE) + 0.5) / (width * _SUPERSAMPLE)
    return np.meshgrid(rows, cols, indexing="ij")


def _finish(image: NDArray[np.float64]) -> NDArray[np.uint8]:
    import numpy as np

    height, width = image.shape[0] // _SUPERSAMPLE, image.shape[1] // _SUPERSAMPLE
    blocks = image.reshape(height, _SUPERSAMPLE, width, _SUPERSAMPLE).mean(axis=(1, 3))
    return np.round(blocks * 255).astype(np.uint8)


_DRAWN: dict[str, Callable[[], NDArray[np.uint8]]] = {
    "road": draw_road,
    "test_card": draw_test_card,
}

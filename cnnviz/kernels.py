"""The filters of the lesson and of the custom-filters page, and the one check every kernel passes.

Each constant is a read-only float32 array. In deep learning a "convolution" slides the kernel
over the image without flipping it (see :func:`cnnviz.layers.cross_correlate2d`), so a kernel
answers most strongly where the image looks like the kernel itself.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import KernelError
from .inputs import read_input

MAX_KERNEL_SIDE = 15
"""Largest kernel side accepted: bigger kernels blur more than they teach."""

MAX_FILTERS = 16
"""Most filters in one stack: the figures show one panel per filter."""

MAX_WEIGHT_SUM = 1e37
"""Largest sum of one filter's absolute values. On an image in [0, 1] its feature map then stays
within ±1e37, so every value the network and the figures compute from it, differences
included, is finite in float32 (whose largest value is about 3.4e38)."""

MAX_FILTER_FILE_BYTES = 1_000_000
"""Largest filter file read: 16 filters of 15×15 numbers fit in it many times over."""

_TOO_DEEP = "each filter must be 2-D; the JSON nests lists 4 or more deep"


def _constant(values: Any) -> NDArray[np.float32]:
    array = np.array(values, dtype=np.float32)
    array.flags.writeable = False
    return array


FILTER_VALS = _constant([[-1, -1, 1, 1]] * 4)
"""The lesson's ``filter_vals``: dark on the left, bright on the right::

    -1 -1 +1 +1
    -1 -1 +1 +1
    -1 -1 +1 +1
    -1 -1 +1 +1
"""

FILTER_1 = FILTER_VALS
"""f1 answers a vertical edge going from dark (left) to bright (right)::

    -1 -1 +1 +1
    -1 -1 +1 +1
    -1 -1 +1 +1
    -1 -1 +1 +1
"""

FILTER_2 = _constant(-FILTER_1)
"""f2 = -f1 answers a vertical edge going from bright (left) to dark (right)::

    +1 +1 -1 -1
    +1 +1 -1 -1
    +1 +1 -1 -1
    +1 +1 -1 -1
"""

FILTER_3 = _constant(FILTER_1.T)
"""f3 = f1ᵀ answers a horizontal edge going from dark (top) to bright (bottom)::

    -1 -1 -1 -1
    -1 -1 -1 -1
    +1 +1 +1 +1
    +1 +1 +1 +1
"""

FILTER_4 = _constant(-FILTER_3)
"""f4 = -f3 answers a horizontal edge going from bright (top) to dark (bottom)::

    +1 +1 +1 +1
    +1 +1 +1 +1
    -1 -1 -1 -1
    -1 -1 -1 -1
"""

LESSON_FILTERS = _constant([FILTER_1, FILTER_2, FILTER_3, FILTER_4])
"""The four lesson filters stacked: shape ``(4, 4, 4)``, in the order f1, f2, f3, f4."""

SOBEL_X = _constant([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
"""Sobel x: brightness rising from left to right, smoothed along the column::

    -1  0 +1
    -2  0 +2
    -1  0 +1
"""

SOBEL_Y = _constant(SOBEL_X.T)
"""Sobel y: brightness rising from top to bottom, smoothed along the row::

    -1 -2 -1
     0  0  0
    +1 +2 +1
"""

BOX_BLUR = _constant(np.full((3, 3), 1 / 9))
"""Box blur: the mean of the 3×3 neighbourhood, every weight 1/9::

    1/9 1/9 1/9
    1/9 1/9 1/9
    1/9 1/9 1/9
"""

SHARPEN = _constant([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
"""Sharpen: the pixel plus its difference from its four neighbours::

     0 -1  0
    -1 +5 -1
     0 -1  0
"""

IDENTITY = _constant([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
"""Identity: copies the centre pixel, so the output is the (cropped) input::

     0  0  0
     0 +1  0
     0  0  0
"""

LAPLACIAN = _constant([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
"""Laplacian: the second derivative, zero on flat areas and ramps, strong on thin lines::

     0 +1  0
    +1 -4 +1
     0 +1  0
"""

PRESETS: Mapping[str, NDArray[np.float32]] = {
    "f1": FILTER_1,
    "f2": FILTER_2,
    "f3": FILTER_3,
    "f4": FILTER_4,
    "sobel_x": SOBEL_X,
    "sobel_y": SOBEL_Y,
    "blur": BOX_BLUR,
    "sharpen": SHARPEN,
    "identity": IDENTITY,
    "laplacian": LAPLACIAN,
}
"""Every named kernel, for the playground's presets and the command line."""

FILTER_SETS: Mapping[str, NDArray[np.float32]] = {
    "lesson": LESSON_FILTERS,
    "sobel": _constant([SOBEL_X, SOBEL_Y]),
}
"""Named stacks of filters, as ``--filters`` on the command line accepts them."""


FILTER_LABELS: Mapping[str, list[str]] = {"sobel": ["$G_x$", "$G_y$"]}
"""Titles of the filters of a named stack in figures; any other stack's are f1 to fN."""


def weight_from(filters: Any, *, source: str = "filters") -> NDArray[np.float32]:
    """Check a stack of 2-D filters and shape it as a ``Conv2d`` weight.

    Args:
        filters: One 2-D filter or a stack of them (nested lists, an array or a tensor).
        source: Where the filters came from, named in error messages.

    Returns:
        A contiguous float32 array of shape ``(N, 1, kh, kw)``.

    Raises:
        KernelError: The filters are ragged, empty, non-numeric, non-finite, so large that
            their feature maps would overflow, or of a bad size.
    """
    stack = _as_stack(filters, source)  # (N, kh, kw)
    count, height, width = stack.shape
    if count > MAX_FILTERS:
        raise KernelError(source, f"{count} filters; at most {MAX_FILTERS} are shown")
    if not (height <= MAX_KERNEL_SIDE and width <= MAX_KERNEL_SIDE):
        raise KernelError(
            source,
            f"a {height}×{width} filter is too large; sides run from 1 to {MAX_KERNEL_SIDE}",
        )
    values = stack.astype(np.float64)
    if not np.isfinite(values).all() or np.abs(values).max() > np.finfo(np.float32).max:
        raise KernelError(source, "values must be finite numbers (found NaN, inf or overflow)")
    total = float(np.abs(values).sum(axis=(1, 2)).max())
    if total > MAX_WEIGHT_SUM:
        raise KernelError(
            source,
            f"a filter's values add up to {total:.3g} (in absolute value); above "
            f"{MAX_WEIGHT_SUM:.0e} its feature maps would overflow float32",
        )
    return np.ascontiguousarray(values[:, None], dtype=np.float32)  # (N, 1, kh, kw)


def parse_filters(spec: str, *, source: str = "--filters") -> NDArray[np.float32]:
    """Read a stack of filters given by name, as a JSON file, or as inline JSON.

    A name of :data:`FILTER_SETS` (``"lesson"``, ``"sobel"``) wins. Otherwise a ``spec`` that
    ends in ``.json`` or names an existing path is read as a JSON file, and anything else is
    parsed as JSON, e.g. ``"[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]"``. The JSON holds one 2-D
    filter or a list of them, made of numbers only: ``NaN``, ``Infinity``, ``true``, ``null``
    and strings are refused, as is every filter that :func:`weight_from` refuses.

    Args:
        spec: A set's name, a JSON file's path, or JSON text.
        source: What inline JSON is called in error messages; a file is named by its path.

    Returns:
        A float32 stack of shape ``(N, kh, kw)``.

    Raises:
        KernelError: The file is unreadable, the JSON is invalid, or the filters are bad; the
            message names the file or ``source``.
    """
    if spec in FILTER_SETS:
        return weight_from(FILTER_SETS[spec], source=spec)[:, 0]
    if not spec.strip():
        raise KernelError(source, "is empty; give lesson, sobel, a JSON file or inline JSON")
    if spec.lower().endswith(".json") or _exists(spec):
        source = spec
        values = _parse_json(_read_filter_file(Path(spec)), source, "not valid JSON")
    else:
        names = " or ".join(FILTER_SETS)
        values = _parse_json(spec, source, f"{spec[:30]!r} is not {names}, a file, or valid JSON")
    return weight_from(values, source=source)[:, 0]  # (N, kh, kw)


def _exists(spec: str) -> bool:
    try:
        return os.path.lexists(spec)  # a symlink loop exists too, and is then named as one
    except (OSError, ValueError):  # inline JSON can be too long, or odd, for a file name
        return False


def _read_filter_file(path: Path) -> bytes:
    try:  # looked at before it is opened, so a named pipe or /dev/zero never blocks or floods
        data = read_input(path, limit=MAX_FILTER_FILE_BYTES, error=KernelError, kind="JSON file")
    except FileNotFoundError:
        raise KernelError(path, "no such file") from None
    if not data.data.strip():
        raise KernelError(path, "empty file: expected JSON such as [[1, 0], [0, -1]]")
    return data.data


def _parse_json(text: str | bytes, source: str, invalid: str) -> Any:
    try:
        refuse = functools.partial(_refuse_constant, source)
        values = json.loads(text, parse_int=float, parse_constant=refuse)
    except KernelError:
        raise
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise KernelError(source, f"{invalid} ({error.msg} at {where})") from None
    except ValueError:  # bytes that are not UTF-8
        raise KernelError(source, f"{invalid}: the text is not UTF-8") from None
    except RecursionError:
        raise KernelError(source, _TOO_DEEP) from None
    _check_numbers(values, source)
    return values


def _refuse_constant(source: str, name: str) -> float:
    raise KernelError(source, f"values must be finite numbers, not {name}")


def _check_numbers(values: Any, source: str) -> None:
    # numpy would quietly take true as 1, and null or text as objects; name the first culprit.
    pending = [(values, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, list) and depth < 3:
            pending.extend((item, depth + 1) for item in reversed(value))
        elif isinstance(value, list):
            raise KernelError(source, _TOO_DEEP)
        elif isinstance(value, dict):
            raise KernelError(source, "values must be numbers, not a JSON object")
        elif not isinstance(value, float):  # parse_int=float made every number a float
            found = json.dumps(value, ensure_ascii=False)[:24]
            raise KernelError(source, f"values must be numbers, not {found}")


def _as_stack(filters: Any, source: str) -> NDArray[np.generic]:
    try:
        array = np.asarray(filters)
    except (ValueError, TypeError):  # numpy refuses nested lists of unequal lengths
        raise KernelError(
            source, "ragged: every filter must have the same shape, and every row the same length"
        ) from None
    if array.dtype.kind not in "iuf":
        raise KernelError(source, f"values must be numbers, not {_kind_name(array)}")
    if array.size == 0:
        raise KernelError(source, "empty: the filter has no values")
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 0:
        raise KernelError(source, "a single number is not a filter; give a 2-D grid of numbers")
    raise KernelError(source, f"each filter must be 2-D; got a {array.ndim}-D array")


def _kind_name(array: NDArray[np.generic]) -> str:
    names = {"b": "booleans", "c": "complex numbers", "U": "text", "S": "bytes", "O": "objects"}
    return names.get(array.dtype.kind, f"{array.dtype} values")

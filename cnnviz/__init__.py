"""cnnviz: see what a CNN's first layers do to an image.

The pipeline reads in module order::

    inputs   read_input         a user's file, checked before it is read, then read once
    images   load_gray          file -> (H, W) float32 in [0, 1]
    kernels  LESSON_FILTERS     the four 4×4 edge filters, weight_from() and parse_filters()
    layers   Net, run, Stages   conv -> ReLU -> 2×2 max pooling, in torch and in numpy
    figures  plot_*             arrays -> matplotlib Figure
    store    write_atomic, ...  the only writer to disk, and the figure cache
    cli      main               ``python -m cnnviz IMAGE``: prints the stages, saves figures

Names are loaded on first use, so ``import cnnviz`` is instant and pulls in neither torch nor
matplotlib until a name that needs them is touched.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import CnnvizError, ImageError, KernelError
    from .images import MAX_SIDE, decode_gray, load_gray
    from .kernels import FILTER_SETS, LESSON_FILTERS, PRESETS, parse_filters, weight_from
    from .layers import Net, Stages, cross_correlate2d, max_pool2d, relu, run, run_reference
    from .samples import load_sample, sample_names

# torch, MKL and oneDNN each choose their CPU kernels by the instruction sets the processor has,
# and kernels of different widths add in a different order. Trained for ten epochs, the train
# lesson's logit for its first test image is 5.4730 with AVX2 kernels and 5.4761 with ATen's
# plain ones, on one machine (2026-12-06). The machines that built the site before printed 5.48
# where this AMD EPYC, with AVX2 and no AVX-512, printed 5.47. The pages quote what the code
# prints, so every process that imports cnnviz before its first torch operation uses the AVX2
# kernels, which every x86-64 machine that builds this site has. They cost nothing measurable
# here (train lesson 9.2 to 11.8 s either way); a value already in the environment wins.
CPU_KERNELS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
for _name, _value in CPU_KERNELS.items():
    os.environ.setdefault(_name, _value)

_EXPORTS = {
    "CnnvizError": "errors",
    "ImageError": "errors",
    "KernelError": "errors",
    "MAX_SIDE": "images",
    "decode_gray": "images",
    "load_gray": "images",
    "FILTER_SETS": "kernels",
    "LESSON_FILTERS": "kernels",
    "PRESETS": "kernels",
    "parse_filters": "kernels",
    "weight_from": "kernels",
    "Net": "layers",
    "Stages": "layers",
    "cross_correlate2d": "layers",
    "max_pool2d": "layers",
    "relu": "layers",
    "run": "layers",
    "run_reference": "layers",
    "load_sample": "samples",
    "sample_names": "samples",
}

__all__ = [
    "CnnvizError",
    "FILTER_SETS",
    "ImageError",
    "KernelError",
    "LESSON_FILTERS",
    "MAX_SIDE",
    "Net",
    "PRESETS",
    "Stages",
    "cross_correlate2d",
    "decode_gray",
    "load_gray",
    "load_sample",
    "max_pool2d",
    "parse_filters",
    "relu",
    "run",
    "run_reference",
    "sample_names",
    "weight_from",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'cnnviz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

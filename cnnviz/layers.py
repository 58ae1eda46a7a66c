"""The lesson's network in PyTorch, and a plain numpy version of each layer to read beside it.

:class:`Net` is the fast path the site uses. :func:`cross_correlate2d`, :func:`relu` and
:func:`max_pool2d` say the same thing in a few lines of numpy; the tests hold the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from torch import nn

from .errors import ImageError, KernelError
from .kernels import weight_from


class Net(nn.Module):
    """One convolution with fixed weights, then ReLU, then 2×2 max pooling."""

    def __init__(self, weight: torch.Tensor | NDArray[np.float32]) -> None:
        super().__init__()
        weight = torch.tensor(np.asarray(weight), dtype=torch.float32)  # (N, 1, kh, kw), a copy
        if weight.ndim != 4 or weight.shape[1] != 1:
            raise KernelError("weight", f"expected shape (N, 1, kh, kw), got {tuple(weight.shape)}")
        count, _, k_height, k_width = weight.shape
        self.conv = nn.Conv2d(1, count, kernel_size=(k_height, k_width), bias=False)
        self.conv.weight = nn.Parameter(weight)
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        conv_x = self.conv(x)  # (B, N, H-kh+1, W-kw+1)
        activated_x = F.relu(conv_x)  # (B, N, H-kh+1, W-kw+1)
        pooled_x = self.pool(activated_x)  # (B, N, (H-kh+1)//2, (W-kw+1)//2)
        return conv_x, activated_x, pooled_x


@dataclass(frozen=True)
class Stages:
    """What each layer of :class:`Net` outputs for one image, as float32 arrays.

    Attributes:
        conv: The feature maps before activation, ``(N, H-kh+1, W-kw+1)``.
        relu: The same maps after ReLU, same shape.
        pooled: The maps after 2×2 max pooling, ``(N, (H-kh+1)//2, (W-kw+1)//2)``.
    """

    conv: NDArray[np.float32]
    relu: NDArray[np.float32]
    pooled: NDArray[np.float32]


def run(image: NDArray[np.floating], filters: Any, *, source: str = "image") -> Stages:
    """Pass one grayscale image through :class:`Net` built from ``filters``.

    Args:
        image: An ``(H, W)`` array, as :func:`cnnviz.images.load_gray` returns it.
        filters: One 2-D filter or a stack of them; see :func:`cnnviz.kernels.weight_from`.
        source: Where the image came from, named in error messages.

    Returns:
        The output of the convolution, the ReLU and the max pooling, one map per filter.

    Raises:
        ImageError: The image is not 2-D or is too small for the kernel and the pooling.
        KernelError: The filters are invalid.
    """
    weight = weight_from(filters)  # (N, 1, kh, kw)
    pixels = _checked_image(image, weight.shape[2:], source)  # (H, W)
    model = Net(weight)
    with torch.no_grad():
        conv_x, activated_x, pooled_x = model(torch.from_numpy(pixels)[None, None])
    return Stages(conv=conv_x[0].numpy(), relu=activated_x[0].numpy(), pooled=pooled_x[0].numpy())


def run_reference(image: NDArray[np.floating], filters: Any) -> Stages:
    """Compute the same stages as :func:`run` with the numpy reference layers.

    Args:
        image: An ``(H, W)`` array.
        filters: One 2-D filter or a stack of them.

    Returns:
        The three stages, computed in float64 and returned as float32.
    """
    weight = weight_from(filters)[:, 0]  # (N, kh, kw)
    pixels = _checked_image(image, weight.shape[1:], "image").astype(np.float64)
    conv = np.stack([cross_correlate2d(pixels, kernel) for kernel in weight])
    activated = relu(conv)
    return Stages(
        conv=conv.astype(np.float32),
        relu=activated.astype(np.float32),
        pooled=max_pool2d(activated).astype(np.float32),
    )


def cross_correlate2d(image: NDArray[np.floating], kernel: NDArray[np.floating]) -> NDArray:
    """Slide ``kernel`` over ``image`` and sum the element-wise products at each place.

    This is what deep learning calls a convolution. Strictly it is a cross-correlation: the
    kernel is not flipped, so ``out[i, j] = sum over (u, v) of image[i+u, j+v] * kernel[u, v]``.
    Only the "valid" positions, where the kernel fits inside the image, are computed.

    Args:
        image: An ``(H, W)`` array.
        kernel: A ``(kh, kw)`` array, no larger than the image.

    Returns:
        An ``(H-kh+1, W-kw+1)`` array.
    """
    windows = sliding_window_view(image, kernel.shape)  # (H-kh+1, W-kw+1, kh, kw)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def relu(x: NDArray[np.floating]) -> NDArray:
    """Keep positive values and set negative ones to zero: ``max(x, 0)``.

    Args:
        x: Any array.

    Returns:
        An array of the same shape, with no negative value.
    """
    return np.maximum(x, 0)


def max_pool2d(x: NDArray[np.floating], size: int = 2) -> NDArray:
    """Keep the largest value of each ``size``×``size`` block; the stride equals the size.

    A last row or column that does not fill a whole block is dropped, as in ``nn.MaxPool2d``.

    Args:
        x: An array whose last two axes are ``(H, W)``.
        size: The block side, which is also the stride.

    Returns:
        An array whose last two axes are ``(H // size, W // size)``.
    """
    height, width = x.shape[-2] // size * size, x.shape[-1] // size * size
    blocks = x[..., :height, :width].reshape(
        *x.shape[:-2], height // size, size, width // size, size
    )  # (..., H/size, size, W/size, size)
    return blocks.max(axis=(-3, -1))


def _checked_image(
    image: NDArray[np.floating], kernel_shape: tuple[int, ...], source: str
) -> NDArray[np.float32]:
    pixels = np.asarray(image)
    if pixels.ndim != 2 or pixels.dtype.kind not in "iuf":
        raise ImageError(source, f"expected a 2-D grayscale array, got shape {pixels.shape}")
    (height, width), (k_height, k_width) = pixels.shape, kernel_shape
    if height < k_height or width < k_width:
        raise ImageError(
            source, f"the {height}×{width} image is smaller than the {k_height}×{k_width} kernel"
        )
    if height < k_height + 1 or width < k_width + 1:
        raise ImageError(
            source,
            f"the {height}×{width} image is too small for a {k_height}×{k_width} kernel and 2×2 "
            f"pooling: it needs at least {k_height + 1}×{k_width + 1} pixels",
        )
    return np.ascontiguousarray(pixels, dtype=np.float32)

"""The network and its numpy reference: three independent computations that must agree."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cnnviz import layers
from cnnviz.errors import ImageError
from cnnviz.kernels import LESSON_FILTERS, weight_from

NET_REPR = """Net(
  (conv): Conv2d(1, 4, kernel_size=(4, 4), stride=(1, 1), bias=False)
  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
)"""


@st.composite
def image_and_kernel(draw):
    """A random image in [0, 1] and a kernel that fits in it, square or not, odd or even."""
    k_height, k_width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    height, width = draw(st.integers(k_height + 1, 24)), draw(st.integers(k_width + 1, 24))
    unit = st.floats(0, 1, width=32)
    image = draw(arrays(np.float32, (height, width), elements=unit))
    kernel = draw(arrays(np.float32, (k_height, k_width), elements=st.floats(-1, 1, width=32)))
    return image, kernel


def filter2d_valid(image, kernel):
    """OpenCV's filter2D anchored at the kernel's top-left corner, cropped to the valid part."""
    k_height, k_width = kernel.shape
    full = cv2.filter2D(
        image.astype(np.float64),
        cv2.CV_64F,
        kernel.astype(np.float64),
        anchor=(0, 0),
        borderType=cv2.BORDER_CONSTANT,
    )
    return full[: image.shape[0] - k_height + 1, : image.shape[1] - k_width + 1]


def test_net_prints_exactly_as_the_lesson():
    """print(Net(weight_from(LESSON_FILTERS))) shows the conv and the pool layers."""
    assert repr(layers.Net(weight_from(LESSON_FILTERS))) == NET_REPR


def test_net_carries_the_given_weights_without_bias():
    """The conv layer holds the filters as given, and has no bias."""
    net = layers.Net(weight_from(LESSON_FILTERS))
    np.testing.assert_array_equal(net.conv.weight.detach().numpy()[:, 0], LESSON_FILTERS)
    assert net.conv.bias is None


def test_d2l_fixture():
    """X = [[0,1,2],[3,4,5],[6,7,8]] with K = [[0,1],[2,3]] gives [[19,25],[37,43]]."""
    image = np.arange(9, dtype=np.float64).reshape(3, 3)
    kernel = np.array([[0.0, 1.0], [2.0, 3.0]])
    expected = [[19, 25], [37, 43]]
    np.testing.assert_array_equal(layers.cross_correlate2d(image, kernel), expected)
    np.testing.assert_array_equal(layers.run(image, kernel).conv[0], expected)
    np.testing.assert_array_equal(filter2d_valid(image.astype(np.float32), kernel), expected)


@given(image_and_kernel())
def test_numpy_equals_torch_equals_opencv(case):
    """The numpy reference, torch's Net and cv2.filter2D give the same conv, to 1e-5.

    The tolerance is relative as well as absolute: float32 sums of up to 49 terms carry
    rounding in proportion to their size.
    """
    image, kernel = case
    reference = layers.cross_correlate2d(image.astype(np.float64), kernel.astype(np.float64))
    np.testing.assert_allclose(layers.run(image, kernel).conv[0], reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(filter2d_valid(image, kernel), reference, rtol=1e-5, atol=1e-5)


@given(image_and_kernel())
def test_reference_pipeline_equals_torch_pipeline(case):
    """ReLU and pooling agree between run and run_reference too."""
    image, kernel = case
    fast, slow = layers.run(image, kernel), layers.run_reference(image, kernel)
    for stage in ("conv", "relu", "pooled"):
        np.testing.assert_allclose(getattr(fast, stage), getattr(slow, stage), rtol=1e-5, atol=1e-5)


@given(image_and_kernel(), st.integers(1, 3))
def test_shape_laws(case, count):
    """conv and relu are (N, H-kh+1, W-kw+1); pooled is (N, ⌊·/2⌋, ⌊·/2⌋); all float32."""
    image, kernel = case
    (height, width), (k_height, k_width) = image.shape, kernel.shape
    stages = layers.run(image, np.stack([kernel] * count))
    conv_shape = (count, height - k_height + 1, width - k_width + 1)
    assert stages.conv.shape == stages.relu.shape == conv_shape
    assert stages.pooled.shape == (count, conv_shape[1] // 2, conv_shape[2] // 2)
    assert {a.dtype for a in (stages.conv, stages.relu, stages.pooled)} == {np.dtype(np.float32)}


@given(
    arrays(
        np.float64, st.tuples(st.integers(1, 9), st.integers(1, 9)), elements=st.floats(-100, 100)
    )
)
def test_relu_is_non_negative_idempotent_and_keeps_positives(x):
    """ReLU(x) >= 0, ReLU(ReLU(x)) = ReLU(x), and positive values pass unchanged."""
    out = layers.relu(x)
    assert (out >= 0).all()
    np.testing.assert_array_equal(layers.relu(out), out)
    np.testing.assert_array_equal(out[x > 0], x[x > 0])


@given(
    arrays(
        np.float64, st.tuples(st.integers(2, 12), st.integers(2, 12)), elements=st.floats(-100, 100)
    )
)
def test_pooling_never_invents_a_value(x):
    """Each pooled value is the maximum of its own 2×2 block of the input."""
    pooled = layers.max_pool2d(x)
    for (row, col), value in np.ndenumerate(pooled):
        block = x[2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
        assert value in block
        assert value == block.max()


@given(image_and_kernel(), st.floats(-3, 3), st.floats(-3, 3))
def test_conv_is_linear_in_the_kernel(case, a, b):
    """conv(x, a·k1 + b·k2) = a·conv(x, k1) + b·conv(x, k2)."""
    image, first = case
    second = np.flipud(first).copy()
    combined = layers.run(image, a * first + b * second).conv
    separate = a * layers.run(image, first).conv + b * layers.run(image, second).conv
    np.testing.assert_allclose(combined, separate, atol=1e-4)


def step_image(vertical: bool, rising: bool, size: int = 12, edge: int = 6) -> np.ndarray:
    """0 before the edge and 1 after it (or the reverse), along columns or rows."""
    ramp = (np.arange(size) >= edge).astype(np.float32)
    ramp = ramp if rising else 1 - ramp
    return np.tile(ramp, (size, 1)) if vertical else np.tile(ramp[:, None], (1, size))


@pytest.mark.parametrize(
    ("vertical", "rising", "answering"),
    [(True, True, 0), (True, False, 1), (False, True, 2), (False, False, 3)],
)
def test_each_lesson_filter_finds_its_own_edge(vertical, rising, answering):
    """On a step edge, one filter gives +8 in a line at the edge; its opposite gives -8."""
    image = step_image(vertical, rising)
    conv = layers.run(image, LESSON_FILTERS).conv
    for index, feature_map in enumerate(conv):
        line = feature_map[:, 4] if vertical else feature_map[4, :]  # window at edge - 2
        if index == answering:
            assert feature_map.max() == 8
            assert (line == 8).all()
        elif index == answering ^ 1:
            assert feature_map.min() == -8
        else:
            assert not feature_map.any()  # the perpendicular filters see nothing


def test_f1_answers_only_at_the_edge():
    """f1's response on a dark-to-bright vertical edge is 4, 8, 4 across it and 0 elsewhere."""
    conv = layers.run(step_image(vertical=True, rising=True), LESSON_FILTERS).conv[0]
    np.testing.assert_array_equal(conv[0], [0, 0, 0, 4, 8, 4, 0, 0, 0])


def test_run_computes_without_gradients(monkeypatch):
    """run() calls the network under torch.no_grad()."""
    seen = []
    forward = layers.Net.forward

    def spy(self, x):
        seen.append(torch.is_grad_enabled())
        return forward(self, x)

    monkeypatch.setattr(layers.Net, "forward", spy)
    layers.run(np.zeros((8, 8), np.float32), LESSON_FILTERS)
    assert seen == [False]


@pytest.mark.parametrize(("shape", "problem"), [((3, 3), "smaller than"), ((4, 9), "too small")])
def test_image_too_small_for_the_kernel(shape, problem):
    """An image smaller than the kernel, or with no room to pool, is refused by name."""
    with pytest.raises(ImageError, match=problem) as caught:
        layers.run(np.zeros(shape), LESSON_FILTERS, source="tiny.png")
    assert str(caught.value).startswith("tiny.png: ")


def test_run_refuses_a_colour_array():
    """A 3-D array is not a grayscale image."""
    with pytest.raises(ImageError, match="2-D"):
        layers.run(np.zeros((8, 8, 3)), LESSON_FILTERS)

"""The lesson's filters and the checks every kernel passes."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from cnnviz import kernels
from cnnviz.errors import KernelError


def test_lesson_filters_are_built_from_filter_vals():
    """f1 is filter_vals, f2 = -f1, f3 = f1 transposed and f4 = -f3, stacked as (4, 4, 4)."""
    f1, f2, f3, f4 = kernels.LESSON_FILTERS
    assert kernels.LESSON_FILTERS.shape == (4, 4, 4)
    np.testing.assert_array_equal(kernels.FILTER_VALS, [[-1, -1, 1, 1]] * 4)
    np.testing.assert_array_equal(f1, kernels.FILTER_VALS)
    np.testing.assert_array_equal(f2, -f1)
    np.testing.assert_array_equal(f3, f1.T)
    np.testing.assert_array_equal(f4, -f3)


def test_classic_kernels_have_their_textbook_values():
    """Sobel, blur, sharpen, identity and Laplacian hold the usual 3×3 weights."""
    np.testing.assert_array_equal(kernels.SOBEL_X, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.SOBEL_Y, kernels.SOBEL_X.T)
    assert kernels.BOX_BLUR.sum() == pytest.approx(1.0)
    assert kernels.SHARPEN.sum() == 1
    assert kernels.IDENTITY.sum() == 1
    assert kernels.IDENTITY[1, 1] == 1
    assert kernels.LAPLACIAN.sum() == 0
    assert kernels.LAPLACIAN[1, 1] == -4


def test_constants_are_read_only():
    """A kernel constant cannot be changed by accident."""
    with pytest.raises(ValueError, match="read-only"):
        kernels.FILTER_1[0, 0] = 5


@pytest.mark.parametrize(
    "name",
    ["FILTER_1", "FILTER_2", "FILTER_3", "FILTER_4", "SOBEL_X", "SOBEL_Y", "SHARPEN", "LAPLACIAN"],
)
def test_each_filter_docstring_draws_its_weights(name):
    """The docstring of each filter draws its grid, row by row, with the signs of the weights."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(kernels))
    docs = {
        node.targets[0].id: following.value.value
        for node, following in zip(tree.body, tree.body[1:], strict=False)
        if isinstance(node, ast.Assign) and isinstance(following, ast.Expr)
    }
    drawn = [line.split() for line in docs[name].splitlines() if line.startswith("    ")]
    weights = getattr(kernels, name)
    assert [[float(cell) for cell in row] for row in drawn] == weights.tolist()


def test_weight_from_shapes_a_stack_as_conv_weight():
    """A (N, kh, kw) stack becomes a contiguous float32 (N, 1, kh, kw) array."""
    weight = kernels.weight_from(kernels.LESSON_FILTERS)
    assert weight.shape == (4, 1, 4, 4)
    assert weight.dtype == np.float32
    assert weight.flags.c_contiguous


def test_weight_from_accepts_one_2d_filter_lists_and_tensors():
    """One filter, nested lists and tensors are all accepted; non-square sizes too."""
    assert kernels.weight_from([[1, 2, 3]]).shape == (1, 1, 1, 3)
    assert kernels.weight_from(torch.ones(2, 5, 2)).shape == (2, 1, 5, 2)
    assert kernels.weight_from(np.ones((1, 1), dtype=np.int64)).dtype == np.float32


@pytest.mark.parametrize(
    ("filters", "problem"),
    [
        ([[1, 2], [3]], "ragged"),
        ([[[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]]], "ragged"),
        ([[1.0, float("nan")], [0, 1]], "finite"),
        ([[1.0, float("inf")], [0, 1]], "finite"),
        ([[1e300, 0], [0, 1]], "finite"),
        ([], "empty"),
        ([[]], "empty"),
        (3.0, "single number"),
        ([1, 2, 3], "2-D"),
        (np.ones((2, 2, 2, 2)), "2-D"),
        (np.ones((16, 16)), "too large"),
        (np.ones((3, 16)), "too large"),
        ([["a", "b"], ["c", "d"]], "numbers"),
        ([[True, False], [False, True]], "numbers"),
        ([[1, None], [0, 1]], "numbers"),
        (np.ones((17, 3, 3)), "at most"),
    ],
)
def test_weight_from_refuses_bad_filters(filters, problem):
    """A bad kernel raises KernelError, a ValueError, with one line naming source and problem."""
    with pytest.raises(KernelError, match=problem) as caught:
        kernels.weight_from(filters, source="my.json")
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith("my.json: ")
    assert "\n" not in message


@pytest.mark.parametrize("side", [1, 2, 7, 15])
def test_weight_from_accepts_every_size_up_to_15(side):
    """Sizes from 1×1 to 15×15 are valid."""
    assert kernels.weight_from(np.ones((side, side))).shape == (1, 1, side, side)


@pytest.mark.parametrize("name", list(kernels.FILTER_SETS))
def test_parse_filters_names_a_filter_set(name):
    """A set's name gives that stack, as a fresh float32 (N, kh, kw) array."""
    stack = kernels.parse_filters(name)
    np.testing.assert_array_equal(stack, kernels.FILTER_SETS[name])
    assert stack.dtype == np.float32
    assert stack.flags.writeable


def test_parse_filters_reads_inline_json_and_files(tmp_path):
    """Inline JSON and a JSON file of the same filters give the same stack; ints become floats."""
    text = "[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]"
    path = tmp_path / "sobel.json"
    path.write_text(text)
    np.testing.assert_array_equal(kernels.parse_filters(text), [kernels.SOBEL_X])
    np.testing.assert_array_equal(kernels.parse_filters(str(path)), [kernels.SOBEL_X])


def test_parse_filters_names_the_source(tmp_path):
    """Inline JSON is named by ``source``; a file by its path."""
    with pytest.raises(KernelError, match=r"^filters box: ragged"):
        kernels.parse_filters("[[1], [2, 3]]", source="filters box")
    path = tmp_path / "bad.json"
    path.write_text("[[1], [2, 3]]")
    with pytest.raises(KernelError, match=rf"^{re.escape(str(path))}: ragged"):
        kernels.parse_filters(str(path), source="filters box")

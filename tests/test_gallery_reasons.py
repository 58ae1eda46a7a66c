"""The reasons the gallery's pages give, shown on the samples they are given for."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz import kernels, layers, samples


def _visible_share(maps: np.ndarray, limit: float) -> float:
    """The share of values drawn at a tenth or more of the colour range's half-width."""
    return float((np.abs(maps) >= 0.1 * limit).mean())


def _gain(name: str) -> float:
    conv = np.abs(layers.run(samples.load_sample(name), kernels.LESSON_FILTERS).conv)
    robust = _visible_share(conv, float(np.percentile(conv, 99.5)))
    return robust / _visible_share(conv, float(conv.max()))


@pytest.mark.parametrize("name", ["udacity_sdc", "grace_hopper"])
def test_clipping_shows_a_photos_fine_texture(name):
    """A photo's maps hold faint texture under a few strong edges: clipping the colour range
    at the 99.5th percentile shows at least 1.4 times as many of its values."""
    assert _gain(name) >= 1.4


@pytest.mark.parametrize("name", ["road", "test_card"])
def test_clipping_does_little_for_a_drawn_scene(name):
    """A drawn scene is flat between its edges: clipping shows at most 1.3 times as many."""
    assert _gain(name) < 1.3

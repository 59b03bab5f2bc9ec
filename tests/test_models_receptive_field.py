"""Receptive fields: the formula against gradients, VGG-16's known field, DeepFix's layers."""

from __future__ import annotations

import numpy as np
import pytest

from saliency_course.models import build_model
from saliency_course.models.receptive_field import gradient_field, receptive_field


def extent(field: np.ndarray) -> int:
    rows, cols = np.nonzero(field)
    assert np.ptp(rows) == np.ptp(cols)
    return int(np.ptp(rows)) + 1


@pytest.mark.parametrize("seed", range(6))
def test_formula_agrees_with_the_gradient_of_random_stacks(seed):
    rng = np.random.default_rng(seed)
    layers = [
        (int(rng.choice([1, 2, 3, 5])), int(rng.choice([1, 1, 2])), int(rng.choice([1, 2, 3])))
        for _ in range(int(rng.integers(1, 7)))
    ]
    size = receptive_field(layers)
    assert extent(gradient_field(layers, 2 * size + 9)) == size


def test_vgg16_conv5_3_sees_196_pixels_and_pool5_212():
    """Known values (e.g. Araujo, Norris & Sim, Distill 2019): 13 3x3 convs, 2x2 pools."""
    block = [(3, 1, 1)]
    vgg = block * 2 + [(2, 2, 1)] + block * 2 + [(2, 2, 1)] + block * 3 + [(2, 2, 1)]
    vgg += block * 3 + [(2, 2, 1)] + block * 3
    assert receptive_field(vgg) == 196
    assert receptive_field([*vgg, (2, 2, 1)]) == 212


def test_three_dilated_3x3_convolutions_span_1_plus_6d():
    for dilation in (1, 2, 6):
        assert receptive_field([(3, 1, dilation)] * 3) == 1 + 6 * dilation
        assert extent(gradient_field([(3, 1, dilation)] * 3, 45)) == 1 + 6 * dilation


def test_deepfix_geometry_is_read_from_its_modules():
    model = build_model("deepfix", pretrained=False)
    layers = model.geometry()
    assert [name for name, *_ in layers][-6:] == [
        "conv5_3", "inception6", "inception7", "lbc8", "lbc9", "conv10"
    ]  # fmt: skip
    assert dict((n, (k, s, d)) for n, k, s, d in layers)["lbc8"] == (5, 1, 6)
    assert sum(name.startswith("pool") for name, *_ in layers) == 3  # no pool4
    # worked by hand in the module docstring: 188 px after conv5_3, 700 px after conv10
    assert receptive_field([g[1:] for g in model.geometry("conv5_3")]) == 188
    assert receptive_field([g[1:] for g in layers]) == 700
    with pytest.raises(ValueError, match="upto must be one of"):
        model.geometry("pool4")


def test_bad_layers():
    with pytest.raises(ValueError, match="at least one"):
        receptive_field([])
    with pytest.raises(ValueError, match="positive ints"):
        receptive_field([(3, 0, 1)])
    with pytest.raises(ValueError, match=r"layers\[1\] must be"):
        receptive_field([(3, 1, 1), (3, 1)])
    with pytest.raises(ValueError, match="too small"):
        gradient_field([(2, 2, 1)] * 4, 8)

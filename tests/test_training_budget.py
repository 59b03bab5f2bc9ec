"""Training-cost arithmetic: FLOP counts worked out by hand, and the T4 minutes they imply."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from saliency_course.models import build_model
from saliency_course.training.budget import (
    T4_TFLOPS,
    adversarial_flops,
    forward_flops,
    t4_minutes,
    training_flops,
)

# Conv2d(3, 4, 3x3) on 5 x 6 pixels: 2 * (3 * 3 * 3) * 4 * 30 = 6,480 FLOPs per pass.
CONV = 2 * 27 * 4 * 30
# Conv2d(4, 2, 1x1) on the same grid: 2 * 4 * 2 * 30 = 480.
POINTWISE = 2 * 4 * 2 * 30


def _two_layers() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 2, 1))


def test_flops_of_a_small_net_by_hand():
    net = _two_layers()
    assert forward_flops(net, (5, 6)) == CONV + POINTWISE
    # backward: the 1x1 layer's weight and input gradients, then the first layer's weights
    assert training_flops(net, (5, 6)) == CONV + POINTWISE + 2 * POINTWISE + CONV
    net[0].requires_grad_(False)  # a frozen first layer needs no gradient at all
    assert training_flops(net, (5, 6)) == CONV + POINTWISE + POINTWISE
    assert next(net.parameters()).device.type == "cpu", "the caller's model is left alone"


def test_salnet_counts_match_its_layer_table():
    # SalNet at 240 x 320: the convolutions of models/salnet.py, sizes 240x320, 120x160, 60x80
    macs = 7 * 7 * 3 * 96 * 240 * 320 + 5 * 5 * 96 * 256 * 120 * 160
    macs += sum(k * k * i * o * 60 * 80 for i, o, k in [
        (256, 512, 3), (512, 512, 5), (512, 512, 5), (512, 256, 7), (256, 128, 11),
        (128, 32, 11), (32, 1, 13),
    ])  # fmt: skip
    macs += 8 * 8 * 60 * 80  # the 8x8 transposed convolution spreads each of 60x80 inputs
    model = build_model("salnet", pretrained=False)
    assert forward_flops(model, (240, 320)) == pytest.approx(2 * macs, rel=1e-9)
    assert training_flops(model, (240, 320)) > 2.5 * forward_flops(model, (240, 320))


def test_salgan_stage_two_costs_less_per_image_than_stage_one():
    generator = build_model("salgan", pretrained=False)
    discriminator = build_model("salgan_discriminator", pretrained=False)
    stage1 = training_flops(generator, (192, 256))
    stage2 = adversarial_flops(generator, discriminator, (192, 256))
    forward = forward_flops(generator, (192, 256))
    # half the updates train the generator (its forward and backward), half only run it forward
    assert forward < stage2 < stage1
    assert stage2 == pytest.approx((stage1 + forward) / 2, rel=0.02)  # the discriminator is small


def test_t4_minutes():
    assert T4_TFLOPS == (5.0, 10.0)
    assert t4_minutes(6e14) == pytest.approx((1.0, 2.0))
    assert t4_minutes(6e14, tflops=(1, 1)) == pytest.approx((10.0, 10.0))


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: t4_minutes(1e12, tflops=(10, 5)), "tflops"),
        (lambda: t4_minutes(-1.0), "flops"),
        (lambda: forward_flops(nn.Conv2d(3, 1, 1), (0, 4)), "input_size"),
    ],
)
def test_bad_input_raises(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_counting_runs_on_meta_tensors_only():
    net = _two_layers()
    before = [p.detach().clone() for p in net.parameters()]
    training_flops(net, (5, 6))
    assert all(p.grad is None for p in net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))

"""How long a training run takes on a GPU we did not have: arithmetic, stated as an estimate.

The notebooks promise "Train it yourself" runs that fit in 30 minutes on a Colab
T4. Without a T4 to time them, the course estimates from the arithmetic:
:func:`training_flops` counts the floating-point operations of one training
image (forward and backward, frozen layers left out as autograd leaves them),
:func:`forward_flops` those of one prediction, :func:`adversarial_flops` the
mean cost per image of SalGAN's alternating generator and discriminator
updates. They run the model on PyTorch's ``meta`` device under
:class:`torch.utils.flop_counter.FlopCounterMode`, so nothing is computed and
the count takes a fraction of a second on a CPU. :func:`t4_minutes` turns a
count into a range of minutes at :data:`T4_TFLOPS`.

The throughput is an assumption, not a measurement: NVIDIA's DeepLearningExamples
(``PyTorch/Classification/ConvNets/resnet50v1.5/README.md``) report 1,190
images/s for ResNet-50 inference on a T4 with mixed precision at batch 128,
about 9.7 TFLOPS at ResNet-50's 8.2 GFLOP per 224 x 224 image (counted the
same way). We take 10 TFLOPS as the best case and half of it for small batches
and the large kernels of these nets. Data loading, the first epoch's image
decoding and Python overhead are not counted.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["T4_TFLOPS", "adversarial_flops", "forward_flops", "t4_minutes", "training_flops"]

#: Sustained mixed-precision throughput assumed for a T4, (low, high) in TFLOPS.
T4_TFLOPS = (5.0, 10.0)


def _on_meta(module: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(module).to("meta")


def _size(input_size: Sequence[int]) -> tuple[int, int]:
    size = tuple(int(v) for v in input_size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"input_size must be (H, W) with positive sizes, got {input_size!r}")
    return size


def _count(step) -> float:
    with FlopCounterMode(display=False) as counter:
        step()
    return float(counter.get_total_flops())


def forward_flops(model: torch.nn.Module, input_size: Sequence[int]) -> float:
    """FLOPs of one forward pass on one ``(H, W)`` image (multiply and add count as two)."""
    net, (h, w) = _on_meta(model), _size(input_size)
    with torch.no_grad():
        return _count(lambda: net(torch.empty(1, 3, h, w, device="meta")))


def training_flops(model: torch.nn.Module, input_size: Sequence[int]) -> float:
    """FLOPs of one training image: forward plus backward through the trainable layers."""
    net, (h, w) = _on_meta(model), _size(input_size)
    net.train()

    def step():
        net(torch.empty(1, 3, h, w, device="meta")).sum().backward()

    return _count(step)


def adversarial_flops(
    generator: torch.nn.Module, discriminator: torch.nn.Module, input_size: Sequence[int]
) -> float:
    """Mean FLOPs per image of SalGAN's stage 2, whose updates alternate between the players.

    A generator update runs the generator forward and backward through the
    discriminator's verdict on the generated map; a discriminator update runs
    the generator forward only, then the discriminator forward and backward on
    the real and the generated pair of each image.
    """
    g, d, (h, w) = _on_meta(generator), _on_meta(discriminator), _size(input_size)
    image = torch.empty(1, 3, h, w, device="meta")

    def generator_step():
        d(image, g(image)).sum().backward()

    def discriminator_step():
        with torch.no_grad():
            fake = g(image)
        real = torch.empty_like(fake)
        d(torch.cat([image, image]), torch.cat([real, fake])).sum().backward()

    return (_count(generator_step) + _count(discriminator_step)) / 2


def t4_minutes(flops: float, tflops: Sequence[float] = T4_TFLOPS) -> tuple[float, float]:
    """``(fastest, slowest)`` minutes for ``flops`` at the ``(low, high)`` TFLOPS assumed."""
    low, high = (float(v) for v in tflops)
    if not 0 < low <= high:
        raise ValueError(f"tflops must be (low, high) with 0 < low <= high, got {tflops!r}")
    if not flops >= 0:
        raise ValueError(f"flops must be >= 0, got {flops!r}")
    return flops / (high * 1e12) / 60, flops / (low * 1e12) / 60

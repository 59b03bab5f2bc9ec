"""Receptive fields: how many input pixels one output unit of a convolutional stack sees.

A stack is a list of layers ``(kernel, stride, dilation)`` (square, in the
order the input meets them; a pooling window is a layer too). One unit of the
last layer sees a square of side

    r = 1 + sum_l (k_l - 1) * d_l * (s_1 * ... * s_{l-1})

input pixels: each layer widens the field by its dilated kernel's extent minus
one, measured in input pixels, i.e. multiplied by the product of the strides
before it (A. Araujo, W. Norris, J. Sim, "Computing receptive fields of
convolutional neural networks", Distill, 2019). :func:`gradient_field`
measures the same thing without the formula: the gradient of one output unit
of a single-channel stand-in of the stack with respect to its input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["gradient_field", "receptive_field"]

Layer = tuple[int, int, int]  # kernel, stride, dilation


def _check_layers(layers: Sequence[Layer]) -> list[Layer]:
    checked = []
    for index, layer in enumerate(layers):
        try:
            kernel, stride, dilation = (int(v) for v in layer)
        except (TypeError, ValueError):
            raise ValueError(
                f"layers[{index}] must be (kernel, stride, dilation), got {layer!r}"
            ) from None
        if min(kernel, stride, dilation) < 1:
            raise ValueError(f"layers[{index}] must hold positive ints, got {layer!r}")
        checked.append((kernel, stride, dilation))
    if not checked:
        raise ValueError("layers must hold at least one (kernel, stride, dilation), got none")
    return checked


def receptive_field(layers: Sequence[Layer]) -> int:
    """Side, in input pixels, of the receptive field of one unit after ``layers``."""
    size, jump = 1, 1
    for kernel, stride, dilation in _check_layers(layers):
        size += (kernel - 1) * dilation * jump
        jump *= stride
    return size


def gradient_field(layers: Sequence[Layer], size: int) -> np.ndarray:
    """How many paths lead from each input pixel to the centre unit of the last layer.

    Every layer becomes a single-channel convolution with weights 1 (a
    pooling window too: its extent is the same), padded to keep the size at
    stride 1; the map is the gradient of the central output unit with respect
    to a ``size`` x ``size`` input. Its non-zero support is the receptive
    field, as long as ``size`` leaves room around it (about twice the field).
    """
    layers = _check_layers(layers)
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for kernel, stride, dilation in layers:
        weight = torch.ones(1, 1, kernel, kernel, dtype=torch.float64)
        padding = dilation * (kernel - 1) // 2
        if (y.shape[-1] + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1 < 1:
            raise ValueError(f"size {size} is too small for these layers")
        y = torch.nn.functional.conv2d(y, weight, stride=stride, padding=padding, dilation=dilation)
    y[0, 0, y.shape[-2] // 2, y.shape[-1] // 2].backward()
    return x.grad[0, 0].numpy()

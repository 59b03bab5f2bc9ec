"""DeepFix: a fully convolutional net with dilated, inception and location-biased layers.

S. S. S. Kruthiventi, K. Ayush, R. V. Babu. "DeepFix: A Fully Convolutional
Neural Network for Predicting Human Eye Fixations", IEEE Transactions on Image
Processing 26(9):4446-4456, 2017, arXiv:1510.02927. No official code or weights
are public. The paper is public on arXiv, but the course's search tools reached
only its abstract and the opening of its introduction (the first page of a copy
of the PDF), not its architecture section, so the table below is **not** checked
against the paper's own layer table. Its rows come from:

* the abstract: fully convolutional; layers with very large receptive fields
  for global context; semantics at several scales; a location-biased
  convolutional layer for location-dependent patterns such as the centre bias;
* the lecture's slide: VGG-16 initialisation;
* third-party summaries of the paper: dilated ("holes") convolutions in conv5,
  inception-style modules (kernels of several sizes in parallel), two LBC
  layers with large dilation ("6 holes"), whose C input channels are joined by
  16 fixed centre-bias maps (C + 16), then a 1x1 output convolution;
* the SalGAN paper (arXiv:1701.01081), which lists DeepFix among the models
  trained with a Euclidean (MSE) loss.

Every other number below is **our choice**, made to stay close to those facts:

==================  ===================================================  ==========
block               layers (ReLU after each conv)                         stride
==================  ===================================================  ==========
conv1 (VGG-16)      3x3 64, 3x3 64, max-pool 2/2                          2
conv2 (VGG-16)      3x3 128, 3x3 128, max-pool 2/2                        4
conv3 (VGG-16)      3x3 256 x3, max-pool 2/2                              8
conv4 (VGG-16)      3x3 512 x3, **no pool4**                              8
conv5 (VGG-16)      3x3 512 x3, **dilation 2** (pad 2)                    8
inception6, 7       4 branches concatenated to 512 channels:              8
                    1x1 128 | 1x1 128 -> 3x3 256 dil. 2 |
                    1x1 32 -> 5x5 64 dil. 2 | max-pool 3/1 -> 1x1 64
lbc8, lbc9          [features (512), 16 Gaussian maps] -> 5x5 512,        8
                    **dilation 6** (pad 12)
conv10              1x1 -> 1 channel, linear; bilinear x8 to input size   1
==================  ===================================================  ==========

* Dropping pool4 and dilating conv5 by 2 (the "holes" of DeepLab, which DeepFix
  cites) keeps output stride 8 while the VGG-16 conv5 weights keep their
  receptive field; "6 holes" in a secondary summary gives the LBC dilation 6.
* The 16 centre-bias maps are centred Gaussians, normalised to a maximum of 1,
  with ``sigma_x = s_x * W`` and ``sigma_y = s_y * H`` of the feature map for
  every pair ``(s_x, s_y)`` in ``{0.05, 0.1, 0.2, 0.4}^2`` (relative, so they
  mean the same at every input size; a third-party LBC implementation used
  grid units 1-4). They are fixed; the LBC weights on them are learned, which
  is the same as adding a learned, location-dependent bias map to each output
  channel.
* ``conv1-conv5`` load ImageNet VGG-16 (torchvision) with ``pretrained=True``;
  every convolution is first initialised as torchvision initialises VGG
  (Kaiming-normal, fan-out, ReLU gain; biases 0), which keeps the signal alive
  through the 20 layers of a randomly initialised net; conv10's weights then
  start uniform in ``[0, 2/512]``: on non-negative ReLU features an untrained net
  predicts a non-negative map instead of one that ``postprocess`` may clip to
  zero everywhere. All layers are trained (no frozen
  part). No DeepFix weights exist to download.
* The receptive field of one output unit (:meth:`DeepFix.geometry`,
  :func:`~saliency_course.models.receptive_field.receptive_field`): 188 px
  after conv5_3, 700 px after conv10 (the widest inception branch and the two
  LBC layers add 2 x 64 + 2 x 192), larger than the 240 x 320 input.
* Input 240x320 (H x W) by default (the paper's size is unverified); the net is
  fully convolutional. Loss: Euclidean (MSE) between the output and the
  ground-truth saliency map. ``postprocess`` clips negative values for
  :func:`~saliency_course.models.predict`.

Parameter count of this design: 29,287,041 = VGG-16 conv part 14,714,688 +
two inception modules 2 x 527,008 + two LBC layers 2 x 6,758,912 + conv10 513.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .backbones import load_imagenet_vgg16

# VGG-16 conv layers: name, in, out, dilation. Pools (2x2/2) after conv1_2, conv2_2, conv3_3.
VGG_TABLE = (
    ("conv1_1", 3, 64, 1), ("conv1_2", 64, 64, 1),
    ("conv2_1", 64, 128, 1), ("conv2_2", 128, 128, 1),
    ("conv3_1", 128, 256, 1), ("conv3_2", 256, 256, 1), ("conv3_3", 256, 256, 1),
    ("conv4_1", 256, 512, 1), ("conv4_2", 512, 512, 1), ("conv4_3", 512, 512, 1),
    ("conv5_1", 512, 512, 2), ("conv5_2", 512, 512, 2), ("conv5_3", 512, 512, 2),
)  # fmt: skip
POOL_AFTER = {"conv1_2", "conv2_2", "conv3_3"}
GAUSSIAN_SCALES = (0.05, 0.1, 0.2, 0.4)
LBC_DILATION = 6


def centre_bias_maps(height: int, width: int, scales=GAUSSIAN_SCALES) -> torch.Tensor:
    """The ``len(scales)**2`` fixed centred Gaussians ``(K, H, W)``, each with maximum 1."""
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be >= 1, got {height} x {width}")
    ys = (np.arange(height) - (height - 1) / 2)[:, None]
    xs = (np.arange(width) - (width - 1) / 2)[None, :]
    maps = [
        np.exp(-0.5 * ((xs / (sx * width)) ** 2 + (ys / (sy * height)) ** 2))
        for sy in scales
        for sx in scales
    ]
    return torch.from_numpy(np.stack(maps)).float()


class Inception(nn.Module):
    """Four parallel branches (1x1; 1x1 -> 3x3 dil. 2; 1x1 -> 5x5 dil. 2; pool -> 1x1)."""

    def __init__(self, c_in: int = 512) -> None:
        super().__init__()
        self.branch1 = nn.Conv2d(c_in, 128, 1)
        self.branch3_reduce = nn.Conv2d(c_in, 128, 1)
        self.branch3 = nn.Conv2d(128, 256, 3, padding=2, dilation=2)
        self.branch5_reduce = nn.Conv2d(c_in, 32, 1)
        self.branch5 = nn.Conv2d(32, 64, 5, padding=4, dilation=2)
        self.branch_pool = nn.Conv2d(c_in, 64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [
                torch.relu(self.branch1(x)),
                torch.relu(self.branch3(torch.relu(self.branch3_reduce(x)))),
                torch.relu(self.branch5(torch.relu(self.branch5_reduce(x)))),
                torch.relu(self.branch_pool(F.max_pool2d(x, 3, stride=1, padding=1))),
            ],
            dim=1,
        )


class LocationBiasedConv(nn.Module):
    """A 5x5 dilated convolution over the features and 16 fixed Gaussian centre-bias maps."""

    def __init__(self, c_in: int = 512, c_out: int = 512, dilation: int = LBC_DILATION) -> None:
        super().__init__()
        self.n_maps = len(GAUSSIAN_SCALES) ** 2
        self.conv = nn.Conv2d(c_in + self.n_maps, c_out, 5, padding=2 * dilation, dilation=dilation)
        self.maps_on = True  # False: zeros instead of the maps (see without_location_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = centre_bias_maps(*x.shape[-2:]).to(x)
        maps = maps.expand(x.shape[0], *maps.shape) * float(self.maps_on)
        return torch.relu(self.conv(torch.cat([x, maps], dim=1)))

    def location_bias(self, height: int, width: int) -> torch.Tensor:
        """What the Gaussian maps add to each output channel before the ReLU: ``(C_out, H, W)``.

        The convolution is linear, so its output is (features part) + (maps part);
        this is the maps part, a learned location-dependent bias per channel.
        """
        maps = centre_bias_maps(height, width).to(self.conv.weight)[None]
        weight = self.conv.weight[:, -self.n_maps :]
        conv = self.conv
        return F.conv2d(maps, weight, None, padding=conv.padding, dilation=conv.dilation)[0]


class DeepFix(nn.Module):
    """``(B, 3, H, W)`` -> saliency ``(B, 1, H, W)`` (computed at stride 8, upsampled)."""

    output_kind = "saliency"
    input_size = (240, 320)

    def __init__(self) -> None:
        super().__init__()
        self.vgg = nn.ModuleDict(
            {
                name: nn.Conv2d(c_in, c_out, 3, padding=dil, dilation=dil)
                for name, c_in, c_out, dil in VGG_TABLE
            }
        )
        self.inception6 = Inception(512)
        self.inception7 = Inception(512)
        self.lbc8 = LocationBiasedConv()
        self.lbc9 = LocationBiasedConv()
        self.conv10 = nn.Conv2d(512, 1, 1)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(module.bias)
        nn.init.uniform_(self.conv10.weight, 0.0, 2.0 / 512)
        nn.init.zeros_(self.conv10.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 512 channels the LBC layers read: VGG-16 and the two inception modules (stride 8)."""
        for name, conv in self.vgg.items():
            x = torch.relu(conv(x))
            if name in POOL_AFTER:
                x = F.max_pool2d(x, 2, ceil_mode=True)
        return self.inception7(self.inception6(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        x = self.lbc9(self.lbc8(self.features(x)))
        return F.interpolate(self.conv10(x), size=size, mode="bilinear", align_corners=False)

    def geometry(self, upto: str = "conv10") -> list[tuple[str, int, int, int]]:
        """``(layer, kernel, stride, dilation)`` of each layer up to ``upto``, from the modules.

        Pools are layers of their own (``pool1``-``pool3``); an inception module
        counts with its widest branch (the 5x5 one; its 1x1 reduction adds
        nothing). :func:`~saliency_course.models.receptive_field.receptive_field`
        of the last three numbers is the receptive field of one unit of ``upto``.
        """
        layers = []
        for name, conv in self.vgg.items():
            layers.append((name, conv.kernel_size[0], conv.stride[0], conv.dilation[0]))
            if name in POOL_AFTER:
                layers.append((f"pool{name[4]}", 2, 2, 1))
        for name in ("inception6", "inception7"):
            widest = getattr(self, name).branch5
            layers.append((name, widest.kernel_size[0], widest.stride[0], widest.dilation[0]))
        for name in ("lbc8", "lbc9", "conv10"):
            conv = getattr(self, name)
            conv = getattr(conv, "conv", conv)
            layers.append((name, conv.kernel_size[0], conv.stride[0], conv.dilation[0]))
        names = [layer[0] for layer in layers]
        if upto not in names:
            raise ValueError(f"upto must be one of {names}, got {upto!r}")
        return layers[: names.index(upto) + 1]

    @staticmethod
    def postprocess(output: torch.Tensor) -> torch.Tensor:
        """Clip negative values: a saliency map is non-negative."""
        return output.clamp_min(0)


@contextlib.contextmanager
def without_location_bias(model: DeepFix) -> Iterator[DeepFix]:
    """Within the block, the LBC layers see zeros instead of their 16 Gaussian maps.

    An ablation of a trained model: what its predictions lose when the
    location-dependent bias the LBC layers learned is taken away.
    """
    layers = [m for m in model.modules() if isinstance(m, LocationBiasedConv)]
    if not layers:
        raise ValueError(
            f"model must contain LocationBiasedConv layers, got {type(model).__name__}"
        )
    try:
        for layer in layers:
            layer.maps_on = False
        yield model
    finally:
        for layer in layers:
            layer.maps_on = True


def build_deepfix(pretrained: bool = True, progress: bool = True) -> DeepFix:
    """DeepFix as documented above; ``pretrained`` loads ImageNet VGG-16 into conv1-conv5."""
    model = DeepFix()
    if pretrained:
        load_imagenet_vgg16(model.vgg, progress=progress)
    return model

"""SalGAN: a VGG-16 encoder-decoder generator and its discriminator.

J. Pan, C. Canton Ferrer, K. McGuinness, N. E. O'Connor, J. Torres, E. Sayrol,
X. Giró-i-Nieto. "SalGAN: Visual Saliency Prediction with Generative Adversarial
Networks", arXiv:1701.01081 (CVPR 2017 SUNw). Official code:
github.com/imatge-upc/salgan (Lasagne/Theano).

**Generator** (paper §3.1 and official ``vgg16.py``/``generator.py``): VGG-16
conv1_1-conv5_3 (3x3, pad 1, ReLU, 2x2 max-pool after blocks 1-4, no pool5,
no FC) with conv1-conv3 frozen and conv4-conv5 trained; a mirrored decoder of
3x3 convolutions (512x3, up x2, 512x3, up x2, 256x3, up x2, 128x2, up x2, 64x2)
with nearest-neighbour upsampling in place of pooling; a 1x1 convolution to one
channel and a sigmoid. 31,787,009 parameters (30,051,521 trainable). Input
256x192 (W x H), output at the input size.

**Discriminator**: the paper's Table 1 and the official code differ; we follow
the code (``variant="code"``, the default): input ``[saliency, image]`` (4
channels, saliency first), 1x1 conv to 3 + ReLU, 3x3 conv 32 + ReLU, **4x4/4**
max-pool, 2x (3x3 conv 64 + ReLU), 2x2 pool, 2x (3x3 conv 64 + ReLU) **with weight
normalisation** (``W = g V / sqrt(1e-6 + |V|^2)`` per output channel, the gain
``g`` fixed at 1, a bias of its own), 2x2 pool, FC 100 tanh, FC 2 tanh, FC 1
sigmoid: 1,359,296 parameters. ``variant="paper"`` builds Table 1 (2x2 pool1, no
weight normalisation): 5,045,696 parameters.

**Inputs.** Like every model of the package, both take ImageNet-normalised RGB
batches. The official generator takes RGB 0-255 and, inside the network, makes
it BGR and subtracts the BGR mean (103.939, 116.779, 123.68) before its VGG-16;
a generator loaded from the official weights sets ``caffe_input = True`` and
converts inside ``forward`` (ImageNet VGG-16 weights from torchvision expect the
ImageNet normalisation and keep it). The official discriminator concatenates
the map with the **raw RGB 0-255** image (only the generator's VGG applies the
BGR flip and mean); ours converts its ImageNet-normalised input back to RGB
0-255, whatever its weights.

**Input policy and post-processing** (official ``utils.predict``): the image
is resized to 256x192 whatever its aspect ratio (OpenCV ``INTER_AREA`` on the
8-bit image); the output (in ``(0, 1)``) is scaled to 0-255 and truncated to
``uint8``, resized back bicubically, blurred with a 5x5 Gaussian and clipped
(no stretch): :meth:`SalGANGenerator.official_postprocess`.

**Weights.** ``weights="official"`` loads ``gen_modelWeights0090.npz`` (epoch 90)
or ``discrim_modelWeights0090.npz`` through :mod:`.lasagne_weights` (decoder
and discriminator kernels flipped, VGG kernels not); ``weights="imagenet"``
loads torchvision's VGG-16 into the encoder and leaves the decoder random (the
start of SalGAN's training); a path loads that Lasagne ``.npz``. The README
lists the discriminator file as 3.4 MB; the code's discriminator holds
1,359,296 trained values and 128 fixed gains (5.44 MB as float32 in an
uncompressed ``.npz``), and no input size the code allows gives 3.4 MB (a
240x320 build would be 8.2 MB). The file could not be fetched to settle this;
loading checks every array's shape and names the first that differs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .backbones import (
    VGG16_TABLE,
    conv3x3_layers,
    fetch_weights,
    freeze,
    imagenet_to_caffe,
    imagenet_to_rgb255,
    load_imagenet_vgg16,
)
from .lasagne_weights import lasagne_to_state_dict, read_npz_arrays, state_dict_to_lasagne
from .predict import InputPolicy, resize_cubic_and_blur

WEIGHTS_BASE = "https://imatge.upc.edu/web/sites/default/files/resources/1720/saliency/2017-salgan/"
GENERATOR_FILE = "gen_modelWeights0090.npz"
DISCRIMINATOR_FILE = "discrim_modelWeights0090.npz"

# VGG-16 conv layers: name, in, out. A 2x2 max-pool follows conv1_2, 2_2, 3_3, 4_3.
ENCODER_TABLE = VGG16_TABLE
FROZEN_BLOCKS = ("conv1", "conv2", "conv3")
# Decoder conv layers: name, in, out. A nearest x2 upsampling follows uconv5_1, 4_1, 3_1, 2_1.
DECODER_TABLE = (
    ("uconv5_3", 512, 512), ("uconv5_2", 512, 512), ("uconv5_1", 512, 512),
    ("uconv4_3", 512, 512), ("uconv4_2", 512, 512), ("uconv4_1", 512, 512),
    ("uconv3_3", 512, 256), ("uconv3_2", 256, 256), ("uconv3_1", 256, 256),
    ("uconv2_2", 256, 128), ("uconv2_1", 128, 128),
    ("uconv1_2", 128, 64), ("uconv1_1", 64, 64),
)  # fmt: skip
POOL_AFTER = {"conv1_2", "conv2_2", "conv3_3", "conv4_3"}
UPSAMPLE_AFTER = {"uconv5_1", "uconv4_1", "uconv3_1", "uconv2_1"}


class SalGANGenerator(nn.Module):
    """``(B, 3, H, W)`` -> saliency in ``(0, 1)``, ``(B, 1, H, W)``, for H, W divisible by 16."""

    output_kind = "saliency"
    input_size = (192, 256)
    input_policy = InputPolicy("fixed", (192, 256), resize="cv2_area", uint8=True)

    def __init__(self) -> None:
        super().__init__()
        self.encoder = conv3x3_layers(ENCODER_TABLE)
        self.decoder = conv3x3_layers(DECODER_TABLE)
        self.output = nn.Conv2d(64, 1, 1)
        self.caffe_input = False
        for name, conv in self.encoder.items():
            if name.split("_")[0] in FROZEN_BLOCKS:
                freeze(conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % 16 or x.shape[-1] % 16:
            raise ValueError(f"x must have H and W divisible by 16, got {tuple(x.shape[-2:])}")
        if self.caffe_input:
            x = imagenet_to_caffe(x)
        for name, conv in self.encoder.items():
            x = torch.relu(conv(x))
            if name in POOL_AFTER:
                x = F.max_pool2d(x, 2)
        for name, conv in self.decoder.items():
            x = torch.relu(conv(x))
            if name in UPSAMPLE_AFTER:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        return torch.sigmoid(self.output(x))

    @staticmethod
    def official_postprocess(saliency: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """``utils.predict``: ``uint8(255 * map)``, bicubic resize, 5x5 blur, clip (8-bit)."""
        out = (saliency.astype(np.float32) * 255).astype(np.uint8)
        return resize_cubic_and_blur(out, shape).astype(np.float64)

    def lasagne_layout(self) -> list[tuple[str, str, bool]]:
        """(state-dict key, kind, flip) in the order of the official generator ``.npz``."""
        layout = []
        for part, names, flip in (
            ("encoder", ENCODER_TABLE, False),
            ("decoder", DECODER_TABLE, True),
        ):
            for name, _, _ in names:
                layout += [
                    (f"{part}.{name}.weight", "conv", flip),
                    (f"{part}.{name}.bias", "vector", False),
                ]
        return layout + [("output.weight", "conv", True), ("output.bias", "vector", False)]


class WeightNormConv2d(nn.Module):
    """3x3 convolution with weight normalisation ``W = g V / sqrt(1e-6 + |V|^2)``.

    As in the official discriminator (``nn.WeightNormLayer``), the norm runs over
    each output channel's kernel, the gain ``g`` is fixed (a buffer of ones) and
    the layer has its own bias in place of the convolution's.
    """

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(c_out, c_in, 3, 3))
        self.bias = nn.Parameter(torch.zeros(c_out))
        self.register_buffer("gain", torch.ones(c_out))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = (self.weight.flatten(1).pow(2).sum(dim=1) + 1e-6).sqrt()
        weight = self.weight * (self.gain / norm).view(-1, 1, 1, 1)
        return F.conv2d(x, weight, self.bias, padding=1)


class SalGANDiscriminator(nn.Module):
    """``(image (B, 3, 192, 256), saliency (B, 1, 192, 256))`` -> P(real) ``(B, 1)``."""

    output_kind = "discriminator"
    input_size = (192, 256)

    def __init__(self, variant: str = "code") -> None:
        super().__init__()
        if variant not in ("code", "paper"):
            raise ValueError(f"variant must be 'code' or 'paper', got {variant!r}")
        self.variant = variant
        self.pool1_size = 4 if variant == "code" else 2
        conv3 = (
            WeightNormConv2d if variant == "code" else (lambda i, o: nn.Conv2d(i, o, 3, padding=1))
        )
        self.merge = nn.Conv2d(4, 3, 1)
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2_1 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv2_2 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv3_1 = conv3(64, 64)
        self.conv3_2 = conv3(64, 64)
        flat = 64 * (192 // (self.pool1_size * 4)) * (256 // (self.pool1_size * 4))
        self.fc4 = nn.Linear(flat, 100)
        self.fc5 = nn.Linear(100, 2)
        self.fc6 = nn.Linear(2, 1)

    def forward(self, image: torch.Tensor, saliency: torch.Tensor) -> torch.Tensor:
        """P(real) of ``saliency`` in ``[0, 1]`` for ``image`` (ImageNet-normalised RGB)."""
        if image.shape[-2:] != self.input_size or saliency.shape[-2:] != self.input_size:
            raise ValueError(
                f"image and saliency must be {self.input_size} (H, W), "
                f"got {tuple(image.shape[-2:])} and {tuple(saliency.shape[-2:])}"
            )
        x = torch.relu(self.merge(torch.cat([saliency, imagenet_to_rgb255(image)], dim=1)))
        x = F.max_pool2d(torch.relu(self.conv1(x)), self.pool1_size)
        x = F.max_pool2d(torch.relu(self.conv2_2(torch.relu(self.conv2_1(x)))), 2)
        x = F.max_pool2d(torch.relu(self.conv3_2(torch.relu(self.conv3_1(x)))), 2)
        x = torch.tanh(self.fc4(x.flatten(1)))
        x = torch.tanh(self.fc5(x))
        return torch.sigmoid(self.fc6(x))

    def lasagne_layout(self, with_gain: bool = True) -> list[tuple[str, str, bool]]:
        """(state-dict key, kind, flip) in the order of the official discriminator ``.npz``.

        A weight-normalised layer stores ``W``, ``b`` and its fixed gain ``g``; files
        saved without the (untrained) gains are read with ``with_gain=False``.
        """
        layout = []
        for name in ("merge", "conv1", "conv2_1", "conv2_2", "conv3_1", "conv3_2"):
            layout.append((f"{name}.weight", "conv", name != "merge"))
            layout.append((f"{name}.bias", "vector", False))
            if with_gain and self.variant == "code" and name.startswith("conv3"):
                layout.append((f"{name}.gain", "vector", False))
        for name in ("fc4", "fc5", "fc6"):
            layout += [(f"{name}.weight", "dense", False), (f"{name}.bias", "vector", False)]
        return layout


def load_lasagne_npz(model: SalGANGenerator | SalGANDiscriminator, path: str | Path):
    """Load an official-format Lasagne ``.npz`` into ``model`` (kernels flipped where due)."""
    arrays = read_npz_arrays(path)
    layout = model.lasagne_layout()
    if isinstance(model, SalGANDiscriminator) and len(arrays) != len(layout):
        layout = model.lasagne_layout(with_gain=False)
    own = model.state_dict()
    state = own | lasagne_to_state_dict(arrays, layout, f"weights file {path}")
    for key, value in state.items():
        if value.shape != own[key].shape:
            raise ValueError(
                f"weights file {path}: {key} must have shape {tuple(own[key].shape)}, "
                f"got {tuple(value.shape)}"
            )
    model.load_state_dict(state, strict=True)
    if isinstance(model, SalGANGenerator):
        model.caffe_input = True
    return model


def export_lasagne_arrays(model: SalGANGenerator | SalGANDiscriminator) -> list[np.ndarray]:
    """``model``'s parameters as the official ``.npz`` would hold them (inverse of loading)."""
    return state_dict_to_lasagne(model.state_dict(), model.lasagne_layout())


def _resolve_weights(weights: str | Path, filename: str, progress: bool) -> Path:
    if weights == "official":
        return fetch_weights(WEIGHTS_BASE + filename, filename, progress=progress)
    path = Path(weights)
    if not path.is_file():
        raise ValueError(
            f"weights must be 'official', 'imagenet' or an existing .npz, got {weights!r}"
        )
    return path


def build_salgan(
    pretrained: bool = True, weights: str | Path = "official", progress: bool = True
) -> SalGANGenerator:
    """The SalGAN generator (``weights``: ``"official"``, ``"imagenet"`` or a Lasagne ``.npz``)."""
    model = SalGANGenerator()
    if not pretrained:
        return model
    if weights == "imagenet":
        load_imagenet_vgg16(model.encoder, progress=progress)
        return model
    return load_lasagne_npz(model, _resolve_weights(weights, GENERATOR_FILE, progress))


def build_salgan_discriminator(
    pretrained: bool = True,
    variant: str = "code",
    weights: str | Path = "official",
    progress: bool = True,
) -> SalGANDiscriminator:
    """The SalGAN discriminator (``variant``: ``"code"`` or ``"paper"``)."""
    model = SalGANDiscriminator(variant)
    if not pretrained:
        return model
    if variant != "code":
        raise ValueError(f"variant must be 'code' for the official weights, got {variant!r}")
    return load_lasagne_npz(model, _resolve_weights(weights, DISCRIMINATOR_FILE, progress))

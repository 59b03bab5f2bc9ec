"""DeepGaze IIE: a calibrated mixture of DeepGaze II-style readouts on four backbones.

A. Linardos, M. Kümmerer, O. Press, M. Bethge. "DeepGaze IIE: Calibrated
prediction in and out-of-domain for state-of-the-art saliency modeling", ICCV
2021, arXiv:2105.12441. Official code and weights: github.com/matthias-k/DeepGaze
(``deepgaze_pytorch/deepgaze2e.py``), which this module follows layer for layer
and name for name, so that the official ``deepgaze2e.pth`` loads as it is.

Four frozen ImageNet backbones, each read at a few layers (forward hooks):

=====================  ====================================================  ========
backbone               layers read                                           channels
=====================  ====================================================  ========
ShapeNet-C (ResNet-50  layer3.0.conv2, layer3.3.conv2, layer3.5.conv1/conv2,   2048
trained on Stylized    layer4.1.conv2, layer4.2.conv2
ImageNet)
EfficientNet-B5        _blocks.24/26._depthwise_conv, _blocks.35._project_conv  2416
DenseNet-201           denseblock4.denselayer32.norm1/conv1, layer31.conv2     2048
ResNeXt-50 32x4d       layer3.5.conv1/conv2, layer3.4.conv2, layer4.2.conv2    2560
=====================  ====================================================  ========

Per backbone, 30 components (3 seeds x 10 cross-validation folds), each:
saliency network [LayerNorm -> 1x1 conv (no bias) -> Bias -> Softplus] x 3 with
widths 8, 16, 1; fixation-selection network (LayerNorm, 1x1 to 128, Bias,
Softplus, LayerNorm, 1x1 to 16, Bias, Softplus, 1x1 to 1); the DeepGaze
finalizer (σ init 8, learnable; centre-bias weight; saliency_map_factor 2).
Input downsampled x2, features resampled (nearest) to ``ceil(H / 2 / 16)``.
LayerNorm normalises over (C, H, W) with a per-channel affine (eps 1e-12).
The 30 log-densities of a backbone are averaged in probability space
(``logsumexp - log 30``), then the 4 backbones likewise. 3,059,160 trainable
parameters (23,293 per component on 2048 channels); the backbones are frozen.

``pretrained=True`` loads the official ``deepgaze2e.pth`` (readouts *and*
backbones) and, by default, ``centerbias_mit1003.npy`` (a 1024x1024 log-density
over the image, resampled per input as the official README does:
:func:`~saliency_course.models.deepgaze.zoom_nearest`, then renormalised).
Backbone weights therefore come from that one file; ``pretrained=False``
builds the same architecture with random weights and a uniform prior
(offline). ``centerbias=`` replaces the prior (``"mit1003"``, ``"uniform"`` or an
array). The official model takes RGB 0-255 and normalises inside; here, like
every model of the package, it takes ImageNet-normalised input (index 0 of
each backbone is an identity, where the official normaliser has no weights).
Input policy: the image's native resolution, as the official README feeds it.

EfficientNet-B5 is the ``efficientnet_pytorch`` package's, but with the static
"same" paddings of the version the official code vendors (0.6.3): there,
every convolution pads as if its input were 456 px, while 0.7 tracks the size
block by block (e.g. ``_blocks.13._depthwise_conv`` pads (0, 1, 0, 1) in 0.6.3
and (1, 1, 1, 1) in 0.7.1). :func:`efficientnet_b5` sets them back.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from .backbones import fetch_weights, freeze
from .deepgaze import Finalizer, StoredCenterBias, centerbias_for, resolve_centerbias
from .predict import NATIVE

WEIGHTS_URL = "https://github.com/matthias-k/DeepGaze/releases/download/v1.0.0/deepgaze2e.pth"
EFFICIENTNET_IMAGE_SIZE = 456  # efficientnet-b5's resolution, which 0.6.3 pads every conv for
COMPONENTS = 30  # 3 seeds x 10 cross-validation folds

BACKBONES = {
    "shapenet_c": (
        ["1.module.layer3.0.conv2", "1.module.layer3.3.conv2", "1.module.layer3.5.conv1",
         "1.module.layer3.5.conv2", "1.module.layer4.1.conv2", "1.module.layer4.2.conv2"],
        2048,
    ),
    "efficientnet_b5": (
        ["1._blocks.24._depthwise_conv", "1._blocks.26._depthwise_conv",
         "1._blocks.35._project_conv"],
        2416,
    ),
    "densenet201": (
        ["1.features.denseblock4.denselayer32.norm1", "1.features.denseblock4.denselayer32.conv1",
         "1.features.denseblock4.denselayer31.conv2"],
        2048,
    ),
    "resnext50": (
        ["1.layer3.5.conv1", "1.layer3.5.conv2", "1.layer3.4.conv2", "1.layer4.2.conv2"],
        2560,
    ),
}  # fmt: skip


def same_padding(kernel: int, stride: int, size: int = EFFICIENTNET_IMAGE_SIZE):
    """TensorFlow "same" padding (left, right, top, bottom) of a square conv on a ``size`` input."""
    out = math.ceil(size / stride)
    pad = max((out - 1) * stride + kernel - size, 0)
    return (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2)


def efficientnet_b5() -> nn.Module:
    """EfficientNet-B5 of ``efficientnet_pytorch`` padded as the official code's vendored 0.6.3.

    Every static-padding convolution gets the padding 0.6.3 computes: for a
    456-px input, whatever the block's actual input size.
    """
    try:
        from efficientnet_pytorch import EfficientNet
    except ImportError as error:
        raise ImportError(
            "DeepGaze IIE's EfficientNet-B5 backbone needs the efficientnet_pytorch package "
            "(pip install efficientnet_pytorch), or leave it out with "
            "backbones=('shapenet_c', 'densenet201', 'resnext50')"
        ) from error
    network = EfficientNet.from_name("efficientnet-b5")
    padded = [m for m in network.modules() if hasattr(m, "static_padding")]
    if not padded:
        raise ImportError(
            "efficientnet_pytorch must build static-padding convolutions (versions 0.6-0.7), "
            "found none"
        )
    for conv in padded:
        if conv.kernel_size[0] != conv.kernel_size[1] or conv.stride[0] != conv.stride[1]:
            raise ValueError(f"expected square kernels and strides, got {conv}")
        pad = same_padding(conv.kernel_size[0], conv.stride[0])
        conv.static_padding = nn.ZeroPad2d(pad) if any(pad) else nn.Identity()
    return network


def _backbone_network(name: str) -> nn.Module:
    if name == "shapenet_c":  # the texture-vs-shape checkpoint keeps DataParallel's "module."
        return nn.Sequential(OrderedDict([("module", torchvision.models.resnet50())]))
    if name == "efficientnet_b5":
        return efficientnet_b5()
    if name == "densenet201":
        return torchvision.models.densenet201()
    return torchvision.models.resnext50_32x4d()


class FeatureExtractor(nn.Module):
    """A frozen backbone ``Sequential(normaliser, network)`` and the outputs of ``targets``.

    Index 0 is an identity: inputs arrive normalised, where the official code
    normalises 0-255 input there (without parameters, so the keys still match).
    """

    def __init__(self, backbone: str) -> None:
        super().__init__()
        targets, self.channels = BACKBONES[backbone]
        self.features = freeze(nn.Sequential(nn.Identity(), _backbone_network(backbone)))
        self.targets = targets
        self._outputs: dict[str, torch.Tensor] = {}
        modules = dict(self.features.named_modules())
        for target in targets:
            modules[target].register_forward_hook(self._save(target))
        self.train(False)

    def _save(self, target: str):
        def hook(_module, _inputs, output):
            self._outputs[target] = output.clone()  # later in-place ReLUs must not change it

        return hook

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        self._outputs.clear()
        self.features(x)
        return [self._outputs.pop(t) for t in self.targets]

    def train(self, mode: bool = True):
        return super().train(False)  # frozen: batch norms keep their ImageNet statistics


class LayerNorm(nn.Module):
    """Normalise over (C, H, W) jointly, then a per-channel scale and shift (eps 1e-12)."""

    def __init__(self, channels: int, eps: float = 1e-12) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x, x.shape[1:], eps=self.eps)
        return x * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class Bias(nn.Module):
    """A learned per-channel bias."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias.view(1, -1, 1, 1)


class _Part0(nn.Module):
    """Holds ``module`` under ``name`` (the official multi-input layers' key layout)."""

    def __init__(self, name: str, module: nn.Module) -> None:
        super().__init__()
        self.part = name
        self.add_module(name, module)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, self.part)(x)


def saliency_network(channels: int) -> nn.Sequential:
    """[LayerNorm -> 1x1 conv -> Bias -> Softplus] x 3, widths 8, 16, 1."""
    layers, c_in = [], channels
    for i, c_out in enumerate((8, 16, 1)):
        layers += [
            (f"layernorm{i}", LayerNorm(c_in)),
            (f"conv{i}", nn.Conv2d(c_in, c_out, 1, bias=False)),
            (f"bias{i}", Bias(c_out)),
            (f"softplus{i if i < 2 else 3}", nn.Softplus()),
        ]
        c_in = c_out
    return nn.Sequential(OrderedDict(layers))


def fixation_selection_network() -> nn.Sequential:
    """LayerNorm, 1x1 to 128, Bias, Softplus, LayerNorm, 1x1 to 16, Bias, Softplus, 1x1 to 1."""
    return nn.Sequential(
        OrderedDict(
            [
                ("layernorm0", _Part0("layernorm_part0", LayerNorm(1))),
                ("conv0", _Part0("conv_part0", nn.Conv2d(1, 128, 1, bias=False))),
                ("bias0", Bias(128)),
                ("softplus0", nn.Softplus()),
                ("layernorm1", LayerNorm(128)),
                ("conv1", nn.Conv2d(128, 16, 1, bias=False)),
                ("bias1", Bias(16)),
                ("softplus1", nn.Softplus()),
                ("conv2", nn.Conv2d(16, 1, 1, bias=False)),
            ]
        )
    )


def _mix(log_densities: list[torch.Tensor]) -> torch.Tensor:
    """Average densities given as log-densities ``(B, 1, H, W)``: logsumexp - log N."""
    stacked = torch.cat(log_densities, dim=1)
    return torch.logsumexp(stacked, dim=1, keepdim=True) - math.log(len(log_densities))


class BackboneMixture(nn.Module):
    """One backbone and its ``components`` readouts, mixed in probability space."""

    def __init__(self, backbone: str, components: int = COMPONENTS) -> None:
        super().__init__()
        self.features = FeatureExtractor(backbone)
        channels = self.features.channels
        self.saliency_networks = nn.ModuleList(
            saliency_network(channels) for _ in range(components)
        )
        self.fixation_selection_networks = nn.ModuleList(
            fixation_selection_network() for _ in range(components)
        )
        self.finalizers = nn.ModuleList(
            Finalizer(8.0, saliency_map_factor=2) for _ in range(components)
        )
        self.downsample, self.readout_factor = 2, 16

    def forward(self, x: torch.Tensor, centerbias: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        small = F.interpolate(x, scale_factor=1 / self.downsample, recompute_scale_factor=False)
        shape = (
            math.ceil(height / self.downsample / self.readout_factor),
            math.ceil(width / self.downsample / self.readout_factor),
        )
        features = torch.cat([F.interpolate(f, size=shape) for f in self.features(small)], dim=1)
        return _mix(
            [
                finalizer(selection(saliency(features)), centerbias)
                for saliency, selection, finalizer in zip(
                    self.saliency_networks,
                    self.fixation_selection_networks,
                    self.finalizers,
                    strict=True,
                )
            ]
        )


class DeepGazeIIE(StoredCenterBias):
    """``(B, 3, H, W)`` -> log-density ``(B, 1, H, W)``; the mixture over ``backbones``."""

    output_kind = "log_density"
    input_size = (768, 1024)  # MIT1003's "twosize" training size
    input_policy = NATIVE

    def __init__(
        self,
        backbones: tuple[str, ...] = tuple(BACKBONES),
        components: int = COMPONENTS,
        centerbias: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        unknown = [b for b in backbones if b not in BACKBONES]
        if unknown or not backbones:
            raise ValueError(
                f"backbones must be a non-empty subset of {list(BACKBONES)}, got {backbones!r}"
            )
        if not isinstance(components, int) or components < 1:
            raise ValueError(f"components must be a positive int, got {components!r}")
        self.models = nn.ModuleList(BackboneMixture(b, components) for b in backbones)
        self._set_centerbias(centerbias)

    def forward(self, x: torch.Tensor, centerbias: torch.Tensor | None = None) -> torch.Tensor:
        stored = self.centerbias if centerbias is None else centerbias
        cb = centerbias_for(stored, x.shape[0], x.shape[-2:], x)
        return _mix([model(x, cb) for model in self.models])


def official_state_dict(
    state: dict[str, torch.Tensor], backbones: tuple[str, ...], components: int
) -> dict[str, torch.Tensor]:
    """The part of the official state dict for ``backbones`` and their first ``components``.

    The official file holds the four backbones in the order of :data:`BACKBONES`
    with 30 components each; a smaller model (fewer backbones or components) takes
    its share of it, re-indexed.
    """
    selected = {}
    for j, backbone in enumerate(backbones):
        prefix = f"models.{list(BACKBONES).index(backbone)}."
        for key, value in state.items():
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix) :]
            parts = rest.split(".")
            if parts[0] != "features" and int(parts[1]) >= components:
                continue
            selected[f"models.{j}.{rest}"] = value
    return selected


def build_deepgaze2e(
    pretrained: bool = True,
    backbones: tuple[str, ...] = tuple(BACKBONES),
    components: int = COMPONENTS,
    centerbias: np.ndarray | str | None = None,
    progress: bool = True,
) -> DeepGazeIIE:
    """DeepGaze IIE; ``pretrained`` loads the official weights and MIT1003 centre bias.

    ``backbones`` (a subset of :data:`BACKBONES`) and ``components`` (at most 30)
    build a smaller mixture; with ``pretrained`` it takes its share of the
    official weights. ``centerbias``: ``"mit1003"`` (the default with
    ``pretrained``), ``"uniform"`` (the default without) or an array.
    """
    if pretrained and components > COMPONENTS:
        raise ValueError(
            f"components must be <= {COMPONENTS} with pretrained=True, got {components}"
        )
    path = fetch_weights(WEIGHTS_URL, "deepgaze2e.pth", progress=progress) if pretrained else None
    prior = resolve_centerbias(centerbias, "mit1003" if pretrained else "uniform", progress)
    model = DeepGazeIIE(tuple(backbones), components, prior)
    if path is not None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(official_state_dict(state, tuple(backbones), components), strict=True)
    return model

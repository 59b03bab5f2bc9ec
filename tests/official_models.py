"""The authors' computations, rebuilt for the forward-agreement tests.

Each model here is written from the structure of its official code, independently
of ``saliency_course.models``: its own module tree with the official parameter
names (DeepGaze), or functions of the official weight files' arrays (SalNet's
Caffe blobs, SalGAN's Lasagne ``arr_i``), with the official input conventions
(RGB 0-255 into DeepGaze and the SalGAN networks; BGR, minus the mean, scaled,
into SalNet). The tests load the same random weights into these and into the
package's models through the official names and compare the outputs.

Sources: matthias-k/DeepGaze (``deepgaze_pytorch/{modules,layers,deepgaze1,
deepgaze2e}.py``, ``features/*.py``, the vendored ``efficientnet_pytorch`` 0.6.3),
imatge-upc/saliency-2016-cvpr (``deep/deep_net_deploy.prototxt``,
``deep/__init__.py``), imatge-upc/salgan (``scripts/models/{vgg16,generator,
discriminator,layers,nn}.py``, ``scripts/utils.py``).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

# ---------------------------------------------------------------------------------------
# DeepGaze (official PyTorch code): RGB 0-255 in, a normaliser inside each backbone


class Normalizer(nn.Module):
    """``features/normalizer.py``: x / 255, minus the ImageNet mean, over the std (not saved)."""

    def __init__(self):
        super().__init__()
        mean = np.array([0.485, 0.456, 0.406])[:, None, None]
        std = np.array([0.229, 0.224, 0.225])[:, None, None]
        self.register_buffer("mean", torch.tensor(mean), persistent=False)
        self.register_buffer("std", torch.tensor(std), persistent=False)

    def forward(self, tensor):
        tensor = tensor / 255.0
        tensor -= self.mean
        tensor /= self.std
        return tensor


class FeatureExtractor(nn.Module):
    """``modules.FeatureExtractor``: forward hooks that clone the outputs of ``targets``."""

    def __init__(self, features, targets):
        super().__init__()
        self.features = features
        self.targets = targets
        self.outputs = {}
        modules = dict(self.features.named_modules())
        for target in targets:
            modules[target].register_forward_hook(self._hook(target))

    def _hook(self, name):
        def fn(_, __, output):
            self.outputs[name] = output.clone()

        return fn

    def forward(self, x):
        self.outputs.clear()
        self.features(x)
        return [self.outputs[t] for t in self.targets]


def gaussian_filter_1d(tensor, dim, sigma, truncate):
    """``layers.gaussian_filter_1d``: kernel of 2 ceil(truncate sigma) + 1 taps, replicate pad."""
    sigma = torch.as_tensor(sigma, device=tensor.device, dtype=tensor.dtype)
    size = int(2 * math.ceil(truncate * float(sigma)) + 1)
    grid = (torch.arange(size, device=tensor.device, dtype=tensor.dtype) - (size - 1) / 2).view(
        1, 1, size
    )
    shape = tensor.shape
    moved = torch.movedim(tensor, dim, -1)
    moved_shape = moved.shape
    flat = moved.reshape(-1, 1, shape[dim])
    pad = math.ceil((size - 1) / 2)
    flat = F.pad(flat, (pad, pad), "replicate")
    kernel = torch.exp(-0.5 * (grid / sigma) ** 2)
    kernel = kernel / kernel.sum()
    out = F.conv1d(flat, kernel).view(moved_shape)
    return torch.movedim(out, -1, dim)


class GaussianFilterNd(nn.Module):
    def __init__(self, dims, sigma, truncate=4, trainable=False):
        super().__init__()
        self.dims = dims
        self.sigma = nn.Parameter(torch.tensor(sigma, dtype=torch.float32), requires_grad=trainable)
        self.truncate = truncate

    def forward(self, tensor):
        for dim in self.dims:
            tensor = gaussian_filter_1d(tensor, dim, self.sigma, self.truncate)
        return tensor


class Finalizer(nn.Module):
    """``modules.Finalizer``: centre bias (B, H, W) downscaled, readout resized, blur, add, norm."""

    def __init__(self, sigma, learn_sigma=False, saliency_map_factor=4):
        super().__init__()
        self.saliency_map_factor = saliency_map_factor
        self.gauss = GaussianFilterNd([2, 3], sigma, truncate=3, trainable=learn_sigma)
        self.center_bias_weight = nn.Parameter(torch.Tensor([1.0]))

    def forward(self, readout, centerbias):
        small = F.interpolate(
            centerbias.view(centerbias.shape[0], 1, centerbias.shape[1], centerbias.shape[2]),
            scale_factor=1 / self.saliency_map_factor,
            recompute_scale_factor=False,
        )[:, 0, :, :]
        out = F.interpolate(readout, size=[small.shape[1], small.shape[2]])
        out = self.gauss(out)[:, 0, :, :]
        out = out + self.center_bias_weight * small
        out = F.interpolate(out[:, None], size=[centerbias.shape[1], centerbias.shape[2]])[:, 0]
        return out - out.logsumexp(dim=(1, 2), keepdim=True)


class DeepGazeII(nn.Module):
    """``modules.DeepGazeII`` (the base of the official ``DeepGazeI``)."""

    def __init__(self, features, readout_network, downsample, readout_factor, saliency_map_factor):
        super().__init__()
        self.readout_factor = readout_factor
        self.features = features
        self.readout_network = readout_network
        self.finalizer = Finalizer(8.0, learn_sigma=True, saliency_map_factor=saliency_map_factor)
        self.downsample = downsample

    def forward(self, x, centerbias):
        shape = x.shape
        x = F.interpolate(x, scale_factor=1 / self.downsample, recompute_scale_factor=False)
        x = self.features(x)
        readout_shape = [
            math.ceil(shape[2] / self.downsample / self.readout_factor),
            math.ceil(shape[3] / self.downsample / self.readout_factor),
        ]
        x = torch.cat([F.interpolate(item, readout_shape) for item in x], dim=1)
        return self.finalizer(self.readout_network(x), centerbias)


def official_deepgaze1() -> DeepGazeII:
    """``deepgaze1.DeepGazeI``: RGBalexnet (normaliser, AlexNet) read at ``1.features.10``."""
    alexnet = nn.Sequential(Normalizer(), torchvision.models.alexnet())
    readout = nn.Sequential(OrderedDict([("conv0", nn.Conv2d(256, 1, (1, 1), bias=False))]))
    return DeepGazeII(FeatureExtractor(alexnet, ["1.features.10"]), readout, 2, 4, 4)


class LayerNorm(nn.Module):
    """``layers.LayerNorm``: over (C, H, W), per-channel affine repeated over the pixels."""

    def __init__(self, features, eps=1e-12):
        super().__init__()
        self.features = features
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(features))
        self.bias = nn.Parameter(torch.zeros(features))

    def _spread(self, x, parameter):
        return (
            parameter.view(-1, 1, 1)
            .repeat_interleave(x.shape[2], 1)
            .repeat_interleave(x.shape[3], 2)
        )

    def forward(self, x):
        shape = (self.features, x.shape[2], x.shape[3])
        return F.layer_norm(
            x, shape, self._spread(x, self.weight), self._spread(x, self.bias), self.eps
        )


class Bias(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x + self.bias[None, :, None, None]


class Conv2dMultiInput(nn.Module):
    """``layers.Conv2dMultiInput`` for inputs (saliency, scanpath) with scanpath absent."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.in_channels = in_channels
        for k, channels in enumerate(in_channels):
            if channels:
                setattr(self, f"conv_part{k}", nn.Conv2d(channels, out_channels, 1, bias=False))

    def forward(self, tensors):
        out = None
        for k, (count, tensor) in enumerate(zip(self.in_channels, tensors, strict=True)):
            if count:
                part = getattr(self, f"conv_part{k}")(tensor)
                out = part if out is None else out + part
        return out


class LayerNormMultiInput(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.features = features
        for k, channels in enumerate(features):
            if channels:
                setattr(self, f"layernorm_part{k}", LayerNorm(channels))

    def forward(self, tensors):
        return [
            getattr(self, f"layernorm_part{k}")(t) if count else None
            for k, (count, t) in enumerate(zip(self.features, tensors, strict=True))
        ]


def saliency_network(channels):
    layers, c_in = [], channels
    for i, (c_out, act) in enumerate([(8, "softplus0"), (16, "softplus1"), (1, "softplus3")]):
        layers += [
            (f"layernorm{i}", LayerNorm(c_in)),
            (f"conv{i}", nn.Conv2d(c_in, c_out, (1, 1), bias=False)),
            (f"bias{i}", Bias(c_out)),
            (act, nn.Softplus()),
        ]
        c_in = c_out
    return nn.Sequential(OrderedDict(layers))


def fixation_selection_network():
    return nn.Sequential(
        OrderedDict(
            [
                ("layernorm0", LayerNormMultiInput([1, 0])),
                ("conv0", Conv2dMultiInput([1, 0], 128)),
                ("bias0", Bias(128)),
                ("softplus0", nn.Softplus()),
                ("layernorm1", LayerNorm(128)),
                ("conv1", nn.Conv2d(128, 16, (1, 1), bias=False)),
                ("bias1", Bias(16)),
                ("softplus1", nn.Softplus()),
                ("conv2", nn.Conv2d(16, 1, (1, 1), bias=False)),
            ]
        )
    )


class DeepGazeIIIMixture(nn.Module):
    """``modules.DeepGazeIIIMixture`` without scanpath networks (DeepGaze IIE's components)."""

    def __init__(self, features, components, channels):
        super().__init__()
        self.features = features
        self.saliency_networks = nn.ModuleList(
            saliency_network(channels) for _ in range(components)
        )
        self.scanpath_networks = [None] * components
        self.fixation_selection_networks = nn.ModuleList(
            fixation_selection_network() for _ in range(components)
        )
        self.finalizers = nn.ModuleList(
            Finalizer(8.0, learn_sigma=True, saliency_map_factor=2) for _ in range(components)
        )
        self.downsample, self.readout_factor = 2, 16

    def forward(self, x, centerbias):
        shape = x.shape
        x = F.interpolate(x, scale_factor=1 / self.downsample, recompute_scale_factor=False)
        x = self.features(x)
        readout_shape = [
            math.ceil(shape[2] / self.downsample / self.readout_factor),
            math.ceil(shape[3] / self.downsample / self.readout_factor),
        ]
        readout_input = torch.cat([F.interpolate(item, readout_shape) for item in x], dim=1)
        predictions = []
        for saliency, selection, finalizer in zip(
            self.saliency_networks, self.fixation_selection_networks, self.finalizers, strict=True
        ):
            y = selection((saliency(readout_input), None))
            predictions.append(finalizer(y, centerbias)[:, None])
        predictions = torch.cat(predictions, dim=1) - np.log(len(self.saliency_networks))
        return predictions.logsumexp(dim=1, keepdim=True)


class MixtureModel(nn.Module):
    def __init__(self, models):
        super().__init__()
        self.models = nn.ModuleList(models)

    def forward(self, *args):
        predictions = torch.cat([model(*args) for model in self.models], dim=1)
        predictions = predictions - np.log(len(self.models))
        return predictions.logsumexp(dim=1, keepdim=True)


# The vendored efficientnet_pytorch 0.6.3: every conv pads "same" for a 456-px input.
B5_BLOCKS = [  # kernel, repeats, in, out, expand, stride (before the width/depth multipliers)
    (3, 1, 32, 16, 1, 1),
    (3, 2, 16, 24, 6, 2),
    (5, 2, 24, 40, 6, 2),
    (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1),
    (5, 4, 112, 192, 6, 2),
    (3, 1, 192, 320, 6, 1),
]
B5_WIDTH, B5_DEPTH, B5_IMAGE = 1.6, 2.2, 456


def _round_filters(filters):
    filters *= B5_WIDTH
    new = max(8, int(filters + 4) // 8 * 8)
    return int(new + 8 if new < 0.9 * filters else new)


class StaticSameConv(nn.Conv2d):
    """``utils.Conv2dStaticSamePadding`` with ``image_size=456`` (0.6.3 passes it to every conv)."""

    def __init__(self, c_in, c_out, kernel, stride=1, groups=1, bias=True):
        super().__init__(c_in, c_out, kernel, stride=stride, groups=groups, bias=bias)
        out = math.ceil(B5_IMAGE / stride)
        pad = max((out - 1) * stride + kernel - B5_IMAGE, 0)
        self.static_padding = (
            nn.ZeroPad2d((pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
            if pad
            else nn.Identity()
        )

    def forward(self, x):
        return super().forward(self.static_padding(x))


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class MBConvBlock(nn.Module):
    def __init__(self, kernel, c_in, c_out, expand, stride):
        super().__init__()
        mid = c_in * expand
        bn = {"momentum": 0.01, "eps": 1e-3}
        self.expand, self.stride, self.c_in, self.c_out = expand, stride, c_in, c_out
        if expand != 1:
            self._expand_conv = StaticSameConv(c_in, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, **bn)
        self._depthwise_conv = StaticSameConv(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, **bn)
        squeezed = max(1, int(c_in * 0.25))
        self._se_reduce = StaticSameConv(mid, squeezed, 1)
        self._se_expand = StaticSameConv(squeezed, mid, 1)
        self._project_conv = StaticSameConv(mid, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, **bn)
        self._swish = Swish()

    def forward(self, inputs):
        x = inputs
        if self.expand != 1:
            x = self._swish(self._bn0(self._expand_conv(inputs)))
        x = self._swish(self._bn1(self._depthwise_conv(x)))
        squeezed = self._se_expand(self._swish(self._se_reduce(F.adaptive_avg_pool2d(x, 1))))
        x = self._bn2(self._project_conv(torch.sigmoid(squeezed) * x))
        if self.stride == 1 and self.c_in == self.c_out:
            x = x + inputs  # drop connect is off in evaluation
        return x


class EfficientNetB5(nn.Module):
    def __init__(self):
        super().__init__()
        bn = {"momentum": 0.01, "eps": 1e-3}
        stem = _round_filters(32)
        self._conv_stem = StaticSameConv(3, stem, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(stem, **bn)
        blocks = []
        for kernel, repeats, c_in, c_out, expand, stride in B5_BLOCKS:
            c_in, c_out = _round_filters(c_in), _round_filters(c_out)
            for r in range(int(math.ceil(B5_DEPTH * repeats))):
                first = r == 0
                block_in, block_stride = (c_in, stride) if first else (c_out, 1)
                blocks.append(MBConvBlock(kernel, block_in, c_out, expand, block_stride))
        self._blocks = nn.ModuleList(blocks)
        head = _round_filters(1280)
        self._conv_head = StaticSameConv(c_out, head, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(head, **bn)
        self._fc = nn.Linear(head, 1000)
        self._swish = Swish()

    def forward(self, x):
        x = self._swish(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = self._swish(self._bn1(self._conv_head(x)))
        return self._fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


IIE_BACKBONES = {  # deepgaze2e.BACKBONES: network, used features, channels
    "shapenet_c": (
        lambda: nn.Sequential(OrderedDict([("module", torchvision.models.resnet50())])),
        ["1.module.layer3.0.conv2", "1.module.layer3.3.conv2", "1.module.layer3.5.conv1",
         "1.module.layer3.5.conv2", "1.module.layer4.1.conv2", "1.module.layer4.2.conv2"],
        2048,
    ),
    "efficientnet_b5": (
        EfficientNetB5,
        ["1._blocks.24._depthwise_conv", "1._blocks.26._depthwise_conv",
         "1._blocks.35._project_conv"],
        2416,
    ),
    "densenet201": (
        torchvision.models.densenet201,
        ["1.features.denseblock4.denselayer32.norm1", "1.features.denseblock4.denselayer32.conv1",
         "1.features.denseblock4.denselayer31.conv2"],
        2048,
    ),
    "resnext50": (
        torchvision.models.resnext50_32x4d,
        ["1.layer3.5.conv1", "1.layer3.5.conv2", "1.layer3.4.conv2", "1.layer4.2.conv2"],
        2560,
    ),
}  # fmt: skip


def official_deepgaze2e(components: int) -> MixtureModel:
    """``deepgaze2e.DeepGazeIIE`` with ``components`` readouts per backbone (30 officially)."""
    mixtures = []
    for network, targets, channels in IIE_BACKBONES.values():
        features = FeatureExtractor(nn.Sequential(Normalizer(), network()), targets)
        mixtures.append(DeepGazeIIIMixture(features, components, channels))
    return MixtureModel(mixtures).eval()


def randomise(module: nn.Module, seed: int) -> nn.Module:
    """Non-trivial values for what random initialisation leaves at 0 or 1 (norms, biases, σ)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            leaf = name.rsplit(".", 1)[-1]
            if tensor.dtype != torch.float32:
                continue
            if leaf in ("running_var", "center_bias_weight"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=g))
            elif leaf in ("running_mean", "bias") or (leaf == "weight" and tensor.ndim == 1):
                base = 1.0 if leaf == "weight" else 0.0
                tensor.copy_(base + 0.1 * torch.randn(tensor.shape, generator=g))
            elif leaf == "sigma":
                tensor.copy_(2.0 + 3 * torch.rand(tensor.shape, generator=g))
    return module


# ---------------------------------------------------------------------------------------
# SalNet: the Caffe deploy prototxt, layer by layer, on numpy blobs

SALNET_MEAN_BGR = (100, 110, 118)
SALNET_INPUT_SCALE = 0.0078431372549  # as written in deep/__init__.py


def caffe_lrn(x, size=5, alpha=1e-4, beta=0.75, k=1.0):
    """Caffe LRN, ACROSS_CHANNELS: x / (k + alpha / size * sum of squares over the window)^beta."""
    sq = F.pad(x.pow(2), (0, 0, 0, 0, (size - 1) // 2, size // 2))
    window = sum(sq[:, i : i + x.shape[1]] for i in range(size))
    return x / (k + alpha / size * window).pow(beta)


def caffe_max_pool(x, kernel=3, stride=2):
    """Caffe pooling (pad 0): ceil((H - k) / s) + 1 outputs; windows past the edge are clipped."""
    out_h = math.ceil((x.shape[2] - kernel) / stride) + 1
    out_w = math.ceil((x.shape[3] - kernel) / stride) + 1
    right = (out_w - 1) * stride + kernel - x.shape[3]
    bottom = (out_h - 1) * stride + kernel - x.shape[2]
    padded = F.pad(x, (0, right, 0, bottom), value=-math.inf)
    return padded.unfold(2, kernel, stride).unfold(3, kernel, stride).amax(dim=(-1, -2))


def caffe_deconv(x, weight, stride, pad):
    """Caffe Deconvolution: insert stride-1 zeros, pad k-1-p, correlate with the flipped kernel."""
    k = weight.shape[-1]
    b, c, h, w = x.shape
    up = x.new_zeros(b, c, (h - 1) * stride + 1, (w - 1) * stride + 1)
    up[:, :, ::stride, ::stride] = x
    up = F.pad(up, (k - 1 - pad,) * 4)
    return F.conv2d(up, weight.transpose(0, 1).flip(-1, -2))


SALNET_PROTOTXT = [  # name, pad (stride 1); ReLU after all but conv9
    ("conv1", 3), ("conv2", 2), ("conv3", 1), ("conv4", 2), ("conv5", 2),
    ("conv6", 3), ("conv7", 5), ("conv8", 5), ("conv9", 6),
]  # fmt: skip


def caffe_salnet(blobs: dict[str, list[np.ndarray]], data: torch.Tensor) -> torch.Tensor:
    """``deep_net_deploy.prototxt`` on ``data1`` (BGR, mean-subtracted, scaled), -> ``deconv1``."""
    x = data
    for name, pad in SALNET_PROTOTXT:
        weight = torch.from_numpy(blobs[name][0])
        bias = torch.from_numpy(blobs[name][1].reshape(-1))
        x = F.conv2d(x, weight, bias, padding=pad)
        if name != "conv9":
            x = torch.relu(x)
        if name == "conv1":
            x = caffe_max_pool(caffe_lrn(x))
        elif name == "conv2":
            x = caffe_max_pool(x)
    return caffe_deconv(x, torch.from_numpy(blobs["deconv1"][0]), stride=4, pad=2)


def salnet_get_saliency(blobs, image: np.ndarray) -> np.ndarray:
    """``deep/__init__.py`` ``SalNet.get_saliency`` (defaults) with the prototxt above."""
    h, w = image.shape[:2]
    scale = min(1.0, 320 / float(w), 320 / float(h))
    im = cv2.resize(image.astype(np.float32), None, fx=scale, fy=scale)
    im = im[:, :, (2, 1, 0)].astype(np.float32)
    im -= np.array(SALNET_MEAN_BGR)
    im *= SALNET_INPUT_SCALE
    data = torch.from_numpy(np.ascontiguousarray(im.transpose(2, 0, 1)[None], dtype=np.float32))
    with torch.no_grad():
        p = caffe_salnet(blobs, data)[0, 0].numpy()
    p = p * 128 + 127
    p = np.clip(p, 0, 255)
    p = cv2.resize(p, (w, h), interpolation=cv2.INTER_CUBIC)
    p = cv2.GaussianBlur(p, (5, 5), 0)
    p = np.clip(p, 0, 255)
    if p.max() > 0:
        p = (p / p.max()) * 255.0
    return p.astype(np.uint8)


# ---------------------------------------------------------------------------------------
# SalGAN: Lasagne layers on the official .npz arrays (RGB 0-255 in)

SALGAN_BGR_MEAN = np.array([103.939, 116.779, 123.68], np.float32)
SALGAN_VGG = [2, 2, 3, 3, 3]  # convs per block, a 2x2 max-pool after blocks 1-4
SALGAN_DECODER = [3, 3, 3, 2, 2]  # uconv5_x ... uconv1_x, a x2 upscale after the first four


def lasagne_conv(x, W, b, pad, flip_filters):
    """Lasagne ``Conv2DLayer``: true convolution when ``flip_filters`` (its default)."""
    W, b = torch.from_numpy(W), torch.from_numpy(b)
    if flip_filters:  # a stride-1 transposed convolution is the true convolution
        return F.conv_transpose2d(x, W.transpose(0, 1), b, padding=W.shape[-1] - 1 - pad)
    return F.conv2d(x, W, b, padding=pad)


def lasagne_pool(x, size):
    """Lasagne ``Pool2DLayer(size)``: max over size x size, stride size, ignore_border."""
    h, w = x.shape[2] // size * size, x.shape[3] // size * size
    return x[:, :, :h, :w].unfold(2, size, size).unfold(3, size, size).amax(dim=(-1, -2))


def salgan_generator(arrays: list[np.ndarray], rgb: torch.Tensor) -> torch.Tensor:
    """``generator.build`` (VGG-16 with ``flip_filters=False``, decoder with the default)."""
    arrays = iter(arrays)
    x = rgb.flip(1) - torch.from_numpy(SALGAN_BGR_MEAN).view(1, 3, 1, 1)  # RGBtoBGRLayer
    for block, convs in enumerate(SALGAN_VGG):
        for _ in range(convs):
            x = torch.relu(lasagne_conv(x, next(arrays), next(arrays), 1, flip_filters=False))
        if block < 4:
            x = lasagne_pool(x, 2)
    for block, convs in enumerate(SALGAN_DECODER):
        for _ in range(convs):
            x = torch.relu(lasagne_conv(x, next(arrays), next(arrays), 1, flip_filters=True))
        if block < 4:
            x = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # Upscale2DLayer
    return torch.sigmoid(lasagne_conv(x, next(arrays), next(arrays), 0, flip_filters=True))


def salgan_discriminator(
    arrays: list[np.ndarray], saliency: torch.Tensor, rgb: torch.Tensor
) -> torch.Tensor:
    """``discriminator.build`` on ``concatenate([saliency, image])``, the image RGB 0-255."""
    (mW, mb, c1W, c1b, c21W, c21b, c22W, c22b, c31W, c31b, c31g, c32W, c32b, c32g,
     f4W, f4b, f5W, f5b, f6W, f6b) = arrays  # fmt: skip

    def weight_norm(V, g):  # nn.WeightNormLayer on a conv: axes (1, 2, 3), eps 1e-6 in the root
        return V * (g / np.sqrt(1e-6 + np.sum(np.square(V), axis=(1, 2, 3))))[:, None, None, None]

    x = torch.cat([saliency, rgb], dim=1)
    x = torch.relu(lasagne_conv(x, mW, mb, 0, flip_filters=False))
    x = lasagne_pool(torch.relu(lasagne_conv(x, c1W, c1b, 1, True)), 4)
    x = torch.relu(lasagne_conv(x, c21W, c21b, 1, True))
    x = lasagne_pool(torch.relu(lasagne_conv(x, c22W, c22b, 1, True)), 2)
    zero = np.zeros_like(c31b)
    x = torch.relu(lasagne_conv(x, weight_norm(c31W, c31g), zero, 1, True) + _col(c31b))
    x = torch.relu(lasagne_conv(x, weight_norm(c32W, c32g), zero, 1, True) + _col(c32b))
    x = lasagne_pool(x, 2).flatten(1)
    x = torch.tanh(x @ torch.from_numpy(f4W) + torch.from_numpy(f4b))
    x = torch.tanh(x @ torch.from_numpy(f5W) + torch.from_numpy(f5b))
    return torch.sigmoid(x @ torch.from_numpy(f6W) + torch.from_numpy(f6b))


def _col(b):
    return torch.from_numpy(b).view(1, -1, 1, 1)


def salgan_predict(arrays: list[np.ndarray], image: np.ndarray) -> np.ndarray:
    """``utils.predict``: INTER_AREA to 256x192, generator, uint8, bicubic back, 5x5 blur, clip."""
    size = (image.shape[1], image.shape[0])
    if image.shape[:2] != (192, 256):
        image = cv2.resize(image, (256, 192), interpolation=cv2.INTER_AREA)
    blob = torch.from_numpy(image.astype(np.float32).transpose(2, 0, 1)[None].copy())
    with torch.no_grad():
        result = salgan_generator(arrays, blob)[0, 0].numpy()
    saliency = (result * 255).astype(np.uint8)
    saliency = cv2.resize(saliency, size, interpolation=cv2.INTER_CUBIC)
    saliency = cv2.GaussianBlur(saliency, (5, 5), 0)
    return np.clip(saliency, 0, 255)


# ---------------------------------------------------------------------------------------
# Caffe's protobuf, written by hand in the legacy V1 layout of 2014-era model files


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _message(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def write_v1_caffemodel(path, layers: list[tuple[str, list[np.ndarray]]]) -> None:
    """A ``NetParameter`` with ``layers`` (field 2) of ``V1LayerParameter`` (name 4, blobs 6).

    Each ``BlobProto`` has num/channels/height/width (fields 1-4, varints) and
    packed float ``data`` (field 5); 1-d blobs are stored as 1 x 1 x 1 x n, as
    Caffe did for biases.
    """
    net = _message(1, b"VGG_CNN_M")  # NetParameter.name
    for name, blobs in layers:
        layer = _message(4, name.encode())
        for blob in blobs:
            dims = (1,) * (4 - blob.ndim) + blob.shape
            fields = zip((1, 2, 3, 4), dims, strict=True)
            header = b"".join(_varint(f << 3) + _varint(d) for f, d in fields)
            layer += _message(6, header + _message(5, blob.astype("<f4").tobytes()))
        net += _message(2, layer)
    with open(path, "wb") as handle:
        handle.write(net)

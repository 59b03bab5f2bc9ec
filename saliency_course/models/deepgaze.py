"""DeepGaze I and II: saliency as a probability density over the image.

M. Kümmerer, L. Theis, M. Bethge. "Deep Gaze I: Boosting Saliency Prediction
with Feature Maps Trained on ImageNet", ICLR Workshop 2015, arXiv:1411.1045.
M. Kümmerer, T. S. A. Wallis, M. Bethge. "DeepGaze II: Reading fixations from
deep features trained on object recognition", arXiv:1610.01563 (2016).
Official PyTorch code: github.com/matthias-k/DeepGaze (``deepgaze_pytorch``).

Both read out a frozen ImageNet network with a small trained network, then
(the official ``Finalizer``) resample the readout to the centre bias at
``1/saliency_map_factor`` of the image size, blur it with a Gaussian of learnable
σ (truncated at 3σ, replicate padding), add ``α · log centre bias`` (α
learnable, init 1), resample to the image size (nearest) and normalise with a
log-softmax over all pixels. The output ``(B, 1, H, W)`` is a log-density:
``logsumexp == 0`` per image. The loss is the negative log-likelihood of the
fixations. Where the papers and the official code differ we follow the code:

* ``deepgaze1`` is the official PyTorch *port*, not the paper's Caffe model:
  torchvision's single-stream AlexNet, input downsampled x2, ``features.10``
  (conv5 before its ReLU, 256 maps) read out by one 1x1 convolution without
  bias; σ init 8, readout_factor 4, saliency_map_factor 4. 258 trainable
  parameters on 2,469,696 frozen ones. ``weights="official"`` (the default
  with ``pretrained=True``) loads the port's ``deepgaze1.pth`` (trained on the
  MIT1003 images of 1024x768), ``weights="imagenet"`` only the ImageNet AlexNet
  with an untrained readout (to train it yourself).
  ``layers="all"`` builds DeepGaze I as the lecture describes it: the readout
  reads all five conv layers (before their ReLUs, like the port's conv5;
  64 + 192 + 384 + 256 + 256 = 1152 maps), each resampled (nearest, like the
  official multi-layer readouts) to the readout grid (about conv1's): 1154
  trainable parameters. The paper's sparsity penalty on the readout weights is
  a training option (recipe ``deepgaze1_l1``); :func:`readout_weights_by_layer`
  shows what it leaves alive. No official weights exist for this variant. The
  paper's own layer set (on Caffe's AlexNet) and the form and strength of its
  penalty could not be checked: only its abstract could be read.
* ``deepgaze2``: frozen VGG-19 read at conv5_1, relu5_1, relu5_2, conv5_3 and
  relu5_4 (2560 channels; no official PyTorch model exists), readout of four
  1x1 convolutions with 16, 32, 2 and 1 channels (a Bethge-lab TensorFlow
  implementation), 41,589 readout parameters. Between them that code uses
  ReLU (``nonlinearity="relu"``); the paper's choice is unverified. The default
  here is softplus, as in the official PyTorch readouts of DeepGaze IIE/III:
  with ReLU and PyTorch's default initialisation the 2-channel layer was dead
  (all outputs <= 0, so no gradient at all) for 4 of 6 seeds we tried. Then
  downsample 2, readout_factor 16,
  saliency_map_factor 2 and σ init 8 as the official ``DeepGazeII`` module.
  No official weights: ``pretrained=True`` loads the ImageNet VGG-19 only,
  and the readout is trained in the course.

**Input policy**: the official models run at the image's native resolution
(their README: about 35 px per degree, the MIT1003 scale), so ``predict`` feeds
the image as it is. ``input_size`` records the training size (MIT1003's
1024x768).

**Centre bias.** ``centerbias`` is a log-density. ``"mit1003"`` is the official
``centerbias_mit1003.npy`` (a 1024x1024 log-density over the image), the
default of DeepGaze I with ``pretrained=True`` (its centre-bias weight was
trained with a log centre bias); ``"uniform"`` (the default with
``pretrained=False``, so that builds offline, and of DeepGaze II) is none; an
array is stored as given. A stored or given centre bias is resampled to each
input as the official README does it, ``scipy.ndimage.zoom(order=0,
mode="nearest")`` (:func:`zoom_nearest`), then renormalised to ``logsumexp ==
0``; it is saved in the model's checkpoints. ``forward(x, centerbias)`` takes
one per batch, as the official modules do.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .backbones import fetch_weights, freeze, torchvision_features
from .predict import NATIVE

DEEPGAZE1_URL = "https://github.com/matthias-k/DeepGaze/releases/download/v1.01/deepgaze1.pth"
CENTERBIAS_URL = (
    "https://github.com/matthias-k/DeepGaze/releases/download/v1.0.0/centerbias_mit1003.npy"
)
CENTERBIAS_FILE = "centerbias_mit1003.npy"


class GaussianBlur(nn.Module):
    """Separable Gaussian blur with a learnable σ (pixels), truncated at ``truncate`` σ."""

    def __init__(self, sigma: float, truncate: float = 3.0, learn_sigma: bool = True) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma!r}")
        self.sigma = nn.Parameter(torch.tensor(float(sigma)), requires_grad=learn_sigma)
        self.truncate = truncate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        radius = int(math.ceil(self.truncate * float(self.sigma.detach().abs())))
        grid = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
        kernel = torch.exp(-0.5 * (grid / self.sigma) ** 2)
        kernel = kernel / kernel.sum()
        channels = x.shape[1]
        x = F.pad(x, (radius, radius, radius, radius), mode="replicate")
        x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
        return F.conv2d(x, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)


class Finalizer(nn.Module):
    """Readout -> log-density: resample, blur, add ``α · centre bias``, log-softmax."""

    def __init__(self, sigma: float = 8.0, saliency_map_factor: int = 4) -> None:
        super().__init__()
        self.saliency_map_factor = saliency_map_factor
        self.gauss = GaussianBlur(sigma)  # names as the official code, for its weights
        self.center_bias_weight = nn.Parameter(torch.tensor([1.0]))

    def forward(self, readout: torch.Tensor, centerbias: torch.Tensor) -> torch.Tensor:
        small_cb = F.interpolate(
            centerbias, scale_factor=1 / self.saliency_map_factor, recompute_scale_factor=False
        )
        out = F.interpolate(readout, size=small_cb.shape[-2:])
        out = self.gauss(out) + self.center_bias_weight * small_cb
        out = F.interpolate(out, size=centerbias.shape[-2:])
        return out - torch.logsumexp(out.flatten(1), dim=1).view(-1, 1, 1, 1)


def _nearest_indices(n_in: int, n_out: int, device: torch.device) -> torch.Tensor:
    # scipy.ndimage.zoom (grid_mode=False): output k samples input k * (n_in - 1) / (n_out - 1),
    # and order 0 takes floor(coordinate + 0.5); mode "nearest" clamps to the edge
    zoom = (n_in - 1) / (n_out - 1) if n_out > 1 else 1.0
    coords = torch.arange(n_out, dtype=torch.float64, device=device) * zoom
    return torch.floor(coords + 0.5).long().clamp_(0, n_in - 1)


def zoom_nearest(maps: torch.Tensor, size) -> torch.Tensor:
    """``maps (..., h, w)`` resampled to ``size`` like ``scipy.ndimage.zoom(order=0)``.

    The official README rescales its 1024x1024 centre bias this way, with zoom
    factors ``(H / h, W / w)``, before renormalising it.
    """
    rows = _nearest_indices(maps.shape[-2], int(size[0]), maps.device)
    cols = _nearest_indices(maps.shape[-1], int(size[1]), maps.device)
    return maps.index_select(-2, rows).index_select(-1, cols)


def centerbias_for(log_density: torch.Tensor | None, batch: int, size, like: torch.Tensor):
    """A ``(B, 1, H, W)`` centre-bias log-density at ``size``: resampled and renormalised."""
    if log_density is None:
        return like.new_zeros(batch, 1, *size) - math.log(size[0] * size[1])
    cb = torch.as_tensor(log_density).to(like)
    if cb.ndim == 2:
        cb = cb[None, None]
    elif cb.ndim == 3:
        cb = cb[:, None]
    if cb.ndim != 4 or cb.shape[1] != 1 or cb.shape[0] not in (1, batch):
        raise ValueError(
            f"centerbias must be (H, W), (B, H, W) or (B, 1, H, W) with B in (1, {batch}), "
            f"got {tuple(log_density.shape)}"
        )
    if tuple(cb.shape[-2:]) != tuple(size):
        cb = zoom_nearest(cb, size)
    cb = cb - torch.logsumexp(cb.flatten(1), dim=1).view(-1, 1, 1, 1)
    return cb.expand(batch, 1, *size)


def resolve_centerbias(centerbias, default: str, progress: bool = True) -> np.ndarray | None:
    """``"mit1003"`` (fetched), ``"uniform"`` (None), None (``default``) or an array as is."""
    if centerbias is None:
        centerbias = default
    if isinstance(centerbias, str):
        if centerbias == "uniform":
            return None
        if centerbias == "mit1003":
            return np.load(fetch_weights(CENTERBIAS_URL, CENTERBIAS_FILE, progress=progress))
        raise ValueError(
            f"centerbias must be 'mit1003', 'uniform', None or an array, got {centerbias!r}"
        )
    return centerbias


class FeatureTaps(nn.Module):
    """Run a frozen ``nn.Sequential`` and return the outputs of the layers at ``indices``."""

    def __init__(self, features: nn.Sequential, indices: tuple[int, ...]) -> None:
        super().__init__()
        for module in features:
            if isinstance(module, nn.ReLU):
                module.inplace = False  # keep conv outputs that are read before their ReLU
        self.features = freeze(features[: max(indices) + 1])
        self.indices = indices
        self.train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for i, module in enumerate(self.features):
            x = module(x)
            if i in self.indices:
                outputs.append(x)
        return outputs

    def train(self, mode: bool = True):
        return super().train(False)  # frozen: always in evaluation mode


class StoredCenterBias(nn.Module):
    """A module with an optional ``centerbias`` buffer (a log-density) saved in its checkpoints.

    Loading a state dict takes the stored centre bias whatever its size (or none),
    and a state dict without one (e.g. the official weights files) keeps the
    current one.
    """

    def _set_centerbias(self, centerbias) -> None:
        cb = (
            None
            if centerbias is None
            else torch.as_tensor(np.asarray(centerbias), dtype=torch.float32)
        )
        if cb is not None and (cb.ndim != 2 or not torch.isfinite(cb).all()):
            raise ValueError(
                f"centerbias must be a finite (H, W) log-density, got shape {tuple(cb.shape)}"
            )
        self.register_buffer("centerbias", cb)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
    ):
        key = prefix + "centerbias"
        if key in state_dict:
            self._set_centerbias(state_dict[key].detach().cpu())
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing, unexpected, errors
        )
        if key in missing:
            missing.remove(key)


class DeepGaze(StoredCenterBias):
    """Frozen features -> readout -> :class:`Finalizer`; ``(B, 3, H, W)`` -> log-density."""

    output_kind = "log_density"
    input_policy = NATIVE

    def __init__(
        self,
        features: nn.Module,
        readout: nn.Module,
        downsample: int,
        readout_factor: int,
        saliency_map_factor: int,
        sigma: float,
        input_size: tuple[int, int],
        centerbias: np.ndarray | torch.Tensor | None = None,
        feature_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.feature_names = feature_names
        self.features = features
        self.readout = readout
        self.finalizer = Finalizer(sigma, saliency_map_factor)
        self.downsample = downsample
        self.readout_factor = readout_factor
        self.input_size = input_size
        self._set_centerbias(centerbias)

    def forward(self, x: torch.Tensor, centerbias: torch.Tensor | None = None) -> torch.Tensor:
        height, width = x.shape[-2:]
        stored = self.centerbias if centerbias is None else centerbias
        cb = centerbias_for(stored, x.shape[0], (height, width), x)
        small = F.interpolate(x, scale_factor=1 / self.downsample, recompute_scale_factor=False)
        readout_shape = (
            math.ceil(height / self.downsample / self.readout_factor),
            math.ceil(width / self.downsample / self.readout_factor),
        )
        maps = [F.interpolate(f, size=readout_shape) for f in self.features(small)]
        return self.finalizer(self.readout(torch.cat(maps, dim=1)), cb)


ALEXNET_CONVS = {"conv1": 0, "conv2": 3, "conv3": 6, "conv4": 8, "conv5": 10}  # before ReLU
DEEPGAZE1_LAYERS = {"conv5": ("conv5",), "all": tuple(ALEXNET_CONVS)}
VGG19_TAPS = (28, 29, 31, 32, 35)  # conv5_1, relu5_1, relu5_2, conv5_3, relu5_4


def readout_weights_by_layer(model: DeepGaze) -> dict[str, np.ndarray]:
    """DeepGaze I's readout weights split by the layer whose maps they weigh.

    ``{layer: weights}`` in reading order (e.g. ``conv1`` ... ``conv5`` for
    ``layers="all"``); with a sparsity penalty, most of them end near zero.
    """
    readout = model.readout
    if not isinstance(readout, nn.Conv2d) or readout.out_channels != 1:
        raise ValueError(
            f"model must have a linear (1x1 convolution) readout, got {type(readout).__name__}"
        )
    weights = readout.weight.detach().cpu().flatten().numpy()
    sizes = [model.features.features[i].out_channels for i in model.features.indices]
    parts = np.split(weights, np.cumsum(sizes)[:-1])
    return dict(zip(model.feature_names, parts, strict=True))


def deepgaze1_from_official(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename the keys of the official ``deepgaze1.pth`` to this module's layout.

    Official: ``features.features.1.features.<i>.*`` (AlexNet after a normaliser),
    ``readout_network.conv0.weight`` and ``finalizer.*``; AlexNet's classifier is
    not used and dropped.
    """
    renamed = {}
    for key, value in state.items():
        if key.startswith("features.features.1.features."):
            renamed["features.features." + key[len("features.features.1.features.") :]] = value
        elif key == "readout_network.conv0.weight":
            renamed["readout.weight"] = value
        elif key.startswith("finalizer."):
            renamed[key] = value
    return renamed


def build_deepgaze1(
    pretrained: bool = True,
    weights: str = "official",
    centerbias: np.ndarray | str | None = None,
    layers: str = "conv5",
    progress: bool = True,
) -> DeepGaze:
    """DeepGaze I: AlexNet features read out by a 1x1 convolution without bias.

    ``weights`` (with ``pretrained``): ``"official"`` (the port's trained model),
    ``"imagenet"`` (ImageNet AlexNet, untrained readout) or a path to a file in
    the official format. ``layers``: ``"conv5"`` (the official port) or
    ``"all"`` (conv1-conv5, as the lecture describes DeepGaze I). ``centerbias``:
    see the module docstring (default ``"mit1003"`` with ``pretrained``, else
    uniform).
    """
    if layers not in DEEPGAZE1_LAYERS:
        raise ValueError(f"layers must be one of {sorted(DEEPGAZE1_LAYERS)}, got {layers!r}")
    if weights not in ("official", "imagenet") and not Path(weights).is_file():
        raise ValueError(
            f"weights must be 'official', 'imagenet' or an existing file, got {weights!r}"
        )
    imagenet = pretrained and weights == "imagenet"
    if pretrained and not imagenet and layers != "conv5":
        raise ValueError(
            f"layers={layers!r} has no official weights (the port reads conv5): "
            "use weights='imagenet' (then train) or pretrained=False"
        )
    path = None
    if pretrained and not imagenet:
        path = Path(weights) if weights != "official" else None
        path = path or fetch_weights(DEEPGAZE1_URL, "deepgaze1.pth", progress=progress)
    names = DEEPGAZE1_LAYERS[layers]
    taps = tuple(ALEXNET_CONVS[name] for name in names)
    features = FeatureTaps(torchvision_features("alexnet", imagenet, progress), taps)
    channels = sum(features.features[i].out_channels for i in taps)
    readout = nn.Conv2d(channels, 1, 1, bias=False)
    prior = resolve_centerbias(centerbias, "mit1003" if pretrained else "uniform", progress)
    model = DeepGaze(features, readout, 2, 4, 4, 8.0, (768, 1024), prior, names)
    if path is not None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(deepgaze1_from_official(state), strict=True)
    return model


NONLINEARITIES = {"softplus": nn.Softplus, "relu": nn.ReLU}


def deepgaze2_readout(channels: int = 2560, nonlinearity: str = "softplus") -> nn.Sequential:
    """The DeepGaze II readout: 1x1 convolutions 16, 32, 2, 1 with ``nonlinearity`` between."""
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(
            f"nonlinearity must be one of {sorted(NONLINEARITIES)}, got {nonlinearity!r}"
        )
    act = NONLINEARITIES[nonlinearity]
    return nn.Sequential(
        OrderedDict(
            [
                ("conv0", nn.Conv2d(channels, 16, 1)),
                ("act0", act()),
                ("conv1", nn.Conv2d(16, 32, 1)),
                ("act1", act()),
                ("conv2", nn.Conv2d(32, 2, 1)),
                ("act2", act()),
                ("conv3", nn.Conv2d(2, 1, 1)),
            ]
        )
    )


def build_deepgaze2(
    pretrained: bool = True,
    centerbias: np.ndarray | str | None = None,
    nonlinearity: str = "softplus",
    progress: bool = True,
) -> DeepGaze:
    """DeepGaze II: frozen VGG-19 conv5 features, readout 16-32-2-1 (ImageNet weights only).

    ``centerbias`` defaults to uniform (there is no trained readout to pair with one).
    """
    features = FeatureTaps(torchvision_features("vgg19", pretrained, progress), VGG19_TAPS)
    readout = deepgaze2_readout(2560, nonlinearity)
    prior = resolve_centerbias(centerbias, "uniform", progress)
    names = ("conv5_1", "relu5_1", "relu5_2", "conv5_3", "relu5_4")
    return DeepGaze(features, readout, 2, 16, 2, 8.0, (768, 1024), prior, names)

"""Pretrained weights: ImageNet backbones (torchvision) and official saliency files.

ImageNet weights are torchvision's (its weights API names the URL) and live in
torch's hub cache (``torch.hub.get_dir()/checkpoints/<file>``, the file name
torchvision would use, so an existing cache serves); official saliency weights
(e.g. DeepGaze IIE's ``deepgaze2e.pth``) live in ``config.data_root()/weights/``.
Both are downloaded by :func:`saliency_course.data.download.download_file`
(atomic, resumable, one switch for every URL); a torchvision file is then
checked against the SHA-256 prefix in its name, as ``torch.hub`` does. A file
already in its cache is used as is.
Otherwise, when ``SALIENCY_COURSE_OFFLINE=1`` (or the host cannot be reached
within a few seconds) an :class:`~saliency_course.errors.OfflineError` says which
file to fetch and where to put it, instead of a long network timeout.
"""

from __future__ import annotations

import hashlib
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

import torch
import torchvision

from .. import config
from ..errors import ChecksumError, DownloadError, OfflineError
from .predict import IMAGENET_MEAN, IMAGENET_STD

CONNECT_TIMEOUT_S = 5.0
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)  # the VGG mean of Caffe/Theano ports (BGR, 0-255)

# VGG-16's conv layers (3x3): name, in, out, in torchvision's (and the official ports') order.
VGG16_TABLE = (
    ("conv1_1", 3, 64), ("conv1_2", 64, 64),
    ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
    ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512),
)  # fmt: skip


def hub_checkpoint_path(url: str) -> Path:
    """Where torch's hub cache keeps the file at ``url``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name


def weights_path(filename: str) -> Path:
    """Where official saliency weights live: ``config.data_root()/weights/<filename>``."""
    return config.data_root() / "weights" / filename


def _offline_error(url: str, dest: Path, reason: str) -> OfflineError:
    return OfflineError(
        f"{reason}: cannot download {url}. Fetch that file on a machine with internet "
        f"and put it at {dest} (the folder is created if missing), then run again; "
        "or build the model with pretrained=False."
    )


def _check_reachable(url: str, dest: Path) -> None:
    from ..data.download import downloads_blocked, mirrored_url

    if downloads_blocked():
        raise _offline_error(url, dest, f"offline ({config.OFFLINE_ENV}=1)")
    served = urlparse(mirrored_url(url))
    host = served.hostname
    port = served.port or (80 if served.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise _offline_error(url, dest, f"{host} not reachable ({err})") from err


def _download(url: str, dest: Path, md5: str | None, progress: bool) -> Path:
    from ..data.download import download_file

    _check_reachable(url, dest)
    try:
        return download_file(url, dest, md5=md5, progress=progress)
    except (OfflineError, ChecksumError):
        raise
    except DownloadError as err:
        raise _offline_error(url, dest, f"download failed ({err})") from err


def _check_hub_hash(path: Path, url: str) -> None:
    """``torch.hub``'s check: the file's SHA-256 starts with the hex digits after the last '-'."""
    found = re.search(r"-([a-f0-9]+)\.", path.name)
    if found is None:
        return
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    if not digest.startswith(found.group(1)):
        path.unlink()
        raise ChecksumError(
            f"checksum mismatch for {url}: SHA-256 {digest} does not start with "
            f"{found.group(1)}; the download was deleted"
        )


def load_hub_state_dict(url: str, progress: bool = True) -> dict[str, torch.Tensor]:
    """The state dict at ``url``, from torch's hub cache or downloaded into it.

    A download is checked as ``torch.hub`` does (the SHA-256 prefix in the file name).
    Under a mirror (``$SALIENCY_COURSE_MIRROR``, the rehearsal) the mirror manifest's
    checksums replace that production hash, as they replace every production MD5.
    """
    from ..data.download import mirror

    dest = hub_checkpoint_path(url)
    if not dest.is_file():
        path = _download(url, dest, None, progress)
        if mirror() is None:
            _check_hub_hash(path, url)
    return torch.load(dest, map_location="cpu", weights_only=True)


def load_imagenet_weights(
    module: torch.nn.Module, weights_name: str, prefix: str = "", progress: bool = True
) -> torch.nn.Module:
    """Load torchvision's ``weights_name`` (e.g. ``"VGG16_Weights.IMAGENET1K_V1"``) into ``module``.

    Only the keys that start with ``prefix`` are loaded (the prefix stripped), so
    ``prefix="features."`` fills a VGG's convolutional part; loading is strict.
    """
    weights = torchvision.models.get_weight(weights_name)
    state = load_hub_state_dict(weights.url, progress=progress)
    selected = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if not selected:
        raise ValueError(
            f"prefix must select some keys of {weights_name}, got {prefix!r} "
            f"(keys start like {sorted(state)[:3]})"
        )
    module.load_state_dict(selected, strict=True)
    return module


def fetch_weights(url: str, filename: str, md5: str | None = None, progress: bool = True) -> Path:
    """Path of the official weights file ``filename`` from ``url``, downloaded if missing."""
    dest = weights_path(filename)
    if dest.is_file():
        return dest
    return _download(url, dest, md5, progress)


def torchvision_features(arch: str, pretrained: bool, progress: bool = True) -> torch.nn.Sequential:
    """The ``features`` part (conv layers) of torchvision's ``arch`` (alexnet, vgg16, vgg19)."""
    names = {
        "alexnet": "AlexNet_Weights.IMAGENET1K_V1",
        "vgg16": "VGG16_Weights.IMAGENET1K_V1",
        "vgg19": "VGG19_Weights.IMAGENET1K_V1",
    }
    if arch not in names:
        raise ValueError(f"arch must be one of {sorted(names)}, got {arch!r}")
    features = torchvision.models.get_model(arch, weights=None).features
    if pretrained:
        load_imagenet_weights(features, names[arch], prefix="features.", progress=progress)
    return features


def conv3x3_layers(table) -> torch.nn.ModuleDict:
    """3x3 convolutions (padding 1), one per ``(name, in, out)`` row of ``table``, in its order."""
    return torch.nn.ModuleDict(
        {name: torch.nn.Conv2d(c_in, c_out, 3, padding=1) for name, c_in, c_out in table}
    )


def load_imagenet_vgg16(*stacks: torch.nn.ModuleDict, progress: bool = True) -> None:
    """Copy torchvision's ImageNet VGG-16 conv weights into each stack of its 13 convs, in order."""
    features = torchvision_features("vgg16", pretrained=True, progress=progress)
    convs = [m for m in features if isinstance(m, torch.nn.Conv2d)]
    for stack in stacks:
        for target, conv in zip(stack.values(), convs, strict=True):
            target.load_state_dict(conv.state_dict())


def imagenet_to_rgb255(x: torch.Tensor) -> torch.Tensor:
    """ImageNet-normalised RGB -> RGB 0-255."""
    mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x * std + mean) * 255


def imagenet_to_caffe(x: torch.Tensor) -> torch.Tensor:
    """ImageNet-normalised RGB -> 0-255 BGR minus :data:`CAFFE_BGR_MEAN` (the ports' input)."""
    return imagenet_to_rgb255(x).flip(1) - x.new_tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1)


class CaffeInput:
    """Mixin for an ``nn.Module`` with a ``caffe_input`` switch that is saved with its weights.

    Official weights loaded set ``caffe_input = True`` (they expect
    :func:`imagenet_to_caffe`'s input), so a run trained from them keeps their input.
    """

    caffe_input: bool

    def get_extra_state(self) -> dict:
        return {"caffe_input": bool(self.caffe_input)}

    def set_extra_state(self, state: dict) -> None:
        self.caffe_input = bool(state["caffe_input"])


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    """Set ``requires_grad=False`` on every parameter of ``module`` and return it."""
    for param in module.parameters():
        param.requires_grad_(False)
    return module

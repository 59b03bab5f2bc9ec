"""Pretrained weights: ImageNet backbones (torchvision) and official saliency files.

ImageNet weights come through torchvision's weights API and torch's hub cache
(``torch.hub.get_dir()/checkpoints/<file>``); official saliency weights (e.g.
DeepGaze IIE's ``deepgaze2e.pth``) go through
:func:`saliency_course.data.download.download_file` into
``config.data_root()/weights/``. A file already in its cache is used as is.
Otherwise, when ``SALIENCY_COURSE_OFFLINE=1`` (or the host cannot be reached
within a few seconds) an :class:`~saliency_course.errors.OfflineError` says which
file to fetch and where to put it, instead of a long network timeout.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

import torch
import torchvision

from .. import config
from ..errors import OfflineError

CONNECT_TIMEOUT_S = 5.0


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
    if config.offline():
        raise _offline_error(url, dest, f"offline ({config.OFFLINE_ENV}=1)")
    host = urlparse(url).hostname
    try:
        socket.create_connection((host, 443), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise _offline_error(url, dest, f"{host} not reachable ({err})") from err


def load_hub_state_dict(url: str, progress: bool = True) -> dict[str, torch.Tensor]:
    """The state dict at ``url``, from torch's hub cache or downloaded into it."""
    dest = hub_checkpoint_path(url)
    if not dest.is_file():
        _check_reachable(url, dest)
        try:
            torch.hub.load_state_dict_from_url(
                url, map_location="cpu", progress=progress, check_hash=True
            )
        except OSError as err:
            raise _offline_error(url, dest, f"download failed ({err})") from err
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
    _check_reachable(url, dest)
    from ..data.download import download_file

    return download_file(url, dest, md5=md5, progress=progress)


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


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    """Set ``requires_grad=False`` on every parameter of ``module`` and return it."""
    for param in module.parameters():
        param.requires_grad_(False)
    return module

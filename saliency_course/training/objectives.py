"""Training targets and losses exactly as the original training code computed them.

* SalNet (Pan et al., CVPR 2016; official Caffe code ``imatge-upc/saliency-2016-cvpr``):
  Caffe's ``EuclideanLoss``, ``sum((y_hat - y)**2) / (2 * batch)``, on maps scaled
  to about ``[-1, 1]`` as ``(S - 127) / 128`` with ``S`` the ground truth in
  ``[0, 255]`` (inferred from the deploy wrapper, which maps outputs back with
  ``128 * y + 127``).
* SalGAN (Pan et al., arXiv:1701.01081; code ``imatge-upc/salgan``): mean binary
  cross-entropy after 4x4 average pooling of prediction and ground truth (both in
  ``[0, 1]``).
* DeepGaze II/IIE (Kuemmerer et al.; code ``matthias-k/DeepGaze``): negative
  log-likelihood per fixation in bits relative to a uniform model,
  ``-(log p(fix) + log(H W)) / log 2``, averaged within each image, then over
  the batch (each image weighs the same).

Losses are computed in float32 outside autocast (BCE is not autocast-safe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F


def _check_pair(prediction: torch.Tensor, target: torch.Tensor) -> None:
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction must have the target's shape {tuple(target.shape)}, "
            f"got {tuple(prediction.shape)}; train at an input size the model maps to "
            "the same output size (e.g. multiples of 16)"
        )


def unit_maps(density: torch.Tensor) -> torch.Tensor:
    """Density maps ``(B, 1, H, W)`` scaled so each has maximum 1 (as saved 0-255 maps / 255)."""
    peak = density.flatten(1).amax(dim=1).clamp_min(torch.finfo(density.dtype).tiny)
    return density / peak.view(-1, 1, 1, 1)


def salnet_targets(density: torch.Tensor) -> torch.Tensor:
    """``(255 * d / max(d) - 127) / 128``: SalNet's centred, scaled targets."""
    return (255.0 * unit_maps(density) - 127.0) / 128.0


def salnet_to_saliency(output: torch.Tensor) -> torch.Tensor:
    """SalNet's deploy post-processing ``clip(128 * y + 127, 0, 255)``."""
    return (128.0 * output + 127.0).clamp(0.0, 255.0)


def euclidean_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Caffe ``EuclideanLoss``: ``sum((prediction - target)**2) / (2 * batch)``."""
    _check_pair(prediction, target)
    diff = prediction.float() - target.float()
    return diff.pow(2).sum() / (2 * prediction.shape[0])


def bce_downsampled(
    prediction: torch.Tensor, target: torch.Tensor, factor: int = 4
) -> torch.Tensor:
    """SalGAN's content loss: BCE of ``factor x factor`` average-pooled maps in ``[0, 1]``."""
    _check_pair(prediction, target)
    with torch.autocast(prediction.device.type, enabled=False):
        p = F.avg_pool2d(prediction.float(), factor)
        t = F.avg_pool2d(target.float(), factor)
        return F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), t)


def fixation_nll_bits(log_density: torch.Tensor, fixations: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mean per-image NLL of fixations in bits relative to the uniform model.

    ``log_density`` is ``(B, 1, H, W)`` (or ``(B, H, W)``) with logsumexp 0 per
    image; ``fixations[i]`` is a ``(k, 2)`` tensor of ``x, y`` pixel coordinates
    at that size (rounded to the nearest pixel). Images without fixations are
    skipped; a batch without any raises ``ValueError``.
    """
    maps = log_density.float().flatten(0, -3) if log_density.ndim == 4 else log_density.float()
    if maps.ndim != 3 or len(fixations) != maps.shape[0]:
        raise ValueError(
            f"log_density must be (B, 1, H, W) with one fixation array per image, got "
            f"{tuple(log_density.shape)} and {len(fixations)} fixation arrays"
        )
    height, width = maps.shape[-2:]
    losses = []
    for log_map, xy in zip(maps, fixations, strict=True):
        if len(xy) == 0:
            continue
        xy = torch.as_tensor(xy, device=log_map.device)
        x = xy[:, 0].round().long().clamp(0, width - 1)
        y = xy[:, 1].round().long().clamp(0, height - 1)
        log_likelihood = log_map[y, x].mean()
        losses.append(-(log_likelihood + math.log(height * width)) / math.log(2.0))
    if not losses:
        raise ValueError("fixations must hold at least one fixation in the batch, got none")
    return torch.stack(losses).mean()

"""Differentiable, batched training losses that mirror the benchmark metrics.

Maps are ``(B, 1, H, W)`` or ``(B, H, W)`` tensors; each loss is computed per
image and reduced over the batch (``reduction="mean"``, ``"sum"`` or
``"none"``). On same-size inputs each agrees with its numpy metric in
:mod:`saliency_course.metrics` (Bylinskii et al., TPAMI 2018; MIT benchmark
code): :func:`kl_loss` = ``kld``, :func:`cc_loss` = ``-cc``,
:func:`nss_loss` = ``-nss`` (std with N - 1). They do not resize.

* :func:`bce_downsampled_loss` is SalGAN's content loss (Pan et al., "SalGAN:
  Visual saliency prediction with generative adversarial networks",
  arXiv:1701.01081): binary cross-entropy between the prediction and the
  ground-truth map in [0, 1], both first average-pooled 4 x 4 (official code,
  ``models/model_bce.py``: ``pool_2d((4, 4), mode="average_exc_pad",
  ignore_border=True)``).
* :func:`mlnet_loss` is ML-Net's loss (Cornia et al., "A Deep Multi-Level
  Network for Saliency Prediction", ICPR 2016; official code ``model.py``): the
  squared error between the prediction divided by its maximum and the target
  in [0, 1], weighted by ``1 / (1.1 - target)``, averaged over pixels.
* :func:`fixation_nll` is the negative log-likelihood of fixations under a
  log-density (Kümmerer, Wallis & Bethge, "Information-theoretic model
  comparison unifies saliency metrics", PNAS 2015; DeepGaze training),
  per fixation, optionally in bits relative to a uniform model,
  ``-(LL + log(H W)) / log 2`` (the negated information gain over uniform).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = [
    "kl_loss",
    "cc_loss",
    "nss_loss",
    "bce_downsampled_loss",
    "generator_adversarial_loss",
    "salgan_generator_loss",
    "fixation_nll",
    "mlnet_loss",
]

EPS = 2.0**-52  # MATLAB's eps, as in the KL metric
_REDUCTIONS = ("mean", "sum", "none")


def _maps(name: str, x: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` view of a ``(B, 1, H, W)`` or ``(B, H, W)`` tensor, else ``ValueError``."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"{name} must have shape (B, 1, H, W) or (B, H, W), got {tuple(x.shape)}")
    return x


def _pair(saliency: torch.Tensor, target: torch.Tensor, target_name: str):
    s, t = _maps("saliency", saliency), _maps(target_name, target)
    if s.shape != t.shape:
        raise ValueError(
            f"{target_name} must have the shape of saliency {tuple(s.shape)}, got {tuple(t.shape)}"
        )
    return s.flatten(1), t.flatten(1).to(s.dtype)


def _reduce(per_image: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return per_image.mean()
    if reduction == "sum":
        return per_image.sum()
    if reduction == "none":
        return per_image
    raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce_valid(per_image: torch.Tensor, valid: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce over the images with ``valid`` True; the others are NaN under ``"none"``."""
    if reduction == "none":
        return torch.where(valid, per_image, torch.full_like(per_image, math.nan))
    return _reduce(per_image[valid], reduction)


def _to_distribution(x: torch.Tensor) -> torch.Tensor:
    total = x.sum(dim=1, keepdim=True)
    return x / torch.where(total != 0, total, torch.ones_like(total))


def kl_loss(saliency: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """KL divergence ``sum(G ln(eps + G / (S + eps)))`` of sum-normalised maps (MIT ``KLdiv``)."""
    s, g = _pair(saliency, target, "target")
    s, g = _to_distribution(s), _to_distribution(g)
    return _reduce((g * torch.log(EPS + g / (s + EPS))).sum(dim=1), reduction)


def cc_loss(saliency: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Negated Pearson correlation of each prediction with its target (``-cc``)."""
    s, g = _pair(saliency, target, "target")
    s = s - s.mean(dim=1, keepdim=True)
    g = g - g.mean(dim=1, keepdim=True)
    corr = (s * g).sum(dim=1) / torch.sqrt((s * s).sum(dim=1) * (g * g).sum(dim=1))
    return _reduce(-corr, reduction)


def nss_loss(
    saliency: torch.Tensor, fixation_map: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Negated NSS: minus the mean z-score (std with N - 1) at fixated pixels (``-nss``).

    Images without fixations are left out of the reduction (NaN under
    ``reduction="none"``, as the metric); a batch without any raises.
    """
    s, f = _pair(saliency, fixation_map, "fixation_map")
    if (f < 0).any():
        raise ValueError("fixation_map must be non-negative, got negative values")
    mask = (f > 0).to(s.dtype)
    count = mask.sum(dim=1)
    if not (count > 0).any():
        raise ValueError("fixation_map must mark at least one fixation in the batch, got none")
    z = (s - s.mean(dim=1, keepdim=True)) / s.std(dim=1, keepdim=True)
    per_image = -(z * mask).sum(dim=1) / count.clamp_min(1)
    return _reduce_valid(per_image, count > 0, reduction)


def bce_downsampled_loss(
    saliency: torch.Tensor, target: torch.Tensor, factor: int = 4, reduction: str = "mean"
) -> torch.Tensor:
    """SalGAN's content loss: BCE of ``factor x factor`` average-pooled maps in [0, 1].

    ``saliency`` is the sigmoid output; ``target`` the ground-truth saliency
    map scaled to [0, 1]. Borders that do not fill a window are dropped (as
    ``ignore_border=True``). Mean over pooled pixels per image.
    """
    s, t = _maps("saliency", saliency), _maps("target", target).to(saliency.dtype)
    if s.shape != t.shape:
        raise ValueError(
            f"target must have the shape of saliency {tuple(s.shape)}, got {tuple(t.shape)}"
        )
    if not isinstance(factor, int) or factor < 1 or factor > min(s.shape[-2:]):
        raise ValueError(f"factor must be an int in [1, {min(s.shape[-2:])}], got {factor!r}")
    if s.min() < 0 or s.max() > 1 or t.min() < 0 or t.max() > 1:
        raise ValueError("saliency and target must lie in [0, 1] (a sigmoid output, a [0, 1] map)")
    s = F.avg_pool2d(s[:, None], factor)
    t = F.avg_pool2d(t[:, None], factor)
    per_pixel = F.binary_cross_entropy(s, t, reduction="none")
    return _reduce(per_pixel.flatten(1).mean(dim=1), reduction)


def generator_adversarial_loss(p_fake: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """``-mean(log D(I, S))``: how badly the generated maps fail to pass as human ones.

    ``p_fake`` holds the discriminator's probabilities that generated maps are
    real, any shape. This is the BCE of those verdicts against the label "real"
    (1), the generator's half of the game (SalGAN code: ``G_obj_d``).
    Probabilities are clipped to ``[eps, 1]`` so that a certain "fake" gives a
    large finite loss, not infinity.
    """
    if not isinstance(p_fake, torch.Tensor) or p_fake.numel() == 0:
        raise ValueError(f"p_fake must be a non-empty torch.Tensor, got {p_fake!r:.60}")
    if p_fake.min() < 0 or p_fake.max() > 1:
        raise ValueError("p_fake must hold probabilities in [0, 1] (the discriminator's sigmoid)")
    return -torch.log(p_fake.float().clamp(eps, 1.0)).mean()


def salgan_generator_loss(
    saliency: torch.Tensor,
    target: torch.Tensor,
    p_fake: torch.Tensor,
    alpha: float = 0.05,
    factor: int = 4,
) -> torch.Tensor:
    """SalGAN's generator loss ``alpha * BCE/4(S, target) - mean log D(I, S)``.

    ``saliency`` is the generator's output in [0, 1], ``target`` the
    ground-truth map scaled to [0, 1] and ``p_fake`` the discriminator's
    verdicts on ``(image, saliency)``. ``alpha = 0.05`` as in the paper (the
    code's ``alpha=1/20``).
    """
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha!r}")
    content = bce_downsampled_loss(saliency, target, factor=factor)
    return alpha * content + generator_adversarial_loss(p_fake)


def _fixation_counts(fixations, shape: tuple[int, int, int], like: torch.Tensor) -> torch.Tensor:
    """Counts per pixel ``(B, H*W)`` from a fixation map or a list of ``(k, 2)`` x, y arrays."""
    batch, height, width = shape
    if isinstance(fixations, torch.Tensor):
        counts = _maps("fixations", fixations)
        if counts.shape != shape:
            raise ValueError(
                f"fixations must be a map of shape {shape} or a list of (k, 2) arrays, "
                f"got shape {tuple(counts.shape)}"
            )
        if (counts < 0).any():
            raise ValueError("fixations must be non-negative counts, got negative values")
        return counts.flatten(1).to(like.dtype)
    if not isinstance(fixations, Sequence) or len(fixations) != batch:
        raise ValueError(
            f"fixations must hold one (k, 2) array per image ({batch}), got {fixations!r:.80}"
        )
    counts = torch.zeros(batch, height * width, dtype=like.dtype, device=like.device)
    for i, xy in enumerate(fixations):
        xy = torch.as_tensor(xy, device=like.device).reshape(-1, 2)
        x = xy[:, 0].round().long().clamp(0, width - 1)  # pixel centres at integers
        y = xy[:, 1].round().long().clamp(0, height - 1)
        counts[i].index_add_(0, y * width + x, torch.ones_like(x, dtype=like.dtype))
    return counts


def fixation_nll(
    log_density: torch.Tensor,
    fixations,
    bits: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative log-likelihood per fixation of a log-density (logsumexp 0 per image).

    ``fixations`` is a count map of the log-density's shape or a list with a
    ``(k, 2)`` array of ``x, y`` pixel coordinates per image (rounded to the
    nearest pixel). Per image the NLL is averaged over its fixations; with
    ``bits=True`` it is ``-(LL + ln(H W)) / ln 2``, the negated information
    gain over a uniform model in bits per fixation. Images without fixations
    are left out of the reduction (NaN under ``"none"``); a batch without any raises.
    """
    maps = _maps("log_density", log_density)
    counts = _fixation_counts(fixations, tuple(maps.shape), maps)
    n = counts.sum(dim=1)
    if not (n > 0).any():
        raise ValueError("fixations must hold at least one fixation in the batch, got none")
    weighted = torch.where(counts > 0, maps.flatten(1) * counts, torch.zeros_like(counts))
    log_likelihood = weighted.sum(dim=1) / n.clamp_min(1)  # -inf off fixations is fine
    per_image = -log_likelihood
    if bits:
        height, width = maps.shape[-2:]
        per_image = -(log_likelihood + math.log(height * width)) / math.log(2.0)
    return _reduce_valid(per_image, n > 0, reduction)


def mlnet_loss(
    saliency: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """ML-Net's loss: ``mean(((s / max s) - y)**2 / (1.1 - y))`` per image.

    ``target`` is the ground-truth map scaled to [0, 1] (the code reads 0-255
    maps and divides by 255). The code divides by the maximum without a guard;
    an all-zero prediction is divided by the smallest positive float instead
    (its loss is then that of a zero map, not NaN).
    """
    s, y = _pair(saliency, target, "target")
    if y.min() < 0 or y.max() > 1:
        raise ValueError(
            f"target must lie in [0, 1], got values in [{y.min().item()}, {y.max().item()}]"
        )
    peak = s.amax(dim=1, keepdim=True).clamp_min(torch.finfo(s.dtype).tiny)
    per_image = ((s / peak - y).pow(2) / (1.1 - y)).mean(dim=1)
    return _reduce(per_image, reduction)

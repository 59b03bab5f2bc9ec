"""Training targets and losses exactly as the original training code computed them.

* SalNet (Pan et al., CVPR 2016; official Caffe code ``imatge-upc/saliency-2016-cvpr``):
  Caffe's ``EuclideanLoss``, ``sum((y_hat - y)**2) / (2 * batch)``, on maps scaled
  to about ``[-1, 1]`` as ``(S - 127) / 128`` with ``S`` the ground truth in
  ``[0, 255]`` (inferred from the deploy wrapper, which maps outputs back with
  ``128 * y + 127``).
* SalGAN (Pan et al., arXiv:1701.01081; code ``imatge-upc/salgan``): targets
  are the ground truth scaled to ``[0, 1]`` (:func:`unit_maps`); the loss itself
  is :func:`saliency_course.losses.bce_downsampled_loss`.
* DeepGaze I (Kuemmerer, Theis, Bethge, arXiv:1411.1045): a sparsity penalty on
  the linear readout's weights (:class:`ReadoutSparsity`), which the paper used
  and the official PyTorch port dropped.

The recipes compute every loss in float32, outside autocast (BCE is not
autocast-safe).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


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


SPARSITY_KINDS = ("l1", "l1/l2")


@dataclass(frozen=True)
class ReadoutSparsity:
    """``weight * ||w||_1`` (``kind="l1"``) or ``weight * ||w||_1 / ||w||_2`` of a readout.

    ``w`` are the weights of ``model.readout`` (DeepGaze I's 1x1 convolution).
    The lecture's DeepGaze I has an L1 penalty; the L1/L2 ratio (scale-free) is
    the form of a Bethge-lab TensorFlow DeepGaze II code (third party). The
    paper's exact form and strength could not be checked.
    """

    weight: float = 1e-3
    kind: str = "l1"

    def __post_init__(self) -> None:
        if self.kind not in SPARSITY_KINDS:
            raise ValueError(f"kind must be one of {SPARSITY_KINDS}, got {self.kind!r}")
        if not self.weight >= 0:
            raise ValueError(f"weight must be >= 0, got {self.weight!r}")

    def __call__(self, model: torch.nn.Module) -> torch.Tensor:
        model = getattr(model, "module", model)  # a DistributedDataParallel wrapper
        readout = getattr(model, "readout", None)
        if not isinstance(readout, torch.nn.Conv2d):
            raise ValueError(
                f"model must have a convolutional readout to penalise, got {type(readout).__name__}"
            )
        w = readout.weight.float().flatten()
        l1 = w.abs().sum()
        return self.weight * (l1 if self.kind == "l1" else l1 / w.norm().clamp_min(1e-12))

"""A real OSIE batch at a tiny size, and a one-step training check, for the model tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from saliency_course.data import load_dataset
from saliency_course.models.predict import to_input_batch

OSIE_IMAGES = (0, 1)


@cache
def _osie(root: str):
    return load_dataset("osie", root=Path(root), download=False)


def osie_batch(data_dir: Path, size: tuple[int, int]) -> dict:
    """Images 0 and 1 of OSIE at ``size``: ImageNet-normalised images, densities, fixations."""
    dataset = _osie(str(data_dir))
    images, densities, fixations = [], [], []
    for i in OSIE_IMAGES:
        height, width = dataset.image_shape(i)
        images.append(to_input_batch(dataset.image(i), size))
        density = torch.from_numpy(dataset.density_map(i)).float()[None, None]
        density = F.interpolate(density, size=size, mode="area")
        densities.append(density / density.sum())
        fix = dataset.fixations.for_image(i)
        xy = np.stack(
            [(fix.x + 0.5) * size[1] / width - 0.5, (fix.y + 0.5) * size[0] / height - 0.5], 1
        )
        fixations.append(torch.from_numpy(xy).float())
    return {"image": torch.cat(images), "density": torch.cat(densities), "fixations": fixations}


def fixation_nll(log_density: torch.Tensor, fixations: list[torch.Tensor]) -> torch.Tensor:
    """Mean negative log-likelihood of the fixations (nearest pixel) under ``log_density``."""
    losses = []
    for logp, xy in zip(log_density[:, 0], fixations, strict=True):
        col = xy[:, 0].round().long().clamp(0, logp.shape[1] - 1)
        row = xy[:, 1].round().long().clamp(0, logp.shape[0] - 1)
        losses.append(-logp[row, col].mean())
    return torch.stack(losses).mean()


def step_lowers_loss(model: torch.nn.Module, loss_fn, lr: float = 1e-4) -> tuple[float, float]:
    """Loss before and after one Adam step on ``loss_fn(model)`` (dropout-free, same batch)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr)
    model.train()
    loss = loss_fn(model)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        after = loss_fn(model)
    return loss.item(), after.item()

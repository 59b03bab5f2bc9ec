"""A real OSIE batch at a tiny size, and a one-step training check, for the model tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

from saliency_course.data import load_dataset
from saliency_course.data.torch_data import SaliencyTorchDataset, collate_saliency

OSIE_IMAGES = (0, 1)


@cache
def _osie(root: str):
    return load_dataset("osie", root=Path(root), download=False)


def osie_batch(data_dir: Path, size: tuple[int, int]) -> dict:
    """OSIE images 0 and 1 at ``size`` through the package's torch pipeline."""
    data = SaliencyTorchDataset(_osie(str(data_dir)), indices=list(OSIE_IMAGES), size=size)
    return collate_saliency([data[i] for i in range(len(data))])


def step_lowers_loss(model: torch.nn.Module, loss_fn, lr: float = 1e-4) -> tuple[float, float]:
    """Loss before and after one Adam step on ``loss_fn(model)`` (the same batch)."""
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

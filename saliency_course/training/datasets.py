"""From a saliency dataset to the torch datasets ``fit`` trains and validates on."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np


def torch_splits(
    dataset,
    size: Sequence[int],
    train: str = "train",
    val: str | None = "val",
    max_images: int | None = None,
    cache_dir: str | os.PathLike | None = None,
):
    """``(train, val)`` :class:`~saliency_course.data.torch_data.SaliencyTorchDataset` s.

    Images come from ``dataset.splits[train]`` / ``dataset.splits[val]`` resized
    to ``size`` (H, W); ``max_images`` keeps the first images of each split (smoke
    runs). ``val=None`` gives ``(train, None)``.
    """
    from ..data.torch_data import SaliencyTorchDataset

    if max_images is not None and (not isinstance(max_images, int) or max_images < 1):
        raise ValueError(f"max_images must be a positive int or None, got {max_images!r}")
    wanted = [name for name in (train, val) if name is not None]
    missing = [name for name in wanted if name not in dataset.splits]
    if missing:
        raise ValueError(
            f"dataset {dataset.name!r} has splits {sorted(dataset.splits)}, "
            f"not {missing}; pass train=/val= with one of those"
        )

    def make(name):
        indices = np.asarray(dataset.splits[name])[:max_images]
        return SaliencyTorchDataset(dataset, indices=indices, size=tuple(size), cache_dir=cache_dir)

    return make(train), (make(val) if val is not None else None)

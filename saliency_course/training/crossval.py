"""Image-wise k-fold cross-validation, as in DeepGaze II's MIT1003 fine-tuning.

Kuemmerer, Wallis, Bethge, "DeepGaze II", arXiv:1610.01563: the readout is
fine-tuned on MIT1003 ten times, each time holding out a tenth of the images;
the MIT300 submission averages the ten models. Folds split images, never the
fixations of one image.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Subset


def kfold_splits(n_images: int, k: int = 10, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` pairs ``(train indices, validation indices)`` over a seeded permutation of images.

    Every image is in exactly one validation fold; fold sizes differ by at most one.
    """
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"k must be an int >= 2, got {k!r}")
    if not isinstance(n_images, int) or n_images < k:
        raise ValueError(f"n_images must be an int >= k={k}, got {n_images!r}")
    order = np.random.default_rng(seed).permutation(n_images)
    folds = np.array_split(order, k)
    return [
        (np.sort(np.concatenate(folds[:i] + folds[i + 1 :])), np.sort(fold))
        for i, fold in enumerate(folds)
    ]


def fit_crossvalidated(
    make_model: Callable[[int], torch.nn.Module],
    recipe,
    dataset,
    k: int = 10,
    run_name: str = "deepgaze_cv",
    seed: int = 0,
    folds: list[int] | None = None,
    **fit_options,
) -> tuple[list[torch.nn.Module], pd.DataFrame]:
    """Train one model per fold with :func:`~saliency_course.training.fit`.

    ``make_model(fold)`` builds a fresh model (e.g. loading the SALICON
    pre-trained readout); fold ``i`` runs as ``<run_name>/fold<i>`` so each fold
    resumes on its own. Returns the models and the histories joined with a
    ``fold`` column. ``folds`` restricts which folds run (default all).
    """
    from .engine import fit

    splits = kfold_splits(len(dataset), k, seed)
    chosen = list(range(k)) if folds is None else list(folds)
    bad = [f for f in chosen if not isinstance(f, int) or not 0 <= f < k]
    if bad:
        raise ValueError(f"folds must be ints in [0, {k}), got {bad}")
    models, histories = [], []
    for fold in chosen:
        train_idx, val_idx = splits[fold]
        model = make_model(fold)
        history = fit(
            model,
            recipe,
            Subset(dataset, train_idx.tolist()),
            Subset(dataset, val_idx.tolist()),
            run_name=f"{run_name}/fold{fold}",
            seed=seed,
            **fit_options,
        )
        models.append(model)
        histories.append(history.assign(fold=fold))
    return models, pd.concat(histories, ignore_index=True)

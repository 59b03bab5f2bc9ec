"""Figures of a training run: the loss curves and validation metrics of ``fit``'s history."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["plot_history"]

LOSS_COLUMNS = ("train_loss", "val_loss", "g_loss", "d_loss", "bce")
LABELS = {
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "g_loss": "generator loss",
    "d_loss": "discriminator loss",
    "bce": "generator BCE/4",
}


def plot_history(
    history: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    loss_label: str = "loss",
):
    """Losses per epoch (left) and validation metrics per epoch (right); returns the figure.

    ``history`` is what :func:`saliency_course.training.fit` returns. ``metrics``
    picks the ``val_<name>`` columns to draw (default: all there are); without
    any, only the loss panel is drawn.
    """
    if not isinstance(history, pd.DataFrame) or "epoch" not in history or history.empty:
        raise ValueError("history must be a non-empty DataFrame from fit() with an 'epoch' column")
    losses = [c for c in LOSS_COLUMNS if c in history and history[c].notna().any()]
    available = [c[4:] for c in history.columns if c.startswith("val_") and c != "val_loss"]
    metrics = available if metrics is None else list(metrics)
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"metrics must be among {available}, got {unknown}")
    panels = 2 if metrics else 1
    figure, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.6), squeeze=False)
    ax = axes[0, 0]
    marker = "o" if len(history) < 30 else None
    for column in losses:
        ax.plot(history["epoch"], history[column], marker=marker, label=LABELS[column])
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_label)
    ax.set_title("losses")
    ax.legend()
    ax.grid(alpha=0.3)
    if metrics:
        ax = axes[0, 1]
        for name in metrics:
            ax.plot(history["epoch"], history[f"val_{name}"], marker=marker, label=name.upper())
        ax.set_xlabel("epoch")
        ax.set_ylabel("score on the validation images")
        ax.set_title("validation metrics")
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure

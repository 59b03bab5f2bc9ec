"""Inside a network: its layers, its first-layer filters, and the loss curves of several runs.

:func:`layer_table` lists the layers in the order a forward pass runs them,
with each output's size and each layer's parameters. :func:`show_filters`
draws the RGB kernels of a first convolution for several weight sets at once
(a random start, a transferred start, a trained model), so a student sees what
transfer learning hands over. :func:`compare_runs` draws
one column of several :func:`~saliency_course.training.fit` histories on
shared axes (e.g. the same recipe from two starts).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import MaxNLocator

__all__ = ["compare_runs", "layer_table", "show_filters"]

_COLUMN_LABELS = {
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "g_loss": "generator loss",
    "d_loss": "discriminator loss",
    "val_cc": "validation CC",
    "val_nss": "validation NSS",
    "val_kld": "validation KL",
}


def layer_table(model: torch.nn.Module, input_size: Sequence[int]) -> pd.DataFrame:
    """The leaf layers of ``model`` in the order its forward pass runs them, on one image.

    Columns: ``layer`` (its name; a layer used twice appears twice), ``type``,
    ``output (C x H x W)``, ``parameters`` and ``trainable`` (those with
    ``requires_grad``). The pass runs on a copy on PyTorch's ``meta`` device:
    shapes only, no arithmetic, the model itself untouched.
    """
    size = tuple(int(v) for v in input_size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"input_size must be (H, W) with positive sizes, got {input_size!r}")
    net = copy.deepcopy(model).to("meta").eval()
    rows = []

    def record(name, module, output):
        rows.append(
            {
                "layer": name,
                "type": type(module).__name__,
                "output (C x H x W)": " x ".join(str(v) for v in output.shape[1:]),
                "parameters": sum(p.numel() for p in module.parameters()),
                "trainable": sum(p.numel() for p in module.parameters() if p.requires_grad),
            }
        )

    hooks = [
        module.register_forward_hook(lambda m, i, o, name=name: record(name, m, o))
        for name, module in net.named_modules()
        if name and not list(module.children())
    ]
    try:
        with torch.no_grad():
            net(torch.empty(1, 3, *size, device="meta"))
    finally:
        for hook in hooks:
            hook.remove()
    return pd.DataFrame(rows)


def _filters(weights, label: str) -> np.ndarray:
    if hasattr(weights, "detach"):
        weights = weights.detach().float().cpu().numpy()
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4 or w.shape[1] != 3 or w.shape[0] < 1:
        raise ValueError(
            f"weights[{label!r}] must be RGB kernels (out, 3, kh, kw), got shape {w.shape}"
        )
    if not np.isfinite(w).all():
        raise ValueError(f"weights[{label!r}] must be finite, got NaN or infinity")
    low = w.min(axis=(1, 2, 3), keepdims=True)
    span = w.max(axis=(1, 2, 3), keepdims=True) - low
    return ((w - low) / np.where(span > 0, span, 1.0)).transpose(0, 2, 3, 1)


def show_filters(
    weights: Mapping[str, object], n: int = 16, columns: int = 16, suptitle: str | None = None
):
    """The first ``n`` RGB kernels of each weight set, one row block per set; returns the figure.

    ``weights`` maps a label (the title of its block) to a ``(out, 3, kh, kw)``
    array or tensor. Each kernel is min-max scaled on its own, so a random
    kernel shows as coloured noise and a learned one as an edge or a blob.
    """
    if not weights:
        raise ValueError("weights must name at least one weight set, got none")
    if not (isinstance(n, int) and n >= 1 and isinstance(columns, int) and columns >= 1):
        raise ValueError(f"n and columns must be positive ints, got n={n!r}, columns={columns!r}")
    kernels = {label: _filters(w, label)[:n] for label, w in weights.items()}
    rows = -(-max(len(k) for k in kernels.values()) // columns)
    figure = plt.figure(figsize=(0.75 * columns, (0.8 * rows + 0.5) * len(kernels)))
    figure.set_layout_engine("constrained")
    blocks = figure.subfigures(len(kernels), 1, squeeze=False)[:, 0]
    for block, (label, shown) in zip(blocks, kernels.items(), strict=True):
        axes = block.subplots(rows, columns, squeeze=False)
        for index, ax in enumerate(axes.ravel()):
            ax.set_axis_off()
            if index < len(shown):
                ax.imshow(shown[index], interpolation="nearest")
        block.suptitle(label, fontsize=10)
    if suptitle:
        figure.suptitle(suptitle)
    return figure


def compare_runs(
    histories: Mapping[str, pd.DataFrame],
    columns: Sequence[str] = ("train_loss", "val_loss"),
    title: str | None = None,
    ylabel: str | None = None,
):
    """One panel per history column, one curve per run, epochs on x; returns the figure.

    A run without a column (e.g. trained without validation) is left out of
    that panel; a column no run has raises ``ValueError``.
    """
    if not histories:
        raise ValueError("histories must name at least one run, got none")
    for label, history in histories.items():
        if not isinstance(history, pd.DataFrame) or "epoch" not in history or history.empty:
            raise ValueError(f"histories[{label!r}] must be a non-empty fit() history")
    columns = list(columns)
    missing = [c for c in columns if not any(c in h for h in histories.values())]
    if not columns or missing:
        raise ValueError(f"columns must be history columns of some run, got {columns}")
    figure, axes = plt.subplots(1, len(columns), figsize=(5.2 * len(columns), 3.6), squeeze=False)
    for ax, column in zip(axes[0], columns, strict=True):
        for label, history in histories.items():
            if column in history and history[column].notna().any():
                marker = "o" if len(history) < 30 else None
                ax.plot(history["epoch"], history[column], marker=marker, label=label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(ylabel or _COLUMN_LABELS.get(column, column))
        ax.set_title(_COLUMN_LABELS.get(column, column))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure

"""A network's layers as a table of output sizes, and a learned prior as a picture.

For notebook 08b (ML-Net: Cornia et al., ICPR 2016, arXiv:1609.01064; the
SALICON model: Huang et al., ICCV 2015):

* :func:`layer_trace` — run a batch once and list what each layer of a kind
  (default: every ``nn.Conv2d`` of ``model.named_modules()``) outputs. It works
  on the ``meta`` device too, so the trace of a large model at its paper's input
  size costs no memory and no arithmetic;
* :func:`plot_learned_prior` — ML-Net's small learned prior beside its
  up-sampled version, the map the prediction is multiplied by.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from torch import nn

__all__ = ["layer_trace", "plot_learned_prior"]


def layer_trace(
    model: nn.Module,
    x: torch.Tensor,
    kinds: tuple[type[nn.Module], ...] = (nn.Conv2d,),
    forward: Callable[[torch.Tensor], object] | None = None,
) -> pd.DataFrame:
    """What every layer of ``kinds`` outputs when ``forward(x)`` runs (default ``model(x)``).

    One row per call, in the order the layers ran: ``layer`` (its name in
    ``model.named_modules()``), ``type``, ``output (C x H x W)``, ``stride``
    (the input's height over the output's, e.g. ``8``) and ``parameters``.
    Runs without gradients; hooks are removed afterwards, also on error.
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError(f"x must be a (B, C, H, W) tensor, got {getattr(x, 'shape', x)!r}")
    named = [(name, m) for name, m in model.named_modules() if name and isinstance(m, kinds)]
    if not named:
        raise ValueError(f"model has no layer of the kinds {[k.__name__ for k in kinds]}")
    rows = []

    def record(name):
        def hook(module, inputs, output):
            height = output.shape[-2]
            rows.append(
                {
                    "layer": name,
                    "type": type(module).__name__,
                    "output (C x H x W)": " x ".join(str(s) for s in output.shape[1:]),
                    "stride": x.shape[-2] / height if height else float("nan"),
                    "parameters": sum(p.numel() for p in module.parameters(recurse=False)),
                }
            )

        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in named]
    try:
        with torch.no_grad():
            (forward or model)(x)
    finally:
        for hook in hooks:
            hook.remove()
    return pd.DataFrame(rows)


def plot_learned_prior(prior, upsampled, suptitle: str | None = None):
    """The learned prior ``W`` (left, signed) and the up-sampled map it multiplies by (right).

    ``prior`` is the small grid (ML-Net: 6 x 8), ``upsampled`` what the model
    multiplies its map with (ML-Net: ``1 + W`` up-sampled to the map). Returns
    the figure.
    """
    small = np.asarray(prior, dtype=np.float64)
    large = np.asarray(upsampled, dtype=np.float64)
    for name, array in (("prior", small), ("upsampled", large)):
        if array.ndim != 2 or not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be a finite 2-D array, got shape {array.shape}")
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    bound = max(float(np.abs(small).max()), 1e-12)
    shown = axes[0].imshow(small, cmap="coolwarm", vmin=-bound, vmax=bound)
    figure.colorbar(shown, ax=axes[0], label="W")
    axes[0].set_title(f"learned prior W ({small.shape[0]} x {small.shape[1]})")
    shown = axes[1].imshow(large, cmap="magma")
    figure.colorbar(shown, ax=axes[1], label="1 + W, up-sampled")
    axes[1].set_title(f"what the map is multiplied by ({large.shape[0]} x {large.shape[1]})")
    for ax, unit in zip(axes, ("prior cell", "map cell"), strict=True):
        ax.set_xlabel(f"x ({unit})")
        ax.set_ylabel(f"y ({unit})")
    if suptitle:
        figure.suptitle(suptitle)
    return figure

"""Maps side by side, each on its own colour scale: what a loss compares, before and after a step.

:func:`~saliency_course.viz.maps.show_maps` min-max scales every map, which
hides what a training target really holds (SalNet's ``(S - 127) / 128``,
SalGAN's 4 x 4-pooled map in [0, 1]). :func:`show_panels` keeps each map's
values and labels its colour bar with their meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["Panel", "show_panels"]


class Panel(NamedTuple):
    """One panel: a 2-D map (or a uint8 RGB image), its title and its colour scale."""

    data: object
    title: str
    cmap: str = "magma"
    vmin: float | None = None
    vmax: float | None = None
    label: str | None = None  # the colour bar's label: what the values mean


def _array(panel: Panel, index: int) -> np.ndarray:
    data = panel.data
    if hasattr(data, "detach"):  # a torch tensor
        data = data.detach().cpu().numpy()
    array = np.squeeze(np.asarray(data))
    rgb = array.ndim == 3 and array.shape[-1] == 3 and array.dtype == np.uint8
    if array.ndim != 2 and not rgb:
        raise ValueError(
            f"panels[{index}].data must be a 2-D map or a uint8 (H, W, 3) image, "
            f"got shape {array.shape} and dtype {array.dtype}"
        )
    if not rgb and not np.isfinite(array).all():
        raise ValueError(f"panels[{index}].data must be finite, got NaN or infinity")
    return array


def show_panels(panels: Sequence[Panel], suptitle: str | None = None, panel_size: float = 3.6):
    """One row of panels, each map with its own colour bar; returns the figure.

    Axes are in pixels of each map (a pooled map shows its own, smaller grid).
    """
    panels = list(panels)
    if not panels or not all(isinstance(p, Panel) for p in panels):
        raise ValueError(f"panels must be a non-empty list of viz.Panel, got {panels!r:.80}")
    arrays = [_array(p, i) for i, p in enumerate(panels)]
    figure, axes = plt.subplots(
        1, len(panels), figsize=(panel_size * 1.25 * len(panels), panel_size), squeeze=False
    )
    figure.set_layout_engine("constrained")
    for ax, panel, array in zip(axes[0], panels, arrays, strict=True):
        if array.ndim == 3:
            ax.imshow(array)
        else:
            shown = ax.imshow(array, cmap=panel.cmap, vmin=panel.vmin, vmax=panel.vmax)
            figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.02, label=panel.label or "")
        ax.set_title(panel.title, fontsize=10)
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    if suptitle:
        figure.suptitle(suptitle)
    return figure

"""Basic figures of the course: heat-map overlays, fixations, scanpaths and map grids.

Matplotlib only; every function returns what it drew (an array, a figure or an
artist) so a notebook can add labels or save it. Saliency maps shown as heat
maps are min-max scaled for display only, as in the MIT benchmark's figures
(Bylinskii et al., TPAMI 2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..fixations import Fixations
from ..maps import _as_xy, imresize

__all__ = ["overlay", "plot_fixations", "plot_scanpath", "show_maps"]


def _check_image(image, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"{name} must be a uint8 RGB array (H, W, 3), got {image.dtype} of shape {image.shape}"
        )
    return image


def _check_map(saliency_map, name: str = "saliency_map") -> np.ndarray:
    array = np.asarray(saliency_map, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D map (H, W), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _display_scale(array: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1]; a constant map shows as zeros."""
    low, high = array.min(), array.max()
    return np.zeros_like(array) if high == low else (array - low) / (high - low)


def overlay(image, saliency_map, alpha: float = 0.5, cmap: str = "jet") -> np.ndarray:
    """Blend a colour-mapped saliency map over an image; returns uint8 RGB ``(H, W, 3)``.

    The map is resized to the image with MATLAB's ``imresize`` when sizes differ
    and min-max scaled; ``alpha`` is the weight of the heat map (0 = image only).
    """
    image = _check_image(image)
    array = _check_map(saliency_map)
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    if array.shape != image.shape[:2]:
        array = imresize(array, image.shape[:2])
    colours = plt.get_cmap(cmap)(_display_scale(array))[..., :3] * 255.0
    blended = (1 - alpha) * image.astype(np.float64) + alpha * colours
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def plot_fixations(
    ax,
    fixations,
    color: str = "red",
    size: float = 20.0,
    edgecolor: str = "white",
    label: str | None = "fixations",
    **scatter_kwargs,
):
    """Scatter fixations (a :class:`Fixations` or ``(k, 2)`` x, y) on ``ax``; returns the artist."""
    xy = _as_xy(fixations)
    return ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=size,
        color=color,
        edgecolors=edgecolor,
        linewidths=0.6,
        label=label,
        zorder=3,
        **scatter_kwargs,
    )


def plot_scanpath(
    ax,
    fixations,
    color: str = "yellow",
    numbered: bool = True,
    duration_scale: float = 0.5,
    label: str | None = "scanpath",
):
    """Draw one scanpath: lines between successive fixations, dots sized by duration.

    ``fixations`` is one trial in scanpath order (a :class:`Fixations`, whose
    ``duration`` in ms sets the dot area, or a ``(k, 2)`` array). Returns the line.
    """
    xy = _as_xy(fixations)
    if len(xy) == 0:
        raise ValueError("fixations is empty; there is no scanpath to draw")
    if isinstance(fixations, Fixations) and len(np.unique(fixations.subject)) > 1:
        raise ValueError("plot_scanpath draws one observer's scanpath; select one subject first")
    duration = getattr(fixations, "duration", None)
    sizes = 30.0 if duration is None else np.maximum(duration * duration_scale, 10.0)
    (line,) = ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=1.5, alpha=0.9, label=label)
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, color=color, edgecolors="black", lw=0.6, zorder=3)
    if numbered:
        for k, (x, y) in enumerate(xy, start=1):
            ax.annotate(str(k), (x, y), color="black", fontsize=7, ha="center", va="center")
    return line


def show_maps(
    images_and_maps,
    titles: Sequence[str] | None = None,
    fixations: Sequence | None = None,
    cmap: str = "jet",
    colorbar_label: str = "saliency (min-max scaled)",
    suptitle: str | None = None,
    panel_size: float = 3.2,
):
    """A grid of images and maps; returns the figure.

    ``images_and_maps`` is one row (a list of panels) or a list of rows (e.g.
    ``[[image, ground_truth, prediction], ...]``). A uint8 ``(H, W, 3)`` panel is
    drawn as an image, a 2-D panel as a heat map with a colour bar.
    ``titles`` names the panels of one row (the columns). ``fixations`` gives one
    entry per row (a :class:`Fixations`, a ``(k, 2)`` array or ``None``), drawn on
    that row's heat maps.
    """
    rows = list(images_and_maps)
    if not rows:
        raise ValueError("images_and_maps is empty")
    if not isinstance(rows[0], (list, tuple)):
        rows = [rows]
    columns = max(len(row) for row in rows)
    if titles is not None and len(titles) != columns:
        raise ValueError(f"titles must name the {columns} columns, got {len(titles)}")
    if fixations is not None and len(fixations) != len(rows):
        raise ValueError(
            f"fixations must have one entry per row ({len(rows)}), got {len(fixations)}"
        )
    figure, axes = plt.subplots(
        len(rows),
        columns,
        figsize=(panel_size * columns * 1.15, panel_size * len(rows) * 0.85),
        squeeze=False,
        layout="constrained",
    )
    for r, row in enumerate(rows):
        for c in range(columns):
            ax = axes[r, c]
            ax.set_axis_off()
            if c >= len(row):
                continue
            panel = np.asarray(row[c])
            if panel.ndim == 3:
                ax.imshow(_check_image(panel, f"panel [{r}][{c}]"))
            else:
                shown = ax.imshow(
                    _display_scale(_check_map(panel, f"panel [{r}][{c}]")),
                    cmap=cmap,
                    vmin=0,
                    vmax=1,
                )
                figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.02, label=colorbar_label)
                if fixations is not None and fixations[r] is not None:
                    plot_fixations(ax, fixations[r], size=8, color="white", edgecolor="black")
            if titles is not None:
                ax.set_title(titles[c], fontsize=10)
    if suptitle:
        figure.suptitle(suptitle)
    return figure

"""Figures of visual attention and change blindness (notebook 00).

What the eye resolves around a fixation (a foveated view, as in the mouse-contingent
display of SALICON: Jiang, Huang, Duan & Zhao, CVPR 2015), the frames of a
change-blindness display (Rensink, O'Regan & Clark, Psychological Science 1997;
O'Regan, Rensink & Clark, Nature 1999), the changes outlined, real observers'
scanpaths beside their density, and a fixation density beside an object-style
mask. Matplotlib only; every function returns its figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..fixations import Fixations
from .maps import _check_image, _check_map

__all__ = [
    "plot_changes",
    "plot_cycle_frames",
    "plot_density_and_mask",
    "plot_foveation",
    "plot_scanpaths_and_density",
]


def _label_axes(axes) -> None:
    for ax in np.ravel(axes):
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")


def plot_foveation(image, seen, point: tuple[float, float], name: str = "the image"):
    """The image on the screen (left) and what the eye resolves fixating ``point`` (right)."""
    image, seen = _check_image(image), _check_image(seen, "seen")
    if image.shape != seen.shape:
        raise ValueError(f"seen must have the image's shape {image.shape}, got {seen.shape}")
    x, y = (float(v) for v in point)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    axes[0].imshow(image)
    axes[0].set_title(f"{name}: what is on the screen")
    axes[1].imshow(seen)
    axes[1].plot(x, y, "r+", ms=14, mew=2)
    axes[1].set_title("what the eye resolves when fixating + (sharp within 2°)")
    _label_axes(axes)
    return fig


def plot_cycle_frames(frames: Mapping[str, np.ndarray], cycle: Sequence[tuple[str, float]], title):
    """One cycle of a change display: each frame of ``cycle`` (name, ms) side by side."""
    missing = [name for name, _ in cycle if name not in frames]
    if missing or not cycle:
        raise ValueError(f"cycle must name frames of {sorted(frames)}, got {missing or cycle}")
    fig, axes = plt.subplots(1, len(cycle), figsize=(4 * len(cycle), 3.3), layout="constrained")
    for ax, (name, ms) in zip(np.ravel(axes), cycle, strict=True):
        ax.imshow(_check_image(frames[name], name))
        ax.set_title(f"{name} for {ms:g} ms")
    _label_axes(axes)
    fig.suptitle(title)
    return fig


def plot_changes(stimuli: Sequence, title: str = "The changes, outlined"):
    """Each change stimulus with its changed region outlined in red, and its placement."""
    from ..widgets.ui import outline

    if not stimuli:
        raise ValueError("stimuli must hold at least one change stimulus")
    fig, axes = plt.subplots(1, len(stimuli), figsize=(4 * len(stimuli), 3.4), squeeze=False)
    for ax, stim in zip(axes[0], stimuli, strict=True):
        ax.imshow(outline(stim))
        ax.set_title(
            f"{stim.kind}, {stim.placement} saliency (centre prior)\n"
            f"(rank {stim.saliency_rank:.2f}, {100 * stim.area_fraction:.1f}% of the image)",
            fontsize=9,
        )
    _label_axes(axes)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_scanpaths_and_density(image, fixations: Fixations, density, n_paths: int = 3, name=""):
    """``n_paths`` observers' scanpaths on the image (left), the density of all (right)."""
    image, density = _check_image(image), _check_map(density, "density")
    if not isinstance(fixations, Fixations) or len(fixations) == 0:
        raise ValueError("fixations must be a non-empty Fixations of one image")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    axes[0].imshow(image)
    for subject in fixations.subjects[:n_paths]:
        path = fixations.for_subject(subject)
        axes[0].plot(path.x, path.y, "-o", ms=4, lw=1, label=f"observer {subject}")
        axes[0].annotate("1", (path.x[0], path.y[0]), color="w", fontsize=9, weight="bold")
    axes[0].legend(fontsize="small")
    shown = min(n_paths, len(fixations.subjects))
    axes[0].set_title(f"{shown} of {len(fixations.subjects)} scanpaths on {name}")
    heat = axes[1].imshow(density, cmap="magma")
    fig.colorbar(heat, ax=axes[1], fraction=0.046, label="probability per pixel")
    axes[1].set_title(f"density of all {len(fixations)} fixations")
    _label_axes(axes)
    return fig


def plot_density_and_mask(density, mask):
    """A fixation density (what saliency prediction predicts) beside a hard object-style mask."""
    density = _check_map(density, "density")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != density.shape:
        raise ValueError(f"mask must have the density's shape {density.shape}, got {mask.shape}")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    heat = axes[0].imshow(density, cmap="magma")
    fig.colorbar(heat, ax=axes[0], fraction=0.046, label="probability of fixation per pixel")
    axes[0].set_title("saliency prediction target: fixation density")
    axes[1].imshow(mask, cmap="gray")
    axes[1].set_title("salient-object-style output: a hard mask (stand-in)")
    _label_axes(axes)
    return fig

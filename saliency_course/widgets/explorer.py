"""Model explorer: one image, one model, its map and its scores against people.

The computation behind the explorer widget: predict a map with any model of
:mod:`saliency_course.models` (or any callable ``image -> map``), score it
with the MIT-benchmark metrics of :mod:`saliency_course.metrics` (Bylinskii et
al., "What do different evaluation metrics tell us about saliency models?",
TPAMI 2018) against the image's real fixations, and draw map, overlay and
ground truth side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..stimuli import model_saliency

FIXATION_METRICS = ("auc_judd", "nss")
DENSITY_METRICS = ("cc", "similarity", "kld")


@dataclass(frozen=True, eq=False)
class Exploration:
    """What the explorer shows for one (image, model) pair."""

    image: np.ndarray
    saliency: np.ndarray
    fixation_map: np.ndarray
    density: np.ndarray
    scores: dict[str, float]
    model_name: str


def explore(
    dataset,
    index: int,
    model: Callable | object,
    metrics: Sequence[str] = FIXATION_METRICS + DENSITY_METRICS,
    sigma_deg: float = 1.0,
    model_name: str | None = None,
    device=None,
) -> Exploration:
    """Predict image ``index`` of ``dataset`` with ``model`` and score it.

    AUC-Judd and NSS are computed against the fixation map, CC, SIM and KL
    against the density map (Gaussian of ``sigma_deg``), as in the MIT benchmark.
    """
    from .. import metrics as metric_functions

    unknown = [m for m in metrics if m not in FIXATION_METRICS + DENSITY_METRICS]
    if unknown:
        raise ValueError(
            f"metrics must be among {FIXATION_METRICS + DENSITY_METRICS}, got {unknown}"
        )
    if not 0 <= index < len(dataset):
        raise ValueError(f"index must be in [0, {len(dataset)}), got {index}")
    image = dataset.image(index)
    saliency = model_saliency(model, image, device)
    fixations = dataset.fixation_map(index)
    density = dataset.density_map(index, sigma_deg=sigma_deg)
    scores = {
        name: float(
            getattr(metric_functions, name)(
                saliency, fixations if name in FIXATION_METRICS else density
            )
        )
        for name in metrics
    }
    name = model_name or getattr(model, "name", None) or type(model).__name__
    return Exploration(image, saliency, fixations, density, scores, name)


def plot_exploration(result: Exploration, axes=None):
    """Image with fixations, the model's map, its overlay, and the human density."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    else:
        fig = axes[0].figure
    ys, xs = np.nonzero(result.fixation_map)
    axes[0].imshow(result.image)
    axes[0].scatter(xs, ys, s=6, c="yellow", edgecolors="k", linewidths=0.3)
    axes[0].set_title(f"image and {len(xs)} fixated pixels")
    shown = axes[1].imshow(result.saliency, cmap="magma")
    axes[1].set_title(f"{result.model_name}: saliency map")
    fig.colorbar(shown, ax=axes[1], fraction=0.046, label="saliency (model units)")
    span = np.ptp(result.saliency)
    unit = (result.saliency - result.saliency.min()) / span if span > 0 else result.saliency * 0
    axes[2].imshow(result.image)
    axes[2].imshow(unit, cmap="jet", alpha=0.45)
    axes[2].set_title("overlay (map scaled to [0, 1])")
    human = axes[3].imshow(result.density, cmap="magma")
    axes[3].set_title("human density map")
    fig.colorbar(human, ax=axes[3], fraction=0.046, label="probability per pixel")
    scores = ", ".join(f"{k} {v:.2f}" for k, v in result.scores.items())
    fig.suptitle(f"{result.model_name} vs. human fixations: {scores}")
    for ax in axes:
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    return fig

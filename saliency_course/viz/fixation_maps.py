"""Figures of fixation maps, density maps and inter-observer consistency (notebook 02).

Fixations becoming a fixation map and a Gaussian density map, one image's
density at several σ, leave-one-observer-out scores against σ and against the
number of observers, beside a centre-bias baseline (the MIT benchmark's
measures: Judd, Durand & Torralba, MIT tech report 2012; Bylinskii et al.,
TPAMI 2018). Matplotlib only; every function returns its figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter

from ..fixations import Fixations
from .maps import _check_image, _check_map, overlay, plot_fixations

__all__ = [
    "plot_consistency",
    "plot_fixations_to_maps",
    "plot_observer_count",
    "plot_sigmas",
]


def _label_axes(axes) -> None:
    for ax in np.ravel(axes):
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")


def plot_fixations_to_maps(image, fixations: Fixations, fixation_map, density, title: str):
    """The fixations (one colour per observer), the fixation map and the density over the image.

    The fixation map's dots are enlarged to 7 x 7 pixels to be visible.
    """
    image = _check_image(image)
    fixation_map, density = _check_map(fixation_map, "fixation_map"), _check_map(density, "density")
    if not fixation_map.shape == density.shape == image.shape[:2]:
        raise ValueError(
            f"fixation_map {fixation_map.shape} and density {density.shape} must have the "
            f"image's shape {image.shape[:2]}"
        )
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    axes[0].imshow(image)
    for subject in fixations.subjects:
        colour = plt.cm.tab20(int(subject) % 20)
        plot_fixations(axes[0], fixations.for_subject(subject), color=colour, size=18, label=None)
    axes[0].set_title("fixations, one colour per observer")
    axes[1].imshow(maximum_filter(fixation_map, size=7), cmap="gray_r")
    axes[1].set_title("fixation map (dots enlarged 7x7 to be visible)")
    axes[2].imshow(overlay(image, density, alpha=0.6))
    axes[2].set_title("density map over the image")
    _label_axes(axes)
    fig.suptitle(title)
    return fig


def plot_sigmas(image, densities: Mapping[float, np.ndarray], ppd: float):
    """One density per σ (degrees) over the image, titled with σ in pixels and the peak value."""
    image = _check_image(image)
    if not densities:
        raise ValueError("densities must map at least one sigma (deg) to a density map")
    fig, axes = plt.subplots(1, len(densities), figsize=(3.4 * len(densities), 3),
                             layout="constrained", squeeze=False)  # fmt: skip
    for ax, (sigma, density) in zip(axes[0], densities.items(), strict=True):
        density = _check_map(density, f"densities[{sigma}]")
        ax.imshow(overlay(image, density, alpha=0.65))
        ax.set_title(f"sigma {sigma:g} deg = {sigma * ppd:.0f} px\npeak {density.max():.1e}")
        ax.set_xlabel("x (px)")
    axes[0, 0].set_ylabel("y (px)")
    fig.suptitle("The same fixations blurred with different sigmas (heat map min-max scaled)")
    return fig


def _check_scores(table, baseline, name: str):
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValueError(f"{name} must be a non-empty DataFrame of mean scores")
    missing = [m for m in table.columns if m not in baseline]
    if missing:
        raise ValueError(f"baseline must hold a score for every column of {name}, lacks {missing}")


def _metric_panels(table: pd.DataFrame, baseline, name: str, title: str, xlabel: str, draw):
    """One panel per metric (column of ``table``): ``draw(ax, scores)``, then the baseline's
    score as a dashed line; the figure."""
    _check_scores(table, baseline, name)
    metrics = list(table.columns)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.6),
                             layout="constrained", squeeze=False)  # fmt: skip
    for ax, metric in zip(axes[0], metrics, strict=True):
        draw(ax, table[metric])
        ax.axhline(baseline[metric], color="tab:red", ls="--", label="centre bias")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"mean {metric}")
        ax.set_title(metric)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


def plot_consistency(by_sigma: pd.DataFrame, baseline, title: str):
    """Mean leave-one-out scores of the other observers' density against its σ, one panel per
    metric (columns of ``by_sigma``, indexed by σ in degrees), with the baseline's as a line."""

    def draw(ax, scores: pd.Series) -> None:
        ax.semilogx(scores.index, scores, "o-", label="other observers (leave one out)")
        ax.set_xticks(scores.index, [f"{s:g}" for s in scores.index], minor=False)
        ax.minorticks_off()

    xlabel = "sigma of the others' density map (deg)"
    return _metric_panels(by_sigma, baseline, "by_sigma", title, xlabel, draw)


def plot_observer_count(by_count: pd.DataFrame, baseline, title: str):
    """Mean leave-one-out scores against the number of other observers whose density predicts
    the left-out one (index of ``by_count``), one panel per metric, the baseline as a line."""

    def draw(ax, scores: pd.Series) -> None:
        ax.plot(scores.index, scores, "o-", color="tab:blue", label="other observers")
        ax.set_xticks(scores.index)

    xlabel = "number of other observers in the map"
    return _metric_panels(by_count, baseline, "by_count", title, xlabel, draw)

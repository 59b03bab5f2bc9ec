"""Figures that compare eye-tracking datasets: examples, centre bias, counts, fixation order.

The statistics come from :mod:`saliency_course.data.stats` (normalised
coordinates ``u = (x + 0.5) / W``, ``v = (y + 0.5) / H``; the image centre is
``(0.5, 0.5)``); these functions only draw them. Each takes a dict from a
dataset's label to its data, draws one curve or panel per dataset and returns
the figure. Used by notebook 03.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from ..data import stats
from .maps import plot_fixations

__all__ = [
    "by_fixation_order",
    "plot_center_bias_maps",
    "plot_center_profiles",
    "plot_count_distributions",
    "plot_dataset_examples",
    "plot_fixation_order",
]


def _check_named(name: str, values: Mapping) -> list:
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"{name} must be a non-empty dict from a dataset's label to its data")
    return list(values)


def plot_dataset_examples(datasets: Mapping, index: int = 0):
    """Image ``index`` of every dataset with all its observers' fixations, side by side."""
    names = _check_named("datasets", datasets)
    figure, axes = plt.subplots(
        1, len(names), figsize=(4.2 * len(names), 3.6), layout="constrained", squeeze=False
    )
    for ax, name in zip(axes[0], names, strict=True):
        dataset = datasets[name]
        fixations = dataset.fixations.for_image(index)
        height, width = dataset.image_shape(index)
        ax.imshow(dataset.image(index))
        plot_fixations(ax, fixations, size=10, label="fixations (all observers)")
        ax.set_title(
            f"{name}: image {index} ({width}x{height}), {len(fixations)} fixations", fontsize=9
        )
        ax.set(xlabel="x (pixels)", ylabel="y (pixels)")
    axes[0, 0].legend(loc="lower left", fontsize=8)
    figure.suptitle("One image per dataset with every observer's fixations")
    return figure


def plot_center_bias_maps(
    histograms: Mapping[str, np.ndarray],
    densities: Mapping[str, np.ndarray],
    bandwidths: Mapping[str, float],
):
    """Top row: each dataset's histogram of normalised fixations; bottom row: its fitted KDE."""
    names = _check_named("histograms", histograms)
    if set(densities) != set(names) or set(bandwidths) != set(names):
        raise ValueError("histograms, densities and bandwidths must name the same datasets")
    figure, axes = plt.subplots(
        2, len(names), figsize=(3.6 * len(names), 6.4), layout="constrained", squeeze=False
    )
    rows = [
        (histograms, "share of fixations per cell", "fixation histogram"),
        (densities, "centre-bias density per cell", "KDE, bandwidth {:.3f}"),
    ]
    for c, name in enumerate(names):
        for r, (maps, label, title) in enumerate(rows):
            shown = axes[r, c].imshow(maps[name], extent=(0, 1, 1, 0), cmap="magma")
            figure.colorbar(shown, ax=axes[r, c], fraction=0.046, pad=0.02, label=label)
            axes[r, c].set(xlabel="u = x / width", ylabel="v = y / height")
            axes[r, c].set_title(f"{name}: " + title.format(bandwidths[name]))
    figure.suptitle("Where fixations fall in normalised image coordinates")
    return figure


def plot_center_profiles(histograms: Mapping[str, np.ndarray]):
    """Horizontal and vertical marginal densities of each histogram (a uniform spread is 1)."""
    names = _check_named("histograms", histograms)
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for name in names:
        hist = np.asarray(histograms[name], dtype=np.float64)
        bins = hist.shape[0]
        centres = (np.arange(bins) + 0.5) / bins
        axes[0].plot(centres, hist.sum(axis=0) * bins, label=name)
        axes[1].plot(centres, hist.sum(axis=1) * bins, label=name)
    for ax, axis, label in [
        (axes[0], "Horizontal", "u = x / width"),
        (axes[1], "Vertical", "v = y / height"),
    ]:
        ax.axhline(1, color="grey", ls="--", lw=1, label="uniform")
        ax.set(title=f"{axis} profile", xlabel=label, ylabel="fixation density (uniform = 1)")
    axes[0].legend()
    figure.suptitle("Centre bias: marginal densities of the normalised fixation positions")
    return figure


def plot_count_distributions(
    counts: Mapping[str, np.ndarray],
    title: str = "Fixations per observer and image",
    xlabel: str = "fixations in one scanpath",
):
    """Step histograms (shares) of integer counts, one per dataset, with each mean in the legend."""
    names = _check_named("counts", counts)
    arrays = {name: np.asarray(counts[name]) for name in names}
    if any(a.size == 0 for a in arrays.values()):
        raise ValueError("counts must hold at least one count per dataset")
    top = max(int(a.max()) for a in arrays.values())
    figure, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    for name, values in arrays.items():
        ax.hist(
            values,
            bins=np.arange(0.5, top + 1.5),
            density=True,
            histtype="step",
            lw=2,
            label=f"{name} (mean {values.mean():.1f})",
        )
    ax.set(title=title, xlabel=xlabel, ylabel="share")
    ax.legend()
    return figure


def by_fixation_order(fixations, values: np.ndarray, max_order: int, reduce=np.mean) -> np.ndarray:
    """``reduce`` of ``values`` over the k-th fixations of all trials, ``k = 0 .. max_order - 1``.

    Orders that no trial reaches are left out (the result can be shorter).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(fixations),):
        raise ValueError(
            f"values must have one entry per fixation ({len(fixations)}), got {values.shape}"
        )
    if not isinstance(max_order, (int, np.integer)) or max_order < 1:
        raise ValueError(f"max_order must be a positive int, got {max_order!r}")
    order = stats.fixation_order(fixations)
    reached = min(int(max_order), int(order.max(initial=-1)) + 1)
    return np.array([reduce(values[order == k]) for k in range(reached)])


def plot_fixation_order(datasets: Mapping, max_order: int = 8):
    """Mean distance from the centre, and median duration, of the k-th fixation of a scanpath.

    ``datasets`` maps a label to a dataset (its ``fixations`` and ``image_shapes``);
    the duration panel shows the datasets whose fixations have durations.
    """
    names = _check_named("datasets", datasets)
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for name in names:
        f, shapes = datasets[name].fixations, datasets[name].image_shapes
        distance = by_fixation_order(f, stats.distance_from_center(f, shapes), max_order)
        axes[0].plot(np.arange(1, len(distance) + 1), distance, "o-", label=name)
        if f.duration is not None:
            duration = by_fixation_order(f, f.duration, max_order, np.median)
            axes[1].plot(np.arange(1, len(duration) + 1), duration, "o-", label=name)
    axes[0].set(title="Distance from the image centre", ylabel="mean distance (normalised units)")
    axes[1].set(title="Fixation duration (datasets with durations)", ylabel="median duration (ms)")
    for ax in axes:
        ax.set_xlabel("fixation number in the scanpath")
        if ax.lines:
            ax.legend()
    figure.suptitle("First fixations versus later ones")
    return figure

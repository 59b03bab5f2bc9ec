"""Figures that show what the benchmark metrics read and how they rank maps (notebook 04).

The numbers come from :mod:`saliency_course.metrics` (the MIT benchmark's
MATLAB code, Bylinskii et al., TPAMI 2018); these functions draw them: the
metric lab on one image (ROC curve, z-scores at fixations, shared mass), the
ranks of a gallery of maps under each metric, metric curves over a parameter,
AUC-Judd's ROC on tied values and an edge resized by several interpolations.
Each returns its figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import metrics
from ..metrics import METRICS
from .maps import plot_fixations

__all__ = [
    "metric_ranks",
    "plot_edge_upsampling",
    "plot_metric_curves",
    "plot_metric_lab",
    "plot_metric_ranks",
    "plot_tied_roc",
]


def _heat(figure, ax, array, title, label, cmap="jet"):
    shown = ax.imshow(array, cmap=cmap)
    figure.colorbar(shown, ax=ax, shrink=0.8, label=label)
    ax.set(title=title, xlabel="x (pixels)", ylabel="y (pixels)")


def plot_metric_lab(image, fixations, F, G, S, title: str):
    """Six panels: image and fixations, ``G``, ``S``, AUC-Judd's ROC, NSS's z-scores, SIM's overlap.

    ``F`` is the fixation map, ``G`` the ground-truth density and ``S`` the
    prediction, all of the image's size; every number shown is computed here
    with the package's metrics.
    """
    S, G, F = (np.asarray(a, dtype=np.float64) for a in (S, G, F))
    if not S.shape == G.shape == F.shape == np.shape(image)[:2]:
        raise ValueError(
            f"F, G and S must have the image's size {np.shape(image)[:2]}, "
            f"got {F.shape}, {G.shape}, {S.shape}"
        )
    figure, axes = plt.subplots(2, 3, figsize=(15, 8.5), layout="constrained")
    axes[0, 0].imshow(image)
    plot_fixations(axes[0, 0], fixations, size=14)
    axes[0, 0].set(title=f"the image and its {len(fixations)} fixations", xlabel="x (pixels)")
    _heat(figure, axes[0, 1], G, "ground truth G: density, sigma = 1 deg", "probability per pixel")
    _heat(figure, axes[0, 2], S, "prediction S", "probability per pixel")
    fp, tp = metrics.judd_roc(S, F)
    ax = axes[1, 0]
    ax.plot(fp, tp, ".-", color="tab:blue", label=f"AUC-Judd = {metrics.auc_judd(S, F):.3f}")
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="chance")
    ax.set(xlabel="false-positive rate (non-fixated pixels above threshold)")
    ax.set(ylabel="true-positive rate (fixations above threshold)")
    ax.set_title("AUC: ranks S at fixations")
    ax.legend(loc="lower right")
    z = (S - S.mean()) / S.std(ddof=1)
    nss = metrics.nss(S, F)
    ax = axes[1, 1]
    ax.hist(z.ravel(), bins=60, density=True, color="0.7", label="all pixels")
    ax.hist(z[F > 0], bins=15, density=True, alpha=0.7, color="tab:red", label="fixated pixels")
    ax.axvline(nss, color="tab:red", ls="--", label=f"NSS = {nss:.2f}")
    ax.set(xlabel="z-scored saliency (S - mean) / std", ylabel="density")
    ax.set_title("NSS: mean z-score at fixations")
    ax.legend()
    as_distribution = [(m - m.min()) / (m - m.min()).sum() for m in (S, G)]
    overlap = np.minimum(*as_distribution)
    sim = metrics.similarity(S, G)
    _heat(figure, axes[1, 2], overlap, f"SIM: shared mass = {sim:.3f}", "min(S, G)", "magma")
    figure.suptitle(title)
    return figure


def metric_ranks(scores: pd.DataFrame, higher_is_better: Mapping[str, bool]) -> np.ndarray:
    """Rank (1 = best, ties share the best rank) of each row under each column; NaN ranks last."""
    ranks = []
    for column in scores.columns:
        if column not in higher_is_better:
            raise ValueError(f"higher_is_better must say how to rank column {column!r}")
        sign = 1.0 if higher_is_better[column] else -1.0
        values = scores[column].to_numpy(dtype=np.float64)
        ranks.append(rankdata(-sign * np.nan_to_num(values, nan=-np.inf * sign), method="min"))
    return np.column_stack(ranks)


def plot_metric_ranks(scores: pd.DataFrame, higher_is_better: Mapping[str, bool]):
    """A heat map of :func:`metric_ranks`, rows = maps, columns = metrics; NaN cells say so."""
    ranks = metric_ranks(scores, higher_is_better)
    values = scores.to_numpy(dtype=np.float64)
    figure, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    shown = ax.imshow(ranks, cmap="viridis_r")
    ax.set_xticks(range(scores.shape[1]), list(scores.columns), rotation=30)
    ax.set_yticks(range(scores.shape[0]), list(scores.index))
    for (r, c), rank in np.ndenumerate(ranks):
        text = "NaN" if np.isnan(values[r, c]) else str(int(rank))
        colour = "white" if rank < ranks.max() / 2 else "black"
        ax.text(c, r, text, ha="center", va="center", color=colour)
    ax.set(xlabel="metric", ylabel="map")
    ax.set_title("Rank under each metric (1 = best; NaN = undefined)")
    figure.colorbar(shown, ax=ax, label="rank")
    return figure


def plot_metric_curves(curves: pd.DataFrame, xlabel: str, title: str):
    """One panel per metric (columns: names in :data:`~saliency_course.metrics.METRICS`)."""
    unknown = [c for c in curves.columns if c not in METRICS]
    if unknown:
        raise ValueError(f"curves' columns must be metric names of METRICS, got {unknown}")
    n = curves.shape[1]
    figure, axes = plt.subplots(1, n, figsize=(3 * n, 3.2), layout="constrained", squeeze=False)
    for ax, name in zip(axes[0], curves.columns, strict=True):
        info = METRICS[name]
        ax.plot(curves.index, curves[name], "o-")
        arrow = "↑" if info.higher_is_better else "↓"
        ax.set(xlabel=xlabel, ylabel=info.label, title=f"{info.label} {arrow}")
    figure.suptitle(title)
    return figure


def plot_tied_roc(binary, fixations, curves: Mapping[str, tuple[np.ndarray, np.ndarray]]):
    """A binary map with its fixations, and ROC curves ``label -> (fp, tp)`` drawn on it."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    share = float(np.mean(np.asarray(binary) == np.min(binary)))
    axes[0].imshow(binary, cmap="gray")
    plot_fixations(axes[0], fixations, size=10)
    axes[0].set(title=f"a binary map: {share:.0%} of pixels tie at its minimum")
    axes[0].set(xlabel="x (pixels)", ylabel="y (pixels)")
    for (label, (fp, tp)), style in zip(curves.items(), [".-", "-", "--", ":"], strict=False):
        axes[1].plot(fp, tp, style, alpha=0.85, label=label)
    axes[1].plot([0, 1], [0, 1], "k--", lw=1, label="chance")
    axes[1].set(xlabel="false-positive rate", ylabel="true-positive rate")
    axes[1].set_title("AUC-Judd's ROC curve on tied values")
    axes[1].legend(loc="lower right")
    figure.suptitle("Ties: every tied pixel is counted at the first threshold")
    return figure


def plot_edge_upsampling(edge, positions, curves: Mapping[str, np.ndarray]):
    """A 1-D ``edge``'s input pixels and its upsampled versions ``label -> values``.

    ``positions`` are the output pixels' centres in input-pixel coordinates.
    """
    edge, positions = np.ravel(edge), np.ravel(positions)
    figure, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    ax.plot(np.arange(edge.size), edge, "ks", ms=8, label="input pixels")
    for (label, values), style in zip(curves.items(), ["-", "--", ":", "-."], strict=False):
        values = np.ravel(values)
        if values.shape != positions.shape:
            raise ValueError(f"curve {label!r} has {values.size} values for {positions.size}")
        ax.plot(positions, values, style, label=label)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set(xlabel="position (input pixels)", ylabel="value")
    ax.set_title(f"An edge upsampled {positions.size // edge.size}x: does it overshoot?")
    ax.legend(fontsize=8)
    return figure

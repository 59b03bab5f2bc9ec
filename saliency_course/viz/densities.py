"""Saliency as a probability: log-densities in bits, scores in bits, and a sparse readout.

Figures of notebook 08 (DeepGaze: Kümmerer, Theis & Bethge, "Deep Gaze I",
arXiv:1411.1045; Kümmerer, Wallis & Bethge, "DeepGaze II", arXiv:1610.01563):

* :func:`show_log_densities` — log-densities (natural log, ``logsumexp == 0``)
  drawn in bits, ``log2 p``, optionally beside the density ``p`` itself;
* :func:`plot_information_gain` — one bar per model, in bits per fixation;
* :func:`readout_sparsity` and :func:`plot_readout_weights` — how many of a
  linear readout's weights a sparsity penalty leaves alive, layer by layer
  (``models.deepgaze.readout_weights_by_layer`` gives the weights).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = [
    "plot_information_gain",
    "plot_readout_weights",
    "readout_sparsity",
    "show_log_densities",
]


def _check_log_density(name: str, log_density) -> np.ndarray:
    array = np.asarray(log_density, dtype=np.float64)
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise ValueError(
            f"log_densities[{name!r}] must be a finite 2-D log-density (H, W), "
            f"got shape {array.shape}"
        )
    return array


def show_log_densities(
    log_densities: Mapping[str, np.ndarray],
    suptitle: str | None = None,
    with_density: bool = False,
    panel_size: float = 3.6,
):
    """One panel per log-density in bits (``log2 p``); ``with_density`` adds ``p`` first.

    ``log_densities`` maps a title to a natural-log density ``(H, W)``. Axes are
    in pixels, each panel has its colour bar. Returns the figure.
    """
    if not log_densities:
        raise ValueError("log_densities must hold at least one map, got none")
    panels = []
    for name, log_density in log_densities.items():
        array = _check_log_density(name, log_density)
        if with_density:
            panels.append((f"{name}: p(x, y)", np.exp(array), "p(x, y)"))
        panels.append((f"{name}: log2 p", array / np.log(2), "log2 p(x, y) (bits)"))
    figure, axes = plt.subplots(
        1, len(panels), figsize=(panel_size * 1.3 * len(panels), panel_size), squeeze=False
    )
    for ax, (title, array, label) in zip(axes[0], panels, strict=True):
        shown = ax.imshow(array, cmap="magma")
        figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.02, label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return figure


def plot_information_gain(
    bits: pd.Series,
    ylabel: str = "log-likelihood (bits/fixation vs uniform)",
    title: str | None = None,
):
    """A bar per model (the index) of a score in bits per fixation; returns the figure."""
    values = pd.Series(bits, dtype=float)
    if values.empty or not np.all(np.isfinite(values.to_numpy())):
        raise ValueError(f"bits must be a non-empty series of finite numbers, got {bits!r:.80}")
    figure, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(values)), 3.6), layout="constrained")
    colours = plt.get_cmap("tab10")(np.arange(len(values)) % 10)
    ax.bar([str(name) for name in values.index], values.to_numpy(), color=colours)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=20)
    if title:
        ax.set_title(title)
    return figure


def _check_runs(runs: Mapping[str, Mapping[str, np.ndarray]]) -> list[str]:
    if not runs:
        raise ValueError("runs must hold at least one run's weights, got none")
    layouts = {
        run: [(layer, np.asarray(w).size) for layer, w in weights.items()]
        for run, weights in runs.items()
    }
    first_run, layout = next(iter(layouts.items()))
    if not layout:
        raise ValueError(f"runs[{first_run!r}] must map layer names to weights, got none")
    for run, other in layouts.items():
        if other != layout:
            raise ValueError(
                f"every run must have the layers and sizes of {first_run!r} {layout}, "
                f"got {other} for {run!r}"
            )
    return [layer for layer, _ in layout]


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold < 1:
        raise ValueError(
            f"threshold must lie in (0, 1), a fraction of the largest weight, got {threshold!r}"
        )


def _relative(weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``|w| / max |w|`` per layer, the maximum taken over all layers of the run."""
    magnitudes = {
        layer: np.abs(np.asarray(w, dtype=np.float64)).ravel() for layer, w in weights.items()
    }
    peak = max(m.max() for m in magnitudes.values())
    return {layer: m / peak if peak > 0 else m for layer, m in magnitudes.items()}


def readout_sparsity(
    runs: Mapping[str, Mapping[str, np.ndarray]], threshold: float = 0.05
) -> pd.DataFrame:
    """Weights alive per layer and run: ``|w| >= threshold * max |w|`` (max over the run).

    ``runs`` maps a run's name to ``{layer: weights}`` (every run the same
    layers). Rows: the layers, then ``"all layers"``; columns: ``"weights"``
    (how many per layer) and one per run (how many are alive).
    """
    layers = _check_runs(runs)
    _check_threshold(threshold)
    first = next(iter(runs.values()))
    table = pd.DataFrame(
        {"weights": [np.asarray(first[layer]).size for layer in layers]}, index=layers
    )
    for run, weights in runs.items():
        relative = _relative(weights)
        table[run] = [int((relative[layer] >= threshold).sum()) for layer in layers]
    table.loc["all layers"] = table.sum()
    table.index.name = "layer"
    return table


def plot_readout_weights(
    runs: Mapping[str, Mapping[str, np.ndarray]],
    threshold: float = 0.05,
    suptitle: str | None = None,
):
    """Each run's weights per layer (left, ``|w| / max |w|`` on a log axis) and the share alive.

    The dashed line is ``threshold``: a weight above it counts as alive
    (:func:`readout_sparsity`). Returns the figure.
    """
    table = readout_sparsity(runs, threshold)
    layers = [layer for layer in table.index if layer != "all layers"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.0), layout="constrained")
    width = 0.8 / len(runs)
    rng = np.random.default_rng(0)  # horizontal jitter only, so the dots do not overlap
    for k, (run, weights) in enumerate(runs.items()):
        colour = f"C{k}"
        relative = _relative(weights)
        for j, layer in enumerate(layers):
            x = j + (k - (len(runs) - 1) / 2) * width
            values = np.clip(relative[layer], 1e-6, None)
            jitter = rng.uniform(-width / 3, width / 3, values.size)
            left.scatter(x + jitter, values, s=4, color=colour, alpha=0.5,
                         label=run if j == 0 else None)  # fmt: skip
        shares = table.loc[layers, run] / table.loc[layers, "weights"]
        offsets = np.arange(len(layers)) + (k - (len(runs) - 1) / 2) * width
        right.bar(offsets, shares, width=width, color=colour, label=run)
    left.axhline(threshold, color="black", ls="--", lw=1, label=f"alive above {threshold:g}")
    left.set_yscale("log")
    left.set_ylabel("|w| / largest |w| of the run")
    left.set_title("every readout weight, by the layer it reads")
    left.legend(fontsize=8, markerscale=3)
    right.set_ylabel("share of the layer's weights alive")
    right.set_ylim(0, 1.05)
    right.set_title("weights alive per layer")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xticks(range(len(layers)), layers)
        ax.set_xlabel("AlexNet layer read")
    if suptitle:
        figure.suptitle(suptitle)
    return figure

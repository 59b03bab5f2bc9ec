"""Figures that compare many models: scores between floor and ceiling, every model's map.

Figures of notebook 10 (the benchmark table):
:func:`plot_between_floor_and_ceiling` colours each score of a
:func:`saliency_course.benchmark.benchmark_table` by where it lies between the
centre-bias floor (0) and the inter-observer ceiling (1)
(:func:`saliency_course.benchmark.relative_position`) and writes the score
itself in the cell; :func:`show_model_maps` shows one image, its ground truth
and every model's map side by side, with the fixations.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from .maps import _check_image, _check_map, _display_scale, plot_fixations

__all__ = ["plot_between_floor_and_ceiling", "show_model_maps"]


def plot_between_floor_and_ceiling(
    table, labels: Mapping[str, str] | None = None, title: str | None = None
):
    """The scores of a benchmark table, coloured from the floor (0) to the ceiling (1).

    ``labels`` renames rows for display (e.g. ``"salnet [untrained]"``). Cells
    show the score (``n/a`` for NaN); the colour is its relative position,
    clipped to [-0.5, 1], grey in a column where the ceiling does not beat the
    floor (no scale). Returns the figure.
    """
    from ..benchmark import HIGHER_IS_BETTER, relative_position

    relative = relative_position(table)
    scores = table[list(relative.columns)].astype(float)
    names = [str((labels or {}).get(name, name)) for name in scores.index]
    figure, ax = plt.subplots(figsize=(11, 0.45 * len(scores) + 1.5), layout="constrained")
    # grey: a column where the ceiling does not beat the floor
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="lightgrey")
    image = ax.imshow(relative.to_numpy(dtype=float), cmap=cmap, vmin=-0.5, vmax=1.0, aspect="auto")
    for (r, c), value in np.ndenumerate(scores.to_numpy()):
        text = "n/a" if np.isnan(value) else f"{value:.2f}"
        ax.text(c, r, text, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(scores.columns)), scores.columns)
    ax.set_yticks(range(len(scores)), names)
    lower = " and ".join(c for c in scores.columns if not HIGHER_IS_BETTER[c])
    unscaled = ", ".join(c for c in relative.columns if relative[c].isna().all())
    ax.set_xlabel(
        "metric, in the lecture's order"
        + (f" ({lower}: lower is better)" if lower else "")
        + (f"; grey: the ceiling does not beat the floor ({unscaled})" if unscaled else "")
    )
    ax.set_ylabel("model")
    figure.colorbar(image, ax=ax, label="position between centre bias (0) and humans (1)")
    if title:
        ax.set_title(title)
    return figure


def show_model_maps(
    image,
    maps: Mapping[str, np.ndarray],
    fixations=None,
    columns: int = 5,
    suptitle: str | None = None,
    panel_size: float = 3.0,
):
    """``image`` then one heat map per entry of ``maps`` (title -> map), min-max scaled.

    ``fixations`` (a :class:`~saliency_course.fixations.Fixations` or ``(k, 2)``
    x, y) are drawn on every map. Returns the figure.
    """
    image = _check_image(image)
    if not isinstance(maps, Mapping) or not maps:
        raise ValueError("maps must be a non-empty dict title -> 2-D map")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive int, got {columns!r}")
    panels = {"image": image, **{str(k): _check_map(v, f"maps[{k!r}]") for k, v in maps.items()}}
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(panel_size * 1.15 * columns, panel_size * 0.85 * rows),
        layout="constrained",
        squeeze=False,
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (title, panel) in zip(axes.flat, panels.items(), strict=False):
        ax.set_title(title, fontsize=9)
        if panel.ndim == 3:
            ax.imshow(panel)
            continue
        shown = ax.imshow(_display_scale(panel), cmap="jet", vmin=0, vmax=1)
        if fixations is not None:
            plot_fixations(ax, fixations, size=5, color="white", edgecolor="black")
        figure.colorbar(shown, ax=ax, fraction=0.046, label="saliency (min-max scaled)")
    if suptitle:
        figure.suptitle(suptitle)
    return figure

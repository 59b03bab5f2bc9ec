"""What a network's layers see and add: receptive fields, fixed input maps, learned bias maps.

Figures of notebook 09 (DeepFix), usable for any convolutional model:
:func:`plot_receptive_fields` draws gradient maps such as
:func:`saliency_course.models.receptive_field.gradient_field` returns, with
the extent of their support; :func:`plot_map_grid` a stack of maps on one
colour scale (e.g. the 16 Gaussian maps of DeepFix's location-biased
convolutions); :func:`plot_signed_maps` maps of both signs on a diverging scale
centred on zero (e.g. the bias those layers learned).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_map_grid", "plot_receptive_fields", "plot_signed_maps"]


def _maps(panels: Mapping[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError(f"{name} must be a non-empty dict title -> 2-D map, got {panels!r:.60}")
    checked = {}
    for title, panel in panels.items():
        array = np.asarray(panel, dtype=np.float64)
        if array.ndim != 2 or not np.isfinite(array).all():
            raise ValueError(f"{name}[{title!r}] must be a finite 2-D map, got shape {array.shape}")
        checked[str(title)] = array
    return checked


def _panel_row(count: int, panel_size: float, aspect: float):
    """A figure with one row of ``count`` panels ``aspect * panel_size`` wide; (figure, axes)."""
    figure, axes = plt.subplots(
        1,
        count,
        figsize=(panel_size * aspect * count, panel_size),
        squeeze=False,
        layout="constrained",
    )
    return figure, axes[0]


def support_extent(field: np.ndarray) -> int:
    """Side of the smallest square band holding every non-zero pixel (rows and columns)."""
    rows, cols = np.nonzero(np.asarray(field))
    if rows.size == 0:
        return 0
    return int(max(np.ptp(rows), np.ptp(cols))) + 1


def plot_receptive_fields(
    fields: Mapping[str, np.ndarray],
    suptitle: str | None = None,
    colorbar_label: str = "paths from input pixel to output",
    panel_size: float = 3.8,
):
    """One panel per gradient map, titled ``"<label>: <extent>x<extent> px"``; the figure."""
    fields = _maps(fields, "fields")
    figure, axes = _panel_row(len(fields), panel_size, 1.05)
    for ax, (label, field) in zip(axes, fields.items(), strict=True):
        shown = ax.imshow(field, cmap="viridis")
        figure.colorbar(shown, ax=ax, label=colorbar_label)
        extent = support_extent(field)
        ax.set_title(f"{label}: {extent}x{extent} px")
        ax.set_xlabel("input x (px)")
        ax.set_ylabel("input y (px)")
    if suptitle:
        figure.suptitle(suptitle)
    return figure


def plot_map_grid(
    maps,
    titles: Sequence[str] | None = None,
    columns: int = 4,
    cmap: str = "magma",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar_label: str = "map value",
    suptitle: str | None = None,
    axis_label: str = "cells",
):
    """A grid of ``(K, H, W)`` maps on one shared colour scale; returns the figure."""
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3 or maps.shape[0] < 1:
        raise ValueError(f"maps must be a stack (K, H, W) of 2-D maps, got shape {maps.shape}")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"titles must name the {len(maps)} maps, got {len(titles)}")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive int, got {columns!r}")
    rows = -(-len(maps) // columns)
    vmin = float(maps.min()) if vmin is None else vmin
    vmax = float(maps.max()) if vmax is None else vmax
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(2.5 * columns, 1.8 * rows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for k, ax in enumerate(axes.flat):
        if k >= len(maps):
            ax.set_axis_off()
            continue
        shown = ax.imshow(maps[k], cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
        ax.set_xlabel(f"x ({axis_label})", fontsize=8)
        ax.set_ylabel(f"y ({axis_label})", fontsize=8)
        ax.tick_params(labelsize=7)
    figure.colorbar(shown, ax=axes, label=colorbar_label, shrink=0.8)
    if suptitle:
        figure.suptitle(suptitle)
    return figure


def plot_signed_maps(
    panels: Mapping[str, np.ndarray],
    suptitle: str | None = None,
    colorbar_label: str = "value",
    xlabel: str = "x (cells)",
    ylabel: str = "y (cells)",
    panel_size: float = 3.6,
):
    """One panel per map, blue below zero and red above, each on a scale symmetric around 0."""
    panels = _maps(panels, "panels")
    figure, axes = _panel_row(len(panels), panel_size, 1.2)
    for ax, (title, panel) in zip(axes, panels.items(), strict=True):
        limit = float(np.abs(panel).max()) or 1.0
        shown = ax.imshow(panel, cmap="coolwarm", vmin=-limit, vmax=limit)
        figure.colorbar(shown, ax=ax, label=colorbar_label)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    if suptitle:
        figure.suptitle(suptitle)
    return figure

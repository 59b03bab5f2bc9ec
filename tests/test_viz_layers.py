"""Figures of a network's layers: receptive fields, map grids, signed bias maps."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.models.receptive_field import gradient_field
from saliency_course.viz.layers import support_extent


def test_receptive_field_panels_name_the_extent_of_the_support():
    fields = {f"dilation {d}": gradient_field([(3, 1, d)] * 3, 45) for d in (1, 2)}
    figure = viz.plot_receptive_fields(fields, suptitle="three 3x3 convolutions")
    panels = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert [ax.get_title() for ax in panels] == ["dilation 1: 7x7 px", "dilation 2: 13x13 px"]
    assert figure._suptitle.get_text() == "three 3x3 convolutions"
    plt.close(figure)


def test_support_extent_counts_rows_and_columns():
    field = np.zeros((9, 9))
    field[2, 3] = field[6, 4] = 1.0
    assert support_extent(field) == 5  # rows 2..6
    assert support_extent(np.zeros((3, 3))) == 0


def test_map_grid_shares_one_colour_scale():
    maps = np.stack([np.full((3, 4), k, dtype=float) for k in range(5)])
    figure = viz.plot_map_grid(maps, titles=[f"map {k}" for k in range(5)], columns=2, vmin=0)
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert len(images) == 5  # 3 x 2 grid, the sixth panel left empty
    assert {im.get_clim() for im in images} == {(0, 4.0)}
    assert figure.axes[4].get_title() == "map 4"
    plt.close(figure)
    with pytest.raises(ValueError, match="titles must name the 5 maps"):
        viz.plot_map_grid(maps, titles=["a"])
    with pytest.raises(ValueError, match=r"stack \(K, H, W\)"):
        viz.plot_map_grid(np.zeros((3, 4)))


def test_signed_maps_are_centred_on_zero():
    panels = {"mean": np.array([[-1.0, 0.5], [0.2, 0.0]]), "flat": np.zeros((2, 2))}
    figure = viz.plot_signed_maps(panels, colorbar_label="added before ReLU")
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert images[0].get_clim() == (-1.0, 1.0) and images[1].get_clim() == (-1.0, 1.0)
    assert figure.axes[0].get_title() == "mean"
    plt.close(figure)
    with pytest.raises(ValueError, match=r"panels\['bad'\] must be a finite 2-D map"):
        viz.plot_signed_maps({"bad": np.array([[np.nan]])})
    with pytest.raises(ValueError, match="non-empty dict"):
        viz.plot_signed_maps({})

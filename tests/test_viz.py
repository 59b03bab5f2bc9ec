"""Overlays, fixation scatter, scanpaths and the map grid."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.fixations import Fixations


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 256, size=(6, 8, 3), dtype=np.uint8)


def test_overlay_blends_with_the_colour_map(image):
    saliency = np.zeros((6, 8))
    saliency[2, 3] = 4.0
    assert np.array_equal(viz.overlay(image, saliency, alpha=0.0), image)
    heat = viz.overlay(image, saliency, alpha=1.0, cmap="gray")
    assert heat.dtype == np.uint8 and heat.shape == (6, 8, 3)
    assert heat[2, 3].tolist() == [255, 255, 255] and heat[0, 0].tolist() == [0, 0, 0]
    half = viz.overlay(image, saliency, alpha=0.5, cmap="gray")
    expected = np.round(0.5 * image[2, 3].astype(float) + 0.5 * 255).astype(np.uint8)
    np.testing.assert_array_equal(half[2, 3], expected)


def test_overlay_resizes_the_map_and_accepts_constant_maps(image):
    assert viz.overlay(image, np.ones((3, 4))).shape == (6, 8, 3)
    small = np.zeros((3, 4))
    small[0, 0] = 1
    assert viz.overlay(image, small, alpha=1.0, cmap="gray")[0, 0, 0] > 128


@pytest.mark.parametrize(
    "img, saliency, alpha, message",
    [
        (np.zeros((6, 8, 3)), np.zeros((6, 8)), 0.5, "uint8 RGB"),
        (np.zeros((6, 8), np.uint8), np.zeros((6, 8)), 0.5, "uint8 RGB"),
        (np.zeros((6, 8, 3), np.uint8), np.zeros((6, 8, 3)), 0.5, "2-D map"),
        (np.zeros((6, 8, 3), np.uint8), np.full((6, 8), np.nan), 0.5, "NaN"),
        (np.zeros((6, 8, 3), np.uint8), np.zeros((6, 8)), 1.5, "alpha"),
    ],
)
def test_overlay_rejects_bad_input(img, saliency, alpha, message):
    with pytest.raises(ValueError, match=message):
        viz.overlay(img, saliency, alpha=alpha)


def test_plot_fixations_and_scanpath_draw_the_coordinates():
    f = Fixations(
        x=[1.0, 5.0, 3.0], y=[2.0, 4.0, 1.0], n=[0] * 3, subject=[0] * 3, duration=[100, 200, 300]
    )
    figure, ax = plt.subplots()
    points = viz.plot_fixations(ax, f)
    np.testing.assert_array_equal(points.get_offsets(), [[1, 2], [5, 4], [3, 1]])
    line = viz.plot_scanpath(ax, f)
    np.testing.assert_array_equal(line.get_xdata(), [1, 5, 3])
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3"]
    two = Fixations(x=[1.0, 2.0], y=[1.0, 2.0], n=[0, 0], subject=[0, 1])
    with pytest.raises(ValueError, match="one observer"):
        viz.plot_scanpath(ax, two)
    with pytest.raises(ValueError, match="shape \\(k, 2\\)"):
        viz.plot_fixations(ax, np.zeros(3))
    plt.close(figure)


def test_show_maps_grid_with_colour_bars_and_fixations(image):
    maps_ = [np.random.default_rng(1).random((6, 8)), np.ones((6, 8))]
    rows = [[image, *maps_], [image, *maps_]]
    fix = [np.array([[1.0, 1.0]]), None]
    figure = viz.show_maps(rows, titles=["image", "ground truth", "prediction"], fixations=fix)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert len(panels) == 6
    assert len(figure.axes) == 6 + 4  # one colour bar per heat map
    assert len(panels[1].collections) == 1 and len(panels[4].collections) == 0
    assert panels[2].get_title() == "prediction"
    plt.close(figure)
    single = viz.show_maps([image, maps_[0]])
    assert len(single.axes) == 3
    plt.close(single)
    with pytest.raises(ValueError, match="titles must name the 3 columns"):
        viz.show_maps(rows, titles=["a"])
    with pytest.raises(ValueError, match="one entry per row"):
        viz.show_maps(rows, fixations=[None])
    with pytest.raises(ValueError, match="empty"):
        viz.show_maps([])

"""Notebook 00's figures: foveated view, change displays, scanpaths and density, object mask."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.fixations import Fixations
from saliency_course.stimuli import make_change


@pytest.fixture
def image():
    """Smooth colour gradients with a bright square: SLIC finds interior regions in it."""
    rows, cols = np.mgrid[0:120, 0:160]
    rgb = np.stack([rows * 2, cols * 1.5, (rows + cols) % 256], axis=2)
    rgb[40:70, 60:100] = [250, 30, 30]
    return rgb.astype(np.uint8)


def _titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_plot_foveation_marks_the_fixated_point(image):
    fig = viz.plot_foveation(image, image[::-1].copy(), (30.5, 20.0), name="a test image")
    assert _titles(fig)[0] == "a test image: what is on the screen"
    (line,) = fig.axes[1].get_lines()
    assert line.get_xdata()[0] == 30.5 and line.get_ydata()[0] == 20.0
    assert fig.axes[0].get_xlabel() == "x (px)"
    plt.close(fig)
    with pytest.raises(ValueError, match="seen must have the image's shape"):
        viz.plot_foveation(image, image[:10], (0, 0))


def test_plot_cycle_frames_follows_the_cycle(image):
    frames = {"A": image, "blank": np.full_like(image, 128), "B": image[:, ::-1].copy()}
    cycle = [("A", 240), ("blank", 80), ("B", 240), ("blank", 80)]
    fig = viz.plot_cycle_frames(frames, cycle, "one cycle")
    assert _titles(fig) == ["A for 240 ms", "blank for 80 ms", "B for 240 ms", "blank for 80 ms"]
    assert fig._suptitle.get_text() == "one cycle"
    plt.close(fig)
    with pytest.raises(ValueError, match="cycle must name frames"):
        viz.plot_cycle_frames(frames, [("A_mud", 80)], "bad")


def test_plot_changes_names_kind_placement_and_rank(image):
    stimuli = [make_change(image, kind, placement, n_segments=30, seed=0)
               for kind, placement in (("recolor", "high"), ("recolor", "low"))]  # fmt: skip
    fig = viz.plot_changes(stimuli)
    titles = _titles(fig)
    assert len(titles) == 2 and titles[0].startswith("recolor, high saliency (centre prior)")
    assert f"rank {stimuli[1].saliency_rank:.2f}" in titles[1]
    shown = fig.axes[0].get_images()[0].get_array()
    assert (np.asarray(shown)[stimuli[0].mask] != stimuli[0].changed[stimuli[0].mask]).any()
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        viz.plot_changes([])


def test_plot_scanpaths_and_density_draws_the_first_observers(image):
    fixations = Fixations(
        x=[10, 50, 90, 20, 60, 100, 30], y=[10, 20, 30, 40, 50, 60, 70], n=[0] * 7,
        subject=[1, 1, 1, 2, 2, 3, 3],
    )  # fmt: skip
    density = np.random.default_rng(0).random(image.shape[:2])
    fig = viz.plot_scanpaths_and_density(image, fixations, density, n_paths=2, name="image 0")
    assert _titles(fig) == ["2 of 3 scanpaths on image 0", "density of all 7 fixations"]
    assert [len(line.get_xdata()) for line in fig.axes[0].get_lines()] == [3, 2]
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty Fixations"):
        viz.plot_scanpaths_and_density(image, Fixations.empty(), density)


def test_plot_density_and_mask_checks_shapes():
    density = np.random.default_rng(1).random((20, 30))
    fig = viz.plot_density_and_mask(density, density > 0.9)
    assert np.array_equal(fig.axes[1].get_images()[0].get_array(), density > 0.9)
    plt.close(fig)
    with pytest.raises(ValueError, match="mask must have the density's shape"):
        viz.plot_density_and_mask(density, np.ones((3, 3), bool))

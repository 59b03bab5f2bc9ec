"""Notebook 02's figures: fixation and density maps, σ, inter-observer consistency."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pandas as pd
import pytest

from saliency_course import maps, viz
from saliency_course.fixations import Fixations


@pytest.fixture
def scene():
    image = np.random.default_rng(0).integers(0, 256, size=(60, 80, 3), dtype=np.uint8)
    fixations = Fixations(x=[10.2, 40.0, 41.0, 70.0], y=[5.0, 30.0, 30.4, 50.0], n=[0] * 4,
                          subject=[0, 0, 1, 2])  # fmt: skip
    return image, fixations


def test_plot_fixations_to_maps_draws_each_observer(scene):
    image, fixations = scene
    fixation_map = maps.fixation_map(fixations, (60, 80))
    density = maps.density_map(fixations, (60, 80), sigma_px=3.0)
    fig = viz.plot_fixations_to_maps(image, fixations, fixation_map, density, "image 7")
    assert len(fig.axes[0].collections) == 3  # one scatter per observer
    enlarged = fig.axes[1].get_images()[0].get_array()
    assert enlarged[5, 10] == 1 and enlarged[8, 13] == 1 and enlarged[20, 20] == 0  # 7 x 7 dots
    assert fig._suptitle.get_text() == "image 7"
    plt.close(fig)
    with pytest.raises(ValueError, match="must have the image's shape"):
        viz.plot_fixations_to_maps(image, fixations, fixation_map[:10], density, "bad")


def test_plot_sigmas_titles_sigma_in_pixels_and_the_peak(scene):
    image, fixations = scene
    densities = {s: maps.density_map(fixations, (60, 80), sigma_deg=s, ppd=4.0) for s in (0.5, 2)}
    fig = viz.plot_sigmas(image, densities, ppd=4.0)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == f"sigma 0.5 deg = 2 px\npeak {densities[0.5].max():.1e}"
    assert titles[1].startswith("sigma 2 deg = 8 px")
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one sigma"):
        viz.plot_sigmas(image, {}, 4.0)


def test_consistency_and_observer_count_plot_every_metric_with_the_baseline():
    scores = pd.DataFrame({"AUC-Judd": [0.9, 0.93], "NSS": [3.0, 2.5]}, index=[0.5, 1.0])
    baseline = pd.Series({"AUC-Judd": 0.8, "NSS": 1.0})
    fig = viz.plot_consistency(scores, baseline, "consistency")
    curve, floor = fig.axes[1].get_lines()
    assert list(curve.get_ydata()) == [3.0, 2.5] and floor.get_ydata()[0] == 1.0
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
    counts = pd.DataFrame({"NSS": [2.9, 3.7]}, index=[1, 14])
    fig = viz.plot_observer_count(counts, baseline, "observers")
    assert list(fig.axes[0].get_lines()[0].get_xdata()) == [1, 14]
    assert fig.axes[0].get_title() == "NSS"
    plt.close(fig)
    with pytest.raises(ValueError, match="lacks \\['CC'\\]"):
        viz.plot_observer_count(counts.assign(CC=[0.1, 0.2]), baseline, "bad")
    with pytest.raises(ValueError, match="non-empty DataFrame"):
        viz.plot_consistency(pd.DataFrame(), baseline, "bad")

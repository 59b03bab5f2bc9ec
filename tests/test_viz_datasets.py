"""The dataset-comparison figures of notebook 03, on real FixaTons data."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.data import load_dataset, stats
from saliency_course.fixations import Fixations


@pytest.fixture(scope="module")
def siena(data_dir):
    return load_dataset("fixatons", root=data_dir, download=False, subset="SIENA12")


@pytest.fixture(scope="module")
def siena_first(data_dir):
    return load_dataset(
        "fixatons", root=data_dir, download=False, subset="SIENA12", first_fixation=True
    )


def test_dataset_examples_show_each_image_and_its_fixations(siena):
    figure = viz.plot_dataset_examples({"SIENA12": siena, "again": siena}, index=3)
    axes = figure.axes
    assert len(axes) == 2
    scatter = axes[0].collections[0]
    assert len(scatter.get_offsets()) == len(siena.fixations.for_image(3))
    height, width = siena.image_shape(3)
    assert axes[1].get_title().startswith(f"again: image 3 ({width}x{height})")
    plt.close(figure)
    with pytest.raises(ValueError, match="non-empty dict"):
        viz.plot_dataset_examples({})


def test_center_bias_maps_draw_a_histogram_and_a_density_per_dataset(siena):
    hist = stats.normalized_histogram(siena.fixations, siena.image_shapes, bins=8)
    density = np.full((6, 6), 1 / 36)
    figure = viz.plot_center_bias_maps({"S": hist}, {"S": density}, {"S": 0.0625})
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert len(images) == 2
    assert np.array_equal(images[0].get_array(), hist)
    titles = [ax.get_title() for ax in figure.axes if ax.images]
    assert titles == ["S: fixation histogram", "S: KDE, bandwidth 0.062"]
    plt.close(figure)
    with pytest.raises(ValueError, match="same datasets"):
        viz.plot_center_bias_maps({"S": hist}, {"T": density}, {"S": 0.1})


def test_center_profiles_are_marginals_scaled_to_one_for_uniform():
    hist = np.zeros((4, 4))
    hist[1, 2] = 0.75  # row (v) 1, column (u) 2
    hist[3, 0] = 0.25
    figure = viz.plot_center_profiles({"toy": hist})
    horizontal, vertical = (ax.lines[0] for ax in figure.axes[:2])
    assert np.allclose(horizontal.get_xdata(), [0.125, 0.375, 0.625, 0.875])
    assert np.allclose(horizontal.get_ydata(), [1.0, 0.0, 3.0, 0.0])  # column sums x 4
    assert np.allclose(vertical.get_ydata(), [0.0, 3.0, 0.0, 1.0])  # row sums x 4
    plt.close(figure)


def test_count_distributions_give_shares_and_means(siena):
    counts = stats.fixations_per_trial(siena.fixations)
    figure = viz.plot_count_distributions({"SIENA12": counts, "toy": np.array([1, 1, 2, 4])})
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"SIENA12 (mean {counts.mean():.1f})", "toy (mean 2.0)"]
    toy = ax.patches[1]  # the step outline of the second histogram
    heights = toy.get_xy()[:, 1]
    assert np.isclose(heights.max(), 0.5)  # half of the toy trials have one fixation
    plt.close(figure)
    with pytest.raises(ValueError, match="at least one count"):
        viz.plot_count_distributions({"empty": np.array([], dtype=int)})


def test_by_fixation_order_reduces_per_position():
    f = Fixations(
        x=np.array([0.0, 1, 2, 3, 4]),
        y=np.zeros(5),
        n=np.array([0, 0, 0, 1, 1]),
        subject=np.array([0, 0, 0, 0, 0]),
    )
    values = np.array([10.0, 20, 30, 40, 60])
    # 1st fixations: 10 and 40; 2nd: 20 and 60; 3rd: 30
    assert np.allclose(viz.by_fixation_order(f, values, 8), [25, 40, 30])
    assert np.allclose(viz.by_fixation_order(f, values, 2, np.max), [40, 60])
    with pytest.raises(ValueError, match="one entry per fixation"):
        viz.by_fixation_order(f, values[:3], 2)
    with pytest.raises(ValueError, match="max_order"):
        viz.by_fixation_order(f, values, 0)


def test_fixation_order_plot_shows_the_central_first_fixation(siena_first):
    figure = viz.plot_fixation_order({"SIENA12": siena_first}, max_order=5)
    distance = figure.axes[0].lines[0]
    expected = viz.by_fixation_order(
        siena_first.fixations,
        stats.distance_from_center(siena_first.fixations, siena_first.image_shapes),
        5,
    )
    assert np.allclose(distance.get_ydata(), expected) and len(expected) == 5
    # the first fixation, on the fixation cross, is the closest to the centre
    assert expected[0] < 0.5 * expected[1:].min()
    has_duration = siena_first.fixations.duration is not None
    assert len(figure.axes[1].lines) == int(has_duration)
    plt.close(figure)

"""The metric figures of notebook 04, on a real OSIE image and hand-made tables."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pandas as pd
import pytest

from saliency_course import maps, metrics, viz
from saliency_course.data import load_dataset


@pytest.fixture(scope="module")
def osie_image(data_dir):
    osie = load_dataset("osie", root=data_dir, download=False, mouse=False)
    i = int(osie.splits["test"][0])
    shape = osie.image_shape(i)
    train = osie.fixations[np.isin(osie.fixations.n, osie.splits["train"][:50])]
    S = maps.fit_center_bias(train, osie.image_shapes, seed=0).density(shape)
    return osie.image(i), osie.fixations.for_image(i), osie.fixation_map(i), osie.density_map(i), S


def test_metric_lab_shows_the_package_scores(osie_image):
    image, fixations, F, G, S = osie_image
    figure = viz.plot_metric_lab(image, fixations, F, G, S, "lab")
    texts = [t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().texts]
    assert f"AUC-Judd = {metrics.auc_judd(S, F):.3f}" in texts
    assert f"NSS = {metrics.nss(S, F):.2f}" in texts
    titles = [ax.get_title() for ax in figure.axes]
    assert f"SIM: shared mass = {metrics.similarity(S, G):.3f}" in titles
    roc = next(ax for ax in figure.axes if ax.get_title().startswith("AUC")).lines[0]
    fp, tp = metrics.judd_roc(S, F)
    assert np.array_equal(roc.get_xdata(), fp) and np.array_equal(roc.get_ydata(), tp)
    plt.close(figure)
    with pytest.raises(ValueError, match="the image's size"):
        viz.plot_metric_lab(image, fixations, F[:-1], G, S, "lab")


def test_metric_ranks_follow_each_direction_and_put_nan_last():
    scores = pd.DataFrame(
        {"nss": [1.0, 3.0, np.nan, 3.0], "kld": [0.5, 0.1, 2.0, np.nan]},
        index=["a", "b", "c", "d"],
    )
    ranks = viz.metric_ranks(scores, {"nss": True, "kld": False})
    assert ranks[:, 0].tolist() == [3, 1, 4, 1]  # b and d tie for the best NSS
    assert ranks[:, 1].tolist() == [2, 1, 3, 4]  # lower KL is better, NaN last
    figure = viz.plot_metric_ranks(scores, {"nss": True, "kld": False})
    cells = [t.get_text() for t in figure.axes[0].texts]
    assert cells == ["3", "2", "1", "1", "NaN", "3", "1", "NaN"]
    plt.close(figure)
    with pytest.raises(ValueError, match="how to rank column 'kld'"):
        viz.metric_ranks(scores, {"nss": True})


def test_metric_curves_one_panel_per_metric():
    curves = pd.DataFrame({"auc_judd": [0.9, 0.8], "kld": [0.1, 0.4]}, index=[0, 2])
    figure = viz.plot_metric_curves(curves, "shift (deg)", "title")
    assert [ax.get_title() for ax in figure.axes] == ["AUC-Judd ↑", "KLD ↓"]
    assert np.allclose(figure.axes[1].lines[0].get_ydata(), [0.1, 0.4])
    plt.close(figure)
    with pytest.raises(ValueError, match="metric names"):
        viz.plot_metric_curves(pd.DataFrame({"speed": [1.0]}), "x", "t")


def test_tied_roc_draws_the_given_curves(osie_image):
    image, fixations, F, G, _ = osie_image
    binary = (G > np.quantile(G, 0.9)).astype(float)
    curve = metrics.judd_roc(binary, F)
    figure = viz.plot_tied_roc(binary, fixations, {"ties kept": curve})
    assert figure.axes[0].get_title() == "a binary map: 90% of pixels tie at its minimum"
    drawn = figure.axes[1].lines[0]
    assert np.array_equal(drawn.get_xdata(), curve[0])
    plt.close(figure)


def test_edge_upsampling_checks_each_curve_length():
    edge = np.array([0, 0, 1, 1.0])
    positions = (np.arange(8) + 0.5) / 2 - 0.5
    figure = viz.plot_edge_upsampling(edge, positions, {"nearest": np.repeat(edge, 2)})
    assert figure.axes[0].get_title() == "An edge upsampled 2x: does it overshoot?"
    assert np.allclose(figure.axes[0].lines[1].get_ydata(), np.repeat(edge, 2))
    plt.close(figure)
    with pytest.raises(ValueError, match="has 4 values for 8"):
        viz.plot_edge_upsampling(edge, positions, {"short": edge})

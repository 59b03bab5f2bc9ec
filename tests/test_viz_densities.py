"""Log-densities in bits, scores in bits and the weights a sparse readout keeps."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

from saliency_course import viz


def _log_density(shape=(6, 8), seed=0):
    values = np.random.default_rng(seed).normal(size=shape)
    return values - logsumexp(values)


def test_show_log_densities_draws_bits_and_optionally_the_density():
    log_p = _log_density()
    figure = viz.show_log_densities({"prior": log_p}, suptitle="s", with_density=True)
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert len(images) == 2
    np.testing.assert_allclose(images[0].get_array(), np.exp(log_p))
    np.testing.assert_allclose(images[1].get_array(), log_p / np.log(2))
    assert images[1].colorbar.ax.get_ylabel() == "log2 p(x, y) (bits)"
    assert figure.axes[0].get_title() == "prior: p(x, y)"
    plt.close(figure)
    figure = viz.show_log_densities({"a": log_p, "b": _log_density(seed=1)})
    assert sum(bool(ax.images) for ax in figure.axes) == 2
    plt.close(figure)


@pytest.mark.parametrize(
    "maps, message",
    [
        ({}, "at least one"),
        ({"x": np.zeros(3)}, "2-D"),
        ({"x": np.full((2, 2), -np.inf)}, "finite"),
    ],
)
def test_show_log_densities_rejects_bad_maps(maps, message):
    with pytest.raises(ValueError, match=message):
        viz.show_log_densities(maps)


def test_plot_information_gain_draws_one_bar_per_model():
    bits = pd.Series({"uniform": 0.0, "centre bias": 0.8, "DeepGaze I": 1.3})
    figure = viz.plot_information_gain(bits, title="t")
    bars = figure.axes[0].patches
    assert [b.get_height() for b in bars] == [0.0, 0.8, 1.3]
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == list(bits.index)
    plt.close(figure)
    with pytest.raises(ValueError, match="finite"):
        viz.plot_information_gain(pd.Series({"x": np.nan}))


@pytest.fixture
def runs():
    dense = {"conv1": np.array([0.5, -0.4, 0.3]), "conv2": np.array([1.0, 0.2])}
    sparse = {"conv1": np.array([0.0, 1e-4, -0.02]), "conv2": np.array([-0.5, 0.001])}
    return {"no penalty": dense, "L1": sparse}


def test_readout_sparsity_counts_weights_above_a_share_of_the_largest(runs):
    table = viz.readout_sparsity(runs, threshold=0.03)
    # dense: largest 1.0, all >= 0.03; sparse: largest 0.5, alive |w| >= 0.015: -0.02 and -0.5
    assert table.loc["conv1"].tolist() == [3, 3, 1]
    assert table.loc["conv2"].tolist() == [2, 2, 1]
    assert table.loc["all layers"].tolist() == [5, 5, 2]
    assert list(table.columns) == ["weights", "no penalty", "L1"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({}, "at least one"),
        ({"a": {"conv1": np.ones(2)}, "b": {"conv1": np.ones(3)}}, "layers and sizes"),
        ({"a": {}}, "layer names"),
    ],
)
def test_readout_sparsity_rejects_mismatched_runs(bad, message):
    with pytest.raises(ValueError, match=message):
        viz.readout_sparsity(bad)


def test_readout_sparsity_rejects_a_threshold_outside_0_1(runs):
    with pytest.raises(ValueError, match="threshold"):
        viz.readout_sparsity(runs, threshold=1.5)


def test_plot_readout_weights_draws_every_weight_and_the_share_alive(runs):
    figure = viz.plot_readout_weights(runs, threshold=0.03, suptitle="s")
    left, right = figure.axes
    assert sum(len(c.get_offsets()) for c in left.collections) == 10  # 5 weights x 2 runs
    assert left.get_yscale() == "log"
    heights = [round(b.get_height(), 6) for b in right.patches]
    assert heights == [1.0, 1.0, round(1 / 3, 6), 0.5]  # no penalty conv1, conv2; L1 conv1, conv2
    assert [t.get_text() for t in right.get_xticklabels()] == ["conv1", "conv2"]
    plt.close(figure)

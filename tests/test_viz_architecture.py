"""A network's layer trace (also on the meta device) and a learned prior's figure."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest
import torch
from torch import nn

from saliency_course import viz


class TwoConvs(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.second = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        return self.second(self.pool(self.first(x)))


def test_layer_trace_lists_each_convolution_with_its_output_and_stride():
    model = TwoConvs()
    table = viz.layer_trace(model, torch.zeros(1, 3, 8, 12))
    assert table["layer"].tolist() == ["first", "second"]
    assert table["output (C x H x W)"].tolist() == ["4 x 8 x 12", "2 x 4 x 6"]
    assert table["stride"].tolist() == [1.0, 2.0]
    assert table["parameters"].tolist() == [3 * 4 * 9 + 4, 4 * 2 + 2]
    assert not model.first._forward_hooks, "hooks are removed"


def test_layer_trace_runs_on_the_meta_device_and_other_kinds_and_calls():
    model = TwoConvs().to("meta")
    x = torch.zeros(2, 3, 400, 600, device="meta")
    table = viz.layer_trace(model, x, kinds=(nn.MaxPool2d,), forward=lambda t: model(t))
    assert table["layer"].tolist() == ["pool"] and table["parameters"].tolist() == [0]
    assert table["output (C x H x W)"].iloc[0] == "4 x 200 x 300"


def test_layer_trace_removes_its_hooks_when_the_forward_pass_fails():
    model = TwoConvs()
    with pytest.raises(RuntimeError):
        viz.layer_trace(model, torch.zeros(1, 5, 8, 8))  # 5 channels: the first conv refuses
    assert not model.first._forward_hooks and not model.second._forward_hooks


def test_layer_trace_rejects_a_model_without_such_layers_and_a_bad_input():
    with pytest.raises(ValueError, match="no layer"):
        viz.layer_trace(nn.ReLU(), torch.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        viz.layer_trace(TwoConvs(), torch.zeros(3, 8, 8))


def test_plot_learned_prior_shows_the_signed_prior_and_its_upsampled_map():
    prior = np.array([[0.5, -0.25], [0.0, 0.1]])
    upsampled = 1 + np.kron(prior, np.ones((3, 3)))
    figure = viz.plot_learned_prior(prior, upsampled, suptitle="s")
    left, right = figure.axes[:2]
    np.testing.assert_array_equal(left.images[0].get_array(), prior)
    assert left.images[0].get_clim() == (-0.5, 0.5)
    np.testing.assert_array_equal(right.images[0].get_array(), upsampled)
    assert "2 x 2" in left.get_title() and "6 x 6" in right.get_title()
    plt.close(figure)
    with pytest.raises(ValueError, match="upsampled"):
        viz.plot_learned_prior(prior, np.zeros(4))

"""First-layer filters of several weight sets, and the curves of several runs."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from saliency_course import viz


def test_layer_table_follows_the_forward_pass():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.head = nn.Sequential(nn.Conv2d(4, 1, 1))

        def forward(self, x):
            return self.head(self.pool(self.pool(torch.relu(self.conv(x)))))

    net = Net()
    net.conv.requires_grad_(False)
    table = viz.layer_table(net, (8, 12))
    assert table["layer"].tolist() == ["conv", "pool", "pool", "head.0"]
    assert table["output (C x H x W)"].tolist() == [
        "4 x 8 x 12",
        "4 x 4 x 6",
        "4 x 2 x 3",
        "1 x 2 x 3",
    ]
    assert table["parameters"].tolist() == [3 * 4 * 9 + 4, 0, 0, 4 + 1]
    assert table["trainable"].tolist() == [0, 0, 0, 5]
    assert next(net.parameters()).device.type == "cpu" and not net._forward_hooks
    with pytest.raises(ValueError, match="input_size"):
        viz.layer_table(net, (8,))


def test_show_filters_scales_each_kernel_and_blocks_each_weight_set():
    edge = np.zeros((1, 3, 3, 3))
    edge[0, :, :, 2] = 5.0  # a vertical edge: black left, white right column
    random = torch.randn(20, 3, 7, 7, generator=torch.Generator().manual_seed(0))
    figure = viz.show_filters({"edge": edge, "random": random}, n=18, columns=8, suptitle="conv1")
    blocks = figure.subfigs
    assert [b._suptitle.get_text() for b in blocks] == ["edge", "random"]
    shown = [ax.get_images() for ax in blocks[0].axes]
    assert sum(len(images) for images in shown) == 1  # one kernel, the other axes empty
    kernel = shown[0][0].get_array()
    assert kernel.shape == (3, 3, 3)  # (kh, kw, RGB)
    np.testing.assert_array_equal(kernel[:, 2], 1.0)
    np.testing.assert_array_equal(kernel[:, :2], 0.0)
    assert len(blocks[1].axes) == 24  # 3 rows of 8 for the first 18 kernels
    assert sum(len(ax.get_images()) for ax in blocks[1].axes) == 18
    plt.close(figure)


def test_compare_runs_draws_one_curve_per_run_and_skips_missing_columns():
    a = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [3.0, 2.0, 1.5], "val_loss": [3, 2.5, 2]})
    b = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [3.0, 2.8, 2.7]})
    figure = viz.compare_runs({"from VGG-M": a, "random start": b}, title="two starts")
    left, right = figure.axes
    assert [line.get_label() for line in left.get_lines()] == ["from VGG-M", "random start"]
    np.testing.assert_array_equal(left.get_lines()[1].get_ydata(), [3.0, 2.8, 2.7])
    assert [line.get_label() for line in right.get_lines()] == ["from VGG-M"]
    assert left.get_xlabel() == "epoch" and right.get_title() == "validation loss"
    plt.close(figure)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: viz.show_filters({}), "at least one"),
        (lambda: viz.show_filters({"grey": np.zeros((4, 1, 3, 3))}), "RGB kernels"),
        (lambda: viz.show_filters({"a": np.zeros((4, 3, 3, 3))}, n=0), "positive"),
        (lambda: viz.compare_runs({"a": pd.DataFrame()}), "history"),
        (
            lambda: viz.compare_runs({"a": pd.DataFrame({"epoch": [1], "x": [1]})}, ["loss"]),
            "columns",
        ),
    ],
)
def test_bad_input_raises(call, word):
    with pytest.raises(ValueError, match=word):
        call()

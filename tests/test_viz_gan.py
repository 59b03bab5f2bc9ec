"""The discriminator's verdicts on human and generated maps (viz.plot_verdicts)."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest
import torch

from saliency_course import viz


def test_bars_show_each_images_two_verdicts():
    figure = viz.plot_verdicts(
        torch.tensor([[0.9], [0.7]]), np.array([0.2, 0.4]), labels=["img 3", "img 8"], title="D"
    )
    ax = figure.axes[0]
    bars = ax.patches
    assert [round(b.get_height(), 6) for b in bars] == [0.9, 0.7, 0.2, 0.4]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["img 3", "img 8"]
    assert ax.get_ylim() == (0, 1) and ax.get_title() == "D"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["human map", "generated map"]
    plt.close(figure)


@pytest.mark.parametrize(
    ("real", "fake", "labels", "word"),
    [
        ([0.5, 1.2], [0.1, 0.2], None, "p_real"),
        ([0.5, 0.2], [0.1], None, "one value per image"),
        ([0.5], [np.nan], None, "p_fake"),
        ([0.5, 0.2], [0.1, 0.3], ["one"], "labels"),
    ],
)
def test_bad_input_raises(real, fake, labels, word):
    with pytest.raises(ValueError, match=word):
        viz.plot_verdicts(real, fake, labels=labels)

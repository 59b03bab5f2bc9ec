"""Maps side by side on their own colour scales (viz.show_panels)."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest
import torch

from saliency_course import viz


def test_each_panel_keeps_its_values_and_colour_bar_label():
    target = np.linspace(-127 / 128, 1, 12).reshape(3, 4)
    image = np.zeros((3, 4, 3), np.uint8)
    figure = viz.show_panels(
        [
            viz.Panel(image, "image"),
            viz.Panel(torch.tensor(target)[None, None], "target", "coolwarm", -1, 1, "(S-127)/128"),
            viz.Panel(np.ones((2, 2)), "pooled", label="S"),
        ],
        suptitle="what the loss compares",
    )
    maps = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == ["image", "target", "pooled"]
    shown = maps[1].get_images()[0]
    np.testing.assert_allclose(shown.get_array(), target)  # not min-max scaled
    assert shown.get_clim() == (-1, 1) and shown.get_cmap().name == "coolwarm"
    bars = [ax for ax in figure.axes if not ax.get_title()]
    assert [bar.get_ylabel() for bar in bars] == ["(S-127)/128", "S"]  # no bar on the image
    assert maps[2].get_images()[0].get_array().shape == (2, 2)
    assert maps[0].get_xlabel() == "x (px)"
    assert figure._suptitle.get_text() == "what the loss compares"
    plt.close(figure)


@pytest.mark.parametrize(
    ("panels", "word"),
    [
        ([], "non-empty"),
        ([(np.ones((2, 2)), "a tuple")], "viz.Panel"),
        ([viz.Panel(np.ones((2, 2, 2)), "3-D")], r"panels\[0\]"),
        ([viz.Panel(np.full((2, 2), np.nan), "NaN")], "finite"),
    ],
)
def test_bad_panels_raise(panels, word):
    with pytest.raises(ValueError, match=word):
        viz.show_panels(panels)

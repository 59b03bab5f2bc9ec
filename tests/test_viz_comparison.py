"""Figures comparing models: the floor-to-ceiling table and the gallery of maps."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pandas as pd
import pytest

from saliency_course import benchmark, viz


@pytest.fixture
def table():
    columns = list(benchmark.COLUMNS)
    values = [
        [0.9, 0.6, 1.0, 0.85, 0.75, 0.8, 2.5, 0.5, 1.0],
        [0.85, 0.5, 2.0, 0.80, 0.70, 0.7, 2.0, 0.8, np.nan],
        [0.80, 0.4, 3.0, 0.75, 0.50, 0.4, 1.0, 1.1, 0.0],
    ]
    index = [benchmark.CEILING, "salnet", benchmark.FLOOR]
    return pd.DataFrame(values, index=index, columns=columns).assign(n_images=3)


def test_cells_show_scores_coloured_by_their_position(table):
    figure = viz.plot_between_floor_and_ceiling(
        table, labels={"salnet": "salnet [untrained]"}, title="MIT1003 fold 0"
    )
    ax = figure.axes[0]
    colours = ax.images[0].get_array()
    assert colours.shape == (3, 9)
    assert colours[1, 0] == pytest.approx(0.5)  # AUC-J halfway between floor and ceiling
    assert colours[1, 2] == pytest.approx(0.5)  # EMD 2 between 3 (floor) and 1 (ceiling)
    texts = [t.get_text() for t in ax.texts]
    assert texts[9:18][0] == "0.85" and texts[17] == "n/a"
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "salnet [untrained]"
    assert "EMD and KL: lower is better" in ax.get_xlabel() and ax.get_title() == "MIT1003 fold 0"
    plt.close(figure)
    table.loc[benchmark.CEILING, "KL"] = 1.5  # worse than the floor's 1.1: no scale, grey
    figure = viz.plot_between_floor_and_ceiling(table)
    ax = figure.axes[0]
    assert np.ma.getmaskarray(ax.images[0].get_array())[:, 7].all()  # NaN: masked, grey
    assert "grey: the ceiling does not beat the floor (KL)" in ax.get_xlabel()
    plt.close(figure)


def test_gallery_shows_the_image_then_every_map():
    image = np.zeros((6, 8, 3), dtype=np.uint8)
    maps = {"ground truth": np.eye(6, 8), "salnet [untrained]": np.ones((6, 8))}
    figure = viz.show_model_maps(image, maps, fixations=np.array([[1.0, 2.0]]), columns=2)
    titled = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titled == ["image", "ground truth", "salnet [untrained]"]
    heat = [ax.images[0].get_array() for ax in figure.axes if ax.images][1:]
    assert heat[0].max() == 1 and heat[1].max() == 0  # min-max scaled; a flat map shows as 0
    plt.close(figure)
    with pytest.raises(ValueError, match="non-empty dict"):
        viz.show_model_maps(image, {})
    with pytest.raises(ValueError, match="2-D map"):
        viz.show_model_maps(image, {"rgb": image})

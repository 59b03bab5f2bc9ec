"""Overlays, fixation scatter, scanpaths and the map grid."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.fixations import Fixations


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 256, size=(6, 8, 3), dtype=np.uint8)


def test_overlay_blends_with_the_colour_map(image):
    saliency = np.zeros((6, 8))
    saliency[2, 3] = 4.0
    assert np.array_equal(viz.overlay(image, saliency, alpha=0.0), image)
    heat = viz.overlay(image, saliency, alpha=1.0, cmap="gray")
    assert heat.dtype == np.uint8 and heat.shape == (6, 8, 3)
    assert heat[2, 3].tolist() == [255, 255, 255] and heat[0, 0].tolist() == [0, 0, 0]
    half = viz.overlay(image, saliency, alpha=0.5, cmap="gray")
    expected = np.round(0.5 * image[2, 3].astype(float) + 0.5 * 255).astype(np.uint8)
    np.testing.assert_array_equal(half[2, 3], expected)


def test_overlay_resizes_the_map_and_accepts_constant_maps(image):
    assert viz.overlay(image, np.ones((3, 4))).shape == (6, 8, 3)
    small = np.zeros((3, 4))
    small[0, 0] = 1
    assert viz.overlay(image, small, alpha=1.0, cmap="gray")[0, 0, 0] > 128


@pytest.mark.parametrize(
    "img, saliency, alpha, message",
    [
        (np.zeros((6, 8, 3)), np.zeros((6, 8)), 0.5, "uint8 RGB"),
        (np.zeros((6, 8), np.uint8), np.zeros((6, 8)), 0.5, "uint8 RGB"),
        (np.zeros((6, 8, 3), np.uint8), np.zeros((6, 8, 3)), 0.5, "2-D map"),
        (np.zeros((6, 8, 3), np.uint8), np.full((6, 8), np.nan), 0.5, "NaN"),
        (np.zeros((6, 8, 3), np.uint8), np.zeros((6, 8)), 1.5, "alpha"),
    ],
)
def test_overlay_rejects_bad_input(img, saliency, alpha, message):
    with pytest.raises(ValueError, match=message):
        viz.overlay(img, saliency, alpha=alpha)


def test_plot_fixations_and_scanpath_draw_the_coordinates():
    f = Fixations(
        x=[1.0, 5.0, 3.0], y=[2.0, 4.0, 1.0], n=[0] * 3, subject=[0] * 3, duration=[100, 200, 300]
    )
    figure, ax = plt.subplots()
    points = viz.plot_fixations(ax, f)
    np.testing.assert_array_equal(points.get_offsets(), [[1, 2], [5, 4], [3, 1]])
    line = viz.plot_scanpath(ax, f)
    np.testing.assert_array_equal(line.get_xdata(), [1, 5, 3])
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3"]
    two = Fixations(x=[1.0, 2.0], y=[1.0, 2.0], n=[0, 0], subject=[0, 1])
    with pytest.raises(ValueError, match="one observer"):
        viz.plot_scanpath(ax, two)
    with pytest.raises(ValueError, match="shape \\(k, 2\\)"):
        viz.plot_fixations(ax, np.zeros(3))
    plt.close(figure)


def test_show_maps_grid_with_colour_bars_and_fixations(image):
    maps_ = [np.random.default_rng(1).random((6, 8)), np.ones((6, 8))]
    rows = [[image, *maps_], [image, *maps_]]
    fix = [np.array([[1.0, 1.0]]), None]
    figure = viz.show_maps(rows, titles=["image", "ground truth", "prediction"], fixations=fix)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert len(panels) == 6
    assert len(figure.axes) == 6 + 4  # one colour bar per heat map
    assert len(panels[1].collections) == 1 and len(panels[4].collections) == 0
    assert panels[2].get_title() == "prediction"
    plt.close(figure)
    single = viz.show_maps([image, maps_[0]])
    assert len(single.axes) == 3
    plt.close(single)
    with pytest.raises(ValueError, match="titles must name the 3 columns"):
        viz.show_maps(rows, titles=["a"])
    with pytest.raises(ValueError, match="one entry per row"):
        viz.show_maps(rows, fixations=[None])
    with pytest.raises(ValueError, match="empty"):
        viz.show_maps([])


def test_viz_is_a_package_with_every_old_function():
    import importlib

    for name in ("overlay", "plot_fixations", "plot_scanpath", "show_maps"):
        assert getattr(viz, name) is getattr(viz.maps, name)
    assert viz.plot_history is viz.training.plot_history
    for name in ("draw_frame", "plot_frames", "clip_player"):
        assert getattr(viz, name) is getattr(viz.video, name)
    for gone in ("saliency_course.viz_training", "saliency_course.viz_video"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(gone)


def test_show_source_prints_the_code_and_where_it_is_defined(capsys):
    import inspect

    from saliency_course.metrics import nss

    shown = viz.show_source(nss, highlight=False)
    printed = capsys.readouterr().out
    line = inspect.getsourcelines(nss)[1]
    assert (
        shown.splitlines()[0] == f"defined in `saliency_course/metrics/location.py` (line {line})"
    )
    assert "def nss(saliency_map, fixation_map) -> float:" in shown
    assert printed.strip() == shown.strip()
    shown = viz.show_source(viz.show_source, highlight=False)  # a function of viz itself
    assert shown.startswith("defined in `saliency_course/viz/source.py`")
    from saliency_course.maps import CenterBias

    assert "class CenterBias:" in viz.show_source(CenterBias, highlight=False)


def test_show_source_highlights_through_ipython(monkeypatch):
    from IPython import display as ipython_display

    shown = []
    monkeypatch.setattr(ipython_display, "display", shown.append)
    text = viz.show_source(viz.overlay, highlight=True)
    assert [type(s).__name__ for s in shown] == ["Markdown", "Code"]
    assert shown[0].data == text.splitlines()[0] and "def overlay(" in shown[1].data


@pytest.mark.parametrize(
    ("obj", "word"),
    [(np.mean, "saliency_course package"), ({"a": 1}, "Python source"), (len, "Python source")],
)
def test_show_source_rejects_what_it_cannot_show(obj, word):
    with pytest.raises(ValueError, match=word):
        viz.show_source(obj, highlight=False)


def test_best_cells_and_mark_best():
    import pandas as pd

    table = pd.DataFrame(
        {"AUC-J": [0.92, 0.80, 0.85, 0.85], "KL": [0.0, 1.1, 0.9, np.nan], "n_images": [4] * 4},
        index=["ceiling", "a", "b", "c"],
    )
    best = viz.best_cells(table, reference_rows=["ceiling"])
    assert best["AUC-J"].tolist() == [False, False, True, True]  # a tie: both marked
    assert best["KL"].tolist() == [False, False, True, False]  # lower is better; NaN skipped
    assert not best["n_images"].any()  # not a metric
    assert viz.best_cells(table)["AUC-J"].tolist() == [True, False, False, False]
    css = viz.mark_best(table, reference_rows=["ceiling"]).to_html().split("</style>")[0]
    bold = {cell for cell in ("row2_col0", "row2_col1", "row3_col0") if cell in css}
    assert "font-weight: bold" in css and len(bold) == 3 and "row0_col0" not in css
    with pytest.raises(ValueError, match="reference_rows"):
        viz.best_cells(table, reference_rows=["nobody"])

"""Notebook 01's figures: gaze traces, I-VT's velocity, threshold sweeps, simulated samples."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import gaze, viz
from saliency_course.fixations import Fixations


@pytest.fixture
def recording():
    """2 s at 250 Hz: a fixation, a saccade, a blink written as (0, 0), a fixation."""
    t = np.arange(500) * 4.0
    x = np.where(t < 800, 300.0, 700.0)
    x[200:205] = np.linspace(300, 700, 5)
    y = np.full(500, 450.0)
    x[300:320], y[300:320] = 0.0, 0.0
    label = np.where(x == 0, "Blink", "Fixation").astype(object)
    label[200:205] = "Saccade"
    return gaze.GazeSamples(t=t, x=x, y=y, label=label.astype(str), screen=(1440, 900))


def test_plot_gaze_trace_colours_each_label_and_marks_loss(recording):
    fig = viz.plot_gaze_trace(recording, (0.0, 2000.0), "P01")
    top = fig.axes[0]
    labels = [c.get_label() for c in top.collections]
    assert labels[:4] == list(viz.eye_movements.LABEL_COLOURS) and "tracking lost" in labels
    fixation = top.collections[0].get_offsets()
    assert len(fixation) == int(((recording.label == "Fixation") & recording.valid).sum())
    assert fig._suptitle.get_text() == "P01" and fig.axes[1].get_xlabel() == "time (s)"
    plt.close(fig)
    with pytest.raises(ValueError, match="fewer than 2 samples"):
        viz.plot_gaze_trace(recording, (5000.0, 6000.0))
    with pytest.raises(ValueError, match="labels"):
        viz.plot_gaze_trace(gaze.GazeSamples(recording.t, recording.x, recording.y))


def test_plot_ivt_window_shows_both_labellings(recording):
    found = gaze.ivt(recording.t, recording.x, recording.y, 40.0, valid=recording.valid)
    fig = viz.plot_ivt_window(recording, found, 30.0, (0.0, 2000.0))
    strips = fig.axes[1].get_images()[0].get_array()
    assert strips.shape == (2, 500)
    np.testing.assert_array_equal(strips[0], found.is_fixation)
    np.testing.assert_array_equal(strips[1], recording.tracker_fixation)
    assert fig.axes[0].get_lines()[1].get_ydata()[0] == 30.0
    plt.close(fig)
    with pytest.raises(ValueError, match="gaze.ivt's result"):
        viz.plot_ivt_window(recording, gaze.idt(recording.t, recording.x, recording.y, 40.0), 30)


def test_plot_threshold_sweep_draws_both_curves():
    fig = viz.plot_threshold_sweep([10, 40], [0.2, 0.6], [0.5, 1.0, 2.0], [0.3, 0.6, 0.5], "sweep")
    left, right = (ax.get_lines()[0] for ax in fig.axes[:2])
    assert list(left.get_ydata()) == [0.2, 0.6] and list(right.get_xdata()) == [0.5, 1.0, 2.0]
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="one kappa"):
        viz.plot_threshold_sweep([10, 40], [0.2], [1.0], [0.5], "bad")


def test_plot_simulated_detection_shades_the_true_saccades():
    path = Fixations(x=[100.0, 300.0], y=[100.0, 150.0], n=[0, 0], subject=[0, 0],
                     t=[0.0, 400.0], duration=[350.0, 300.0])  # fmt: skip
    samples = gaze.simulate_samples(path, rate=240.0, ppd=35.0, seed=0)
    found = gaze.ivt(samples.t, samples.x, samples.y, 35.0)
    image = np.zeros((300, 400, 3), np.uint8)
    fig = viz.plot_simulated_detection(image, samples, path, found, 30.0, "image 0")
    assert fig.axes[0].get_title() == "image 0"
    shaded = fig.axes[1].collections[0].get_paths()
    assert len(shaded) == 1  # one saccade between the two fixations
    plt.close(fig)
    by_idt = gaze.idt(samples.t, samples.x, samples.y, 35.0)  # no velocity
    with pytest.raises(ValueError, match="on these samples"):
        viz.plot_simulated_detection(image, samples, path, by_idt, 30.0, "x")

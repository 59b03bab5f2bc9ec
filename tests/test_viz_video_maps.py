"""Notebook 11's figures: DHF1K's gaze-to-map rules on a frame, map sizes, agreement, motion."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import numpy as np
import pytest

from saliency_course import viz
from saliency_course.data import load_dataset


@pytest.fixture(scope="module")
def fly(data_dir):
    return load_dataset("dhf1k", root=data_dir / "video", download=False, progress=False).clip(0)


@pytest.fixture(scope="module")
def diver(data_dir):
    return load_dataset("ucf_sports", root=data_dir / "video", download=False).clip(0)


def test_gaze_pixels_are_the_samples_own_pixels(fly, diver):
    samples = fly.frame_samples(400)
    looked = viz.gaze_pixels(fly, 400)
    expected = np.unique(np.stack([samples.x, samples.y], axis=1).astype(int), axis=0)
    np.testing.assert_array_equal(looked, expected)
    assert len(looked) < len(fly.fixation_points(400))  # the official map adds product pixels
    expected = np.unique(diver.fixation_points(10), axis=0)
    np.testing.assert_array_equal(viz.gaze_pixels(diver, 10), expected)


def test_plot_frame_mapping_counts_both_maps(fly, diver):
    fig = viz.plot_frame_mapping(fly, 400)
    middle = fig.axes[1]
    official, looked = (line.get_xdata() for line in middle.get_lines())
    assert len(official) == len(fly.fixation_points(400)) and len(looked) < len(official)
    assert middle.get_title() == f"official map: {len(official)} px; samples' own: {len(looked)} px"
    area = fig.axes[0].patches[0]
    assert (area.get_y(), area.get_height()) == (45.0, 810.0)  # the letterbox of a 640 x 360 video
    plt.close(fig)
    with pytest.raises(ValueError, match="no raw gaze"):
        viz.plot_frame_mapping(diver, 0)


def test_plot_map_sizes_and_agreement_check_their_lengths():
    fig = viz.plot_map_sizes({"official": [3, 4, 5], "corrected": [1, 2, 2]}, 30.0, "sizes")
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["official", "corrected"]
    assert fig.axes[0].get_lines()[0].get_xdata()[2] == pytest.approx(2 / 30)
    plt.close(fig)
    with pytest.raises(ValueError, match="one value per frame"):
        viz.plot_map_sizes({"a": [1, 2], "b": [1]}, 30.0, "bad")
    fig = viz.plot_agreement_over_time([0, 30], [5.0, 6.0], [40.0, 20.0], 30.0, "agreement")
    assert list(fig.axes[1].get_lines()[0].get_xdata()) == [0.0, 1.0]
    plt.close(fig)
    with pytest.raises(ValueError, match="one value per frame each"):
        viz.plot_agreement_over_time([0], [5.0, 6.0], [1.0], 30.0, "bad")


def test_plot_motion_and_gaze_and_predictions():
    frame = np.zeros((30, 40, 3), np.uint8)
    fig = viz.plot_motion_and_gaze(np.ones((30, 40)), frame, np.ones((30, 40)), 5, {"same": 0.2})
    assert fig.axes[0].get_title() == "frame 5: |I(5) - I(4)|"
    assert [p.get_height() for p in fig.axes[2].patches] == [0.2]
    plt.close(fig)
    row = ("clip frame 5: gaze", frame, np.array([[3, 4]]), {"a": (np.ones((30, 40)), 0.5)})
    fig = viz.plot_predictions([row, row], "predictions")
    assert fig.axes[1].get_title() == "a\nclip CC 0.50" and len(fig.axes) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="same models"):
        viz.plot_predictions([row, row[:3] + ({"b": (np.ones((30, 40)), 0.1)},)], "bad")

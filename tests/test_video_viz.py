"""The video gaze figures and the ipywidgets clip player."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from saliency_course.data import load_dataset  # noqa: E402
from saliency_course.viz import video  # noqa: E402


@pytest.fixture(scope="module")
def clip(data_dir):
    return load_dataset("dhf1k", root=data_dir / "video", download=False).clip(0)


def test_plot_frames_draws_each_observer(clip):
    fig = video.plot_frames(clip, [30, 400], saliency=np.stack([clip.saliency_map(30)] * 2))
    axes = [ax for ax in fig.axes if ax.has_data()]
    assert len(axes) == 2 and axes[0].get_title() == "002 frame 30 (1.00 s)"
    observers = {s for s, xy in video._observer_points(clip, 30) if len(xy)}
    assert len(axes[0].collections) == len(observers) > 5
    assert axes[0].get_xlabel() == "x (pixels)"
    plt.close(fig)
    with pytest.raises(ValueError, match="one entry per frame"):
        video.plot_frames(clip, [1, 2], frames=np.zeros((1, 360, 640, 3), np.uint8))


def test_observer_points_are_where_each_observer_looked(clip):
    k = 400
    parts = dict(video._observer_points(clip, k))
    assert set(parts) == {int(s) for s in clip.subjects}
    samples = clip.frame_samples(k)
    for subject, xy in parts.items():
        mine = samples.for_subject(subject)
        looked = {(int(x), int(y)) for x, y in zip(mine.x, mine.y, strict=True)}
        assert {tuple(p) for p in xy.tolist()} == looked
        # the official map's part of this observer (row x column product) holds them and more
        official = {tuple(p) for p in clip.fixation_points(k, subject=subject).tolist()}
        assert looked <= official
    plotted = sum(len(xy) for xy in parts.values())
    union = len(np.unique(np.stack([samples.x, samples.y], 1), axis=0))
    assert union <= plotted < len(clip.fixation_points(k))  # fewer than the official map's


def test_clip_player_renders_the_chosen_frame(clip):
    player = video.clip_player(clip, 0, 9, 3)
    first = bytes(player.image.value)
    assert first.startswith(b"\x89PNG")
    player.slider.value = 2
    assert bytes(player.image.value) != first and player.slider.max == 2

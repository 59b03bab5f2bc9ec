"""Video metrics: per-frame benchmark metrics, DHF1K's averaging, sAUC's other maps, agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saliency_course.data import load_dataset
from saliency_course.data.video import dhf1k_saliency_map
from saliency_course.metrics import nss
from saliency_course.metrics.video import (
    inter_observer_agreement,
    other_map,
    score_clip,
    summarize,
)


@pytest.fixture(scope="module")
def clips(data_dir):
    dhf1k = load_dataset("dhf1k", root=data_dir / "video", download=False).clip(0)
    ucf = load_dataset("ucf_sports", root=data_dir / "video", download=False).clip(0)
    return dhf1k, ucf


def test_summarize_averages_frames_then_clips():
    per_frame = pd.DataFrame(
        {"clip": ["a", "a", "b"], "frame": [0, 1, 0], "cc": [1.0, 3.0, 10.0], "nss": [0, 2, 4]}
    )
    summary = summarize(per_frame)
    assert summary["cc"] == 6.0 and summary["nss"] == 2.5  # not the frame mean 14/3


def test_the_ground_truth_scores_perfectly_on_cc_and_sim(clips):
    dhf1k, _ = clips
    frames = [100, 400]
    truth = np.stack([dhf1k.density_map(k) for k in frames])
    scores = score_clip(truth, dhf1k, frames=frames, metrics=("cc", "similarity", "nss"))
    np.testing.assert_allclose(scores["cc"], 1.0)
    np.testing.assert_allclose(scores["similarity"], 1.0)
    for j, k in enumerate(frames):  # NSS worked out directly (MATLAB std: N - 1)
        z = (truth[j] - truth[j].mean()) / truth[j].std(ddof=1)
        xy = dhf1k.fixation_points(k)
        assert scores["nss"][j] == pytest.approx(z[xy[:, 1], xy[:, 0]].mean())


def test_other_map_from_distant_frames_of_the_same_clip(clips):
    dhf1k, _ = clips
    rng = np.random.default_rng(0)
    negatives = other_map(dhf1k, 700, [dhf1k], rng, n_other=10, min_gap_s=20.0)
    # 20 s at 30 fps = 600 frames: only frames 0..100 are far enough from frame 700
    allowed = np.zeros((360, 640))
    for k in range(0, 101):
        xy = dhf1k.fixation_points(k)
        allowed[xy[:, 1], xy[:, 0]] = 1
    assert negatives.sum() > 0 and np.all(allowed[negatives > 0] == 1)
    with pytest.raises(ValueError, match="no frame"):
        other_map(dhf1k, 400, [dhf1k], rng, min_gap_s=20.0)


def test_other_map_from_other_clips_is_rescaled(clips):
    dhf1k, ucf = clips
    negatives = other_map(dhf1k, 10, [dhf1k, ucf], np.random.default_rng(1), n_other=3)
    assert negatives.shape == (360, 640) and negatives.sum() > 0
    assert not np.array_equal(negatives, dhf1k.fixation_map(10))


def test_scores_are_seeded_and_shuffled_auc_penalises_the_centre(clips):
    _, ucf = clips
    frames = list(range(0, 54, 6))
    truth = np.stack([ucf.saliency_map(k) for k in frames])
    a = score_clip(truth, ucf, frames=frames, seed=3, min_gap_s=0.5)
    b = score_clip(truth, ucf, frames=frames, seed=3, min_gap_s=0.5)
    pd.testing.assert_frame_equal(a, b)
    yy, xx = np.mgrid[0:404, 0:720]
    centre = np.exp(-((xx - 360) ** 2 + (yy - 202) ** 2) / (2 * 80.0**2))
    centred = score_clip(np.stack([centre] * len(frames)), ucf, frames=frames, min_gap_s=0.5)
    assert summarize(a)["auc_shuffled"] > summarize(centred)["auc_shuffled"]
    with pytest.raises(ValueError, match="one map per scored frame"):
        score_clip(truth[:2], ucf, frames=frames)
    with pytest.raises(ValueError, match="metrics must be"):
        score_clip(truth, ucf, frames=frames, metrics=("emd",))


def _observer_map_points(fixations, frame, subjects, official):
    """The pixels record_mapping.m marks for ``subjects`` on ``frame`` (or the samples' own)."""
    parts = []
    for s in subjects:
        own = fixations[(fixations.n == frame) & (fixations.subject == s)]
        if official:  # all_fixation(y, x, k) = 1: every row with every column
            ys, xs = np.meshgrid(np.unique(own.y), np.unique(own.x), indexing="ij")
            parts.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
        else:
            parts.append(np.stack([own.x, own.y], axis=1))
    return np.unique(np.concatenate(parts).astype(int), axis=0)


@pytest.mark.parametrize("official", [True, False])
def test_inter_observer_agreement(clips, data_dir, official):
    dhf1k, ucf = clips
    if not official:
        dhf1k = load_dataset(
            "dhf1k", root=data_dir / "video", download=False, official_maps=False
        ).clip(0)
    agreement = inter_observer_agreement(dhf1k, frames=[300, 301])
    assert set(agreement.columns) == {"frame", "subject", "nss"}
    assert agreement["nss"].mean() > 2  # observers look at the fly together
    for _, row in agreement.iloc[[0, 5, -1]].iterrows():
        # the factorised NSS equals the metric on the full map of the other observers
        frame, subject = int(row["frame"]), int(row["subject"])
        assert subject in dhf1k.subjects
        others = [s for s in dhf1k.subjects if s != subject]
        rest_xy = _observer_map_points(dhf1k.fixations, frame, others, official)
        own_xy = _observer_map_points(dhf1k.fixations, frame, [subject], official)
        own_map = np.zeros((360, 640))
        own_map[own_xy[:, 1], own_xy[:, 0]] = 1
        expected = nss(dhf1k_saliency_map(rest_xy, (360, 640)), own_map)
        assert row["nss"] == pytest.approx(expected, rel=1e-9)
    by_auc = inter_observer_agreement(dhf1k, frames=[300], metric="auc_judd")
    assert by_auc["auc_judd"].between(0.5, 1.0).all()
    with pytest.raises(ValueError, match="per-observer"):
        inter_observer_agreement(ucf, frames=[0])

"""DHF1K fixation maps: record_mapping.m's Cartesian product (official) vs the samples' union.

The reference is a line-by-line transcription of the official ``record_mapping.m``
(wenguanwang/DHF1K, commit 35570c7) run on the raw SMI files of video 002, written
here without the package's readers.
"""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from saliency_course.data import load_dataset
from saliency_course.data.video import dhf1k_frame_pixels, dhf1k_saliency_map
from saliency_course.fixations import Fixations


def _matlab_int32(values: np.ndarray) -> np.ndarray:
    return np.fix(values + np.copysign(0.5, values)).astype(np.int64)  # half away from zero


def _record_mapping_literal(folder, video, nframe, shape, product=True):
    """``record_mapping.m`` for one video: the set of marked 0-based linear pixels per frame.

    ``product=True`` runs ``all_fixation(y(~t), x(~t), index) = 1`` as MATLAB does
    (every row with every column, once per observer and frame); ``False`` marks
    the (y, x) pairs only.
    """
    video_res_y, video_res_x = shape
    a = video_res_x / 1440
    b = (900 - video_res_y / a) / 2
    rate = 30
    marked = [set() for _ in range(nframe)]
    txts = sorted(folder.glob(f"exportdata_train/P*/P*_Trail{video:03d}.txt"))
    assert len(txts) == 17
    for txt in txts:
        with open(txt, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        time = np.array([float(r["Time"]) for r in rows])
        x_screen = np.array([float(r["L POR X [px]"]) for r in rows])
        y_screen = np.array([float(r["L POR Y [px]"]) for r in rows])
        event = np.array([r["L Event Info"][0] for r in rows])
        time = time - time[0]
        for index in range(1, nframe + 1):
            eff = ((index - 1) < rate * time / 1e6) & (rate * time / 1e6 < index) & (event == "F")
            x_stimulus = _matlab_int32(a * x_screen[eff])
            y_stimulus = _matlab_int32(a * (y_screen[eff] - b))
            t = (
                (x_stimulus <= 0)
                | (x_stimulus >= video_res_x)
                | (y_stimulus <= 0)
                | (y_stimulus >= video_res_y)
            )
            ys, xs = y_stimulus[~t] - 1, x_stimulus[~t] - 1
            if product:
                ys, xs = (g.ravel() for g in np.meshgrid(ys, xs, indexing="ij"))
            marked[index - 1].update((ys * video_res_x + xs).tolist())
    return marked


@pytest.fixture(scope="module")
def video_002(data_dir):
    root = data_dir / "video"
    official = load_dataset("dhf1k", root=root, download=False, videos=[2], progress=False)
    union = load_dataset(
        "dhf1k", root=root, download=False, videos=[2], progress=False, official_maps=False
    )
    return official.clip(0), union.clip(0), root / "dhf1k"


def _as_sets(clip):
    width = clip.shape[1]
    return [
        set((xy[:, 1] * width + xy[:, 0]).tolist())
        for xy in (clip.fixation_points(k) for k in range(clip.n_frames))
    ]


@pytest.mark.parametrize("official", [True, False])
def test_maps_equal_record_mapping_on_video_002(video_002, official):
    official_clip, union_clip, folder = video_002
    clip = official_clip if official else union_clip
    expected = _record_mapping_literal(folder, 2, 783, (360, 640), product=official)
    ours = _as_sets(clip)
    assert ours == expected
    counts = np.array([len(s) for s in expected])
    if official:  # the released maps: what published DHF1K scores were computed against
        assert counts.sum() == 140_232 and np.median(counts) == 176
        assert (counts.min(), counts.max()) == (74, 353)
    else:  # the samples' own pixels
        assert counts.sum() == 52_675 and np.median(counts) == 67
        assert (counts.min(), counts.max()) == (29, 111)


def test_the_continuous_map_follows_the_fixation_map(video_002):
    official, union, _ = video_002
    k = 400
    on_official = dhf1k_saliency_map(official.fixation_points(k), official.shape)
    on_union = dhf1k_saliency_map(union.fixation_points(k), union.shape)
    np.testing.assert_array_equal(official.saliency_map(k), on_official)
    np.testing.assert_array_equal(union.saliency_map(k), on_union)
    assert not np.allclose(on_official, on_union)
    # the official map's extra pixels are marked, and the union's are all among them
    assert official.fixation_map(k).sum() > union.fixation_map(k).sum()
    assert np.all(official.fixation_map(k)[union.fixation_map(k) > 0] == 1)
    assert official.density_map(k).sum() == pytest.approx(1.0)


def test_per_observer_part_of_the_map(video_002):
    official, union, _ = video_002
    k = 300
    samples = official.frame_samples(k, subject=5)
    xs, ys = np.unique(samples.x), np.unique(samples.y)
    assert official.fixation_points(k, subject=5).shape == (len(xs) * len(ys), 2)
    own = np.unique(np.stack([samples.x, samples.y], 1).astype(int), axis=0)
    np.testing.assert_array_equal(union.fixation_points(k, subject=5), own)
    parts = [official.fixation_points(k, subject=int(s)) for s in official.subjects]
    np.testing.assert_array_equal(
        np.unique(np.concatenate(parts), axis=0), official.fixation_points(k)
    )


def test_frame_pixels_by_hand():
    # observer 1 visits (x, y) = (1, 1) and (3, 2); observer 2 visits (7, 5) twice
    samples = Fixations(
        x=[1.0, 3.0, 7.0, 7.0], y=[1.0, 2.0, 5.0, 5.0], n=[4, 4, 4, 4], subject=[1, 1, 2, 2]
    )
    assert dhf1k_frame_pixels(samples).tolist() == [[1, 1], [1, 2], [3, 1], [3, 2], [7, 5]]
    union = dhf1k_frame_pixels(samples, official_maps=False)
    assert union.tolist() == [[1, 1], [3, 2], [7, 5]]
    assert dhf1k_frame_pixels(samples[:0]).shape == (0, 2)
    with pytest.raises(ValueError, match="one frame"):
        dhf1k_frame_pixels(Fixations(x=[1.0, 2.0], y=[1.0, 1.0], n=[0, 1], subject=[1, 1]))


def test_union_maps_need_the_raw_gaze(tmp_path, data_dir):
    """A video with only the released maps cannot give the corrected union."""
    folder = tmp_path / "dhf1k"
    (folder / "video").mkdir(parents=True)
    os.symlink(data_dir / "video" / "dhf1k" / "video" / "002.AVI", folder / "video" / "002.AVI")
    (folder / "annotation" / "0002" / "fixation").mkdir(parents=True)
    with pytest.raises(ValueError, match="official_maps=False needs the raw gaze"):
        load_dataset("dhf1k", root=tmp_path, download=False, official_maps=False)


def test_official_maps_must_be_a_bool(data_dir):
    with pytest.raises(ValueError, match="official_maps must be True or False"):
        load_dataset(
            "dhf1k", root=data_dir / "video", download=False, videos=[2], official_maps="no"
        )

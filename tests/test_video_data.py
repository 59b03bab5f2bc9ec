"""Video datasets on the real clips: DHF1K video 002 (raw SMI gaze), UCF Sports the diving clip."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import minimum_filter

from saliency_course.data import load_dataset
from saliency_course.data.video import (
    DHF1K_SCREEN,
    decode_video,
    dhf1k_fixations,
    dhf1k_saliency_map,
    frame_dataset,
    frame_differences,
    ucf_saliency_map,
    video_info,
)
from saliency_course.errors import OfflineError
from saliency_course.gaze import GazeSamples


@pytest.fixture(scope="module")
def dhf1k(data_dir):
    return load_dataset("dhf1k", root=data_dir / "video", download=False)


@pytest.fixture(scope="module")
def ucf(data_dir):
    return load_dataset("ucf_sports", root=data_dir / "video", download=False)


def test_dhf1k_video_002_decodes_to_783_frames(data_dir):
    path = data_dir / "video" / "dhf1k" / "video" / "002.AVI"
    assert video_info(path) == (783, (360, 640), 30.0)
    last = decode_video(path, start=782)  # the 783rd decoded frame exists ...
    assert last.shape == (1, 360, 640, 3) and last.dtype == np.uint8
    with pytest.raises(ValueError, match="selects no frame"):  # ... and is the last one
        decode_video(path, start=783)
    frame_list = np.load(data_dir / "video" / "dhf1k" / "frame_list.npy")
    assert frame_list[1] == 783


def test_dhf1k_official_maps_from_raw_gaze(dhf1k):
    clip = dhf1k.clip(0)
    assert clip.name == "002" and clip.n_frames == 783 and len(clip.gaze) == 17
    assert clip.official_maps  # the default: record_mapping.m's maps, as released
    counts = np.array([len(clip.fixation_points(k)) for k in range(clip.n_frames)])
    assert counts.min() == 74 and counts.max() == 353 and np.median(counts) == 176
    assert counts.sum() == 140_232  # see tests/test_video_dhf1k_maps.py for the derivation
    fmap = clip.fixation_map(400)
    assert fmap.shape == (360, 640) and set(np.unique(fmap)) == {0.0, 1.0}
    assert fmap.sum() == counts[400]
    density = clip.density_map(400)
    assert density.min() >= 0 and density.sum() == pytest.approx(1.0)
    assert dhf1k.splits["train"].tolist() == [0] and dhf1k.splits["test"].size == 0
    assert dhf1k.pixels_per_degree == 30.0 and "CVPR 2018" in dhf1k.citation


def test_screen_to_frame_rules_by_hand():
    # a = 640/1440 = 4/9, b = (900 - 360/a)/2 = 45: screen (720, 450) -> (320, 180) 1-based
    # -> (319, 179) 0-based; x = 23.625 -> a x = 10.5 rounds half away from zero to 11 -> 10.
    samples = GazeSamples(
        t=np.array([0.0, 50.0, 100.0, 150.0, 200.0, 250.0]),  # ms; frame = floor(30 t / 1000)
        x=np.array([720.0, 23.625, 720.0, 720.0, 720.0, 720.0]),
        y=np.array([450.0, 450.0, 450.0, 40.0, 450.0, 450.0]),
        label=np.array(["Fixation", "Fixation", "Fixation", "Fixation", "Saccade", "Fixation"]),
    )
    # t=0 and t=100 ms (30 t = 3.0) lie on frame boundaries and are dropped; y=40 is in
    # the letterbox band; the saccade sample is not a fixation.
    fix = dhf1k_fixations({7: samples}, n_frames=8, video_shape=(360, 640))
    assert fix.x.tolist() == [10.0, 319.0] and fix.y.tolist() == [179.0, 179.0]
    assert fix.n.tolist() == [1, 7] and fix.subject.tolist() == [7, 7]
    assert fix.t.tolist() == [50.0, 250.0]
    # samples after the last frame are ignored
    assert dhf1k_fixations({7: samples}, n_frames=7, video_shape=(360, 640)).n.tolist() == [1]
    assert DHF1K_SCREEN == (900, 1440)


def _make_gauss_masks_literal(x, y, size, fwhm=30.0):
    """Line-by-line numpy transcription of the official make_gauss_masks.m (1-based x, y)."""
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    rows, cols = size
    big_x, big_y = np.meshgrid(np.arange(2 * cols + 1), np.arange(2 * rows + 1))
    big = np.exp(-((big_x - cols) ** 2 + (big_y - rows) ** 2) / (2 * sigma**2)) / (
        2 * np.pi * sigma
    )
    mask = np.zeros(size)
    for xi, yi in zip(x, y, strict=True):
        tx, ty = int(np.floor(xi)), int(np.floor(yi))
        # MATLAB big_gauss(R-ty : R-ty+R-1, C-tx : C-tx+C-1), 1-based inclusive
        mask += big[rows - ty - 1 : 2 * rows - ty - 1, cols - tx - 1 : 2 * cols - tx - 1]
    return mask / mask.max()


def test_dhf1k_saliency_map_matches_make_gauss_masks():
    # 0-based (x, y) on 30 x 40; record_mapping.m keeps x < W, y < H (1-based), so x <= W - 2
    points = np.array([[3, 4], [25, 17], [0, 0], [38, 28]])
    expected = _make_gauss_masks_literal(points[:, 0] + 1, points[:, 1] + 1, (30, 40))
    np.testing.assert_allclose(dhf1k_saliency_map(points, (30, 40)), expected, atol=1e-12)
    single = dhf1k_saliency_map(np.array([[10, 5]]), (30, 40))
    assert np.unravel_index(single.argmax(), single.shape) == (7, 12)  # the code's 2-px shift
    assert dhf1k_saliency_map(np.zeros((0, 2)), (3, 4)).sum() == 0


def test_dhf1k_gaze_follows_the_fly(dhf1k):
    """Alignment: fixations sit on the dark fly in their own frame, not 100-300 frames away."""
    clip = dhf1k.clip(0)
    frames = clip.frames(0, 783, 5)
    dark = np.stack([minimum_filter(f.mean(axis=-1), 9) for f in frames])

    def darkness(shift: int) -> float:
        values = []
        for i, k in enumerate(range(0, 783, 5)):
            if 0 <= i + shift < len(dark):
                xy = clip.fixation_points(k)
                values.append(dark[i + shift][xy[:, 1], xy[:, 0]].mean())
        return float(np.mean(values))

    aligned = darkness(0)
    assert all(aligned < darkness(s) - 2 for s in (-60, -20, 20, 60))


def test_ucf_sports_clip(ucf):
    assert len(ucf) == 1 and ucf.splits["test"].tolist() == [0]
    clip = ucf.clip(0)
    assert clip.name == "Diving-Side-001" and clip.n_frames == 54 and clip.shape == (404, 720)
    frames = clip.frames()
    assert frames.shape == (54, 404, 720, 3) and frames.dtype == np.uint8  # 011, 016 are jpg
    counts = clip.fixation_maps().sum(axis=(1, 2))
    assert counts.min() == 215 and counts.max() == 593 and counts.sum() == 19_706
    assert clip.density_map(10).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="per-observer"):
        clip.fixation_map(0, subject=1)


def test_ucf_maps_are_the_official_imfilter(ucf, data_dir):
    from scipy.io import loadmat

    clip = ucf.clip(0)
    for k in (0, 20, 53):
        fixation = clip.fixation_map(k)
        mat = loadmat(
            clip.fixation_paths[k].parent / "maps" / (clip.fixation_paths[k].stem + ".mat")
        )
        np.testing.assert_array_equal(fixation, mat["I"] > 0)
        ours = ucf_saliency_map(fixation)
        np.testing.assert_array_equal(np.round(255 * ours / ours.max()), 255 * clip.saliency_map(k))


def test_ucf_gaze_follows_the_diver(ucf):
    """Alignment: density maps weight the moving diver most in their own frame."""
    clip = ucf.clip(0)
    motion = frame_differences(clip.frames())
    density = clip.density_maps()

    def on_motion(shift: int) -> float:
        pairs = [(k, k + shift) for k in range(1, 54) if 1 <= k + shift < 54]
        return float(np.mean([(density[k] * motion[j]).sum() / motion[j].mean() for k, j in pairs]))

    assert all(on_motion(0) > on_motion(s) for s in (-10, -5, 5, 10))


def test_frame_dataset_behaves_like_an_image_dataset(dhf1k):
    frames = frame_dataset(dhf1k, {0: [10, 500, 20]})
    assert len(frames) == 3 and frames.image_shape(1) == (360, 640)
    np.testing.assert_array_equal(frames.image(1), dhf1k.clip(0).frame(500))
    assert frames.fixations.n.max() == 2
    assert len(frames.fixations.for_image(0)) == len(dhf1k.clip(0).fixation_points(10))
    assert frames.splits["train"].tolist() == [0, 1, 2]
    assert len(frames.subset([2])) == 1


def test_missing_and_offline_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="dhf1k"):
        load_dataset("dhf1k", root=tmp_path, download=False)
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="drive.google.com"):  # not the public clip
        load_dataset("ucf_sports", root=tmp_path, download=True, clips=["Diving-Side-002"])


def test_bad_arguments(dhf1k):
    clip = dhf1k.clip(0)
    with pytest.raises(ValueError, match="frame index"):
        clip.fixation_map(783)
    with pytest.raises(ValueError, match="frame range"):
        clip.frames(10, 5)
    with pytest.raises(ValueError, match="frames must be"):
        frame_differences(np.zeros((4, 5, 3)))
    root = clip.video_path.parents[2]
    with pytest.raises(FileNotFoundError, match="003.AVI"):
        load_dataset("dhf1k", root=root, download=False, videos=[3])
    with pytest.raises(ValueError, match="videos must be DHF1K video numbers"):
        load_dataset("dhf1k", root=root, download=False, videos=[0])
    with pytest.raises(ValueError, match="videos must be DHF1K video numbers"):
        load_dataset("dhf1k", root=root, download=False, videos="two")
    # the CLI passes options as text: --option videos=2
    assert load_dataset("dhf1k", root=root, download=False, videos="2").clip_names() == ["002"]


def test_hollywood2_layout_with_mat_fixations_and_no_maps(tmp_path):
    """The DHF1K-distributed Hollywood-2 layout; maps are rebuilt with imfilter when absent."""
    from PIL import Image
    from scipy.io import savemat

    clip_dir = tmp_path / "hollywood2" / "training" / "actioncliptrain00001_1"
    (clip_dir / "images").mkdir(parents=True)
    (clip_dir / "fixation" / "maps").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for k in range(3):
        frame = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
        Image.fromarray(frame).save(clip_dir / "images" / f"{k + 1:04d}.png")
        fixation = np.zeros((40, 60), np.uint8)
        fixation[10 + k, 20 + k] = 1
        savemat(clip_dir / "fixation" / "maps" / f"{k + 1:04d}.mat", {"I": fixation})
    data = load_dataset("hollywood2", root=tmp_path, download=False)
    assert len(data) == 1 and data.splits["train"].tolist() == [0]
    clip = data.clip(0)
    assert clip.n_frames == 3 and clip.shape == (40, 60) and clip.fps is None
    assert clip.fixation_points(2).tolist() == [[22, 12]]
    smap = clip.saliency_map(1)
    rebuilt = ucf_saliency_map(clip.fixation_map(1))
    np.testing.assert_allclose(smap, rebuilt / rebuilt.max())
    peak = np.unravel_index(smap.argmax(), smap.shape)
    assert abs(peak[0] - 11) <= 1 and abs(peak[1] - 21) <= 1  # even 150-tap kernel: 2x2 plateau
    assert clip.density_map(1).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not found"):
        load_dataset("hollywood2", root=tmp_path, download=False, clips=["nope"])


def test_every_public_name_of_the_former_module_is_still_there():
    """data/video.py became a package; its names stay importable from the package."""
    import saliency_course.data.video as video

    former = """DHF1K_CITATION DHF1K_DRIVE_FOLDER DHF1K_FPS DHF1K_FWHM_PX DHF1K_SCREEN FrameDataset
    HOLLYWOOD_CITATION HOLLYWOOD_DRIVE_FOLDER UCF_CITATION UCF_KERNEL_SIZE UCF_SIGMA_PX VideoClip
    VideoDataset decode_video dhf1k_fixations dhf1k_gaussian_factors dhf1k_saliency_map
    frame_dataset frame_differences load_dhf1k load_hollywood2 load_ucf_sports read_dhf1k_gaze
    ucf_saliency_map video_info""".split()
    assert set(former) <= set(video.__all__)
    assert all(hasattr(video, name) for name in video.__all__)

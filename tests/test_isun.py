"""iSUN from files written here in the official layout (as pysaliency's get_iSUN reads them:
``loadmat(f)[split]['image'][:, 0]`` and ``['gaze'][:, 0][n]['fixation'][0, :]``)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
from PIL import Image

from saliency_course.data import list_datasets, load_dataset
from saliency_course.data.isun import coordinate_evidence
from saliency_course.errors import OfflineError


def _split_struct(entries, with_gaze=True):
    """A MATLAB struct array (N x 1): image name and a (1 x viewers) struct array of fixations."""
    fields = [("image", object)] + ([("gaze", object)] if with_gaze else [])
    array = np.empty((len(entries), 1), dtype=fields)
    for k, (name, viewers) in enumerate(entries):
        if not with_gaze:
            array[k, 0] = (name,)
            continue
        gaze = np.empty((1, len(viewers)), dtype=[("fixation", object)])
        for v, xy in enumerate(viewers):
            gaze[0, v] = (np.asarray(xy, dtype=float).reshape(-1, 2),)
        array[k, 0] = (name, gaze)
    return array


def write_isun(root, size=(60, 40)):
    folder = root / "isun"
    (folder / "images").mkdir(parents=True)
    splits = {
        # continuous positions from the image's corner, as TurkerGaze's mean-shift centres
        "training": [
            ("sun_aaa", [[[30.4, 20.7], [4.9, 5.2], [60, 41]], [[0.2, 0.6], [59.9, 39.99]]]),
            ("sun_bbb", [[[30, 20]]]),
        ],
        "validation": [("sun_ccc", [[[10.5, 12.25], [20, 22]], [], [[31, 20], [-0.1, 3]]])],
        "testing": [("sun_ddd", []), ("sun_eee", [])],
    }
    for split, entries in splits.items():
        for name, _ in entries:
            Image.new("RGB", size, (10, 20, 30)).save(folder / "images" / f"{name}.jpg")
        struct = _split_struct(entries, with_gaze=split != "testing")
        scipy.io.savemat(folder / f"{split}.mat", {split: struct})
    return folder


def test_isun_is_registered():
    assert "isun" in list_datasets()


def test_isun_parses_the_official_layout(tmp_path):
    write_isun(tmp_path)
    isun = load_dataset("isun", root=tmp_path, download=False)
    assert [p.stem for p in isun.image_paths] == [
        "sun_aaa",
        "sun_bbb",
        "sun_ccc",
        "sun_ddd",
        "sun_eee",
    ]
    assert {k: list(v) for k, v in isun.splits.items()} == {
        "train": [0, 1],
        "val": [2],
        "test": [3, 4],
    }
    f = isun.fixations
    a = f.for_image(0)
    # corner -> pixel centres: minus 0.5; (60, 41) lies on the right edge of the 60 x 40
    # image, off it; (0.2, 0.6) is inside (a 1-based reading would have dropped it)
    assert np.allclose(a.x, [29.9, 4.4, -0.3, 59.4]) and np.allclose(a.y, [20.2, 4.7, 0.1, 39.49])
    assert list(a.subject) == [0, 0, 1, 1]
    # the pixels are pysaliency's: row int(y), column int(x) of the stored values
    rows, cols = np.nonzero(isun.fixation_map(0))
    assert sorted(zip(rows, cols, strict=True)) == [(0, 0), (5, 4), (20, 30), (39, 59)]
    c = f.for_image(2)
    # viewer 1 has no fixations; (-0.1, 3) lies left of the image
    assert np.allclose(c.x, [10.0, 19.5, 30.5]) and list(c.subject) == [0, 0, 2]
    assert len(f.for_image([3, 4])) == 0 and f.t is None
    assert isun.image(0).shape == (40, 60, 3)


def test_isun_first_fixation_option(tmp_path):
    write_isun(tmp_path)
    every = load_dataset("isun", root=tmp_path, download=False)
    dropped = load_dataset("isun", root=tmp_path, download=False, first_fixation=False)
    assert len(every.fixations) == 8
    # the first of each of the 5 non-empty viewers goes; of the rest, (60, 41) and (-0.1, 3) are off
    assert len(dropped.fixations) == 3
    assert np.allclose(dropped.fixations.for_image(0).x, [4.4, 59.4])


def test_isun_coordinate_evidence(tmp_path):
    write_isun(tmp_path)
    table = coordinate_evidence(tmp_path)
    assert list(table.index) == ["train", "val"]
    train, val = table.loc["train"], table.loc["val"]
    assert train["fixations"] == 6 and val["fixations"] == 4
    # 60, 41, 30, 20 of the 12 training values are whole numbers
    assert np.isclose(train["whole numbers"], 4 / 12) and np.isclose(val["whole numbers"], 5 / 8)
    assert np.isclose(train["below 1"], 1 / 6) and np.isclose(train["below 0.5"], 1 / 6)
    assert np.isclose(val["below 1"], 1 / 4) and np.isclose(val["below 0.5"], 1 / 4)
    assert np.isclose(train["at or beyond the size"], 1 / 6) and val["at or beyond the size"] == 0


def test_isun_offline_names_the_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError) as info:
        load_dataset("isun", root=tmp_path)
    message = str(info.value)
    for name in ("training.mat", "validation.mat", "testing.mat", "image.zip"):
        assert f"lsun.cs.princeton.edu/challenge/2015/eyetracking/data/{name}" in message
    assert str(tmp_path / "isun") in message
    with pytest.raises(FileNotFoundError, match=r"lsun\.cs\.princeton\.edu.*training\.mat"):
        load_dataset("isun", root=tmp_path, download=False)


def test_isun_malformed_file(tmp_path):
    folder = write_isun(tmp_path)
    scipy.io.savemat(folder / "training.mat", {"training": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="training.mat.*'image' field"):
        load_dataset("isun", root=tmp_path, download=False)

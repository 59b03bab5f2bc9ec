"""SALICON from files written here in the official layout: streaming parse into compact
columns, the on-disk cache, the clip rule and downloads that never repeat."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from saliency_course import __version__
from saliency_course.data import load_dataset, salicon
from saliency_course.errors import OfflineError

REPO = Path(__file__).resolve().parents[1]


def _gaze(observers):
    """The per-image struct array ``gaze`` (observers x 1), as the official .mat files hold it."""
    gaze = np.empty((len(observers), 1), dtype=[(k, object) for k in salicon_fields()])
    for k, (location, timestamp, fixations) in enumerate(observers):
        gaze[k, 0] = (
            np.array(location, float).reshape(-1, 2),
            np.array(timestamp, float).reshape(-1, 1),
            np.array(fixations, float).reshape(-1, 2),
        )
    return gaze


def salicon_fields():
    return ("location", "timestamp", "fixations")


def write_salicon(root, editions=("2015",), per_split=2, seed=0):
    """images/{train,val,test}/COCO_*.jpg and fixations_<edition>/{train,val}/COCO_*.mat."""
    rng = np.random.default_rng(seed)
    folder = root / "salicon"
    expected = {}
    for split in ("train", "val", "test"):
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        for k in range(per_split):
            name = f"COCO_{split}2014_{k:012d}"
            Image.new("RGB", (640, 480)).save(folder / "images" / split / f"{name}.jpg")
            if split == "test":
                continue
            for edition in editions:
                observers = []
                for _ in range(int(rng.integers(1, 4))):
                    m = int(rng.integers(1, 30))
                    location = rng.uniform(-3, 645, size=(m, 2)).round()
                    observers.append((location, np.arange(m) * 10.0, rng.uniform(1, 640, (3, 2))))
                (folder / f"fixations_{edition}" / split).mkdir(parents=True, exist_ok=True)
                scipy.io.savemat(
                    folder / f"fixations_{edition}" / split / f"{name}.mat",
                    {"gaze": _gaze(observers)},
                )
                expected[(edition, split, k)] = observers
    return folder, expected


def test_fixed_example_coordinates_clip_and_subjects(tmp_path):
    folder, _ = write_salicon(tmp_path, per_split=1)
    observers = [
        ([[1, 1], [641, 100], [320, 490]], [0, 8, 16], [[100, 50], [700, 20]]),
        ([[10, 20]], [0], [[1, 480]]),
    ]
    for split in ("train", "val"):
        scipy.io.savemat(
            folder / "fixations_2015" / split / f"COCO_{split}2014_{0:012d}.mat",
            {"gaze": _gaze(observers)},
        )
    sal = load_dataset("salicon", root=tmp_path, download=False, progress=False)
    f = sal.fixations.for_image(0)
    # fixations: 1-based -> 0-based, (700, 20) off the image is dropped
    assert np.allclose(f.x, [99, 0]) and np.allclose(f.y, [49, 479]) and list(f.subject) == [0, 1]
    mouse = load_dataset("salicon", root=tmp_path, download=False, kind="mouse", progress=False)
    m = mouse.fixations.for_image(1)
    # mouse samples: 0-based and clipped to [0, 639] x [0, 479]
    assert np.allclose(m.x, [0, 639, 319, 9]) and np.allclose(m.y, [0, 99, 479, 19])
    assert np.allclose(m.t, [0, 8, 16, 0]) and list(m.subject) == [0, 0, 0, 1]
    assert m.x.dtype == np.float32 and m.t.dtype == np.float32
    assert mouse.fixations.n.dtype == np.int8 and mouse.fixations.subject.dtype == np.int8


@pytest.mark.parametrize("kind", ["fixations", "mouse"])
def test_streamed_columns_match_a_direct_reading(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(salicon, "BLOCK", 7)  # many blocks: exercises growing and joining
    _, expected = write_salicon(tmp_path, per_split=3)
    sal = load_dataset("salicon", root=tmp_path, download=False, kind=kind, progress=False)
    xs, ts, ns = [], [], []
    for n, (split, k) in enumerate([(s, k) for s in ("train", "val") for k in range(3)]):
        for location, timestamp, fixations in expected[("2015", split, k)]:
            xy = (np.asarray(location if kind == "mouse" else fixations) - 1).astype(np.float32)
            if kind == "mouse":
                xy = np.clip(xy, 0, [639, 479])
                ts.append(timestamp)
            else:
                xy = xy[(xy[:, 0] >= -0.5) & (xy[:, 0] < 639.5) & (xy[:, 1] < 479.5)]
            xs.append(xy[:, 0])
            ns.append(np.full(len(xy), n))
    assert np.array_equal(sal.fixations.x, np.concatenate(xs))
    assert np.array_equal(sal.fixations.n, np.concatenate(ns))
    if kind == "mouse":
        assert np.array_equal(sal.fixations.t, np.concatenate(ts))


def test_second_load_reads_the_cache_not_the_mat_files(tmp_path):
    folder, _ = write_salicon(tmp_path)
    first = load_dataset("salicon", root=tmp_path, download=False, kind="mouse", progress=False)
    cache = folder / f"cache-2015-mouse-v{__version__}.npz"
    assert cache.is_file() and not list(folder.glob(".*.tmp"))
    for mat in (folder / "fixations_2015").rglob("*.mat"):
        mat.unlink()  # a second load must not need them
    again = load_dataset("salicon", root=tmp_path, download=False, kind="mouse", progress=False)
    for name in ("x", "y", "n", "subject", "t"):
        a, b = getattr(first.fixations, name), getattr(again.fixations, name)
        assert a.dtype == b.dtype and np.array_equal(a, b)
    # the fixations cache is another file: with the .mat files gone it cannot be built
    with pytest.raises(FileNotFoundError, match=r"COCO_train2014_000000000000\.mat"):
        load_dataset("salicon", root=tmp_path, download=False, progress=False)


def test_cache_for_other_images_is_not_used(tmp_path):
    folder, _ = write_salicon(tmp_path)
    load_dataset("salicon", root=tmp_path, download=False, progress=False)
    (folder / "images" / "train" / "COCO_train2014_000000000001.jpg").unlink()
    sal = load_dataset("salicon", root=tmp_path, download=False, progress=False)
    assert len(sal) == 5 and sal.fixations.n.max() <= 2


def test_2017_after_2015_downloads_only_its_gaze_data(tmp_path, monkeypatch):
    write_salicon(tmp_path)
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError) as info:
        load_dataset("salicon", root=tmp_path, edition="2017", progress=False)
    message = str(info.value)
    assert salicon.FIXATIONS["2017"][0] in message and "fixations_2017.zip" in message
    assert salicon.STIMULI_ID not in message and "stimuli.zip" not in message
    fetched = []
    monkeypatch.setattr(
        "saliency_course.data.download.fetch", lambda resources, *a, **k: fetched.append(resources)
    )
    with pytest.raises(FileNotFoundError):  # the fake fetch placed nothing
        load_dataset("salicon", root=tmp_path, edition="2017", progress=False)
    assert [r.filename for r in fetched[0]] == ["fixations_2017.zip"]
    fetched.clear()
    load_dataset("salicon", root=tmp_path, edition="2015", progress=False)
    assert fetched == []  # everything present: no download at all


def test_offline_without_images_names_both_archives(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError) as info:
        load_dataset("salicon", root=tmp_path, edition="2017")
    assert "stimuli.zip" in str(info.value) and "fixations_2017.zip" in str(info.value)


def test_bad_arguments_and_files(tmp_path):
    folder, _ = write_salicon(tmp_path, per_split=1)
    with pytest.raises(ValueError, match="edition must be"):
        load_dataset("salicon", root=tmp_path, download=False, edition="2016")
    with pytest.raises(ValueError, match="kind must be one of"):
        load_dataset("salicon", root=tmp_path, download=False, kind="eye")
    bad = folder / "fixations_2015" / "train" / "COCO_train2014_000000000000.mat"
    scipy.io.savemat(bad, {"other": np.zeros(3)})
    with pytest.raises(ValueError, match="struct array 'gaze'"):
        load_dataset("salicon", root=tmp_path, download=False, progress=False)


@pytest.mark.slow
def test_memory_benchmark_runs_at_a_small_scale(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_salicon_memory.py"),
            "--scale",
            "0.0005",
            "--kinds",
            "mouse",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = out.stdout.splitlines()
    # 5 train images of 21,529 samples + 2 val images of 24,380 (the real per-image means)
    assert "wrote 7 .mat files" in lines[0] and "156,405 mouse samples" in lines[0]
    assert any("cold" in line and "156,405 entries" in line for line in lines)
    assert any("cached" in line and "156,405 entries" in line for line in lines)

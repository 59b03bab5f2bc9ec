"""Dataset loaders on the real data in shared/data, and their parsers on hand-made files."""

from __future__ import annotations

import numpy as np
import pytest

from saliency_course.data import REGISTRY, get_factory, list_datasets, load_dataset
from saliency_course.data.files import load_mat, seeded_split


@pytest.fixture(scope="module")
def osie(data_dir):
    return load_dataset("osie", root=data_dir, download=False)


@pytest.fixture(scope="module")
def mit(data_dir):
    return load_dataset("fixatons", root=data_dir, download=False, subset="MIT1003")


@pytest.fixture(scope="module")
def mit_all(data_dir):
    return load_dataset(
        "fixatons", root=data_dir, download=False, subset="MIT1003", first_fixation=True
    )


# -- registry ---------------------------------------------------------------------
def test_registry_names_every_course_dataset():
    expected = {
        "osie",
        "fixatons",
        "mit1003",
        "figrim",
        "salicon",
        "cat2000",
        "mit300",
        "toronto",
        "isun",
    }
    assert expected | {"dhf1k", "ucf_sports", "hollywood2"} == set(list_datasets())
    for name in expected:
        assert callable(get_factory(name)), REGISTRY[name]


def test_unknown_dataset_name_is_a_value_error():
    with pytest.raises(ValueError, match="name must be one of"):
        load_dataset("imagenet")


def test_missing_files_name_the_expected_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"osie.*fixations\.mat|stimuli"):
        load_dataset("osie", root=tmp_path, download=False)


# -- OSIE -----------------------------------------------------------------------------
def test_osie_counts(osie):
    assert len(osie) == 700
    assert set(osie.image_shapes) == {(600, 800)}
    assert len(osie.fixations) == 98_321
    trials = np.unique(np.stack([osie.fixations.n, osie.fixations.subject]), axis=1)
    assert np.all(np.bincount(trials[0], minlength=700) == 15)
    assert len(osie.mouse) == 984_458
    assert set(np.unique(osie.mouse.n)) == set(range(700))


def test_osie_coordinates_are_zero_based_inside(osie):
    f = osie.fixations
    assert f.inside((600, 800)).all() and osie.mouse.inside((600, 800)).all()
    # 1-based minimum 1.2 in the file becomes 0.2
    assert np.isclose(f.x.min(), 0.2) and np.isclose(f.y.min(), 0.2)
    # first fixation of image 0 / subject 0 as stored (395.5, ...) minus 1, 246 ms
    first = f.for_image(0).for_subject(0)
    assert np.isclose(first.x[0], 394.5) and first.duration[0] == 246 and first.t[0] == 0
    assert first.t[1] == 246


def test_osie_image_and_maps(osie):
    image = osie.image(5)
    assert image.dtype == np.uint8 and image.shape == (600, 800, 3)
    fmap = osie.fixation_map(5)
    assert fmap.shape == (600, 800) and set(np.unique(fmap)) <= {0.0, 1.0}
    assert osie.fixation_map(5, counts=True).sum() == len(osie.fixations.for_image(5))
    density = osie.density_map(5)
    assert density.shape == (600, 800) and np.isclose(density.sum(), 1.0)


def test_osie_splits_are_disjoint_and_cover(osie):
    s = osie.splits
    assert [len(s[k]) for k in ("train", "val", "test")] == [560, 70, 70]
    assert np.array_equal(np.sort(np.concatenate(list(s.values()))), np.arange(700))


def test_subset_reindexes_images_fixations_and_mouse(osie):
    sub = osie.subset([10, 3])
    assert len(sub) == 2 and sub.image_paths[0].name == "1011.jpg"
    assert np.array_equal(sub.fixations.for_image(0).x, osie.fixations.for_image(10).x)
    assert len(sub.mouse) == len(osie.mouse.for_image([3, 10]))
    assert set(sub.fixations.n) == {0, 1}
    assert np.array_equal(sub.image(1), osie.image(3))
    all_split = np.concatenate(list(sub.splits.values()))
    assert np.array_equal(np.sort(all_split), [0, 1])


def test_bad_index_and_subset_raise(osie):
    with pytest.raises(ValueError, match="image index"):
        osie.image(700)
    with pytest.raises(ValueError, match="subset indices"):
        osie.subset([0, 700])
    with pytest.raises(ValueError, match="must not repeat"):
        osie.subset([1, 1])


# -- FixaTons -----------------------------------------------------------------------
def test_fixatons_mit1003_counts(mit):
    assert len(mit) == 200
    f = mit.fixations
    # 23,693 stored fixations in 3,000 scanpaths; the first of each dropped (fixation cross),
    # then 33 more outside the image (1-based coordinates, as Judd's filter)
    assert len(f) == 20_660
    assert len(f.subjects) == 15 and len(mit.subject_names) == 15
    for n in range(len(mit)):
        assert f.for_image(n).inside(mit.image_shape(n)).all()
    assert len(mit.splits["iccv100"]) == 100 and len(mit.splits["rest"]) == 100
    assert mit.pixels_per_degree == 35


def test_fixatons_times_and_first_fixation_kept(mit_all, data_dir):
    n = [p.stem for p in mit_all.image_paths].index("i05june05_static_street_boston_p1010764")
    s = mit_all.subject_names.index("CNG")
    scan = mit_all.fixations.for_image(n).for_subject(s)
    # file: 499 378 0.004 0.338 / 502 449 0.400 0.496 (1-based, seconds)
    assert np.allclose([scan.x[0], scan.y[0]], [498, 377])
    assert np.allclose([scan.t[0], scan.duration[0]], [4, 334])
    assert np.allclose([scan.x[1], scan.t[1], scan.duration[1]], [501, 400, 96])


def test_fixatons_siena12(data_dir):
    siena = load_dataset("fixatons", root=data_dir, download=False, subset="SIENA12")
    assert len(siena) == 12 and set(siena.image_shapes) == {(768, 1024)}
    assert len(siena.fixations) == 3_996 - 272  # first of the 272 non-empty scanpaths dropped
    every = load_dataset(
        "fixatons", root=data_dir, download=False, subset="SIENA12", first_fixation=True
    )
    assert len(every.fixations) == 3_996  # 0-based, none outside
    assert every.fixations.x.min() == 0


def test_fixatons_missing_subset_and_unknown_convention(data_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="NOPE"):
        load_dataset("fixatons", root=data_dir, download=False, subset="NOPE")
    for sub in ("STIMULI", "SCANPATHS"):
        (tmp_path / "fixatons" / "OTHER" / sub).mkdir(parents=True)
    with pytest.raises(ValueError, match="one_based must be given"):
        load_dataset("fixatons", root=tmp_path, download=False, subset="OTHER")


def test_fixatons_malformed_scanpath(tmp_path):
    from PIL import Image

    folder = tmp_path / "fixatons" / "MIT1003"
    (folder / "STIMULI").mkdir(parents=True)
    Image.new("RGB", (40, 30)).save(folder / "STIMULI" / "a.jpeg")
    (folder / "SCANPATHS" / "a").mkdir(parents=True)
    (folder / "SCANPATHS" / "a" / "s1").write_text("1 2 0.1 0.2\n3 4 0.5\n")
    with pytest.raises(ValueError, match=r"SCANPATHS/a/s1"):
        load_dataset("fixatons", root=tmp_path, download=False, subset="MIT1003")


# -- helpers ----------------------------------------------------------------------------
def test_truncated_mat_names_the_file(tmp_path, data_dir):
    source = (data_dir / "osie" / "data" / "eye" / "fixations.mat").read_bytes()
    bad = tmp_path / "fixations.mat"
    bad.write_bytes(source[: len(source) // 2])
    with pytest.raises(ValueError, match="fixations.mat"):
        load_mat(bad)


def test_seeded_split_is_fixed_and_exhaustive():
    a = seeded_split(10, {"train": 0.8, "test": 0.2}, seed=0)
    b = seeded_split(10, {"train": 0.8, "test": 0.2}, seed=0)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert len(a["train"]) == 8 and not set(a["train"]) & set(a["test"])
    with pytest.raises(ValueError, match="sum to 1"):
        seeded_split(10, {"train": 0.5}, seed=0)


# -- FIGRIM (real data) ----------------------------------------------------------------
def test_figrim_counts_and_convention(data_dir):
    from saliency_course.data.cat2000 import read_fixlocs

    figrim = load_dataset("figrim", root=data_dir, download=False)
    assert len(figrim) == 30 and set(figrim.image_shapes) == {(1000, 1000)}
    assert set(figrim.categories) == {"amusement_park"}
    f = figrim.fixations
    assert len(f) == 3_205  # encoding presentation, none outside
    per_image = np.array([len(np.unique(f.for_image(n).subject)) for n in range(30)])
    assert per_image.min() == 13 and per_image.max() == 19
    # the official FIXATIONLOCS maps mark the encoding fixations at the 0-based pixel
    hits = total = 0
    for n, path in enumerate(figrim.image_paths):
        locs = read_fixlocs(
            data_dir / "figrim" / "FIXATIONLOCS" / "amusement_park" / (path.stem + ".mat")
        )
        g = f.for_image(n)
        rows = np.clip(np.round(g.y).astype(int), 0, 999)
        cols = np.clip(np.round(g.x).astype(int), 0, 999)
        hits += int(locs[rows, cols].sum())
        total += len(g)
    assert hits / total > 0.85
    every = load_dataset("figrim", root=data_dir, download=False, presentation="all")
    assert len(every.fixations) == 8_962 - 1  # y = 0.3 (1-based) lies above the image
    with pytest.raises(ValueError, match="presentation must be one of"):
        load_dataset("figrim", root=data_dir, download=False, presentation="first")


# -- MIT1003 (official format, written here) ---------------------------------------------
def _write_mit1003(root, scanpaths, shape=(120, 160), blink=True):
    """Write ALLSTIMULI/<img>.jpeg and DATA/<user>/<img>.mat (240 Hz samples from scanpaths)."""
    import scipy.io
    from PIL import Image

    from saliency_course import gaze
    from saliency_course.fixations import Fixations

    folder = root / "mit1003"
    (folder / "ALLSTIMULI").mkdir(parents=True)
    name = "i05june05_static_street_boston_p1010764"
    Image.new("RGB", shape[::-1], (90, 120, 30)).save(folder / "ALLSTIMULI" / f"{name}.jpeg")
    for user, path in scanpaths.items():
        x, y, t, d = (np.array(v, dtype=float) for v in zip(*path, strict=True))
        samples = gaze.simulate_samples(
            Fixations(x=x, y=y, n=np.zeros(len(x)), subject=np.zeros(len(x)), t=t, duration=d),
            rate=240.0,
            ppd=35.0,
            drift_deg2_per_s=0.0,
            noise_deg=0.02,
            seed=1,
        )
        eye = np.stack([samples.x, samples.y], axis=1) + 1.0  # 1-based as in the archive
        if blink:
            eye[-12:-4] = -1.0  # a blink: negative locations
        (folder / "DATA" / user).mkdir(parents=True)
        struct = {"DATA": {"eyeData": eye}}
        scipy.io.savemat(folder / "DATA" / user / f"{name}.mat", {name: struct})
    return folder


def test_mit1003_detects_fixations_from_raw_samples(tmp_path):
    # x, y (0-based px), onset, duration (ms); the first sits on the fixation cross
    path = [(80, 60, 0, 300), (20, 20, 340, 250), (140, 100, 640, 400), (30, 100, 1090, 300)]
    _write_mit1003(tmp_path, {"CNG": path, "ajs": path[:3]})
    mit = load_dataset("mit1003", root=tmp_path, download=False, progress=False)
    assert len(mit) == 1 and mit.image_shape(0) == (120, 160)
    f = mit.fixations
    cng = f.for_subject(0)
    assert len(cng) == 3  # the first fixation (cross) dropped, as Judd's code does
    assert np.allclose(cng.x, [20, 140, 30], atol=1.5) and np.allclose(
        cng.y, [20, 100, 100], atol=1.5
    )
    assert np.allclose(cng.t, [340, 640, 1090], atol=40)
    assert len(f.for_subject(1)) == 2
    # cached atomically, and the cache is what the next load reads
    from saliency_course import __version__

    cache = tmp_path / "mit1003" / f"fixations-ivt-30-nofirst-v{__version__}.npz"
    assert cache.is_file()
    again = load_dataset("mit1003", root=tmp_path, download=False, progress=False)
    assert np.array_equal(again.fixations.x, f.x)
    first = load_dataset(
        "mit1003", root=tmp_path, download=False, first_fixation=True, progress=False
    )
    assert np.allclose(first.fixations.for_subject(0).x[0], 80, atol=1.5)


def test_mit1003_drops_fixations_outside_the_image(tmp_path):
    path = [(80, 60, 0, 300), (150, 60, 340, 300), (200, 60, 690, 300)]  # x = 200 > W
    _write_mit1003(tmp_path, {"CNG": path}, blink=False)
    mit = load_dataset("mit1003", root=tmp_path, download=False, progress=False)
    assert np.allclose(mit.fixations.x, [150], atol=1.5)


def test_mit1003_malformed_and_truncated_files(tmp_path):
    from saliency_course.data.mit1003 import read_eye_data

    folder = _write_mit1003(tmp_path, {"CNG": [(80, 60, 0, 300), (20, 20, 340, 250)]})
    mat = next((folder / "DATA" / "CNG").glob("*.mat"))
    data = mat.read_bytes()
    mat.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=mat.name):
        read_eye_data(mat)
    import scipy.io

    scipy.io.savemat(mat, {"other": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="expected a variable named"):
        read_eye_data(mat)


# -- SALICON (official format, written here) ----------------------------------------------
def _salicon_gaze(observers):
    dtype = [("location", object), ("timestamp", object), ("fixations", object)]
    gaze = np.empty((len(observers), 1), dtype=dtype)
    for k, (location, timestamp, fixations) in enumerate(observers):
        gaze[k, 0] = (
            np.array(location, float),
            np.array(timestamp, float)[:, None],
            np.array(fixations, float),
        )
    return gaze


def test_salicon_fixations_and_mouse(tmp_path):
    import scipy.io
    from PIL import Image

    folder = tmp_path / "salicon"
    for split in ("train", "val", "test"):
        (folder / "images" / split).mkdir(parents=True)
        Image.new("RGB", (640, 480)).save(
            folder / "images" / split / f"COCO_{split}2014_000000000001.jpg"
        )
    observers = [
        ([[1, 1], [641, 100], [320, 240]], [0, 8, 16], [[100, 50], [700, 20]]),
        ([[10, 20]], [0], [[1, 480]]),
    ]
    for split in ("train", "val"):
        (folder / "fixations_2015" / split).mkdir(parents=True)
        scipy.io.savemat(
            folder / "fixations_2015" / split / f"COCO_{split}2014_000000000001.mat",
            {"gaze": _salicon_gaze(observers)},
        )
    sal = load_dataset("salicon", root=tmp_path, download=False, progress=False)
    assert len(sal) == 3 and {k: list(v) for k, v in sal.splits.items()} == {
        "train": [0],
        "val": [1],
        "test": [2],
    }
    f = sal.fixations.for_image(0)
    assert np.allclose(f.x, [99, 0]) and np.allclose(f.y, [49, 479]) and list(f.subject) == [0, 1]
    assert len(sal.fixations.for_image(2)) == 0
    mouse = load_dataset("salicon", root=tmp_path, download=False, kind="mouse", progress=False)
    m = mouse.fixations.for_image(1)
    assert np.allclose(m.x, [0, 639, 319, 9]) and np.allclose(m.t, [0, 8, 16, 0])
    with pytest.raises(ValueError, match="edition must be"):
        load_dataset("salicon", root=tmp_path, download=False, edition="2016")


# -- CAT2000, MIT300, Toronto (official layouts, written here) ------------------------------
def test_cat2000_fixationlocs_and_category_splits(tmp_path):
    import scipy.io
    from PIL import Image

    base = tmp_path / "cat2000" / "trainSet"
    for category, count in (("Action", 2), ("Art", 1)):
        (base / "Stimuli" / category).mkdir(parents=True)
        (base / "FIXATIONLOCS" / category).mkdir(parents=True)
        for k in range(1, count + 1):
            Image.new("RGB", (32, 18)).save(base / "Stimuli" / category / f"{k:03d}.jpg")
            locs = np.zeros((18, 32), np.uint8)
            locs[k, 2 * k] = locs[10, 30] = 1
            scipy.io.savemat(base / "FIXATIONLOCS" / category / f"{k:03d}.mat", {"fixLocs": locs})
    cat = load_dataset("cat2000", root=tmp_path, download=False, progress=False)
    assert len(cat) == 3 and cat.categories == ["Action", "Action", "Art"]
    assert list(cat.splits["Action"]) == [0, 1] and list(cat.splits["Art"]) == [2]
    f = cat.fixations.for_image(1)
    assert sorted(zip(f.x, f.y, strict=True)) == [(4.0, 2.0), (30.0, 10.0)]
    assert cat.subset([2]).categories == ["Art"]


def test_mit300_has_stimuli_but_no_fixations(tmp_path):
    from PIL import Image

    (tmp_path / "mit300" / "BenchmarkIMAGES").mkdir(parents=True)
    for k in (1, 2, 10):
        Image.new("L", (20, 10)).save(tmp_path / "mit300" / "BenchmarkIMAGES" / f"i{k}.jpg")
    mit300 = load_dataset("mit300", root=tmp_path, download=False)
    assert [p.name for p in mit300.image_paths] == ["i1.jpg", "i2.jpg", "i10.jpg"]
    assert mit300.image(0).shape == (10, 20, 3)  # grey made RGB
    with pytest.raises(ValueError, match="no public fixations"):
        _ = mit300.fixations
    with pytest.raises(ValueError, match="no public fixations"):
        mit300.density_map(0)


def test_toronto_from_origfixdata(tmp_path):
    import scipy.io
    from PIL import Image

    base = tmp_path / "toronto" / "eyetrackingdata" / "fixdens"
    (base / "Original Image Set").mkdir(parents=True)
    white = np.empty((1, 120), dtype=object)
    for k in range(120):
        Image.new("RGB", (681, 511)).save(base / "Original Image Set" / f"{k + 1}.jpg", quality=10)
        m = np.zeros((511, 681), np.uint8)
        m[k, 3] = 1
        white[0, k] = m
    scipy.io.savemat(base / "origfixdata.mat", {"white": white})
    toronto = load_dataset("toronto", root=tmp_path, download=False)
    assert len(toronto) == 120 and len(toronto.fixations) == 120
    assert toronto.fixations.for_image(7).y[0] == 7 and toronto.fixations.for_image(7).x[0] == 3


# -- descriptive statistics ---------------------------------------------------------------
def test_stats_on_hand_made_fixations():
    from saliency_course.data import stats
    from saliency_course.fixations import Fixations

    # image 0 is 10 x 20 (H x W), image 1 is 4 x 4
    f = Fixations(
        x=[9.5, 0.0, 19.0, 1.5, 3.0],
        y=[4.5, 0.0, 9.0, 1.5, 0.0],
        n=[0, 0, 0, 1, 1],
        subject=[2, 2, 0, 2, 2],
    )
    shapes = [(10, 20), (4, 4)]
    u, v = stats.normalized_coordinates(f, shapes)
    assert np.allclose(u, [0.5, 0.025, 0.975, 0.5, 0.875])
    assert np.allclose(v, [0.5, 0.05, 0.95, 0.5, 0.125])
    assert np.allclose(stats.distance_from_center(f, shapes)[:2], [0.0, np.hypot(0.475, 0.45)])
    assert list(stats.fixation_order(f)) == [0, 1, 0, 0, 1]
    assert sorted(stats.fixations_per_trial(f)) == [1, 2, 2]
    hist = stats.normalized_histogram(f, shapes, bins=2)
    # quadrants (v, u): centre points (0.5, 0.5) fall in the last bin
    assert np.allclose(hist, [[0.2, 0.2], [0.0, 0.6]])
    with pytest.raises(ValueError, match="shapes must have an entry per image"):
        stats.normalized_coordinates(f, shapes[:1])
    with pytest.raises(ValueError, match="bins"):
        stats.normalized_histogram(f, shapes, bins=0)


def test_stats_summary_on_osie(osie):
    from saliency_course.data import stats

    table = stats.summary({"OSIE": osie})
    row = table.loc["OSIE"]
    assert row["images"] == 700 and row["fixations"] == 98_321
    assert row["observers per image"] == "15"
    assert row["fixations per image"] == round(98_321 / 700, 1) == 140.5
    assert np.isclose(row["fixations per observer and image"], 98_321 / (700 * 15), atol=0.01)


def test_mit1003_parser_recovers_real_scanpaths(mit_all, tmp_path):
    """Real MIT1003 scanpaths (FixaTons) -> simulated 240 Hz samples in the official DATA format
    -> the mit1003 loader's I-VT: at least 90 % of the recorded fixations are found within 1 degree
    (35 px) and overlapping in time (measured: 97-98 %)."""
    import scipy.io
    from PIL import Image

    from saliency_course import gaze

    folder = tmp_path / "mit1003"
    (folder / "ALLSTIMULI").mkdir(parents=True)
    users = {0: "CNG", 5: "hp"}
    recorded = []
    for k, n in enumerate(range(0, 200, 20)):
        stem = mit_all.image_paths[n].stem
        height, width = mit_all.image_shape(n)
        Image.new("RGB", (width, height)).save(folder / "ALLSTIMULI" / f"{stem}.jpeg")
        for s, user in users.items():
            scanpath = mit_all.fixations.for_image(n).for_subject(s)
            samples = gaze.simulate_samples(scanpath, rate=240.0, ppd=35.0, seed=10 * k + s)
            eye = np.stack([samples.x, samples.y], axis=1) + 1.0  # 1-based, as DATA.zip
            (folder / "DATA" / user).mkdir(parents=True, exist_ok=True)
            scipy.io.savemat(
                folder / "DATA" / user / f"{stem}.mat", {stem: {"DATA": {"eyeData": eye}}}
            )
            recorded.append((stem, s, scanpath))
    loaded = load_dataset(
        "mit1003", root=tmp_path, download=False, first_fixation=True, progress=False
    )
    stems = [p.stem for p in loaded.image_paths]
    found = total = 0.0
    for stem, s, scanpath in recorded:
        detected = loaded.fixations.for_image(stems.index(stem)).for_subject(s)
        found += gaze.recovery_rate(detected, scanpath, max_distance=35.0) * len(scanpath)
        total += len(scanpath)
    assert found / total >= 0.9, found / total


def test_fixatons_mit1003_zero_based_matches_official_fixation_maps(mit, data_dir):
    """The binary FIXATION_MAPS mark scanpath points at the converted 0-based pixel, not 1 off."""
    from PIL import Image

    folder = data_dir / "fixatons" / "MIT1003" / "FIXATION_MAPS"
    here = shifted = 0
    for n, path in enumerate(mit.image_paths):
        fixated = np.asarray(Image.open(folder / (path.stem + ".png"))) > 0
        f = mit.fixations.for_image(n)
        rows, cols = np.round(f.y).astype(int), np.round(f.x).astype(int)
        h, w = fixated.shape
        here += int(fixated[rows, cols].sum())
        ok = (rows + 1 < h) & (cols + 1 < w)
        shifted += int(fixated[rows[ok] + 1, cols[ok] + 1].sum())
    assert here > 1_500 and shifted < 50, (here, shifted)


def test_pixels_per_degree_can_be_overridden(data_dir):
    osie = load_dataset("osie", root=data_dir, download=False, mouse=False, pixels_per_degree=30)
    assert osie.pixels_per_degree == 30.0
    siena = load_dataset(
        "fixatons", root=data_dir, download=False, subset="SIENA12", pixels_per_degree=40
    )
    assert siena.pixels_per_degree == 40.0
    with pytest.raises(ValueError, match="pixels_per_degree must be a positive number"):
        load_dataset("osie", root=data_dir, download=False, pixels_per_degree=-1)

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


# -- registry ---------------------------------------------------------------------
def test_registry_names_every_course_dataset():
    expected = {"osie", "fixatons", "mit1003", "figrim", "salicon", "cat2000", "mit300", "toronto"}
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
    # 23,693 stored fixations, 34 outside the image (1-based coordinates, as Judd's filter)
    assert len(f) == 23_693 - 34
    assert len(f.subjects) == 15 and len(mit.subject_names) == 15
    for n in range(len(mit)):
        assert f.for_image(n).inside(mit.image_shape(n)).all()
    assert len(mit.splits["iccv100"]) == 100 and len(mit.splits["rest"]) == 100
    assert mit.pixels_per_degree == 35


def test_fixatons_times_and_first_fixation_kept(mit, data_dir):
    n = [p.stem for p in mit.image_paths].index("i05june05_static_street_boston_p1010764")
    s = mit.subject_names.index("CNG")
    scan = mit.fixations.for_image(n).for_subject(s)
    # file: 499 378 0.004 0.338 / 502 449 0.400 0.496 (1-based, seconds)
    assert np.allclose([scan.x[0], scan.y[0]], [498, 377])
    assert np.allclose([scan.t[0], scan.duration[0]], [4, 334])
    assert np.allclose([scan.x[1], scan.t[1], scan.duration[1]], [501, 400, 96])


def test_fixatons_siena12(data_dir):
    siena = load_dataset("fixatons", root=data_dir, download=False, subset="SIENA12")
    assert len(siena) == 12 and set(siena.image_shapes) == {(768, 1024)}
    assert len(siena.fixations) == 3_996  # 0-based, none outside
    assert siena.fixations.x.min() == 0


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

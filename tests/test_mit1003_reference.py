"""MIT1003 as pysaliency and DeepGaze see it: natural image order, the 10 cross-validation
folds, the fixation-cross first fixation, and the FixaTons source's tree checksum."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from saliency_course.data import load_dataset, stats
from saliency_course.data.files import crossval_folds, natural_sorted
from saliency_course.data.fixatons import TREE_SHA256, course_subset, tree_digest, verify_fixatons
from saliency_course.data.mit1003 import mit1003_splits
from saliency_course.data.mit1003_splits import ICCV100, MIT1003_STIMULI
from saliency_course.errors import ChecksumError


# -- independent transcription of pysaliency's crossval split (filter_datasets.py @ 6a45d24) ----
def pysaliency_chunks(count, split_count=10):
    """``_get_crossval_split``: shuffle a Python list with RandomState(seed=42), boltons chunks."""
    inds = list(range(count))
    rst = np.random.RandomState(seed=42)
    rst.shuffle(inds)
    size = int(np.ceil(len(inds) / split_count))
    return [inds[i : i + size] for i in range(0, len(inds), size)]


def pysaliency_split(count, fold_no, split):
    """``crossval_split(..., crossval_folds=10, fold_no, val_folds=1, test_folds=1)``."""
    test = [fold_no]
    val = [(fold_no - 1) % 10]
    train = [f for f in range(10) if f not in val and f not in test]
    chunks = pysaliency_chunks(count)
    inds = []
    for split_nr in {"train": train, "val": val, "test": test}[split]:
        inds.extend(chunks[split_nr])
    return inds


def test_deepgaze_folds_on_all_1003_images():
    splits = mit1003_splits(list(MIT1003_STIMULI))
    assert [len(f) for f in splits.folds] == [101] * 9 + [94]
    # first indices of each fold, as the transcription above gives them (numpy 2, RandomState)
    firsts = [[626, 629, 847], [802, 215, 603], [29, 280, 507], [442, 819, 398], [448, 532, 621]]
    firsts += [[679, 796, 963], [255, 660, 967], [832, 488, 147], [242, 698, 159], [729, 401, 702]]
    assert [list(f[:3]) for f in splits.folds] == firsts
    assert [list(c[:3]) for c in pysaliency_chunks(1003)] == firsts
    for fold in range(10):
        got = splits(fold=fold)
        for name in ("train", "val", "test"):
            assert list(got[name]) == pysaliency_split(1003, fold, name), (fold, name)
        assert len(got["train"]) + len(got["val"]) + len(got["test"]) == 1003
    # fold 0 tests on chunk 0 and validates on chunk 9, as DeepGaze's fold 0
    assert len(splits(fold=0)["val"]) == 94 and MIT1003_STIMULI[626] == "i2210375453"
    # the named splits still work beside the folds
    assert len(splits["iccv100"]) == 100 and len(splits["train"]) == 802


def test_crossval_folds_arguments():
    assert [len(f) for f in crossval_folds(25, 10)] == [3] * 8 + [1, 0]
    with pytest.raises(ValueError, match="count must be"):
        crossval_folds(0)
    with pytest.raises(ValueError, match="folds must be"):
        crossval_folds(10, folds=1)


def test_natural_order_of_the_1003_names():
    assert len(MIT1003_STIMULI) == 1003 == len(set(MIT1003_STIMULI))
    files = [f"{stem}.jpeg" for stem in MIT1003_STIMULI]
    shuffled = list(np.random.default_rng(0).permutation(files))
    assert natural_sorted(shuffled) == files
    assert MIT1003_STIMULI[:12] == (
        "i05june05_static_street_boston_p1010764",
        "i05june05_static_street_boston_p1010785",
        "i05june05_static_street_boston_p1010800",
        "i05june05_static_street_boston_p1010806",
        "i05june05_static_street_boston_p1010808",
        "i05june05_static_street_boston_p1010816",
        "i05june05_static_street_boston_p1010855",
        "i05june05_static_street_boston_p1010885",
        "i05june05_static_street_boston_p1010907",
        "i10feb04_static_cars_highland_img_0843",
        "i10feb04_static_cars_highland_img_0847",
        "i10feb04_static_techsquare_img_0873",
    )
    # lexicographic order would put 'i1000274881' (i + 1000274881) before 'i10feb04_...'
    # (i + 10 feb ...) and 'i100856683' after 'i1007068829'; natural order compares the numbers
    lexicographic = sorted(files)
    moved = sum(a != b for a, b in zip(lexicographic, files, strict=True))
    assert moved == 924
    iccv = set(ICCV100)
    at_other_index = [
        s for s in iccv if lexicographic.index(f"{s}.jpeg") != files.index(f"{s}.jpeg")
    ]
    assert len(at_other_index) == 91  # the count for the ICCV subset


@pytest.mark.parametrize(
    "names, expected",
    [
        (["i1000.jpeg", "i05a.jpeg", "i2.jpeg"], ["i2.jpeg", "i05a.jpeg", "i1000.jpeg"]),
        (
            ["img_0843.jpeg", "img_843b.jpeg", "img_10.jpeg"],
            ["img_10.jpeg", "img_0843.jpeg", "img_843b.jpeg"],
        ),
        (
            ["b10.jpg", "a2.jpg", "a10.jpg", "10.jpg", "9.jpg"],
            ["9.jpg", "10.jpg", "a2.jpg", "a10.jpg", "b10.jpg"],
        ),
    ],
)
def test_natural_sort_on_constructed_names(names, expected):
    # natsort's default: digit runs compare as unsigned integers, the rest as text
    assert natural_sorted(names) == expected


# -- the FixaTons MIT1003 copy (real data) -------------------------------------------------
@pytest.fixture(scope="module")
def fixatons(data_dir):
    return load_dataset("fixatons", root=data_dir, download=False)


@pytest.fixture(scope="module")
def fixatons_all(data_dir):
    return load_dataset("fixatons", root=data_dir, download=False, first_fixation=True)


def test_fixatons_counts_with_and_without_the_first_fixation(fixatons, fixatons_all):
    assert len(fixatons.fixations) == 20_660  # 23,693 - 3,000 first - 33 more outside
    assert len(fixatons_all.fixations) == 23_659  # 23,693 - 34 outside
    trials = np.unique(np.stack([fixatons_all.fixations.n, fixatons_all.fixations.subject]), axis=1)
    assert trials.shape[1] == 3_000


def test_fixatons_first_fixations_sit_on_the_centre(fixatons, fixatons_all):
    first, later = stats.first_fixation_center_share(
        fixatons_all.fixations, fixatons_all.image_shapes
    )
    assert round(first, 4) == 0.9897 and round(later, 3) == 0.220  # 2,969 of 3,000
    assert int(round(first * 3000)) == 2_969
    # with the default (cross dropped) the "first" fixations are ordinary ones
    first_default, _ = stats.first_fixation_center_share(fixatons.fixations, fixatons.image_shapes)
    assert first_default < 0.4
    mask = stats.near_center(fixatons_all.fixations, fixatons_all.image_shapes, 0.5)
    assert mask.all()
    with pytest.raises(ValueError, match="fraction must be"):
        stats.near_center(fixatons_all.fixations, fixatons_all.image_shapes, 0.0)


def test_fixatons_natural_order_and_folds(fixatons):
    stems = [p.stem for p in fixatons.image_paths]
    assert stems == [s for s in MIT1003_STIMULI if s in set(stems)]  # the reference order
    assert stems[9] == "i10feb04_static_cars_highland_img_0843"
    folds = fixatons.splits.folds
    assert [len(f) for f in folds] == [18, 21, 20, 19, 21, 20, 24, 17, 23, 17]
    assert np.array_equal(np.sort(np.concatenate(folds)), np.arange(200))
    # each fold holds the subset's images of that fold of the full 1003, in the fold's order
    for fold in range(10):
        full = pysaliency_split(1003, fold, "test")
        expected = [stems.index(MIT1003_STIMULI[j]) for j in full if MIT1003_STIMULI[j] in stems]
        assert list(fixatons.splits(fold=fold)["test"]) == expected
    assert len(fixatons.splits["iccv100"]) == 100
    assert {"train", "val", "test", "iccv100", "rest"} == set(fixatons.splits)


def test_folds_survive_subset_and_are_refused_elsewhere(fixatons, data_dir):
    sub = fixatons.subset(fixatons.splits["iccv100"])
    assert sum(len(f) for f in sub.splits.folds) == 100
    parts = sub.splits(fold=3)
    names = {k: {sub.image_paths[i].stem for i in v} for k, v in parts.items()}
    full = {
        k: {fixatons.image_paths[i].stem for i in v} for k, v in fixatons.splits(fold=3).items()
    }
    for k in names:
        assert names[k] == full[k] & set(ICCV100)
    with pytest.raises(ValueError, match=r"fold must be in \[0, 10\)"):
        fixatons.splits(fold=10)
    with pytest.raises(ValueError, match="fold must be an int"):
        fixatons.splits(fold="1")
    siena = load_dataset("fixatons", root=data_dir, download=False, subset="SIENA12")
    with pytest.raises(ValueError, match="only available for datasets with official cross"):
        siena.splits(fold=0)
    osie = load_dataset("osie", root=data_dir, download=False, mouse=False)
    with pytest.raises(ValueError, match="only available"):
        osie.splits(fold=0)
    assert len(osie.splits["train"]) == 560


# -- first fixation: default and option of each loader with scanpath order ---------------------
def test_first_fixation_default_and_option_per_loader(data_dir):
    def count(name, **options):
        return len(load_dataset(name, root=data_dir, download=False, **options).fixations)

    # FixaTons subsets drop it by default (protocol on a central cross)
    assert count("fixatons", subset="SIENA12") == 3_724
    assert count("fixatons", subset="SIENA12", first_fixation=True) == 3_996
    # OSIE and FIGRIM keep it by default, as pysaliency; the option drops one per trial
    assert count("osie", mouse=False) == 98_321
    assert count("osie", mouse=False, first_fixation=False) == 98_321 - 700 * 15
    assert count("figrim") == 3_205
    assert count("figrim", first_fixation=False) == 3_205 - 489


def test_mit1003_keep_first_is_a_deprecated_alias(tmp_path):
    from test_datasets import _write_mit1003

    path = [(80, 60, 0, 300), (20, 20, 340, 250), (140, 100, 640, 400)]
    _write_mit1003(tmp_path, {"CNG": path})
    with pytest.warns(DeprecationWarning, match="first_fixation"):
        old = load_dataset(
            "mit1003", root=tmp_path, download=False, keep_first=True, progress=False
        )
    new = load_dataset(
        "mit1003", root=tmp_path, download=False, first_fixation=True, progress=False
    )
    assert len(old.fixations) == len(new.fixations) == 3
    assert (
        len(load_dataset("mit1003", root=tmp_path, download=False, progress=False).fixations) == 2
    )
    # one image, a known MIT1003 name: it has a fold
    assert sum(len(f) for f in new.splits.folds) == 1


# -- FixaTons source: tree SHA-256 of the course's files -------------------------------------
def test_fixatons_tree_digest_matches_the_course_copy(data_dir):
    for subset in ("MIT1003", "SIENA12"):
        assert tree_digest(data_dir / "fixatons" / subset, subset) == TREE_SHA256[subset]
        verify_fixatons(data_dir, subset)
    stems = course_subset("MIT1003")
    assert len(stems) == 200 and set(ICCV100) <= set(stems)
    assert {p.stem for p in (data_dir / "fixatons" / "MIT1003" / "STIMULI").iterdir()} == set(stems)


def test_fixatons_tree_digest_detects_a_changed_file(data_dir, tmp_path):
    copy = tmp_path / "fixatons" / "SIENA12"
    shutil.copytree(data_dir / "fixatons" / "SIENA12", copy)
    scan = next((copy / "SCANPATHS" / "building").iterdir())
    scan.write_text(scan.read_text().replace("1", "2", 1))
    with pytest.raises(ChecksumError, match=re.escape("FixaTons_Trials/archive/")):
        verify_fixatons(tmp_path, "SIENA12")


def test_fixatons_offline_names_url_and_destination(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    from saliency_course.errors import OfflineError

    with pytest.raises(OfflineError) as info:
        load_dataset("fixatons", root=tmp_path)
    assert "BerylGnanaraj/FixaTons_Trials/archive/" in str(info.value)
    assert str(tmp_path / "fixatons" / ".downloads") in str(info.value)


@pytest.mark.parametrize("tamper", [False, True])
def test_fixatons_download_is_verified(data_dir, tmp_path, monkeypatch, tamper):
    def fake_fetch(resources, folder, progress=True, done=None):
        assert [r.filename for r in resources] == ["fixatons-d089115.zip"]
        shutil.copytree(data_dir / "fixatons" / "SIENA12", folder / "SIENA12")
        if tamper:
            (folder / "SIENA12" / "STIMULI" / "moon.jpg").write_bytes(b"not the moon")

    monkeypatch.setattr("saliency_course.data.download.fetch", fake_fetch)
    if tamper:
        with pytest.raises(ChecksumError, match="SIENA12"):
            load_dataset("fixatons", root=tmp_path, subset="SIENA12", progress=False)
    else:
        siena = load_dataset("fixatons", root=tmp_path, subset="SIENA12", progress=False)
        assert len(siena) == 12


def test_raw_mit1003_natural_order_and_folds(tmp_path):
    import scipy.io
    from PIL import Image

    names = [
        "i1000274881",
        "i10feb04_static_cars_highland_img_0843",
        "i100856683",
        "i05june05_static_street_boston_p1010764",
    ]
    folder = tmp_path / "mit1003"
    (folder / "ALLSTIMULI").mkdir(parents=True)
    (folder / "DATA" / "CNG").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in names:
        Image.new("RGB", (64, 48)).save(folder / "ALLSTIMULI" / f"{name}.jpeg")
        eye = np.repeat([[33.0, 25.0], [10.0, 10.0], [50.0, 40.0]], 60, axis=0)
        eye += rng.normal(0, 0.05, eye.shape)
        scipy.io.savemat(
            folder / "DATA" / "CNG" / f"{name}.mat", {name: {"DATA": {"eyeData": eye}}}
        )
    mit = load_dataset("mit1003", root=tmp_path, download=False, progress=False)
    assert [p.stem for p in mit.image_paths] == [
        "i05june05_static_street_boston_p1010764",
        "i10feb04_static_cars_highland_img_0843",
        "i100856683",
        "i1000274881",
    ]  # sorted() would give i05june05, i1000274881, i100856683, i10feb04
    assert np.array_equal(np.bincount(mit.fixations.n), [2, 2, 2, 2])  # cross dropped: 2 of 3
    order = [MIT1003_STIMULI.index(p.stem) for p in mit.image_paths]
    full = pysaliency_chunks(1003)
    for fold in range(10):
        expected = [order.index(j) for j in full[fold] if j in order]
        assert list(mit.splits(fold=fold)["test"]) == expected

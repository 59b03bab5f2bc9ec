"""evaluate() over a tiny in-test dataset and the real OSIE and MIT1003 data, and the CLI command.

Also the ground-truth cache every scorer shares (memory and disk), the one
AUC-Judd jitter switch, and the centre-bias floor against the inter-observer
ceiling on real MIT1003 images.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saliency_course import maps
from saliency_course.fixations import Fixations
from saliency_course.metrics import (
    JUDD_JITTER,
    METRICS,
    CenterBiasBaseline,
    auc_borji,
    auc_judd,
    auc_shuffled,
    cc,
    clear_memory_cache,
    emd,
    evaluate,
    ground_truth,
    information_gain,
    inter_observer,
    kld,
    nss,
    other_fixation_map,
    score_map,
    similarity,
)


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    """The disk cache of ground truth goes to a fresh folder; memory starts empty."""
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path / "data_root"))
    clear_memory_cache()
    yield
    clear_memory_cache()


class TinyDataset:
    """Four images of two sizes with a few fixations each, following the dataset contract."""

    name = "tiny"
    pixels_per_degree = 3.0

    def __init__(self):
        rng = np.random.default_rng(0)
        self.shapes = [(30, 40), (30, 40), (20, 20), (30, 40)]
        parts = []
        for n, (h, w) in enumerate(self.shapes):
            k = 6 + n
            parts.append(
                Fixations(
                    x=rng.uniform(0, w - 1, k),
                    y=rng.uniform(0, h - 1, k),
                    n=[n] * k,
                    subject=np.arange(k) % 3,
                )
            )
        self.fixations = Fixations.concatenate(parts)
        self.fixations.x[self.fixations.n == 2] = [4.75] + [15.2] * 7  # image 2: 8 fixations
        self.fixations.y[self.fixations.n == 2] = [9.0] + [15.0] * 7

    def __len__(self):
        return len(self.shapes)

    def image_shape(self, i):
        return self.shapes[i]

    @property
    def image_shapes(self):
        return list(self.shapes)

    def image(self, i):
        h, w = self.shapes[i]
        return np.full((h, w, 3), 10 * i, dtype=np.uint8)

    def fixation_map(self, i):
        return maps.fixation_map(self.fixations.for_image(i), self.shapes[i])

    def density_map(self, i, sigma_deg=1.0):
        return maps.density_map(
            self.fixations.for_image(i), self.shapes[i], sigma_deg=sigma_deg, ppd=3.0
        )


def _maps(ds):
    rng = np.random.default_rng(1)
    return {i: rng.random(ds.image_shape(i)) + ds.density_map(i) * 50 for i in range(len(ds))}


def test_rows_equal_direct_metric_calls_and_mean_row():
    ds = TinyDataset()
    saliency = _maps(ds)
    table = evaluate(
        saliency, ds, metrics=["nss", "cc", "auc_borji"], baseline=None, progress=False, seed=4
    )
    assert list(table.index) == [0, 1, 2, 3, "mean"]
    for i in range(4):
        assert table.loc[i, "nss"] == nss(saliency[i], ds.fixation_map(i))
        assert table.loc[i, "cc"] == cc(saliency[i], ds.density_map(i))
        assert table.loc[i, "auc_borji"] == auc_borji(saliency[i], ds.fixation_map(i), seed=[4, i])
    np.testing.assert_allclose(table.loc["mean"], table.iloc[:4].mean())


def test_score_map_needs_the_ground_truth_of_each_metric():
    ds = TinyDataset()
    saliency, f, g = _maps(ds)[0], ds.fixation_map(0), ds.density_map(0)
    scores = score_map(saliency, f, g, metrics=["nss", "cc"])
    assert scores == {"nss": nss(saliency, f), "cc": cc(saliency, g)}
    with pytest.raises(ValueError, match="information_gain needs baseline_map"):
        score_map(saliency, f, g, metrics=["information_gain"])
    with pytest.raises(ValueError, match="cc needs density_map"):
        score_map(saliency, f, metrics=["cc"])


def test_inter_observer_scores_one_half_against_the_other():
    ds = TinyDataset()
    table = inter_observer(ds, metrics=["nss", "cc"], baseline=None, progress=False, seed=3)
    fixations = ds.fixations.for_image(1)
    subjects = np.random.default_rng([3, 1]).permutation(fixations.subjects)
    first = np.isin(fixations.subject, subjects[:1])  # 3 observers: 1 predicts 2
    predicted = maps.density_map(fixations[first], (30, 40), sigma_deg=1.0, ppd=3.0)
    assert table.loc[1, "nss"] == nss(predicted, maps.fixation_map(fixations[~first], (30, 40)))
    held_out = maps.density_map(fixations[~first], (30, 40), sigma_deg=1.0, ppd=3.0)
    assert table.loc[1, "cc"] == cc(predicted, held_out)
    assert table.loc[2, "nss"] > 1  # on image 2 nearly everyone looked at one spot


def test_callable_sequence_and_dict_give_the_same_table():
    ds = TinyDataset()
    saliency = _maps(ds)
    kwargs = dict(metrics=["kld", "similarity"], indices=[3, 1], baseline=None, progress=False)
    from_dict = evaluate(saliency, ds, **kwargs)
    from_list = evaluate([saliency[3], saliency[1]], ds, **kwargs)
    seen = []

    def predict(image):
        seen.append(image.dtype)
        return saliency[int(image[0, 0, 0]) // 10]

    from_callable = evaluate(predict, ds, **kwargs)
    pd.testing.assert_frame_equal(from_dict, from_list)
    pd.testing.assert_frame_equal(from_dict, from_callable)
    assert seen == [np.uint8, np.uint8]


def test_other_map_scales_fixations_of_other_images():
    ds = TinyDataset()
    # image 2 is 20 x 20; its fixation (4.75, 9) lands at ((4.75+.5)*40/20-.5, (9+.5)*30/20-.5)
    # = (10, 13.75) -> pixel (x=10, y=14) on a 30 x 40 image; (15.2, 15) -> (30.9, 22.75): (31, 23)
    other = other_fixation_map(ds, 0, n_other=10, seed=0)
    assert other.shape == (30, 40)
    assert other[14, 10] == 1 and other[23, 31] == 1
    own = maps.fixation_map(ds.fixations.for_image(0), (30, 40))
    expected = np.maximum.reduce(
        [maps.fixation_map(ds.fixations.for_image(j), (30, 40)) for j in (1, 3)]
    )
    assert np.all(other >= expected) and other.sum() == expected.sum() + 2
    assert own.sum() > 0 and other_fixation_map(ds, 0, n_other=1, seed=0).sum() <= other.sum()


def test_sauc_uses_the_seeded_other_map():
    ds = TinyDataset()
    saliency = _maps(ds)
    table = evaluate(saliency, ds, metrics=["auc_shuffled"], indices=[1], progress=False, seed=2)
    other = other_fixation_map(ds, 1, seed=2)
    expected = auc_shuffled(saliency[1], ds.fixation_map(1), other, seed=[2, 1])
    assert table.loc[1, "auc_shuffled"] == expected


def test_center_bias_baseline_leaves_out_the_fold_of_each_image():
    ds = TinyDataset()
    baseline = CenterBiasBaseline(ds, folds=2, seed=0)
    density = baseline(0)
    assert density.shape == (30, 40) and density.sum() == pytest.approx(1.0)
    fold = baseline.fold[0]
    training = ds.fixations[baseline.fold[ds.fixations.n] != fold]
    assert len(baseline._models[fold].points) == len(training)
    table = evaluate(_maps(ds), ds, metrics=["information_gain"], baseline=baseline, progress=False)
    assert np.isfinite(table["information_gain"]).all()


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        (dict(metrics=["information_gain"], baseline=None), "baseline"),
        (dict(metrics=["auc"]), "metrics"),
        (dict(indices=[0, 9]), "indices"),
        (dict(indices=[]), "indices"),
    ],
)
def test_bad_arguments_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        evaluate(_maps(TinyDataset()), TinyDataset(), progress=False, **kwargs)


def test_an_image_without_fixations_gets_a_nan_row():
    ds = TinyDataset()
    saliency = _maps(ds)
    ds.fixations.x[ds.fixations.n == 3] = 500.0  # all outside the 30 x 40 image
    table = evaluate(saliency, ds, metrics=["nss", "cc"], baseline=None, progress=False)
    assert table.loc[3].isna().all() and np.isfinite(table.loc["mean"]).all()


def test_a_map_list_of_the_wrong_length_raises():
    with pytest.raises(ValueError, match="predict_or_maps"):
        evaluate([np.ones((3, 3))], TinyDataset(), metrics=["cc"], progress=False)


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False)


def test_real_osie_own_density_beats_a_flat_blob(osie):
    indices = [0, 5]
    own = {i: osie.density_map(i) for i in indices}
    h, w = osie.image_shape(0)
    rows, cols = np.indices((h, w))
    blob = np.exp(-(((rows - h / 2) / (h / 4)) ** 2 + ((cols - w / 2) / (w / 4)) ** 2))
    metrics = ["auc_judd", "nss", "cc", "kld"]
    good = evaluate(own, osie, metrics=metrics, indices=indices, baseline=None, progress=False)
    flat = evaluate(
        [blob, blob], osie, metrics=metrics, indices=indices, baseline=None, progress=False
    )
    assert good.loc["mean", "cc"] == pytest.approx(1.0)
    assert good.loc["mean", "kld"] == pytest.approx(0.0, abs=1e-9)
    assert good.loc["mean", "auc_judd"] > flat.loc["mean", "auc_judd"] > 0.5
    assert good.loc["mean", "nss"] > flat.loc["mean", "nss"]


def test_cli_evaluate_writes_a_csv(osie, data_dir, tmp_path):
    from PIL import Image

    from saliency_course.cli import main

    maps_dir = tmp_path / "maps"
    maps_dir.mkdir()
    stems = [p.stem for p in osie.image_paths[:2]]
    rng = np.random.default_rng(0)
    grey = {}
    for i, stem in enumerate(stems):
        grey[i] = rng.integers(0, 256, size=(60, 80), dtype=np.uint8)
        Image.fromarray(grey[i]).save(maps_dir / f"{stem}.png")
    raw = rng.random((30, 40))
    np.save(maps_dir / f"{stems[1]}.npy", raw)  # preferred over the .png of the same stimulus
    out = tmp_path / "scores.csv"
    code = main(
        [
            "evaluate",
            str(maps_dir),
            "--dataset",
            "osie",
            "--root",
            str(data_dir),
            "--no-download",
            "--metrics",
            "nss",
            "cc",
            "--baseline",
            "none",
            "-o",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    table = pd.read_csv(out, index_col=0, dtype={"stimulus": str})
    assert (
        list(table.index) == ["0", "1", "mean"] and list(table["stimulus"][:2].astype(str)) == stems
    )
    assert table.loc["0", "nss"] == pytest.approx(nss(grey[0], osie.fixation_map(0)))
    assert table.loc["1", "nss"] == pytest.approx(nss(raw, osie.fixation_map(1)))


def test_cli_evaluate_rejects_a_folder_without_maps(data_dir, tmp_path):
    from saliency_course.cli import main

    with pytest.raises(SystemExit, match="no map"):
        main(
            [
                "evaluate",
                str(tmp_path),
                "--dataset",
                "osie",
                "--root",
                str(data_dir),
                "--no-download",
                "--quiet",
            ]
        )


def test_evaluate_equals_the_nine_metric_functions():
    ds = TinyDataset()
    saliency = _maps(ds)
    base = np.random.default_rng(2).random((20, 20)) + 1.0  # resized to each image by IG
    table = evaluate(saliency, ds, baseline=base, progress=False, seed=5)
    assert list(table.columns) == list(METRICS)
    for i in range(4):
        s, f, g = saliency[i], ds.fixation_map(i), ds.density_map(i)
        other = other_fixation_map(ds, i, seed=5)
        expected = {
            "auc_judd": auc_judd(s, f, jitter=JUDD_JITTER, seed=[5, i]),
            "auc_borji": auc_borji(s, f, seed=[5, i]),
            "auc_shuffled": auc_shuffled(s, f, other, seed=[5, i]),
            "nss": nss(s, f),
            "information_gain": information_gain(s, f, base),
            "cc": cc(s, g),
            "similarity": similarity(s, g),
            "kld": kld(s, g),
            "emd": emd(s, g),
        }
        assert table.loc[i].to_dict() == expected  # the same code: bit-identical
        assert score_map(s, f, g, other, base, seed=[5, i]) == expected


def test_judd_jitter_is_one_switch_off_by_default():
    ds = TinyDataset()
    flat = {i: np.ones(ds.image_shape(i)) for i in range(len(ds))}
    off = evaluate(flat, ds, metrics="auc_judd", baseline=None, progress=False)
    assert JUDD_JITTER is False and off["auc_judd"].isna().all()  # no ranking, no AUC
    assert np.isnan(score_map(flat[0], ds.fixation_map(0), metrics="auc_judd")["auc_judd"])
    on = evaluate(
        flat, ds, metrics="auc_judd", baseline=None, progress=False, seed=1, judd_jitter=True
    )
    for i in range(len(ds)):
        jittered = auc_judd(flat[i], ds.fixation_map(i), jitter=True, seed=[1, i])
        assert on.loc[i, "auc_judd"] == jittered
    assert 0.3 < on.loc["mean", "auc_judd"] < 0.7  # random ranking: chance


def test_ground_truth_is_shared_and_kept_on_disk(tmp_path):
    from saliency_course import __version__

    ds = TinyDataset()
    saliency = _maps(ds)
    first = evaluate(saliency, ds, folds=2, progress=False)
    truth = ground_truth(ds)
    assert truth is ground_truth(TinyDataset())  # same content and settings: one object
    assert truth.identity.startswith("tiny-4images-") and truth.directory.name == f"v{__version__}"
    folder = truth.directory / truth.settings
    assert folder.name == "sigma1.0-seed0-other10"
    assert str(folder).startswith(str(tmp_path / "data_root" / "cache" / "ground_truth"))
    files = sorted(p.name for p in folder.iterdir())
    assert {"0.fixated.npy", "0.density.npy", "0.others.npy", "3.density.npy"} <= set(files)
    assert not [p for p in truth.directory.rglob("*.part")]  # written whole, then renamed
    np.testing.assert_array_equal(np.load(folder / "2.density.npy"), ds.density_map(2))
    assert sorted(p.name for p in (truth.directory / "center_bias-folds2-seed0").iterdir()) == [
        "fold0.npy",
        "fold1.npy",
    ]
    (folder / "1.density.npy").write_bytes(b"damaged")  # a damaged file is rebuilt
    clear_memory_cache()
    reread = TinyDataset()  # same content: read back, never rebuilt (except the damaged file)
    reread.fixation_map = lambda i: pytest.fail("fixation map rebuilt instead of read")
    reread.density_map = lambda i, **kw: ds.density_map(i, **kw) if i == 1 else pytest.fail(i)
    again = evaluate(saliency, reread, folds=2, progress=False)
    pd.testing.assert_frame_equal(first, again)
    changed = TinyDataset()
    changed.fixations.x[0] += 1.0
    assert ground_truth(changed).identity != truth.identity
    assert evaluate(saliency, ds, metrics="cc", baseline=None, progress=False, cache=False).equals(
        first[["cc"]]
    )


def test_center_bias_baseline_fits_are_restored_from_disk(tmp_path):
    ds = TinyDataset()
    fitted = CenterBiasBaseline(ds, folds=2, seed=0, directory=tmp_path)
    restored = CenterBiasBaseline(ds, folds=2, seed=0, directory=tmp_path)
    for i in range(len(ds)):
        np.testing.assert_allclose(restored(i), fitted(i), rtol=1e-12)
    for fold in (0, 1):
        a, b = fitted._models[fold], restored._models[fold]
        assert (a.bandwidth, a.eps, a.bandwidths, a.epsilons) == (
            b.bandwidth,
            b.eps,
            b.bandwidths,
            b.epsilons,
        )
        np.testing.assert_array_equal(a.scores, b.scores)


def _without_first_fixations(dataset):
    """The dataset without each scanpath's first (fixation-cross) fixation.

    Entries of one trial keep scanpath order (``Fixations``), so the first
    entry of each (image, subject) is the first fixation kept by the loader.
    """
    import copy

    fixations = dataset.fixations
    trial = fixations.n * (int(fixations.subject.max()) + 1) + fixations.subject
    keep = np.ones(len(fixations), dtype=bool)
    keep[np.unique(trial, return_index=True)[1]] = False
    dropped = copy.copy(dataset)
    dropped._fixations = fixations[keep]
    return dropped


@pytest.fixture(scope="module")
def mit1003(data_dir):
    import inspect

    from saliency_course.data import load_dataset
    from saliency_course.data.fixatons import load_fixatons

    dataset = load_dataset("fixatons", root=data_dir, subset="MIT1003", download=False)
    if "first_fixation" not in inspect.signature(load_fixatons).parameters:
        # a loader that keeps the fixation-cross fixation: drop it here, as it will
        dataset = _without_first_fixations(dataset)
    return dataset


@pytest.mark.slow
def test_mit1003_centre_bias_floor_below_the_inter_observer_ceiling(mit1003):
    train, test = mit1003.splits["train"], mit1003.splits["test"]
    fixations = mit1003.fixations
    centre = maps.fit_center_bias(fixations[np.isin(fixations.n, train)], mit1003.image_shapes)
    names = ["auc_judd", "nss", "cc", "auc_shuffled"]
    floor = evaluate(
        lambda image: centre.density(image.shape[:2]),
        mit1003,
        metrics=names,
        indices=test,
        baseline=None,
        progress=False,
    ).loc["mean"]
    ceiling = inter_observer(mit1003, test, metrics=names[:3], baseline=None, progress=False)
    for name in names[:3]:
        assert floor[name] < ceiling.loc["mean", name], name
    assert abs(floor["auc_shuffled"] - 0.5) <= 0.03  # sAUC discounts the centre bias


def test_memory_is_bounded_and_forgotten_images_come_back_from_disk(monkeypatch):
    from saliency_course.metrics import truth_cache

    ds = TinyDataset()
    saliency = _maps(ds)
    budget = 2 * 30 * 40 * 8 * 4  # about two images of 30 x 40 with their derived maps
    monkeypatch.setattr(truth_cache, "MEMORY_BUDGET", budget)
    first = evaluate(saliency, ds, metrics=["cc", "kld"], baseline=None, progress=False)
    truth = ground_truth(ds)
    assert 1 <= len(truth._sizes) < len(ds) and sum(truth._sizes.values()) <= budget
    again = evaluate(saliency, ds, metrics=["cc", "kld"], baseline=None, progress=False)
    pd.testing.assert_frame_equal(first, again)


def test_an_unwritable_cache_warns_once_and_keeps_scoring(tmp_path):
    ds = TinyDataset()
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    with pytest.warns(UserWarning, match="not writable"):
        table = evaluate(
            _maps(ds), ds, metrics="cc", baseline=None, progress=False, cache=blocked / "cache"
        )
    assert np.isfinite(table["cc"]).all()

"""evaluate() over a tiny in-test dataset and the real OSIE data, and the CLI command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from saliency_course import maps
from saliency_course.fixations import Fixations
from saliency_course.metrics import (
    auc_borji,
    auc_shuffled,
    cc,
    evaluate,
    inter_observer,
    nss,
    score_map,
)
from saliency_course.metrics.evaluation import CenterBiasBaseline, other_fixation_map


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

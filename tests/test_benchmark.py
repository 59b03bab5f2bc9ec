"""The lecture's benchmark table on real OSIE images, and the slides' published tables."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from saliency_course import benchmark as B
from saliency_course import metrics as M
from saliency_course.models import build_model


@pytest.fixture(autouse=True, scope="module")
def cache_in_tmp(tmp_path_factory):
    """Ground truth cached on disk in a fresh folder, shared by this module's tests."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SALIENCY_COURSE_DATA", str(tmp_path_factory.mktemp("data_root")))
    M.clear_memory_cache()
    yield
    patch.undo()
    M.clear_memory_cache()


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False, progress=False)


@pytest.fixture(scope="module")
def center_bias(osie):
    return build_model("center_bias", dataset=osie, indices=osie.splits["train"])


@pytest.fixture(scope="module")
def table(osie, center_bias):
    models = {
        "uniform": build_model("uniform"),
        "spectral_residual": build_model("spectral_residual"),
    }
    return B.benchmark_table(models, osie, osie.splits["test"][:4], center_bias, progress=False)


def test_published_table_in_the_lectures_column_order():
    published = B.published_table()
    assert list(published.columns) == [
        "AUC-J",
        "SIM",
        "EMD",
        "AUC-B",
        "sAUC",
        "CC",
        "NSS",
        "KL",
        "IG",
    ]
    salgan = published.loc[("SalGAN", B._MIT300_OLD)]
    # SalGAN arXiv:1701.01081 Table 4, MIT300 (docs/models.md §2.5)
    np.testing.assert_allclose(salgan.values[:8], [0.86, 0.63, 2.29, 0.81, 0.72, 0.73, 2.04, 1.07])
    assert published["IG"].isna().all()
    assert set(B.PUBLISHED_NAMES.values()) <= set(published.index.get_level_values(0))


def test_benchmark_table_rows_and_order(table):
    assert list(table.columns) == [*B.COLUMNS, "n_images"]
    assert table.index[0] == B.CEILING and table.index[-1] == B.FLOOR
    assert set(table.index[1:-1]) == {"uniform", "spectral_residual"}
    assert (table["n_images"] == 4).all()


def test_ceiling_above_models_above_chance(table):
    auc = table["AUC-J"]
    assert auc[B.CEILING] > auc["spectral_residual"] > 0.5
    assert auc[B.CEILING] > auc[B.FLOOR] > 0.65
    assert np.isnan(auc["uniform"])  # no ranking without the jitter (JUDD_JITTER is off)
    assert np.isnan(table.loc["uniform", "NSS"])  # no spread: the MIT code's NSS is NaN
    # IG is measured against the centre bias itself: zero for the floor row.
    assert table.loc[B.FLOOR, "IG"] == pytest.approx(0.0, abs=1e-6)  # float32 model output
    assert table.loc[B.CEILING, "IG"] > 0
    for column in ("SIM", "CC", "NSS"):
        assert table.loc[B.CEILING, column] > table.loc[B.FLOOR, column]
    for column in ("EMD", "KL"):  # lower is better
        assert table.loc[B.CEILING, column] < table.loc[B.FLOOR, column]


def test_side_by_side_puts_published_rows_beside_measured(table):
    renamed = table.rename(index={"spectral_residual": "salgan"})
    both = B.side_by_side(renamed)
    sources = both.loc["salgan"].index.tolist()
    assert sources[0] == "measured here" and B._MIT300_OLD in sources
    assert both.loc[(B.CEILING, B._MIT300_OLD), "AUC-J"] == 0.92


def test_bad_arguments(osie, center_bias):
    with pytest.raises(ValueError, match="indices must lie in"):
        B.benchmark_table({"u": build_model("uniform")}, osie, [0, 900], center_bias)
    with pytest.raises(ValueError, match="reserved"):
        B.benchmark_table({B.FLOOR: build_model("uniform")}, osie, [0, 1], center_bias)
    with pytest.raises(ValueError, match="at least one model"):
        B.benchmark_table({}, osie, [0, 1], center_bias)
    with pytest.raises(ValueError, match="at least one image"):
        B.score_images(build_model("uniform"), osie, [], center_bias.density)


def test_rows_are_the_metrics_packages_scores(osie, center_bias, table):
    """One scoring path: the table's rows are means of metrics.evaluate and inter_observer."""
    test = osie.splits["test"][:4]
    ceiling = M.inter_observer(osie, test, baseline=center_bias, progress=False)
    renamed = ceiling.loc["mean"].rename({name: col for col, name in B.COLUMNS.items()})
    pd.testing.assert_series_equal(
        table.loc[B.CEILING, list(B.COLUMNS)], renamed[list(B.COLUMNS)], check_names=False
    )
    spectral = B.model_saliency(build_model("spectral_residual"))
    scores = M.evaluate(spectral, osie, indices=test, baseline=center_bias, progress=False)
    renamed = scores.loc["mean"].rename({name: col for col, name in B.COLUMNS.items()})
    pd.testing.assert_series_equal(
        table.loc["spectral_residual", list(B.COLUMNS)],
        renamed[list(B.COLUMNS)],
        check_names=False,
    )
    # a function of the image size is a baseline as good as the model that has it
    by_shape = B.score_images(spectral, osie, test[:2], center_bias.density, progress=False)
    pd.testing.assert_frame_equal(
        by_shape, B.score_images(spectral, osie, test[:2], center_bias, progress=False)
    )


def test_every_auc_judd_has_the_same_jitter_default():
    defaults = {
        "auc_judd": inspect.signature(M.auc_judd).parameters["jitter"].default,
        "judd_roc": inspect.signature(M.judd_roc).parameters["jitter"].default,
    }
    for function in (
        M.score_map,
        M.evaluate,
        M.inter_observer,
        B.score_images,
        B.inter_observer_scores,
        B.benchmark_scores,
        B.benchmark_table,
    ):
        defaults[function.__name__] = inspect.signature(function).parameters["judd_jitter"].default
    assert set(defaults.values()) == {M.JUDD_JITTER}, defaults


def test_course_model_sources(tmp_path):
    import pandas as pd
    import torch

    from saliency_course.training import checkpoints

    model, source = B.course_model("salgan_discriminator", smoke=True)
    assert isinstance(model, torch.nn.Module) and "untrained" in source
    missing, reason = B.course_model("deepfix", run_name="nope", root=tmp_path)
    assert missing is None and "runs/nope" in reason and "09_deepfix" in reason
    # offline (the tests set SALIENCY_COURSE_OFFLINE=1): official weights cannot come
    for name in ("salnet", "mlnet", "salicon"):  # ML-Net's and OpenSALICON's weights too
        missing, reason = B.course_model(name, run_name="nope", root=tmp_path)
        assert missing is None and "cannot be fetched" in reason, name
    # a checkpoint written the way the training engine writes it is loaded
    trained = build_model("salgan_discriminator", pretrained=False)
    state = {
        "modules": {"model": trained.state_dict()},
        "optimizers": {},
        "epoch": 3,
        "updates": 30,
        "rng": {},
        "recipe": "salgan_gan",
        "config_hash": "test",
    }
    directory = checkpoints.run_directory("disc_run", tmp_path)
    directory.mkdir(parents=True)
    checkpoints.save(directory, state, pd.DataFrame({"train_loss": [1.0]}))
    loaded, source = B.course_model("salgan_discriminator", run_name="disc_run", root=tmp_path)
    assert source == "checkpoint runs/disc_run (epoch 3)"
    for key, value in trained.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)
    # preferring the authors' weights falls back to the run when there are none to fetch
    loaded, source = B.course_model(
        "salgan_discriminator", run_name="disc_run", root=tmp_path, prefer="official"
    )
    assert source == "checkpoint runs/disc_run (epoch 3)"
    # a checkpoint of another architecture is refused with the reason, not half loaded
    missing, reason = B.course_model("deepgaze1", run_name="disc_run", root=tmp_path)
    assert missing is None and "does not fit deepgaze1" in reason and "08_deepgaze" in reason
    with pytest.raises(ValueError, match="prefer must be one of"):
        B.course_model("salnet", prefer="authors")


def test_model_saliency_turns_log_densities_into_densities_and_remembers():
    import torch

    class Flat(torch.nn.Module):
        output_kind = "log_density"
        input_size = None

        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            return torch.zeros_like(x[:, :1])

    model = Flat()
    saliency = B.model_saliency(model)
    image = np.zeros((30, 40, 3), dtype=np.uint8)
    density = saliency(image)
    assert density.shape == (30, 40)
    np.testing.assert_allclose(density, 1 / 1200)  # flat log-density -> uniform density
    density[:] = 0  # the caller's copy; the remembered map is untouched
    np.testing.assert_allclose(saliency(image), 1 / 1200)
    assert model.calls == 1
    saliency(image + 1)
    assert model.calls == 2


# Pan et al., "SalGAN", arXiv:1701.01081v2, Table 4, typed from the paper (public
# leaderboards of 10 November 2016), the paper's row names and column order.
TABLE4_SALICON = [  # AUC-B, sAUC, CC, NSS
    ("DSCLRCN", 0.884, 0.776, 0.831, 3.157),
    ("SalGAN", 0.884, 0.772, 0.781, 2.459),
    ("ML-NET", 0.866, 0.768, 0.743, 2.789),
    ("SalNet", 0.858, 0.724, 0.609, 1.859),
]
TABLE4_MIT300 = [  # AUC-J, Sim, EMD, AUC-B, sAUC, CC, NSS, KL
    ("Humans", 0.92, 1.00, 0.00, 0.88, 0.81, 1.0, 3.29, 0.00),
    ("Deep Gaze II", 0.88, 0.46, 3.98, 0.86, 0.72, 0.52, 1.29, 0.96),
    ("DSCLRCN", 0.87, 0.68, 2.17, 0.79, 0.72, 0.80, 2.35, 0.95),
    ("DeepFix", 0.87, 0.67, 2.04, 0.80, 0.71, 0.78, 2.26, 0.63),
    ("SALICON", 0.87, 0.60, 2.62, 0.85, 0.74, 0.74, 2.12, 0.54),
    ("SalGAN", 0.86, 0.63, 2.29, 0.81, 0.72, 0.73, 2.04, 1.07),
    ("PDP", 0.85, 0.60, 2.58, 0.80, 0.73, 0.70, 2.05, 0.92),
    ("ML-NET", 0.85, 0.59, 2.63, 0.75, 0.70, 0.67, 2.05, 1.10),
    ("Deep Gaze I", 0.84, 0.39, 4.97, 0.83, 0.66, 0.48, 1.22, 1.23),
    ("iSEEL", 0.84, 0.57, 2.72, 0.81, 0.68, 0.65, 1.78, 0.65),
    ("SalNet", 0.83, 0.52, 3.31, 0.82, 0.69, 0.58, 1.51, 0.81),
    ("BMS", 0.83, 0.51, 3.35, 0.82, 0.65, 0.55, 1.41, 0.81),
]
COURSE_NAMES = {
    "Humans": "Humans (inter-observer)",
    "Deep Gaze II": "DeepGaze II",
    "ML-NET": "ML-Net",
    "Deep Gaze I": "DeepGaze I",
}
# The best model of each column, read off the table by hand (EMD and KL: lowest;
# the human row is a reference, not a contender; both rows of a tie).
BEST = {
    "SALICON test": {
        "AUC-B": {"DSCLRCN", "SalGAN"},
        "sAUC": {"DSCLRCN"},
        "CC": {"DSCLRCN"},
        "NSS": {"DSCLRCN"},
    },
    "MIT300": {
        "AUC-J": {"DeepGaze II"},
        "SIM": {"DSCLRCN"},
        "EMD": {"DeepFix"},
        "AUC-B": {"DeepGaze II"},
        "sAUC": {"SALICON"},
        "CC": {"DSCLRCN"},
        "NSS": {"DSCLRCN"},
        "KL": {"SALICON"},
    },
}


@pytest.mark.parametrize(
    ("name", "columns", "rows"),
    [
        ("SALICON test", ["AUC-B", "sAUC", "CC", "NSS"], TABLE4_SALICON),
        ("MIT300", ["AUC-J", "SIM", "EMD", "AUC-B", "sAUC", "CC", "NSS", "KL"], TABLE4_MIT300),
    ],
)
def test_slide_tables_reproduce_table_4(name, columns, rows):
    slide = B.slide_table(name)
    names = [COURSE_NAMES.get(row[0], row[0]) for row in rows]
    assert list(slide.values.index) == names and list(slide.values.columns) == columns
    for row, course_name in zip(rows, names, strict=True):
        assert slide.values.loc[course_name].tolist() == list(row[1:]), course_name
    marked = {c: set(slide.best.index[slide.best[c]]) for c in columns}
    assert marked == BEST[name]
    text = str(slide)
    assert "arXiv:1701.01081" in text and "protocol:" in text
    assert repr(slide) == text  # papermill's plain-text copy shows the layout too
    first = slide.text().iloc[1 if name == "MIT300" else 0]
    assert first.iloc[0] == ("0.88*" if name == "MIT300" else "0.884*")
    assert "font-weight: bold" in slide._repr_html_()


def test_published_names_of_the_slide_models():
    assert B.PUBLISHED_NAMES["mlnet"] == "ML-Net"
    assert B.PUBLISHED_NAMES["salicon"] == "SALICON"
    assert B.PUBLISHED_NAMES["bms"] == "BMS"
    with pytest.raises(ValueError, match="MIT300"):
        B.slide_table("CAT2000")


def test_measured_rows_in_the_slide_layout(table):
    measured = table.rename(index={"spectral_residual": "salgan"})
    slide = B.slide_table("MIT300", measured=measured)
    assert list(slide.values.index) == ["Humans (inter-observer)", "SalGAN"]
    assert slide.values.loc["SalGAN", "AUC-J"] == measured.loc["salgan", "AUC-J"]
    assert slide.best.loc["SalGAN"].all() and not slide.best.loc["Humans (inter-observer)"].any()
    assert "measured here" in str(slide)


def test_measured_slide_rows_of_random_weights_say_so(table):
    measured = table.rename(index={"spectral_residual": "salgan", "uniform": "salnet"})
    slide = B.slide_table("SALICON test", measured=measured, untrained=["salgan"])
    assert list(slide.values.index) == ["SalGAN [untrained]", "SalNet"]
    assert slide.values.loc["SalGAN [untrained]", "NSS"] == measured.loc["salgan", "NSS"]


def test_per_image_scores_and_their_means_on_any_subset(osie, center_bias, table):
    test = osie.splits["test"][:4]
    models = {
        "uniform": build_model("uniform"),
        "spectral_residual": build_model("spectral_residual"),
    }
    scores = B.benchmark_scores(models, osie, test, center_bias, progress=False)
    assert scores.index.names == ["row", "image"] and len(scores) == 4 * 4
    pd.testing.assert_frame_equal(B.summarise(scores), table)
    # the mean over two images is the mean of metrics.evaluate's rows of those two images
    part = B.summarise(scores, images=test[2:])
    spectral = B.model_saliency(build_model("spectral_residual"))
    alone = M.evaluate(spectral, osie, indices=test[2:], baseline=center_bias, progress=False)
    assert part.loc["spectral_residual", "NSS"] == pytest.approx(alone.loc["mean", "nss"])
    assert (part["n_images"] == 2).all() and part.index[0] == B.CEILING
    with pytest.raises(ValueError, match="subset of the scored images"):
        B.summarise(scores, images=[int(osie.splits["train"][0])])
    with pytest.raises(ValueError, match="benchmark_scores table"):
        B.summarise(table)


def test_relative_position_and_mean_rank_on_a_hand_made_table():
    columns = list(B.COLUMNS)
    table = pd.DataFrame(
        [
            [0.9, 0.6, 1.0, 0.85, 0.75, 0.8, 2.5, 0.5, 1.0],  # ceiling
            [0.85, 0.5, 2.0, 0.80, 0.70, 0.7, 2.0, 0.8, 0.6],  # "a"
            [0.80, 0.5, 3.0, 0.82, 0.60, 0.5, 1.5, 1.0, 0.2],  # "b"
            [0.80, 0.4, 3.0, 0.75, 0.50, 0.4, 1.0, 1.1, 0.0],  # floor
        ],
        index=[B.CEILING, "a", "b", B.FLOOR],
        columns=columns,
    )
    position = B.relative_position(table)
    assert (position.loc[B.FLOOR].fillna(0) == 0).all() and (position.loc[B.CEILING] == 1).all()
    # AUC-J: (0.85 - 0.80) / (0.90 - 0.80); EMD, lower is better: (2 - 3) / (1 - 3)
    assert position.loc["a", "AUC-J"] == pytest.approx(0.5)
    assert position.loc["a", "EMD"] == pytest.approx(0.5)
    assert position.loc["a", "KL"] == pytest.approx((0.8 - 1.1) / (0.5 - 1.1))
    # ranks among a, b and the floor, worked out by hand per column (1 = best; ties share):
    # AUC-J 1,2.5,2.5  SIM 1.5,1.5,3  EMD 1,2.5,2.5  AUC-B 2,1,3  sAUC 1,2,3  CC 1,2,3
    # NSS 1,2,3  KL 1,2,3  IG 1,2,3
    ranks = B.mean_rank(table)
    assert list(ranks.index) == ["a", "b", B.FLOOR]
    assert ranks["a"] == pytest.approx((1 + 1.5 + 1 + 2 + 1 + 1 + 1 + 1 + 1) / 9)
    assert ranks["b"] == pytest.approx((2.5 + 1.5 + 2.5 + 1 + 2 + 2 + 2 + 2 + 2) / 9)
    # where the ceiling does not beat the floor there is no scale: NaN (KL with half the observers)
    worse = table.copy()
    worse.loc[B.CEILING, "KL"] = 1.2  # above the floor's 1.1, and lower is better
    worse.loc[B.CEILING, "SIM"] = 0.4  # equal to the floor's
    position = B.relative_position(worse)
    assert position["KL"].isna().all() and position["SIM"].isna().all()
    assert position.drop(columns=["KL", "SIM"]).notna().all().all()
    with pytest.raises(ValueError, match="rows"):
        B.relative_position(table.drop(index=B.FLOOR))


def test_which_mit1003_images_the_authors_weights_saw(data_dir, osie):
    from saliency_course.data import load_dataset

    mit = load_dataset("fixatons", root=data_dir, download=False, subset="MIT1003")
    every = np.arange(len(mit))
    onesize = B.seen_in_training("deepgaze1", mit, every)
    # DeepGaze I's port trained on every 1024x768 MIT1003 image: 97 of the course's 200
    assert onesize.sum() == 97
    assert all(mit.image_shape(i) == (768, 1024) for i in np.flatnonzero(onesize))
    assert B.seen_in_training("deepgaze2e", mit, every).all()
    for name in ("salnet", "salgan", "mlnet", "salicon"):
        assert not B.seen_in_training(name, mit, every).any()
    assert B.seen_in_training("salicon", osie, [0, 1]).all()
    assert not B.seen_in_training("deepgaze1", osie, [0, 1]).any()
    with pytest.raises(ValueError, match="name must be one of"):
        B.seen_in_training("deepfix", mit, every)
    assert set(B.TRAINING_DATA) == set(B.OFFICIAL_WEIGHTS)

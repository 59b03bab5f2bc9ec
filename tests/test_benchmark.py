"""The lecture's benchmark table on real OSIE images."""

from __future__ import annotations

import numpy as np
import pytest

from saliency_course import benchmark as B
from saliency_course.models import build_model


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False, progress=False)


@pytest.fixture(scope="module")
def table(osie):
    center_bias = build_model("center_bias", dataset=osie, indices=osie.splits["train"])
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
    assert auc[B.CEILING] > auc["spectral_residual"] > auc["uniform"]
    assert auc[B.CEILING] > auc[B.FLOOR] > auc["uniform"] + 0.15
    assert abs(auc["uniform"] - 0.5) < 0.05  # a constant map ranks at chance (MATLAB's jitter)
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


def test_bad_arguments(osie):
    center_bias = build_model("center_bias", dataset=osie, indices=osie.splits["train"][:50])
    with pytest.raises(ValueError, match="at least 2 images"):
        B.benchmark_table({"u": build_model("uniform")}, osie, [0], center_bias, progress=False)
    with pytest.raises(ValueError, match="reserved"):
        B.benchmark_table({B.FLOOR: build_model("uniform")}, osie, [0, 1], center_bias)
    with pytest.raises(ValueError, match="at least one model"):
        B.benchmark_table({}, osie, [0, 1], center_bias)
    truth = B.GroundTruth(osie, [0, 1], center_bias.density)
    with pytest.raises(ValueError, match="same dataset and indices"):
        B.score_images(build_model("uniform"), osie, [0, 2], center_bias.density, truth=truth)


def test_ground_truth_is_computed_once_and_shared(osie):
    center_bias = build_model("center_bias", dataset=osie, indices=osie.splits["train"][:50])
    truth = B.GroundTruth(osie, [3, 4], center_bias.density, seed=1)
    first = truth.get(3)
    assert truth.get(3) is first  # cached
    fixations, density, other, baseline = first
    assert fixations.shape == density.shape == other.shape == baseline.shape == (600, 800)
    assert density.sum() == pytest.approx(1.0) and baseline.sum() == pytest.approx(1.0)
    assert other[fixations > 0].sum() < other.sum()  # the other image's fixations lie elsewhere
    scores = B.inter_observer_scores(osie, [3, 4], center_bias.density, seed=1, progress=False)
    again = B.inter_observer_scores(
        osie, [3, 4], center_bias.density, seed=1, progress=False, truth=truth
    )
    assert scores.equals(again)  # same seeded halves, same negatives


def test_course_model_sources(tmp_path):
    import pandas as pd
    import torch

    from saliency_course.training import checkpoints

    model, source = B.course_model("salgan_discriminator", smoke=True)
    assert isinstance(model, torch.nn.Module) and "untrained" in source
    missing, reason = B.course_model("deepfix", run_name="nope", root=tmp_path)
    assert missing is None and "runs/nope" in reason and "09_deepfix" in reason
    # offline (the tests set SALIENCY_COURSE_OFFLINE=1): official weights cannot come
    missing, reason = B.course_model("salnet", run_name="nope", root=tmp_path)
    assert missing is None and "cannot be fetched" in reason
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

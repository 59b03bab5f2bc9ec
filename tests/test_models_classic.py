"""Classic saliency models and baselines: unit checks and scores on real OSIE images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from saliency_course.metrics import auc_judd, nss
from saliency_course.models import build_model, predict, to_input_batch
from saliency_course.models.classic import CenterBiasModel, to_rgb
from saliency_course.models.itti_koch import (
    conspicuity_maps,
    gaussian_pyramid,
    itti_koch_saliency,
    normalization_operator,
)
from saliency_course.models.judd import (
    FEATURE_NAMES,
    detect_faces,
    fit_logistic,
    judd_features,
    sample_training_pixels,
)
from saliency_course.models.spectral_residual import (
    _imfilter_zero,
    residual_saliency,
    spectral_residual_saliency,
    spectral_residual_steps,
)

CLASSIC = ("uniform", "center_bias", "spectral_residual", "itti_koch", "judd")
N_TEST = 8  # OSIE test images scored per model
N_JUDD = 6  # OSIE training and test images of the Judd model (features cost ~0.7 s each)


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False)


@pytest.fixture(scope="module")
def center_bias(osie):
    return build_model("center_bias", pretrained=False, dataset=osie, indices=osie.splits["train"])


@pytest.fixture(scope="module")
def judd(osie):
    return build_model(
        "judd",
        pretrained=False,
        dataset=osie,
        indices=osie.splits["train"][:N_JUDD],
        seed=0,
        progress=False,
    )


def _scores(model, dataset, indices) -> np.ndarray:
    """Mean (NSS, AUC-Judd with MATLAB's jitter) over ``indices``."""
    rows = []
    for i in indices:
        saliency = predict(model, dataset.image(int(i)))
        fixations = dataset.fixation_map(int(i))
        rows.append((nss(saliency, fixations), auc_judd(saliency, fixations, jitter=True, seed=0)))
    return np.array(rows).mean(axis=0)


# -- building and running -------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSIC)
def test_registry_builds_every_classic_model(name):
    model = build_model(name, pretrained=False)
    assert model.output_kind == "saliency"
    assert hasattr(model, "input_size")


def test_maps_have_the_input_shape_and_vary(osie, center_bias, judd):
    images = [osie.image(int(i)) for i in osie.splits["test"][:2]]
    batch = torch.cat([to_input_batch(im, (150, 200)) for im in images])
    models = {name: build_model(name, pretrained=False) for name in CLASSIC[2:4]}
    models.update(
        uniform=build_model("uniform", pretrained=False), center_bias=center_bias, judd=judd
    )
    for name, model in models.items():
        out = model(batch)
        assert out.shape == (2, 1, 150, 200), name
        assert torch.isfinite(out).all() and (out >= 0).all(), name
        spread = out.flatten(1).std(dim=1)
        if name == "uniform":
            assert torch.all(spread == 0)
        else:
            assert torch.all(spread > 1e-3 * out.flatten(1).mean(dim=1)), name
    assert not torch.equal(models["itti_koch"](batch)[0], models["itti_koch"](batch)[1])


def test_predict_returns_a_map_at_the_image_size(osie):
    image = osie.image(0)[:300, :350]
    for name in ("spectral_residual", "itti_koch"):
        assert predict(build_model(name, pretrained=False), image).shape == (300, 350)


def test_to_rgb_undoes_the_imagenet_normalisation(osie):
    image = osie.image(0)
    rgb = to_rgb(to_input_batch(image))[0]
    np.testing.assert_allclose(rgb * 255, image, atol=1e-3)


# -- scores on real OSIE images ---------------------------------------------------------


def test_center_bias_beats_uniform_on_osie(osie, center_bias):
    test = osie.splits["test"][:N_TEST]
    uniform_nss, uniform_auc = _scores(build_model("uniform", pretrained=False), osie, test)
    cb_nss, cb_auc = _scores(center_bias, osie, test)
    # A constant map has no spread: the MIT code's NSS is NaN (zero information).
    assert np.isnan(uniform_nss)
    assert abs(uniform_auc - 0.5) < 0.03  # chance, up to the jitter's random ranking
    # Measured on these 8 images: AUC-Judd 0.766 vs 0.515, NSS 0.96.
    assert cb_auc > uniform_auc + 0.15
    assert cb_nss > 0.6


@pytest.mark.parametrize(
    ("name", "min_auc_gain", "min_nss"),
    # measured on the same 8 images: spectral residual AUC 0.762, NSS 1.21;
    # Itti-Koch AUC 0.702, NSS 0.76 (uniform AUC 0.515)
    [("spectral_residual", 0.17, 0.8), ("itti_koch", 0.12, 0.5)],
)
def test_classic_models_beat_uniform_on_osie(osie, name, min_auc_gain, min_nss):
    test = osie.splits["test"][:N_TEST]
    _, uniform_auc = _scores(build_model("uniform", pretrained=False), osie, test)
    model_nss, model_auc = _scores(build_model(name, pretrained=False), osie, test)
    assert model_auc > uniform_auc + min_auc_gain
    assert model_nss > min_nss


def test_judd_trains_and_beats_uniform_on_osie(osie, judd):
    assert int(judd.n_training_images) == N_JUDD
    assert judd.training_loss < np.log(2)  # better than the untrained classifier
    weights = dict(zip(FEATURE_NAMES, judd.weight.numpy(), strict=True))
    assert weights["centre_distance"] < 0  # fixations are near the centre
    test = osie.splits["test"][:N_JUDD]
    judd_nss, judd_auc = _scores(judd, osie, test)
    # Measured on 6 training / 6 test images: AUC-Judd ~0.82, NSS ~1.2.
    assert judd_auc > 0.5 + 0.2
    assert judd_nss > 0.8


def test_judd_training_is_seeded(osie):
    indices = osie.splits["train"][:1]
    a = build_model("judd", pretrained=False, dataset=osie, indices=indices, seed=3, progress=False)
    b = build_model("judd", pretrained=False, dataset=osie, indices=indices, seed=3, progress=False)
    torch.testing.assert_close(a.weight, b.weight)


# -- state and errors -------------------------------------------------------------------


def test_center_bias_state_dict_round_trip(center_bias):
    restored = CenterBiasModel()
    restored.load_state_dict(center_bias.state_dict())
    np.testing.assert_array_equal(restored.density((60, 80)), center_bias.density((60, 80)))
    assert restored.density((60, 80)).sum() == pytest.approx(1.0)
    # the centre is more likely than a corner
    density = restored.density((60, 80))
    assert density[30, 40] > 5 * density[0, 0]


def test_unfitted_models_say_what_to_do():
    batch = torch.zeros(1, 3, 32, 32)
    with pytest.raises(RuntimeError, match="fit"):
        build_model("center_bias", pretrained=False)(batch)
    with pytest.raises(RuntimeError, match="fit"):
        build_model("judd", pretrained=False)(torch.zeros(1, 3, 64, 64))


def test_bad_input_raises_value_error_naming_it():
    with pytest.raises(ValueError, match=r"x must be .*\(B, 3, H, W\)"):
        build_model("uniform", pretrained=False)(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match="float"):
        build_model("spectral_residual", pretrained=False)(
            torch.zeros(1, 3, 8, 8, dtype=torch.int64)
        )
    with pytest.raises(ValueError, match="uniform takes no options"):
        build_model("uniform", pretrained=False, size=3)
    with pytest.raises(ValueError, match="width"):
        build_model("spectral_residual", pretrained=False, width=2)
    with pytest.raises(ValueError, match="need a dataset"):
        build_model("center_bias", pretrained=False, indices=[0])


# -- the pieces, against values worked out by hand ----------------------------------------


def test_normalization_operator_promotes_a_single_peak():
    # Two isolated peaks 1.0 and 0.5: the other maxima average 0.5, so N = map * (1 - 0.5)**2.
    one_strong = np.zeros((9, 9))
    one_strong[2, 2], one_strong[6, 6] = 1.0, 0.5
    np.testing.assert_allclose(normalization_operator(one_strong), one_strong * 0.25)
    # Two equal peaks: the other maximum is 1, so the map is suppressed to zero.
    two_equal = np.zeros((9, 9))
    two_equal[2, 2] = two_equal[6, 6] = 3.0
    np.testing.assert_allclose(normalization_operator(two_equal), 0.0)
    # A lone peak keeps its full weight (no other maxima).
    lone = np.zeros((9, 9))
    lone[4, 4] = 2.0
    np.testing.assert_allclose(normalization_operator(lone), lone / 2.0)
    assert not normalization_operator(np.ones((5, 5))).any()


def test_itti_koch_pops_out_the_odd_colour_and_the_odd_orientation():
    # A red square on noisy green: the colour channel and the saliency map peak on it.
    rng = np.random.default_rng(0)
    image = np.zeros((256, 320, 3))
    image[..., 1] = 0.6
    image = image + rng.normal(0, 0.02, image.shape)
    image[96:128, 192:224] = [0.8, 0.1, 0.1]
    image = np.clip(image, 0, 1)
    maps = conspicuity_maps(image)
    square = {(r, c) for r in range(6, 8) for c in range(12, 14)}  # rows 96-127 / 16, cols 192-223
    assert np.unravel_index(np.argmax(maps["colour"]), (16, 20)) in square
    assert np.unravel_index(np.argmax(itti_koch_saliency(image)), (16, 20)) in square
    # One horizontal bar among vertical ones (a 5x5 grid, 96 px apart) pops out by orientation.
    bars = np.full((512, 512, 3), 0.2)
    for y in range(48, 512, 96):
        for x in range(48, 512, 96):
            if y == x == 240:
                bars[y - 8 : y + 8, x - 32 : x + 32] = 0.9
            else:
                bars[y - 32 : y + 32, x - 8 : x + 8] = 0.9
    orientation = conspicuity_maps(bars)["orientation"]
    assert np.unravel_index(np.argmax(orientation), orientation.shape) == (15, 15)  # 240 / 16


def test_gaussian_pyramid_is_dyadic():
    shapes = [level.shape for level in gaussian_pyramid(np.zeros((480, 640)))]
    assert shapes[0] == (480, 640) and shapes[4] == (30, 40) and shapes[8] == (2, 3)
    assert len(shapes) == 9
    levels = gaussian_pyramid(np.full((64, 64), 0.7), levels=4)
    np.testing.assert_allclose(levels[-1], 0.7)  # the 5-tap filter sums to 1


def test_imfilter_places_an_even_kernel_like_matlab():
    # MATLAB's centre of a 10x10 kernel is element 5 (1-based): an impulse at row 20
    # reaches output rows 20-5 .. 20+4.
    image = np.zeros((40, 40))
    image[20, 20] = 1.0
    out = _imfilter_zero(image, np.ones((10, 10)))
    rows, cols = np.nonzero(out)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (15, 24, 15, 24)


def test_spectral_residual_finds_the_odd_patch():
    # Vertical stripes everywhere (a redundant spectrum) and one bright square; a little
    # noise, as in any photograph, so that no Fourier coefficient is exactly zero.
    x = np.arange(256)
    grey = np.tile(0.5 + 0.25 * np.sign(np.sin(2 * np.pi * x / 16)), (192, 1))
    grey[120:136, 40:56] = 1.0
    grey = np.clip(grey + np.random.default_rng(0).normal(0, 0.02, grey.shape), 0, 1)
    saliency = spectral_residual_saliency(np.repeat(grey[..., None], 3, axis=2))
    assert saliency.shape == (48, 64)
    row, col = np.unravel_index(np.argmax(saliency), saliency.shape)
    assert 28 <= row <= 35 and 8 <= col <= 15  # the square, at 1/4 scale: rows 30-33, cols 10-13
    assert saliency[30:34, 10:14].mean() > 10 * saliency.mean()


def test_sample_training_pixels_respects_top_and_bottom():
    density = np.arange(100, dtype=float).reshape(10, 10)  # pixel k has density k
    positives, negatives = sample_training_pixels(density, 50, 50, rng=0)
    assert positives.min() >= 80  # top 20 % = values 80..99
    assert negatives.max() < 70  # bottom 70 % = values 0..69
    with pytest.raises(ValueError, match="top and bottom"):
        sample_training_pixels(density, top=0.5, bottom=0.6)


def test_fit_logistic_recovers_the_true_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 3))
    w_true, b_true = np.array([2.0, -1.0, 0.0]), 0.5
    y = (rng.random(20000) < 1 / (1 + np.exp(-(x @ w_true + b_true)))).astype(int)
    w, b, _ = fit_logistic(x, y, l2=0.0)
    np.testing.assert_allclose(w, w_true, atol=0.08)
    assert b == pytest.approx(b_true, abs=0.08)
    with pytest.raises(ValueError, match="both classes"):
        fit_logistic(x, np.ones(20000))


def test_face_detector_finds_the_astronauts_face():
    from skimage import data

    faces = detect_faces(data.astronaut())
    assert len(faces) == 1
    x, y, size = faces[0]
    assert 190 < x < 270 and 70 < y < 160 and 50 < size < 130  # her face, by eye
    features = judd_features(data.astronaut(), faces=faces)
    assert features.shape == (len(FEATURE_NAMES), 200, 200)
    face_map = features[FEATURE_NAMES.index("faces")]
    assert np.unravel_index(np.argmax(face_map), face_map.shape) == pytest.approx(
        (y * 200 / 512, x * 200 / 512), abs=2
    )


def test_residual_saliency_of_an_impulse_is_the_impulse():
    # An impulse has a flat amplitude spectrum: log amplitude 0 everywhere, so its residual is
    # 0 and exp(R + iP) is its own spectrum; the inverse FFT gives the impulse back.
    grey = np.zeros((16, 24))
    grey[5, 7] = 1.0
    assert np.allclose(residual_saliency(grey), grey, atol=1e-12)
    image = np.random.default_rng(1).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    steps = spectral_residual_steps(image)
    assert np.array_equal(residual_saliency(steps["grey"]), steps["raw"])
    with pytest.raises(ValueError, match="grey must be a 2-D image"):
        residual_saliency(np.zeros((2, 5)))

"""The model registry and ``predict`` (with a tiny model defined here)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from saliency_course.models import build_model, list_models, predict, register_model
from saliency_course.models.predict import IMAGENET_MEAN, IMAGENET_STD, to_input_batch

EXPECTED = {
    "salnet", "salgan", "salgan_discriminator", "deepgaze1", "deepgaze2", "deepgaze2e",
    "deepfix", "uniform", "center_bias", "spectral_residual", "itti_koch", "judd",
    "framewise", "aclnet", "mlnet", "salicon", "bms",
}  # fmt: skip


class _MeanChannel(torch.nn.Module):
    """Output = mean over channels at half resolution (a known function of the input)."""

    output_kind = "saliency"
    input_size = None

    def forward(self, x):
        return torch.nn.functional.avg_pool2d(x.mean(1, keepdim=True), 2)


class _LogDensity(_MeanChannel):
    output_kind = "log_density"

    def forward(self, x):
        out = super().forward(x)
        return out - torch.logsumexp(out.flatten(1), 1).view(-1, 1, 1, 1)


def build_tiny(pretrained=True, kind="saliency"):
    return _MeanChannel() if kind == "saliency" else _LogDensity()


def test_every_contract_name_is_registered():
    assert EXPECTED <= set(list_models())


def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="salgan") as info:
        build_model("no_such_model")
    assert "no_such_model" in str(info.value)


def test_register_and_build_lazily():
    register_model("tiny_test_model", f"{__name__}:build_tiny", overwrite=True)
    model = build_model("tiny_test_model", pretrained=False)
    assert model.output_kind == "saliency"
    with pytest.raises(ValueError, match="already registered"):
        register_model("tiny_test_model", "x.y:z")
    with pytest.raises(ValueError, match="target"):
        register_model("other", "no_colon")


def test_to_input_batch_normalises_with_imagenet_statistics():
    image = np.full((4, 6, 3), 255, np.uint8)
    x = to_input_batch(image)
    expected = (1 - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    assert x.shape == (1, 3, 4, 6)
    np.testing.assert_allclose(x[0, :, 0, 0].numpy(), expected, rtol=1e-6)
    assert to_input_batch(image, size=(8, 10)).shape == (1, 3, 8, 10)


def test_predict_returns_map_at_image_size_with_known_values():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (10, 14, 3), dtype=np.uint8)
    out = predict(_MeanChannel(), image)
    assert out.shape == (10, 14)
    # the model halves the resolution; bilinear upsampling of a 2x2 average keeps the mean
    normalised = (image / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    np.testing.assert_allclose(out.mean(), normalised.mean(), atol=0.02)


def test_predict_renormalises_log_densities_at_image_size():
    image = np.random.default_rng(1).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    out = predict(_LogDensity(), image, input_size=(8, 12))
    assert out.shape == (9, 13)
    assert abs(logsumexp(out)) < 1e-9


def test_predict_rejects_bad_images():
    with pytest.raises(ValueError, match="uint8 RGB"):
        predict(_MeanChannel(), np.zeros((5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="uint8 RGB"):
        predict(_MeanChannel(), np.zeros((5, 5), np.uint8))
    with pytest.raises(ValueError, match="input_size"):
        predict(_MeanChannel(), np.zeros((5, 5, 3), np.uint8), input_size=(0, 3))

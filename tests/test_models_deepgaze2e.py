"""DeepGaze IIE: the four-backbone mixture, its readout count, official-format weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from saliency_course.errors import OfflineError
from saliency_course.models import build_model, predict
from saliency_course.models.deepgaze2e import BACKBONES, DeepGazeIIE


def trainable(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    return build_model("deepgaze2e", pretrained=False, backbones=("shapenet_c",), components=2)


def test_full_mixture_readout_count_and_frozen_backbones():
    model = build_model("deepgaze2e", pretrained=False)
    assert trainable(model) == 3_059_160  # 4 backbones x 30 components
    per_component = [
        trainable(m.saliency_networks[0]) + trainable(m.fixation_selection_networks[0]) + 2
        for m in model.models
    ]
    assert per_component == [23_293, 26_973, 23_293, 28_413]
    assert [m.features.channels for m in model.models] == [2048, 2416, 2048, 2560]
    assert all(trainable(m.features) == 0 for m in model.models)
    assert model.output_kind == "log_density"


def test_log_density_and_mixture_is_the_mean_density(small):
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        out = small(x)
        backbone = small.models[0]
        cb = torch.zeros(2, 1, 64, 96)
        feats = backbone.features(torch.nn.functional.interpolate(x, scale_factor=0.5))
        feats = torch.cat([torch.nn.functional.interpolate(f, size=(2, 3)) for f in feats], 1)
        parts = [
            fin(sel(sal(feats)), cb - np.log(64 * 96)).exp()
            for sal, sel, fin in zip(
                backbone.saliency_networks,
                backbone.fixation_selection_networks,
                backbone.finalizers,
                strict=True,
            )
        ]
    assert out.shape == (2, 1, 64, 96)
    torch.testing.assert_close(out.flatten(1).logsumexp(1), torch.zeros(2), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.exp(), (parts[0] + parts[1]) / 2, atol=1e-9, rtol=1e-4)
    assert not backbone.features.training
    small.train()
    assert not backbone.features.training


def test_official_format_weights_and_centre_bias_load(small, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    weights = tmp_path / "weights"
    weights.mkdir()
    # the official layout: shapenet_c is models.0; readouts of components 0, 1 and a third
    state = dict(small.state_dict())
    state["models.0.finalizers.2.gauss.sigma"] = torch.tensor(3.0)  # a component not used
    torch.save(state, weights / "deepgaze2e.pth")
    ys, xs = np.mgrid[:32, :32]
    cb = -((xs - 15.5) ** 2 + (ys - 15.5) ** 2) / 50.0
    np.save(weights / "centerbias_mit1003.npy", cb - logsumexp(cb))
    loaded = build_model("deepgaze2e", pretrained=True, backbones=("shapenet_c",), components=2)
    for key, value in small.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    image = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    out = predict(loaded, image, input_size=(64, 96))
    assert out.shape == (50, 70) and abs(logsumexp(out)) < 1e-9
    with pytest.raises(RuntimeError, match="Missing key"):  # the file lacks the other backbones
        build_model("deepgaze2e", pretrained=True)


def test_offline_error_names_the_official_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="centerbias_mit1003.npy") as info:
        build_model("deepgaze2e", pretrained=True)
    assert "releases/download/v1.0.0" in str(info.value)


def test_bad_options():
    with pytest.raises(ValueError, match="backbones"):
        DeepGazeIIE(backbones=("vgg",))
    with pytest.raises(ValueError, match="components"):
        DeepGazeIIE(backbones=("shapenet_c",), components=0)
    assert list(BACKBONES) == ["shapenet_c", "efficientnet_b5", "densenet201", "resnext50"]

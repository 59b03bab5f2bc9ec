"""DeepGaze IIE: the four-backbone mixture, its readout count, official-format weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from saliency_course.errors import OfflineError
from saliency_course.models import build_model, predict
from saliency_course.models.deepgaze2e import BACKBONES, DeepGazeIIE, _backbone_network


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
    with pytest.raises(OfflineError, match="deepgaze2e.pth") as info:
        build_model("deepgaze2e", pretrained=True)
    assert "releases/download/v1.0.0" in str(info.value)
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "deepgaze2e.pth").write_bytes(b"")
    with pytest.raises(OfflineError, match="v1.0.0/centerbias_mit1003.npy"):
        build_model("deepgaze2e", pretrained=True)
    uniform = build_model("deepgaze2e", pretrained=False, backbones=("resnext50",), components=1)
    assert uniform.centerbias is None  # offline, with a uniform prior


# The padding of every block's depthwise convolution in the efficientnet_pytorch 0.6.3 that
# the official DeepGaze code vendors: Conv2dStaticSamePadding(image_size=456) everywhere, so a
# 3x3 conv pads (1, 1, 1, 1) at stride 1 and (0, 1, 0, 1) at stride 2, a 5x5 one (2, 2, 2, 2)
# and (1, 2, 1, 2). Blocks (B5, 39 of them): 0-2 k3 s1, 3 k3 s2, 4-7 k3 s1, 8 k5 s2, 9-12 k5 s1,
# 13 k3 s2, 14-19 k3 s1, 20-26 k5 s1, 27 k5 s2, 28-35 k5 s1, 36-38 k3 s1.
K3S1, K3S2, K5S1, K5S2 = (1, 1, 1, 1), (0, 1, 0, 1), (2, 2, 2, 2), (1, 2, 1, 2)
OFFICIAL_DEPTHWISE_PADDING = (
    [K3S1] * 3 + [K3S2] + [K3S1] * 4 + [K5S2] + [K5S1] * 4 + [K3S2] + [K3S1] * 6
    + [K5S1] * 7 + [K5S2] + [K5S1] * 8 + [K3S1] * 3
)  # fmt: skip


def _padding(conv):
    pad = conv.static_padding
    return tuple(pad.padding) if isinstance(pad, torch.nn.ZeroPad2d) else (0, 0, 0, 0)


def test_efficientnet_b5_pads_as_the_vendored_0_6_3():
    network = _backbone_network("efficientnet_b5")
    assert len(network._blocks) == len(OFFICIAL_DEPTHWISE_PADDING) == 39
    got = [_padding(block._depthwise_conv) for block in network._blocks]
    assert got == OFFICIAL_DEPTHWISE_PADDING  # pip's 0.7.1 gives (1, 1, 1, 1) at block 13
    assert _padding(network._conv_stem) == K3S2
    one_by_one = [m for n, m in network.named_modules() if n.endswith(("_conv", "_head"))]
    assert all(_padding(m) == (0, 0, 0, 0) for m in one_by_one if m.kernel_size == (1, 1))


def test_bad_options():
    with pytest.raises(ValueError, match="backbones"):
        DeepGazeIIE(backbones=("vgg",))
    with pytest.raises(ValueError, match="components"):
        DeepGazeIIE(backbones=("shapenet_c",), components=0)
    assert list(BACKBONES) == ["shapenet_c", "efficientnet_b5", "densenet201", "resnext50"]

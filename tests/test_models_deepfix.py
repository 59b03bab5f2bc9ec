"""DeepFix: the documented layer table, its parameter count, the 16 Gaussian maps, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models_helpers import osie_batch, step_lowers_loss

from saliency_course.errors import OfflineError
from saliency_course.models import build_model, predict
from saliency_course.models.deepfix import centre_bias_maps


@pytest.fixture(scope="module")
def deepfix():
    torch.manual_seed(0)
    return build_model("deepfix", pretrained=False)


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_of_the_documented_design(deepfix):
    assert count(deepfix) == 29_287_041
    assert count(deepfix.vgg) == 14_714_688
    assert count(deepfix.inception6) == count(deepfix.inception7) == 527_008
    assert count(deepfix.lbc8) == count(deepfix.lbc9) == (512 + 16) * 25 * 512 + 512
    assert all(p.requires_grad for p in deepfix.parameters())


def test_layer_table(deepfix):
    dilations = [conv.dilation[0] for conv in deepfix.vgg.values()]
    assert dilations == [1] * 10 + [2, 2, 2]
    assert all(conv.padding[0] == conv.dilation[0] for conv in deepfix.vgg.values())
    for lbc in (deepfix.lbc8, deepfix.lbc9):
        assert lbc.conv.kernel_size == (5, 5) and lbc.conv.dilation == (6, 6)
        assert lbc.conv.padding == (12, 12) and lbc.conv.in_channels == 512 + 16
    branches = deepfix.inception6
    assert branches.branch3.dilation == (2, 2) and branches.branch5.kernel_size == (5, 5)
    assert deepfix.conv10.kernel_size == (1, 1) and deepfix.conv10.out_channels == 1


def test_gaussian_maps_are_centred_with_the_stated_sigmas():
    maps = centre_bias_maps(30, 40).numpy()
    assert maps.shape == (16, 30, 40)
    # an even grid has no pixel at the centre: the peak is half a pixel off in x and y
    peak = np.exp(-0.5 * ((0.5 / (0.05 * 40)) ** 2 + (0.5 / (0.05 * 30)) ** 2))
    np.testing.assert_allclose(maps[0].max(), peak, rtol=1e-6)
    # map k = (s_y index) * 4 + (s_x index): measure sigma_x of the middle row of map 1 (s_x 0.1)
    row = maps[1, 14, :] + maps[1, 15, :]
    xs = np.arange(40) - 19.5
    sigma_x = np.sqrt((row * xs**2).sum() / row.sum())
    assert abs(sigma_x - 0.1 * 40) < 0.05
    col = maps[12, :, 19] + maps[12, :, 20]  # s_y = 0.4, s_x = 0.05
    ys = np.arange(30) - 14.5
    assert np.sum(col * ys**2) / col.sum() < (0.4 * 30) ** 2  # truncated by the border
    assert np.allclose(maps, maps[:, ::-1, :]) and np.allclose(maps, maps[:, :, ::-1])


@pytest.mark.parametrize("size", [(48, 64), (50, 70), (64, 40)])
def test_output_at_input_size(deepfix, size):
    with torch.no_grad():
        assert deepfix(torch.randn(1, 3, *size)).shape == (1, 1, *size)


def test_euclidean_step_on_real_osie_lowers_loss(deepfix, data_dir):
    batch = osie_batch(data_dir, (48, 64))
    target = batch["density"] / batch["density"].amax((2, 3), keepdim=True)
    before, after = step_lowers_loss(deepfix, lambda m: F.mse_loss(m(batch["image"]), target))
    assert after < before


def test_predict_non_negative_at_image_size(deepfix):
    image = np.random.default_rng(0).integers(0, 256, (40, 52, 3), dtype=np.uint8)
    out = predict(deepfix, image, input_size=(48, 64))
    assert out.shape == (40, 52) and out.min() >= 0 and out.max() > out.min()


def test_pretrained_vgg16_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="vgg16-397923af.pth"):
        build_model("deepfix", pretrained=True)


def test_location_bias_is_the_maps_part_of_the_lbc_convolution(deepfix):
    lbc = deepfix.lbc8
    x = torch.randn(1, 512, 12, 16)
    with torch.no_grad():
        maps = centre_bias_maps(12, 16)[None]
        with_maps = lbc.conv(torch.cat([x, maps], dim=1))
        without = lbc.conv(torch.cat([x, torch.zeros_like(maps)], dim=1))
        bias = lbc.location_bias(12, 16)
    assert bias.shape == (512, 12, 16)
    torch.testing.assert_close(with_maps[0] - without[0], bias, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(lbc(x), torch.relu(with_maps))


def test_features_feed_the_lbc_layers(deepfix):
    x = torch.randn(1, 3, 48, 64)
    with torch.no_grad():
        features = deepfix.features(x)
        out = F.interpolate(
            deepfix.conv10(deepfix.lbc9(deepfix.lbc8(features))), size=(48, 64), mode="bilinear"
        )
        torch.testing.assert_close(deepfix(x), out)
    assert features.shape == (1, 512, 6, 8)


def test_without_location_bias_feeds_zeros_to_the_lbc_layers(deepfix):
    from saliency_course.models.deepfix import without_location_bias

    lbc = deepfix.lbc8
    x = torch.randn(1, 512, 6, 8)
    zeros = torch.cat([x, torch.zeros(1, 16, 6, 8)], dim=1)
    with torch.no_grad():
        with_maps = lbc(x)
        with without_location_bias(deepfix):
            torch.testing.assert_close(lbc(x), torch.relu(lbc.conv(zeros)))
        torch.testing.assert_close(lbc(x), with_maps)
        with pytest.raises(KeyError), without_location_bias(deepfix):
            raise KeyError("the maps come back after an error")
        assert lbc.maps_on and deepfix.lbc9.maps_on
    with pytest.raises(ValueError, match="LocationBiasedConv"):
        with without_location_bias(torch.nn.Linear(2, 2)):
            pass

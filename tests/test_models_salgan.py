"""SalGAN generator and discriminator: counts, layer tables, frozen encoder, Lasagne weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models_helpers import osie_batch, step_lowers_loss

from saliency_course.errors import OfflineError
from saliency_course.losses import bce_downsampled_loss
from saliency_course.models import build_model, predict
from saliency_course.models.lasagne_weights import read_npz_arrays, write_npz_arrays
from saliency_course.models.salgan import (
    DISCRIMINATOR_FILE,
    GENERATOR_FILE,
    export_lasagne_arrays,
)

VGG16 = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
         (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]  # fmt: skip
DECODER = [(512, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 256),
           (256, 256), (256, 256), (256, 128), (128, 128), (128, 64), (64, 64)]  # fmt: skip


def count(module, trainable_only=False):
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return build_model("salgan", pretrained=False)


@pytest.fixture(scope="module")
def discriminator():
    torch.manual_seed(0)
    return build_model("salgan_discriminator", pretrained=False)


def test_generator_parameter_counts(generator):
    assert count(generator) == 31_787_009
    assert count(generator, trainable_only=True) == 30_051_521
    assert count(generator.encoder) == 14_714_688
    assert count(generator.decoder) + count(generator.output) == 17_072_321


def test_discriminator_parameter_counts():
    assert count(build_model("salgan_discriminator", pretrained=False)) == 1_359_296
    paper = build_model("salgan_discriminator", pretrained=False, variant="paper")
    assert count(paper) == 5_045_696
    with pytest.raises(ValueError, match="variant"):
        build_model("salgan_discriminator", pretrained=False, variant="other")


def test_generator_layer_table(generator):
    def table(convs):
        return [(c.kernel_size, c.stride, c.padding, c.dilation) for c in convs]

    enc, dec = list(generator.encoder.values()), list(generator.decoder.values())
    assert [(c.in_channels, c.out_channels) for c in enc] == VGG16
    assert [(c.in_channels, c.out_channels) for c in dec] == DECODER
    assert set(table(enc + dec)) == {((3, 3), (1, 1), (1, 1), (1, 1))}
    assert generator.output.kernel_size == (1, 1) and generator.output.out_channels == 1
    assert generator.input_size == (192, 256) and generator.output_kind == "saliency"


@pytest.mark.parametrize("size", [(32, 48), (48, 32), (16, 16)])
def test_generator_output_in_unit_interval_at_input_size(generator, size):
    with torch.no_grad():
        out = generator(torch.randn(1, 3, *size))
    assert out.shape == (1, 1, *size) and 0 < out.min() and out.max() < 1
    with pytest.raises(ValueError, match="divisible by 16"):
        generator(torch.randn(1, 3, 20, 32))


def test_discriminator_shapes(discriminator):
    with torch.no_grad():
        p = discriminator(torch.randn(3, 3, 192, 256), torch.rand(3, 1, 192, 256))
    assert p.shape == (3, 1) and ((p > 0) & (p < 1)).all()
    assert discriminator.fc4.in_features == 64 * 12 * 16
    with pytest.raises(ValueError, match="192, 256"):
        discriminator(torch.randn(1, 3, 96, 128), torch.rand(1, 1, 96, 128))


def test_bce_step_on_real_osie_lowers_loss_and_keeps_conv1_3_frozen(generator, data_dir):
    batch = osie_batch(data_dir, (32, 48))
    target = batch["density"] / batch["density"].amax((2, 3), keepdim=True)
    frozen = {n: p.detach().clone() for n, p in generator.named_parameters() if not p.requires_grad}
    assert sorted({n.split(".")[1].split("_")[0] for n in frozen}) == ["conv1", "conv2", "conv3"]

    before, after = step_lowers_loss(
        generator, lambda m: bce_downsampled_loss(m(batch["image"]), target, factor=4)
    )
    assert after < before
    for name, param in generator.named_parameters():
        if name in frozen:
            assert torch.equal(param, frozen[name]), name


def test_discriminator_step_lowers_loss(discriminator, data_dir):
    batch = osie_batch(data_dir, (192, 256))
    real = batch["density"] / batch["density"].amax((2, 3), keepdim=True)
    fake = torch.rand_like(real)

    def d_loss(model):
        p_real, p_fake = model(batch["image"], real), model(batch["image"], fake)
        return F.binary_cross_entropy(p_real, torch.ones_like(p_real)) + F.binary_cross_entropy(
            p_fake, torch.zeros_like(p_fake)
        )

    before, after = step_lowers_loss(discriminator, d_loss, lr=1e-5)
    assert after < before


def test_lasagne_npz_round_trip_flips_decoder_kernels(generator, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    (tmp_path / "weights").mkdir()
    arrays = export_lasagne_arrays(generator)
    assert len(arrays) == 2 * (13 + 13 + 1)
    # VGG kernels are stored as they are, decoder kernels flipped (Lasagne flip_filters=True)
    np.testing.assert_array_equal(arrays[0], generator.encoder["conv1_1"].weight.detach().numpy())
    np.testing.assert_array_equal(
        arrays[26], generator.decoder["uconv5_3"].weight.detach().numpy()[..., ::-1, ::-1]
    )
    write_npz_arrays(tmp_path / "weights" / GENERATOR_FILE, arrays)
    assert len(read_npz_arrays(tmp_path / "weights" / GENERATOR_FILE)) == 54
    loaded = build_model("salgan", pretrained=True)  # "official" weights, from the cache
    assert loaded.caffe_input
    x = torch.randn(1, 3, 16, 32)
    with torch.no_grad():
        generator.caffe_input = True
        try:
            torch.testing.assert_close(loaded(x), generator(x))
        finally:
            generator.caffe_input = False
    assert not any(p.requires_grad for p in loaded.encoder["conv3_3"].parameters())


def test_official_discriminator_file_with_or_without_gains(discriminator, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    (tmp_path / "weights").mkdir()
    arrays = export_lasagne_arrays(discriminator)
    assert len(arrays) == 20  # 6 conv W, b + 2 weight-norm gains + 3 dense W, b
    assert arrays[-6].shape == (12288, 100)  # Lasagne dense W is (in, out)
    image, sal = torch.randn(2, 3, 192, 256), torch.rand(2, 1, 192, 256)
    without_gains = [a for i, a in enumerate(arrays) if i not in (10, 13)]
    for stored in (arrays, without_gains):
        write_npz_arrays(tmp_path / "weights" / DISCRIMINATOR_FILE, stored)
        loaded = build_model("salgan_discriminator", pretrained=True)
        with torch.no_grad():  # the same input convention (RGB 0-255 inside) whatever the weights
            torch.testing.assert_close(loaded(image, sal), discriminator(image, sal))
    write_npz_arrays(tmp_path / "weights" / DISCRIMINATOR_FILE, arrays[:5])
    with pytest.raises(ValueError, match="must hold 18 Lasagne arrays, got 5"):
        build_model("salgan_discriminator", pretrained=True)


def test_offline_errors_name_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=GENERATOR_FILE):
        build_model("salgan", pretrained=True)
    with pytest.raises(OfflineError, match="vgg16-397923af.pth") as info:
        build_model("salgan", pretrained=True, weights="imagenet")
    assert str(tmp_path / "torch" / "hub" / "checkpoints") in str(info.value)


def test_predict_at_image_size(generator):
    image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    raw = predict(generator, image, input_size=(32, 48), postprocess="raw")
    assert raw.shape == (20, 30) and 0 < raw.min() and raw.max() < 1
    # the official wrapper: uint8(255 * map), bicubic resize, 5x5 blur, clip (8-bit levels)
    out = predict(generator, image, input_size=(32, 48))
    assert out.shape == (20, 30) and np.array_equal(out, np.round(out))
    assert 0 <= out.min() and out.max() <= 255
    np.testing.assert_allclose(out.mean(), 255 * raw.mean(), atol=1.5)


def test_weight_norm_matches_the_lasagne_formula(discriminator):
    conv = discriminator.conv3_1
    v = conv.weight.detach().numpy()
    expected = v / np.sqrt(1e-6 + (v**2).sum(axis=(1, 2, 3)))[:, None, None, None]
    x = torch.randn(1, 64, 6, 8)
    with torch.no_grad():
        got = conv(x) - conv.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(got, F.conv2d(x, torch.from_numpy(expected), padding=1))

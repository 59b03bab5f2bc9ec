"""SalNet: parameter count, layer table of the official prototxt, shapes, Caffe weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models_helpers import osie_batch, step_lowers_loss
from official_models import write_v1_caffemodel

from saliency_course.errors import DownloadError, OfflineError
from saliency_course.models import build_model, predict
from saliency_course.models.caffe_weights import read_caffemodel, write_caffemodel
from saliency_course.models.salnet import VGG_M_FILE, VGG_M_URL, WEIGHTS_FILE, SalNet

# (name, kernel, out channels, stride, padding, dilation) from deep_net_deploy.prototxt
PROTOTXT = [
    ("conv1", 7, 96, 1, 3, 1),
    ("conv2", 5, 256, 1, 2, 1),
    ("conv3", 3, 512, 1, 1, 1),
    ("conv4", 5, 512, 1, 2, 1),
    ("conv5", 5, 512, 1, 2, 1),
    ("conv6", 7, 256, 1, 3, 1),
    ("conv7", 11, 128, 1, 5, 1),
    ("conv8", 11, 32, 1, 5, 1),
    ("conv9", 13, 1, 1, 6, 1),
    ("deconv1", 8, 1, 4, 2, 1),
]


@pytest.fixture(scope="module")
def salnet():
    torch.manual_seed(0)
    return build_model("salnet", pretrained=False)


def test_parameter_count_matches_docs(salnet):
    assert sum(p.numel() for p in salnet.parameters()) == 25_806_209
    vgg_m_part = sum(
        p.numel()
        for n, p in salnet.named_parameters()
        if n.split(".")[0] in {"conv1", "conv2", "conv3"}
    )
    assert vgg_m_part == 1_809_024


def test_layer_table_matches_prototxt(salnet):
    layers = [
        (name, m.kernel_size[0], m.out_channels, m.stride[0], m.padding[0], m.dilation[0])
        for name, m in salnet.named_children()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))
    ]
    assert layers == PROTOTXT
    assert salnet.deconv1.bias is None
    assert salnet.pool.ceil_mode and salnet.pool.kernel_size == 3 and salnet.pool.stride == 2
    assert salnet.norm1.size == 5 and salnet.norm1.alpha == 1e-4 and salnet.norm1.beta == 0.75
    assert salnet.output_kind == "saliency" and salnet.input_size == (240, 320)


@pytest.mark.parametrize("size", [(48, 64), (40, 56), (36, 52)])
def test_output_is_input_size_when_divisible_by_four(salnet, size):
    with torch.no_grad():
        out = salnet(torch.randn(2, 3, *size))
    assert out.shape == (2, 1, *size)


def test_ceil_mode_pooling_sizes(salnet):
    # 50 -> pool(ceil) 25 -> pool(ceil) 12 -> deconv x4 48; floor mode would give 24 -> 11 -> 44
    with torch.no_grad():
        assert salnet(torch.randn(1, 3, 50, 50)).shape == (1, 1, 48, 48)


def test_predict_returns_map_in_0_255_at_image_size(salnet):
    image = np.random.default_rng(0).integers(0, 256, (30, 45, 3), dtype=np.uint8)
    out = predict(salnet, image, input_size=(32, 48))
    assert out.shape == (30, 45)
    # the official wrapper stretches to a maximum of 255 and returns 8-bit levels
    assert out.min() >= 0 and out.max() == 255 and np.array_equal(out, np.round(out))
    raw = predict(salnet, image, input_size=(32, 48), postprocess="raw")
    assert raw.shape == (30, 45) and raw.min() >= 0 and raw.max() <= 255


def test_caffemodel_round_trip_through_pretrained_path(salnet, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    blobs = {}
    for name, module in salnet.named_children():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            blobs[name] = [module.weight.detach().numpy()]
            if module.bias is not None:
                blobs[name].append(module.bias.detach().numpy())
    (tmp_path / "weights").mkdir()
    write_caffemodel(tmp_path / "weights" / WEIGHTS_FILE, blobs)
    assert read_caffemodel(tmp_path / "weights" / WEIGHTS_FILE)["conv9"][0].shape == (1, 32, 13, 13)
    loaded = build_model("salnet", pretrained=True)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), salnet(x))


def test_caffemodel_with_wrong_shape_is_rejected(tmp_path):
    model = SalNet()
    blobs = {
        name: [np.zeros((2, 2, 1, 1), np.float32), np.zeros(2, np.float32)]
        for name in [
            "conv1",
            "conv2",
            "conv3",
            "conv4",
            "conv5",
            "conv6",
            "conv7",
            "conv8",
            "conv9",
        ]
    }
    blobs["deconv1"] = [np.zeros((1, 1, 8, 8), np.float32)]
    path = write_caffemodel(tmp_path / "bad.caffemodel", blobs)
    with pytest.raises(ValueError, match="conv1.weight must have shape"):
        build_model("salnet", pretrained=False, weights=path)
    del model


def test_offline_pretrained_fails_fast_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=WEIGHTS_FILE) as info:
        build_model("salnet", pretrained=True)
    assert "deep_net_model.caffemodel" in str(info.value)
    assert str(tmp_path / "weights") in str(info.value)


def test_euclidean_step_on_real_osie_lowers_loss(salnet, data_dir):
    batch = osie_batch(data_dir, (48, 64))
    # the official targets: a 0-255 saliency map S as (S - 127) / 128
    target = (255 * batch["density"] / batch["density"].amax((2, 3), keepdim=True) - 127) / 128
    before, after = step_lowers_loss(salnet, lambda m: F.mse_loss(m(batch["image"]), target))
    assert after < before


# VGG_CNN_M as released for BVLC Caffe (legacy V1 layers; names and conv blob shapes as in
# the model-zoo file). The fully connected blobs (fc6 is 4096 x 18432) are shrunk here to
# keep the test small; SalNet does not read them.
VGG_M_LAYERS = [
    ("conv1", [(96, 3, 7, 7), (96,)]),
    ("relu1", []),
    ("norm1", []),
    ("pool1", []),
    ("conv2", [(256, 96, 5, 5), (256,)]),
    ("conv3", [(512, 256, 3, 3), (512,)]),
    ("conv4", [(512, 512, 3, 3), (512,)]),
    ("conv5", [(512, 512, 3, 3), (512,)]),
    ("fc6", [(1, 1, 8, 18), (8,)]),
    ("fc7", [(1, 1, 8, 8), (8,)]),
    ("fc8", [(1, 1, 10, 8), (10,)]),
]


def write_vgg_m(path, seed=0, skip=()):
    rng = np.random.default_rng(seed)
    layers = [
        (name, [rng.normal(0, 0.05, shape).astype(np.float32) for shape in shapes])
        for name, shapes in VGG_M_LAYERS
        if name not in skip
    ]
    write_v1_caffemodel(path, layers)
    return dict(layers)


def test_imagenet_weights_transfer_vgg_m_conv1_to_conv3(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    (tmp_path / "weights").mkdir()
    blobs = write_vgg_m(tmp_path / "weights" / VGG_M_FILE)
    torch.manual_seed(0)
    model = build_model("salnet", pretrained=True, weights="imagenet")
    # conv1's weights are scaled by 127.5 (SalNet's input scaling), conv2/conv3 copied as they are
    np.testing.assert_allclose(model.conv1.weight.detach().numpy(), 127.5 * blobs["conv1"][0])
    for name in ("conv1", "conv2", "conv3"):
        np.testing.assert_array_equal(getattr(model, name).bias.detach().numpy(), blobs[name][1])
    for name in ("conv2", "conv3"):
        np.testing.assert_array_equal(getattr(model, name).weight.detach().numpy(), blobs[name][0])
    torch.manual_seed(0)
    random = build_model("salnet", pretrained=False)
    assert torch.equal(model.conv4.weight, random.conv4.weight)  # the rest is the random start
    # conv1 sees what VGG-M's conv1 saw: BGR 0-255 minus a mean (here SalNet's), at stride 1
    image = np.random.default_rng(1).integers(0, 256, (20, 24, 3), dtype=np.uint8)
    bgr = torch.from_numpy(image[..., ::-1].astype(np.float32).copy()).permute(2, 0, 1)[None]
    bgr = bgr - torch.tensor([100.0, 110.0, 118.0]).view(1, 3, 1, 1)
    expected = F.conv2d(
        bgr, torch.from_numpy(blobs["conv1"][0]), torch.from_numpy(blobs["conv1"][1]), padding=3
    )
    x = (torch.from_numpy(image).permute(2, 0, 1)[None] / 255.0
         - torch.tensor(model.input_mean).view(1, 3, 1, 1)) / model.input_std[0]  # fmt: skip
    with torch.no_grad():
        torch.testing.assert_close(model.conv1(x.flip(1)), expected, rtol=1e-4, atol=1e-3)


def test_vgg_m_file_without_conv3_is_rejected(tmp_path):
    write_vgg_m(tmp_path / "vgg_m.caffemodel", skip=("conv3",))
    from saliency_course.models.salnet import load_vgg_m

    with pytest.raises(ValueError, match="must have layer 'conv3'"):
        load_vgg_m(SalNet(), tmp_path / "vgg_m.caffemodel")


def test_vgg_m_offline_error_names_url_and_destination(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(DownloadError) as info:  # what a notebook catches to fall back
        build_model("salnet", pretrained=True, weights="imagenet")
    assert isinstance(info.value, OfflineError)
    assert VGG_M_URL in str(info.value) and str(tmp_path / "weights" / VGG_M_FILE) in str(
        info.value
    )
    with pytest.raises(ValueError, match="weights must be"):
        build_model("salnet", weights="vgg")

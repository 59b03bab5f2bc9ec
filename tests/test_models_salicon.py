"""The SALICON model: parameters from the layer list, OpenSALICON's layers and sizes, its
Caffe weights against a rebuilt OpenSALICON forward pass, predict, and KL training on OSIE."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

from saliency_course.errors import OfflineError
from saliency_course.models import build_model, predict
from saliency_course.models.backbones import CAFFE_BGR_MEAN
from saliency_course.models.caffe_weights import read_caffemodel, write_caffemodel
from saliency_course.models.predict import to_input_batch
from saliency_course.models.salicon_model import (
    ARCHIVE_FILE,
    ARCHIVE_URL,
    CAFFEMODEL_FILE,
    _imagenet_to_opensalicon,
    fuse_scales,
    official_caffemodel,
)
from saliency_course.training import StepContext, get_recipe

# salicon.prototxt of CLT29/OpenSALICON: the convolutions of each stream, (name, in, out)
PROTOTXT_CONVS = [
    ("conv1_1", 3, 64), ("conv1_2", 64, 64), ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
    ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512),
]  # fmt: skip


@pytest.fixture(scope="module")
def salicon():
    torch.manual_seed(0)
    return build_model("salicon", pretrained=False)


def test_parameter_count_from_the_layer_list(salicon):
    per_stream = sum(3 * 3 * c_in * c_out + c_out for _, c_in, c_out in PROTOTXT_CONVS)
    readout = 2 * 512 + 1  # 1x1 convolution over concat(coarse pool5, fine pool5)
    assert per_stream == 14_714_688
    assert sum(p.numel() for p in salicon.parameters()) == 2 * per_stream + readout == 29_430_401
    assert sum(p.numel() for p in build_model("salicon", pretrained=False, variant="paper")
               .parameters()) == 29_430_401  # fmt: skip


@pytest.mark.parametrize(
    ("variant", "size", "fine", "coarse"),
    [("code", (1200, 1600), (38, 50), (19, 25)), ("paper", (600, 800), (37, 50), (18, 25))],
)
def test_layer_sizes(variant, size, fine, coarse):
    """OpenSALICON: 1200x1600 and 600x800 through pool5 (Caffe ceil mode) -> 38x50 and 19x25;
    the paper's 600x800 -> 37x50 is conv5_3 at stride 16 with floor-mode pooling."""
    model = build_model("salicon", pretrained=False, variant=variant).to("meta")
    x = torch.empty(1, 3, *size, device="meta")
    assert model.stream(model.fine, x).shape == (1, 512, *fine)
    half = torch.empty(1, 3, size[0] // 2, size[1] // 2, device="meta")
    assert model.stream(model.coarse, half).shape == (1, 512, *coarse)
    assert model(x).shape == (1, 1, *fine)
    assert model.input_size == size
    assert [(n, c.in_channels, c.out_channels) for n, c in model.fine.items()] == PROTOTXT_CONVS
    assert model.readout.in_channels == 1024 and model.readout.kernel_size == (1, 1)


def test_coarse_upsampling_is_scipy_zoom_order_1():
    """custom_interpolation_layer.py: scipy.ndimage.zoom(blob, 38/19 x 50/25, order=1)."""
    blob = np.random.default_rng(0).random((1, 512, 19, 25))
    ours = F.interpolate(torch.from_numpy(blob), size=(38, 50), mode="bilinear", align_corners=True)
    theirs = ndimage.zoom(blob, (1, 1, 2, 2), order=1, mode="nearest")
    np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-12)


def test_fuse_scales_is_opensalicons_zoom_concat_and_1x1_convolution():
    """coarse zoomed (order 1) to the fine grid, concatenated *before* the fine maps, 1x1 conv."""
    rng = np.random.default_rng(1)
    fine, coarse = rng.normal(size=(2, 3, 6, 8)), rng.normal(size=(2, 3, 3, 4))
    readout = torch.nn.Conv2d(6, 1, 1).double()
    got = fuse_scales(torch.from_numpy(fine), torch.from_numpy(coarse), readout)
    zoomed = ndimage.zoom(coarse, (1, 1, 2, 2), order=1, mode="nearest")
    weight = readout.weight.detach().numpy().reshape(-1)
    merged = np.concatenate([zoomed, fine], axis=1)
    expected = np.einsum("c,bchw->bhw", weight, merged) + readout.bias.item()
    np.testing.assert_allclose(got.detach().numpy()[:, 0], expected, atol=1e-12)
    with pytest.raises(ValueError, match="same B and C"):
        fuse_scales(torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 2, 2), readout)


@pytest.mark.parametrize("caffe_input", [False, True])
def test_streams_feed_the_fusion_the_two_scales_of_the_input(caffe_input):
    """streams: fine on the input, coarse on it halved (after the weights' input conversion)."""
    torch.manual_seed(0)
    model = build_model("salicon", pretrained=False).eval()
    model.caffe_input = caffe_input
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        fine, coarse = model.streams(x)
        seen = _imagenet_to_opensalicon(x) if caffe_input else x
        half = F.interpolate(seen, size=(32, 48), mode="bilinear", antialias=True)
        torch.testing.assert_close(fine, model.stream(model.fine, seen))
        torch.testing.assert_close(coarse, model.stream(model.coarse, half))
        torch.testing.assert_close(model.logits(x), fuse_scales(fine, coarse, model.readout))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        model.streams(torch.zeros(1, 1, 8, 8))


# -- OpenSALICON's Caffe weights ------------------------------------------------------------


def opensalicon_blobs(rng) -> dict[str, list[np.ndarray]]:
    blobs = {}
    for prefix in ("", "sec_"):
        for name, c_in, c_out in PROTOTXT_CONVS:
            weight = rng.normal(size=(c_out, c_in, 3, 3)) * np.sqrt(2 / (9 * c_out))
            blobs[prefix + name] = [
                weight.astype("f4"),
                (rng.normal(size=c_out) * 0.01).astype("f4"),
            ]
    blobs["saliency_map"] = [
        (rng.normal(size=(1, 1024, 1, 1)) * 0.05).astype("f4"),
        np.array([0.1], "f4"),
    ]
    return blobs


def caffe_max_pool(blob: np.ndarray) -> np.ndarray:
    """Caffe MAX pooling, kernel 2, stride 2, ceil mode: the last window may hang over."""
    height, width = blob.shape[-2:]
    rows, cols = -(-(height - 2) // 2) + 1, -(-(width - 2) // 2) + 1
    out = np.empty(blob.shape[:-2] + (rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[..., i, j] = blob[..., 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max(axis=(-2, -1))
    return out


def opensalicon_forward(blobs, image: np.ndarray, coarse_input: np.ndarray) -> np.ndarray:
    """salicon.prototxt + Salicon.py rebuilt from the blobs (Caffe convolution = correlation)."""

    def stream(x, prefix):
        for name, _, _ in PROTOTXT_CONVS:
            weight, bias = (torch.from_numpy(b).double() for b in blobs[prefix + name])
            x = torch.relu(F.conv2d(torch.from_numpy(x), weight, bias, padding=1)).numpy()
            if name in ("conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"):
                x = caffe_max_pool(x)
        return x

    fine_input = image[None].transpose(0, 3, 1, 2)[:, ::-1].astype(np.float64)  # RGB -> BGR
    fine_input = (fine_input - np.array(CAFFE_BGR_MEAN)[None, :, None, None]) / 255
    fine = stream(fine_input, "")
    coarse = stream(coarse_input, "sec_")
    zoom = (1, 1, fine.shape[2] / coarse.shape[2], fine.shape[3] / coarse.shape[3])
    interpolated = ndimage.zoom(coarse, zoom, order=1, mode="nearest")
    merged = np.concatenate([interpolated, fine], axis=1)  # bottoms: interpolated_data, pool5
    weight, bias = blobs["saliency_map"]
    logits = np.einsum("c,bchw->bhw", weight.reshape(-1).astype(np.float64), merged) + bias[0]
    return 1 / (1 + np.exp(-logits))


def test_caffemodel_gives_the_opensalicon_forward_pass(tmp_path):
    blobs = opensalicon_blobs(np.random.default_rng(1))
    path = write_caffemodel(tmp_path / "salicon_osie.caffemodel", blobs)
    assert read_caffemodel(path)["sec_conv5_3"][0].shape == (512, 512, 3, 3)
    model = build_model("salicon", pretrained=True, weights=path).eval()
    assert model.caffe_input
    copy = build_model("salicon", pretrained=False)
    copy.load_state_dict(model.state_dict())
    assert copy.caffe_input  # the input convention travels with the weights
    image = np.random.default_rng(2).integers(0, 256, (128, 160, 3), dtype=np.uint8)
    x = to_input_batch(image)
    with torch.no_grad():
        ours = model(x)[0, 0].double().numpy()
        # the coarse image: the model halves its (OpenSALICON-scaled) input, as documented
        scaled = (image[..., ::-1].astype(np.float64) - CAFFE_BGR_MEAN) / 255
        scaled = torch.from_numpy(scaled.transpose(2, 0, 1).copy())[None]
        coarse = F.interpolate(scaled, size=(64, 80), mode="bilinear", antialias=True).numpy()
    reference = opensalicon_forward(blobs, image, coarse)[0]
    assert ours.shape == reference.shape == (4, 5)
    assert reference.std() > 1e-3
    np.testing.assert_allclose(ours, reference, atol=2e-5)


def test_caffemodel_missing_a_layer_is_rejected(tmp_path):
    blobs = opensalicon_blobs(np.random.default_rng(3))
    del blobs["sec_conv3_1"]
    path = write_caffemodel(tmp_path / "bad.caffemodel", blobs)
    with pytest.raises(ValueError, match="sec_conv3_1"):
        build_model("salicon", pretrained=True, weights=path)
    with pytest.raises(ValueError, match="variant must be 'code'"):
        build_model("salicon", pretrained=True, variant="paper", weights=path)


def test_official_caffemodel_comes_out_of_the_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=ARCHIVE_FILE) as info:
        build_model("salicon")
    assert ARCHIVE_URL in str(info.value) and str(tmp_path / "weights") in str(info.value)
    (tmp_path / "weights").mkdir()
    with tarfile.open(tmp_path / "weights" / ARCHIVE_FILE, "w:gz") as tar:
        for name, data in (("untrained.caffemodel", b"u"), ("salicon_osie.caffemodel", b"osie")):
            info = tarfile.TarInfo(f"model_files/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = official_caffemodel(progress=False)
    assert path == tmp_path / "weights" / CAFFEMODEL_FILE and path.read_bytes() == b"osie"


# -- predict and training ------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["code", "paper"])
def test_predict_returns_a_map_of_the_image_size(variant):
    torch.manual_seed(0)
    model = build_model("salicon", pretrained=False, variant=variant)
    image = np.random.default_rng(4).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    out = predict(model, image, input_size=(64, 96))
    assert out.shape == (70, 90) and out.min() >= 0 and out.max() <= 1 + 1e-9


def test_recipe_is_the_papers_kl_objective():
    recipe = get_recipe("salicon_model")
    assert recipe.model == "salicon" and recipe.batch_size == 1
    text = recipe.describe()
    assert "KL divergence" in text and "OpenSALICON" in text and "ICCV 2015" in text


def test_kl_steps_on_real_osie_lower_the_loss(data_dir):
    from models_helpers import osie_batch

    torch.manual_seed(0)
    model = build_model("salicon", pretrained=False)
    recipe = get_recipe("salicon_model")
    batch = osie_batch(data_dir, (64, 96))
    modules = recipe.modules(model)
    optimizers = recipe.make_optimizers(modules)

    def loss():
        with torch.no_grad():
            return recipe.loss(model(batch["image"]), batch).item()

    before = loss()
    for update in range(2):
        recipe.train_step(
            modules, optimizers, batch, StepContext(torch.device("cpu"), update=update)
        )
    assert np.isfinite(before) and loss() < before

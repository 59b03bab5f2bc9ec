"""ML-Net: parameter count, the official layer list, Theano's pooling and up-sampling,
the Keras 1.1 weights converter against a Theano-semantics forward pass, letterboxing,
the loss and Keras optimiser of its recipe, and training on real OSIE images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from saliency_course.errors import OfflineError
from saliency_course.losses import mlnet_loss
from saliency_course.models import build_model, predict
from saliency_course.models.backbones import CAFFE_BGR_MEAN
from saliency_course.models.keras_weights import read_keras_weights, write_keras_weights
from saliency_course.models.mlnet import (
    WEIGHTS_DRIVE_ID,
    WEIGHTS_FILE,
    letterbox_box,
    theano_bilinear_matrix,
    theano_same_max_pool,
)
from saliency_course.models.predict import to_input_batch
from saliency_course.training import StepContext, get_recipe
from saliency_course.training.keras_optim import KerasSGD

# model.py of marcellacornia/mlnet: (Keras layer, out channels) of every Convolution2D, in order
VGG_CHANNELS = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
SMALL = (48, 64)  # a canvas that keeps tests fast; the parameters do not depend on it


@pytest.fixture(scope="module")
def mlnet():
    torch.manual_seed(0)
    return build_model("mlnet", pretrained=False, canvas=SMALL)


def count(params) -> int:
    return sum(p.numel() for p in params)


def test_parameter_count_is_the_papers(mlnet):
    assert count(mlnet.parameters()) == 15_452_145
    assert count(mlnet.vgg.parameters()) == 14_714_688
    assert count(mlnet.encoding.parameters()) + count(mlnet.readout.parameters()) == 737_409
    assert mlnet.prior.shape == (6, 8) and all(p.requires_grad for p in mlnet.parameters())


def test_layer_list_of_the_official_code():
    model = build_model("mlnet", pretrained=False).to("meta")
    channels = [conv.out_channels for conv in model.vgg.values()]
    assert channels == VGG_CHANNELS
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in model.vgg.values())
    # pool3 (256) + pool4 (512) + conv5_3 (512) at stride 8 of the 480 x 640 canvas
    assert model.features(torch.empty(1, 3, 480, 640, device="meta")).shape == (1, 1280, 60, 80)
    assert model(torch.empty(2, 3, 480, 640, device="meta")).shape == (2, 1, 60, 80)
    assert model.encoding.kernel_size == (3, 3) and model.encoding.out_channels == 64
    assert model.readout.kernel_size == (1, 1) and model.readout.out_channels == 1
    assert model.dropout.p == 0.5 and model.canvas == (480, 640) and model.input_size is None


def theano_pool_reference(x: np.ndarray, stride: int) -> np.ndarray:
    """Theano ``pool_2d(ws=(2, 2), stride, ignore_border=True, pad=(1, 1))`` (zero padding),
    cut to ``ceil(n / stride)`` as Keras 1.x's ``pool2d(border_mode='same')`` does."""
    padded = np.pad(x, ((1, 1), (1, 1)))
    rows = (padded.shape[0] - 2) // stride + 1
    cols = (padded.shape[1] - 2) // stride + 1
    out = np.array(
        [
            [
                padded[i * stride : i * stride + 2, j * stride : j * stride + 2].max()
                for j in range(cols)
            ]
            for i in range(rows)
        ]
    )
    return out[: -(-x.shape[0] // stride), : -(-x.shape[1] // stride)]


@pytest.mark.parametrize(("shape", "stride"), [((8, 10), 2), ((7, 9), 2), ((6, 5), 1)])
def test_pooling_is_keras_theano_same(shape, stride):
    x = np.random.default_rng(1).random(shape)
    ours = theano_same_max_pool(torch.from_numpy(x)[None, None], stride)[0, 0].numpy()
    np.testing.assert_array_equal(ours, theano_pool_reference(x, stride))
    # Keras issue #6936: [1, 2, 3, 4] pools to [1, 3] under Theano
    row = torch.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    assert theano_same_max_pool(row, 2).flatten().tolist() == [1.0, 3.0]


def theano_upsampling_reference(x: np.ndarray, ratio: int) -> np.ndarray:
    """Theano 0.9 ``bilinear_upsampling`` (1-D kernels): replicate the border, take the
    gradient of a strided convolution with the kernel [1 .. ratio .. 1] / ratio, crop."""
    kernel = np.concatenate([np.arange(1, ratio + 1), np.arange(ratio - 1, 0, -1)]) / ratio
    pad = 2 * ratio - (ratio - 1) // 2 - 1

    def along_rows(a):
        padded = np.concatenate([a[:1], a, a[-1:]])
        length = a.shape[0] * ratio
        out = np.zeros((length + 2 * pad,) + a.shape[1:])
        for o in range(padded.shape[0]):  # each padded input row spreads over its window
            for t, k in enumerate(kernel):
                q = o * ratio + t
                if q < out.shape[0]:
                    out[q] += k * padded[o]
        return out[pad : pad + length]

    return along_rows(along_rows(x).T).T


def test_prior_upsampling_is_theanos_bilinear_upsampling(mlnet):
    w = np.random.default_rng(2).normal(size=(6, 8))
    rows, cols = theano_bilinear_matrix(6, 60).numpy(), theano_bilinear_matrix(8, 80).numpy()
    np.testing.assert_allclose(rows @ w @ cols.T, theano_upsampling_reference(w, 10), atol=1e-12)
    with torch.no_grad():
        mlnet.prior.copy_(torch.from_numpy(w))
        np.testing.assert_allclose(
            mlnet.prior_map(60, 80).numpy(), theano_upsampling_reference(1 + w, 10), atol=1e-5
        )
        mlnet.prior.zero_()


# -- the Keras 1.1 weights file ----------------------------------------------------------


def keras_layers(rng) -> list:
    """Every layer of ml_net_model() in Keras' order with random Theano-layout weights."""
    layers, conv, pool = [("input_1", [])], 0, 0
    sizes = [3] + VGG_CHANNELS
    for block in (2, 2, 3, 3, 3):
        for _ in range(block):
            conv += 1
            c_in, c_out = sizes[conv - 1], sizes[conv]
            name = f"convolution2d_{conv}"
            std = np.sqrt(2 / (9 * c_out))
            layers.append(
                (
                    name,
                    [
                        (f"{name}_W", (rng.normal(size=(c_out, c_in, 3, 3)) * std).astype("f4")),
                        (f"{name}_b", (rng.normal(size=c_out) * 0.01).astype("f4")),
                    ],
                )
            )
        if pool < 4:
            pool += 1
            layers.append((f"maxpooling2d_{pool}", []))
    layers += [("merge_1", []), ("dropout_1", [])]
    for conv, (c_in, c_out, k) in ((14, (1280, 64, 3)), (15, (64, 1, 1))):
        name = f"convolution2d_{conv}"
        weight = rng.normal(size=(c_out, c_in, k, k)) * np.sqrt(2 / (c_in * k * k + c_out * k * k))
        layers.append(
            (name, [(f"{name}_W", weight.astype("f4")), (f"{name}_b", np.full(c_out, 0.05, "f4"))])
        )
    layers.append(("eltwiseproduct_1", [("param_0", (rng.normal(size=(6, 8)) * 0.3).astype("f4"))]))
    return layers + [("activation_1", [])]


def theano_conv(x: torch.Tensor, kernel: np.ndarray, bias: np.ndarray) -> torch.Tensor:
    """Theano's conv2d (filter_flip=True, 'half' padding) by its definition:
    out[o, y, x] = sum W[o, c, i, j] * in[c, y + p - i, x + p - j] (a true convolution)."""
    k = kernel.shape[-1]
    p = k // 2
    patches = F.unfold(x, k, padding=p)  # (B, C*k*k, L), offsets (i', j') read in[y - p + i']
    b, _, length = patches.shape
    patches = patches.view(b, x.shape[1], k, k, length)
    # in[y + p - i] is offset i' = 2p - i: reverse the offsets instead of the kernel
    patches = patches.flip(2, 3)
    out = torch.einsum("ocij,bcijl->bol", torch.from_numpy(kernel).double(), patches)
    out = out + torch.from_numpy(bias).double().view(1, -1, 1)
    return out.view(b, -1, x.shape[2], x.shape[3])


def official_forward(layers, image: np.ndarray, model) -> torch.Tensor:
    """model.py's computation from the file's arrays, on a canvas-sized uint8 RGB image."""
    arrays = [a for _, weights in layers for _, a in weights]
    bgr = image[..., ::-1].astype(np.float64) - np.array(CAFFE_BGR_MEAN)
    x = torch.from_numpy(bgr.transpose(2, 0, 1).copy())[None]
    kept = []
    strides = {2: 2, 4: 2, 7: 2, 10: 1}
    for i in range(13):
        x = torch.relu(theano_conv(x, arrays[2 * i], arrays[2 * i + 1]))
        if i + 1 in strides:
            s = strides[i + 1]
            pooled = [theano_pool_reference(c.numpy(), s) for c in x[0]]
            x = torch.from_numpy(np.stack(pooled))[None]
        if i + 1 in (7, 10, 13):
            kept.append(x)
    x = torch.cat(kept, 1)
    x = torch.relu(theano_conv(x, arrays[26], arrays[27]))
    x = torch.relu(theano_conv(x, arrays[28], arrays[29]))
    prior = model.prior_map(*x.shape[-2:]).double()  # = Theano's x10 up-sampling, tested above
    return torch.relu(x * prior)


@pytest.mark.parametrize("full_model_file", [False, True])
def test_keras_weights_file_gives_the_official_forward_pass(tmp_path, full_model_file):
    rng = np.random.default_rng(3)
    layers = keras_layers(rng)
    path = write_keras_weights(tmp_path / WEIGHTS_FILE, layers)
    if full_model_file:  # what Model.save / ModelCheckpoint writes: the same under model_weights
        import h5py

        with h5py.File(path, "r") as src, h5py.File(tmp_path / "full.pkl", "w") as dst:
            src.copy(src, dst, name="model_weights")
            dst.attrs["model_config"] = b"{}"
        path = tmp_path / "full.pkl"
    assert [name for name, _ in read_keras_weights(path)][-1] == "eltwiseproduct_1"
    model = build_model("mlnet", pretrained=True, weights=path, canvas=(32, 40)).eval()
    assert model.caffe_input
    copy = build_model("mlnet", pretrained=False, canvas=(32, 40))
    copy.load_state_dict(model.state_dict())  # e.g. a run fine-tuned from these weights
    assert copy.caffe_input  # the input convention travels with the weights
    image = np.random.default_rng(4).integers(0, 256, (32, 40, 3), dtype=np.uint8)
    with torch.no_grad():
        ours = model(to_input_batch(image)).double()
        reference = official_forward(layers, image, model)
    assert ours.shape == reference.shape == (1, 1, 4, 5)
    assert reference.abs().max() > 0
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4 * reference.abs().max().item())


def test_weights_file_with_wrong_content_is_rejected(tmp_path):
    layers = keras_layers(np.random.default_rng(5))
    short = write_keras_weights(tmp_path / "short.h5", layers[:-2])
    with pytest.raises(ValueError, match="must hold 31 ML-Net arrays"):
        build_model("mlnet", pretrained=True, weights=short)
    wrong = [(n, [(w, a.T) if a.ndim == 2 else (w, a) for w, a in ws]) for n, ws in layers]
    with pytest.raises(ValueError, match="prior must have shape"):
        build_model("mlnet", pretrained=True, weights=write_keras_weights(tmp_path / "t.h5", wrong))
    (tmp_path / "not.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="Keras HDF5"):
        build_model("mlnet", pretrained=True, weights=tmp_path / "not.h5")


def test_offline_official_weights_fail_fast_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=WEIGHTS_FILE) as info:
        build_model("mlnet")
    assert WEIGHTS_DRIVE_ID in str(info.value) and str(tmp_path / "weights") in str(info.value)


# -- letterboxing and predict -------------------------------------------------------------


def official_padding_box(shape, canvas=(480, 640)) -> tuple[int, int, int, int]:
    """Where utilities.padding() of the official code puts a white image of ``shape``."""
    import cv2

    img = np.full((*shape, 3), 255, np.uint8)
    padded = np.zeros((*canvas, 3), np.uint8)
    rows_rate, cols_rate = shape[0] / canvas[0], shape[1] / canvas[1]
    if rows_rate > cols_rate:
        new_cols = (shape[1] * canvas[0]) // shape[0]
        img = cv2.resize(img, (new_cols, canvas[0]))
        new_cols = min(new_cols, canvas[1])
        start = (canvas[1] - new_cols) // 2
        padded[:, start : start + new_cols] = img
    else:
        new_rows = (shape[0] * canvas[1]) // shape[1]
        img = cv2.resize(img, (canvas[1], new_rows))
        new_rows = min(new_rows, canvas[0])
        start = (canvas[0] - new_rows) // 2
        padded[start : start + new_rows, :] = img
    rows, cols = np.nonzero(padded[..., 0])
    return rows.min(), cols.min(), rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


@pytest.mark.parametrize("shape", [(768, 1024), (1024, 768), (600, 800), (683, 1024), (300, 150)])
def test_letterbox_matches_the_official_padding(shape):
    assert letterbox_box(shape, (480, 640)) == official_padding_box(shape)


@pytest.mark.parametrize("shape", [(30, 40), (60, 30), (25, 70)])
def test_predict_returns_a_map_of_the_image_size(mlnet, shape):
    image = np.random.default_rng(6).integers(0, 256, (*shape, 3), dtype=np.uint8)
    out = predict(mlnet, image)
    assert out.shape == shape and out.min() >= 0 and 0 < out.max() <= 255 + 1e-9


def test_letterboxed_output_covers_only_the_image(mlnet):
    x = torch.randn(1, 3, 96, 48)  # portrait: half of a 48 x 64 canvas' width is padding
    with torch.no_grad():
        assert mlnet.eval()(x).shape == (1, 1, 6, 3)


# -- the recipe: loss, optimiser, training on OSIE -----------------------------------------


def test_mlnet_loss_is_the_keras_formula():
    rng = np.random.default_rng(7)
    pred, target = rng.random((2, 1, 6, 8)), rng.random((2, 1, 6, 8))
    expected = np.mean(
        (pred / pred.max(axis=(1, 2, 3), keepdims=True) - target) ** 2 / (1.1 - target)
    )
    got = mlnet_loss(torch.from_numpy(pred), torch.from_numpy(target))
    assert got.item() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
        mlnet_loss(torch.from_numpy(pred), torch.from_numpy(target + 1))


def test_keras_sgd_follows_keras_updates_and_resumes():
    lr, momentum, decay = 0.1, 0.9, 0.05
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    optimizer = KerasSGD([p], lr=lr, momentum=momentum, decay=decay, nesterov=True)
    value, velocity = np.array([1.0, -2.0]), np.zeros(2)
    for t in range(6):
        if t == 3:  # resume from a state dict half-way
            state = optimizer.state_dict()
            optimizer = KerasSGD([p], lr=lr, momentum=momentum, decay=decay, nesterov=True)
            optimizer.load_state_dict(state)
        optimizer.zero_grad()
        (p**2).sum().backward()  # gradient 2 p
        optimizer.step()
        lr_t = lr / (1 + decay * t)  # keras/optimizers.py, SGD.get_updates
        grad = 2 * value
        velocity = momentum * velocity - lr_t * grad
        value = value + momentum * velocity - lr_t * grad
        np.testing.assert_allclose(p.detach().numpy(), value, rtol=1e-12)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(lr / (1 + decay * 6))


def test_recipe_describes_its_source():
    text = get_recipe("mlnet").describe()
    assert "marcellacornia/mlnet" in text and "not weight decay" in text and "batch size 10" in text


def test_recipe_steps_on_real_osie_lower_the_loss(data_dir):
    from models_helpers import osie_batch

    torch.manual_seed(0)
    mlnet = build_model("mlnet", pretrained=False, canvas=SMALL)
    recipe = get_recipe("mlnet")
    batch = osie_batch(data_dir, SMALL)
    modules = recipe.modules(mlnet)
    optimizers = recipe.make_optimizers(modules)
    mlnet.eval()  # dropout off, so the loss before and after is the same function

    def loss():
        with torch.no_grad():
            return (recipe.loss(mlnet(batch["image"]), batch) + mlnet.prior_penalty()).item()

    before = loss()
    for update in range(2):
        recipe.train_step(
            modules, optimizers, batch, StepContext(torch.device("cpu"), update=update)
        )
    assert np.isfinite(before) and loss() < before
    assert mlnet.prior.abs().sum() > 0  # the prior learns
    assert optimizers["model"].param_groups[0]["iterations"] == 2

"""Forward passes against the authors' computations, on the same random weights.

``official_models`` rebuilds each official computation from its code's structure,
independently of the package; the weights go into both through the official
names and file formats (DeepGaze's state-dict keys, SalNet's Caffe layers,
SalGAN's Lasagne ``arr_i``), and the outputs must agree to 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from official_models import (
    SALNET_INPUT_SCALE,
    SALNET_MEAN_BGR,
    caffe_salnet,
    official_deepgaze1,
    official_deepgaze2e,
    randomise,
    salgan_discriminator,
    salgan_generator,
    salgan_predict,
    salnet_get_saliency,
    write_v1_caffemodel,
)
from scipy.ndimage import zoom
from scipy.special import logsumexp

from saliency_course.models import build_model, predict
from saliency_course.models.predict import IMAGENET_MEAN, IMAGENET_STD
from saliency_course.models.salgan import DECODER_TABLE, ENCODER_TABLE
from saliency_course.models.salnet import CONV_TABLE

TOLERANCE = 1e-4


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """An empty weights cache, offline: builders must find the official files placed there."""
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    (tmp_path / "weights").mkdir()
    return tmp_path / "weights"


def rgb255(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1)[None]


def imagenet(x255: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x255 / 255 - mean) / std


def official_centerbias(template: np.ndarray, shape) -> np.ndarray:
    """The official README: ``zoom(order=0, mode="nearest")`` to the image, then renormalise."""
    factors = (shape[0] / template.shape[0], shape[1] / template.shape[1])
    cb = zoom(template, factors, order=0, mode="nearest")
    return cb - logsumexp(cb)


def save_template(weights_dir, size=64) -> np.ndarray:
    ys, xs = np.mgrid[:size, :size]
    template = -((xs - 0.47 * size) ** 2 + (ys - 0.55 * size) ** 2) / (5.0 * size)
    np.save(weights_dir / "centerbias_mit1003.npy", template)
    return template


def test_deepgaze1_matches_the_official_port(weights_dir):
    torch.manual_seed(0)
    official = randomise(official_deepgaze1(), seed=1).eval()
    torch.save(official.state_dict(), weights_dir / "deepgaze1.pth")  # the official key layout
    template = save_template(weights_dir)
    model = build_model("deepgaze1", pretrained=True)  # official weights, MIT1003 centre bias
    image = np.random.default_rng(0).integers(0, 256, (150, 300, 3), dtype=np.uint8)
    cb = official_centerbias(template, image.shape[:2])
    with torch.no_grad():
        expected = official(rgb255(image), torch.from_numpy(cb[None]))[0].double().numpy()
        forward = model(imagenet(rgb255(image)), torch.from_numpy(cb[None]).float())
    assert expected.std() > 0.1  # a map with structure, not a flat one
    assert np.abs(forward[0, 0].double().numpy() - expected).max() < TOLERANCE
    # predict: native resolution and the stored centre bias resampled the official way
    assert np.abs(predict(model, image) - expected).max() < TOLERANCE


@pytest.mark.slow
def test_deepgaze2e_matches_the_official_mixture_on_all_four_backbones(weights_dir):
    torch.manual_seed(0)
    official = randomise(official_deepgaze2e(components=2), seed=1)
    torch.save(official.state_dict(), weights_dir / "deepgaze2e.pth")
    template = save_template(weights_dir)
    del official  # rebuilt below from the file, to keep one copy of each backbone at a time
    model = build_model("deepgaze2e", pretrained=True, components=2)
    official = official_deepgaze2e(components=2)
    official.load_state_dict(torch.load(weights_dir / "deepgaze2e.pth"), strict=True)
    # large enough that every backbone's deepest maps vary (a flat map meets LayerNorm's eps)
    image = np.random.default_rng(0).integers(0, 256, (160, 128, 3), dtype=np.uint8)
    cb = torch.from_numpy(official_centerbias(template, image.shape[:2])[None])
    x255, x = rgb255(image), imagenet(rgb255(image))
    with torch.no_grad():
        for ours, theirs in zip(model.models, official.models, strict=True):  # each backbone
            expected = theirs(x255.clone(), cb)
            assert expected.std() > 0.1
            assert (ours(x, cb[:, None].float()) - expected).abs().max() < TOLERANCE
        expected = official(x255.clone(), cb)[0, 0].double().numpy()
    assert np.abs(predict(model, image) - expected).max() < TOLERANCE


def random_salnet_blobs(seed: int) -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    blobs = {}
    for name, c_in, c_out, k, _ in CONV_TABLE:
        weight = rng.normal(0, np.sqrt(2 / (c_in * k * k)), (c_out, c_in, k, k))
        blobs[name] = [weight.astype(np.float32), rng.normal(0, 0.1, c_out).astype(np.float32)]
    blobs["deconv1"] = [rng.normal(0, 0.3, (1, 1, 8, 8)).astype(np.float32)]
    return blobs


def test_salnet_matches_the_caffe_prototxt_and_wrapper(tmp_path):
    blobs = random_salnet_blobs(0)
    path = tmp_path / "deep_net_model.caffemodel"
    write_v1_caffemodel(path, list(blobs.items()))  # Caffe's format, written independently
    model = build_model("salnet", pretrained=False, weights=path)
    image = np.random.default_rng(1).integers(0, 256, (60, 44, 3), dtype=np.uint8)
    data = rgb255(image).flip(1) - torch.tensor(SALNET_MEAN_BGR).view(1, 3, 1, 1).float()
    data = data * SALNET_INPUT_SCALE
    with torch.no_grad():
        expected = caffe_salnet(blobs, data)
        ours = model(
            (rgb255(image) / 255 - torch.tensor(model.input_mean).view(1, 3, 1, 1))
            / torch.tensor(model.input_std).view(1, 3, 1, 1)
        )
    assert expected.std() > 0.1
    assert (ours - expected).abs().max() < TOLERANCE
    # the whole wrapper: fit in 320x320 (a small image stays as it is), BGR, mean, scale, net,
    # x128+127, bicubic resize, blur, stretch (fitting larger images: test_models_registry)
    small = np.random.default_rng(2).integers(0, 256, (70, 50, 3), dtype=np.uint8)
    wrapper = salnet_get_saliency(blobs, small).astype(np.float64)
    ours = predict(model, small)
    assert ours.shape == wrapper.shape == (70, 50)
    # uint8 truncation may flip where a value sits within float error of an integer
    assert np.abs(ours - wrapper).max() <= 1 and (ours != wrapper).mean() < 1e-2
    raw = predict(model, small, postprocess="raw")
    assert raw.max() < 255 and (raw != np.round(raw)).any()  # not stretched, not truncated


def random_generator_arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for name, c_in, c_out in ENCODER_TABLE + DECODER_TABLE:
        # He initialisation; conv1_1 scaled for 0-255 input, as trained VGG weights are
        std = np.sqrt(2 / (9 * c_in)) / (30 if name == "conv1_1" else 1)
        arrays.append(rng.normal(0, std, (c_out, c_in, 3, 3)))
        arrays.append(rng.normal(0, 0.05, c_out))
    arrays += [rng.normal(0, 0.1, (1, 64, 1, 1)), np.array([0.1])]
    return [a.astype(np.float32) for a in arrays]


@pytest.mark.slow
def test_salgan_generator_matches_the_lasagne_network_and_predict(weights_dir):
    arrays = random_generator_arrays(0)
    np.savez(weights_dir / "gen_modelWeights0090.npz", *arrays)  # what the official code saved
    model = build_model("salgan", pretrained=True)
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    with torch.no_grad():
        expected = salgan_generator(arrays, rgb255(image))
        ours = model(imagenet(rgb255(image)))
    assert expected.std() > 0.05
    assert (ours - expected).abs().max() < TOLERANCE
    # utils.predict: INTER_AREA to 256x192 whatever the shape, uint8, bicubic back, blur, clip
    portrait = rng.integers(0, 256, (100, 70, 3), dtype=np.uint8)
    wrapper = salgan_predict(arrays, portrait).astype(np.float64)
    ours = predict(model, portrait)
    assert ours.shape == wrapper.shape == (100, 70)
    assert np.abs(ours - wrapper).max() <= 1 and (ours != wrapper).mean() < 1e-2


def random_discriminator_arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)

    def conv(c_in, c_out, k):
        return [rng.normal(0, np.sqrt(2 / (k * k * c_in)), (c_out, c_in, k, k)),
                rng.normal(0, 0.05, c_out)]  # fmt: skip

    def gain():
        return [rng.uniform(0.5, 1.5, 64)]  # fixed at 1 in training; any value must load

    arrays = conv(4, 3, 1) + conv(3, 32, 3) + conv(32, 64, 3) + conv(64, 64, 3)
    arrays += conv(64, 64, 3) + gain() + conv(64, 64, 3) + gain()
    for n_in, n_out in ((12288, 100), (100, 2), (2, 1)):  # Lasagne dense W is (in, out)
        arrays += [rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)), rng.normal(0, 0.05, n_out)]
    return [a.astype(np.float32) for a in arrays]


def test_salgan_discriminator_matches_the_lasagne_network_on_raw_rgb(weights_dir):
    arrays = random_discriminator_arrays(0)
    np.savez(weights_dir / "discrim_modelWeights0090.npz", *arrays)
    model = build_model("salgan_discriminator", pretrained=True)
    rng = np.random.default_rng(1)
    images = torch.from_numpy(rng.integers(0, 256, (4, 3, 192, 256)).astype(np.float32))
    saliency = torch.rand(4, 1, 192, 256, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = salgan_discriminator(arrays, saliency, images)
        ours = model(imagenet(images), saliency)
        bgr = images.flip(1) - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
        wrong = salgan_discriminator(arrays, saliency, bgr)  # the generator's VGG input
    assert (ours - expected).abs().max() < TOLERANCE
    assert (wrong - expected).abs().max() > 10 * TOLERANCE  # the test can tell the two apart

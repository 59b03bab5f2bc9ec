"""DeepGaze I and II: counts, log-densities, centre bias, blur, frozen features, weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from models_helpers import osie_batch, step_lowers_loss
from official_models import official_deepgaze1
from scipy.ndimage import gaussian_filter, zoom
from scipy.special import logsumexp

from saliency_course.errors import OfflineError
from saliency_course.losses import fixation_nll
from saliency_course.models import build_model, predict
from saliency_course.models.backbones import hub_checkpoint_path
from saliency_course.models.deepgaze import (
    GaussianBlur,
    centerbias_for,
    deepgaze2_readout,
    readout_weights_by_layer,
    zoom_nearest,
)
from saliency_course.training import get_recipe
from saliency_course.training.objectives import ReadoutSparsity
from saliency_course.training.recipes import StepContext


def count(module, trainable):
    return sum(p.numel() for p in module.parameters() if p.requires_grad == trainable)


@pytest.fixture(scope="module")
def deepgaze1():
    torch.manual_seed(0)
    return build_model("deepgaze1", pretrained=False)


@pytest.fixture(scope="module")
def deepgaze2():
    torch.manual_seed(0)
    return build_model("deepgaze2", pretrained=False)


def test_parameter_counts(deepgaze1, deepgaze2):
    assert count(deepgaze1, True) == 258  # 256 readout weights + sigma + centre-bias weight
    assert count(deepgaze1, False) == 2_469_696  # frozen torchvision AlexNet conv1-5
    assert sum(p.numel() for p in deepgaze2.readout.parameters()) == 41_589
    assert count(deepgaze2, True) == 41_589 + 2
    assert count(deepgaze2, False) == 20_024_384  # frozen VGG-19 conv part
    widths = [m.out_channels for m in deepgaze2.readout if isinstance(m, torch.nn.Conv2d)]
    assert widths == [16, 32, 2, 1]
    assert deepgaze1.output_kind == deepgaze2.output_kind == "log_density"


@pytest.mark.parametrize("name", ["deepgaze1", "deepgaze2"])
@pytest.mark.parametrize("size", [(128, 160), (136, 200), (160, 112)])
def test_log_density_at_input_size(name, size, deepgaze1, deepgaze2):
    model = {"deepgaze1": deepgaze1, "deepgaze2": deepgaze2}[name]
    with torch.no_grad():
        out = model(torch.randn(2, 3, *size))
    assert out.shape == (2, 1, *size)
    torch.testing.assert_close(out.flatten(1).logsumexp(1), torch.zeros(2), atol=1e-5, rtol=0)


def test_blur_matches_scipy_nearest_padding():
    image = np.random.default_rng(0).random((21, 30)).astype(np.float32)
    blurred = GaussianBlur(2.5)(torch.from_numpy(image)[None, None])[0, 0].detach().numpy()
    np.testing.assert_allclose(
        blurred, gaussian_filter(image, 2.5, mode="nearest", truncate=3), atol=1e-5
    )


def test_centre_bias_prior_moves_the_mass(deepgaze1):
    size = (128, 160)
    x = torch.randn(1, 3, *size)
    left = torch.zeros(size)
    left[:, : size[1] // 2] = 5.0  # e^5 more likely on the left half
    with torch.no_grad():
        uniform = deepgaze1(x).exp()[0, 0]
        biased = deepgaze1(x, centerbias=left).exp()[0, 0]
    assert biased[:, : size[1] // 2].sum() > uniform[:, : size[1] // 2].sum() + 0.3
    stored = build_model("deepgaze1", pretrained=False, centerbias=left.numpy())
    stored.load_state_dict(deepgaze1.state_dict())  # a state dict without a centre bias keeps it
    with torch.no_grad():
        torch.testing.assert_close(stored(x).exp()[0, 0], biased)
    restored = build_model("deepgaze1", pretrained=False)  # checkpoints carry the centre bias
    restored.load_state_dict(stored.state_dict())
    assert torch.equal(restored.centerbias, left)
    with torch.no_grad():
        torch.testing.assert_close(restored(x).exp()[0, 0], biased)
    with pytest.raises(ValueError, match="centerbias"):
        deepgaze1(x, centerbias=torch.zeros(3, 1, 4, 4))


@pytest.mark.parametrize("name", ["deepgaze1", "deepgaze2"])
def test_nll_step_on_real_osie_lowers_loss_and_keeps_features_frozen(
    name, data_dir, deepgaze1, deepgaze2
):
    model = {"deepgaze1": deepgaze1, "deepgaze2": deepgaze2}[name]
    batch = osie_batch(data_dir, (144, 192))
    frozen = [p.detach().clone() for p in model.features.parameters()]
    assert frozen and not any(p.requires_grad for p in model.features.parameters())
    before, after = step_lowers_loss(
        model, lambda m: fixation_nll(m(batch["image"]), batch["fixations"]), lr=1e-2
    )
    assert after < before
    assert all(torch.equal(a, b) for a, b in zip(frozen, model.features.parameters(), strict=True))
    assert not model.features.training


def test_predict_is_a_log_density_at_image_size(deepgaze1):
    image = np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    out = predict(deepgaze1, image, input_size=(128, 160))
    assert out.shape == (90, 120) and abs(logsumexp(out)) < 1e-9


@pytest.mark.parametrize(
    "shape, size",
    [((1024, 1024), (768, 1024)), ((32, 32), (300, 150)), ((17, 23), (40, 9)), ((5, 7), (1, 3))],
)
def test_centre_bias_zoom_is_scipys_nearest_zoom(shape, size):
    template = np.random.default_rng(0).normal(size=shape)
    expected = zoom(template, (size[0] / shape[0], size[1] / shape[1]), order=0, mode="nearest")
    assert expected.shape == size
    got = zoom_nearest(torch.from_numpy(template)[None, None], size)[0, 0].numpy()
    np.testing.assert_array_equal(got, expected)
    # and renormalised as the official README does (centerbias -= logsumexp(centerbias))
    cb = centerbias_for(torch.from_numpy(template), 1, size, torch.zeros((), dtype=torch.float64))
    np.testing.assert_allclose(cb[0, 0].numpy(), expected - logsumexp(expected), atol=1e-12)


def test_default_centre_bias_is_mit1003_with_weights_and_uniform_without(tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    assert build_model("deepgaze1", pretrained=False).centerbias is None  # builds offline
    weights = tmp_path / "weights"
    weights.mkdir()
    torch.manual_seed(0)
    torch.save(official_deepgaze1().state_dict(), weights / "deepgaze1.pth")
    with pytest.raises(OfflineError, match="centerbias_mit1003.npy") as info:
        build_model("deepgaze1", pretrained=True)
    assert "releases/download/v1.0.0/centerbias_mit1003.npy" in str(info.value)
    template = np.random.default_rng(0).normal(size=(16, 16))
    np.save(weights / "centerbias_mit1003.npy", template)
    model = build_model("deepgaze1", pretrained=True)
    np.testing.assert_allclose(model.centerbias.numpy(), template, rtol=1e-6)
    given = np.zeros((4, 4))
    assert torch.equal(build_model("deepgaze1", centerbias=given).centerbias, torch.zeros(4, 4))
    assert build_model("deepgaze1", centerbias="uniform").centerbias is None
    with pytest.raises(ValueError, match="centerbias must be"):
        build_model("deepgaze1", pretrained=False, centerbias="salicon")


def test_imagenet_weights_from_the_hub_cache_and_offline_error(deepgaze1, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    from torchvision.models import AlexNet_Weights

    path = hub_checkpoint_path(AlexNet_Weights.IMAGENET1K_V1.url)
    assert path == tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"
    with pytest.raises(OfflineError, match="alexnet-owt-7be5be79.pth") as info:
        build_model("deepgaze1", pretrained=True, weights="imagenet")
    assert str(path.parent) in str(info.value)
    # a checkpoint in torchvision's own key layout, as the download would leave it
    state = {f"features.{k}": v for k, v in deepgaze1.features.features.state_dict().items()}
    state["classifier.1.weight"] = torch.zeros(2, 2)  # the classifier is not read
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    loaded = build_model("deepgaze1", pretrained=True, weights="imagenet", centerbias="uniform")
    for a, b in zip(loaded.features.parameters(), deepgaze1.features.parameters(), strict=True):
        assert torch.equal(a, b)


def test_official_deepgaze1_file_loads(deepgaze1, tmp_path, monkeypatch):
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="v1.01/deepgaze1.pth"):
        build_model("deepgaze1", pretrained=True)
    # the official layout: AlexNet (with its classifier) after a normaliser, readout_network.conv0
    state = {
        f"features.features.1.features.{k}": v
        for k, v in deepgaze1.features.features.state_dict().items()
    }
    state["features.features.1.classifier.1.weight"] = torch.zeros(3, 3)
    state["readout_network.conv0.weight"] = torch.randn(1, 256, 1, 1)
    state["finalizer.gauss.sigma"] = torch.tensor(6.5)
    state["finalizer.center_bias_weight"] = torch.tensor([0.8])
    (tmp_path / "weights").mkdir()
    torch.save(state, tmp_path / "weights" / "deepgaze1.pth")
    np.save(tmp_path / "weights" / "centerbias_mit1003.npy", np.zeros((8, 8)))
    loaded = build_model("deepgaze1", pretrained=True)
    assert torch.equal(loaded.readout.weight, state["readout_network.conv0.weight"])
    assert loaded.finalizer.gauss.sigma.item() == 6.5
    assert loaded.finalizer.center_bias_weight.item() == pytest.approx(0.8)
    assert torch.equal(loaded.features.features[10].weight, deepgaze1.features.features[10].weight)


def test_relu_readout_variant_of_the_tensorflow_code():
    readout = deepgaze2_readout(2560, "relu")
    assert sum(isinstance(m, torch.nn.ReLU) for m in readout) == 3
    assert sum(p.numel() for p in readout.parameters()) == 41_589
    with pytest.raises(ValueError, match="nonlinearity"):
        deepgaze2_readout(2560, "tanh")


@pytest.fixture(scope="module")
def deepgaze1_all():
    torch.manual_seed(0)
    return build_model("deepgaze1", pretrained=False, layers="all")


def test_all_layers_variant_counts_and_maps(deepgaze1_all):
    # AlexNet's conv channels 64 + 192 + 384 + 256 + 256 = 1152 readout weights, + sigma, alpha
    assert count(deepgaze1_all, True) == 1152 + 2
    assert count(deepgaze1_all, False) == 2_469_696
    sizes = {k: v.size for k, v in readout_weights_by_layer(deepgaze1_all).items()}
    assert sizes == {"conv1": 64, "conv2": 192, "conv3": 384, "conv4": 256, "conv5": 256}
    image = np.random.default_rng(0).integers(0, 256, (150, 200, 3), dtype=np.uint8)
    out = predict(deepgaze1_all, image)
    assert out.shape == (150, 200) and abs(logsumexp(out)) < 1e-9
    with pytest.raises(ValueError, match="no official weights"):
        build_model("deepgaze1", pretrained=True, layers="all")
    with pytest.raises(ValueError, match="layers"):
        build_model("deepgaze1", pretrained=False, layers="conv4")


def _train(model, recipe, batch, steps):
    modules = recipe.modules(model)
    optimizers = recipe.make_optimizers(modules)
    for update in range(steps):
        ctx = StepContext(torch.device("cpu"), update=update)
        recipe.train_step(modules, optimizers, batch, ctx)


def test_l1_recipe_step_lowers_the_penalised_loss(deepgaze1_all, data_dir):
    batch = osie_batch(data_dir, (64, 96))
    recipe = get_recipe("deepgaze1_l1")
    penalty = recipe.penalty
    assert penalty == ReadoutSparsity(1e-3, "l1") and recipe.model == "deepgaze1"
    model = build_model("deepgaze1", pretrained=False, layers="all")
    model.load_state_dict(deepgaze1_all.state_dict())

    def objective():
        with torch.no_grad():
            return (recipe.loss(recipe.forward(model, batch), batch) + penalty(model)).item()

    before = objective()
    _train(model, recipe, batch, 1)
    assert objective() < before
    w = model.readout.weight.detach()
    assert penalty(model).item() == pytest.approx(1e-3 * w.abs().sum().item(), rel=1e-6)
    ratio = ReadoutSparsity(2.0, "l1/l2")(model).item()
    assert ratio == pytest.approx(2.0 * w.abs().sum().item() / w.norm().item(), rel=1e-6)
    with pytest.raises(ValueError, match="kind"):
        ReadoutSparsity(1.0, "l2")


@pytest.mark.slow
def test_l1_penalty_sparsifies_the_readout(deepgaze1_all, data_dir):
    batch = osie_batch(data_dir, (64, 96))
    near_zero = {}
    for weight in (0.0, 1e-3):
        model = build_model("deepgaze1", pretrained=False, layers="all")
        model.load_state_dict(deepgaze1_all.state_dict())  # the same start
        recipe = get_recipe("deepgaze1_l1").with_settings(penalty=ReadoutSparsity(weight))
        _train(model, recipe, batch, 15)
        magnitudes = np.abs(np.concatenate(list(readout_weights_by_layer(model).values())))
        near_zero[weight] = int((magnitudes < 1e-3).sum())
    # measured: about 35 of 1152 without the penalty, about 200 with it
    assert near_zero[1e-3] > 100 and near_zero[1e-3] > 3 * near_zero[0.0]

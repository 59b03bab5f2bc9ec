"""Each paper's recipe on the real model (random weights) and real OSIE batches, on the CPU.

Inputs are shrunk (the architectures are not); each test takes a few optimisation
steps on one batch and checks the recipe's own loss goes down.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from saliency_course.models import build_model
from saliency_course.training import StepContext, fit, get_recipe, run_directory
from saliency_course.training.recipes import trainable

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def osie(data_dir):
    from saliency_course.data import load_dataset

    return load_dataset("osie", root=data_dir, download=False, mouse=False)


def osie_batch(osie, size, count=2, start=0):
    from saliency_course.data.torch_data import SaliencyTorchDataset, collate_saliency

    items = SaliencyTorchDataset(osie, indices=list(range(start, start + count)), size=size)
    return collate_saliency([items[i] for i in range(count)])


def _losses_over_steps(recipe_name, model, batch, steps=3):
    recipe = get_recipe(recipe_name)
    modules = recipe.modules(model)
    optimizers = recipe.make_optimizers(modules)
    losses = []
    for update in range(steps):
        ctx = StepContext(device=CPU, update=update)
        losses.append(recipe.train_step(modules, optimizers, batch, ctx)["loss"])
    with torch.no_grad():
        losses.append(recipe.loss(recipe.forward(model, batch), batch).item())
    return losses


def osie_log_center_bias(osie, size):
    """OSIE's centre bias (a fixed KDE bandwidth, to stay fast) as a log-density at ``size``."""
    from saliency_course.maps import center_bias

    return np.log(center_bias(osie.fixations, (600, 800), size, bandwidth=0.05, eps=1e-3))


@pytest.mark.parametrize(
    ("recipe", "model", "size"),
    [
        ("salnet", "salnet", (32, 48)),
        ("salgan_bce", "salgan", (32, 48)),
        ("deepgaze", "deepgaze2", (96, 128)),
        ("deepfix", "deepfix", (32, 48)),
    ],
)
def test_recipe_lowers_its_loss_on_osie(osie, recipe, model, size):
    torch.manual_seed(0)
    # A randomly initialised VGG-19 (no batch norm) gives near-constant features, so the
    # readout alone cannot move a softmax; the centre-bias weight alpha still learns.
    options = {"centerbias": osie_log_center_bias(osie, size)} if model == "deepgaze2" else {}
    net = build_model(model, pretrained=False, **options)
    batch = osie_batch(osie, size)
    losses = _losses_over_steps(recipe, net, batch)
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0], losses


def test_deepgaze_recipe_trains_only_the_readout(osie):
    torch.manual_seed(0)
    net = build_model("deepgaze2", pretrained=False)
    frozen = {k: v.clone() for k, v in net.named_parameters() if not v.requires_grad}
    assert frozen, "DeepGaze II's VGG-19 backbone must be frozen"
    _losses_over_steps("deepgaze", net, osie_batch(osie, (96, 128)), steps=1)
    for name, value in net.named_parameters():
        if name in frozen:
            assert torch.equal(value, frozen[name]), name
    assert sum(p.numel() for p in trainable(net)) < 50_000


def test_salgan_adversarial_stage_on_osie(osie):
    """At SalGAN's size (its discriminator is fixed to 192x256): each turn lowers that loss."""
    torch.manual_seed(0)
    recipe = get_recipe("salgan_gan")
    modules = recipe.modules(build_model("salgan", pretrained=False))
    optimizers = recipe.make_optimizers(modules)
    batch = osie_batch(osie, (192, 256), count=1)
    generator, discriminator = modules["model"], modules["discriminator"]

    def losses():
        with torch.no_grad():
            fake = generator(batch["image"])
            real = batch["density"] / batch["density"].amax(dim=(2, 3), keepdim=True)
            p_fake, p_real = (
                discriminator(batch["image"], fake),
                discriminator(batch["image"], real),
            )
            g = 0.05 * recipe.loss(fake, batch) - torch.log(p_fake).mean()
            d = -(torch.log(p_real).mean() + torch.log(1 - p_fake).mean()) / 2
        return g.item(), d.item()

    g0, _ = losses()
    recipe.train_step(modules, optimizers, batch, StepContext(CPU, update=0))  # generator
    g1, d1 = losses()
    recipe.train_step(modules, optimizers, batch, StepContext(CPU, update=1))  # discriminator
    g2, d2 = losses()
    assert g1 < g0 and d2 < d1 and np.isfinite([g2, d2]).all()


def test_fit_on_osie_with_metrics_and_resume(osie, tmp_path):
    from saliency_course.training import torch_splits

    train, val = torch_splits(osie, (32, 48), max_images=4)
    options = dict(
        epochs=1,
        device="cpu",
        run_name="osie_bce",
        root=tmp_path,
        batch_size=2,
        progress=False,
        max_steps_per_epoch=1,
        val_metrics=("cc", "nss", "kld"),
    )
    torch.manual_seed(0)
    history = fit(build_model("salgan", pretrained=False), "salgan_bce", train, val, **options)
    row = history.iloc[0]
    assert -1 <= row["val_cc"] <= 1 and np.isfinite(row[["val_loss", "val_nss", "val_kld"]]).all()
    assert (run_directory("osie_bce", tmp_path) / "last.pt").is_file()
    again = build_model("salgan", pretrained=False)
    assert fit(again, "salgan_bce", train, val, **options).equals(history)


@pytest.mark.parametrize(("model", "run"), [("salgan", "salgan_bce"), ("deepgaze2", "deepgaze")])
def test_cli_train_on_osie(data_dir, tmp_path, capsys, model, run):
    from saliency_course.cli import main

    status = main(
        [
            "train", model, "--dataset", "osie", "--root", str(data_dir), "--runs-root",
            str(tmp_path), "--epochs", "1", "--size", "64", "96", "--batch-size", "2",
            "--max-images", "2", "--max-steps", "1", "--device", "cpu", "--no-pretrained",
            "--no-download", "--quiet",
        ]
    )  # fmt: skip
    assert status == 0
    assert "train_loss" in capsys.readouterr().out
    state = torch.load(tmp_path / "runs" / run / "last.pt", weights_only=False)
    assert state["epoch"] == 1 and state["recipe"] == run

"""The training engine on tiny models and synthetic data: resume, finish, corruption, GAN turns.

This file is also the script of the run that ``test_killed_run_resumes`` kills (see ``__main__``).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from training_helpers import (
    SlowSyntheticSaliency,
    SyntheticSaliency,
    TinyDiscriminator,
    TinyLogDensityNet,
    TinySaliencyNet,
    collate,
    weights_digest,
)

from saliency_course.training import (
    CheckpointError,
    StepContext,
    fit,
    get_recipe,
    kfold_splits,
    list_recipes,
    objectives,
    register_recipe,
    run_directory,
    validate,
)
from saliency_course.training.recipes import AdversarialRecipe, trainable

# A quick plain recipe for engine mechanics: the papers' learning rates are far too
# small to move a 100-parameter net in a few steps.
FAST = get_recipe("salgan_bce").with_settings(
    name="fast_bce",
    optimizer=lambda params: torch.optim.SGD(params, lr=0.5, momentum=0.5),
    batch_size=4,
)
OPTS = dict(device="cpu", progress=False, val_metrics=(), collate_fn=collate, batch_size=4)


def _model(seed: int, cls=TinySaliencyNet):
    torch.manual_seed(seed)
    return cls()


def test_registry_names_and_errors():
    assert {"salnet", "salgan_bce", "salgan_gan", "deepgaze", "deepfix"} <= set(list_recipes())
    with pytest.raises(ValueError, match="recipe must be one of"):
        get_recipe("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_recipe(get_recipe("salnet"))
    assert get_recipe("salgan_gan").alpha == 0.05
    assert get_recipe("deepgaze").epochs == 75  # 1e-3 x0.1 at 15,30,...: below 1e-7 after 75
    assert get_recipe("deepgaze_finetune").epochs == 15
    assert "salnet" in get_recipe("salnet").describe()


def test_resumed_run_matches_uninterrupted_run(tmp_path):
    data, val = SyntheticSaliency(12), SyntheticSaliency(4, seed=1)
    straight = _model(0)
    h_straight = fit(straight, FAST, data, val, epochs=3, run_name="a", root=tmp_path, **OPTS)
    assert list(h_straight["epoch"]) == [1, 2, 3]
    assert h_straight["train_loss"].notna().all() and h_straight["val_loss"].notna().all()

    fit(_model(0), FAST, data, val, epochs=1, run_name="b", root=tmp_path, **OPTS)
    restarted = _model(123)  # a new process builds a fresh model; the checkpoint replaces it
    h_resumed = fit(restarted, FAST, data, val, epochs=3, run_name="b", root=tmp_path, **OPTS)
    assert weights_digest(restarted) == weights_digest(straight)
    np.testing.assert_allclose(h_resumed["train_loss"], h_straight["train_loss"], rtol=0, atol=0)
    assert (run_directory("b", tmp_path) / "history.csv").exists()
    assert not list(run_directory("b", tmp_path).glob("*.tmp"))


def test_finished_run_returns_at_once_with_weights(tmp_path, monkeypatch):
    data = SyntheticSaliency(8)
    trained = _model(0)
    fit(trained, FAST, data, epochs=2, run_name="done", root=tmp_path, **OPTS)

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run must not train again")

    fresh = _model(5)
    monkeypatch.setattr(type(FAST), "train_step", no_training)
    start = time.perf_counter()
    history = fit(fresh, FAST, data, epochs=2, run_name="done", root=tmp_path, **OPTS)
    assert time.perf_counter() - start < 2.0
    assert len(history) == 2
    assert weights_digest(fresh) == weights_digest(trained)


def test_corrupt_or_foreign_checkpoint_is_a_clear_error(tmp_path):
    data = SyntheticSaliency(8)
    fit(_model(0), FAST, data, epochs=1, run_name="c", root=tmp_path, **OPTS)
    path = run_directory("c", tmp_path) / "last.pt"
    with pytest.raises(CheckpointError, match="other settings"):
        fit(_model(0), FAST, data, epochs=2, run_name="c", root=tmp_path, seed=1, **OPTS)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"corrupt or truncated.*delete"):
        fit(_model(0), FAST, data, epochs=2, run_name="c", root=tmp_path, **OPTS)


def test_bad_arguments_name_themselves(tmp_path):
    data = SyntheticSaliency(4)
    for kwargs, match in [
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"amp": "fp8"}, "amp must be one of"),
        ({"amp": "bf16"}, "needs a CUDA device"),
        ({"channels_last": True}, "CUDA only"),
        ({"run_name": "../x"}, "run_name"),
    ]:
        with pytest.raises(ValueError, match=match):
            fit(_model(0), FAST, data, root=tmp_path, **{**OPTS, **kwargs})
    with pytest.raises(ValueError, match="val_metrics must be among"):
        fit(_model(0), FAST, data, root=tmp_path, **{**OPTS, "val_metrics": ("acc",)})


def _gan_setup():
    recipe = get_recipe("salgan_gan")
    modules = recipe.modules(_model(0), discriminator=TinyDiscriminator())
    return recipe, modules, recipe.make_optimizers(modules)


def test_adversarial_recipe_alternates_generator_and_discriminator():
    recipe, modules, optimizers = _gan_setup()
    batch = collate([SyntheticSaliency(4)[i] for i in range(4)])
    modules["model"].eval()  # no dropout, so the loss below is reproducible
    for update in range(4):
        before = {k: [p.detach().clone() for p in trainable(m)] for k, m in modules.items()}
        ctx = StepContext(device=torch.device("cpu"), update=update)
        stats = recipe.train_step(modules, optimizers, batch, ctx)
        changed = {
            k: any(not torch.equal(a, b) for a, b in zip(before[k], trainable(m), strict=True))
            for k, m in modules.items()
        }
        turn = "model" if update % 2 == 0 else "discriminator"
        other = "discriminator" if turn == "model" else "model"
        assert changed[turn] and not changed[other], (update, changed)
        assert ("g_loss" in stats) == (turn == "model")
        assert ("d_loss" in stats) == (turn == "discriminator")


def test_generator_loss_is_alpha_bce_minus_log_d():
    recipe, modules, optimizers = _gan_setup()
    generator, discriminator = modules["model"].eval(), modules["discriminator"]
    batch = collate([SyntheticSaliency(2)[i] for i in range(2)])
    with torch.no_grad():
        fake = generator(batch["image"])
        target = batch["density"] / batch["density"].amax(dim=(2, 3), keepdim=True)
        bce = F.binary_cross_entropy(F.avg_pool2d(fake, 4), F.avg_pool2d(target, 4))
        expected = 0.05 * bce - torch.log(discriminator(batch["image"], fake)).mean()
    stats = recipe.train_step(modules, optimizers, batch, StepContext(torch.device("cpu")))
    assert stats["g_loss"] == pytest.approx(expected.item(), rel=1e-5)


def test_gan_fit_records_both_players(tmp_path):
    recipe = AdversarialRecipe(**{**get_recipe("salgan_gan").__dict__, "name": "tiny_gan"})
    history = fit(
        _model(0),
        recipe,
        SyntheticSaliency(8),
        epochs=1,
        discriminator=TinyDiscriminator(),
        run_name="gan",
        root=tmp_path,
        **OPTS,
    )
    assert {"g_loss", "d_loss", "bce"} <= set(history.columns)
    assert np.isfinite(history[["g_loss", "d_loss"]].to_numpy()).all()


def test_log_likelihood_recipe_trains_a_log_density(tmp_path):
    recipe = get_recipe("deepgaze").with_settings(
        name="tiny_dg", optimizer=lambda p: torch.optim.Adam(p, lr=0.05)
    )
    history = fit(
        _model(0, TinyLogDensityNet),
        recipe,
        SyntheticSaliency(8),
        SyntheticSaliency(4, seed=2),
        epochs=3,
        run_name="dg",
        root=tmp_path,
        **OPTS,
    )
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert history["lr"].iloc[-1] == pytest.approx(0.05)  # first milestone is epoch 15


def test_objectives_against_hand_values():
    density = torch.tensor([[[[0.0, 0.25], [0.25, 0.5]]]])
    np.testing.assert_allclose(
        objectives.salnet_targets(density)[0, 0].numpy(),
        [[-127 / 128, (127.5 - 127) / 128], [(127.5 - 127) / 128, 1.0]],
        rtol=1e-6,
    )
    prediction = torch.zeros(2, 1, 2, 2)
    target = torch.ones(2, 1, 2, 2)
    assert objectives.euclidean_loss(prediction, target).item() == pytest.approx(8 / 4)
    p = torch.full((1, 1, 4, 4), 0.25)
    t = torch.zeros(1, 1, 4, 4)
    t[0, 0, 0, 0] = 0.5  # as unit map: 1 at one pixel, so pooled target 1/16, prediction 1/4
    expected = -(1 / 16 * math.log(0.25) + 15 / 16 * math.log(0.75))
    salgan = get_recipe("salgan_bce")
    assert salgan.loss(p, {"density": t}).item() == pytest.approx(expected, rel=1e-6)
    deepgaze = get_recipe("deepgaze")
    uniform = torch.full((1, 1, 4, 8), -math.log(32))
    one = {"fixations": [torch.tensor([[1.0, 2.0]])]}
    assert deepgaze.loss(uniform, one).item() == pytest.approx(0.0, abs=1e-6)
    peaked = torch.full((1, 1, 4, 8), math.log(0.5 / 31))
    peaked[0, 0, 2, 1] = math.log(0.5)  # half the mass on pixel (x=1, y=2)
    nll = deepgaze.loss(peaked, {"fixations": [torch.tensor([[1.2, 1.6]])]}).item()
    assert nll == pytest.approx(-math.log2(0.5 * 32))  # bits below uniform: -log2(16)
    with pytest.raises(ValueError, match="target's shape"):
        objectives.euclidean_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3))


def test_kfold_splits_partition_images():
    splits = kfold_splits(23, k=10, seed=3)
    held_out = np.concatenate([val for _, val in splits])
    assert sorted(held_out.tolist()) == list(range(23))
    for train, val in splits:
        assert not set(train) & set(val) and len(train) + len(val) == 23
        assert len(val) in (2, 3)
    with pytest.raises(ValueError, match="n_images must be"):
        kfold_splits(5, k=10)


class _DensityEcho(torch.nn.Module):
    """Predicts channel 0 of its input: fed the ground truth, it is a perfect model."""

    output_kind = "saliency"

    def forward(self, x):
        return x[:, :1]


def test_validate_scores_a_perfect_prediction():
    from saliency_course.metrics import nss

    data = SyntheticSaliency(3)
    batch = collate([data[i] for i in range(3)])
    batch["image"] = batch["density"].repeat(1, 3, 1, 1)
    loader = [batch]
    scores = validate(
        get_recipe("salgan_bce"), _DensityEcho(), loader, torch.device("cpu"), ("cc", "kld", "nss")
    )
    assert scores["val_cc"] == pytest.approx(1.0)
    assert scores["val_kld"] == pytest.approx(0.0, abs=1e-6)
    expected_nss = np.mean(
        [
            nss(d[0].numpy(), f[0].numpy())
            for d, f in zip(batch["density"], batch["fixation_map"], strict=True)
        ]
    )
    assert scores["val_nss"] == pytest.approx(expected_nss)
    assert np.isfinite(scores["val_loss"])


def test_plot_history_draws_losses_and_metrics():
    import matplotlib

    matplotlib.use("Agg")
    from saliency_course.viz import plot_history

    history = pd.DataFrame(
        {"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "val_cc": [0.2, 0.4]}
    )
    figure = plot_history(history, title="run")
    assert len(figure.axes) == 2
    assert [line.get_label() for line in figure.axes[0].lines] == [
        "training loss",
        "validation loss",
    ]
    assert figure.axes[1].get_ylabel() and figure.axes[0].get_title() == "losses"
    with pytest.raises(ValueError, match="metrics must be among"):
        plot_history(history, metrics=["nss"])


def test_fit_crossvalidated_runs_one_resumable_run_per_fold(tmp_path):
    from saliency_course.training import fit_crossvalidated

    recipe = get_recipe("deepgaze_finetune").with_settings(name="tiny_cv")
    built = []

    def make_model(fold):
        built.append(fold)
        return _model(fold, TinyLogDensityNet)

    models, history = fit_crossvalidated(
        make_model, recipe, SyntheticSaliency(9), k=3, run_name="cv", folds=[0, 2], epochs=1,
        root=tmp_path, **OPTS,
    )  # fmt: skip
    assert built == [0, 2] and len(models) == 2
    assert list(history["fold"]) == [0, 2] and history["val_loss"].notna().all()
    assert (run_directory("cv/fold2", tmp_path) / "last.pt").is_file()
    with pytest.raises(ValueError, match="folds must be ints"):
        fit_crossvalidated(make_model, recipe, SyntheticSaliency(9), k=3, folds=[3], **OPTS)


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    """A real process is killed (SIGKILL) after its first checkpoint; a new one finishes the run."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    child = subprocess.Popen([sys.executable, __file__, str(tmp_path)], env=env)
    checkpoint = run_directory("killed", tmp_path) / "last.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run must still be going when killed"
    assert torch.load(checkpoint, weights_only=False)["epoch"] == 1

    data = SlowSyntheticSaliency(12, delay=0.0)
    resumed = _model(99)
    history = fit(resumed, FAST, data, epochs=3, run_name="killed", root=tmp_path, **OPTS)
    straight = _model(0)
    fit(straight, FAST, data, epochs=3, run_name="straight", root=tmp_path, **OPTS)
    assert list(history["epoch"]) == [1, 2, 3]
    assert weights_digest(resumed) == weights_digest(straight)


def test_load_weights_of_a_run(tmp_path):
    from saliency_course.training import load_weights

    recipe = AdversarialRecipe(**{**get_recipe("salgan_gan").__dict__, "name": "lw_gan"})
    generator, discriminator = _model(0), TinyDiscriminator()
    fit(generator, recipe, SyntheticSaliency(4), epochs=1, discriminator=discriminator,
        run_name="lw", root=tmp_path, **OPTS)  # fmt: skip
    fresh_g, fresh_d = _model(3), TinyDiscriminator()
    state = load_weights(fresh_g, "lw", tmp_path)
    load_weights(fresh_d, "lw", tmp_path, module="discriminator")
    assert state["epoch"] == 1 and len(state["history"]) == 1
    assert weights_digest(fresh_g) == weights_digest(generator)
    assert weights_digest(fresh_d) == weights_digest(discriminator)
    with pytest.raises(FileNotFoundError, match="has no checkpoint"):
        load_weights(fresh_g, "nothing", tmp_path)
    with pytest.raises(ValueError, match="module must be one of"):
        load_weights(fresh_g, "lw", tmp_path, module="critic")


if __name__ == "__main__":  # the run that test_killed_run_resumes_to_the_same_weights kills
    fit(
        _model(0),
        FAST,
        SlowSyntheticSaliency(12),
        epochs=3,
        run_name="killed",
        root=sys.argv[1],
        **OPTS,
    )

"""Named training recipes: each paper's loss, optimiser, schedule and training step.

A recipe knows its loss, how to build its optimiser(s) and scheduler(s), its
default batch size, number of epochs and input size, and its training step:
plain (one loss, one optimiser), adversarial (generator and discriminator take
turns) or log-likelihood. Where a paper and its official code disagree, the
recipe follows the code; each recipe's ``notes`` say where and why.

===============  ===========================================================
``salnet``       Pan et al., "Shallow and deep convolutional networks for
                 saliency prediction", CVPR 2016.
``salgan_bce``   Pan et al., "SalGAN: visual saliency prediction with
``salgan_gan``   generative adversarial networks", arXiv:1701.01081 (2017).
``deepgaze``     Kuemmerer, Wallis, Bethge, "DeepGaze II", arXiv:1610.01563;
``deepgaze_      protocol of the official code ``matthias-k/DeepGaze``.
finetune``
``deepgaze1_l1`` Kuemmerer, Theis, Bethge, "Deep Gaze I", arXiv:1411.1045:
                 the same protocol plus an L1 penalty on the readout.
``deepfix``      Kruthiventi, Ayush, Babu, "DeepFix", IEEE TIP 26(9), 2017.
``mlnet``        Cornia, Baraldi, Serra, Cucchiara, "A Deep Multi-Level
                 Network for Saliency Prediction", ICPR 2016; code
                 ``marcellacornia/mlnet``.
``salicon_       Huang, Shen, Boix, Zhao, "SALICON: Reducing the Semantic
model``          Gap in Saliency Prediction by Adapting Deep Neural
                 Networks", ICCV 2015 (the model, not the dataset).
===============  ===========================================================
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import torch

from .. import losses
from . import objectives
from .distributed import unwrap
from .keras_optim import KerasSGD

Batch = dict[str, Any]


@dataclass
class StepContext:
    """What the engine lends a training step: device, autocast, grad scaler, update count."""

    device: torch.device
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    scaler: torch.amp.GradScaler | None = None
    update: int = 0


def trainable(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    """The parameters with ``requires_grad`` (frozen backbones are left out)."""
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"model must have trainable parameters, {type(module).__name__} has none")
    return params


def optimise(loss: torch.Tensor, optimizer: torch.optim.Optimizer, ctx: StepContext) -> None:
    """Zero the gradients, back-propagate ``loss`` (scaled under fp16) and step."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"training loss is {loss.item()} at update {ctx.update}")
    optimizer.zero_grad(set_to_none=True)
    if ctx.scaler is not None:
        ctx.scaler.scale(loss).backward()
        ctx.scaler.step(optimizer)
        ctx.scaler.update()
    else:
        loss.backward()
        optimizer.step()


@dataclass(frozen=True)
class Recipe:
    """A plain training recipe: ``loss(model(image), batch)`` minimised by one optimiser.

    ``loss(output, batch)`` returns a scalar; ``to_saliency(output)`` turns the
    model's output into a non-negative map for the validation metrics;
    ``optimizer(params)`` and ``scheduler(optimizer)`` build the optimiser and
    the per-epoch learning-rate schedule (or ``None``); ``settings`` lists the
    hyper-parameters (shown to students and hashed into the run's identity).
    """

    name: str
    model: str
    kind: Literal["plain", "adversarial", "log_likelihood"]
    loss: Callable[[torch.Tensor, Batch], torch.Tensor]
    to_saliency: Callable[[torch.Tensor], torch.Tensor]
    optimizer: Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer]
    batch_size: int
    epochs: int
    input_size: tuple[int, int]
    scheduler: Callable[[torch.optim.Optimizer], Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    reference: str = ""
    notes: str = ""

    def modules(
        self, model: torch.nn.Module, **extra: torch.nn.Module
    ) -> dict[str, torch.nn.Module]:
        """The modules this recipe trains (``{"model": model}`` for a plain recipe)."""
        if extra:
            raise ValueError(f"recipe {self.name!r} takes no extra modules, got {sorted(extra)}")
        return {"model": model}

    def make_optimizers(self, modules: dict[str, torch.nn.Module]) -> dict[str, Any]:
        return {"model": self.optimizer(trainable(modules["model"]))}

    def make_schedulers(self, optimizers: dict[str, Any]) -> dict[str, Any]:
        if self.scheduler is None:
            return {}
        return {key: self.scheduler(opt) for key, opt in optimizers.items()}

    def forward(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        """The model's output on the batch's images."""
        return model(batch["image"])

    def train_step(
        self,
        modules: dict[str, torch.nn.Module],
        optimizers: dict[str, Any],
        batch: Batch,
        ctx: StepContext,
    ) -> dict[str, float]:
        """One optimisation step; returns ``{"loss": value, ...}``."""
        with ctx.autocast():
            output = self.forward(modules["model"], batch)
        loss = self.loss(output, batch)
        optimise(loss, optimizers["model"], ctx)
        return {"loss": loss.item()}

    def with_settings(self, **changes: Any) -> Recipe:
        """A copy with some fields changed (e.g. ``batch_size=4``); pass ``name=`` for a variant."""
        return replace(self, **changes)

    def describe(self) -> str:
        """The recipe as a student reads it."""
        lines = [f"recipe {self.name!r} ({self.kind}) for model {self.model!r}"]
        lines += [f"  {key}: {value}" for key, value in self.settings.items()]
        lines += [f"  batch size {self.batch_size}, {self.epochs} epochs, input {self.input_size}"]
        if self.reference:
            lines.append(f"  reference: {self.reference}")
        if self.notes:
            lines.append(f"  notes: {self.notes}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AdversarialRecipe(Recipe):
    """SalGAN's stage 2: generator and discriminator updated on alternate batches.

    Update ``u`` (counted over the whole run) trains the generator when ``u`` is
    even, the discriminator when it is odd, as the official code does. The
    generator minimises ``alpha * BCE/4 - log D(I, G(I))``; the discriminator
    minimises the BCE of real pairs labelled 1 and generated pairs labelled 0.
    The discriminator is called as ``discriminator(image, saliency)``.
    """

    alpha: float = 0.05
    discriminator: str = "salgan_discriminator"

    def modules(
        self, model: torch.nn.Module, **extra: torch.nn.Module
    ) -> dict[str, torch.nn.Module]:
        unknown = set(extra) - {"discriminator"}
        if unknown:
            raise ValueError(
                f"recipe {self.name!r} takes only discriminator=, got {sorted(unknown)}"
            )
        discriminator = extra.get("discriminator")
        if discriminator is None:
            from ..models import build_model

            discriminator = build_model(self.discriminator, pretrained=False)
        return {"model": model, "discriminator": discriminator}

    def make_optimizers(self, modules: dict[str, torch.nn.Module]) -> dict[str, Any]:
        return {
            "model": self.optimizer(trainable(modules["model"])),
            "discriminator": self.optimizer(trainable(modules["discriminator"])),
        }

    def train_step(self, modules, optimizers, batch, ctx):
        generator, discriminator = modules["model"], modules["discriminator"]
        image = batch["image"]
        target = objectives.unit_maps(batch["density"])
        eps = 1e-7
        if ctx.update % 2 == 0:
            with ctx.autocast():
                fake = self.forward(generator, batch)
                p_fake = discriminator(image, fake)
            content = self.loss(fake, batch)  # BCE/4 for the paper's recipe
            loss = self.alpha * content + losses.generator_adversarial_loss(p_fake, eps)
            optimise(loss, optimizers["model"], ctx)
            return {"loss": loss.item(), "g_loss": loss.item(), "bce": content.item()}
        with torch.no_grad(), ctx.autocast():
            fake = self.forward(generator, batch)
        with ctx.autocast():  # one pass over [real pairs; generated pairs], as the code does
            maps = torch.cat([target.to(fake.dtype), fake])
            probabilities = discriminator(torch.cat([image, image]), maps).float()
        probabilities = probabilities.clamp(eps, 1 - eps)
        labels = torch.cat([torch.ones(len(image)), torch.zeros(len(image))]).to(probabilities)
        labels = labels.view_as(probabilities)
        loss = torch.nn.functional.binary_cross_entropy(probabilities, labels)
        optimise(loss, optimizers["discriminator"], ctx)
        return {"loss": loss.item(), "d_loss": loss.item()}


@dataclass(frozen=True)
class LogLikelihoodRecipe(Recipe):
    """DeepGaze: the model outputs a log-density; the loss is the fixations' NLL in bits.

    When the batch carries ``"centerbias"`` (a ``(B, H, W)`` log-density) it is
    passed to the model as ``model(image, centerbias)`` as in the official code.
    ``penalty(model)``, if set, is added to the NLL that is minimised (reported
    as ``"penalty"``; ``"loss"`` stays the NLL, comparable with validation).
    """

    penalty: Callable[[torch.nn.Module], torch.Tensor] | None = None

    def forward(self, model, batch):
        if "centerbias" in batch:
            return model(batch["image"], batch["centerbias"])
        return model(batch["image"])

    def train_step(self, modules, optimizers, batch, ctx):
        if self.penalty is None:
            return super().train_step(modules, optimizers, batch, ctx)
        with ctx.autocast():
            output = self.forward(modules["model"], batch)
        loss = self.loss(output, batch)
        penalty = self.penalty(modules["model"])
        optimise(loss + penalty, optimizers["model"], ctx)
        return {"loss": loss.item(), "penalty": penalty.item()}


@dataclass(frozen=True)
class PenalisedRecipe(Recipe):
    """A plain recipe whose model adds its own regulariser to the training loss.

    The training loss is ``loss(output, batch) + model.<penalty>()`` (as a Keras
    ``W_regularizer`` adds to the loss); the validation loss is ``loss`` alone.
    """

    penalty: str = ""

    def train_step(self, modules, optimizers, batch, ctx):
        model = modules["model"]
        with ctx.autocast():
            output = self.forward(model, batch)
        loss = self.loss(output, batch)
        if self.penalty:
            loss = loss + getattr(unwrap(model), self.penalty)().float()
        optimise(loss, optimizers["model"], ctx)
        return {"loss": loss.item()}


# -- the registry --------------------------------------------------------------------

_RECIPES: dict[str, Recipe] = {}


def register_recipe(recipe: Recipe, overwrite: bool = False) -> Recipe:
    """Make ``recipe`` available under ``recipe.name``."""
    if not isinstance(recipe, Recipe):
        raise ValueError(f"recipe must be a Recipe, got {type(recipe).__name__}")
    if recipe.name in _RECIPES and not overwrite:
        raise ValueError(f"recipe name {recipe.name!r} is already registered; pass overwrite=True")
    _RECIPES[recipe.name] = recipe
    return recipe


def get_recipe(name: str | Recipe) -> Recipe:
    """The recipe registered as ``name`` (a :class:`Recipe` passes through)."""
    if isinstance(name, Recipe):
        return name
    if name not in _RECIPES:
        raise ValueError(f"recipe must be one of {list_recipes()}, got {name!r}")
    return _RECIPES[name]


def list_recipes() -> list[str]:
    """The registered recipe names, sorted."""
    return sorted(_RECIPES)


# -- the papers' recipes -------------------------------------------------------------


def _salnet_loss(output, batch):
    return objectives.euclidean_loss(output, objectives.salnet_targets(batch["density"]))


def _salgan_bce_loss(output, batch):
    target = objectives.unit_maps(batch["density"].float())
    return losses.bce_downsampled_loss(output.float(), target, factor=4)


def _deepfix_loss(output, batch):
    target = objectives.unit_maps(batch["density"])
    objectives._check_pair(output, target)
    return torch.nn.functional.mse_loss(output.float(), target.float())


def _mlnet_loss(output, batch):
    """ML-Net's loss against the ground truth scaled to max 1 and resized (bilinear) to the map."""
    target = objectives.unit_maps(batch["density"].float())
    target = torch.nn.functional.interpolate(
        target, size=output.shape[-2:], mode="bilinear", align_corners=False
    )
    return losses.mlnet_loss(output.float(), target.clamp(0.0, 1.0))


def _salicon_kld_loss(output, batch):
    """KL divergence of the map from the ground-truth density pooled to the map's size."""
    target = torch.nn.functional.adaptive_avg_pool2d(batch["density"].float(), output.shape[-2:])
    return losses.kl_loss(output.float(), target)


def _nll_loss(output, batch):
    return losses.fixation_nll(output.float(), batch["fixations"], bits=True)


def _identity(output):
    return output


def _relu(output):
    return output.clamp_min(0.0)


def _exp(output):
    return output.exp()


def _multistep(milestones: list[int]):
    def build(optimizer):
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)

    return build


_DG_PRETRAIN_MILESTONES = list(range(15, 121, 15))
_DG_FINETUNE_MILESTONES = list(range(3, 25, 3))


def _epochs_until(lr: float, milestones: list[int], stop_below: float = 1e-7) -> int:
    """The epoch at which a x0.1 MultiStepLR from ``lr`` first falls below ``stop_below``."""
    for count, epoch in enumerate(milestones, start=1):
        if lr * 0.1**count < stop_below * (1 - 1e-9):
            return epoch
    return milestones[-1]


register_recipe(
    Recipe(
        name="salnet",
        model="salnet",
        kind="plain",
        loss=_salnet_loss,
        to_saliency=objectives.salnet_to_saliency,
        optimizer=lambda params: torch.optim.SGD(
            params, lr=1.3e-7, momentum=0.9, nesterov=True, weight_decay=5e-4
        ),
        batch_size=2,
        epochs=5,
        input_size=(240, 320),
        settings={
            "loss": "Caffe EuclideanLoss sum((y-t)^2)/(2B), targets (S-127)/128",
            "optimizer": "SGD, Nesterov momentum 0.9, weight decay 5e-4",
            "lr": 1.3e-7,
        },
        reference="Pan et al., Shallow and deep convolutional networks for saliency "
        "prediction, CVPR 2016; code imatge-upc/saliency-2016-cvpr",
        notes="verified: Euclidean loss and SALICON train+val data (the official README), "
        "240x320 training input (deploy prototxt); inferred: targets (S - 127) / 128 from the "
        "deploy wrapper's 128 * y + 127. Not verified, the course's assumptions: SGD with "
        "Nesterov momentum 0.9, weight decay 5e-4, lr 1.3e-7, batch 2, no schedule, the length "
        "of training. The official repository has no solver.prototxt in any of its 71 commits "
        "(only the deploy prototxt, the pycaffe wrapper and the shallow net's Lasagne script), "
        "and the paper's full text (arXiv:1603.00845) could not be read here. Start from "
        "build_model('salnet', weights='imagenet') for the paper's VGG_CNN_M conv1-3.",
    )
)

register_recipe(
    Recipe(
        name="salgan_bce",
        model="salgan",
        kind="plain",
        loss=_salgan_bce_loss,
        to_saliency=_identity,
        optimizer=lambda params: torch.optim.SGD(params, lr=1e-3, momentum=0.5, nesterov=True),
        batch_size=32,
        epochs=15,
        input_size=(192, 256),
        settings={
            "loss": "BCE of 4x4 average-pooled maps in [0, 1]",
            "optimizer": "SGD, Nesterov momentum 0.5",
            "lr": 1e-3,
        },
        reference="Pan et al., SalGAN, arXiv:1701.01081, sec. 4; code imatge-upc/salgan "
        "(model_bce.py)",
        notes="the paper names no optimiser for this stage; the code's ModelBCE uses "
        "Nesterov momentum 0.5, lr 1e-3, which we follow.",
    )
)

register_recipe(
    AdversarialRecipe(
        name="salgan_gan",
        model="salgan",
        kind="adversarial",
        loss=_salgan_bce_loss,
        to_saliency=_identity,
        optimizer=lambda params: torch.optim.Adagrad(params, lr=3e-4),
        batch_size=32,
        epochs=90,
        input_size=(192, 256),
        alpha=0.05,
        settings={
            "generator loss": "alpha * BCE/4 - log D(I, G(I)), alpha 0.05",
            "discriminator loss": "BCE, real pairs 1, generated pairs 0",
            "optimizer": "AdaGrad for G and D, no weight decay",
            "lr": 3e-4,
            "alternation": "even updates train G, odd updates train D",
        },
        reference="Pan et al., SalGAN, arXiv:1701.01081, Eq. 3 and sec. 4.2; code "
        "imatge-upc/salgan (model_salgan.py, 02-train.py)",
        notes="the paper states L2 weight decay 1e-4, but in the code the L2 terms are "
        "dead statements, so no weight decay is applied (we follow the code); the released "
        "weights are from epoch 90. Start from a generator trained with salgan_bce.",
    )
)

register_recipe(
    LogLikelihoodRecipe(
        name="deepgaze",
        model="deepgaze2",
        kind="log_likelihood",
        loss=_nll_loss,
        to_saliency=_exp,
        optimizer=lambda params: torch.optim.Adam(params, lr=1e-3),
        scheduler=_multistep(_DG_PRETRAIN_MILESTONES),
        batch_size=4,
        epochs=_epochs_until(1e-3, _DG_PRETRAIN_MILESTONES),
        input_size=(480, 640),
        settings={
            "loss": "fixation NLL in bits relative to uniform, mean per image",
            "optimizer": "Adam on the readout (backbone frozen)",
            "lr": 1e-3,
            "schedule": f"x0.1 at epochs {_DG_PRETRAIN_MILESTONES}, stop when lr < 1e-7",
        },
        reference="Kuemmerer, Wallis, Bethge, DeepGaze II, arXiv:1610.01563; protocol of "
        "the official code matthias-k/DeepGaze (SALICON pre-training)",
        notes="the paper's optimiser is unverified; we follow the official PyTorch "
        "training protocol of the same lab.",
    )
)

register_recipe(
    LogLikelihoodRecipe(
        name="deepgaze_finetune",
        model="deepgaze2",
        kind="log_likelihood",
        loss=_nll_loss,
        to_saliency=_exp,
        optimizer=lambda params: torch.optim.Adam(params, lr=1e-3),
        scheduler=_multistep(_DG_FINETUNE_MILESTONES),
        batch_size=4,
        epochs=_epochs_until(1e-3, _DG_FINETUNE_MILESTONES),
        input_size=(768, 1024),
        settings={
            "loss": "fixation NLL in bits relative to uniform, mean per image",
            "optimizer": "Adam on the readout (backbone frozen)",
            "lr": 1e-3,
            "schedule": f"x0.1 at epochs {_DG_FINETUNE_MILESTONES}, stop when lr < 1e-7",
        },
        reference="Kuemmerer, Wallis, Bethge, DeepGaze II, arXiv:1610.01563; MIT1003 "
        "fine-tuning with 10-fold cross-validation as in matthias-k/DeepGaze",
        notes="run once per fold with saliency_course.training.crossval.",
    )
)

register_recipe(
    get_recipe("deepgaze").with_settings(
        name="deepgaze1_l1",
        model="deepgaze1",
        penalty=objectives.ReadoutSparsity(1e-3, "l1"),
        settings={
            **get_recipe("deepgaze").settings,
            "penalty": "1e-3 * sum |readout weights| (L1), added to the NLL",
        },
        reference="Kuemmerer, Theis, Bethge, Deep Gaze I, arXiv:1411.1045 (sparsity "
        "penalty); protocol of the official code matthias-k/DeepGaze",
        notes="for build_model('deepgaze1', layers='all'); the paper trained with SFO and a "
        "sparsity penalty whose form and strength we could not read (only its abstract); "
        "the L1 strength 1e-3 is the course's choice, objectives.ReadoutSparsity(kind='l1/l2') "
        "gives the L1/L2 form of a Bethge-lab TensorFlow code.",
    )
)

register_recipe(
    Recipe(
        name="deepfix",
        model="deepfix",
        kind="plain",
        loss=_deepfix_loss,
        to_saliency=_relu,
        optimizer=lambda params: torch.optim.SGD(params, lr=1e-3, momentum=0.9, weight_decay=5e-4),
        batch_size=8,
        epochs=10,
        input_size=(240, 320),
        settings={
            "loss": "Euclidean (mean squared error) on maps in [0, 1]",
            "optimizer": "SGD, momentum 0.9, weight decay 5e-4",
            "lr": 1e-3,
        },
        reference="Kruthiventi, Ayush, Babu, DeepFix, IEEE TIP 26(9):4446-4456, 2017",
        notes="only the Euclidean loss is documented; optimiser, lr, batch and epochs are "
        "the course's own choices (the paper's values were not available) [unverified].",
    )
)

register_recipe(
    PenalisedRecipe(
        name="mlnet",
        model="mlnet",
        kind="plain",
        loss=_mlnet_loss,
        to_saliency=_identity,
        optimizer=lambda params: KerasSGD(params, lr=1e-3, momentum=0.9, decay=5e-4, nesterov=True),
        batch_size=10,
        epochs=20,
        input_size=(480, 640),
        penalty="prior_penalty",
        settings={
            "loss": "mean of ((s / max s) - y)^2 / (1.1 - y) on the 60x80 map, y = ground "
            "truth / its max; plus sum(W^2) / 48 on the prior W",
            "optimizer": "Keras 1.x SGD, Nesterov momentum 0.9, learning-rate decay 5e-4 "
            "per update: lr / (1 + 5e-4 t)",
            "lr": 1e-3,
        },
        reference="Cornia, Baraldi, Serra, Cucchiara, A Deep Multi-Level Network for "
        "Saliency Prediction, ICPR 2016; code marcellacornia/mlnet (model.py, main.py, "
        "config.py)",
        notes="Keras' decay=5e-4 is a per-update learning-rate decay, not weight decay; "
        "KerasSGD reproduces Keras 1.x's update (velocity holds lr-scaled steps). The code "
        "stops when val_loss has not improved for 5 epochs and keeps the best epoch "
        "(EarlyStopping(patience=5), ModelCheckpoint(save_best_only=True)); fit does neither: "
        "it runs every epoch, records val_loss per epoch in the history and checkpoints the "
        "last one, so pick the epoch from the history. Targets are resized bilinearly to the "
        "map as the code's cv2.resize does. The validation loss leaves out the prior penalty "
        "(Keras' includes it). Trained on SALICON (10,000 training, 5,000 validation images).",
    )
)

register_recipe(
    Recipe(
        name="salicon_model",
        model="salicon",
        kind="plain",
        loss=_salicon_kld_loss,
        to_saliency=_identity,
        optimizer=lambda params: torch.optim.SGD(params, lr=1e-3, momentum=0.9, weight_decay=5e-4),
        batch_size=1,
        epochs=10,
        input_size=(1200, 1600),
        settings={
            "loss": "KL divergence of the map from the ground-truth density (pooled to the "
            "map's size)",
            "optimizer": "SGD, momentum 0.9, weight decay 5e-4, one image per update",
            "lr": 1e-3,
        },
        reference="Huang, Shen, Boix, Zhao, SALICON: Reducing the Semantic Gap in Saliency "
        "Prediction by Adapting Deep Neural Networks, ICCV 2015; OpenSALICON (CLT29/"
        "OpenSALICON, Thomas 2016) for what the paper leaves open",
        notes="the paper compared NSS, CC, KL and similarity as objectives and chose KL; it "
        "fine-tunes every layer, one image per gradient step, on OSIE (1-2 hours). "
        "OpenSALICON instead trains with sigmoid cross-entropy against fixation maps, SGD lr "
        "1e-6 (x0.1 every 4000 images), momentum 0.9, weight decay 5e-4, conv1-conv2 frozen; "
        "we keep its momentum and weight decay. The paper's learning rate was not available: "
        "lr 1e-3 and 10 epochs are the course's choices [unverified] (KL's gradients are "
        "about a map's pixel count smaller than the summed cross-entropy OpenSALICON's 1e-6 "
        "was set for).",
    )
)

__all__ = [
    "AdversarialRecipe",
    "LogLikelihoodRecipe",
    "PenalisedRecipe",
    "Recipe",
    "StepContext",
    "get_recipe",
    "list_recipes",
    "register_recipe",
]

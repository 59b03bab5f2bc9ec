"""``fit``: one small training engine for every recipe, resumable and reproducible.

Each epoch shows a progress bar with the running loss, validates with the
recipe's loss and the chosen benchmark metrics, and writes a checkpoint under
``<data root>/runs/<run name>/`` (see :mod:`.checkpoints`). Calling ``fit``
again with the same run name resumes after the last finished epoch; when all
epochs are done it loads the trained weights into ``model`` and returns the
history at once, which is how a notebook's "use trained weights" switch works.

Mixed precision (bf16 where the GPU supports it, else fp16 with a grad scaler)
and ``channels_last`` are used on CUDA only. Data order depends only on the seed
and the epoch, and every random state is checkpointed, so an interrupted and
resumed run ends with the same weights as an uninterrupted one.
Under ``torchrun`` the same call trains with DistributedDataParallel
(see :mod:`.distributed`).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler
from tqdm.auto import tqdm

from .. import config
from . import checkpoints, distributed
from .recipes import Recipe, StepContext, get_recipe

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# metric name -> (function name in saliency_course.metrics, ground truth it compares to)
VAL_METRICS = {
    "cc": ("cc", "density"),
    "kld": ("kld", "density"),
    "similarity": ("similarity", "density"),
    "nss": ("nss", "fixation_map"),
    "auc_judd": ("auc_judd", "fixation_map"),
}


def _resolve_amp(amp: str | bool, device: torch.device) -> str:
    """``"off"``, ``"bf16"`` or ``"fp16"``; ``"auto"`` means bf16/fp16 on CUDA, off elsewhere."""
    choices = ("auto", "off", "bf16", "fp16", True, False)
    if amp not in choices:
        raise ValueError(f"amp must be one of {choices}, got {amp!r}")
    if amp in (False, "off"):
        return "off"
    if device.type != "cuda":
        if amp == "auto":
            return "off"
        raise ValueError(f"amp={amp!r} needs a CUDA device, got {device}")
    if amp in ("auto", True):
        # native bf16 only (Ampere, compute capability 8.0, and newer); a T4 gets fp16
        return "bf16" if torch.cuda.get_device_capability(device) >= (8, 0) else "fp16"
    return amp


def _resolve_channels_last(value: str | bool, device: torch.device) -> bool:
    if value not in ("auto", True, False):
        raise ValueError(f"channels_last must be 'auto', True or False, got {value!r}")
    if value is True and device.type != "cuda":
        raise ValueError(f"channels_last=True is used on CUDA only, got device {device}")
    return device.type == "cuda" if value == "auto" else bool(value)


def autocast_factory(mode: str, device: torch.device) -> Callable[[], Any]:
    """A zero-argument factory of the autocast context for ``mode``."""
    if mode == "off":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if mode == "bf16" else torch.float16
    return partial(torch.autocast, device_type=device.type, dtype=dtype)


def _check_positive(name: str, value, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _to_device(batch: dict, device: torch.device, model: torch.nn.Module, channels_last: bool):
    """Move tensors to ``device``; re-normalise images for models with own input statistics."""
    out = {}
    for key, value in batch.items():
        if isinstance(value, torch.Tensor):
            out[key] = value.to(device, non_blocking=True)
        elif isinstance(value, list) and value and isinstance(value[0], torch.Tensor):
            out[key] = [v.to(device, non_blocking=True) for v in value]
        else:
            out[key] = value
    mean = getattr(model, "input_mean", IMAGENET_MEAN)
    std = getattr(model, "input_std", IMAGENET_STD)
    if tuple(mean) != IMAGENET_MEAN or tuple(std) != IMAGENET_STD:
        image = out["image"]
        shape = (1, 3, 1, 1)
        raw = image * torch.tensor(IMAGENET_STD, device=device).view(shape) + torch.tensor(
            IMAGENET_MEAN, device=device
        ).view(shape)
        out["image"] = (raw - torch.tensor(mean, device=device).view(shape)) / torch.tensor(
            std, device=device
        ).view(shape)
    if channels_last:
        out["image"] = out["image"].contiguous(memory_format=torch.channels_last)
    return out


def _default_collate():
    from ..data.torch_data import collate_saliency

    return collate_saliency


def _loader(
    data,
    batch_size: int,
    shuffle: bool,
    epoch: int,
    seed: int,
    info: distributed.DistributedInfo,
    collate_fn,
    num_workers: int,
    pin_memory: bool,
) -> DataLoader:
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    if info.enabled and shuffle:
        sampler = DistributedSampler(
            data, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=seed
        )
        sampler.set_epoch(epoch)
    elif shuffle:
        sampler = RandomSampler(data, generator=generator)
    else:
        sampler = SequentialSampler(data)
    return DataLoader(
        data,
        batch_size=batch_size,
        sampler=sampler,
        collate_fn=collate_fn,
        num_workers=num_workers,
        pin_memory=pin_memory,
        generator=generator,
        persistent_workers=False,
    )


def _settings(recipe: Recipe, modules, batch_size, seed, n_train, max_steps) -> dict:
    return {
        "recipe": recipe.name,
        "recipe_settings": recipe.settings,
        "batch_size": batch_size,
        "seed": seed,
        "n_train": n_train,
        "max_steps_per_epoch": max_steps,
        "modules": {
            name: [type(m).__name__, [list(p.shape) for p in m.parameters()]]
            for name, m in modules.items()
        },
    }


def _restore(state, modules, optimizers, schedulers, scaler) -> None:
    for name, module in modules.items():
        module.load_state_dict(state["modules"][name])
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(state["optimizers"][name])
    for name, scheduler in schedulers.items():
        scheduler.load_state_dict(state["schedulers"][name])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    checkpoints.set_rng_state(state["rng"])


@torch.no_grad()
def validate(
    recipe: Recipe,
    model: torch.nn.Module,
    loader: DataLoader,
    device: torch.device,
    metrics: Sequence[str] = ("cc", "nss", "kld"),
    autocast: Callable[[], Any] = contextlib.nullcontext,
    channels_last: bool = False,
) -> dict[str, float]:
    """Mean validation loss (per batch) and mean of each metric (per image)."""
    from .. import metrics as metric_functions

    was_training = model.training
    model.eval()
    losses, scores = [], {name: [] for name in metrics}
    try:
        for batch in loader:
            batch = _to_device(batch, device, model, channels_last)
            with autocast():
                output = recipe.forward(model, batch)
            losses.append(recipe.loss(output, batch).item())
            saliency = recipe.to_saliency(output.float()).cpu().numpy()
            for name in metrics:
                function_name, truth_key = VAL_METRICS[name]
                function = getattr(metric_functions, function_name)
                truths = batch[truth_key].float().cpu().numpy()
                for prediction, truth in zip(saliency, truths, strict=True):
                    scores[name].append(float(function(prediction[0], truth[0])))
    finally:
        model.train(was_training)
    result = {"val_loss": float(np.mean(losses)) if losses else math.nan}
    result.update({f"val_{name}": float(np.nanmean(v)) for name, v in scores.items()})
    return result


def fit(
    model: torch.nn.Module,
    recipe: str | Recipe,
    train_data,
    val_data=None,
    epochs: int | None = None,
    device: str | torch.device = "auto",
    run_name: str | None = None,
    root: str | os.PathLike | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    amp: str | bool = "auto",
    channels_last: str | bool = "auto",
    val_metrics: Sequence[str] = ("cc", "nss", "kld"),
    progress: bool = True,
    max_steps_per_epoch: int | None = None,
    discriminator: torch.nn.Module | None = None,
    num_workers: int | None = None,
    collate_fn: Callable | None = None,
    deterministic: bool = True,
) -> pd.DataFrame:
    """Train ``model`` with ``recipe`` for ``epochs`` epochs; return one history row per epoch.

    ``train_data`` / ``val_data`` are torch datasets of dicts as made by
    :class:`saliency_course.data.torch_data.SaliencyTorchDataset` (``"image"``,
    ``"density"``, ``"fixation_map"``, ``"fixations"``); ``collate_fn`` defaults to
    its ``collate_saliency``. ``epochs`` and ``batch_size`` default to the
    recipe's. The run's checkpoints live in ``<data root>/runs/<run_name>``
    (``run_name`` defaults to the recipe's name): an unfinished run resumes, a
    finished one returns at once with the trained weights loaded into ``model``.
    ``max_steps_per_epoch`` caps the updates per epoch (smoke runs);
    ``discriminator`` replaces the adversarial recipe's freshly built one.
    ``deterministic=True`` makes cuDNN pick deterministic kernels (reproducible
    GPU runs); ``False`` lets it benchmark faster ones.
    History columns: ``epoch``, ``train_loss`` (and the recipe's other running
    statistics, e.g. ``g_loss``/``d_loss``), ``val_loss``, ``val_<metric>``,
    ``lr``, ``seconds``, ``images_per_second``.
    """
    recipe = get_recipe(recipe)
    epochs = recipe.epochs if epochs is None else epochs
    batch_size = recipe.batch_size if batch_size is None else batch_size
    _check_positive("epochs", epochs)
    _check_positive("batch_size", batch_size)
    _check_positive("max_steps_per_epoch", max_steps_per_epoch, allow_none=True)
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    unknown = [m for m in val_metrics if m not in VAL_METRICS]
    if unknown:
        raise ValueError(f"val_metrics must be among {sorted(VAL_METRICS)}, got {unknown}")
    if len(train_data) == 0:
        raise ValueError("train_data must hold at least one item, got an empty dataset")

    dev = device if isinstance(device, torch.device) else config.device(device)
    info, dev = distributed.setup(dev)
    amp_mode = _resolve_amp(amp, dev)
    use_channels_last = _resolve_channels_last(channels_last, dev)
    config.seed_everything(seed, deterministic=deterministic)
    collate_fn = collate_fn or _default_collate()
    num_workers = (
        (min(4, os.cpu_count() or 1) if dev.type == "cuda" else 0)
        if num_workers is None
        else num_workers
    )

    extra = {"discriminator": discriminator} if discriminator is not None else {}
    modules = recipe.modules(model, **extra)
    for module in modules.values():
        module.to(dev)
        if use_channels_last:
            module.to(memory_format=torch.channels_last)
    optimizers = recipe.make_optimizers(modules)
    schedulers = recipe.make_schedulers(optimizers)
    scaler = torch.amp.GradScaler("cuda") if amp_mode == "fp16" else None

    settings = _settings(recipe, modules, batch_size, seed, len(train_data), max_steps_per_epoch)
    digest = checkpoints.config_hash(settings)
    run_dir = checkpoints.run_directory(run_name or recipe.name, root)
    state = checkpoints.load(run_dir)
    history = pd.DataFrame()
    start_epoch, updates = 0, 0
    if state is not None:
        if state["config_hash"] != digest:
            raise checkpoints.CheckpointError(
                f"run {run_dir} was started with other settings (recipe {state['recipe']!r}, "
                f"config hash {state['config_hash']}, now {digest}); pass another run_name "
                "or delete that folder"
            )
        _restore(state, modules, optimizers, schedulers, scaler)
        history, start_epoch, updates = state["history"], state["epoch"], state["updates"]
        if start_epoch >= epochs:
            if progress and info.is_main:
                print(f"run {run_dir} already finished {start_epoch} epochs: weights loaded")
            return history
        if progress and info.is_main:
            print(f"resuming run {run_dir} after epoch {start_epoch}")

    trained = {name: distributed.wrap(m, info, dev) for name, m in modules.items()}
    autocast = autocast_factory(amp_mode, dev)
    pin = dev.type == "cuda"
    main_model = modules["model"]
    for epoch in range(start_epoch, epochs):
        loader = _loader(
            train_data, batch_size, True, epoch, seed, info, collate_fn, num_workers, pin
        )
        steps = (
            len(loader) if max_steps_per_epoch is None else min(len(loader), max_steps_per_epoch)
        )
        for module in trained.values():
            module.train()
        totals: dict[str, float] = {}
        counts: dict[str, int] = {}
        images, start = 0, time.perf_counter()
        bar = tqdm(
            total=steps,
            desc=f"{recipe.name} epoch {epoch + 1}/{epochs}",
            disable=not (progress and info.is_main),
            leave=False,
        )
        for step, batch in enumerate(loader):
            if step >= steps:
                break
            batch = _to_device(batch, dev, main_model, use_channels_last)
            ctx = StepContext(device=dev, autocast=autocast, scaler=scaler, update=updates)
            stats = recipe.train_step(trained, optimizers, batch, ctx)
            updates += 1
            images += len(batch["image"])
            for key, value in stats.items():
                totals[key] = totals.get(key, 0.0) + value
                counts[key] = counts.get(key, 0) + 1
            bar.update(1)
            bar.set_postfix(loss=f"{totals['loss'] / counts['loss']:.4g}")
        bar.close()
        for scheduler in schedulers.values():
            scheduler.step()
        seconds = time.perf_counter() - start
        row: dict[str, float] = {"epoch": epoch + 1}
        for key, total in totals.items():  # g_loss / d_loss: mean over their own updates
            row["train_loss" if key == "loss" else key] = distributed.all_reduce_mean(
                total / counts[key], info, dev
            )
        if val_data is not None and info.is_main:
            val_loader = _loader(
                val_data, batch_size, False, epoch, seed, info, collate_fn, num_workers, pin
            )
            row.update(
                validate(
                    recipe, main_model, val_loader, dev, val_metrics, autocast, use_channels_last
                )
            )
        row["lr"] = next(iter(optimizers.values())).param_groups[0]["lr"]
        row["seconds"] = seconds
        row["images_per_second"] = images * info.world_size / seconds if seconds > 0 else math.nan
        row = distributed.broadcast_object(row, info)
        history = pd.concat([history, pd.DataFrame([row])], ignore_index=True)
        if info.is_main:
            checkpoints.save(
                run_dir,
                {
                    "modules": {name: m.state_dict() for name, m in modules.items()},
                    "optimizers": {name: o.state_dict() for name, o in optimizers.items()},
                    "schedulers": {name: s.state_dict() for name, s in schedulers.items()},
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "rng": checkpoints.rng_state(),
                    "epoch": epoch + 1,
                    "updates": updates,
                    "recipe": recipe.name,
                    "config_hash": digest,
                    "settings": settings,
                },
                history,
            )
            if progress:
                shown = {k: f"{v:.4g}" for k, v in row.items() if k != "epoch"}
                print(f"{recipe.name} epoch {epoch + 1}/{epochs}: {shown}")
        distributed.barrier(info)
    return history

"""Training throughput: images/second of one training step per model, fp32 vs autocast.

For each model (SalNet, SalGAN, DeepGaze II, DeepFix) the recipe's own training
step (loss, backward, optimiser step; SalGAN also its adversarial step) runs on
a synthetic batch at the paper's input size, first in float32 and then under
autocast (bf16 where supported, else fp16 on CUDA; bf16 on the CPU). Beside it
the data pipeline alone (reading, decoding and resizing real OSIE images with
``SaliencyTorchDataset`` in a ``DataLoader``) is timed at the same size, so the
table shows which of the two limits training.

    python benchmarks/bench_training.py                       # GPU: paper sizes
    python benchmarks/bench_training.py --device cpu --size 96 128 --batch-size 2 --steps 2

Runs unchanged on CUDA and CPU; weights are random (``pretrained=False``).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from functools import partial
from pathlib import Path

import torch

from saliency_course import config
from saliency_course.models import build_model
from saliency_course.training import StepContext, get_recipe

RECIPES = {
    "salnet": "salnet",
    "salgan": "salgan_bce",
    "salgan_gan": "salgan_gan",
    "deepgaze2": "deepgaze",
    "deepfix": "deepfix",
}


def synthetic_batch(batch_size: int, size: tuple[int, int], device: torch.device, seed: int):
    """A batch shaped like ``collate_saliency``'s output, with 15 fixations per image."""
    g = torch.Generator().manual_seed(seed)
    height, width = size
    density = torch.rand(batch_size, 1, height, width, generator=g)
    density /= density.sum(dim=(2, 3), keepdim=True)
    xy = torch.rand(batch_size, 15, 2, generator=g) * torch.tensor([width - 1, height - 1])
    fixation_map = torch.zeros(batch_size, 1, height, width)
    for i in range(batch_size):
        fixation_map[i, 0, xy[i, :, 1].round().long(), xy[i, :, 0].round().long()] = 1
    return {
        "image": torch.randn(batch_size, 3, height, width, generator=g).to(device),
        "density": density.to(device),
        "fixation_map": fixation_map.to(device),
        "fixations": [f.to(device) for f in xy],
        "index": torch.arange(batch_size),
    }


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training_step(
    name: str, size, batch_size: int, device, precision: str, steps: int, warmup: int
) -> float:
    """Images per second of the recipe's training step for model ``name``."""
    recipe = get_recipe(RECIPES[name])
    model = build_model(recipe.model, pretrained=False)
    size = tuple(size or recipe.input_size)
    if name == "salgan_gan" and size != (192, 256):
        raise ValueError(f"the SalGAN discriminator needs 192x256 inputs, got {size}")
    modules = recipe.modules(model)
    for module in modules.values():
        module.to(device).train()
    optimizers = recipe.make_optimizers(modules)
    if precision == "fp32":
        autocast = contextlib.nullcontext
        scaler = None
    else:
        dtype = torch.float16 if precision == "fp16" else torch.bfloat16
        autocast = partial(torch.autocast, device_type=device.type, dtype=dtype)
        scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    batch = synthetic_batch(batch_size, size, device, seed=0)
    for update in range(warmup + steps):
        if update == warmup:
            _sync(device)
            start = time.perf_counter()
        ctx = StepContext(device=device, autocast=autocast, scaler=scaler, update=update)
        recipe.train_step(modules, optimizers, batch, ctx)
    _sync(device)
    return steps * batch_size / (time.perf_counter() - start)


def osie_images(root, count: int):
    """The first ``count`` OSIE images under ``<root>/osie/data/stimuli``, with their fixations.

    Works on a full OSIE download and on the partial copy that
    ``benchmarks/prepare_device_data.sh`` makes for the GPU machine.
    """
    from saliency_course.data.base import SaliencyDataset
    from saliency_course.data.osie import (
        CITATION,
        IMAGE_IDS,
        PIXELS_PER_DEGREE,
        parse_eye_fixations,
    )

    folder = Path(root) / "osie" / "data"
    names = [f"{i}.jpg" for i in IMAGE_IDS]
    present = [n for n in names[:count] if (folder / "stimuli" / n).is_file()]
    if not present or present != names[: len(present)]:
        raise FileNotFoundError(
            f"root must hold OSIE's first images in {folder / 'stimuli'} (1001.jpg, ...), "
            f"found {len(present)}; run benchmarks/prepare_device_data.sh or download osie"
        )
    fixations = parse_eye_fixations(folder / "eye" / "fixations.mat", names)
    fixations = fixations.for_image(list(range(len(present))))
    paths = [folder / "stimuli" / n for n in present]
    return SaliencyDataset("osie", paths, fixations, PIXELS_PER_DEGREE, CITATION)


def time_data_pipeline(root, size, batch_size: int, workers: int, count: int) -> float:
    """Images per second of reading + decoding + resizing real OSIE images (no model)."""
    from torch.utils.data import DataLoader

    from saliency_course.data import torch_data as pipeline

    dataset = osie_images(root, count)
    items = pipeline.SaliencyTorchDataset(dataset, size=tuple(size))
    loader = DataLoader(
        items, batch_size=batch_size, num_workers=workers, collate_fn=pipeline.collate_saliency
    )
    start = time.perf_counter()
    images = sum(len(batch["image"]) for batch in loader)
    return images / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["salnet", "salgan", "deepgaze2", "deepfix"],
        choices=sorted(RECIPES),
    )
    parser.add_argument(
        "--size",
        type=int,
        nargs=2,
        metavar=("H", "W"),
        help="input size for every model (default: each paper's)",
    )
    parser.add_argument("--batch-size", type=int, default=None, help="default 8 on CUDA, 2 else")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per setting")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--precisions", nargs="+", default=["fp32", "autocast"], choices=["fp32", "autocast"]
    )
    parser.add_argument("--data-root", help="folder holding osie/ (default: the data root)")
    parser.add_argument("--workers", type=int, default=None, help="DataLoader workers")
    parser.add_argument("--data-images", type=int, default=48, help="OSIE images to time")
    parser.add_argument("--no-data", action="store_true", help="skip the data-pipeline timing")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args(argv)

    device = config.device(args.device)
    config.seed_everything(0, deterministic=False)
    torch.backends.cudnn.benchmark = device.type == "cuda"
    batch_size = args.batch_size or (8 if device.type == "cuda" else 2)
    workers = args.workers if args.workers is not None else (8 if device.type == "cuda" else 0)
    autocast = "bf16"
    if device.type == "cuda" and torch.cuda.get_device_capability(device) < (8, 0):
        autocast = "fp16"
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "-"
    lines = [
        f"device {device} ({gpu}), torch {torch.__version__}, batch {batch_size}, "
        f"{args.steps} timed steps after {args.warmup} warm-up, threads {torch.get_num_threads()}",
        f"{'model':<11} {'recipe':<11} {'input':>9} {'precision':>9} {'train img/s':>12} "
        f"{'data img/s':>11}  bottleneck",
    ]
    print("\n".join(lines), flush=True)
    data_speed: dict[tuple[int, int], float] = {}
    for name in args.models:
        recipe = get_recipe(RECIPES[name])
        size = tuple(args.size) if args.size else recipe.input_size
        if not args.no_data and size not in data_speed:
            root = config.data_root(args.data_root)
            data_speed[size] = time_data_pipeline(root, size, batch_size, workers, args.data_images)
        for precision in args.precisions:
            mode = "fp32" if precision == "fp32" else autocast
            try:
                speed = time_training_step(
                    name, size, batch_size, device, mode, args.steps, args.warmup
                )
            except (ValueError, ImportError, RuntimeError) as error:
                line = (
                    f"{name:<11} {recipe.name:<11} {'x'.join(map(str, size)):>9} {mode:>9} "
                    f"  not run: {type(error).__name__}: {str(error)[:90]}"
                )
            else:
                data = data_speed.get(size)
                bottleneck = "-" if data is None else ("data" if data < speed else "model")
                data_text = f"{data:11.1f}" if data is not None else f"{'-':>11}"
                line = (
                    f"{name:<11} {recipe.name:<11} {'x'.join(map(str, size)):>9} {mode:>9} "
                    f"{speed:12.2f} {data_text}  {bottleneck}"
                )
            print(line, flush=True)
            lines.append(line)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

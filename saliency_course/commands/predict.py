"""``saliency-course predict IMAGE... --model NAME -o OUT``: write saliency maps of images.

For each image ``<stem>.<ext>`` it writes ``OUT/<stem>.png``, the map as 8-bit
grey levels (a saliency map min-max scaled; a log-density as its density scaled
to a maximum of 255), with ``--npy`` also the raw float map as ``<stem>.npy``
(what ``saliency-course evaluate`` reads best), and with ``--overlay`` a heat
map over the image as ``<stem>_overlay.png``. Files are written atomically::

    saliency-course predict photo.jpg --model deepgaze2e -o maps/ --overlay
    saliency-course predict *.jpg --model salgan --weights runs/salgan/last.pt -o maps/

``--weights`` takes a training run's ``last.pt``, a PyTorch state dict, a SalNet
``.caffemodel`` or a SalGAN Lasagne ``.npz``. Each model is fed as its authors
fed it (DeepGaze: the image's own size; SalNet: fitted inside 320x320; SalGAN:
256x192) unless ``--input-size`` says otherwise, and its map is finished as
their code did (``--postprocess official``, the default) or left as the network
made it, resized bilinearly (``--postprocess raw``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

NATIVE_WEIGHTS = {".caffemodel": "salnet", ".npz": "salgan"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..models import list_models

    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    names = [name for name in list_models() if not name.endswith("_discriminator")]
    parser.add_argument("--model", required=True, choices=names, help="model name")
    parser.add_argument(
        "--weights", help="weights file (run checkpoint, state dict, .caffemodel, .npz)"
    )
    parser.add_argument("-o", "--output", required=True, help="output folder (created if missing)")
    parser.add_argument("--overlay", action="store_true", help="also write heat-map overlays")
    parser.add_argument("--npy", action="store_true", help="also write the raw maps as .npy")
    parser.add_argument(
        "--input-size",
        nargs=2,
        type=int,
        metavar=("H", "W"),
        help="network input size (default: the model's own input policy)",
    )
    parser.add_argument(
        "--postprocess",
        choices=["official", "raw"],
        default="official",
        help="the authors' post-processing (default) or the raw map",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument(
        "--no-pretrained", action="store_true", help="random weights (to try the pipeline)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def load_model(name: str, weights: str | None, pretrained: bool):
    """Build ``name`` and load ``weights`` (see the module docstring for the formats)."""
    import torch

    from ..models import build_model

    if weights is None:
        return build_model(name, pretrained=pretrained)
    path = Path(weights)
    if not path.is_file():
        raise ValueError(f"--weights must be an existing file, got {weights!r}")
    if path.suffix in NATIVE_WEIGHTS:
        if NATIVE_WEIGHTS[path.suffix] != name:
            raise ValueError(
                f"--weights {path.suffix} files are for model {NATIVE_WEIGHTS[path.suffix]!r}, "
                f"got --model {name!r}"
            )
        return build_model(name, pretrained=True, weights=path)
    model = build_model(name, pretrained=False)
    state = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(state, dict) and "modules" in state:  # a training run's checkpoint
        state = state["modules"]["model"]
    model.load_state_dict(state)
    return model


def map_to_uint8(saliency_map: np.ndarray, kind: str) -> np.ndarray:
    """A map as grey levels: log-densities as density / max, others min-max scaled."""
    if kind == "log_density":
        scaled = np.exp(saliency_map - saliency_map.max())
    else:
        low, high = float(saliency_map.min()), float(saliency_map.max())
        scaled = np.zeros_like(saliency_map) if high == low else (saliency_map - low) / (high - low)
    return np.round(scaled * 255).astype(np.uint8)


def _write_png(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    tmp = path.with_name(path.name + ".part")
    Image.fromarray(array).save(tmp, format="PNG")
    tmp.replace(path)


def _write_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as handle:
        np.save(handle, array)
    tmp.replace(path)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from .. import config
    from ..data.base import read_image
    from ..errors import SaliencyCourseError
    from ..models import predict

    missing = [p for p in args.images if not Path(p).is_file()]
    if missing:
        print(f"saliency-course predict: no such image file(s): {missing}", file=sys.stderr)
        return 2
    try:
        model = load_model(args.model, args.weights, pretrained=not args.no_pretrained)
    except SaliencyCourseError as error:
        print(f"saliency-course predict: {error}", file=sys.stderr)
        return 1
    device = config.device(args.device)
    model.to(device)
    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    for image_path in tqdm(args.images, desc=args.model, disable=args.quiet):
        image = read_image(image_path)
        saliency_map = predict(
            model,
            image,
            device=device,
            input_size=args.input_size,
            postprocess=args.postprocess,
        )
        stem = Path(image_path).stem
        _write_png(out_dir / f"{stem}.png", map_to_uint8(saliency_map, model.output_kind))
        if args.npy:
            _write_npy(out_dir / f"{stem}.npy", saliency_map)
        if args.overlay:
            from ..viz import overlay

            _write_png(out_dir / f"{stem}_overlay.png", overlay(image, saliency_map))
    return 0

"""``saliency-course evaluate MAPS_DIR --dataset NAME``: score a folder of saliency maps.

Each map is a ``.npy`` array or an image (PNG, TIFF, BMP, JPEG; read as grey
levels) named after its stimulus (``<stimulus stem>.<ext>``, e.g. ``1001.png``
for OSIE's ``1001.jpg``), as ``saliency-course predict`` writes them. Only
images with a map are scored; the table (one row per image and a ``mean``
row) is printed and optionally written as CSV::

    saliency-course evaluate maps/ --dataset osie --split test -o scores.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

MAP_SUFFIXES = (".npy", ".png", ".tif", ".tiff", ".bmp", ".jpg", ".jpeg")  # preferred first


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..metrics.registry import METRICS

    parser.add_argument("maps_dir", metavar="MAPS_DIR", help="folder of saliency maps")
    parser.add_argument("--dataset", required=True, help="dataset name (see list_datasets())")
    parser.add_argument("--root", help="data root (default: $SALIENCY_COURSE_DATA or the cache)")
    parser.add_argument("--split", help="score only the images of this split (e.g. test)")
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=list(METRICS),
        choices=list(METRICS),
        metavar="METRIC",
        help=f"metrics to compute (default: all of {', '.join(METRICS)})",
    )
    parser.add_argument(
        "--baseline",
        default="center_bias",
        choices=["center_bias", "none"],
        help="baseline of information gain (centre bias fitted on other folds)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled AUCs")
    parser.add_argument("-o", "--output", help="write the table to this CSV file")
    parser.add_argument("--no-download", action="store_true", help="fail if data is missing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def read_map(path: Path) -> np.ndarray:
    """A saliency map from an image file (grey levels, float64) or a ``.npy`` array."""
    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
    else:
        from PIL import Image

        with Image.open(path) as image:
            array = np.asarray(
                image.convert("L") if image.mode not in ("L", "I", "I;16", "F") else image
            )
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"saliency map {path} must be 2-D (grey levels), got shape {array.shape}")
    return array


def find_maps(maps_dir: Path, stems: list[str]) -> dict[int, Path]:
    """Image index -> map file, for the stimuli that have a map in ``maps_dir``.

    When a stimulus has several (``predict --npy`` writes ``.png`` and ``.npy``),
    the first in :data:`MAP_SUFFIXES` order wins: the raw ``.npy`` first.
    """
    rank = {suffix: k for k, suffix in enumerate(MAP_SUFFIXES)}
    files: dict[str, Path] = {}
    for path in sorted(maps_dir.iterdir()):
        suffix = path.suffix.lower()
        if suffix in rank and (
            path.stem not in files or rank[suffix] < rank[files[path.stem].suffix.lower()]
        ):
            files[path.stem] = path
    return {i: files[stem] for i, stem in enumerate(stems) if stem in files}


def run(args: argparse.Namespace) -> int:
    from ..data import load_dataset
    from ..metrics import evaluate

    maps_dir = Path(args.maps_dir)
    if not maps_dir.is_dir():
        raise SystemExit(f"MAPS_DIR must be a folder of saliency maps, got {maps_dir}")
    dataset = load_dataset(args.dataset, root=args.root, download=not args.no_download)
    stems = [Path(p).stem for p in dataset.image_paths]
    found = find_maps(maps_dir, stems)
    if args.split and args.split not in dataset.splits:
        raise SystemExit(f"--split must be one of {sorted(dataset.splits)}, got {args.split!r}")
    candidates = dataset.splits[args.split] if args.split else np.arange(len(dataset))
    indices = [int(i) for i in candidates if int(i) in found]
    if not indices:
        raise SystemExit(
            f"no map in {maps_dir} is named after a stimulus of {args.dataset} "
            f"(e.g. {stems[0]}.png)"
        )
    missing = len(candidates) - len(indices)
    if missing:
        print(
            f"{missing} of {len(candidates)} images have no map in {maps_dir}; "
            f"scoring {len(indices)}"
        )
    maps = {i: read_map(found[i]) for i in indices}
    table = evaluate(
        maps,
        dataset,
        metrics=args.metrics,
        indices=indices,
        baseline=None if args.baseline == "none" else "center_bias",
        progress=not args.quiet,
        seed=args.seed,
    )
    table.insert(0, "stimulus", [stems[i] for i in indices] + [""])
    print(table.tail(1).drop(columns="stimulus").round(4).to_string())
    if args.output:
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".part")
        table.to_csv(temporary)
        temporary.replace(output)  # never a half-written table
        print(f"wrote {output}")
    return 0

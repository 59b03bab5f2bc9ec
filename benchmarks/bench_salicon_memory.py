"""Peak memory and time of loading SALICON, on a synthetic copy of the real size and layout.

Run ``python benchmarks/bench_salicon_memory.py [--scale 1.0] [--edition 2017]``.

It writes, to a temporary folder, ``salicon/images/{train,val,test}/COCO_*.jpg``
(one tiny JPEG, copied: the loader lists the images but never decodes them) and
``salicon/fixations_<edition>/{train,val}/COCO_*.mat``: one MATLAB file per
image holding the struct array ``gaze`` (one entry per observer) with
``location`` (``(N, 2)`` mouse samples, 1-based ``[x, y]``), ``timestamp``
(``(N, 1)`` ms) and ``fixations`` (``(M, 2)``), all ``double`` — the layout
``saliency_course.data.salicon`` documents and pysaliency reads
(``loadmat(f)['gaze'].flatten()``). Then it loads the data in a fresh child
process per measurement and prints the child's peak resident memory
(``getrusage(RUSAGE_SELF).ru_maxrss``) and its wall and CPU seconds, for
``kind="mouse"`` and ``kind="fixations"``, first without the cache (the
``.mat`` files are parsed) and then with it.

Sizes (``--scale 1``): 10,000 train and 5,000 val images (the real counts) and
the real totals from pysaliency's tests (``tests/external_datasets/test_SALICON.py``
@ 6a45d24): 2017 mouse samples 215,286,274 train + 121,898,426 val
(= 337,184,700), fixations 4,598,112 + 2,576,914; 2015 mouse 68,992,355 +
38,846,998, fixations 3,171,533 + 1,662,655. Per image the totals are spread
evenly (the real per-image spread is not published). Observers per image are
not in those figures either; they are estimated from the tests' mean
within-trial fixation index (2017: 4.69 train, 4.89 val; 2015: 5.02, 4.81),
which for trials of equal length L is (L - 1) / 2: about 44 / 48 observers per
image for 2017 and 29 / 32 for 2015. Mouse paths are random walks, about 1 %
of their samples off the 640x480 image (to exercise the clip). ``--scale s``
keeps the per-image sizes and writes ``s`` times as many images.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io

TOTALS = {  # (images, mouse samples, fixations) per split, pysaliency's tests
    "2017": {"train": (10_000, 215_286_274, 4_598_112), "val": (5_000, 121_898_426, 2_576_914)},
    "2015": {"train": (10_000, 68_992_355, 3_171_533), "val": (5_000, 38_846_998, 1_662_655)},
}
MEAN_FIXATION_INDEX = {
    "2017": {"train": 4.692611228260643, "val": 4.889936955598829},
    "2015": {"train": 5.020693147446361, "val": 4.808886389539622},
}
TEST_IMAGES = 5_000
WIDTH, HEIGHT = 640, 480

CHILD = """
import json, resource, sys, time
start, cpu = time.perf_counter(), time.process_time()
from saliency_course.data.salicon import load_salicon
dataset = load_salicon(sys.argv[1], download=False, edition=sys.argv[2], kind=sys.argv[3],
                       progress=False)
f = dataset.fixations
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "cpu_seconds": time.process_time() - cpu,
    "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    "entries": len(f),
    "images": len(dataset),
    "dtypes": {k: str(getattr(f, k).dtype) for k in ("x", "y", "n", "subject")},
}))
"""


def observers_per_image(edition: str, split: str) -> int:
    """(L - 1) / 2 = mean fixation index, L = fixations per trial -> observers per image."""
    images, _, fixations = TOTALS[edition][split]
    length = 2 * MEAN_FIXATION_INDEX[edition][split] + 1
    return max(1, round(fixations / images / length))


def spread(total: int, parts: int) -> np.ndarray:
    """``total`` split into ``parts`` near-equal integers summing to ``total``."""
    counts = np.full(parts, total // parts)
    counts[: total % parts] += 1
    return counts


def gaze_struct(rng, samples: int, fixations: int, observers: int) -> np.ndarray:
    """The ``gaze`` struct array of one image, as the official files hold it."""
    gaze = np.empty(
        (observers, 1), dtype=[(k, object) for k in ("location", "timestamp", "fixations")]
    )
    counts = zip(spread(samples, observers), spread(fixations, observers), strict=True)
    for s, (m, f) in enumerate(counts):
        steps = rng.normal(0, 6, size=(m, 2))
        start = rng.uniform([1, 1], [WIDTH, HEIGHT])
        location = np.abs(start + np.cumsum(steps, axis=0))  # reflect at 0
        location = np.minimum(location, [WIDTH + 8, HEIGHT + 8])  # some samples off the image
        timestamp = np.round(np.linspace(0, 5000, m) + rng.uniform(0, 3, m))[:, None]
        points = rng.uniform([1, 1], [WIDTH, HEIGHT], size=(f, 2))
        gaze[s, 0] = (np.round(location), timestamp, np.round(points, 1))
    return gaze


def write_synthetic(folder: Path, edition: str, scale: float, seed: int = 0) -> dict:
    """Write the synthetic SALICON under ``folder/salicon``; returns what was written."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = folder / "salicon"
    tiny = folder / "tiny.jpg"
    Image.new("RGB", (8, 6), (120, 90, 60)).save(tiny)
    written = {"files": 0, "samples": 0, "fixations": 0, "bytes": 0}
    test_images = max(1, round(TEST_IMAGES * scale))
    for split in ("train", "val", "test"):
        (base / "images" / split).mkdir(parents=True, exist_ok=True)
        if split == "test":
            for k in range(test_images):
                shutil.copyfile(tiny, base / "images" / split / f"COCO_{split}2014_{k:012d}.jpg")
            continue
        images, samples, fixations = TOTALS[edition][split]
        count = max(1, round(images * scale))
        per_image_samples = spread(samples, images)[:count]
        per_image_fixations = spread(fixations, images)[:count]
        observers = observers_per_image(edition, split)
        mats = base / f"fixations_{edition}" / split
        mats.mkdir(parents=True, exist_ok=True)
        for k in range(count):
            name = f"COCO_{split}2014_{k:012d}"
            shutil.copyfile(tiny, base / "images" / split / f"{name}.jpg")
            gaze = gaze_struct(rng, per_image_samples[k], per_image_fixations[k], observers)
            scipy.io.savemat(mats / f"{name}.mat", {"gaze": gaze})
            written["files"] += 1
            written["samples"] += int(per_image_samples[k])
            written["fixations"] += int(per_image_fixations[k])
            written["bytes"] += (mats / f"{name}.mat").stat().st_size
    return written


def measure(root: Path, edition: str, kind: str) -> dict:
    """Load in a fresh child process; its own peak RSS, wall and CPU time."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), edition, kind],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(folder: Path, edition: str, scale: float, kinds: list[str]) -> list[dict]:
    start = time.perf_counter()
    written = write_synthetic(folder, edition, scale)
    print(
        f"wrote {written['files']} .mat files ({written['bytes'] / 2**30:.2f} GiB), "
        f"{written['samples']:,} mouse samples, {written['fixations']:,} fixations "
        f"in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    rows = []
    for kind in kinds:
        for cache in (False, True):
            if not cache:
                for old in (folder / "salicon").glob(f"cache-{edition}-{kind}-*.npz"):
                    old.unlink()
            row = {"kind": kind, "cache": cache, **measure(folder, edition, kind)}
            row["cache_gib"] = (
                sum(
                    p.stat().st_size for p in (folder / "salicon").glob(f"cache-{edition}-{kind}-*")
                )
                / 2**30
            )
            rows.append(row)
            print(
                f"{kind:>9s}  {'cached' if cache else 'cold':>6s}  "
                f"peak RSS {row['peak_rss_gb']:6.2f} GiB  {row['seconds']:7.1f} s wall  "
                f"{row['cpu_seconds']:7.1f} s CPU  {row['entries']:,} entries  "
                f"cache {row['cache_gib']:.2f} GiB",
                flush=True,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the real image count")
    parser.add_argument("--edition", choices=sorted(TOTALS), default="2017")
    parser.add_argument("--kinds", nargs="+", choices=["mouse", "fixations"], default=None)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp)")
    args = parser.parse_args()
    if not 0 < args.scale <= 1:
        parser.error(f"--scale must be in (0, 1], got {args.scale}")
    kinds = args.kinds or ["mouse", "fixations"]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        run(Path(tmp), args.edition, args.scale, kinds)


if __name__ == "__main__":
    main()

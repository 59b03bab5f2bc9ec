"""How far is the MIT1003 loader's I-VT from the fixations Judd's code extracted?

MIT1003's raw 240 Hz samples (``DATA.zip``) are not on any public repository
reachable here, so this script rebuilds them: every real FixaTons MIT1003
scanpath of the course's copy (200 images x 15 observers, as Judd's extraction
left them, first fixation and off-image fixations included) is turned into
240 Hz samples with :func:`saliency_course.gaze.simulate_samples` (main-sequence
saccades, fixational drift, tracker noise), written in the official
``ALLSTIMULI/<image>.jpeg`` + ``DATA/<user>/<image>.mat`` layout (1-based
pixels) and loaded back through :func:`saliency_course.data.mit1003.load_mit1003`.
The fixations it detects are compared, image by image, with the scanpaths'
fixations after the same filtering (first fixation dropped, off-image dropped:
``load_dataset("fixatons")``'s default, 20,660 fixations).

    python data_scripts/simulate_mit1003_raw.py [--data ../shared/data] [--out DIR]

Prints the counts, the per-image differences, the share of recorded fixations
recovered within 1 degree, the load time and the extrapolation to 1003 images
beside pysaliency's 104,171.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io

from saliency_course import gaze
from saliency_course.data import load_dataset
from saliency_course.data.fixatons import read_scanpath
from saliency_course.data.mit1003 import SAMPLING_RATE, USERS, load_mit1003
from saliency_course.fixations import Fixations

PYSALIENCY_COUNT = 104_171
MIT1003_IMAGES = 1003


def write_raw(data: Path, out: Path, seed: int = 0) -> int:
    """Write ALLSTIMULI and DATA/<user>/<image>.mat for every FixaTons MIT1003 scanpath."""
    source = data / "fixatons" / "MIT1003"
    (out / "ALLSTIMULI").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = 0
    for image in sorted((source / "STIMULI").glob("*.jpeg")):
        target = out / "ALLSTIMULI" / image.name
        if not target.exists():
            target.symlink_to(image.resolve())
        for user in USERS:
            rows = read_scanpath(source / "SCANPATHS" / image.stem / user)
            if len(rows) == 0:
                continue
            scanpath = Fixations(
                x=rows[:, 0] - 1.0,
                y=rows[:, 1] - 1.0,
                n=np.zeros(len(rows)),
                subject=np.zeros(len(rows)),
                t=1000.0 * rows[:, 2],
                duration=1000.0 * (rows[:, 3] - rows[:, 2]),
            )
            samples = gaze.simulate_samples(scanpath, rate=SAMPLING_RATE, ppd=35.0, rng=rng)
            eye = np.stack([samples.x, samples.y], axis=1) + 1.0  # 1-based, as DATA.zip
            folder = out / "DATA" / user
            folder.mkdir(parents=True, exist_ok=True)
            name = image.stem[:63]
            scipy.io.savemat(folder / f"{image.stem}.mat", {name: {"DATA": {"eyeData": eye}}})
            written += 1
    return written


def compare(data: Path, out: Path) -> dict:
    """Load the simulated raw data and compare it with the scanpaths, image by image."""
    start, cpu = time.perf_counter(), time.process_time()
    detected = load_mit1003(out.parent, download=False, progress=False)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    recorded = load_dataset("fixatons", root=data, download=False, subset="MIT1003")
    order = [recorded.image_paths[i].stem for i in range(len(recorded))]
    assert order == [p.stem for p in detected.image_paths], "image orders differ"
    per_image_detected = np.bincount(detected.fixations.n, minlength=len(detected))
    per_image_recorded = np.bincount(recorded.fixations.n, minlength=len(recorded))
    hits = total = 0.0
    for n in range(len(recorded)):
        for s in range(len(USERS)):
            truth = recorded.fixations.for_image(n).for_subject(s)
            if len(truth):
                found = detected.fixations.for_image(n).for_subject(s)
                hits += gaze.recovery_rate(found, truth, max_distance=35.0) * len(truth)
                total += len(truth)
    difference = per_image_detected - per_image_recorded
    ratio = per_image_detected.sum() / per_image_recorded.sum()
    return {
        "images": len(recorded),
        "recorded": int(per_image_recorded.sum()),
        "detected": int(per_image_detected.sum()),
        "ratio": float(ratio),
        "mean_abs_difference_per_image": float(np.abs(difference).mean()),
        "difference_range": (int(difference.min()), int(difference.max())),
        "recovered_within_1deg": hits / total,
        "recorded_per_image_x1003": per_image_recorded.mean() * MIT1003_IMAGES,
        "detected_per_image_x1003": per_image_detected.mean() * MIT1003_IMAGES,
        "load_seconds": seconds,
        "load_cpu_seconds": cpu_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None, help="a folder to keep the raw files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = (args.out or Path(tmp)) / "mit1003"
        print(f"writing simulated 240 Hz samples to {out} ...")
        print(f"{write_raw(args.data, out, args.seed)} trials written")
        result = compare(args.data, out)
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"pysaliency (Judd's checkFixations, 1003 images): {PYSALIENCY_COUNT}")


if __name__ == "__main__":
    main()

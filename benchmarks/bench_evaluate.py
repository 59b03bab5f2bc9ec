"""Time ``metrics.evaluate`` on real MIT1003 images, cold and warm, beside a plain loop.

Run ``python benchmarks/bench_evaluate.py`` from the repository root (the data is
found at ``$SALIENCY_COURSE_TEST_DATA`` or ``../shared/data``). It takes the
FixaTons MIT1003 images of 768x1024 (or 1024x768) pixels, the spectral-residual
model's maps at the image size (computed before any timing) and, as IG's
baseline, a centre bias fitted on the other images of the subset. Three ways
of scoring the same images with the nine metrics are timed, CPU time
(``time.process_time``, this process's own work) beside wall time:

* **plain loop** - for every image, build the ground truth with
  ``maps.fixation_map``/``maps.density_map``, ``other_fixation_map`` and the
  centre bias's ``density``, then call each metric function on the arrays;
* **evaluate, cold** - ``metrics.evaluate`` in a fresh state: nothing in
  memory, an empty disk cache (so it builds and writes the ground truth);
* **evaluate, warm** - the same call again (the ground truth is in memory;
  best of ``--repeat``); **disk** - memory cleared, the disk cache filled, as
  in a new session.

Per metric, each way is timed alone (``evaluate(metrics=[name])``, cold and
warm), so a cold row includes building the ground truth that metric reads;
the plain loop's rows are the metric calls alone and its ground truth is a row
of its own. The values of evaluate and the plain loop are checked to be equal.
Target (issue 14.5, a quiet 2-core machine): all nine <= 60 ms per image warm,
<= 150 ms cold.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")
os.environ.setdefault("SALIENCY_COURSE_OFFLINE", "1")


def data_root() -> Path:
    env = os.environ.get("SALIENCY_COURSE_TEST_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (root / "fixatons" / "MIT1003").is_dir():
        raise SystemExit(f"FixaTons MIT1003 not found under {root}; set SALIENCY_COURSE_TEST_DATA")
    return root


class Clock:
    """CPU and wall seconds of a block, added to a running total."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def __enter__(self):
        self._start = (time.process_time(), time.perf_counter())
        return self

    def __exit__(self, *exc) -> None:
        self.cpu += time.process_time() - self._start[0]
        self.wall += time.perf_counter() - self._start[1]

    def per_image(self, n: int) -> tuple[float, float]:
        return 1000 * self.cpu / n, 1000 * self.wall / n


def plain_loop(dataset, indices, saliency, centre, seed: int):
    """Per-metric clocks, a ground-truth clock and the scores, the straightforward way."""
    from saliency_course import maps
    from saliency_course.metrics import METRICS, other_fixation_map

    clocks = {name: Clock() for name in METRICS}
    truth_clock = Clock()
    scores = {}
    for i in indices:
        with truth_clock:
            shape = dataset.image_shape(i)
            fixations = dataset.fixations.for_image(i)
            f = maps.fixation_map(fixations, shape)
            g = maps.density_map(fixations, shape, sigma_deg=1.0, ppd=dataset.pixels_per_degree)
            other = other_fixation_map(dataset, i, seed=seed)
            base = centre.density(shape)
        arguments = {
            "fixations": (f,),
            "density": (g,),
            "fixations+other": (f, other),
            "fixations+baseline": (f, base),
        }
        row = {}
        for name, info in METRICS.items():
            options = {"seed": [seed, i]} if info.sampled else {}
            with clocks[name]:
                row[name] = info.function(saliency[i], *arguments[info.needs], **options)
        scores[i] = row
    return clocks, truth_clock, scores


def timed_evaluate(dataset, indices, saliency, centre, seed, metrics, cache) -> tuple:
    from saliency_course.metrics import evaluate

    clock = Clock()
    with clock:
        table = evaluate(
            saliency,
            dataset,
            metrics=metrics,
            indices=indices,
            baseline=centre,
            progress=False,
            seed=seed,
            cache=cache,
        )
    return clock, table


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_evaluate_") as scratch:
        run(Path(scratch))


def run(scratch: Path) -> None:
    """Everything of :func:`main`; the disk caches are folders of ``scratch``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20, help="how many 768x1024 images")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs (best is kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from saliency_course import maps
    from saliency_course.data import load_dataset
    from saliency_course.metrics import METRICS, clear_memory_cache
    from saliency_course.models import build_model, predict

    dataset = load_dataset(
        "fixatons", root=data_root(), subset="MIT1003", download=False, progress=False
    )
    sizes = {(768, 1024), (1024, 768)}
    chosen = [i for i in range(len(dataset)) if tuple(dataset.image_shape(i)) in sizes]
    indices = np.array(chosen[: args.images])
    n = len(indices)
    fixations = dataset.fixations
    centre = maps.fit_center_bias(
        fixations[~np.isin(fixations.n, indices)], dataset.image_shapes, seed=args.seed
    )
    model = build_model("spectral_residual")
    saliency = {int(i): predict(model, dataset.image(int(i))).astype(np.float64) for i in indices}
    shapes = sorted({tuple(dataset.image_shape(int(i))) for i in indices})

    # imports and first-call costs (POT, scipy) are paid once here, not timed
    warm_dir = scratch / "warm-up"
    timed_evaluate(dataset, indices[:1], saliency, centre, args.seed, list(METRICS), warm_dir)
    clear_memory_cache()

    plain, plain_truth, plain_scores = plain_loop(
        dataset, [int(i) for i in indices], saliency, centre, args.seed
    )
    rows = {}
    for name in METRICS:
        clear_memory_cache()
        cache = scratch / name
        cold, _ = timed_evaluate(dataset, indices, saliency, centre, args.seed, [name], cache)
        warm = min(
            (
                timed_evaluate(dataset, indices, saliency, centre, args.seed, [name], cache)[0]
                for _ in range(args.repeat)
            ),
            key=lambda c: c.cpu,
        )
        rows[METRICS[name].label] = (plain[name].per_image(n), cold.per_image(n), warm.per_image(n))

    clear_memory_cache()
    cache = scratch / "all"
    cold, table = timed_evaluate(
        dataset, indices, saliency, centre, args.seed, list(METRICS), cache
    )
    warm = min(
        (
            timed_evaluate(dataset, indices, saliency, centre, args.seed, list(METRICS), cache)[0]
            for _ in range(args.repeat)
        ),
        key=lambda c: c.cpu,
    )
    clear_memory_cache()
    disk, _ = timed_evaluate(dataset, indices, saliency, centre, args.seed, list(METRICS), cache)
    total_plain = Clock()
    total_plain.cpu = plain_truth.cpu + sum(c.cpu for c in plain.values())
    total_plain.wall = plain_truth.wall + sum(c.wall for c in plain.values())

    same = all(table.loc[int(i)].to_dict() == plain_scores[int(i)] for i in indices)
    print(
        f"MIT1003 (FixaTons), {n} images of {' or '.join(f'{h}x{w}' for h, w in shapes)}, "
        f"spectral-residual maps at image size, IG baseline: one fitted centre bias"
    )
    print("milliseconds per image; CPU = this process's time, wall = elapsed")
    header = ("plain loop", "evaluate cold", "evaluate warm")
    print(f"{'':>16s}" + "".join(f"{h:>22s}" for h in header))
    print(f"{'metric':>16s}" + "".join(f"{'CPU':>11s}{'wall':>11s}" for _ in header))

    def line(label, cells):
        print(f"{label:>16s}" + "".join(f"{c:11.1f}{w:11.1f}" for c, w in cells))

    for label, cells in rows.items():
        line(label, cells)
    line("ground truth", [plain_truth.per_image(n), (np.nan, np.nan), (np.nan, np.nan)])
    line("all nine", [total_plain.per_image(n), cold.per_image(n), warm.per_image(n)])
    print(
        f"evaluate, disk cache filled (a new session): CPU {disk.per_image(n)[0]:.1f}, "
        f"wall {disk.per_image(n)[1]:.1f} ms per image"
    )
    print(f"evaluate and the plain loop give identical values: {'yes' if same else 'NO'}")
    print("target on a quiet 2-core machine: all nine <= 60 ms warm, <= 150 ms cold")


if __name__ == "__main__":
    main()

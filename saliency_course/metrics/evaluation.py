"""Score a model (or a set of maps) on a dataset with the benchmark metrics: the one scoring path.

:func:`evaluate` scores saliency maps of a dataset's images and
:func:`inter_observer` the split-half agreement of its observers (the
ceiling); both read the dataset's ground truth from the shared cache of
:mod:`saliency_course.metrics.truth_cache` (fixated pixels, density map,
sAUC's other map, the information-gain baseline; see there for how each is
built) and score with :func:`saliency_course.metrics.scoring.score_truth`,
which is what :func:`score_map` and the metric functions compute too.
:mod:`saliency_course.benchmark` composes its rows from these two functions.

Seeds: the sampled AUCs, AUC-Judd's jitter (when on) and the observer halves
of image ``i`` use ``(seed, i)``, so every model meets the same negatives and
the same halves. AUC-Judd's jitter is ``judd_jitter``, whose default
:data:`~saliency_course.metrics.auc.JUDD_JITTER` (off) is that of every
AUC-Judd in the package; see :mod:`saliency_course.metrics.auc` for what it
changes (a constant map: NaN without it, about 0.5 with it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .auc import JUDD_JITTER
from .inputs import Density, Fixated, SaliencyMap
from .location import baseline_bits
from .registry import METRICS
from .scoring import ImageTruth, check_metrics, score_map, score_truth
from .truth_cache import (
    N_OTHER,
    CenterBiasBaseline,
    GroundTruth,
    ShapeBaseline,
    ground_truth,
    other_fixation_map,
)

__all__ = [
    "evaluate",
    "inter_observer",
    "score_map",
    "other_fixation_map",
    "CenterBiasBaseline",
    "GroundTruth",
    "ShapeBaseline",
    "N_OTHER",
]


def _check_indices(dataset, indices) -> np.ndarray:
    count = len(dataset)
    if indices is None:
        return np.arange(count)
    array = np.asarray(indices)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer) or array.ndim != 1:
        raise ValueError(f"indices must be a 1-D sequence of image indices, got {indices!r:.80}")
    if array.size and (array.min() < 0 or array.max() >= count):
        raise ValueError(f"indices must lie in [0, {count}), got {array.min()}..{array.max()}")
    return array.astype(np.int64)


def _map_source(predict_or_maps, indices: np.ndarray) -> Callable[[object, int], np.ndarray]:
    """A function ``(dataset, i) -> saliency map`` from a callable, a sequence or a dict."""
    if callable(predict_or_maps):
        return lambda dataset, i: predict_or_maps(dataset.image(i))
    if isinstance(predict_or_maps, Mapping):
        missing = [int(i) for i in indices if int(i) not in predict_or_maps]
        if missing:
            raise ValueError(f"predict_or_maps has no map for images {missing[:10]}")
        return lambda dataset, i: predict_or_maps[i]
    if isinstance(predict_or_maps, (Sequence, np.ndarray)):
        if len(predict_or_maps) != len(indices):
            raise ValueError(
                f"predict_or_maps must hold one map per evaluated image ({len(indices)}), "
                f"got {len(predict_or_maps)}"
            )
        position = {int(i): k for k, i in enumerate(indices)}
        return lambda dataset, i: predict_or_maps[position[i]]
    raise ValueError(
        "predict_or_maps must be a callable image -> map, a sequence of maps in the order "
        f"of indices, or a dict image index -> map; got {type(predict_or_maps).__name__}"
    )


def _table(rows: dict[int, dict[str, float]], indices: np.ndarray, names: list[str]):
    import pandas as pd

    table = pd.DataFrame(
        [rows[int(i)] for i in indices],
        index=pd.Index([int(i) for i in indices], name="image"),
        columns=names,
    )
    table.loc["mean"] = table.mean(numeric_only=True)
    return table


def _needs(names: list[str], baseline) -> set[str]:
    needs = {METRICS[m].needs for m in names}
    if "fixations+baseline" in needs and baseline is None:
        raise ValueError("baseline is None but information_gain needs one")
    return needs


def evaluate(
    predict_or_maps,
    dataset,
    metrics: Sequence[str] | str = tuple(METRICS),
    indices: Sequence[int] | None = None,
    baseline="center_bias",
    progress: bool = True,
    seed: int = 0,
    sigma_deg: float | None = 1.0,
    n_other: int = N_OTHER,
    folds: int = 5,
    judd_jitter: bool = JUDD_JITTER,
    cache=True,
    desc: str | None = None,
):
    """Score saliency maps of ``dataset``'s images; a ``pandas.DataFrame`` per image plus ``mean``.

    ``predict_or_maps`` is a callable (uint8 image -> saliency map), a
    sequence of maps in the order of ``indices``, or a dict image index -> map;
    maps of another size are resized by the metrics. ``metrics`` are names in
    :data:`saliency_course.metrics.METRICS` (default: all nine). ``baseline``
    (for information gain) is ``"center_bias"`` (fitted on other folds), a
    :class:`CenterBiasBaseline` (to reuse its fits), anything with a
    ``density(shape)`` method (a fitted centre bias, the ``center_bias``
    model, a :class:`ShapeBaseline`), a map, a callable image -> map, or
    ``None`` (then information gain cannot be asked for). ``judd_jitter``
    switches AUC-Judd's MATLAB jitter. The ground truth comes from
    :func:`~saliency_course.metrics.truth_cache.ground_truth` (``cache``:
    ``True`` also keeps it on disk, ``False`` in memory only, or a folder).
    Rows are image indices, the last one ``"mean"`` (ignoring NaN); an image
    without fixations inside it gets a row of NaN. ``desc`` labels the progress bar.
    """
    from tqdm.auto import tqdm

    names = check_metrics(metrics)
    indices = _check_indices(dataset, indices)
    if not indices.size:
        raise ValueError("indices must select at least one image, got none")
    get_map = _map_source(predict_or_maps, indices)
    needs = _needs(names, baseline)
    truth = ground_truth(dataset, sigma_deg, n_other, seed, cache=cache)
    bits = {}
    if "fixations+baseline" in needs:
        bits = truth.baseline_bits(indices, baseline, folds, seed, progress)
    rows = {}
    desc = f"evaluate {getattr(dataset, 'name', '')}" if desc is None else desc
    for i in tqdm(indices, desc=desc, disable=not progress):
        i = int(i)
        saliency = np.asarray(get_map(dataset, i), dtype=np.float64)
        if saliency.ndim != 2:
            raise ValueError(
                f"the saliency map of image {i} must be 2-D, got shape {saliency.shape}"
            )
        image = truth.image(i, needs)
        if image.fixated.size == 0:  # nothing to predict: NaN, as the MIT code
            rows[i] = dict.fromkeys(names, float("nan"))
            continue
        image.bits = bits.get(i)
        rows[i] = score_truth(SaliencyMap(saliency), image, names, [seed, i], judd_jitter)
    return _table(rows, indices, names)


def _halves(truth: GroundTruth, i: int, seed: int):
    """Image ``i``'s fixations inside it, split by observer into two seeded halves (or None)."""
    shape = tuple(truth.dataset.image_shape(i))
    fixations = truth.fixations_of(i)
    fixations = fixations[fixations.inside(shape)]
    subjects = np.random.default_rng([seed, i]).permutation(fixations.subjects)
    if len(subjects) < 2:
        return None
    first = np.isin(fixations.subject, subjects[: len(subjects) // 2])
    return fixations[first], fixations[~first]


def inter_observer(
    dataset,
    indices: Sequence[int] | None = None,
    metrics: Sequence[str] | str = tuple(METRICS),
    baseline="center_bias",
    progress: bool = True,
    seed: int = 0,
    sigma_deg: float = 1.0,
    n_other: int = N_OTHER,
    folds: int = 5,
    judd_jitter: bool = JUDD_JITTER,
    cache=True,
):
    """Split-half inter-observer scores: half of the observers predict the other half.

    For each image the observers are shuffled by a generator seeded with
    ``(seed, image)``; the density (``sigma_deg``) of the first half is scored
    against the fixated pixels and density of the second half, with the same
    sAUC other map, baseline and seeds as :func:`evaluate`. A lower bound on
    the ceiling a model can reach: more observers would predict better.
    Images with fewer than two observers give NaN rows. The package's only
    inter-observer score; the benchmark's ceiling row is its mean.
    """
    from tqdm.auto import tqdm

    from ..maps import density_map, fixated_pixels

    names = check_metrics(metrics)
    indices = _check_indices(dataset, indices)
    needs = _needs(names, baseline)
    truth = ground_truth(dataset, sigma_deg, n_other, seed, cache=cache)
    ppd = dataset.pixels_per_degree
    if "fixations+baseline" in needs:
        order = truth.baseline_maps(indices, baseline, folds, seed)
    else:
        order = ((int(i), None) for i in indices)
    rows = {}
    for i, base in tqdm(order, desc="inter-observer", total=len(indices), disable=not progress):
        shape = tuple(dataset.image_shape(i))
        halves = _halves(truth, i, seed)
        if halves is None:
            rows[i] = dict.fromkeys(names, float("nan"))
            continue
        predicted, held_out = halves
        image = ImageTruth(fixated=Fixated(np.unique(fixated_pixels(held_out, shape)), shape))
        if "density" in needs:
            image.density = Density(density_map(held_out, shape, sigma_deg=sigma_deg, ppd=ppd))
        if "fixations+other" in needs:
            image.others = truth.others(i)
        if base is not None:
            image.bits = baseline_bits(base, image.fixated)
        saliency = SaliencyMap(density_map(predicted, shape, sigma_deg=sigma_deg, ppd=ppd))
        rows[i] = score_truth(saliency, image, names, [seed, i], judd_jitter)
    return _table(rows, indices, names)

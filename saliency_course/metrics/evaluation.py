"""Score a model (or a set of maps) on a dataset with the benchmark metrics.

For every image, :func:`evaluate` builds the ground truth the MIT benchmark
uses (Bylinskii et al., TPAMI 2018): the binary fixation map, the density map
(Gaussian, ``sigma_deg`` degrees of visual angle), the sAUC *other map* (the
fixations of ``n_other = 10`` other images of the dataset, as Borji et al.
used M = 10, chosen with a generator seeded by ``(seed, image)``, their
coordinates scaled to this image's size), and the baseline of information
gain: by default a centre bias (:func:`saliency_course.maps.fit_center_bias`)
fitted on the fixations of images in *other* folds (``folds`` folds of the
dataset's images, seeded), so an image never helps predict itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..fixations import Fixations
from .registry import METRICS

__all__ = [
    "evaluate",
    "inter_observer",
    "score_map",
    "other_fixation_map",
    "CenterBiasBaseline",
    "N_OTHER",
]

N_OTHER = 10


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


def _check_metrics(metrics) -> list[str]:
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ValueError(f"metrics must be names among {list(METRICS)}, got {names}")
    return names


def other_fixation_map(
    dataset, i: int, n_other: int = N_OTHER, seed: int = 0, pool: Sequence[int] | None = None
) -> np.ndarray:
    """Fixated pixels of ``n_other`` other images (of ``pool``, default all) at image ``i``'s size.

    The images are drawn without replacement by a generator seeded with
    ``(seed, i)``; each fixation keeps its relative position,
    ``x' = (x + 0.5) W_i / W_j - 0.5``. Returns a binary ``(H, W)`` map.
    """
    from ..maps import fixation_map

    height, width = dataset.image_shape(i)
    candidates = np.setdiff1d(np.arange(len(dataset)) if pool is None else np.asarray(pool), [i])
    with_fixations = np.intersect1d(candidates, dataset.fixations.images)
    rng = np.random.default_rng([seed, int(i)])
    chosen = rng.choice(with_fixations, size=min(n_other, with_fixations.size), replace=False)
    points = []
    for j in chosen:
        fixations = dataset.fixations.for_image(int(j))
        h, w = dataset.image_shape(int(j))
        x = (fixations.x + 0.5) * width / w - 0.5
        y = (fixations.y + 0.5) * height / h - 0.5
        points.append(np.stack([x, y], axis=1))
    xy = np.concatenate(points) if points else np.zeros((0, 2))
    return (fixation_map(xy, (height, width)) > 0).astype(np.float64)


class CenterBiasBaseline:
    """Centre bias of each image fitted on the fixations of the images in other folds.

    The dataset's images are split into ``folds`` folds by a permutation seeded
    with ``seed``; image ``i`` gets the cross-validated KDE fitted on every
    fold but its own, evaluated at its size (cached per fold and size).
    """

    def __init__(self, dataset, folds: int = 5, seed: int = 0) -> None:
        if not isinstance(folds, int) or folds < 2 or folds > len(dataset):
            raise ValueError(f"folds must be an int in [2, {len(dataset)}], got {folds!r}")
        self.dataset = dataset
        self.fold = np.random.default_rng(seed).permutation(len(dataset)) % folds
        self._models: dict[int, object] = {}
        self._maps: dict[tuple[int, tuple[int, int]], np.ndarray] = {}
        self.seed = seed

    def _model(self, fold: int):
        from ..maps import fit_center_bias

        if fold not in self._models:
            fixations: Fixations = self.dataset.fixations
            train = fixations[self.fold[fixations.n] != fold]
            shapes = self.dataset.image_shapes
            inner_folds = min(5, len(train.images))  # cross-validation over training images
            self._models[fold] = fit_center_bias(train, shapes, folds=inner_folds, seed=self.seed)
        return self._models[fold]

    def __call__(self, i: int) -> np.ndarray:
        fold, shape = int(self.fold[i]), tuple(self.dataset.image_shape(i))
        if (fold, shape) not in self._maps:
            self._maps[(fold, shape)] = self._model(fold).density(shape)
        return self._maps[(fold, shape)]


def score_map(
    saliency_map,
    fixation_map=None,
    density_map=None,
    other_map=None,
    baseline_map=None,
    metrics: Sequence[str] | str = tuple(METRICS),
    seed=0,
) -> dict[str, float]:
    """All requested metrics of one saliency map against one image's ground truth.

    Each metric reads what it needs (``METRICS[name].needs``): the fixation
    map, the density map, the sAUC ``other_map`` or the IG ``baseline_map``;
    a missing one raises ``ValueError``. The sampled AUCs use ``seed``.
    """
    names = _check_metrics(metrics)
    given = {
        "fixations": (fixation_map,),
        "density": (density_map,),
        "fixations+other": (fixation_map, other_map),
        "fixations+baseline": (fixation_map, baseline_map),
    }
    argument = {"fixations": "fixation_map", "density": "density_map"}
    scores = {}
    for name in names:
        info = METRICS[name]
        arguments = given[info.needs]
        if any(a is None for a in arguments):
            wanted = argument.get(info.needs, info.needs.replace("fixations+", "") + "_map")
            raise ValueError(f"{name} needs {wanted} (and fixation_map), got None")
        options = {"seed": seed} if info.sampled else {}
        scores[name] = info.function(saliency_map, *arguments, **options)
    return scores


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


def _baseline_source(baseline, dataset, folds: int, seed: int):
    if baseline is None:
        return None
    if isinstance(baseline, str):
        if baseline != "center_bias":
            raise ValueError(
                f"baseline must be 'center_bias', a map, a callable or None, got {baseline!r}"
            )
        return CenterBiasBaseline(dataset, folds=folds, seed=seed)
    if isinstance(baseline, CenterBiasBaseline):
        return baseline  # already a function of the image index
    if callable(baseline):
        return lambda i: baseline(dataset.image(i))
    array = np.asarray(baseline)
    if array.ndim != 2:
        raise ValueError(f"baseline must be a 2-D map, got shape {array.shape}")
    return lambda i: array


def evaluate(
    predict_or_maps,
    dataset,
    metrics: Sequence[str] | str = tuple(METRICS),
    indices: Sequence[int] | None = None,
    baseline="center_bias",
    progress: bool = True,
    seed: int = 0,
    sigma_deg: float = 1.0,
    n_other: int = N_OTHER,
    folds: int = 5,
):
    """Score saliency maps of ``dataset``'s images; a ``pandas.DataFrame`` per image plus ``mean``.

    ``predict_or_maps`` is a callable (uint8 image -> saliency map), a
    sequence of maps in the order of ``indices``, or a dict image index -> map;
    maps of another size are resized by the metrics. ``metrics`` are names in
    :data:`saliency_course.metrics.METRICS` (default: all nine). ``baseline``
    (for information gain) is ``"center_bias"`` (fitted on other folds), a
    :class:`CenterBiasBaseline` (to reuse its fits), a map, a callable
    image -> map, or ``None`` (then information gain cannot
    be asked for). The sampled AUCs use ``seed`` and the image index. Rows are
    image indices, the last one ``"mean"`` (ignoring NaN); an image without
    fixations inside it gets a row of NaN.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    names = _check_metrics(metrics)
    indices = _check_indices(dataset, indices)
    if not indices.size:
        raise ValueError("indices must select at least one image, got none")
    get_map = _map_source(predict_or_maps, indices)
    needs = {METRICS[m].needs for m in names}
    if "fixations+baseline" in needs and baseline is None:
        raise ValueError("baseline is None but information_gain needs one")
    get_baseline = (
        _baseline_source(baseline, dataset, folds, seed) if "fixations+baseline" in needs else None
    )
    rows = []
    for i in tqdm(indices, desc=f"evaluate {getattr(dataset, 'name', '')}", disable=not progress):
        i = int(i)
        saliency = np.asarray(get_map(dataset, i), dtype=np.float64)
        if saliency.ndim != 2:
            raise ValueError(
                f"the saliency map of image {i} must be 2-D, got shape {saliency.shape}"
            )
        fixations = dataset.fixation_map(i)
        if not fixations.any():  # nothing to predict: NaN, as the MIT code
            rows.append(dict.fromkeys(names, float("nan")))
            continue
        density = dataset.density_map(i, sigma_deg=sigma_deg) if "density" in needs else None
        other = (
            other_fixation_map(dataset, i, n_other, seed) if "fixations+other" in needs else None
        )
        base = get_baseline(i) if get_baseline is not None else None
        row = score_map(saliency, fixations, density, other, base, metrics=names, seed=[seed, i])
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index([int(i) for i in indices], name="image"))
    table.loc["mean"] = table.mean(numeric_only=True)
    return table


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
):
    """Split-half inter-observer scores: half of the observers predict the other half.

    For each image the observers are shuffled by a generator seeded with
    ``(seed, image)``; the density (``sigma_deg``) of the first half is scored
    against the fixation map and density of the second half, with the same
    sAUC other map and baseline as :func:`evaluate`. A lower bound on the
    ceiling a model can reach: more observers would predict better. Images
    with fewer than two observers give NaN rows.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from ..maps import density_map, fixation_map

    names = _check_metrics(metrics)
    indices = _check_indices(dataset, indices)
    needs = {METRICS[m].needs for m in names}
    if "fixations+baseline" in needs and baseline is None:
        raise ValueError("baseline is None but information_gain needs one")
    get_baseline = (
        _baseline_source(baseline, dataset, folds, seed) if "fixations+baseline" in needs else None
    )
    ppd = dataset.pixels_per_degree
    rows = []
    for i in tqdm(indices, desc="inter-observer", disable=not progress):
        i = int(i)
        shape = tuple(dataset.image_shape(i))
        fixations = dataset.fixations.for_image(i)
        fixations = fixations[fixations.inside(shape)]
        subjects = np.random.default_rng([seed, i]).permutation(fixations.subjects)
        if len(subjects) < 2:
            rows.append(dict.fromkeys(names, float("nan")))
            continue
        first = np.isin(fixations.subject, subjects[: len(subjects) // 2])
        predicted, held_out = fixations[first], fixations[~first]
        saliency = density_map(predicted, shape, sigma_deg=sigma_deg, ppd=ppd)
        truth = density_map(held_out, shape, sigma_deg=sigma_deg, ppd=ppd)
        other = (
            other_fixation_map(dataset, i, n_other, seed) if "fixations+other" in needs else None
        )
        base = get_baseline(i) if get_baseline is not None else None
        rows.append(
            score_map(saliency, fixation_map(held_out, shape), truth, other, base, names, [seed, i])
        )
    table = pd.DataFrame(rows, index=pd.Index([int(i) for i in indices], name="image"))
    table.loc["mean"] = table.mean(numeric_only=True)
    return table

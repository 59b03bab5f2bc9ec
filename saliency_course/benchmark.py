"""The lecture's comparison table: every model scored with the nine benchmark metrics.

Columns follow the lecture (and the MIT300 table of Pan et al., "SalGAN",
arXiv:1701.01081, Table 4): AUC-J, SIM, EMD, AUC-B, sAUC, CC, NSS, KL, IG.
Metrics are those of :mod:`saliency_course.metrics` (the MIT benchmark code,
Bylinskii et al., TPAMI 2018); per image:

* fixation-based (AUC-J with MATLAB's jitter, AUC-B, sAUC, NSS, IG) against
  the image's fixation map; sAUC's negatives are the fixations of
  ``n_other`` other images of the split, mapped to this image's size in
  normalised coordinates; IG is relative to the centre-bias model;
* distribution-based (SIM, EMD, CC, KL) against the density map (Gaussian of
  ``sigma_deg`` degrees).

Two reference rows are computed on the same images:

* **inter-observer (ceiling)** — split-half consistency: the density map of a
  random half of the observers predicts the other half's fixations and
  density. With half the observers it underestimates the ceiling of an
  infinite crowd, so a good model can come close to it;
* **centre bias (floor)** — the centre bias fitted on the training split; a
  model below it has learned less than "look at the middle".

Published figures (:func:`published_table`) come from
``docs/models.md`` §9 and the papers' tables: MIT300 under the old MIT
protocol (SalGAN Table 4, leaderboard of 10 Nov 2016), SALICON test, and
DeepGaze IIE on the MIT/Tuebingen benchmark. They were measured on other
images (MIT300's fixations are held out) and, for the Tuebingen row, with
another protocol, so they place a model only roughly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from . import metrics as M
from .errors import OfflineError
from .maps import density_map, fixation_map
from .models import build_model, predict

__all__ = [
    "COLUMNS",
    "GroundTruth",
    "HIGHER_IS_BETTER",
    "PUBLISHED_NAMES",
    "benchmark_table",
    "course_model",
    "inter_observer_scores",
    "model_saliency",
    "published_table",
    "score_images",
    "side_by_side",
]

#: The lecture's column order and the metric behind each column.
COLUMNS = {
    "AUC-J": "auc_judd",
    "SIM": "similarity",
    "EMD": "emd",
    "AUC-B": "auc_borji",
    "sAUC": "auc_shuffled",
    "CC": "cc",
    "NSS": "nss",
    "KL": "kld",
    "IG": "information_gain",
}
HIGHER_IS_BETTER = {column: M.METRICS[name].higher_is_better for column, name in COLUMNS.items()}
CEILING = "inter-observer (ceiling)"
FLOOR = "centre bias (floor)"

_MIT300_OLD = "MIT300, old MIT protocol (SalGAN arXiv:1701.01081 Table 4, Nov 2016)"
_SALICON = "SALICON test (SalGAN arXiv:1701.01081 Table 4)"
_TUEBINGEN = "MIT300, MIT/Tuebingen protocol (DeepGaze IIE, arXiv:2105.12441)"
_PUBLISHED = [
    # model, benchmark, AUC-J, SIM, EMD, AUC-B, sAUC, CC, NSS, KL
    ("Humans (inter-observer)", _MIT300_OLD, 0.92, 1.00, 0.0, 0.88, 0.81, 1.0, 3.29, 0.0),
    ("DeepGaze II", _MIT300_OLD, 0.88, 0.46, 3.98, 0.86, 0.72, 0.52, 1.29, 0.96),
    ("DeepFix", _MIT300_OLD, 0.87, 0.67, 2.04, 0.80, 0.71, 0.78, 2.26, 0.63),
    ("DSCLRCN", _MIT300_OLD, 0.87, 0.68, 2.17, 0.79, 0.72, 0.80, 2.35, 0.95),
    ("SALICON", _MIT300_OLD, 0.87, 0.60, 2.62, 0.85, 0.74, 0.74, 2.12, 0.54),
    ("SalGAN", _MIT300_OLD, 0.86, 0.63, 2.29, 0.81, 0.72, 0.73, 2.04, 1.07),
    ("ML-Net", _MIT300_OLD, 0.85, 0.59, 2.63, 0.75, 0.70, 0.67, 2.05, 1.10),
    ("PDP", _MIT300_OLD, 0.85, 0.60, 2.58, 0.80, 0.73, 0.70, 2.05, 0.92),
    ("DeepGaze I", _MIT300_OLD, 0.84, 0.39, 4.97, 0.83, 0.66, 0.48, 1.22, 1.23),
    ("iSEEL", _MIT300_OLD, 0.84, 0.57, 2.72, 0.81, 0.68, 0.65, 1.78, 0.65),
    ("SalNet", _MIT300_OLD, 0.83, 0.52, 3.31, 0.82, 0.69, 0.58, 1.51, 0.81),
    ("BMS", _MIT300_OLD, 0.83, 0.51, 3.35, 0.82, 0.65, 0.55, 1.41, 0.81),
    ("DSCLRCN", _SALICON, None, None, None, 0.884, 0.776, 0.831, 3.157, None),
    ("SalGAN", _SALICON, None, None, None, 0.884, 0.772, 0.781, 2.459, None),
    ("ML-Net", _SALICON, None, None, None, 0.866, 0.768, 0.743, 2.789, None),
    ("SalNet", _SALICON, None, None, None, 0.858, 0.724, 0.609, 1.859, None),
    # The Tuebingen page's "AUC" is listed under AUC-J.
    ("DeepGaze IIE", _TUEBINGEN, 0.883, None, None, None, 0.794, 0.824, None, None),
]
#: Registered model name -> the name of its published row.
PUBLISHED_NAMES = {
    "salnet": "SalNet",
    "salgan": "SalGAN",
    "deepgaze1": "DeepGaze I",
    "deepgaze2": "DeepGaze II",
    "deepgaze2e": "DeepGaze IIE",
    "deepfix": "DeepFix",
}


#: Models whose authors released trained saliency weights that ``pretrained=True`` loads.
OFFICIAL_WEIGHTS = ("salnet", "salgan", "deepgaze1", "deepgaze2e")
#: The notebook that trains each deep model.
TRAINED_IN = {
    "salnet": "06_salnet",
    "salgan": "07_salgan",
    "deepgaze1": "08_deepgaze",
    "deepgaze2": "08_deepgaze",
    "deepgaze2e": "08_deepgaze",
    "deepfix": "09_deepfix",
}


def course_model(
    name: str,
    run_name: str | None = None,
    root=None,
    official: bool = True,
    smoke: bool = False,
    module: str = "model",
    **options,
) -> tuple[torch.nn.Module | None, str]:
    """A registered model for the benchmark, and where its weights came from.

    In order: ``smoke`` builds it with random weights (``pretrained=False``); a
    checkpoint of run ``run_name`` under ``<root>/runs/`` (written by
    :func:`saliency_course.training.fit` in notebooks 06-09) is loaded into it;
    else, with ``official``, the authors' weights are downloaded for the models
    in :data:`OFFICIAL_WEIGHTS`. Otherwise, or when that download is impossible
    offline, returns ``(None, reason)`` saying what to run first. ``options``
    go to :func:`saliency_course.models.build_model`.
    """
    from .training.checkpoints import load_weights, run_directory

    if smoke:
        return build_model(name, pretrained=False, **options), "random weights (untrained, smoke)"
    if run_name is not None and (run_directory(run_name, root) / "last.pt").exists():
        model = build_model(name, pretrained=False, **options)
        state = load_weights(model, run_name, root, module=module)
        return model, f"checkpoint runs/{run_name} (epoch {state['epoch']})"
    where = f"no checkpoint runs/{run_name}" if run_name else "no run given"
    if official and name in OFFICIAL_WEIGHTS:
        try:
            return build_model(name, pretrained=True, **options), "official weights"
        except OfflineError as error:
            return None, f"{where}, and the official weights cannot be fetched: {error}"
    notebook = TRAINED_IN.get(name, "the notebook that trains it")
    return None, f"{where} and no official weights: run {notebook} first"


def published_table() -> pd.DataFrame:
    """Published scores, indexed by (model, benchmark), in the lecture's column order.

    IG was not reported on these leaderboards and stays empty, as does every
    figure a source did not give.
    """
    rows = [
        dict(zip(("model", "benchmark", *list(COLUMNS)[:8]), r, strict=True)) for r in _PUBLISHED
    ]
    table = pd.DataFrame(rows).set_index(["model", "benchmark"])
    table["IG"] = np.nan
    return table[list(COLUMNS)].astype(float)


def model_saliency(
    model: torch.nn.Module, device=None, input_size: tuple[int, int] | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """``image -> saliency map`` of a model; a log-density becomes its density (``exp``).

    ``input_size`` overrides the model's own (smaller inputs run faster on a CPU).
    The function remembers the map of the last image it saw, so showing the
    last scored image again costs nothing.
    """
    kind = getattr(model, "output_kind", None)
    last: dict[str, object] = {}

    def saliency(image: np.ndarray) -> np.ndarray:
        key = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()
        if last.get("key") != key:
            out = predict(model, image, device=device, input_size=input_size)
            last.update(key=key, map=np.exp(out) if kind == "log_density" else out)
        return last["map"].copy()

    return saliency


def _check_indices(dataset, indices) -> np.ndarray:
    indices = np.asarray(indices, dtype=np.int64).ravel()
    if indices.size < 2:
        raise ValueError(f"indices must name at least 2 images (sAUC needs others), got {indices}")
    if indices.min() < 0 or indices.max() >= len(dataset):
        raise ValueError(
            f"indices must lie in [0, {len(dataset) - 1}], got [{indices.min()}, {indices.max()}]"
        )
    return indices


def _other_fixation_map(dataset, i: int, indices: np.ndarray, n_other: int, rng) -> np.ndarray:
    """Fixations of ``n_other`` other images of ``indices`` on image ``i``'s pixel grid."""
    height, width = dataset.image_shape(i)
    others = rng.choice(indices[indices != i], size=min(n_other, len(indices) - 1), replace=False)
    points = []
    for j in others:
        h, w = dataset.image_shape(int(j))
        f = dataset.fixations.for_image(int(j))
        points.append(np.stack([(f.x + 0.5) * width / w - 0.5, (f.y + 0.5) * height / h - 0.5], 1))
    return fixation_map(np.concatenate(points), (height, width))


class GroundTruth:
    """What every model is scored against on each image, computed once and cached.

    ``get(i)`` returns ``(fixation map, density map, other images' fixation map,
    baseline density)``; the other images for sAUC are drawn with a generator
    seeded by ``(seed, i)``, so every model meets the same negatives.
    """

    def __init__(
        self,
        dataset,
        indices: Sequence[int],
        baseline: Callable[[tuple[int, int]], np.ndarray],
        sigma_deg: float = 1.0,
        n_other: int = 10,
        seed: int = 0,
    ) -> None:
        self.dataset = dataset
        self.indices = _check_indices(dataset, indices)
        self.baseline = baseline
        self.sigma_deg = sigma_deg
        self.n_other = n_other
        self.seed = seed
        self._cache: dict[int, tuple[np.ndarray, ...]] = {}
        self._baselines: dict[tuple[int, int], np.ndarray] = {}

    def get(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        i = int(i)
        if i not in self._cache:
            ds = self.dataset
            shape = ds.image_shape(i)
            if shape not in self._baselines:  # the baseline depends on the image size only
                self._baselines[shape] = self.baseline(shape)
            rng = np.random.default_rng([self.seed, i])
            other = _other_fixation_map(ds, i, self.indices, self.n_other, rng)
            self._cache[i] = (
                ds.fixation_map(i) > 0,  # boolean maps: an eighth of the memory
                ds.density_map(i, sigma_deg=self.sigma_deg),
                other > 0,
                self._baselines[shape],
            )
        return self._cache[i]


def _score(saliency, fixations, density, other, baseline, seed: int) -> dict[str, float]:
    arguments = {
        "auc_judd": (saliency, fixations, True, seed),
        "similarity": (saliency, density),
        "emd": (saliency, density),
        "auc_borji": (saliency, fixations, 100, 0.1, seed),
        "auc_shuffled": (saliency, fixations, other, 100, 0.1, seed),
        "cc": (saliency, density),
        "nss": (saliency, fixations),
        "kld": (saliency, density),
        "information_gain": (saliency, fixations, baseline),
    }
    return {column: M.METRICS[name].function(*arguments[name]) for column, name in COLUMNS.items()}


def _truth_for(truth, dataset, indices, baseline, sigma_deg, n_other, seed) -> GroundTruth:
    if truth is None:
        return GroundTruth(dataset, indices, baseline, sigma_deg, n_other, seed)
    if not isinstance(truth, GroundTruth):
        raise ValueError(f"truth must be a GroundTruth or None, got {type(truth).__name__}")
    same = truth.dataset is dataset and np.array_equal(truth.indices, np.asarray(indices).ravel())
    if not same:
        raise ValueError("truth must be built from the same dataset and indices as those passed")
    return truth


def score_images(
    saliency: Callable[[np.ndarray], np.ndarray] | torch.nn.Module,
    dataset,
    indices: Sequence[int],
    baseline: Callable[[tuple[int, int]], np.ndarray],
    sigma_deg: float = 1.0,
    n_other: int = 10,
    seed: int = 0,
    device=None,
    input_size: tuple[int, int] | None = None,
    progress: bool = True,
    desc: str = "scoring",
    truth: GroundTruth | None = None,
) -> pd.DataFrame:
    """Per-image scores (rows: image index; columns: the lecture's nine).

    ``saliency`` is a model (run through :func:`saliency_course.models.predict`,
    at ``input_size`` if given) or a function ``image -> map``. ``baseline(shape)``
    gives IG's reference density, e.g. ``center_bias_model.density``. ``truth``
    (a :class:`GroundTruth` of the same dataset and indices) reuses ground truth
    already computed for another model.
    """
    truth = _truth_for(truth, dataset, indices, baseline, sigma_deg, n_other, seed)
    if isinstance(saliency, torch.nn.Module):
        saliency = model_saliency(saliency, device, input_size)
    rows = {}
    for i in tqdm(truth.indices, desc=desc, disable=not progress):
        i = int(i)
        prediction = np.asarray(saliency(dataset.image(i)), dtype=np.float64)
        rows[i] = _score(prediction, *truth.get(i), truth.seed + i)
    return pd.DataFrame.from_dict(rows, orient="index")[list(COLUMNS)]


def inter_observer_scores(
    dataset,
    indices: Sequence[int],
    baseline: Callable[[tuple[int, int]], np.ndarray],
    sigma_deg: float = 1.0,
    n_other: int = 10,
    seed: int = 0,
    progress: bool = True,
    truth: GroundTruth | None = None,
) -> pd.DataFrame:
    """Split-half inter-observer scores per image: half the observers predict the rest.

    The halves are drawn with a generator seeded by ``(seed, i)``; ``truth`` as in
    :func:`score_images`.
    """
    truth = _truth_for(truth, dataset, indices, baseline, sigma_deg, n_other, seed)
    sigma_px = truth.sigma_deg * dataset.pixels_per_degree
    rows = {}
    for i in tqdm(truth.indices, desc="inter-observer", disable=not progress):
        i = int(i)
        shape = dataset.image_shape(i)
        fixations = dataset.fixations.for_image(i)
        fixations = fixations[fixations.inside(shape)]
        subjects = np.random.default_rng([truth.seed, i, 1]).permutation(fixations.subjects)
        if len(subjects) < 2:
            raise ValueError(f"image {i} has {len(subjects)} observer(s); split-half needs 2")
        half = np.isin(fixations.subject, subjects[: len(subjects) // 2])
        _, _, other, baseline_map = truth.get(i)
        rows[i] = _score(
            density_map(fixations[half], shape, sigma_px=sigma_px),
            fixation_map(fixations[~half], shape),
            density_map(fixations[~half], shape, sigma_px=sigma_px),
            other,
            baseline_map,
            truth.seed + i,
        )
    return pd.DataFrame.from_dict(rows, orient="index")[list(COLUMNS)]


def benchmark_table(
    models: Mapping[str, torch.nn.Module | Callable[[np.ndarray], np.ndarray]],
    dataset,
    indices: Sequence[int],
    center_bias,
    sigma_deg: float = 1.0,
    n_other: int = 10,
    seed: int = 0,
    device=None,
    input_size: tuple[int, int] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Mean scores of every model, the inter-observer ceiling and the centre-bias floor.

    ``center_bias`` is a fitted centre-bias model (``build_model("center_bias",
    dataset=..., indices=<training split>)``): it is the floor row and IG's
    baseline. Rows are sorted by AUC-J between the ceiling (first) and the
    floor (last); columns are the lecture's; ``n_images`` says how many images
    were scored. ``input_size`` feeds every model images of that size (``None``:
    each model's own ``input_size``).
    """
    if not models:
        raise ValueError("models must name at least one model, got none")
    for name in (CEILING, FLOOR):
        if name in models:
            raise ValueError(f"models must not use the reserved row name {name!r}")
    baseline = center_bias.density
    truth = GroundTruth(dataset, indices, baseline, sigma_deg, n_other, seed)
    common = dict(sigma_deg=sigma_deg, n_other=n_other, seed=seed, progress=progress, truth=truth)
    means = {
        name: score_images(
            model,
            dataset,
            indices,
            baseline,
            device=device,
            input_size=input_size,
            desc=name,
            **common,
        ).mean()
        for name, model in models.items()
    }
    table = pd.DataFrame(means).T.sort_values("AUC-J", ascending=False)
    ceiling = inter_observer_scores(dataset, indices, baseline, **common).mean()
    floor = score_images(center_bias, dataset, indices, baseline, desc=FLOOR, **common).mean()
    table = pd.concat([ceiling.to_frame(CEILING).T, table, floor.to_frame(FLOOR).T])
    table["n_images"] = len(np.unique(indices))
    return table


def side_by_side(
    measured: pd.DataFrame,
    published: pd.DataFrame | None = None,
    measured_label: str = "measured here",
) -> pd.DataFrame:
    """Measured rows and the published rows of the same models, one table.

    The index gains a ``source`` level: ``measured_label`` or the published
    benchmark. Measured rows whose name is a registered model name are matched
    to their published row through :data:`PUBLISHED_NAMES`; humans match the
    ceiling row.
    """
    published = published_table() if published is None else published
    parts = []
    for name, row in measured[list(COLUMNS)].iterrows():
        parts.append(
            pd.DataFrame(
                [row.values],
                columns=list(COLUMNS),
                index=pd.MultiIndex.from_tuples([(name, measured_label)]),
            )
        )
        key = "Humans (inter-observer)" if name == CEILING else PUBLISHED_NAMES.get(name, name)
        if key in published.index.get_level_values(0):
            rows = published.loc[[key]]
            rows.index = pd.MultiIndex.from_tuples([(name, b) for _, b in rows.index])
            parts.append(rows)
    table = pd.concat(parts)
    table.index.names = ["model", "source"]
    return table

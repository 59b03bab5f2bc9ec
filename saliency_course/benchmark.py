"""The lecture's comparison table: every model scored with the nine benchmark metrics.

Columns follow the lecture (and the MIT300 table of Pan et al., "SalGAN",
arXiv:1701.01081, Table 4): AUC-J, SIM, EMD, AUC-B, sAUC, CC, NSS, KL, IG.
This module only composes rows; the scores, the ground truth and its cache
are :mod:`saliency_course.metrics`' (:func:`~saliency_course.metrics.evaluate`
and :func:`~saliency_course.metrics.inter_observer`, the MIT benchmark's
metrics, Bylinskii et al., TPAMI 2018), so a notebook calling ``evaluate``
gets the same numbers for the same images and settings. Per image:

* fixation-based (AUC-J, AUC-B, sAUC, NSS, IG) against the image's fixated
  pixels; sAUC's negatives are the fixations of ``n_other`` other images of
  the dataset, mapped to this image's size in normalised coordinates; IG is
  relative to the centre-bias model; AUC-J's MATLAB jitter is ``judd_jitter``
  (the package's one default, :data:`~saliency_course.metrics.JUDD_JITTER`);
* distribution-based (SIM, EMD, CC, KL) against the density map (Gaussian of
  ``sigma_deg`` degrees).

Two reference rows are computed on the same images:

* **inter-observer (ceiling)** — split-half consistency
  (:func:`saliency_course.metrics.inter_observer`): the density map of a
  random half of the observers predicts the other half's fixations and
  density. With half the observers it underestimates the ceiling of an
  infinite crowd, so a good model can come close to it;
* **centre bias (floor)** — the centre bias fitted on the training split; a
  model below it has learned less than "look at the middle".

Published figures (:func:`published_table`) come from the papers' tables:
MIT300 under the old MIT protocol and the SALICON test set (Pan et al.,
SalGAN, arXiv:1701.01081 Table 4, leaderboards of 10 Nov 2016), and
DeepGaze IIE on the MIT/Tuebingen benchmark. They were measured on other
images (MIT300's fixations are held out) and, for the Tuebingen row, with
another protocol, so they place a model only roughly. :func:`slide_table`
lays out the lecture's two slides (Table 4's SALICON and MIT300 halves) with
the best value of each column marked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import metrics as M
from .errors import OfflineError
from .models import build_model, predict

__all__ = [
    "COLUMNS",
    "HIGHER_IS_BETTER",
    "PUBLISHED_NAMES",
    "SLIDES",
    "SlideTable",
    "benchmark_table",
    "course_model",
    "inter_observer_scores",
    "model_saliency",
    "published_table",
    "score_images",
    "side_by_side",
    "slide_table",
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
HUMANS = "Humans (inter-observer)"

_TABLE4 = "Pan et al., SalGAN, arXiv:1701.01081v2, Table 4"
_MIT300_OLD = "MIT300, old MIT protocol (SalGAN arXiv:1701.01081 Table 4, Nov 2016)"
_SALICON = "SALICON test (SalGAN arXiv:1701.01081 Table 4)"
_TUEBINGEN = "MIT300, MIT/Tuebingen protocol (DeepGaze IIE, arXiv:2105.12441)"
# Rows in Table 4's order (arXiv:1701.01081v2, leaderboards of 10 Nov 2016).
_PUBLISHED = [
    # model, benchmark, AUC-J, SIM, EMD, AUC-B, sAUC, CC, NSS, KL
    ("DSCLRCN", _SALICON, None, None, None, 0.884, 0.776, 0.831, 3.157, None),
    ("SalGAN", _SALICON, None, None, None, 0.884, 0.772, 0.781, 2.459, None),
    ("ML-Net", _SALICON, None, None, None, 0.866, 0.768, 0.743, 2.789, None),
    ("SalNet", _SALICON, None, None, None, 0.858, 0.724, 0.609, 1.859, None),
    (HUMANS, _MIT300_OLD, 0.92, 1.00, 0.0, 0.88, 0.81, 1.0, 3.29, 0.0),
    ("DeepGaze II", _MIT300_OLD, 0.88, 0.46, 3.98, 0.86, 0.72, 0.52, 1.29, 0.96),
    ("DSCLRCN", _MIT300_OLD, 0.87, 0.68, 2.17, 0.79, 0.72, 0.80, 2.35, 0.95),
    ("DeepFix", _MIT300_OLD, 0.87, 0.67, 2.04, 0.80, 0.71, 0.78, 2.26, 0.63),
    ("SALICON", _MIT300_OLD, 0.87, 0.60, 2.62, 0.85, 0.74, 0.74, 2.12, 0.54),
    ("SalGAN", _MIT300_OLD, 0.86, 0.63, 2.29, 0.81, 0.72, 0.73, 2.04, 1.07),
    ("PDP", _MIT300_OLD, 0.85, 0.60, 2.58, 0.80, 0.73, 0.70, 2.05, 0.92),
    ("ML-Net", _MIT300_OLD, 0.85, 0.59, 2.63, 0.75, 0.70, 0.67, 2.05, 1.10),
    ("DeepGaze I", _MIT300_OLD, 0.84, 0.39, 4.97, 0.83, 0.66, 0.48, 1.22, 1.23),
    ("iSEEL", _MIT300_OLD, 0.84, 0.57, 2.72, 0.81, 0.68, 0.65, 1.78, 0.65),
    ("SalNet", _MIT300_OLD, 0.83, 0.52, 3.31, 0.82, 0.69, 0.58, 1.51, 0.81),
    ("BMS", _MIT300_OLD, 0.83, 0.51, 3.35, 0.82, 0.65, 0.55, 1.41, 0.81),
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
    "mlnet": "ML-Net",
    "salicon": "SALICON",  # the model of Huang et al., ICCV 2015 (SALICON net)
    "bms": "BMS",
}


#: Models with released trained saliency weights that ``pretrained=True`` loads (the authors';
#: for the SALICON model, those of its re-implementation OpenSALICON).
OFFICIAL_WEIGHTS = ("salnet", "salgan", "deepgaze1", "deepgaze2e", "mlnet", "salicon")
#: The notebook that trains each deep model.
TRAINED_IN = {
    "salnet": "06_salnet",
    "salgan": "07_salgan",
    "deepgaze1": "08_deepgaze",
    "deepgaze2": "08_deepgaze",
    "deepgaze2e": "08_deepgaze",
    "mlnet": "08b_mlnet_and_salicon",
    "salicon": "08b_mlnet_and_salicon",
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
    if indices.size < 1:
        raise ValueError("indices must name at least one image, got none")
    if indices.min() < 0 or indices.max() >= len(dataset):
        raise ValueError(
            f"indices must lie in [0, {len(dataset) - 1}], got [{indices.min()}, {indices.max()}]"
        )
    return indices


def _as_baseline(baseline):
    """IG's baseline for ``metrics.evaluate``: a function of the shape becomes a ShapeBaseline."""
    if callable(baseline) and not callable(getattr(baseline, "density", None)):
        return M.ShapeBaseline(baseline)
    return baseline


def _lecture_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Per-image rows of ``metrics.evaluate`` with the lecture's column names and order."""
    rows = table.drop(index="mean")
    rows.index = rows.index.astype(int)
    rows.index.name = None
    return rows[list(COLUMNS.values())].set_axis(list(COLUMNS), axis=1)


def score_images(
    saliency: Callable[[np.ndarray], np.ndarray] | torch.nn.Module,
    dataset,
    indices: Sequence[int],
    baseline,
    sigma_deg: float = 1.0,
    n_other: int = M.N_OTHER,
    seed: int = 0,
    device=None,
    input_size: tuple[int, int] | None = None,
    progress: bool = True,
    desc: str = "scoring",
    judd_jitter: bool = M.JUDD_JITTER,
    cache=True,
) -> pd.DataFrame:
    """Per-image scores (rows: image index; columns: the lecture's nine).

    ``saliency`` is a model (run through :func:`saliency_course.models.predict`,
    at ``input_size`` if given) or a function ``image -> map``. ``baseline`` is
    IG's reference: a function ``shape -> density`` (e.g.
    ``center_bias_model.density``), a fitted centre bias or anything
    :func:`saliency_course.metrics.evaluate` accepts. The scores are
    ``evaluate``'s, against the shared ground truth (``cache`` as there).
    """
    indices = _check_indices(dataset, indices)
    if isinstance(saliency, torch.nn.Module):
        saliency = model_saliency(saliency, device, input_size)
    table = M.evaluate(
        saliency,
        dataset,
        metrics=list(COLUMNS.values()),
        indices=indices,
        baseline=_as_baseline(baseline),
        progress=progress,
        seed=seed,
        sigma_deg=sigma_deg,
        n_other=n_other,
        judd_jitter=judd_jitter,
        cache=cache,
        desc=desc,
    )
    return _lecture_columns(table)


def inter_observer_scores(
    dataset,
    indices: Sequence[int],
    baseline,
    sigma_deg: float = 1.0,
    n_other: int = M.N_OTHER,
    seed: int = 0,
    progress: bool = True,
    judd_jitter: bool = M.JUDD_JITTER,
    cache=True,
) -> pd.DataFrame:
    """Split-half inter-observer scores per image, in the lecture's columns.

    :func:`saliency_course.metrics.inter_observer` (the package's one
    inter-observer score), with ``baseline`` as in :func:`score_images`.
    """
    table = M.inter_observer(
        dataset,
        _check_indices(dataset, indices),
        metrics=list(COLUMNS.values()),
        baseline=_as_baseline(baseline),
        progress=progress,
        seed=seed,
        sigma_deg=sigma_deg,
        n_other=n_other,
        judd_jitter=judd_jitter,
        cache=cache,
    )
    return _lecture_columns(table)


def benchmark_table(
    models: Mapping[str, torch.nn.Module | Callable[[np.ndarray], np.ndarray]],
    dataset,
    indices: Sequence[int],
    center_bias,
    sigma_deg: float = 1.0,
    n_other: int = M.N_OTHER,
    seed: int = 0,
    device=None,
    input_size: tuple[int, int] | None = None,
    progress: bool = True,
    judd_jitter: bool = M.JUDD_JITTER,
    cache=True,
) -> pd.DataFrame:
    """Mean scores of every model, the inter-observer ceiling and the centre-bias floor.

    ``center_bias`` is a fitted centre-bias model (``build_model("center_bias",
    dataset=..., indices=<training split>)``): it is the floor row and IG's
    baseline. Rows are sorted by AUC-J between the ceiling (first) and the
    floor (last); columns are the lecture's; ``n_images`` says how many images
    were scored. ``input_size`` feeds every model images of that size (``None``:
    each model's own ``input_size``). Every row is a mean of
    :func:`saliency_course.metrics.evaluate` (or ``inter_observer``) rows on
    the same cached ground truth and seeds.
    """
    if not models:
        raise ValueError("models must name at least one model, got none")
    for name in (CEILING, FLOOR):
        if name in models:
            raise ValueError(f"models must not use the reserved row name {name!r}")
    indices = _check_indices(dataset, indices)
    common = dict(
        sigma_deg=sigma_deg,
        n_other=n_other,
        seed=seed,
        progress=progress,
        judd_jitter=judd_jitter,
        cache=cache,
    )
    means = {
        name: score_images(
            model,
            dataset,
            indices,
            center_bias,
            device=device,
            input_size=input_size,
            desc=name,
            **common,
        ).mean()
        for name, model in models.items()
    }
    table = pd.DataFrame(means).T.sort_values("AUC-J", ascending=False)
    ceiling = inter_observer_scores(dataset, indices, center_bias, **common).mean()
    floor = score_images(center_bias, dataset, indices, center_bias, desc=FLOOR, **common).mean()
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
        key = HUMANS if name == CEILING else PUBLISHED_NAMES.get(name, name)
        if key in published.index.get_level_values(0):
            rows = published.loc[[key]]
            rows.index = pd.MultiIndex.from_tuples([(name, b) for _, b in rows.index])
            parts.append(rows)
    table = pd.concat(parts)
    table.index.names = ["model", "source"]
    return table


# -- the lecture's two slides ---------------------------------------------------------------


@dataclass(frozen=True)
class _Slide:
    benchmark: str  # the benchmark level of published_table()
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    protocol: str
    decimals: int  # as the table prints them


#: The lecture's two benchmark slides: Table 4 of SalGAN (arXiv:1701.01081v2), in its layout.
SLIDES = {
    "SALICON test": _Slide(
        _SALICON,
        ("AUC-B", "sAUC", "CC", "NSS"),
        ("DSCLRCN", "SalGAN", "ML-Net", "SalNet"),
        "SALICON test set (5,000 images; ground truth from mouse movements, held out), "
        "scored by the SALICON challenge's server; only AUC-B, sAUC, CC and NSS were listed",
        3,
    ),
    "MIT300": _Slide(
        _MIT300_OLD,
        ("AUC-J", "SIM", "EMD", "AUC-B", "sAUC", "CC", "NSS", "KL"),
        (
            HUMANS,
            "DeepGaze II",
            "DSCLRCN",
            "DeepFix",
            "SALICON",
            "SalGAN",
            "PDP",
            "ML-Net",
            "DeepGaze I",
            "iSEEL",
            "SalNet",
            "BMS",
        ),
        "MIT300 (300 images, eye-tracking fixations held out), scored by the MIT saliency "
        "benchmark's organisers with its MATLAB code (the old MIT protocol)",
        2,
    ),
}


@dataclass(frozen=True)
class SlideTable:
    """A slide's table: values in its layout, the best value of each column marked.

    ``values`` holds the numbers (NaN where a source gave none), ``best`` is
    ``True`` on the best value of each column among the contenders (ties all
    marked; lower is better for EMD and KL; the human row, a reference, is not
    a contender). ``str()`` prints it as plain text, best values followed by
    ``*``; in a notebook it shows as a table with the best values in bold.
    ``decimals`` is how many the source printed.
    """

    title: str
    source: str
    protocol: str
    values: pd.DataFrame
    best: pd.DataFrame
    decimals: int = 3

    def text(self) -> pd.DataFrame:
        """The cells as strings: the value, ``*`` after the best, ``-`` where none was given."""

        def cell(value, best):
            if np.isnan(value):
                return "-"
            return f"{value:.{self.decimals}f}" + ("*" if best else "")

        return pd.DataFrame(
            [
                [cell(v, b) for v, b in zip(values, marks, strict=True)]
                for values, marks in zip(self.values.values, self.best.values, strict=True)
            ],
            index=self.values.index,
            columns=self.values.columns,
        )

    def __str__(self) -> str:
        lines = [self.title, f"source: {self.source}", f"protocol: {self.protocol}"]
        return "\n".join([*lines, self.text().to_string(), "* best of the column"])

    def styled(self):
        """A pandas ``Styler``: best values in bold, source and protocol in the caption."""

        def bold(column):
            return ["font-weight: bold" if b else "" for b in self.best[column.name]]

        return (
            self.values.style.apply(bold)
            .format(precision=self.decimals, na_rep="-")
            .set_caption(f"{self.title}<br>{self.source}<br>{self.protocol}")
        )

    def _repr_html_(self) -> str:
        return self.styled().to_html()


def _best(values: pd.DataFrame, contenders: list[str]) -> pd.DataFrame:
    best = pd.DataFrame(False, index=values.index, columns=values.columns)
    for column in values.columns:
        scores = values.loc[contenders, column].dropna()
        if scores.empty:
            continue
        target = scores.max() if HIGHER_IS_BETTER[column] else scores.min()
        best.loc[scores.index[scores == target], column] = True
    return best


def slide_table(
    name: str,
    measured: pd.DataFrame | None = None,
    measured_label: str = "measured here",
) -> SlideTable:
    """The lecture's slide ``name`` (a key of :data:`SLIDES`), from :func:`published_table`.

    Rows and columns are those of the slide (SalGAN's Table 4), best value of
    each column marked (the human row excluded). With ``measured`` (a
    :func:`benchmark_table`), the course's own rows for the same models in the
    same layout instead: registered model names are matched through
    :data:`PUBLISHED_NAMES`, the ceiling row stands for the humans, and rows
    the course did not measure are left out.
    """
    if name not in SLIDES:
        raise ValueError(f"name must be one of {list(SLIDES)}, got {name!r}")
    slide = SLIDES[name]
    columns = list(slide.columns)
    if measured is None:
        published = published_table().xs(slide.benchmark, level="benchmark")
        values = published.loc[list(slide.rows), columns]
        title, source, protocol = f"{name} (published)", _TABLE4, slide.protocol
        decimals = slide.decimals
    else:
        missing = [c for c in columns if c not in measured.columns]
        if missing:
            raise ValueError(f"measured must have the lecture's columns, missing {missing}")
        renamed = measured.rename(index={CEILING: HUMANS, **PUBLISHED_NAMES})
        values = renamed.loc[[r for r in slide.rows if r in renamed.index], columns]
        title = f"{name} layout, {measured_label}"
        source = "this course's benchmark_table (saliency_course.metrics)"
        protocol = "the images and ground truth of the measured table, not the slide's"
        decimals = 3
    values = values.astype(float)
    contenders = [r for r in values.index if r != HUMANS]
    return SlideTable(title, source, protocol, values, _best(values, contenders), decimals)

"""All metrics of one saliency map against one image's ground truth, sharing the work.

:class:`ImageTruth` is one image's ground truth prepared for the metrics: its
fixated pixels, its density map, the fixated pixels of other images (sAUC's
negatives) and ``log2(eps + B)`` of the information-gain baseline at the
fixated pixels. :func:`score_truth` scores a
:class:`~saliency_course.metrics.inputs.SaliencyMap` against it, so the map
is checked, resized and normalised once for all metrics. :func:`score_map`
does the same from plain arrays; :func:`saliency_course.metrics.evaluate`
takes the ground truth from the dataset's cache
(:mod:`saliency_course.metrics.truth_cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .auc import JUDD_JITTER, check_other_shape
from .inputs import Density, Fixated, SaliencyMap
from .location import baseline_bits
from .registry import METRICS

__all__ = ["ImageTruth", "check_metrics", "score_map", "score_truth"]

#: The argument of :func:`score_map` each kind of ground truth comes from.
_ARGUMENT = {
    "fixations": "fixation_map",
    "density": "density_map",
    "fixations+other": "other_map",
    "fixations+baseline": "baseline_map",
}


def check_metrics(metrics) -> list[str]:
    """Metric names as a list, or a ``ValueError`` naming the known ones."""
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ValueError(f"metrics must be names among {list(METRICS)}, got {names}")
    return names


@dataclass
class ImageTruth:
    """One image's ground truth, prepared: what each metric reads (``None`` where not given).

    ``bits`` is ``log2(eps + B)`` at the fixated pixels, ``B`` the normalised
    information-gain baseline (:func:`saliency_course.metrics.location.baseline_bits`).
    """

    fixated: Fixated | None = None
    density: Density | None = None
    others: Fixated | None = None
    bits: np.ndarray | None = None

    def arguments(self, metric: str) -> tuple:
        """The prepared ground truth ``metric`` reads; a ``ValueError`` names what is missing."""
        needs = METRICS[metric].needs
        given = {
            "fixations": (self.fixated,),
            "density": (self.density,),
            "fixations+other": (self.fixated, self.others),
            "fixations+baseline": (self.fixated, self.bits),
        }[needs]
        if any(a is None for a in given):
            raise ValueError(f"{metric} needs {_ARGUMENT[needs]} (and fixation_map), got None")
        return given


def score_truth(
    saliency: SaliencyMap,
    truth: ImageTruth,
    metrics: Sequence[str],
    seed=0,
    judd_jitter: bool = JUDD_JITTER,
) -> dict[str, float]:
    """Scores of a prepared saliency map for each of ``metrics`` (checked names).

    The sampled AUCs (and AUC-Judd's jitter, when on) use ``seed``.
    """
    scores = {}
    for name in metrics:
        info = METRICS[name]
        arguments = truth.arguments(name)
        options = {"seed": seed} if info.sampled else {}
        if name == "auc_judd":
            options = {"jitter": judd_jitter, "seed": seed}
        scores[name] = info.score(saliency, *arguments, **options)
    return scores


def score_map(
    saliency_map,
    fixation_map=None,
    density_map=None,
    other_map=None,
    baseline_map=None,
    metrics: Sequence[str] | str = tuple(METRICS),
    seed=0,
    judd_jitter: bool = JUDD_JITTER,
) -> dict[str, float]:
    """All requested metrics of one saliency map against one image's ground truth.

    Each metric reads what it needs (``METRICS[name].needs``): the fixation
    map, the density map, the sAUC ``other_map`` or the IG ``baseline_map``;
    a missing one raises ``ValueError``. The sampled AUCs use ``seed``, as does
    AUC-Judd's jitter (``judd_jitter``, default
    :data:`~saliency_course.metrics.auc.JUDD_JITTER`). The values equal those
    of the metric functions called one by one; the map is checked and resized
    once for all of them.
    """
    names = check_metrics(metrics)
    given = {
        "fixation_map": fixation_map,
        "density_map": density_map,
        "other_map": other_map,
        "baseline_map": baseline_map,
    }
    for name in names:
        needs = METRICS[name].needs
        wanted = [_ARGUMENT[needs]] + (["fixation_map"] if "+" in needs else [])
        if any(given[w] is None for w in wanted):
            raise ValueError(f"{name} needs {_ARGUMENT[needs]} (and fixation_map), got None")
    needs = {METRICS[m].needs for m in names}
    truth = ImageTruth()
    if needs - {"density"}:
        truth.fixated = Fixated.from_map("fixation_map", fixation_map)
    if "density" in needs:
        truth.density = Density(density_map)
    if "fixations+other" in needs:
        truth.others = Fixated.from_map("other_map", other_map)
        check_other_shape(truth.fixated, truth.others)
    saliency = SaliencyMap(saliency_map)
    if "fixations+baseline" in needs:
        truth.bits = baseline_bits(SaliencyMap(baseline_map, "baseline_map"), truth.fixated)
    return score_truth(saliency, truth, names, seed, judd_jitter)

"""What each metric needs and which direction is better, for tables and ``evaluate``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .auc import auc_borji, auc_judd, auc_shuffled, score_borji, score_judd, score_shuffled
from .distribution import cc, kld, score_cc, score_kld, score_similarity, similarity
from .emd import emd, score_emd
from .location import information_gain, nss, score_information_gain, score_nss

__all__ = ["MetricInfo", "METRICS"]


@dataclass(frozen=True)
class MetricInfo:
    """A metric, the ground truth it reads and whether higher scores are better.

    ``function`` takes plain arrays; ``score`` the same inputs prepared once
    (:class:`~saliency_course.metrics.inputs.SaliencyMap` and the ground truth
    of :class:`~saliency_course.metrics.evaluation.ImageTruth`), which is how
    ``evaluate`` calls it. Both run the same code and give the same value.
    """

    function: Callable[..., float]
    label: str
    needs: str  # "fixations", "density", "fixations+other" or "fixations+baseline"
    higher_is_better: bool
    sampled: bool = False
    score: Callable[..., float] | None = None


METRICS: dict[str, MetricInfo] = {
    "auc_judd": MetricInfo(auc_judd, "AUC-Judd", "fixations", True, score=score_judd),
    "auc_borji": MetricInfo(
        auc_borji, "AUC-Borji", "fixations", True, sampled=True, score=score_borji
    ),
    "auc_shuffled": MetricInfo(
        auc_shuffled, "sAUC", "fixations+other", True, sampled=True, score=score_shuffled
    ),
    "nss": MetricInfo(nss, "NSS", "fixations", True, score=score_nss),
    "information_gain": MetricInfo(
        information_gain, "IG", "fixations+baseline", True, score=score_information_gain
    ),
    "cc": MetricInfo(cc, "CC", "density", True, score=score_cc),
    "similarity": MetricInfo(similarity, "SIM", "density", True, score=score_similarity),
    "kld": MetricInfo(kld, "KLD", "density", False, score=score_kld),
    "emd": MetricInfo(emd, "EMD", "density", False, score=score_emd),
}

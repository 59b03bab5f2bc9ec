"""What each metric needs and which direction is better, for tables and ``evaluate``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .auc import auc_borji, auc_judd, auc_shuffled
from .distribution import cc, kld, similarity
from .emd import emd
from .location import information_gain, nss

__all__ = ["MetricInfo", "METRICS"]


@dataclass(frozen=True)
class MetricInfo:
    """A metric, the ground truth it reads and whether higher scores are better."""

    function: Callable[..., float]
    label: str
    needs: str  # "fixations", "density", "fixations+other" or "fixations+baseline"
    higher_is_better: bool
    sampled: bool = False


METRICS: dict[str, MetricInfo] = {
    "auc_judd": MetricInfo(auc_judd, "AUC-Judd", "fixations", True),
    "auc_borji": MetricInfo(auc_borji, "AUC-Borji", "fixations", True, sampled=True),
    "auc_shuffled": MetricInfo(auc_shuffled, "sAUC", "fixations+other", True, sampled=True),
    "nss": MetricInfo(nss, "NSS", "fixations", True),
    "information_gain": MetricInfo(information_gain, "IG", "fixations+baseline", True),
    "cc": MetricInfo(cc, "CC", "density", True),
    "similarity": MetricInfo(similarity, "SIM", "density", True),
    "kld": MetricInfo(kld, "KLD", "density", False),
    "emd": MetricInfo(emd, "EMD", "density", False),
}

"""The MIT saliency benchmark metrics, exactly as its MATLAB code computes them.

Bylinskii, Judd, Oliva, Torralba & Durand, "What do different evaluation
metrics tell us about saliency models?", IEEE TPAMI 41(3), 2018, and the
code at github.com/cvzoya/saliency (``code_forMetrics``). Maps are 2-D numpy
arrays; a saliency map of another size than the ground truth is resized with
the MATLAB-exact :func:`saliency_course.resize.imresize`. Degenerate but
well-formed input gives NaN where the MATLAB code does; malformed input
raises a ``ValueError`` naming the argument.

========================  =================  ======================
metric                    compares with      better
========================  =================  ======================
``auc_judd``              fixation map       higher (0.5 = chance)
``auc_borji``             fixation map       higher
``auc_shuffled``          fixation + other   higher
``nss``                   fixation map       higher (0 = chance)
``information_gain``      fixation + base    higher (bits/fixation)
``cc``                    density map        higher (max 1)
``similarity``            density map        higher (max 1)
``kld``                   density map        lower (min 0)
``emd``                   density map        lower (min 0)
========================  =================  ======================

:func:`score_map` gives all metrics of one map against one image's ground
truth; :func:`evaluate` scores a model or a set of maps over a dataset and
:func:`inter_observer` the split-half agreement of its observers (a ceiling),
both against the dataset's cached ground truth (:func:`ground_truth`);
:func:`judd_roc` returns AUC-Judd's curve for plotting. :data:`JUDD_JITTER`
is the one default of AUC-Judd's MATLAB jitter (off) everywhere.
"""

from __future__ import annotations

from .auc import JUDD_JITTER, auc_borji, auc_judd, auc_shuffled, judd_roc
from .distribution import cc, kld, similarity
from .emd import emd
from .evaluation import evaluate, inter_observer
from .location import information_gain, nss
from .registry import METRICS, MetricInfo
from .scoring import score_map
from .truth_cache import (
    N_OTHER,
    CenterBiasBaseline,
    GroundTruth,
    ShapeBaseline,
    clear_memory_cache,
    ground_truth,
    other_fixation_map,
)

__all__ = [
    "JUDD_JITTER",
    "auc_judd",
    "auc_borji",
    "auc_shuffled",
    "judd_roc",
    "nss",
    "cc",
    "kld",
    "similarity",
    "emd",
    "information_gain",
    "METRICS",
    "MetricInfo",
    "evaluate",
    "score_map",
    "inter_observer",
    "other_fixation_map",
    "CenterBiasBaseline",
    "GroundTruth",
    "N_OTHER",
    "ShapeBaseline",
    "ground_truth",
    "clear_memory_cache",
]

"""Metrics read at the fixated pixels: NSS and information gain.

Bylinskii et al., "What do different evaluation metrics tell us about
saliency models?", IEEE TPAMI 2018; MATLAB code ``NSS.m`` and ``InfoGain.m``
of github.com/cvzoya/saliency. Information gain follows Kümmerer, Wallis &
Bethge, "Information-theoretic model comparison unifies saliency metrics",
PNAS 112(52), 2015, in the MIT benchmark's form (min-max normalised maps,
``eps`` added, bits per fixation).
"""

from __future__ import annotations

import numpy as np

from .inputs import EPS, fixated_indices, resized_to

__all__ = ["nss", "information_gain"]


def nss(saliency_map, fixation_map) -> float:
    """Normalized scanpath saliency: mean of the z-scored map at fixated pixels.

    The map is standardised with MATLAB's ``std`` (N - 1 in the denominator,
    unlike pysaliency's N). NaN for a constant map or without fixations.
    """
    fixated, shape = fixated_indices("fixation_map", fixation_map)
    s = resized_to("saliency_map", saliency_map, shape).ravel()
    if fixated.size == 0 or s.size < 2:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.mean((s[fixated] - s.mean()) / s.std(ddof=1)))


def _distribution_at(a: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Values at ``indices`` of ``a`` min-max normalised and divided by its sum.

    ``sum((a - min) / (max - min))`` is taken as ``(sum(a) - n*min) / (max - min)``,
    equal up to rounding, so only the fixated pixels are transformed.
    """
    low, high = a.min(), a.max()
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (a.sum() - a.size * low) / (high - low)
        return (a[indices] - low) / (high - low) / total


def information_gain(saliency_map, fixation_map, baseline_map) -> float:
    """Information gain of a map over a baseline, in bits per fixation.

    Both maps are resized to the fixation map, min-max normalised and
    divided by their sum; the score is the mean over fixated pixels of
    ``log2(eps + S) - log2(eps + B)``. NaN for a constant map or without fixations.
    """
    fixated, shape = fixated_indices("fixation_map", fixation_map)
    s = resized_to("saliency_map", saliency_map, shape).ravel()
    b = resized_to("baseline_map", baseline_map, shape).ravel()
    if fixated.size == 0:
        return float("nan")
    s, b = _distribution_at(s, fixated), _distribution_at(b, fixated)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.mean(np.log2(EPS + s) - np.log2(EPS + b)))

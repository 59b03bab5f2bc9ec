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

from .inputs import EPS, Fixated, SaliencyMap

__all__ = ["nss", "information_gain", "baseline_bits", "score_nss", "score_information_gain"]


def nss(saliency_map, fixation_map) -> float:
    """Normalized scanpath saliency: mean of the z-scored map at fixated pixels.

    The map is standardised with MATLAB's ``std`` (N - 1 in the denominator,
    unlike pysaliency's N). NaN for a constant map or without fixations.
    """
    fixated = Fixated.from_map("fixation_map", fixation_map)
    return score_nss(SaliencyMap(saliency_map), fixated)


def score_nss(saliency: SaliencyMap, fixated: Fixated) -> float:
    """:func:`nss` of prepared inputs."""
    shape = fixated.shape
    s = saliency.at(shape).ravel()
    if fixated.size == 0 or s.size < 2:
        return float("nan")
    mean, std = saliency.stat(shape, "mean"), saliency.stat(shape, "std")
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.mean((s[fixated.indices] - mean) / std))


def _distribution_at(a: np.ndarray, indices: np.ndarray, low, high, total) -> np.ndarray:
    """Values at ``indices`` of ``a`` min-max normalised and divided by its sum.

    ``sum((a - min) / (max - min))`` is taken as ``(sum(a) - n*min) / (max - min)``,
    equal up to rounding, so only the fixated pixels are transformed.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (total - a.size * low) / (high - low)
        return (a[indices] - low) / (high - low) / total


def information_gain(saliency_map, fixation_map, baseline_map) -> float:
    """Information gain of a map over a baseline, in bits per fixation.

    Both maps are resized to the fixation map, min-max normalised and
    divided by their sum; the score is the mean over fixated pixels of
    ``log2(eps + S) - log2(eps + B)``. NaN for a constant map or without fixations.
    """
    fixated = Fixated.from_map("fixation_map", fixation_map)
    saliency = SaliencyMap(saliency_map)
    baseline = SaliencyMap(baseline_map, "baseline_map")
    return score_information_gain(saliency, fixated, baseline_bits(baseline, fixated))


def baseline_bits(baseline: SaliencyMap, fixated: Fixated) -> np.ndarray:
    """``log2(eps + B)`` at the fixated pixels, ``B`` the normalised baseline (IG's reference)."""
    shape = fixated.shape
    b = baseline.at(shape).ravel()
    low, high, total = (baseline.stat(shape, k) for k in ("min", "max", "sum"))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log2(EPS + _distribution_at(b, fixated.indices, low, high, total))


def score_information_gain(saliency: SaliencyMap, fixated: Fixated, bits: np.ndarray) -> float:
    """:func:`information_gain` of prepared inputs; ``bits`` from :func:`baseline_bits`."""
    shape = fixated.shape
    s = saliency.at(shape).ravel()
    if fixated.size == 0:
        return float("nan")
    low, high, total = (saliency.stat(shape, k) for k in ("min", "max", "sum"))
    s = _distribution_at(s, fixated.indices, low, high, total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.mean(np.log2(EPS + s) - bits))

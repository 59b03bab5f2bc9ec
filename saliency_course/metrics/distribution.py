"""Metrics that compare two maps as distributions: CC, KL divergence, SIM.

Bylinskii et al., "What do different evaluation metrics tell us about
saliency models?", IEEE TPAMI 2018; MATLAB code ``CC.m``, ``KLdiv.m`` and
``similarity.m`` of github.com/cvzoya/saliency. The saliency map is resized
to the ground-truth density map with MATLAB's ``imresize``. Steps that do not
change a value (CC's standardisation before ``corr2``; SIM's division by
``max - min`` before the division by the sum) are folded together, which
changes results only at the level of floating-point rounding (~1e-15).
"""

from __future__ import annotations

import numpy as np

from .inputs import EPS, Density, SaliencyMap

__all__ = ["cc", "kld", "similarity", "score_cc", "score_kld", "score_similarity"]


def cc(saliency_map, saliency_map_gt) -> float:
    """Pearson's linear correlation (MATLAB ``corr2``) of the two maps.

    NaN when either map is constant (as MATLAB's ``0/0``).
    """
    density = Density(saliency_map_gt)
    return score_cc(SaliencyMap(saliency_map), density)


def _centred(density: Density) -> tuple[np.ndarray, float]:
    def compute():
        g = density.array.ravel()
        g = g - g.mean()
        return g, np.einsum("i,i->", g, g)

    return density.derived("cc", compute)


def score_cc(saliency: SaliencyMap, density: Density) -> float:
    """:func:`cc` of prepared inputs."""
    g, gg = _centred(density)
    s = saliency.at(density.shape).ravel()
    s = s - saliency.stat(density.shape, "mean")
    num = np.einsum("i,i->", s, g)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(num / np.sqrt(np.einsum("i,i->", s, s) * gg))


def kld(saliency_map, saliency_map_gt) -> float:
    """KL divergence of the saliency map from the ground truth (natural log).

    Each map is divided by its sum (only when it has a nonzero value; no
    minimum is subtracted); the score is ``sum(G * ln(eps + G / (S + eps)))``
    with ``eps = 2**-52``. Lower is better; 0 for identical maps. Both maps
    must be non-negative. Where bicubic resizing overshoots below 0 the
    resized map is clipped at 0, as MATLAB's ``imresize`` does for the uint8
    map images the benchmark reads (on a float map MATLAB's log turns complex).
    """
    density = Density(saliency_map_gt)
    density.nonnegative()
    return score_kld(SaliencyMap(saliency_map), density)


def _sum_normalised(a: np.ndarray) -> np.ndarray:
    total = a.sum()
    return a / total if total != 0 else a


def score_kld(saliency: SaliencyMap, density: Density) -> float:
    """:func:`kld` of prepared inputs."""
    g = density.derived("kl", lambda: _sum_normalised(density.nonnegative()))
    s = saliency.check_nonnegative()
    if s.shape != density.shape:
        s = np.clip(saliency.at(density.shape), 0.0, None)
        total = s.sum()
    else:
        total = saliency.stat(density.shape, "sum")
    ratio = s / total if total != 0 else s.copy()
    ratio += EPS
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(g, ratio, out=ratio)
        ratio += EPS
        np.log(ratio, out=ratio)
        return float(np.einsum("ij,ij->", g, ratio))


def _normalised(a: np.ndarray) -> np.ndarray:
    """Min-max normalise, then divide by the sum; a zero map stays zero."""
    if not a.any():
        return a
    return _shifted_to_sum_one(a, a.min())


def _shifted_to_sum_one(a: np.ndarray, low: float) -> np.ndarray:
    a = a - low
    with np.errstate(invalid="ignore", divide="ignore"):
        a /= a.sum()  # a constant map gives 0/0 = NaN, as in MATLAB
    return a


def similarity(saliency_map, saliency_map_gt) -> float:
    """SIM (histogram intersection): ``sum(min(S, G))`` of the normalised maps.

    Each map with a nonzero value is min-max normalised, then divided by its
    sum (pysaliency skips the min-max step). 1 for identical maps; NaN when
    either map is a nonzero constant.
    """
    density = Density(saliency_map_gt)
    return score_similarity(SaliencyMap(saliency_map), density)


def score_similarity(saliency: SaliencyMap, density: Density) -> float:
    """:func:`similarity` of prepared inputs."""
    g = density.derived("sim", lambda: _normalised(density.array))
    shape = density.shape
    low, high = saliency.stat(shape, "min"), saliency.stat(shape, "max")
    s = saliency.at(shape)
    if low == 0 and high == 0:  # no nonzero value: the map stays zero
        return float(np.sum(np.minimum(s, g)))
    s = _shifted_to_sum_one(s, low)
    np.minimum(s, g, out=s)
    return float(np.sum(s))

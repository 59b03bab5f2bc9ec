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

from .inputs import EPS, as_map, as_nonnegative_map, resized_to

__all__ = ["cc", "kld", "similarity"]


def cc(saliency_map, saliency_map_gt) -> float:
    """Pearson's linear correlation (MATLAB ``corr2``) of the two maps.

    NaN when either map is constant (as MATLAB's ``0/0``).
    """
    g = as_map("saliency_map_gt", saliency_map_gt)
    s = resized_to("saliency_map", saliency_map, g.shape).ravel()
    g = g.ravel()
    s = s - s.mean()
    g = g - g.mean()
    num = np.einsum("i,i->", s, g)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(num / np.sqrt(np.einsum("i,i->", s, s) * np.einsum("i,i->", g, g)))


def kld(saliency_map, saliency_map_gt) -> float:
    """KL divergence of the saliency map from the ground truth (natural log).

    Each map is divided by its sum (only when it has a nonzero value; no
    minimum is subtracted); the score is ``sum(G * ln(eps + G / (S + eps)))``
    with ``eps = 2**-52``. Lower is better; 0 for identical maps. Both maps
    must be non-negative. Where bicubic resizing overshoots below 0 the
    resized map is clipped at 0, as MATLAB's ``imresize`` does for the uint8
    map images the benchmark reads (on a float map MATLAB's log turns complex).
    """
    g = as_nonnegative_map("saliency_map_gt", saliency_map_gt)
    s = as_nonnegative_map("saliency_map", saliency_map)
    if s.shape != g.shape:
        s = np.clip(resized_to("saliency_map", s, g.shape), 0.0, None)
    s_sum, g_sum = s.sum(), g.sum()
    s = s / s_sum if s_sum != 0 else s
    g = g / g_sum if g_sum != 0 else g
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = g / (s + EPS)
        ratio += EPS
        np.log(ratio, out=ratio)
        return float(np.einsum("ij,ij->", g, ratio))


def _normalised(a: np.ndarray) -> np.ndarray:
    """Min-max normalise, then divide by the sum; a zero map stays zero."""
    if not a.any():
        return a
    low = a.min()
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
    g = _normalised(as_map("saliency_map_gt", saliency_map_gt))
    s = _normalised(resized_to("saliency_map", saliency_map, g.shape))
    return float(np.sum(np.minimum(s, g)))

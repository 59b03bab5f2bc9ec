"""Earth mover's distance between a saliency map and the ground truth density.

Bylinskii et al., "What do different evaluation metrics tell us about
saliency models?", IEEE TPAMI 2018; MATLAB code ``EMD.m`` of
github.com/cvzoya/saliency (Pele & Werman, "Fast and robust earth mover's
distances", ICCV 2009: ``emd_hat_gd_metric`` with no extra-mass penalty).
The ground truth is shrunk with ``imresize(G, 1/32)``, the saliency map
resized to that grid, both divided by their sum; the ground distance is the
Euclidean distance between grid positions. As ``emd_hat_gd_metric`` does for
a metric ground distance, the mass the two maps share stays in place and
only the surplus is transported (the optimum is unchanged), solved exactly by
POT's network simplex (``ot.emd2``). FastEMD rounds masses to integers
(about 1e-6 of the total); the two agree to about 1e-5. Where MATLAB's
bicubic shrink overshoots below 0, those cells are set to 0 here, since a
transport plan needs non-negative mass.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from ..resize import imresize
from .inputs import Density, SaliencyMap

os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")  # POT sees numpy only here

__all__ = ["emd", "score_emd", "ground_distance", "DOWNSCALE"]

DOWNSCALE = 1 / 32


@lru_cache(maxsize=16)
def ground_distance(shape: tuple[int, int]) -> np.ndarray:
    """Euclidean distances between all cells of a grid of ``shape``, cached per shape."""
    rows, cols = np.indices(shape)
    points = np.stack([rows.ravel(), cols.ravel()], axis=1).astype(np.float64)
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))
    distance.setflags(write=False)
    return distance


def _mass(a: np.ndarray) -> np.ndarray | None:
    a = np.clip(a, 0.0, None).ravel()
    total = a.sum()
    return a / total if total > 0 else None


def emd(saliency_map, saliency_map_gt) -> float:
    """EMD on the 1/32-downsampled grid (in downsampled pixels); 0 for identical maps.

    Both maps must be non-negative. NaN when either has no mass.
    """
    density = Density(saliency_map_gt)
    density.nonnegative()
    return score_emd(SaliencyMap(saliency_map), density)


def _coarse_truth(density: Density) -> tuple[tuple[int, int], np.ndarray | None]:
    """The ground truth on the 1/32 grid: its shape and its mass (``None`` if it has none)."""

    def compute():
        g = imresize(density.nonnegative(), DOWNSCALE)
        return g.shape, _mass(g)

    return density.derived("emd", compute)


def score_emd(saliency: SaliencyMap, density: Density) -> float:
    """:func:`emd` of prepared inputs."""
    import ot

    shape, p = _coarse_truth(density)
    saliency.check_nonnegative()
    q = _mass(saliency.at(shape))
    if p is None or q is None:
        return float("nan")
    shared = np.minimum(p, q)
    surplus, deficit = p - shared, q - shared
    sources, sinks = np.flatnonzero(surplus > 0), np.flatnonzero(deficit > 0)
    if sources.size == 0 or sinks.size == 0:
        return 0.0
    a, b = surplus[sources], deficit[sinks]
    b = b * (a.sum() / b.sum())  # equal up to rounding; the solver wants them exact
    distance = ground_distance(shape)[np.ix_(sources, sinks)]
    return float(ot.emd2(a, b, np.ascontiguousarray(distance), numItermax=1_000_000))

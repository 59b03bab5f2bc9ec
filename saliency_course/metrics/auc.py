"""The three ROC-area metrics of the MIT saliency benchmark: AUC-Judd, AUC-Borji, sAUC.

Bylinskii, Judd, Oliva, Torralba & Durand, "What do different evaluation
metrics tell us about saliency models?", IEEE TPAMI 41(3), 2018; MATLAB code
``AUC_Judd.m``, ``AUC_Borji.m``, ``AUC_shuffled.m`` of github.com/cvzoya/saliency.
Following the code, quirks included:

* AUC-Judd takes each fixated *pixel* once; with tied saliency values its
  curve steps backwards (``fp`` counts tied fixated pixels as false
  positives until their turn comes), which lowers the score of maps with
  large flat regions. MATLAB's ``AUC_Judd.m`` adds ``rand/1e7`` jitter by
  default (and the MIT code's ``scoreModel_helper.m`` keeps that default).
  Here one switch, :data:`JUDD_JITTER`, is the default of every AUC-Judd in
  the package (this function, ``score_map``, ``evaluate``,
  ``inter_observer`` and the benchmark): off, so that the quirk shows, a
  map's score needs no seed, and a constant map gives NaN, as AUC is
  undefined without a ranking. ``jitter=True`` reproduces MATLAB's default:
  ties are broken at random, a constant map then ranks at chance (about 0.5).
* AUC-Borji samples its negatives uniformly *with replacement from all
  pixels* (fixated ones included); thresholds are MATLAB's colon
  ``0:step:max``, which MATLAB builds symmetrically from both ends.
* sAUC takes ``min(Nf, |other|)`` *distinct* fixated pixels of ``other_map``
  per split. MATLAB's random numbers cannot be reproduced, so the sampled
  AUCs agree with MATLAB in expectation, not digit for digit.

The sweeps are vectorised: counts above each threshold come from sorted
arrays and ``searchsorted``, never from a Python loop over thresholds.
"""

from __future__ import annotations

import numpy as np

from .inputs import EPS, Fixated, SaliencyMap, min_max

__all__ = [
    "JUDD_JITTER",
    "auc_judd",
    "auc_borji",
    "auc_shuffled",
    "judd_roc",
    "matlab_colon",
    "trapz",
]

#: AUC-Judd's jitter (MATLAB's ``rand/1e7`` tie breaking): off by default everywhere.
JUDD_JITTER = False

_BINS = 4096  # coarse bins of the exact counting in _count_at_least


def trapz(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """MATLAB's ``trapz(x, y)``: ``sum(diff(x) .* (y(1:end-1) + y(2:end))) / 2``."""
    dx = np.diff(x, axis=axis)
    y0 = np.take(y, np.arange(y.shape[axis] - 1), axis=axis)
    y1 = np.take(y, np.arange(1, y.shape[axis]), axis=axis)
    return np.sum(dx * (y0 + y1), axis=axis) / 2


def matlab_colon(start: float, step: float, stop) -> np.ndarray:
    """MATLAB's ``start:step:stop`` for ``step > 0``, for one or many ``stop`` values.

    MATLAB builds the range symmetrically (Cleve Moler's ``colonop``): the
    first half as ``start + k*step``, the second half backwards from the end
    point, and snaps the end point to ``stop`` when it is within
    ``2*eps*max(|start|, |stop|)``. So ``0:0.1:0.6`` ends at exactly 0.6,
    unlike ``np.arange``. For an array of ``stop`` values returns a 2-D array,
    one row per stop, padded at the end with NaN.
    """
    if not step > 0:
        raise ValueError(f"step must be > 0, got {step!r}")
    stops = np.atleast_1d(np.asarray(stop, dtype=np.float64))
    a, d = float(start), float(step)
    tol = 2.0 * EPS * np.maximum(abs(a), np.abs(stops))
    if a == np.floor(a) and d == np.floor(d):
        q = np.floor(a / d)
        n = np.floor((stops - (a - q * d)) / d) - q
    else:
        n = np.floor((stops - a) / d + 0.5)  # MATLAB's round (positive argument)
        n = n - ((a + n * d - stops) > tol)
    n = np.maximum(n, -1).astype(np.int64)  # n = -1: empty range
    c = a + n * d
    c = np.where(c - stops > -tol, stops, c)
    j = np.arange(max(int(n.max()) + 1, 0))[None, :]
    n2, c2 = n[:, None], c[:, None]
    values = np.where(j <= n2 // 2, a + j * d, c2 - (n2 - j) * d)
    values = np.where((n2 % 2 == 0) & (2 * j == n2), (a + c2) / 2, values)
    values = np.where(j <= n2, values, np.nan)
    return values[0][: n[0] + 1] if np.ndim(stop) == 0 else values


def _count_at_least(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``#{values >= t}`` for each ``t``; ``values`` and ``thresholds`` lie in [0, 1].

    Exact and vectorised without sorting all values: values below the lowest
    threshold are dropped, the rest binned by ``floor(v * K)`` (monotone, so
    a higher bin means a value >= t), and only those that share a bin with a
    threshold are sorted.
    """
    values = values[values >= thresholds.min()]
    bins = (values * _BINS).astype(np.intp)
    above = np.bincount(bins, minlength=_BINS + 2)[::-1].cumsum()[::-1]  # above[k] = #{bin>=k}
    t_bins = (thresholds * _BINS).astype(np.intp)
    shares = np.zeros(_BINS + 2, dtype=bool)
    shares[t_bins] = True
    candidates = np.sort(values[shares[bins]])
    candidate_bins = (candidates * _BINS).astype(np.intp)
    in_bin_at_least = np.searchsorted(candidate_bins, t_bins, side="right") - np.searchsorted(
        candidates, thresholds, side="left"
    )
    return above[t_bins + 1] + in_bin_at_least


def _count_at_least_per_row(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Row-wise ``#{values[r] >= thresholds[r, j]}`` (exact: ranks, then one sort)."""
    rows, n = values.shape
    pool = np.unique(np.concatenate([values.ravel(), thresholds.ravel()]))
    offset = np.arange(rows)[:, None] * (len(pool) + 1)
    keys = np.sort((np.searchsorted(pool, values) + offset).ravel())
    positions = np.searchsorted(keys, (np.searchsorted(pool, thresholds) + offset).ravel())
    return (np.arange(1, rows + 1)[:, None] * n) - positions.reshape(thresholds.shape)


def judd_roc(saliency_map, fixation_map, jitter: bool = JUDD_JITTER, seed=None):
    """The ROC points ``(fp, tp)`` of AUC-Judd, ``(0, 0)`` and ``(1, 1)`` included.

    One point per fixated pixel, thresholds from the highest saliency at a
    fixated pixel down; with tied values ``fp`` can step backwards (the MIT
    code's quirk). ``None`` when the AUC is undefined (no fixation, constant map).
    """
    fixated = Fixated.from_map("fixation_map", fixation_map)
    return _judd_curve(SaliencyMap(saliency_map), fixated, jitter, seed)


def _judd_curve(saliency: SaliencyMap, fixated: Fixated, jitter: bool, seed):
    shape = fixated.shape
    s = saliency.at(shape)
    if fixated.size == 0:
        return None
    if jitter:
        s = min_max(s + np.random.default_rng(seed).random(shape) / 10000000).ravel()
    else:
        s = saliency.unit(shape)
    if np.isnan(s[0]):
        return None
    n_fix, n_pix = fixated.size, s.size
    thresholds = np.sort(s[fixated.indices])[::-1]
    above = _count_at_least(s, thresholds)
    i = np.arange(1, n_fix + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fp = np.concatenate([[0.0], (above - i) / (n_pix - n_fix), [1.0]])
    tp = np.concatenate([[0.0], i / n_fix, [1.0]])
    return fp, tp


def auc_judd(saliency_map, fixation_map, jitter: bool = JUDD_JITTER, seed=None) -> float:
    """AUC-Judd: ROC area with every saliency value at a fixated pixel as a threshold.

    ``fixation_map`` is binary (nonzero = fixated). NaN without fixations or
    for a constant map (without jitter). ``jitter=True`` adds
    ``U(0, 1) * 1e-7`` (seeded by ``seed``) before normalising, as MATLAB's
    default; the package's default is :data:`JUDD_JITTER` (off).
    """
    fixated = Fixated.from_map("fixation_map", fixation_map)
    return score_judd(SaliencyMap(saliency_map), fixated, jitter=jitter, seed=seed)


def score_judd(
    saliency: SaliencyMap, fixated: Fixated, jitter: bool = JUDD_JITTER, seed=None
) -> float:
    """:func:`auc_judd` of prepared inputs."""
    curve = _judd_curve(saliency, fixated, jitter, seed)
    return float("nan") if curve is None else float(trapz(*curve))


def _sampled_auc(positives: np.ndarray, negatives: np.ndarray, step_size: float) -> float:
    """Mean ROC area over splits; ``negatives`` is ``(n_negatives, n_splits)``."""
    if negatives.shape[0] == 0:
        return float("nan")  # MATLAB divides 0 by 0
    maxima = np.maximum(positives.max(), negatives.max(axis=0))
    unique_maxima, which = np.unique(maxima, return_inverse=True)
    colons = matlab_colon(0.0, step_size, unique_maxima)[:, ::-1]  # descending, NaN first
    thresholds = np.where(np.isnan(colons), 2.0, colons)[which]  # 2 > any value: count 0
    sorted_positives = np.sort(positives)
    tp = positives.size - np.searchsorted(sorted_positives, thresholds, side="left")
    fp = _count_at_least_per_row(negatives.T, thresholds)
    splits = thresholds.shape[0]
    zeros, ones = np.zeros((splits, 1)), np.ones((splits, 1))
    tp = np.hstack([zeros, tp / positives.size, ones])
    fp = np.hstack([zeros, fp / negatives.shape[0], ones])
    return float(np.mean(trapz(fp, tp, axis=1)))


def _check_sampling(n_splits: int, step_size: float) -> None:
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"n_splits must be a positive int, got {n_splits!r}")
    if not (np.isscalar(step_size) and np.isfinite(step_size) and 0 < step_size <= 1):
        raise ValueError(f"step_size must be a number in (0, 1], got {step_size!r}")


def auc_borji(
    saliency_map, fixation_map, n_splits: int = 100, step_size: float = 0.1, seed=None
) -> float:
    """AUC-Borji: negatives sampled uniformly with replacement from all pixels.

    ``n_splits`` sets of ``Nf`` (number of fixated pixels) random pixels;
    thresholds ``0:step_size:max``; mean ROC area over the splits. NaN with
    at most one fixated pixel (as the MIT code) or a constant map.
    """
    _check_sampling(n_splits, step_size)
    fixated = Fixated.from_map("fixation_map", fixation_map)
    return score_borji(SaliencyMap(saliency_map), fixated, n_splits, step_size, seed)


def score_borji(
    saliency: SaliencyMap,
    fixated: Fixated,
    n_splits: int = 100,
    step_size: float = 0.1,
    seed=None,
) -> float:
    """:func:`auc_borji` of prepared inputs."""
    if fixated.size <= 1:
        return float("nan")
    s = saliency.unit(fixated.shape)
    if np.isnan(s[0]):
        return float("nan")
    rng = np.random.default_rng(seed)
    sampled = s[rng.integers(0, s.size, size=(fixated.size, n_splits))]
    return _sampled_auc(s[fixated.indices], sampled, step_size)


def auc_shuffled(
    saliency_map,
    fixation_map,
    other_map,
    n_splits: int = 100,
    step_size: float = 0.1,
    seed=None,
) -> float:
    """Shuffled AUC: negatives are the saliency at fixations of *other* images.

    ``other_map`` (same shape as ``fixation_map``, not resized) marks the
    fixated pixels of other images; each split takes ``min(Nf, |other|)``
    distinct ones. Penalises a map for predicting the centre bias. NaN
    without fixations, without other fixations, or for a constant map.
    """
    _check_sampling(n_splits, step_size)
    fixated = Fixated.from_map("fixation_map", fixation_map)
    others = Fixated.from_map("other_map", other_map)
    check_other_shape(fixated, others)
    return score_shuffled(SaliencyMap(saliency_map), fixated, others, n_splits, step_size, seed)


def check_other_shape(fixated: Fixated, others: Fixated) -> None:
    """sAUC's ``other_map`` must have the shape of the fixation map (it is not resized)."""
    if others.shape != fixated.shape:
        raise ValueError(
            f"other_map must have the shape of fixation_map {fixated.shape}, got {others.shape}"
        )


def score_shuffled(
    saliency: SaliencyMap,
    fixated: Fixated,
    others: Fixated,
    n_splits: int = 100,
    step_size: float = 0.1,
    seed=None,
) -> float:
    """:func:`auc_shuffled` of prepared inputs."""
    if fixated.size == 0:
        return float("nan")
    s = saliency.unit(fixated.shape)
    if np.isnan(s[0]):
        return float("nan")
    n = min(fixated.size, others.size)
    rng = np.random.default_rng(seed)
    if n == 0:
        return float("nan")
    keys = rng.random((n_splits, others.size))
    chosen = np.argpartition(keys, n - 1, axis=1)[:, :n] if n < others.size else keys.argsort(1)
    return _sampled_auc(s[fixated.indices], s[others.indices[chosen]].T, step_size)

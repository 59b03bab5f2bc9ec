"""Checking and preparing the maps the metrics receive.

Malformed input raises a ``ValueError`` that names the argument; a saliency
map of another size than the ground truth is resized to it with the
MATLAB-exact :func:`saliency_course.resize.imresize`, as the MIT benchmark
code does.
"""

from __future__ import annotations

import numpy as np

from ..resize import imresize

EPS = float(np.finfo(np.float64).eps)  # MATLAB's eps = 2**-52


def as_map(name: str, array) -> np.ndarray:
    """A 2-D, non-empty, finite float64 array, or a ``ValueError`` naming ``name``."""
    a = np.asarray(array)
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (H, W), got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
    a = a.astype(np.float64, copy=False)
    # one cheap pass; the exact test runs only when the sum is not finite
    if not np.isfinite(np.add.reduce(a, axis=None)) and not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    return a


def as_nonnegative_map(name: str, array) -> np.ndarray:
    """As :func:`as_map`, and every value must be >= 0 (a distribution or fixation map)."""
    a = as_map(name, array)
    low = a.min()
    if low < 0:
        raise ValueError(f"{name} must be non-negative, got a minimum of {low:g}")
    return a


def fixated_indices(name: str, fixation_map) -> tuple[np.ndarray, tuple[int, int]]:
    """Flat indices of the fixated (nonzero) pixels of a fixation map, and its shape."""
    a = np.asarray(fixation_map)
    if a.dtype != bool:
        a = as_nonnegative_map(name, a) != 0
    elif a.ndim != 2 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (H, W), got shape {a.shape}")
    return np.flatnonzero(a), a.shape


def resized_to(name: str, saliency_map, shape: tuple[int, int]) -> np.ndarray:
    """A checked saliency map, resized with MATLAB's ``imresize`` when its shape differs."""
    s = as_map(name, saliency_map)
    return s if s.shape == tuple(shape) else imresize(s, tuple(int(n) for n in shape))


def min_max(a: np.ndarray) -> np.ndarray:
    """``(a - min) / (max - min)`` as MATLAB computes it (all NaN for a constant map)."""
    low, high = a.min(), a.max()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a - low) / (high - low)

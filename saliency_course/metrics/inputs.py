"""Checking and preparing the maps the metrics receive, once per map.

Malformed input raises a ``ValueError`` that names the argument; a saliency
map of another size than the ground truth is resized to it with the
MATLAB-exact :func:`saliency_course.resize.imresize`, as the MIT benchmark
code does.

Every metric is written against two prepared objects so that scoring one map
with nine metrics does the shared work once, and scoring many maps against one
image's ground truth does the ground truth's work once:

* :class:`SaliencyMap` holds a checked saliency map, its resize to each
  ground-truth size and the statistics several metrics read (min, max, mean,
  standard deviation, sum, the min-max normalised map);
* :class:`Fixated` (the fixated pixels of a fixation map) and :class:`Density`
  (a ground-truth density map) keep what each metric derives from them in
  :meth:`Prepared.derived`, computed on first use.

The public metric functions build both objects from plain arrays and call the
same code, so a metric gives bit-identical values whichever way it is called.
"""

from __future__ import annotations

from collections.abc import Callable

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


def _check_nonnegative(name: str, low: float) -> None:
    if low < 0:
        raise ValueError(f"{name} must be non-negative, got a minimum of {low:g}")


def as_nonnegative_map(name: str, array) -> np.ndarray:
    """As :func:`as_map`, and every value must be >= 0 (a distribution or fixation map)."""
    a = as_map(name, array)
    _check_nonnegative(name, a.min())
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


class Prepared:
    """Something a metric reads, with a memo of what each metric derives from it."""

    def __init__(self) -> None:
        self._derived: dict[object, object] = {}

    def derived(self, key, compute: Callable[[], object]):
        """``compute()`` the first time ``key`` is asked for, the same object afterwards."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held, derived ones included."""

        def size(value) -> int:
            if isinstance(value, np.ndarray):
                return value.nbytes
            if isinstance(value, (tuple, list)):
                return sum(size(v) for v in value)
            return 0

        held = list(vars(self).values()) + list(self._derived.values())
        return sum(size(v) for v in held)


class SaliencyMap(Prepared):
    """A saliency map checked once (2-D, finite), resized once per target shape.

    :meth:`at` gives the map at a ground-truth shape (the map itself when the
    shapes agree); :meth:`stat` its min, max, sum, mean or MATLAB ``std``
    (N - 1); :meth:`unit` its min-max normalisation, flattened.
    """

    def __init__(self, array, name: str = "saliency_map") -> None:
        super().__init__()
        self.name = name
        self.array = as_map(name, array)

    def at(self, shape: tuple[int, int]) -> np.ndarray:
        """The map resized (MATLAB ``imresize``) to ``shape``; not to be modified."""
        shape = (int(shape[0]), int(shape[1]))
        if shape == self.array.shape:
            return self.array
        return self.derived(("at", shape), lambda: imresize(self.array, shape))

    def check_nonnegative(self) -> np.ndarray:
        """The map as given, after checking that no value is negative."""
        _check_nonnegative(self.name, self.stat(self.array.shape, "min"))
        return self.array

    def stat(self, shape: tuple[int, int], name: str) -> float:
        """The ``"min"``, ``"max"``, ``"sum"``, ``"mean"`` or ``"std"`` (N - 1) at a shape."""
        a = self.at(shape)
        compute = {
            "min": a.min,
            "max": a.max,
            "sum": a.sum,
            "mean": a.mean,
            "std": lambda: a.std(ddof=1) if a.size > 1 else np.nan,
        }[name]
        return self.derived((name, a.shape), compute)

    def unit(self, shape: tuple[int, int]) -> np.ndarray:
        """``(s - min) / (max - min)`` at ``shape``, flattened (all NaN for a constant map)."""

        def compute():
            low, high = self.stat(shape, "min"), self.stat(shape, "max")
            with np.errstate(invalid="ignore", divide="ignore"):
                return ((self.at(shape) - low) / (high - low)).ravel()

        return self.derived(("unit", tuple(shape)), compute)


class Fixated(Prepared):
    """The fixated pixels of a fixation map: flat indices (each pixel once) and the shape."""

    def __init__(self, indices: np.ndarray, shape: tuple[int, int]) -> None:
        super().__init__()
        self.indices = np.asarray(indices, dtype=np.int64)
        self.shape = (int(shape[0]), int(shape[1]))

    @classmethod
    def from_map(cls, name: str, fixation_map) -> Fixated:
        """From a binary (or count) map; nonzero pixels are fixated."""
        return cls(*fixated_indices(name, fixation_map))

    @property
    def size(self) -> int:
        return int(self.indices.size)


class Density(Prepared):
    """A ground-truth density map, checked once (2-D, finite); non-negativity on demand."""

    def __init__(self, array, name: str = "saliency_map_gt") -> None:
        super().__init__()
        self.name = name
        self.array = as_map(name, array)
        self.shape = self.array.shape

    def nonnegative(self) -> np.ndarray:
        """The map, after checking that no value is negative (KL and EMD need it)."""
        _check_nonnegative(self.name, self.derived("min", self.array.min))
        return self.array

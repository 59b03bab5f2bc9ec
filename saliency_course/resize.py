"""MATLAB-exact ``imresize``: the resize every MIT-benchmark metric starts with.

The MIT saliency benchmark (Bylinskii et al., TPAMI 2018; code at
github.com/cvzoya/saliency) resizes a saliency map to the ground truth with
MATLAB's ``imresize(S, size(G))``, whose defaults are:

* bicubic interpolation with Keys' kernel, ``a = -0.5`` (not bilinear);
* antialiasing when shrinking: for a scale ``s < 1`` the kernel becomes
  ``s * cubic(s * x)`` and its support widens to ``4 / s``;
* output pixel ``x`` (1-based) reads input coordinate
  ``u = x / s + 0.5 * (1 - 1 / s)``; the weights of each output pixel are
  normalised to sum to 1;
* indices outside the image are mirrored symmetrically
  (``1, 2, ..., n, n, n-1, ..., 1`` repeated);
* the two dimensions are resized one after the other, the one with the
  smaller scale first.

This module follows ``contributions`` in MATLAB's ``imresize.m`` line by line
(see :func:`_contributions`). PIL, OpenCV and scikit-image all differ from it
by 1e-3 to 1e-2 in the metrics. The result is float64 and not clipped
(bicubic interpolation can overshoot below 0 and above the input's maximum).
Integer input (a uint8 map image) is converted to float64 first, where
MATLAB would round and saturate to uint8 after each dimension's pass. The
per-dimension weights form a cached sparse matrix, so a resize is two sparse
products (no BLAS threads, fast on a busy machine).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import sparse

from .limits import check_array_size

__all__ = ["imresize", "cubic", "triangle", "resize_matrix"]


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with ``a = -0.5`` (MATLAB's ``cubic``)."""
    absx = np.abs(np.asarray(x, dtype=np.float64))
    absx2 = absx**2
    absx3 = absx**3
    inner = (1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1)
    outer = (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((absx > 1) & (absx <= 2))
    return inner + outer


def triangle(x: np.ndarray) -> np.ndarray:
    """MATLAB's ``triangle`` kernel of ``imresize(..., "bilinear")``."""
    x = np.asarray(x, dtype=np.float64)
    return (x + 1) * ((-1 <= x) & (x < 0)) + (1 - x) * ((0 <= x) & (x <= 1))


KERNELS = {"bicubic": (cubic, 4.0), "bilinear": (triangle, 2.0)}


def _contributions(in_length: int, out_length: int, scale: float, method: str = "bicubic"):
    """Weights ``(out, P)`` and 0-based input indices ``(out, P)``, as MATLAB computes them."""
    base, width = KERNELS[method]
    if scale < 1:
        width = width / scale

        def kernel(x):
            return scale * base(scale * x)

    else:
        kernel = base
    x = np.arange(1, out_length + 1, dtype=np.float64)[:, None]
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = math.ceil(width) + 2
    check_array_size(
        "the resize weights", (out_length, taps), copies=4, hint=f"a scale of {scale:g} is tiny"
    )
    indices = left + np.arange(taps)[None, :]
    weights = kernel(u - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    # symmetric mirroring: aux = [1:n, n:-1:1], indices = aux(mod(indices - 1, 2n) + 1)
    period = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = period[np.mod(indices - 1, 2 * in_length).astype(np.int64)]
    return weights, indices


@lru_cache(maxsize=64)
def _cached_matrix(in_length: int, out_length: int, scale: float, method: str):
    weights, indices = _contributions(in_length, out_length, scale, method)
    rows = np.broadcast_to(np.arange(out_length)[:, None], indices.shape)
    # duplicates (mirrored taps) are summed; zero weights are dropped as MATLAB's "kill"
    matrix = sparse.csr_matrix(
        (weights.ravel(), (rows.ravel(), indices.ravel())), shape=(out_length, in_length)
    )
    matrix.eliminate_zeros()
    return matrix


def resize_matrix(
    in_length: int, out_length: int, scale: float | None = None, method: str = "bicubic"
):
    """The sparse ``(out_length, in_length)`` matrix that resizes one dimension like MATLAB.

    ``scale`` defaults to ``out_length / in_length`` (a target size); pass the
    scalar scale when MATLAB was given one (the output length is then
    ``ceil(scale * in_length)``). Cached; do not modify it. A sparse product
    (no BLAS threads) keeps resizing fast on a busy machine.
    """
    if scale is None:
        scale = out_length / in_length
    return _cached_matrix(int(in_length), int(out_length), float(scale), method)


def _parse_target(shape: tuple[int, int], output_shape_or_scale) -> tuple[tuple, tuple]:
    if np.isscalar(output_shape_or_scale):
        scale = float(output_shape_or_scale)
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(
                f"output_shape_or_scale must be a positive finite scale or an (H, W) "
                f"shape, got {output_shape_or_scale!r}"
            )
        out = tuple(math.ceil(scale * n) for n in shape)
        return out, (scale, scale)
    target = tuple(output_shape_or_scale)
    if len(target) != 2 or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in target
    ):
        raise ValueError(
            f"output_shape_or_scale must be a positive finite scale or an (H, W) shape of "
            f"positive ints, got {output_shape_or_scale!r}"
        )
    out = (int(target[0]), int(target[1]))
    return out, (out[0] / shape[0], out[1] / shape[1])


def imresize(array, output_shape_or_scale, method: str = "bicubic") -> np.ndarray:
    """Resize a 2-D map (or an ``(H, W, C)`` stack) exactly like MATLAB's ``imresize``.

    ``output_shape_or_scale`` is an ``(H, W)`` target (scale taken per
    dimension) or a scalar scale (output ``ceil(scale * size)``). ``method``
    is MATLAB's default ``"bicubic"`` (what the metrics use) or
    ``"bilinear"``; both antialias when shrinking. Returns float64,
    unclipped; the same size returns an unchanged float64 copy.

    >>> imresize(np.eye(2), (2, 2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    a = np.asarray(array)
    if a.ndim not in (2, 3) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(
            f"array must be a non-empty (H, W) or (H, W, C) array, got shape {a.shape}"
        )
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"array must be numeric, got dtype {a.dtype}")
    if method not in KERNELS:
        raise ValueError(f"method must be one of {sorted(KERNELS)}, got {method!r}")
    out_shape, scales = _parse_target(a.shape[:2], output_shape_or_scale)
    check_array_size(
        "output_shape_or_scale",
        out_shape + a.shape[2:],
        copies=2,
        hint=f"resizing a {a.shape[:2]} map to {out_shape}",
    )
    a = a.astype(np.float64)
    if out_shape == a.shape[:2] and scales == (1.0, 1.0):
        return a  # astype made a copy
    # MATLAB resizes the dimension with the smaller scale first (stable sort).
    for dim in sorted((0, 1), key=lambda d: scales[d]):
        matrix = resize_matrix(a.shape[dim], out_shape[dim], scales[dim], method)
        moved = np.moveaxis(a, dim, 0)
        result = matrix @ moved.reshape(moved.shape[0], -1)
        a = np.moveaxis(result.reshape((out_shape[dim],) + moved.shape[1:]), 0, dim)
    return np.ascontiguousarray(a)

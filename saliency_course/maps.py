"""Fixation maps, density maps, the centre bias, and map normalisation.

* A **fixation map** marks the pixel nearest to each fixation (0/1 or counts).
* A **density map** is the fixation map convolved with a Gaussian whose sigma is
  usually one degree of visual angle, then divided by its sum — the empirical
  saliency map of Judd et al. (ICCV 2009) and Bylinskii et al. (TPAMI 2018).
* The **centre bias** is a kernel density estimate of training fixations in
  normalised image coordinates whose bandwidth (and a mixing weight with the
  uniform density) are chosen by cross-validated log-likelihood, as in
  Kümmerer, Wallis & Bethge, "Information-theoretic model comparison unifies
  saliency metrics", PNAS 2015, and pysaliency's ``CrossvalidatedBaselineModel``
  (DeepGaze II/IIE use such a centre bias as their prior).

Coordinates follow the package convention: 0-based pixels with pixel centres at
integers, so pixel ``i`` covers ``[i - 0.5, i + 0.5)``. ``imresize`` (MATLAB's
default bicubic resize) lives in :mod:`saliency_course.resize` and is
re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from .fixations import Fixations
from .limits import check_array_size, one_blas_thread
from .resize import imresize

__all__ = [
    "CenterBias",
    "center_bias",
    "density_map",
    "fit_center_bias",
    "fixated_pixels",
    "fixation_map",
    "imresize",
    "normalize",
]

#: Bandwidths (in normalised image units) searched by :func:`fit_center_bias`.
DEFAULT_BANDWIDTHS = tuple(float(b) for b in np.round(np.logspace(-2.5, -0.5, 21), 6))
#: Weights of the uniform density mixed into the centre bias, searched likewise.
DEFAULT_EPSILONS = (0.0, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1)


def _check_shape(shape, name: str = "shape") -> tuple[int, int]:
    try:
        height, width = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (height, width), got {shape!r}") from None
    if height <= 0 or width <= 0 or (height, width) != tuple(shape):
        raise ValueError(f"{name} must be two positive integers (height, width), got {shape!r}")
    check_array_size(name, (height, width), copies=3, hint="is it (height, width) in pixels?")
    return height, width


def _as_xy(fixations) -> np.ndarray:
    """``(k, 2)`` float array of ``(x, y)`` from a :class:`Fixations` or an array."""
    if isinstance(fixations, Fixations):
        return np.stack([fixations.x, fixations.y], axis=1)
    xy = np.asarray(fixations, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(
            f"fixations must be a Fixations or an array of shape (k, 2) holding x, y; "
            f"got an array of shape {xy.shape}"
        )
    if not np.all(np.isfinite(xy)):
        raise ValueError("fixations contains NaN or infinite coordinates")
    return xy


def fixated_pixels(fixations, shape: tuple[int, int]) -> np.ndarray:
    """Flat indices ``row * W + col`` of the pixel nearest each fixation inside the image.

    One entry per fixation (repeats kept), in the order given; the pixel is
    the one whose centre is nearest (``floor(x + 0.5)``), and fixations
    outside the image are dropped. :func:`fixation_map` marks these pixels.
    """
    height, width = _check_shape(shape)
    xy = _as_xy(fixations)
    cols = np.floor(xy[:, 0] + 0.5).astype(np.int64)
    rows = np.floor(xy[:, 1] + 0.5).astype(np.int64)
    keep = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    return rows[keep] * width + cols[keep]


def fixation_map(fixations, shape: tuple[int, int], counts: bool = False) -> np.ndarray:
    """A float ``(H, W)`` map with 1 (or the number of fixations) at each fixated pixel.

    Each fixation goes to the pixel whose centre is nearest (``floor(x + 0.5)``);
    fixations outside the image are dropped. No fixations gives a map of zeros.
    """
    height, width = _check_shape(shape)
    result = np.zeros(height * width)
    flat = fixated_pixels(fixations, (height, width))
    if counts:
        np.add.at(result, flat, 1.0)
    else:
        result[flat] = 1.0
    return result.reshape(height, width)


def _sigma_px(sigma_px: float | None, sigma_deg: float | None, ppd: float | None) -> float:
    if sigma_px is not None and sigma_deg is not None:
        raise ValueError("give either sigma_px or sigma_deg (with ppd), not both")
    if sigma_px is None:
        if sigma_deg is None or ppd is None:
            raise ValueError(
                "density_map needs sigma_px, or sigma_deg together with ppd "
                f"(pixels per degree); got sigma_deg={sigma_deg!r}, ppd={ppd!r}"
            )
        if not (np.isfinite(ppd) and ppd > 0):
            raise ValueError(f"ppd must be a positive number of pixels per degree, got {ppd!r}")
        if not (np.isfinite(sigma_deg) and sigma_deg > 0):
            raise ValueError(f"sigma_deg must be a positive number of degrees, got {sigma_deg!r}")
        return float(sigma_deg) * float(ppd)
    if not (np.isfinite(sigma_px) and sigma_px > 0):
        raise ValueError(f"sigma_px must be a positive number of pixels, got {sigma_px!r}")
    return float(sigma_px)


#: Multiply-adds of a one-thread BLAS matrix product per multiply-add of scipy's 1-D
#: filter loop in the same time (measured: 4 to 8; used only to pick the faster path).
_BLAS_SPEEDUP = 4


def _kernel_columns(length: int, centres: np.ndarray, sigma: float, truncate: float) -> np.ndarray:
    """``(length, len(centres))``: the 1-D Gaussian around each centre, cut as scipy cuts it.

    ``exp(-d**2 / (2 sigma**2))`` for offsets ``|d| <= int(truncate * sigma + 0.5)``
    (``scipy.ndimage.gaussian_filter``'s radius), 0 beyond; not normalised.
    """
    check_array_size("a Gaussian kernel matrix", (length, len(centres)))
    radius = int(truncate * sigma + 0.5)
    offsets = np.arange(length)[:, None] - centres[None, :]
    kernel = np.exp(-0.5 / (sigma * sigma) * offsets.astype(np.float64) ** 2)
    kernel[np.abs(offsets) > radius] = 0.0
    return kernel


@dataclass(frozen=True)
class _Counts:
    """Fixation counts on a grid, kept sparse: the fixated rows and columns and their table."""

    shape: tuple[int, int]
    pixels: np.ndarray  # flat indices, repeats count
    rows: np.ndarray
    cols: np.ndarray
    table: np.ndarray  # (len(rows), len(cols)) counts

    @classmethod
    def of(cls, pixels: np.ndarray, shape: tuple[int, int]) -> _Counts:
        width = shape[1]
        rows, row_of = np.unique(pixels // width, return_inverse=True)
        cols, col_of = np.unique(pixels % width, return_inverse=True)
        table = np.zeros((len(rows), len(cols)))
        np.add.at(table, (row_of, col_of), 1.0)
        return cls(shape, pixels, rows, cols, table)


def _blurred_mass(counts: _Counts, sigma: tuple[float, float], truncate: float = 4.0):
    """The counts blurred as ``scipy.ndimage.gaussian_filter(mode="constant")`` blurs them,
    up to a constant factor.

    Zeros lie outside the image and the kernel is cut at ``truncate`` sigmas, as
    in scipy. A fixation map is sparse, so the blur is also the product
    ``Ky[:, rows] @ table @ Kx[:, cols].T`` over the fixated rows and columns;
    that path is taken when it is cheaper (few fixations, wide Gaussians) and
    never builds a kernel longer than the image, so a huge sigma costs no more
    than a large one. Callers divide by the sum, so the kernels stay
    unnormalised (the two paths agree up to rounding, about 1e-15 relative).
    """
    height, width = counts.shape
    sigma_y, sigma_x = (float(s) for s in sigma)
    r, c = len(counts.rows), len(counts.cols)
    right_first = r * c * width + height * r * width  # Ky @ (table @ Kx.T)
    left_first = height * r * c + height * c * width  # (Ky @ table) @ Kx.T
    low_rank = min(right_first, left_first) / _BLAS_SPEEDUP
    radii = (int(truncate * sigma_y + 0.5), int(truncate * sigma_x + 0.5))
    direct = height * width * (2 * radii[0] + 1 + 2 * radii[1] + 1)
    if direct <= low_rank:
        dense = np.bincount(counts.pixels, minlength=height * width).astype(np.float64)
        dense = dense.reshape(height, width)
        return gaussian_filter(dense, (sigma_y, sigma_x), mode="constant", truncate=truncate)
    ky = _kernel_columns(height, counts.rows, sigma_y, truncate)
    kx = _kernel_columns(width, counts.cols, sigma_x, truncate)
    with one_blas_thread():  # small products: threads only wait for each other on busy cores
        if right_first <= left_first:
            return ky @ (counts.table @ kx.T)
        return (ky @ counts.table) @ kx.T


def density_map(
    fixations,
    shape: tuple[int, int],
    sigma_px: float | None = None,
    sigma_deg: float | None = None,
    ppd: float | None = None,
) -> np.ndarray:
    """The Gaussian-blurred fixation-count map, float64, summing to 1.

    Sigma is given in pixels (``sigma_px``) or in degrees of visual angle
    (``sigma_deg`` with ``ppd``, the pixels per degree). Every fixation counts
    (two fixations on one pixel weigh twice).

    Boundary: ``scipy.ndimage.gaussian_filter(mode="constant")``, i.e. zeros
    outside the image, like MATLAB's ``imfilter`` default used by the MIT
    benchmark and OSIE code. The part of a Gaussian that falls outside the
    image is lost and the map is renormalised; ``"reflect"`` would instead fold
    that tail back in and make the image border look fixated. The blur is
    computed as a product over the fixated rows and columns when that is
    faster (see :func:`_blurred_mass`); the values are the same up to rounding.
    """
    height, width = _check_shape(shape)
    sigma = _sigma_px(sigma_px, sigma_deg, ppd)
    pixels = fixated_pixels(fixations, (height, width))
    if pixels.size == 0:
        raise ValueError(
            f"density_map needs at least one fixation inside the image of shape "
            f"{(height, width)}, got {len(_as_xy(fixations))} fixations and none inside"
        )
    blurred = _blurred_mass(_Counts.of(pixels, (height, width)), (sigma, sigma))
    mass = blurred.sum()
    if not mass > 0:  # every value underflowed
        raise ValueError(f"sigma of {sigma} px leaves no mass on a {(height, width)} image")
    return blurred / mass


def normalize(m, method: str = "range") -> np.ndarray:
    """Rescale a map: ``"range"`` to [0, 1], ``"sum"`` to sum 1, ``"std"`` to mean 0, std 1.

    A constant map has no range or spread and a map without positive mass no
    sum; those raise a ``ValueError`` instead of returning NaN.
    """
    array = np.asarray(m, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"m must be a 2-D map, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("m contains NaN or infinite values")
    if method == "range":
        low, high = array.min(), array.max()
        if high == low:
            raise ValueError(f"m is constant ({low}); it has no range to normalise by")
        return (array - low) / (high - low)
    if method == "sum":
        if array.min() < 0:
            raise ValueError(f"m must be non-negative to sum-normalise, its min is {array.min()}")
        total = array.sum()
        if total <= 0:
            raise ValueError("m sums to 0; it cannot be made a density")
        return array / total
    if method == "std":
        std = array.std()
        if std == 0:
            raise ValueError("m is constant; its standard deviation is 0")
        return (array - array.mean()) / std
    raise ValueError(f"method must be 'range', 'sum' or 'std', got {method!r}")


# -- centre bias ---------------------------------------------------------------


def _normalised_coordinates(fixations: Fixations, shapes) -> tuple[np.ndarray, np.ndarray]:
    """Normalised coordinates ``(k, 2)`` in [0, 1) and the image index of each.

    ``u = (x + 0.5) / W``, ``v = (y + 0.5) / H``; fixations outside their image are dropped.
    """
    if not isinstance(fixations, Fixations):
        raise ValueError(f"fixations must be a Fixations, got {type(fixations).__name__}")
    if len(fixations) == 0:
        raise ValueError("fixations is empty; a centre bias needs training fixations")
    array = np.asarray(shapes)
    if array.shape == (2,):
        sizes = np.broadcast_to(np.asarray(_check_shape(shapes)), (int(fixations.n.max()) + 1, 2))
    else:
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(
                "shapes must be one (H, W) or a sequence of (H, W) per image, "
                f"got shape {array.shape}"
            )
        if len(array) <= fixations.n.max():
            raise ValueError(
                f"shapes has {len(array)} entries but fixations refer to image {fixations.n.max()}"
            )
        sizes = np.array([_check_shape(s, "shapes[i]") for s in array])
    heights = sizes[fixations.n, 0].astype(np.float64)
    widths = sizes[fixations.n, 1].astype(np.float64)
    u = (fixations.x + 0.5) / widths
    v = (fixations.y + 0.5) / heights
    keep = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
    if not keep.any():
        raise ValueError("no fixation lies inside its image; check shapes (H, W) order")
    return np.stack([u[keep], v[keep]], axis=1), fixations.n[keep]


def _grid_counts(uv: np.ndarray, grid: tuple[int, int]) -> _Counts:
    """Points of the unit square counted in the cells of a ``(rows, cols)`` grid."""
    rows, cols = grid
    xy = np.stack([uv[:, 0] * cols - 0.5, uv[:, 1] * rows - 0.5], 1)
    return _Counts.of(fixated_pixels(xy, grid), grid)


def _binned_kde(counts: _Counts, bandwidth: float) -> np.ndarray:
    """Gaussian KDE of points in the unit square, binned on a grid (:func:`_grid_counts`).

    Binned KDE (Wand 1994): points go to their grid cell, the histogram is
    blurred with the kernel (zeros outside the square) and renormalised, so
    the estimate is a proper density on the unit square; it sums to 1.
    """
    rows, cols = counts.shape
    smooth = _blurred_mass(counts, (bandwidth * rows, bandwidth * cols))
    return smooth / smooth.sum()


@dataclass(frozen=True)
class CenterBias:
    """A fitted centre bias: Gaussian KDE in normalised coordinates mixed with the uniform.

    ``density = (1 - eps) * KDE(bandwidth) + eps * uniform``. ``scores`` holds the
    cross-validated mean log-likelihood (nats per fixation, relative to a uniform
    density on the image) for every ``(bandwidth, eps)`` tried, rows by bandwidth.
    """

    points: np.ndarray
    bandwidth: float
    eps: float
    bandwidths: tuple[float, ...]
    epsilons: tuple[float, ...]
    scores: np.ndarray

    def density(self, out_shape: tuple[int, int]) -> np.ndarray:
        """The centre bias at ``out_shape=(H, W)``, float64 summing to 1."""
        height, width = _check_shape(out_shape, "out_shape")
        kde = _binned_kde(_grid_counts(self.points, (height, width)), self.bandwidth)
        return (1 - self.eps) * kde + self.eps / (height * width)


def fit_center_bias(
    fixations: Fixations,
    shapes,
    bandwidths: Sequence[float] = DEFAULT_BANDWIDTHS,
    epsilons: Sequence[float] = DEFAULT_EPSILONS,
    folds: int = 5,
    grid: int = 128,
    seed: int = 0,
) -> CenterBias:
    """Choose the KDE bandwidth and uniform weight by ``folds``-fold cross-validation.

    Coordinates are normalised per axis by the image's width and height, so
    images of different sizes pool. Folds split **images** (a seeded
    permutation), so fixations of one image never score a KDE that contains
    them. Each fold's KDE is binned on a ``grid x grid`` lattice; the score is
    the mean log-likelihood of held-out fixations. Pass one bandwidth and one
    epsilon to skip the search.
    """
    uv, images = _normalised_coordinates(fixations, shapes)
    bandwidths = tuple(float(b) for b in bandwidths)
    epsilons = tuple(float(e) for e in epsilons)
    if not bandwidths or not all(np.isfinite(b) and b > 0 for b in bandwidths):
        raise ValueError(f"bandwidths must be positive finite numbers, got {bandwidths}")
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"grid must be an int >= 2 (cells per side), got {grid!r}")
    check_array_size("grid", (grid, grid), copies=3, hint="grid is the cells per side")
    if not epsilons or min(epsilons) < 0 or max(epsilons) >= 1:
        raise ValueError(f"epsilons must lie in [0, 1), got {epsilons}")
    unique_images = np.unique(images)
    scores = np.zeros((len(bandwidths), len(epsilons)))
    if len(bandwidths) * len(epsilons) > 1:
        if not 2 <= folds <= len(unique_images):
            raise ValueError(
                f"folds must be between 2 and the number of images ({len(unique_images)}), "
                f"got {folds}"
            )
        fold_of_image = np.empty(unique_images.max() + 1, dtype=np.int64)
        order = np.random.default_rng(seed).permutation(len(unique_images))
        fold_of_image[unique_images[order]] = np.arange(len(unique_images)) % folds
        fold = fold_of_image[images]
        cells = np.minimum((uv * grid).astype(np.int64), grid - 1)
        eps = np.asarray(epsilons)
        for k in range(folds):
            test = fold == k
            training = _grid_counts(uv[~test], (grid, grid))
            for i, bandwidth in enumerate(bandwidths):
                p = _binned_kde(training, bandwidth) * grid * grid
                held_out = p[cells[test, 1], cells[test, 0]]
                with np.errstate(divide="ignore"):
                    scores[i] += np.log((1 - eps) * held_out[:, None] + eps).sum(axis=0)
        scores /= len(uv)
    best = np.unravel_index(np.argmax(scores), scores.shape)
    return CenterBias(
        points=uv,
        bandwidth=bandwidths[best[0]],
        eps=epsilons[best[1]],
        bandwidths=bandwidths,
        epsilons=epsilons,
        scores=scores,
    )


def center_bias(
    fixations: Fixations,
    shapes,
    out_shape: tuple[int, int],
    bandwidth: float | None = None,
    eps: float | None = None,
    folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """The centre bias of ``fixations`` as a density at ``out_shape``, summing to 1.

    ``shapes`` is one ``(H, W)`` for all images or one per image index ``n``.
    ``bandwidth`` (normalised units) and ``eps`` (uniform weight) default to the
    cross-validated choice of :func:`fit_center_bias`.
    """
    model = fit_center_bias(
        fixations,
        shapes,
        bandwidths=DEFAULT_BANDWIDTHS if bandwidth is None else (bandwidth,),
        epsilons=DEFAULT_EPSILONS if eps is None else (eps,),
        folds=folds,
        seed=seed,
    )
    return model.density(out_shape)

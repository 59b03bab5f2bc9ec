"""Features and training of a Judd-style linear saliency model, in numpy.

T. Judd, K. Ehinger, F. Durand, A. Torralba, "Learning to predict where humans
look", ICCV 2009. Judd et al. compute 33 feature maps on each image resized to
200x200, sample 10 positive pixels from the top 20 % and 10 negative pixels
from the bottom 70 % of each training image's ground-truth density map, and
train a linear SVM (liblinear) on the standardised features; the saliency map
is the linear score.

This module keeps that recipe and substitutes what is not available:

==================  ==========================================  =========================
Judd et al. 2009    here                                        why
==================  ==========================================  =========================
steerable pyramid   Gabor response, 4 orientations x 3 scales   no steerable pyramid in
(4 or. x 3 scales)                                              numpy/scipy/skimage
Itti-Koch channels  intensity, colour, orientation conspicuity  the same (our Itti-Koch)
Torralba saliency   spectral residual (Hou & Zhang 2007)        a global-spectrum feature
colour              R, G, B and colour rarity -log p(colour)    the same idea, 2 binnings
                    from 3-D histograms with 4 and 8 bins
horizon (gist)      a mid-height band prior                     no gist regressor
faces (Viola-Jones) OpenCV's LBP frontal-face cascade, run      OpenCV 5 dropped Haar
                    with scikit-image's ``Cascade``             ``CascadeClassifier``;
                                                                scikit-image ships the
                                                                OpenCV cascade file
people, cars        left out                                    no detector ships
distance to centre  the same                                    -
linear SVM          L2-regularised logistic regression          no scikit-learn; also a
                    (scipy L-BFGS)                              linear classifier
==================  ==========================================  =========================

The model's map is the classifier's probability ``sigmoid(w . f + b)`` at
200x200, a monotone transform of Judd's linear score.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.ndimage import gaussian_filter, zoom
from scipy.optimize import minimize

from .itti_koch import (
    ORIENTATIONS,
    conspicuity_maps,
    ensure_min_size,
    gabor_response,
    gaussian_pyramid,
)
from .spectral_residual import RGB2GRAY, spectral_residual_saliency

__all__ = [
    "FEATURE_NAMES",
    "SIZE",
    "detect_faces",
    "fit_logistic",
    "judd_features",
    "linear_map",
    "sample_training_pixels",
]

#: Resolution (H, W) of every feature map, as in Judd et al.
SIZE = (200, 200)
_SCALES = (0, 1, 2)
FEATURE_NAMES = (
    *(f"subband_s{s}_{int(t)}deg" for s in _SCALES for t in ORIENTATIONS),
    "itti_intensity",
    "itti_colour",
    "itti_orientation",
    "spectral_residual",
    "red",
    "green",
    "blue",
    "colour_rarity_4",
    "colour_rarity_8",
    "horizon",
    "faces",
    "centre_distance",
)
#: Width (pixels) at which faces are searched for; larger images are shrunk to it.
FACE_WIDTH = 400


def _resize(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if array.shape[:2] == tuple(shape):
        return array.astype(np.float64)
    factors = (shape[0] / array.shape[0], shape[1] / array.shape[1]) + (1,) * (array.ndim - 2)
    return zoom(array.astype(np.float64), factors, order=1, grid_mode=True, mode="nearest")


def _unit(array: np.ndarray) -> np.ndarray:
    low, high = array.min(), array.max()
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def _colour_rarity(rgb: np.ndarray, bins: int) -> np.ndarray:
    """``-log p(colour)`` with p from the image's own 3-D colour histogram."""
    index = np.minimum((rgb * bins).astype(np.int64), bins - 1)
    flat = (index[..., 0] * bins + index[..., 1]) * bins + index[..., 2]
    counts = np.bincount(flat.ravel(), minlength=bins**3)
    return -np.log(counts[flat] / flat.size)


@lru_cache(maxsize=1)
def _face_cascade():
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    return Cascade(lbp_frontal_face_cascade_filename())


def detect_faces(image: np.ndarray, width: int = FACE_WIDTH) -> list[tuple[float, float, float]]:
    """Frontal faces as ``(x_centre, y_centre, size)`` in the image's pixels (0-based).

    OpenCV's LBP frontal-face cascade (``lbpcascade_frontalface``), run by
    scikit-image on the grey image shrunk to ``width`` pixels wide.
    """
    rgb = _as_unit_rgb(image)
    scale = min(1.0, width / rgb.shape[1])
    grey = rgb @ RGB2GRAY
    if scale < 1.0:
        grey = _resize(grey, (round(grey.shape[0] * scale), round(grey.shape[1] * scale)))
    found = _face_cascade().detect_multi_scale(
        img=grey, scale_factor=1.2, step_ratio=1, min_size=(20, 20), max_size=grey.shape
    )
    return [
        (
            (f["c"] + f["width"] / 2 - 0.5) / scale,
            (f["r"] + f["height"] / 2 - 0.5) / scale,
            f["width"] / scale,
        )
        for f in found
    ]


def _as_unit_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got {image.shape}")
    if image.dtype == np.uint8:
        return image / 255.0
    image = image.astype(np.float64)
    if image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"a float image must lie in [0, 1], got values in [{image.min()}, {image.max()}]"
        )
    return image


def _faces_map(faces, shape_in: tuple[int, int]) -> np.ndarray:
    """One Gaussian blob (sigma = a third of the face size) per face, at ``SIZE``."""
    rows, cols = SIZE
    sy, sx = rows / shape_in[0], cols / shape_in[1]
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    out = np.zeros(SIZE)
    for fx, fy, size in faces:
        cx, cy = (fx + 0.5) * sx - 0.5, (fy + 0.5) * sy - 0.5
        sigma_x, sigma_y = size * sx / 3, size * sy / 3
        out = np.maximum(
            out, np.exp(-((x - cx) ** 2) / (2 * sigma_x**2) - (y - cy) ** 2 / (2 * sigma_y**2))
        )
    return out


def _position_maps() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = SIZE
    v = (np.arange(rows) + 0.5) / rows
    u = (np.arange(cols) + 0.5) / cols
    horizon = np.repeat(np.exp(-((v - 0.5) ** 2) / (2 * 0.1**2))[:, None], cols, axis=1)
    distance = np.hypot(u[None, :] - 0.5, v[:, None] - 0.5) / np.hypot(0.5, 0.5)
    return horizon, distance


def judd_features(image: np.ndarray, faces: list | None = None) -> np.ndarray:
    """The ``len(FEATURE_NAMES)`` feature maps of an RGB image, ``(F, 200, 200)``.

    Appearance features are min-max scaled to [0, 1] per image; the position
    features (horizon, distance to centre) are fixed maps. ``faces`` (from
    :func:`detect_faces`) skips the detector when given.
    """
    rgb = _as_unit_rgb(image)
    small = _resize(rgb, SIZE)
    grey = small @ RGB2GRAY
    pyramid = gaussian_pyramid(grey, levels=max(_SCALES) + 1)
    subbands = [_resize(gabor_response(pyramid[s], t), SIZE) for s in _SCALES for t in ORIENTATIONS]
    itti = conspicuity_maps(ensure_min_size(rgb))
    appearance = [
        *subbands,
        *(_resize(itti[k], SIZE) for k in ("intensity", "colour", "orientation")),
        _resize(spectral_residual_saliency(rgb), SIZE),
        small[..., 0],
        small[..., 1],
        small[..., 2],
        gaussian_filter(_colour_rarity(small, 4), 2),
        gaussian_filter(_colour_rarity(small, 8), 2),
    ]
    horizon, distance = _position_maps()
    faces = detect_faces(rgb) if faces is None else faces
    maps = [_unit(a) for a in appearance] + [horizon, _faces_map(faces, rgb.shape[:2]), distance]
    return np.stack(maps).astype(np.float64)


def sample_training_pixels(
    density: np.ndarray,
    n_positive: int = 10,
    n_negative: int = 10,
    top: float = 0.2,
    bottom: float = 0.7,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Flat pixel indices: positives from the ``top`` most fixated fraction, negatives
    from the ``bottom`` least fixated fraction of ``density`` (Judd et al.: 20 % / 70 %).
    """
    density = np.asarray(density, dtype=np.float64)
    if density.ndim != 2:
        raise ValueError(f"density must be a 2-D map, got shape {density.shape}")
    if not (0 < top < 1 and 0 < bottom < 1 and top + bottom <= 1):
        raise ValueError(
            f"top and bottom must be fractions with top + bottom <= 1, got "
            f"top={top}, bottom={bottom}"
        )
    rng = np.random.default_rng(rng)
    order = np.argsort(density.ravel(), kind="stable")[::-1]  # most fixated first
    k_top = max(1, int(round(top * order.size)))
    k_bottom = max(1, int(round(bottom * order.size)))
    positives = rng.choice(order[:k_top], size=n_positive, replace=n_positive > k_top)
    negatives = rng.choice(order[-k_bottom:], size=n_negative, replace=n_negative > k_bottom)
    return positives, negatives


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, l2: float = 1e-2
) -> tuple[np.ndarray, float, float]:
    """L2-regularised logistic regression by L-BFGS: returns ``(w, b, final loss)``.

    Minimises ``mean(log(1 + exp(-s (X w + b)))) + l2/2 |w|^2`` with ``s = +-1``.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"features must be (n, d) and labels (n,), got {x.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all() or len(np.unique(y)) != 2:
        raise ValueError("labels must be 0/1 and contain both classes")
    sign = np.where(y == 1, 1.0, -1.0)

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        margin = sign * (x @ w + b)
        loss = np.logaddexp(0.0, -margin).mean() + 0.5 * l2 * w @ w
        weight = -sign * _sigmoid(-margin) / len(sign)
        return loss, np.concatenate([x.T @ weight + l2 * w, [weight.sum()]])

    result = minimize(loss_and_grad, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B")
    return result.x[:-1], float(result.x[-1]), float(result.fun)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def linear_map(
    features: np.ndarray, w: np.ndarray, b: float, mean: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """``sigmoid(w . (f - mean) / std + b)`` for every pixel of ``(F, H, W)`` features."""
    standardised = (features - mean[:, None, None]) / std[:, None, None]
    return _sigmoid(np.tensordot(w, standardised, axes=1) + b)

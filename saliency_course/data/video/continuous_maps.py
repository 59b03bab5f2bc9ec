"""The continuous ("saliency") maps of the video datasets, as their authors make them.

* DHF1K: the official ``make_gauss_masks.m`` (wenguanwang/DHF1K; W. Wang et al.,
  CVPR 2018), one Gaussian of FWHM 30 px per fixated pixel of the fixation map.
* UCF Sports and Hollywood-2 (S. Mathe, C. Sminchisescu, IEEE TPAMI 37, 2015) in
  the DHF1K authors' layout: ``imfilter(fix, fspecial('gaussian', 150, 20),
  'replicate')``, as the DHF1K README gives it.
"""

from __future__ import annotations

import numpy as np

#: FWHM of the official Gaussian, in video pixels; the authors call it one degree.
DHF1K_FWHM_PX = 30.0
#: UCF Sports / Hollywood-2 maps: ``fspecial('gaussian', 150, 20)``.
UCF_SIGMA_PX = 20.0
UCF_KERNEL_SIZE = 150


def dhf1k_gaussian_factors(
    points_xy: np.ndarray, shape: tuple[int, int], fwhm: float = DHF1K_FWHM_PX
) -> tuple[np.ndarray, np.ndarray]:
    """The separable parts of :func:`dhf1k_saliency_map`: ``gy`` (k, H) and ``gx`` (k, W).

    The unnormalised map is ``gy.T @ gx``: Gaussian ``i`` is ``gy[i, r] * gx[i, c]``,
    centred two pixels below and right of point ``i`` as in ``make_gauss_masks.m``.
    """
    points = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    height, width = shape
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    cx = points[:, 0] + 2
    cy = points[:, 1] + 2
    gy = np.exp(-((np.arange(height)[None, :] - cy[:, None]) ** 2) / (2 * sigma**2))
    gx = np.exp(-((np.arange(width)[None, :] - cx[:, None]) ** 2) / (2 * sigma**2))
    return gy, gx


def dhf1k_saliency_map(
    points_xy: np.ndarray, shape: tuple[int, int], fwhm: float = DHF1K_FWHM_PX
) -> np.ndarray:
    """The official continuous map (``make_gauss_masks.m``): Gaussians summed, max 1.

    One Gaussian of full width at half maximum ``fwhm`` pixels (σ = fwhm / (2√(2 ln 2))
    ≈ 12.74 px for 30 px) per fixated pixel, summed and divided by the maximum.
    The authors call it on ``find(fixations)``, every pixel of the frame's
    fixation map. The official code cuts each Gaussian out of a larger one with
    an offset that puts its peak two pixels below and right of the fixated
    pixel; that shift is reproduced. ``points_xy`` is ``(k, 2)`` 0-based integer
    pixels ``(x, y)``; an empty set gives an all-zero map.
    """
    gy, gx = dhf1k_gaussian_factors(points_xy, shape, fwhm)
    if len(gy) == 0:
        return np.zeros(tuple(shape))
    mask = gy.T @ gx
    return mask / mask.max()


def ucf_saliency_map(fixation_map: np.ndarray) -> np.ndarray:
    """``imfilter(fix, fspecial('gaussian', 150, 20), 'replicate')`` (UCF Sports, Hollywood-2).

    Used when a clip ships without its ``maps/`` folder. MATLAB's even 150-tap
    kernel is centred on tap 75 (1-based), which ``scipy.ndimage.correlate``
    reproduces with ``origin=-1`` on each axis.
    """
    from scipy.ndimage import correlate1d

    taps = np.arange(UCF_KERNEL_SIZE) - (UCF_KERNEL_SIZE - 1) / 2
    kernel = np.exp(-(taps**2) / (2 * UCF_SIGMA_PX**2))
    kernel /= kernel.sum()
    out = np.asarray(fixation_map, dtype=np.float64)
    for axis in (0, 1):
        out = correlate1d(out, kernel, axis=axis, mode="nearest", origin=-1)
    return out

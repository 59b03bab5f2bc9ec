"""Spectral-residual saliency in numpy.

X. Hou and L. Zhang, "Saliency detection: a spectral residual approach",
CVPR 2007. The paper prints its MATLAB code (five lines); this module follows
that code step by step:

1. grey image (MATLAB ``rgb2gray`` weights) resized to 64 px wide with MATLAB's
   default bicubic ``imresize`` (:func:`saliency_course.resize.imresize`);
2. log-amplitude ``L`` and phase ``P`` of its 2-D FFT;
3. spectral residual ``R = L - h * L`` with ``h`` the 3x3 average filter
   (replicated borders);
4. ``S = |IFFT(exp(R + iP))|**2``;
5. smoothed with MATLAB's ``fspecial('gaussian', [10 10], 2.5)`` (zero borders)
   and min-max scaled (``mat2gray``).

Where paper and code differ we follow the code: the text smooths with a
Gaussian of sigma 8, the printed code with sigma 2.5 on a 10x10 window.
A zero Fourier coefficient (log of 0) is clamped to the smallest positive
float instead of giving ``-inf``.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter
from scipy.signal import correlate2d

from ..resize import imresize

__all__ = [
    "RGB2GRAY",
    "WIDTH",
    "residual_saliency",
    "spectral_residual_saliency",
    "spectral_residual_steps",
]

#: Image width (pixels) at which the spectrum is analysed.
WIDTH = 64
#: MATLAB ``rgb2gray`` weights.
RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])


def _fspecial_gaussian(size: int, sigma: float) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', [size size], sigma)``."""
    half = (size - 1) / 2.0
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def _imfilter_zero(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """MATLAB ``imfilter(image, kernel)``: correlation, zero borders, same size.

    The kernel's centre is MATLAB's ``floor((size + 1) / 2)`` (1-based), so an
    even kernel hangs one pixel further below/right than above/left.
    """
    rows, cols = kernel.shape
    top, left = (rows - 1) // 2, (cols - 1) // 2
    padded = np.pad(image, ((top, rows - 1 - top), (left, cols - 1 - left)))
    return correlate2d(padded, kernel, mode="valid")


def _residual_steps(grey: np.ndarray) -> tuple[np.ndarray, ...]:
    """Steps 2-4: log amplitude, its 3x3 average, the residual and the unsmoothed map."""
    spectrum = np.fft.fft2(grey)
    log_amplitude = np.log(np.maximum(np.abs(spectrum), np.finfo(np.float64).tiny))
    phase = np.angle(spectrum)
    smoothed = uniform_filter(log_amplitude, size=3, mode="nearest")
    residual = log_amplitude - smoothed
    raw = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    return log_amplitude, smoothed, residual, raw


def residual_saliency(grey: np.ndarray) -> np.ndarray:
    """Steps 2-4 on a grey image: ``|IFFT(exp(R + iP))|**2``, before the Gaussian smoothing.

    ``R`` is the log amplitude minus its 3x3 average (MATLAB's ``imfilter`` with
    ``'replicate'`` borders, i.e. ``uniform_filter(mode="nearest")``), ``P`` the phase.
    """
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim != 2 or min(grey.shape) < 3:
        raise ValueError(f"grey must be a 2-D image of at least 3x3 pixels, got {grey.shape}")
    return _residual_steps(grey)[3]


def spectral_residual_steps(image: np.ndarray, width: int = WIDTH) -> dict[str, np.ndarray]:
    """Every intermediate of Hou & Zhang's method, for teaching.

    Keys: ``grey`` (the image at ``width`` px wide), ``log_amplitude`` and
    ``smoothed_log_amplitude`` (FFT-shifted so that frequency 0 is in the middle),
    ``residual`` (also shifted), ``raw`` (before smoothing) and ``saliency`` (in [0, 1]).
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got {image.shape}")
    if not isinstance(width, int) or width < 8:
        raise ValueError(f"width must be an int >= 8, got {width!r}")
    rgb = image / 255.0 if image.dtype == np.uint8 else image.astype(np.float64)
    grey = imresize(rgb @ RGB2GRAY, width / rgb.shape[1])
    log_amplitude, smoothed, residual, raw = _residual_steps(grey)
    smooth = _imfilter_zero(raw, _fspecial_gaussian(10, 2.5))
    low, high = smooth.min(), smooth.max()
    saliency = (smooth - low) / (high - low) if high > low else np.zeros_like(smooth)
    shift = np.fft.fftshift
    return {
        "grey": grey,
        "log_amplitude": shift(log_amplitude),
        "smoothed_log_amplitude": shift(smoothed),
        "residual": shift(residual),
        "raw": raw,
        "saliency": saliency,
    }


def spectral_residual_saliency(image: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """Hou & Zhang's saliency map of an RGB image, at ``width`` pixels wide, in [0, 1]."""
    return spectral_residual_steps(image, width)["saliency"]

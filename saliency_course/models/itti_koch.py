"""The Itti-Koch-Niebur saliency model in numpy.

L. Itti, C. Koch, E. Niebur, "A model of saliency-based visual attention for
rapid scene analysis", IEEE TPAMI 20(11):1254-1259, 1998.

What the paper specifies and this module does:

* nine-level dyadic Gaussian pyramids (level 0 = the input, each next level
  blurred with the separable 5-tap filter [1 4 6 4 1]/16 and subsampled by 2);
* intensity ``I = (r + g + b) / 3``; ``r, g, b`` divided by ``I`` where ``I``
  exceeds a tenth of its maximum (zero elsewhere); broadly tuned colour
  channels ``R = r - (g+b)/2``, ``G = g - (r+b)/2``, ``B = b - (r+g)/2``,
  ``Y = (r+g)/2 - |r-g|/2 - b`` (negative values set to zero);
* centre-surround differences ``|F(c) - F(s)|`` (the surround interpolated to
  the centre level) for ``c in {2, 3, 4}``, ``s = c + delta``, ``delta in {3, 4}``:
  6 intensity, 12 colour double-opponency and 24 orientation maps;
* the normalisation operator N(.): scale to [0, M], then multiply by
  ``(M - mean of the other local maxima)**2``;
* conspicuity maps summed across scales at level 4 and
  ``S = (N(I) + N(C) + N(O)) / 3``.

Deviations, stated: the paper writes the colour maps as
``RG(c,s) = |(R-G)(c) (-) (G-R)(s)|``, which taken literally *adds* the
surround; like the authors' iLab toolkit and the SaliencyToolbox we compute
the double-opponent difference ``|(R-G)(c) - (R-G)(s)|`` (and likewise B-Y).
Orientation maps are Gabor responses ``|even| + |odd|`` of a quadrature
pair (period 7 px, sigma 2.33 px, 9x9 kernel: the defaults of Walther &
Koch's SaliencyToolbox, 2006) computed on each intensity-pyramid level, where the
paper used Greenspan et al.'s oriented Laplacian pyramids; local maxima for
N(.) are the pixels equal to the maximum of their 3x3 neighbourhood and above
zero; the winner-take-all / inhibition-of-return network (which orders
attended locations) is not part of the saliency map and is left out.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve, convolve1d, maximum_filter, zoom

__all__ = [
    "CENTRES",
    "DELTAS",
    "ORIENTATIONS",
    "conspicuity_maps",
    "ensure_min_size",
    "gabor_response",
    "gaussian_pyramid",
    "itti_koch_saliency",
    "normalization_operator",
]

CENTRES = (2, 3, 4)
DELTAS = (3, 4)
ORIENTATIONS = (0.0, 45.0, 90.0, 135.0)
LEVELS = 9
MAP_LEVEL = 4
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
#: Smallest input (H, W) whose level 8 still has at least one pixel each way.
MIN_SIZE = (2 ** (LEVELS - 1), 2 ** (LEVELS - 1))


def gaussian_pyramid(image: np.ndarray, levels: int = LEVELS) -> list[np.ndarray]:
    """Dyadic Gaussian pyramid: level ``k`` has ``ceil(size / 2**k)`` pixels per axis."""
    pyramid = [np.asarray(image, dtype=np.float64)]
    for _ in range(levels - 1):
        blurred = convolve1d(pyramid[-1], _BINOMIAL, axis=0, mode="reflect")
        blurred = convolve1d(blurred, _BINOMIAL, axis=1, mode="reflect")
        pyramid.append(blurred[::2, ::2])
    return pyramid


def _gabor_pair(theta_deg: float, period: float = 7.0, sigma: float = 2.33, size: int = 9):
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    theta = np.deg2rad(theta_deg)
    # theta is the orientation of the bars: the carrier varies across them.
    across = x * np.sin(theta) + y * np.cos(theta)
    envelope = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    even = envelope * np.cos(2 * np.pi * across / period)
    odd = envelope * np.sin(2 * np.pi * across / period)
    even -= even.mean()  # no response to uniform regions
    return even, odd


def gabor_response(image: np.ndarray, theta_deg: float) -> np.ndarray:
    """``|even * image| + |odd * image|`` for the quadrature Gabor pair at ``theta_deg``.

    The sum over the 0 and 90 degree phases is the SaliencyToolbox's ``gaborFilterMap``.
    """
    even, odd = _gabor_pair(theta_deg)
    return np.abs(convolve(image, even, mode="reflect")) + np.abs(
        convolve(image, odd, mode="reflect")
    )


def _interpolate(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resampling of a pyramid level to ``shape`` (the surround to the centre)."""
    if array.shape == shape:
        return array
    out = zoom(array, (shape[0] / array.shape[0], shape[1] / array.shape[1]), order=1)
    return out[: shape[0], : shape[1]]


def normalization_operator(feature: np.ndarray, top: float = 1.0) -> np.ndarray:
    """Itti's N(.): scale to [0, top], then weight by ``(top - mean other local maxima)**2``.

    A map with one strong peak keeps it; a map with many comparable peaks is
    suppressed. A constant map carries no information and becomes all zeros.
    """
    feature = np.asarray(feature, dtype=np.float64)
    low, high = feature.min(), feature.max()
    if not high > low:
        return np.zeros_like(feature)
    scaled = (feature - low) / (high - low) * top
    peaks = (scaled == maximum_filter(scaled, size=3, mode="constant", cval=-np.inf)) & (scaled > 0)
    values = np.sort(scaled[peaks])[:-1]  # every local maximum but the global one
    mean_others = values.mean() if values.size else 0.0
    return scaled * (top - mean_others) ** 2


def _center_surround(pyramid: list[np.ndarray]):
    """``|F(c) - F(s)|`` for the 6 (c, s) pairs, each at level c."""
    for c in CENTRES:
        for delta in DELTAS:
            centre = pyramid[c]
            surround = _interpolate(pyramid[c + delta], centre.shape)
            yield c, np.abs(centre - surround)


def _across_scale_sum(maps_at_levels, shape: tuple[int, int]) -> np.ndarray:
    """Itti's across-scale addition: bring every map to ``shape`` (level 4) and add."""
    total = np.zeros(shape)
    for _, feature in maps_at_levels:
        total += _interpolate(normalization_operator(feature), shape)
    return total


def _check_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got {image.shape}")
    if image.shape[0] < MIN_SIZE[0] or image.shape[1] < MIN_SIZE[1]:
        raise ValueError(
            f"image must be at least {MIN_SIZE} pixels for a 9-level pyramid, got {image.shape[:2]}"
        )
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    image = image.astype(np.float64)
    if image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"a float image must lie in [0, 1], got values in [{image.min()}, {image.max()}]"
        )
    return image


def ensure_min_size(image: np.ndarray) -> np.ndarray:
    """Enlarge (bilinearly, aspect kept) an RGB image smaller than :data:`MIN_SIZE`."""
    height, width = image.shape[:2]
    factor = max(MIN_SIZE[0] / height, MIN_SIZE[1] / width)
    if factor <= 1:
        return image
    shape = (int(np.ceil(height * factor)), int(np.ceil(width * factor)))
    channels = [_interpolate(image[..., k].astype(np.float64), shape) for k in range(3)]
    out = np.stack(channels, axis=-1)
    return np.clip(out, 0, 255 if image.dtype == np.uint8 else 1).astype(image.dtype)


def conspicuity_maps(image: np.ndarray) -> dict[str, np.ndarray]:
    """The intensity, colour and orientation conspicuity maps at pyramid level 4.

    ``image`` is RGB, uint8 or float in [0, 1], at least 256x256 pixels.
    """
    rgb = _check_rgb(image)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    intensity = (r + g + b) / 3.0
    lit = intensity > 0.1 * intensity.max()
    safe = np.where(lit, intensity, 1.0)
    r, g, b = (np.where(lit, channel / safe, 0.0) for channel in (r, g, b))
    red = np.maximum(r - (g + b) / 2, 0)
    green = np.maximum(g - (r + b) / 2, 0)
    blue = np.maximum(b - (r + g) / 2, 0)
    yellow = np.maximum((r + g) / 2 - np.abs(r - g) / 2 - b, 0)

    i_pyr = gaussian_pyramid(intensity)
    shape = i_pyr[MAP_LEVEL].shape
    # The pyramid is linear, so pyramid(R) - pyramid(G) == pyramid(R - G).
    rg_pyr = gaussian_pyramid(red - green)
    by_pyr = gaussian_pyramid(blue - yellow)

    intensity_map = _across_scale_sum(_center_surround(i_pyr), shape)
    colour_map = _across_scale_sum(_center_surround(rg_pyr), shape) + _across_scale_sum(
        _center_surround(by_pyr), shape
    )
    orientation_map = np.zeros(shape)
    for theta in ORIENTATIONS:
        o_pyr = [
            gabor_response(level, theta) if k >= min(CENTRES) else None
            for k, level in enumerate(i_pyr)
        ]
        orientation_map += normalization_operator(_across_scale_sum(_center_surround(o_pyr), shape))
    return {"intensity": intensity_map, "colour": colour_map, "orientation": orientation_map}


def itti_koch_saliency(image: np.ndarray) -> np.ndarray:
    """The saliency map ``(N(I) + N(C) + N(O)) / 3`` at pyramid level 4 (1/16 of the input)."""
    maps = conspicuity_maps(image)
    return sum(normalization_operator(m) for m in maps.values()) / 3.0

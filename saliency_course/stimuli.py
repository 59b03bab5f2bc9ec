"""Change-blindness stimuli: an image and a copy with one region changed.

The flicker paradigm of Rensink, O'Regan & Clark (1997, "To see or not to see:
the need for attention to perceive changes in scenes", Psychological Science
8:368-373) alternates an image with a modified copy in which one object was
removed, recoloured or moved. They found changes to "central interest" objects
far faster to detect than changes to "marginal interest" ones. Here the region
to change is a SLIC superpixel (Achanta et al., TPAMI 2012) chosen in a high- or
a low-saliency place of a saliency map (a centre prior by default, or any model
of the package), so students can test whether salient changes are found sooner.

Every pixel outside the returned ``mask`` is exactly equal in both images.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage
from scipy.stats import rankdata
from skimage.color import hsv2rgb, rgb2hsv
from skimage.segmentation import slic
from skimage.transform import resize

KINDS = ("remove", "recolor", "move")
PLACEMENTS = ("high", "low")
_MIN_CONTRAST = 12.0  # mean |RGB difference| to the surround, for remove/move


@dataclass(frozen=True, eq=False)
class ChangeStimulus:
    """An image pair for a change-detection trial.

    ``mask`` is True wherever ``changed`` may differ from ``original``;
    ``center`` is the ``(x, y)`` centroid of the mask in pixels;
    ``saliency_rank`` is where the changed region's mean saliency falls among
    all candidate regions (0 = least salient, 1 = most salient; ties share
    their average rank).
    """

    original: np.ndarray
    changed: np.ndarray
    mask: np.ndarray
    kind: str
    placement: str
    center: tuple[float, float]
    saliency_rank: float

    @property
    def area_fraction(self) -> float:
        """Share of the image's pixels inside the change mask."""
        return float(self.mask.mean())


def center_prior(shape: tuple[int, int], sigma_fraction: float = 0.25) -> np.ndarray:
    """A Gaussian centre-bias map summing to 1, sigma a fraction of each side.

    The default centre bias of this module when no saliency map is given
    (like the centre feature of Judd et al., ICCV 2009).
    """
    height, width = _check_shape(shape)
    if not sigma_fraction > 0:
        raise ValueError(f"sigma_fraction must be > 0, got {sigma_fraction!r}")
    ys = (np.arange(height) - (height - 1) / 2) / (sigma_fraction * height)
    xs = (np.arange(width) - (width - 1) / 2) / (sigma_fraction * width)
    prior = np.exp(-0.5 * (ys[:, None] ** 2 + xs[None, :] ** 2))
    return prior / prior.sum()


def model_saliency(model, image: np.ndarray, device=None) -> np.ndarray:
    """A model's saliency map of ``image`` at its size (a log-density is exponentiated).

    ``model``: a ``torch.nn.Module`` of :mod:`saliency_course.models` (it has
    ``output_kind``) or any callable ``image -> (H, W) map``.
    """
    if hasattr(model, "output_kind"):
        from .models import predict

        result = predict(model, image, device=device)
        return np.exp(result) if model.output_kind == "log_density" else result
    if callable(model):
        result = np.asarray(model(image), dtype=np.float64)
        if result.ndim != 2:
            raise ValueError(f"model(image) must return an (H, W) map, got shape {result.shape}")
        return result
    raise ValueError(f"model must be a package model or a callable, got {type(model).__name__}")


def saliency_for(image: np.ndarray, saliency=None) -> np.ndarray:
    """The saliency map used to place a change, at the image's size.

    ``saliency`` may be ``None`` (centre prior), an ``(h, w)`` array (resized
    bilinearly), a model name of :func:`saliency_course.models.build_model`
    (built with its published weights; baselines need none), a built model, or
    a callable ``image -> map`` (see :func:`model_saliency`).
    """
    image = check_rgb_image(image)
    shape = image.shape[:2]
    if saliency is None:
        return center_prior(shape)
    if isinstance(saliency, str):
        from .models import build_model

        saliency = build_model(saliency)
    if not isinstance(saliency, np.ndarray) and (
        callable(saliency) or hasattr(saliency, "output_kind")
    ):
        saliency = model_saliency(saliency, image)
    array = np.asarray(saliency, dtype=np.float64)
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise ValueError(
            f"saliency must be a finite 2-D map, got shape {array.shape} "
            f"(finite: {bool(np.all(np.isfinite(array)))})"
        )
    if array.shape != shape:
        array = resize(array, shape, order=1, mode="edge", anti_aliasing=False)
    return array


def make_change(
    image: np.ndarray,
    kind: str = "recolor",
    placement: str = "high",
    saliency=None,
    n_segments: int = 60,
    area_range: tuple[float, float] = (0.004, 0.04),
    top: int = 3,
    seed: int | None = 0,
) -> ChangeStimulus:
    """Change one region of ``image`` in a high- or low-saliency place.

    kind: ``"remove"`` (inpainted away with OpenCV's Telea method),
        ``"recolor"`` (hue turned by 180 degrees, saturation raised so grey
        regions change too) or ``"move"`` (region pasted one region-width away,
        its old place inpainted).
    placement: ``"high"`` picks among the ``top`` candidate regions of highest
        mean saliency, ``"low"`` among those of lowest; ``seed`` picks which.
    saliency: see :func:`saliency_for` (default: a centre prior).
    Candidate regions are SLIC superpixels covering ``area_range`` of the
    image, not touching its border (and, for remove/move, differing from their
    surround so that the change is visible once attended).
    """
    image = check_rgb_image(image)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    low, high = area_range
    if not 0 < low < high < 1:
        raise ValueError(
            f"area_range must be (low, high) with 0 < low < high < 1, got {area_range}"
        )
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    rng = np.random.default_rng(seed)
    smap = saliency_for(image, saliency)
    segments = slic(image, n_segments=n_segments, compactness=10, start_label=0)
    candidates, scores = _candidates(image, segments, smap, area_range, kind != "recolor")
    if not candidates:
        raise ValueError(
            f"image has no region covering {area_range} of its area away from the border; "
            f"try another n_segments (got {n_segments}) or a wider area_range"
        )
    order = np.argsort(scores, kind="stable")
    pool = order[::-1][:top] if placement == "high" else order[:top]
    pick = int(rng.choice(pool))
    region = segments == candidates[pick]
    changed, mask = _APPLY[kind](image, region, rng)
    outside = ~mask
    changed[outside] = image[outside]
    ys, xs = np.nonzero(mask)
    rank = float((rankdata(scores)[pick] - 1) / max(len(scores) - 1, 1))
    return ChangeStimulus(
        original=image.copy(),
        changed=changed,
        mask=mask,
        kind=kind,
        placement=placement,
        center=(float(xs.mean()), float(ys.mean())),
        saliency_rank=rank,
    )


def _candidates(image, segments, smap, area_range, need_contrast):
    height, width = segments.shape
    labels = np.arange(segments.max() + 1)
    area = ndimage.sum_labels(np.ones_like(segments), segments, labels) / segments.size
    mean_saliency = ndimage.mean(smap, segments, labels)
    border = np.unique(np.concatenate([segments[0], segments[-1], segments[:, 0], segments[:, -1]]))
    keep = []
    for label in labels:
        if label in border or not area_range[0] <= area[label] <= area_range[1]:
            continue
        if need_contrast and _contrast(image, segments == label) < _MIN_CONTRAST:
            continue
        keep.append(int(label))
    return keep, np.asarray([mean_saliency[k] for k in keep])


def _contrast(image, region) -> float:
    ring = ndimage.binary_dilation(region, iterations=6) & ~region
    inside = image[region].astype(np.float64).mean(axis=0)
    around = image[ring].astype(np.float64).mean(axis=0)
    return float(np.abs(inside - around).mean())


def _inpaint(image, mask) -> np.ndarray:
    return cv2.inpaint(np.ascontiguousarray(image), mask.astype(np.uint8), 7, cv2.INPAINT_TELEA)


def _remove(image, region, rng):
    mask = ndimage.binary_dilation(region, iterations=2)
    return _inpaint(image, mask), mask


def _recolor(image, region, rng):
    hsv = rgb2hsv(image)
    patch = hsv[region]
    patch[:, 0] = (patch[:, 0] + 0.5) % 1.0
    patch[:, 1] = np.maximum(patch[:, 1], 0.6)
    patch[:, 2] = np.clip(patch[:, 2], 0.3, 0.95)
    hsv[region] = patch
    changed = np.round(hsv2rgb(hsv) * 255).astype(np.uint8)
    return changed, region.copy()


def _move(image, region, rng):
    ys, xs = np.nonzero(region)
    height, width = region.shape
    box_h, box_w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    shifts = [(0, box_w), (0, -box_w), (box_h, 0), (-box_h, 0)]
    fits = [
        (dy, dx)
        for dy, dx in shifts
        if 0 <= ys.min() + dy
        and ys.max() + dy < height
        and 0 <= xs.min() + dx
        and xs.max() + dx < width
    ]
    if not fits:
        raise ValueError("region too large to move inside the image; lower area_range")
    dy, dx = fits[int(rng.integers(len(fits)))]
    hole = ndimage.binary_dilation(region, iterations=2)
    changed = _inpaint(image, hole)
    changed[ys + dy, xs + dx] = image[ys, xs]
    moved = np.zeros_like(region)
    moved[ys + dy, xs + dx] = True
    return changed, hole | moved


_APPLY: dict[str, Callable] = {"remove": _remove, "recolor": _recolor, "move": _move}


def check_rgb_image(image) -> np.ndarray:
    """``image`` as an array if it is uint8 RGB ``(H, W, 3)``, else a ``ValueError``."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(
            "image must be a uint8 RGB array (H, W, 3), "
            f"got dtype {array.dtype} shape {array.shape}"
        )
    return array


def _check_shape(shape) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"shape must be (H, W) with positive sides, got {shape!r}")
    return int(shape[0]), int(shape[1])

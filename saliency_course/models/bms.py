"""Boolean Map Saliency (BMS): saliency from surroundedness (Zhang & Sclaroff).

J. Zhang, S. Sclaroff. "Saliency Detection: A Boolean Map Approach", ICCV 2013;
"Exploiting Surroundedness for Saliency Detection: A Boolean Map Approach",
IEEE TPAMI 38(5):889-902, 2016. Official C++ code (MIT licence):
github.com/jimmie33/BMS (``BMS/src/BMS.cpp``, ``main.cpp``), the same as the
``BMS_v2.zip`` of the project page, whose ``BMS.m`` wrapper sets the parameters.

The idea (Gestalt figure-ground): threshold a feature map at many levels; in
each resulting *Boolean map*, a region that does not touch the image border is
*surrounded* -- a figure -- and attracts the eyes. Averaging over all
thresholds and features gives the saliency map. We follow the TPAMI version as
the released code computes it (``variant`` is not offered; the ICCV 2013
differences are listed below):

1. Resize the image so that its longer side is ``max_dim = 400`` px (OpenCV
   ``INTER_AREA``).
2. Features: the image in CIE Lab (OpenCV's 8-bit ``RGB2Lab``), **whitened**: the
   pixels' colour covariance plus ``50 I`` is decomposed as ``U diag(w) U^T`` and
   the (uncentred) pixels are mapped by ``U diag(w^-1/2)``; each of the three
   channels is stretched to 0-255, rounded to 8 bits and median-filtered (3x3).
3. Boolean maps: ``feature > t`` for ``t = min, min + delta, ... < max``,
   ``delta = 8``.
4. Attention map of a Boolean map: the 8-connected regions of the map *and of its
   complement* that touch the image border are removed (the code flood-fills
   from every border pixel); what is left is split into its surrounded
   foreground and surrounded background, each dilated by a square of width
   ``omega = 7`` and L2-normalised (an empty one stays zero); their sum is the
   attention map.
5. The mean attention map is stretched to 0-255 (8 bits), dilated by a square
   of width ``kappa = 9`` and blurred with a Gaussian of ``sigma = 9`` px (a
   37 x 37 kernel); ``predict`` resizes it to the image (bilinear).

Two details of the code that the paper does not state, both reproduced:

* The code reads the image with OpenCV (BGR) and converts it with ``RGB2Lab``, so
  the red and blue channels are swapped before the Lab conversion
  (``swap_rb=True``, the default; ``swap_rb=False`` gives true CIE Lab).
* The eigenvectors' signs are arbitrary (OpenCV's SVD picks them); a flipped
  sign mirrors one feature map, which moves the sampled thresholds. We make the
  largest entry of each eigenvector positive, so the result is deterministic.

The ICCV 2013 version (first commit of the same repository) differed: width
600 px, Lab without whitening, the Boolean map and its complement thresholded
separately and each opened morphologically, one L2-normalised attention map
per Boolean map. Connected components come from :func:`scipy.ndimage.label`;
colour conversion, resizing and the morphological filters use OpenCV, as the
official code does.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from .classic import ClassicModel

MAX_DIM = 400
STEP = 8
DILATION_WIDTH = 7  # omega, the attention maps' dilation
POST_DILATION_WIDTH = 9  # kappa, the final map's dilation
BLUR_SIGMA = 9.0
COVARIANCE_REGULARISATION = 50.0
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _check_uint8_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"image must be a uint8 RGB array (H, W, 3), got {image.dtype} {image.shape}"
        )
    return image


def _check_width(name: str, width: int) -> int:
    if not isinstance(width, (int, np.integer)) or width < 1 or width % 2 == 0:
        raise ValueError(f"{name} must be an odd int >= 1 (a kernel width), got {width!r}")
    return (int(width) - 1) // 2  # OpenCV iterations of a 3x3 square


def _check_parameters(max_dim, step, dilation_width, post_dilation_width, blur_sigma) -> None:
    if not isinstance(max_dim, (int, np.integer)) or max_dim < 16:
        raise ValueError(f"max_dim must be an int >= 16, got {max_dim!r}")
    if not isinstance(step, (int, float)) or not step > 0:
        raise ValueError(f"step must be a number > 0, got {step!r}")
    if not isinstance(blur_sigma, (int, float)) or not blur_sigma >= 0:
        raise ValueError(f"blur_sigma must be a number >= 0, got {blur_sigma!r}")
    _check_width("dilation_width", dilation_width)
    _check_width("post_dilation_width", post_dilation_width)


def resize_to_max_dim(image: np.ndarray, max_dim: int = MAX_DIM) -> np.ndarray:
    """``image`` resized (``INTER_AREA``) so that its longer side is ``max_dim``, as the code."""
    height, width = image.shape[:2]
    longest = max(height, width)
    size = (max(int(max_dim * width / longest), 1), max(int(max_dim * height / longest), 1))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def feature_maps(image: np.ndarray, whiten: bool = True, swap_rb: bool = True) -> np.ndarray:
    """The three 8-bit feature maps ``(3, H, W)`` of a uint8 RGB image (steps 2 of the module)."""
    image = _check_uint8_rgb(image)
    lab = cv2.cvtColor(
        np.ascontiguousarray(image[..., ::-1] if swap_rb else image), cv2.COLOR_RGB2Lab
    )
    if not whiten:
        channels = [cv2.normalize(c, None, 0, 255, cv2.NORM_MINMAX) for c in cv2.split(lab)]
        return np.stack([cv2.medianBlur(c, 3) for c in channels])
    samples = lab.reshape(-1, 3).astype(np.float64)
    centred = samples - samples.mean(axis=0)
    covariance = centred.T @ centred / len(samples) + COVARIANCE_REGULARISATION * np.eye(3)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    largest = eigenvectors[np.abs(eigenvectors).argmax(axis=0), np.arange(3)]
    eigenvectors = eigenvectors * np.sign(largest)
    whitened = samples @ (eigenvectors / np.sqrt(eigenvalues))
    maps = []
    for channel in whitened.T.reshape(3, *lab.shape[:2]):
        low, high = channel.min(), channel.max()
        scaled = (channel - low) * (255.0 / (high - low)) if high > low else np.zeros_like(channel)
        maps.append(cv2.medianBlur(np.rint(scaled).astype(np.uint8), 3))
    return np.stack(maps)


def surrounded(boolean_map: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The surrounded foreground and background of a Boolean map.

    A pixel is surrounded when its 8-connected region (of the map, or of its
    complement) does not touch the image border.
    """
    boolean_map = np.asarray(boolean_map, dtype=bool)
    if boolean_map.ndim != 2 or min(boolean_map.shape) < 1:
        raise ValueError(f"boolean_map must be a 2-D array, got shape {boolean_map.shape}")
    parts = []
    for region in (boolean_map, ~boolean_map):
        labels, _ = ndimage.label(region, structure=EIGHT_CONNECTED)
        border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
        touching = np.unique(border[border > 0])
        parts.append(region & ~np.isin(labels, touching))
    return parts[0], parts[1]


def _l2_normalised(mask: np.ndarray) -> np.ndarray:
    values = mask.astype(np.float32)
    norm = float(np.sqrt(np.sum(values.astype(np.float64) ** 2)))
    return values / norm if norm > np.finfo(np.float64).eps else values


def attention_map(boolean_map: np.ndarray, dilation_width: int = DILATION_WIDTH) -> np.ndarray:
    """Surrounded foreground + background, each dilated and L2-normalised (step 4)."""
    iterations = _check_width("dilation_width", dilation_width)
    result = np.zeros(np.shape(boolean_map), dtype=np.float32)
    for part in surrounded(boolean_map):
        mask = part.astype(np.uint8)
        if iterations:
            mask = cv2.dilate(mask, None, iterations=iterations)
        result += _l2_normalised(mask)
    return result


def bms_saliency(
    image: np.ndarray,
    max_dim: int = MAX_DIM,
    step: float = STEP,
    dilation_width: int = DILATION_WIDTH,
    post_dilation_width: int = POST_DILATION_WIDTH,
    blur_sigma: float = BLUR_SIGMA,
    whiten: bool = True,
    swap_rb: bool = True,
) -> np.ndarray:
    """The BMS map of a uint8 RGB image, at the working size (longer side ``max_dim``).

    Values are the code's 8-bit levels (0-255) as floats.
    """
    image = _check_uint8_rgb(image)
    _check_parameters(max_dim, step, dilation_width, post_dilation_width, blur_sigma)
    post_iterations = _check_width("post_dilation_width", post_dilation_width)
    small = resize_to_max_dim(image, max_dim)
    total = np.zeros(small.shape[:2], dtype=np.float32)
    for feature in feature_maps(small, whiten=whiten, swap_rb=swap_rb):
        low, high = float(feature.min()), float(feature.max())
        for threshold in np.arange(low, high, step):
            total += attention_map(feature > threshold, dilation_width)
    result = cv2.normalize(total, None, 0, 255, cv2.NORM_MINMAX)
    result = np.rint(result).astype(np.uint8)
    if post_iterations:
        result = cv2.dilate(result, None, iterations=post_iterations)
    if blur_sigma > 0:
        width = int(min(np.floor(blur_sigma) * 4 + 1, 51))
        result = cv2.GaussianBlur(result, (width, width), blur_sigma, sigmaY=blur_sigma)
    return result.astype(np.float64)


class BMSModel(ClassicModel):
    """BMS behind the model interface: fed at the image's own size (``input_size = None``)."""

    def __init__(self, **options) -> None:
        super().__init__()
        self.options = dict(options)

    def saliency(self, rgb: np.ndarray) -> np.ndarray:
        image = np.rint(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
        return bms_saliency(image, **self.options)


def build_bms(
    pretrained: bool = False,
    max_dim: int = MAX_DIM,
    step: float = STEP,
    dilation_width: int = DILATION_WIDTH,
    post_dilation_width: int = POST_DILATION_WIDTH,
    blur_sigma: float = BLUR_SIGMA,
    whiten: bool = True,
    swap_rb: bool = True,
) -> BMSModel:
    """BMS with the official code's parameters (nothing to load: ``pretrained`` is ignored)."""
    _check_parameters(max_dim, step, dilation_width, post_dilation_width, blur_sigma)
    return BMSModel(
        max_dim=int(max_dim),
        step=step,
        dilation_width=dilation_width,
        post_dilation_width=post_dilation_width,
        blur_sigma=blur_sigma,
        whiten=whiten,
        swap_rb=swap_rb,
    )

"""``predict``: one uint8 RGB image in, one map at the image's size out.

Each model carries its authors' **input policy** (:class:`InputPolicy`): feed
the image at its native resolution (DeepGaze), fit it inside a box keeping its
aspect ratio (SalNet: 320x320, never enlarged) or resize it to a fixed size
(SalGAN: 256x192). ``predict`` applies it, normalises the pixels with the
model's ``input_mean`` / ``input_std`` (ImageNet statistics unless the model
sets its own), runs the model without gradients and applies the model's value
``postprocess`` if it has one (e.g. SalNet's ``128 * y + 127``). With
``postprocess="official"`` (the default) a model's ``official_postprocess``
then brings the map to the image's size as its authors' wrapper did (SalNet,
SalGAN: bicubic resize, 5x5 Gaussian blur, clipping, ...); every other map, and
every map with ``postprocess="raw"``, is resized bilinearly. A log-density is
renormalised so that ``logsumexp == 0`` at the image's size.

A model without ``input_policy`` is fed at its ``input_size`` when it has one,
else at the image's own size. ``input_size=`` overrides any policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
POLICY_KINDS = ("native", "fit", "fixed")
RESIZE_METHODS = ("antialias", "cv2_linear", "cv2_area")
POSTPROCESS = ("official", "raw")
BLUR_SIZE = 5  # the 5x5 Gaussian of the SalNet and SalGAN wrappers (OpenCV's sigma for 5: 1.1)


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            "image must be a uint8 RGB array of shape (H, W, 3), "
            f"got dtype {image.dtype} and shape {image.shape}"
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must have at least one pixel, got shape {image.shape}")
    return image


def _check_size(size: Sequence[int], name: str = "size") -> tuple[int, int]:
    if len(size) != 2 or any(int(s) != s or s < 1 for s in size):
        raise ValueError(f"{name} must be a pair of positive ints (H, W), got {size!r}")
    return int(size[0]), int(size[1])


@dataclass(frozen=True)
class InputPolicy:
    """How a model's authors sized an image before their network saw it.

    ``kind``: ``"native"`` (the image as it is), ``"fit"`` (scaled by one factor so
    that it fits inside ``size``; enlarged too unless ``upscale=False``) or
    ``"fixed"`` (resized to ``size`` whatever its aspect ratio). ``resize``:
    ``"antialias"`` (bilinear with antialiasing), ``"cv2_linear"`` or
    ``"cv2_area"`` (OpenCV's ``INTER_LINEAR`` / ``INTER_AREA``, as the authors'
    code called it); ``uint8`` resizes the 8-bit image (as code that read it with
    OpenCV did) rather than its float copy.
    """

    kind: str
    size: tuple[int, int] | None = None
    upscale: bool = True
    resize: str = "antialias"
    uint8: bool = False

    def __post_init__(self) -> None:
        if self.kind not in POLICY_KINDS:
            raise ValueError(f"kind must be one of {POLICY_KINDS}, got {self.kind!r}")
        if self.resize not in RESIZE_METHODS:
            raise ValueError(f"resize must be one of {RESIZE_METHODS}, got {self.resize!r}")
        if self.kind == "native" and self.size is not None:
            raise ValueError(f"size must be None for a native policy, got {self.size!r}")
        if self.kind != "native":
            if self.size is None:
                raise ValueError(f"size must be given for a {self.kind!r} policy")
            object.__setattr__(self, "size", _check_size(self.size))

    def scale(self, shape: Sequence[int]) -> float:
        """The factor a ``"fit"`` policy scales an image of ``shape`` (H, W) by."""
        factor = min(self.size[0] / shape[0], self.size[1] / shape[1])
        return factor if self.upscale else min(1.0, factor)

    def input_shape(self, shape: Sequence[int]) -> tuple[int, int]:
        """The (H, W) the network is fed for an image of ``shape`` (H, W)."""
        if self.kind == "native":
            return int(shape[0]), int(shape[1])
        if self.kind == "fixed":
            return self.size
        factor = self.scale(shape)
        return max(1, round(shape[0] * factor)), max(1, round(shape[1] * factor))


NATIVE = InputPolicy("native")


def model_input_policy(
    model: torch.nn.Module, input_size: Sequence[int] | None = None
) -> InputPolicy:
    """The policy ``predict`` applies: ``input_size`` (fixed), the model's own, or a fallback."""
    own = getattr(model, "input_policy", None)
    if input_size is not None:  # the authors' way of resizing, to the size asked for
        size = _check_size(input_size, "input_size")
        if own is None:
            return InputPolicy("fixed", size)
        return InputPolicy("fixed", size, resize=own.resize, uint8=own.uint8)
    if own is not None:
        return own
    size = getattr(model, "input_size", None)
    return NATIVE if size is None else InputPolicy("fixed", tuple(size))


def resize_image(image: np.ndarray, policy: InputPolicy) -> np.ndarray:
    """``image`` (uint8 RGB) sized by ``policy``, as float32 RGB in ``[0, 255]``."""
    image = _check_image(image)
    height, width = policy.input_shape(image.shape[:2])
    same = (height, width) == image.shape[:2]
    if same and (policy.kind != "fit" or policy.scale(image.shape[:2]) == 1.0):
        return image.astype(np.float32)
    if policy.resize == "antialias":
        x = torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1)[None]
        x = F.interpolate(
            x, size=(height, width), mode="bilinear", align_corners=False, antialias=True
        )
        return x[0].permute(1, 2, 0).numpy()
    source = image if policy.uint8 else image.astype(np.float32)
    method = cv2.INTER_LINEAR if policy.resize == "cv2_linear" else cv2.INTER_AREA
    if policy.kind == "fit":  # one scale factor for both axes, as cv2.resize(fx=, fy=)
        factor = policy.scale(image.shape[:2])
        resized = cv2.resize(source, None, fx=factor, fy=factor, interpolation=method)
    else:
        resized = cv2.resize(source, (width, height), interpolation=method)
    return resized.astype(np.float32)


def _normalise(pixels: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1)[None] / 255.0
    mean_t = torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean_t) / std_t


def to_input_batch(
    image: np.ndarray,
    size: Sequence[int] | None = None,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
) -> torch.Tensor:
    """A uint8 RGB image as a normalised float batch ``(1, 3, H, W)``, resized to ``size``."""
    policy = NATIVE if size is None else InputPolicy("fixed", _check_size(size))
    return _normalise(resize_image(image, policy), mean, std)


def resize_cubic_and_blur(saliency: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """The SalNet/SalGAN wrappers' last steps: bicubic resize to ``shape``, 5x5 blur, clip.

    OpenCV's ``resize(INTER_CUBIC)``, ``GaussianBlur((5, 5), 0)`` and a clip to
    ``[0, 255]``, in the dtype given (float32 for SalNet, uint8 for SalGAN).
    """
    height, width = shape
    out = cv2.resize(saliency, (width, height), interpolation=cv2.INTER_CUBIC)
    out = cv2.GaussianBlur(out, (BLUR_SIZE, BLUR_SIZE), 0)
    return np.clip(out, 0, 255)


def _model_device(model: torch.nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def predict(
    model: torch.nn.Module,
    image: np.ndarray,
    device: torch.device | str | None = None,
    input_size: Sequence[int] | None = None,
    postprocess: str = "official",
) -> np.ndarray:
    """The model's map of ``image`` (uint8 RGB ``(H, W, 3)``) at the image's size.

    The image is sized by the model's input policy (see the module docstring);
    ``input_size`` (H, W) overrides it. ``postprocess``: ``"official"`` (the
    authors' wrapper, where the model has one) or ``"raw"`` (the network's map,
    resized bilinearly). ``device`` defaults to where the model's parameters
    are. Returns a float64 ``(H, W)`` saliency map, or a log-density with
    ``logsumexp == 0`` for models whose ``output_kind`` is ``"log_density"``.
    """
    image = _check_image(image)
    kind = getattr(model, "output_kind", None)
    if kind not in ("saliency", "log_density"):
        raise ValueError(f"model must have output_kind 'saliency' or 'log_density', got {kind!r}")
    if postprocess not in POSTPROCESS:
        raise ValueError(f"postprocess must be one of {POSTPROCESS}, got {postprocess!r}")
    policy = model_input_policy(model, input_size)
    x = _normalise(
        resize_image(image, policy),
        getattr(model, "input_mean", IMAGENET_MEAN),
        getattr(model, "input_std", IMAGENET_STD),
    )
    dev = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model.to(dev)(x.to(dev))
    finally:
        model.train(was_training)
    if out.ndim == 3:
        out = out[:, None]
    if out.ndim != 4 or out.shape[:2] != (1, 1):
        raise ValueError(f"model output must have shape (1, 1, h, w), got {tuple(out.shape)}")
    values = getattr(model, "postprocess", None)
    if values is not None:
        out = values(out)
    shape = image.shape[:2]
    official = getattr(model, "official_postprocess", None)
    if postprocess == "official" and official is not None:
        return np.asarray(official(out[0, 0].float().cpu().numpy(), shape), dtype=np.float64)
    out = out.double().cpu()
    if tuple(out.shape[-2:]) != shape:
        out = F.interpolate(out, size=shape, mode="bilinear", align_corners=False)
    result = out[0, 0]
    if kind == "log_density":
        result = result - torch.logsumexp(result.flatten(), dim=0)
    return result.numpy()

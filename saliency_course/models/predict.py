"""``predict``: one uint8 RGB image in, one map at the image's size out.

Steps: check the image, scale it to ``[0, 1]``, resize it to the model's input
size (bilinear, antialiased), normalise with the model's ``input_mean`` /
``input_std`` (ImageNet statistics unless the model sets its own), run the
model without gradients, apply the model's ``postprocess`` if it has one (e.g.
SalNet's output scaling), resize the output back to the image's size and return
it as a numpy ``(H, W)`` float array. For ``output_kind == "log_density"`` models
the resized map is renormalised so that ``logsumexp == 0`` at the image's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


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


def to_input_batch(
    image: np.ndarray,
    size: Sequence[int] | None = None,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
) -> torch.Tensor:
    """A uint8 RGB image as a normalised float batch ``(1, 3, H, W)``, resized to ``size``."""
    image = _check_image(image)
    x = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float() / 255.0
    if size is not None:
        size = _check_size(size)
        if tuple(x.shape[-2:]) != size:
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
    mean_t = torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean_t) / std_t


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
) -> np.ndarray:
    """The model's map of ``image`` (uint8 RGB ``(H, W, 3)``) at the image's size.

    ``input_size`` (H, W) overrides the model's own ``input_size``; when neither is
    set the image is fed at its own size. ``device`` defaults to where the model's
    parameters are. Returns a float64 ``(H, W)`` saliency map, or a log-density
    with ``logsumexp == 0`` for models whose ``output_kind`` is ``"log_density"``.
    """
    image = _check_image(image)
    kind = getattr(model, "output_kind", None)
    if kind not in ("saliency", "log_density"):
        raise ValueError(f"model must have output_kind 'saliency' or 'log_density', got {kind!r}")
    if input_size is not None:
        _check_size(input_size, "input_size")
    size = input_size if input_size is not None else getattr(model, "input_size", None)
    x = to_input_batch(
        image,
        size,
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
    postprocess = getattr(model, "postprocess", None)
    if postprocess is not None:
        out = postprocess(out)
    out = out.double().cpu()
    height, width = image.shape[:2]
    if tuple(out.shape[-2:]) != (height, width):
        out = F.interpolate(out, size=(height, width), mode="bilinear", align_corners=False)
    result = out[0, 0]
    if kind == "log_density":
        result = result - torch.logsumexp(result.flatten(), dim=0)
    return result.numpy()

"""Frame-wise video saliency: an image model applied to every frame, optionally smoothed in time.

The baseline of every video benchmark (Wang et al., "Revisiting Video Saliency",
CVPR 2018, score static models such as SALICON, SalGAN or DVA frame by frame on
DHF1K). It sees no motion: whatever it predicts on a frame it would predict on
the same still image. The optional temporal smoothing is an exponential moving
average of the per-frame maps, ``s_t = a s_{t-1} + (1 - a) p_t`` (``s_0 = p_0``),
a causal low-pass filter that removes frame-to-frame flicker but adds lag.

Video models in this package take a normalised clip batch ``(B, T, 3, H, W)``
and return ``(B, T, 1, h, w)``; :func:`predict_clip` runs one on uint8 frames
and returns maps at the frames' size, as ``predict`` does for images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .predict import IMAGENET_MEAN, IMAGENET_STD, _model_device


def exponential_smoothing(maps: torch.Tensor, factor: float) -> torch.Tensor:
    """Causal EMA along dim 1 of ``(B, T, ...)``: ``s_t = factor s_{t-1} + (1 - factor) m_t``."""
    if not 0 <= factor < 1:
        raise ValueError(f"smoothing factor must be in [0, 1), got {factor!r}")
    out = [maps[:, 0]]
    for t in range(1, maps.shape[1]):
        out.append(factor * out[-1] + (1 - factor) * maps[:, t])
    return torch.stack(out, dim=1)


class FramewiseModel(torch.nn.Module):
    """Run ``image_model`` on each frame of a clip batch; smooth the maps with an EMA if asked.

    Log-density image models are turned into densities (``exp``) so that every
    output is a non-negative saliency map and smoothing averages probabilities.
    """

    output_kind = "saliency"

    def __init__(self, image_model: torch.nn.Module, smoothing: float | None = None) -> None:
        super().__init__()
        kind = getattr(image_model, "output_kind", None)
        if kind not in ("saliency", "log_density"):
            raise ValueError(
                f"image_model must have output_kind 'saliency' or 'log_density', got {kind!r}"
            )
        if smoothing is not None and not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be None or in [0, 1), got {smoothing!r}")
        self.image_model = image_model
        self.smoothing = smoothing
        self.input_size = getattr(image_model, "input_size", None)
        self.input_mean = getattr(image_model, "input_mean", IMAGENET_MEAN)
        self.input_std = getattr(image_model, "input_std", IMAGENET_STD)

    def forward(
        self, clips: torch.Tensor, state: torch.Tensor | None = None, return_state: bool = False
    ):
        """``clips`` (B, T, 3, H, W) -> (B, T, 1, h, w); ``state`` is the last smoothed map."""
        if clips.ndim != 5 or clips.shape[2] != 3:
            raise ValueError(
                f"clips must be a (B, T, 3, H, W) batch, got shape {tuple(clips.shape)}"
            )
        batch, steps = clips.shape[:2]
        maps = self.image_model(clips.flatten(0, 1))
        if maps.ndim == 3:
            maps = maps[:, None]
        if self.image_model.output_kind == "log_density":
            maps = maps.exp()
        maps = maps.unflatten(0, (batch, steps))
        if self.smoothing:
            if state is not None:
                maps = torch.cat([state[:, None], maps], dim=1)
            maps = exponential_smoothing(maps, self.smoothing)
            if state is not None:
                maps = maps[:, 1:]
        return (maps, maps[:, -1]) if return_state else maps


def build_framewise(
    pretrained: bool = False,
    image_model: str | torch.nn.Module = "center_bias",
    smoothing: float | None = None,
    **options,
) -> FramewiseModel:
    """A frame-wise video model around ``image_model`` (a registered name or a built module).

    ``options`` go to the image model's builder (e.g. ``dataset=`` to fit
    ``center_bias`` or ``judd``); ``smoothing`` is the EMA factor (``None``: none).
    """
    if isinstance(image_model, str):
        from .registry import build_model

        image_model = build_model(image_model, pretrained=pretrained, **options)
    elif options:
        raise ValueError(f"options {sorted(options)} need image_model given by name")
    if not isinstance(image_model, torch.nn.Module):
        raise ValueError(
            "image_model must be a model name or a torch.nn.Module, "
            f"got {type(image_model).__name__}"
        )
    return FramewiseModel(image_model, smoothing)


def _to_clip_batch(
    frames: np.ndarray, size: Sequence[int] | None, mean: Sequence[float], std: Sequence[float]
) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    if size is not None and tuple(x.shape[-2:]) != tuple(size):
        x = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=True)
    mean_t = torch.tensor(mean).view(1, 3, 1, 1)
    std_t = torch.tensor(std).view(1, 3, 1, 1)
    return ((x - mean_t) / std_t)[None]


def predict_clip(
    model: torch.nn.Module,
    frames: np.ndarray,
    device: torch.device | str | None = None,
    input_size: Sequence[int] | None = None,
    chunk: int = 16,
    progress: bool = False,
) -> np.ndarray:
    """Saliency maps ``(T, H, W)`` of uint8 RGB ``frames`` ``(T, H, W, 3)`` at the frames' size.

    The clip is fed in chunks of ``chunk`` frames; models that take a ``state``
    (ACLNet's ConvLSTM memory, the frame-wise EMA) carry it from chunk to chunk,
    as ACLNet's official test script does with a stateful LSTM. Frames are
    resized to ``input_size`` (default: the model's) and normalised like images.
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(
            f"frames must be uint8 RGB of shape (T, H, W, 3), got {frames.dtype} {frames.shape}"
        )
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if getattr(model, "output_kind", None) != "saliency":
        raise ValueError(
            f"model must be a video model with output_kind 'saliency', "
            f"got {getattr(model, 'output_kind', None)!r}"
        )
    size = input_size if input_size is not None else getattr(model, "input_size", None)
    mean = getattr(model, "input_mean", IMAGENET_MEAN)
    std = getattr(model, "input_std", IMAGENET_STD)
    dev = torch.device(device) if device is not None else _model_device(model)
    height, width = frames.shape[1:3]
    was_training = model.training
    model.eval()
    outputs, state = [], None
    try:
        with torch.no_grad():
            for start in tqdm(range(0, len(frames), chunk), disable=not progress, desc="frames"):
                x = _to_clip_batch(frames[start : start + chunk], size, mean, std).to(dev)
                out, state = model.to(dev)(x, state=state, return_state=True)
                out = out[0].double().cpu()
                if tuple(out.shape[-2:]) != (height, width):
                    out = F.interpolate(
                        out, size=(height, width), mode="bilinear", align_corners=False
                    )
                outputs.append(out[:, 0])
    finally:
        model.train(was_training)
    return torch.cat(outputs).numpy()

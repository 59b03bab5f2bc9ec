"""Training a video saliency model: ACLNet's recipe, clip windows as a torch dataset.

ACLNet (Wang, Shen, Guo, Cheng, Borji, "Revisiting Video Saliency", CVPR 2018)
is trained on sequences of consecutive frames. Loss, from the official Keras
code (``kl_divergence``, ``correlation_coefficient``, ``nss`` next to
``acl_vgg``), per frame, summed over the batch's frames (Keras ``K.sum``):

* ``10 * KL(g || p)`` and ``-2 * CC(g, p)`` on the prediction divided by its
  maximum, then both maps divided by their sums;
* ``-NSS``: the max-normalised prediction standardised (population std) and
  averaged over the frame's fixated pixels;
* frames without fixations are masked out (the code's ``y_bool``).

Targets are brought to the output grid: densities by area averaging,
fixation maps by marking every output cell that holds a fixation. Optimiser
Adam at 1e-4 with the code's per-epoch ``schedule_vgg`` (1e-4 for epochs 1-3,
1e-5 for 4-6, 1e-6 for 7-8, 1e-7 for 9-10). Five frames per sequence (the
third-party PyTorch port's ``num_frames``; the official value was not
readable); the paper also supervises the attention map with static SALICON
images in alternate batches, which this recipe leaves out (video only).

For :func:`saliency_course.training.fit`, a batch's ``"image"`` holds the
windows' frames flattened to ``(B * T, 3, H, W)`` with ``"clip_length" = T``
(so the engine's per-image validation metrics run per frame); the recipe's
``forward`` un-flattens them for the model. Pass ``collate_fn=collate_clips``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..models.aclnet import INPUT_SIZE, NUM_FRAMES
from ..models.predict import IMAGENET_MEAN, IMAGENET_STD
from .recipes import Batch, Recipe, register_recipe

EPS = 1e-7  # Keras K.epsilon()
SCHEDULE_VGG = (1e-4, 1e-4, 1e-4, 1e-5, 1e-5, 1e-5, 1e-6, 1e-6, 1e-7, 1e-7)


def _rescale_points(xy: np.ndarray, source: tuple[int, int], target: tuple[int, int]) -> np.ndarray:
    sx, sy = target[1] / source[1], target[0] / source[0]
    x = np.clip(np.round((xy[:, 0] + 0.5) * sx - 0.5), 0, target[1] - 1)
    y = np.clip(np.round((xy[:, 1] + 0.5) * sy - 0.5), 0, target[0] - 1)
    return np.stack([x, y], axis=1).astype(np.int64)


class ClipWindows(torch.utils.data.Dataset):
    """Windows of ``length`` consecutive frames of annotated clips, as training items.

    Item: ``{"image": (T, 3, H, W)`` ImageNet-normalised frames at ``size``,
    ``"density": (T, 1, H, W)`` (each frame sums to 1), ``"fixation_map": (T, 1,
    H, W)`` 0/1, ``"index": i}``. Windows start every ``stride`` frames inside
    ``frame_range`` (default the whole clip). Frames are decoded once per clip and
    kept in memory at ``size`` as uint8 (``size`` 256 x 320: 0.25 MB a frame).
    """

    def __init__(
        self,
        clips: Sequence,
        length: int = NUM_FRAMES,
        stride: int | None = None,
        size: tuple[int, int] = INPUT_SIZE,
        frame_range: tuple[int, int] | None = None,
        progress: bool = False,
    ) -> None:
        if length < 1:
            raise ValueError(f"length must be >= 1, got {length}")
        stride = length if stride is None else stride
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"size must be (H, W) of positive ints, got {size!r}")
        self.clips = [c for c in clips]
        if not self.clips or not all(c.has_annotation for c in self.clips):
            raise ValueError("clips must be a non-empty list of annotated clips")
        self.length, self.size = length, (int(size[0]), int(size[1]))
        self.windows: list[tuple[int, int]] = []
        for ci, clip in enumerate(self.clips):
            lo, hi = frame_range if frame_range is not None else (0, clip.n_frames)
            if not 0 <= lo < hi <= clip.n_frames:
                raise ValueError(
                    f"frame_range must lie in [0, {clip.n_frames}] for clip {clip.name}, "
                    f"got {frame_range}"
                )
            self.windows += [(ci, s) for s in range(lo, hi - length + 1, stride)]
        if not self.windows:
            raise ValueError(f"no window of {length} frames fits in the frame range")
        self._frames: dict[int, tuple[int, torch.Tensor]] = {}
        self.progress = progress

    def __len__(self) -> int:
        return len(self.windows)

    def _clip_frames(self, ci: int) -> tuple[int, torch.Tensor]:
        if ci not in self._frames:
            starts = [s for c, s in self.windows if c == ci]
            lo, hi = min(starts), max(starts) + self.length
            frames = torch.from_numpy(self.clips[ci].frames(lo, hi, progress=self.progress))
            x = frames.permute(0, 3, 1, 2).float()
            x = F.interpolate(x, size=self.size, mode="bilinear", antialias=True)
            self._frames[ci] = (lo, x.round().clamp(0, 255).to(torch.uint8))
        return self._frames[ci]

    def __getitem__(self, i: int) -> dict:
        ci, start = self.windows[i]
        clip = self.clips[ci]
        lo, frames = self._clip_frames(ci)
        x = frames[start - lo : start - lo + self.length].float() / 255.0
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        densities, fixations = [], []
        for k in range(start, start + self.length):
            d = torch.from_numpy(clip.density_map(k)).float()[None, None]
            d = F.interpolate(d, size=self.size, mode="area")[0]
            densities.append(d / d.sum())
            fmap = torch.zeros(1, *self.size)
            xy = _rescale_points(clip.fixation_points(k), clip.shape, self.size)
            fmap[0, xy[:, 1], xy[:, 0]] = 1.0
            fixations.append(fmap)
        return {
            "image": (x - mean) / std,
            "density": torch.stack(densities),
            "fixation_map": torch.stack(fixations),
            "index": i,
        }


def collate_clips(items: Sequence[dict]) -> Batch:
    """Stack windows and flatten time into the batch: ``"image"`` (B*T, 3, H, W) etc."""
    lengths = {item["image"].shape[0] for item in items}
    if len(lengths) != 1:
        raise ValueError(f"items must all have the same number of frames, got {sorted(lengths)}")
    batch = {
        key: torch.stack([item[key] for item in items]).flatten(0, 1)
        for key in ("image", "density", "fixation_map")
    }
    batch["index"] = torch.tensor([item["index"] for item in items])
    batch["clip_length"] = lengths.pop()
    return batch


def _to_grid(target: torch.Tensor, size: tuple[int, int], binary: bool) -> torch.Tensor:
    if tuple(target.shape[-2:]) == tuple(size):
        return target
    resized = F.interpolate(target, size=size, mode="area")
    return (resized > 0).to(target.dtype) if binary else resized


def acl_loss(prediction: torch.Tensor, density: torch.Tensor, fixation_map: torch.Tensor):
    """ACLNet's ``10 KL - 2 CC - NSS`` summed over frames; inputs ``(N, 1, h, w)``.

    Returns the total and its three terms (each already weighted and signed).
    """
    if prediction.ndim != 4 or prediction.shape[1] != 1:
        raise ValueError(f"prediction must be (N, 1, h, w), got {tuple(prediction.shape)}")
    size = tuple(prediction.shape[-2:])
    with torch.autocast(prediction.device.type, enabled=False):
        p = prediction.float().flatten(1)
        g = _to_grid(density.float(), size, binary=False).flatten(1)
        f = _to_grid(fixation_map.float(), size, binary=True).flatten(1)
        valid = (f.sum(dim=1) > 0).float()
        p = p / (p.amax(dim=1, keepdim=True) + EPS)
        p_sum = p / (p.sum(dim=1, keepdim=True) + EPS)
        g_sum = g / (g.sum(dim=1, keepdim=True) + EPS)
        kl = 10 * (valid * (g_sum * torch.log(g_sum / (p_sum + EPS) + EPS)).sum(dim=1)).sum()
        n = p.shape[1]
        sum_xy = (g_sum * p_sum).sum(dim=1)
        sum_x, sum_y = g_sum.sum(dim=1), p_sum.sum(dim=1)
        sum_x2 = g_sum.pow(2).sum(dim=1) + EPS
        sum_y2 = p_sum.pow(2).sum(dim=1) + EPS
        num = sum_xy - sum_x * sum_y / n
        den = torch.sqrt((sum_x2 - sum_x**2 / n) * (sum_y2 - sum_y**2 / n))
        cc = (valid * (-2 * num / den)).sum()
        standard = (p - p.mean(dim=1, keepdim=True)) / (
            p.std(dim=1, unbiased=False, keepdim=True) + EPS
        )
        per_frame = (f * standard).sum(dim=1) / f.sum(dim=1).clamp_min(1.0)
        nss = -(valid * per_frame).sum()
    return kl + cc + nss, kl, cc, nss


def _acl_recipe_loss(output: torch.Tensor, batch: Batch) -> torch.Tensor:
    return acl_loss(output, batch["density"], batch["fixation_map"])[0]


def _identity(output: torch.Tensor) -> torch.Tensor:
    return output


def _adam(params):
    return torch.optim.Adam(params, lr=SCHEDULE_VGG[0])


def _schedule_vgg(optimizer):
    def factor(epoch: int) -> float:
        return SCHEDULE_VGG[min(epoch, len(SCHEDULE_VGG) - 1)] / SCHEDULE_VGG[0]

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass(frozen=True)
class VideoRecipe(Recipe):
    """A recipe whose model takes clips: batches carry frames flattened with ``clip_length``."""

    clip_length: int = NUM_FRAMES

    def forward(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        length = int(batch.get("clip_length", self.clip_length))
        frames = batch["image"]
        if frames.shape[0] % length:
            raise ValueError(
                f"batch['image'] must hold whole clips of {length} frames, got {frames.shape[0]}"
            )
        output = model(frames.unflatten(0, (-1, length)))
        return output.flatten(0, 1)


ACLNET_RECIPE = register_recipe(
    VideoRecipe(
        name="aclnet",
        model="aclnet",
        kind="plain",
        loss=_acl_recipe_loss,
        to_saliency=_identity,
        optimizer=_adam,
        scheduler=_schedule_vgg,
        batch_size=2,
        epochs=len(SCHEDULE_VGG),
        input_size=INPUT_SIZE,
        clip_length=NUM_FRAMES,
        settings={
            "loss": "10 KL - 2 CC - NSS per frame, summed (official Keras losses)",
            "optimizer": "Adam",
            "lr per epoch": list(SCHEDULE_VGG),
            "frames per sequence": NUM_FRAMES,
            "clips per batch": 2,
            "input": f"{INPUT_SIZE[0]}x{INPUT_SIZE[1]}, output at half size",
        },
        reference="Wang et al., Revisiting Video Saliency, CVPR 2018; official Keras ACL code",
        notes=(
            "video frames only: the paper's alternate static-image (SALICON) batches that "
            "supervise the attention map are left out; clips per batch (2) and frames per "
            "sequence (5) follow the third-party PyTorch port Nablax/ACLnet-Pytorch"
        ),
    ),
    overwrite=True,
)


def train_steps(
    model: torch.nn.Module,
    windows: ClipWindows,
    steps: int,
    batch_size: int = 1,
    lr: float = SCHEDULE_VGG[0],
    device: torch.device | str = "cpu",
    seed: int = 0,
    progress: bool = False,
) -> list[float]:
    """A few plain Adam steps of the ACLNet loss on ``windows`` (smoke runs, tests).

    Windows are drawn in a seeded random order. Returns the loss of every step;
    :func:`saliency_course.training.fit` with ``"aclnet"`` is the full engine
    (checkpoints, validation, resume).
    """
    from tqdm.auto import tqdm

    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1, got {steps} and {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    model.to(device).train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    for _ in tqdm(range(steps), desc="aclnet steps", disable=not progress):
        pick = torch.randint(len(windows), (batch_size,), generator=generator).tolist()
        batch = collate_clips([windows[i] for i in pick])
        batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        output = ACLNET_RECIPE.forward(model, batch)
        loss = ACLNET_RECIPE.loss(output, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses

"""A ``torch.utils.data.Dataset`` over a saliency dataset at a fixed input size.

Each item is a dict: ``"image"`` (float ``(3, H, W)``, normalised with the
ImageNet mean and standard deviation, as the VGG/ResNet backbones of SalNet,
SalGAN, DeepGaze and DeepFix expect), ``"density"`` (``(1, H, W)``, sums to 1),
``"fixation_map"`` (``(1, H, W)``, 0/1), ``"fixations"`` (``(k, 2)`` float ``x, y``
at the resized size) and ``"index"`` (the image index in the dataset).

Images are resized with PIL's antialiased bilinear filter. Fixations are
mapped with the pixel-centre convention, ``x' = (x + 0.5) W'/W - 0.5`` (same for
``y``), so they stay on the same image content. The density map is the
Gaussian blur of the resized fixations with σ = ``sigma_deg`` degrees at the
resized scale (``sigma_deg · ppd · sqrt(W'/W · H'/H)`` pixels).

With ``cache_dir`` every resized image, map and fixation array is written once
to an ``.npz`` file (atomically) named by a hash of the image file, its
fixations, the size, σ and the package version, so later epochs skip JPEG decoding and blurring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from .. import __version__, maps
from .files import save_npz_atomic

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a ``uint8`` RGB image to ``size = (H, W)`` (antialiased bilinear)."""
    height, width = size
    return np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))


def scale_fixations(xy: np.ndarray, shape: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Map ``(k, 2)`` pixel ``x, y`` from an image of ``shape`` to one of ``size`` (``(H, W)``)."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    scale = np.array([size[1] / shape[1], size[0] / shape[0]])
    return (xy + 0.5) * scale - 0.5


def normalize_image(image: np.ndarray) -> torch.Tensor:
    """``uint8 (H, W, 3)`` to a float ``(3, H, W)`` tensor with ImageNet mean/std.

    Done in NumPy (single-threaded): per-item work in a data loader should not
    compete for torch's intra-op threads.
    """
    mean = np.asarray(IMAGENET_MEAN, dtype=np.float32)
    std = np.asarray(IMAGENET_STD, dtype=np.float32)
    scaled = (np.asarray(image, dtype=np.float32) / 255.0 - mean) / std
    return torch.from_numpy(np.ascontiguousarray(scaled.transpose(2, 0, 1)))


def _check_size(size) -> tuple[int, int]:
    try:
        height, width = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (height, width), got {size!r}") from None
    if height <= 0 or width <= 0 or (height, width) != tuple(size):
        raise ValueError(f"size must be two positive integers (height, width), got {size!r}")
    return height, width


class SaliencyTorchDataset(torch.utils.data.Dataset):
    """Images, density and fixation maps of ``dataset`` (restricted to ``indices``) at ``size``."""

    def __init__(
        self,
        dataset,
        indices: Sequence[int] | np.ndarray | None = None,
        size: tuple[int, int] = (240, 320),
        cache_dir: str | Path | None = None,
        sigma_deg: float = 1.0,
    ) -> None:
        self.dataset = dataset
        self.size = _check_size(size)
        if indices is None:
            indices = np.arange(len(dataset))
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if self.indices.size and (self.indices.min() < 0 or self.indices.max() >= len(dataset)):
            raise ValueError(f"indices must be image indices in [0, {len(dataset)}), got {indices}")
        if not sigma_deg > 0:
            raise ValueError(f"sigma_deg must be > 0, got {sigma_deg!r}")
        self.sigma_deg = float(sigma_deg)
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self._per_image = dataset.fixations.per_image(len(dataset))

    def __len__(self) -> int:
        return len(self.indices)

    def _cache_path(self, index: int) -> Path:
        xy = self._per_image[index]
        key = "|".join(
            [
                str(Path(self.dataset.image_paths[index]).resolve()),
                f"{len(xy)}:{xy.sum(axis=0).round(6).tolist() if len(xy) else 0}",
                f"{self.size}",
                f"{self.sigma_deg}:{self.dataset.pixels_per_degree}",
                __version__,
            ]
        )
        digest = hashlib.sha1(key.encode()).hexdigest()[:20]
        return self.cache_dir / f"{digest}.npz"

    def _compute(self, index: int) -> dict[str, np.ndarray]:
        image = self.dataset.image(index)
        shape = image.shape[:2]
        xy = scale_fixations(self._per_image[index], shape, self.size)
        if len(xy) == 0:
            raise ValueError(
                f"image {index} of {self.dataset.name} has no fixations; a density map needs some"
            )
        scale = np.sqrt(self.size[0] / shape[0] * self.size[1] / shape[1])
        sigma_px = self.sigma_deg * self.dataset.pixels_per_degree * scale
        return {
            "image": resize_image(image, self.size),
            "density": maps.density_map(xy, self.size, sigma_px=sigma_px).astype(np.float32),
            "fixation_map": maps.fixation_map(xy, self.size).astype(np.uint8),
            "fixations": xy.astype(np.float32),
        }

    def arrays(self, position: int) -> dict[str, np.ndarray]:
        """The resized arrays of item ``position`` (from the cache when there is one)."""
        if not -len(self) <= position < len(self):
            raise IndexError(f"position {position} out of range for {len(self)} items")
        index = int(self.indices[position])
        if self.cache_dir is None:
            return self._compute(index)
        path = self._cache_path(index)
        if path.is_file():
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        arrays = self._compute(index)
        save_npz_atomic(path, **arrays)
        return arrays

    def fill_cache(self, progress: bool = True) -> None:
        """Decode, resize and blur every item once, so that training epochs read the cache."""
        if self.cache_dir is None:
            raise ValueError("fill_cache needs a cache_dir; this dataset was built without one")
        for position in tqdm(range(len(self)), desc="caching", disable=not progress):
            self.arrays(position)

    def __getitem__(self, position: int) -> dict:
        arrays = self.arrays(position)
        density = arrays["density"].astype(np.float32)
        return {
            "image": normalize_image(arrays["image"]),
            "density": torch.from_numpy(density / density.sum())[None],
            "fixation_map": torch.from_numpy(arrays["fixation_map"].astype(np.float32))[None],
            "fixations": torch.from_numpy(arrays["fixations"].astype(np.float32)),
            "index": int(self.indices[position]),
        }


def collate_saliency(batch: list[dict]) -> dict:
    """Stack images and maps into batches; keep ``"fixations"`` as a list (counts differ)."""
    if not batch:
        raise ValueError("batch must hold at least one item, got an empty list")
    return {
        "image": torch.stack([item["image"] for item in batch]),
        "density": torch.stack([item["density"] for item in batch]),
        "fixation_map": torch.stack([item["fixation_map"] for item in batch]),
        "fixations": [item["fixations"] for item in batch],
        "index": torch.tensor([item["index"] for item in batch], dtype=torch.long),
    }

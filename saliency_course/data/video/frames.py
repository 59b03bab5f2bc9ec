"""Frames of video clips seen as an image dataset, so image models and metrics run on video.

Works on the clips of :mod:`saliency_course.data.video` (DHF1K, W. Wang et al.,
CVPR 2018; UCF Sports and Hollywood-2, S. Mathe and C. Sminchisescu, IEEE TPAMI
37, 2015).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from ...fixations import Fixations
from .clip import VideoClip, VideoDataset


class FrameDataset:
    """Frames of one or more clips seen as an image dataset (the package's image interface).

    Item ``i`` is frame ``frames[i]`` of clip ``clip_of[i]``. It has what image
    code expects — ``len``, ``image(i)``, ``image_shape(i)``, ``image_shapes``,
    ``fixations`` (``n`` = item index, ``x``/``y`` the fixated pixels),
    ``fixation_map(i)``, ``density_map(i)`` (the video dataset's own map),
    ``splits``, ``pixels_per_degree``, ``name``, ``subset`` — so that image
    models (e.g. fitting ``center_bias``) and image metrics run on video frames.
    Frames are decoded once, on first use, and kept in memory.
    """

    def __init__(
        self,
        clips: Sequence[VideoClip],
        frames: Sequence[Sequence[int]],
        name: str = "frames",
        pixels_per_degree: float | None = None,
        splits: Mapping[str, Sequence[int]] | None = None,
    ) -> None:
        if len(clips) != len(frames):
            raise ValueError(
                f"frames must have one index list per clip ({len(clips)}), got {len(frames)}"
            )
        self.name = name
        self.pixels_per_degree = pixels_per_degree
        self._items: list[tuple[VideoClip, int]] = []
        for clip, indices in zip(clips, frames, strict=True):
            for k in indices:
                self._items.append((clip, clip._check_frame(int(k))))
        self.splits = {k: np.asarray(v, dtype=np.int64) for k, v in (splits or {}).items()}
        self._cache: dict[int, np.ndarray] = {}
        self._fixations: Fixations | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FrameDataset({self.name!r}, {len(self)} frames)"

    def _check(self, i: int) -> int:
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(self):
            raise ValueError(f"frame item index must be an int in [0, {len(self)}), got {i!r}")
        return int(i)

    def frame_of(self, i: int) -> tuple[VideoClip, int]:
        """``(clip, frame index)`` of item ``i``."""
        return self._items[self._check(i)]

    def image(self, i: int) -> np.ndarray:
        i = self._check(i)
        if i not in self._cache:
            clip = self._items[i][0]
            wanted = [
                j for j, (c, _) in enumerate(self._items) if c is clip and j not in self._cache
            ]
            ks = [self._items[j][1] for j in wanted]
            lo = min(ks)
            # decode only every step-th frame, the largest step that reaches all wanted ones
            step = int(np.gcd.reduce([k - lo for k in ks])) or 1
            decoded = clip.frames(lo, max(ks) + 1, step)
            for j, k in zip(wanted, ks, strict=True):
                self._cache[j] = decoded[(k - lo) // step]
        return self._cache[i]

    def image_shape(self, i: int) -> tuple[int, int]:
        return self._items[self._check(i)][0].shape

    @property
    def image_shapes(self) -> list[tuple[int, int]]:
        return [clip.shape for clip, _ in self._items]

    @property
    def fixations(self) -> Fixations:
        if self._fixations is None:
            parts = []
            for i, (clip, k) in enumerate(self._items):
                xy = clip.fixation_points(k)
                parts.append(
                    Fixations(
                        x=xy[:, 0], y=xy[:, 1], n=np.full(len(xy), i), subject=np.zeros(len(xy))
                    )
                )
            self._fixations = Fixations.concatenate(parts)
        return self._fixations

    def fixation_map(self, i: int, counts: bool = False) -> np.ndarray:
        clip, k = self.frame_of(i)
        return clip.fixation_map(k)

    def density_map(
        self, i: int, sigma_deg: float | None = None, sigma_px: float | None = None
    ) -> np.ndarray:
        """The dataset's own density of the frame (DHF1K: FWHM 30 px; UCF: σ 20 px).

        ``sigma_deg``/``sigma_px`` are accepted for interface compatibility and must
        be left ``None``: video datasets ship one official blur.
        """
        if sigma_deg is not None or sigma_px is not None:
            raise ValueError(
                "video frames use their dataset's official blur: leave sigma_deg/sigma_px None"
            )
        clip, k = self.frame_of(i)
        return clip.density_map(k)

    def subset(self, indices: Sequence[int]) -> FrameDataset:
        indices = [self._check(int(i)) for i in indices]
        other = copy.copy(self)
        other._items = [self._items[i] for i in indices]
        other._cache = {n: self._cache[i] for n, i in enumerate(indices) if i in self._cache}
        other._fixations = None
        other.splits = {}
        return other


def frame_dataset(
    dataset: VideoDataset, frames: Mapping[int, Sequence[int]] | None = None, step: int = 1
) -> FrameDataset:
    """A :class:`FrameDataset` of ``dataset``'s annotated clips.

    ``frames`` maps clip index -> frame indices (default: every ``step``-th frame of
    every annotated clip). Splits follow the clips' splits.
    """
    if frames is None:
        frames = {
            i: range(0, c.n_frames, step) for i, c in enumerate(dataset.clips) if c.has_annotation
        }
    clip_ids = list(frames)
    result = FrameDataset(
        [dataset.clip(i) for i in clip_ids],
        [list(frames[i]) for i in clip_ids],
        name=f"{dataset.name} frames",
        pixels_per_degree=dataset.pixels_per_degree,
    )
    owner = (
        np.concatenate([[i] * len(list(frames[i])) for i in clip_ids]) if clip_ids else np.zeros(0)
    )
    result.splits = {
        name: np.flatnonzero(np.isin(owner, split)) for name, split in dataset.splits.items()
    }
    return result

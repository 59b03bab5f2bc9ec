"""Clips and video datasets: frames, per-frame fixation maps and density maps.

A :class:`VideoClip` holds one clip of DHF1K (W. Wang et al., "Revisiting Video
Saliency: A Large-Scale Benchmark and a New Model", CVPR 2018), UCF Sports or
Hollywood-2 (S. Mathe, C. Sminchisescu, "Actions in the Eye", IEEE TPAMI 37,
2015). Coordinates follow the package convention: 0-based pixels, ``x`` right,
``y`` down.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ...fixations import Fixations
from ...gaze import GazeSamples
from ..files import load_mat
from .continuous_maps import dhf1k_saliency_map, ucf_saliency_map
from .decoding import decode_video
from .gaze_mapping import DHF1K_FPS, dhf1k_fixations, dhf1k_frame_pixels

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def sorted_images(folder: Path) -> list[Path]:
    """The image files of ``folder`` (png, jpg, bmp), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)


class VideoClip:
    """One clip: frames, per-frame fixation maps and density maps, and raw gaze if recorded.

    Frames come from a video file (decoded on demand) or from a folder of image
    files. Fixations come from raw gaze — ``gaze_loader()`` returns
    ``{observer: GazeSamples}``, read on first use of :attr:`gaze` or
    :attr:`fixations` (``n`` the 0-based frame) — or from binary per-frame
    fixation maps on disk.

    ``official_maps`` chooses how a raw-gaze clip's samples become its fixation
    maps (:func:`~saliency_course.data.video.dhf1k_frame_pixels`): ``True``, as
    DHF1K's ``record_mapping.m`` does (the Cartesian product of each observer's
    rows and columns in a frame: the released maps, so scores compare with
    published ones), ``False``, the samples' own pixels. Every map of the clip
    follows it: :meth:`fixation_points`, :meth:`fixation_map`, the continuous
    :meth:`saliency_map` (``make_gauss_masks`` on the fixation map's pixels),
    :meth:`density_map`, and so the metrics and training windows built on them.
    Clips read from shipped map files are what they are and ignore it.
    """

    def __init__(
        self,
        name: str,
        n_frames: int,
        shape: tuple[int, int],
        fps: float | None,
        video_path: Path | None = None,
        frame_paths: Sequence[Path] | None = None,
        gaze_loader: Callable[[], Mapping[int, GazeSamples]] | None = None,
        fixation_paths: Sequence[Path] | None = None,
        map_paths: Sequence[Path] | None = None,
        kind: str = "dhf1k",
        official_maps: bool = True,
    ) -> None:
        if (video_path is None) == (frame_paths is None):
            raise ValueError("a clip needs exactly one of video_path or frame_paths")
        self.name = name
        self.n_frames = int(n_frames)
        self.shape = (int(shape[0]), int(shape[1]))
        self.fps = fps
        self.video_path = video_path
        self.frame_paths = list(frame_paths) if frame_paths is not None else None
        self._gaze_loader = gaze_loader
        self._gaze: dict[int, GazeSamples] | None = None
        self._fixations: Fixations | None = None
        self.fixation_paths = list(fixation_paths) if fixation_paths else None
        self.map_paths = list(map_paths) if map_paths else None
        self.kind = kind
        if not isinstance(official_maps, (bool, np.bool_)):
            raise ValueError(f"official_maps must be True or False, got {official_maps!r}")
        self.official_maps = bool(official_maps)
        self._frame_order: tuple[np.ndarray, np.ndarray] | None = None
        for label, paths in (("fixation", self.fixation_paths), ("map", self.map_paths)):
            if paths is not None and len(paths) != self.n_frames:
                raise ValueError(
                    f"clip {name}: {len(paths)} {label} files for {self.n_frames} frames"
                )

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        source = (
            f"raw gaze, {'official' if self.official_maps else 'union'} maps"
            if self._gaze_loader is not None
            else ("fixation maps" if self.fixation_paths else "no annotation")
        )
        return (
            f"VideoClip({self.name!r}, {self.n_frames} frames of {self.shape[0]}x{self.shape[1]}"
            + (f" at {self.fps:g} fps" if self.fps else "")
            + f", {source})"
        )

    @property
    def has_annotation(self) -> bool:
        """Whether the clip has fixations (test clips of DHF1K do not)."""
        return self._gaze_loader is not None or self.fixation_paths is not None

    @property
    def gaze(self) -> dict[int, GazeSamples] | None:
        """Each observer's raw samples ``{observer: GazeSamples}``, or ``None`` (maps only)."""
        if self._gaze is None and self._gaze_loader is not None:
            self._gaze = dict(self._gaze_loader())
        return self._gaze

    @property
    def fixations(self) -> Fixations | None:
        """The raw gaze's fixation samples mapped to frames (``record_mapping.m``), or ``None``.

        One entry per kept sample (:func:`~saliency_course.data.video.dhf1k_fixations`):
        ``x``, ``y`` its pixel, ``n`` its frame, ``subject`` its observer. The
        fixation maps are built from them by the clip's ``official_maps`` rule.
        """
        if self._fixations is None and self.gaze is not None:
            self._fixations = dhf1k_fixations(
                self.gaze, self.n_frames, self.shape, self.fps or DHF1K_FPS
            )
        return self._fixations

    def frame_samples(self, k: int, subject: int | None = None) -> Fixations:
        """The entries of :attr:`fixations` on frame ``k`` (of one ``subject`` if given)."""
        k = self._check_frame(k)
        fix = self.fixations
        if fix is None:
            raise ValueError(f"clip {self.name} has no raw gaze (maps only)")
        if self._frame_order is None:
            order = np.argsort(fix.n, kind="stable")
            bounds = np.searchsorted(fix.n[order], np.arange(self.n_frames + 1))
            self._frame_order = (order, bounds)
        order, bounds = self._frame_order
        samples = fix[order[bounds[k] : bounds[k + 1]]]
        return samples if subject is None else samples.for_subject(subject)

    def _check_frame(self, k: int) -> int:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ValueError(f"frame index must be an int, got {type(k).__name__}")
        if not 0 <= k < self.n_frames:
            raise ValueError(f"frame index must be in [0, {self.n_frames}), got {k}")
        return int(k)

    def _range(self, start: int, stop: int | None, step: int) -> range:
        stop = self.n_frames if stop is None else stop
        if not (0 <= start <= stop <= self.n_frames) or step < 1:
            raise ValueError(
                f"frame range must satisfy 0 <= start <= stop <= {self.n_frames} and step >= 1, "
                f"got start={start}, stop={stop}, step={step}"
            )
        return range(start, stop, step)

    # -- frames ---------------------------------------------------------------
    def frames(
        self, start: int = 0, stop: int | None = None, step: int = 1, progress: bool = False
    ) -> np.ndarray:
        """Frames ``start:stop:step`` as ``uint8`` RGB ``(T, H, W, 3)``."""
        frames = self._range(start, stop, step)
        if self.video_path is not None:
            return decode_video(self.video_path, frames.start, frames.stop, step, progress)
        from ..base import read_image

        return np.stack([read_image(self.frame_paths[k]) for k in frames])

    def frame(self, k: int) -> np.ndarray:
        """Frame ``k`` as ``uint8`` RGB ``(H, W, 3)``."""
        k = self._check_frame(k)
        return self.frames(k, k + 1)[0]

    # -- fixations and maps -------------------------------------------------------
    def fixation_points(self, k: int, subject: int | None = None) -> np.ndarray:
        """``(m, 2)`` distinct 0-based pixels ``(x, y)`` of frame ``k``'s fixation map, sorted.

        ``subject`` restricts to one observer's part of the map (raw-gaze clips
        only); with ``official_maps`` that is the product of the rows and columns
        of their samples, which may hold pixels they never looked at.
        """
        k = self._check_frame(k)
        if self.fixations is not None:
            return dhf1k_frame_pixels(self.frame_samples(k, subject), self.official_maps)
        if subject is not None:
            raise ValueError(
                f"clip {self.name}: subject given but the clip has no per-observer data"
            )
        rows, cols = np.nonzero(self.fixation_map(k))
        return np.stack([cols, rows], axis=1)

    def fixation_map(self, k: int, subject: int | None = None) -> np.ndarray:
        """Binary ``(H, W)`` float map of frame ``k`` (see :meth:`fixation_points`)."""
        k = self._check_frame(k)
        if self.fixations is None and self.fixation_paths is None:
            raise ValueError(f"clip {self.name} has no fixations (held-out test clip)")
        if self.fixations is None:
            if subject is not None:
                raise ValueError(f"clip {self.name}: no per-observer data for subject={subject}")
            return _read_binary_map(self.fixation_paths[k], self.shape)
        fmap = np.zeros(self.shape)
        xy = self.fixation_points(k, subject)
        fmap[xy[:, 1], xy[:, 0]] = 1.0
        return fmap

    def fixation_maps(self, start: int = 0, stop: int | None = None, step: int = 1) -> np.ndarray:
        """``(T, H, W)`` stack of :meth:`fixation_map`."""
        return np.stack([self.fixation_map(k) for k in self._range(start, stop, step)])

    def saliency_map(self, k: int) -> np.ndarray:
        """The dataset's continuous map of frame ``k`` (maximum 1), as its authors make it.

        DHF1K: ``make_gauss_masks`` of the pixels of :meth:`fixation_map` (FWHM
        30 px), so it follows ``official_maps`` as the authors' code follows
        ``record_mapping.m``'s output, or the shipped ``maps/`` png; UCF Sports
        and Hollywood-2: the shipped ``maps/`` png, else ``imfilter`` with a σ = 20 px
        Gaussian of the binary map.
        """
        k = self._check_frame(k)
        if self.map_paths is not None:
            return _read_grey(self.map_paths[k], self.shape) / 255.0
        if self.kind == "dhf1k":
            return dhf1k_saliency_map(self.fixation_points(k), self.shape)
        smap = ucf_saliency_map(self.fixation_map(k))
        return smap / smap.max() if smap.max() > 0 else smap

    def density_map(self, k: int) -> np.ndarray:
        """:meth:`saliency_map` divided by its sum: a density (sums to 1)."""
        smap = self.saliency_map(k)
        total = smap.sum()
        if total <= 0:
            raise ValueError(f"clip {self.name}: frame {k} has no fixation, so no density")
        return smap / total

    def density_maps(self, start: int = 0, stop: int | None = None, step: int = 1) -> np.ndarray:
        """``(T, H, W)`` stack of :meth:`density_map`."""
        return np.stack([self.density_map(k) for k in self._range(start, stop, step)])

    @property
    def subjects(self) -> np.ndarray:
        """Observer ids with raw gaze (empty when only maps are shipped)."""
        if self.fixations is None:
            return np.zeros(0, dtype=np.int64)
        return self.fixations.subjects


def _read_grey(path: Path, shape: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        array = np.asarray(img.convert("L"), dtype=np.float64)
    if array.shape != tuple(shape):
        raise ValueError(f"map {path} has shape {array.shape}, expected the frame shape {shape}")
    return array


def _read_binary_map(path: Path, shape: tuple[int, int]) -> np.ndarray:
    if path.suffix.lower() == ".mat":
        array = np.asarray(load_mat(path)["I"], dtype=np.float64)
        if array.shape != tuple(shape):
            raise ValueError(f"map {path} has shape {array.shape}, expected {shape}")
    else:
        array = _read_grey(path, shape)
    return (array > 0).astype(np.float64)


class VideoDataset:
    """Clips of one video saliency dataset, with named splits (clip indices) and a citation."""

    def __init__(
        self,
        name: str,
        clips: Sequence[VideoClip],
        citation: str,
        splits: dict[str, Sequence[int]] | None = None,
        pixels_per_degree: float | None = None,
    ) -> None:
        self.name = name
        self.clips = list(clips)
        self.citation = citation
        self.pixels_per_degree = pixels_per_degree
        self.splits = {}
        for split, indices in (splits or {}).items():
            array = np.asarray(indices, dtype=np.int64).reshape(-1)
            if array.size and (array.min() < 0 or array.max() >= len(self.clips)):
                raise ValueError(
                    f"split {split!r} must hold clip indices in [0, {len(self.clips)})"
                )
            self.splits[split] = array

    def __len__(self) -> int:
        return len(self.clips)

    def __repr__(self) -> str:
        frames = sum(c.n_frames for c in self.clips)
        splits = ", ".join(f"{k}: {len(v)}" for k, v in self.splits.items())
        return (
            f"VideoDataset({self.name!r}, {len(self)} clips, {frames} frames, splits {{{splits}}})"
        )

    def clip(self, i: int) -> VideoClip:
        """Clip ``i``."""
        if not isinstance(i, (int, np.integer)) or not -len(self) <= i < len(self):
            raise ValueError(f"clip index must be an int in [0, {len(self)}), got {i!r}")
        return self.clips[int(i)]

    def clip_names(self) -> list[str]:
        return [c.name for c in self.clips]

    def subset(self, indices: Sequence[int]) -> VideoDataset:
        """The same dataset restricted to clips ``indices``, re-indexed ``0..k-1``."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise ValueError(f"subset indices must be in [0, {len(self)}), got {indices}")
        new_index = np.full(len(self), -1, dtype=np.int64)
        new_index[indices] = np.arange(len(indices))
        other = copy.copy(self)
        other.clips = [self.clips[i] for i in indices]
        other.splits = {k: new_index[v[new_index[v] >= 0]] for k, v in self.splits.items()}
        return other

"""Video saliency datasets: DHF1K, UCF Sports and Hollywood-2, read from their original files.

* **DHF1K** — W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji, "Revisiting Video
  Saliency: A Large-Scale Benchmark and a New Model", CVPR 2018, and IEEE TPAMI
  43(1), 2021. Official layout (wenguanwang/DHF1K README): ``video/NNN.AVI``
  (640 x 360, 30 fps), ``annotation/NNNN/{maps,fixation}`` (train and val only)
  and the raw SMI RED250 recordings ``exportdata_train/Pxx/Pxx_TrailNNN.txt``.
  Per-frame fixation maps are built from the raw samples with the rules of the
  official ``record_mapping.m`` (see :func:`dhf1k_fixations`) and continuous
  maps with the official ``make_gauss_masks.m`` (see :func:`dhf1k_saliency_map`).
  Splits: train 001-600, val 601-700, test 701-1000 (test annotations held out).
* **UCF Sports** — eye movements of S. Mathe & C. Sminchisescu, "Actions in the
  Eye", IEEE TPAMI 37, 2015 (ECCV 2012), on the UCF Sports videos of M. D.
  Rodriguez, J. Ahmed, M. Shah, CVPR 2008; **Hollywood-2** — same eye-movement
  release, videos of M. Marszalek, I. Laptev, C. Schmid, CVPR 2009. Both in the
  layout the DHF1K authors distribute: ``{training,testing}/<clip>/images``
  (png or jpg frames), ``fixation/*.png`` (binary, observers' union),
  ``maps/*.png`` (``imfilter(fix, fspecial('gaussian', 150, 20), 'replicate')``).

A dataset holds **clips** (:class:`VideoClip`): frames (decoded with PyAV, which
ships its own ffmpeg), per-frame fixation maps, density maps and, for DHF1K,
each observer's raw gaze. Coordinates follow the package convention: 0-based
pixels, ``x`` right, ``y`` down.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from .. import config
from ..errors import DownloadError, OfflineError
from ..fixations import Fixations
from ..gaze import GazeSamples, read_smi
from .files import load_mat, missing_files_error

DHF1K_CITATION = (
    "W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji. Revisiting Video Saliency: A Large-Scale "
    "Benchmark and a New Model. CVPR 2018. — W. Wang, J. Shen, J. Xie, M.-M. Cheng, H. Ling, "
    "A. Borji. Revisiting Video Saliency Prediction in the Deep Learning Era. IEEE TPAMI 43(1), "
    "2021. Licence CC BY 4.0."
)
UCF_CITATION = (
    "S. Mathe, C. Sminchisescu. Actions in the Eye: Dynamic Gaze Datasets and Learnt Saliency "
    "Models for Visual Recognition. IEEE TPAMI 37, 2015. — M. D. Rodriguez, J. Ahmed, M. Shah. "
    "Action MACH. CVPR 2008. Maps as distributed with DHF1K (Wang et al., CVPR 2018)."
)
HOLLYWOOD_CITATION = (
    "S. Mathe, C. Sminchisescu. Actions in the Eye: Dynamic Gaze Datasets and Learnt Saliency "
    "Models for Visual Recognition. IEEE TPAMI 37, 2015. — M. Marszalek, I. Laptev, C. Schmid. "
    "Actions in Context. CVPR 2009. Maps as distributed with DHF1K (Wang et al., CVPR 2018)."
)

DHF1K_DRIVE_FOLDER = "https://drive.google.com/drive/folders/1sW0tf9RQMO4RR7SyKhU8Kmbm4jwkFGpQ"
HOLLYWOOD_DRIVE_FOLDER = "https://drive.google.com/open?id=1vfRKJloNSIczYEOVjB4zMK8r0k4VJuWk"

#: DHF1K display: 1440 x 900 screen (H, W), videos shown full width, letterboxed.
DHF1K_SCREEN = (900, 1440)
DHF1K_FPS = 30.0
#: FWHM of the official Gaussian, in video pixels; the authors call it one degree.
DHF1K_FWHM_PX = 30.0
#: UCF Sports / Hollywood-2 maps: ``fspecial('gaussian', 150, 20)``.
UCF_SIGMA_PX = 20.0
UCF_KERNEL_SIZE = 150

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


# ---------------------------------------------------------------------------
# Raw gaze and decoding
# ---------------------------------------------------------------------------
def read_dhf1k_gaze(folder: str | Path, video: int) -> dict[int, GazeSamples]:
    """Each observer's raw samples on DHF1K video ``video``: ``{subject: GazeSamples}``.

    Reads ``<folder>/exportdata_train/Pxx/Pxx_TrailNNN.txt`` with
    :func:`saliency_course.gaze.read_smi` (time in ms from the first sample,
    screen pixels of the 1440 x 900 display, SMI's event label per sample).
    """
    paths = sorted(Path(folder).glob(f"exportdata_train/P*/P*_Trail{int(video):03d}.txt"))
    result = {}
    for path in paths:
        match = re.match(r"P(\d+)_", path.name)
        if not match:
            raise ValueError(f"SMI export {path} is not named like 'Pxx_TrailNNN.txt'")
        result[int(match.group(1))] = read_smi(path, screen=(DHF1K_SCREEN[1], DHF1K_SCREEN[0]))
    return result


def video_info(path: str | Path) -> tuple[int, tuple[int, int], float]:
    """``(frame count, (H, W), fps)`` of a video file from its header (PyAV)."""
    import av

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected video file {path}, but it does not exist")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = stream.frames
        if not count:  # some containers do not store it: count by demuxing
            count = sum(1 for packet in container.demux(stream) if packet.size)
        ctx = stream.codec_context
        return int(count), (int(ctx.height), int(ctx.width)), float(stream.average_rate or 0)


def decode_video(
    path: str | Path,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    progress: bool = False,
) -> np.ndarray:
    """Frames ``start:stop:step`` of a video as ``uint8`` RGB ``(T, H, W, 3)``.

    Frame ``k`` (0-based) is the ``k+1``-th decoded frame, as in DHF1K's
    ``generate_frame.m`` numbering ``0001.png ...``. Decoding runs from the start
    of the file (exact for every codec; XVID decodes at hundreds of frames/s).
    """
    import av
    from tqdm.auto import tqdm

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected video file {path}, but it does not exist")
    if start < 0 or (stop is not None and stop < start) or step < 1:
        raise ValueError(
            f"frame range must have 0 <= start <= stop and step >= 1, "
            f"got start={start}, stop={stop}, step={step}"
        )
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        total = stop if stop is not None else (stream.frames or None)
        bar = tqdm(total=total, desc=f"decoding {path.name}", disable=not progress, unit="frame")
        for index, frame in enumerate(container.decode(stream)):
            if stop is not None and index >= stop:
                break
            bar.update(1)
            if index >= start and (index - start) % step == 0:
                frames.append(frame.to_ndarray(format="rgb24"))
        bar.close()
    if not frames:
        raise ValueError(f"frame range start={start}, stop={stop} selects no frame of {path}")
    return np.stack(frames)


# ---------------------------------------------------------------------------
# The official DHF1K rules
# ---------------------------------------------------------------------------
def _matlab_round(values: np.ndarray) -> np.ndarray:
    """MATLAB ``int32()``: round half away from zero."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def dhf1k_fixations(
    recordings: Mapping[int, GazeSamples],
    n_frames: int,
    video_shape: tuple[int, int],
    fps: float = DHF1K_FPS,
    screen_shape: tuple[int, int] = DHF1K_SCREEN,
) -> Fixations:
    """Map raw samples to per-frame fixated video pixels, as the official ``record_mapping.m``.

    * Only samples the tracker labelled ``Fixation`` are kept.
    * Screen to video: ``a = W_video / W_screen``, ``b = (H_screen - H_video / a) / 2``
      (the letterbox band), ``x_v = a x_s``, ``y_v = a (y_s - b)``, rounded half away
      from zero to 1-based MATLAB indices and kept only if ``0 < x_v < W`` and
      ``0 < y_v < H``; the 0-based pixel is ``(x_v - 1, y_v - 1)``.
    * Time: ``t = Time - Time[0]`` (the first sample is the video onset); a sample
      belongs to 1-based frame ``k`` when ``k - 1 < fps t < k`` (samples exactly on a
      frame boundary are dropped) and samples after the last frame are ignored.

    Returns one entry per kept sample: ``x``, ``y`` the 0-based pixel, ``n`` the
    0-based frame, ``subject`` the observer, ``t`` the time in ms. A frame's
    fixation map is the union of its pixels over observers. (MATLAB's
    ``A(ys, xs, k) = 1`` with two index vectors marks their Cartesian product;
    the published DHF1K statistics — 29 to 111 pixels per frame on video 002 —
    are those of the per-sample union, which is what is implemented here.)
    """
    height, width = video_shape
    a = width / screen_shape[1]
    b = (screen_shape[0] - height / a) / 2
    parts = []
    for subject, rec in recordings.items():
        if len(rec) == 0:
            continue
        if rec.label is None:
            raise ValueError(f"recordings[{subject}] must carry the tracker's event labels")
        t_ms = rec.t - rec.t[0]
        position = fps * t_ms / 1e3
        frame = np.floor(position).astype(np.int64)
        on_boundary = position == frame
        xs = _matlab_round(a * rec.x)
        ys = _matlab_round(a * (rec.y - b))
        is_fixation = np.char.startswith(rec.label.astype(str), "F")
        keep = (
            is_fixation
            & ~on_boundary
            & (frame < n_frames)
            & (xs > 0)
            & (xs < width)
            & (ys > 0)
            & (ys < height)
        )
        parts.append(
            Fixations(
                x=xs[keep] - 1,
                y=ys[keep] - 1,
                n=frame[keep],
                subject=np.full(int(keep.sum()), subject),
                t=t_ms[keep],
            )
        )
    if not parts:
        return Fixations(x=[], y=[], n=[], subject=[], t=[])
    return Fixations.concatenate(parts)


def dhf1k_gaussian_factors(
    points_xy: np.ndarray, shape: tuple[int, int], fwhm: float = DHF1K_FWHM_PX
) -> tuple[np.ndarray, np.ndarray]:
    """The separable parts of :func:`dhf1k_saliency_map`: ``gy`` (k, H) and ``gx`` (k, W).

    The unnormalised map is ``gy.T @ gx``: Gaussian ``i`` is ``gy[i, r] * gx[i, c]``,
    centred two pixels below and right of point ``i`` as in ``make_gauss_masks.m``.
    """
    points = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    height, width = shape
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    cx = points[:, 0] + 2
    cy = points[:, 1] + 2
    gy = np.exp(-((np.arange(height)[None, :] - cy[:, None]) ** 2) / (2 * sigma**2))
    gx = np.exp(-((np.arange(width)[None, :] - cx[:, None]) ** 2) / (2 * sigma**2))
    return gy, gx


def dhf1k_saliency_map(
    points_xy: np.ndarray, shape: tuple[int, int], fwhm: float = DHF1K_FWHM_PX
) -> np.ndarray:
    """The official continuous map (``make_gauss_masks.m``): Gaussians summed, max 1.

    One Gaussian of full width at half maximum ``fwhm`` pixels (σ = fwhm / (2√(2 ln 2))
    ≈ 12.74 px for 30 px) per fixated pixel, summed and divided by the maximum.
    The official code cuts each Gaussian out of a larger one with an offset that
    puts its peak two pixels below and right of the fixated pixel; that shift is
    reproduced. ``points_xy`` is ``(k, 2)`` 0-based integer pixels ``(x, y)``; an
    empty set gives an all-zero map.
    """
    gy, gx = dhf1k_gaussian_factors(points_xy, shape, fwhm)
    if len(gy) == 0:
        return np.zeros(tuple(shape))
    mask = gy.T @ gx
    return mask / mask.max()


def ucf_saliency_map(fixation_map: np.ndarray) -> np.ndarray:
    """``imfilter(fix, fspecial('gaussian', 150, 20), 'replicate')`` (UCF Sports, Hollywood-2).

    Used when a clip ships without its ``maps/`` folder. MATLAB's even 150-tap
    kernel is centred on tap 75 (1-based), which ``scipy.ndimage.correlate``
    reproduces with ``origin=-1`` on each axis.
    """
    from scipy.ndimage import correlate1d

    taps = np.arange(UCF_KERNEL_SIZE) - (UCF_KERNEL_SIZE - 1) / 2
    kernel = np.exp(-(taps**2) / (2 * UCF_SIGMA_PX**2))
    kernel /= kernel.sum()
    out = np.asarray(fixation_map, dtype=np.float64)
    for axis in (0, 1):
        out = correlate1d(out, kernel, axis=axis, mode="nearest", origin=-1)
    return out


def frame_differences(frames: np.ndarray) -> np.ndarray:
    """Per-pixel motion energy ``|I_t - I_{t-1}|`` (grey levels, mean over RGB), ``(T, H, W)``.

    Frame 0 has no predecessor and gets zeros. A crude but honest motion cue:
    camera motion moves everything, object motion moves the object.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (T, H, W, 3), got shape {frames.shape}")
    grey = frames.astype(np.float32).mean(axis=-1)
    diff = np.zeros_like(grey)
    diff[1:] = np.abs(np.diff(grey, axis=0))
    return diff


# ---------------------------------------------------------------------------
# Clips and datasets
# ---------------------------------------------------------------------------
def _sorted_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)


class VideoClip:
    """One clip: frames, per-frame fixation maps and density maps, and raw gaze if recorded.

    Frames come from a video file (decoded on demand) or from a folder of image
    files. Fixations come from raw gaze — ``gaze_loader()`` returns
    ``{observer: GazeSamples}``, read on first use of :attr:`gaze` or
    :attr:`fixations` (``n`` the 0-based frame) — or from binary per-frame
    fixation maps on disk.
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
        for label, paths in (("fixation", self.fixation_paths), ("map", self.map_paths)):
            if paths is not None and len(paths) != self.n_frames:
                raise ValueError(
                    f"clip {name}: {len(paths)} {label} files for {self.n_frames} frames"
                )

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        source = (
            "raw gaze"
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
        """Fixated pixels per frame from the raw gaze (official DHF1K rules), or ``None``."""
        if self._fixations is None and self.gaze is not None:
            self._fixations = dhf1k_fixations(
                self.gaze, self.n_frames, self.shape, self.fps or DHF1K_FPS
            )
        return self._fixations

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
        from .base import read_image

        return np.stack([read_image(self.frame_paths[k]) for k in frames])

    def frame(self, k: int) -> np.ndarray:
        """Frame ``k`` as ``uint8`` RGB ``(H, W, 3)``."""
        k = self._check_frame(k)
        return self.frames(k, k + 1)[0]

    # -- fixations and maps -------------------------------------------------------
    def fixation_points(self, k: int, subject: int | None = None) -> np.ndarray:
        """``(m, 2)`` distinct 0-based fixated pixels ``(x, y)`` of frame ``k``.

        ``subject`` restricts to one observer (raw-gaze clips only).
        """
        k = self._check_frame(k)
        if self.fixations is not None:
            fix = self.fixations[self.fixations.n == k]
            if subject is not None:
                fix = fix.for_subject(subject)
            xy = np.stack([fix.x, fix.y], axis=1).astype(np.int64)
            return np.unique(xy, axis=0) if len(xy) else xy.reshape(0, 2)
        if subject is not None:
            raise ValueError(
                f"clip {self.name}: subject given but the clip has no per-observer data"
            )
        rows, cols = np.nonzero(self.fixation_map(k))
        return np.stack([cols, rows], axis=1)

    def fixation_map(self, k: int, subject: int | None = None) -> np.ndarray:
        """Binary ``(H, W)`` float map of the pixels fixated during frame ``k``."""
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

        DHF1K: ``make_gauss_masks`` of the fixated pixels (FWHM 30 px); UCF Sports
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


# ---------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------
def _manual_download_error(dataset: str, folder: Path, url: str, layout: str) -> DownloadError:
    message = (
        f"{dataset} is shared only as a Google Drive folder ({url}) whose files have no "
        f"published ids or checksums, so it cannot be fetched automatically. Download it by "
        f"hand and unpack it so that {folder} holds {layout}."
    )
    return OfflineError(message) if config.offline() else DownloadError(message)


def _require_folder(dataset: str, folder: Path, download: bool, url: str, layout: str) -> None:
    if folder.is_dir():
        return
    if not download:
        raise missing_files_error(
            dataset, [folder], hint=f"Put the official files there ({layout}); see {url}."
        )
    raise _manual_download_error(dataset, folder, url, layout)


def _dhf1k_number(name: str) -> int:
    return int(re.sub(r"\D", "", name))


def load_dhf1k(
    root: str | Path | None = None,
    download: bool = True,
    videos: Sequence[int] | None = None,
    progress: bool = True,
) -> VideoDataset:
    """DHF1K from ``<root>/dhf1k/`` in its official layout (see the module docstring).

    Every ``video/NNN.AVI`` becomes a clip (``videos`` selects video numbers).
    Annotation, in order of preference: the raw recordings
    ``exportdata_train/Pxx/Pxx_TrailNNN.txt`` mapped with the official rules
    (per-observer gaze kept, read when a clip's gaze is first used), else the
    shipped ``annotation/NNNN/fixation/*.png`` with ``maps/*.png``; test videos
    (701-1000) have neither. ``progress`` shows a bar over the videos' headers.
    ``pixels_per_degree`` is 30: the authors' Gaussian treats 30 px as one degree.
    """
    folder = Path(config.data_root(root)) / "dhf1k"
    layout = "video/NNN.AVI, annotation/NNNN/ and exportdata_train/Pxx/"
    _require_folder("dhf1k", folder, download, DHF1K_DRIVE_FOLDER, layout)
    video_dir = folder / "video"
    paths = (
        sorted(p for p in video_dir.glob("*") if p.suffix.lower() == ".avi")
        if video_dir.is_dir()
        else []
    )
    if not paths:
        raise missing_files_error(
            "dhf1k", [video_dir / "001.AVI"], hint=f"See {DHF1K_DRIVE_FOLDER}."
        )
    if videos is not None:
        wanted = {int(v) for v in videos}
        paths = [p for p in paths if _dhf1k_number(p.stem) in wanted]
        found = {_dhf1k_number(p.stem) for p in paths}
        if wanted - found:
            raise ValueError(f"videos {sorted(wanted - found)} are not in {video_dir}")
    from tqdm.auto import tqdm

    clips = []
    for path in tqdm(paths, desc="dhf1k clips", disable=not progress):
        number = _dhf1k_number(path.stem)
        n_frames, shape, fps = video_info(path)
        fps = fps or DHF1K_FPS
        annotation = folder / "annotation" / f"{number:04d}"
        if any((folder / "exportdata_train").glob(f"P*/P*_Trail{number:03d}.txt")):
            clip = VideoClip(
                path.stem,
                n_frames,
                shape,
                fps,
                video_path=path,
                gaze_loader=partial(read_dhf1k_gaze, folder, number),
            )
        elif (annotation / "fixation").is_dir():
            clip = VideoClip(
                path.stem,
                n_frames,
                shape,
                fps,
                video_path=path,
                fixation_paths=_sorted_images(annotation / "fixation"),
                map_paths=_sorted_images(annotation / "maps")
                if (annotation / "maps").is_dir()
                else None,
            )
        else:
            clip = VideoClip(path.stem, n_frames, shape, fps, video_path=path)
        clips.append(clip)
    numbers = np.array([_dhf1k_number(c.name) for c in clips])
    splits = {
        "train": np.flatnonzero((numbers >= 1) & (numbers <= 600)),
        "val": np.flatnonzero((numbers >= 601) & (numbers <= 700)),
        "test": np.flatnonzero((numbers >= 701) & (numbers <= 1000)),
    }
    return VideoDataset("dhf1k", clips, DHF1K_CITATION, splits, pixels_per_degree=30.0)


def _load_frame_folders(
    name: str,
    folder: Path,
    citation: str,
    split_dirs: dict[str, str],
    clips: Sequence[str] | None,
    fps: float | None,
) -> VideoDataset:
    result, splits = [], {}
    wanted = set(clips) if clips is not None else None
    for split, sub in split_dirs.items():
        base = folder / sub
        if not base.is_dir():
            continue
        indices = []
        for clip_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            if wanted is not None and clip_dir.name not in wanted:
                continue
            frame_paths = _sorted_images(clip_dir / "images")
            if not frame_paths:
                raise ValueError(f"{name}: clip folder {clip_dir} has no images/ frames")
            fix_dir = clip_dir / "fixation"
            fixation_paths = (_sorted_images(fix_dir) if fix_dir.is_dir() else None) or None
            if fixation_paths is None and (fix_dir / "maps").is_dir():  # .mat only (variable I)
                fixation_paths = sorted((fix_dir / "maps").glob("*.mat"))
            map_paths = _sorted_images(clip_dir / "maps") if (clip_dir / "maps").is_dir() else None
            from .base import read_image_shape

            indices.append(len(result))
            result.append(
                VideoClip(
                    clip_dir.name,
                    len(frame_paths),
                    read_image_shape(frame_paths[0]),
                    fps,
                    frame_paths=frame_paths,
                    fixation_paths=fixation_paths,
                    map_paths=map_paths,
                    kind=name,
                )
            )
        splits[split] = indices
    if wanted is not None and wanted - {c.name for c in result}:
        raise ValueError(
            f"{name}: clips {sorted(wanted - {c.name for c in result})} not found in {folder}"
        )
    if not result:
        raise missing_files_error(name, [folder / "testing" / "<clip>" / "images"])
    return VideoDataset(name, result, citation, splits, pixels_per_degree=None)


def load_ucf_sports(
    root: str | Path | None = None,
    download: bool = True,
    clips: Sequence[str] | None = None,
) -> VideoDataset:
    """UCF Sports eye movements from ``<root>/ucf_sports/{training,testing}/<clip>/``.

    Frames in ``images/`` (png or jpg), binary fixation maps in ``fixation/``
    (or ``fixation/maps/*.mat``, variable ``I``), continuous maps in ``maps/``.
    Observers' points are merged in the shipped maps, so per-observer data is
    not available. The frame rate (10 fps in the UCF Sports release) and the
    viewing geometry are not part of the files: ``fps`` and
    ``pixels_per_degree`` are ``None``.
    """
    folder = Path(config.data_root(root)) / "ucf_sports"
    _require_folder(
        "ucf_sports",
        folder,
        download,
        DHF1K_DRIVE_FOLDER,
        "training/ and testing/ with <clip>/{images,fixation,maps}",
    )
    return _load_frame_folders(
        "ucf_sports", folder, UCF_CITATION, {"train": "training", "test": "testing"}, clips, None
    )


def load_hollywood2(
    root: str | Path | None = None,
    download: bool = True,
    clips: Sequence[str] | None = None,
) -> VideoDataset:
    """Hollywood-2 eye movements from ``<root>/hollywood2/{training,testing}/<clip>/``.

    Same layout and conventions as :func:`load_ucf_sports` (one shot per clip, as
    the DHF1K authors split the videos).
    """
    folder = Path(config.data_root(root)) / "hollywood2"
    _require_folder(
        "hollywood2",
        folder,
        download,
        HOLLYWOOD_DRIVE_FOLDER,
        "training/ and testing/ with <clip>/{images,fixation,maps}",
    )
    return _load_frame_folders(
        "hollywood2",
        folder,
        HOLLYWOOD_CITATION,
        {"train": "training", "test": "testing"},
        clips,
        None,
    )

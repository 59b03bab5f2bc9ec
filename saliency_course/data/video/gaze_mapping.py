"""DHF1K's raw gaze to video frames: the rules of the official ``record_mapping.m``.

W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji, "Revisiting Video Saliency: A
Large-Scale Benchmark and a New Model", CVPR 2018; code at wenguanwang/DHF1K
(commit 35570c7). The SMI RED250 recorded each observer's point of regard on a
1440 x 900 screen; the 640 x 360 videos filled its width, letterboxed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...fixations import Fixations
from ...gaze import GazeSamples

#: DHF1K display: 1440 x 900 screen (H, W), videos shown full width, letterboxed.
DHF1K_SCREEN = (900, 1440)
DHF1K_FPS = 30.0


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
    0-based frame, ``subject`` the observer, ``t`` the time in ms. How a frame's
    samples become its fixation map is :func:`dhf1k_frame_pixels`.
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


def dhf1k_frame_pixels(samples: Fixations, official_maps: bool = True) -> np.ndarray:
    """The distinct 0-based pixels ``(x, y)`` of one frame's fixation map, sorted, ``(m, 2)``.

    ``samples`` are a single frame's entries of :func:`dhf1k_fixations` (any
    observers). ``record_mapping.m`` marks the map, for every observer and frame,
    with ``all_fixation(y_stimulus(~t), x_stimulus(~t), index) = 1``. MATLAB
    indexing with two vectors selects every (row, column) pair, so one statement
    marks the **Cartesian product** of the rows and the columns that the
    observer's samples visited during the frame, not only the samples' own
    pixels; the frame's map is the union of those products over observers.

    * ``official_maps=True`` reproduces that statement exactly: the maps DHF1K
      released (``annotation/NNNN/fixation``), hence the ground truth of every
      published DHF1K score. On video 002: 140,232 pixels in all, median 176
      per frame.
    * ``official_maps=False`` is the corrected map: the union of the samples'
      own pixels. On video 002: 52,675 pixels, median 67 per frame.

    An observer whose samples stay on one row or one column gets the same map
    either way; a moving gaze adds pixels nobody looked at.
    """
    frames = np.unique(samples.n)
    if frames.size > 1:
        raise ValueError(f"samples must come from one frame, got frames {frames.tolist()}")
    x = np.asarray(samples.x, dtype=np.int64)
    y = np.asarray(samples.y, dtype=np.int64)
    if not official_maps:
        return np.unique(np.stack([x, y], axis=1), axis=0).reshape(-1, 2)
    parts = [np.zeros((0, 2), dtype=np.int64)]
    for subject in np.unique(samples.subject):
        mine = samples.subject == subject
        columns, rows = np.meshgrid(np.unique(x[mine]), np.unique(y[mine]))
        parts.append(np.stack([columns.ravel(), rows.ravel()], axis=1))
    return np.unique(np.concatenate(parts), axis=0)

"""Figures of video gaze and video saliency maps (notebook 11).

How DHF1K's ``record_mapping.m`` turns one frame's raw samples into its fixation
map (Wang, Shen, Guo, Cheng & Borji, CVPR 2018; the official map is the union of
each observer's row-by-column product, see
:func:`~saliency_course.data.video.dhf1k_frame_pixels`), the size of both maps
over a clip, agreement between observers over time, the pull of motion on gaze,
and models' predictions beside the gaze. Matplotlib only; every function returns
its figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..data.video.gaze_mapping import DHF1K_SCREEN
from .maps import _check_image, _check_map
from .video import _observer_points

__all__ = [
    "gaze_pixels",
    "plot_agreement_over_time",
    "plot_frame_mapping",
    "plot_map_sizes",
    "plot_motion_and_gaze",
    "plot_predictions",
]


def gaze_pixels(clip, k: int) -> np.ndarray:
    """``(m, 2)`` distinct pixels ``(x, y)`` where the observers looked on frame ``k``.

    Raw-gaze clips: the pixels of the fixation samples themselves (the corrected
    map), not the official map's row-by-column products; map-only clips: the
    shipped map's fixated pixels.
    """
    points = [xy for _, xy in _observer_points(clip, k) if len(xy)]
    if not points:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(points), axis=0)


def _axes_in_pixels(*axes) -> None:
    for ax in axes:
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")


def plot_frame_mapping(clip, k: int):
    """Frame ``k`` of a raw-gaze DHF1K clip, from the screen to its maps, in three panels.

    Left: every observer's samples during the frame in screen pixels (any
    label), with the letterboxed video area. Middle: the frame with the official
    fixation map's pixels (each observer's rows x columns) and the samples' own
    pixels. Right: the continuous map of the clip's fixation map.
    """
    if clip.gaze is None:
        raise ValueError(f"clip {clip.name} has no raw gaze (maps only)")
    fps = clip.fps
    t_lo, t_hi = 1000 * k / fps, 1000 * (k + 1) / fps
    height, width = clip.shape
    a = width / DHF1K_SCREEN[1]
    band = (DHF1K_SCREEN[0] - height / a) / 2
    fig, axes = plt.subplots(1, 3, figsize=(16, 3.8), layout="constrained")
    for subject, s in clip.gaze.items():
        inside = (s.t - s.t[0] > t_lo) & (s.t - s.t[0] < t_hi)
        label = f"P{subject:02d}" if subject < 4 else None
        axes[0].scatter(s.x[inside], s.y[inside], s=8, label=label)
    area = plt.Rectangle((0, band), DHF1K_SCREEN[1], DHF1K_SCREEN[0] - 2 * band, fill=False,
                         color="black", lw=1, label="video area")  # fmt: skip
    axes[0].add_patch(area)
    axes[0].set_xlim(0, DHF1K_SCREEN[1])
    axes[0].set_ylim(DHF1K_SCREEN[0], 0)
    axes[0].set_title(f"raw samples during frame {k} (all labels), screen pixels")
    axes[0].legend(fontsize=7, loc="lower left")
    official, looked = clip.fixation_points(k), gaze_pixels(clip, k)
    axes[1].imshow(clip.frame(k))
    axes[1].plot(official[:, 0], official[:, 1], "s", color="red", ms=1.5, label="official map")
    axes[1].plot(looked[:, 0], looked[:, 1], ".", color="cyan", ms=3, label="samples' own pixels")
    axes[1].legend(fontsize=7, loc="lower left")
    rule = "official" if clip.official_maps else "corrected"
    axes[1].set_title(f"{rule} map: {len(official)} px; samples' own: {len(looked)} px")
    heat = axes[2].imshow(clip.saliency_map(k), cmap="inferno")
    axes[2].set_title(f"continuous map of the {rule} map (FWHM 30 px)")
    fig.colorbar(heat, ax=axes[2], label="saliency (max 1)")
    _axes_in_pixels(*axes)
    axes[0].set_xlabel("x (screen px)")
    axes[0].set_ylabel("y (screen px)")
    return fig


def plot_map_sizes(counts: Mapping[str, Sequence[float]], fps: float, title: str):
    """One curve per entry of ``counts`` (a label and one value per frame) against time."""
    if not counts:
        raise ValueError("counts must hold at least one curve")
    lengths = {len(v) for v in counts.values()}
    if len(lengths) != 1:
        raise ValueError(f"every curve needs one value per frame, got lengths {sorted(lengths)}")
    time = np.arange(lengths.pop()) / fps
    fig, ax = plt.subplots(figsize=(11, 3), layout="constrained")
    for label, values in counts.items():
        ax.plot(time, values, lw=0.8, label=label)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("per frame")
    ax.set_title(title)
    ax.legend()
    return fig


def plot_agreement_over_time(frames: Sequence[int], agreement, spread, fps: float, title: str):
    """Leave-one-out agreement (top) and the gaze's spread in pixels (bottom) per frame."""
    if not len(frames) == len(agreement) == len(spread):
        raise ValueError("frames, agreement and spread need one value per frame each")
    time = np.asarray(frames) / fps
    fig, axes = plt.subplots(2, 1, figsize=(11, 5), sharex=True, layout="constrained")
    axes[0].plot(time, agreement, ".-", lw=0.8, ms=3)
    axes[0].set_ylabel("leave-one-out NSS")
    axes[0].set_title(title)
    axes[1].plot(time, spread, ".-", lw=0.8, ms=3, color="tab:orange")
    axes[1].set_ylabel("gaze spread (px, RMS)")
    axes[1].set_xlabel("time (s)")
    return fig


def plot_motion_and_gaze(motion, frame, saliency, k: int, cc_by_shift: Mapping[str, float]):
    """Frame ``k``'s motion energy, its gaze map over the frame, and CC(motion, gaze) per shift."""
    motion, saliency = _check_map(motion, "motion"), _check_map(saliency, "saliency")
    frame = _check_image(frame, "frame")
    fig, axes = plt.subplots(1, 3, figsize=(16, 3.6), layout="constrained")
    axes[0].imshow(motion, cmap="gray")
    axes[0].set_title(f"frame {k}: |I({k}) - I({k - 1})|")
    axes[1].imshow(frame)
    axes[1].imshow(saliency, cmap="jet", alpha=0.45)
    axes[1].set_title(f"gaze density on frame {k}")
    _axes_in_pixels(axes[0], axes[1])
    axes[2].bar(list(cc_by_shift), list(cc_by_shift.values()))
    axes[2].set_ylabel("CC(motion energy, gaze density)")
    axes[2].set_title("Gaze follows the motion of its own frame")
    return fig


def plot_predictions(rows: Sequence, title: str):
    """One row per clip: the frame with the gaze, then each model's map titled with a score.

    Each row is ``(label, frame, gaze_xy, {model: (map, score)})``; every row
    names the same models.
    """
    if not rows:
        raise ValueError("rows must hold at least one clip")
    names = list(rows[0][3])
    if any(list(row[3]) != names for row in rows):
        raise ValueError("every row must show the same models in the same order")
    fig, axes = plt.subplots(len(rows), len(names) + 1, figsize=(3.6 * (len(names) + 1),
                             2.6 * len(rows)), layout="constrained", squeeze=False)  # fmt: skip
    for ax_row, (label, frame, xy, predicted) in zip(axes, rows, strict=True):
        ax_row[0].imshow(_check_image(frame, "frame"))
        xy = np.asarray(xy).reshape(-1, 2)
        ax_row[0].plot(xy[:, 0], xy[:, 1], "r.", ms=2)
        ax_row[0].set_title(label, fontsize=9)
        for ax, (name, (saliency, score)) in zip(ax_row[1:], predicted.items(), strict=True):
            ax.imshow(_check_map(saliency, name), cmap="inferno")
            ax.set_title(f"{name}\nclip CC {score:.2f}", fontsize=9)
        _axes_in_pixels(*ax_row)
    fig.suptitle(title)
    return fig

"""Figures of raw gaze and fixation detection (notebook 01).

A recording's gaze over time coloured by the tracker's labels, I-VT's velocity
and fixation samples beside the tracker's (Salvucci & Goldberg, ETRA 2000), the
agreement of both detectors as their thresholds change, and samples simulated
from a real scanpath with the fixations a detector finds in them. Matplotlib
only; every function returns its figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .maps import _check_image, plot_fixations, plot_scanpath

__all__ = [
    "LABEL_COLOURS",
    "plot_gaze_trace",
    "plot_ivt_window",
    "plot_simulated_detection",
    "plot_threshold_sweep",
]

#: Colours of the SMI event labels of the DHF1K recordings.
LABEL_COLOURS = {
    "Fixation": "tab:green",
    "Saccade": "tab:red",
    "Blink": "tab:gray",
    "-": "tab:orange",
}


def _window(rec, window_ms: tuple[float, float]) -> np.ndarray:
    start, stop = window_ms
    inside = (rec.t >= start) & (rec.t < stop)
    if inside.sum() < 2:
        raise ValueError(f"window_ms {window_ms} holds fewer than 2 samples of the recording")
    return inside


def plot_gaze_trace(rec, window_ms=(8000.0, 12000.0), title: str | None = None):
    """Horizontal and vertical gaze over ``window_ms``, each sample coloured by its tracker label.

    ``rec`` is a :class:`~saliency_course.gaze.GazeSamples` with labels. Lost samples
    (``(0, 0)`` or off screen) are not positions: the line skips them and grey bars mark them.
    """
    if rec.label is None:
        raise ValueError("rec must carry the tracker's labels (GazeSamples.label)")
    window = _window(rec, window_ms)
    lost = window & ~rec.valid
    fig, axes = plt.subplots(2, 1, figsize=(11, 5), sharex=True, layout="constrained")
    for ax, values, name in zip(axes, (rec.x, rec.y), ("x", "y"), strict=True):
        shown = np.where(rec.valid, values, np.nan)
        ax.plot(rec.t[window] / 1000, shown[window], color="black", lw=0.6)
        for label, colour in LABEL_COLOURS.items():
            chosen = window & (rec.label == label) & rec.valid
            ax.scatter(rec.t[chosen] / 1000, values[chosen], s=6, color=colour, label=label,
                       zorder=3)  # fmt: skip
        low, high = np.nanpercentile(shown[window], [1, 99])
        ax.vlines(rec.t[lost] / 1000, low, high, color="lightgray", lw=1, zorder=0,
                  label="tracking lost")  # fmt: skip
        ax.set_ylabel(f"{name} on screen (px)")
    axes[0].legend(title="tracker label", ncol=5, loc="lower left", fontsize=8)
    axes[1].set_xlabel("time (s)")
    fig.suptitle(title or "Raw gaze coloured by the tracker's labels")
    return fig


def plot_ivt_window(rec, detection, threshold: float, window_ms=(8000.0, 12000.0), title=None):
    """I-VT's velocity over ``window_ms`` with its threshold, and fixation samples by I-VT and
    by the tracker as two strips (green: fixation)."""
    if detection.velocity is None or len(detection.labels) != len(rec):
        raise ValueError("detection must be gaze.ivt's result on the same samples as rec")
    window = _window(rec, window_ms)
    t = rec.t[window] / 1000
    fig, axes = plt.subplots(2, 1, figsize=(11, 4.5), sharex=True, layout="constrained",
                             height_ratios=[3, 1])  # fmt: skip
    axes[0].semilogy(t, detection.velocity[window], color="black", lw=0.7)
    axes[0].axhline(threshold, color="tab:blue", ls="--", label=f"threshold {threshold:g} deg/s")
    axes[0].set_ylabel("velocity (deg/s)")
    axes[0].legend(loc="upper right")
    strips = np.stack([detection.is_fixation[window], rec.tracker_fixation[window]])
    axes[1].imshow(strips.astype(float), aspect="auto", cmap="Greens", interpolation="nearest",
                   vmin=0, vmax=1, extent=(t[0], t[-1], 1.5, -0.5))  # fmt: skip
    axes[1].set_yticks([0, 1], ["I-VT", "tracker"])
    axes[1].set_xlabel("time (s)")
    fig.suptitle(title or "I-VT: velocity, and fixation samples (green) by I-VT and the tracker")
    return fig


def plot_threshold_sweep(
    velocities: Sequence[float],
    kappa_ivt: Sequence[float],
    dispersions: Sequence[float],
    kappa_idt: Sequence[float],
    title: str,
):
    """Median kappa against I-VT's velocity threshold (left) and I-DT's dispersion (right)."""
    if len(velocities) != len(kappa_ivt) or len(dispersions) != len(kappa_idt):
        raise ValueError("each threshold needs one kappa: the lengths differ")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    axes[0].semilogx(velocities, kappa_ivt, "o-")
    axes[0].set_xlabel("I-VT velocity threshold (deg/s)")
    axes[0].set_title("I-VT")
    axes[1].plot(dispersions, kappa_idt, "o-", color="tab:orange")
    axes[1].set_xlabel("I-DT dispersion threshold (deg)")
    axes[1].set_title("I-DT")
    for ax in axes:
        ax.set_ylabel("median kappa vs tracker")
        ax.set_ylim(0, 1)
    fig.suptitle(title)
    return fig


def plot_simulated_detection(image, samples, scanpath, detected, threshold: float, title: str):
    """Simulated samples, the recorded scanpath and the detected fixations on the image (left);
    I-VT's velocity with the true saccades shaded (right).

    ``samples`` come from :func:`~saliency_course.gaze.simulate_samples` (labels
    ``"Saccade"``/``"Fixation"``), ``detected`` is :func:`~saliency_course.gaze.ivt`'s result.
    """
    image = _check_image(image)
    if detected.velocity is None or len(detected.velocity) != len(samples):
        raise ValueError("detected must be gaze.ivt's result on these samples")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained", width_ratios=[1.1, 1])
    axes[0].imshow(image)
    axes[0].plot(samples.x, samples.y, ".", ms=2, color="cyan", label="simulated samples")
    plot_scanpath(axes[0], scanpath, label="recorded scanpath")
    plot_fixations(axes[0], detected.fixations, color="magenta", size=60, label="I-VT fixations")
    axes[0].legend(loc="lower right", fontsize=8)
    axes[0].set_title(title)
    axes[0].set_xlabel("x (px)")
    axes[0].set_ylabel("y (px)")
    axes[1].plot(samples.t, detected.velocity, color="black", lw=0.7)
    axes[1].fill_between(samples.t, 0, np.nanmax(detected.velocity), color="tab:red", alpha=0.2,
                         where=samples.label == "Saccade", label="true saccades")  # fmt: skip
    label = f"I-VT threshold {threshold:g} deg/s"
    axes[1].axhline(threshold, color="tab:blue", ls="--", label=label)
    axes[1].set_xlabel("time from image onset (ms)")
    axes[1].set_ylabel("I-VT velocity, 3-sample difference (deg/s)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("Simulated velocity: saccades stand out above the noise")
    return fig

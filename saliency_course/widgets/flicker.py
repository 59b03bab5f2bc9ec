"""The flicker and mudsplash paradigms of change blindness, as pure functions.

Flicker (Rensink, O'Regan & Clark 1997, Psychological Science 8:368-373): the
original image A, a grey blank, the changed image A', a blank, looping; images
shown for 240 ms and blanks for 80 ms, until the observer reports the change.
Mudsplash (O'Regan, Rensink & Clark 1999, Nature 398:34): no blank; instead
six small high-contrast black-and-white patches ("mudsplashes") appear briefly
at the moment of the change, never covering the changed region. The Nature
letter gives no durations: we show each splash for the flicker's blank
duration and the image after it is already the changed one.

The widget shells in :mod:`saliency_course.widgets.ui` only display these
frames and report clicks; scoring and the summary are computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import ndimage

from ..stimuli import ChangeStimulus

BLANK_GREY = 128
VARIANTS = ("flicker", "mudsplash")


def schedule(
    variant: str = "flicker", image_ms: float = 240.0, blank_ms: float = 80.0
) -> list[tuple[str, float]]:
    """One cycle of the display as ``(frame name, duration ms)``; the display loops it.

    Frame names: ``"A"`` original, ``"B"`` changed, ``"blank"`` uniform grey,
    ``"A_mud"``/``"B_mud"`` an image with mudsplashes over it.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    for name, value in (("image_ms", image_ms), ("blank_ms", blank_ms)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of milliseconds, got {value!r}")
    if variant == "flicker":
        return [("A", image_ms), ("blank", blank_ms), ("B", image_ms), ("blank", blank_ms)]
    return [("A", image_ms), ("B_mud", blank_ms), ("B", image_ms), ("A_mud", blank_ms)]


def frame_at(cycle: Sequence[tuple[str, float]], t_ms: float) -> str:
    """The frame on screen ``t_ms`` after the loop started."""
    if t_ms < 0:
        raise ValueError(f"t_ms must be >= 0, got {t_ms}")
    durations = np.array([duration for _, duration in cycle], dtype=np.float64)
    ends = np.cumsum(durations)
    return cycle[int(np.searchsorted(ends, t_ms % ends[-1], side="right"))][0]


def mudsplashes(
    shape: tuple[int, int],
    avoid: np.ndarray,
    count: int = 6,
    size_fraction: float = 0.06,
    margin_px: int = 10,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Masks and texture of ``count`` small splashes (ovals or rectangles).

    Returns ``(mask, texture)``: ``mask`` bool (H, W) where mud covers the
    image, ``texture`` uint8 (H, W) black-and-white checks to draw there.
    Splashes stay ``margin_px`` away from ``avoid`` (the change mask).
    """
    height, width = shape
    avoid = np.asarray(avoid, dtype=bool)
    if avoid.shape != (height, width):
        raise ValueError(f"avoid must have shape {(height, width)}, got {avoid.shape}")
    rng = np.random.default_rng(seed)
    size = max(4, int(round(size_fraction * min(height, width))))
    forbidden = (
        ndimage.binary_dilation(avoid, iterations=margin_px + size) if avoid.any() else avoid
    )
    free_y, free_x = np.nonzero(~forbidden[: height - size, : width - size])
    if len(free_y) == 0:
        raise ValueError("no room for mudsplashes outside the change; lower size_fraction")
    yy, xx = np.mgrid[0:size, 0:size]
    oval = ((yy - (size - 1) / 2) ** 2 + (xx - (size - 1) / 2) ** 2) <= (size / 2) ** 2
    mask = np.zeros((height, width), dtype=bool)
    for pick in rng.choice(len(free_y), size=count, replace=len(free_y) < count):
        top, left = free_y[pick], free_x[pick]
        shape_mask = oval if rng.random() < 0.5 else np.ones_like(oval)
        mask[top : top + size, left : left + size] |= shape_mask
    check = max(2, size // 4)
    rows, cols = np.indices((height, width)) // check
    texture = np.where((rows + cols) % 2 == 0, 0, 255).astype(np.uint8)
    return mask, texture


def frames(
    stimulus: ChangeStimulus, variant: str = "flicker", seed: int | None = 0
) -> dict[str, np.ndarray]:
    """Every frame a cycle of ``variant`` needs, as uint8 RGB images."""
    a, b = stimulus.original, stimulus.changed
    if variant == "flicker":
        return {"A": a, "B": b, "blank": np.full_like(a, BLANK_GREY)}
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    mud, texture = mudsplashes(a.shape[:2], stimulus.mask, seed=seed)
    out = {"A": a, "B": b}
    for name, image in (("A_mud", a), ("B_mud", b)):
        splashed = image.copy()
        splashed[mud] = texture[mud, None]
        out[name] = splashed
    return out


def click_hit(
    stimulus: ChangeStimulus, x: float, y: float, tolerance_px: float = 20.0
) -> tuple[bool, float]:
    """Whether a click at ``(x, y)`` hit the change, and its distance (px) to it.

    A click hits when it lies within ``tolerance_px`` of the change mask (the
    mask dilated by that radius, as a finger or mouse is not a pixel).
    """
    height, width = stimulus.mask.shape
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ValueError(f"click coordinates must be finite, got ({x}, {y})")
    if tolerance_px < 0:
        raise ValueError(f"tolerance_px must be >= 0, got {tolerance_px}")
    col = int(np.clip(np.floor(x + 0.5), 0, width - 1))
    row = int(np.clip(np.floor(y + 0.5), 0, height - 1))
    if _inside(stimulus.mask, x, y):
        return True, 0.0
    _, (rows, cols) = ndimage.distance_transform_edt(~stimulus.mask, return_indices=True)
    distance = float(np.hypot(x - cols[row, col], y - rows[row, col]))
    return bool(distance <= tolerance_px), distance


def _inside(mask: np.ndarray, x: float, y: float) -> bool:
    """True when ``(x, y)`` lies on a pixel of ``mask`` (pixel i covers [i-0.5, i+0.5))."""
    height, width = mask.shape
    col, row = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
    return 0 <= row < height and 0 <= col < width and bool(mask[row, col])


@dataclass(frozen=True)
class Trial:
    """One change-detection trial: which change, and what the observer did."""

    stimulus_id: int
    placement: str
    kind: str
    variant: str
    detected: bool
    time_ms: float
    clicks: int
    x: float = float("nan")
    y: float = float("nan")


def score_trial(
    stimulus: ChangeStimulus,
    clicks: Sequence[tuple[float, float, float]],
    stimulus_id: int = 0,
    variant: str = "flicker",
    tolerance_px: float = 20.0,
) -> Trial:
    """Score the ``(x, y, t_ms)`` clicks of one trial; the first hit ends it.

    ``time_ms`` is the time of the first hit (time to detect), or of the last
    click when none hit (NaN without clicks).
    """
    for count, (x, y, t_ms) in enumerate(clicks, start=1):
        if click_hit(stimulus, x, y, tolerance_px)[0]:
            return Trial(
                stimulus_id,
                stimulus.placement,
                stimulus.kind,
                variant,
                True,
                float(t_ms),
                count,
                x,
                y,
            )
    last = clicks[-1] if clicks else (np.nan, np.nan, np.nan)
    return Trial(
        stimulus_id,
        stimulus.placement,
        stimulus.kind,
        variant,
        False,
        float(last[2]),
        len(clicks),
        float(last[0]),
        float(last[1]),
    )


def summarize(trials: Sequence[Trial]) -> pd.DataFrame:
    """Detection rate and time per placement (salient vs non-salient) and variant.

    Columns: ``trials``, ``detected`` (share), ``median_ms`` and ``mean_ms``
    over detected trials.
    """
    columns = ["trials", "detected", "median_ms", "mean_ms"]
    if not trials:
        return pd.DataFrame(columns=["placement", "variant", *columns]).set_index(
            ["placement", "variant"]
        )
    table = pd.DataFrame([t.__dict__ for t in trials])
    hits = table["time_ms"].where(table["detected"])
    table = table.assign(hit_ms=hits)
    grouped = table.groupby(["placement", "variant"])
    return pd.DataFrame(
        {
            "trials": grouped.size(),
            "detected": grouped["detected"].mean(),
            "median_ms": grouped["hit_ms"].median(),
            "mean_ms": grouped["hit_ms"].mean(),
        }
    )[columns]


def plot_summary(trials: Sequence[Trial], ax=None):
    """Detection time of each detected trial, salient vs non-salient changes."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    for position, placement in enumerate(("high", "low")):
        times = [t.time_ms / 1000 for t in trials if t.placement == placement and t.detected]
        missed = sum(1 for t in trials if t.placement == placement and not t.detected)
        jitter = np.linspace(-0.15, 0.15, len(times)) if len(times) > 1 else np.zeros(len(times))
        ax.scatter(position + jitter, times, alpha=0.8, label=f"{placement} ({missed} missed)")
        if times:
            ax.hlines(np.median(times), position - 0.25, position + 0.25, colors="k")
    ax.set_xticks([0, 1], ["salient change\n(high saliency)", "non-salient change\n(low saliency)"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylabel("time to detect (s)")
    ax.set_title("Your change detection times (line: median)")
    ax.legend(title="placement", fontsize="small")
    return ax


def plot_cycle(
    images: dict[str, np.ndarray], cycle: Sequence[tuple[str, float]], repeats: int = 2, ax=None
):
    """The display over time: each frame drawn as wide as it lasts (squeezed, not to scale)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(12, 2.2))[1]
    start = 0.0
    for _ in range(repeats):
        for name, duration in cycle:
            ax.imshow(images[name], extent=(start, start + duration, 0, 1))
            ax.text(start + duration / 2, -0.04, name, ha="center", va="top", fontsize=8)
            start += duration
    ax.set_xlim(0, start)
    ax.set_ylim(-0.2, 1)
    ax.set_aspect("auto")
    ax.set_yticks([])
    ax.set_xlabel("time (ms)")
    return ax

"""Raw eye-tracker samples to fixations: readers, I-VT, I-DT, a simulator, degrees and pixels.

Fixation detection follows Salvucci & Goldberg, "Identifying fixations and
saccades in eye-tracking protocols", ETRA 2000:

* **I-VT** (velocity threshold): a sample whose point-to-point velocity (in
  degrees per second) is below the threshold is a fixation sample; consecutive
  fixation samples form a fixation, kept if it lasts ``min_duration`` ms.
  As in Komogortsev et al. (IEEE TBME 2010) and the Tobii I-VT filter
  (Olsen 2012), fixations separated by a short gap and a small distance can be
  merged.
* **I-DT** (dispersion threshold): a window of ``min_duration`` ms whose
  dispersion ``(max x - min x) + (max y - min y)`` is at most the threshold (in
  degrees) is a fixation; it grows while the dispersion stays below the
  threshold.

Samples with tracking loss — NaN, the ``(0, 0)`` an SMI tracker writes during a
blink, or a point off the screen — are never fixation samples and break a
fixation in two. The reader :func:`read_smi` parses the SMI BeGaze export of the
DHF1K recordings (Wang et al., CVPR 2018), whose tracker labels each sample
``Fixation``, ``Saccade``, ``Blink`` or ``-``; :func:`cohen_kappa` compares two
labellings sample by sample. :func:`simulate_samples` turns a recorded
scanpath into raw samples (saccades on the main sequence, fixational drift,
tracker noise) so detection can be checked against known fixations.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

import numpy as np

from .fixations import Fixations

__all__ = [
    "DHF1K_PIXELS_PER_DEGREE",
    "DHF1K_SCREEN",
    "Detection",
    "GazeSamples",
    "angular_velocity",
    "cohen_kappa",
    "deg2px",
    "idt",
    "ivt",
    "main_sequence_duration",
    "pixels_per_degree",
    "px2deg",
    "read_smi",
    "recovery_rate",
    "simulate_samples",
    "valid_samples",
]

FIXATION, OTHER, LOST = 1, 0, -1


def pixels_per_degree(distance_mm: float, screen_width_mm: float, screen_width_px: int) -> float:
    """Pixels spanned by one degree of visual angle at the centre of a screen.

    One degree centred on the line of sight covers ``2 d tan(0.5 deg)`` mm at
    viewing distance ``d``.
    """
    for name, value in [
        ("distance_mm", distance_mm),
        ("screen_width_mm", screen_width_mm),
        ("screen_width_px", screen_width_px),
    ]:
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    mm_per_degree = 2 * distance_mm * math.tan(math.radians(0.5))
    return mm_per_degree * screen_width_px / screen_width_mm


#: DHF1K's display: 1440 x 900 px (SOURCE.md, from the SMI export). The papers
#: name an SMI RED250 but not the screen's size or distance; we ASSUME a 19-inch
#: 16:10 monitor (409 mm wide, the usual panel with 1440 x 900 native pixels) at
#: 65 cm, the middle of the RED250's 60-80 cm operating range.
DHF1K_SCREEN = {"width_px": 1440, "height_px": 900, "width_mm": 409.2, "distance_mm": 650.0}
DHF1K_PIXELS_PER_DEGREE = pixels_per_degree(
    DHF1K_SCREEN["distance_mm"], DHF1K_SCREEN["width_mm"], DHF1K_SCREEN["width_px"]
)


def _check_ppd(ppd: float) -> float:
    if not (np.isfinite(ppd) and ppd > 0):
        raise ValueError(f"ppd must be a positive number of pixels per degree, got {ppd!r}")
    return float(ppd)


def deg2px(degrees, ppd: float):
    """Degrees of visual angle to pixels (linear, with ``ppd`` pixels per degree)."""
    return np.asarray(degrees, dtype=np.float64) * _check_ppd(ppd)


def px2deg(pixels, ppd: float):
    """Pixels to degrees of visual angle (linear, with ``ppd`` pixels per degree)."""
    return np.asarray(pixels, dtype=np.float64) / _check_ppd(ppd)


# -- samples -------------------------------------------------------------------


@dataclass(frozen=True)
class GazeSamples:
    """Raw gaze samples of one recording.

    ``t`` in ms (from the first sample of a recording, from stimulus onset in a
    simulation), ``x``, ``y`` in screen pixels; ``label``
    the tracker's (or simulator's) event per sample (``"Fixation"``,
    ``"Saccade"``, ``"Blink"``, ``"-"``) when known; ``fixation_index`` (from
    :func:`simulate_samples`) the true fixation of each sample, -1 in saccades.
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    label: np.ndarray | None = None
    pupil: np.ndarray | None = None
    screen: tuple[int, int] | None = None
    fixation_index: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.t)

    @property
    def valid(self) -> np.ndarray:
        """Samples with a gaze position: finite, not ``(0, 0)``, on the screen if known."""
        return valid_samples(self.x, self.y, self.screen)

    @property
    def tracker_fixation(self) -> np.ndarray:
        """Boolean mask of the samples the tracker labelled ``Fixation``."""
        if self.label is None:
            raise ValueError("these samples carry no tracker labels")
        return self.label == "Fixation"


def valid_samples(x, y, screen: tuple[int, int] | None = None) -> np.ndarray:
    """Mask of samples with a gaze position (finite, not ``(0, 0)``, on ``screen=(W, H)``)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    if screen is not None:
        width, height = screen
        with np.errstate(invalid="ignore"):
            ok &= (x >= 0) & (x < width) & (y >= 0) & (y < height)
    return ok


SMI_COLUMNS = ("Time", "Type", "L POR X [px]", "L POR Y [px]", "L Event Info")


def read_smi(path: str | os.PathLike, screen: tuple[int, int] | None = (1440, 900)) -> GazeSamples:
    """Read an SMI BeGaze sample export (tab-separated, e.g. DHF1K ``Pxx_Trail002.txt``).

    Keeps the left eye's point of regard (screen px), pupil diameter and event
    label; ``Time`` (µs) becomes ms from the first sample. ``screen=(W, H)``
    (DHF1K: 1440 x 900) marks off-screen samples invalid.
    """
    path = os.fspath(path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    if not rows:
        raise ValueError(f"{path}: empty file, expected an SMI sample export with a header")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in SMI_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path}: header lacks SMI columns {missing}; got {header}")
    col = {name: header.index(name) for name in SMI_COLUMNS}
    pupil_col = header.index("L Dia X [px]") if "L Dia X [px]" in header else None
    body = [r for r in rows[1:] if r and any(field.strip() for field in r)]
    if not body:
        raise ValueError(f"{path}: header but no samples")
    times, xs, ys, labels, pupils = [], [], [], [], []
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {number}: expected {len(header)} tab-separated fields, "
                f"got {len(row)} (truncated file?)"
            )
        if row[col["Type"]] != "SMP":
            continue  # message lines (MSG) carry no sample
        try:
            times.append(int(row[col["Time"]]))
            xs.append(float(row[col["L POR X [px]"]]))
            ys.append(float(row[col["L POR Y [px]"]]))
            if pupil_col is not None:
                pupils.append(float(row[pupil_col]))
        except ValueError as error:
            raise ValueError(f"{path}, line {number}: not a number ({error})") from None
        labels.append(row[col["L Event Info"]].strip())
    time_us = np.asarray(times, dtype=np.int64)
    if np.any(np.diff(time_us) <= 0):
        raise ValueError(f"{path}: Time must increase from sample to sample")
    return GazeSamples(
        t=(time_us - time_us[0]) / 1000.0,
        x=np.asarray(xs),
        y=np.asarray(ys),
        label=np.asarray(labels),
        pupil=np.asarray(pupils) if pupil_col is not None else None,
        screen=screen,
    )


# -- detection -----------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    """Fixations found by a detector, and a label per sample.

    ``labels``: 1 fixation, 0 other (saccade, too short), -1 tracking loss.
    ``velocity``: deg/s per sample (I-VT only; NaN where not measurable).
    """

    fixations: Fixations
    labels: np.ndarray
    velocity: np.ndarray | None = None

    @property
    def is_fixation(self) -> np.ndarray:
        return self.labels == FIXATION


def _check_samples(t, x, y, valid) -> tuple[np.ndarray, ...]:
    arrays = []
    for name, values in [("t", t), ("x", x), ("y", y)]:
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
        arrays.append(array)
    t, x, y = arrays
    if not (len(t) == len(x) == len(y)):
        raise ValueError(f"t, x, y must have equal lengths, got {len(t)}, {len(x)}, {len(y)}")
    if len(t) < 2:
        raise ValueError(f"need at least 2 samples, got {len(t)}")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be finite and strictly increasing (ms)")
    ok = valid_samples(x, y)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != t.shape:
            raise ValueError(f"valid must have shape {t.shape}, got {valid.shape}")
        ok &= valid
    return t, x, y, ok


def _runs(mask: np.ndarray) -> np.ndarray:
    """``(k, 2)`` start and stop (exclusive) of each run of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1)


def _fixations_from_runs(runs, t, x, y, ok, n: int, subject: int) -> Fixations:
    """Centroid, onset and duration (to the next sample's onset) of each run."""
    dt = float(np.median(np.diff(t)))
    ends = np.append(t, t[-1] + dt)
    fx, fy, ft, fd = [], [], [], []
    for start, stop in runs:
        keep = ok[start:stop]
        fx.append(x[start:stop][keep].mean())
        fy.append(y[start:stop][keep].mean())
        ft.append(t[start])
        fd.append(ends[stop] - t[start])
    count = len(runs)
    return Fixations(
        x=fx, y=fy, n=np.full(count, n), subject=np.full(count, subject), t=ft, duration=fd
    )


def _label(runs, size: int, ok: np.ndarray) -> np.ndarray:
    labels = np.where(ok, OTHER, LOST).astype(np.int8)
    for start, stop in runs:
        labels[start:stop] = np.where(ok[start:stop], FIXATION, LOST)
    return labels


def _max_gap(t: np.ndarray, max_gap_ms: float | None) -> float:
    return 2.5 * float(np.median(np.diff(t))) if max_gap_ms is None else float(max_gap_ms)


def _velocity(t, x, y, ok, ppd: float, gap: float) -> np.ndarray:
    # central differences inside, one-sided ones at the first and last sample
    before = np.concatenate([[0], np.arange(len(t) - 1)])
    after = np.concatenate([np.arange(1, len(t)), [len(t) - 1]])
    span = t[after] - t[before]
    usable = ok[before] & ok & ok[after] & (span <= 2 * gap)
    distance = np.hypot(x[after] - x[before], y[after] - y[before]) / ppd
    return np.where(usable, distance / np.where(usable, span, 1.0) * 1000.0, np.nan)


def angular_velocity(
    t, x, y, ppd: float, valid=None, max_gap_ms: float | None = None
) -> np.ndarray:
    """The eye's speed at each sample in degrees per second, as :func:`ivt` measures it.

    A 3-sample central difference: the distance between sample ``i - 1`` and
    sample ``i + 1`` (in degrees: pixels divided by ``ppd``) over the time between
    them; one-sided at the first and last sample. NaN where the speed cannot be
    measured: one of the samples used has no gaze position (tracking loss, or
    ``valid`` False), or the two neighbours lie more than ``2 * max_gap_ms``
    apart (default: ``max_gap_ms`` is 2.5 median sample intervals).
    ``t`` in ms, ``x``, ``y`` in pixels.
    """
    t, x, y, ok = _check_samples(t, x, y, valid)
    return _velocity(t, x, y, ok, _check_ppd(ppd), _max_gap(t, max_gap_ms))


def ivt(
    t,
    x,
    y,
    ppd: float,
    threshold: float = 30.0,
    min_duration: float = 50.0,
    valid=None,
    merge_gap: float = 75.0,
    merge_distance: float = 0.5,
    max_gap_ms: float | None = None,
    n: int = 0,
    subject: int = 0,
) -> Detection:
    """I-VT: fixation samples are those slower than ``threshold`` deg/s.

    Velocity at a sample is the central difference over its two neighbours
    (a 3-sample filter, one-sided at the ends: :func:`angular_velocity`); it is
    undefined (NaN), hence not slow, next to tracking loss or a time gap.
    Runs of slow samples are cut where samples lie more than ``max_gap_ms``
    apart (default 2.5 sample intervals). Runs closer than ``merge_gap`` ms and
    ``merge_distance`` degrees, with no tracking loss between them, are merged
    (``merge_gap=0`` disables), then runs shorter than ``min_duration`` ms (from
    the run's first sample to the sample after its last) are dropped. SMI
    BeGaze's high-speed detector is velocity-based too (a peak threshold
    commonly set to 40 deg/s, fixations of at least 50 ms); the Tobii I-VT
    filter defaults to 30 deg/s.
    ``t`` in ms, ``x``, ``y`` in pixels, ``ppd`` pixels per degree.
    """
    t, x, y, ok = _check_samples(t, x, y, valid)
    ppd = _check_ppd(ppd)
    if not threshold > 0:
        raise ValueError(f"threshold must be a positive velocity in deg/s, got {threshold!r}")
    gap = _max_gap(t, max_gap_ms)
    velocity = _velocity(t, x, y, ok, ppd, gap)
    slow = np.nan_to_num(velocity, nan=np.inf) < threshold
    runs = _split_at_gaps(_runs(slow), t, gap)
    if merge_gap > 0 and len(runs) > 1:
        runs = _merge(runs, t, x, y, ok, merge_gap, merge_distance * ppd)
    runs = _long_enough(runs, t, min_duration)
    labels = _label(runs, len(t), ok)
    fixations = _fixations_from_runs(runs, t, x, y, ok, n, subject)
    return Detection(fixations=fixations, labels=labels, velocity=velocity)


def _split_at_gaps(runs: np.ndarray, t: np.ndarray, gap: float) -> np.ndarray:
    """Cut each run where consecutive samples are more than ``gap`` ms apart."""
    cuts = np.flatnonzero(np.diff(t) > gap) + 1
    if not len(runs) or not len(cuts):
        return runs.reshape(-1, 2).astype(np.int64)
    # the run that starts last at or before each cut; keep the cuts strictly inside it
    owner = np.searchsorted(runs[:, 0], cuts, side="right") - 1
    inside = owner >= 0
    owner = np.where(inside, owner, 0)
    inside &= (cuts > runs[owner, 0]) & (cuts < runs[owner, 1])
    starts = np.sort(np.concatenate([runs[:, 0], cuts[inside]]))
    stops = np.sort(np.concatenate([runs[:, 1], cuts[inside]]))
    return np.stack([starts, stops], axis=1).astype(np.int64)


def _merge(runs, t, x, y, ok, merge_gap: float, merge_px: float) -> np.ndarray:
    """Merge consecutive runs with a short gap, close centroids and no tracking loss between.

    A run's centroid is the mean of its usable samples, read from prefix sums
    (the loop over runs stays sequential: a merged run's centroid moves).
    """
    usable = ok.astype(np.float64)
    sum_x = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))]).tolist()
    sum_y = np.concatenate([[0.0], np.cumsum(np.where(ok, y, 0.0))]).tolist()
    count = np.concatenate([[0.0], np.cumsum(usable)]).tolist()
    lost = np.concatenate([[0], np.cumsum(~ok)]).tolist()
    times = t.tolist()

    def centre(start, stop):
        k = count[stop] - count[start]
        return (sum_x[stop] - sum_x[start]) / k, (sum_y[stop] - sum_y[start]) / k

    merged = [list(runs[0])]
    for start, stop in runs[1:].tolist():
        last = merged[-1]
        (ax, ay), (bx, by) = centre(*last), centre(start, stop)
        close = times[start] - times[last[1] - 1] <= merge_gap and (
            math.hypot(bx - ax, by - ay) <= merge_px
        )
        if close and lost[start] == lost[last[1]]:
            last[1] = stop
        else:
            merged.append([start, stop])
    return np.asarray(merged, dtype=np.int64)


def _long_enough(runs: np.ndarray, t: np.ndarray, min_duration: float) -> np.ndarray:
    if min_duration < 0:
        raise ValueError(f"min_duration must be >= 0 ms, got {min_duration!r}")
    dt = float(np.median(np.diff(t)))
    ends = np.append(t, t[-1] + dt)
    keep = [(a, b) for a, b in runs if ends[b] - t[a] >= min_duration - 1e-9]
    return np.asarray(keep, dtype=np.int64).reshape(-1, 2)


def idt(
    t,
    x,
    y,
    ppd: float,
    dispersion: float = 1.0,
    min_duration: float = 100.0,
    valid=None,
    max_gap_ms: float | None = None,
    n: int = 0,
    subject: int = 0,
) -> Detection:
    """I-DT (Salvucci & Goldberg 2000): windows of dispersion <= ``dispersion`` degrees.

    A window starts as the samples within ``min_duration`` ms; if its
    dispersion ``(max x - min x) + (max y - min y)`` is at most the threshold it
    grows sample by sample until the next would exceed it, and becomes a
    fixation; otherwise the window slides by one sample. Windows never span
    tracking loss or a time gap over ``max_gap_ms`` (default 2.5 intervals).
    """
    t, x, y, ok = _check_samples(t, x, y, valid)
    ppd = _check_ppd(ppd)
    if not dispersion > 0:
        raise ValueError(f"dispersion must be a positive angle in degrees, got {dispersion!r}")
    if min_duration <= 0:
        raise ValueError(f"min_duration must be > 0 ms, got {min_duration!r}")
    limit = dispersion * ppd
    gap = _max_gap(t, max_gap_ms)
    dt = float(np.median(np.diff(t)))
    ends = np.append(t, t[-1] + dt)
    # segments of consecutive usable samples
    broken = np.ones(len(t), dtype=bool)
    broken[1:] = np.diff(t) > gap
    segment = np.cumsum(broken | ~ok)
    runs = []
    i, size = 0, len(t)
    while i < size:
        if not ok[i]:
            i += 1
            continue
        j = int(np.searchsorted(ends, t[i] + min_duration - 1e-9))  # first end >= duration
        stop = j  # window is samples i .. stop-1, lasting ends[stop] - t[i]
        if stop > size or segment[stop - 1] != segment[i] or not ok[i:stop].all():
            i += 1
            continue
        wx, wy = x[i:stop], y[i:stop]
        lo_x, hi_x, lo_y, hi_y = wx.min(), wx.max(), wy.min(), wy.max()
        if (hi_x - lo_x) + (hi_y - lo_y) > limit:
            i += 1
            continue
        while stop < size and ok[stop] and segment[stop] == segment[i]:
            nx, ny = x[stop], y[stop]
            spread = (max(hi_x, nx) - min(lo_x, nx)) + (max(hi_y, ny) - min(lo_y, ny))
            if spread > limit:
                break
            lo_x, hi_x, lo_y, hi_y = min(lo_x, nx), max(hi_x, nx), min(lo_y, ny), max(hi_y, ny)
            stop += 1
        runs.append((i, stop))
        i = stop
    runs = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    labels = _label(runs, size, ok)
    return Detection(fixations=_fixations_from_runs(runs, t, x, y, ok, n, subject), labels=labels)


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two boolean labellings of the same samples (1 = perfect, 0 = chance)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b must be 1-D of equal shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("a and b are empty")
    observed = np.mean(a == b)
    pa, pb = a.mean(), b.mean()
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        raise ValueError("kappa is undefined when both labellings are constant and equal")
    return float((observed - expected) / (1 - expected))


# -- simulation ----------------------------------------------------------------


def main_sequence_duration(amplitude_deg):
    """Saccade duration in ms: ``2.2 ms/deg * A + 21 ms`` (Carpenter 1988; Baloh et al. 1975)."""
    return 2.2 * np.asarray(amplitude_deg, dtype=np.float64) + 21.0


def simulate_samples(
    scanpath: Fixations,
    rate: float = 240.0,
    ppd: float = 35.0,
    noise_deg: float = 0.1,
    drift_deg2_per_s: float = 0.01,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> GazeSamples:
    """Raw samples at ``rate`` Hz for one scanpath (fixations with ``t``, ``duration`` in ms).

    * Fixation ``k`` holds the eye at its recorded position plus **drift**, a
      random walk with diffusion coefficient ``drift_deg2_per_s``
      (variance ``2 D t`` per axis; Engbert & Kliegl 2004 measure ~0.01 deg^2/s).
    * Between fixations a **saccade** moves the eye along a straight line with
      a raised-cosine velocity profile (peak ``2 A / D``) whose duration ``D``
      follows the main sequence (:func:`main_sequence_duration`). It is centred
      in the recorded gap; when the gap is shorter than ``D`` it eats into the
      neighbouring fixations, and the rest of a longer gap is spent fixating.
    * **Tracker noise**: white Gaussian noise of ``noise_deg`` deg per axis.

    ``t`` keeps the scanpath's clock (ms from stimulus onset). ``label`` is
    ``"Fixation"`` or ``"Saccade"``; ``fixation_index`` the index
    of the scanpath fixation a sample belongs to (-1 in saccades).
    """
    if rng is None:
        rng = np.random.default_rng(seed)
    if not isinstance(scanpath, Fixations):
        raise ValueError(f"scanpath must be a Fixations, got {type(scanpath).__name__}")
    if scanpath.t is None or scanpath.duration is None:
        raise ValueError("scanpath needs onsets t and durations (ms) to be simulated")
    if len(scanpath) == 0:
        raise ValueError("scanpath is empty")
    if len(np.unique(np.stack([scanpath.n, scanpath.subject]), axis=1).T) != 1:
        raise ValueError("scanpath must hold one trial (one image, one subject)")
    if not rate > 0:
        raise ValueError(f"rate must be a positive sampling rate in Hz, got {rate!r}")
    ppd = _check_ppd(ppd)
    onset, duration = scanpath.t, scanpath.duration
    if np.any(duration < 0) or np.any(np.diff(onset) < 0):
        raise ValueError("scanpath t must be sorted and durations non-negative")
    offset = onset + duration
    t = np.arange(onset[0], offset[-1], 1000.0 / rate)
    x = np.full(len(t), scanpath.x[0])
    y = np.full(len(t), scanpath.y[0])
    index = np.full(len(t), -1)
    # saccade k goes from fixation k to k + 1, centred in the recorded gap
    amplitude = np.hypot(np.diff(scanpath.x), np.diff(scanpath.y)) / ppd
    length = main_sequence_duration(amplitude)
    middle = (offset[:-1] + onset[1:]) / 2
    sacc_start, sacc_end = middle - length / 2, middle + length / 2
    fix_start = np.concatenate([[onset[0]], sacc_end])
    fix_end = np.concatenate([sacc_start, [offset[-1]]])
    for k in range(len(scanpath)):
        inside = (t >= fix_start[k]) & (t < fix_end[k])
        steps = np.sqrt(2 * drift_deg2_per_s / rate) * ppd
        walk = np.cumsum(rng.normal(0.0, steps, size=(inside.sum(), 2)), axis=0)
        x[inside] = scanpath.x[k] + walk[:, 0]
        y[inside] = scanpath.y[k] + walk[:, 1]
        index[inside] = k
    for k in range(len(scanpath) - 1):
        inside = (t >= sacc_start[k]) & (t < sacc_end[k])
        phase = (t[inside] - sacc_start[k]) / length[k]
        progress = phase - np.sin(2 * np.pi * phase) / (2 * np.pi)
        start_x, start_y = scanpath.x[k], scanpath.y[k]
        x[inside] = start_x + progress * (scanpath.x[k + 1] - start_x)
        y[inside] = start_y + progress * (scanpath.y[k + 1] - start_y)
        index[inside] = -1
    x = x + rng.normal(0.0, noise_deg * ppd, len(t))
    y = y + rng.normal(0.0, noise_deg * ppd, len(t))
    label = np.where(index >= 0, "Fixation", "Saccade")
    return GazeSamples(t=t, x=x, y=y, label=label, fixation_index=index)


def recovery_rate(detected: Fixations, recorded: Fixations, max_distance: float) -> float:
    """Share of ``recorded`` fixations matched one-to-one by a ``detected`` fixation.

    Recorded fixations are taken in order; each is matched by the first unused
    detected fixation that overlaps it in time and lies within ``max_distance``
    pixels. Both need ``t`` and ``duration`` (ms, on the same clock).
    """
    for name, f in [("detected", detected), ("recorded", recorded)]:
        if f.t is None or f.duration is None:
            raise ValueError(f"{name} needs t and duration (ms)")
    if len(recorded) == 0:
        raise ValueError("recorded is empty; there is nothing to recover")
    d_start, d_end = detected.t, detected.t + detected.duration
    used = np.zeros(len(detected), dtype=bool)
    hits = 0
    trials = zip(recorded.x, recorded.y, recorded.t, recorded.duration, strict=True)
    for x0, y0, start, length in trials:
        overlap = (d_start < start + length) & (d_end > start)
        near = np.hypot(detected.x - x0, detected.y - y0) <= max_distance
        candidates = np.flatnonzero(overlap & near & ~used)
        if len(candidates):
            used[candidates[0]] = True
            hits += 1
    return hits / len(recorded)

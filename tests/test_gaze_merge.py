"""The I-VT run splitting and merging (vectorised with prefix sums) give exactly what the
straightforward per-run loops give, on real SMI samples (DHF1K) and on MIT1003 scanpaths
simulated at 240 Hz."""

from __future__ import annotations

import math

import numpy as np
import pytest

from saliency_course import gaze
from saliency_course.data.fixatons import read_scanpath
from saliency_course.fixations import Fixations


def split_loop(runs, t, gap):
    """Reference: cut each run at its internal time gaps, one run at a time."""
    out = []
    for start, stop in runs:
        cuts = np.flatnonzero(np.diff(t[start:stop]) > gap) + start + 1
        bounds = [start, *cuts.tolist(), stop]
        out.extend(zip(bounds[:-1], bounds[1:], strict=True))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def merge_loop(runs, t, x, y, ok, merge_gap, merge_px):
    """Reference: merge consecutive runs, centroids as means of the usable samples."""

    def centre(start, stop):
        keep = ok[start:stop]
        return x[start:stop][keep].mean(), y[start:stop][keep].mean()

    merged = [list(runs[0])]
    for start, stop in runs[1:]:
        last = merged[-1]
        (ax, ay), (bx, by) = centre(*last), centre(start, stop)
        close = t[start] - t[last[1] - 1] <= merge_gap and math.hypot(bx - ax, by - ay) <= merge_px
        if close and ok[last[1] : start].all():
            last[1] = stop
        else:
            merged.append([start, stop])
    return np.asarray(merged, dtype=np.int64)


def _slow_runs(t, x, y, ok, ppd, threshold=30.0):
    """The slow-sample runs ivt() starts from (same velocity filter)."""
    gap = 2.5 * float(np.median(np.diff(t)))
    before = np.concatenate([[0], np.arange(len(t) - 1)])
    after = np.concatenate([np.arange(1, len(t)), [len(t) - 1]])
    span = t[after] - t[before]
    usable = ok[before] & ok & ok[after] & (span <= 2 * gap)
    distance = np.hypot(x[after] - x[before], y[after] - y[before]) / ppd
    velocity = np.where(usable, distance / np.where(usable, span, 1.0) * 1000.0, np.nan)
    slow = np.nan_to_num(velocity, nan=np.inf) < threshold
    return gaze._runs(slow), gap


def _recordings(data_dir):
    root = data_dir / "video" / "dhf1k" / "exportdata_train"
    for i in (1, 5, 9):
        r = gaze.read_smi(root / f"P{i:02d}" / f"P{i:02d}_Trail002.txt")
        yield r.t, r.x, r.y, r.valid, gaze.DHF1K_PIXELS_PER_DEGREE
    source = data_dir / "fixatons" / "MIT1003" / "SCANPATHS"
    rng = np.random.default_rng(3)
    for folder in sorted(source.iterdir())[:20]:
        rows = read_scanpath(folder / "CNG")
        scan = Fixations(
            x=rows[:, 0] - 1,
            y=rows[:, 1] - 1,
            n=np.zeros(len(rows)),
            subject=np.zeros(len(rows)),
            t=1000 * rows[:, 2],
            duration=1000 * (rows[:, 3] - rows[:, 2]),
        )
        s = gaze.simulate_samples(scan, rate=240.0, ppd=35.0, rng=rng)
        t = s.t.copy()
        t[200:] += 30.0  # a time gap inside the recording
        ok = gaze.valid_samples(s.x, s.y)
        ok[300:310] = False  # a blink
        yield t, s.x, s.y, ok, 35.0


def test_split_and_merge_match_the_per_run_loops(data_dir):
    checked = merged_somewhere = 0
    for t, x, y, ok, ppd in _recordings(data_dir):
        runs, gap = _slow_runs(t, x, y, ok, ppd)
        split = gaze._split_at_gaps(runs, t, gap)
        assert np.array_equal(split, split_loop(runs, t, gap))
        for merge_gap, merge_deg in ((75.0, 0.5), (200.0, 1.5)):
            fast = gaze._merge(split, t, x, y, ok, merge_gap, merge_deg * ppd)
            slow = merge_loop(split, t, x, y, ok, merge_gap, merge_deg * ppd)
            assert np.array_equal(fast, slow)
            merged_somewhere += len(fast) < len(split)
        checked += 1
    assert checked == 23 and merged_somewhere > 20


@pytest.mark.parametrize(
    "runs, t, expected",
    [
        ([[0, 5]], [0, 1, 2, 10, 11], [[0, 3], [3, 5]]),  # one gap inside
        ([[1, 3], [3, 5]], [0, 1, 9, 10, 11], [[1, 2], [2, 3], [3, 5]]),  # a gap at a boundary
        ([[0, 2]], [0, 9, 18, 27, 28], [[0, 1], [1, 2]]),  # gaps after the run are ignored
        (np.zeros((0, 2)), [0, 1, 2], np.zeros((0, 2))),
    ],
)
def test_split_at_gaps_by_hand(runs, t, expected):
    out = gaze._split_at_gaps(np.asarray(runs, dtype=np.int64), np.asarray(t, float), 5.0)
    assert out.dtype == np.int64 and np.array_equal(out, np.asarray(expected).reshape(-1, 2))

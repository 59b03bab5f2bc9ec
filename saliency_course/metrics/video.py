"""Video saliency metrics: image metrics per frame, averaged as the DHF1K benchmark does.

W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji, "Revisiting Video Saliency: A
Large-Scale Benchmark and a New Model", CVPR 2018 (and TPAMI 2021) score video
models with five of the MIT-benchmark metrics computed on every frame — AUC-Judd,
SIM, shuffled AUC, CC and NSS — averaged over a video's frames and then over
videos. The per-frame metrics here are :mod:`saliency_course.metrics` (exact
ports of the MIT MATLAB code); CC and SIM compare with the dataset's own
continuous map of the frame, AUC-J, sAUC and NSS with its binary fixation map.
For DHF1K both come from the clip and follow its ``official_maps`` choice: by
default the maps ``record_mapping.m`` writes, which the published scores use.

**Shuffled AUC's "other map"** (the negatives: fixations of *other* stimuli,
which share the centre bias but not the frame's content). DHF1K's evaluation
code was not available to us, so the choice is ours and documented: the other
map of a frame is the union of the fixation maps of ``n_other`` (default 10)
frames drawn at random with the seeded generator — from *other clips* when the
evaluation has more than one, otherwise from frames of the same clip at least
``min_gap_s`` seconds (default 2 s) away, so that the negatives do not fixate the
same moment. Maps of clips of another size are mapped by scaling pixel centres.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import auc_judd, auc_shuffled, cc, nss, similarity

#: The DHF1K benchmark's metrics, in its table's order.
DHF1K_METRICS = ("auc_judd", "similarity", "auc_shuffled", "cc", "nss")
_NEEDS_DENSITY = {"similarity", "cc"}


def _rescale_points(xy: np.ndarray, source: tuple[int, int], target: tuple[int, int]) -> np.ndarray:
    """Pixel ``(x, y)`` of a ``source``-sized frame to the nearest pixel of a ``target`` one."""
    if tuple(source) == tuple(target):
        return xy
    sx, sy = target[1] / source[1], target[0] / source[0]
    x = np.clip(np.round((xy[:, 0] + 0.5) * sx - 0.5), 0, target[1] - 1)
    y = np.clip(np.round((xy[:, 1] + 0.5) * sy - 0.5), 0, target[0] - 1)
    return np.stack([x, y], axis=1).astype(np.int64)


def other_map(
    clip,
    frame: int,
    pool: Sequence,
    rng: np.random.Generator,
    n_other: int = 10,
    min_gap_s: float = 2.0,
) -> np.ndarray:
    """The sAUC negatives for ``frame`` of ``clip``: a binary map at the clip's size.

    ``pool`` lists the annotated clips of the evaluation (``clip`` may be in it).
    See the module docstring for the rule.
    """
    if n_other < 1:
        raise ValueError(f"n_other must be >= 1, got {n_other}")
    others = [c for c in pool if c is not clip and c.has_annotation]
    candidates: list[tuple[object, int]]
    if others:
        picks = rng.integers(0, len(others), size=n_other)
        candidates = [(others[i], int(rng.integers(0, others[i].n_frames))) for i in picks]
    else:
        gap = int(np.ceil(min_gap_s * (clip.fps or 30.0)))
        far = np.flatnonzero(np.abs(np.arange(clip.n_frames) - frame) >= gap)
        if far.size == 0:
            raise ValueError(
                f"clip {clip.name} has no frame {min_gap_s} s away from frame {frame} and no "
                "other clip is given: pass more clips or a smaller min_gap_s"
            )
        candidates = [(clip, int(k)) for k in rng.choice(far, size=n_other)]
    result = np.zeros(clip.shape)
    for source, k in candidates:
        xy = _rescale_points(source.fixation_points(k), source.shape, clip.shape)
        result[xy[:, 1], xy[:, 0]] = 1.0
    return result


def _metric_functions(names: Sequence[str]) -> dict[str, Callable]:
    known = {
        "auc_judd": auc_judd,
        "similarity": similarity,
        "auc_shuffled": auc_shuffled,
        "cc": cc,
        "nss": nss,
    }
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(
            f"metrics must be a non-empty subset of {sorted(known)}, got {list(names)}"
        )
    return {n: known[n] for n in names}


def score_clip(
    saliency_maps: np.ndarray,
    clip,
    frames: Sequence[int] | None = None,
    metrics: Sequence[str] = DHF1K_METRICS,
    pool: Sequence | None = None,
    n_other: int = 10,
    min_gap_s: float = 2.0,
    seed: int = 0,
    progress: bool = False,
):
    """Per-frame scores of ``saliency_maps`` ``(T, h, w)`` on ``clip``'s ``frames``.

    ``saliency_maps[j]`` is the prediction for frame ``frames[j]`` (default: all
    frames, in order); maps of another size are resized to the frame as the MIT
    code does. ``pool``: the clips whose fixations feed sAUC's other maps
    (default: this clip alone). Returns a ``pandas.DataFrame`` with columns
    ``clip``, ``frame`` and one per metric.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    functions = _metric_functions(metrics)
    frames = list(range(clip.n_frames)) if frames is None else [int(k) for k in frames]
    maps = np.asarray(saliency_maps, dtype=np.float64)
    if maps.ndim != 3 or len(maps) != len(frames):
        raise ValueError(
            f"saliency_maps must be (T, h, w) with one map per scored frame ({len(frames)}), "
            f"got shape {maps.shape}"
        )
    if not clip.has_annotation:
        raise ValueError(f"clip {clip.name} has no fixations to score against")
    rng = np.random.default_rng(seed)
    pool = [clip] if pool is None else list(pool)
    rows = []
    for j, k in enumerate(tqdm(frames, desc=f"scoring {clip.name}", disable=not progress)):
        fixation = clip.fixation_map(k)
        density = clip.density_map(k) if _NEEDS_DENSITY & set(functions) else None
        row = {"clip": clip.name, "frame": k}
        for name, fn in functions.items():
            if name in _NEEDS_DENSITY:
                row[name] = fn(maps[j], density)
            elif name == "auc_shuffled":
                negatives = other_map(clip, k, pool, rng, n_other, min_gap_s)
                row[name] = fn(maps[j], fixation, negatives, seed=int(rng.integers(2**31)))
            else:
                row[name] = fn(maps[j], fixation)
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(per_frame):
    """DHF1K's averaging: the mean over each clip's frames, then the mean over clips.

    Returns a ``pandas.Series`` of metric means (NaN frames skipped, as none
    arise for frames with fixations and non-constant maps).
    """
    metric_columns = [c for c in per_frame.columns if c not in ("clip", "frame")]
    return per_frame.groupby("clip")[metric_columns].mean().mean()


def _leave_one_out_nss(points: np.ndarray, owners: np.ndarray, shape: tuple[int, int]) -> dict:
    """NSS of each observer's pixels under the others' official DHF1K map, without the map.

    ``points`` (k, 2) are a frame's fixated pixels and ``owners`` (k,) who fixated
    them (a pixel fixated by two observers appears twice). The others' map is
    ``M = gy_R.T @ gx_R`` over their distinct pixels ``R``; NSS needs its mean
    ``sum_i sy_i sx_i / N``, its sum of squares ``sum_ij (gy gy.T)_ij (gx gx.T)_ij``
    (MATLAB's std, N - 1) and its values at the observer's pixels — all from the
    separable factors, exactly, in O(k^2 (H + W)) instead of O(k H W).
    """
    from ..data.video import dhf1k_gaussian_factors

    distinct, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    gy, gx = dhf1k_gaussian_factors(distinct, shape)
    gram = (gy @ gy.T) * (gx @ gx.T)
    mass = gy.sum(axis=1) * gx.sum(axis=1)
    n = shape[0] * shape[1]
    result = {}
    for subject in np.unique(owners):
        rest = np.unique(inverse[owners != subject])
        if rest.size == 0:
            continue
        mine = np.unique(inverse[owners == subject])
        mean = mass[rest].sum() / n
        variance = (gram[np.ix_(rest, rest)].sum() - n * mean**2) / (n - 1)
        values = np.einsum(
            "ip,ip->p", gy[rest][:, distinct[mine, 1]], gx[rest][:, distinct[mine, 0]]
        )
        result[int(subject)] = float(np.mean((values - mean) / np.sqrt(variance)))
    return result


def inter_observer_agreement(
    clip,
    frames: Sequence[int] | None = None,
    metric: str = "nss",
    progress: bool = False,
):
    """Leave-one-observer-out agreement on each frame of a raw-gaze clip.

    For every frame and every observer who fixated during it, the other
    observers' fixated pixels are turned into the dataset's continuous map
    (DHF1K: ``make_gauss_masks``, FWHM 30 px) and scored against this observer's
    fixation map with ``metric``. Each observer's pixels are their part of the
    frame's fixation map under the clip's ``official_maps`` rule (official: the
    product of the rows and columns their samples visited, as
    ``record_mapping.m`` marks them; else the samples' own pixels), so the
    others' map is the map DHF1K would release without this observer.
    ``metric``: ``"nss"`` (computed from the map's separable factors, equal to
    :func:`saliency_course.metrics.nss` on the full map) or ``"auc_judd"`` (on
    the full map). High values mean observers look at the same
    place at the same time. Returns a DataFrame with ``frame``, ``subject`` and
    the metric.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from ..data.video import dhf1k_saliency_map

    if metric not in ("nss", "auc_judd"):
        raise ValueError(f"metric must be 'nss' or 'auc_judd', got {metric!r}")
    if clip.fixations is None:
        raise ValueError(f"clip {clip.name} has no per-observer gaze (maps only)")
    frames = range(clip.n_frames) if frames is None else [int(k) for k in frames]
    rows = []
    for k in tqdm(frames, desc="observers", disable=not progress):
        parts = [
            (int(s), clip.fixation_points(k, subject=int(s)))
            for s in np.unique(clip.frame_samples(k).subject)
        ]
        if not parts:
            continue
        points = np.concatenate([xy for _, xy in parts])
        owners = np.concatenate([np.full(len(xy), s) for s, xy in parts])
        if metric == "nss":
            scores = _leave_one_out_nss(points, owners, clip.shape)
        else:
            scores = {}
            for subject, own in parts:
                others = points[owners != subject]
                if len(others) == 0:
                    continue
                prediction = dhf1k_saliency_map(np.unique(others, axis=0), clip.shape)
                own_map = np.zeros(clip.shape)
                own_map[own[:, 1], own[:, 0]] = 1.0
                scores[int(subject)] = auc_judd(prediction, own_map)
        rows += [{"frame": k, "subject": s, metric: v} for s, v in scores.items()]
    return pd.DataFrame(rows, columns=["frame", "subject", metric])

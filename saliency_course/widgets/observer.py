"""Be the observer: a mouse-contingent viewing experiment, as pure functions.

SALICON (Jiang, Huang, Duan & Zhao, "SALICON: Saliency in Context", CVPR
2015) replaced the eye tracker by the mouse: the image is shown blurred, as
peripheral vision sees it, and only a small region around the mouse pointer is
sharp, so observers move the mouse where they want to look. The mouse path,
sampled at 100 Hz, is turned into "fixations" by keeping its slow parts. Here
the path is resampled to a 100 Hz grid and the package's own velocity-threshold
detector (:func:`saliency_course.gaze.ivt`) finds the fixations; the student's
map is then scored against the real eye fixations of the same image with the
package's metrics, next to each real observer scored the same way
(leave-one-out) and a centre prior.

SALICON blurred with a multi-resolution pyramid; we use three levels (sharp
within ``fovea_deg`` of the pointer, mildly blurred up to twice that, strongly
blurred beyond), enough to force the pointer to where the student looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import ndimage

from ..fixations import Fixations
from ..stimuli import check_rgb_image

SAMPLE_RATE_HZ = 100.0
METRICS = ("auc_judd", "nss", "cc")


def blur(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """The image Gaussian-blurred with ``sigma_px`` in both directions, still uint8 RGB."""
    image = check_rgb_image(image)
    if not sigma_px >= 0:
        raise ValueError(f"sigma_px must be >= 0, got {sigma_px!r}")
    out = ndimage.gaussian_filter(image.astype(np.float32), (sigma_px, sigma_px, 0), mode="nearest")
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def foveation_levels(
    image: np.ndarray, ppd: float, fovea_deg: float = 2.0
) -> tuple[list[np.ndarray], list[float]]:
    """Images from sharp to blurred and the radii (px) up to which each is shown.

    Level 0 (sharp) within ``fovea_deg`` of the pointer, level 1 (sigma a
    quarter degree) up to twice that, level 2 (sigma one degree) beyond.
    """
    if not ppd > 0 or not fovea_deg > 0:
        raise ValueError(f"ppd and fovea_deg must be > 0, got ppd={ppd!r}, fovea_deg={fovea_deg!r}")
    image = check_rgb_image(image)
    levels = [image, blur(image, 0.25 * ppd), blur(image, 1.0 * ppd)]
    radius = fovea_deg * ppd
    return levels, [radius, 2 * radius, np.inf]


def foveate(image: np.ndarray, x: float, y: float, ppd: float, fovea_deg: float = 2.0):
    """What the observer sees with the pointer at ``(x, y)`` (uint8 RGB)."""
    levels, radii = foveation_levels(image, ppd, fovea_deg)
    height, width = image.shape[:2]
    distance = np.hypot(np.arange(width)[None, :] - x, np.arange(height)[:, None] - y)
    level = np.searchsorted(np.asarray(radii), distance, side="left")
    return np.choose(level[..., None], levels)


def resample_path(t_ms, x, y, rate_hz: float = SAMPLE_RATE_HZ):
    """Pointer positions on a regular ``rate_hz`` grid (the last position held).

    A browser reports the pointer only when it moves; holding it still is
    looking, so the last reported position holds until the next report.
    """
    t, x, y = (np.asarray(v, dtype=np.float64).ravel() for v in (t_ms, x, y))
    if not len(t) == len(x) == len(y):
        raise ValueError(
            f"t_ms, x, y must have one entry per sample, got {len(t)}, {len(x)}, {len(y)}"
        )
    if len(t) < 2:
        raise ValueError(f"a mouse path needs at least 2 samples, got {len(t)}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("t_ms, x and y must be finite")
    if not rate_hz > 0:
        raise ValueError(f"rate_hz must be > 0, got {rate_hz!r}")
    order = np.argsort(t, kind="stable")
    t, x, y = t[order], x[order], y[order]
    grid = np.arange(t[0], t[-1] + 1e-9, 1000.0 / rate_hz)
    last = np.searchsorted(t, grid, side="right") - 1
    return grid, x[last], y[last]


def path_to_fixations(
    t_ms,
    x,
    y,
    ppd: float,
    shape: tuple[int, int] | None = None,
    threshold_deg_s: float = 5.0,
    min_duration_ms: float = 100.0,
    n: int = 0,
    subject: int = 0,
) -> Fixations:
    """Fixations of a mouse path (times ms, positions px) with the package's I-VT.

    A mouse moves far slower than an eye, so the velocity threshold is low
    (5 deg/s) and a "fixation" must last ``min_duration_ms``. Samples outside
    an image of ``shape`` are invalid (the pointer left the image).
    """
    from ..gaze import ivt

    t, xs, ys = resample_path(t_ms, x, y)
    valid = None
    if shape is not None:
        height, width = shape
        valid = (xs >= -0.5) & (xs < width - 0.5) & (ys >= -0.5) & (ys < height - 0.5)
    detection = ivt(
        t,
        xs,
        ys,
        ppd,
        threshold=threshold_deg_s,
        min_duration=min_duration_ms,
        valid=valid,
        n=n,
        subject=subject,
    )
    return detection.fixations


@dataclass(frozen=True)
class ObserverScore:
    """How human a set of fixations is, on one image.

    ``table``: rows ``you``, ``human observers``, ``centre prior``; one column
    per metric, each the mean over leave-one-out folds (fold ``s`` scores
    against all real observers but ``s``). ``humans``: one row per real
    observer (its own fold). ``percentile``: share of real observers whose NSS
    is below yours.
    """

    table: pd.DataFrame
    humans: pd.DataFrame
    percentile: float


def score_observer(
    fixations,
    real: Fixations,
    shape: tuple[int, int],
    sigma_px: float,
    metrics: Sequence[str] = METRICS,
    max_side: int = 400,
) -> ObserverScore:
    """Score the student's ``fixations`` (a ``Fixations`` or ``(k, 2)`` x, y) against ``real``.

    Maps are computed at a working size whose longer side is at most
    ``max_side`` px (coordinates and ``sigma_px`` scaled alike), which keeps a
    widget responsive; every map is a Gaussian density of the fixations.
    AUC-Judd uses the MIT code's tie-breaking jitter (sparse maps have large
    ties at zero, which the un-jittered curve scores far below chance).
    """
    from .. import metrics as metric_functions
    from ..maps import density_map, fixation_map
    from ..stimuli import center_prior

    unknown = [m for m in metrics if m not in ("auc_judd", "nss", "cc", "similarity", "kld")]
    if unknown:
        raise ValueError(f"metrics must be among auc_judd, nss, cc, similarity, kld; got {unknown}")
    student = _xy(fixations)
    if len(student) == 0:
        raise ValueError("fixations is empty: no fixation was detected in the mouse path")
    subjects = np.unique(real.subject)
    if len(subjects) < 2:
        raise ValueError(f"real needs fixations of at least 2 observers, got {len(subjects)}")
    if not sigma_px > 0:
        raise ValueError(f"sigma_px must be > 0, got {sigma_px!r}")
    factor = min(1.0, max_side / max(shape))
    small = (max(1, round(shape[0] * factor)), max(1, round(shape[1] * factor)))
    sigma = sigma_px * factor

    def scaled(xy: np.ndarray) -> np.ndarray:
        return (xy + 0.5) * factor - 0.5

    you_map = density_map(scaled(student), small, sigma_px=sigma)
    prior = center_prior(small)
    rows: dict[str, list[dict[str, float]]] = {"you": [], "human": [], "centre": []}
    for s in subjects:
        others = real[real.subject != s]
        others_xy = scaled(np.stack([others.x, others.y], axis=1))
        truth = {
            "fix": fixation_map(others_xy, small),
            "density": density_map(others_xy, small, sigma_px=sigma),
        }
        own = real[real.subject == s]
        human_map = density_map(scaled(np.stack([own.x, own.y], axis=1)), small, sigma_px=sigma)
        for key, saliency in (("you", you_map), ("human", human_map), ("centre", prior)):
            rows[key].append({m: _metric(metric_functions, m, saliency, truth) for m in metrics})
    humans = pd.DataFrame(rows["human"], index=pd.Index(subjects, name="observer"))
    table = pd.DataFrame(
        {
            "you": pd.DataFrame(rows["you"]).mean(),
            "human observers": humans.mean(),
            "centre prior": pd.DataFrame(rows["centre"]).mean(),
        }
    ).T
    reference = "nss" if "nss" in metrics else metrics[0]
    better = humans[reference] < table.loc["you", reference]
    if reference == "kld":  # lower is better
        better = humans[reference] > table.loc["you", reference]
    return ObserverScore(table=table, humans=humans, percentile=float(better.mean()))


def _metric(module, name: str, saliency: np.ndarray, truth: dict) -> float:
    if name == "auc_judd":  # jitter breaks the ties of sparse maps, as MATLAB's default does
        return float(module.auc_judd(saliency, truth["fix"], jitter=True, seed=0))
    target = truth["fix"] if name == "nss" else truth["density"]
    return float(getattr(module, name)(saliency, target))


def _xy(fixations) -> np.ndarray:
    if isinstance(fixations, Fixations):
        return np.stack([fixations.x, fixations.y], axis=1)
    xy = np.asarray(fixations, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"fixations must be Fixations or an (k, 2) array of x, y; got {xy.shape}")
    return xy

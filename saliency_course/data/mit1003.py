"""MIT1003 from its official archives, with fixations detected from the raw 240 Hz samples.

Tilke Judd, Krista Ehinger, Frédo Durand, Antonio Torralba. "Learning to
predict where humans look." ICCV 2009. people.csail.mit.edu/tjudd/WherePeopleLook/

Layout of ``<root>/mit1003/`` (as the archives extract): ``ALLSTIMULI/*.jpeg``
(1003 images, longest side 1024), ``DATA/<user>/<image>.mat`` (15 users) and
``ALLFIXATIONMAPS/`` (the official ``*_fixMap.jpg`` maps). Each ``DATA`` file
holds one variable named after the image (cut to MATLAB's 63 characters), a
struct whose ``DATA(1).eyeData`` is ``(N, 2)``: the raw ``x, y`` gaze samples at
240 Hz in 1-based image pixels; negative values are blinks (DatabaseCode README).

Fixations are detected in Python with :func:`saliency_course.gaze.ivt`, not with
Judd's MATLAB ``checkFixations.m``, which finds saccades by an *acceleration*
criterion (6 deg/s velocity change between two 4-sample windows at 34 px/deg),
keeps fixations of at least 50 ms and reports the **median** sample of each.
Here: I-VT at ``threshold`` deg/s (default 30, Salvucci & Goldberg 2000) with
the same 50 ms minimum; a fixation's position is, as Judd's, the median of its
samples.
As Judd's code, the first fixation of each trial (on the central fixation
cross) is dropped unless ``keep_first=True``. Coordinates become 0-based by
subtracting 1, and fixations outside the image are dropped
(:meth:`Fixations.inside`: ``-0.5 <= x < W - 0.5``, which is Judd's
``0 < x <= W`` on 1-based pixels up to half a pixel at each border). ``t`` is
the onset sample index / 240 Hz in ms.
Detected fixations are cached in ``<root>/mit1003/fixations-ivt-<params>-v<package version>.npz``
(written atomically).

Splits: ``iccv100`` (the MIT benchmark's 100-image tuning subset) and ``rest``;
and a fixed seeded image-wise ``train``/``val``/``test`` split (seed 0, 80/10/10 %).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .. import __version__, gaze
from ..fixations import Fixations
from .base import SaliencyDataset, read_image_shape
from .files import load_mat, missing_files_error, save_npz_atomic, seeded_split
from .mit1003_splits import ICCV100

BASE_URL = "http://people.csail.mit.edu/tjudd/WherePeopleLook"
USERS = (
    "CNG",
    "ajs",
    "emb",
    "ems",
    "ff",
    "hp",
    "jcw",
    "jw",
    "kae",
    "krl",
    "po",
    "tmj",
    "tu",
    "ya",
    "zb",
)
SAMPLING_RATE = 240.0
PIXELS_PER_DEGREE = 35.0
CITATION = (
    "Tilke Judd, Krista Ehinger, Fredo Durand, Antonio Torralba. Learning to predict where "
    "humans look. ICCV 2009."
)


def resources():
    from .download import Resource

    return [
        Resource(
            f"{BASE_URL}/ALLSTIMULI.zip", "ALLSTIMULI.zip", "0d7df8b954ecba69b6796e77b9afe4b6"
        ),
        Resource(f"{BASE_URL}/DATA.zip", "DATA.zip", "ea19d74ad0a0144428c53e9d75c2d71c"),
        Resource(f"{BASE_URL}/ALLFIXATIONMAPS.zip", "ALLFIXATIONMAPS.zip"),
    ]


_EMPTY = Fixations(x=[], y=[], n=[], subject=[], t=[], duration=[])


def read_eye_data(path: str | Path) -> np.ndarray:
    """``DATA(1).eyeData`` of one MIT1003 ``.mat`` file: ``(N, 2)`` raw ``x, y`` (1-based px)."""
    path = Path(path)
    content = {k: v for k, v in load_mat(path).items() if not k.startswith("__")}
    variable = content.get(path.stem[:63])
    if variable is None:
        raise ValueError(
            f"{path}: expected a variable named {path.stem[:63]!r}, got {sorted(content)}"
        )
    try:
        eye = np.asarray(variable[0, 0]["DATA"][0, 0]["eyeData"], dtype=float)
    except (IndexError, KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{path}: expected the struct {path.stem[:63]}.DATA(1).eyeData") from err
    if eye.ndim != 2 or eye.shape[1] < 2:
        raise ValueError(f"{path}: eyeData must be (N, 2) x, y samples, got shape {eye.shape}")
    return eye[:, :2]


def detect_trial(
    eye: np.ndarray,
    shape: tuple[int, int],
    threshold: float,
    keep_first: bool,
    n: int = 0,
    subject: int = 0,
) -> Fixations:
    """Fixations of one trial's raw samples, converted and filtered as the module doc says."""
    t = np.arange(len(eye)) * 1000.0 / SAMPLING_RATE
    x, y = eye[:, 0], eye[:, 1]
    valid = np.isfinite(x) & np.isfinite(y) & (x >= 0) & (y >= 0)
    if valid.sum() < 2:
        return _EMPTY
    found = gaze.ivt(
        t,
        x,
        y,
        PIXELS_PER_DEGREE,
        threshold=threshold,
        min_duration=50.0,
        valid=valid,
        n=n,
        subject=subject,
    ).fixations
    # position = median of the fixation's valid samples, as checkFixations' medianXY
    medians = np.empty((len(found), 2))
    for k, (start, length) in enumerate(zip(found.t, found.duration, strict=True)):
        inside = valid & (t >= start) & (t < start + length)
        medians[k] = np.median(eye[inside], axis=0)
    found = Fixations(
        x=medians[:, 0],
        y=medians[:, 1],
        n=found.n,
        subject=found.subject,
        t=found.t,
        duration=found.duration,
    )
    if not keep_first:
        found = found[1:]
    converted = Fixations(
        x=found.x - 1.0,
        y=found.y - 1.0,
        n=found.n,
        subject=found.subject,
        t=found.t,
        duration=found.duration,
    )
    return converted[converted.inside(shape)]


def _detect_all(folder, images, shapes, threshold, keep_first, progress) -> Fixations:
    parts = []
    jobs = [(i, s) for i in range(len(images)) for s in range(len(USERS))]
    for i, s in tqdm(jobs, desc="MIT1003: detecting fixations", disable=not progress):
        path = folder / "DATA" / USERS[s] / f"{images[i].stem}.mat"
        if path.is_file():
            parts.append(detect_trial(read_eye_data(path), shapes[i], threshold, keep_first, i, s))
    if not parts:
        raise missing_files_error("mit1003", [folder / "DATA" / USERS[0] / f"{images[0].stem}.mat"])
    return Fixations.concatenate(parts)


def load_mit1003(
    root: str | Path,
    download: bool = True,
    threshold: float = 30.0,
    keep_first: bool = False,
    progress: bool = True,
) -> SaliencyDataset:
    """Load MIT1003 from ``<root>/mit1003/`` (official archives), detecting fixations once."""
    folder = Path(root) / "mit1003"
    needed = [folder / "ALLSTIMULI", folder / "DATA"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("mit1003", [p for p in needed if not p.is_dir()])
        from .download import fetch

        fetch(resources(), folder, progress=progress, done=lambda: all(p.is_dir() for p in needed))
    images = sorted((folder / "ALLSTIMULI").glob("*.jpeg"))
    if not images:
        raise missing_files_error("mit1003", [folder / "ALLSTIMULI" / "*.jpeg"])
    shapes = [read_image_shape(p) for p in images]
    first = "all" if keep_first else "nofirst"
    cache = folder / f"fixations-ivt-{threshold:g}-{first}-v{__version__}.npz"
    if cache.is_file():
        with np.load(cache) as data:
            fixations = Fixations(**{k: data[k] for k in data.files})
    else:
        fixations = _detect_all(folder, images, shapes, threshold, keep_first, progress)
        save_npz_atomic(
            cache,
            x=fixations.x,
            y=fixations.y,
            n=fixations.n,
            subject=fixations.subject,
            t=fixations.t,
            duration=fixations.duration,
        )
    splits = seeded_split(len(images), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0)
    iccv = set(ICCV100)
    in_iccv = np.array([p.stem in iccv for p in images])
    splits.update(iccv100=np.flatnonzero(in_iccv), rest=np.flatnonzero(~in_iccv))
    return SaliencyDataset(
        "mit1003",
        images,
        fixations,
        PIXELS_PER_DEGREE,
        CITATION,
        splits=splits,
        image_shapes=shapes,
    )

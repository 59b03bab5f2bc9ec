"""MIT1003 from its official archives, with fixations detected from the raw 240 Hz samples.

Tilke Judd, Krista Ehinger, Frédo Durand, Antonio Torralba. "Learning to
predict where humans look." ICCV 2009. people.csail.mit.edu/tjudd/WherePeopleLook/

Layout of ``<root>/mit1003/`` (as the archives extract): ``ALLSTIMULI/*.jpeg``
(1003 images, longest side 1024) and ``DATA/<user>/<image>.mat`` (15 users); the
official ``ALLFIXATIONMAPS.zip`` (``*_fixMap.jpg``) is not needed: maps are built
from the fixations, so it is not downloaded. Each ``DATA`` file
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
**Fixation cross.** Each trial started with the viewer fixating a central
cross (Judd et al. 2009), so the first fixation of every trial is on the
centre, not on the image's content. As Judd's code and pysaliency's
``get_mit1003`` (and DeepGaze, trained on it), the first detected fixation of
each trial is dropped by default; ``first_fixation=True`` keeps it (pysaliency's
``get_mit1003_with_initial_fixation``), e.g. to show the first fixation as a
statistic. The first fixation is dropped *before* the out-of-image filter, so a
trial whose first fixation fell off the image loses no other (as pysaliency).
Coordinates become 0-based by subtracting 1, and fixations outside the image
are dropped (:meth:`Fixations.inside`: ``-0.5 <= x < W - 0.5``, which is Judd's
``0 < x <= W`` on 1-based pixels up to half a pixel at each border). ``t`` is
the onset sample index / 240 Hz in ms.
Detected fixations are cached in ``<root>/mit1003/fixations-ivt-<params>-v<package version>.npz``
(written atomically).

**Order and splits.** Images are in natural order of their file names
(``natsort.natsorted``, as pysaliency and DeepGaze; :data:`MIT1003_STIMULI`
lists all 1003). ``splits``: ``iccv100`` (the MIT benchmark's 100-image tuning
subset) and ``rest``; a fixed seeded image-wise ``train``/``val``/``test`` split
(seed 0, 80/10/10 %); and DeepGaze's 10-fold cross-validation,
``splits(fold=k)`` -> ``{"train", "val", "test"}`` (pysaliency's
``crossval_split``: ``RandomState(42)`` shuffle of the 1003 indices, chunks of
101; test = fold k, val = fold k - 1; see :func:`mit1003_splits.deepgaze_folds`).

**How far this is from Judd's extraction** (pysaliency: 104,171 fixations with
``checkFixations``, first and out-of-image fixations dropped).
The raw ``DATA.zip`` samples are not reachable from the course's test machines,
so this was measured on a rebuild (``data_scripts/simulate_mit1003_raw.py``):
the 3,000 real FixaTons MIT1003 scanpaths of the course's 200 images (which
carry Judd's extraction: 20,660 fixations after the same two drops, 103.3 per
image, i.e. 103,610 for 1003 images against pysaliency's 104,171) were turned
into 240 Hz samples (:func:`saliency_course.gaze.simulate_samples`: main-sequence
saccades, drift, 0.1 deg noise), written as ``DATA/<user>/<image>.mat`` and
loaded here: **20,622 fixations detected against 20,660 recorded (-0.18 %)**,
per image within -5..+5 (mean absolute difference 0.91), 99.2 % of the recorded
fixations recovered within 1 degree and overlapping in time. Extrapolated to
1003 images: about 103,400 against pysaliency's 104,171 (-0.7 %, of which
-0.5 % is the 200-image subset's own rate). Real ISCAN samples are noisier
than the simulation, so the true gap can be larger; it cannot be measured
without ``DATA.zip``. Detection of the 3,000 trials takes 4.6 s of CPU time
(15,045 trials: about 25 s; before the I-VT merge step used prefix sums, 16 s
and about 80 s).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .. import __version__, gaze
from ..fixations import Fixations
from .base import SaliencyDataset, Splits, read_image_shape
from .files import (
    load_mat,
    missing_files_error,
    natural_sorted,
    save_npz_atomic,
    seeded_split,
)
from .mit1003_splits import ICCV100, MIT1003_STIMULI, deepgaze_folds

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
    first_fixation: bool,
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
    first = np.searchsorted(t, found.t, side="left")
    last = np.searchsorted(t, found.t + found.duration, side="left")
    for k, (a, b) in enumerate(zip(first, last, strict=True)):
        medians[k] = np.median(eye[a:b][valid[a:b]], axis=0)
    found = Fixations(
        x=medians[:, 0],
        y=medians[:, 1],
        n=found.n,
        subject=found.subject,
        t=found.t,
        duration=found.duration,
    )
    if not first_fixation:
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


def _detect_all(folder, images, shapes, threshold, first_fixation, progress) -> Fixations:
    parts = []
    jobs = [(i, s) for i in range(len(images)) for s in range(len(USERS))]
    for i, s in tqdm(jobs, desc="MIT1003: detecting fixations", disable=not progress):
        path = folder / "DATA" / USERS[s] / f"{images[i].stem}.mat"
        if path.is_file():
            parts.append(
                detect_trial(read_eye_data(path), shapes[i], threshold, first_fixation, i, s)
            )
    if not parts:
        raise missing_files_error("mit1003", [folder / "DATA" / USERS[0] / f"{images[0].stem}.mat"])
    return Fixations.concatenate(parts)


def load_mit1003(
    root: str | Path,
    download: bool = True,
    threshold: float = 30.0,
    first_fixation: bool = False,
    progress: bool = True,
    keep_first: bool | None = None,
) -> SaliencyDataset:
    """Load MIT1003 from ``<root>/mit1003/`` (official archives), detecting fixations once.

    ``first_fixation=True`` keeps each trial's first (fixation-cross) fixation;
    ``keep_first`` is its former, deprecated name.
    """
    if keep_first is not None:
        warnings.warn(
            "load_mit1003(keep_first=...) is deprecated, use first_fixation=...",
            DeprecationWarning,
            stacklevel=2,
        )
        first_fixation = bool(keep_first)
    folder = Path(root) / "mit1003"
    needed = [folder / "ALLSTIMULI", folder / "DATA"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("mit1003", [p for p in needed if not p.is_dir()])
        from .download import fetch

        fetch(resources(), folder, progress=progress, done=lambda: all(p.is_dir() for p in needed))
    images = natural_sorted((folder / "ALLSTIMULI").glob("*.jpeg"))
    if not images:
        raise missing_files_error("mit1003", [folder / "ALLSTIMULI" / "*.jpeg"])
    shapes = [read_image_shape(p) for p in images]
    first = "all" if first_fixation else "nofirst"
    cache = folder / f"fixations-ivt-{threshold:g}-{first}-v{__version__}.npz"
    stems = [p.stem for p in images]
    fixations = _read_cache(cache, stems)
    if fixations is None:
        fixations = _detect_all(folder, images, shapes, threshold, first_fixation, progress)
        save_npz_atomic(
            cache,
            images=np.array(stems),
            x=fixations.x,
            y=fixations.y,
            n=fixations.n,
            subject=fixations.subject,
            t=fixations.t,
            duration=fixations.duration,
        )
    return SaliencyDataset(
        "mit1003",
        images,
        fixations,
        PIXELS_PER_DEGREE,
        CITATION,
        splits=mit1003_splits(stems),
        image_shapes=shapes,
    )


def _read_cache(cache: Path, stems: list[str]) -> Fixations | None:
    """The cached fixations, or None if there is no cache or it was made for other images."""
    if not cache.is_file():
        return None
    with np.load(cache) as data:
        if "images" not in data.files or data["images"].tolist() != stems:
            return None
        return Fixations(**{k: data[k] for k in data.files if k != "images"})


def mit1003_splits(stems: list[str]) -> Splits:
    """The splits of MIT1003 images ``stems`` (all 1003 or a subset; see the module doc)."""
    splits = seeded_split(len(stems), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0)
    iccv = set(ICCV100)
    in_iccv = np.array([stem in iccv for stem in stems], dtype=bool)
    splits.update(iccv100=np.flatnonzero(in_iccv), rest=np.flatnonzero(~in_iccv))
    folds = deepgaze_folds(stems)
    unknown = sorted(set(stems) - set(MIT1003_STIMULI))
    note = "" if folds is not None else f"images {unknown[:3]} are not MIT1003 images"
    return Splits(splits, len(stems), folds, note)

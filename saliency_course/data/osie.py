"""OSIE: Object and Semantic Images and Eye-tracking (700 images, 15 observers).

Juan Xu, Ming Jiang, Shuo Wang, Mohan S. Kankanhalli, Qi Zhao. "Predicting
human gaze beyond pixels." Journal of Vision 14(1):28, 2014.
Files from the authors' repository NUS-VIP/predicting-human-gaze-beyond-pixels
(MIT licence), laid out as there: ``<root>/osie/data/stimuli/1001.jpg ...
1700.jpg``, ``data/eye/fixations.mat``, ``data/mouse_lab/<id>.mat``.

Conventions of the original files and how they are converted:

- ``fixations.mat``: cell (700, 1) of structs ``img``, ``subjects`` (cell (15, 1)
  of structs ``fix_x``, ``fix_y``, ``fix_duration``). Coordinates are MATLAB
  1-based pixels (minimum 1.2, maximum < W; the authors' own code indexes
  ``map(round(y), round(x))``), so 1 is subtracted from ``x`` and ``y``.
  Durations are milliseconds; onsets ``t`` are the cumulative sum of the
  previous durations of the trial (saccade time is not recorded, so ``t`` is a
  lower bound). Scanpath order is kept.
- ``mouse_lab/<id>.mat``: mouse positions recorded in the lab (the SALICON idea
  on the same images): ``coord`` is ``[row, col]``, 1-based, so ``x = col - 1``
  and ``y = row - 1``; ``order`` is the sample order within a subject, used as
  ``t`` (sample index, no clock was stored). Exposed as :attr:`OSIEDataset.mouse`.

**First fixation.** pysaliency's ``get_OSIE`` keeps every stored fixation,
and so does this loader by default (``first_fixation=True``). The stored
scanpaths do not start on the centre: only 32.2 % of the 10,500 first
fixations lie within 10 % of the image's width and height of its centre (later
fixations: 9.4 %; :func:`saliency_course.data.stats.first_fixation_center_share`),
so whatever fixation the trials started on is not in the file, or not central.
``first_fixation=False`` drops each trial's first stored fixation all the same
(onsets ``t`` keep their values).

Viewing geometry is not stated in the repository; the authors' fixation-map
code blurs with σ = 24 px, the usual one degree of visual angle, so
``pixels_per_degree = 24``. OSIE has no official split: a fixed seeded
image-wise split (seed 0: 560 train / 70 val / 70 test) is provided.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fixations import Fixations
from .base import SaliencyDataset
from .files import load_mat, missing_files_error, seeded_split

COMMIT = "4a467890fcb40a2fec04cdded552760942bac7a4"
ARCHIVE_URL = f"https://github.com/NUS-VIP/predicting-human-gaze-beyond-pixels/archive/{COMMIT}.zip"
FIXATIONS_MD5 = "8efdf6fe66f38b6e70f854c7ff45aa70"
IMAGE_IDS = range(1001, 1701)
PIXELS_PER_DEGREE = 24.0
SPLIT_FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}
CITATION = (
    "Juan Xu, Ming Jiang, Shuo Wang, Mohan S. Kankanhalli, Qi Zhao. Predicting human gaze "
    "beyond pixels. Journal of Vision 14(1):28, 2014."
)


class OSIEDataset(SaliencyDataset):
    """OSIE with eye fixations (:attr:`fixations`) and lab mouse tracking (:attr:`mouse`)."""

    fixation_sets = ("fixations", "mouse")

    def __init__(self, *args, mouse: Fixations | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._mouse = mouse

    @property
    def mouse(self) -> Fixations:
        """Mouse-tracking points (lab), ``t`` = sample order; ``n`` is the image index."""
        if self._mouse is None:
            raise ValueError("this OSIE dataset was loaded with mouse=False")
        return self._mouse


def parse_eye_fixations(
    path: str | Path, image_names: list[str], first_fixation: bool = True
) -> Fixations:
    """Read ``data/eye/fixations.mat`` into 0-based :class:`Fixations` (see module doc)."""
    cells = load_mat(path).get("fixations")
    if cells is None or cells.size != len(image_names):
        raise ValueError(
            f"{path}: expected a 'fixations' cell of {len(image_names)} images, got "
            f"{None if cells is None else cells.shape}"
        )
    index = {name: i for i, name in enumerate(image_names)}
    xs, ys, ns, subjects, onsets, durations = [], [], [], [], [], []
    for cell in cells.ravel():
        entry = cell[0, 0]
        name = str(entry["img"][0])
        if name not in index:
            raise ValueError(f"{path}: image {name!r} is not one of the OSIE stimuli")
        for s, subject_cell in enumerate(entry["subjects"].ravel()):
            trial = subject_cell[0, 0]
            x = np.asarray(trial["fix_x"], dtype=float).ravel()
            y = np.asarray(trial["fix_y"], dtype=float).ravel()
            d = np.asarray(trial["fix_duration"], dtype=float).ravel()
            if not len(x) == len(y) == len(d):
                raise ValueError(
                    f"{path}: image {name} subject {s}: fix_x/fix_y/fix_duration differ in length"
                )
            onset = np.concatenate([[0.0], np.cumsum(d)[:-1]])
            keep = slice(0 if first_fixation else 1, None)
            xs.append(x[keep] - 1.0)
            ys.append(y[keep] - 1.0)
            durations.append(d[keep])
            onsets.append(onset[keep])
            ns.append(np.full(len(x[keep]), index[name]))
            subjects.append(np.full(len(x[keep]), s))
    return Fixations(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        n=np.concatenate(ns),
        subject=np.concatenate(subjects),
        t=np.concatenate(onsets),
        duration=np.concatenate(durations),
    )


def parse_mouse(paths: list[Path]) -> Fixations:
    """Read ``data/mouse_lab/<id>.mat`` files (one per image, in order) into :class:`Fixations`."""
    xs, ys, ns, subjects, ts = [], [], [], [], []
    for n, path in enumerate(paths):
        data = load_mat(path).get("fixations")
        if data is None:
            raise ValueError(f"{path}: expected a 'fixations' struct with subj/coord/order")
        entry = data[0, 0]
        coord = np.asarray(entry["coord"], dtype=float).reshape(-1, 2)
        subject = np.asarray(entry["subj"], dtype=np.int64).ravel()
        order = np.asarray(entry["order"], dtype=float).ravel()
        if not len(coord) == len(subject) == len(order):
            raise ValueError(f"{path}: subj/coord/order differ in length")
        xs.append(coord[:, 1] - 1.0)
        ys.append(coord[:, 0] - 1.0)
        ns.append(np.full(len(coord), n))
        subjects.append(subject)
        ts.append(order)
    return Fixations(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        n=np.concatenate(ns),
        subject=np.concatenate(subjects),
        t=np.concatenate(ts),
    )


def _fetch(folder: Path, progress: bool, done) -> None:
    from .download import Resource, fetch, file_md5

    fetch(
        [Resource(ARCHIVE_URL, f"osie-{COMMIT[:7]}.zip", select="*/data", target="data")],
        folder,
        progress=progress,
        done=done,
    )
    actual = file_md5(folder / "data" / "eye" / "fixations.mat")
    if actual != FIXATIONS_MD5:
        from ..errors import ChecksumError

        raise ChecksumError(
            f"{folder / 'data/eye/fixations.mat'} from {ARCHIVE_URL}: expected MD5 "
            f"{FIXATIONS_MD5}, got {actual}"
        )


def load_osie(
    root: str | Path,
    download: bool = True,
    mouse: bool = True,
    first_fixation: bool = True,
    progress: bool = True,
) -> OSIEDataset:
    """Load OSIE from ``<root>/osie/data/`` (downloading the authors' repository if missing).

    ``first_fixation=False`` drops each trial's first stored fixation (see the module doc).
    """
    folder = Path(root) / "osie"
    names = [f"{i}.jpg" for i in IMAGE_IDS]
    images = [folder / "data" / "stimuli" / name for name in names]
    eye = folder / "data" / "eye" / "fixations.mat"
    mouse_paths = [folder / "data" / "mouse_lab" / f"{i}.mat" for i in IMAGE_IDS]
    needed = [*images, eye, *(mouse_paths if mouse else [])]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        if not download:
            raise missing_files_error("osie", missing)
        _fetch(folder, progress, done=lambda: all(p.is_file() for p in needed))
    return OSIEDataset(
        "osie",
        images,
        parse_eye_fixations(eye, names, first_fixation),
        PIXELS_PER_DEGREE,
        CITATION,
        splits=seeded_split(len(images), SPLIT_FRACTIONS, seed=0),
        mouse=parse_mouse(mouse_paths) if mouse else None,
    )

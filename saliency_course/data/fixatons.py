"""FixaTons: a collection of eye-tracking datasets with scanpaths and timing.

Dario Zanca, Valeria Serchi, Pietro Piu, Francesca Rosini, Alessandra Rufa.
"FixaTons: A collection of human fixations datasets and metrics for scanpath
similarity." arXiv:1802.02534, 2018. Each subset keeps the original dataset's
citation (MIT1003: Judd et al., ICCV 2009).

Layout (``<root>/fixatons/<SUBSET>/``): ``STIMULI/<image>.<ext>``,
``SCANPATHS/<image>/<subject>`` (plain text, one fixation per row:
``x y t_start t_end``, pixels and seconds from stimulus onset),
``FIXATION_MAPS/``, ``SALIENCY_MAPS/``.

Conversion: every stored fixation is kept, including the first one of each
scanpath (usually the central fixation cross); only fixations outside the image
are dropped (MIT1003: 34 of 23,693, the screen was larger than the image).
MIT1003 stores MATLAB 1-based pixels (its binary fixation maps sit at
``(y - 1, x - 1)``), so 1 is subtracted; SIENA12 stores 0-based pixels (the
value 0 occurs) and is kept. Other subsets need ``one_based=`` explicitly.
``t = 1000 t_start`` and ``duration = 1000 (t_end - t_start)`` in ms. Subjects
are numbered in sorted order of the scanpath file names (:attr:`subject_names`).

Splits: MIT1003 images in the MIT benchmark's 100-image tuning subset form
``"iccv100"``, the others ``"rest"``; every subset also gets a fixed seeded
image-wise ``train``/``val``/``test`` split (seed 0, 80/10/10 %).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fixations import Fixations
from .base import SaliencyDataset, read_image_shape
from .files import missing_files_error, seeded_split
from .mit1003_splits import ICCV100

COMMIT = "d089115993ce116834e3ecefd8bf5d4ba472496b"
ARCHIVE_URL = f"https://github.com/BerylGnanaraj/FixaTons_Trials/archive/{COMMIT}.zip"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
ONE_BASED = {"MIT1003": True, "SIENA12": False}
# MIT1003: about 35 px/deg (1280x1024 screen at about 2 ft, Judd et al. 2009).
# SIENA12: viewing geometry not published; the MIT1003 value is assumed.
PIXELS_PER_DEGREE = {"MIT1003": 35.0, "SIENA12": 35.0}
FIXATONS_CITATION = (
    "Dario Zanca, Valeria Serchi, Pietro Piu, Francesca Rosini, Alessandra Rufa. FixaTons: A "
    "collection of human fixations datasets and metrics for scanpath similarity. "
    "arXiv:1802.02534, 2018."
)
CITATIONS = {
    "MIT1003": "Tilke Judd, Krista Ehinger, Fredo Durand, Antonio Torralba. Learning to predict "
    "where humans look. ICCV 2009. Distributed in: " + FIXATONS_CITATION,
}


class FixaTonsDataset(SaliencyDataset):
    """A FixaTons subset; :attr:`subject_names` maps subject ids to scanpath file names."""

    def __init__(self, *args, subject_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.subject_names = subject_names

    def saliency_map_path(self, i: int) -> Path:
        """The subset's own continuous map of image ``i`` (``SALIENCY_MAPS/``)."""
        path = self.image_paths[self._check_index(i)]
        folder = path.parent.parent / "SALIENCY_MAPS"
        found = sorted(folder.glob(path.stem + ".*"))
        if not found:
            raise FileNotFoundError(f"no saliency map for {path.name} in {folder}")
        return found[0]


def read_scanpath(path: str | Path) -> np.ndarray:
    """A scanpath file as a float ``(k, 4)`` array ``x, y, t_start, t_end`` (k may be 0)."""
    path = Path(path)
    text = path.read_text()
    rows = [line.split() for line in text.splitlines() if line.strip()]
    try:
        data = np.array(rows, dtype=float).reshape(len(rows), -1) if rows else np.empty((0, 4))
    except ValueError as err:
        raise ValueError(
            f"scanpath file {path} must hold numeric rows 'x y t_start t_end': {err}"
        ) from err
    if data.shape[1] != 4 or not np.all(np.isfinite(data)):
        raise ValueError(
            f"scanpath file {path} must hold 4 finite columns 'x y t_start t_end', "
            f"got shape {data.shape}"
        )
    return data


def _stimuli(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "STIMULI").iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)


def parse_scanpaths(
    folder: Path, images: list[Path], shapes: list[tuple[int, int]], one_based: bool
) -> tuple[Fixations, list[str]]:
    """All scanpaths of a subset as :class:`Fixations` (see the module doc for conventions)."""
    subject_files = {
        i: sorted(p for p in (folder / "SCANPATHS" / img.stem).iterdir() if p.is_file())
        for i, img in enumerate(images)
        if (folder / "SCANPATHS" / img.stem).is_dir()
    }
    names = sorted({p.name for files in subject_files.values() for p in files})
    subject_id = {name: k for k, name in enumerate(names)}
    parts = []
    offset = 1.0 if one_based else 0.0
    for i, files in subject_files.items():
        for path in files:
            data = read_scanpath(path)
            fixations = Fixations(
                x=data[:, 0] - offset,
                y=data[:, 1] - offset,
                n=np.full(len(data), i),
                subject=np.full(len(data), subject_id[path.name]),
                t=1000.0 * data[:, 2],
                duration=1000.0 * (data[:, 3] - data[:, 2]),
            )
            parts.append(fixations[fixations.inside(shapes[i])])
    if not parts:
        raise ValueError(f"no scanpaths found under {folder / 'SCANPATHS'}")
    return Fixations.concatenate(parts), names


def _fetch(root: Path, progress: bool, done) -> None:
    from .download import Resource, fetch

    fetch(
        [Resource(ARCHIVE_URL, f"fixatons-{COMMIT[:7]}.zip", select="*/data/FixaTons")],
        root / "fixatons",
        progress=progress,
        done=done,
    )


def load_fixatons(
    root: str | Path,
    download: bool = True,
    subset: str = "MIT1003",
    one_based: bool | None = None,
    pixels_per_degree: float | None = None,
    progress: bool = True,
) -> FixaTonsDataset:
    """Load FixaTons subset ``subset`` from ``<root>/fixatons/<subset>/``."""
    if not isinstance(subset, str) or not subset:
        raise ValueError(f"subset must be a FixaTons folder name such as 'MIT1003', got {subset!r}")
    folder = Path(root) / "fixatons" / subset
    needed = [folder / "STIMULI", folder / "SCANPATHS"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("fixatons", [p for p in needed if not p.is_dir()])
        _fetch(Path(root), progress, done=lambda: all(p.is_dir() for p in needed))
        if not all(p.is_dir() for p in needed):
            raise ValueError(f"subset must be one of the FixaTons folders, {subset!r} has none")
    if one_based is None:
        if subset not in ONE_BASED:
            raise ValueError(
                f"one_based must be given for FixaTons subset {subset!r} "
                f"(known: {sorted(ONE_BASED)})"
            )
        one_based = ONE_BASED[subset]
    ppd = pixels_per_degree or PIXELS_PER_DEGREE.get(subset)
    if ppd is None:
        raise ValueError(f"pixels_per_degree must be given for FixaTons subset {subset!r}")
    images = _stimuli(folder)
    shapes = [read_image_shape(p) for p in images]
    fixations, subject_names = parse_scanpaths(folder, images, shapes, one_based)
    splits = seeded_split(len(images), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0)
    if subset == "MIT1003":
        iccv = set(ICCV100)
        in_iccv = np.array([p.stem in iccv for p in images])
        splits.update(iccv100=np.flatnonzero(in_iccv), rest=np.flatnonzero(~in_iccv))
    return FixaTonsDataset(
        f"fixatons/{subset}",
        images,
        fixations,
        ppd,
        CITATIONS.get(subset, FIXATONS_CITATION),
        splits=splits,
        image_shapes=shapes,
        subject_names=subject_names,
    )

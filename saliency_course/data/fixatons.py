"""FixaTons: a collection of eye-tracking datasets with scanpaths and timing.

Dario Zanca, Valeria Serchi, Pietro Piu, Francesca Rosini, Alessandra Rufa.
"FixaTons: A collection of human fixations datasets and metrics for scanpath
similarity." arXiv:1802.02534, 2018. Each subset keeps the original dataset's
citation (MIT1003: Judd et al., ICCV 2009).

Layout (``<root>/fixatons/<SUBSET>/``): ``STIMULI/<image>.<ext>``,
``SCANPATHS/<image>/<subject>`` (plain text, one fixation per row:
``x y t_start t_end``, pixels and seconds from stimulus onset),
``FIXATION_MAPS/``, ``SALIENCY_MAPS/``.

**Fixation cross.** MIT1003's trials start on a central fixation cross (Judd
et al. 2009) and its FixaTons scanpaths keep that first fixation: with
``first_fixation=True``, 98.97 % of the 3,000 first fixations lie within 10 % of
the image's width and height of its centre against 22.0 % of the later ones
(:func:`saliency_course.data.stats.first_fixation_center_share`). SIENA12's
first fixations are central too (92.3 % against 18.3 %). As the MIT code (Judd's ``checkFixations``,
pysaliency's ``get_mit1003``), the **first fixation of each scanpath is dropped
by default**; ``first_fixation=True`` keeps it. The first fixation is dropped
before the out-of-image filter, as pysaliency does (a scanpath whose first
fixation is off the image loses no other).

Counts on the course's copy (``shared/data``): MIT1003 (200 images) holds
23,693 fixations in 3,000 scanpaths, 34 of them outside the image (the 1280x1024
screen was larger than the images) — **20,660** remain by default, 23,659 with
``first_fixation=True``. SIENA12: 3,996 fixations in 272 non-empty scanpaths,
none outside — 3,724 by default, 3,996 with ``first_fixation=True``.

Conversion: MIT1003 stores MATLAB 1-based pixels (its binary fixation maps sit
at ``(y - 1, x - 1)``), so 1 is subtracted; SIENA12 stores 0-based pixels (the
value 0 occurs) and is kept. Other subsets need ``one_based=`` explicitly.
``t = 1000 t_start`` and ``duration = 1000 (t_end - t_start)`` in ms. Subjects
are numbered in sorted order of the scanpath file names (:attr:`subject_names`).
Images are in natural order of their file names (``natsort``, as pysaliency).

Splits: every subset gets a fixed seeded image-wise ``train``/``val``/``test``
split (seed 0, 80/10/10 %). MIT1003 images also get ``"iccv100"`` (the MIT
benchmark's 100-image tuning subset) and ``"rest"``, and DeepGaze's 10 folds,
``splits(fold=k)``: the folds are computed over all 1003 MIT1003 images in
pysaliency's order, and each fold keeps the subset's images that belong to it
(on the course's 200-image copy, folds of 17 to 24 images; the same image is in
the same fold as in the full dataset).

**Source.** The official repository, dariozanca/FixaTons, holds only the code;
its README points to a Google Drive zip (file id
``16i3GItnUAkWfATGFDF5qCqJbZFTCyWHA``) with no published checksum, which could
not be fetched from here to compare. The loader downloads instead a pinned
commit of the GitHub repository BerylGnanaraj/FixaTons_Trials, whose
``data/FixaTons`` folder holds the collection (the course's test copy comes from
it, and its MIT1003 maps match the MIT benchmark's own files; see
``shared/data/fixatons/MIT1003/SOURCE.md``). A GitHub archive is generated on
request and its bytes (hence any archive checksum) are not guaranteed stable, so
instead of an archive checksum the loader verifies, after a download, the
SHA-256 **tree digest** of the files the course uses (:data:`TREE_SHA256`,
:func:`tree_digest`): MIT1003's 200-image course subset and all of SIENA12. The
other 803 MIT1003 images of a full download are not covered by a checksum.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..errors import ChecksumError
from ..fixations import Fixations
from .base import SaliencyDataset, Splits, read_image_shape
from .files import missing_files_error, natural_sorted, seeded_split
from .mit1003 import mit1003_splits
from .mit1003_splits import ICCV100, MIT1003_STIMULI

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
# SHA-256 tree digests (see tree_digest) of the course's files of each subset, computed on the
# copy in shared/data (taken unchanged from FixaTons_Trials at COMMIT).
TREE_SHA256 = {
    "MIT1003": "65a822de99543abaec9bc989f7ede30b7dd7ea30002a1e15c65935400396eadd",
    "SIENA12": "814aa6d6d595bf644036b74ff267f481414e8abfbc982c36472006c47251778f",
}
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
    return natural_sorted(
        p for p in (folder / "STIMULI").iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS
    )


def course_subset(subset: str) -> tuple[str, ...] | None:
    """Image stems of the course's copy of ``subset`` (None: every image of it).

    MIT1003: the 100 ``ICCV100`` images plus every 9th of the other 903 names in
    lexicographic order, starting with the first (100 images).
    """
    if subset != "MIT1003":
        return None
    rest = sorted(set(MIT1003_STIMULI) - set(ICCV100))
    return tuple(sorted([*ICCV100, *rest[::9][:100]]))


def _tree_files(folder: Path, subset: str) -> list[Path]:
    stems = course_subset(subset)
    files = [
        p
        for sub in ("STIMULI", "SCANPATHS", "FIXATION_MAPS", "SALIENCY_MAPS")
        if (folder / sub).is_dir()
        for p in (folder / sub).rglob("*")
        if p.is_file()
    ]
    if stems is not None:
        keep = set(stems)
        files = [
            p
            for p in files
            if (p.parent.name if p.parent.parent.name == "SCANPATHS" else p.stem) in keep
        ]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def tree_digest(folder: str | Path, subset: str) -> str:
    """SHA-256 over ``"<sha256 of file>  <relative path>\\n"`` of the course's files of a subset.

    The files are those of :func:`course_subset`'s images under ``STIMULI``,
    ``SCANPATHS``, ``FIXATION_MAPS`` and ``SALIENCY_MAPS``, in sorted order of
    their POSIX paths relative to ``folder`` (``<root>/fixatons/<subset>``).
    """
    folder = Path(folder)
    total = hashlib.sha256()
    for path in _tree_files(folder, subset):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        total.update(f"{digest}  {path.relative_to(folder).as_posix()}\n".encode())
    return total.hexdigest()


def verify_fixatons(root: str | Path, subset: str) -> None:
    """Raise :class:`ChecksumError` unless ``subset``'s course files match :data:`TREE_SHA256`."""
    folder = Path(root) / "fixatons" / subset
    if subset not in TREE_SHA256:
        raise ValueError(f"subset must be one of {sorted(TREE_SHA256)}, got {subset!r}")
    actual = tree_digest(folder, subset)
    if actual != TREE_SHA256[subset]:
        raise ChecksumError(
            f"FixaTons {subset} in {folder} (from {ARCHIVE_URL}) does not match the pinned "
            f"files: expected tree SHA-256 {TREE_SHA256[subset]}, got {actual}"
        )


def parse_scanpaths(
    folder: Path,
    images: list[Path],
    shapes: list[tuple[int, int]],
    one_based: bool,
    first_fixation: bool = False,
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
            if not first_fixation:
                data = data[1:]
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


def _fetch(root: Path, subset: str, progress: bool, done) -> None:
    from .download import Resource, fetch

    fetch(
        [Resource(ARCHIVE_URL, f"fixatons-{COMMIT[:7]}.zip", select="*/data/FixaTons")],
        root / "fixatons",
        progress=progress,
        done=done,
    )
    if subset in TREE_SHA256 and done():
        verify_fixatons(root, subset)


def load_fixatons(
    root: str | Path,
    download: bool = True,
    subset: str = "MIT1003",
    one_based: bool | None = None,
    pixels_per_degree: float | None = None,
    first_fixation: bool = False,
    progress: bool = True,
) -> FixaTonsDataset:
    """Load FixaTons subset ``subset`` from ``<root>/fixatons/<subset>/``.

    ``first_fixation=True`` keeps each scanpath's first (fixation-cross) fixation.
    """
    if not isinstance(subset, str) or not subset:
        raise ValueError(f"subset must be a FixaTons folder name such as 'MIT1003', got {subset!r}")
    folder = Path(root) / "fixatons" / subset
    needed = [folder / "STIMULI", folder / "SCANPATHS"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("fixatons", [p for p in needed if not p.is_dir()])
        _fetch(Path(root), subset, progress, done=lambda: all(p.is_dir() for p in needed))
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
    fixations, subject_names = parse_scanpaths(folder, images, shapes, one_based, first_fixation)
    if subset == "MIT1003":
        splits = mit1003_splits([p.stem for p in images])
    else:
        splits = Splits(seeded_split(len(images), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0))
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

"""FIGRIM: Fine-Grained Image Memorability (630 target scenes, 21 categories).

Zoya Bylinskii, Phillip Isola, Constance Bainbridge, Antonio Torralba, Aude
Oliva. "Intrinsic and extrinsic effects on image memorability." Vision
Research 116:165-178, 2015. figrim.mit.edu, github.com/cvzoya/figrim.

Layout of ``<root>/figrim/``: ``targetData/allImages_release.mat`` (struct
array ``allImages`` of all 630 targets: ``filename``, ``category``, ``impath``
such as ``Targets/<category>/sun_....jpg``, ``userdata`` with one struct per
participant whose ``fixations`` holds ``enc``, ``rec``, ``rec2``: ``(N, 2)``
``[x, y]`` per presentation, in scanpath order) and the stimuli, either as
``Targets.zip`` extracts them (``Targets/<category>/``) or as
``Stimuli/<category>/``. Only targets whose image file is present are loaded
(the course's test copy holds the 30 ``amusement_park`` images).

Conversion: coordinates are MATLAB 1-based (the official ``FIXATIONLOCS`` maps
mark ``(round(y) - 1, round(x) - 1)``), so 1 is subtracted; fixations outside
the image are dropped. ``presentation`` chooses the encoding view (``"enc"``,
default: the first, free-viewing-like presentation during the memory game),
a recognition view (``"rec"``, ``"rec2"``) or ``"all"``. The files have no
fixation times.

**First fixation.** The stored scanpaths start on the centre: 92.6 % of the
489 first encoding fixations of the course's 30 images lie within 10 % of the
image's width and height of its centre, against 26.2 % of the later ones
(recognition views: 95.3 % and 93.7 %), so the presentations began with central
gaze (the paper's memory-game protocol; we could not reach its text to quote
the fixation cross). pysaliency's ``get_FIGRIM`` keeps every fixation, and so
does this loader by default (``first_fixation=True``), to match benchmarks
computed with it; ``first_fixation=False`` drops the first fixation of each
presentation's scanpath (before the out-of-image filter), as MIT1003 does.

Subject ids index ``userdata``, one per recording session
(:attr:`FIGRIMDataset.subject_names` holds the session labels, e.g. ``ab_7_1``;
a participant's initials can recur over several sessions). Viewing geometry is not in the released
files; the MIT group's usual ≈35 px/deg is assumed. Split: seeded image-wise
``train``/``val``/``test`` (seed 0, 80/10/10 %).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fixations import Fixations
from .base import SaliencyDataset, read_image_shape
from .files import load_mat, missing_files_error, seeded_split

ANNOTATION = "targetData/allImages_release.mat"
PRESENTATIONS = ("enc", "rec", "rec2")
PIXELS_PER_DEGREE = 35.0
CITATION = (
    "Zoya Bylinskii, Phillip Isola, Constance Bainbridge, Antonio Torralba, Aude Oliva. "
    "Intrinsic and extrinsic effects on image memorability. Vision Research 116:165-178, 2015."
)


class FIGRIMDataset(SaliencyDataset):
    """FIGRIM targets; :attr:`categories` per image, :attr:`subject_names` per session id."""

    per_image = ("categories",)

    def __init__(self, *args, categories: list[str], subject_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.subject_names = subject_names


def resources():
    from .download import Resource

    return [
        Resource(
            "http://figrim.mit.edu/Targets.zip", "Targets.zip", "2ad3a42ebc377efe4b39064405568201"
        ),
        Resource(
            "https://github.com/cvzoya/figrim/blob/master/targetData/allImages_release.mat?raw=True",
            "allImages_release.mat",
            "c72843b05e95ab27594c1d11c849c897",
            archive=False,
            target=ANNOTATION,
        ),
    ]


def _text(value) -> str:
    return str(np.asarray(value).ravel()[0]) if np.asarray(value).size else ""


def _find_image(folder: Path, impath: str, category: str, filename: str) -> Path | None:
    for candidate in (folder / impath, folder / "Stimuli" / category / filename):
        if candidate.is_file():
            return candidate
    return None


def load_figrim(
    root: str | Path,
    download: bool = True,
    presentation: str = "enc",
    first_fixation: bool = True,
    progress: bool = True,
) -> FIGRIMDataset:
    """Load the FIGRIM targets present under ``<root>/figrim/`` with their fixations.

    ``first_fixation=False`` drops each scanpath's first fixation (see the module doc).
    """
    if presentation not in (*PRESENTATIONS, "all"):
        raise ValueError(
            f"presentation must be one of {(*PRESENTATIONS, 'all')}, got {presentation!r}"
        )
    folder = Path(root) / "figrim"
    annotation = folder / ANNOTATION
    has_images = (folder / "Targets").is_dir() or (folder / "Stimuli").is_dir()
    if not (annotation.is_file() and has_images):
        if not download:
            raise missing_files_error("figrim", [annotation, folder / "Targets" / "<category>"])
        from .download import fetch

        fetch(
            resources(),
            folder,
            progress=progress,
            done=lambda: annotation.is_file() and (folder / "Targets").is_dir(),
        )
    entries = load_mat(annotation).get("allImages")
    if entries is None:
        raise ValueError(f"{annotation}: expected a struct array 'allImages'")
    images, categories, parts, names = [], [], [], {}
    views = PRESENTATIONS if presentation == "all" else (presentation,)
    for entry in entries.ravel():
        category, filename = _text(entry["category"]), _text(entry["filename"])
        path = _find_image(folder, _text(entry["impath"]), category, filename)
        if path is None:
            continue
        n = len(images)
        images.append(path)
        categories.append(category)
        shape = read_image_shape(path)
        for j, user in enumerate(entry["userdata"].ravel()):
            if user["fixations"].size == 0:
                continue
            names.setdefault(j, _text(user["RECORDING_SESSION_LABEL"]))
            record = user["fixations"][0, 0]
            for view in views:
                xy = (
                    np.asarray(record[view], dtype=float).reshape(-1, 2)
                    if record[view].size
                    else np.empty((0, 2))
                )
                if not first_fixation:
                    xy = xy[1:]
                f = Fixations(
                    x=xy[:, 0] - 1.0,
                    y=xy[:, 1] - 1.0,
                    n=np.full(len(xy), n),
                    subject=np.full(len(xy), j),
                )
                parts.append(f[f.inside(shape)])
    if not images:
        raise missing_files_error("figrim", [folder / "Targets" / "<category>" / "sun_*.jpg"])
    subject_names = [names.get(j, "") for j in range(max(names, default=-1) + 1)]
    return FIGRIMDataset(
        "figrim",
        images,
        Fixations.concatenate(parts),
        PIXELS_PER_DEGREE,
        CITATION,
        splits=seeded_split(len(images), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0),
        categories=categories,
        subject_names=subject_names,
    )

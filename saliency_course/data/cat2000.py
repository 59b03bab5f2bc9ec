"""CAT2000: 4,000 images of 20 categories, 24 observers (training half released).

Ali Borji, Laurent Itti. "CAT2000: A large scale fixation dataset for boosting
saliency research." CVPR 2015 workshop "Future of Datasets", arXiv:1505.03581.
saliency.mit.edu. Free viewing for 5 s; 1920x1080 images.

Layout of ``<root>/cat2000/`` as ``trainSet.zip`` extracts:
``trainSet/Stimuli/<category>/<NNN>.jpg`` and
``trainSet/FIXATIONLOCS/<category>/<NNN>.mat`` (variable ``fixLocs``: a binary
image-sized map, 1 where an observer fixated). The loader reads the fixations
from ``FIXATIONLOCS``: one fixation per marked pixel, at ``x = column``,
``y = row`` (0-based numpy indices of the map), ``subject = 0``. Observer
identities, order, timing and repeated fixations on one pixel are not in these
maps (pysaliency recovers them from the raw data with MATLAB; this loader stays
in pure Python). Images without a ``FIXATIONLOCS`` file (e.g. the test set's
``Output`` folders) are skipped.

**First fixation.** The maps hold every fixated pixel with no order, so a
trial's first fixation cannot be told apart and is kept; there is no
``first_fixation`` option. pysaliency keeps it too: its CAT2000 loaders set
``first_fixation = 0`` (reading the raw ``allFixData.mat`` in scanpath order).
Whether the trials began on a central cross is not stated in the files; the
paper's text was not reachable to check.

Splits: one per category (the official grouping, ``"Action"``, ``"Affective"``,
...) and a fixed seeded image-wise ``train``/``val``/``test`` (seed 0, 80/10/10 %).
Viewing geometry: about 38 pixels per degree is assumed for the 1920x1080
images (an estimate, not read from the files; override with
``load_dataset("cat2000", pixels_per_degree=...)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..fixations import Fixations
from .base import SaliencyDataset
from .files import (
    fixations_from_binary_map,
    load_mat,
    missing_files_error,
    natural_key,
    seeded_split,
)

URL, MD5 = "http://saliency.mit.edu/trainSet.zip", "56ad5c77e6c8f72ed9ef2901628d6e48"
PIXELS_PER_DEGREE = 38.0
CITATION = (
    "Ali Borji, Laurent Itti. CAT2000: A large scale fixation dataset for boosting saliency "
    "research. CVPR 2015 workshop on Future of Datasets, arXiv:1505.03581."
)


class CAT2000Dataset(SaliencyDataset):
    """CAT2000 training images; :attr:`categories` names each image's category."""

    per_image = ("categories",)

    def __init__(self, *args, categories: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories


def read_fixlocs(path: str | Path) -> np.ndarray:
    """The binary ``fixLocs`` map of a FIXATIONLOCS ``.mat`` file."""
    fixlocs = load_mat(path).get("fixLocs")
    if fixlocs is None or fixlocs.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D variable 'fixLocs'")
    return fixlocs


def load_cat2000(root: str | Path, download: bool = True, progress: bool = True) -> CAT2000Dataset:
    """Load the CAT2000 training set from ``<root>/cat2000/trainSet/``."""
    folder = Path(root) / "cat2000"
    base = folder / "trainSet"
    needed = [base / "Stimuli", base / "FIXATIONLOCS"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("cat2000", [p for p in needed if not p.is_dir()])
        from .download import Resource, fetch

        fetch(
            [Resource(URL, "trainSet.zip", MD5)],
            folder,
            progress=progress,
            done=lambda: all(p.is_dir() for p in needed),
        )
    images, categories, parts = [], [], []
    for category in sorted(p.name for p in (base / "Stimuli").iterdir() if p.is_dir()):
        stimuli = sorted((base / "Stimuli" / category).glob("*.jpg"), key=natural_key)
        for path in tqdm(stimuli, desc=f"CAT2000 {category}", disable=not progress):
            mat = base / "FIXATIONLOCS" / category / (path.stem + ".mat")
            if not mat.is_file():
                continue
            parts.append(fixations_from_binary_map(read_fixlocs(mat), len(images)))
            images.append(path)
            categories.append(category)
    if not images:
        raise missing_files_error("cat2000", [base / "FIXATIONLOCS" / "<category>" / "<NNN>.mat"])
    splits = {c: np.flatnonzero(np.array(categories) == c) for c in sorted(set(categories))}
    splits.update(seeded_split(len(images), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0))
    return CAT2000Dataset(
        "cat2000",
        images,
        Fixations.concatenate(parts),
        PIXELS_PER_DEGREE,
        CITATION,
        splits=splits,
        categories=categories,
    )

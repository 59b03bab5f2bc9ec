"""Toronto (Bruce & Tsotsos): 120 colour images, 20 observers, free viewing 4 s.

Neil D. B. Bruce, John K. Tsotsos. "Saliency based on information
maximization." NIPS 2005; "Saliency, attention, and visual search: an
information theoretic approach." Journal of Vision 9(3):5, 2009.

Layout of ``<root>/toronto/`` as ``eyetrackingdata.zip`` extracts:
``eyetrackingdata/fixdens/Original Image Set/<1..120>.jpg`` (681x511) and
``eyetrackingdata/fixdens/origfixdata.mat`` whose cell ``white`` holds one
binary 511x681 map per image, 1 at each fixated pixel of any observer. As in
pysaliency, fixations are read from those maps: ``x = column``, ``y = row``
(0-based numpy indices), ``subject = 0`` (per-observer files in ``Raw/`` are not
in image pixels). Viewing geometry: about 34 px/deg is assumed (a 21-inch
CRT at 1024x768 seen from 0.75 m, as we read the set-up; an estimate, override
with ``pixels_per_degree=``). Split: seeded image-wise ``train``/``val``/``test``
(seed 0, 80/10/10 %).
"""

from __future__ import annotations

from pathlib import Path

from ..fixations import Fixations
from .base import SaliencyDataset
from .files import fixations_from_binary_map, load_mat, missing_files_error, seeded_split

URL, MD5 = (
    "http://www-sop.inria.fr/members/Neil.Bruce/eyetrackingdata.zip",
    "38d5c02217060d4d2d1a4649cc632af1",
)
COUNT = 120
PIXELS_PER_DEGREE = 34.0
CITATION = (
    "Neil D. B. Bruce, John K. Tsotsos. Saliency based on information maximization. NIPS 2005."
)


def load_toronto(root: str | Path, download: bool = True, progress: bool = True) -> SaliencyDataset:
    """Load the Toronto dataset from ``<root>/toronto/eyetrackingdata/fixdens/``."""
    base = Path(root) / "toronto" / "eyetrackingdata" / "fixdens"
    images = [base / "Original Image Set" / f"{k}.jpg" for k in range(1, COUNT + 1)]
    mat = base / "origfixdata.mat"
    missing = [p for p in [*images, mat] if not p.is_file()]
    if missing:
        if not download:
            raise missing_files_error("toronto", missing)
        from .download import Resource, fetch

        fetch(
            [Resource(URL, "eyetrackingdata.zip", MD5)],
            Path(root) / "toronto",
            progress=progress,
            done=lambda: all(p.is_file() for p in [*images, mat]),
        )
    white = load_mat(mat).get("white")
    if white is None or white.size != COUNT:
        raise ValueError(f"{mat}: expected a cell 'white' of {COUNT} fixation maps")
    fixations = Fixations.concatenate(
        fixations_from_binary_map(m, n) for n, m in enumerate(white.ravel())
    )
    return SaliencyDataset(
        "toronto",
        images,
        fixations,
        PIXELS_PER_DEGREE,
        CITATION,
        splits=seeded_split(COUNT, {"train": 0.8, "val": 0.1, "test": 0.1}, seed=0),
    )
